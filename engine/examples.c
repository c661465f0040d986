/* examples.c — runs every rule's `examples` through the real pipeline
 * (normalize -> match -> score that one rule) so rule sets are tested like
 * code. An example is one utterance said by the rule's speaker; the rule's
 * `within` window and `when` condition are lifted (the example is the
 * window), everything else — speaker, `unless`, boundary, overlap within the
 * rule — applies. An example that is a JSON call object (call_id and
 * turns, as zhijian reads calls) is scored as that whole call with nothing lifted: how
 * metric rules and the situations of conditional rules are tested. */
#include "internal.h"

#include <string.h>

/* Does the result hold the outcome that counts as "matched" for this rule? */
static const zj_finding *matched(const zj_rule *r, const zj_result *res, uint32_t rule)
{
    zj_outcome want = r->kind == ZJ_KIND_REQUIRED ? ZJ_OUT_MET : ZJ_OUT_HIT;
    for (size_t i = 0; i < res->n_findings; i++)
        if (res->findings[i].rule == rule && res->findings[i].outcome == want)
            return &res->findings[i];
    return NULL;
}

static void run_one(zj_scorer *scorer, const zj_ruleset *rs, uint32_t ri, const zj_example *ex,
                    bool expect_match, zj_example_cb cb, void *ctx, size_t *failures)
{
    const zj_rule *r = &rs->rules[ri];
    zj_turn turn = {.speaker =
                        r->speaker == ZJ_SPEAKER_CUSTOMER ? ZJ_SPEAKER_CUSTOMER : ZJ_SPEAKER_AGENT,
                    .text = ex->text,
                    .text_len = strlen(ex->text),
                    .start_ms = 0,
                    .end_ms = 0};
    zj_call call = {.call_id = "example",
                    .turns = &turn,
                    .n_turns = 1,
                    .started_at_utc_ms = INT64_MIN,
                    .source = rs->path,
                    .line = ex->line,
                    .ring_ms = -1};
    zj_example_result out = {.rule_id = r->id, .text = ex->text, .expect_match = expect_match};
    zj_result res;
    zj_error err;
    zj_error_clear(&err);
    zj_call *whole = NULL;
    if (ex->text[0] == '{') {
        whole = zj_call_parse_json(ex->text, strlen(ex->text), rs->path, ex->line, &err);
        if (!whole) {
            snprintf(out.detail, sizeof out.detail, "not a call: %.400s", err.msg);
            (*failures)++;
            if (cb)
                cb(&out, ctx);
            return;
        }
    }
    out.status = whole ? zj_score_rule(scorer, whole, ri, false, &res, &err)
                       : zj_score_rule(scorer, &call, ri, true, &res, &err);
    zj_call_free(whole);
    if (out.status != ZJ_OK) {
        out.passed = false;
        snprintf(out.detail, sizeof out.detail, "error: %.400s",
                 err.msg[0] ? err.msg : zj_strerror(out.status));
    } else {
        const zj_finding *f = matched(r, &res, ri);
        out.passed = (f != NULL) == expect_match;
        if (!out.passed && expect_match)
            snprintf(out.detail, sizeof out.detail, "expected a %s, found none",
                     r->kind == ZJ_KIND_REQUIRED ? "match (met)" : "hit");
        else if (!out.passed && f->unit)
            snprintf(out.detail, sizeof out.detail, "unexpected hit: %lld %s",
                     (long long)f->value, f->unit);
        else if (!out.passed)
            snprintf(out.detail, sizeof out.detail, "unexpected %s '%s' at [%u, %u)",
                     r->kind == ZJ_KIND_REQUIRED ? "match" : "hit", f->text ? f->text : "",
                     f->span_start, f->span_end);
        zj_result_free(&res);
    }
    if (!out.passed)
        (*failures)++;
    if (cb)
        cb(&out, ctx);
}

size_t zj_rules_run_examples(const zj_ruleset *rs, zj_example_cb cb, void *ctx, size_t *out_total)
{
    size_t failures = 0, total = 0;
    zj_error err;
    zj_error_clear(&err);
    zj_scorer *scorer = zj_scorer_new(rs, &err);
    if (!scorer) {
        if (out_total)
            *out_total = 0;
        /* Said through the callback too: a silent "1 failed" explains nothing. */
        zj_example_result out = {
            .rule_id = "", .text = "", .status = err.status ? err.status : ZJ_ERR_NOMEM};
        snprintf(out.detail, sizeof out.detail, "cannot run the examples: %.400s",
                 err.msg[0] ? err.msg : zj_strerror(out.status));
        if (cb)
            cb(&out, ctx);
        return 1;
    }
    for (size_t i = 0; i < rs->n_rules; i++) {
        const zj_rule *r = &rs->rules[i];
        for (size_t k = 0; k < r->n_ex_match; k++, total++)
            run_one(scorer, rs, (uint32_t)i, &r->ex_match[k], true, cb, ctx, &failures);
        for (size_t k = 0; k < r->n_ex_no_match; k++, total++)
            run_one(scorer, rs, (uint32_t)i, &r->ex_no_match[k], false, cb, ctx, &failures);
    }
    zj_scorer_free(scorer);
    if (out_total)
        *out_total = total;
    return failures;
}
