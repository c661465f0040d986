/* explain.c — the rule author's debugging tools: `rules explain` (how a text
 * normalizes, which patterns of a rule match where, what an exception did)
 * and static checks beyond the loader's (`rules check`). */
#include "internal.h"

#include <ctype.h>
#include <math.h>

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static int cmp_hit_start(const void *a, const void *b)
{
    const zj_hit *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return x->pattern < y->pattern ? -1 : x->pattern > y->pattern;
}

/* "     by sound: you ben shi|si ..." for a literal with a twin. */
static void put_pinyin(zj_buf *out, const zj_pattern *p)
{
    zj_buf_puts(out, "     by sound:");
    for (size_t i = 0; i < p->expr_len;) {
        uint32_t cp;
        size_t k = zj_utf8_decode((const unsigned char *)p->expr + i, p->expr_len - i, &cp);
        if (!k)
            break;
        uint16_t ids[ZJ_PINYIN_MAX_READINGS];
        size_t r = zj_pinyin_readings(cp, ids);
        zj_buf_puts(out, " ");
        if (!r)
            zj_buf_append(out, p->expr + i, k);
        for (size_t j = 0; j < r; j++)
            zj_buf_printf(out, "%s%s", j ? "|" : "", zj_pinyin_syllable(ids[j]));
        i += k;
    }
    zj_buf_puts(out, "\n");
}

static void quote_original(zj_buf *out, const char *text, size_t len, uint32_t c0, uint32_t c1)
{
    size_t b0 = zj_utf8_cp_to_byte(text, len, c0), b1 = zj_utf8_cp_to_byte(text, len, c1);
    zj_buf_append(out, text + b0, b1 - b0);
}

/* What a conversation rule depends on, in words: its metric and bounds, its
 * situation and the window after it. */
static void describe_conversation(zj_buf *out, const zj_ruleset *rs, const zj_rule *r)
{
    static const char *const units[] = {"", "ms", "ms", "ms", "chars/min", "ms", "%"};
    if (r->kind == ZJ_KIND_METRIC) {
        zj_buf_printf(out, "metric:     %s", zj_metric_name(r->metric));
        if (r->metric_min >= 0)
            zj_buf_printf(out, ", %s %lld %s",
                          r->metric == ZJ_METRIC_SILENCE        ? "counts gaps from"
                          : r->metric == ZJ_METRIC_INTERRUPTION ? "overlap at least"
                                                                : "at least",
                          (long long)r->metric_min, units[r->metric]);
        if (r->metric_max >= 0)
            zj_buf_printf(out, ", at most %lld %s", (long long)r->metric_max, units[r->metric]);
        if (r->announce >= 0)
            zj_buf_printf(out, ", announced by '%s' in the agent's utterance before",
                          rs->rules[r->announce].id);
        if (r->waiting >= 0)
            zj_buf_printf(out, ", going on through customer turns that hit '%s'",
                          rs->rules[r->waiting].id);
        if (r->customer_pause >= 0)
            zj_buf_printf(out, ", not the agent's hold after a customer utterance that hits '%s'",
                          rs->rules[r->customer_pause].id);
        zj_buf_puts(out, "\n");
    }
    if (r->when >= 0) {
        zj_buf_printf(out, "applies:    only when tag '%s' fired, from its first turn",
                      rs->rules[r->when].id);
        if (r->window == ZJ_WIN_AFTER_UTTERANCES)
            zj_buf_printf(out, ", within %lld utterances of the rule's speaker",
                          (long long)r->window_value);
        else if (r->window == ZJ_WIN_AFTER_SECONDS)
            zj_buf_printf(out, ", in turns starting within %lld ms after the tag turn ends",
                          (long long)r->window_value);
        else
            zj_buf_puts(out, " to the end of the call");
        zj_buf_puts(out, "; otherwise not_applicable\n");
    }
}

/* The condition tree of a rule with an order or proximity item, its
 * patterns by number (listed under "patterns:"). */
static void put_condition(zj_buf *out, const zj_node *node)
{
    static const char *const names[] = {"", "any", "all", "none", "before", "near"};
    if (node->type == ZJ_NODE_PATTERN) {
        zj_buf_printf(out, "#%u", node->pattern);
        return;
    }
    const char *name = names[node->type];
    if (node->type == ZJ_NODE_NEAR && node->chars < 0)
        name = "same_turn";
    zj_buf_printf(out, "%s(", name);
    for (size_t i = 0; i < node->n_children; i++) {
        if (i)
            zj_buf_puts(out, node->type == ZJ_NODE_BEFORE ? " → " : ", ");
        put_condition(out, &node->children[i]);
    }
    if (node->type == ZJ_NODE_NEAR && node->chars >= 0)
        zj_buf_printf(out, "; at most %d characters apart, one turn", node->chars);
    else if (node->type == ZJ_NODE_NEAR)
        zj_buf_puts(out, "; one turn");
    zj_buf_puts(out, ")");
}

/* Code points of the normalized text in bytes [from, to). */
static uint32_t count_cp(const char *text, uint32_t from, uint32_t to)
{
    uint32_t n = 0;
    for (uint32_t b = from; b < to; b++)
        n += ((unsigned char)text[b] & 0xC0) != 0x80;
    return n;
}

/* Each order or proximity item on the explained text (one turn): its closest
 * pair (fewest characters between, `before` in order only) and whether it
 * satisfies the item. The hits are the rule's, sorted by start. */
static void explain_pairs(zj_buf *out, const zj_ruleset *rs, const zj_node *node, const zj_norm *n,
                          const zj_hits *hits)
{
    if (node->type != ZJ_NODE_BEFORE && node->type != ZJ_NODE_NEAR) {
        for (size_t i = 0; i < node->n_children; i++)
            explain_pairs(out, rs, &node->children[i], n, hits);
        return;
    }
    const zj_hit *best_a = NULL, *best_b = NULL;
    uint32_t best_gap = UINT32_MAX;
    for (size_t i = 0; i < hits->n; i++) {
        const zj_hit *a = &hits->v[i];
        /* Matches by sound carry pattern ids past the rule set's. */
        if (!zj_operand_has(&node->children[0], a->pattern % (uint32_t)rs->n_patterns))
            continue;
        for (size_t k = 0; k < hits->n; k++) {
            const zj_hit *b = &hits->v[k];
            if (k == i ||
                !zj_operand_has(&node->children[1], b->pattern % (uint32_t)rs->n_patterns))
                continue;
            if (node->type == ZJ_NODE_BEFORE && a->end > b->start)
                continue;
            const zj_hit *x = a->start <= b->start ? a : b, *y = x == a ? b : a;
            uint32_t gap = y->start <= x->end ? 0 : count_cp(n->text, x->end, y->start);
            if (gap < best_gap) {
                best_gap = gap;
                best_a = a;
                best_b = b;
            }
        }
    }
    zj_buf_puts(out, "  ");
    put_condition(out, node);
    if (!best_a) {
        zj_buf_puts(out, node->type == ZJ_NODE_BEFORE ? ": no hit of the first item ends before a "
                                                        "hit of the second — not satisfied\n"
                                                      : ": the two items are not both said — not "
                                                        "satisfied\n");
        return;
    }
    bool ok = node->type == ZJ_NODE_BEFORE || node->chars < 0 || best_gap <= (uint32_t)node->chars;
    zj_buf_printf(out, ": #%u [%u, %u) and #%u [%u, %u), %u characters between — %s\n",
                  best_a->pattern % (uint32_t)rs->n_patterns, n->orig_start[best_a->start],
                  n->orig_end[best_a->end - 1], best_b->pattern % (uint32_t)rs->n_patterns,
                  n->orig_start[best_b->start], n->orig_end[best_b->end - 1], best_gap,
                  ok ? "satisfied" : "not satisfied (too far apart)");
}

