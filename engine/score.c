/* score.c — turns the hits of one call into findings and a score, following
 * the semantics of docs/output-contract.md and rules/README.md: speaker
 * scope, windows, `unless` exceptions,
 * longest-match-wins among overlapping forbidden hits, max_points, required
 * rules met or missing, clamp, pass, fatal and grade. */
#define _GNU_SOURCE /* qsort_r */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

/* A hit with its turn and original code-point span. */
typedef struct call_hit {
    uint32_t rule, pattern;
    uint32_t turn;
    uint32_t start, end;       /* normalized bytes */
    uint32_t cp_start, cp_end; /* original code points */
    uint32_t nc_start, nc_end; /* normalized code points (rule sets with `near` only) */
    bool fuzzy;                /* a twin's hit (`fuzzy: pinyin`): matched by sound */
    bool quoted;               /* forbidden candidates: in quoted or reported speech */
} call_hit;

typedef struct hit_vec {
    call_hit *v;
    size_t n, cap;
    bool failed; /* a push failed (out of memory): the vector lacks a hit */
} hit_vec;

typedef zj_finding_list finding_vec;

struct zj_scorer {
    const zj_ruleset *rs;
    zj_match_scratch *scratch;
    zj_norm norm; /* the turn being scanned; hits keep code points, not the text */
    zj_hits turn_hits;
    hit_vec hits;       /* all hits of the call, grouped by rule after sorting */
    hit_vec candidates; /* forbidden candidates of the call */
    hit_vec evidence;
    hit_vec exceptions;
    int32_t *utt_first; /* [3 speakers][turns]: utterance index from the start, -1 other speaker */
    int32_t *utt_last;  /* same, counted from the end */
    size_t utt_cap;
    uint32_t *required; /* indices of required rules */
    size_t n_required;
    uint32_t *timed; /* indices of rules with a seconds window */
    size_t n_timed;
    uint32_t *rule_done; /* == call_gen: judged in this call (no per-call clearing of 5,000) */
    uint32_t call_gen;
    bool with_rivals;    /* zj_score_rule_rivals: wanted() takes the rule's rivals too */
    uint32_t *rule_hits; /* forbidden hits of each rule so far (max_points), zero between calls */
    unsigned char *occupied; /* code points of a turn taken by a kept hit */
    size_t occupied_cap;
    uint32_t *cp_byte; /* byte offset of each code point of turn cp_byte_turn */
    size_t cp_byte_cap, cp_byte_n;
    long cp_byte_turn; /* -1: none for this call */
    bool scanned[2];   /* by speaker: some rule with patterns looks at its turns */
    /* Conversation rules: evaluated after the hits, in phases, so that a rule
     * can refer to a tag (`when`) or another rule's hits (`announce`). */
    uint32_t *later; /* rules with `when`, then metric rules, each in rule order */
    size_t n_later;
    uint32_t *group_gen;   /* == call_gen: group_start/group_n hold this call's hits of the rule */
    uint32_t *group_start; /* the rule's hits in s->hits: first index */
    uint32_t *group_n;     /* ... and count: all hits before evaluation, survivors after */
    uint32_t *judged_gen;  /* == call_gen: the rule was evaluated and group_n are survivors */
    unsigned char *marks;  /* per turn: ZJ_MARK_* bits for a silence metric */
    size_t marks_cap;
    /* Where a call opens and closes for the seconds windows: its first
     * utterance's start and its utterances' latest end (a [铃声] or [忙音]
     * turn neither opens nor closes a call), -1 if none; the first
     * utterance's turn; and whether its times are all placeholders. */
    int64_t first_start, last_end;
    long first_utterance;
    bool placeholder_times;
    long tag_turn;       /* the conditional rule being judged: first turn of its tag */
    int32_t after_base;  /* ... and the utterance number of its window's first utterance */
    size_t max_call_bytes, max_findings; /* 0: no limit (zj_scorer_set_limits) */
    zj_spans quotes;   /* quoted / reported speech of turn quotes_turn */
    long quotes_turn;  /* -1: none computed for this call */
    uint32_t *quote_scratch;
    size_t quote_scratch_cap;
    bool profiling;
    zj_profile prof;
    /* `fuzzy: pinyin`: the pinyin text of the turn and the twins' scratch
     * (NULL when the rule set has no twins), and exact hits for dedup. */
    zj_match_scratch *fuzzy_scratch;
    char *fuzzy_text;
    size_t fuzzy_cap;
    zj_fuzzy_check fuzzy_check; /* hits by sound heard only in their context */
    hit_vec exact;
    /* Order and proximity items: code points before each normalized byte of
     * the turn (rule sets with `near` only), and which hits of a rule's group
     * take part in a satisfied item. */
    uint32_t *nc_at;
    size_t nc_cap;
    unsigned char *paired;
    size_t paired_cap;
    uint32_t *models; /* rules with `model:`, in rule order */
    size_t n_models;
    uint32_t *typed_tags; /* tags with `call_types:`, in rule order */
    size_t n_typed_tags;
};

/* The code points in s[0..n) (valid UTF-8). */
static size_t code_points(const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += ((unsigned char)s[i] & 0xC0) != 0x80;
    return k;
}

static zj_status vec_push(hit_vec *h, const call_hit *x)
{
    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 64;
        call_hit *v = realloc(h->v, cap * sizeof *v);
        if (!v) {
            h->failed = true;
            return ZJ_ERR_NOMEM;
        }
        h->v = v;
        h->cap = cap;
    }
    h->v[h->n++] = *x;
    return ZJ_OK;
}

zj_scorer *zj_scorer_new(const zj_ruleset *rs, zj_error *err)
{
    zj_scorer *s = calloc(1, sizeof *s);
    if (!s)
        goto nomem;
    s->rs = rs;
    s->scratch = zj_match_scratch_new(rs->matcher);
    s->required = calloc(rs->n_rules ? rs->n_rules : 1, sizeof *s->required);
    s->timed = calloc(rs->n_rules ? rs->n_rules : 1, sizeof *s->timed);
    s->rule_done = calloc(rs->n_rules ? rs->n_rules : 1, sizeof *s->rule_done);
    s->rule_hits = calloc(rs->n_rules ? rs->n_rules : 1, sizeof *s->rule_hits);
    size_t nr = rs->n_rules ? rs->n_rules : 1;
    s->later = calloc(nr, sizeof *s->later);
    s->group_gen = calloc(nr, sizeof *s->group_gen);
    s->group_start = calloc(nr, sizeof *s->group_start);
    s->group_n = calloc(nr, sizeof *s->group_n);
    s->judged_gen = calloc(nr, sizeof *s->judged_gen);
    s->models = calloc(nr, sizeof *s->models);
    s->typed_tags = calloc(nr, sizeof *s->typed_tags);
    if (!s->scratch || !s->required || !s->timed || !s->rule_done || !s->rule_hits || !s->later ||
        !s->group_gen || !s->group_start || !s->group_n || !s->judged_gen || !s->models ||
        !s->typed_tags)
        goto nomem;
    if (rs->fuzzy && !(s->fuzzy_scratch = zj_match_scratch_new(rs->fuzzy->matcher)))
        goto nomem;
    /* The conditional rules of words before the metrics: a silence reads the
     * hits of its `announce` rule, which may itself be conditional, so the
     * file's order of the two must not decide whether a hold was announced
     * (nor whether a customer's 还在吗 was heard: `waiting`, nor their
     * 请稍等: `customer_pause`). */
    for (size_t i = 0; i < rs->n_rules; i++)
        if (rs->rules[i].when >= 0 && rs->rules[i].kind != ZJ_KIND_METRIC)
            s->later[s->n_later++] = (uint32_t)i;
    for (size_t i = 0; i < rs->n_rules; i++)
        if (rs->rules[i].kind == ZJ_KIND_METRIC)
            s->later[s->n_later++] = (uint32_t)i;
    for (size_t i = 0; i < rs->n_rules; i++) {
        const zj_rule *r = &rs->rules[i];
        if (r->when < 0 && r->kind == ZJ_KIND_REQUIRED)
            s->required[s->n_required++] = (uint32_t)i;
        if (r->window == ZJ_WIN_FIRST_SECONDS || r->window == ZJ_WIN_LAST_SECONDS)
            s->timed[s->n_timed++] = (uint32_t)i;
        if (r->model)
            s->models[s->n_models++] = (uint32_t)i;
        if (r->n_call_types)
            s->typed_tags[s->n_typed_tags++] = (uint32_t)i;
    }
    /* A hit only counts in a turn of its rule's speaker, and exceptions and
     * overlaps only act within a turn: turns of a speaker no rule looks at
     * cannot change a result, so they are neither normalized nor scanned
     * (about half the text under a rule set of agent rules). */
    for (size_t p = 0; p < rs->n_patterns; p++) {
        zj_speaker who = rs->rules[rs->patterns[p].rule].speaker;
        s->scanned[ZJ_SPEAKER_AGENT] |= who != ZJ_SPEAKER_CUSTOMER;
        s->scanned[ZJ_SPEAKER_CUSTOMER] |= who != ZJ_SPEAKER_AGENT;
    }
    return s;
nomem:
    zj_scorer_free(s);
    zj_error_set(err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory");
    return NULL;
}

void zj_scorer_free(zj_scorer *s)
{
    if (!s)
        return;
    zj_match_scratch_free(s->scratch);
    zj_match_scratch_free(s->fuzzy_scratch);
    free(s->fuzzy_text);
    zj_fuzzy_check_free(&s->fuzzy_check);
    free(s->exact.v);
    free(s->nc_at);
    free(s->paired);
    zj_norm_free(&s->norm);
    free(s->turn_hits.v);
    free(s->hits.v);
    free(s->candidates.v);
    free(s->evidence.v);
    free(s->exceptions.v);
    free(s->timed);
    free(s->utt_first);
    free(s->utt_last);
    free(s->required);
    free(s->rule_done);
    free(s->rule_hits);
    free(s->occupied);
    free(s->cp_byte);
    free(s->later);
    free(s->group_gen);
    free(s->group_start);
    free(s->group_n);
    free(s->judged_gen);
    free(s->models);
    free(s->typed_tags);
    free(s->marks);
    free(s->quotes.v);
    free(s->quote_scratch);
    free(s);
}

void zj_scorer_profile(const zj_scorer *s, zj_profile *out, bool enable)
{
    if (out)
        *out = s->prof;
    ((zj_scorer *)s)->profiling = enable;
}

void zj_result_free(zj_result *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_findings; i++)
        free(r->findings[i].text);
    free(r->findings);
    memset(r, 0, sizeof *r);
}

