/* util.c — shared basics: status strings, error records, growable buffers,
 * enum names, SHA-256 and the monotonic clock. */
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

/* ------------------------------------------------------------------ clock */

uint64_t zj_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---------------------------------------------------------------- SHA-256 */

static const uint32_t sha_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void sha256_block(uint32_t h[8], const unsigned char *p)
{
    uint32_t w[64];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 =
            hh + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) + ((e & f) ^ (~e & g)) + sha_k[i] + w[i];
        uint32_t t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        hh = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
    h[5] += f;
    h[6] += g;
    h[7] += hh;
}

void zj_sha256_hex(const void *data, size_t len, char out[65])
{
    uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                     0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    const unsigned char *p = data;
    size_t full = len / 64;
    for (size_t i = 0; i < full; i++)
        sha256_block(h, p + 64 * i);
    unsigned char tail[128] = {0};
    size_t rest = len - full * 64;
    memcpy(tail, p + full * 64, rest);
    tail[rest] = 0x80;
    size_t tail_len = rest + 9 <= 64 ? 64 : 128;
    uint64_t bits = (uint64_t)len * 8;
    for (int i = 0; i < 8; i++)
        tail[tail_len - 1 - i] = (unsigned char)(bits >> (8 * i));
    sha256_block(h, tail);
    if (tail_len == 128)
        sha256_block(h, tail + 64);
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 8; i++)
        for (int j = 0; j < 4; j++) {
            unsigned char byte = (unsigned char)(h[i] >> (24 - 8 * j));
            out[8 * i + 2 * j] = hex[byte >> 4];
            out[8 * i + 2 * j + 1] = hex[byte & 15];
        }
    out[64] = '\0';
}
