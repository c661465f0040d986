/* util.c — shared basics: status strings, error records, growable buffers,
 * enum names and the monotonic clock. */
#include "internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *zj_strerror(zj_status status)
{
    switch (status) {
    case ZJ_OK:
        return "ok";
    case ZJ_DONE:
        return "end of input";
    case ZJ_ERR_NOMEM:
        return "out of memory";
    case ZJ_ERR_DENIED:
        return "not allowed";
    case ZJ_ERR_IO:
        return "input/output error";
    case ZJ_ERR_PARSE:
        return "parse error";
    case ZJ_ERR_UTF8:
        return "invalid UTF-8";
    case ZJ_ERR_INVALID:
        return "invalid content";
    case ZJ_ERR_REGEX:
        return "invalid regular expression";
    case ZJ_ERR_LIMIT:
        return "limit exceeded";
    case ZJ_ERR_DB:
        return "database error";
    case ZJ_ERR_BUSY:
        return "database is locked by another writer";
    case ZJ_ERR_FULL:
        return "disk or database full";
    case ZJ_ERR_NOTFOUND:
        return "not found";
    case ZJ_ERR_USAGE:
        return "usage error";
    }
    return "unknown error";
}

void zj_error_clear(zj_error *err)
{
    if (!err)
        return;
    memset(err, 0, sizeof *err);
}

/* The record's fields are fixed arrays: a longer text is cut on a character
 * boundary and ends in "…", so a message never holds half a UTF-8 sequence. */
static void fit_utf8(char *s, size_t size, int written)
{
    if (written < 0 || (size_t)written < size)
        return;
    static const char ellipsis[] = "\xE2\x80\xA6";
    size_t end = size - sizeof ellipsis; /* room for the ellipsis and the NUL */
    while (end > 0 && ((unsigned char)s[end] & 0xC0) == 0x80)
        end--; /* s[end] now starts a character (or is the first byte) */
    memcpy(s + end, ellipsis, sizeof ellipsis);
}

zj_status zj_error_set(zj_error *err, zj_status status, const char *file, long line, long col,
                       const char *fmt, ...)
{
    if (!err)
        return status;
    err->status = status;
    err->line = line;
    err->col = col;
    fit_utf8(err->file, sizeof err->file,
             snprintf(err->file, sizeof err->file, "%s", file ? file : ""));
    va_list ap;
    va_start(ap, fmt);
    fit_utf8(err->msg, sizeof err->msg, vsnprintf(err->msg, sizeof err->msg, fmt, ap));
    va_end(ap);
    return status;
}

const char *zj_error_format(const zj_error *err, char *buf, size_t size)
{
    if (size == 0)
        return buf;
    const char *msg = err->msg[0] ? err->msg : zj_strerror(err->status);
    if (err->file[0] && err->line > 0 && err->col > 0)
        snprintf(buf, size, "%s:%ld:%ld: %s", err->file, err->line, err->col, msg);
    else if (err->file[0] && err->line > 0)
        snprintf(buf, size, "%s:%ld: %s", err->file, err->line, msg);
    else if (err->file[0])
        snprintf(buf, size, "%s: %s", err->file, msg);
    else
        snprintf(buf, size, "%s", msg);
    return buf;
}

/* ----------------------------------------------------------------- names */

const char *zj_speaker_name(zj_speaker s)
{
    switch (s) {
    case ZJ_SPEAKER_AGENT:
        return "agent";
    case ZJ_SPEAKER_CUSTOMER:
        return "customer";
    case ZJ_SPEAKER_ANY:
        return "any";
    }
    return "?";
}

const char *zj_kind_name(zj_kind k)
{
    switch (k) {
    case ZJ_KIND_REQUIRED:
        return "required";
    case ZJ_KIND_FORBIDDEN:
        return "forbidden";
    case ZJ_KIND_METRIC:
        return "metric";
    case ZJ_KIND_TAG:
        return "tag";
    }
    return "?";
}

static const char *const severity_names[] = {"observation", "minor", "major", "critical"};

const char *zj_severity_name(zj_severity s)
{
    if ((unsigned)s < sizeof severity_names / sizeof *severity_names)
        return severity_names[s];
    return "?";
}

bool zj_severity_parse(const char *name, zj_severity *out)
{
    for (size_t i = 0; i < sizeof severity_names / sizeof *severity_names; i++) {
        if (strcmp(name, severity_names[i]) == 0) {
            *out = (zj_severity)i;
            return true;
        }
    }
    return false;
}

const char *zj_outcome_name(zj_outcome o)
{
    switch (o) {
    case ZJ_OUT_HIT:
        return "hit";
    case ZJ_OUT_MISSING:
        return "missing";
    case ZJ_OUT_MET:
        return "met";
    case ZJ_OUT_NOT_MEASURABLE:
        return "not_measurable";
    case ZJ_OUT_NOT_APPLICABLE:
        return "not_applicable";
    }
    return "?";
}

static const struct {
    const char *name;
    zj_format fmt;
} format_names[] = {
    {"text", ZJ_FMT_TEXT},     {"json", ZJ_FMT_JSON},   {"jsonl", ZJ_FMT_JSONL},
    {"md", ZJ_FMT_MD},         {"markdown", ZJ_FMT_MD}, {"html", ZJ_FMT_HTML},
    {"csv", ZJ_FMT_CSV},       {"sarif", ZJ_FMT_SARIF}, {"junit", ZJ_FMT_JUNIT},
    {"github", ZJ_FMT_GITHUB},
};

bool zj_format_parse(const char *name, zj_format *out)
{
    for (size_t i = 0; i < sizeof format_names / sizeof *format_names; i++) {
        if (strcmp(name, format_names[i].name) == 0) {
            *out = format_names[i].fmt;
            return true;
        }
    }
    return false;
}

