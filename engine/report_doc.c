/* report_doc.c — a small document model (sections of paragraphs, tables and
 * bar charts) and its renderers: terminal text, Markdown, self-contained HTML
 * (inline CSS and SVG, everything escaped), CSV (UTF-8 with BOM) and JSON. The
 * scorecard and the audit report build documents; only this file formats. */
#define _GNU_SOURCE /* vasprintf */
#include "internal.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

static void *grow(void *v, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return v;
    size_t c = *cap ? *cap * 2 : 8;
    void *p = realloc(v, c * size);
    if (p)
        *cap = c;
    return p;
}

/* Copies s, "" for NULL. */
static char *zj_strdup_empty(const char *s)
{
    return zj_strdup(s ? s : "");
}

zj_doc *zj_doc_new(const char *title)
{
    zj_doc *d = calloc(1, sizeof *d);
    if (d)
        d->title = zj_strdup_empty(title);
    return d;
}

void zj_doc_free(zj_doc *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n; i++) {
        zj_doc_block *b = &d->blocks[i];
        free(b->text);
        for (size_t c = 0; c < b->n_cols; c++)
            free(b->headers[c]);
        free(b->headers);
        for (size_t r = 0; r < b->n_rows * b->n_cols; r++)
            free(b->cells[r]);
        free(b->cells);
        free(b->values);
    }
    free(d->blocks);
    free(d->title);
    free(d);
}

static zj_doc_block *add_block(zj_doc *d, zj_doc_kind kind)
{
    zj_doc_block *v = grow(d->blocks, &d->cap, d->n, sizeof *d->blocks);
    if (!v)
        return NULL;
    d->blocks = v;
    zj_doc_block *b = &d->blocks[d->n++];
    memset(b, 0, sizeof *b);
    b->kind = kind;
    return b;
}

void zj_doc_heading(zj_doc *d, int level, const char *fmt, ...)
{
    zj_doc_block *b = add_block(d, ZJ_DOC_HEADING);
    if (!b)
        return;
    b->level = level;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&b->text, fmt, ap) < 0)
        b->text = NULL;
    va_end(ap);
}

void zj_doc_para(zj_doc *d, const char *fmt, ...)
{
    zj_doc_block *b = add_block(d, ZJ_DOC_PARA);
    if (!b)
        return;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&b->text, fmt, ap) < 0)
        b->text = NULL;
    va_end(ap);
}

zj_doc_block *zj_doc_table(zj_doc *d, const char *name, size_t n_cols, const char *const *headers)
{
    zj_doc_block *b = add_block(d, ZJ_DOC_TABLE);
    if (!b)
        return NULL;
    b->text = zj_strdup_empty(name);
    b->n_cols = n_cols;
    b->headers = calloc(n_cols, sizeof *b->headers);
    for (size_t c = 0; b->headers && c < n_cols; c++)
        b->headers[c] = zj_strdup_empty(headers[c]);
    return b;
}

void zj_doc_row(zj_doc_block *t, ...)
{
    size_t cap_cells = t->cap_rows * t->n_cols;
    if (t->n_rows == t->cap_rows) {
        size_t c = t->cap_rows ? t->cap_rows * 2 : 8;
        char **v = realloc(t->cells, c * t->n_cols * sizeof *v);
        if (!v)
            return;
        t->cells = v;
        t->cap_rows = c;
    }
    (void)cap_cells;
    va_list ap;
    va_start(ap, t);
    for (size_t c = 0; c < t->n_cols; c++)
        t->cells[t->n_rows * t->n_cols + c] = zj_strdup_empty(va_arg(ap, const char *));
    va_end(ap);
    t->n_rows++;
}

void zj_doc_chart(zj_doc *d, const char *title, const char *unit, size_t n,
                  const char *const *labels, const double *values, double max)
{
    zj_doc_block *b = add_block(d, ZJ_DOC_CHART);
    if (!b)
        return;
    b->text = zj_strdup_empty(title);
    b->n_cols = 1;
    b->headers = calloc(1, sizeof *b->headers);
    if (b->headers)
        b->headers[0] = zj_strdup_empty(unit);
    b->cells = calloc(n ? n : 1, sizeof *b->cells);
    b->values = calloc(n ? n : 1, sizeof *b->values);
    for (size_t i = 0; b->cells && b->values && i < n; i++) {
        b->cells[i] = zj_strdup_empty(labels[i]);
        b->values[i] = values[i];
    }
    b->n_rows = n;
    b->max = max;
}

