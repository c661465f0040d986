/* ingest_tencent.c — Tencent Cloud recording recognition (录音文件识别结果,
 * DescribeTaskStatus): Data.ResultDetail[] with FinalSentence, StartMs,
 * EndMs (ms), SpeakerId (a number), SpeechSpeed (characters per second),
 * SilenceTime (ms), EmotionalEnergy, EmotionType; when ResultDetail is null,
 * the lines of Data.Result: "[m:ss.mmm,m:ss.mmm,spk]  text". */
#include "internal.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

static int detect(const char *s, size_t n, const char *path)
{
    if (zj_ing_has(s, n, "\"ResultDetail\"") || zj_ing_has(s, n, "\"FinalSentence\""))
        return 90;
    return 0;
}

static bool detail(json_t *list, const char *base, zj_call *c, const char *src, zj_error *err)
{
    size_t i;
    json_t *s;
    json_array_foreach(list, i, s)
    {
        char p[96], fp[160];
        snprintf(p, sizeof p, "%s.ResultDetail[%zu]", base, i);
        if (!json_is_object(s))
            return zj_error_set(err, ZJ_ERR_INVALID, src, 0, 0, "%s: expected an object", p), false;
        const char *text;
        size_t len;
        int64_t start, end;
        zj_party who = {.role = ZJ_ROLE_UNKNOWN, .channel = -1};
#define FIELD(name) (snprintf(fp, sizeof fp, "%s.%s", p, name), fp)
        if (!zj_ing_json_str(json_object_get(s, "FinalSentence"), true, &text, &len, src,
                             FIELD("FinalSentence"), err) ||
            !zj_ing_json_ms(json_object_get(s, "StartMs"), 1, true, &start, src, FIELD("StartMs"),
                            err) ||
            !zj_ing_json_ms(json_object_get(s, "EndMs"), 1, true, &end, src, FIELD("EndMs"), err) ||
            !zj_ing_json_id(json_object_get(s, "SpeakerId"), who.speaker, sizeof who.speaker, src,
                            FIELD("SpeakerId"), err))
            return false;
#undef FIELD
        if (end < start)
            return zj_error_set(err, ZJ_ERR_INVALID, src, 0, 0, "%s: EndMs is before StartMs", p),
                   false;
        size_t before = c->n_turns;
        if (!zj_ing_add_turn(c, text, len, start, end, &who))
            goto nomem;
        if (c->n_turns == before)
            continue;
        long t = zj_ing_last_turn(c);
        double v;
        if (zj_ing_json_num(json_object_get(s, "SpeechSpeed"), &v) &&
            !zj_ing_add_meta(c, t, "speech_rate_cpm", "%.0f", v * 60))
            goto nomem;
        if (zj_ing_json_num(json_object_get(s, "SilenceTime"), &v) &&
            !zj_ing_add_meta(c, t, "silence_before_ms", "%.0f", v))
            goto nomem;
        if (zj_ing_json_num(json_object_get(s, "EmotionalEnergy"), &v) &&
            !zj_ing_add_meta(c, t, "emotion_energy", "%g", v))
            goto nomem;
        json_t *types = json_object_get(s, "EmotionType");
        if (json_is_array(types) && json_array_size(types) > 0 &&
            json_is_string(json_array_get(types, 0)) &&
            !zj_ing_add_meta(c, t, "emotion", "%.64s", json_string_value(json_array_get(types, 0))))
            goto nomem;
    }
    return true;
nomem:
    zj_error_set(err, ZJ_ERR_NOMEM, src, 0, 0, "out of memory");
    return false;
}

