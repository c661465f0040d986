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

void zj_doc_fail(zj_doc *d, zj_status status)
{
    if (d && d->error == ZJ_OK && status != ZJ_OK)
        d->error = status;
}

zj_status zj_doc_status(const zj_doc *d)
{
    return d ? d->error : ZJ_ERR_NOMEM;
}

/* Copies s ("" for NULL) for the document; NULL with the error recorded. */
static char *doc_strdup(zj_doc *d, const char *s)
{
    char *copy = zj_strdup(s ? s : "");
    if (!copy)
        zj_doc_fail(d, ZJ_ERR_NOMEM);
    return copy;
}

zj_doc *zj_doc_new(const char *title)
{
    zj_doc *d = calloc(1, sizeof *d);
    if (d && !(d->title = zj_strdup(title ? title : ""))) {
        free(d);
        d = NULL;
    }
    return d;
}

void zj_doc_free(zj_doc *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n; i++) {
        zj_doc_block *b = &d->blocks[i];
        free(b->text);
        for (size_t c = 0; b->headers && c < b->n_cols; c++)
            free(b->headers[c]);
        free(b->headers);
        size_t n_cells = b->kind == ZJ_DOC_CHART ? b->n_rows + b->n_series : b->n_rows * b->n_cols;
        for (size_t r = 0; b->cells && r < n_cells; r++)
            free(b->cells[r]);
        free(b->cells);
        free(b->values);
    }
    for (size_t i = 0; i < d->n_strs; i++)
        free(d->strs[i]);
    free(d->strs);
    free(d->blocks);
    free(d->title);
    free(d);
}

const char *zj_doc_strf(zj_doc *d, const char *fmt, ...)
{
    if (!d || d->error)
        return NULL;
    char **v = grow(d->strs, &d->cap_strs, d->n_strs, sizeof *d->strs);
    if (!v) {
        zj_doc_fail(d, ZJ_ERR_NOMEM);
        return NULL;
    }
    d->strs = v;
    char *s;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0) {
        zj_doc_fail(d, ZJ_ERR_NOMEM);
        return NULL;
    }
    return d->strs[d->n_strs++] = s;
}

static zj_doc_block *add_block(zj_doc *d, zj_doc_kind kind)
{
    if (!d || d->error)
        return NULL;
    zj_doc_block *v = grow(d->blocks, &d->cap, d->n, sizeof *d->blocks);
    if (!v) {
        zj_doc_fail(d, ZJ_ERR_NOMEM);
        return NULL;
    }
    d->blocks = v;
    zj_doc_block *b = &d->blocks[d->n++];
    memset(b, 0, sizeof *b);
    b->doc = d;
    b->kind = kind;
    return b;
}

static void add_text(zj_doc *d, zj_doc_kind kind, int level, const char *fmt, va_list ap)
{
    zj_doc_block *b = add_block(d, kind);
    if (!b)
        return;
    b->level = level;
    if (vasprintf(&b->text, fmt, ap) < 0) {
        b->text = NULL;
        zj_doc_fail(d, ZJ_ERR_NOMEM);
    }
}

void zj_doc_heading(zj_doc *d, int level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add_text(d, ZJ_DOC_HEADING, level, fmt, ap);
    va_end(ap);
}

void zj_doc_para(zj_doc *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add_text(d, ZJ_DOC_PARA, 0, fmt, ap);
    va_end(ap);
}

zj_doc_block *zj_doc_table(zj_doc *d, const char *name, size_t n_cols, const char *const *headers)
{
    zj_doc_block *b = add_block(d, ZJ_DOC_TABLE);
    if (!b)
        return NULL;
    b->text = doc_strdup(d, name);
    b->headers = calloc(n_cols, sizeof *b->headers);
    if (!b->headers) {
        zj_doc_fail(d, ZJ_ERR_NOMEM);
        return NULL;
    }
    b->n_cols = n_cols;
    for (size_t c = 0; c < n_cols; c++)
        b->headers[c] = doc_strdup(d, headers[c]);
    return d->error ? NULL : b;
}

