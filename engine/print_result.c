/* print_result.c — the per-call result printers: the JSON of docs/output-contract.md and
 * the readable text summary for a terminal. */
#include "internal.h"

#include <string.h>

#define TRY(expr)                                                                                  \
    do {                                                                                           \
        if ((expr) != ZJ_OK)                                                                       \
            return ZJ_ERR_NOMEM;                                                                   \
    } while (0)

/* zj_buf_append with the common case (room left) inline: the per-call JSON
 * is dozens of short pieces. */
static inline zj_status put(zj_buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap)
        return zj_buf_append(b, s, n);
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
    return ZJ_OK;
}

/* Appends a string literal without measuring it at run time. */
#define PUT_LIT(b, lit) put(b, lit, sizeof lit - 1)

static zj_status json_str_or_null(zj_buf *b, const char *s)
{
    if (!s)
        return PUT_LIT(b, "null");
    return zj_buf_json_str(b, s, strlen(s));
}

/* Decimal integers without printf: the per-call JSON is on the hot path. */
static zj_status put_int(zj_buf *b, long long v)
{
    char tmp[24];
    size_t n = 0;
    unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
    do {
        tmp[sizeof tmp - 1 - n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        tmp[sizeof tmp - 1 - n++] = '-';
    return put(b, tmp + sizeof tmp - n, n);
}

/* ,"key": */
#define JSON_KEY(b, key) PUT_LIT(b, ",\"" key "\":")

/* A tag the call's type raised (`call_types`): a hit without a turn. */
static bool raised_by_type(const zj_finding *f, const zj_rule *rule, const zj_call *call)
{
    return rule->kind == ZJ_KIND_TAG && f->outcome == ZJ_OUT_HIT && f->turn < 0 &&
           call->call_type;
}

static zj_status finding_to_json(zj_buf *b, const zj_ruleset *rs, const zj_call *call,
                                 const zj_finding *f)
{
    const zj_rule *rule = &rs->rules[f->rule];
    TRY(PUT_LIT(b, "{\"rule\":"));
    TRY(zj_buf_json_str(b, rule->id, strlen(rule->id)));
    TRY(PUT_LIT(b, ",\"kind\":\""));
    TRY(zj_buf_puts(b, zj_kind_name(rule->kind)));
    TRY(PUT_LIT(b, "\",\"outcome\":\""));
    TRY(zj_buf_puts(b, zj_outcome_name(f->outcome)));
    TRY(PUT_LIT(b, "\",\"severity\":\""));
    TRY(zj_buf_puts(b, zj_severity_name(rule->severity)));
    TRY(PUT_LIT(b, "\",\"points\":"));
    TRY(put_int(b, f->points));
    if (f->turn >= 0) {
        const char *speaker = (size_t)f->turn < call->n_turns
                                  ? zj_speaker_name(call->turns[f->turn].speaker)
                                  : zj_speaker_name(rule->speaker);
        TRY(PUT_LIT(b, ",\"turn\":"));
        TRY(put_int(b, f->turn));
        TRY(PUT_LIT(b, ",\"speaker\":\""));
        TRY(zj_buf_puts(b, speaker));
        TRY(PUT_LIT(b, "\""));
        if (f->text) {
            TRY(PUT_LIT(b, ",\"span\":["));
            TRY(put_int(b, f->span_start));
            TRY(PUT_LIT(b, ","));
            TRY(put_int(b, f->span_end));
            TRY(PUT_LIT(b, "]"));
            TRY(JSON_KEY(b, "text"));
            TRY(zj_buf_json_str(b, f->text, strlen(f->text)));
        }
        if (f->fuzzy)
            TRY(PUT_LIT(b, ",\"fuzzy\":true"));
        if (f->start_ms >= 0) {
            TRY(PUT_LIT(b, ",\"start_ms\":"));
            TRY(put_int(b, f->start_ms));
        }
    }
    if (raised_by_type(f, rule, call)) {
        TRY(JSON_KEY(b, "call_type"));
        TRY(zj_buf_json_str(b, call->call_type, strlen(call->call_type)));
    }
    if (f->unit) {
        TRY(zj_buf_printf(b, ",\"value\":%lld,\"unit\":", (long long)f->value));
        TRY(zj_buf_json_str(b, f->unit, strlen(f->unit)));
    }
    if (rule->clause) {
        TRY(JSON_KEY(b, "clause"));
        TRY(zj_buf_json_str(b, rule->clause, strlen(rule->clause)));
    }
    if (f->quoted)
        TRY(PUT_LIT(b, ",\"quoted\":true"));
    return PUT_LIT(b, "}");
}

zj_status zj_result_to_json(zj_buf *b, const zj_ruleset *rs, const zj_call *call,
                            const zj_result *res)
{
    TRY(PUT_LIT(b, "{\"call_id\":"));
    TRY(json_str_or_null(b, call->call_id));
    TRY(JSON_KEY(b, "agent_id"));
    TRY(json_str_or_null(b, call->agent_id));
    TRY(JSON_KEY(b, "ruleset"));
    TRY(zj_buf_json_str(b, rs->label, strlen(rs->label)));
    TRY(PUT_LIT(b, ",\"score\":"));
    TRY(put_int(b, res->score));
    TRY(res->passed ? PUT_LIT(b, ",\"passed\":true,\"grade\":")
                    : PUT_LIT(b, ",\"passed\":false,\"grade\":"));
    TRY(json_str_or_null(b, res->grade));
    TRY(res->fatal ? PUT_LIT(b, ",\"fatal\":true,\"findings\":[")
                   : PUT_LIT(b, ",\"fatal\":false,\"findings\":["));
    for (size_t i = 0; i < res->n_findings; i++) {
        if (i)
            TRY(PUT_LIT(b, ","));
        TRY(finding_to_json(b, rs, call, &res->findings[i]));
    }
    return PUT_LIT(b, "]}");
}

/* ------------------------------------------------------------------ text */

#define C_RED "\033[31m"
#define C_GREEN "\033[32m"
#define C_YELLOW "\033[33m"
#define C_DIM "\033[2m"
#define C_BOLD "\033[1m"
#define C_OFF "\033[0m"

static const char *paint(bool color, const char *code)
{
    return color ? code : "";
}

static const char *finding_mark(const zj_finding *f, const zj_rule *rule)
{
    switch (f->outcome) {
    case ZJ_OUT_MET:
        return "✓";
    case ZJ_OUT_MISSING:
        return "✗";
    case ZJ_OUT_NOT_MEASURABLE:
        return "?";
    case ZJ_OUT_NOT_APPLICABLE:
        return "–";
    case ZJ_OUT_HIT:
        return rule->kind == ZJ_KIND_TAG || f->quoted ? "•" : "✗";
    }
    return " ";
}

static const char *finding_color(const zj_finding *f, const zj_rule *rule)
{
    if (f->quoted)
        return C_DIM;
    if (f->outcome == ZJ_OUT_MET || rule->kind == ZJ_KIND_TAG)
        return C_GREEN;
    if (f->outcome == ZJ_OUT_NOT_MEASURABLE || f->outcome == ZJ_OUT_NOT_APPLICABLE ||
        rule->severity == ZJ_SEV_OBSERVATION)
        return C_DIM;
    return rule->severity >= ZJ_SEV_MAJOR ? C_RED : C_YELLOW;
}

zj_status zj_result_to_text(zj_buf *b, const zj_ruleset *rs, const zj_call *call,
                            const zj_result *res, bool color)
{
    /* Text from the input goes through zj_buf_term: an ESC or a bidi
     * override in an id or a name shows instead of acting on the terminal. */
    TRY(zj_buf_puts(b, paint(color, C_BOLD)));
    TRY(zj_buf_term_str(b, call->call_id));
    TRY(zj_buf_puts(b, paint(color, C_OFF)));
    if (call->agent_name || call->agent_id) {
        TRY(zj_buf_puts(b, "  "));
        TRY(zj_buf_term_str(b, call->agent_name));
        if (call->agent_id) {
            TRY(zj_buf_puts(b, "("));
            TRY(zj_buf_term_str(b, call->agent_id));
            TRY(zj_buf_puts(b, ")"));
        }
    }
    if (call->team) {
        TRY(zj_buf_puts(b, "  "));
        TRY(zj_buf_term_str(b, call->team));
    }
    if (call->started_at) {
        TRY(zj_buf_puts(b, "  "));
        TRY(zj_buf_term_str(b, call->started_at));
    }
    TRY(zj_buf_printf(b, "\n  score %d  grade %s  %s%s%s", res->score,
                      res->grade ? res->grade : "-", paint(color, res->passed ? C_GREEN : C_RED),
                      res->passed ? "PASS" : "FAIL", paint(color, C_OFF)));
    TRY(zj_buf_printf(b, " (pass mark %d)", rs->pass));
    if (res->fatal)
        TRY(zj_buf_printf(b, "  %s一票否决 (fatal)%s", paint(color, C_RED), paint(color, C_OFF)));
    TRY(zj_buf_puts(b, "\n"));
    size_t credit_met = 0, credit_missing = 0, not_applicable = 0;
    for (size_t i = 0; i < res->n_findings; i++) {
        const zj_finding *f = &res->findings[i];
        const zj_rule *rule = &rs->rules[f->rule];
        /* Credit-only phrases (required, 0 points, observation) are summed
         * up below rather than listed: they never change the verdict. */
        /* Rules whose situation did not arise: one line says how many. */
        if (f->outcome == ZJ_OUT_NOT_APPLICABLE) {
            not_applicable++;
            continue;
        }
        if (rule->kind == ZJ_KIND_REQUIRED && rule->points == 0 &&
            rule->severity == ZJ_SEV_OBSERVATION &&
            (f->outcome == ZJ_OUT_MET || f->outcome == ZJ_OUT_MISSING)) {
            credit_met += f->outcome == ZJ_OUT_MET;
            credit_missing += f->outcome == ZJ_OUT_MISSING;
            continue;
        }
        TRY(zj_buf_printf(b, "  %s%s%s ", paint(color, finding_color(f, rule)),
                          finding_mark(f, rule), paint(color, C_OFF)));
        if (f->outcome == ZJ_OUT_HIT || f->outcome == ZJ_OUT_MET) {
            if (f->turn >= 0)
                TRY(zj_buf_printf(b, "turn %ld ", f->turn));
            if (raised_by_type(f, rule, call)) {
                TRY(zj_buf_puts(b, "call_type 「"));
                TRY(zj_buf_term_str(b, call->call_type));
                TRY(zj_buf_puts(b, "」 "));
            }
            if (f->unit)
                TRY(zj_buf_printf(b, "%lld %s ", (long long)f->value, f->unit));
            if (f->text) {
                TRY(zj_buf_printf(b, "「%s", paint(color, finding_color(f, rule))));
                TRY(zj_buf_term_str(b, f->text));
                TRY(zj_buf_printf(b, "%s」 ", paint(color, C_OFF)));
            }
            if (f->fuzzy)
                TRY(zj_buf_puts(b, "(by sound) "));
        } else {
            TRY(zj_buf_printf(b, "%s ", zj_outcome_name(f->outcome)));
        }
        TRY(zj_buf_term_str(b, rule->id));
        if (rule->title) {
            TRY(zj_buf_puts(b, " "));
            TRY(zj_buf_term_str(b, rule->title));
        }
        if (rule->clause) {
            TRY(zj_buf_puts(b, " ("));
            TRY(zj_buf_term_str(b, rule->clause));
            TRY(zj_buf_puts(b, ")"));
        }
        if (f->points)
            TRY(zj_buf_printf(b, " %+d", f->points));
        if (f->quoted) {
            /* Someone else's words quoted or reported: an observation. */
            TRY(zj_buf_puts(b, " quoted (not the agent's own words, 0 points)\n"));
            continue;
        }
        if (f->outcome != ZJ_OUT_MET && rule->kind != ZJ_KIND_TAG)
            TRY(zj_buf_printf(b, " %s", zj_severity_name(rule->severity)));
        if (rule->fatal && f->outcome == ZJ_OUT_HIT)
            TRY(zj_buf_puts(b, " fatal"));
        TRY(zj_buf_puts(b, "\n"));
    }
    if (not_applicable)
        TRY(zj_buf_printf(b, "  %s– not_applicable: %zu rules whose situation did not arise%s\n",
                          paint(color, C_DIM), not_applicable, paint(color, C_OFF)));
    if (credit_met + credit_missing)
        TRY(zj_buf_printf(b, "  %s· credit-only phrases: %zu said, %zu not said (0 points)%s\n",
                          paint(color, C_DIM), credit_met, credit_missing, paint(color, C_OFF)));
    return ZJ_OK;
}
