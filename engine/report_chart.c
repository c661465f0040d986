/* report_chart.c — the reports' charts as inline SVG for the HTML renderer:
 * horizontal bars, a score histogram and lines over weeks, each with a
 * labelled scale and the pass line. No scripts, every text escaped, and
 * readable in greyscale: series differ by dash pattern and marker shape, not
 * only by colour. */
#include "internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* The drawing area of every chart, in SVG user units (the SVG scales to the
 * page's width). */
#define CHART_W 640
#define PLOT_LEFT 48
#define PLOT_RIGHT 620
#define PLOT_TOP 50
#define PLOT_HEIGHT 180

/* Greys and one blue that stay distinct in greyscale. */
#define INK "#222"
#define GRID "#d0d0d0"
#define BAR "#4a6fa5"
#define BAR_LOW "#a8a8a8" /* histogram bins below the pass mark */

/* A tick step of 1, 2 or 5 times a power of ten giving about 4 ticks (a
 * scale of scores or percent, 0..100, in quarters). */
static double nice_step(double max)
{
    if (max <= 0)
        return 1;
    if (max == 100)
        return 25;
    double raw = max / 4, p = pow(10, floor(log10(raw))), f = raw / p;
    double step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
    return step < 1 ? 1 : step; /* counts: whole ticks */
}

static void text_at(zj_buf *out, double x, double y, const char *anchor, int size, const char *s)
{
    zj_buf_printf(
        out, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" text-anchor=\"%s\" fill=\"" INK "\">", x,
        y, size, anchor);
    zj_html_escape(out, s);
    zj_buf_puts(out, "</text>");
}

/* The opening tag with the chart's id and accessible name, and its title. */
static void open_svg(zj_buf *out, const zj_doc_block *b, int height)
{
    zj_buf_puts(out,
                "<div class=\"chart\"><svg xmlns=\"http://www.w3.org/2000/svg\" data-chart=\"");
    zj_html_escape(out, b->headers[1]);
    zj_buf_printf(out,
                  "\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"",
                  CHART_W, height, CHART_W, height);
    zj_html_escape(out, b->text);
    zj_buf_puts(out, "\">");
    zj_buf_puts(out,
                "<text x=\"0\" y=\"18\" font-size=\"15\" font-weight=\"bold\" fill=\"" INK "\">");
    zj_html_escape(out, b->text);
    zj_buf_puts(out, "</text>");
}

static void close_svg(zj_buf *out)
{
    zj_buf_puts(out, "</svg></div>\n");
}

/* A dashed reference line from (x1,y1) to (x2,y2) with its label. */
static void mark_line(zj_buf *out, double x1, double y1, double x2, double y2, const char *label,
                      double lx, double ly, const char *anchor)
{
    zj_buf_printf(out,
                  "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"" INK
                  "\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>",
                  x1, y1, x2, y2);
    text_at(out, lx, ly, anchor, 12, label);
}

/* Horizontal bars: labels on the left, a value scale on top with grid lines,
 * the value at each bar's end. */
static void bars_svg(zj_buf *out, const zj_doc_block *b)
{
    const double left = 150, right = PLOT_RIGHT - 40, row = 26, top = PLOT_TOP + 12;
    int height = (int)(top + (double)b->n_rows * row + 20);
    double max = b->max > 0 ? b->max : 1, step = nice_step(max);
    open_svg(out, b, height);
    for (double v = 0; v <= max + step / 1e6; v += step) {
        double x = left + (right - left) * v / max;
        char tick[32];
        snprintf(tick, sizeof tick, "%g", v);
        zj_buf_printf(out,
                      "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"" GRID "\"/>",
                      x, top - 4, x, top + (double)b->n_rows * row);
        text_at(out, x, top - 8, "middle", 11, tick);
    }
    for (size_t r = 0; r < b->n_rows; r++) {
        double y = top + (double)r * row + 3, v = b->values[r] > 0 ? b->values[r] : 0;
        double w = (right - left) * (v > max ? max : v) / max;
        text_at(out, left - 6, y + 14, "end", 12, b->cells[r]);
        zj_buf_printf(out,
                      "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"18\" fill=\"" BAR "\"/>",
                      left, y, w);
        char value[48];
        snprintf(value, sizeof value, "%.1f", b->values[r]);
        text_at(out, left + w + 4, y + 14, "start", 12, value);
    }
    if (b->mark >= 0 && b->mark <= max) {
        double x = left + (right - left) * b->mark / max;
        mark_line(out, x, top - 2, x, top + (double)b->n_rows * row + 4, b->headers[2], x + 4,
                  top + (double)b->n_rows * row + 12, "start");
    }
    close_svg(out);
}

