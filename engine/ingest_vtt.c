/* ingest_vtt.c — WebVTT subtitles (.vtt): "WEBVTT", then cues of an optional
 * identifier, a time line "00:01.000 --> 00:03.500 [settings]" and the text.
 * The speaker is a voice span <v Name> or a prefix of the text ("坐席：",
 * "[SPEAKER_00]:"); other markup is dropped. A cue whose text changes
 * speaker (a second <v Name>, or a later line with another prefix) gives
 * each speaker a turn (zj_ing_cue_turn); a later line that reads as another
 * speaker's without naming a known one is an error at its line
 * (zj_ing_cue_line_continues). NOTE, STYLE and REGION blocks are
 * skipped. A cue WebVTT would merge into another or drop (no blank line
 * before it) is an error at its line. One file is one call. */
#include "internal.h"

#include <stdio.h>
#include <string.h>

static int detect(const char *s, size_t n, const char *path)
{
    size_t skip = n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    return n - skip >= 6 && memcmp(s + skip, "WEBVTT", 6) == 0 ? 95 : 0;
}

/* The name of the voice span tag (<v Name>, <v.loud Name>) between '<' and
 * '>' at tag: true with *name and *nl set, false for any other tag. */
static bool voice_name(const char *tag, size_t tl, const char **name, size_t *nl)
{
    if (tl <= 2 || tag[0] != 'v' || (tag[1] != ' ' && tag[1] != '.'))
        return false;
    const char *sp = memchr(tag, ' ', tl);
    if (!sp)
        return false;
    *name = sp + 1;
    *nl = (size_t)(tag + tl - *name);
    while (*nl && (*name)[*nl - 1] == ' ')
        (*nl)--;
    return true;
}

/* Where line s holds its first voice span tag; n when it holds none. */
static size_t first_voice(const char *s, size_t n)
{
    for (const char *p = s; (p = memchr(p, '<', (size_t)(s + n - p))); p++) {
        const char *close = memchr(p, '>', (size_t)(s + n - p));
        const char *name;
        size_t nl;
        if (close && voice_name(p + 1, (size_t)(close - p - 1), &name, &nl))
            return (size_t)(p - s);
    }
    return n;
}

/* The character reference at s ("&amp;", "&#29289;", "&#x7269;"): appends
 * its character to buf and returns its length, 0 when s holds none (the '&'
 * is then text). -1 when out of memory. */