/* ----------------------------------------------------------------- escaping */

void zj_html_escape(zj_buf *out, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<':
            zj_buf_puts(out, "&lt;");
            break;
        case '>':
            zj_buf_puts(out, "&gt;");
            break;
        case '&':
            zj_buf_puts(out, "&amp;");
            break;
        case '"':
            zj_buf_puts(out, "&quot;");
            break;
        case '\'':
            zj_buf_puts(out, "&#39;");
            break;
        default:
            zj_buf_append(out, s, 1);
        }
    }
}

/* HTML-escapes s, turning the marks 【【 … 】】 (used by report builders to
 * highlight quoted words) into <mark>…</mark> after escaping. */
static void html_text(zj_buf *out, const char *s)
{
    zj_buf tmp;
    zj_buf_init(&tmp);
    zj_html_escape(&tmp, s);
    const char *p = tmp.data ? tmp.data : "";
    for (;;) {
        const char *open = strstr(p, ZJ_MARK_OPEN);
        if (!open) {
            zj_buf_puts(out, p);
            break;
        }
        zj_buf_append(out, p, (size_t)(open - p));
        zj_buf_puts(out, "<mark>");
        p = open + strlen(ZJ_MARK_OPEN);
        const char *close = strstr(p, ZJ_MARK_CLOSE);
        if (!close) {
            zj_buf_puts(out, p);
            zj_buf_puts(out, "</mark>");
            break;
        }
        zj_buf_append(out, p, (size_t)(close - p));
        zj_buf_puts(out, "</mark>");
        p = close + strlen(ZJ_MARK_CLOSE);
    }
    zj_buf_free(&tmp);
}

/* Markdown: escape the characters that would change the rendering. */
static void md_text(zj_buf *out, const char *s, bool in_table)
{
    for (; s && *s; s++) {
        if (!strncmp(s, ZJ_MARK_OPEN, strlen(ZJ_MARK_OPEN))) {
            zj_buf_puts(out, "**");
            s += strlen(ZJ_MARK_OPEN) - 1;
            continue;
        }
        if (!strncmp(s, ZJ_MARK_CLOSE, strlen(ZJ_MARK_CLOSE))) {
            zj_buf_puts(out, "**");
            s += strlen(ZJ_MARK_CLOSE) - 1;
            continue;
        }
        if (*s == '\n') {
            zj_buf_puts(out, in_table ? " " : "\n");
            continue;
        }
        if (strchr("\\`*_[]<>|#", *s))
            zj_buf_puts(out, "\\");
        zj_buf_append(out, s, 1);
    }
}

static void plain_text(zj_buf *out, const char *s)
{
    for (; s && *s; s++) {
        if (!strncmp(s, ZJ_MARK_OPEN, strlen(ZJ_MARK_OPEN))) {
            zj_buf_puts(out, "「");
            s += strlen(ZJ_MARK_OPEN) - 1;
        } else if (!strncmp(s, ZJ_MARK_CLOSE, strlen(ZJ_MARK_CLOSE))) {
            zj_buf_puts(out, "」");
            s += strlen(ZJ_MARK_CLOSE) - 1;
        } else {
            zj_buf_append(out, s, 1);
        }
    }
}

/* Display width in terminal columns (CJK count two). */
size_t zj_display_width(const char *s)
{
    size_t w = 0;
    const unsigned char *p = (const unsigned char *)s;
    size_t len = strlen(s);
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t k = zj_utf8_decode(p + i, len - i, &cp);
        if (!k) {
            i++;
            continue;
        }
        int cw = utf8proc_charwidth((utf8proc_int32_t)cp);
        w += cw > 0 ? (size_t)cw : 0;
        i += k;
    }
    return w;
}

/* ---------------------------------------------------------------- renderers */

