/* eval.c — measures a rule set against gold labels (corpus/gold schema):
 * scores each call (no store), matches the forbidden findings that count
 * (outcome hit, points != 0 or a fatal rule, not quoted) with the labelled
 * forbidden spans by turn and overlap, and reports precision and recall
 * overall and per rule, verdict agreement, agreement on the calls failed
 * outright (一票否决: a label under a fatal rule against the call's fatal),
 * how labelled quotations were treated, and every disagreement. */
#include "internal.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

typedef struct gold_span {
    long turn;
    uint32_t start, end;
    char *quote;
    char *rule; /* NULL for quoted entries */
    long line;  /* of the label line, for messages */
} gold_span;

typedef struct gold_call {
    char *call_id;
    gold_span *forbidden, *quoted;
    size_t n_forbidden, n_quoted;
    long line;
    bool seen;
} gold_call;

typedef struct rule_stat {
    char *rule;
    size_t hits, hits_matched, labels, labels_matched;
} rule_stat;

typedef struct disagreement {
    char *call_id, *text, *engine_rule, *label_rule;
    /* "false positive", "missed", "rule differs", "quote scored", and per
     * call "fatal not failed", "failed without a fatal label" */
    const char *kind;
    long turn;
    uint32_t start, end;
} disagreement;

struct zj_eval {
    const zj_ruleset *rs;
    zj_scorer *scorer;
    char *labels_path;
    gold_call *calls; /* sorted by call_id once loaded */
    size_t n_calls, cap_calls;
    rule_stat *rules;
    size_t n_rules, cap_rules;
    disagreement *dis;
    size_t n_dis, cap_dis;
    zj_eval_summary sum;
    zj_norm norm; /* zj_eval_clauses */
};

/* ------------------------------------------------------------- helpers */

static bool grow(void **v, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return true;
    size_t c = *cap ? *cap * 2 : 16;
    void *p = realloc(*v, c * size);
    if (!p)
        return false;
    *v = p;
    *cap = c;
    return true;
}

static void gold_call_free(gold_call *g)
{
    for (size_t i = 0; i < g->n_forbidden; i++) {
        free(g->forbidden[i].quote);
        free(g->forbidden[i].rule);
    }
    for (size_t i = 0; i < g->n_quoted; i++)
        free(g->quoted[i].quote);
    free(g->forbidden);
    free(g->quoted);
    free(g->call_id);
}

