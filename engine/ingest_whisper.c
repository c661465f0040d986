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
        char p[64];
        snprintf(p, sizeof p, "$.segments[%zu]", i);
        if (!json_is_object(s)) {
            zj_error_set(err, ZJ_ERR_INVALID, src, 0, 0, "%s: expected an object", p);
            goto fail;
        }
        static const zj_ing_keys keys = {
            .text = "text", .start = "start", .end = "end", .speaker = "speaker", .unit_ms = 1000};
        if (!zj_ing_json_utterance(c, s, p, &keys, src, err))
            goto fail;
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