static void describe_order(zj_buf *out, const zj_rule *r)
{
    if (!r->has_order)
        return;
    zj_buf_puts(out, "condition:  ");
    put_condition(out, &r->cond);
    zj_buf_puts(out, "\n");
}

/* The rule's hits in res (its verdict alone) that full (scored with the
 * other rules) does not keep because another rule's overlapping hit wins:
 * a note each, since `score` then reports the other rule. */
static void note_taken(zj_buf *out, const zj_ruleset *rs, long ri, const zj_result *res,
                       const zj_result *full)
{
    for (size_t i = 0; i < res->n_findings; i++) {
        const zj_finding *f = &res->findings[i];
        if ((long)f->rule != ri || f->outcome != ZJ_OUT_HIT)
            continue;
        const zj_finding *won = NULL;
        bool kept = false;
        for (size_t k = 0; k < full->n_findings && !kept; k++) {
            const zj_finding *g = &full->findings[k];
            if (g->outcome != ZJ_OUT_HIT || g->turn != f->turn)
                continue;
            if ((long)g->rule == ri && g->span_start == f->span_start && g->span_end == f->span_end)
                kept = true;
            else if ((long)g->rule != ri && g->span_start < f->span_end &&
                     f->span_start < g->span_end && !won)
                won = g;
        }
        if (!kept && won)
            zj_buf_printf(out,
                          "note: with the whole rule set '%s' [%u, %u) is no finding: "
                          "rule %s's overlapping hit '%s' [%u, %u) wins (the longest "
                          "hit wins; a `yield` rule or a model gives way)\n",
                          f->text ? f->text : "", f->span_start, f->span_end,
                          rs->rules[won->rule].id, won->text ? won->text : "", won->span_start,
                          won->span_end);
    }
}

/* `rules explain RULE '{"call_id": ...}'`: the rule judged on a whole call,
 * nothing lifted, with the findings of the rules it reads. */
static zj_status explain_call(const zj_ruleset *rs, long ri, const char *json, zj_buf *out,
                              zj_error *err)
{
    zj_call *call = zj_call_parse_json(json, strlen(json), "explain", 1, err);
    if (!call)
        return err->status;
    zj_scorer *sc = zj_scorer_new(rs, err);
    zj_result res;
    zj_status st = sc ? zj_score_rule(sc, call, (uint32_t)ri, false, &res, err) : ZJ_ERR_NOMEM;
    if (st == ZJ_OK) {
        for (size_t i = 0; i < res.n_findings; i++) {
            const zj_finding *f = &res.findings[i];
            zj_buf_printf(out, "%s %s",
                          (long)f->rule == ri ? "verdict:" : "read:   ", rs->rules[f->rule].id);
            zj_buf_printf(out, " %s", zj_outcome_name(f->outcome));
            if (f->turn >= 0)
                zj_buf_printf(out, " turn %ld", f->turn);
            if (f->text)
                zj_buf_printf(out, " '%s' [%u, %u)", f->text, f->span_start, f->span_end);
            if (f->unit)
                zj_buf_printf(out, " %lld %s", (long long)f->value, f->unit);
            zj_buf_printf(out, ", %+d points\n", f->points);
        }
        if (res.n_findings == 0)
            zj_buf_puts(out, "verdict: no finding (the rule does not fire on this call)\n");
        /* As score judges the call: with every rule, nothing lifted. */
        zj_result full;
        if (rs->rules[ri].kind == ZJ_KIND_FORBIDDEN && res.n_findings &&
            (st = zj_score_call(sc, call, &full, err)) == ZJ_OK) {
            note_taken(out, rs, ri, &res, &full);
            zj_result_free(&full);
        }
        zj_result_free(&res);
    }
    zj_scorer_free(sc);
    zj_call_free(call);
    return st;
}