zj_eval *zj_eval_new(const zj_ruleset *rs, zj_error *err)
{
    zj_eval *ev = calloc(1, sizeof *ev);
    if (!ev) {
        zj_error_set(err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory");
        return NULL;
    }
    ev->rs = rs;
    zj_norm_init(&ev->norm);
    ev->scorer = zj_scorer_new(rs, err);
    if (!ev->scorer) {
        free(ev);
        return NULL;
    }
    return ev;
}

void zj_eval_free(zj_eval *ev)
{
    if (!ev)
        return;
    zj_scorer_free(ev->scorer);
    zj_norm_free(&ev->norm);
    for (size_t i = 0; i < ev->n_calls; i++)
        gold_call_free(&ev->calls[i]);
    free(ev->calls);
    for (size_t i = 0; i < ev->n_rules; i++)
        free(ev->rules[i].rule);
    free(ev->rules);
    for (size_t i = 0; i < ev->n_dis; i++) {
        free(ev->dis[i].call_id);
        free(ev->dis[i].text);
        free(ev->dis[i].engine_rule);
        free(ev->dis[i].label_rule);
    }
    free(ev->dis);
    free(ev->labels_path);
    free(ev);
}

/* ------------------------------------------------------------- labels */

/* The first key of obj that known (NULL-terminated) does not list, or
 * NULL. A misspelt key ("forbiden") would otherwise drop its labels in
 * silence, and recall would be measured on fewer of them. */
static const char *unknown_key(json_t *obj, const char *const *known)
{
    const char *key;
    json_t *value;
    json_object_foreach(obj, key, value) {
        (void)value;
        size_t i = 0;
        while (known[i] && strcmp(known[i], key) != 0)
            i++;
        if (!known[i])
            return key;
    }
    return NULL;
}

/* One entry of "forbidden" / "quoted": {turn, span: [s, e], quote[, rule]}. */
static bool parse_span(json_t *item, bool want_rule, gold_span *out, const char **why,
                       char *msg, size_t msg_size)
{
    static const char *const keys[] = {"turn", "span", "quote", "rule", NULL};
    json_t *turn = json_object_get(item, "turn"), *span = json_object_get(item, "span");
    json_t *quote = json_object_get(item, "quote"), *rule = json_object_get(item, "rule");
    if (!json_is_object(item))
        return *why = "an entry is not an object", false;
    const char *unknown = unknown_key(item, keys);
    if (unknown) {
        snprintf(msg, msg_size, "an entry has an unknown key '%.40s' (it holds turn, span, quote "
                 "and rule)", unknown);
        return *why = msg, false;
    }
    if (!json_is_integer(turn) || json_integer_value(turn) < 0)
        return *why = "an entry has no valid 'turn'", false;
    if (!json_is_array(span) || json_array_size(span) != 2 ||
        !json_is_integer(json_array_get(span, 0)) || !json_is_integer(json_array_get(span, 1)))
        return *why = "an entry has no valid 'span' [start, end]", false;
    json_int_t s = json_integer_value(json_array_get(span, 0));
    json_int_t e = json_integer_value(json_array_get(span, 1));
    if (s < 0 || e <= s || e > (json_int_t)UINT32_MAX)
        return *why = "an entry's span is empty or negative", false;
    if (!json_is_string(quote))
        return *why = "an entry has no 'quote'", false;
    if (want_rule && !json_is_string(rule))
        return *why = "a forbidden entry has no 'rule'", false;
    out->turn = (long)json_integer_value(turn);
    out->start = (uint32_t)s;
    out->end = (uint32_t)e;
    out->quote = zj_strdup(json_string_value(quote));
    out->rule = want_rule ? zj_strdup(json_string_value(rule)) : NULL;
    if (!out->quote || (want_rule && !out->rule)) {
        free(out->quote);
        free(out->rule);
        return *why = "out of memory", false;
    }
    return true;
}

static bool parse_spans(json_t *arr, bool want_rule, gold_span **out, size_t *n, long line,
                        const char **why, char *msg, size_t msg_size)
{
    if (!arr)
        return true;
    if (!json_is_array(arr))
        return *why = want_rule ? "'forbidden' is not a list" : "'quoted' is not a list", false;
    size_t count = json_array_size(arr);
    if (!count)
        return true;
    *out = calloc(count, sizeof **out);
    if (!*out)
        return *why = "out of memory", false;
    for (size_t i = 0; i < count; i++) {
        if (!parse_span(json_array_get(arr, i), want_rule, &(*out)[*n], why, msg, msg_size))
            return false;
        (*out)[(*n)++].line = line;
    }
    return true;
}

static int cmp_gold(const void *a, const void *b)
{
    return strcmp(((const gold_call *)a)->call_id, ((const gold_call *)b)->call_id);
}

/* By id, then by line: the first label line of an id sorts first. */
static int cmp_gold_line(const void *a, const void *b)
{
    const gold_call *x = a, *y = b;
    int c = strcmp(x->call_id, y->call_id);
    return c ? c : (x->line > y->line) - (x->line < y->line);
}

zj_status zj_eval_load_labels(zj_eval *ev, const char *path, zj_diag_cb on_error, void *ctx,
                              zj_error *err)
{
    static const char *const line_keys[] = {"call_id", "forbidden", "quoted", "note", NULL};
    free(ev->labels_path);
    ev->labels_path = zj_strdup(path);
    FILE *f = fopen(path, "rb");
    if (!f)
        return zj_error_set(err, ZJ_ERR_IO, path, 0, 0, "cannot open the labels file");
    zj_status last = ZJ_OK;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    long lineno = 0;
    while ((len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        size_t n = (size_t)len;
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' '))
            n--;
        if (n == 0)
            continue;
        json_error_t jerr;
        json_t *root = json_loadb(line, n, JSON_REJECT_DUPLICATES, &jerr);
        const char *why = NULL, *unknown;
        char msg[160];
        gold_call g = {0};
        g.line = lineno;
        if (!root)
            why = jerr.text[0] ? jerr.text : "invalid JSON";
        else if (!json_is_object(root) || !json_is_string(json_object_get(root, "call_id")))
            why = "a label line needs a string 'call_id'";
        else if ((unknown = unknown_key(root, line_keys)))
            why = (snprintf(msg, sizeof msg,
                            "unknown key '%.40s' (a label line holds call_id, forbidden, quoted "
                            "and note)",
                            unknown),
                   msg);
        else if (!(g.call_id = zj_strdup(json_string_value(json_object_get(root, "call_id")))))
            why = "out of memory";
        else if (parse_spans(json_object_get(root, "forbidden"), true, &g.forbidden,
                             &g.n_forbidden, lineno, &why, msg, sizeof msg) &&
                 parse_spans(json_object_get(root, "quoted"), false, &g.quoted, &g.n_quoted,
                             lineno, &why, msg, sizeof msg) &&
                 !grow((void **)&ev->calls, &ev->cap_calls, ev->n_calls, sizeof *ev->calls))
            why = "out of memory";
        if (why) {
            zj_error e;
            last = zj_error_set(&e, ZJ_ERR_PARSE, path, lineno, 0, "%s", why);
            if (on_error)
                on_error(&e, ctx);
            gold_call_free(&g);
        } else {
            ev->calls[ev->n_calls++] = g;
        }
        json_decref(root);
    }
    bool read_error = ferror(f);
    free(line);
    fclose(f);
    if (read_error)
        return zj_error_set(err, ZJ_ERR_IO, path, lineno, 0, "cannot read the labels file");
    if (ev->n_calls)
        qsort(ev->calls, ev->n_calls, sizeof *ev->calls, cmp_gold_line);
    /* One entry per id, so a lookup finds the line the message names and no
     * dropped twin counts as a labelled call missing from the inputs. */
    size_t kept = 0;
    for (size_t i = 0; i < ev->n_calls; i++) {
        if (kept && strcmp(ev->calls[kept - 1].call_id, ev->calls[i].call_id) == 0) {
            zj_error e;
            last = zj_error_set(&e, ZJ_ERR_INVALID, path, ev->calls[i].line, 0,
                                "call '%s' is labelled twice (also line %ld); the first is used",
                                ev->calls[i].call_id, ev->calls[kept - 1].line);
            if (on_error)
                on_error(&e, ctx);
            gold_call_free(&ev->calls[i]);
            continue;
        }
        ev->calls[kept++] = ev->calls[i];
    }
    ev->n_calls = kept;
    if (last != ZJ_OK)
        zj_error_set(err, last, path, 0, 0, "some label lines were rejected");
    return last;
}

