/* rules_conversation.c — the YAML keys of conversation rules: `when` (a rule
 * that applies only once a tag fired), `kind: metric` with its `metric` and
 * thresholds, `announce` (the phrase that makes a hold announced),
 * `waiting` (a customer's 喂？还在吗？ that does not end a hold) and
 * `customer_pause` (a customer's 请稍等 that makes the wait theirs). The
 * rest of a rule (id, kind, points, conditions...) is read by rules.c. */
#include "internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;
    zj_metric metric;
    /* Threshold keys this metric takes, NULL-terminated. */
    const char *keys[3];
} metrics[] = {
    {"answer_time", ZJ_METRIC_ANSWER_TIME, {"max_seconds", NULL}},
    {"silence", ZJ_METRIC_SILENCE, {"min_seconds", NULL}},
    {"interruption", ZJ_METRIC_INTERRUPTION, {"overlap_seconds", NULL}},
    {"speech_rate", ZJ_METRIC_SPEECH_RATE, {"min", "max", NULL}},
    {"duration", ZJ_METRIC_DURATION, {"min_seconds", "max_seconds", NULL}},
    {"talk_share", ZJ_METRIC_TALK_SHARE, {"min", "max", NULL}},
};
#define N_METRICS (sizeof metrics / sizeof *metrics)

static const char *const threshold_keys[] = {"max_seconds", "min_seconds", "overlap_seconds", "min",
                                             "max"};

const char *zj_metric_name(zj_metric m)
{
    for (size_t i = 0; i < N_METRICS; i++)
        if (metrics[i].metric == m)
            return metrics[i].name;
    return NULL;
}

__attribute__((format(printf, 4, 5))) static void fail(zj_fail_fn fn, void *ld, const zj_ynode *at,
                                                       const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fn(ld, at, msg);
}

/* A bound as given, in the unit the metric is judged in: seconds as whole
 * milliseconds (what timestamps count), chars/min and percent as whole
 * numbers (what findings report). A finer bound is refused rather than
 * rounded: 59.5 read as 60 would pass a share the rule set means to fail. */
static bool number(const zj_ynode *n, const char *key, const char *metric, bool seconds, double max,
                   int64_t *out, zj_fail_fn fn, void *ld)
{
    if (n->type == ZJ_YNODE_SCALAR && !n->quoted) {
        char *end;
        double v = strtod(n->value, &end);
        if (end != n->value && !*end && v >= 0 && v <= max) {
            if (seconds && zj_whole_ms(v, out))
                return true;
            if (!seconds && v == (double)(int64_t)v) {
                *out = (int64_t)v;
                return true;
            }
            if (seconds)
                fail(fn, ld, n,
                     "'%s' must be a whole number of milliseconds (at most 3 decimals: "
                     "timestamps count milliseconds), got '%.40s'",
                     key, n->value);
            else if (!strcmp(metric, "talk_share") && v < 1)
                fail(fn, ld, n,
                     "'%s' of talk_share must be a whole percentage, got '%.40s' (a fraction? "
                     "write 60 for 60 %%)",
                     key, n->value);
            else
                fail(fn, ld, n,
                     "'%s' of %s must be a whole number (its value is judged against the bound "
                     "unrounded and reported in whole %s), got '%.40s'",
                     key, metric, !strcmp(metric, "talk_share") ? "%" : "chars/min", n->value);
            return false;
        }
    }
    fail(fn, ld, n, "'%s' must be a number from 0 to %g, got '%.40s'", key, max,
         n->type == ZJ_YNODE_SCALAR ? n->value : "a list or mapping");
    return false;
}

static bool takes(size_t m, const char *key)
{
    for (const char *const *k = metrics[m].keys; *k; k++)
        if (strcmp(*k, key) == 0)
            return true;
    return false;
}