/* A y axis with ticks 0..max and horizontal grid lines. */
static void y_axis(zj_buf *out, double max, double step, const char *unit)
{
    for (double v = 0; v <= max + step / 1e6; v += step) {
        double y = PLOT_TOP + PLOT_HEIGHT - PLOT_HEIGHT * v / max;
        char tick[32];
        snprintf(tick, sizeof tick, "%g", v);
        zj_buf_printf(out,
                      "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"" GRID "\"/>",
                      PLOT_LEFT, y, PLOT_RIGHT, y);
        text_at(out, PLOT_LEFT - 6, y + 4, "end", 11, tick);
    }
    text_at(out, PLOT_LEFT - 6, PLOT_TOP - 16, "end", 11, unit);
}

/* Vertical bars of calls per score bin; the bins below the pass mark are
 * grey, and the pass line crosses the score axis where it lies. */
static void histogram_svg(zj_buf *out, const zj_doc_block *b)
{
    int height = PLOT_TOP + PLOT_HEIGHT + 40;
    double step = nice_step(b->max), max = b->max > 0 ? ceil(b->max / step) * step : 1;
    double span = b->span; /* the score axis */
    double width = PLOT_RIGHT - PLOT_LEFT, bar = width / (double)(b->n_rows ? b->n_rows : 1);
    open_svg(out, b, height);
    y_axis(out, max, step, b->headers[0]);
    for (size_t r = 0; r < b->n_rows; r++) {
        double h = PLOT_HEIGHT * b->values[r] / max, x = PLOT_LEFT + (double)r * bar;
        bool low = r < b->n_low;
        zj_buf_printf(out,
                      "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" "
                      "stroke=\"" INK "\" stroke-width=\"0.5\"/>",
                      x + 1, PLOT_TOP + PLOT_HEIGHT - h, bar - 2, h, low ? BAR_LOW : BAR);
        char n[32];
        snprintf(n, sizeof n, "%.0f", b->values[r]);
        if (b->values[r] > 0)
            text_at(out, x + bar / 2, PLOT_TOP + PLOT_HEIGHT - h - 3, "middle", 10, n);
        text_at(out, x + bar / 2, PLOT_TOP + PLOT_HEIGHT + 14, "middle", 10, b->cells[r]);
    }
    text_at(out, PLOT_RIGHT, PLOT_TOP + PLOT_HEIGHT + 30, "end", 11, "得分");
    if (b->mark >= 0 && span > 0) {
        double x = PLOT_LEFT + width * (b->mark > span ? span : b->mark) / span;
        mark_line(out, x, PLOT_TOP - 6, x, PLOT_TOP + PLOT_HEIGHT, b->headers[2], x + 4,
                  PLOT_TOP - 8, "start");
    }
    close_svg(out);
}

/* Dash patterns and marker shapes, one per series, in turn. */
static const char *const dashes[] = {"", "6 3", "2 3", "8 3 2 3", "12 4", "1 2", "4 4", "10 2 2 2"};
#define N_STYLES (sizeof dashes / sizeof *dashes)

static void marker(zj_buf *out, size_t style, double x, double y)
{
    switch (style % 4) {
    case 0:
        zj_buf_printf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"" INK "\"/>", x, y);
        break;
    case 1:
        zj_buf_printf(out,
                      "<rect x=\"%.1f\" y=\"%.1f\" width=\"6\" height=\"6\" fill=\"" INK "\"/>",
                      x - 3, y - 3);
        break;
    case 2:
        zj_buf_printf(out, "<path d=\"M%.1f %.1fl3.5 6h-7z\" fill=\"white\" stroke=\"" INK "\"/>",
                      x, y - 3.5);
        break;
    default:
        zj_buf_printf(out,
                      "<path d=\"M%.1f %.1fl3.5 3.5-3.5 3.5-3.5-3.5z\" fill=\"white\" stroke=\"" INK
                      "\"/>",
                      x, y - 3.5);
    }
}

