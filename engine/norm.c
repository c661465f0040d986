/* norm.c — per-turn normalization (NFKC + case fold, whitespace and
 * punctuation removed) with a map from every normalized byte back to the
 * original code points it came from, and the sentence ends.
 *
 * The text is processed unit by unit, a unit being a code point followed by
 * its combining marks (Mn, Mc, Me), so that composition (e + U+0301 -> é)
 * happens inside a unit and every output byte maps to exactly one unit.
 * Composition across units (e.g. conjoining Hangul jamo L+V+T written as
 * separate code points) does not happen; such text is rare in transcripts and
 * rules are normalized the same way, so matching stays consistent. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#define NORM_OPTIONS (UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD)

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
    zj_norm_init(n);
}

static zj_status reserve(zj_norm *n, size_t extra)
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

static bool is_sentence_end(uint32_t cp)
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
    case '\n':
    case '\r':
    case 0x2028:
    case 0x2029:
        return true;
    default:
        return false;
    }
}

static bool is_removed_category(utf8proc_category_t c)
{
    switch (c) {
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

/* ASCII under NFKC + case fold: letters fold to lower case, the rest is
 * unchanged; 1 keeps the byte, 0 drops it (punctuation, space, control). */
static const unsigned char ascii_keep[128] = {
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1,
    ['8'] = 1, ['9'] = 1, ['$'] = 1, ['+'] = 1, ['<'] = 1, ['='] = 1, ['>'] = 1, ['^'] = 1,
    ['`'] = 1, ['|'] = 1, ['~'] = 1, ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1,
    ['f'] = 1, ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1,
    ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1,
    ['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1, ['A'] = 1, ['B'] = 1, ['C'] = 1,
    ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1,
    ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1, ['S'] = 1,
    ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1, ['Y'] = 1, ['Z'] = 1,
};

static void emit(zj_norm *n, const char *bytes, size_t k, uint32_t first_cp, uint32_t end_cp)
{
    for (size_t i = 0; i < k; i++) {
        n->text[n->len] = bytes[i];
        n->orig_start[n->len] = first_cp;
        n->orig_end[n->len] = end_cp;
        n->len++;
    }
}

/* Map one unit (cps[0..count)) through utf8proc and append what survives. */
static zj_status map_unit(zj_norm *n, const uint32_t *cps, size_t count, uint32_t first_cp)
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
        if (r < 0 || used + r > (utf8proc_ssize_t)(sizeof buf / sizeof *buf))
            return ZJ_ERR_LIMIT;
        used += r;
    }
    used = utf8proc_normalize_utf32(buf, used, (utf8proc_option_t)NORM_OPTIONS);
    if (used < 0)
        return ZJ_ERR_UTF8;
    if (reserve(n, (size_t)used * 4) != ZJ_OK)
        return ZJ_ERR_NOMEM;
    uint32_t end_cp = first_cp + (uint32_t)count;
    for (utf8proc_ssize_t i = 0; i < used; i++) {
        if (is_removed_category(utf8proc_category(buf[i])))
            continue;
        char enc[4];
        size_t k = zj_utf8_encode((uint32_t)buf[i], enc);
        emit(n, enc, k, first_cp, end_cp);
    }
    return ZJ_OK;
}

static zj_status normalize(zj_norm *n, const char *text, size_t len, bool fast)
{
    n->len = 0;
    n->n_breaks = 0;
    n->orig_cps = 0;
    if (reserve(n, len) != ZJ_OK)
        return ZJ_ERR_NOMEM;
    const unsigned char *p = (const unsigned char *)text;
    size_t i = 0;
    uint32_t cp_index = 0;
    uint32_t cp = 0;
    size_t k = 0;
    if (len) {
        k = zj_utf8_decode(p, len, &cp);
        if (!k)
            return ZJ_ERR_UTF8;
    }
    while (i < len) {
        /* Gather the unit: cp plus following combining marks. */
        uint32_t unit[UNIT_MAX_CPS];
        size_t count = 0;
        unit[count++] = cp;
        size_t j = i + k;
        uint32_t next = 0;
        size_t next_k = 0;
        while (j < len) {
            next_k = zj_utf8_decode(p + j, len - j, &next);
            if (!next_k)
                return ZJ_ERR_UTF8;
            if (!is_combining(next) || count == UNIT_MAX_CPS)
                break;
            unit[count++] = next;
            j += next_k;
            next_k = 0;
        }
        uint32_t first = unit[0];
        if (is_sentence_end(first) && add_break(n) != ZJ_OK)
            return ZJ_ERR_NOMEM;
        if (reserve(n, 8) != ZJ_OK)
            return ZJ_ERR_NOMEM;
        if (fast && count == 1 && first < 0x80) {
            if (ascii_keep[first]) {
                char c = (char)(first >= 'A' && first <= 'Z' ? first + 32 : first);
                emit(n, &c, 1, cp_index, cp_index + 1);
            }
        } else if (fast && count == 1 && first >= 0x4E00 && first <= 0x9FFF) {
            /* CJK Unified Ideographs are stable under NFKC and case folding. */
            emit(n, (const char *)p + i, k, cp_index, cp_index + 1);
        } else {
            zj_status st = map_unit(n, unit, count, cp_index);
            if (st != ZJ_OK)
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
    return normalize(n, text, len, true);
}

zj_status zj_norm_text_slow(zj_norm *n, const char *text, size_t len)
{
    return normalize(n, text, len, false);
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
