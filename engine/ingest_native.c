/* ingest_native.c — zhijian's own call JSON as an input format: detection
 * for the format table, and a whole-buffer parse for the paths that read a
 * file whole (a named --encoding, fuzzing). The reader streams native JSONL
 * itself, through the fast parser, and never calls parse for it. */
#include "internal.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static int detect(const char *s, size_t n, const char *path)
{
    size_t i = 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
        i++;
    if (i == n || (s[i] != '{' && s[i] != '['))
        return 0;
    /* Both required keys beat any vendor's: a native call may carry the raw
     * ASR result it was made from in a field of its own. */
    if (zj_ing_has(s, n, "\"turns\""))
        return zj_ing_has(s, n, "\"call_id\"") ? 95 : 80;
    /* Not one of the vendors' shapes but a call id: the native reader's own
     * messages say what is missing. */
    return zj_ing_has(s, n, "\"call_id\"") ? 45 : 0;
}

static void push(zj_ingest_out *out, zj_call *c, const zj_error *e)
{
    if (c)
        zj_ingest_push_call(out, c);
    else
        zj_ingest_push_error(out, e);
}

static void parse(const char *content, size_t len, zj_ingest_out *out)
{
    zj_error e;
    zj_error_clear(&e);
    json_error_t jerr;
    json_t *root = json_loadb(content, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root) {
        if (json_is_array(root)) {
            size_t i, count = json_array_size(root);
            long *lines = malloc((count ? count : 1) * sizeof *lines);
            if (!lines) {
                out->nomem = true;
                json_decref(root);
                return;
            }
            zj_json_array_lines(content, len, lines, count);
            json_t *item;
            json_array_foreach(root, i, item)
            {
                zj_error_clear(&e);
                push(out, zj_call_from_json(item, out->source, lines[i], &e), &e);
            }
            free(lines);
        } else {
            push(out, zj_call_from_json(root, out->source, 1, &e), &e);
        }
        json_decref(root);
        return;
    }
    /* JSON lines: one call per line, blank lines skipped. */
    const char *p = content, *end = content + len;
    long line = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        line++;
        const char *q = p;
        while (q < le && (*q == ' ' || *q == '\t' || *q == '\r'))
            q++;
        if (q < le) {
            zj_error_clear(&e);
            push(out, zj_call_parse_json(p, (size_t)(le - p), out->source, line, &e), &e);
        }
        p = nl ? nl + 1 : end;
    }
}

const zj_ingest_ops zj_ingest_native = {
    .name = "native",
    .description = "zhijian call JSON: one object (or an array) per .json file, one per line "
                   "in .jsonl",
    .extensions = ".json .jsonl",
    .detect = detect,
    .parse = parse,
};