zj_status zj_rules_explain(const zj_ruleset *rs, const char *rule_id, const char *text, zj_buf *out,
                           zj_error *err)
{
    long ri = zj_rules_find(rs, rule_id);
    if (ri < 0)
        return zj_error_set(err, ZJ_ERR_NOTFOUND, rs->path, 0, 0, "no rule '%s' in %s@%s", rule_id,
                            rs->name, rs->version);
    const zj_rule *r = &rs->rules[ri];
    size_t len = strlen(text);
    if (!zj_utf8_valid(text, len))
        return zj_error_set(err, ZJ_ERR_UTF8, NULL, 0, 0, "the text is not valid UTF-8");
    if (rs->merged) {
        /* A rule set built from several files: say which one this rule is from. */
        zj_buf_printf(out, "origin: %s:%ld", r->file ? r->file : rs->path, r->line);
        if (r->over_file)
            zj_buf_printf(out, ", overridden at %s:%ld", r->over_file, r->over_line);
        zj_buf_puts(out, "\n");
    }
    if (text[0] == '{' || r->kind == ZJ_KIND_METRIC) {
        zj_buf_printf(out, "rule %s (%s, %s%s%s)\n", r->id, zj_kind_name(r->kind),
                      zj_severity_name(r->severity), r->clause ? ", " : "",
                      r->clause ? r->clause : "");
        describe_conversation(out, rs, r);
        describe_order(out, r);
        if (text[0] != '{')
            return zj_error_set(err, ZJ_ERR_USAGE, NULL, 0, 0,
                                "rule '%s' measures a whole call: give the call as JSON "
                                "({\"call_id\": ..., \"turns\": [...]})",
                                r->id);
        return explain_call(rs, ri, text, out, err);
    }
    zj_norm n;
    zj_norm_init(&n);
    zj_status st = zj_norm_turn(&n, text, len, rs, true);
    if (st != ZJ_OK) {
        zj_norm_free(&n);
        return zj_error_set(err, st, NULL, 0, 0, "cannot normalize the text");
    }
    zj_buf_printf(out, "rule %s (%s, %s%s%s)\n", r->id, zj_kind_name(r->kind),
                  zj_severity_name(r->severity), r->clause ? ", " : "", r->clause ? r->clause : "");
    describe_conversation(out, rs, r);
    describe_order(out, r);
    zj_buf_printf(out, "text:       %s\nnormalized: %s\n", text, n.text);
    zj_buf_puts(out, "map:        ");
    for (size_t i = 0; i < n.len;) {
        uint32_t cp;
        size_t k = zj_utf8_decode((const unsigned char *)n.text + i, n.len - i, &cp);
        if (!k)
            k = 1;
        zj_buf_append(out, n.text + i, k);
        zj_buf_printf(out, "←%u ", n.orig_start[i]);
        i += k;
    }
    zj_buf_puts(out, "\n");
    if (n.n_breaks) {
        zj_buf_puts(out, "sentence ends at normalized bytes:");
        for (size_t i = 0; i < n.n_breaks; i++)
            zj_buf_printf(out, " %zu", n.breaks[i]);
        zj_buf_puts(out, "\n");
    }
    bool clause_patterns = false;
    for (size_t i = 0; i < rs->n_patterns && !clause_patterns; i++)
        clause_patterns = rs->patterns[i].rule == (uint32_t)ri && rs->patterns[i].per_clause;
    if (clause_patterns && n.n_clause_breaks) {
        /* What the ^ and $ of a boundary: clause rule (or item) see. */
        zj_buf_puts(out, "clause ends at normalized bytes:");
        for (size_t i = 0; i < n.n_clause_breaks; i++)
            zj_buf_printf(out, " %zu", n.clause_breaks[i]);
        zj_buf_puts(out, "\n");
    }
    zj_buf_puts(out, "patterns:\n");
    for (size_t i = 0; i < rs->n_patterns; i++) {
        const zj_pattern *p = &rs->patterns[i];
        if (p->rule != (uint32_t)ri)
            continue;
        if (p->is_model) {
            zj_buf_printf(out, "  #%u model %s, threshold %g\n", p->id, p->source,
                          rs->rules[ri].model_threshold);
            continue;
        }
        /* An item's own boundary is said: it is why ^ and $ of this pattern
         * see other edges than the rule's. */
        const char *own = !p->own_boundary  ? ""
                          : p->per_clause   ? " (boundary: clause)"
                          : p->per_sentence ? " (boundary: sentence)"
                                            : " (boundary: none)";
        zj_buf_printf(out, "  #%u %s %s%s → %s%s\n", p->id,
                      p->follows ? "unless_followed_by" : p->is_exception ? "unless" : "match ",
                      p->is_regex ? "re:" : "", p->source, p->expr, own);
        for (size_t t = 0; rs->fuzzy && t < rs->fuzzy->n; t++)
            if (rs->fuzzy->source[t] == p->id)
                put_pinyin(out, p);
    }
    zj_hits hits = {0};
    const zj_rule *r_model = &rs->rules[ri];
    if (r_model->model) {
        /* What the model made of each clause: the probability an inspector
         * can weigh against the threshold, and the clause's hit (as
         * zj_model_hits gives it to the scorer). */
        zj_buf_puts(out, "clauses:\n");
        zj_clause_walk w;
        zj_clause_walk_init(&w, &n);
        while (st == ZJ_OK && zj_clause_walk_next(&w, &n)) {
            size_t a = w.a, b = w.b;
            double z = zj_model_clause_logit(r_model->model, &n, &w);
            bool reaches = z >= r_model->model_logit_min;
            zj_buf_printf(out, "  [%u, %u) %.*s  p=%.3f%s\n", n.orig_start[a], n.orig_end[b - 1],
                          (int)(b - a), n.text + a, 1 / (1 + exp(-z)),
                          reaches ? "  reaches the threshold" : "");
            if (reaches)
                st = zj_hits_push(&hits, r_model->model_pattern, (uint32_t)a, (uint32_t)b);
        }
    }
    zj_match_scratch *scratch = zj_match_scratch_new(rs->matcher);
    if (st == ZJ_OK)
        st = scratch ? zj_matcher_scan(rs->matcher, scratch, &n, &hits) : ZJ_ERR_NOMEM;
    /* Matches by sound: the twins' hits, pattern ids past the rule set's. */
    size_t n_exact = hits.n;
    zj_hits unheard = {0}; /* by sound only in their context: dropped (zj_fuzzy_heard) */
    if (st == ZJ_OK && rs->fuzzy) {
        char *pinyin = NULL;
        size_t cap = 0;
        zj_fuzzy_check check = {0};
        zj_match_scratch *fs = zj_match_scratch_new(rs->fuzzy->matcher);
        zj_norm view = n;
        st = fs ? zj_fuzzy_text(&n, &pinyin, &cap) : ZJ_ERR_NOMEM;
        view.text = pinyin;
        if (st == ZJ_OK)
            st = zj_matcher_scan(rs->fuzzy->matcher, fs, &view, &hits);
        size_t kept = n_exact;
        for (size_t i = n_exact; st == ZJ_OK && i < hits.n; i++) {
            bool heard;
            zj_hit h = hits.v[i];
            st = zj_fuzzy_heard(rs->fuzzy, fs, &n, pinyin, hits.v, n_exact, &h, &check, &heard);
            h.pattern = (uint32_t)rs->n_patterns + rs->fuzzy->source[h.pattern];
            if (st == ZJ_OK && !heard)
                st = zj_hits_push(&unheard, h.pattern, h.start, h.end);
            else if (st == ZJ_OK)
                hits.v[kept++] = h;
        }
        if (st == ZJ_OK)
            hits.n = kept;
        zj_fuzzy_check_free(&check);
        zj_match_scratch_free(fs);
        free(pinyin);
    }
    if (st == ZJ_OK) {
        if (hits.n)
            qsort(hits.v, hits.n, sizeof *hits.v, cmp_hit_start);
        size_t shown = 0;
        zj_buf_puts(out, "hits:\n");
        for (size_t i = 0; i < hits.n; i++) {
            const zj_hit *h = &hits.v[i];
            bool by_sound = h->pattern >= rs->n_patterns;
            const zj_pattern *p = &rs->patterns[h->pattern % rs->n_patterns];
            if (p->rule != (uint32_t)ri)
                continue;
            shown++;
            uint32_t c0 = n.orig_start[h->start], c1 = n.orig_end[h->end - 1];
            zj_buf_printf(out, "  #%u %s%s normalized [%u, %u) original [%u, %u) '", p->id,
                          p->is_exception ? "exception" : "pattern  ", by_sound ? " by sound" : "",
                          h->start, h->end, c0, c1);
            quote_original(out, text, len, c0, c1);
            zj_buf_puts(out, "'");
            if (!p->is_exception) {
                const zj_hit *by = NULL, *after = NULL;
                for (size_t k = 0; k < hits.n && !by; k++) {
                    const zj_hit *x = &hits.v[k];
                    const zj_pattern *xp = &rs->patterns[x->pattern % rs->n_patterns];
                    if (xp->rule != (uint32_t)ri || !xp->is_exception)
                        continue;
                    if (xp->follows && x->start >= h->end && !after)
                        after = x;
                    else if (!xp->follows && x->start <= h->start && h->end <= x->end)
                        by = x;
                    else if (!xp->follows && p->is_model && x->start < h->end && h->start < x->end)
                        by = x; /* a model's clause: an exception anywhere in it */
                }
                if (by)
                    zj_buf_printf(out, " — suppressed: %s exception #%u [%u, %u)",
                                  p->is_model ? "the clause holds" : "inside",
                                  (unsigned)(by->pattern % rs->n_patterns), by->start, by->end);
                else if (after)
                    zj_buf_printf(out, " — suppressed: followed by exception #%u [%u, %u)",
                                  (unsigned)(after->pattern % rs->n_patterns), after->start,
                                  after->end);
                else if (r->n_unless)
                    zj_buf_puts(out, p->is_model ? " — kept: no exception match in or after it"
                                                 : " — kept: no exception match contains or follows it");
            }
            zj_buf_puts(out, "\n");
        }
        for (size_t i = 0; i < unheard.n; i++) {
            const zj_hit *h = &unheard.v[i];
            const zj_pattern *p = &rs->patterns[h->pattern % rs->n_patterns];
            if (p->rule != (uint32_t)ri)
                continue;
            shown++;
            uint32_t c0 = n.orig_start[h->start], c1 = n.orig_end[h->end - 1];
            zj_buf_printf(out, "  #%u pattern   by sound normalized [%u, %u) original [%u, %u) '",
                          p->id, h->start, h->end, c0, c1);
            quote_original(out, text, len, c0, c1);
            zj_buf_puts(out, "' — dropped: heard only with its context by sound "
                             "(a lookaround), not in its words\n");
        }
        if (!shown)
            zj_buf_puts(out, "  (none)\n");
        if (r->has_order) {
            zj_buf_puts(out, "pairs (original code points):\n");
            explain_pairs(out, rs, &r->cond, &n, &hits);
        }
    }
    free(hits.v);
    free(unheard.v);
    zj_match_scratch_free(scratch);
    zj_norm_free(&n);
    if (st != ZJ_OK)
        return zj_error_set(err, st, NULL, 0, 0, "scan failed: %s", zj_strerror(st));

    /* The verdict, through the real scorer, for the text as one agent turn
     * (window lifted: the text is the window). */
    zj_scorer *sc = zj_scorer_new(rs, err);
    if (!sc)
        return err->status;
    zj_turn turn = {r->speaker == ZJ_SPEAKER_CUSTOMER ? ZJ_SPEAKER_CUSTOMER : ZJ_SPEAKER_AGENT,
                    (char *)text, len, -1, -1};
    zj_call call = {.call_id = "explain",
                    .turns = &turn,
                    .n_turns = 1,
                    .ring_ms = -1,
                    .started_at_utc_ms = INT64_MIN};
    zj_result res;
    st = zj_score_rule(sc, &call, (uint32_t)ri, true, &res, err);
    if (st == ZJ_OK) {
        size_t shown = 0;
        for (size_t i = 0; i < res.n_findings; i++) {
            const zj_finding *f = &res.findings[i];
            zj_buf_printf(out, "verdict: %s", zj_outcome_name(f->outcome));
            if (f->text)
                zj_buf_printf(out, " '%s' [%u, %u)", f->text, f->span_start, f->span_end);
            zj_buf_printf(out, "%s, %+d points\n", f->fuzzy ? " by sound" : "", f->points);
            shown++;
        }
        if (!shown)
            zj_buf_puts(out, "verdict: no finding (the rule does not fire on this text)\n");
        /* The verdict is the rule's alone; scored with the rules that apply
         * wherever it does (as rules test judges a match example), a hit
         * another rule's overlapping hit wins over is no finding. A rule of
         * a window or situation takes it only there: no note. */
        zj_result full;
        if (r->kind == ZJ_KIND_FORBIDDEN && shown &&
            (st = zj_score_rule_rivals(sc, &call, (uint32_t)ri, &full, err)) == ZJ_OK) {
            note_taken(out, rs, ri, &res, &full);
            zj_result_free(&full);
        }
        if (r->window != ZJ_WIN_NONE)
            zj_buf_puts(out, "note: the rule's `within` window was not applied to this text\n");
        if (r->when >= 0)
            zj_buf_puts(out, "note: the rule's situation (`when`) was not required for this text; "
                             "give a JSON call to judge it\n");
        zj_result_free(&res);
    }
    zj_scorer_free(sc);
    return st;
}

