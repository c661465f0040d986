/* norm.c — per-turn normalization (NFKC + case fold, whitespace,
 * punctuation and symbols removed) with a map from every normalized byte back to the
 * original code points it came from, and the sentence ends.
 *
 * The text is processed unit by unit, a unit being a code point followed by
 * its combining marks (Mn, Mc, Me), so that composition (e + U+0301 -> é)
 * happens inside a unit and every output byte maps to exactly one unit.
 * Composition across units (e.g. conjoining Hangul jamo L+V+T written as
 * separate code points) does not happen; such text is rare in transcripts and
 * rules are normalized the same way, so matching stays consistent. */
#include "internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

/* UTF8PROC_IGNORE drops the default-ignorable code points that are not
 * format characters (U+034F combining grapheme joiner, the Hangul fillers
 * U+115F, U+1160, U+3164, U+FFA0): invisible, they would hide a taboo. */
#define NORM_OPTIONS                                                                               \
    (UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | UTF8PROC_IGNORE)

/* Longest expansion of one code point under NFKC + case fold is 18 code
 * points (U+FDFA); a unit with many marks may be longer: we fall back to
 * copying such a unit unchanged rather than overflow. */
#define UNIT_MAX_CPS 64

void zj_norm_init(zj_norm *n)
{
    memset(n, 0, sizeof *n);
}

void zj_norm_free(zj_norm *n)
{
    free(n->text);
    free(n->orig_start);
    free(n->orig_end);
    free(n->breaks);
    free(n->gaps);
    free(n->watched_at);
    free(n->clause_breaks);
    zj_norm_init(n);
}

zj_status zj_norm_reserve(zj_norm *n, size_t extra)
{
    if (n->len + extra + 1 <= n->cap)
        return ZJ_OK;
    size_t cap = n->cap ? n->cap : 256;
    while (cap < n->len + extra + 1)
        cap *= 2;
    char *t = realloc(n->text, cap);
    if (!t)
        return ZJ_ERR_NOMEM;
    n->text = t;
    uint32_t *s = realloc(n->orig_start, cap * sizeof *s);
    if (!s)
        return ZJ_ERR_NOMEM;
    n->orig_start = s;
    uint32_t *e = realloc(n->orig_end, cap * sizeof *e);
    if (!e)
        return ZJ_ERR_NOMEM;
    n->orig_end = e;
    n->cap = cap;
    return ZJ_OK;
}

static zj_status add_break(zj_norm *n)
{
    if (n->len == 0 || (n->n_breaks && n->breaks[n->n_breaks - 1] == n->len))
        return ZJ_OK;
    if (n->n_breaks == n->breaks_cap) {
        size_t cap = n->breaks_cap ? n->breaks_cap * 2 : 16;
        size_t *b = realloc(n->breaks, cap * sizeof *b);
        if (!b)
            return ZJ_ERR_NOMEM;
        n->breaks = b;
        n->breaks_cap = cap;
    }
    n->breaks[n->n_breaks++] = n->len;
    return ZJ_OK;
}

/* A removed character (space, punctuation) was here: what a filler standing
 * alone is told by (fillers.c). Only recorded when n->want_gaps. */
static zj_status add_gap(zj_norm *n)
{
    if (n->len == 0 || (n->n_gaps && n->gaps[n->n_gaps - 1] == n->len))
        return ZJ_OK;
    if (n->n_gaps == n->gaps_cap) {
        size_t cap = n->gaps_cap ? n->gaps_cap * 2 : 16;
        size_t *g = realloc(n->gaps, cap * sizeof *g);
        if (!g)
            return ZJ_ERR_NOMEM;
        n->gaps = g;
        n->gaps_cap = cap;
    }
    n->gaps[n->n_gaps++] = n->len;
    return ZJ_OK;
}

/* A watched character at normalized offset at (ascending; a repeat is
 * left out). */