static long append_reference(zj_buf *buf, const char *s, size_t n)
{
    static const struct {
        const char *ent, *ch;
    } named[] = {{"&amp;", "&"},  {"&lt;", "<"}, {"&gt;", ">"},
                 {"&nbsp;", " "}, {"&lrm;", ""}, {"&rlm;", ""}};
    for (size_t k = 0; k < sizeof named / sizeof *named; k++) {
        size_t el = strlen(named[k].ent);
        if (n >= el && memcmp(s, named[k].ent, el) == 0)
            return zj_buf_puts(buf, named[k].ch) == ZJ_OK ? (long)el : -1;
    }
    if (n < 4 || s[1] != '#')
        return 0;
    bool hex = s[2] == 'x' || s[2] == 'X';
    size_t i = hex ? 3 : 2;
    uint32_t cp = 0;
    size_t digits = 0;
    for (; i < n && digits < 8; i++, digits++) {
        int d = s[i] >= '0' && s[i] <= '9'          ? s[i] - '0'
                : hex && s[i] >= 'a' && s[i] <= 'f' ? s[i] - 'a' + 10
                : hex && s[i] >= 'A' && s[i] <= 'F' ? s[i] - 'A' + 10
                                                    : -1;
        if (d < 0)
            break;
        cp = cp * (hex ? 16 : 10) + (uint32_t)d;
    }
    /* A NUL, a surrogate or beyond Unicode stays as written: no character
     * can be made of it. */
    if (!digits || i >= n || s[i] != ';' || cp == 0 || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    char u[4];
    size_t ul = zj_utf8_encode(cp, u);
    return zj_buf_append(buf, u, ul) == ZJ_OK ? (long)(i + 1) : -1;
}

/* Appends cue text without tags and with its character references decoded;
 * the first <v Name> names the speaker, and a later one naming another
 * starts that speaker's turn (q and c may be NULL for a line without voice
 * spans). False when out of memory. */
static bool append_cue_text(zj_buf *buf, const char *s, size_t n, zj_party *who, bool *voiced,
                            zj_ing_cue *q, zj_call *c)
{
    size_t i = 0;
    while (i < n) {
        if (s[i] == '<') {
            const char *close = memchr(s + i, '>', n - i);
            if (close) {
                const char *name;
                size_t nl;
                if (voice_name(s + i + 1, (size_t)(close - s - i - 1), &name, &nl)) {
                    zj_party v =
                        *voiced ? (zj_party){.role = ZJ_ROLE_UNKNOWN, .channel = -1} : *who;
                    int role = zj_ing_role_name(name, nl);
                    if (role >= 0)
                        v.role = role;
                    else
                        snprintf(v.speaker, sizeof v.speaker, "%.*s", (int)nl, name);
                    if (!*voiced)
                        *who = v;
                    else if (!zj_ing_cue_turn(q, c, buf, &v, who))
                        return false;
                    *voiced = true;
                }
                i = (size_t)(close - s) + 1;
                continue;
            }
        }
        if (s[i] == '&') {
            long k = append_reference(buf, s + i, n - i);
            if (k < 0)
                return false;
            if (k > 0) {
                i += (size_t)k;
                continue;
            }
        }
        if (s[i] != '\r' && zj_buf_append(buf, s + i, 1) != ZJ_OK)
            return false;
        i++;
    }
    return true;
}

static bool starts(const char *s, size_t n, const char *word)
{
    size_t k = strlen(word);
    return n >= k && memcmp(s, word, k) == 0 && (n == k || s[k] == ' ' || s[k] == '\t');
}

/* The speaker marks error messages suggest. */
static const char speaker_marks[] = "<v 坐席>, 坐席：, 客户： or [SPEAKER_00]:";

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
    enum { HEADER, BETWEEN, SKIP_BLOCK, WANT_TIME, IN_TEXT } state = HEADER;
    int64_t start = -1, stop = -1;
    zj_party who = {0};
    bool first_text = false, voiced = false;
    zj_ing_cue cue = {0};
    for (;;) {
        const char *nl = p < end ? memchr(p, '\n', (size_t)(end - p)) : NULL;
        const char *le = nl ? nl : end;
        line++;
        size_t n = (size_t)(le - p);
        while (n && (p[n - 1] == '\r' || p[n - 1] == ' '))
            n--;
        bool blank_line = n == 0;
        if (state == HEADER) {
            if (line == 1 && !starts(p, n, "WEBVTT")) {
                zj_error_set(&e, ZJ_ERR_PARSE, src, line, 0, "a WebVTT file starts with WEBVTT");
                goto fail;
            }
            /* WebVTT takes a cue in the header block for header text: its
             * words would be dropped unsaid. */
            if (line > 1 && zj_ing_has(p, n, "-->")) {
                zj_error_set(&e, ZJ_ERR_PARSE, src, line, 0,
                             "a time line in the WEBVTT header (a blank line missing before "
                             "the first cue?)");
                goto fail;
            }
            if (blank_line)
                state = BETWEEN;
        } else if (state == IN_TEXT && zj_ing_has(p, n, "-->")) {
            /* WebVTT ends a cue's text at a line holding "-->": merged, the
             * next cue's words would be scored as this speaker's, untimed. */
            int64_t a, b;
            if (zj_ing_cue_times(p, n, &a, &b))
                zj_error_set(&e, ZJ_ERR_PARSE, src, line, 0,
                             "a time line inside the cue's text (a blank line missing before "
                             "it?)");
            else
                zj_error_set(&e, ZJ_ERR_PARSE, src, line, 0,
                             "'-->' inside the cue's text, where WebVTT ends the cue ('%.*s')",
                             (int)(n > 60 ? 60 : n), p);
            goto fail;
        } else if (state == IN_TEXT && blank_line) {
            if (!zj_ing_cue_end(&cue, c, &text, text.len, start, stop, &who))
                goto nomem;
            state = BETWEEN;
        } else if (state == SKIP_BLOCK) {
            if (blank_line)
                state = BETWEEN;
        } else if (blank_line) {
            if (state == WANT_TIME) {
                zj_error_set(&e, ZJ_ERR_PARSE, src, line - 1, 0,
                             "a cue identifier without a time line");
                goto fail;
            }
        } else if (state == BETWEEN) {
            if (starts(p, n, "NOTE") || starts(p, n, "STYLE") || starts(p, n, "REGION")) {
                state = SKIP_BLOCK;
            } else if (zj_ing_has(p, n, "-->")) {
                if (!zj_ing_cue_times(p, n, &start, &stop)) {
                    zj_error_set(&e, ZJ_ERR_PARSE, src, line, 0,
                                 "broken time line '%.*s' (expected 00:01.000 --> 00:03.500, "
                                 "at most 277777:46:40.000)",
                                 (int)(n > 60 ? 60 : n), p);
                    goto fail;
                }
                state = IN_TEXT;
                first_text = true;
            } else {
                state = WANT_TIME; /* a cue identifier */
            }
        } else if (state == WANT_TIME) {
            if (!zj_ing_cue_times(p, n, &start, &stop)) {
                zj_error_set(&e, ZJ_ERR_PARSE, src, line, 0,
                             "broken time line '%.*s' (expected 00:01.000 --> 00:03.500, "
                             "at most 277777:46:40.000)",
                             (int)(n > 60 ? 60 : n), p);
                goto fail;
            }
            state = IN_TEXT;
            first_text = true;
        } else { /* IN_TEXT */
            /* Without a voice span, the speaker prefix is looked for in the
             * words as shown, so "<i>坐席：…</i>", "<c.agent>坐席：</c>…", " 坐席：…"
             * and "- 坐席：…" name theirs. A line with voice spans keeps them
             * as they come (a prefix before the first one still counts). */
            size_t voice_at = first_voice(p, n);
            bool voices = voice_at < n;
            bool voice_first = voice_at == 0;
            zj_party named = {.role = ZJ_ROLE_UNKNOWN, .channel = -1};
            size_t skip = 0;
            zj_buf_reset(&shown);
            if (!voices) {
                if (!append_cue_text(&shown, p, n, &who, &voiced, NULL, NULL))
                    goto nomem;
                skip = zj_ing_line_speaker(shown.data ? shown.data : "", shown.len, &named);
            } else if (!voice_first) {
                skip = zj_ing_speaker_prefix(p, n, &named);
            }
            if (first_text) {
                who = named;
                voiced = false;
            } else if (!voice_first) {
                /* A line with voice spans is checked up to the first one,
                 * which names the speaker of what follows it ("- <v 坐席>…"). */
                const char *lead = voices ? p : shown.data ? shown.data : "";
                size_t lead_len = voices ? voice_at : shown.len;
                if (!skip &&
                    !zj_ing_cue_line_continues(lead, lead_len, src, line, speaker_marks, &e))
                    goto fail;
                if (!zj_ing_cue_turn(&cue, c, &text, skip ? &named : NULL, &who))
                    goto nomem;
            }
            /* A prefix names the speaker as a <v> does, so a later <v> naming
             * another starts that speaker's turn instead of taking these words. */
            if (skip)
                voiced = true;
            if (text.len && zj_buf_puts(&text, " ") != ZJ_OK)
                goto nomem;
            if (!voices ? shown.len &&
                              zj_buf_append(&text, shown.data + skip, shown.len - skip) != ZJ_OK
                        : !append_cue_text(&text, p + skip, n - skip, &who, &voiced, &cue, c))
                goto nomem;
            if (first_text)
                zj_ing_cue_start(&cue, skip > 0 || voiced, line);
            first_text = false;
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

const zj_ingest_ops zj_ingest_vtt = {
    .name = "vtt",
    .description = "WebVTT subtitles (WEBVTT, 00:01.000 --> 00:03.500, <v Name> voice spans or "
                   "a speaker prefix)",
    .extensions = ".vtt",
    .detect = detect,
    .parse = parse,
};