/* Lines over the labels (weeks), one per series; a missing value breaks
 * its line. The legend sits under the axis. */
static void lines_svg(zj_buf *out, const zj_doc_block *b)
{
    size_t per_row = 4, legend_rows = (b->n_series + per_row - 1) / per_row;
    int height = (int)(PLOT_TOP + PLOT_HEIGHT + 34 + 18 * (double)legend_rows);
    double max = b->max > 0 ? b->max : 1, step = nice_step(max);
    /* The first and last labels centred on their points, inside the box. */
    const double inset = 32;
    double width = PLOT_RIGHT - PLOT_LEFT - 2 * inset;
    double dx = b->n_rows > 1 ? width / (double)(b->n_rows - 1) : 0;
    open_svg(out, b, height);
    y_axis(out, max, step, b->headers[0]);
    for (size_t r = 0; r < b->n_rows; r++)
        text_at(out, PLOT_LEFT + inset + (b->n_rows > 1 ? dx * (double)r : width / 2),
                PLOT_TOP + PLOT_HEIGHT + 14, "middle", 10, b->cells[r]);
    if (b->mark >= 0 && b->mark <= max) {
        double y = PLOT_TOP + PLOT_HEIGHT - PLOT_HEIGHT * b->mark / max;
        mark_line(out, PLOT_LEFT, y, PLOT_RIGHT, y, b->headers[2], PLOT_LEFT + 4, y + 14, "start");
    }
    for (size_t s = 0; s < b->n_series; s++) {
        const double *v = b->values + s * b->n_rows;
        bool open = false;
        for (size_t r = 0; r < b->n_rows; r++) {
            bool has = v[r] == v[r]; /* not NAN */
            if (has && !open) {
                zj_buf_printf(out,
                              "<polyline fill=\"none\" stroke=\"" INK
                              "\" stroke-width=\"1.5\" stroke-dasharray=\"%s\" points=\"",
                              dashes[s % N_STYLES]);
                open = true;
            } else if (!has && open) {
                zj_buf_puts(out, "\"/>");
                open = false;
            }
            if (has)
                zj_buf_printf(out, "%s%.1f,%.1f", r && open && v[r - 1] == v[r - 1] ? " " : "",
                              PLOT_LEFT + inset + (b->n_rows > 1 ? dx * (double)r : width / 2),
                              PLOT_TOP + PLOT_HEIGHT -
                                  PLOT_HEIGHT * (v[r] > max ? max : v[r]) / max);
        }
        if (open)
            zj_buf_puts(out, "\"/>");
        for (size_t r = 0; r < b->n_rows; r++)
            if (v[r] == v[r])
                marker(out, s, PLOT_LEFT + inset + (b->n_rows > 1 ? dx * (double)r : width / 2),
                       PLOT_TOP + PLOT_HEIGHT - PLOT_HEIGHT * (v[r] > max ? max : v[r]) / max);
        /* Legend: a sample of the line and marker, then the name. */
        double lx = PLOT_LEFT + (double)(s % per_row) * 140;
        double ly = PLOT_TOP + PLOT_HEIGHT + 34 + 18 * (double)(s / per_row);
        zj_buf_printf(out,
                      "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"" INK
                      "\" stroke-width=\"1.5\" stroke-dasharray=\"%s\"/>",
                      lx, ly - 4, lx + 28, ly - 4, dashes[s % N_STYLES]);
        marker(out, s, lx + 14, ly - 4);
        text_at(out, lx + 34, ly, "start", 11, b->cells[b->n_rows + s]);
    }
    close_svg(out);
}

void zj_chart_svg(zj_buf *out, const zj_doc_block *b)
{
    switch (b->chart) {
    case ZJ_CHART_BARS:
        bars_svg(out, b);
        break;
    case ZJ_CHART_HISTOGRAM:
        histogram_svg(out, b);
        break;
    case ZJ_CHART_LINES:
        lines_svg(out, b);
        break;
    }
}