static zj_status add_watched(zj_norm *n, size_t at)
{
    if (n->n_watched && n->watched_at[n->n_watched - 1] >= at)
        return ZJ_OK;
    if (n->n_watched == n->watched_cap) {
        size_t cap = n->watched_cap ? n->watched_cap * 2 : 16;
        size_t *w = realloc(n->watched_at, cap * sizeof *w);
        if (!w)
            return ZJ_ERR_NOMEM;
        n->watched_at = w;
        n->watched_cap = cap;
    }
    n->watched_at[n->n_watched++] = at;
    return ZJ_OK;
}

/* A clause end (，、, ：) as an offset of the normalized text; every
 * sentence end is one too. Same rules as add_break. */
static zj_status add_clause_break(zj_norm *n)
{
    if (n->len == 0 || (n->n_clause_breaks && n->clause_breaks[n->n_clause_breaks - 1] == n->len))
        return ZJ_OK;
    if (n->n_clause_breaks == n->clause_breaks_cap) {
        size_t cap = n->clause_breaks_cap ? n->clause_breaks_cap * 2 : 16;
        size_t *b = realloc(n->clause_breaks, cap * sizeof *b);
        if (!b)
            return ZJ_ERR_NOMEM;
        n->clause_breaks = b;
        n->clause_breaks_cap = cap;
    }
    n->clause_breaks[n->n_clause_breaks++] = n->len;
    return ZJ_OK;
}

/* Commas and colons end a clause but not a sentence: 不知道，你自己去问 is a
 * refusal followed by a new clause. ASCII ':' is left out (10:30). */
static bool is_clause_end_only(uint32_t cp)
{
    switch (cp) {
    case 0xFF0C: /* ， */
    case ',':
    case 0x3001: /* 、 */
    case 0xFF64: /* ､ */
    case 0xFF1A: /* ： */
        return true;
    default:
        return false;
    }
}

/* The engine's one list of sentence ends (quote.c stops a straight quote at
 * them too). ⋯ (U+22EF, a math symbol) is how Taiwan and Hong Kong write the
 * ellipsis …; the small and vertical presentation forms and ‼ ⁇ ⁈ ⁉ are the
 * marks they stand for. */
bool zj_is_sentence_end(uint32_t cp)
{
    switch (cp) {
    case 0x3002: /* 。 */
    case 0xFF0E: /* ． */
    case 0xFF61: /* ｡ */
    case 0xFF1F: /* ？ */
    case 0xFF01: /* ！ */
    case '?':
    case '!':
    case 0xFF1B: /* ； */
    case ';':
    case 0x2026: /* … */
    case 0x22EF: /* ⋯ */
    case 0x203C: /* ‼ */
    case 0x2047: /* ⁇ */
    case 0x2048: /* ⁈ */
    case 0x2049: /* ⁉ */
    case 0xFE12: /* ︒ */
    case 0xFE14: /* ︔ */
    case 0xFE15: /* ︕ */
    case 0xFE16: /* ︖ */
    case 0xFE19: /* ︙ */
    case 0xFE54: /* ﹔ */
    case 0xFE56: /* ﹖ */
    case 0xFE57: /* ﹗ */
    case '\n':
    case '\r':
    case 0x2028:
    case 0x2029:
        return true;
    default:
        return false;
    }
}

/* Variation selectors (U+FE00..FE0F, U+E0100..E01EF) only choose a glyph
 * (☺️ is ☺ + U+FE0F): combining marks by category, but no part of a word. */
static bool is_variation_selector(utf8proc_int32_t cp)
{
    return (cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0xE0100 && cp <= 0xE01EF);
}

/* Removed: punctuation, spaces, controls and format characters, and
 * symbols (Sm Sk So: ～ ~ ⋯ → ♪ emoji and their skin tones), which carry
 * no words — 我不知道～ and 有本事😡你去告 are 我不知道 and 有本事你去告.
 * Currency signs (Sc) stay: ￥50 is an amount. */