/* ---------------------------------------------------------------- windows */

/* A turn holding nothing but the rule set's fillers (嗯。, 呃…), its
 * non-speech tags ([笑声], <|Laughter|>) or punctuation (……, where ASR heard
 * a pause): a breath, a backchannel or a sound, not an utterance, so it is
 * never the opening or the closing a window asks for and does not split one
 * speaker's run. Only short turns are normalized to find out, and turns with
 * tags: a long one is never fillers alone. */
#define FILLER_TURN_MAX_BYTES 24

static zj_status filler_turn(zj_scorer *s, const zj_turn *turn, bool *out)
{
    const zj_ruleset *rs = s->rs;
    char *spaced = NULL; /* the turn with its tags as spaces */
    size_t spaced_len = 0;
    *out = false;
    zj_status st = rs->non_speech ? zj_non_speech_blank(rs->non_speech, turn->text, turn->text_len,
                                                        ' ', &spaced, &spaced_len)
                                  : ZJ_OK;
    if (st != ZJ_OK || (!spaced && turn->text_len > FILLER_TURN_MAX_BYTES))
        return st;
    st = spaced ? zj_norm_text_unmapped(&s->norm, spaced, spaced_len)
                : zj_norm_text_unmapped(&s->norm, turn->text, turn->text_len);
    if (st == ZJ_OK)
        *out = s->norm.len == 0 || zj_fillers_only(rs->fillers, s->norm.text, s->norm.len);
    free(spaced);
    return st;
}

static zj_status prepare_turns(zj_scorer *s, const zj_call *call)
{
    size_t n = call->n_turns;
    if (n > s->utt_cap) {
        int32_t *f = realloc(s->utt_first, 3 * n * sizeof *f);
        if (!f)
            return ZJ_ERR_NOMEM;
        s->utt_first = f;
        int32_t *l = realloc(s->utt_last, 3 * n * sizeof *l);
        if (!l)
            return ZJ_ERR_NOMEM;
        s->utt_last = l;
        s->utt_cap = n;
    }
    /* Utterance numbering per speaker scope: consecutive turns of the same
     * speaker form one utterance. For ZJ_SPEAKER_ANY every run counts. A
     * filler turn is in no utterance (-1): its own speaker's run goes on
     * through it, while the other speaker's 嗯 still ends a run, as any
     * answer does. The ANY row is filled first: it marks the filler turns. */
    static const int scopes[3] = {ZJ_SPEAKER_ANY, ZJ_SPEAKER_AGENT, ZJ_SPEAKER_CUSTOMER};
    const int32_t *any = s->utt_first + (size_t)ZJ_SPEAKER_ANY * n;
    for (size_t k = 0; k < 3; k++) {
        int sp = scopes[k];
        int32_t *first = s->utt_first + (size_t)sp * n;
        int32_t *last = s->utt_last + (size_t)sp * n;
        int32_t count = -1;
        for (size_t t = 0; t < n; t++) {
            zj_speaker who = call->turns[t].speaker;
            bool fillers = false;
            if (sp == ZJ_SPEAKER_ANY) {
                zj_status st = filler_turn(s, &call->turns[t], &fillers);
                if (st != ZJ_OK)
                    return st;
            } else {
                fillers = any[t] < 0;
            }
            if (fillers || (sp != ZJ_SPEAKER_ANY && (int)who != sp)) {
                first[t] = -1;
                continue;
            }
            size_t p = t; /* the turn before, past this speaker's own filler turns */
            while (p > 0 && call->turns[p - 1].speaker == who && any[p - 1] < 0)
                p--;
            bool continues = p > 0 && call->turns[p - 1].speaker == who;
            if (!continues)
                count++;
            first[t] = count;
        }
        for (size_t t = 0; t < n; t++)
            last[t] = first[t] < 0 ? -1 : count - first[t];
    }
    /* The edges of the seconds windows, once per call: finding them per
     * hit made such a rule quadratic in the turns. Times that are all 0
     * (or missing) are an exporter's placeholders, not timestamps. */
    s->first_start = s->last_end = -1;
    s->first_utterance = -1;
    s->placeholder_times = true;
    for (size_t t = 0; t < n; t++) {
        const zj_turn *turn = &call->turns[t];
        s->placeholder_times = s->placeholder_times && turn->start_ms <= 0 && turn->end_ms <= 0;
        if (any[t] < 0)
            continue;
        if (s->first_utterance < 0) {
            s->first_utterance = (long)t;
            s->first_start = turn->start_ms;
        }
        if (turn->end_ms > s->last_end)
            s->last_end = turn->end_ms;
    }
    return ZJ_OK;
}

static bool speaker_ok(const zj_rule *r, zj_speaker who)
{
    return r->speaker == ZJ_SPEAKER_ANY || r->speaker == who;
}

/* Whether the rule's seconds window can be evaluated on this call: it
 * needs real times, and the start of the call's first utterance (the
 * window's edge) or the end of each turn of the rule's speaker. */
static bool window_measurable(const zj_scorer *s, const zj_rule *r, const zj_call *call)
{
    if (r->window != ZJ_WIN_FIRST_SECONDS && r->window != ZJ_WIN_LAST_SECONDS)
        return true;
    if (call->n_turns == 0 || s->placeholder_times)
        return false;
    if (r->window == ZJ_WIN_FIRST_SECONDS && s->first_utterance >= 0 && s->first_start < 0)
        return false;
    for (size_t t = 0; t < call->n_turns; t++) {
        const zj_turn *turn = &call->turns[t];
        if (!speaker_ok(r, turn->speaker))
            continue;
        if (r->window == ZJ_WIN_FIRST_SECONDS ? turn->start_ms < 0 : turn->end_ms < 0)
            return false;
    }
    return true;
}

static bool in_window(const zj_scorer *s, const zj_rule *r, const zj_call *call, size_t t,
                      bool lift_window)
{
    const zj_turn *turn = &call->turns[t];
    if (!speaker_ok(r, turn->speaker))
        return false;
    if (lift_window)
        return true;
    size_t n = call->n_turns;
    switch (r->window) {
    case ZJ_WIN_NONE:
        return r->when < 0 || (long)t >= s->tag_turn;
    case ZJ_WIN_FIRST_UTTERANCES: /* -1: a filler turn, in no utterance */
        return s->utt_first[(size_t)r->speaker * n + t] >= 0 &&
               s->utt_first[(size_t)r->speaker * n + t] < r->window_value;
    case ZJ_WIN_LAST_UTTERANCES:
        return s->utt_last[(size_t)r->speaker * n + t] >= 0 &&
               s->utt_last[(size_t)r->speaker * n + t] < r->window_value;
    case ZJ_WIN_FIRST_SECONDS:
        return turn->start_ms >= 0 && s->first_start >= 0 &&
               turn->start_ms - s->first_start < r->window_value;
    case ZJ_WIN_LAST_SECONDS:
        return turn->end_ms >= 0 && turn->end_ms > s->last_end - r->window_value;
    case ZJ_WIN_AFTER_UTTERANCES:
        return (long)t >= s->tag_turn && s->utt_first[(size_t)r->speaker * n + t] >= 0 &&
               s->utt_first[(size_t)r->speaker * n + t] - s->after_base < r->window_value;
    case ZJ_WIN_AFTER_SECONDS:
        return (long)t >= s->tag_turn && turn->start_ms >= 0 &&
               turn->start_ms - call->turns[s->tag_turn].end_ms < r->window_value;
    }
    return false;
}