static void render_text(const zj_doc *d, zj_buf *out)
{
    zj_buf_printf(out, "%s\n", d->title);
    for (size_t i = 0; i < zj_display_width(d->title); i++)
        zj_buf_puts(out, "=");
    zj_buf_puts(out, "\n");
    for (size_t i = 0; i < d->n; i++) {
        const zj_doc_block *b = &d->blocks[i];
        switch (b->kind) {
        case ZJ_DOC_HEADING:
            zj_buf_printf(out, "\n%s%s\n", b->level <= 2 ? "## " : "### ", b->text);
            break;
        case ZJ_DOC_PARA:
            plain_text(out, b->text);
            zj_buf_puts(out, "\n");
            break;
        case ZJ_DOC_TABLE: {
            size_t *w = calloc(b->n_cols, sizeof *w);
            if (!w)
                break;
            for (size_t c = 0; c < b->n_cols; c++)
                w[c] = zj_display_width(b->headers[c]);
            zj_buf cell;
            zj_buf_init(&cell);
            for (size_t r = 0; r < b->n_rows; r++)
                for (size_t c = 0; c < b->n_cols; c++) {
                    zj_buf_reset(&cell);
                    plain_text(&cell, b->cells[r * b->n_cols + c]);
                    size_t cw = zj_display_width(cell.data ? cell.data : "");
                    if (cw > w[c])
                        w[c] = cw > 48 ? 48 : cw;
                }
            for (size_t r = 0; r <= b->n_rows; r++) {
                zj_buf_puts(out, " ");
                for (size_t c = 0; c < b->n_cols; c++) {
                    zj_buf_reset(&cell);
                    plain_text(&cell, r == 0 ? b->headers[c] : b->cells[(r - 1) * b->n_cols + c]);
                    const char *s = cell.data ? cell.data : "";
                    size_t sw = zj_display_width(s);
                    zj_buf_printf(out, " %s", s);
                    for (size_t k = sw; k < w[c]; k++)
                        zj_buf_puts(out, " ");
                }
                zj_buf_puts(out, "\n");
            }
            zj_buf_free(&cell);
            free(w);
            break;
        }
        case ZJ_DOC_CHART:
            zj_buf_printf(out, "%s\n", b->text);
            for (size_t r = 0; r < b->n_rows; r++) {
                size_t bar = b->max > 0 ? (size_t)(30.0 * b->values[r] / b->max + 0.5) : 0;
                zj_buf_printf(out, "  %s", b->cells[r]);
                for (size_t k = zj_display_width(b->cells[r]); k < 12; k++)
                    zj_buf_puts(out, " ");
                for (size_t k = 0; k < bar && k < 30; k++)
                    zj_buf_puts(out, "█");
                zj_buf_printf(out, " %.1f%s\n", b->values[r], b->headers[0]);
            }
            break;
        }
    }
}

static void render_md(const zj_doc *d, zj_buf *out)
{
    zj_buf_puts(out, "# ");
    md_text(out, d->title, false);
    zj_buf_puts(out, "\n");
    for (size_t i = 0; i < d->n; i++) {
        const zj_doc_block *b = &d->blocks[i];
        switch (b->kind) {
        case ZJ_DOC_HEADING:
            zj_buf_puts(out, b->level <= 2 ? "\n## " : "\n### ");
            md_text(out, b->text, false);
            zj_buf_puts(out, "\n\n");
            break;
        case ZJ_DOC_PARA:
            md_text(out, b->text, false);
            zj_buf_puts(out, "\n\n");
            break;
        case ZJ_DOC_TABLE:
            for (size_t c = 0; c < b->n_cols; c++) {
                zj_buf_puts(out, "| ");
                md_text(out, b->headers[c], true);
                zj_buf_puts(out, " ");
            }
            zj_buf_puts(out, "|\n");
            for (size_t c = 0; c < b->n_cols; c++)
                zj_buf_puts(out, "|---");
            zj_buf_puts(out, "|\n");
            for (size_t r = 0; r < b->n_rows; r++) {
                for (size_t c = 0; c < b->n_cols; c++) {
                    zj_buf_puts(out, "| ");
                    md_text(out, b->cells[r * b->n_cols + c], true);
                    zj_buf_puts(out, " ");
                }
                zj_buf_puts(out, "|\n");
            }
            zj_buf_puts(out, "\n");
            break;
        case ZJ_DOC_CHART:
            zj_buf_puts(out, "| ");
            md_text(out, b->text, true);
            zj_buf_printf(out, " | %s |\n|---|---|\n", b->headers[0]);
            for (size_t r = 0; r < b->n_rows; r++) {
                zj_buf_puts(out, "| ");
                md_text(out, b->cells[r], true);
                zj_buf_printf(out, " | %.1f |\n", b->values[r]);
            }
            zj_buf_puts(out, "\n");
            break;
        }
    }
}