void zj_doc_row(zj_doc_block *t, ...)
{
    if (!t || t->doc->error)
        return;
    if (t->n_rows == t->cap_rows) {
        size_t c = t->cap_rows ? t->cap_rows * 2 : 8;
        char **v = realloc(t->cells, c * t->n_cols * sizeof *v);
        if (!v) {
            zj_doc_fail(t->doc, ZJ_ERR_NOMEM);
            return;
        }
        t->cells = v;
        t->cap_rows = c;
    }
    va_list ap;
    va_start(ap, t);
    for (size_t c = 0; c < t->n_cols; c++)
        t->cells[t->n_rows * t->n_cols + c] = doc_strdup(t->doc, va_arg(ap, const char *));
    va_end(ap);
    t->n_rows++;
}

/* A chart block with its strings and n_values values (copied). */
static zj_doc_block *add_chart(zj_doc *d, zj_chart_kind kind, const char *id, const char *title,
                               const char *unit, const char *mark_label, size_t n_labels,
                               const char *const *labels, size_t n_values, const double *values)
{
    zj_doc_block *b = add_block(d, ZJ_DOC_CHART);
    if (!b)
        return NULL;
    b->chart = kind;
    b->mark = -1;
    b->text = doc_strdup(d, title);
    b->headers = calloc(3, sizeof *b->headers);
    b->cells = calloc(n_labels ? n_labels : 1, sizeof *b->cells);
    b->values = calloc(n_values ? n_values : 1, sizeof *b->values);
    if (!b->headers || !b->cells || !b->values) {
        zj_doc_fail(d, ZJ_ERR_NOMEM);
        return NULL;
    }
    b->n_cols = 3;
    b->headers[0] = doc_strdup(d, unit);
    b->headers[1] = doc_strdup(d, id);
    b->headers[2] = doc_strdup(d, mark_label);
    b->n_rows = n_labels; /* what the cells hold, until the caller splits off series */
    for (size_t i = 0; i < n_labels; i++)
        b->cells[i] = doc_strdup(d, labels[i]);
    if (n_values)
        memcpy(b->values, values, n_values * sizeof *values);
    return zj_doc_status(d) == ZJ_OK ? b : NULL;
}

void zj_doc_bars(zj_doc *d, const char *id, const char *title, const char *unit, size_t n,
                 const char *const *labels, const double *values, double max, double mark,
                 const char *mark_label)
{
    zj_doc_block *b =
        add_chart(d, ZJ_CHART_BARS, id, title, unit, mark_label, n, labels, n, values);
    if (b) {
        b->max = max;
        b->mark = mark;
    }
}

void zj_doc_histogram(zj_doc *d, const char *id, const char *title, size_t n_bins, const int *lows,
                      int top, const long *counts, int pass_mark)
{
    char **labels = calloc(n_bins ? n_bins : 1, sizeof *labels);
    double *values = calloc(n_bins ? n_bins : 1, sizeof *values);
    bool ok = labels && values;
    size_t n_low = 0;
    for (size_t i = 0; ok && i < n_bins; i++) {
        int lo = lows[i], hi = i + 1 == n_bins ? top : lows[i + 1] - 1;
        if (hi < pass_mark)
            n_low = i + 1;
        ok = (lo == hi ? asprintf(&labels[i], "%d", lo) : asprintf(&labels[i], "%d–%d", lo, hi)) >=
             0;
        if (!ok)
            labels[i] = NULL;
        values[i] = (double)counts[i];
    }
    if (!ok) {
        zj_doc_fail(d, ZJ_ERR_NOMEM);
    } else {
        char mark_label[32];
        snprintf(mark_label, sizeof mark_label, "合格线 %d", pass_mark);
        zj_doc_block *b = add_chart(d, ZJ_CHART_HISTOGRAM, id, title, "通", mark_label, n_bins,
                                    (const char *const *)labels, n_bins, values);
        if (b) {
            b->span = top;
            b->n_low = n_low;
            b->mark = pass_mark;
            for (size_t i = 0; i < n_bins; i++)
                b->max = values[i] > b->max ? values[i] : b->max;
        }
    }
    for (size_t i = 0; labels && i < n_bins; i++)
        free(labels[i]);
    free(labels);
    free(values);
}

