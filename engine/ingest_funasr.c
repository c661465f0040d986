/* ingest_funasr.c — FunASR / Paraformer results (the Python API's output
 * saved as JSON): an object, or a list of them, with sentence_info[] whose
 * items hold text (or sentence), start and end (ms) and spk (speaker number,
 * with the speaker model). A list of several results is one call each, named
 * by its key. */
#include "internal.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

static int detect(const char *s, size_t n, const char *path)
{
    return zj_ing_has(s, n, "\"sentence_info\"") ? 90 : 0;
}

static zj_call *one(json_t *r, const char *path, const char *default_id, zj_ingest_out *out,
                    zj_error *err)
{
    const char *src = out->source;
    json_t *list = json_object_get(r, "sentence_info");
    if (!json_is_array(list)) {
        zj_error_set(err, ZJ_ERR_INVALID, src, 0, 0, "%s.sentence_info: %s", path,
                     list ? "expected an array" : "missing");
        return NULL;
    }
    const char *id = default_id;
    json_t *key = json_object_get(r, "key");
    if (json_is_string(key) && json_string_length(key) > 0)
        id = json_string_value(key);
    zj_call *c = zj_ing_call_new(id, src, 0);
    if (!c)
        goto nomem;
    size_t i;
    json_t *s;
    json_array_foreach(list, i, s)
    {
        char p[96];
        snprintf(p, sizeof p, "%s.sentence_info[%zu]", path, i);
        if (!json_is_object(s)) {
            zj_error_set(err, ZJ_ERR_INVALID, src, 0, 0, "%s: expected an object", p);
            goto fail;
        }
        zj_ing_keys keys = {.text = json_object_get(s, "text") ? "text" : "sentence",
                            .start = "start",
                            .end = "end",
                            .speaker = "spk",
                            .unit_ms = 1};
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
    zj_error e;
    zj_error_clear(&e);
    json_t *root = zj_ing_json_load(content, len, out->source, &e);
    if (!root) {
        zj_ingest_push_error(out, &e);
        return;
    }
    if (json_is_array(root)) {
        size_t n = json_array_size(root), i;
        json_t *r;
        json_array_foreach(root, i, r)
        {
            char path[32], id[300];
            snprintf(path, sizeof path, "$[%zu]", i);
            if (n == 1)
                snprintf(id, sizeof id, "%s", out->default_id);
            else
                snprintf(id, sizeof id, "%s-%zu", out->default_id, i + 1);
            zj_error_clear(&e);
            zj_call *c = one(r, path, id, out, &e);
            if (c)
                zj_ingest_push_call(out, c);
            else
                zj_ingest_push_error(out, &e);
        }
    } else {
        zj_call *c = one(root, "$", out->default_id, out, &e);
        if (c)
            zj_ingest_push_call(out, c);
        else
            zj_ingest_push_error(out, &e);
    }
    json_decref(root);
}

const zj_ingest_ops zj_ingest_funasr = {
    .name = "funasr",
    .description = "FunASR / Paraformer (sentence_info[] with text or sentence, start/end ms, "
                   "spk)",
    .extensions = ".json",
    .detect = detect,
    .parse = parse,
};
