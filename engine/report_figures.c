/* report_figures.c — the charts the scorecard and the audit report share,
 * built from the report rows: the score histogram with the pass line, and
 * the weekly trend of the mean score. */
#include "report_source.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

size_t zj_score_bins(int base)
{
    return base < ZJ_SCORE_BINS ? (size_t)(base > 1 ? base : 1) : ZJ_SCORE_BINS;
}

/* Bin i holds the scores s with floor(s * n / base) = i: equal shares of the
 * scale, in whole points. */
size_t zj_score_bin(int64_t score, int base)
{
    size_t n = zj_score_bins(base);
    if (score <= 0 || base <= 0)
        return 0;
    if (score >= base)
        return n - 1;
    return (size_t)(score * (int64_t)n / base);
}

int zj_score_bin_low(size_t i, int base)
{
    int64_t n = (int64_t)zj_score_bins(base), b = base > 0 ? base : 1;
    return (int)(((int64_t)i * b + n - 1) / n);
}

void zj_chart_score_histogram(zj_doc *d, const zj_distribution *dist, int pass_mark)
{
    size_t n = zj_score_bins(dist->base);
    int lows[ZJ_SCORE_BINS];
    for (size_t i = 0; i < n; i++)
        lows[i] = zj_score_bin_low(i, dist->base);
    zj_doc_histogram(d, "score-histogram", "得分分布", n, lows, dist->base, dist->by_bin,
                     pass_mark);
}

/* The dated weeks of dist (the undated calls have no place on a time axis). */
static size_t dated_weeks(const zj_distribution *dist, const zj_sc_week **first)
{
    size_t skip = dist->n_weeks && !dist->weeks[0].week ? 1 : 0;
    *first = dist->weeks + skip;
    return dist->n_weeks - skip;
}

void zj_chart_weekly_trend(zj_doc *d, const zj_distribution *dist, const zj_scorecard_data *sc,
                           size_t max_lines, int pass_mark)
{
    const zj_sc_week *weeks;
    size_t n_x = dated_weeks(dist, &weeks);
    if (!n_x)
        return;
    bool by_group = sc && sc->n_groups > 1 && sc->n_groups <= max_lines;
    size_t n_series = by_group ? sc->n_groups : 1;
    const char **x = calloc(n_x, sizeof *x);
    const char **names = calloc(n_series, sizeof *names);
    double *v = malloc(n_x * n_series * sizeof *v);
    if (!x || !names || !v) {
        zj_doc_fail(d, ZJ_ERR_NOMEM);
        goto done;
    }
    for (size_t i = 0; i < n_x; i++)
        x[i] = weeks[i].week;
    for (size_t i = 0; i < n_x * n_series; i++)
        v[i] = NAN;
    if (!by_group) {
        names[0] = "全部通话";
        for (size_t i = 0; i < n_x; i++)
            v[i] = weeks[i].mean_score;
    } else {
        for (size_t s = 0; s < n_series; s++) {
            const zj_sc_group *g = &sc->groups[s];
            names[s] = g->agent_name ? zj_doc_strf(d, "%s %s", g->key, g->agent_name) : g->key;
            /* Both lists are sorted by week: merge. */
            size_t k = 0;
            for (size_t j = g->first_week; j < g->first_week + g->n_weeks; j++) {
                const char *w = sc->weeks[j].week;
                while (w && k < n_x && strcmp(x[k], w) < 0)
                    k++;
                if (w && k < n_x && strcmp(x[k], w) == 0)
                    v[s * n_x + k] = sc->weeks[j].mean_score;
            }
        }
    }
    char mark[32];
    snprintf(mark, sizeof mark, "合格线 %d", pass_mark);
    zj_doc_lines(d, "weekly-trend", "每周平均分", "分", n_x, x, n_series, names, v, dist->base,
                 pass_mark, mark);
done:
    free(x);
    free(names);
    free(v);
}