static const char html_style[] =
    "body{font-family:'Noto Sans CJK SC','Microsoft YaHei','PingFang SC',sans-serif;"
    "max-width:1100px;margin:2em auto;padding:0 1em;color:#222;line-height:1.5}"
    "h1{border-bottom:2px solid #2b5797;padding-bottom:.3em}h2{color:#2b5797;margin-top:1.6em}"
    "table{border-collapse:collapse;margin:.6em 0 1.2em;font-size:14px}"
    "th,td{border:1px solid #ccd;padding:4px 8px;text-align:left;vertical-align:top}"
    "th{background:#eef2f8}tr:nth-child(even) td{background:#fafbfd}"
    "mark{background:#ffe08a;padding:0 2px}.chart{margin:.5em 0 1.5em}"
    "footer{margin-top:3em;color:#777;font-size:12px}";

static void render_html(const zj_doc *d, zj_buf *out)
{
    zj_buf_puts(out, "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
                     "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
                     "<title>");
    zj_html_escape(out, d->title);
    zj_buf_printf(out, "</title><style>%s</style></head><body>\n<h1>", html_style);
    zj_html_escape(out, d->title);
    zj_buf_puts(out, "</h1>\n");
    for (size_t i = 0; i < d->n; i++) {
        const zj_doc_block *b = &d->blocks[i];
        switch (b->kind) {
        case ZJ_DOC_HEADING:
            zj_buf_puts(out, b->level <= 2 ? "<h2>" : "<h3>");
            zj_html_escape(out, b->text);
            zj_buf_puts(out, b->level <= 2 ? "</h2>\n" : "</h3>\n");
            break;
        case ZJ_DOC_PARA:
            zj_buf_puts(out, "<p>");
            html_text(out, b->text);
            zj_buf_puts(out, "</p>\n");
            break;
        case ZJ_DOC_TABLE:
            zj_buf_puts(out, "<table><thead><tr>");
            for (size_t c = 0; c < b->n_cols; c++) {
                zj_buf_puts(out, "<th>");
                zj_html_escape(out, b->headers[c]);
                zj_buf_puts(out, "</th>");
            }
            zj_buf_puts(out, "</tr></thead><tbody>\n");
            for (size_t r = 0; r < b->n_rows; r++) {
                zj_buf_puts(out, "<tr>");
                for (size_t c = 0; c < b->n_cols; c++) {
                    zj_buf_puts(out, "<td>");
                    html_text(out, b->cells[r * b->n_cols + c]);
                    zj_buf_puts(out, "</td>");
                }
                zj_buf_puts(out, "</tr>\n");
            }
            zj_buf_puts(out, "</tbody></table>\n");
            break;
        case ZJ_DOC_CHART: {
            /* Horizontal bar chart as inline SVG: readable without scripts. */
            size_t rows = b->n_rows;
            int height = (int)(rows * 28 + 40);
            zj_buf_printf(out,
                          "<div class=\"chart\"><svg xmlns=\"http://www.w3.org/2000/svg\" "
                          "width=\"640\" height=\"%d\" role=\"img\" aria-label=\"",
                          height);
            zj_html_escape(out, b->text);
            zj_buf_puts(out, "\"><text x=\"0\" y=\"18\" font-size=\"15\" font-weight=\"bold\">");
            zj_html_escape(out, b->text);
            zj_buf_puts(out, "</text>");
            for (size_t r = 0; r < rows; r++) {
                double w = b->max > 0 ? 380.0 * b->values[r] / b->max : 0;
                int y = (int)(30 + r * 28);
                zj_buf_printf(out, "<text x=\"0\" y=\"%d\" font-size=\"13\">", y + 15);
                zj_html_escape(out, b->cells[r]);
                zj_buf_printf(out,
                              "</text><rect x=\"150\" y=\"%d\" width=\"%.1f\" height=\"20\" "
                              "fill=\"#2b5797\"/><text x=\"%.1f\" y=\"%d\" font-size=\"13\">"
                              "%.1f",
                              y, w, 156 + w, y + 15, b->values[r]);
                zj_html_escape(out, b->headers[0]);
                zj_buf_puts(out, "</text>");
            }
            zj_buf_puts(out, "</svg></div>\n");
            break;
        }
        }
    }
    zj_buf_printf(out, "<footer>zhijian %s</footer>\n</body></html>\n", ZJ_VERSION);
}

