/* ingest_whisper.c — OpenAI Whisper and WhisperX JSON output: segments[]
 * with start / end in seconds (floats) and text; WhisperX's diarization adds
 * speaker ("SPEAKER_00"). */
#include "internal.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

static int detect(const char *s, size_t n, const char *path)
{
    if (!zj_ing_has(s, n, "\"segments\"") || !zj_ing_has(s, n, "\"start\"") ||
        !zj_ing_has(s, n, "\"end\"") || zj_ing_has(s, n, "\"start_time\""))
        return 0;
    if (zj_ing_has(s, n, "\"language\"") || zj_ing_has(s, n, "\"word_segments\"") ||
        zj_ing_has(s, n, "\"SPEAKER_"))
        return 85;
    return 60;
}

static zj_call *build(json_t *root, zj_ingest_out *out, zj_error *err)
{
    const char *src = out->source;
    json_t *segments = json_object_get(root, "segments");
    if (!json_is_array(segments)) {
        zj_error_set(err, ZJ_ERR_INVALID, src, 0, 0, "$.segments: %s",
                     segments ? "expected an array" : "missing");
        return NULL;
    }
    zj_call *c = zj_ing_call_new(out->default_id, src, 0);
    if (!c)
        goto nomem;
    size_t i;
    json_t *s;
    json_array_foreach(segments, i, s)
    {
        char p[64], fp[128];
        snprintf(p, sizeof p, "$.segments[%zu]", i);
        if (!json_is_object(s)) {
            zj_error_set(err, ZJ_ERR_INVALID, src, 0, 0, "%s: expected an object", p);
            goto fail;
        }
        const char *text;
        size_t len;
        int64_t start, end;
        zj_party who = {.role = ZJ_ROLE_UNKNOWN, .channel = -1};
#define FIELD(name) (snprintf(fp, sizeof fp, "%s.%s", p, name), fp)
        if (!zj_ing_json_str(json_object_get(s, "text"), true, &text, &len, src, FIELD("text"),
                             err) ||
            !zj_ing_json_ms(json_object_get(s, "start"), 1000, true, &start, src, FIELD("start"),
                            err) ||
            !zj_ing_json_ms(json_object_get(s, "end"), 1000, true, &end, src, FIELD("end"), err) ||
            !zj_ing_json_id(json_object_get(s, "speaker"), who.speaker, sizeof who.speaker, src,
                            FIELD("speaker"), err))
            goto fail;
#undef FIELD
        if (end < start) {
            zj_error_set(err, ZJ_ERR_INVALID, src, 0, 0, "%s: end is before start", p);
            goto fail;
        }
        if (!zj_ing_add_turn(c, text, len, start, end, &who))
            goto nomem;
    }
    return c;
nomem:
    zj_error_set(err, ZJ_ERR_NOMEM, src, 0, 0, "out of memory");
fail:
    zj_call_free(c);
    return NULL;
}

static void parse(const char *content, size_t len, zj_ingest_out *out)
{
    zj_ing_json_parse(content, len, out, build);
}

const zj_ingest_ops zj_ingest_whisper = {
    .name = "whisper",
    .description = "Whisper / WhisperX JSON (segments[] with start/end seconds, text, speaker "
                   "SPEAKER_00)",
    .extensions = ".json",
    .detect = detect,
    .parse = parse,
};