/* ------------------------------------------------------------- conditions */

static int cmp_rule_turn_start(const void *a, const void *b)
{
    const call_hit *x = a, *y = b;
    if (x->rule != y->rule)
        return x->rule < y->rule ? -1 : 1;
    if (x->turn != y->turn)
        return x->turn < y->turn ? -1 : 1;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    if (x->end != y->end)
        return x->end > y->end ? -1 : 1;
    if (x->pattern != y->pattern)
        return x->pattern < y->pattern ? -1 : 1;
    return x->fuzzy - y->fuzzy;
}

/* Earliest surviving hit of pattern p among hits[0..n) (sorted by turn, start). */
static const call_hit *first_hit_of(const call_hit *hits, size_t n, uint32_t p)
{
    for (size_t i = 0; i < n; i++)
        if (hits[i].pattern == p)
            return &hits[i];
    return NULL;
}

static bool earlier(const call_hit *a, const call_hit *b)
{
    return a->turn != b->turn ? a->turn < b->turn : a->start < b->start;
}

static const call_hit *earliest(const hit_vec *v)
{
    const call_hit *best = v->n ? &v->v[0] : NULL;
    for (size_t i = 1; i < v->n; i++)
        if (earlier(&v->v[i], best))
            best = &v->v[i];
    return best;
}

/* *buf holds n zero bytes (grown, never shrunk, when *cap is smaller): the
 * scratch marks a call reuses from turn to turn. False when out of memory. */
static bool zeroed_bytes(unsigned char **buf, size_t *cap, size_t n)
{
    if (*cap < n) {
        unsigned char *p = realloc(*buf, n);
        if (!p)
            return false;
        *buf = p;
        *cap = n;
    }
    if (n)
        memset(*buf, 0, n);
    return true;
}

/* ------------------------------------------------- order and proximity */

bool zj_operand_has(const zj_node *op, uint32_t p)
{
    if (op->type == ZJ_NODE_PATTERN)
        return op->pattern == p;
    for (size_t i = 0; i < op->n_children; i++)
        if (op->children[i].pattern == p)
            return true;
    return false;
}

/* a ends before b starts: an earlier turn, or earlier in the same turn. */
static bool ends_before(const call_hit *a, const call_hit *b)
{
    return a->turn != b->turn ? a->turn < b->turn : a->end <= b->start;
}

/* For `near`: x starts at or before y, both in one turn; the normalized
 * characters between them (0 when they touch or overlap) are within bounds. */
static bool close_enough(const zj_node *node, const call_hit *x, const call_hit *y)
{
    if (x->turn != y->turn)
        return false;
    if (node->chars < 0)
        return true;
    return y->nc_start <= x->nc_end || y->nc_start - x->nc_end <= (uint32_t)node->chars;
}

/* One pass over hits (sorted by turn, start) for the first pair satisfying a
 * BEFORE or NEAR node: the earliest-ending A so far for `before`, the
 * furthest-reaching hit of each operand in the turn for `near` (no other hit
 * started so far can be closer to the current one). With mark non-NULL,
 * every hit that is the later member of a pair is marked and the pass goes
 * on; the earlier members are marked by the backward pass of mark_pairs. */
static bool pair_forward(const zj_node *node, const call_hit *hits, size_t n, size_t *ia,
                         size_t *ib, unsigned char *mark)
{
    const zj_node *A = &node->children[0], *B = &node->children[1];
    size_t best_a = SIZE_MAX, last[2] = {SIZE_MAX, SIZE_MAX};
    bool found = false;
    for (size_t i = 0; i < n; i++) {
        const call_hit *h = &hits[i];
        bool is_a = zj_operand_has(A, h->pattern), is_b = zj_operand_has(B, h->pattern);
        if (!is_a && !is_b)
            continue;
        if (node->type == ZJ_NODE_BEFORE) {
            if (is_b && best_a != SIZE_MAX && ends_before(&hits[best_a], h)) {
                if (!mark) {
                    *ia = best_a;
                    *ib = i;
                    return true;
                }
                mark[i] = 1;
                found = true;
            }
            if (is_a && (best_a == SIZE_MAX || h->turn < hits[best_a].turn ||
                         (h->turn == hits[best_a].turn && h->end < hits[best_a].end)))
                best_a = i;
            continue;
        }
        for (int side = 0; side < 2; side++) {
            size_t other = last[!side];
            if (!(side ? is_b : is_a) || other == SIZE_MAX || !close_enough(node, &hits[other], h))
                continue;
            if (!mark) {
                *ia = other;
                *ib = i;
                return true;
            }
            mark[i] = mark[other] = 1;
            found = true;
        }
        for (int side = 0; side < 2; side++) {
            size_t *l = &last[side];
            if (!(side ? is_b : is_a))
                continue;
            if (*l == SIZE_MAX || hits[*l].turn != h->turn || h->nc_end > hits[*l].nc_end)
                *l = i;
        }
    }
    return found;
}

/* Marks the hits of a forbidden or tag rule that take part in a satisfied
 * order or proximity item (its operands' other hits are no findings). */
static void mark_pairs(const zj_node *node, const call_hit *hits, size_t n, unsigned char *mark)
{
    if (node->type == ZJ_NODE_NONE || node->type == ZJ_NODE_PATTERN)
        return;
    if (node->type != ZJ_NODE_BEFORE && node->type != ZJ_NODE_NEAR) {
        for (size_t i = 0; i < node->n_children; i++)
            mark_pairs(&node->children[i], hits, n, mark);
        return;
    }
    size_t ia, ib;
    pair_forward(node, hits, n, &ia, &ib, mark);
    /* Backward: the earlier member of each pair, against the latest B (before)
     * or the nearest later-starting hit of the other operand (near). */
    const zj_node *A = &node->children[0], *B = &node->children[1];
    size_t latest_b = SIZE_MAX, next[2] = {SIZE_MAX, SIZE_MAX};
    for (size_t i = n; i-- > 0;) {
        const call_hit *h = &hits[i];
        bool is_a = zj_operand_has(A, h->pattern), is_b = zj_operand_has(B, h->pattern);
        if (node->type == ZJ_NODE_BEFORE) {
            if (is_a && latest_b != SIZE_MAX && ends_before(h, &hits[latest_b]))
                mark[i] = 1;
            if (is_b && latest_b == SIZE_MAX)
                latest_b = i;
            continue;
        }
        for (int side = 0; side < 2; side++) {
            size_t other = next[!side];
            if ((side ? is_b : is_a) && other != SIZE_MAX && close_enough(node, h, &hits[other]))
                mark[i] = mark[other] = 1;
        }
        for (int side = 0; side < 2; side++)
            if (side ? is_b : is_a)
                next[side] = i; /* descending start: the latest seen starts first */
    }
}

/* Evaluates a condition node over the surviving hits; when evidence is
 * non-NULL, appends the hits that satisfy it: a pattern's earliest hit, for
 * `any` the evidence of the child whose evidence starts first, for `all` the
 * evidence of every child, for `before`/`near`/`same_turn` the first pair. */
static bool node_satisfied(const zj_node *node, const call_hit *hits, size_t n, hit_vec *evidence)
{
    switch (node->type) {
    case ZJ_NODE_PATTERN: {
        const call_hit *h = first_hit_of(hits, n, node->pattern);
        if (h && evidence)
            vec_push(evidence, h);
        return h != NULL;
    }
    case ZJ_NODE_ANY: {
        if (!evidence) {
            for (size_t i = 0; i < node->n_children; i++)
                if (node_satisfied(&node->children[i], hits, n, NULL))
                    return true;
            return false;
        }
        hit_vec best = {0}, tmp = {0};
        for (size_t i = 0; i < node->n_children; i++) {
            tmp.n = 0;
            if (!node_satisfied(&node->children[i], hits, n, &tmp) || tmp.n == 0)
                continue;
            if (!best.n || earlier(earliest(&tmp), earliest(&best))) {
                hit_vec swap = best;
                best = tmp;
                tmp = swap;
            }
        }
        bool ok = best.n > 0;
        for (size_t k = 0; k < best.n; k++)
            vec_push(evidence, &best.v[k]);
        evidence->failed |= best.failed || tmp.failed;
        free(best.v);
        free(tmp.v);
        return ok;
    }
    case ZJ_NODE_ALL:
        for (size_t i = 0; i < node->n_children; i++)
            if (!node_satisfied(&node->children[i], hits, n, evidence))
                return false;
        return true;
    case ZJ_NODE_NONE:
        for (size_t i = 0; i < node->n_children; i++)
            if (node_satisfied(&node->children[i], hits, n, NULL))
                return false;
        return true;
    case ZJ_NODE_BEFORE:
    case ZJ_NODE_NEAR: {
        size_t ia, ib;
        if (!pair_forward(node, hits, n, &ia, &ib, NULL))
            return false;
        if (evidence) {
            vec_push(evidence, &hits[ia]);
            vec_push(evidence, &hits[ib]);
        }
        return true;
    }
    }
    return false;
}