static void csv_field(zj_buf *out, const char *s)
{
    zj_buf plain;
    zj_buf_init(&plain);
    plain_text(&plain, s);
    const char *p = plain.data ? plain.data : "";
    if (strpbrk(p, ",\"\r\n")) {
        zj_buf_puts(out, "\"");
        for (; *p; p++) {
            if (*p == '"')
                zj_buf_puts(out, "\"");
            zj_buf_append(out, p, 1);
        }
        zj_buf_puts(out, "\"");
    } else {
        zj_buf_puts(out, p);
    }
    zj_buf_free(&plain);
}

/* CSV: the document's first table (the main one), UTF-8 with BOM so that
 * spreadsheet programs read the Chinese text correctly, RFC 4180 quoting. */
static void render_csv(const zj_doc *d, zj_buf *out)
{
    zj_buf_puts(out, "\xEF\xBB\xBF");
    for (size_t i = 0; i < d->n; i++) {
        const zj_doc_block *b = &d->blocks[i];
        if (b->kind != ZJ_DOC_TABLE)
            continue;
        for (size_t r = 0; r <= b->n_rows; r++) {
            for (size_t c = 0; c < b->n_cols; c++) {
                if (c)
                    zj_buf_puts(out, ",");
                csv_field(out, r == 0 ? b->headers[c] : b->cells[(r - 1) * b->n_cols + c]);
            }
            zj_buf_puts(out, "\r\n");
        }
        return;
    }
}

static void json_plain(zj_buf *out, const char *s)
{
    zj_buf plain;
    zj_buf_init(&plain);
    plain_text(&plain, s);
    zj_buf_json_str(out, plain.data ? plain.data : "", plain.len);
    zj_buf_free(&plain);
}

static void render_json(const zj_doc *d, zj_buf *out)
{
    zj_buf_puts(out, "{\"title\":");
    json_plain(out, d->title);
    zj_buf_puts(out, ",\"blocks\":[");
    for (size_t i = 0; i < d->n; i++) {
        const zj_doc_block *b = &d->blocks[i];
        zj_buf_puts(out, i ? ",\n" : "\n");
        switch (b->kind) {
        case ZJ_DOC_HEADING:
            zj_buf_printf(out, "{\"heading\":");
            json_plain(out, b->text);
            zj_buf_printf(out, ",\"level\":%d}", b->level);
            break;
        case ZJ_DOC_PARA:
            zj_buf_puts(out, "{\"text\":");
            json_plain(out, b->text);
            zj_buf_puts(out, "}");
            break;
        case ZJ_DOC_TABLE:
            zj_buf_puts(out, "{\"table\":");
            json_plain(out, b->text);
            zj_buf_puts(out, ",\"rows\":[");
            for (size_t r = 0; r < b->n_rows; r++) {
                zj_buf_puts(out, r ? ",{" : "{");
                for (size_t c = 0; c < b->n_cols; c++) {
                    if (c)
                        zj_buf_puts(out, ",");
                    json_plain(out, b->headers[c]);
                    zj_buf_puts(out, ":");
                    json_plain(out, b->cells[r * b->n_cols + c]);
                }
                zj_buf_puts(out, "}");
            }
            zj_buf_puts(out, "]}");
            break;
        case ZJ_DOC_CHART:
            zj_buf_puts(out, "{\"chart\":");
            json_plain(out, b->text);
            zj_buf_puts(out, ",\"unit\":");
            json_plain(out, b->headers[0]);
            zj_buf_puts(out, ",\"values\":{");
            for (size_t r = 0; r < b->n_rows; r++) {
                if (r)
                    zj_buf_puts(out, ",");
                json_plain(out, b->cells[r]);
                zj_buf_printf(out, ":%.4g", b->values[r]);
            }
            zj_buf_puts(out, "}}");
            break;
        }
    }
    zj_buf_puts(out, "\n]}\n");
}

zj_status zj_doc_render(const zj_doc *d, zj_format fmt, zj_buf *out)
{
    switch (fmt) {
    case ZJ_FMT_TEXT:
        render_text(d, out);
        break;
    case ZJ_FMT_MD:
        render_md(d, out);
        break;
    case ZJ_FMT_HTML:
        render_html(d, out);
        break;
    case ZJ_FMT_CSV:
        render_csv(d, out);
        break;
    case ZJ_FMT_JSON:
        render_json(d, out);
        break;
    default:
        return ZJ_ERR_USAGE;
    }
    return out->data || out->len == 0 ? ZJ_OK : ZJ_ERR_NOMEM;
}
