/* non_speech.c — a rule set's non-speech tags (`non_speech: [笑声, 噪音, …]`):
 * what speech recognition and transcribers write for a sound that is not
 * words — [笑声], 【噪音】, （咳嗽）, [laughter], and SenseVoice's <|Laughter|>.
 * Read as words, a tag joins the clause it ends (不知道啊[笑声] is no longer a
 * sentence-final refusal) and a clause model scores 笑声 as speech. A tag
 * is read as a clause end instead: a comma, the rest of it removed.
 *
 * The turn is copied with each tag's code points replaced one by one — a
 * comma for the first, spaces for the rest — and that copy is normalized. A
 * code point for a code point, so the normalized text's map to the original
 * code points holds for the turn as written, and a finding's span and words
 * are the original's.
 *
 * A tag is a listed word, compared as rule literals are (Traditional forms
 * with OpenCC, full-width letters and case read alike: [笑聲], [Laughter]),
 * inside one pair of brackets: [] ［］ 【】 〔〕 〖〗 () （） <> ＜＞ {}. A word
 * that is not listed stays speech ([A座] is an address). <|…|> of up to 32
 * ASCII letters, digits, '_' and '-' is always a tag: those tokens (language,
 * emotion, event) are never speech.
 *
 * A tag is no punctuation of the writer's: whether a turn was written with
 * punctuation, which decides whether `clause_starts` cut it, is judged with
 * its tags read as spaces (zj_norm_turn). A turn of nothing but tags (and
 * fillers) is no utterance (score.c), and the speech rate does not count
 * tags (metrics.c): both read the turn through zj_norm_text_speech or the
 * spaced copy. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

/* The longest bracketed text looked at, in code points; a listed word
 * longer than that is refused at load (it could never be found). */
#define TAG_MAX_CPS 48

struct zj_non_speech {
    char **words; /* normalized */
    size_t *lens;
    size_t n;
};

void zj_non_speech_free(zj_non_speech *ns)
{
    if (!ns)
        return;
    for (size_t i = 0; i < ns->n; i++)
        free(ns->words[i]);
    free(ns->words);
    free(ns->lens);
    free(ns);
}

zj_non_speech *zj_non_speech_new(const char *const *words, const size_t *lens, size_t n,
                                 size_t *bad, const char **why)
{
    *bad = SIZE_MAX;
    *why = NULL;
    zj_non_speech *ns = calloc(1, sizeof *ns);
    if (!ns || !(ns->words = calloc(n, sizeof *ns->words)) ||
        !(ns->lens = calloc(n, sizeof *ns->lens))) {
        zj_non_speech_free(ns);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        if (zj_norm_literal(words[i], lens[i], &ns->words[ns->n], &ns->lens[ns->n]) != ZJ_OK) {
            zj_non_speech_free(ns);
            return NULL;
        }
        size_t len = ns->lens[ns->n++];
        if (len == 0 || zj_utf8_count(words[i], lens[i]) > TAG_MAX_CPS) {
            *bad = i;
            *why = len == 0 ? "is empty after normalization (whitespace and punctuation are "
                              "removed)"
                            : "is longer than 48 characters: a tag that long is not looked for";
            zj_non_speech_free(ns);
            return NULL;
        }
    }
    return ns;
}

/* The closing bracket of the opening bracket cp, or 0 when cp opens none. */
static uint32_t closing_bracket(uint32_t cp)
{
    switch (cp) {
    case '[':
        return ']';
    case '(':
        return ')';
    case '<':
        return '>';
    case '{':
        return '}';
    case 0xFF3B: /* ［ */
        return 0xFF3D;
    case 0x3010: /* 【 */
        return 0x3011;
    case 0x3014: /* 〔 */
        return 0x3015;
    case 0x3016: /* 〖 */
        return 0x3017;
    case 0xFF08: /* （ */
        return 0xFF09;
    case 0xFF1C: /* ＜ */
        return 0xFF1E;
    default:
        return 0;
    }
}

static bool is_token_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-';
}

/* <|token|> at text[at..len): its length in bytes, or 0. */
static size_t token_tag(const char *text, size_t len, size_t at)
{
    if (len - at < 5 || text[at] != '<' || text[at + 1] != '|')
        return 0;
    size_t i = at + 2;
    while (i < len && i - at < 2 + 32 && is_token_byte((unsigned char)text[i]))
        i++;
    if (i == at + 2 || len - i < 2 || text[i] != '|' || text[i + 1] != '>')
        return 0;
    return i + 2 - at;
}

/* Whether text[a..b), normalized as a rule literal, is one of the words.
 * *st is set on out of memory. */
