/* ingest_dashscope.c — Alibaba Cloud DashScope (Model Studio) Paraformer
 * recorded-file recognition result: transcripts[] (one per channel, with
 * channel_id) holding sentences[] with begin_time / end_time (ms), text and
 * speaker_id (with diarization). Sentences of all channels are merged in time
 * order. */
#include "internal.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

static int detect(const char *s, size_t n, const char *path)
{
    return zj_ing_has(s, n, "\"transcripts\"") && zj_ing_has(s, n, "\"begin_time\"") ? 90 : 0;
}

static zj_call *build(json_t *root, zj_ingest_out *out, zj_error *err)
{
    const char *src = out->source;
    json_t *transcripts = json_object_get(root, "transcripts");
    if (!json_is_array(transcripts)) {
        zj_error_set(err, ZJ_ERR_INVALID, src, 0, 0, "$.transcripts: %s",
                     transcripts ? "expected an array" : "missing");
        return NULL;
    }
    zj_call *c = zj_ing_call_new(out->default_id, src, 0);
    if (!c)
        goto nomem;
    double v;
    json_t *props = json_object_get(root, "properties");
    if (zj_ing_json_num(json_object_get(props, "original_duration_in_milliseconds"), &v) &&
        !zj_ing_add_meta(c, -1, "audio_duration_ms", "%.0f", v))
        goto nomem;
    size_t k;
    json_t *tr;
    json_array_foreach(transcripts, k, tr)
    {
        char tp[48], fp[160];
        snprintf(tp, sizeof tp, "$.transcripts[%zu]", k);
        int channel;
        snprintf(fp, sizeof fp, "%s.channel_id", tp);
        if (!json_is_object(tr)) {
            zj_error_set(err, ZJ_ERR_INVALID, src, 0, 0, "%s: expected an object", tp);
            goto fail;
        }
        if (!zj_ing_json_channel(json_object_get(tr, "channel_id"), &channel, src, fp, err))
            goto fail;
        json_t *sentences = json_object_get(tr, "sentences");
        if (!json_is_array(sentences)) {
            zj_error_set(err, ZJ_ERR_INVALID, src, 0, 0, "%s.sentences: %s", tp,
                         sentences ? "expected an array" : "missing");
            goto fail;
        }
        size_t i;
        json_t *s;
        json_array_foreach(sentences, i, s)
        {
            char p[96];
            snprintf(p, sizeof p, "%s.sentences[%zu]", tp, i);
            if (!json_is_object(s)) {
                zj_error_set(err, ZJ_ERR_INVALID, src, 0, 0, "%s: expected an object", p);
                goto fail;
            }
            const char *text;
            size_t len;
            int64_t start, end;
            zj_party who = {.role = ZJ_ROLE_UNKNOWN, .channel = channel};
#define FIELD(name) (snprintf(fp, sizeof fp, "%s.%s", p, name), fp)
            if (!zj_ing_json_str(json_object_get(s, "text"), true, &text, &len, src, FIELD("text"),
                                 err) ||
                !zj_ing_json_ms(json_object_get(s, "begin_time"), 1, true, &start, src,
                                FIELD("begin_time"), err) ||
                !zj_ing_json_ms(json_object_get(s, "end_time"), 1, true, &end, src,
                                FIELD("end_time"), err) ||
                !zj_ing_json_id(json_object_get(s, "speaker_id"), who.speaker, sizeof who.speaker,
                                src, FIELD("speaker_id"), err))
                goto fail;
#undef FIELD
            if (end < start) {
                zj_error_set(err, ZJ_ERR_INVALID, src, 0, 0, "%s: end_time is before begin_time",
                             p);
                goto fail;
            }
            if (!zj_ing_add_turn(c, text, len, start, end, &who))
                goto nomem;
        }
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

const zj_ingest_ops zj_ingest_dashscope = {
    .name = "dashscope",
    .description = "Alibaba Cloud DashScope Paraformer (transcripts[].sentences[] with "
                   "begin_time/end_time ms, speaker_id, channel_id)",
    .extensions = ".json",
    .detect = detect,
    .parse = parse,
};