static void warn(zj_diag_cb cb, void *ctx, const char *file, long line, long col, size_t *count,
                 const char *fmt, ...) __attribute__((format(printf, 7, 8)));
static void warn(zj_diag_cb cb, void *ctx, const char *file, long line, long col, size_t *count,
                 const char *fmt, ...)
{
    zj_error e;
    zj_error_clear(&e);
    snprintf(e.file, sizeof e.file, "%s", file);
    e.line = line;
    e.col = col;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e.msg, sizeof e.msg, fmt, ap);
    va_end(ap);
    (*count)++;
    if (cb)
        cb(&e, ctx);
}

/* A literal pattern whose every occurrence lies inside an exception of the
 * same rule can never produce a hit. */
static bool always_suppressed(const zj_ruleset *rs, const zj_rule *r, const zj_pattern *p)
{
    if (p->is_regex)
        return false;
    for (size_t i = 0; i < r->n_unless; i++) {
        const zj_pattern *x = &rs->patterns[r->unless[i]];
        if (!x->is_regex && x->expr_len == p->expr_len && !memcmp(x->expr, p->expr, p->expr_len))
            return true;
    }
    return false;
}

static bool same_pattern(const zj_ruleset *rs, uint32_t a, uint32_t b)
{
    const zj_pattern *x = &rs->patterns[a], *y = &rs->patterns[b];
    return x->is_regex == y->is_regex && x->expr_len == y->expr_len &&
           !memcmp(x->expr, y->expr, x->expr_len);
}

/* An order or proximity item whose two items share a phrase: `before` and
 * `near` then compare the phrase with its own other occurrences, which is
 * rarely what was meant (请稍等 before 请稍等). */
static void lint_order(const zj_ruleset *rs, const zj_rule *r, const zj_node *node, zj_diag_cb cb,
                       void *ctx, size_t *count)
{
    if (node->type != ZJ_NODE_BEFORE && node->type != ZJ_NODE_NEAR) {
        for (size_t i = 0; i < node->n_children; i++)
            lint_order(rs, r, &node->children[i], cb, ctx, count);
        return;
    }
    const zj_node *a = &node->children[0], *b = &node->children[1];
    size_t na = a->type == ZJ_NODE_PATTERN ? 1 : a->n_children;
    size_t nb = b->type == ZJ_NODE_PATTERN ? 1 : b->n_children;
    for (size_t i = 0; i < na; i++)
        for (size_t k = 0; k < nb; k++) {
            uint32_t pa = a->type == ZJ_NODE_PATTERN ? a->pattern : a->children[i].pattern;
            uint32_t pb = b->type == ZJ_NODE_PATTERN ? b->pattern : b->children[k].pattern;
            if (same_pattern(rs, pa, pb)) {
                const zj_pattern *p = &rs->patterns[pb];
                warn(cb, ctx, p->file ? p->file : rs->path, p->line, p->col, count,
                     "warning: '%s' is on both sides of an order or proximity item of rule "
                     "'%s': it is compared with its own other occurrences",
                     p->source, r->id);
                return;
            }
        }
}

