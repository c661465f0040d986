/* report_json.h — the small helpers the reports' JSON data formats share
 * (docs/schema/): jansson values built key by key, every failure counted. */
#ifndef ZJ_REPORT_JSON_H
#define ZJ_REPORT_JSON_H

#include "internal.h"

#include <jansson.h>
#include <stdlib.h>

/* A string or null. */
static inline json_t *jstr(const char *s)
{
    return s ? json_string(s) : json_null();
}

/* Sets key of o to v; false when v could not be made or set (out of
 * memory, or a string that is not UTF-8). */
static inline bool jset(json_t *o, const char *key, json_t *v)
{
    return v && json_object_set_new(o, key, v) == 0;
}

/* Appends root, indented, keys in insertion order, reals to 12 significant
 * digits (the means and rates as computed, without the last bits of binary
 * noise), and a newline to out; releases root. ok false (a value could not
 * be built) or a failed dump is out of memory: no partial document. */
static inline zj_status zj_report_json_emit(json_t *root, bool ok, zj_buf *out)
{
    char *text =
        ok ? json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12))
           : NULL;
    json_decref(root);
    if (!text)
        return ZJ_ERR_NOMEM;
    zj_buf_puts(out, text);
    zj_buf_puts(out, "\n");
    free(text);
    return out->failed ? ZJ_ERR_NOMEM : ZJ_OK;
}

#endif
