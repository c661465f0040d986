/* match_pcre.c — the PCRE2 matcher backend: one JIT-compiled regex per
 * regex pattern, a substring search per literal. It is the complete
 * fallback and serves the patterns Hyperscan cannot express.
 *
 * A regex is JIT-compiled when it is first matched, not at load: with
 * Hyperscan in front, most regexes of a rule set are never matched by PCRE2
 * in a run, and compiling all of them (about 4,000 for the bundled standard
 * and its `fuzzy: pinyin` twins) was a third of the fixed cost of every
 * command. Every regex still gets the JIT before its first match, so the
 * matches (and the limits that apply) are those of an eager compile. */
#define _GNU_SOURCE /* memmem */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "internal.h"

#include <pcre2.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* Bounds that stop a hostile regex (catastrophic backtracking) from hanging
 * a scan: the scan fails with ZJ_ERR_LIMIT instead. */
#define MATCH_LIMIT 2000000u
#define DEPTH_LIMIT 10000u
#define JIT_STACK_MAX (1u << 20)

struct zj_pcre_set {
    const zj_pattern *patterns; /* borrowed from the rule set */
    size_t n;
    pcre2_code **codes; /* NULL for literals */
    /* Per pattern, with jit: set once its code went through the JIT compiler
     * (which then owns the code: no thread matches it meanwhile). */
    atomic_uchar *jitted;
    pthread_mutex_t *jit_lock;
};

struct zj_pcre_scratch {
    pcre2_match_data *md;
    pcre2_match_context *mctx;
    pcre2_jit_stack *jit_stack;
};

void zj_pcre_free(zj_pcre_set *p)
{
    if (!p)
        return;
    for (size_t i = 0; p->codes && i < p->n; i++)
        pcre2_code_free(p->codes[i]);
    free(p->codes);
    free(p->jitted);
    if (p->jit_lock) {
        pthread_mutex_destroy(p->jit_lock);
        free(p->jit_lock);
    }
    free(p);
}

/* JIT-compiles regex id unless another thread did (JIT is an optimization:
 * where it is missing the interpreter gives the same matches). */
static void jit_compile_once(const zj_pcre_set *p, uint32_t id)
{
    pthread_mutex_lock(p->jit_lock);
    if (!atomic_load_explicit(&p->jitted[id], memory_order_relaxed)) {
        pcre2_jit_compile(p->codes[id], PCRE2_JIT_COMPLETE);
        atomic_store_explicit(&p->jitted[id], 1, memory_order_release);
    }
    pthread_mutex_unlock(p->jit_lock);
}

/* The code of regex id, JIT-compiled the first time it is asked for: no
 * thread matches a code while the JIT compiler changes it. */
static inline const pcre2_code *regex_code(const zj_pcre_set *p, uint32_t id)
{
    if (p->jitted && !atomic_load_explicit(&p->jitted[id], memory_order_acquire))
        jit_compile_once(p, id);
    return p->codes[id];
}