/* What normalization makes of the one character c[0..k): "" when it drops
 * it, else the character as the patterns see it (n owns the text). */
static const char *normalized_char(const zj_ruleset *rs, zj_norm *n, const char *c, size_t k)
{
    if (zj_norm_turn(n, c, k, rs, false) != ZJ_OK)
        return NULL;
    return n->text ? n->text : "";
}

/* Case-sensitive parts of a regex. Regexes are compiled caseless and see
 * case-folded text (rules/README.md), so an upper-case ASCII letter where
 * (?-i) or (?^) turned caseless matching off never matches: the part of the
 * regex that needs it is dead, with `rules check` saying ok. The scan below
 * follows the mode through groups; a letter in a negative lookaround (which
 * only ever excludes) or made optional (A?, A*, A{0,n}) is left alone. */
enum { RX_CASELESS = 1, RX_EXTENDED = 2, RX_NEGATIVE = 4, RX_MAX_DEPTH = 64 };

/* The option letters after "(?" at s[i..]: "i-x)" or "^i:". Sets *mode and
 * *end (just past the ')' or ':' that ends them) and *opens_group (':');
 * false when s[i..] is not an option setting. */
static bool regex_options(const char *s, size_t len, size_t i, unsigned *mode, size_t *end,
                          bool *opens_group)
{
    unsigned m = *mode;
    bool on = true;
    if (i < len && s[i] == '^') {
        m &= ~(unsigned)(RX_CASELESS | RX_EXTENDED);
        i++;
    }
    for (; i < len && (isalpha((unsigned char)s[i]) || s[i] == '-'); i++) {
        unsigned bit = s[i] == 'i' ? RX_CASELESS : s[i] == 'x' ? RX_EXTENDED : 0;
        if (s[i] == '-')
            on = false;
        else if (on)
            m |= bit;
        else
            m &= ~bit;
    }
    if (i >= len || (s[i] != ')' && s[i] != ':'))
        return false;
    *mode = m;
    *end = i + 1;
    *opens_group = s[i] == ':';
    return true;
}

/* Index just past the first `close` at or after i (len when there is none). */
static size_t skip_past(const char *s, size_t len, size_t i, char close)
{
    const char *c = i < len ? memchr(s + i, close, len - i) : NULL;
    return c ? (size_t)(c - s) + 1 : len;
}

/* Index just past the character class opened at s[i] == '['. */
static size_t skip_class(const char *s, size_t len, size_t i)
{
    i++;
    if (i < len && s[i] == '^')
        i++;
    if (i < len && s[i] == ']') /* a ']' first is a literal */
        i++;
    while (i < len && s[i] != ']') {
        if (s[i] == '\\')
            i += 2;
        else if (s[i] == '[' && i + 1 < len && s[i + 1] == ':')
            i = skip_past(s, len, i + 2, ']');
        else
            i++;
    }
    return i + 1;
}

/* What the group opened by the '(' at s[i] does: its mode in *inner (the
 * enclosing mode changed or not), and the index just after its opening.
 * Returns 1 when a group opens, 0 when the construct is complete ((?#...),
 * (?1), (*VERB)), -1 when it sets options for the rest of the current
 * group ((?-i)), which then go to *outer. */
static int regex_group(const char *s, size_t len, size_t i, unsigned *outer, unsigned *inner,
                       size_t *next)
{
    *inner = *outer;
    size_t j = i + 1;
    if (j < len && s[j] == '*') { /* (*pla: ...) or a verb (*SKIP), (*MARK:NAME) */
        size_t k = j + 1;
        while (k < len && islower((unsigned char)s[k]))
            k++;
        if (k > j + 1 && k < len && s[k] == ':') {
            if (strncmp(s + j + 1, "nl", 2) == 0 || strncmp(s + j + 1, "negative_", 9) == 0)
                *inner |= RX_NEGATIVE;
            *next = k + 1;
            return 1;
        }
        *next = skip_past(s, len, j, ')');
        return 0;
    }
    if (j >= len || s[j] != '?') {
        *next = j;
        return 1;
    }
    j++;
    bool opens_group;
    unsigned mode = *outer;
    if (regex_options(s, len, j, &mode, next, &opens_group)) {
        if (opens_group) {
            *inner = mode;
            return 1;
        }
        *outer = mode;
        return -1;
    }
    char c = j < len ? s[j] : '\0';
    char d = j + 1 < len ? s[j + 1] : '\0';
    if (c == '!' || (c == '<' && d == '!'))
        *inner |= RX_NEGATIVE;
    if (c == 'C' && d && strchr("`'\"^%#${", d)) { /* a callout's text: (?C"AB") */
        *next = skip_past(s, len, skip_past(s, len, j + 2, d == '{' ? '}' : d), ')');
        return 0;
    }
    if (c == '#' || c == '&' || c == 'R' || c == '+' || c == '-' || c == 'C' ||
        isdigit((unsigned char)c) || (c == 'P' && (d == '=' || d == '>'))) {
        *next = skip_past(s, len, j, ')');
        return 0;
    }
    if ((c == '<' && d != '=' && d != '!') || (c == 'P' && d == '<'))
        *next = skip_past(s, len, j, '>'); /* a group's name */
    else if (c == '\'')
        *next = skip_past(s, len, j + 1, '\'');
    else if (c == '(' && d != '?' && d != '*')
        *next = skip_past(s, len, j, ')'); /* a condition: (?(1)..., (?(<name>)... */
    else if (c == '(')
        *next = j; /* the condition is an assertion, scanned as a group */
    else
        *next = c ? j + 1 : j; /* (?= (?<= (?! (?<! (?| (?> */
    if (c == '<' && (d == '=' || d == '!'))
        (*next)++;
    return 1;
}

/* The escape at s[i] == '\\': the index after it, and in *letter the ASCII
 * letter it stands for (\x41, \x{56}), else 0. \Q...\E is not handled here. */
static size_t regex_escape(const char *s, size_t len, size_t i, char *letter)
{
    *letter = 0;
    char e = i + 1 < len ? s[i + 1] : '\0';
    size_t j = i + 2;
    if (e == 'c')
        return j + 1 < len ? j + 1 : len; /* \cX: a control character */
    if (!e || !strchr("xopPgkN", e))
        return j;
    if (j < len && strchr("{<'", s[j])) {
        size_t end = skip_past(s, len, j + 1, s[j] == '{' ? '}' : s[j] == '<' ? '>' : '\'');
        if (e == 'x') {
            unsigned long v = strtoul(s + j + 1, NULL, 16);
            *letter = v >= 'A' && v <= 'Z' ? (char)v : 0;
        }
        return end;
    }
    if (e == 'x') {
        char hex[3] = {0};
        for (int k = 0; k < 2 && j < len && isxdigit((unsigned char)s[j]); k++)
            hex[k] = s[j++];
        unsigned long v = strtoul(hex, NULL, 16);
        *letter = v >= 'A' && v <= 'Z' ? (char)v : 0;
        return j;
    }
    return e == 'p' || e == 'P' ? j + 1 : j; /* \pL */
}

