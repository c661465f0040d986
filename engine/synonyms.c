/* synonyms.c — a rule set's `synonyms:` (晓得: 知道, 么子: 什么, 俺们: 我们):
 * regional and informal forms of a word that speech recognition writes as
 * heard, read as the standard word before matching. A rule written with
 * 不知道 then finds 不晓得, and the finding quotes the words as said.
 *
 * The pass runs on the normalized turn after the fillers are dropped, and on
 * every literal of the rule set, so both sides speak the standard word;
 * regexes are written with it. At each position the longest form wins; a
 * form is not replaced across a clause or sentence end (晓，得 stays two
 * words), nor where the text around it already is its standard word (the
 * 么事 of 什么事). A replacement may change the length (啥 → 什么): every
 * byte of the standard word maps to the whole of the form in the original
 * text, and the sentence and clause ends after it move with it. A turn none
 * of whose characters may start a form costs one bit test per character. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct synonym {
    char *from, *to; /* normalized */
    size_t from_len, to_len;
    size_t inside; /* where from is in to (么事 in 什么事), else SIZE_MAX */
    uint32_t first; /* from's first code point */
    size_t index;   /* its place in the rule set's list */
} synonym;

struct zj_synonyms {
    synonym *v; /* by first code point, then longest form first */
    size_t n;
    unsigned char first[0x10000 / 8]; /* first code points (BMP) of some form */
    bool first_beyond_bmp;
};

/* Forms of one first character side by side, so that a candidate position
 * looks at those only (a common first character such as 没 or 说 is a
 * candidate in most turns), the longest first: the longest form at a
 * position wins. */
static int cmp_first_longest(const void *a, const void *b)
{
    const synonym *x = a, *y = b;
    if (x->first != y->first)
        return x->first < y->first ? -1 : 1;
    return x->from_len != y->from_len ? (x->from_len > y->from_len ? -1 : 1)
                                      : memcmp(x->from, y->from, x->from_len);
}

void zj_synonyms_free(zj_synonyms *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++) {
        free(s->v[i].from);
        free(s->v[i].to);
    }
    free(s->v);
    free(s);
}

zj_synonyms *zj_synonyms_new(const char *const *forms, const size_t *form_lens,
                             const char *const *words, const size_t *word_lens, size_t n,
                             size_t *bad, const char **why, size_t *chained)
{
    *bad = SIZE_MAX;
    *why = NULL;
    *chained = SIZE_MAX;
    zj_synonyms *s = calloc(1, sizeof *s);
    if (!s || !(s->v = calloc(n ? n : 1, sizeof *s->v))) {
        free(s);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        synonym *x = &s->v[s->n];
        if (zj_norm_literal(forms[i], form_lens[i], &x->from, &x->from_len) != ZJ_OK ||
            zj_norm_literal(words[i], word_lens[i], &x->to, &x->to_len) != ZJ_OK) {
            free(x->from);
            zj_synonyms_free(s);
            return NULL;
        }
        x->index = i;
        s->n++;
        if (x->from_len == 0 || x->to_len == 0)
            *why = "is empty after normalization (whitespace and punctuation are removed)";
        else if (x->from_len == x->to_len && memcmp(x->from, x->to, x->to_len) == 0)
            *why = "is its own standard word";
        for (size_t k = 0; k + 1 < s->n && !*why; k++)
            if (s->v[k].from_len == x->from_len && memcmp(s->v[k].from, x->from, x->from_len) == 0)
                *why = "is listed twice";
        if (*why) {
            *bad = i;
            zj_synonyms_free(s);
            return NULL;
        }
        x->inside = SIZE_MAX;
        for (size_t at = 0; at + x->from_len <= x->to_len && x->inside == SIZE_MAX; at++)
            if (memcmp(x->to + at, x->from, x->from_len) == 0)
                x->inside = at;
        uint32_t cp;
        zj_utf8_decode((const unsigned char *)x->from, x->from_len, &cp);
        x->first = cp;
        if (cp < 0x10000)
            s->first[cp >> 3] |= (unsigned char)(1u << (cp & 7));
        else
            s->first_beyond_bmp = true;
    }
    qsort(s->v, s->n, sizeof *s->v, cmp_first_longest);
    /* Forms are replaced once, never again in what replaced them: with 晓得:
     * 知道 and 知道: 明白 a rule's 不知道 reads 不明白, the text's 不晓得
     * 不知道, and the rule misses the regional form it was meant to find.
     * The same holds for a form inside a standard word (啥: 什么 and 么: 吗
     * read a rule's 什么 as 什吗): every standard word must come out of the
     * pass as it went in. */
    for (size_t i = 0; i < s->n; i++) {
        char *word = malloc(s->v[i].to_len + 1);
        size_t len = s->v[i].to_len;
        if (!word) {
            zj_synonyms_free(s);
            return NULL;
        }
        memcpy(word, s->v[i].to, len);
        word[len] = '\0';
        zj_status st = zj_synonyms_literal(s, &word, &len);
        bool kept = st == ZJ_OK && len == s->v[i].to_len && !memcmp(word, s->v[i].to, len);
        free(word);
        if (st != ZJ_OK) {
            zj_synonyms_free(s);
            return NULL;
        }
        if (kept)
            continue;
        *bad = s->v[i].index;
        for (size_t k = 0; k < s->n && *chained == SIZE_MAX; k++)
            for (size_t at = 0; k != i && at + s->v[k].from_len <= s->v[i].to_len; at++)
                if (!memcmp(s->v[i].to + at, s->v[k].from, s->v[k].from_len)) {
                    *chained = s->v[k].index;
                    break;
                }
        if (*chained == SIZE_MAX)
            *why = "would itself be rewritten by the other synonyms";
        zj_synonyms_free(s);
        return NULL;
    }
    return s;
}