static bool is_removed_category(utf8proc_category_t c)
{
    switch (c) {
    case UTF8PROC_CATEGORY_SM:
    case UTF8PROC_CATEGORY_SK:
    case UTF8PROC_CATEGORY_SO:
    case UTF8PROC_CATEGORY_PC:
    case UTF8PROC_CATEGORY_PD:
    case UTF8PROC_CATEGORY_PS:
    case UTF8PROC_CATEGORY_PE:
    case UTF8PROC_CATEGORY_PI:
    case UTF8PROC_CATEGORY_PF:
    case UTF8PROC_CATEGORY_PO:
    case UTF8PROC_CATEGORY_ZS:
    case UTF8PROC_CATEGORY_ZL:
    case UTF8PROC_CATEGORY_ZP:
    case UTF8PROC_CATEGORY_CC:
    case UTF8PROC_CATEGORY_CF:
        return true;
    default:
        return false;
    }
}

static bool is_combining(uint32_t cp)
{
    /* ASCII and CJK ideographs, most of every transcript, are never marks. */
    if (cp < 0x300 || (cp >= 0x3400 && cp <= 0x9FFF))
        return false;
    utf8proc_category_t c = utf8proc_category((utf8proc_int32_t)cp);
    return c == UTF8PROC_CATEGORY_MN || c == UTF8PROC_CATEGORY_MC || c == UTF8PROC_CATEGORY_ME;
}

/* CJK unified and compatibility ideographs, all planes. */
static bool is_ideograph(uint32_t cp)
{
    return (cp >= 0x3400 && cp <= 0x9FFF) || (cp >= 0xF900 && cp <= 0xFAFF) ||
           (cp >= 0x20000 && cp <= 0x3FFFF);
}

static void emit(zj_norm *n, const char *bytes, size_t k, uint32_t first_cp, uint32_t end_cp)
{
    for (size_t i = 0; i < k; i++) {
        n->text[n->len] = bytes[i];
        n->orig_start[n->len] = first_cp;
        n->orig_end[n->len] = end_cp;
        n->len++;
    }
}

/* Map one unit (cps[0..count)) through utf8proc into out (up to out_cap
 * bytes); the number of bytes, or -1 (status in *st). */
static long map_unit_bytes(const uint32_t *cps, size_t count, char *out, size_t out_cap,
                           zj_status *st)
{
    utf8proc_int32_t buf[UNIT_MAX_CPS * 4];
    utf8proc_ssize_t used = 0;
    for (size_t i = 0; i < count; i++) {
        int boundclass = 0;
        utf8proc_ssize_t r = utf8proc_decompose_char(
            (utf8proc_int32_t)cps[i], buf + used,
            (utf8proc_ssize_t)(sizeof buf / sizeof *buf) - used,
            (utf8proc_option_t)((NORM_OPTIONS & ~UTF8PROC_COMPOSE) | UTF8PROC_DECOMPOSE),
            &boundclass);
        if (r < 0 || used + r > (utf8proc_ssize_t)(sizeof buf / sizeof *buf)) {
            *st = ZJ_ERR_LIMIT;
            return -1;
        }
        used += r;
    }
    used = utf8proc_normalize_utf32(buf, used, (utf8proc_option_t)NORM_OPTIONS);
    if (used < 0) {
        *st = ZJ_ERR_UTF8;
        return -1;
    }
    size_t k = 0;
    for (utf8proc_ssize_t i = 0; i < used; i++) {
        /* '*' stays: it is what masking (--redact) leaves of a digit or
         * letter, and a rule may need to see that a number was said there
         * (住**栋 is an address given). */
        if (buf[i] != '*' &&
            (is_removed_category(utf8proc_category(buf[i])) || is_variation_selector(buf[i])))
            continue;
        /* A mark NFKC left on an ideograph (急 + U+0301), or on what is
         * removed (a space, a comma, U+200B), is no part of a Chinese word,
         * only a way to hide one from the rules. */
        if (is_combining((uint32_t)buf[i]) &&
            (i == 0 /* its base was dropped (U+200B) */ || is_ideograph((uint32_t)buf[0]) ||
             (buf[0] != '*' && (is_removed_category(utf8proc_category(buf[0])) ||
                                is_variation_selector(buf[0])))))
            continue;
        /* Traditional -> Simplified after NFKC (a compatibility ideograph
         * first becomes the unified one, then converts). */
        const uint32_t *conv;
        size_t n_conv = zj_t2s((uint32_t)buf[i], &conv);
        uint32_t self = (uint32_t)buf[i];
        if (!n_conv) {
            conv = &self;
            n_conv = 1;
        }
        for (size_t c = 0; c < n_conv; c++) {
            if (k + 4 > out_cap) {
                *st = ZJ_ERR_LIMIT;
                return -1;
            }
            k += zj_utf8_encode(conv[c], out + k);
        }
    }
    return (long)k;
}

