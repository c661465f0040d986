/* ingest_alibaba_qa.c — Alibaba Cloud intelligent conversation analysis
 * (智能对话分析) text import: a ticket {"tid", "dialogue": [{"role": "客服" |
 * "客户", "words", "begin", "end" (ms), "identity"}]}, a {"tickets": [...]}
 * list of them (one call each), or the contact centre's conversation detail
 * ({"Phrases": [{"Role", "Words", "Begin", "End"}]}). Roles are named. */
#include "internal.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

static int detect(const char *s, size_t n, const char *path)
{
    if (zj_ing_has(s, n, "\"dialogue\"") && zj_ing_has(s, n, "\"words\"") &&
        zj_ing_has(s, n, "\"role\""))
        return 90;
    if (zj_ing_has(s, n, "\"Phrases\"") && zj_ing_has(s, n, "\"Words\"") &&
        zj_ing_has(s, n, "\"Role\""))
        return 90;
    return 0;
}

/* One ticket into a call; path names it in messages. */
static zj_call *ticket(json_t *t, const char *path, const char *default_id, zj_ingest_out *out,
                       zj_error *err)
{
    const char *src = out->source;
    if (!json_is_object(t)) {
        zj_error_set(err, ZJ_ERR_INVALID, src, 0, 0, "%s: expected an object", path);
        return NULL;
    }
    bool ccc = json_object_get(t, "Phrases") != NULL;
    const char *k_list = ccc ? "Phrases" : "dialogue", *k_role = ccc ? "Role" : "role",
               *k_words = ccc ? "Words" : "words", *k_begin = ccc ? "Begin" : "begin",
               *k_end = ccc ? "End" : "end", *k_identity = ccc ? "Identity" : "identity";
    json_t *list = json_object_get(t, k_list);
    if (!json_is_array(list)) {
        zj_error_set(err, ZJ_ERR_INVALID, src, 0, 0, "%s.%s: %s", path, k_list,
                     list ? "expected an array" : "missing");
        return NULL;
    }
    const char *id = default_id;
    json_t *tid = json_object_get(t, "tid");
    if (json_is_string(tid) && json_string_length(tid) > 0)
        id = json_string_value(tid);
    zj_call *c = zj_ing_call_new(id, src, 0);
    if (!c)
        goto nomem;
    size_t i;
    json_t *s;
    json_array_foreach(list, i, s)
    {
        char p[128], fp[160];
        snprintf(p, sizeof p, "%s.%s[%zu]", path, k_list, i);
        if (!json_is_object(s)) {
            zj_error_set(err, ZJ_ERR_INVALID, src, 0, 0, "%s: expected an object", p);
            goto fail;
        }
        const char *role, *words;
        size_t role_len, words_len;
        int64_t start, end;
#define FIELD(name) (snprintf(fp, sizeof fp, "%s.%s", p, name), fp)
        if (!zj_ing_json_str(json_object_get(s, k_role), true, &role, &role_len, src, FIELD(k_role),
                             err) ||
            !zj_ing_json_str(json_object_get(s, k_words), true, &words, &words_len, src,
                             FIELD(k_words), err) ||
            !zj_ing_json_ms(json_object_get(s, k_begin), 1, false, &start, src, FIELD(k_begin),
                            err) ||
            !zj_ing_json_ms(json_object_get(s, k_end), 1, false, &end, src, FIELD(k_end), err))
            goto fail;
        zj_party who = {.role = zj_ing_role_name(role, role_len), .channel = -1};
        if (who.role < 0) {
            zj_error_set(err, ZJ_ERR_INVALID, src, 0, 0,
                         "%s: unknown role '%.32s' (expected 客服 or 客户)", FIELD(k_role), role);
            goto fail;
        }
#undef FIELD
        if (start >= 0 && end >= 0 && end < start) {
            zj_error_set(err, ZJ_ERR_INVALID, src, 0, 0, "%s: %s is before %s", p, k_end, k_begin);
            goto fail;
        }
        json_t *identity = json_object_get(s, k_identity);
        if (who.role == ZJ_SPEAKER_AGENT && json_is_string(identity) && !c->agent_id &&
            !zj_ing_set(&c->agent_id, json_string_value(identity),
                        strlen(json_string_value(identity))))
            goto nomem;
        if (!zj_ing_add_turn(c, words, words_len, start, end, &who))
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
    zj_error e;
    zj_error_clear(&e);
    json_t *root = zj_ing_json_load(content, len, out->source, &e);
    if (!root) {
        zj_ingest_push_error(out, &e);
        return;
    }
    json_t *tickets = json_object_get(root, "tickets");
    if (json_is_array(tickets)) {
        /* Several calls: each a record of its own, an error rejects only it. */
        size_t i;
        json_t *t;
        json_array_foreach(tickets, i, t)
        {
            char path[48], id[300];
            snprintf(path, sizeof path, "$.tickets[%zu]", i);
            snprintf(id, sizeof id, "%s-%zu", out->default_id, i + 1);
            zj_error_clear(&e);
            zj_call *c = ticket(t, path, id, out, &e);
            if (c)
                zj_ingest_push_call(out, c);
            else
                zj_ingest_push_error(out, &e);
        }
        if (json_array_size(tickets) == 0) {
            zj_error_set(&e, ZJ_ERR_INVALID, out->source, 0, 0, "$.tickets: empty");
            zj_ingest_push_error(out, &e);
        }
    } else {
        zj_call *c = ticket(root, "$", out->default_id, out, &e);
        if (c)
            zj_ingest_push_call(out, c);
        else
            zj_ingest_push_error(out, &e);
    }
    json_decref(root);
}

const zj_ingest_ops zj_ingest_alibaba_qa = {
    .name = "alibaba-qa",
    .description = "Alibaba Cloud conversation analysis import (dialogue[] with role 客服/客户, "
                   "words, begin, end)",
    .extensions = ".json",
    .detect = detect,
    .parse = parse,
};
