/* examples.c — runs every rule's `examples` through the real pipeline
 * (normalize -> match -> score that one rule) so rule sets are tested like
 * code. An example is one utterance said by the rule's speaker; the rule's
 * `within` window and `when` condition are lifted (the example is the
 * window), everything else — speaker, `unless`, boundary, overlap within the
 * rule — applies. An example that is a JSON call object (call_id and
 * turns, as zhijian reads calls) is scored as that whole call with nothing lifted: how
 * metric rules and the situations of conditional rules are tested. A
 * `match` example that passes is judged again with the other rules: one
 * whose words another rule's hit takes is reported as taken. */
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

/* Whether the rule came out not_measurable: the example lacks what the
 * rule measures (a metric's ring_ms or timestamps). */
static bool unmeasured(const zj_result *res, uint32_t rule)
{
    for (size_t i = 0; i < res->n_findings; i++)
        if (res->findings[i].rule == rule && res->findings[i].outcome == ZJ_OUT_NOT_MEASURABLE)
            return true;
    return false;
}

/* An example as a call of one turn (*turn), said by the rule's speaker. */
static zj_call one_turn_call(const zj_ruleset *rs, const zj_rule *r, const zj_example *ex,
                             zj_turn *turn)
{
    *turn = (zj_turn){.speaker = r->speaker == ZJ_SPEAKER_CUSTOMER ? ZJ_SPEAKER_CUSTOMER
                                                                  : ZJ_SPEAKER_AGENT,
                      .text = ex->text,
                      .text_len = strlen(ex->text)};
    return (zj_call){.call_id = "example",
                     .turns = turn,
                     .n_turns = 1,
                     .started_at_utc_ms = INT64_MIN,
                     .source = rs->path,
                     .line = ex->line,
                     .ring_ms = -1};
}

/* The finding of another rule that overlaps f in the whole rule set's
 * result: the hit that took f's words. */
static const zj_finding *taken_by(const zj_result *full, uint32_t rule, const zj_finding *f)
{
    for (size_t k = 0; k < full->n_findings; k++) {
        const zj_finding *g = &full->findings[k];
        if (g->outcome == ZJ_OUT_HIT && g->rule != rule && g->turn == f->turn &&
            g->span_start < f->span_end && f->span_start < g->span_end)
            return g;
    }
    return NULL;
}

/* Whether every hit of the rule is quoted or reported speech. */
static bool all_quoted(const zj_result *res, uint32_t rule)
{
    bool any = false;
    for (size_t i = 0; i < res->n_findings; i++) {
        const zj_finding *f = &res->findings[i];
        if (f->rule != rule || f->outcome != ZJ_OUT_HIT)
            continue;
        if (!f->quoted)
            return false;
        any = true;
    }
    return any;
}

/* A `match` example the rule passes alone, judged again with the rule's
 * rivals (the rules that apply wherever it does), as `score` would judge
 * it: another rule's overlapping hit may win (the longest hit wins, a
 * `yield` rule gives way, a model gives way to the rules of words), and then
 * the rule never fires on these words. A whole-call example is scored with
 * the whole rule set. Sets out->taken, with the winner in out->detail. */
static void judge_with_rivals(zj_scorer *scorer, const zj_ruleset *rs, uint32_t ri,
                              const zj_call *call, bool whole_call, const zj_finding *alone,
                              zj_example_result *out)
{
    const zj_rule *r = &rs->rules[ri];
    zj_result full;
    zj_error err;
    zj_error_clear(&err);
    out->status = whole_call ? zj_score_call(scorer, call, &full, &err)
                             : zj_score_rule_rivals(scorer, call, ri, &full, &err);
    if (out->status != ZJ_OK) {
        out->passed = false;
        snprintf(out->detail, sizeof out->detail, "error: %.400s",
                 err.msg[0] ? err.msg : zj_strerror(out->status));
        return;
    }
    out->taken = matched(r, &full, ri) == NULL;
    const zj_finding *g = out->taken && alone->text ? taken_by(&full, ri, alone) : NULL;
    if (!out->taken && r->kind == ZJ_KIND_FORBIDDEN && all_quoted(&full, ri)) {
        out->taken = true;
        snprintf(out->detail, sizeof out->detail,
                 "every hit is quoted or reported speech, someone else's words: score lists "
                 "it with 0 points and it never fails a call");
    } else if (g)
        snprintf(out->detail, sizeof out->detail,
                 "the hit '%.120s' at [%u, %u) is taken with the whole rule set: rule "
                 "%.100s's overlapping hit '%.120s' at [%u, %u) wins, so score never "
                 "reports this rule here",
                 alone->text, alone->span_start, alone->span_end, rs->rules[g->rule].id,
                 g->text ? g->text : "", g->span_start, g->span_end);
    else if (out->taken)
        snprintf(out->detail, sizeof out->detail, "a %s alone, none with the whole rule set",
                 r->kind == ZJ_KIND_REQUIRED ? "match (met)" : "hit");
    zj_result_free(&full);
}