void zj_doc_lines(zj_doc *d, const char *id, const char *title, const char *unit, size_t n_x,
                  const char *const *x_labels, size_t n_series, const char *const *names,
                  const double *values, double max, double mark, const char *mark_label)
{
    const char **labels = calloc(n_x + n_series + 1, sizeof *labels);
    if (!labels) {
        zj_doc_fail(d, ZJ_ERR_NOMEM);
        return;
    }
    for (size_t i = 0; i < n_x; i++)
        labels[i] = x_labels[i];
    for (size_t i = 0; i < n_series; i++)
        labels[n_x + i] = names[i];
    zj_doc_block *b = add_chart(d, ZJ_CHART_LINES, id, title, unit, mark_label, n_x + n_series,
                                labels, n_series * n_x, values);
    free(labels);
    if (b) {
        b->n_rows = n_x;
        b->n_series = n_series;
        b->max = max;
        b->mark = mark;
    }
}

/* ----------------------------------------------------------------- escaping */

void zj_url_escape(zj_buf *out, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '_' || *p == '.' || *p == '~')
            zj_buf_append(out, (const char *)p, 1);
        else
            zj_buf_printf(out, "%%%02X", *p);
    }
}

/* HTML forbids control characters, and a bidi control passed raw makes the
 * browser show the text around it reordered: both are written as the
 * terminal and the review pages show them (zj_escape_cp: \x01, \u0085,
 * \u202e), so an agent name or a quote holding one reads the same everywhere
 * and hides nothing; tabs and line breaks stay. Escapes bytes [s, s + n). */
static void html_escape_n(zj_buf *out, const char *s, size_t n)
{
    for (size_t i = 0, k; i < n; i += k) {
        char esc[ZJ_ESC_MAX];
        size_t len = zj_escape_cp(s + i, n - i, ZJ_ESC_KEEP_SPACE, &k, esc);
        if (len)
            zj_buf_append(out, esc, len);
        else if (s[i] == '<')
            zj_buf_puts(out, "&lt;");
        else if (s[i] == '>')
            zj_buf_puts(out, "&gt;");
        else if (s[i] == '&')
            zj_buf_puts(out, "&amp;");
        else if (s[i] == '"')
            zj_buf_puts(out, "&quot;");
        else if (s[i] == '\'')
            zj_buf_puts(out, "&#39;");
        else
            zj_buf_append(out, s + i, k);
    }
}

void zj_html_escape(zj_buf *out, const char *s)
{
    if (s)
        html_escape_n(out, s, strlen(s));
}

/* HTML-escapes s, turning the marks ZJ_MARK_OPEN … ZJ_MARK_CLOSE (used by
 * report builders to highlight quoted words) into <mark>…</mark>. */
static void html_text(zj_buf *out, const char *s)
{
    /* The marks are found in the text as built, before escaping: the
     * escaping writes the control characters they are made of as text. */
    const char *p = s ? s : "";
    for (;;) {
        const char *open = strstr(p, ZJ_MARK_OPEN);
        if (!open) {
            html_escape_n(out, p, strlen(p));
            break;
        }
        html_escape_n(out, p, (size_t)(open - p));
        zj_buf_puts(out, "<mark>");
        p = open + strlen(ZJ_MARK_OPEN);
        const char *close = strstr(p, ZJ_MARK_CLOSE);
        if (!close) {
            html_escape_n(out, p, strlen(p));
            zj_buf_puts(out, "</mark>");
            break;
        }
        html_escape_n(out, p, (size_t)(close - p));
        zj_buf_puts(out, "</mark>");
        p = close + strlen(ZJ_MARK_CLOSE);
    }
}