/* -------------------------------------------------------------- compare */

static rule_stat *stat_of(zj_eval *ev, const char *rule)
{
    for (size_t i = 0; i < ev->n_rules; i++)
        if (strcmp(ev->rules[i].rule, rule) == 0)
            return &ev->rules[i];
    if (!grow((void **)&ev->rules, &ev->cap_rules, ev->n_rules, sizeof *ev->rules))
        return NULL;
    rule_stat *r = &ev->rules[ev->n_rules];
    memset(r, 0, sizeof *r);
    if (!(r->rule = zj_strdup(rule)))
        return NULL;
    ev->n_rules++;
    return r;
}

static bool add_dis(zj_eval *ev, const char *kind, const zj_call *call, long turn, uint32_t start,
                    uint32_t end, const char *text, const char *engine_rule,
                    const char *label_rule)
{
    if (!grow((void **)&ev->dis, &ev->cap_dis, ev->n_dis, sizeof *ev->dis))
        return false;
    disagreement *d = &ev->dis[ev->n_dis];
    *d = (disagreement){.kind = kind, .turn = turn, .start = start, .end = end};
    d->call_id = zj_strdup(call->call_id);
    d->text = zj_strdup(text ? text : "");
    d->engine_rule = engine_rule ? zj_strdup(engine_rule) : NULL;
    d->label_rule = label_rule ? zj_strdup(label_rule) : NULL;
    ev->n_dis++;
    return d->call_id && d->text && (!engine_rule || d->engine_rule) &&
           (!label_rule || d->label_rule);
}

static bool overlaps(long turn_a, uint32_t sa, uint32_t ea, long turn_b, uint32_t sb, uint32_t eb)
{
    return turn_a == turn_b && sa < eb && sb < ea;
}

/* The labelled words must be exactly the turn's code points [start, end). */
static const char *check_span(const zj_call *call, const gold_span *g, bool forbidden)
{
    if ((size_t)g->turn >= call->n_turns)
        return "turn out of range";
    const zj_turn *t = &call->turns[g->turn];
    if (forbidden && t->speaker != ZJ_SPEAKER_AGENT)
        return "a forbidden label on a customer turn";
    size_t cps = zj_utf8_count(t->text, t->text_len);
    if (g->end > cps)
        return "span past the end of the turn";
    size_t b0 = zj_utf8_cp_to_byte(t->text, t->text_len, g->start);
    size_t b1 = zj_utf8_cp_to_byte(t->text, t->text_len, g->end);
    if (strlen(g->quote) != b1 - b0 || memcmp(g->quote, t->text + b0, b1 - b0) != 0)
        return "quote differs from the turn's text at the span";
    return NULL;
}

/* Whether a finding counts as a forbidden hit (GOLD-SCHEMA: outcome hit,
 * kind forbidden, points != 0 or a fatal rule; quoted ones never count). */
static bool counts(const zj_ruleset *rs, const zj_finding *f)
{
    const zj_rule *r = &rs->rules[f->rule];
    return f->outcome == ZJ_OUT_HIT && r->kind == ZJ_KIND_FORBIDDEN && f->turn >= 0 &&
           !f->quoted && (f->points != 0 || r->fatal);
}

static bool rule_is_fatal(const zj_ruleset *rs, const char *id)
{
    for (size_t i = 0; i < rs->n_rules; i++)
        if (strcmp(rs->rules[i].id, id) == 0)
            return rs->rules[i].fatal;
    return false; /* a label's rule the rule set does not have */
}

