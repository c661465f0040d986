/* ingest_text.c — plain text, one utterance per line with a speaker prefix
 * ("坐席：", "客户:", "[SPEAKER_00]:", "发音人1：", "左声道：", full- or half-width
 * colon) and an optional time before it: "[00:01:02] 坐席：…" or "[01:02.500]".
 * Lines end in LF, CRLF or a lone CR. One file is one call. */
#include "internal.h"

#include <stdio.h>
#include <string.h>

/* "[hh:mm:ss]" / "[mm:ss.mmm]" at s: its length (spaces after it included)
 * and the time, 0 when there is none. */
static size_t time_prefix(const char *s, size_t n, int64_t *ms)
{
    if (n < 5 || s[0] != '[')
        return 0;
    const char *close = memchr(s, ']', n < 20 ? n : 20);
    if (!close || !zj_ing_clock(s + 1, (size_t)(close - s - 1), ms))
        return 0;
    size_t k = (size_t)(close - s) + 1;
    while (k < n && (s[k] == ' ' || s[k] == '\t'))
        k++;
    return k;
}

/* "[...]" of digits, colons, dots and commas at s, valid or not: its length
 * (spaces after it included), 0 when there is none. A broken time is the
 * parser's to report with its line, not a speaker called "12:3x". */
static size_t clock_bracket(const char *s, size_t n)
{
    const char *close = n > 2 && s[0] == '[' ? memchr(s, ']', n < 24 ? n : 24) : NULL;
    if (!close || close == s + 1)
        return 0;
    for (const char *q = s + 1; q < close; q++)
        if (!((*q >= '0' && *q <= '9') || *q == ':' || *q == '.' || *q == ','))
            return 0;
    size_t k = (size_t)(close - s) + 1;
    while (k < n && (s[k] == ' ' || s[k] == '\t'))
        k++;
    return k;
}

/* The end of the line at p (before end): its first '\n' or '\r'. Lines end
 * in LF, CRLF or a lone CR (old Mac exports), as in CSV: read by '\n' only, a
 * CR-only file would be one turn of the first speaker. *next is where the
 * following line starts. */
static const char *line_end(const char *p, const char *end, const char **next)
{
    const char *q = p;
    while (q < end && *q != '\n' && *q != '\r')
        q++;
    *next = q < end ? q + (*q == '\r' && q + 1 < end && q[1] == '\n' ? 2 : 1) : end;
    return q;
}

static int detect(const char *s, size_t n, const char *path)
{
    size_t lines = 0, prefixed = 0;
    const char *p = s, *end = s + n;
    while (p < end && lines < 200) {
        const char *next, *le = line_end(p, end, &next);
        size_t len = (size_t)(le - p);
        while (len && p[len - 1] == ' ')
            len--;
        if (len) {
            lines++;
            int64_t ms;
            size_t t = time_prefix(p, len, &ms);
            if (!t)
                t = clock_bracket(p, len);
            zj_party who;
            prefixed += zj_ing_speaker_prefix(p + t, len - t, &who) > 0;
        }
        p = next;
    }
    /* Most lines start with a speaker; the others are reported by parse. */
    if (prefixed == 0 || prefixed * 2 <= lines)
        return 0;
    return 70;
}

static void parse(const char *content, size_t len, zj_ingest_out *out)
{
    const char *src = out->source;
    zj_error e;
    zj_error_clear(&e);
    zj_call *c = zj_ing_call_new(out->default_id, src, 0);
    if (!c)
        goto nomem;
    const char *p = content, *end = content + len;
    long line = 0;
    while (p < end) {
        const char *next, *le = line_end(p, end, &next);
        line++;
        size_t n = (size_t)(le - p);
        while (n && p[n - 1] == ' ')
            n--;
        if (n) {
            int64_t start = -1;
            size_t t = time_prefix(p, n, &start);
            if (!t && clock_bracket(p, n)) {
                const char *close = memchr(p, ']', n);
                zj_error_set(&e, ZJ_ERR_PARSE, src, line, 0,
                             "broken time '%.*s' (expected [hh:mm:ss] or [mm:ss.mmm], at most "
                             "[277777:46:40])",
                             (int)(close - p + 1), p);
                goto fail;
            }
            zj_party who;
            size_t k = zj_ing_speaker_prefix(p + t, n - t, &who);
            if (!k) {
                zj_error_set(&e, ZJ_ERR_PARSE, src, line, 0,
                             "no speaker before the text (expected 坐席：, 客户：, "
                             "[SPEAKER_00]: or 发音人1： at the start of the line)");
                goto fail;
            }
            if (!zj_ing_add_turn(c, p + t + k, n - t - k, start, -1, &who))
                goto nomem;
        }
        p = next;
    }
    zj_ingest_push_call(out, c);
    return;
nomem:
    zj_error_set(&e, ZJ_ERR_NOMEM, src, 0, 0, "out of memory");
fail:
    zj_call_free(c);
    zj_ingest_push_error(out, &e);
}

const zj_ingest_ops zj_ingest_text = {
    .name = "text",
    .description = "plain text, one utterance per line: [hh:mm:ss] 坐席：… / 客户：… / "
                   "[SPEAKER_00]: …",
    .extensions = ".txt",
    .detect = detect,
    .parse = parse,
};