/* Whether a hit alone does not satisfy the tree: it has all, none or an
 * order item, so a forbidden or tag rule must evaluate it on the call. */
static bool tree_has_all(const zj_node *node)
{
    if (node->type == ZJ_NODE_ALL || node->type == ZJ_NODE_NONE || node->type == ZJ_NODE_BEFORE ||
        node->type == ZJ_NODE_NEAR)
        return true;
    for (size_t i = 0; i < node->n_children; i++)
        if (tree_has_all(&node->children[i]))
            return true;
    return false;
}

/* ---------------------------------------------------------------- findings */

zj_status zj_finding_push(zj_finding_list *f, const zj_finding *x)
{
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 16;
        zj_finding *v = realloc(f->v, cap * sizeof *v);
        if (!v)
            return ZJ_ERR_NOMEM;
        f->v = v;
        f->cap = cap;
    }
    f->v[f->n++] = *x;
    return ZJ_OK;
}

/* Byte offset of code point cp in a turn. Long turns get an index built
 * once (findings come sorted by turn): counting from the start for every
 * finding made a turn with thousands of hits quadratic. */
static size_t cp_to_byte(zj_scorer *s, const zj_call *call, uint32_t turn, uint32_t cp)
{
    const zj_turn *t = &call->turns[turn];
    if (t->text_len < 256)
        return zj_utf8_cp_to_byte(t->text, t->text_len, cp);
    if (s->cp_byte_turn != (long)turn) {
        if (s->cp_byte_cap < t->text_len + 1) {
            uint32_t *v = realloc(s->cp_byte, (t->text_len + 1) * sizeof *v);
            if (!v)
                return zj_utf8_cp_to_byte(t->text, t->text_len, cp);
            s->cp_byte = v;
            s->cp_byte_cap = t->text_len + 1;
        }
        size_t n = 0;
        for (size_t i = 0; i < t->text_len; i++)
            if (((unsigned char)t->text[i] & 0xC0) != 0x80)
                s->cp_byte[n++] = (uint32_t)i;
        s->cp_byte[n] = (uint32_t)t->text_len;
        s->cp_byte_n = n;
        s->cp_byte_turn = (long)turn;
    }
    return cp <= s->cp_byte_n ? s->cp_byte[cp] : t->text_len;
}

static char *quote(zj_scorer *s, const zj_call *call, uint32_t turn, uint32_t cp_start,
                   uint32_t cp_end)
{
    const zj_turn *t = &call->turns[turn];
    size_t b0 = cp_to_byte(s, call, turn, cp_start);
    size_t b1 = cp_to_byte(s, call, turn, cp_end);
    char *q = malloc(b1 - b0 + 1);
    if (q) {
        memcpy(q, t->text + b0, b1 - b0);
        q[b1 - b0] = '\0';
    }
    return q;
}

static zj_status hit_finding(zj_scorer *s, finding_vec *out, const zj_call *call,
                             const call_hit *h, zj_outcome outcome, int points)
{
    zj_finding f = {.rule = h->rule,
                    .outcome = outcome,
                    .points = points,
                    .turn = (long)h->turn,
                    .span_start = h->cp_start,
                    .span_end = h->cp_end,
                    .start_ms = call->turns[h->turn].start_ms,
                    .fuzzy = h->fuzzy};
    f.text = quote(s, call, h->turn, h->cp_start, h->cp_end);
    if (!f.text)
        return ZJ_ERR_NOMEM;
    zj_status st = zj_finding_push(out, &f);
    if (st != ZJ_OK)
        free(f.text);
    return st;
}

static zj_status plain_finding(finding_vec *out, uint32_t rule, zj_outcome outcome, int points)
{
    zj_finding f = {.rule = rule, .outcome = outcome, .points = points, .turn = -1, .start_ms = -1};
    return zj_finding_push(out, &f);
}

/* Candidates of one turn sorted for overlap resolution: the agent's own
 * words before quoted ones (a quoted hit costs nothing, so a longer one must
 * not erase an unquoted offence it overlaps: 滚“有本事你去告”), model
 * clauses after every rule of words, fatal rules' hits before the others of
 * their kind (words or models), exact before fuzzy (a match by sound only
 * where no match by characters overlaps it), then hits of rules that yield
 * (family rules) after all others, then longest first, then the rule listed
 * first, then the earlier start. */
static int cmp_overlap(const void *a, const void *b, void *rs_ptr)
{
    const zj_ruleset *rs = rs_ptr;
    const call_hit *x = a, *y = b;
    if (x->turn != y->turn)
        return x->turn < y->turn ? -1 : 1;
    if (x->quoted != y->quoted)
        return x->quoted ? 1 : -1;
    /* A model's clause, however long, only where no rule's words are
     * (a family that yields included, and words matched by sound: a fatal
     * 有本是你去告 must not be scored as the model's 10 points; nor is a
     * listed taboo, 我正忙着呢没看见吗, made fatal by a model). */
    bool mx = rs->rules[x->rule].model != NULL, my = rs->rules[y->rule].model != NULL;
    if (mx != my)
        return mx ? 1 : -1;
    /* A 一票否决 offence is never hidden by an overlapping lesser finding of
     * its kind (就去告 inside a longer non-fatal 你要告就去告我不怕). */
    bool fx = rs->rules[x->rule].fatal, fy = rs->rules[y->rule].fatal;
    if (fx != fy)
        return fx ? -1 : 1;
    if (x->fuzzy != y->fuzzy)
        return x->fuzzy ? 1 : -1;
    bool yx = rs->rules[x->rule].yields, yy = rs->rules[y->rule].yields;
    if (yx != yy)
        return yx ? 1 : -1;
    uint32_t lx = x->cp_end - x->cp_start, ly = y->cp_end - y->cp_start;
    if (lx != ly)
        return lx > ly ? -1 : 1;
    if (x->rule != y->rule)
        return x->rule < y->rule ? -1 : 1;
    return x->cp_start < y->cp_start ? -1 : x->cp_start > y->cp_start;
}

/* Greedy longest-first selection of non-overlapping hits per turn, in place;
 * *kept is the number kept (sorted by turn, then selection order). The code
 * points taken so far are marked, so each hit is checked in time of its own
 * length, not of the hits kept before it. */
static zj_status resolve_overlaps(zj_scorer *s, call_hit *v, size_t n, size_t *kept)
{
    *kept = 0;
    if (n == 0)
        return ZJ_OK;
    qsort_r(v, n, sizeof *v, cmp_overlap, (void *)s->rs);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        uint32_t span = 0;
        for (; j < n && v[j].turn == v[i].turn; j++)
            if (v[j].cp_end > span)
                span = v[j].cp_end;
        if (!zeroed_bytes(&s->occupied, &s->occupied_cap, span))
            return ZJ_ERR_NOMEM;
        for (; i < j; i++) {
            const call_hit h = v[i];
            bool taken = false;
            for (uint32_t c = h.cp_start; c < h.cp_end && !taken; c++)
                taken = s->occupied[c];
            if (taken)
                continue;
            if (h.cp_end > h.cp_start)
                memset(s->occupied + h.cp_start, 1, h.cp_end - h.cp_start);
            v[(*kept)++] = h;
        }
    }
    return ZJ_OK;
}

static int cmp_turn_start_rule(const void *a, const void *b)
{
    const call_hit *x = a, *y = b;
    if (x->turn != y->turn)
        return x->turn < y->turn ? -1 : 1;
    if (x->cp_start != y->cp_start)
        return x->cp_start < y->cp_start ? -1 : 1;
    return x->rule < y->rule ? -1 : x->rule > y->rule;
}

/* Drops the fuzzy condition hits of one rule (group sorted by turn, start)
 * that overlap one of its exact condition hits in the same turn: where the
 * characters match, the match by sound adds nothing. Each fuzzy hit looks up
 * the last exact hit of its turn starting before its end; exact.cp_end holds
 * the furthest end (normalized bytes) of the exact hits of the turn so far. */
static size_t drop_fuzzy_duplicates(zj_scorer *s, call_hit *group, size_t n)
{
    s->exact.n = 0;
    for (size_t i = 0; i < n; i++) {
        if (group[i].fuzzy || s->rs->patterns[group[i].pattern].is_exception)
            continue;
        call_hit e = group[i];
        const call_hit *prev = s->exact.n ? &s->exact.v[s->exact.n - 1] : NULL;
        e.cp_end = prev && prev->turn == e.turn && prev->cp_end > e.end ? prev->cp_end : e.end;
        if (vec_push(&s->exact, &e) != ZJ_OK)
            return n; /* keeping the duplicates loses nothing */
    }
    if (!s->exact.n)
        return n;
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        const call_hit h = group[i];
        bool dup = false;
        if (h.fuzzy && !s->rs->patterns[h.pattern].is_exception) {
            size_t lo = 0, hi = s->exact.n; /* first exact hit after (turn, start < end) */
            while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                const call_hit *e = &s->exact.v[mid];
                if (e->turn < h.turn || (e->turn == h.turn && e->start < h.end))
                    lo = mid + 1;
                else
                    hi = mid;
            }
            dup = lo > 0 && s->exact.v[lo - 1].turn == h.turn && s->exact.v[lo - 1].cp_end > h.start;
        }
        if (!dup)
            group[kept++] = h;
    }
    return kept;
}