static void run_one(zj_scorer *scorer, const zj_ruleset *rs, uint32_t ri, const zj_example *ex,
                    bool expect_match, zj_example_cb cb, void *ctx, size_t *failures)
{
    const zj_rule *r = &rs->rules[ri];
    zj_turn turn;
    zj_call call = one_turn_call(rs, r, ex, &turn);
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
    const zj_call *judged = whole ? whole : &call;
    out.status = zj_score_rule(scorer, judged, ri, whole == NULL, &res, &err);
    if (out.status != ZJ_OK) {
        out.passed = false;
        snprintf(out.detail, sizeof out.detail, "error: %.400s",
                 err.msg[0] ? err.msg : zj_strerror(out.status));
    } else if (!whole && unmeasured(&res, ri)) {
        /* A text has no ring_ms nor timestamps: neither a hit nor its
         * absence can be seen, and a no_match example would pass without
         * testing anything. (A whole call without them is the author's
         * choice: it shows the rule costs nothing when it cannot measure.) */
        out.passed = false;
        snprintf(out.detail, sizeof out.detail,
                 "the rule cannot be judged on a text (not_measurable): give a whole call "
                 "(JSON) with the ring_ms or timestamps it measures");
        zj_result_free(&res);
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
        else if (expect_match)
            judge_with_rivals(scorer, rs, ri, judged, whole != NULL, f, &out);
        zj_result_free(&res);
    }
    zj_call_free(whole);
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

/* ------------------------------------------------------ training clauses */

typedef enum { HIT_NONE, HIT_PARTLY, HIT_INSIDE } clause_hit;

/* Where the findings of the rules of words (forbidden, not a model rule) lie
 * against the original code points [cs, ce): one inside them, or one
 * overlapping them only in part (its offence is more than the clause), or
 * none. With only_rule set, only that rule's findings. */
static clause_hit hit_in(const zj_ruleset *rs, const zj_result *res, uint32_t cs, uint32_t ce,
                         const uint32_t *only_rule)
{
    clause_hit found = HIT_NONE;
    for (size_t i = 0; i < res->n_findings; i++) {
        const zj_finding *f = &res->findings[i];
        const zj_rule *r = &rs->rules[f->rule];
        if (f->outcome != ZJ_OUT_HIT || f->turn != 0 || r->kind != ZJ_KIND_FORBIDDEN)
            continue;
        if (only_rule ? f->rule != *only_rule : r->model != NULL)
            continue;
        if (f->span_start >= cs && f->span_end <= ce)
            return HIT_INSIDE;
        if (f->span_start < ce && cs < f->span_end)
            found = HIT_PARTLY;
    }
    return found;
}

/* One example's clauses. A `match` example of a forbidden rule is labelled
 * with the rule where the rule's own hit lies inside the clause (a hit
 * spanning 那儿有杯子，自己倒 does not make 那儿有杯子 an offence); a clause of a
 * model rule's example only when it is the example's only clause (the
 * model's own hit would label its own training data). Every other clause
 * (a `no_match`, a required phrase) is a negative ("-") unless a rule of
 * words finds something forbidden in it: an example tests one rule and may
 * well hold another's offence. What cannot be told is "?", which
 * tools/train_model.py leaves out. */
static zj_status example_clauses(zj_scorer *scorer, const zj_ruleset *rs, uint32_t ri,
                                 const zj_example *ex, bool is_match, zj_norm *n, zj_buf *out,
                                 zj_error *err)
{
    const zj_rule *r = &rs->rules[ri];
    zj_turn turn;
    zj_call call = one_turn_call(rs, r, ex, &turn); /* an agent's: customer rules are skipped */
    bool positive = is_match && r->kind == ZJ_KIND_FORBIDDEN;
    zj_result res;
    zj_status st = positive && !r->model ? zj_score_rule(scorer, &call, ri, true, &res, err)
                                         : zj_score_call(scorer, &call, &res, err);
    if (st != ZJ_OK)
        return st;
    if ((st = zj_norm_turn(n, turn.text, turn.text_len, rs, true)) != ZJ_OK) {
        zj_result_free(&res);
        return zj_error_set(err, st, rs->path, ex->line, 0, "cannot normalize an example");
    }
    size_t clauses = 0, k = 0, a, b;
    while (zj_model_next_clause(n, &k, &a, &b))
        clauses++;
    k = 0;
    while (zj_model_next_clause(n, &k, &a, &b)) {
        uint32_t cs = n->orig_start[a], ce = n->orig_end[b - 1];
        const char *label;
        if (positive && r->model)
            label = clauses == 1 ? r->id : "?";
        else if (positive)
            label = hit_in(rs, &res, cs, ce, &ri) == HIT_INSIDE ? r->id : "?";
        else
            label = hit_in(rs, &res, cs, ce, NULL) == HIT_NONE ? "-" : "?";
        zj_buf_puts(out, "example:");
        zj_buf_term_str(out, r->id);
        zj_buf_printf(out, ":%ld", ex->line);
        zj_model_clause_line(out, 0, cs, ce, label, n, a, b);
    }
    zj_result_free(&res);
    return out->failed ? zj_error_set(err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory") : ZJ_OK;
}

zj_status zj_rules_example_clauses(const zj_ruleset *rs, zj_buf *out, zj_error *err)
{
    zj_scorer *scorer = zj_scorer_new(rs, err);
    if (!scorer)
        return err->status ? err->status : ZJ_ERR_NOMEM;
    zj_norm n;
    zj_norm_init(&n);
    zj_status st = ZJ_OK;
    for (uint32_t i = 0; st == ZJ_OK && i < rs->n_rules; i++) {
        const zj_rule *r = &rs->rules[i];
        if (r->speaker == ZJ_SPEAKER_CUSTOMER) /* a model scores agent clauses */
            continue;
        for (size_t k = 0; st == ZJ_OK && k < r->n_ex_match + r->n_ex_no_match; k++) {
            bool is_match = k < r->n_ex_match;
            const zj_example *ex = is_match ? &r->ex_match[k] : &r->ex_no_match[k - r->n_ex_match];
            if (ex->text[0] != '{') /* a whole call: a situation, not a clause */
                st = example_clauses(scorer, rs, i, ex, is_match, &n, out, err);
        }
    }
    zj_norm_free(&n);
    zj_scorer_free(scorer);
    return st;
}