/* The call-level disagreement on 一票否决: a call labelled with an offence
 * under a fatal rule that zhijian did not fail outright (shown at that
 * label, with the rule zhijian filed its words under, if any), or one it
 * failed so without such a label (shown at the fatal finding). */
static bool fatal_agreement(zj_eval *ev, const zj_call *call, const gold_call *g,
                            const zj_result *res)
{
    const zj_ruleset *rs = ev->rs;
    const gold_span *labelled = NULL;
    for (size_t k = 0; k < g->n_forbidden && !labelled; k++)
        if (rule_is_fatal(rs, g->forbidden[k].rule))
            labelled = &g->forbidden[k];
    ev->sum.fatal_labelled += labelled != NULL;
    ev->sum.fatal_labelled_failed += labelled && res->fatal;
    ev->sum.fatal_unlabelled_failed += !labelled && res->fatal;
    if (labelled && !res->fatal) {
        const char *found = NULL;
        for (size_t i = 0; i < res->n_findings && !found; i++) {
            const zj_finding *f = &res->findings[i];
            if (counts(rs, f) && overlaps(f->turn, f->span_start, f->span_end, labelled->turn,
                                          labelled->start, labelled->end))
                found = rs->rules[f->rule].id;
        }
        return add_dis(ev, "fatal not failed", call, labelled->turn, labelled->start,
                       labelled->end, labelled->quote, found, labelled->rule);
    }
    if (!labelled && res->fatal) {
        for (size_t i = 0; i < res->n_findings; i++) {
            const zj_finding *f = &res->findings[i];
            if (f->outcome != ZJ_OUT_HIT || !rs->rules[f->rule].fatal || f->quoted)
                continue;
            const char *label = NULL;
            for (size_t k = 0; k < g->n_forbidden && !label; k++)
                if (overlaps(f->turn, f->span_start, f->span_end, g->forbidden[k].turn,
                             g->forbidden[k].start, g->forbidden[k].end))
                    label = g->forbidden[k].rule;
            return add_dis(ev, "failed without a fatal label", call, f->turn, f->span_start,
                           f->span_end, f->text, rs->rules[f->rule].id, label);
        }
    }
    return true;
}