/* Markdown: escape the characters that would change the rendering. Control
 * characters and bidi controls are written as the terminal shows them, the
 * escape's backslash escaped for Markdown (\\x1b, \\u202e): an ESC sequence is
 * as live in a .md shown by cat as on a terminal, and a rendered bidi
 * override reorders the text around it. An & is escaped too: a renderer
 * reads &rlm; or &#x202e; as the character it names, a bidi control. A line
 * break stays one in a paragraph and is a space in a one-line block (a table
 * cell, a heading), where it would end the row or the heading. */
static void md_text(zj_buf *out, const char *s, bool one_line)
{
    const char *end = s ? s + strlen(s) : NULL;
    for (size_t k; s && *s; s += k) {
        k = 1;
        if (!strncmp(s, ZJ_MARK_OPEN, strlen(ZJ_MARK_OPEN))) {
            zj_buf_puts(out, "**");
            k = strlen(ZJ_MARK_OPEN);
            continue;
        }
        if (!strncmp(s, ZJ_MARK_CLOSE, strlen(ZJ_MARK_CLOSE))) {
            zj_buf_puts(out, "**");
            k = strlen(ZJ_MARK_CLOSE);
            continue;
        }
        if (*s == '\n') {
            zj_buf_puts(out, one_line ? " " : "\n");
            continue;
        }
        char esc[ZJ_ESC_MAX];
        size_t len = zj_escape_cp(s, (size_t)(end - s), ZJ_ESC_KEEP_TAB, &k, esc);
        if (len) {
            zj_buf_puts(out, "\\");
            zj_buf_append(out, esc, len);
        } else {
            if (strchr("\\`*_[]<>|#&", *s))
                zj_buf_puts(out, "\\");
            zj_buf_append(out, s, k); /* a whole character, never split */
        }
    }
}

/* The marks as 「」; for a terminal (terminal) the rest through zj_buf_term. */
static void plain_text_to(zj_buf *out, const char *s, bool terminal)
{
    const char *run = s;
    for (; s && *s; s++) {
        bool open = !strncmp(s, ZJ_MARK_OPEN, strlen(ZJ_MARK_OPEN));
        if (!open && strncmp(s, ZJ_MARK_CLOSE, strlen(ZJ_MARK_CLOSE)) != 0)
            continue;
        if (terminal)
            zj_buf_term(out, run, (size_t)(s - run));
        else
            zj_buf_append(out, run, (size_t)(s - run));
        zj_buf_puts(out, open ? "「" : "」");
        s += strlen(open ? ZJ_MARK_OPEN : ZJ_MARK_CLOSE) - 1;
        run = s + 1;
    }
    if (run && terminal)
        zj_buf_term_str(out, run);
    else if (run)
        zj_buf_puts(out, run);
}

static void plain_text(zj_buf *out, const char *s)
{
    plain_text_to(out, s, false);
}