/* Whether a forbidden hit lies in quoted or reported speech of its turn.
 * The regions are computed once per turn, and only for turns holding a
 * forbidden hit: the turn is normalized again (the scorer keeps one turn's
 * normalization at a time), which a call without forbidden hits never pays. */
static zj_status in_quote(zj_scorer *s, const zj_call *call, const call_hit *h, bool *quoted)
{
    if (s->quotes_turn != (long)h->turn) {
        const zj_turn *t = &call->turns[h->turn];
        /* As the turn was matched: fillers, synonyms and clause_starts
         * decide where a reported clause ends in run-on text too. */
        zj_status st = zj_norm_turn(&s->norm, t->text, t->text_len, s->rs, true);
        if (st == ZJ_OK)
            st = zj_quote_regions(t->text, t->text_len, &s->norm, &s->quotes, &s->quote_scratch,
                                  &s->quote_scratch_cap);
        if (st != ZJ_OK)
            return st;
        s->quotes_turn = (long)h->turn;
    }
    /* A model judges a whole clause: one holding reported words (他说他不在)
     * is judged as reported, its words having made the score. A rule's
     * words are quoted when they begin inside the quotation: a wildcard
     * may run past the closing mark (“我正忙，你找别个”，是吧 is 你找…吧),
     * and the words were someone else's all the same. */
    *quoted = s->rs->rules[h->rule].model
                  ? zj_spans_overlap(&s->quotes, h->cp_start, h->cp_end)
                  : zj_spans_cover(&s->quotes, h->cp_start, h->cp_start + 1);
    return ZJ_OK;
}

/* A hit that begins inside a quoted hit of a rule of words is part of those
 * quoted words (管家说我正在忙你找别人去: 你找别人去 lies past the report's
 * clause end in run-on text, but inside 我正在忙你找别人去), so it is quoted
 * too and does not win the overlap as the agent's own. One that begins
 * before (滚“有本事你去告”: 滚有本) stays the agent's. v is sorted by turn,
 * then start. */
static void extend_quotes(const zj_scorer *s, call_hit *v, size_t n)
{
    uint32_t turn = UINT32_MAX, reach = 0; /* furthest end of a quoted hit of the turn so far */
    for (size_t i = 0; i < n; i++) {
        if (v[i].turn != turn) {
            turn = v[i].turn;
            reach = 0;
        }
        if (!v[i].quoted && v[i].cp_start < reach)
            v[i].quoted = true;
        else if (v[i].quoted && !s->rs->rules[v[i].rule].model && v[i].cp_end > reach)
            reach = v[i].cp_end;
    }
}

/* Surviving condition hits of one rule: in window, not inside an exception
 * hit of the same rule in the same turn. Compacts group[0..n) in place. */
static size_t survivors(zj_scorer *s, const zj_rule *r, const zj_call *call, call_hit *group,
                        size_t n, bool lift_window)
{
    if (r->fuzzy)
        n = drop_fuzzy_duplicates(s, group, n);
    s->exceptions.n = 0;
    for (size_t i = 0; i < n; i++)
        if (s->rs->patterns[group[i].pattern].is_exception &&
            !s->rs->patterns[group[i].pattern].follows)
            vec_push(&s->exceptions, &group[i]);
    /* Both lists are sorted by turn, then start: one sweep keeps the
     * furthest end of the exceptions of h's turn that start at or before h,
     * another the last start of the `unless_followed_by` matches of h's turn. */
    size_t kept = 0, next_x = 0, next_f = 0;
    uint32_t reach_turn = UINT32_MAX, reach_end = 0, follow_turn = UINT32_MAX, follow_start = 0;
    for (size_t i = 0; i < n; i++) {
        const call_hit h = group[i];
        if (s->rs->patterns[h.pattern].is_exception)
            continue;
        for (; next_f < n; next_f++) {
            const call_hit *f = &group[next_f];
            if (f->turn > h.turn)
                break;
            if (f->turn < h.turn || !s->rs->patterns[f->pattern].follows)
                continue;
            if (follow_turn != h.turn) {
                follow_turn = h.turn;
                follow_start = 0;
            }
            if (f->start > follow_start)
                follow_start = f->start;
        }
        if (follow_turn == h.turn && follow_start >= h.end)
            continue; /* the agent goes on to take the matter up */
        for (; next_x < s->exceptions.n; next_x++) {
            const call_hit *x = &s->exceptions.v[next_x];
            if (x->turn > h.turn || (x->turn == h.turn && x->start > h.start))
                break;
            if (x->turn != h.turn)
                continue;
            if (reach_turn != h.turn) {
                reach_turn = h.turn;
                reach_end = 0;
            }
            if (x->end > reach_end)
                reach_end = x->end;
        }
        bool suppressed = reach_turn == h.turn && h.end <= reach_end;
        /* A model's clause is judged whole: an exception anywhere in it
         * (words a rule knows to be harmless) clears it. */
        for (size_t k = 0; r->model && !suppressed && k < s->exceptions.n; k++) {
            const call_hit *x = &s->exceptions.v[k];
            suppressed = x->turn == h.turn && x->start < h.end && h.start < x->end;
        }
        if (suppressed || !in_window(s, r, call, h.turn, lift_window))
            continue;
        group[kept++] = h;
    }
    return kept;
}

static int cmp_finding(const void *a, const void *b, void *rs_ptr)
{
    const zj_ruleset *rs = rs_ptr;
    const zj_finding *x = a, *y = b;
    bool xt = x->turn >= 0, yt = y->turn >= 0;
    if (xt != yt)
        return xt ? -1 : 1;
    if (xt) {
        if (x->turn != y->turn)
            return x->turn < y->turn ? -1 : 1;
        if (x->span_start != y->span_start)
            return x->span_start < y->span_start ? -1 : 1;
    }
    int c = strcmp(rs->rules[x->rule].id, rs->rules[y->rule].id);
    if (c)
        return c;
    return x->span_end < y->span_end ? -1 : x->span_end > y->span_end;
}

/* ------------------------------------------------------------------ score */