/* Whether the atom ending before s[i] may be left out: ?, * or {0,n}. */
static bool optional_atom(const char *s, size_t len, size_t i)
{
    return i < len && (s[i] == '?' || s[i] == '*' ||
                       (s[i] == '{' && i + 1 < len && (s[i + 1] == '0' || s[i + 1] == ',')));
}

/* One atom of a regex outside its character classes, as regex_walk sees
 * it: a character (s[at], k bytes), an escape (s[at] == '\\', k bytes up to
 * its end, *letter the ASCII letter \x41 stands for) or a character of
 * \Q...\E (quoted), with the mode it is matched in and whether the
 * quantifier after it makes it optional. */
typedef struct rx_atom {
    size_t at, k;
    bool escape, quoted;
    char letter;
    unsigned mode; /* RX_CASELESS, RX_EXTENDED, RX_NEGATIVE */
    bool optional;
} rx_atom;

/* Walks a regex's source atom by atom, following the mode through groups
 * ((?-i), (?i:...), negative lookarounds, (*nla:...)) and leaving out
 * character classes, comments of extended mode, group names, verbs and
 * callouts; stops when visit returns false. A regex nested deeper than
 * RX_MAX_DEPTH groups is not followed further. */
static void regex_walk(const char *s, size_t len, bool (*visit)(void *ctx, const rx_atom *a),
                       void *ctx)
{
    unsigned stack[RX_MAX_DEPTH], mode = RX_CASELESS;
    int depth = 0;
    for (size_t i = 0; i < len;) {
        char c = s[i];
        size_t next = i + 1;
        rx_atom a = {.at = i, .mode = mode};
        if ((mode & RX_EXTENDED) && c == '#') {
            i = skip_past(s, len, i, '\n');
            continue;
        }
        if (c == '\\' && i + 1 < len && s[i + 1] == 'Q') { /* \Q...\E: every character literal */
            for (next = i + 2;
                 next < len && !(s[next] == '\\' && next + 1 < len && s[next + 1] == 'E');) {
                size_t k =
                    zj_utf8_decode((const unsigned char *)s + next, len - next, &(uint32_t){0});
                k = k ? k : 1;
                rx_atom q = {.at = next,
                             .k = k,
                             .quoted = true,
                             .mode = mode,
                             .optional = optional_atom(s, len, next + k)};
                if (!visit(ctx, &q))
                    return;
                next += k;
            }
            i = next < len ? next + 2 : len;
            continue;
        }
        if (c == '\\') {
            next = regex_escape(s, len, i, &a.letter);
            if (i + 1 < len && (unsigned char)s[i + 1] >= 0x80) { /* \， : the whole character */
                size_t k =
                    zj_utf8_decode((const unsigned char *)s + i + 1, len - i - 1, &(uint32_t){0});
                next = i + 1 + (k ? k : 1);
            }
            a.escape = true;
        } else if (c == '[') {
            i = skip_class(s, len, i);
            continue;
        } else if (c == '(') {
            unsigned inner;
            if (regex_group(s, len, i, &mode, &inner, &next) == 1) {
                if (depth == RX_MAX_DEPTH)
                    return; /* too deep to follow: say nothing rather than guess */
                stack[depth++] = mode;
                mode = inner;
            }
            i = next;
            continue;
        } else if (c == ')') {
            if (depth > 0)
                mode = stack[--depth];
            i = next;
            continue;
        } else if ((unsigned char)c >= 0x80) {
            size_t k = zj_utf8_decode((const unsigned char *)s + i, len - i, &(uint32_t){0});
            next = i + (k ? k : 1);
        }
        a.k = (next < len ? next : len) - i;
        a.optional = optional_atom(s, len, next);
        if (!visit(ctx, &a))
            return;
        i = next;
    }
}

/* The first upper-case ASCII letter the regex needs where it matches
 * case-sensitively: letters made optional or in a negative lookaround
 * (which only ever excludes) are left alone. */
typedef struct case_lint {
    const char *expr;
    char letter; /* the first one found, or 0 */
} case_lint;

static bool case_sensitive_atom(void *ctx, const rx_atom *a)
{
    case_lint *l = ctx;
    char c = l->expr[a->at];
    char letter = a->escape ? a->letter : isupper((unsigned char)c) ? c : 0;
    if (!letter || (a->mode & (RX_CASELESS | RX_NEGATIVE)) || a->optional)
        return true;
    l->letter = letter;
    return false;
}

static void lint_regex_case(const zj_ruleset *rs, const zj_rule *r, const zj_pattern *p,
                            zj_diag_cb cb, void *ctx, size_t *count)
{
    case_lint l = {p->expr, 0};
    regex_walk(p->expr, p->expr_len, case_sensitive_atom, &l);
    char letter = l.letter;
    if (letter)
        warn(cb, ctx, p->file ? p->file : rs->path, p->line, p->col, count,
             "warning: regex '%s' of rule '%s' has the upper-case letter '%c' in a "
             "case-sensitive part ((?-i), (?^)); the text it matches is lower-cased, so that part "
             "can never match: write '%c'",
             p->source, r->id, letter, (char)tolower((unsigned char)letter));
}

/* A regex sees normalized text (rules/README.md): no punctuation, no
 * spaces, Simplified characters, NFKC forms, no one-character fillers. A
 * literal it needs that normalization drops or rewrites never matches, and
 * the rule never fires — with `rules check` saying ok. Looks at the literal
 * characters outside character classes and negative lookarounds (which only
 * ever exclude) and at the whitespace escapes; the first one found is
 * reported. ASCII letters are left alone: regexes match caselessly. */
typedef struct literal_lint {
    const zj_ruleset *rs;
    const zj_rule *r;
    const zj_pattern *p;
    zj_norm *norm;
    zj_diag_cb cb;
    void *ctx;
    size_t *count;
    /* The run of literal characters (not ASCII, each required once) being
     * collected: source bytes [run_at, run_end) of the regex. */
    size_t run_at, run_end;
    bool stopped; /* a character was warned about: the walk stopped */
} literal_lint;

/* A run of literal characters normalization rewrites as a whole, though
 * each character passes alone: a filler between two words (你啊去问 with
 * fillers [啊]: the text says 你去问) or a synonym's form (我怎么晓得 with
 * 晓得: 知道: the text says 我怎么知道). The regex can never match there.
 * A filler at either end of the run is left alone (a sentence-final 啊
 * stays in the text), and so is a dead branch beside live ones: a run
 * that is a whole branch of an alternation ((?:怎么样|咋地)), or whose
 * words as the text reads them the rule lists too (急啥 beside 急什么). */
static bool holds(const char *hay, size_t n, const char *needle, size_t k)
{
    for (size_t i = 0; k <= n && i <= n - k; i++)
        if (memcmp(hay + i, needle, k) == 0)
            return true;
    return false;
}

