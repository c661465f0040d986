/* clauses.c — clause starts in speech recognised without punctuation.
 *
 * ASR often writes a whole turn as one run of characters (不知道你去问物业吧).
 * `boundary: clause` rules then see a single clause, and a refusal that ends
 * its clause (不知道$) is never found. A rule set may declare, as regexes,
 * where a new clause starts in such text (`clause_starts:`); in a turn with
 * no punctuation at all, every match start of those regexes becomes a clause
 * end, as if ASR had written a comma there. A turn with any punctuation, even
 * only a final full stop, is left as it is: its writer said where its
 * clauses end. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "internal.h"

#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

struct zj_clause_starts {
    pcre2_code **re;
    size_t n;
};

void zj_clause_starts_free(zj_clause_starts *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++)
        pcre2_code_free(c->re[i]);
    free(c->re);
    free(c);
}

zj_clause_starts *zj_clause_starts_new(const char *const *regexes, size_t n, size_t *bad,
                                       char *why, size_t why_size)
{
    *bad = SIZE_MAX;
    zj_clause_starts *c = calloc(1, sizeof *c);
    if (!c || !(c->re = calloc(n ? n : 1, sizeof *c->re))) {
        free(c);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        int code;
        PCRE2_SIZE at;
        c->re[i] = pcre2_compile((PCRE2_SPTR)regexes[i], PCRE2_ZERO_TERMINATED,
                                 PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS, &code, &at, NULL);
        if (!c->re[i]) {
            *bad = i;
            char msg[160];
            pcre2_get_error_message(code, (PCRE2_UCHAR *)msg, sizeof msg);
            snprintf(why, why_size, "%s at offset %zu", msg, (size_t)at);
            zj_clause_starts_free(c);
            return NULL;
        }
        c->n = i + 1;
    }
    return c;
}

void zj_clause_starts_jit(zj_clause_starts *c)
{
    for (size_t i = 0; c && i < c->n; i++)
        pcre2_jit_compile(c->re[i], PCRE2_JIT_COMPLETE); /* interpreted when JIT is missing */
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

zj_status zj_clause_starts_apply(const zj_clause_starts *c, zj_norm *n, bool punctuated)
{
    /* Any punctuation, even a final full stop: the writer said where its
     * clauses end. */
    if (!c || n->len == 0 || punctuated)
        return ZJ_OK;
    size_t *cuts = NULL, n_cuts = 0, cap = 0;
    zj_status st = ZJ_OK;
    pcre2_match_data *md = NULL;
    for (size_t r = 0; r < c->n && st == ZJ_OK; r++) {
        if (!md && !(md = pcre2_match_data_create(1, NULL))) {
            st = ZJ_ERR_NOMEM;
            break;
        }
        PCRE2_SIZE from = 0;
        while (from <= n->len) {
            int rc = pcre2_match(c->re[r], (PCRE2_SPTR)n->text, n->len, from, 0, md, NULL);
            if (rc == PCRE2_ERROR_NOMATCH)
                break;
            if (rc < 0) {
                st = rc == PCRE2_ERROR_NOMEMORY ? ZJ_ERR_NOMEM : ZJ_ERR_LIMIT;
                break;
            }
            PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
            size_t at = ov[0];
            /* A clause of at least one character on each side. */
            if (at > 0 && at < n->len) {
                if (n_cuts == cap) {
                    size_t ncap = cap ? cap * 2 : 8;
                    size_t *v = realloc(cuts, ncap * sizeof *v);
                    if (!v) {
                        st = ZJ_ERR_NOMEM;
                        break;
                    }
                    cuts = v;
                    cap = ncap;
                }
                cuts[n_cuts++] = at;
            }
            /* Next search past this match; past one whole character after
             * an empty one (never inside a UTF-8 sequence). */
            PCRE2_SIZE next = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
            while (next < n->len && ((unsigned char)n->text[next] & 0xC0) == 0x80)
                next++;
            from = next;
        }
    }
    pcre2_match_data_free(md);
    if (st == ZJ_OK && n_cuts) {
        qsort(cuts, n_cuts, sizeof *cuts, cmp_size);
        size_t need = n_cuts + n->n_clause_breaks;
        if (need > n->clause_breaks_cap) {
            size_t *v = realloc(n->clause_breaks, need * sizeof *v);
            if (!v)
                st = ZJ_ERR_NOMEM;
            else {
                n->clause_breaks = v;
                n->clause_breaks_cap = need;
            }
        }
        if (st == ZJ_OK) {
            /* Merged with the clause ends there are (a tag's), each once:
             * from the back, so the breaks are read before overwritten. */
            size_t i = n_cuts, j = n->n_clause_breaks, w = need;
            while (i || j) {
                size_t v = !j || (i && cuts[i - 1] > n->clause_breaks[j - 1]) ? cuts[--i]
                                                                               : n->clause_breaks[--j];
                if (w == need || n->clause_breaks[w] != v)
                    n->clause_breaks[--w] = v;
            }
            memmove(n->clause_breaks, n->clause_breaks + w, (need - w) * sizeof *n->clause_breaks);
            n->n_clause_breaks = need - w;
        }
    }
    free(cuts);
    return st;
}

zj_status zj_norm_turn(zj_norm *n, const char *text, size_t len, const zj_ruleset *rs, bool mapped)
{
    /* A turn with non-speech tags is normalized with each tag as a comma.
     * Whether its writer punctuated it is judged with the tags as spaces: a
     * tag ends a clause but is no punctuation, and an unpunctuated turn with
     * a [笑声] is still cut at its clause starts. */
    char *spaced = NULL, *tagged = NULL;
    size_t spaced_len = 0, tagged_len = 0;
    bool punctuated = false;
    zj_status st = rs->non_speech
                       ? zj_non_speech_blank(rs->non_speech, text, len, ' ', &spaced, &spaced_len)
                       : ZJ_OK;
    bool had_tags = spaced != NULL;
    if (st == ZJ_OK && had_tags && rs->clause_starts &&
        (st = zj_norm_text_unmapped(n, spaced, spaced_len)) == ZJ_OK)
        punctuated = n->n_breaks || n->n_clause_breaks;
    free(spaced);
    if (st == ZJ_OK && had_tags)
        st = zj_non_speech_blank(rs->non_speech, text, len, ',', &tagged, &tagged_len);
    if (st == ZJ_OK)
        st = tagged ? zj_norm_text_fillers(n, tagged, tagged_len, rs->fillers, mapped)
                    : zj_norm_text_fillers(n, text, len, rs->fillers, mapped);
    free(tagged);
    if (!had_tags)
        punctuated = n->n_breaks || n->n_clause_breaks;
    if (st == ZJ_OK && rs->synonyms)
        st = zj_synonyms_apply(rs->synonyms, n);
    if (st == ZJ_OK && rs->clause_starts)
        st = zj_clause_starts_apply(rs->clause_starts, n, punctuated);
    return st;
}
