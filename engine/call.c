/* call.c — one native call JSON object into a zj_call, with precise errors. */
#include "internal.h"

#include <jansson.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

void zj_call_free(zj_call *call)
{
    if (!call)
        return;
    if (call->meta || call->parties)
        zj_call_meta_free(call);
    if (call->arena) {
        if (call->arena != (char *)(call + 1)) /* not allocated with the call */
            free(call->arena);
        free(call->turns);
        free(call);
        return;
    }
    free(call->call_id);
    free(call->agent_id);
    free(call->agent_name);
    free(call->team);
    free(call->direction);
    free(call->call_type);
    free(call->started_at);
    for (size_t i = 0; i < call->n_turns; i++)
        free(call->turns[i].text);
    free(call->turns);
    free(call);
}

static char *dup_n(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

/* A string with a NUL (\u0000, which JSON_ALLOW_NUL lets through) would be
 * cut short everywhere it is used as a C string. */
static bool has_nul(const json_t *str)
{
    return memchr(json_string_value(str), '\0', json_string_length(str)) != NULL;
}

/* Optional string field: absent or null -> NULL; other types are an error. */
static bool opt_string(json_t *obj, const char *key, char **out, zj_error *err, const char *src,
                       long line)
{
    json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (!v || json_is_null(v))
        return true;
    if (!json_is_string(v)) {
        zj_error_set(err, ZJ_ERR_INVALID, src, line, 0, "'%s' must be a string", key);
        return false;
    }
    if (has_nul(v)) {
        zj_error_set(err, ZJ_ERR_INVALID, src, line, 0, "'%s' contains a NUL character", key);
        return false;
    }
    *out = dup_n(json_string_value(v), json_string_length(v));
    if (!*out) {
        zj_error_set(err, ZJ_ERR_NOMEM, src, line, 0, "out of memory");
        return false;
    }
    return true;
}

/* Optional non-negative integer: absent or null -> -1. */
static bool opt_ms(json_t *obj, const char *key, int64_t *out, const char *what, zj_error *err,
                   const char *src, long line)
{
    json_t *v = json_object_get(obj, key);
    *out = -1;
    if (!v || json_is_null(v))
        return true;
    if (!json_is_integer(v) || json_integer_value(v) < 0) {
        zj_error_set(err, ZJ_ERR_INVALID, src, line, 0, "%s'%s' must be a non-negative integer",
                     what, key);
        return false;
    }
    if (json_integer_value(v) > ZJ_MAX_MS) {
        zj_error_set(err, ZJ_ERR_INVALID, src, line, 0,
                     "%s'%s' is out of range (at most 1000000000000 ms)", what, key);
        return false;
    }
    *out = (int64_t)json_integer_value(v);
    return true;
}

static int days_from_civil(int y, int m, int d)
{
    /* Howard Hinnant's algorithm: days since 1970-01-01. */
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static bool digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

/* YYYY-MM-DD[T ]HH:MM[:SS[.fff]][Z|±HH:MM|±HHMM]. A time without an offset is
 * taken as written (offset 0), so its local date is the written date. A leap
 * second (:60) is read as :59.999 of the same minute. */
bool zj_parse_timestamp(const char *s, int64_t *utc_ms, int *offset_min)
{
    int y, mo, d, h, mi, sec = 0, ms = 0, off = 0;
    size_t n = strlen(s);
    if (n < 16 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' ||
        !digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != ' ' && s[10] != 't') ||
        !digits(s + 11, 2, &h) || s[13] != ':' || !digits(s + 14, 2, &mi))
        return false;
    const char *p = s + 16;
    if (*p == ':') {
        if (!digits(p + 1, 2, &sec))
            return false;
        p += 3;
        if (*p == '.' || *p == ',') {
            p++;
            int scale = 100, k = 0;
            while (*p >= '0' && *p <= '9') {
                if (k < 3)
                    ms += (*p - '0') * scale;
                scale /= 10;
                k++;
                p++;
            }
            if (k == 0)
                return false;
        }
    }
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om;
        int sign = *p == '-' ? -1 : 1;
        if (!digits(p + 1, 2, &oh))
            return false;
        p += 3;
        if (*p == ':')
            p++;
        if (!digits(p, 2, &om))
            return false;
        p += 2;
        if (oh > 14 || om > 59)
            return false;
        off = sign * (oh * 60 + om);
    }
    if (*p)
        return false;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || sec > 60)
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (mo == 2 && d == 29 && !leap)
        return false;
    if (sec == 60) {
        /* A leap second is kept in its own minute (the last millisecond of
         * :59): counted as the next second, 23:59:60 on 31 December would
         * land the call in the next day, month and year. */
        sec = 59;
        ms = 999;
    }
    int64_t days = days_from_civil(y, mo, d);
    int64_t local = ((days * 24 + h) * 60 + mi) * 60 + sec;
    *utc_ms = (local - (int64_t)off * 60) * 1000 + ms;
    *offset_min = off;
    return true;
}