/* Whether the words a run reads as are elsewhere in the rule: in this
 * regex or another pattern of the rule (急啥 beside 急什么). */
static bool rule_holds(const literal_lint *l, const char *text, size_t n)
{
    size_t ri = (size_t)(l->r - l->rs->rules);
    for (size_t k = 0; k < l->rs->n_patterns; k++) {
        const zj_pattern *q = &l->rs->patterns[k];
        if (q->rule == ri && !q->is_model && holds(q->expr, q->expr_len, text, n))
            return true;
    }
    return false;
}

/* Whether source bytes [at, end) of the regex are a whole branch of an
 * alternation beside others: (?:怎么样|咋样|咋地). */
static bool whole_branch(const char *s, size_t len, size_t at, size_t end)
{
    bool start = at == 0 || s[at - 1] == '|' || s[at - 1] == '(' ||
                 (at >= 3 && !memcmp(s + at - 3, "(?:", 3));
    bool stop = end == len || s[end] == '|' || s[end] == ')';
    return start && stop && ((at > 0 && s[at - 1] == '|') || (end < len && s[end] == '|'));
}

static void check_run(literal_lint *l)
{
    const zj_pattern *p = l->p;
    const char *run = p->expr + l->run_at, *file = p->file ? p->file : l->rs->path;
    size_t len = l->run_end - l->run_at;
    bool branch = len && whole_branch(p->expr, p->expr_len, l->run_at, l->run_end);
    l->run_at = l->run_end = 0;
    if (len == 0 || branch || zj_utf8_count(run, len) < 2 ||
        (!l->rs->fillers && !l->rs->synonyms))
        return;
    char *text = NULL;
    size_t n = 0;
    if (zj_norm_literal_fillers(run, len, l->rs->fillers, &text, &n) != ZJ_OK || !text) {
        free(text);
        return;
    }
    bool dropped = n != len || memcmp(text, run, len) != 0;
    if (dropped) {
        /* the run's first and last characters stay: a filler inside it went */
        size_t first = zj_utf8_decode((const unsigned char *)run, len, &(uint32_t){0});
        size_t last = len;
        while (last > 0 && ((unsigned char)run[last - 1] & 0xC0) == 0x80)
            last--;
        last = last ? last - 1 : 0;
        dropped = first && n >= first + (len - last) && memcmp(text, run, first) == 0 &&
                  memcmp(text + n - (len - last), run + last, len - last) == 0;
        if (dropped && !rule_holds(l, text, n))
            warn(l->cb, l->ctx, file, p->line, p->col, l->count,
                 "warning: regex '%s' of rule '%s' has '%.*s', which the text it matches reads "
                 "as '%s' (the rule set's fillers are dropped between words): it can never "
                 "match; write '%s', with the filler optional if need be",
                 p->source, l->r->id, (int)len, run, text, text);
        free(text);
        return;
    }
    if (zj_synonyms_literal(l->rs->synonyms, &text, &n) == ZJ_OK &&
        (n != len || memcmp(text, run, len) != 0) && !rule_holds(l, text, n))
        warn(l->cb, l->ctx, file, p->line, p->col, l->count,
             "warning: regex '%s' of rule '%s' has '%.*s', which the text it matches reads as "
             "'%s' (synonyms: a form is read as its standard word): it can never match; "
             "write '%s'",
             p->source, l->r->id, (int)len, run, text, text);
    free(text);
}

static bool normalized_atom(void *ctx, const rx_atom *a)
{
    literal_lint *l = ctx;
    const zj_pattern *p = l->p;
    const char *s = p->expr, *file = p->file ? p->file : l->rs->path;
    /* Literal runs: a character that is not ASCII, not escaped, required
     * once (no quantifier after it) and outside a negative lookaround,
     * right after the previous one in the source. */
    size_t after = a->at + a->k;
    bool in_run = !a->escape && !a->optional && !(a->mode & RX_NEGATIVE) &&
                  (unsigned char)s[a->at] >= 0x80 &&
                  !(after < p->expr_len && strchr("?*+{", s[after]));
    if (!in_run || a->at != l->run_end || l->run_end == 0) {
        check_run(l);
        if (in_run)
            l->run_at = a->at;
    }
    if (in_run)
        l->run_end = after;
    if (a->mode & RX_NEGATIVE)
        return true;
    const char *lit = s + a->at;
    size_t k = a->k;
    if (a->escape) {
        unsigned char e = a->k > 1 ? (unsigned char)s[a->at + 1] : 0;
        if (e && strchr("shvRntrf", e)) {
            warn(l->cb, l->ctx, file, p->line, p->col, l->count,
                 "warning: regex '%s' of rule '%s' has '\\%c', a space or line break, which "
                 "the normalized text it matches never holds: it can never match",
                 p->source, l->r->id, e);
            l->stopped = true;
            return false;
        }
        if (!e || (e < 0x80 && !ispunct(e)))
            return true; /* \d \w \b \1 \p{Han} \x{4E00} ...: not a literal */
        lit++;           /* an escaped literal: \? \. \， */
        k--;
    } else if (!a->quoted && (a->mode & RX_EXTENDED) && lit[0] == ' ') {
        return true; /* extended mode: a space is layout */
    } else if (lit[0] != ' ' && (unsigned char)lit[0] < 0x80) {
        return true;
    }
    const char *norm = normalized_char(l->rs, l->norm, lit, k);
    /* A word a synonym rewrites (啥 → 什么) is left alone: regexes list such
     * forms beside the standard word, a dead but harmless branch. */
    if (!norm || (strlen(norm) == k && memcmp(norm, lit, k) == 0) ||
        zj_utf8_count(norm, strlen(norm)) > 1)
        return true;
    l->stopped = true;
    if (*norm)
        warn(l->cb, l->ctx, file, p->line, p->col, l->count,
             "warning: regex '%s' of rule '%s' has '%.*s', which the text it matches reads as "
             "'%s' (regexes see normalized text): write '%s'",
             p->source, l->r->id, (int)k, lit, norm, norm);
    else
        warn(l->cb, l->ctx, file, p->line, p->col, l->count,
             "warning: regex '%s' of rule '%s' has '%.*s', which normalization drops "
             "(punctuation, spaces and fillers): it can never match; use boundary: sentence "
             "with ^ and $ for sentence edges",
             p->source, l->r->id, (int)k, lit);
    return false;
}

/* A literal holding one of the rule set's non-speech tags ([笑声]): a turn
 * is matched with its tags read as clause ends, so the literal, whose
 * brackets normalization drops, can never match. */
static zj_status lint_literal_tag(const zj_ruleset *rs, const zj_rule *r, const zj_pattern *p,
                                  zj_diag_cb cb, void *ctx, size_t *count)
{
    char *blanked;
    size_t len;
    zj_status st =
        zj_non_speech_blank(rs->non_speech, p->source, strlen(p->source), ' ', &blanked, &len);
    if (st == ZJ_OK && blanked)
        warn(cb, ctx, p->file ? p->file : rs->path, p->line, p->col, count,
             "warning: '%s' of rule '%s' holds a non-speech tag, which a turn is matched "
             "without (non_speech: it reads as a clause end): it can never match",
             p->source, r->id);
    free(blanked);
    return st;
}