void zj_rules_parse_conversation(const zj_ynode *map, zj_rule *r, zj_fail_fn fn, void *ld)
{
    r->when = -1;
    r->announce = -1;
    r->waiting = -1;
    r->customer_pause = -1;
    r->metric_min = r->metric_max = -1;
    const zj_ynode *v = zj_yaml_get(map, "metric");
    size_t m = N_METRICS;
    if (v) {
        if (v->type == ZJ_YNODE_SCALAR)
            for (m = 0; m < N_METRICS && strcmp(metrics[m].name, v->value) != 0; m++)
                ;
        if (m == N_METRICS)
            fail(fn, ld, v,
                 "unknown metric '%.40s' (expected answer_time, silence, interruption, "
                 "speech_rate, duration or talk_share)",
                 v->type == ZJ_YNODE_SCALAR ? v->value : "?");
        else
            r->metric = metrics[m].metric;
        if (r->kind != ZJ_KIND_METRIC)
            fail(fn, ld, v, "'metric' needs kind: metric");
    } else if (r->kind == ZJ_KIND_METRIC) {
        fail(fn, ld, map,
             "a metric rule needs 'metric' (answer_time, silence, interruption, speech_rate, "
             "duration or talk_share)");
    }
    bool bound_refused = false; /* reported: no second error saying it is missing */
    for (size_t k = 0; k < sizeof threshold_keys / sizeof *threshold_keys; k++) {
        const char *key = threshold_keys[k];
        if (!(v = zj_yaml_get(map, key)))
            continue;
        if (m == N_METRICS || !takes(m, key)) {
            const zj_ynode *mv = zj_yaml_get(map, "metric");
            if (m < N_METRICS && map->over_file && mv->file && v->file &&
                !strcmp(mv->file, map->over_file) && strcmp(v->file, map->over_file))
                /* an override's metric the base rule's bound does not fit */
                fail(fn, ld, mv, "'%s' (the base rule's, at %s:%ld) does not apply to %s", key,
                     v->file, v->line, metrics[m].name);
            else
                fail(fn, ld, v, "'%s' does not apply to %s", key,
                     m == N_METRICS ? "a rule without a metric" : metrics[m].name);
            continue;
        }
        bool is_seconds = strstr(key, "seconds") != NULL;
        bool is_percent = r->metric == ZJ_METRIC_TALK_SHARE;
        int64_t x;
        if (!number(v, key, metrics[m].name, is_seconds,
                    is_seconds   ? 86400.0
                    : is_percent ? 100.0
                                 : 100000.0,
                    &x, fn, ld)) {
            bound_refused = true;
            continue;
        }
        if (strncmp(key, "max", 3) == 0)
            r->metric_max = x;
        else
            r->metric_min = x;
    }
    if (m < N_METRICS && !bound_refused) {
        bool need_max = r->metric == ZJ_METRIC_ANSWER_TIME;
        bool need_min = r->metric == ZJ_METRIC_SILENCE;
        bool need_one = r->metric == ZJ_METRIC_SPEECH_RATE || r->metric == ZJ_METRIC_DURATION ||
                        r->metric == ZJ_METRIC_TALK_SHARE;
        if (need_max && r->metric_max < 0)
            fail(fn, ld, map, "metric %s needs 'max_seconds'", metrics[m].name);
        if (need_min && r->metric_min < 0)
            fail(fn, ld, map, "metric %s needs 'min_seconds' (the shortest gap that counts)",
                 metrics[m].name);
        if (need_one && r->metric_min < 0 && r->metric_max < 0)
            fail(fn, ld, map, "metric %s needs a lower or an upper bound (%s)", metrics[m].name,
                 r->metric == ZJ_METRIC_DURATION ? "min_seconds, max_seconds" : "min, max");
        if (r->metric_min >= 0 && r->metric_max >= 0 && r->metric_min > r->metric_max &&
            r->metric != ZJ_METRIC_SILENCE)
            fail(fn, ld, map, "the lower bound of metric %s is above its upper bound",
                 metrics[m].name);
        if (r->metric == ZJ_METRIC_INTERRUPTION && r->metric_min < 0)
            r->metric_min = 0;
    }
    if ((v = zj_yaml_get(map, "announce")) && r->metric != ZJ_METRIC_SILENCE)
        fail(fn, ld, v, "'announce' applies only to metric silence");
    if ((v = zj_yaml_get(map, "waiting")) && r->metric != ZJ_METRIC_SILENCE)
        fail(fn, ld, v, "'waiting' applies only to metric silence");
    if ((v = zj_yaml_get(map, "customer_pause")) && r->metric != ZJ_METRIC_SILENCE)
        fail(fn, ld, v, "'customer_pause' applies only to metric silence");
    if ((v = zj_yaml_get(map, "when")) && r->kind == ZJ_KIND_TAG)
        fail(fn, ld, v,
             "a tag cannot be conditional ('when' applies to required, forbidden "
             "and metric rules)");
}