/* Whether the form x at text[at..) is part of its own standard word there:
 * the 么事 of 没什么事 (么事: 什么事) is left as it is, not read 什什么事. */
static bool within_own_word(const synonym *x, const char *text, size_t len, size_t at)
{
    return x->inside != SIZE_MAX && at >= x->inside && at - x->inside + x->to_len <= len &&
           memcmp(text + at - x->inside, x->to, x->to_len) == 0;
}

/* The longest form at text[at..len) not crossing an offset of ends[0..n)
 * (sorted) nor inside its own standard word, or NULL. */
static const synonym *form_at(const zj_synonyms *s, const char *text, size_t len, size_t at,
                              const size_t *ends, size_t n_ends)
{
    const unsigned char *p = (const unsigned char *)text + at;
    uint32_t cp;
    if (!zj_utf8_decode(p, len - at, &cp))
        return NULL;
    if (cp < 0x10000 ? !((s->first[cp >> 3] >> (cp & 7)) & 1) : !s->first_beyond_bmp)
        return NULL;
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->v[mid].first < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < s->n && s->v[i].first == cp; i++) {
        const synonym *x = &s->v[i];
        if (x->from_len > len - at || memcmp(p, x->from, x->from_len) != 0 ||
            within_own_word(x, text, len, at))
            continue;
        bool crosses = false;
        for (size_t k = 0; k < n_ends && !crosses; k++)
            crosses = ends[k] > at && ends[k] < at + x->from_len;
        if (!crosses)
            return x;
    }
    return NULL;
}

/* A form found at a byte offset of the normalized text. */
typedef struct replacement {
    size_t at;
    const synonym *x;
} replacement;

/* Moves sorted offsets v[0..n) through the replacements r[0..n_r) (sorted):
 * an offset at or after a replaced form's end moves by the growth before it. */
static void shift(size_t *v, size_t n, const replacement *r, size_t n_r)
{
    size_t k = 0;
    long delta = 0;
    for (size_t i = 0; i < n; i++) {
        for (; k < n_r && r[k].at + r[k].x->from_len <= v[i]; k++)
            delta += (long)r[k].x->to_len - (long)r[k].x->from_len;
        v[i] = (size_t)((long)v[i] + delta);
    }
}

