/* csv.c — RFC 4180 CSV into rows of fields (quoted fields, doubled quotes,
 * newlines inside quotes), with the line each row starts on. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct fieldbuf {
    char *s;
    size_t n, cap;
} fieldbuf;

static bool fb_put(fieldbuf *b, char c)
{
    if (b->n + 1 >= b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        char *s = realloc(b->s, cap);
        if (!s)
            return false;
        b->s = s;
        b->cap = cap;
    }
    b->s[b->n++] = c;
    return true;
}

static bool row_push(zj_csv_row *r, fieldbuf *b)
{
    char **f = realloc(r->f, (r->n + 1) * sizeof *f);
    if (!f)
        return false;
    r->f = f;
    char *s = malloc(b->n + 1);
    if (!s)
        return false;
    if (b->n)
        memcpy(s, b->s, b->n);
    s[b->n] = '\0';
    r->f[r->n++] = s;
    b->n = 0;
    return true;
}

static void row_free(zj_csv_row *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->f[i]);
    free(r->f);
}

static bool row_blank(const zj_csv_row *r)
{
    return r->n == 1 && r->f[0][0] == '\0';
}

bool zj_csv_parse(const char *text, size_t len, const char *src, zj_csv *out, zj_error *err)
{
    memset(out, 0, sizeof *out);
    fieldbuf b = {0};
    zj_csv_row row = {0};
    long line = 1, row_line = 1;
    size_t cap = 0;
    bool quoted = false, ok = true, reported = false;
    long quote_line = 0;
    size_t i = 0;
    for (;;) {
        bool at_end = i >= len;
        char c = at_end ? '\n' : text[i];
        if (quoted && !at_end) {
            if (c == '"') {
                if (i + 1 < len && text[i + 1] == '"') {
                    ok = fb_put(&b, '"');
                    i += 2;
                } else {
                    quoted = false;
                    i++;
                }
            } else {
                line += c == '\n';
                ok = fb_put(&b, c);
                i++;
            }
            if (!ok)
                break;
            continue;
        }
        if (quoted && at_end) {
            zj_error_set(err, ZJ_ERR_PARSE, src, quote_line, 0,
                         "CSV: a quoted field is never closed");
            ok = false;
            reported = true;
            break;
        }
        if (c == '"' && b.n == 0) {
            quoted = true;
            quote_line = line;
            i++;
            continue;
        }
        if (c == ',') {
            ok = row_push(&row, &b);
            i++;
        } else if (c == '\n' || (c == '\r' && i + 1 < len && text[i + 1] == '\n') || c == '\r') {
            ok = row_push(&row, &b);
            if (ok && !row_blank(&row)) {
                if (out->n == cap) {
                    cap = cap ? cap * 2 : 32;
                    zj_csv_row *v = realloc(out->rows, cap * sizeof *v);
                    if (!v) {
                        ok = false;
                        break;
                    }
                    out->rows = v;
                }
                row.line = row_line;
                out->rows[out->n++] = row;
            } else {
                row_free(&row);
            }
            memset(&row, 0, sizeof row);
            if (at_end)
                break;
            i += c == '\r' && i + 1 < len && text[i + 1] == '\n' ? 2 : 1;
            line++;
            row_line = line;
        } else {
            ok = fb_put(&b, c);
            i++;
        }
        if (!ok)
            break;
    }
    free(b.s);
    row_free(&row);
    if (!ok) {
        if (!reported)
            zj_error_set(err, ZJ_ERR_NOMEM, src, 0, 0, "out of memory");
        zj_csv_free(out);
    }
    return ok;
}

void zj_csv_free(zj_csv *c)
{
    for (size_t i = 0; i < c->n; i++)
        row_free(&c->rows[i]);
    free(c->rows);
    c->rows = NULL;
    c->n = 0;
}

static long column_from(const zj_csv_row *header, const char *names, size_t from)
{
    for (size_t i = from; i < header->n; i++) {
        const char *h = header->f[i];
        while (*h == ' ')
            h++;
        size_t hl = strlen(h);
        while (hl && h[hl - 1] == ' ')
            hl--;
        const char *p = names;
        while (*p) {
            const char *bar = strchr(p, '|');
            size_t k = bar ? (size_t)(bar - p) : strlen(p);
            if (k == hl && strncasecmp(p, h, k) == 0)
                return (long)i;
            p += k + (bar ? 1 : 0);
        }
    }
    return -1;
}

long zj_csv_column(const zj_csv_row *header, const char *names)
{
    return column_from(header, names, 0);
}

long zj_csv_column_twice(const zj_csv_row *header, const char *names)
{
    long first = column_from(header, names, 0);
    return first < 0 ? -1 : column_from(header, names, (size_t)first + 1);
}
