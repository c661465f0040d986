/* test_chart.c — the reports' charts: SVG geometry (the pass line where the
 * pass mark lies, bars to scale, a line broken where a week has no value),
 * escaping of labels, and the text and Markdown listings of the same
 * figures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "report_source.h"

static char *render(zj_doc *d, zj_format fmt)
{
    zj_buf out;
    zj_buf_init(&out);
    assert_int_equal(zj_doc_render(d, fmt, &out), ZJ_OK);
    return out.data; /* the buffer's memory, freed by the caller */
}

static size_t count(const char *s, const char *needle)
{
    size_t n = 0;
    for (const char *p = s; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

static void histogram_pass_line_and_bars(void **state)
{
    (void)state;
    zj_doc *d = zj_doc_new("t");
    long counts[10] = {0, 0, 0, 0, 0, 0, 0, 2, 4, 8};
    const int lows[10] = {0, 10, 20, 30, 40, 50, 60, 70, 80, 90};
    zj_doc_histogram(d, "score-histogram", "得分分布", 10, lows, 100, counts, 80);
    char *html = render(d, ZJ_FMT_HTML);
    assert_non_null(strstr(html, "data-chart=\"score-histogram\""));
    /* Plot 48..620: score 80 of 0..100 lies at 48 + 572 * 0.8 = 505.6. */
    assert_non_null(strstr(html, "<line x1=\"505.6\" y1=\"44.0\" x2=\"505.6\" y2=\"230.0\""));
    assert_non_null(strstr(html, ">合格线 80</text>"));
    /* The y scale: 8 calls, ticks of 2, top 8: the 90–100 bar is the full
     * 180 high, the 70–79 one (below the pass mark, grey) a quarter. */
    assert_non_null(strstr(html, "<rect x=\"563.8\" y=\"50.0\" width=\"55.2\" height=\"180.0\" "
                                 "fill=\"#4a6fa5\""));
    assert_non_null(strstr(html, "<rect x=\"449.4\" y=\"185.0\" width=\"55.2\" height=\"45.0\" "
                                 "fill=\"#a8a8a8\""));
    free(html);
    char *text = render(d, ZJ_FMT_TEXT);
    assert_non_null(strstr(text, "得分分布（合格线 80）\n"));
    assert_non_null(strstr(text, "  90–100      ██████████████████████████████ 8通\n"));
    assert_non_null(strstr(text, "  80–89       ███████████████ 4通\n"));
    free(text);
    char *md = render(d, ZJ_FMT_MD);
    assert_non_null(strstr(md, "| 分数段 | 通 |\n|---|---|\n| 0–9 | 0 |\n"));
    assert_non_null(strstr(md, "| 90–100 | 8 |\n"));
    free(md);
    zj_doc_free(d);
}

static void lines_break_at_missing_weeks(void **state)
{
    (void)state;
    zj_doc *d = zj_doc_new("t");
    const char *weeks[] = {"2026-W45", "2026-W46", "2026-W47", "2026-W48"};
    const char *names[] = {"A01 王芳", "<b>x</b>"};
    double v[] = {50, NAN, 70, 80, 100, 90, 80, 70};
    zj_doc_lines(d, "weekly-trend", "每周平均分", "分", 4, weeks, 2, names, v, 100, 80,
                 "合格线 80");
    char *html = render(d, ZJ_FMT_HTML);
    assert_non_null(strstr(html, "data-chart=\"weekly-trend\""));
    /* Points from x 80 to 588 (32 in from each side of 48..620), 508 / 3
     * apart; y 230 - 1.8 * value. Series 1 breaks at W46: two polylines,
     * the first a single point; series 2 is one line of four. */
    assert_int_equal(count(html, "<polyline"), 3);
    assert_non_null(strstr(html, "stroke-dasharray=\"\" points=\"80.0,140.0\"/>"));
    assert_non_null(strstr(html, "points=\"418.7,104.0 588.0,86.0\"/>"));
    assert_non_null(strstr(html, "stroke-dasharray=\"6 3\" points=\"80.0,50.0 249.3,68.0 "
                                 "418.7,86.0 588.0,104.0\"/>"));
    /* The pass line across the plot at 80 of 0..100. */
    assert_non_null(strstr(html, "<line x1=\"48.0\" y1=\"86.0\" x2=\"620.0\" y2=\"86.0\""));
    /* Names are escaped. */
    assert_null(strstr(html, "<b>x</b>"));
    assert_non_null(strstr(html, "&lt;b&gt;x&lt;/b&gt;"));
    free(html);
    char *text = render(d, ZJ_FMT_TEXT);
    assert_non_null(strstr(text, "  2026-W46   —         90.0     \n"));
    free(text);
    char *md = render(d, ZJ_FMT_MD);
    assert_non_null(strstr(md, "| 周 | A01 王芳 | \\<b\\>x\\</b\\> |\n"));
    assert_non_null(strstr(md, "| 2026-W46 | — | 90.0 |\n"));
    free(md);
    zj_doc_free(d);
}

static void bars_scale_and_escaping(void **state)
{
    (void)state;
    zj_doc *d = zj_doc_new("t");
    const char *labels[] = {"A01 王芳", "<script>alert(1)</script>"};
    double v[] = {100, 50};
    zj_doc_bars(d, "agent-scores", "坐席平均分", "", 2, labels, v, 100, 80, "合格线 80");
    char *html = render(d, ZJ_FMT_HTML);
    assert_null(strstr(html, "<script>"));
    assert_non_null(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    /* Bars from x 150 over 430 units for 0..100: 100 fills it, 50 half. */
    assert_non_null(strstr(html, "<rect x=\"150.0\" y=\"65.0\" width=\"430.0\" height=\"18\""));
    assert_non_null(strstr(html, "<rect x=\"150.0\" y=\"91.0\" width=\"215.0\" height=\"18\""));
    /* Ticks 0, 25, 50, 75, 100; the pass line at 80: 150 + 344. */
    assert_int_equal(count(html, "font-size=\"11\" text-anchor=\"middle\""), 5);
    assert_non_null(strstr(html, "<line x1=\"494.0\""));
    free(html);
    zj_doc_free(d);
}

/* The bins follow the rule set's base: ten equal shares in whole points,
 * the top one closed at the base; one point each under ten. */
static void score_bins_follow_the_base(void **state)
{
    (void)state;
    assert_int_equal(zj_score_bins(100), 10);
    assert_int_equal(zj_score_bin(89, 100), 8);
    assert_int_equal(zj_score_bin(90, 100), 9);
    assert_int_equal(zj_score_bin(100, 100), 9);
    assert_int_equal(zj_score_bin(-5, 100), 0);
    assert_int_equal(zj_score_bin(130, 100), 9);
    assert_int_equal(zj_score_bin_low(9, 100), 90);
    /* base 120: bins of 12 points, 108–120 on top */
    assert_int_equal(zj_score_bin(110, 120), 9);
    assert_int_equal(zj_score_bin(107, 120), 8);
    assert_int_equal(zj_score_bin(120, 120), 9);
    assert_int_equal(zj_score_bin_low(9, 120), 108);
    /* base 10: a bin per point, 9–10 on top */
    assert_int_equal(zj_score_bins(10), 10);
    assert_int_equal(zj_score_bin(7, 10), 7);
    assert_int_equal(zj_score_bin(10, 10), 9);
    /* base 95: lows 0, 10, 19, 29, ... (ceil(i * 9.5)) */
    assert_int_equal(zj_score_bin_low(2, 95), 19);
    assert_int_equal(zj_score_bin(18, 95), 1);
    assert_int_equal(zj_score_bin(19, 95), 2);
    /* base 4: four bins of one point, 3–4 on top */
    assert_int_equal(zj_score_bins(4), 4);
    assert_int_equal(zj_score_bin(4, 4), 3);
    assert_int_equal(zj_score_bin_low(3, 4), 3);
}

/* Bins of one point are labelled by it; the pass line and the grey bins
 * follow the axis 0..top. */
static void histogram_of_another_base(void **state)
{
    (void)state;
    zj_doc *d = zj_doc_new("t");
    long counts[4] = {0, 1, 0, 2};
    const int lows[4] = {0, 1, 2, 3};
    zj_doc_histogram(d, "score-histogram", "得分分布", 4, lows, 4, counts, 2);
    char *md = render(d, ZJ_FMT_MD);
    assert_non_null(strstr(md, "| 0 | 0 |\n| 1 | 1 |\n| 2 | 0 |\n| 3–4 | 2 |\n"));
    free(md);
    char *html = render(d, ZJ_FMT_HTML);
    /* Pass 2 of 0..4 at 48 + 572 / 2; bins 0 and 1 grey, 3–4 blue. */
    assert_non_null(strstr(html, "<line x1=\"334.0\""));
    assert_int_equal(count(html, "fill=\"#a8a8a8\""), 2);
    free(html);
    zj_doc_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(histogram_pass_line_and_bars),
        cmocka_unit_test(score_bins_follow_the_base),
        cmocka_unit_test(histogram_of_another_base),
        cmocka_unit_test(lines_break_at_missing_weeks),
        cmocka_unit_test(bars_scale_and_escaping),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
