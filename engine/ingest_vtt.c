/* ingest_vtt.c — WebVTT subtitles (.vtt): "WEBVTT", then cues of an optional
 * identifier, a time line "00:01.000 --> 00:03.500 [settings]" and the text.
 * The speaker is a voice span <v Name> or a prefix of the text ("坐席：",
 * "[SPEAKER_00]:"); other markup is dropped. A cue whose text changes
 * speaker (a second <v Name>, or a later line with another prefix) gives
 * each speaker a turn (zj_ing_cue_turn). NOTE, STYLE and REGION blocks are
 * skipped. One file is one call. */
#include "internal.h"

#include <stdio.h>
#include <string.h>

static int detect(const char *s, size_t n, const char *path)
{
    size_t skip = n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    return n - skip >= 6 && memcmp(s + skip, "WEBVTT", 6) == 0 ? 95 : 0;
}

/* Appends cue text without tags; the first <v Name> names the speaker, and
 * a later one naming another starts that speaker's turn. False when out of
 * memory. */
static bool append_cue_text(zj_buf *buf, const char *s, size_t n, zj_party *who, bool *voiced,
                            zj_ing_cue *q, zj_call *c)
{
    size_t i = 0;
    while (i < n) {
        if (s[i] == '<') {
            const char *close = memchr(s + i, '>', n - i);
            if (close) {
                const char *tag = s + i + 1;
                size_t tl = (size_t)(close - tag);
                if (tl > 2 && tag[0] == 'v' && (tag[1] == ' ' || tag[1] == '.')) {
                    const char *name = memchr(tag, ' ', tl);
                    if (name) {
                        name++;
                        size_t nl = (size_t)(close - name);
                        while (nl && name[nl - 1] == ' ')
                            nl--;
                        zj_party v = *voiced ? (zj_party){.role = ZJ_ROLE_UNKNOWN, .channel = -1}
                                             : *who;
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
                }
                i = (size_t)(close - s) + 1;
                continue;
            }
        }
        if (s[i] == '&') {
            static const struct {
                const char *ent, *ch;
            } ents[] = {{"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&nbsp;", " "}};
            bool done = false;
            for (size_t k = 0; k < 4 && !done; k++) {
                size_t el = strlen(ents[k].ent);
                if (n - i >= el && memcmp(s + i, ents[k].ent, el) == 0) {
                    if (zj_buf_puts(buf, ents[k].ch) != ZJ_OK)
                        return false;
                    i += el;
                    done = true;
                }
            }
            if (done)
                continue;
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

static void parse(const char *content, size_t len, zj_ingest_out *out)
{
    const char *src = out->source;
    zj_error e;
    zj_error_clear(&e);
    zj_call *c = zj_ing_call_new(out->default_id, src, 0);
    zj_buf text;
    zj_buf_init(&text);
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
            if (blank_line)
                state = BETWEEN;
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
            size_t skip = 0;
            bool voice_tag = n > 3 && p[0] == '<' && p[1] == 'v';
            if (first_text) {
                who = (zj_party){.role = ZJ_ROLE_UNKNOWN, .channel = -1};
                voiced = false;
                if (!voice_tag)
                    skip = zj_ing_speaker_prefix(p, n, &who);
            } else if (!voice_tag) {
                zj_party next;
                skip = zj_ing_speaker_prefix(p, n, &next);
                if (!zj_ing_cue_turn(&cue, c, &text, skip ? &next : NULL, &who))
                    goto nomem;
            }
            /* A prefix names the speaker as a <v> does, so a later <v> naming
             * another starts that speaker's turn instead of taking these words. */
            if (skip)
                voiced = true;
            if (text.len && zj_buf_puts(&text, " ") != ZJ_OK)
                goto nomem;
            if (!append_cue_text(&text, p + skip, n - skip, &who, &voiced, &cue, c))
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
    if (!zj_ing_cue_speakers(&cue, src, "<v 坐席>, 坐席：, 客户： or [SPEAKER_00]:", &e))
        goto fail;
    zj_buf_free(&text);
    zj_ingest_push_call(out, c);
    return;
nomem:
    zj_error_set(&e, ZJ_ERR_NOMEM, src, 0, 0, "out of memory");
fail:
    zj_buf_free(&text);
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