/* Map one unit through utf8proc and append what survives. */
static zj_status map_unit(zj_norm *n, const uint32_t *cps, size_t count, uint32_t first_cp)
{
    char out[UNIT_MAX_CPS * 4 * 4];
    zj_status st = ZJ_OK;
    long k = map_unit_bytes(cps, count, out, sizeof out, &st);
    if (k < 0)
        return st;
    if (zj_norm_reserve(n, (size_t)k) != ZJ_OK)
        return ZJ_ERR_NOMEM;
    emit(n, out, (size_t)k, first_cp, first_cp + (uint32_t)count);
    return ZJ_OK;
}

/* What a single code point of the Basic Multilingual Plane becomes when no
 * combining mark follows it: its NFKC + case-fold bytes minus removed
 * categories (at most 6, else BMP_LONG), and whether it is a mark itself or
 * ends a sentence. Computed once from utf8proc, so the table-driven path
 * gives exactly what the per-unit path gives. */
enum { BMP_COMBINING = 1, BMP_SENTENCE_END = 2, BMP_LONG = 4, BMP_CLAUSE_END = 8 };
typedef struct bmp_entry {
    unsigned char len, flags;
    char bytes[6];
} bmp_entry;
static bmp_entry bmp[0x10000];
static pthread_once_t bmp_once = PTHREAD_ONCE_INIT;
/* The ideographs U+4E00..U+9FFF that do not stay themselves (Traditional
 * ones converted by t2s): a run of ideographs is copied whole only up to the
 * first of them. A bitmap of the BMP as 64-bit rows, so that the test takes
 * the row from the first two bytes of the UTF-8 and the bit from the third,
 * without decoding. */
static uint64_t cjk_converts_rows[ZJ_BMP_ROWS];
static bool any_cjk_converts;

static void bmp_build(void)
{
    for (uint32_t cp = 0; cp < 0x10000; cp++) {
        bmp_entry *e = &bmp[cp];
        if (cp >= 0xD800 && cp <= 0xDFFF)
            continue; /* never decoded */
        e->flags = (unsigned char)((is_combining(cp) ? BMP_COMBINING : 0) |
                                   (zj_is_sentence_end(cp) ? BMP_SENTENCE_END : 0) |
                                   (is_clause_end_only(cp) ? BMP_CLAUSE_END : 0));
        char out[UNIT_MAX_CPS * 4 * 4];
        zj_status st = ZJ_OK;
        long k = map_unit_bytes(&cp, 1, out, sizeof out, &st);
        if (k < 0 || k > (long)sizeof e->bytes) {
            e->flags |= BMP_LONG;
            continue;
        }
        e->len = (unsigned char)k;
        memcpy(e->bytes, out, (size_t)k);
        if (cp >= 0x4E00 && cp <= 0x9FFF) {
            char self[4];
            if (k != (long)zj_utf8_encode(cp, self) || memcmp(out, self, (size_t)k) != 0) {
                cjk_converts_rows[cp >> 6] |= (uint64_t)1 << (cp & 63);
                any_cjk_converts = true;
            }
        }
    }
}