static bool parse_turn(json_t *t, size_t index, zj_turn *out, zj_error *err, const char *src,
                       long line)
{
    char what[48];
    snprintf(what, sizeof what, "turn %zu: ", index);
    if (!json_is_object(t)) {
        zj_error_set(err, ZJ_ERR_INVALID, src, line, 0, "turn %zu: must be an object", index);
        return false;
    }
    json_t *sp = json_object_get(t, "speaker");
    if (!sp) {
        zj_error_set(err, ZJ_ERR_INVALID, src, line, 0, "turn %zu: missing 'speaker'", index);
        return false;
    }
    const char *speaker = json_is_string(sp) ? json_string_value(sp) : NULL;
    if (speaker && has_nul(sp)) {
        zj_error_set(err, ZJ_ERR_INVALID, src, line, 0,
                     "turn %zu: 'speaker' contains a NUL character", index);
        return false;
    }
    if (speaker && strcmp(speaker, "agent") == 0) {
        out->speaker = ZJ_SPEAKER_AGENT;
    } else if (speaker && strcmp(speaker, "customer") == 0) {
        out->speaker = ZJ_SPEAKER_CUSTOMER;
    } else {
        zj_error_set(err, ZJ_ERR_INVALID, src, line, 0,
                     "turn %zu: unknown speaker '%.64s' (expected agent or customer)", index,
                     speaker ? speaker : "(not a string)");
        return false;
    }
    json_t *tx = json_object_get(t, "text");
    if (!tx) {
        zj_error_set(err, ZJ_ERR_INVALID, src, line, 0, "turn %zu: missing 'text'", index);
        return false;
    }
    if (!json_is_string(tx)) {
        zj_error_set(err, ZJ_ERR_INVALID, src, line, 0, "turn %zu: 'text' must be a string", index);
        return false;
    }
    out->text_len = json_string_length(tx);
    if (has_nul(tx)) {
        zj_error_set(err, ZJ_ERR_INVALID, src, line, 0, "turn %zu: 'text' contains a NUL character",
                     index);
        return false;
    }
    if (!opt_ms(t, "start_ms", &out->start_ms, what, err, src, line) ||
        !opt_ms(t, "end_ms", &out->end_ms, what, err, src, line))
        return false;
    if (out->start_ms >= 0 && out->end_ms >= 0 && out->end_ms < out->start_ms) {
        zj_error_set(err, ZJ_ERR_INVALID, src, line, 0, "turn %zu: 'end_ms' is before 'start_ms'",
                     index);
        return false;
    }
    out->text = dup_n(json_string_value(tx), out->text_len);
    if (!out->text) {
        zj_error_set(err, ZJ_ERR_NOMEM, src, line, 0, "out of memory");
        return false;
    }
    return true;
}