/* Index of the rule with this id, or -1. */
static long find_rule(const zj_ruleset *rs, const char *id)
{
    for (size_t i = 0; i < rs->n_rules; i++)
        if (rs->rules[i].id && strcmp(rs->rules[i].id, id) == 0)
            return (long)i;
    return -1;
}

static long reference(const zj_ruleset *rs, const zj_ynode *v, const char *key, size_t self,
                      zj_fail_fn fn, void *ld)
{
    if (v->type != ZJ_YNODE_SCALAR) {
        fail(fn, ld, v, "'%s' must be a rule id", key);
        return -1;
    }
    long ri = find_rule(rs, v->value);
    if (ri < 0)
        fail(fn, ld, v, "'%s' names '%.60s', which is not a rule of this rule set", key, v->value);
    else if ((size_t)ri == self)
        fail(fn, ld, v, "'%s' names the rule itself", key);
    return (size_t)ri == self ? -1 : ri;
}

/* A rule of phrases that hears the customer, named by a silence's key: its
 * hits are read on customer turns only, so an agent rule would never be
 * heard. -1 when it is none. */
static int32_t customer_words(const zj_ruleset *rs, const zj_ynode *v, const char *key, size_t self,
                              zj_fail_fn fn, void *ld)
{
    long w = reference(rs, v, key, self, fn, ld);
    if (w < 0)
        return -1;
    if (!rs->rules[w].has_condition) {
        fail(fn, ld, v, "'%s' names '%.60s', which has no phrases", key, v->value);
        return -1;
    }
    if (rs->rules[w].speaker == ZJ_SPEAKER_AGENT) {
        fail(fn, ld, v,
             "'%s' names '%.60s', an agent rule; it must hear the customer (speaker: customer)",
             key, v->value);
        return -1;
    }
    return (int32_t)w;
}

void zj_rules_resolve_refs(zj_ruleset *rs, const zj_ynode *seq, zj_fail_fn fn, void *ld)
{
    size_t ri = 0;
    for (size_t i = 0; i < seq->n && ri < rs->n_rules; i++) {
        const zj_ynode *map = seq->items[i];
        if (map->type != ZJ_YNODE_MAP)
            continue; /* rules.c made no rule of it */
        zj_rule *r = &rs->rules[ri];
        const zj_ynode *v;
        if ((v = zj_yaml_get(map, "when")) && r->kind != ZJ_KIND_TAG) {
            long t = reference(rs, v, "when", ri, fn, ld);
            if (t >= 0 && rs->rules[t].kind != ZJ_KIND_TAG)
                fail(fn, ld, v, "'when' names '%.60s', a %s rule; it must name a tag", v->value,
                     zj_kind_name(rs->rules[t].kind));
            else if (t >= 0)
                r->when = (int32_t)t;
        }
        if ((v = zj_yaml_get(map, "announce")) && r->metric == ZJ_METRIC_SILENCE) {
            long a = reference(rs, v, "announce", ri, fn, ld);
            if (a >= 0 && !rs->rules[a].has_condition)
                fail(fn, ld, v, "'announce' names '%.60s', which has no phrases", v->value);
            else if (a >= 0 && rs->rules[a].speaker == ZJ_SPEAKER_CUSTOMER)
                /* its hits are read on the agent's turns: a customer rule
                 * would leave every hold unannounced */
                fail(fn, ld, v,
                     "'announce' names '%.60s', a customer rule; it must hear the agent "
                     "(speaker: agent)",
                     v->value);
            else if (a >= 0)
                r->announce = (int32_t)a;
        }
        if ((v = zj_yaml_get(map, "waiting")) && r->metric == ZJ_METRIC_SILENCE)
            r->waiting = customer_words(rs, v, "waiting", ri, fn, ld);
        if ((v = zj_yaml_get(map, "customer_pause")) && r->metric == ZJ_METRIC_SILENCE)
            r->customer_pause = customer_words(rs, v, "customer_pause", ri, fn, ld);
        if ((r->window == ZJ_WIN_AFTER_UTTERANCES || r->window == ZJ_WIN_AFTER_SECONDS) &&
            !zj_yaml_get(map, "when"))
            fail(fn, ld, zj_yaml_get(map, "within"),
                 "after_utterances and after_seconds count from a tag: add 'when'");
        ri++;
    }
}