zj_pcre_set *zj_pcre_compile(const zj_pattern *patterns, size_t n, bool jit, zj_error *err)
{
    zj_pcre_set *p = calloc(1, sizeof *p);
    if (!p || !(p->codes = calloc(n ? n : 1, sizeof *p->codes)) ||
        (jit && (!(p->jitted = calloc(n ? n : 1, sizeof *p->jitted)) ||
                 !(p->jit_lock = malloc(sizeof *p->jit_lock))))) {
        if (p) {
            free(p->codes);
            free(p->jitted);
            free(p);
        }
        zj_error_set(err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory");
        return NULL;
    }
    if (jit && pthread_mutex_init(p->jit_lock, NULL) != 0) {
        free(p->codes);
        free(p->jitted);
        free(p->jit_lock);
        free(p);
        zj_error_set(err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory");
        return NULL;
    }
    p->patterns = patterns;
    p->n = n;
    for (size_t i = 0; i < n; i++) {
        if (!patterns[i].is_regex)
            continue;
        int code;
        PCRE2_SIZE off;
        p->codes[i] = pcre2_compile((PCRE2_SPTR)patterns[i].expr, patterns[i].expr_len,
                                    PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS, &code, &off, NULL);
        if (!p->codes[i]) {
            PCRE2_UCHAR msg[256];
            pcre2_get_error_message(code, msg, sizeof msg);
            zj_error_set(err, ZJ_ERR_REGEX, NULL, patterns[i].line, patterns[i].col,
                         "invalid regex: %s", (const char *)msg);
            zj_pcre_free(p);
            return NULL;
        }
    }
    return p;
}

zj_pcre_scratch *zj_pcre_scratch_new(const zj_pcre_set *p)
{
    (void)p;
    zj_pcre_scratch *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->md = pcre2_match_data_create(1, NULL);
    s->mctx = pcre2_match_context_create(NULL);
    s->jit_stack = pcre2_jit_stack_create(32 * 1024, JIT_STACK_MAX, NULL);
    if (!s->md || !s->mctx || !s->jit_stack) {
        zj_pcre_scratch_free(s);
        return NULL;
    }
    pcre2_set_match_limit(s->mctx, MATCH_LIMIT);
    pcre2_set_depth_limit(s->mctx, DEPTH_LIMIT);
    pcre2_jit_stack_assign(s->mctx, NULL, s->jit_stack);
    return s;
}

void zj_pcre_scratch_free(zj_pcre_scratch *s)
{
    if (!s)
        return;
    pcre2_match_data_free(s->md);
    pcre2_match_context_free(s->mctx);
    pcre2_jit_stack_free(s->jit_stack);
    free(s);
}

static size_t utf8_advance(const char *s, size_t pos, size_t len)
{
    pos++;
    while (pos < len && ((unsigned char)s[pos] & 0xC0) == 0x80)
        pos++;
    return pos;
}

/* Leftmost non-overlapping occurrences of a literal in seg[0..len). */
static zj_status scan_literal(const zj_pattern *pat, const char *seg, size_t len, size_t base,
                              zj_hits *out)
{
    size_t pos = 0;
    while (pos + pat->expr_len <= len) {
        const char *hit = memmem(seg + pos, len - pos, pat->expr, pat->expr_len);
        if (!hit)
            break;
        size_t start = (size_t)(hit - seg);
        if (zj_hits_push(out, pat->id, (uint32_t)(base + start),
                         (uint32_t)(base + start + pat->expr_len)) != ZJ_OK)
            return ZJ_ERR_NOMEM;
        pos = start + pat->expr_len;
    }
    return ZJ_OK;
}

static zj_status match_error(int rc)
{
    if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
        rc == PCRE2_ERROR_JIT_STACKLIMIT || rc == PCRE2_ERROR_HEAPLIMIT)
        return ZJ_ERR_LIMIT;
    return ZJ_ERR_REGEX;
}

/* Leftmost non-overlapping matches of a regex in seg[0..len) (its own
 * subject, so ^ and $ anchor at the segment's edges). */
static zj_status scan_regex(const pcre2_code *code, const zj_pattern *pat, zj_pcre_scratch *s,
                            const char *seg, size_t len, size_t base, zj_hits *out)
{
    size_t start = 0;
    while (start <= len) {
        int rc = pcre2_match(code, (PCRE2_SPTR)seg, len, start, PCRE2_NO_UTF_CHECK, s->md, s->mctx);
        if (rc == PCRE2_ERROR_NOMATCH)
            break;
        if (rc < 0)
            return match_error(rc);
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(s->md);
        size_t ms = ov[0], me = ov[1];
        if (me > ms) {
            if (zj_hits_push(out, pat->id, (uint32_t)(base + ms), (uint32_t)(base + me)) != ZJ_OK)
                return ZJ_ERR_NOMEM;
            /* An `unless_followed_by` exception asks whether a match starts
             * after a hit: one starting inside the hit (在，在开会 for 他不在)
             * must not hide the one right after it (在开会), so its matches
             * are looked for at every start, overlapping. */
            start = pat->follows ? utf8_advance(seg, ms, len) : me;
        } else {
            /* Empty match (or \K oddity): never reported; move one code point on. */
            if (me >= len)
                break;
            start = utf8_advance(seg, me > start ? me : start, len);
        }
    }
    return ZJ_OK;
}

static zj_status scan_one(const zj_pcre_set *p, zj_pcre_scratch *s, const zj_norm *turn,
                          uint32_t id, zj_hits *out)
{
    const zj_pattern *pat = &p->patterns[id];
    if (pat->is_model)
        return ZJ_OK; /* scored by its model (model.c), not matched */
    size_t seg_start = 0;
    const size_t *breaks = pat->per_clause ? turn->clause_breaks : turn->breaks;
    size_t n_breaks = pat->per_clause ? turn->n_clause_breaks : turn->n_breaks;
    size_t n_segments = pat->per_sentence ? n_breaks + 1 : 1;
    for (size_t k = 0; k < n_segments; k++) {
        size_t seg_end = pat->per_sentence && k < n_breaks ? breaks[k] : turn->len;
        if (seg_end > seg_start) {
            const char *seg = turn->text + seg_start;
            size_t len = seg_end - seg_start;
            zj_status st = pat->is_regex
                               ? scan_regex(regex_code(p, id), pat, s, seg, len, seg_start, out)
                               : scan_literal(pat, seg, len, seg_start, out);
            if (st != ZJ_OK)
                return st;
        }
        seg_start = seg_end;
    }
    return ZJ_OK;
}

/* The segment of turn that pattern pat is matched in and that holds byte
 * `at` (as scan_one cuts the turn): [*seg_start, *seg_end). */
static void segment_of(const zj_pattern *pat, const zj_norm *turn, size_t at, size_t *seg_start,
                       size_t *seg_end)
{
    *seg_start = 0;
    *seg_end = turn->len;
    if (!pat->per_sentence)
        return;
    const size_t *breaks = pat->per_clause ? turn->clause_breaks : turn->breaks;
    size_t n_breaks = pat->per_clause ? turn->n_clause_breaks : turn->n_breaks;
    size_t lo = 0, hi = n_breaks; /* the first break past `at` ends its segment */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (breaks[mid] <= at)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo > 0)
        *seg_start = breaks[lo - 1];
    if (lo < n_breaks)
        *seg_end = breaks[lo];
}

