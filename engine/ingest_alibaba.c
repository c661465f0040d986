/* ingest_alibaba.c — Alibaba Cloud file transcription results (录音文件识别):
 * Result.Sentences[] with BeginTime/EndTime (ms), Text, ChannelId, SpeakerId
 * (a string), SpeechRate (characters per minute), EmotionValue (1-10) and
 * SilenceDuration (seconds); also the lowerCamel variant of the number
 * privacy service's ASR report (sentences[], beginTime, numbers as strings). */
#include "internal.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static int detect(const char *s, size_t n, const char *path)
{
    if (zj_ing_has(s, n, "\"Sentences\"") && zj_ing_has(s, n, "\"BeginTime\""))
        return 90;
    if (zj_ing_has(s, n, "\"sentences\"") && zj_ing_has(s, n, "\"beginTime\""))
        return 90;
    return 0;
}

/* Field names of the two spellings. */
typedef struct names {
    const char *begin, *end, *text, *channel, *speaker, *rate, *emotion, *silence;
} names;
static const names upper = {"BeginTime", "EndTime",    "Text",         "ChannelId",
                            "SpeakerId", "SpeechRate", "EmotionValue", "SilenceDuration"};
static const names lower = {"beginTime", "endTime",    "text",         "channelId",
                            "speakerId", "speechRate", "emotionValue", "silenceDuration"};

static zj_call *build(json_t *root, zj_ingest_out *out, zj_error *err)
{
    const char *src = out->source;
    json_t *sentences = NULL;
    const names *nm = &upper;
    const char *base = "$.Result.Sentences";
    json_t *result = json_object_get(root, "Result");
    if (json_is_object(result))
        sentences = json_object_get(result, "Sentences");
    if (!sentences && (sentences = json_object_get(root, "sentences"))) {
        nm = &lower;
        base = "$.sentences";
    }
    if (!json_is_array(sentences)) {
        zj_error_set(err, ZJ_ERR_INVALID, src, 0, 0, "%s: %s", base,
                     sentences ? "expected an array" : "missing");
        return NULL;
    }
    const char *id = out->default_id;
    json_t *call_id = json_object_get(root, "callId");
    if (json_is_string(call_id) && json_string_length(call_id) > 0)
        id = json_string_value(call_id);
    zj_call *c = zj_ing_call_new(id, src, 0);
    if (!c)
        goto nomem;
    double duration;
    json_t *dur = json_object_get(root, nm == &upper ? "BizDuration" : "bizDuration");
    if (zj_ing_json_num(dur, &duration) &&
        !zj_ing_add_meta(c, -1, "audio_duration_ms", "%.0f", duration))
        goto nomem;
    size_t i;
    json_t *s;
    json_array_foreach(sentences, i, s)
    {
        char path[96];
        snprintf(path, sizeof path, "%s[%zu]", base, i);
        if (!json_is_object(s)) {
            zj_error_set(err, ZJ_ERR_INVALID, src, 0, 0, "%s: expected an object", path);
            goto fail;
        }
        char fp[160];
        int64_t start, end;
        const char *text;
        size_t len;
        zj_party who = {.role = ZJ_ROLE_UNKNOWN, .channel = -1};
#define FIELD(name) (snprintf(fp, sizeof fp, "%s.%s", path, name), fp)
        if (!zj_ing_json_ms(json_object_get(s, nm->begin), 1, true, &start, src, FIELD(nm->begin),
                            err) ||
            !zj_ing_json_ms(json_object_get(s, nm->end), 1, true, &end, src, FIELD(nm->end), err) ||
            !zj_ing_json_str(json_object_get(s, nm->text), true, &text, &len, src, FIELD(nm->text),
                             err) ||
            !zj_ing_json_channel(json_object_get(s, nm->channel), &who.channel, src,
                                 FIELD(nm->channel), err) ||
            !zj_ing_json_id(json_object_get(s, nm->speaker), who.speaker, sizeof who.speaker, src,
                            FIELD(nm->speaker), err))
            goto fail;
#undef FIELD
        if (end < start) {
            zj_error_set(err, ZJ_ERR_INVALID, src, 0, 0, "%s: %s %lld is before %s %lld", path,
                         nm->end, (long long)end, nm->begin, (long long)start);
            goto fail;
        }
        size_t before = c->n_turns;
        if (!zj_ing_add_turn(c, text, len, start, end, &who))
            goto nomem;
        if (c->n_turns == before)
            continue;
        long t = zj_ing_last_turn(c);
        double v;
        if (zj_ing_json_num(json_object_get(s, nm->rate), &v) &&
            !zj_ing_add_meta(c, t, "speech_rate_cpm", "%.0f", v))
            goto nomem;
        if (zj_ing_json_num(json_object_get(s, nm->emotion), &v) &&
            !zj_ing_add_meta(c, t, "emotion_energy", "%g", v))
            goto nomem;
        if (zj_ing_json_num(json_object_get(s, nm->silence), &v) &&
            !zj_ing_add_meta(c, t, "silence_before_ms", "%.0f", v * 1000))
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

const zj_ingest_ops zj_ingest_alibaba = {
    .name = "alibaba",
    .description = "Alibaba Cloud file transcription (Result.Sentences[], or sentences[] "
                   "in lowerCamel)",
    .extensions = ".json",
    .detect = detect,
    .parse = parse,
};
