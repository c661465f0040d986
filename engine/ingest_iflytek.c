/* ingest_iflytek.c — iFlytek file transcription (录音文件转写, lfasr):
 * content.orderResult is a JSON string (or an object) whose lattice[] items
 * hold json_1best, again a JSON string (or an object): st.bg / st.ed are
 * start and end in ms written as strings, st.rl the speaker (role
 * separation; "0" without it), and the words rt[].ws[].cw[0].w, with
 * punctuation as tokens of wp "p" and segment marks (wp "g") left out. */
#include "internal.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

static int detect(const char *s, size_t n, const char *path)
{
    if (zj_ing_has(s, n, "orderResult") || zj_ing_has(s, n, "json_1best"))
        return 90;
    return 0;
}

/* v itself, or the JSON a string holds (*owned set: decref it). */
static json_t *maybe_string_json(json_t *v, json_t **owned, const char *src, const char *path,
                                 zj_error *err)
{
    *owned = NULL;
    if (!json_is_string(v))
        return v;
    json_error_t jerr;
    json_t *inner =
        json_loadb(json_string_value(v), json_string_length(v), JSON_REJECT_DUPLICATES, &jerr);
    if (!inner) {
        zj_error_set(err, ZJ_ERR_PARSE, src, 0, 0,
                     "%s: the JSON inside this string is invalid: %s (line %d, column %d)", path,
                     jerr.text, jerr.line, jerr.column);
        return NULL;
    }
    *owned = inner;
    return inner;
}

/* The words of one sentence into buf. */
static bool words(json_t *st, zj_buf *buf, const char *src, const char *path, zj_error *err)
{
    json_t *rt = json_object_get(st, "rt");
    if (!json_is_array(rt))
        return zj_error_set(err, ZJ_ERR_INVALID, src, 0, 0, "%s.rt: %s", path,
                            rt ? "expected an array" : "missing"),
               false;
    size_t i, j;
    json_t *r, *w;
    json_array_foreach(rt, i, r)
    {
        json_t *ws = json_object_get(r, "ws");
        if (!json_is_array(ws))
            return zj_error_set(err, ZJ_ERR_INVALID, src, 0, 0, "%s.rt[%zu].ws: %s", path, i,
                                ws ? "expected an array" : "missing"),
                   false;
        json_array_foreach(ws, j, w)
        {
            json_t *cw = json_object_get(w, "cw");
            json_t *best = json_is_array(cw) ? json_array_get(cw, 0) : NULL;
            json_t *word = json_object_get(best, "w");
            if (!json_is_string(word))
                return zj_error_set(err, ZJ_ERR_INVALID, src, 0, 0,
                                    "%s.rt[%zu].ws[%zu].cw[0].w: %s", path, i, j,
                                    word ? "expected a string" : "missing"),
                       false;
            json_t *wp = json_object_get(best, "wp");
            if (json_is_string(wp) && strcmp(json_string_value(wp), "g") == 0)
                continue;
            if (zj_buf_append(buf, json_string_value(word), json_string_length(word)) != ZJ_OK)
                return zj_error_set(err, ZJ_ERR_NOMEM, src, 0, 0, "out of memory"), false;
        }
    }
    return true;
}

static zj_call *build(json_t *root, zj_ingest_out *out, zj_error *err)
{
    const char *src = out->source;
    json_t *holder = root, *order, *owned_order = NULL;
    const char *base = "$.orderResult";
    json_t *content = json_object_get(root, "content");
    if (json_is_object(content)) {
        holder = content;
        base = "$.content.orderResult";
    }
    order = json_object_get(holder, "orderResult");
    if (!order && json_object_get(root, "lattice")) {
        order = root;
        base = "$";
    }
    if (!order || json_is_null(order)) {
        zj_error_set(err, ZJ_ERR_INVALID, src, 0, 0, "%s: missing", base);
        return NULL;
    }
    order = maybe_string_json(order, &owned_order, src, base, err);
    if (!order)
        return NULL;
    zj_call *c = NULL;
    zj_buf text;
    zj_buf_init(&text);
    json_t *lattice = json_object_get(order, "lattice");
    if (!json_is_array(lattice)) {
        zj_error_set(err, ZJ_ERR_INVALID, src, 0, 0, "%s.lattice: %s", base,
                     lattice ? "expected an array" : "missing");
        goto fail;
    }
    c = zj_ing_call_new(out->default_id, src, 0);
    if (!c)
        goto nomem;
    size_t i;
    json_t *item;
    json_array_foreach(lattice, i, item)
    {
        char p[128], fp[192];
        snprintf(p, sizeof p, "%s.lattice[%zu].json_1best", base, i);
        json_t *owned = NULL;
        json_t *best = maybe_string_json(json_object_get(item, "json_1best"), &owned, src, p, err);
        if (!best)
            goto fail;
        json_t *st = json_object_get(best, "st");
        bool ok = json_is_object(st);
        if (!ok)
            zj_error_set(err, ZJ_ERR_INVALID, src, 0, 0, "%s.st: %s", p,
                         st ? "expected an object" : "missing");
        int64_t start = -1, end = -1;
        zj_party who = {.role = ZJ_ROLE_UNKNOWN, .channel = -1};
        snprintf(p + strlen(p), sizeof p - strlen(p), ".st");
#define FIELD(name) (snprintf(fp, sizeof fp, "%s.%s", p, name), fp)
        ok = ok &&
             zj_ing_json_ms(json_object_get(st, "bg"), 1, true, &start, src, FIELD("bg"), err) &&
             zj_ing_json_ms(json_object_get(st, "ed"), 1, true, &end, src, FIELD("ed"), err) &&
             zj_ing_json_id(json_object_get(st, "rl"), who.speaker, sizeof who.speaker, src,
                            FIELD("rl"), err);
#undef FIELD
        if (ok && end < start) {
            zj_error_set(err, ZJ_ERR_INVALID, src, 0, 0, "%s: ed is before bg", p);
            ok = false;
        }
        zj_buf_reset(&text);
        ok = ok && words(st, &text, src, p, err);
        json_decref(owned);
        if (!ok)
            goto fail;
        if (!zj_ing_add_turn(c, text.data ? text.data : "", text.len, start, end, &who))
            goto nomem;
    }
    zj_buf_free(&text);
    json_decref(owned_order);
    return c;
nomem:
    zj_error_set(err, ZJ_ERR_NOMEM, src, 0, 0, "out of memory");
fail:
    zj_buf_free(&text);
    json_decref(owned_order);
    zj_call_free(c);
    return NULL;
}

static void parse(const char *content, size_t len, zj_ingest_out *out)
{
    zj_ing_json_parse(content, len, out, build);
}

const zj_ingest_ops zj_ingest_iflytek = {
    .name = "iflytek",
    .description = "iFlytek file transcription (orderResult -> lattice[].json_1best, "
                   "st.bg/st.ed ms, st.rl speaker)",
    .extensions = ".json",
    .detect = detect,
    .parse = parse,
};