zj_status zj_eval_add_call(zj_eval *ev, const zj_call *call, zj_diag_cb on_error, void *ctx,
                           zj_error *err)
{
    gold_call key = {.call_id = call->call_id};
    gold_call *g = ev->n_calls ? bsearch(&key, ev->calls, ev->n_calls, sizeof *ev->calls, cmp_gold)
                               : NULL;
    if (!g)
        return zj_error_set(err, ZJ_ERR_NOTFOUND, call->source, call->line, 0,
                            "call '%s' has no label in %s", call->call_id,
                            ev->labels_path ? ev->labels_path : "the labels");
    if (g->seen)
        return zj_error_set(err, ZJ_ERR_INVALID, call->source, call->line, 0,
                            "call '%s' appears twice in the inputs; the first is used",
                            call->call_id);
    g->seen = true; /* in the inputs, even when its labels are rejected below */
    for (size_t i = 0; i < g->n_forbidden + g->n_quoted; i++) {
        bool forbidden = i < g->n_forbidden;
        const gold_span *s = forbidden ? &g->forbidden[i] : &g->quoted[i - g->n_forbidden];
        const char *why = check_span(call, s, forbidden);
        if (why)
            return zj_error_set(err, ZJ_ERR_INVALID, ev->labels_path, s->line, 0,
                                "call '%s', turn %ld, span [%u, %u]: %s", call->call_id, s->turn,
                                s->start, s->end, why);
    }
    zj_result res;
    zj_status st = zj_score_call(ev->scorer, call, &res, err);
    if (st != ZJ_OK)
        return st;
    (void)on_error;
    (void)ctx;
    const zj_ruleset *rs = ev->rs;
    size_t hits = 0;
    bool ok = true;
    for (size_t i = 0; i < res.n_findings && ok; i++) {
        const zj_finding *f = &res.findings[i];
        if (f->quoted && f->outcome == ZJ_OUT_HIT)
            ev->sum.engine_quoted++;
        if (!counts(rs, f))
            continue;
        hits++;
        const char *rule = rs->rules[f->rule].id;
        bool any = false, same = false;
        const char *other = NULL;
        for (size_t k = 0; k < g->n_forbidden; k++) {
            const gold_span *l = &g->forbidden[k];
            if (!overlaps(f->turn, f->span_start, f->span_end, l->turn, l->start, l->end))
                continue;
            any = true;
            if (strcmp(l->rule, rule) == 0)
                same = true;
            else if (!other)
                other = l->rule;
        }
        rule_stat *r = stat_of(ev, rule);
        if (!r) {
            ok = false;
            break;
        }
        r->hits++;
        r->hits_matched += same;
        ev->sum.hits++;
        ev->sum.hits_matched += any;
        if (!any)
            ok = add_dis(ev, "false positive", call, f->turn, f->span_start, f->span_end, f->text,
                         rule, NULL);
        else if (!same)
            ok = add_dis(ev, "rule differs", call, f->turn, f->span_start, f->span_end, f->text,
                         rule, other);
    }
    for (size_t k = 0; k < g->n_forbidden && ok; k++) {
        const gold_span *l = &g->forbidden[k];
        bool any = false, same = false;
        for (size_t i = 0; i < res.n_findings; i++) {
            const zj_finding *f = &res.findings[i];
            if (!counts(rs, f) ||
                !overlaps(f->turn, f->span_start, f->span_end, l->turn, l->start, l->end))
                continue;
            any = true;
            same |= strcmp(rs->rules[f->rule].id, l->rule) == 0;
        }
        rule_stat *r = stat_of(ev, l->rule);
        if (!r) {
            ok = false;
            break;
        }
        r->labels++;
        r->labels_matched += same;
        ev->sum.labels++;
        ev->sum.labels_matched += any;
        if (!any)
            ok = add_dis(ev, "missed", call, l->turn, l->start, l->end, l->quote, NULL, l->rule);
    }
    for (size_t k = 0; k < g->n_quoted && ok; k++) {
        const gold_span *q = &g->quoted[k];
        bool observed = false, scored = false;
        for (size_t i = 0; i < res.n_findings; i++) {
            const zj_finding *f = &res.findings[i];
            if (f->outcome != ZJ_OUT_HIT || f->turn < 0 ||
                !overlaps(f->turn, f->span_start, f->span_end, q->turn, q->start, q->end))
                continue;
            observed |= f->quoted;
            scored |= counts(rs, f);
        }
        ev->sum.quoted_labels++;
        ev->sum.quoted_observed += observed;
        ev->sum.quoted_scored += scored;
        if (scored)
            ok = add_dis(ev, "quote scored", call, q->turn, q->start, q->end, q->quote, NULL, NULL);
    }
    ok = ok && fatal_agreement(ev, call, g, &res);
    ev->sum.calls++;
    ev->sum.calls_agree += (hits > 0) == (g->n_forbidden > 0);
    ev->sum.violations_labelled += g->n_forbidden > 0;
    ev->sum.violations_found += hits > 0;
    zj_result_free(&res);
    if (!ok)
        return zj_error_set(err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory");
    return ZJ_OK;
}

/* Clause lines for training a model rule (tools/train_model.py). The text
 * is the normalized clause, a tab or newline in it never: normalization
 * drops whitespace. */
zj_status zj_eval_clauses(zj_eval *ev, const zj_call *call, zj_buf *out)
{
    gold_call key = {.call_id = call->call_id};
    const gold_call *g =
        ev->n_calls ? bsearch(&key, ev->calls, ev->n_calls, sizeof *ev->calls, cmp_gold) : NULL;
    zj_norm *n = &ev->norm;
    for (size_t t = 0; t < call->n_turns; t++) {
        const zj_turn *turn = &call->turns[t];
        if (turn->speaker != ZJ_SPEAKER_AGENT)
            continue;
        zj_status st = zj_norm_turn(n, turn->text, turn->text_len, ev->rs, true);
        if (st != ZJ_OK)
            return st;
        size_t k = 0, a, b;
        while (zj_model_next_clause(n, &k, &a, &b)) {
            uint32_t cs = n->orig_start[a], ce = n->orig_end[b - 1];
            const char *label = "-";
            for (size_t i = 0; g && i < g->n_forbidden + g->n_quoted; i++) {
                bool forbidden = i < g->n_forbidden;
                const gold_span *s = forbidden ? &g->forbidden[i] : &g->quoted[i - g->n_forbidden];
                if (overlaps((long)t, cs, ce, s->turn, s->start, s->end)) {
                    label = forbidden ? s->rule : "quoted";
                    if (forbidden)
                        break;
                }
            }
            /* The id comes from an input file: a tab or newline in it is
             * written \t or \n, never a field break. */
            zj_buf_term_str(out, call->call_id);
            zj_model_clause_line(out, t, cs, ce, label, n, a, b);
        }
    }
    return out->failed ? ZJ_ERR_NOMEM : ZJ_OK;
}

static double ratio(size_t num, size_t den)
{
    return den ? (double)num / (double)den : -1.0;
}

void zj_eval_unknown_rules(const zj_eval *ev, zj_diag_cb note, void *ctx)
{
    /* Each id once, at the first line that names it: the labels are kept
     * sorted by call id, so every earlier line is looked at. */
    for (size_t i = 0; i < ev->n_calls; i++)
        for (size_t k = 0; k < ev->calls[i].n_forbidden; k++) {
            const gold_span *g = &ev->calls[i].forbidden[k];
            bool known = false, first = true;
            for (size_t r = 0; r < ev->rs->n_rules && !known; r++)
                known = strcmp(ev->rs->rules[r].id, g->rule) == 0;
            for (size_t j = 0; j < ev->n_calls && first && !known; j++)
                for (size_t m = 0; m < ev->calls[j].n_forbidden && first; m++) {
                    const gold_span *o = &ev->calls[j].forbidden[m];
                    first = !(strcmp(o->rule, g->rule) == 0 &&
                              (o->line < g->line || (o->line == g->line && o < g)));
                }
            if (known || !first)
                continue;
            zj_error e;
            zj_error_set(&e, ZJ_OK, ev->labels_path ? ev->labels_path : "", g->line, 0,
                         "rule '%.100s' is not a rule of the rule set: its labels count under "
                         "no rule, and never as 一票否决",
                         g->rule);
            note(&e, ctx);
        }
}

void zj_eval_summary_get(const zj_eval *ev, zj_eval_summary *out)
{
    *out = ev->sum;
    out->precision = ratio(ev->sum.hits_matched, ev->sum.hits);
    out->recall = ratio(ev->sum.labels_matched, ev->sum.labels);
    out->verdict_agreement = ratio(ev->sum.calls_agree, ev->sum.calls);
    out->labels_unseen = 0;
    for (size_t i = 0; i < ev->n_calls; i++)
        out->labels_unseen += !ev->calls[i].seen;
}

/* -------------------------------------------------------------- render */

static int cmp_stat(const void *a, const void *b)
{
    return strcmp(((const rule_stat *)a)->rule, ((const rule_stat *)b)->rule);
}

static zj_status put_ratio_text(zj_buf *b, double r)
{
    return r < 0 ? zj_buf_printf(b, "%9s", "-") : zj_buf_printf(b, "%9.3f", r);
}

static zj_status put_ratio_json(zj_buf *b, double r)
{
    return r < 0 ? zj_buf_puts(b, "null") : zj_buf_printf(b, "%.4f", r);
}

/* The "rule differs" disagreements counted by pair (zhijian's rule, the
 * label's): where the rule set files words under another family than the
 * inspectors do, most frequent first. */
typedef struct rule_pair {
    const char *engine_rule, *label_rule;
    size_t count;
} rule_pair;

static int cmp_pair_names(const void *a, const void *b)
{
    const rule_pair *x = a, *y = b;
    int c = strcmp(x->engine_rule, y->engine_rule);
    return c ? c : strcmp(x->label_rule, y->label_rule);
}

static int cmp_pair_count(const void *a, const void *b)
{
    const rule_pair *x = a, *y = b;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    return cmp_pair_names(a, b);
}

/* A word-level disagreement over the rule (not a call's 一票否决, which
 * names both rules too). */
static bool rule_differs(const disagreement *d)
{
    return strcmp(d->kind, "rule differs") == 0;
}

/* The pairs into *out (malloc'd, NULL when none); false when out of memory. */
static bool rule_pairs(const zj_eval *ev, rule_pair **out, size_t *n_out)
{
    *out = NULL;
    *n_out = 0;
    size_t n = 0;
    for (size_t i = 0; i < ev->n_dis; i++)
        n += rule_differs(&ev->dis[i]);
    if (!n)
        return true;
    rule_pair *v = malloc(n * sizeof *v);
    if (!v)
        return false;
    n = 0;
    for (size_t i = 0; i < ev->n_dis; i++)
        if (rule_differs(&ev->dis[i]))
            v[n++] = (rule_pair){ev->dis[i].engine_rule, ev->dis[i].label_rule, 1};
    qsort(v, n, sizeof *v, cmp_pair_names);
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        if (w && cmp_pair_names(&v[w - 1], &v[i]) == 0)
            v[w - 1].count++;
        else
            v[w++] = v[i];
    }
    qsort(v, w, sizeof *v, cmp_pair_count);
    *out = v;
    *n_out = w;
    return true;
}

