/* ingest_srt.c — SubRip subtitles (.srt): numbered cues, a time line
 * "00:00:01,000 --> 00:00:03,500", then the text; the speaker is a prefix of
 * the text ("坐席：", "客户:", "[SPEAKER_00]:", "发音人1：", "左声道："). One file is
 * one call. A cue number and time line that follow a cue's text without the
 * blank line start the next cue, as ffmpeg's SubRip demuxer reads them; a
 * time line alone inside the text is an error: merged, another speaker's
 * words would be scored as this one's. For the same reason a later line of
 * a cue that opens with a speaker prefix is that speaker's own turn
 * (zj_ing_cue_turn), one that reads as another speaker's without naming a
 * known one is an error at its line (zj_ing_cue_line_continues), and so is a
 * cue without a speaker among cues that name theirs (zj_ing_cue_speakers). */
#include "internal.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

bool zj_ing_cue_times(const char *s, size_t n, int64_t *start, int64_t *end)
{
    const char *arrow = NULL;
    for (size_t i = 0; i + 3 <= n; i++)
        if (memcmp(s + i, "-->", 3) == 0) {
            arrow = s + i;
            break;
        }
    if (!arrow)
        return false;
    const char *a = s, *ae = arrow;
    while (a < ae && (*a == ' ' || *a == '\t'))
        a++;
    while (ae > a && (ae[-1] == ' ' || ae[-1] == '\t'))
        ae--;
    const char *b = arrow + 3, *end_s = s + n;
    while (b < end_s && (*b == ' ' || *b == '\t'))
        b++;
    const char *be = b;
    while (be < end_s && *be != ' ' && *be != '\t' && *be != '\r')
        be++;
    return zj_ing_clock(a, (size_t)(ae - a), start) && zj_ing_clock(b, (size_t)(be - b), end) &&
           *end >= *start;
}

static int detect(const char *s, size_t n, const char *path)
{
    /* First non-blank line a number, the next a time line with a comma. */
    size_t i = 0;
    while (i < n && (s[i] == '\n' || s[i] == '\r' || s[i] == ' '))
        i++;
    size_t j = i;
    while (j < n && s[j] >= '0' && s[j] <= '9')
        j++;
    if (j == i || j >= n || (s[j] != '\n' && s[j] != '\r'))
        return 0;
    while (j < n && (s[j] == '\n' || s[j] == '\r'))
        j++;
    const char *nl = memchr(s + j, '\n', n - j);
    size_t le = nl ? (size_t)(nl - s) : n;
    /* A time line, valid or not: a bad first time is the parser's to report
     * with its line, not "unknown input format". */
    if (!zj_ing_has(s + j, le - j, "-->"))
        return 0;
    return memchr(s + j, ',', le - j) ? 90 : 70;
}

/* The cue times of line p (n bytes) into *start and *stop; false with the
 * error at line. */
static bool time_line(const char *p, size_t n, int64_t *start, int64_t *stop, const char *src,
                      long line, zj_error *e)
{
    *start = *stop = -1;
    if (zj_ing_cue_times(p, n, start, stop))
        return true;
    if (*start >= 0 && *stop >= 0)
        zj_error_set(e, ZJ_ERR_PARSE, src, line, 0, "the cue ends before it starts ('%.*s')",
                     (int)(n > 60 ? 60 : n), p);
    else
        zj_error_set(e, ZJ_ERR_PARSE, src, line, 0,
                     "broken time line '%.*s' (expected 00:00:01,000 --> 00:00:03,500, at "
                     "most 277777:46:40,000)",
                     (int)(n > 60 ? 60 : n), p);
    return false;
}

static bool all_digits(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] < '0' || p[i] > '9')
            return false;
    return n > 0;
}

/* The length of the SubRip tag at s: <i>, <b>, <u>, <s>, <font …> or their
 * closing tags, in any case; 0 for any other '<'. SubRip has no escape, so
 * "水压<3公斤，…，别>找我了" is text, every character of it. */
static size_t srt_tag(const char *s, size_t n)
{
    static const char *const names[] = {"i", "b", "u", "s", "font"};
    size_t i = n > 1 && s[1] == '/' ? 2 : 1;
    for (size_t k = 0; k < sizeof names / sizeof *names; k++) {
        size_t nl = strlen(names[k]);
        if (n - i <= nl || strncasecmp(s + i, names[k], nl) != 0)
            continue;
        size_t j = i + nl;
        if (s[j] == '>')
            return j + 1;
        /* <font color="#ffff00">: attributes, in an opening tag only. */
        if (i == 1 && nl == 4 && (s[j] == ' ' || s[j] == '\t')) {
            const char *close = memchr(s + j, '>', n - j);
            if (close && !memchr(s + j, '<', (size_t)(close - s) - j))
                return (size_t)(close - s) + 1;
        }
    }
    return 0;
}

/* Appends the text of a cue line to buf without its SubRip tags. */
static bool append_untagged(zj_buf *buf, const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t tag = s[i] == '<' ? srt_tag(s + i, n - i) : 0;
        if (tag) {
            i += tag;
            continue;
        }
        if (s[i] != '\r' && zj_buf_append(buf, s + i, 1) != ZJ_OK)
            return false;
        i++;
    }
    return true;
}

/* The speaker marks error messages suggest. */
static const char speaker_marks[] = "坐席：, 客户：, [SPEAKER_00]: or 发音人1：";