zj_call *zj_call_from_json(json_t *root, const char *src, long line, zj_error *err)
{
    if (!json_is_object(root)) {
        zj_error_set(err, ZJ_ERR_INVALID, src, line, 0, "a call must be a JSON object");
        return NULL;
    }
    zj_call *call = calloc(1, sizeof *call);
    if (!call) {
        zj_error_set(err, ZJ_ERR_NOMEM, src, line, 0, "out of memory");
        return NULL;
    }
    call->started_at_utc_ms = INT64_MIN;
    call->source = src;
    call->line = line;
    json_t *id = json_object_get(root, "call_id");
    if (!id || json_is_null(id)) {
        zj_error_set(err, ZJ_ERR_INVALID, src, line, 0, "missing required field 'call_id'");
        goto fail;
    }
    if (!json_is_string(id) || json_string_length(id) == 0) {
        zj_error_set(err, ZJ_ERR_INVALID, src, line, 0, "'call_id' must be a non-empty string");
        goto fail;
    }
    if (has_nul(id)) {
        zj_error_set(err, ZJ_ERR_INVALID, src, line, 0, "'call_id' contains a NUL character");
        goto fail;
    }
    call->call_id = dup_n(json_string_value(id), json_string_length(id));
    if (!opt_string(root, "agent_id", &call->agent_id, err, src, line) ||
        !opt_string(root, "agent_name", &call->agent_name, err, src, line) ||
        !opt_string(root, "team", &call->team, err, src, line) ||
        !opt_string(root, "direction", &call->direction, err, src, line) ||
        !opt_string(root, "call_type", &call->call_type, err, src, line) ||
        !opt_string(root, "started_at", &call->started_at, err, src, line) ||
        !opt_ms(root, "ring_ms", &call->ring_ms, "", err, src, line))
        goto fail;
    if (call->started_at &&
        !zj_parse_timestamp(call->started_at, &call->started_at_utc_ms, &call->utc_offset_min)) {
        zj_error_set(err, ZJ_ERR_INVALID, src, line, 0,
                     "'started_at' is not an ISO 8601 time like 2026-11-01T09:00:00+08:00: '%.64s'",
                     call->started_at);
        goto fail;
    }
    json_t *turns = json_object_get(root, "turns");
    if (!turns) {
        zj_error_set(err, ZJ_ERR_INVALID, src, line, 0, "missing required field 'turns'");
        goto fail;
    }
    if (!json_is_array(turns)) {
        zj_error_set(err, ZJ_ERR_INVALID, src, line, 0, "'turns' must be an array");
        goto fail;
    }
    size_t n = json_array_size(turns);
    if (n) {
        call->turns = calloc(n, sizeof *call->turns);
        if (!call->turns) {
            zj_error_set(err, ZJ_ERR_NOMEM, src, line, 0, "out of memory");
            goto fail;
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (!parse_turn(json_array_get(turns, i), i, &call->turns[i], err, src, line))
            goto fail;
        call->n_turns++;
    }
    if (n == 0) {
        /* Scored, it would get base minus the required rules: a figure that
         * looks real for a call nobody spoke in. */
        zj_error_set(err, ZJ_ERR_INVALID, src, line, 0,
                     "'turns' is empty: a call without turns cannot be scored");
        goto fail;
    }
    if (!zj_ing_sort_turns(call)) {
        zj_error_set(err, ZJ_ERR_NOMEM, src, line, 0, "out of memory");
        goto fail;
    }
    return call;
fail:
    zj_call_free(call);
    return NULL;
}

zj_call *zj_call_parse_json(const char *json, size_t len, const char *source, long line,
                            zj_error *err)
{
    bool fallback;
    zj_call *fast = zj_call_parse_fast(json, len, source, line, &fallback);
    if (!fallback)
        return fast;
    return zj_call_parse_general(json, len, source, line, err);
}

zj_call *zj_call_parse_general(const char *json, size_t len, const char *source, long line,
                               zj_error *err)
{
    json_error_t jerr;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
    if (!root) {
        zj_json_error(err, &jerr, json, len, source, line);
        return NULL;
    }
    zj_call *call = zj_call_from_json(root, source, line, err);
    json_decref(root);
    return call;
}

void zj_json_error(zj_error *err, const void *jerr_ptr, const char *text, size_t len,
                   const char *source, long line)
{
    const json_error_t *jerr = jerr_ptr;
    /* jansson running out of memory is no fault of the line: out of memory
     * (exit 2), not a rejected record blamed on valid JSON. */
    if (json_error_code(jerr) == json_error_out_of_memory) {
        zj_error_set(err, ZJ_ERR_NOMEM, source, line, 0, "out of memory");
        return;
    }
    if (!zj_utf8_valid(text, len)) {
        /* A JSON line of a GB18030 export says so, as a whole file does. */
        if (zj_encoding_looks_gb18030(text, len))
            zj_error_set(err, ZJ_ERR_UTF8, source, line, 0,
                         "not UTF-8; the bytes look like GB18030/GBK (a Chinese Windows "
                         "export?): pass --encoding gb18030");
        else
            zj_error_set(err, ZJ_ERR_UTF8, source, line, 0, "invalid UTF-8");
        return;
    }
    long reported = line > 0 && jerr->line > 1 ? line + jerr->line - 1 : line;
    zj_error_set(err, ZJ_ERR_PARSE, source, reported, 0, "invalid JSON: %s (column %d)", jerr->text,
                 jerr->column);
}

void zj_json_array_lines(const char *text, size_t len, long *lines, size_t count)
{
    for (size_t k = 0; k < count; k++)
        lines[k] = 1;
    long line = 1;
    int depth = 0;
    bool in_string = false, want_element = false;
    size_t k = 0;
    for (size_t i = 0; i < len && k < count; i++) {
        char c = text[i];
        if (c == '\n')
            line++;
        if (in_string) {
            if (c == '\\')
                i++; /* an escaped character is never a newline: JSON escapes it */
            else if (c == '"')
                in_string = false;
            continue;
        }
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
            continue;
        if (want_element) {
            lines[k++] = line;
            want_element = false;
        }
        if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            want_element = ++depth == 1 && c == '[';
        } else if (c == ']' || c == '}') {
            depth--;
        } else if (c == ',' && depth == 1) {
            want_element = true;
        }
    }
}
