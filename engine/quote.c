/* quote.c — where a turn quotes or reports someone else's words: inside
 * quotation marks (“” 「」 『』 "" ＂＂), and after a reporting verb whose
 * subject is another person (quote_report.c). A forbidden expression there
 * is not the agent's own and is reported as an observation (quoted) instead
 * of being scored.
 *
 * The scorer asks only for turns holding a forbidden hit, so a call without
 * one never pays for this. Regions are in code points of the original text. */
#include "internal.h"

#include <stdlib.h>

zj_status zj_spans_push(zj_spans *out, uint32_t start, uint32_t end)
{
    if (end <= start)
        return ZJ_OK;
    if (out->n == out->cap) {
        size_t cap = out->cap ? out->cap * 2 : 8;
        zj_span *v = realloc(out->v, cap * sizeof *v);
        if (!v)
            return ZJ_ERR_NOMEM;
        out->v = v;
        out->cap = cap;
    }
    out->v[out->n++] = (zj_span){start, end};
    return ZJ_OK;
}

/* The closing mark of an opening one, 0 if cp opens nothing. ASCII and
 * full-width straight quotes close themselves. */
static uint32_t closer_of(uint32_t cp)
{
    switch (cp) {
    case 0x201C: /* “ */
        return 0x201D;
    case 0x300C: /* 「 */
        return 0x300D;
    case 0x300E: /* 『 */
        return 0x300F;
    case 0x300A: /* 《 — titles are not speech, but nothing in one is the agent's own words */
        return 0x300B;
    case '"':
        return '"';
    case 0xFF02: /* ＂ */
        return 0xFF02;
    default:
        return 0;
    }
}

/* Index of a curly or corner closing mark (” 」 』), -1 for any other. */
static int curly_closer(uint32_t cp)
{
    return cp == 0x201D ? 0 : cp == 0x300D ? 1 : cp == 0x300F ? 2 : -1;
}

/* Quotation marks in the original text. A curly or corner quote closed
 * later in the turn quotes everything up to its closing mark, several
 * sentences included. One never closed (a stray mark, an ASR artefact), a
 * straight quote and 《 stop at the end of their sentence: a stray mark must
 * not silence the rest of the turn. Marks inside an open quotation are part
 * of it, but the same opening mark again means the first one was stray. */
static zj_status quote_marks(const char *text, size_t len, zj_spans *out)
{
    const unsigned char *p = (const unsigned char *)text;
    /* Code point index + 1 of the last ” 」 』 (0: none), so that an opening
     * mark knows at once whether it is ever closed. */
    uint32_t last_close[3] = {0, 0, 0}, cp_index = 0, cp;
    for (size_t i = 0; i < len; cp_index++) {
        size_t k = zj_utf8_decode(p + i, len - i, &cp);
        if (!k)
            return ZJ_ERR_UTF8;
        int c = curly_closer(cp);
        if (c >= 0)
            last_close[c] = cp_index + 1;
        i += k;
    }
    uint32_t open_at = 0, opener = 0, want = 0, first_end = UINT32_MAX;
    bool to_sentence_end = false; /* the open mark stops at its sentence end */
    cp_index = 0;
    for (size_t i = 0; i < len; cp_index++) {
        size_t k = zj_utf8_decode(p + i, len - i, &cp);
        i += k;
        if (want && cp == want) {
            if (zj_spans_push(out, open_at + 1, cp_index) != ZJ_OK)
                return ZJ_ERR_NOMEM;
            want = 0;
            continue;
        }
        if (want && cp == opener && curly_closer(want) >= 0) {
            /* “…“…”: the first mark was never closed, so it ends at its
             * sentence end (or here); the second opens the quotation. */
            uint32_t end = first_end < cp_index ? first_end : cp_index;
            if (zj_spans_push(out, open_at + 1, end) != ZJ_OK)
                return ZJ_ERR_NOMEM;
            want = 0;
        }
        if (want) {
            if (zj_is_sentence_end(cp)) {
                if (to_sentence_end) {
                    if (zj_spans_push(out, open_at + 1, cp_index) != ZJ_OK)
                        return ZJ_ERR_NOMEM;
                    want = 0;
                } else if (first_end == UINT32_MAX) {
                    first_end = cp_index;
                }
            }
        } else if ((want = closer_of(cp)) != 0) {
            int c = curly_closer(want);
            open_at = cp_index;
            opener = cp;
            first_end = UINT32_MAX;
            to_sentence_end = c < 0 || last_close[c] <= cp_index;
        }
    }
    if (want && zj_spans_push(out, open_at + 1, cp_index) != ZJ_OK)
        return ZJ_ERR_NOMEM;
    return ZJ_OK;
}

zj_status zj_quote_regions(const char *text, size_t len, const zj_norm *norm, zj_spans *out,
                           uint32_t **scratch, size_t *scratch_cap)
{
    out->n = 0;
    zj_status st = quote_marks(text, len, out);
    if (st == ZJ_OK && norm->mapped)
        st = zj_reported_speech(norm, out, scratch, scratch_cap);
    return st;
}

bool zj_spans_cover(const zj_spans *regions, uint32_t start, uint32_t end)
{
    for (size_t i = 0; i < regions->n; i++)
        if (regions->v[i].start <= start && end <= regions->v[i].end)
            return true;
    return false;
}

bool zj_spans_overlap(const zj_spans *regions, uint32_t start, uint32_t end)
{
    for (size_t i = 0; i < regions->n; i++)
        if (regions->v[i].start < end && start < regions->v[i].end)
            return true;
    return false;
}