zj_status zj_synonyms_apply(const zj_synonyms *s, zj_norm *n)
{
    if (!s || n->len == 0)
        return ZJ_OK;
    /* A turn has few forms: the replacements live on the stack until they do
     * not fit. */
    replacement stack[16], *r = stack;
    size_t n_r = 0, cap = 16;
    zj_status st = ZJ_OK;
    long growth = 0;
    const unsigned char *t = (const unsigned char *)n->text;
    for (size_t i = 0; i < n->len;) {
        unsigned char c = t[i];
        size_t k = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        /* Most characters are ideographs that start no form: one bit each. */
        if (k == 3 && i + 2 < n->len) {
            uint32_t cp =
                (uint32_t)(c & 0x0F) << 12 | (uint32_t)(t[i + 1] & 0x3F) << 6 | (t[i + 2] & 0x3F);
            if (!((s->first[cp >> 3] >> (cp & 7)) & 1)) {
                i += 3;
                continue;
            }
        }
        /* Clause ends include every sentence end. */
        const synonym *hit = form_at(s, n->text, n->len, i, n->clause_breaks, n->n_clause_breaks);
        if (!hit) {
            i += k;
            continue;
        }
        if (n_r == cap) {
            replacement *v = malloc(cap * 2 * sizeof *v);
            if (!v) {
                st = ZJ_ERR_NOMEM;
                goto out;
            }
            memcpy(v, r, cap * sizeof *v);
            if (r != stack)
                free(r);
            r = v;
            cap *= 2;
        }
        r[n_r++] = (replacement){i, hit};
        growth += (long)hit->to_len - (long)hit->from_len;
        i += hit->from_len;
    }
    if (!n_r)
        goto out;
    /* The old map and text in one block, then the new ones written over n's
     * buffers. */
    size_t old_len = n->len, new_len = (size_t)((long)old_len + growth);
    size_t map_bytes = n->mapped ? old_len * sizeof(uint32_t) : 0;
    uint32_t *old_s = malloc(2 * map_bytes + old_len + 1);
    if (!old_s) {
        st = ZJ_ERR_NOMEM;
        goto out;
    }
    uint32_t *old_e = old_s + (n->mapped ? old_len : 0);
    char *old = (char *)(old_s + (n->mapped ? 2 * old_len : 0));
    memcpy(old, n->text, old_len);
    if (n->mapped) {
        memcpy(old_s, n->orig_start, map_bytes);
        memcpy(old_e, n->orig_end, map_bytes);
    }
    if (new_len > old_len && (st = zj_norm_reserve(n, new_len - old_len)) != ZJ_OK) {
        free(old_s);
        goto out;
    }
    size_t w = 0, from = 0;
    for (size_t j = 0; j <= n_r; j++) {
        size_t stop = j < n_r ? r[j].at : old_len;
        memcpy(n->text + w, old + from, stop - from);
        if (n->mapped) {
            memcpy(n->orig_start + w, old_s + from, (stop - from) * sizeof *old_s);
            memcpy(n->orig_end + w, old_e + from, (stop - from) * sizeof *old_e);
        }
        w += stop - from;
        if (j == n_r)
            break;
        const synonym *y = r[j].x;
        memcpy(n->text + w, y->to, y->to_len);
        for (size_t b = 0; n->mapped && b < y->to_len; b++) {
            n->orig_start[w + b] = old_s[r[j].at];
            n->orig_end[w + b] = old_e[r[j].at + y->from_len - 1];
        }
        w += y->to_len;
        from = r[j].at + y->from_len;
    }
    n->len = w;
    n->text[w] = '\0';
    shift(n->breaks, n->n_breaks, r, n_r);
    shift(n->clause_breaks, n->n_clause_breaks, r, n_r);
    n->n_gaps = 0;            /* the fillers' pass is over: nothing reads them */
    n->watched_valid = false; /* offsets of the old text */
    free(old_s);
out:
    if (r != stack)
        free(r);
    return st;
}

zj_status zj_synonyms_literal(const zj_synonyms *s, char **text, size_t *len)
{
    if (!s)
        return ZJ_OK;
    zj_norm n;
    zj_norm_init(&n);
    n.text = *text;
    n.len = *len;
    n.cap = *len + 1;
    zj_status st = ZJ_OK;
    /* The map arrays share the text's capacity (zj_norm_reserve grows all three). */
    n.orig_start = malloc(n.cap * sizeof *n.orig_start);
    n.orig_end = malloc(n.cap * sizeof *n.orig_end);
    if (!n.orig_start || !n.orig_end)
        st = ZJ_ERR_NOMEM;
    if (st == ZJ_OK)
        st = zj_synonyms_apply(s, &n);
    *text = n.text;
    *len = n.len;
    n.text = NULL;
    zj_norm_free(&n);
    return st;
}