static bool listed(const zj_non_speech *ns, const char *text, size_t a, size_t b, zj_status *st)
{
    char *norm;
    size_t len;
    if ((*st = zj_norm_literal(text + a, b - a, &norm, &len)) != ZJ_OK)
        return false;
    bool found = false;
    for (size_t i = 0; !found && i < ns->n; i++)
        found = ns->lens[i] == len && memcmp(ns->words[i], norm, len) == 0;
    free(norm);
    return found;
}

/* A bracketed listed word at text[at..len): its length in bytes, or 0. */
static size_t word_tag(const zj_non_speech *ns, const char *text, size_t len, size_t at,
                       zj_status *st)
{
    uint32_t open, cp;
    size_t k = zj_utf8_decode((const unsigned char *)text + at, len - at, &open);
    uint32_t close = k ? closing_bracket(open) : 0;
    if (!close)
        return 0;
    size_t inner = at + k;
    for (size_t i = inner, cps = 0; i < len && cps <= TAG_MAX_CPS; i += k, cps++) {
        k = zj_utf8_decode((const unsigned char *)text + i, len - i, &cp);
        if (!k || closing_bracket(cp) || cp == '\n')
            return 0;
        if (cp == close)
            return i > inner && listed(ns, text, inner, i, st) ? i + k - at : 0;
    }
    return 0;
}

/* Writes a tag's n_cps code points as lead (a comma or a space) and spaces. */
static char *blank(char *out, size_t n_cps, char lead)
{
    *out++ = lead;
    memset(out, ' ', n_cps - 1);
    return out + n_cps - 1;
}

/* Whether p (n bytes left, lead byte 0xE3 or 0xEF) is a CJK opening
 * bracket: 【 〔 〖 (E3 80 90/94/96) or （ ［ ＜ (EF BC 88/BB/9C). The same
 * lead bytes start 。 and ，, so the bytes after them decide. */
static bool cjk_opening(const unsigned char *p, size_t n)
{
    if (n < 3)
        return false;
    if (p[0] == 0xE3)
        return p[1] == 0x80 && (p[2] == 0x90 || p[2] == 0x94 || p[2] == 0x96);
    return p[1] == 0xBC && (p[2] == 0x88 || p[2] == 0xBB || p[2] == 0x9C);
}

/* The offset of the first opening bracket in text[from..len), or len. Most
 * turns hold none: a memchr (vectorized) per ASCII bracket and per CJK lead
 * byte costs less than looking at every byte. */
static size_t next_opening(const char *text, size_t from, size_t len)
{
    size_t best = len;
    for (const char *c = "[(<{"; *c; c++) {
        const char *p = memchr(text + from, *c, best - from);
        if (p)
            best = (size_t)(p - text);
    }
    static const unsigned char leads[] = {0xE3, 0xEF};
    for (size_t i = 0; i < sizeof leads; i++) {
        for (size_t q = from; q < best;) {
            const char *p = memchr(text + q, leads[i], best - q);
            if (!p)
                break;
            q = (size_t)(p - text);
            if (cjk_opening((const unsigned char *)p, len - q)) {
                best = q;
                break;
            }
            q++;
        }
    }
    return best;
}

zj_status zj_non_speech_blank(const zj_non_speech *ns, const char *text, size_t len, char lead,
                              char **out, size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    char *copy = NULL, *w = NULL;
    size_t copied = 0; /* text[0..copied) is in copy */
    zj_status st = ZJ_OK;
    for (size_t at = next_opening(text, 0, len); at < len && st == ZJ_OK;
         at = next_opening(text, at + 1, len)) {
        size_t tag = token_tag(text, len, at);
        if (!tag)
            tag = word_tag(ns, text, len, at, &st);
        if (!tag)
            continue;
        if (!copy) { /* a blanked turn is never longer than the turn */
            if (!(copy = malloc(len + 1)))
                return ZJ_ERR_NOMEM;
            w = copy;
        }
        memcpy(w, text + copied, at - copied);
        w = blank(w + (at - copied), zj_utf8_count(text + at, tag), lead);
        copied = at + tag;
        at += tag - 1;
    }
    if (st != ZJ_OK || !copy) {
        free(copy);
        return st;
    }
    memcpy(w, text + copied, len - copied);
    w += len - copied;
    *w = '\0';
    *out = copy;
    *out_len = (size_t)(w - copy);
    return ZJ_OK;
}

zj_status zj_norm_text_speech(zj_norm *n, const char *text, size_t len, const zj_non_speech *ns)
{
    char *spaced = NULL;
    size_t spaced_len = 0;
    zj_status st = ns ? zj_non_speech_blank(ns, text, len, ' ', &spaced, &spaced_len) : ZJ_OK;
    if (st == ZJ_OK)
        st = spaced ? zj_norm_text_unmapped(n, spaced, spaced_len)
                    : zj_norm_text_unmapped(n, text, len);
    free(spaced);
    return st;
}