/* Whether the three-byte character at q has its bit in rows: row
 * cp >> 6 is (lead & 0x0F) << 6 | (second & 0x3F), bit cp & 63 the third's. */
static inline bool watched(const uint64_t *rows, const unsigned char *q)
{
    return (rows[(q[0] & 0x0Fu) << 6 | (q[1] & 0x3Fu)] >> (q[2] & 0x3F)) & 1;
}

/* Whether the ideograph encoded at q converts. */
static inline bool cjk_converts(const unsigned char *q)
{
    return watched(cjk_converts_rows, q);
}

void zj_norm_converting_rows(uint64_t out[ZJ_BMP_ROWS])
{
    pthread_once(&bmp_once, bmp_build);
    memcpy(out, cjk_converts_rows, sizeof cjk_converts_rows);
}

enum norm_mode { NORM_SLOW, NORM_FAST, NORM_FAST_UNMAPPED };

/* Records the watched three-byte characters of the output n->text[from..to). */
static zj_status watch_output(zj_norm *n, size_t from, size_t to, const uint64_t *watch)
{
    const unsigned char *t = (const unsigned char *)n->text;
    for (size_t b = from; b < to;) {
        unsigned char c = t[b];
        size_t k = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        if (k == 3 && b + 3 <= to && watched(watch, t + b) && add_watched(n, b) != ZJ_OK)
            return ZJ_ERR_NOMEM;
        b += k;
    }
    return ZJ_OK;
}

/* Three bytes encoding U+4E00..U+9FFF (E4 B8 80 .. E9 BF BF). */
static inline bool is_cjk_ideograph(const unsigned char *p)
{
    return p[0] >= 0xE4 && p[0] <= 0xE9 && (p[0] != 0xE4 || p[1] >= 0xB8) &&
           (p[1] & 0xC0) == 0x80 && (p[2] & 0xC0) == 0x80;
}

#ifdef __SSE2__

/* Whether the 15 bytes at p (16 readable) are five CJK ideographs: leads
 * E4..E9 at offsets 0, 3, 6, 9, 12 (after E4 the second byte is B8 or more),
 * continuation bytes at the others. Checks five at once what
 * is_cjk_ideograph checks one at a time. */
static inline bool five_cjk_ideographs(const unsigned char *p)
{
    enum { LEADS = 0x1249, CONTS = 0x6DB6 };
    __m128i b = _mm_loadu_si128((const __m128i *)p);
    int leads = _mm_movemask_epi8(zj_sse_in_range(b, 0xE4, 0xE9));
    int conts = _mm_movemask_epi8(zj_sse_in_range(b, 0x80, 0xBF));
    __m128i after_e4 = _mm_slli_si128(_mm_cmpeq_epi8(b, _mm_set1_epi8((char)0xE4)), 1);
    int low_after_e4 =
        _mm_movemask_epi8(_mm_andnot_si128(zj_sse_in_range(b, 0xB8, 0xBF), after_e4));
    return (leads & LEADS) == LEADS && (conts & CONTS) == CONTS && !low_after_e4;
}
#endif

/* zj_utf8_decode with the three-byte sequences that cannot be overlong or
 * surrogates (lead E1..EF but ED: nearly all Chinese text) decoded inline. */
static inline size_t decode_at(const unsigned char *p, size_t n, uint32_t *cp)
{
    unsigned char c = p[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xE1 && c <= 0xEF && c != 0xED && n >= 3 && (p[1] & 0xC0) == 0x80 &&
        (p[2] & 0xC0) == 0x80) {
        *cp = (uint32_t)(c & 0x0F) << 12 | (uint32_t)(p[1] & 0x3F) << 6 | (p[2] & 0x3F);
        return 3;
    }
    return zj_utf8_decode(p, n, cp);
}

/* watch: a bitmap (rows) of the BMP holding the converting ideographs and
 * others to notice (a rule set's fillers' first characters), or NULL for the
 * converting ones alone. A watched ideograph that does not convert sets
 * n->saw_watch; so does any other character of 3 bytes or more that the runs
 * do not copy (it may convert into a watched one). */