static zj_status render_text(const zj_eval *ev, const zj_eval_summary *s, zj_buf *b)
{
    zj_status st = zj_buf_puts(b, "labels ");
    st |= zj_buf_term_str(b, ev->labels_path ? ev->labels_path : "-");
    st |= zj_buf_puts(b, ", rule set ");
    st |= zj_buf_term_str(b, ev->rs->label);
    st |= zj_buf_printf(b, ": %zu calls compared", s->calls);
    if (s->labels_unseen)
        st |= zj_buf_printf(b, " (%zu labelled calls not in the inputs)", s->labels_unseen);
    st |= zj_buf_puts(b, "\nforbidden  precision ");
    st |= s->precision < 0 ? zj_buf_puts(b, "-") : zj_buf_printf(b, "%.3f", s->precision);
    st |= zj_buf_printf(b, " (%zu/%zu hits match a label)  recall ", s->hits_matched, s->hits);
    st |= s->recall < 0 ? zj_buf_puts(b, "-") : zj_buf_printf(b, "%.3f", s->recall);
    st |= zj_buf_printf(b, " (%zu/%zu labels found)\n", s->labels_matched, s->labels);
    st |= zj_buf_puts(b, "verdict    agreement ");
    st |= s->verdict_agreement < 0 ? zj_buf_puts(b, "-")
                                   : zj_buf_printf(b, "%.3f", s->verdict_agreement);
    st |= zj_buf_printf(b,
                        " (%zu/%zu calls; %zu labelled violations, %zu found by zhijian)\n",
                        s->calls_agree, s->calls, s->violations_labelled, s->violations_found);
    st |= zj_buf_printf(b,
                        "fatal      %zu/%zu calls with a labelled fatal offence failed outright; "
                        "%zu failed without one\n",
                        s->fatal_labelled_failed, s->fatal_labelled, s->fatal_unlabelled_failed);
    st |= zj_buf_printf(b,
                        "quoted     %zu labelled quotations: %zu reported as quoted, %zu scored "
                        "as violations; %zu quoted findings in all\n",
                        s->quoted_labels, s->quoted_observed, s->quoted_scored, s->engine_quoted);
    if (ev->n_rules) {
        st |= zj_buf_printf(b, "\n%-28s %6s %8s %9s %7s %6s %9s\n", "rule", "hits", "matched",
                            "precision", "labels", "found", "recall");
        for (size_t i = 0; i < ev->n_rules; i++) {
            const rule_stat *r = &ev->rules[i];
            zj_buf id; /* a label's rule comes from the labels file */
            zj_buf_init(&id);
            st |= zj_buf_term_str(&id, r->rule);
            st |= zj_buf_printf(b, "%-28s %6zu %8zu ", id.data ? id.data : "", r->hits,
                                r->hits_matched);
            zj_buf_free(&id);
            st |= put_ratio_text(b, ratio(r->hits_matched, r->hits));
            st |= zj_buf_printf(b, " %7zu %6zu ", r->labels, r->labels_matched);
            st |= put_ratio_text(b, ratio(r->labels_matched, r->labels));
            st |= zj_buf_puts(b, "\n");
        }
    }
    rule_pair *pairs;
    size_t n_pairs;
    if (!rule_pairs(ev, &pairs, &n_pairs))
        return ZJ_ERR_NOMEM;
    if (n_pairs)
        st |= zj_buf_puts(b, "\nrule differs, by pair (the words found, filed under another "
                             "rule than the label's):\n");
    for (size_t i = 0; i < n_pairs; i++) {
        st |= zj_buf_printf(b, "  %6zu  zhijian ", pairs[i].count);
        st |= zj_buf_term_str(b, pairs[i].engine_rule);
        st |= zj_buf_puts(b, ", label ");
        st |= zj_buf_term_str(b, pairs[i].label_rule);
        st |= zj_buf_puts(b, "\n");
    }
    free(pairs);
    if (ev->n_dis) {
        st |= zj_buf_printf(b, "\ndisagreements (%zu):\n", ev->n_dis);
        for (size_t i = 0; i < ev->n_dis; i++) {
            const disagreement *d = &ev->dis[i];
            /* ids, words and the labels' rules come from input files:
             * terminal-safe (zj_buf_term) */
            st |= zj_buf_puts(b, "  ");
            st |= zj_buf_term_str(b, d->call_id);
            st |= zj_buf_printf(b, " turn %ld [%u,%u] 「", d->turn, d->start, d->end);
            st |= zj_buf_term_str(b, d->text);
            st |= zj_buf_printf(b, "」 %s: zhijian ", d->kind);
            st |= zj_buf_term_str(b, d->engine_rule ? d->engine_rule : "-");
            st |= zj_buf_puts(b, ", label ");
            st |= zj_buf_term_str(b, d->label_rule ? d->label_rule : "-");
            st |= zj_buf_puts(b, "\n");
        }
    }
    return st == ZJ_OK ? ZJ_OK : ZJ_ERR_NOMEM;
}