static void parse(const char *content, size_t len, zj_ingest_out *out)
{
    const char *src = out->source;
    zj_error e;
    zj_error_clear(&e);
    zj_call *c = zj_ing_call_new(out->default_id, src, 0);
    zj_buf text, shown;
    zj_buf_init(&text);
    zj_buf_init(&shown);
    if (!c)
        goto nomem;
    const char *p = content, *end = content + len;
    long line = 0;
    enum { WANT_INDEX, WANT_TIME, IN_TEXT } state = WANT_INDEX;
    int64_t start = -1, stop = -1;
    zj_party who = {0};
    bool first_text = false;
    zj_ing_cue cue = {0};
    /* The last text line of the cue: where it starts in text (its joining
     * space included) and whether it is a bare number, a cue number when a
     * time line follows. */
    size_t last_at = 0;
    bool last_digits = false;
    while (p <= end) {
        const char *nl = p < end ? memchr(p, '\n', (size_t)(end - p)) : NULL;
        const char *le = nl ? nl : end;
        line++;
        size_t n = (size_t)(le - p);
        while (n && (p[n - 1] == '\r' || p[n - 1] == ' '))
            n--;
        bool blank_line = n == 0;
        int64_t a, b;
        if (state == IN_TEXT && blank_line) {
            if (!zj_ing_cue_end(&cue, c, &text, text.len, start, stop, &who))
                goto nomem;
            state = WANT_INDEX;
        } else if (blank_line) {
            /* between cues */
        } else if (state == WANT_INDEX) {
            if (all_digits(p, n)) {
                state = WANT_TIME;
            } else if (zj_ing_has(p, n, "-->")) {
                if (!time_line(p, n, &start, &stop, src, line, &e))
                    goto fail;
                state = IN_TEXT; /* a cue without its number */
                first_text = true;
            } else {
                zj_error_set(&e, ZJ_ERR_PARSE, src, line, 0,
                             "expected a cue number or a time line like "
                             "00:00:01,000 --> 00:00:03,500");
                goto fail;
            }
        } else if (state == WANT_TIME) {
            if (!time_line(p, n, &start, &stop, src, line, &e))
                goto fail;
            state = IN_TEXT;
            first_text = true;
        } else if (!first_text && last_digits && zj_ing_has(p, n, "-->")) {
            /* A cue number and a time line with no blank line before them:
             * the next cue (as ffmpeg's SubRip reader takes it), not more
             * words of this one. */
            if (!time_line(p, n, &a, &b, src, line, &e))
                goto fail;
            if (!zj_ing_cue_end(&cue, c, &text, last_at, start, stop, &who))
                goto nomem;
            start = a;
            stop = b;
            first_text = true;
        } else if (zj_ing_cue_times(p, n, &a, &b)) {
            /* A time line without its cue number cannot be told from the
             * words of this cue: never merge another cue into it. */
            zj_error_set(&e, ZJ_ERR_PARSE, src, line, 0,
                         "a time line inside the cue's text (a blank line and a cue number "
                         "missing before it?)");
            goto fail;
        } else {
            /* The speaker prefix is looked for in the words as shown, so
             * "<i>坐席：…</i>", " 坐席：…" and "- 坐席：…" name theirs. */
            zj_buf_reset(&shown);
            if (!append_untagged(&shown, p, n))
                goto nomem;
            const char *words = shown.data ? shown.data : "";
            size_t skip = 0;
            if (first_text) {
                skip = zj_ing_line_speaker(words, shown.len, &who);
                zj_ing_cue_start(&cue, skip > 0, line);
                first_text = false;
            } else {
                zj_party next;
                skip = zj_ing_line_speaker(words, shown.len, &next);
                if (!skip &&
                    !zj_ing_cue_line_continues(words, shown.len, src, line, speaker_marks, &e))
                    goto fail;
                if (!zj_ing_cue_turn(&cue, c, &text, skip ? &next : NULL, &who))
                    goto nomem;
            }
            last_at = text.len;
            if (text.len && zj_buf_puts(&text, " ") != ZJ_OK)
                goto nomem;
            last_digits = all_digits(p, n);
            if (zj_buf_append(&text, words + skip, shown.len - skip) != ZJ_OK)
                goto nomem;
        }
        if (!nl)
            break;
        p = nl + 1;
    }
    if (state == WANT_TIME) {
        zj_error_set(&e, ZJ_ERR_PARSE, src, line, 0, "the file ends before the cue's time line");
        goto fail;
    }
    if (state == IN_TEXT && !zj_ing_cue_end(&cue, c, &text, text.len, start, stop, &who))
        goto nomem;
    if (!zj_ing_cue_speakers(&cue, src, speaker_marks, &e))
        goto fail;
    zj_buf_free(&text);
    zj_buf_free(&shown);
    zj_ingest_push_call(out, c);
    return;
nomem:
    zj_error_set(&e, ZJ_ERR_NOMEM, src, 0, 0, "out of memory");
fail:
    zj_buf_free(&text);
    zj_buf_free(&shown);
    zj_call_free(c);
    zj_ingest_push_error(out, &e);
}

const zj_ingest_ops zj_ingest_srt = {
    .name = "srt",
    .description = "SubRip subtitles (cue number, 00:00:01,000 --> 00:00:03,500, text with a "
                   "speaker prefix such as 坐席： or [SPEAKER_00]:)",
    .extensions = ".srt",
    .detect = detect,
    .parse = parse,
};