bool zj_pcre_resets_start(const zj_pcre_set *p, uint32_t id)
{
    const zj_pattern *pat = &p->patterns[id];
    if (!pat->is_regex)
        return false;
    const char *e = pat->expr;
    for (size_t i = 0; i + 1 < pat->expr_len; i++) {
        if (e[i] != '\\')
            continue;
        if (e[i + 1] == 'K')
            return true;
        if (e[i + 1] == 'Q') { /* \Q…\E quotes: a \K in it is text */
            const char *q = memmem(e + i + 2, pat->expr_len - i - 2, "\\E", 2);
            if (!q)
                return false;
            i = (size_t)(q - e);
        }
        i++; /* the escaped character */
    }
    return false;
}

zj_status zj_pcre_match_at(const zj_pcre_set *p, zj_pcre_scratch *s, const zj_norm *turn,
                           uint32_t id, size_t start, size_t *end)
{
    *end = 0;
    const zj_pattern *pat = &p->patterns[id];
    if (pat->is_model || start >= turn->len)
        return ZJ_OK;
    size_t seg_start, seg_end;
    segment_of(pat, turn, start, &seg_start, &seg_end);
    if (seg_end <= start)
        return ZJ_OK;
    const char *seg = turn->text + seg_start;
    size_t len = seg_end - seg_start, at = start - seg_start;
    if (!pat->is_regex) {
        if (pat->expr_len <= len - at && memcmp(seg + at, pat->expr, pat->expr_len) == 0)
            *end = start + pat->expr_len;
        return ZJ_OK;
    }
    /* regex_code: the code may be going through the JIT compiler in another
     * thread, which must be done before this thread matches it. */
    const pcre2_code *code = regex_code(p, id);
    /* The whole segment is the subject, as in a scan: a lookbehind sees what
     * precedes start, ^ and $ anchor at the segment's edges. Anchored at
     * match time, PCRE2 runs its interpreter (JIT code matches unanchored
     * only), which gives the same match; the attempt costs what this one
     * match costs, not the segment. */
    int rc = pcre2_match(code, (PCRE2_SPTR)seg, len, at, PCRE2_ANCHORED | PCRE2_NO_UTF_CHECK,
                         s->md, s->mctx);
    if (rc == PCRE2_ERROR_NOMATCH)
        return ZJ_OK;
    if (rc < 0)
        return match_error(rc);
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(s->md);
    if (ov[0] == at && ov[1] > ov[0]) /* a scan reports no empty match */
        *end = seg_start + ov[1];
    return ZJ_OK;
}

zj_status zj_pcre_scan(const zj_pcre_set *p, zj_pcre_scratch *s, const zj_norm *turn,
                       const uint32_t *ids, size_t n_ids, zj_hits *out)
{
    if (turn->len == 0)
        return ZJ_OK;
    size_t n = ids ? n_ids : p->n;
    for (size_t i = 0; i < n; i++) {
        zj_status st = scan_one(p, s, turn, ids ? ids[i] : (uint32_t)i, out);
        if (st != ZJ_OK)
            return st;
    }
    return ZJ_OK;
}