static zj_status json_str(zj_buf *b, const char *s)
{
    return s ? zj_buf_json_str(b, s, strlen(s)) : zj_buf_puts(b, "null");
}

static zj_status render_json(const zj_eval *ev, const zj_eval_summary *s, zj_buf *b)
{
    zj_status st = zj_buf_puts(b, "{\"labels\":");
    st |= json_str(b, ev->labels_path);
    st |= zj_buf_puts(b, ",\"ruleset\":");
    st |= json_str(b, ev->rs->label);
    st |= zj_buf_printf(b, ",\"calls\":%zu,\"labelled_calls_not_in_inputs\":%zu", s->calls,
                        s->labels_unseen);
    st |= zj_buf_printf(b,
                        ",\"forbidden\":{\"hits\":%zu,\"hits_matched\":%zu,\"labels\":%zu,"
                        "\"labels_matched\":%zu,\"precision\":",
                        s->hits, s->hits_matched, s->labels, s->labels_matched);
    st |= put_ratio_json(b, s->precision);
    st |= zj_buf_puts(b, ",\"recall\":");
    st |= put_ratio_json(b, s->recall);
    st |= zj_buf_printf(b,
                        "},\"verdict\":{\"calls\":%zu,\"agree\":%zu,\"labelled_violations\":%zu,"
                        "\"found_violations\":%zu,\"agreement\":",
                        s->calls, s->calls_agree, s->violations_labelled, s->violations_found);
    st |= put_ratio_json(b, s->verdict_agreement);
    st |= zj_buf_printf(b,
                        "},\"fatal\":{\"labelled_calls\":%zu,\"failed\":%zu,"
                        "\"failed_without_label\":%zu",
                        s->fatal_labelled, s->fatal_labelled_failed, s->fatal_unlabelled_failed);
    st |= zj_buf_printf(b,
                        "},\"quoted\":{\"labels\":%zu,\"reported_quoted\":%zu,\"scored\":%zu,"
                        "\"quoted_findings\":%zu},\"rules\":[",
                        s->quoted_labels, s->quoted_observed, s->quoted_scored, s->engine_quoted);
    for (size_t i = 0; i < ev->n_rules; i++) {
        const rule_stat *r = &ev->rules[i];
        st |= zj_buf_puts(b, i ? ",{\"rule\":" : "{\"rule\":");
        st |= json_str(b, r->rule);
        st |= zj_buf_printf(b,
                            ",\"hits\":%zu,\"hits_matched\":%zu,\"labels\":%zu,"
                            "\"labels_matched\":%zu,\"precision\":",
                            r->hits, r->hits_matched, r->labels, r->labels_matched);
        st |= put_ratio_json(b, ratio(r->hits_matched, r->hits));
        st |= zj_buf_puts(b, ",\"recall\":");
        st |= put_ratio_json(b, ratio(r->labels_matched, r->labels));
        st |= zj_buf_puts(b, "}");
    }
    rule_pair *pairs;
    size_t n_pairs;
    if (!rule_pairs(ev, &pairs, &n_pairs))
        return ZJ_ERR_NOMEM;
    st |= zj_buf_puts(b, "],\"rule_differs\":[");
    for (size_t i = 0; i < n_pairs; i++) {
        st |= zj_buf_puts(b, i ? ",{\"engine_rule\":" : "{\"engine_rule\":");
        st |= json_str(b, pairs[i].engine_rule);
        st |= zj_buf_puts(b, ",\"label_rule\":");
        st |= json_str(b, pairs[i].label_rule);
        st |= zj_buf_printf(b, ",\"count\":%zu}", pairs[i].count);
    }
    free(pairs);
    st |= zj_buf_puts(b, "],\"disagreements\":[");
    for (size_t i = 0; i < ev->n_dis; i++) {
        const disagreement *d = &ev->dis[i];
        st |= zj_buf_puts(b, i ? ",{\"call_id\":" : "{\"call_id\":");
        st |= json_str(b, d->call_id);
        st |= zj_buf_printf(b, ",\"turn\":%ld,\"span\":[%u,%u],\"text\":", d->turn, d->start,
                            d->end);
        st |= json_str(b, d->text);
        st |= zj_buf_puts(b, ",\"kind\":");
        st |= json_str(b, d->kind);
        st |= zj_buf_puts(b, ",\"engine_rule\":");
        st |= json_str(b, d->engine_rule);
        st |= zj_buf_puts(b, ",\"label_rule\":");
        st |= json_str(b, d->label_rule);
        st |= zj_buf_puts(b, "}");
    }
    st |= zj_buf_puts(b, "]}\n");
    return st == ZJ_OK ? ZJ_OK : ZJ_ERR_NOMEM;
}

zj_status zj_eval_render(zj_eval *ev, zj_format format, zj_buf *out)
{
    zj_eval_summary s;
    zj_eval_summary_get(ev, &s);
    if (ev->n_rules)
        qsort(ev->rules, ev->n_rules, sizeof *ev->rules, cmp_stat);
    if (format == ZJ_FMT_JSON)
        return render_json(ev, &s, out);
    if (format == ZJ_FMT_TEXT)
        return render_text(ev, &s, out);
    return ZJ_ERR_USAGE;
}