static void lint_regex(const zj_ruleset *rs, const zj_rule *r, const zj_pattern *p, zj_norm *n,
                       zj_diag_cb cb, void *ctx, size_t *count)
{
    literal_lint l = {rs, r, p, n, cb, ctx, count, 0, 0, false};
    regex_walk(p->expr, p->expr_len, normalized_atom, &l);
    if (!l.stopped)
        check_run(&l);
}

/* A regex Hyperscan refuses still matches (PCRE2 runs it), but on every turn
 * instead of when the database says it may match, and every start first
 * tries to compile the whole set and fails (match_hs.c). */
static void lint_regex_refused(const zj_ruleset *rs, const zj_rule *r, const zj_pattern *p,
                               zj_diag_cb cb, void *ctx, size_t *count)
{
    const char *why = rs->matcher ? zj_matcher_refused(rs->matcher, p->id) : NULL;
    if (why)
        warn(cb, ctx, p->file ? p->file : rs->path, p->line, p->col, count,
             "warning: Hyperscan cannot take regex '%s' of rule '%s' (%s): PCRE2 runs it on "
             "every turn, which slows every scan; rewrite it without the construct",
             p->source, r->id, why);
}

size_t zj_rules_lint(const zj_ruleset *rs, zj_diag_cb cb, void *ctx)
{
    size_t count = 0;
    zj_norm norm;
    zj_norm_init(&norm);
    for (size_t i = 0; i < rs->n_rules; i++) {
        const zj_rule *r = &rs->rules[i];
        if (!r->clause)
            warn(cb, ctx, r->file ? r->file : rs->path, r->line, r->col, &count,
                 "warning: rule '%s' cites no clause of the standard (clause: …)", r->id);
        if (r->n_ex_match == 0 || r->n_ex_no_match == 0)
            warn(cb, ctx, r->file ? r->file : rs->path, r->line, r->col, &count, "warning: rule '%s' has no %s examples",
                 r->id, r->n_ex_match == 0 ? "match" : "no_match");
        for (size_t k = 0; k < rs->n_patterns; k++)
            if (rs->patterns[k].rule == i && rs->patterns[k].is_regex &&
                !rs->patterns[k].is_model) {
                lint_regex(rs, r, &rs->patterns[k], &norm, cb, ctx, &count);
                lint_regex_case(rs, r, &rs->patterns[k], cb, ctx, &count);
                lint_regex_refused(rs, r, &rs->patterns[k], cb, ctx, &count);
            }
        for (size_t k = 0; rs->non_speech && k < rs->n_patterns; k++)
            if (rs->patterns[k].rule == i && !rs->patterns[k].is_regex &&
                lint_literal_tag(rs, r, &rs->patterns[k], cb, ctx, &count) != ZJ_OK) {
                zj_error e; /* the lint is incomplete: said as an error, not a warning */
                zj_error_set(&e, ZJ_ERR_NOMEM, rs->path, 0, 0, "out of memory");
                count++;
                if (cb)
                    cb(&e, ctx);
            }
        size_t live = 0;
        for (size_t k = 0; k < rs->n_patterns; k++) {
            const zj_pattern *p = &rs->patterns[k];
            if (p->rule != i || p->is_exception)
                continue;
            if (always_suppressed(rs, r, p))
                warn(cb, ctx, p->file ? p->file : rs->path, p->line, p->col, &count,
                     "warning: pattern '%s' of rule '%s' is also one of its exceptions: it can "
                     "never fire",
                     p->source, r->id);
            else
                live++;
        }
        if (live == 0 && r->kind != ZJ_KIND_METRIC)
            warn(cb, ctx, r->file ? r->file : rs->path, r->line, r->col, &count,
                 "warning: rule '%s' is unreachable: every pattern is suppressed", r->id);
        if (r->fuzzy) {
            bool twin = false;
            /* A twin of an exception only widens the exception. */
            for (size_t t = 0; rs->fuzzy && t < rs->fuzzy->n && !twin; t++)
                twin = rs->patterns[rs->fuzzy->source[t]].rule == i &&
                       !rs->fuzzy->patterns[t].is_exception;
            if (!twin)
                warn(cb, ctx, r->file ? r->file : rs->path, r->line, r->col, &count,
                     "warning: rule '%s' has fuzzy: pinyin but no literal of three or more "
                     "characters with a reading and no such regex without \\p{Han}: it "
                     "matches by its characters only",
                     r->id);
        }
        if (r->has_order)
            lint_order(rs, r, &r->cond, cb, ctx, &count);
        if (r->kind == ZJ_KIND_REQUIRED && r->points == 0 && r->severity > ZJ_SEV_OBSERVATION)
            warn(cb, ctx, r->file ? r->file : rs->path, r->line, r->col, &count,
                 "warning: required rule '%s' costs 0 points but has severity %s", r->id,
                 zj_severity_name(r->severity));
        /* points defaults to 0: a forbidden rule that forgot it lists its hits
         * and passes every call. */
        if (r->kind == ZJ_KIND_FORBIDDEN && r->points == 0 && !r->fatal &&
            r->severity > ZJ_SEV_OBSERVATION)
            warn(cb, ctx, r->file ? r->file : rs->path, r->line, r->col, &count,
                 "warning: forbidden rule '%s' costs 0 points a hit (points defaults to 0) but "
                 "has severity %s",
                 r->id, zj_severity_name(r->severity));
        /* Same kind, speaker, window and the same single literal as an earlier rule. */
        for (size_t j = 0; j < i; j++) {
            const zj_rule *o = &rs->rules[j];
            if (o->kind != r->kind || o->speaker != r->speaker || o->window != r->window ||
                o->window_value != r->window_value || o->cond.type != ZJ_NODE_ANY ||
                r->cond.type != ZJ_NODE_ANY || o->cond.n_children != 1 || r->cond.n_children != 1 ||
                o->cond.children[0].type != ZJ_NODE_PATTERN ||
                r->cond.children[0].type != ZJ_NODE_PATTERN || o->n_unless || r->n_unless)
                continue;
            const zj_pattern *a = &rs->patterns[o->cond.children[0].pattern];
            const zj_pattern *b = &rs->patterns[r->cond.children[0].pattern];
            /* Another boundary (the rule's or the item's own) is another
             * condition: ^随你$ per clause finds 好的，随你, per sentence not. */
            if (a->is_regex == b->is_regex && a->per_sentence == b->per_sentence &&
                a->per_clause == b->per_clause && a->expr_len == b->expr_len &&
                !memcmp(a->expr, b->expr, a->expr_len))
                warn(cb, ctx, r->file ? r->file : rs->path, r->line, r->col, &count,
                     "warning: rule '%s' duplicates rule '%s' (same condition)", r->id, o->id);
        }
    }
    zj_norm_free(&norm);
    return count;
}