static zj_status collect_hits(zj_scorer *s, const zj_call *call, zj_error *err)
{
    const zj_ruleset *rs = s->rs;
    s->hits.n = 0;
    for (size_t t = 0; t < call->n_turns; t++) {
        const zj_turn *turn = &call->turns[t];
        if (!s->scanned[turn->speaker == ZJ_SPEAKER_CUSTOMER])
            continue;
        zj_norm *norm = &s->norm;
        uint64_t t0 = s->profiling ? zj_now_ns() : 0;
        zj_status st = zj_norm_turn(norm, turn->text, turn->text_len, rs, false);
        if (st != ZJ_OK)
            return zj_error_set(err, st, call->source, call->line, 0,
                                "call '%s', turn %zu: cannot normalize: %s", call->call_id, t,
                                zj_strerror(st));
        uint64_t t1 = s->profiling ? zj_now_ns() : 0;
        s->turn_hits.n = 0;
        st = zj_matcher_scan(rs->matcher, s->scratch, norm, &s->turn_hits);
        if (st != ZJ_OK)
            return zj_error_set(err, st, call->source, call->line, 0, "call '%s', turn %zu: %s",
                                call->call_id, t,
                                st == ZJ_ERR_LIMIT ? "a rule's regex exceeded the match limit "
                                                     "(catastrophic backtracking)"
                                                   : zj_strerror(st));
        /* A model's clause hits count as matches by characters. */
        for (size_t k = 0; k < s->n_models && st == ZJ_OK; k++) {
            const zj_rule *r = &rs->rules[s->models[k]];
            if (speaker_ok(r, turn->speaker))
                st = zj_model_hits(r->model, r->model_logit_min, norm, r->model_pattern,
                                   &s->turn_hits);
        }
        if (st != ZJ_OK)
            return zj_error_set(err, st, NULL, 0, 0, "out of memory");
        size_t n_exact = s->turn_hits.n;
        if (rs->fuzzy) {
            /* The twins scan the pinyin text: same length, breaks and map. */
            zj_norm view = *norm;
            st = zj_fuzzy_text(norm, &s->fuzzy_text, &s->fuzzy_cap);
            view.text = s->fuzzy_text;
            if (st == ZJ_OK)
                st = zj_matcher_scan(rs->fuzzy->matcher, s->fuzzy_scratch, &view, &s->turn_hits);
            if (st != ZJ_OK)
                return zj_error_set(err, st, call->source, call->line, 0,
                                    "call '%s', turn %zu: matching by sound: %s", call->call_id, t,
                                    zj_strerror(st));
        }
        if (s->profiling) {
            uint64_t t2 = zj_now_ns();
            s->prof.norm_ns += t1 - t0;
            s->prof.match_ns += t2 - t1;
        }
        if (s->turn_hits.n &&
            (st = zj_norm_turn(norm, turn->text, turn->text_len, rs, true)) !=
                ZJ_OK)
            return zj_error_set(err, st, call->source, call->line, 0,
                                "call '%s', turn %zu: cannot normalize: %s", call->call_id, t,
                                zj_strerror(st));
        if (s->turn_hits.n && rs->has_near) {
            if (s->nc_cap < norm->len + 1) {
                uint32_t *v = realloc(s->nc_at, (norm->len + 1) * sizeof *v);
                if (!v)
                    return zj_error_set(err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory");
                s->nc_at = v;
                s->nc_cap = norm->len + 1;
            }
            uint32_t count = 0;
            for (size_t b = 0; b < norm->len; b++) {
                s->nc_at[b] = count;
                count += ((unsigned char)norm->text[b] & 0xC0) != 0x80;
            }
            s->nc_at[norm->len] = count;
        }
        zj_fuzzy_check_turn(&s->fuzzy_check);
        for (size_t i = 0; i < s->turn_hits.n; i++) {
            const zj_hit *h = &s->turn_hits.v[i];
            if (h->end <= h->start || h->end > norm->len)
                continue;
            bool fuzzy = i >= n_exact;
            uint32_t pattern = fuzzy ? rs->fuzzy->source[h->pattern] : h->pattern;
            if (fuzzy && code_points(norm->text + h->start, h->end - h->start) <
                             zj_fuzzy_min_chars(&rs->rules[rs->patterns[pattern].rule]))
                continue; /* two syllables by sound are too many ordinary words */
            if (fuzzy) {
                bool heard;
                st = zj_fuzzy_heard(rs->fuzzy, s->fuzzy_scratch, norm, s->fuzzy_text,
                                    s->turn_hits.v, n_exact, h, &s->fuzzy_check, &heard);
                if (st != ZJ_OK)
                    return zj_error_set(err, st, call->source, call->line, 0,
                                        "call '%s', turn %zu: matching by sound: %s",
                                        call->call_id, t, zj_strerror(st));
                if (!heard)
                    continue;
            }
            call_hit ch = {.rule = rs->patterns[pattern].rule,
                           .pattern = pattern,
                           .fuzzy = fuzzy,
                           .turn = (uint32_t)t,
                           .start = h->start,
                           .end = h->end,
                           .cp_start = norm->orig_start[h->start],
                           .cp_end = norm->orig_end[h->end - 1],
                           .nc_start = rs->has_near ? s->nc_at[h->start] : 0,
                           .nc_end = rs->has_near ? s->nc_at[h->end] : 0};
            if (vec_push(&s->hits, &ch) != ZJ_OK)
                return zj_error_set(err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory");
        }
    }
    if (s->hits.n)
        qsort(s->hits.v, s->hits.n, sizeof *s->hits.v, cmp_rule_turn_start);
    return ZJ_OK;
}

/* Evaluates one rule given its (sorted) hits group; appends findings or
 * forbidden candidates. */
static zj_status eval_rule(zj_scorer *s, const zj_call *call, uint32_t ri, call_hit *group,
                           size_t n, bool lift_window, finding_vec *out)
{
    const zj_rule *r = &s->rs->rules[ri];
    size_t alive = survivors(s, r, call, group, n, lift_window);
    if (s->exceptions.failed) { /* an exception lost would let its hits count */
        s->exceptions.failed = false;
        return ZJ_ERR_NOMEM;
    }
    /* Later phases read a rule's surviving hits (announce) and a tag's turn. */
    if (n) {
        s->group_n[ri] = (uint32_t)alive;
        s->judged_gen[ri] = s->call_gen;
    }
    switch (r->kind) {
    case ZJ_KIND_REQUIRED: {
        /* Exact hits first (both parts stay in turn, start order): met by
         * sound only when the characters do not meet it. */
        size_t n_exact = alive;
        if (r->fuzzy) {
            size_t e = 0;
            s->exact.n = 0;
            for (size_t i = 0; i < alive; i++) {
                if (group[i].fuzzy && vec_push(&s->exact, &group[i]) != ZJ_OK)
                    return ZJ_ERR_NOMEM;
                if (!group[i].fuzzy)
                    group[e++] = group[i];
            }
            if (s->exact.n) /* memcpy from NULL is undefined even for 0 bytes */
                memcpy(group + e, s->exact.v, s->exact.n * sizeof *group);
            n_exact = e;
        }
        s->evidence.n = 0;
        bool met = n_exact && node_satisfied(&r->cond, group, n_exact, &s->evidence);
        if (!met) {
            s->evidence.n = 0;
            /* Order items read the hits in turn, start order: by sound and
             * by characters together, back in order. */
            if (r->has_order && n_exact < alive)
                qsort(group, alive, sizeof *group, cmp_rule_turn_start);
            met = node_satisfied(&r->cond, group, alive, &s->evidence);
        }
        if (s->evidence.failed) { /* evidence lost would make the rule "missing" */
            s->evidence.failed = false;
            return ZJ_ERR_NOMEM;
        }
        if (!met || s->evidence.n == 0)
            return plain_finding(out, ri, ZJ_OUT_MISSING, -r->points);
        call_hit ev = s->evidence.v[0];
        bool one_turn = true;
        for (size_t i = 1; i < s->evidence.n; i++) {
            const call_hit *h = &s->evidence.v[i];
            if (h->turn != ev.turn)
                one_turn = false;
        }
        if (one_turn) {
            for (size_t i = 1; i < s->evidence.n; i++) {
                const call_hit *h = &s->evidence.v[i];
                if (h->cp_start < ev.cp_start)
                    ev.cp_start = h->cp_start;
                if (h->cp_end > ev.cp_end)
                    ev.cp_end = h->cp_end;
                ev.fuzzy |= h->fuzzy;
            }
        } else {
            for (size_t i = 1; i < s->evidence.n; i++)
                if (earlier(&s->evidence.v[i], &ev))
                    ev = s->evidence.v[i];
        }
        return hit_finding(s, out, call, &ev, ZJ_OUT_MET, 0);
    }
    case ZJ_KIND_FORBIDDEN:
    case ZJ_KIND_TAG:
        /* A rule whose `all`/`none` is not satisfied has no hits for the
         * later phases either (a tag that did not fire, an announcement not made). */
        if (alive == 0 || (tree_has_all(&r->cond) && !node_satisfied(&r->cond, group, alive, NULL))) {
            s->group_n[ri] = 0;
            return ZJ_OK;
        }
        if (r->has_order) {
            /* An operand's hit outside every satisfied pair is no finding. */
            if (!zeroed_bytes(&s->paired, &s->paired_cap, alive))
                return ZJ_ERR_NOMEM;
            mark_pairs(&r->cond, group, alive, s->paired);
            size_t k = 0;
            for (size_t i = 0; i < alive; i++)
                if (!s->rs->patterns[group[i].pattern].operand || s->paired[i])
                    group[k++] = group[i];
            alive = k;
            s->group_n[ri] = (uint32_t)alive;
        }
        if (r->kind == ZJ_KIND_FORBIDDEN) {
            for (size_t i = 0; i < alive; i++)
                if (!s->rs->patterns[group[i].pattern].negated &&
                    vec_push(&s->candidates, &group[i]) != ZJ_OK)
                    return ZJ_ERR_NOMEM;
            return ZJ_OK;
        } else {
            size_t kept = 0, positive = 0;
            for (size_t i = 0; i < alive; i++)
                if (!s->rs->patterns[group[i].pattern].negated)
                    group[positive++] = group[i];
            if (resolve_overlaps(s, group, positive, &kept) != ZJ_OK)
                return ZJ_ERR_NOMEM;
            s->group_n[ri] = (uint32_t)kept;
            for (size_t i = 0; i < kept; i++) {
                zj_status st = hit_finding(s, out, call, &group[i], ZJ_OUT_HIT, 0);
                if (st != ZJ_OK)
                    return st;
            }
            return ZJ_OK;
        }
    case ZJ_KIND_METRIC:
        return ZJ_OK;
    }
    return ZJ_OK;
}

/* Whether the type name at type[0..at) ends in a negation: 非投诉, 无投诉,
 * 不是投诉, 没有投诉 name calls that are not complaints. */
static bool negated_type(const char *type, size_t at)
{
    static const char *const negations[] = {"非", "无", "不", "不是", "没有", "未"};
    for (size_t i = 0; i < sizeof negations / sizeof *negations; i++) {
        size_t n = strlen(negations[i]);
        if (n <= at && memcmp(type + at - n, negations[i], n) == 0)
            return true;
    }
    return false;
}

/* Whether the call's type names the situation of tag rule r (`call_types`):
 * a call typed 投诉 or 装修投诉 under call_types: [投诉], not one typed
 * 非投诉. */
static bool typed_as(const zj_rule *r, const zj_call *call)
{
    if (!call->call_type)
        return false;
    for (size_t i = 0; i < r->n_call_types; i++)
        for (const char *p = call->call_type; (p = strstr(p, r->call_types[i])); p++)
            if (!negated_type(call->call_type, (size_t)(p - call->call_type)))
                return true;
    return false;
}

/* First turn in which tag rule `tag` fired in this call, or -1. Tags are
 * evaluated before everything else, so their kept hits are known here. */
static long tag_first_turn(const zj_scorer *s, uint32_t tag)
{
    if (s->judged_gen[tag] != s->call_gen || s->group_n[tag] == 0)
        return -1;
    const call_hit *g = s->hits.v + s->group_start[tag];
    long first = -1;
    for (uint32_t i = 0; i < s->group_n[tag]; i++)
        if (first < 0 || (long)g[i].turn < first)
            first = (long)g[i].turn;
    return first;
}

/* Whether a turn-based window after the tag can be measured: after_seconds
 * needs real times, the tag turn's end and the start of every later turn of
 * the rule's speaker. */
static bool after_measurable(const zj_scorer *s, const zj_rule *r, const zj_call *call,
                             long tag_turn)
{
    if (r->window != ZJ_WIN_AFTER_SECONDS)
        return true;
    if (s->placeholder_times || call->turns[tag_turn].end_ms < 0)
        return false;
    for (size_t t = (size_t)tag_turn; t < call->n_turns; t++)
        if (speaker_ok(r, call->turns[t].speaker) && call->turns[t].start_ms < 0)
            return false;
    return true;
}

/* Phase 3: rules that depend on others — conditional rules (`when`) and
 * metrics. A conditional rule whose tag did not fire is not_applicable. */
/* Sets bit in marks[t] for every turn t holding a surviving hit of rule ri. */
static void mark_turns(const zj_scorer *s, uint32_t ri, unsigned char bit, unsigned char *marks)
{
    const call_hit *g = s->hits.v + s->group_start[ri];
    for (uint32_t i = 0; i < s->group_n[ri]; i++)
        if (!s->rs->patterns[g[i].pattern].negated)
            marks[g[i].turn] |= bit;
}

static zj_status eval_later(zj_scorer *s, const zj_call *call, uint32_t ri, bool lift_window,
                            finding_vec *out)
{
    const zj_rule *r = &s->rs->rules[ri];
    bool has_hits = s->group_gen[ri] == s->call_gen;
    call_hit *group = has_hits ? s->hits.v + s->group_start[ri] : NULL;
    size_t n = has_hits ? s->group_n[ri] : 0;
    s->tag_turn = 0;
    s->after_base = 0;
    if (r->when >= 0 && !lift_window) {
        long tag = tag_first_turn(s, (uint32_t)r->when);
        bool after = r->window == ZJ_WIN_AFTER_UTTERANCES || r->window == ZJ_WIN_AFTER_SECONDS;
        if (typed_as(&s->rs->rules[r->when], call)) {
            /* The situation holds from the start, but no turn says when it
             * arose: a window after it cannot be placed. */
            if (tag < 0 && after)
                return plain_finding(out, ri, ZJ_OUT_NOT_MEASURABLE, 0);
            /* What the agent must do (记清楚, 问清楚) or how the call went is
             * judged over the whole of a call typed so: the resident's late
             * 太差了 does not undo the name recorded before it. A forbidden
             * word still counts from the words on (a 不清楚 before the
             * resident complains is not a complaint's 不清楚), and a window
             * after the situation starts at them. */
            if (r->kind != ZJ_KIND_FORBIDDEN && !after)
                tag = 0;
            else if (tag < 0)
                tag = 0;
        }
        if (tag < 0)
            return plain_finding(out, ri, ZJ_OUT_NOT_APPLICABLE, 0);
        if (!after_measurable(s, r, call, tag))
            return plain_finding(out, ri, ZJ_OUT_NOT_MEASURABLE, 0);
        s->tag_turn = tag;
        /* The window's first utterance: the rule speaker's first at or after the tag. */
        size_t nt = call->n_turns;
        int32_t base = INT32_MAX;
        for (size_t t = (size_t)tag; t < nt && base == INT32_MAX; t++)
            if (speaker_ok(r, call->turns[t].speaker) &&
                s->utt_first[(size_t)r->speaker * nt + t] >= 0)
                base = s->utt_first[(size_t)r->speaker * nt + t];
        s->after_base = base;
    }
    if (r->kind != ZJ_KIND_METRIC)
        return eval_rule(s, call, ri, group, n, lift_window, out);
    bool announce = r->announce >= 0 && s->judged_gen[r->announce] == s->call_gen;
    bool waiting = r->waiting >= 0 && s->judged_gen[r->waiting] == s->call_gen;
    bool paused = r->customer_pause >= 0 && s->judged_gen[r->customer_pause] == s->call_gen;
    if (s->marks_cap < call->n_turns) {
        unsigned char *a = realloc(s->marks, call->n_turns);
        if (!a)
            return ZJ_ERR_NOMEM;
        s->marks = a;
        s->marks_cap = call->n_turns;
    }
    unsigned char *marks = s->marks;
    memset(marks, 0, call->n_turns);
    /* The filler and tag turns prepare_turns found (no utterance in the ANY
     * row): a [等待音] turn is the hold itself, not the agent speaking. */
    const int32_t *any = s->utt_first + (size_t)ZJ_SPEAKER_ANY * call->n_turns;
    for (size_t t = 0; t < call->n_turns; t++)
        if (any[t] < 0)
            marks[t] |= ZJ_MARK_NO_SPEECH;
    if (announce)
        mark_turns(s, (uint32_t)r->announce, ZJ_MARK_ANNOUNCED, marks);
    if (waiting)
        mark_turns(s, (uint32_t)r->waiting, ZJ_MARK_WAITING, marks);
    if (paused)
        mark_turns(s, (uint32_t)r->customer_pause, ZJ_MARK_PAUSED, marks);
    return zj_metric_eval(s->rs, ri, call, (size_t)s->tag_turn, marks, &s->norm, out);
}

/* Whether score_impl evaluates rule ri: every rule, or the one asked for and
 * the rules it reads (its tag and the rule that announces a hold). */
static bool wanted(const zj_scorer *s, long only_rule, uint32_t ri)
{
    if (only_rule < 0 || (long)ri == only_rule)
        return true;
    const zj_rule *r = &s->rs->rules[only_rule];
    if ((long)ri == r->when || (long)ri == r->announce || (long)ri == r->waiting ||
        (long)ri == r->customer_pause)
        return true;
    /* Its rivals: the rules that apply wherever it may, in every window
     * and situation, so their overlapping hits can take its words in any
     * call (zj_score_rule_rivals). */
    const zj_rule *other = &s->rs->rules[ri];
    return s->with_rivals && other->window == ZJ_WIN_NONE && other->when < 0 &&
           other->kind != ZJ_KIND_METRIC;
}

/* Tags raised by the call's type alone: a hit without a turn, so reports
 * count the situation and an inspector sees why its rules applied. Where
 * the words raised it too, their hits say from which turn. */
static zj_status typed_tags(zj_scorer *s, const zj_call *call, long only_rule, finding_vec *out)
{
    for (size_t k = 0; k < s->n_typed_tags; k++) {
        uint32_t ri = s->typed_tags[k];
        if (!wanted(s, only_rule, ri) || !typed_as(&s->rs->rules[ri], call) ||
            tag_first_turn(s, ri) >= 0)
            continue;
        zj_status st = plain_finding(out, ri, ZJ_OUT_HIT, 0);
        if (st != ZJ_OK)
            return st;
    }
    return ZJ_OK;
}

/* The whole scoring of a call; only_rule < 0 scores every rule, else just
 * that one (examples runner) and the rules it reads, with its window lifted
 * when asked. */
static zj_status score_impl(zj_scorer *s, const zj_call *call, long only_rule, bool lift_window,
                            zj_result *res, zj_error *err)
{
    const zj_ruleset *rs = s->rs;
    memset(res, 0, sizeof *res);
    if (s->max_call_bytes) {
        /* Working memory is about ten times a call's text (normalized text
         * and its map back to code points): bounded before any of it. */
        size_t bytes = 0;
        for (size_t t = 0; t < call->n_turns; t++)
            bytes += call->turns[t].text_len;
        if (bytes > s->max_call_bytes)
            return zj_error_set(err, ZJ_ERR_LIMIT, call->source, call->line, 0,
                                "call '%s': %zu bytes of text, more than the limit of %zu "
                                "(--max-call-bytes)",
                                call->call_id, bytes, s->max_call_bytes);
    }
    zj_status st = prepare_turns(s, call);
    if (st != ZJ_OK)
        return zj_error_set(err, st, NULL, 0, 0, "out of memory");
    st = collect_hits(s, call, err);
    if (st != ZJ_OK)
        return st;
    uint64_t t0 = s->profiling ? zj_now_ns() : 0;

    finding_vec out = {0};
    s->candidates.n = 0;
    s->cp_byte_turn = -1;
    s->quotes_turn = -1;
    if (++s->call_gen == 0) { /* wrapped: old marks could read as current */
        memset(s->rule_done, 0, rs->n_rules * sizeof *s->rule_done);
        memset(s->group_gen, 0, rs->n_rules * sizeof *s->group_gen);
        memset(s->judged_gen, 0, rs->n_rules * sizeof *s->judged_gen);
        s->call_gen = 1;
    }
    /* A seconds window on a call without the timestamps it needs: the rule
     * cannot be judged, and says so instead of guessing. */
    for (size_t k = 0; k < s->n_timed && !lift_window && st == ZJ_OK; k++) {
        uint32_t ri = s->timed[k];
        if ((only_rule < 0 || (long)ri == only_rule) &&
            !window_measurable(s, &rs->rules[ri], call)) {
            s->rule_done[ri] = s->call_gen;
            st = plain_finding(&out, ri, ZJ_OUT_NOT_MEASURABLE, 0);
        }
    }
    /* Phase 1: where each rule's hits are (hits are grouped by rule). */
    for (size_t i = 0; i < s->hits.n;) {
        size_t j = i;
        uint32_t ri = s->hits.v[i].rule;
        while (j < s->hits.n && s->hits.v[j].rule == ri)
            j++;
        s->group_gen[ri] = s->call_gen;
        s->group_start[ri] = (uint32_t)i;
        s->group_n[ri] = (uint32_t)(j - i);
        i = j;
    }
    /* Phase 2: tags first, then the other rules with hits, then required
     * rules without hits; phase 3: conditional rules and metrics, which
     * read what phase 2 found. */
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < s->hits.n && st == ZJ_OK;) {
            uint32_t ri = s->hits.v[i].rule;
            size_t n = 0; /* evaluation reorders a group but keeps it in place */
            while (i + n < s->hits.n && s->hits.v[i + n].rule == ri)
                n++;
            const zj_rule *r = &rs->rules[ri];
            bool now = pass == 0 ? r->kind == ZJ_KIND_TAG
                                 : r->kind != ZJ_KIND_TAG && r->when < 0 && r->kind != ZJ_KIND_METRIC;
            if (now && wanted(s, only_rule, ri) && s->rule_done[ri] != s->call_gen) {
                st = eval_rule(s, call, ri, s->hits.v + i, n, lift_window, &out);
                s->rule_done[ri] = s->call_gen;
            }
            i += n;
        }
    if (st == ZJ_OK && s->n_typed_tags)
        st = typed_tags(s, call, only_rule, &out);
    for (size_t k = 0; k < s->n_required && st == ZJ_OK; k++) {
        uint32_t ri = s->required[k];
        if (s->rule_done[ri] != s->call_gen && wanted(s, only_rule, ri))
            st = eval_rule(s, call, ri, NULL, 0, lift_window, &out);
    }
    for (size_t k = 0; k < s->n_later && st == ZJ_OK; k++) {
        uint32_t ri = s->later[k];
        if (s->rule_done[ri] != s->call_gen && wanted(s, only_rule, ri)) {
            st = eval_later(s, call, ri, lift_window, &out);
            s->rule_done[ri] = s->call_gen;
        }
    }
    if (st == ZJ_OK && s->candidates.n) {
        /* Quoted or not decides overlaps (cmp_overlap), so it is known first;
         * in turn order, each turn's quotations found once. */
        qsort(s->candidates.v, s->candidates.n, sizeof *s->candidates.v, cmp_turn_start_rule);
        for (size_t i = 0; i < s->candidates.n && st == ZJ_OK; i++)
            st = in_quote(s, call, &s->candidates.v[i], &s->candidates.v[i].quoted);
        extend_quotes(s, s->candidates.v, s->candidates.n);
        size_t kept = 0;
        if (st == ZJ_OK)
            st = resolve_overlaps(s, s->candidates.v, s->candidates.n, &kept);
        if (st == ZJ_OK && s->max_findings && out.n + kept > s->max_findings) {
            free(out.v);
            for (size_t i = 0; i < s->candidates.n; i++)
                s->rule_hits[s->candidates.v[i].rule] = 0;
            return zj_error_set(err, ZJ_ERR_LIMIT, call->source, call->line, 0,
                                "call '%s': more than %zu findings (--max-findings)",
                                call->call_id, s->max_findings);
        }
        qsort(s->candidates.v, kept, sizeof *s->candidates.v, cmp_turn_start_rule);
        /* max_points: a rule's deductions in a call stop at its cap; later
         * hits stay visible with 0 points. A quoted hit costs nothing and
         * uses none of the cap. */
        for (size_t i = 0; i < kept && st == ZJ_OK; i++) {
            const call_hit *h = &s->candidates.v[i];
            const zj_rule *r = &rs->rules[h->rule];
            int points = r->points;
            bool quoted = h->quoted;
            if (quoted) {
                points = 0;
            } else if (r->max_points > 0) {
                long used = (long)s->rule_hits[h->rule]++ * r->points;
                long left = r->max_points - used;
                points = left <= 0 ? 0 : (points < left ? points : (int)left);
            }
            st = hit_finding(s, &out, call, h, ZJ_OUT_HIT, -points);
            if (st == ZJ_OK)
                out.v[out.n - 1].quoted = quoted;
        }
        for (size_t i = 0; i < kept; i++)
            s->rule_hits[s->candidates.v[i].rule] = 0;
    }
    if (st != ZJ_OK) {
        res->findings = out.v;
        res->n_findings = out.n;
        zj_result_free(res);
        return zj_error_set(err, st, NULL, 0, 0, "%s", zj_strerror(st));
    }
    if (out.n)
        qsort_r(out.v, out.n, sizeof *out.v, cmp_finding, (void *)rs);

    long total = rs->base;
    bool fatal = false;
    for (size_t i = 0; i < out.n; i++) {
        total += out.v[i].points;
        if (out.v[i].outcome == ZJ_OUT_HIT && rs->rules[out.v[i].rule].fatal && !out.v[i].quoted)
            fatal = true;
    }
    res->score = (int)(total < 0 ? 0 : total > rs->base ? rs->base : total);
    res->fatal = fatal;
    res->passed = res->score >= rs->pass && !fatal;
    res->grade = rs->n_grades ? rs->grades[rs->n_grades - 1].name : "";
    for (size_t g = 0; g < rs->n_grades; g++)
        if (res->score >= rs->grades[g].min_score) {
            res->grade = rs->grades[g].name;
            break;
        }
    res->findings = out.v;
    res->n_findings = out.n;
    if (s->profiling) {
        s->prof.score_ns += zj_now_ns() - t0;
        s->prof.calls++;
    }
    return ZJ_OK;
}

/* Working memory grows to the largest call seen; after a huge one (the
 * reader allows 64 MiB lines) it is given back rather than kept by every
 * scoring thread for the rest of the run. */
static void trim(zj_scorer *s)
{
    if (s->norm.cap > (4u << 20))
        zj_norm_free(&s->norm);
    if (s->cp_byte_cap > (1u << 20)) {
        free(s->cp_byte);
        s->cp_byte = NULL;
        s->cp_byte_cap = 0;
    }
    if (s->quote_scratch_cap > (1u << 20)) {
        free(s->quote_scratch);
        s->quote_scratch = NULL;
        s->quote_scratch_cap = 0;
    }
    if (s->quotes.cap > (1u << 16)) {
        free(s->quotes.v);
        s->quotes = (zj_spans){0};
    }
    if (s->occupied_cap > (4u << 20)) {
        free(s->occupied);
        s->occupied = NULL;
        s->occupied_cap = 0;
    }
    if (s->utt_cap > (1u << 16)) {
        free(s->utt_first);
        free(s->utt_last);
        s->utt_first = s->utt_last = NULL;
        s->utt_cap = 0;
    }
    if (s->turn_hits.cap > (1u << 16)) {
        free(s->turn_hits.v);
        s->turn_hits = (zj_hits){0};
    }
    hit_vec *vecs[] = {&s->hits, &s->candidates, &s->evidence, &s->exceptions, &s->exact};
    for (size_t i = 0; i < sizeof vecs / sizeof *vecs; i++)
        if (vecs[i]->cap > (1u << 16)) {
            free(vecs[i]->v);
            *vecs[i] = (hit_vec){0};
        }
}

void zj_scorer_set_limits(zj_scorer *s, size_t max_call_bytes, size_t max_findings)
{
    s->max_call_bytes = max_call_bytes;
    s->max_findings = max_findings;
}

zj_status zj_score_call(zj_scorer *s, const zj_call *call, zj_result *out, zj_error *err)
{
    zj_status st = score_impl(s, call, -1, false, out, err);
    trim(s);
    return st;
}

zj_status zj_score_rule(zj_scorer *s, const zj_call *call, uint32_t rule, bool lift_window,
                        zj_result *out, zj_error *err)
{
    zj_status st = score_impl(s, call, (long)rule, lift_window, out, err);
    trim(s);
    return st;
}

zj_status zj_score_rule_rivals(zj_scorer *s, const zj_call *call, uint32_t rule, zj_result *out,
                               zj_error *err)
{
    s->with_rivals = true;
    zj_status st = score_impl(s, call, (long)rule, true, out, err);
    s->with_rivals = false;
    trim(s);
    return st;
}
