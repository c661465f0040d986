/* ingest_huawei.c — Huawei Cloud SIS recording file recognition
 * (CollectTranscriberJob): segments[] with start_time / end_time (ms),
 * result.text and result.analysis_info: role AGENT / USER (or speaker1 ..
 * speaker10 on 16 kHz mono), emotion (NORMAL, ANGRY, UNKNOWN), speed
 * (characters per second). */
#include "internal.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

static int detect(const char *s, size_t n, const char *path)
{
    if (zj_ing_has(s, n, "\"segments\"") && zj_ing_has(s, n, "\"start_time\"") &&
        (zj_ing_has(s, n, "\"analysis_info\"") || zj_ing_has(s, n, "\"result\"")))
        return 90;
    return 0;
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
    double v;
    if (zj_ing_json_num(json_object_get(root, "audio_duration"), &v) &&
        !zj_ing_add_meta(c, -1, "audio_duration_ms", "%.0f", v))
        goto nomem;
    size_t i;
    json_t *s;
    json_array_foreach(segments, i, s)
    {
        char p[64], fp[128];
        snprintf(p, sizeof p, "$.segments[%zu]", i);
        json_t *result = json_object_get(s, "result");
        if (!json_is_object(s) || !json_is_object(result)) {
            zj_error_set(err, ZJ_ERR_INVALID, src, 0, 0, "%s%s: %s", p,
                         json_is_object(s) ? ".result" : "",
                         json_is_object(s) && !result ? "missing" : "expected an object");
            goto fail;
        }
        int64_t start, end;
        const char *text;
        size_t len;
        zj_party who = {.role = ZJ_ROLE_UNKNOWN, .channel = -1};
#define FIELD(name) (snprintf(fp, sizeof fp, "%s.%s", p, name), fp)
        if (!zj_ing_json_ms(json_object_get(s, "start_time"), 1, true, &start, src,
                            FIELD("start_time"), err) ||
            !zj_ing_json_ms(json_object_get(s, "end_time"), 1, true, &end, src, FIELD("end_time"),
                            err) ||
            !zj_ing_json_str(json_object_get(result, "text"), true, &text, &len, src,
                             FIELD("result.text"), err))
            goto fail;
        if (end < start) {
            zj_error_set(err, ZJ_ERR_INVALID, src, 0, 0, "%s: end_time is before start_time", p);
            goto fail;
        }
        json_t *info = json_object_get(result, "analysis_info");
        const char *role = NULL;
        size_t role_len = 0;
        if (info && !zj_ing_json_str(json_object_get(info, "role"), false, &role, &role_len, src,
                                     FIELD("result.analysis_info.role"), err))
            goto fail;
#undef FIELD
        if (role) {
            who.role = zj_ing_role_name(role, role_len);
            if (who.role < 0)
                snprintf(who.speaker, sizeof who.speaker, "%.*s", (int)role_len, role);
        }
        size_t before = c->n_turns;
        if (!zj_ing_add_turn(c, text, len, start, end, &who))
            goto nomem;
        if (c->n_turns == before)
            continue;
        long t = zj_ing_last_turn(c);
        json_t *emotion = json_object_get(info, "emotion");
        if (json_is_string(emotion) &&
            !zj_ing_add_meta(c, t, "emotion", "%.32s", json_string_value(emotion)))
            goto nomem;
        if (zj_ing_json_num(json_object_get(info, "speed"), &v) &&
            !zj_ing_add_meta(c, t, "speech_rate_cpm", "%.0f", v * 60))
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

const zj_ingest_ops zj_ingest_huawei = {
    .name = "huawei",
    .description = "Huawei Cloud SIS recording recognition (segments[] with start_time/end_time "
                   "ms, result.text, analysis_info.role AGENT/USER)",
    .extensions = ".json",
    .detect = detect,
    .parse = parse,
};