/* ---------------------------------------------------------------- buffers */

void zj_buf_init(zj_buf *b)
{
    memset(b, 0, sizeof *b);
}

static zj_status buf_reserve(zj_buf *b, size_t extra)
{
    if (b->failed)
        return ZJ_ERR_NOMEM;
    if (b->len + extra + 1 <= b->cap)
        return ZJ_OK;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p) {
        b->failed = true;
        return ZJ_ERR_NOMEM;
    }
    b->data = p;
    b->cap = cap;
    return ZJ_OK;
}

zj_status zj_buf_append(zj_buf *b, const char *s, size_t n)
{
    if (buf_reserve(b, n) != ZJ_OK)
        return ZJ_ERR_NOMEM;
    if (n)
        memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
    return ZJ_OK;
}

zj_status zj_buf_puts(zj_buf *b, const char *s)
{
    return zj_buf_append(b, s, strlen(s));
}

zj_status zj_buf_printf(zj_buf *b, const char *fmt, ...)
{
    /* One formatting pass in the common case: try the room we have first. */
    if (buf_reserve(b, 64) != ZJ_OK)
        return ZJ_ERR_NOMEM;
    size_t room = b->cap - b->len;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->data + b->len, room, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->data[b->len] = '\0';
        b->failed = true;
        return ZJ_ERR_INVALID;
    }
    if ((size_t)n >= room) {
        if (buf_reserve(b, (size_t)n) != ZJ_OK)
            return ZJ_ERR_NOMEM;
        va_start(ap, fmt);
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    b->len += (size_t)n;
    return ZJ_OK;
}

zj_status zj_buf_json_str(zj_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    if (buf_reserve(b, n + 2) != ZJ_OK)
        return ZJ_ERR_NOMEM;
    b->data[b->len++] = '"';
    size_t run = 0; /* start of the pending run of bytes that need no escape */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        if (zj_buf_append(b, s + run, i - run) != ZJ_OK)
            return ZJ_ERR_NOMEM;
        char esc[7] = {'\\', 0};
        switch (c) {
        case '"':
            esc[1] = '"';
            break;
        case '\\':
            esc[1] = '\\';
            break;
        case '\n':
            esc[1] = 'n';
            break;
        case '\r':
            esc[1] = 'r';
            break;
        case '\t':
            esc[1] = 't';
            break;
        default:
            memcpy(esc, "\\u00", 4);
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
        }
        if (zj_buf_append(b, esc, strlen(esc)) != ZJ_OK)
            return ZJ_ERR_NOMEM;
        run = i + 1;
    }
    if (zj_buf_append(b, s + run, n - run) != ZJ_OK)
        return ZJ_ERR_NOMEM;
    return zj_buf_append(b, "\"", 1);
}

void zj_buf_reset(zj_buf *b)
{
    b->len = 0;
    b->failed = false;
    if (b->data)
        b->data[0] = '\0';
}

void zj_buf_free(zj_buf *b)
{
    free(b->data);
    zj_buf_init(b);
}

/* ---------------------------------------------------------------- strings */

bool zj_grow(void **v, size_t n, size_t *cap, size_t size)
{
    if (n < *cap)
        return true;
    size_t c = *cap ? *cap * 2 : 16;
    if (c < *cap || c > SIZE_MAX / size)
        return false;
    void *p = realloc(*v, c * size);
    if (!p)
        return false;
    *v = p;
    *cap = c;
    return true;
}

bool zj_whole_ms(double seconds, int64_t *ms)
{
    double x = seconds * 1000.0;
    double whole = floor(x + 0.5);
    /* 1e-6 ms: the error of the decimal-to-binary conversion of a bound
     * below a day, far below the 1e-3 ms of the finest fraction refused */
    if (fabs(x - whole) > 1e-6)
        return false;
    *ms = (int64_t)whole;
    return true;
}

double zj_half_up(double v, int decimals)
{
    if (v != v || decimals < 0 || decimals > 9)
        return v;
    double p = 1;
    for (int i = 0; i < decimals; i++)
        p *= 10;
    /* 1e-7 of a unit in the last place: figures are sums and ratios of
     * counts, never that close to a half without being one. */
    double x = v * p;
    return (x >= 0 ? floor(x + 0.5 + 1e-7) : ceil(x - 0.5 - 1e-7)) / p;
}

char *zj_strdup(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

char *zj_path_beside(const char *from, const char *value)
{
    const char *slash = strrchr(from, '/');
    if (value[0] == '/' || !slash)
        return zj_strdup(value);
    size_t dir = (size_t)(slash - from), n = strlen(value);
    char *p = malloc(dir + 1 + n + 1);
    if (p) {
        memcpy(p, from, dir);
        p[dir] = '/';
        memcpy(p + dir + 1, value, n + 1);
    }
    return p;
}

/* ------------------------------------------------------------------ hits */

zj_status zj_hits_push(zj_hits *h, uint32_t pattern, uint32_t start, uint32_t end)
{
    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 32;
        zj_hit *v = realloc(h->v, cap * sizeof *v);
        if (!v)
            return ZJ_ERR_NOMEM;
        h->v = v;
        h->cap = cap;
    }
    h->v[h->n++] = (zj_hit){pattern, start, end};
    return ZJ_OK;
}

int zj_hit_cmp(const void *a, const void *b)
{
    const zj_hit *x = a, *y = b;
    if (x->pattern != y->pattern)
        return x->pattern < y->pattern ? -1 : 1;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return x->end < y->end ? -1 : x->end > y->end;
}

/* ------------------------------------------------------------------ clock */

uint64_t zj_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