static inline zj_status normalize(zj_norm *n, const char *text, size_t len, enum norm_mode mode,
                                  const uint64_t *watch)
{
    const bool fast = mode != NORM_SLOW, mapped = mode != NORM_FAST_UNMAPPED;
    if (fast)
        pthread_once(&bmp_once, bmp_build);
    n->len = 0;
    n->n_breaks = 0;
    n->n_gaps = 0;
    n->saw_watch = false;
    n->n_watched = 0;
    n->watched_valid = watch != NULL;
    n->n_clause_breaks = 0;
    n->orig_cps = 0;
    const bool gaps = n->want_gaps;
    n->mapped = mapped;
    /* Room for the common case; units that expand reserve more. */
    if (zj_norm_reserve(n, len + 8) != ZJ_OK)
        return ZJ_ERR_NOMEM;
    const unsigned char *p = (const unsigned char *)text;
    size_t i = 0;
    uint32_t cp_index = 0;
    uint32_t cp = 0;
    size_t k = 0;
    if (len) {
        k = decode_at(p, len, &cp);
        if (!k)
            return ZJ_ERR_UTF8;
    }
    while (i < len) {
        if (fast && cp >= 0x4E00 && cp <= 0x9FFF) {
            /* A run of CJK Unified Ideographs: stable under NFKC and case
             * folding, never marks, never sentence ends; copied whole unless
             * a mark follows its last one. */
            size_t r = i + 3;
#ifdef __SSE2__
            while (r + 16 <= len && five_cjk_ideographs(p + r))
                r += 15;
#endif
            while (r + 3 <= len && is_cjk_ideograph(p + r))
                r += 3;
            if (watch) {
                for (size_t q = i; q < r; q += 3)
                    if (watched(watch, p + q)) {
                        if (cjk_converts(p + q)) {
                            r = q;
                            break;
                        }
                        n->saw_watch = true;
                        if (add_watched(n, n->len + (q - i)) != ZJ_OK)
                            return ZJ_ERR_NOMEM;
                    }
            } else if (any_cjk_converts) {
                for (size_t q = i; q < r; q += 3)
                    if (cjk_converts(p + q)) {
                        r = q;
                        break;
                    }
            }
            uint32_t after;
            if (r < len && p[r] >= 0xCC && decode_at(p + r, len - r, &after) &&
                (after < 0x10000 ? (bmp[after].flags & BMP_COMBINING) : is_combining(after)))
                r -= 3;
            if (r > i) {
                size_t bytes = r - i;
                /* Units before may have expanded (U+FDFA is 18 code points). */
                if (zj_norm_reserve(n, bytes + 8) != ZJ_OK)
                    return ZJ_ERR_NOMEM;
                memcpy(n->text + n->len, p + i, bytes);
                if (mapped)
                    for (size_t b = 0; b < bytes; b++) {
                        n->orig_start[n->len + b] = cp_index + (uint32_t)(b / 3);
                        n->orig_end[n->len + b] = cp_index + (uint32_t)(b / 3) + 1;
                    }
                n->len += bytes;
                cp_index += (uint32_t)(bytes / 3);
                i = r;
                if (i < len && !(k = decode_at(p + i, len - i, &cp)))
                    return ZJ_ERR_UTF8;
                continue;
            }
        }
        size_t j = i + k;
        uint32_t next = 0;
        size_t next_k = 0;
        if (j < len) {
            next_k = decode_at(p + j, len - j, &next);
            if (!next_k)
                return ZJ_ERR_UTF8;
        }
        bool next_is_mark = next_k && (next < 0x10000 && fast ? (bmp[next].flags & BMP_COMBINING)
                                                              : is_combining(next));
        if (fast && cp < 0x10000 && !next_is_mark && !(bmp[cp].flags & BMP_LONG)) {
            const bmp_entry *e = &bmp[cp];
            if ((e->flags & (BMP_SENTENCE_END | BMP_CLAUSE_END)) &&
                (((e->flags & BMP_SENTENCE_END) && add_break(n) != ZJ_OK) ||
                 add_clause_break(n) != ZJ_OK))
                return ZJ_ERR_NOMEM;
            if (n->len + 8 > n->cap && zj_norm_reserve(n, 8) != ZJ_OK)
                return ZJ_ERR_NOMEM;
            memcpy(n->text + n->len, e->bytes, sizeof e->bytes);
            if (gaps && e->len == 0 && add_gap(n) != ZJ_OK)
                return ZJ_ERR_NOMEM;
            if (e->len >= 3) {
                n->saw_watch = true;
                if (watch && watch_output(n, n->len, n->len + e->len, watch) != ZJ_OK)
                    return ZJ_ERR_NOMEM;
            }
            if (mapped)
                for (unsigned b = 0; b < e->len; b++) {
                    n->orig_start[n->len + b] = cp_index;
                    n->orig_end[n->len + b] = cp_index + 1;
                }
            n->len += e->len;
            cp_index++;
            i = j;
            cp = next;
            k = next_k;
            continue;
        }
        /* Gather the unit: cp plus following combining marks. */
        uint32_t unit[UNIT_MAX_CPS];
        size_t count = 0;
        unit[count++] = cp;
        while (j < len) {
            if (!next_k) {
                next_k = decode_at(p + j, len - j, &next);
                if (!next_k)
                    return ZJ_ERR_UTF8;
            }
            if (!is_combining(next) || count == UNIT_MAX_CPS)
                break;
            unit[count++] = next;
            j += next_k;
            next_k = 0;
        }
        bool sentence_end = zj_is_sentence_end(unit[0]);
        if (sentence_end && add_break(n) != ZJ_OK)
            return ZJ_ERR_NOMEM;
        if ((sentence_end || is_clause_end_only(unit[0])) && add_clause_break(n) != ZJ_OK)
            return ZJ_ERR_NOMEM;
        size_t before = n->len;
        zj_status st = map_unit(n, unit, count, cp_index);
        if (st != ZJ_OK)
            return st;
        if (gaps && n->len == before && add_gap(n) != ZJ_OK)
            return ZJ_ERR_NOMEM;
        if (n->len > before) {
            n->saw_watch = true;
            if (watch && (st = watch_output(n, before, n->len, watch)) != ZJ_OK)
                return st;
        }
        cp_index += (uint32_t)count;
        i = j;
        cp = next;
        k = next_k;
    }
    n->orig_cps = cp_index;
    n->text[n->len] = '\0';
    return ZJ_OK;
}

zj_status zj_norm_text(zj_norm *n, const char *text, size_t len)
{
    return normalize(n, text, len, NORM_FAST, NULL);
}

zj_status zj_norm_text_watch(zj_norm *n, const char *text, size_t len, bool mapped,
                             const uint64_t *watch)
{
    return normalize(n, text, len, mapped ? NORM_FAST : NORM_FAST_UNMAPPED, watch);
}

zj_status zj_norm_text_unmapped(zj_norm *n, const char *text, size_t len)
{
    return normalize(n, text, len, NORM_FAST_UNMAPPED, NULL);
}

zj_status zj_norm_text_slow(zj_norm *n, const char *text, size_t len)
{
    return normalize(n, text, len, NORM_SLOW, NULL);
}

zj_status zj_norm_literal(const char *text, size_t len, char **out, size_t *out_len)
{
    zj_norm n;
    zj_norm_init(&n);
    zj_status st = zj_norm_text(&n, text, len);
    if (st != ZJ_OK) {
        zj_norm_free(&n);
        return st;
    }
    *out = n.text ? n.text : strdup("");
    *out_len = n.len;
    n.text = NULL;
    zj_norm_free(&n);
    return *out ? ZJ_OK : ZJ_ERR_NOMEM;
}
