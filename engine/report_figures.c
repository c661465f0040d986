/* report_figures.c — the charts the scorecard and the audit report share,
 * built from the report rows: the score histogram with the pass line, and
 * the weekly trend of the mean score. */
#include "report_source.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Bins of 10 points: 0–9 … 80–89, 90–100. */
#define HIST_BIN 10
#define HIST_BINS 10

void zj_chart_score_histogram(zj_doc *d, const zj_distribution *dist, int pass_mark)
{
    long counts[HIST_BINS] = {0};
    for (int score = 0; score <= 100; score++)
        counts[score / HIST_BIN < HIST_BINS ? score / HIST_BIN : HIST_BINS - 1] +=
            dist->by_score[score];
    zj_doc_histogram(d, "score-histogram", "得分分布", HIST_BINS, HIST_BIN, counts, pass_mark);
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
    zj_doc_lines(d, "weekly-trend", "每周平均分", "分", n_x, x, n_series, names, v, 100, pass_mark,
                 mark);
done:
    free(x);
    free(names);
    free(v);
}