/* "[0:1.640,0:4.600,0]  text" lines. */
static bool result_lines(const char *text, size_t n, const char *base, zj_call *c, const char *src,
                         zj_error *err)
{
    const char *p = text, *end = text + n;
    long line = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        line++;
        const char *q = p;
        while (q < le && (*q == ' ' || *q == '\r'))
            q++;
        if (q < le) {
            const char *close = *q == '[' ? memchr(q, ']', (size_t)(le - q)) : NULL;
            if (!close)
                return zj_error_set(err, ZJ_ERR_INVALID, src, 0, 0,
                                    "%s.Result, line %ld: expected [start,end,speaker] "
                                    "before the text",
                                    base, line),
                       false;
            const char *f[3];
            size_t fl[3];
            int k = 0;
            const char *a = q + 1;
            while (k < 3) {
                const char *comma = memchr(a, ',', (size_t)(close - a));
                const char *fe = comma ? comma : close;
                f[k] = a;
                fl[k] = (size_t)(fe - a);
                k++;
                if (!comma)
                    break;
                a = comma + 1;
            }
            int64_t start, stop;
            if (k < 2 || !zj_ing_clock_minutes(f[0], fl[0], &start) ||
                !zj_ing_clock_minutes(f[1], fl[1], &stop) || stop < start)
                return zj_error_set(err, ZJ_ERR_INVALID, src, 0, 0,
                                    "%s.Result, line %ld: broken times '%.*s'", base, line,
                                    (int)(close - q + 1 > 60 ? 60 : close - q + 1), q),
                       false;
            zj_party who = {.role = ZJ_ROLE_UNKNOWN, .channel = -1};
            if (k == 3) {
                if (fl[2] == 0 || fl[2] >= sizeof who.speaker)
                    return zj_error_set(err, ZJ_ERR_INVALID, src, 0, 0,
                                        "%s.Result, line %ld: broken speaker number", base, line),
                           false;
                memcpy(who.speaker, f[2], fl[2]);
                who.speaker[fl[2]] = '\0';
            }
            if (!zj_ing_add_turn(c, close + 1, (size_t)(le - close - 1), start, stop, &who))
                return zj_error_set(err, ZJ_ERR_NOMEM, src, 0, 0, "out of memory"), false;
        }
        p = nl ? nl + 1 : end;
    }
    return true;
}

static zj_call *build(json_t *root, zj_ingest_out *out, zj_error *err)
{
    const char *src = out->source;
    json_t *resp = json_object_get(root, "Response");
    const char *base = json_is_object(resp) ? "$.Response.Data" : "$.Data";
    json_t *data = json_object_get(json_is_object(resp) ? resp : root, "Data");
    if (!json_is_object(data)) {
        zj_error_set(err, ZJ_ERR_INVALID, src, 0, 0, "%s: %s", base,
                     data ? "expected an object" : "missing");
        return NULL;
    }
    zj_call *c = zj_ing_call_new(out->default_id, src, 0);
    if (!c) {
        zj_error_set(err, ZJ_ERR_NOMEM, src, 0, 0, "out of memory");
        return NULL;
    }
    double v;
    if (zj_ing_json_num(json_object_get(data, "AudioDuration"), &v) &&
        !zj_ing_add_meta(c, -1, "audio_duration_ms", "%.0f", v * 1000))
        goto nomem;
    json_t *list = json_object_get(data, "ResultDetail");
    bool ok;
    if (list && !json_is_null(list)) {
        if (!json_is_array(list)) {
            zj_error_set(err, ZJ_ERR_INVALID, src, 0, 0,
                         "%s.ResultDetail: expected an array or null", base);
            goto fail;
        }
        ok = detail(list, base, c, src, err);
    } else {
        const char *text;
        size_t len;
        char path[32];
        snprintf(path, sizeof path, "%s.Result", base);
        ok = zj_ing_json_str(json_object_get(data, "Result"), true, &text, &len, src, path, err) &&
             result_lines(text, len, base, c, src, err);
    }
    if (!ok)
        goto fail;
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

const zj_ingest_ops zj_ingest_tencent = {
    .name = "tencent",
    .description = "Tencent Cloud recording recognition (Data.ResultDetail[], or the "
                   "[m:ss.mmm,m:ss.mmm,spk] lines of Data.Result)",
    .extensions = ".json",
    .detect = detect,
    .parse = parse,
};