static void term_text(zj_buf *out, const char *s)
{
    plain_text_to(out, s, true);
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

/* A chart's value as the listings print it: "—" for none. */
static void chart_value(zj_buf *out, double v)
{
    if (v != v) /* NAN */
        zj_buf_puts(out, "—");
    else
        zj_buf_printf(out, "%.1f", zj_half_up(v, 1));
}

/* Pads the text written since `from` to `width` display columns. */
static void pad_to(zj_buf *out, size_t from, size_t width)
{
    for (size_t k = out->failed ? width : zj_display_width(out->data + from); k < width; k++)
        zj_buf_puts(out, " ");
}

/* Charts in the terminal: bars of █ scaled to 30 columns (the histogram's to
 * its largest bin), lines as a table of their values by label. */
static void text_chart(zj_buf *out, const zj_doc_block *b)
{
    term_text(out, b->text);
    if (b->mark >= 0) {
        zj_buf_puts(out, "（");
        term_text(out, b->headers[2]);
        zj_buf_puts(out, "）");
    }
    zj_buf_puts(out, "\n");
    if (b->chart == ZJ_CHART_LINES) {
        size_t at = out->len;
        zj_buf_puts(out, "  ");
        pad_to(out, at, 12);
        for (size_t s = 0; s < b->n_series; s++) {
            at = out->len;
            zj_buf_puts(out, " ");
            term_text(out, b->cells[b->n_rows + s]);
            pad_to(out, at, 10);
        }
        zj_buf_puts(out, "\n");
        for (size_t r = 0; r < b->n_rows; r++) {
            at = out->len;
            zj_buf_puts(out, "  ");
            term_text(out, b->cells[r]);
            pad_to(out, at, 12);
            for (size_t s = 0; s < b->n_series; s++) {
                at = out->len;
                zj_buf_puts(out, " ");
                chart_value(out, b->values[s * b->n_rows + r]);
                pad_to(out, at, 10);
            }
            zj_buf_puts(out, "\n");
        }
        return;
    }
    for (size_t r = 0; r < b->n_rows; r++) {
        size_t bar = b->max > 0 ? (size_t)(30.0 * b->values[r] / b->max + 0.5) : 0;
        size_t label_at = out->len;
        zj_buf_puts(out, "  ");
        term_text(out, b->cells[r]);
        pad_to(out, label_at, 14);
        for (size_t k = 0; k < bar && k < 30; k++)
            zj_buf_puts(out, "█");
        if (b->chart == ZJ_CHART_HISTOGRAM)
            zj_buf_printf(out, " %.0f", b->values[r]);
        else
            zj_buf_printf(out, " %.1f", zj_half_up(b->values[r], 1));
        term_text(out, b->headers[0]);
        zj_buf_puts(out, "\n");
    }
}

/* Charts in Markdown: a table of the figures. */
static void md_chart(zj_buf *out, const zj_doc_block *b)
{
    md_text(out, b->text, false);
    if (b->mark >= 0) {
        zj_buf_puts(out, "（");
        md_text(out, b->headers[2], false);
        zj_buf_puts(out, "）");
    }
    zj_buf_puts(out, "\n\n| ");
    md_text(out,
            b->chart == ZJ_CHART_HISTOGRAM ? "分数段"
            : b->chart == ZJ_CHART_LINES   ? "周"
                                           : "项目",
            true);
    if (b->chart == ZJ_CHART_LINES) {
        for (size_t s = 0; s < b->n_series; s++) {
            zj_buf_puts(out, " | ");
            md_text(out, b->cells[b->n_rows + s], true);
        }
        zj_buf_puts(out, " |\n|---");
        for (size_t s = 0; s < b->n_series; s++)
            zj_buf_puts(out, "|---");
        zj_buf_puts(out, "|\n");
        for (size_t r = 0; r < b->n_rows; r++) {
            zj_buf_puts(out, "| ");
            md_text(out, b->cells[r], true);
            for (size_t s = 0; s < b->n_series; s++) {
                zj_buf_puts(out, " | ");
                chart_value(out, b->values[s * b->n_rows + r]);
            }
            zj_buf_puts(out, " |\n");
        }
    } else {
        zj_buf_puts(out, " | ");
        md_text(out, b->headers[0][0] ? b->headers[0] : "数值", true);
        zj_buf_puts(out, " |\n|---|---|\n");
        for (size_t r = 0; r < b->n_rows; r++) {
            zj_buf_puts(out, "| ");
            md_text(out, b->cells[r], true);
            if (b->chart == ZJ_CHART_HISTOGRAM)
                zj_buf_printf(out, " | %.0f |\n", b->values[r]);
            else
                zj_buf_printf(out, " | %.1f |\n", zj_half_up(b->values[r], 1));
        }
    }
    zj_buf_puts(out, "\n");
}

static void render_text(const zj_doc *d, zj_buf *out)
{
    term_text(out, d->title);
    zj_buf_puts(out, "\n");
    for (size_t i = 0; i < zj_display_width(d->title); i++)
        zj_buf_puts(out, "=");
    zj_buf_puts(out, "\n");
    for (size_t i = 0; i < d->n; i++) {
        const zj_doc_block *b = &d->blocks[i];
        switch (b->kind) {
        case ZJ_DOC_HEADING:
            zj_buf_puts(out, b->level <= 2 ? "\n## " : "\n### ");
            term_text(out, b->text);
            zj_buf_puts(out, "\n");
            break;
        case ZJ_DOC_PARA:
            term_text(out, b->text);
            zj_buf_puts(out, "\n");
            break;
        case ZJ_DOC_TABLE: {
            size_t *w = calloc(b->n_cols ? b->n_cols : 1, sizeof *w);
            if (!w) {
                out->failed = true;
                break;
            }
            for (size_t c = 0; c < b->n_cols; c++)
                w[c] = zj_display_width(b->headers[c]);
            zj_buf cell;
            zj_buf_init(&cell);
            for (size_t r = 0; r < b->n_rows; r++)
                for (size_t c = 0; c < b->n_cols; c++) {
                    zj_buf_reset(&cell);
                    term_text(&cell, b->cells[r * b->n_cols + c]);
                    out->failed |= cell.failed;
                    size_t cw = zj_display_width(cell.data ? cell.data : "");
                    if (cw > w[c])
                        w[c] = cw > 48 ? 48 : cw;
                }
            for (size_t r = 0; r <= b->n_rows; r++) {
                zj_buf_puts(out, " ");
                for (size_t c = 0; c < b->n_cols; c++) {
                    zj_buf_reset(&cell);
                    term_text(&cell, r == 0 ? b->headers[c] : b->cells[(r - 1) * b->n_cols + c]);
                    out->failed |= cell.failed;
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
            text_chart(out, b);
            break;
        }
    }
}

static void render_md(const zj_doc *d, zj_buf *out)
{
    zj_buf_puts(out, "# ");
    md_text(out, d->title, true);
    zj_buf_puts(out, "\n");
    for (size_t i = 0; i < d->n; i++) {
        const zj_doc_block *b = &d->blocks[i];
        switch (b->kind) {
        case ZJ_DOC_HEADING:
            zj_buf_puts(out, b->level <= 2 ? "\n## " : "\n### ");
            md_text(out, b->text, true);
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
            md_chart(out, b);
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
    "mark{background:#ffe08a;padding:0 2px}.chart{margin:.5em 0 1.5em;break-inside:avoid;"
    "page-break-inside:avoid}.chart svg{width:100%;max-width:640px;height:auto}"
    "footer{margin-top:3em;color:#777;font-size:12px}"
    /* Print: A4 pages; table headers repeat on every page; a row is never
     * split across pages nor a heading left at a page's foot; call and rule
     * ids stay whole. */
    "@page{size:A4;margin:16mm 14mm}"
    "thead{display:table-header-group}tr,th,td{break-inside:avoid;page-break-inside:avoid}"
    "h1,h2,h3{break-after:avoid;page-break-after:avoid}td.id{white-space:nowrap}"
    "@media print{body{max-width:none;margin:0;padding:0;font-size:12px}"
    "table{font-size:11px}}";

/* A cell that is an identifier (a call or rule id, a clause-free code such as
 * PS-021 or taboo.11-go-complain): ASCII letters, digits and . _ - only. */
static bool is_id_cell(const char *s)
{
    if (!s || !*s)
        return false;
    bool letter_or_digit = false;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
            letter_or_digit = true;
        else if (c != '.' && c != '_' && c != '-')
            return false;
    }
    return letter_or_digit;
}

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
                    const char *cell = b->cells[r * b->n_cols + c];
                    zj_buf_puts(out, is_id_cell(cell) ? "<td class=\"id\">" : "<td>");
                    html_text(out, cell);
                    zj_buf_puts(out, "</td>");
                }
                zj_buf_puts(out, "</tr>\n");
            }
            zj_buf_puts(out, "</tbody></table>\n");
            break;
        case ZJ_DOC_CHART:
            zj_chart_svg(out, b);
            break;
        }
    }
    zj_buf_printf(out, "<footer>zhijian %s</footer>\n</body></html>\n", ZJ_VERSION);
}

/* A plain number (digits, at most one decimal point, an optional leading
 * minus and trailing %): left as it is, since a spreadsheet reads it as the
 * number it is, never as a formula. */
static bool csv_plain_number(const char *p)
{
    if (*p == '-')
        p++;
    size_t digits = 0, points = 0;
    for (; *p; p++) {
        if (*p >= '0' && *p <= '9')
            digits++;
        else if (*p == '.' && !points)
            points++;
        else
            break;
    }
    if (*p == '%')
        p++;
    return digits && !*p;
}

/* The value zj_csv_field guarded, as it was: a sheet written by the export
 * and read back (review import) must name the same call. */
const char *zj_csv_unguard(const char *s)
{
    return s[0] == '\'' && s[1] && strchr("=+-@\t\r", s[1]) && !csv_plain_number(s + 1) ? s + 1 : s;
}

/* One RFC 4180 field. A cell beginning with = + - @ TAB or CR is a formula to
 * Excel, LibreOffice and Google Sheets (CSV injection: "=HYPERLINK(...)" in a
 * call id runs when the scorecard is opened): such a field gets a leading
 * single quote inside the quotes, as OWASP recommends, so it shows as text. */
void zj_csv_field(zj_buf *out, const char *s)
{
    zj_buf plain;
    zj_buf_init(&plain);
    plain_text(&plain, s);
    out->failed |= plain.failed;
    const char *p = plain.data ? plain.data : "";
    bool formula = p[0] && strchr("=+-@\t\r", p[0]) && !csv_plain_number(p);
    if (formula || strpbrk(p, ",\"\r\n")) {
        zj_buf_puts(out, formula ? "\"'" : "\"");
        for (const char *run = p;; p++) {
            if (*p == '"' || !*p) {
                zj_buf_append(out, run, (size_t)(p - run) + (*p == '"'));
                if (!*p)
                    break;
                run = p; /* the quote again: doubled */
            }
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
                zj_csv_field(out, r == 0 ? b->headers[c] : b->cells[(r - 1) * b->n_cols + c]);
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
    out->failed |= plain.failed;
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
            json_plain(out, b->headers[1]);
            zj_buf_puts(out, ",\"title\":");
            json_plain(out, b->text);
            zj_buf_puts(out, ",\"labels\":[");
            for (size_t r = 0; r < b->n_rows + b->n_series; r++) {
                if (r)
                    zj_buf_puts(out, ",");
                json_plain(out, b->cells[r]);
            }
            zj_buf_puts(out, "],\"values\":[");
            for (size_t r = 0; r < (b->n_series ? b->n_series * b->n_rows : b->n_rows); r++) {
                if (r)
                    zj_buf_puts(out, ",");
                if (b->values[r] != b->values[r])
                    zj_buf_puts(out, "null");
                else
                    zj_buf_printf(out, "%.4g", b->values[r]);
            }
            zj_buf_puts(out, "]}");
            break;
        }
    }
    zj_buf_puts(out, "\n]}\n");
}

zj_status zj_doc_render(const zj_doc *d, zj_format fmt, zj_buf *out)
{
    if (!d)
        return ZJ_ERR_NOMEM;
    if (d->error)
        return d->error; /* never render a document that lost part of itself */
    size_t start = out->len;
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
    if (out->failed) {
        out->len = start; /* what was rendered is incomplete: keep none of it */
        if (out->data)
            out->data[start] = '\0';
        return ZJ_ERR_NOMEM;
    }
    return ZJ_OK;
}
