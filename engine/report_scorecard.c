/* report_scorecard.c — agent / team scorecards: calls, mean and median
 * score, pass rate, fatal calls, grade distribution, the main problems with a
 * quoted example, the weekly trend and the worst calls. The figures come as
 * typed rows from the report source (report_source.h); this file lays them
 * out as a document, or writes them as JSON data. No SQL here. */
#include "report_json.h"
#include "report_source.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static const char *period(const zj_report_filter *f, char *buf, size_t size)
{
    snprintf(buf, size, "%s 至 %s", f->from ? f->from : "最早", f->to ? f->to : "最近");
    return buf;
}

static zj_status scorecard_json(const zj_scorecard_data *d, const zj_report_filter *f,
                                zj_group_by by, zj_buf *out);

/* The scorecard as a document for the text, Markdown, HTML and CSV renderers. */
static zj_doc *scorecard_doc(const zj_scorecard_data *sc, const zj_distribution *dist,
                             const zj_report_filter *f, zj_group_by by)
{
    const char *who = by == ZJ_BY_TEAM ? "班组" : "坐席";
    zj_doc *d = zj_doc_new(by == ZJ_BY_TEAM ? "班组质检成绩单" : "坐席质检成绩单");
    if (!d)
        return NULL;
    char per[80];
    const zj_sc_totals *t = &sc->totals;
    zj_doc_para(d,
                "规则集：%s（sha256 %.16s…）；期间：%s（数据范围 %s 至 %s）；通话 %ld 通，"
                "平均分 %.1f，合格率 %.1f%%，一票否决 %ld 通。",
                sc->ruleset.label, sc->ruleset.sha256, period(f, per, sizeof per),
                t->first_date ? t->first_date : "", t->last_date ? t->last_date : "", t->calls,
                zj_half_up(t->mean_score, 1),
                zj_half_up(t->calls ? 100.0 * (double)t->passed / (double)t->calls : 0.0, 1),
                t->fatal);
    if (t->calls == 0) {
        zj_doc_para(d, "所选范围内没有已评分的通话。");
        return d;
    }

    const char *heads_agent[] = {"坐席",   "姓名",   "班组",     "通话数",  "平均分",
                                 "中位数", "合格率", "一票否决", "等级分布"};
    const char *heads_team[] = {"班组",   "通话数",   "平均分",  "中位数",
                                "合格率", "一票否决", "等级分布"};
    zj_doc_heading(d, 2, "总览");
    zj_doc_block *tb = by == ZJ_BY_TEAM ? zj_doc_table(d, "summary", 7, heads_team)
                                        : zj_doc_table(d, "summary", 9, heads_agent);
    const char **keys = calloc(sc->n_groups ? sc->n_groups : 1, sizeof *keys);
    double *means = calloc(sc->n_groups ? sc->n_groups : 1, sizeof *means);
    if (!keys || !means)
        zj_doc_fail(d, ZJ_ERR_NOMEM);
    zj_buf grades;
    zj_buf_init(&grades);
    for (size_t i = 0; i < sc->n_groups && zj_doc_status(d) == ZJ_OK; i++) {
        const zj_sc_group *g = &sc->groups[i];
        double rate = g->calls ? 100.0 * (double)g->passed / (double)g->calls : 0;
        zj_buf_reset(&grades);
        zj_buf_puts(&grades, "");
        for (size_t j = g->first_grade; j < g->first_grade + g->n_grades; j++)
            zj_buf_printf(&grades, "%s%s %ld", grades.len ? " / " : "",
                          sc->grades[j].grade ? sc->grades[j].grade : "", sc->grades[j].calls);
        if (grades.failed)
            zj_doc_fail(d, ZJ_ERR_NOMEM);
        if (by == ZJ_BY_TEAM)
            zj_doc_row(tb, g->key, zj_doc_strf(d, "%ld", g->calls),
                       zj_doc_strf(d, "%.1f", zj_half_up(g->mean_score, 1)),
                       zj_doc_strf(d, "%.1f", zj_half_up(g->median_score, 1)),
                       zj_doc_strf(d, "%.1f%%", zj_half_up(rate, 1)),
                       zj_doc_strf(d, "%ld", g->fatal), grades.data);
        else
            zj_doc_row(tb, g->key, g->agent_name ? g->agent_name : "", g->team ? g->team : "",
                       zj_doc_strf(d, "%ld", g->calls),
                       zj_doc_strf(d, "%.1f", zj_half_up(g->mean_score, 1)),
                       zj_doc_strf(d, "%.1f", zj_half_up(g->median_score, 1)),
                       zj_doc_strf(d, "%.1f%%", zj_half_up(rate, 1)),
                       zj_doc_strf(d, "%ld", g->fatal), grades.data);
        keys[i] = g->agent_name ? zj_doc_strf(d, "%s %s", g->key, g->agent_name) : g->key;
        means[i] = g->mean_score;
    }
    zj_buf_free(&grades);
    /* The charts: each group's mean against the pass mark, the calls per
     * score, and the weekly trend (a line per group when there are few). */
    int pass = sc->ruleset.pass;
    const char *pass_label = zj_doc_strf(d, "合格线 %d", pass);
    if (zj_doc_status(d) == ZJ_OK)
        zj_doc_bars(d, by == ZJ_BY_TEAM ? "team-scores" : "agent-scores",
                    zj_doc_strf(d, "%s平均分", who), "", sc->n_groups, keys, means,
                    sc->ruleset.base, pass, pass_label);
    free(keys);
    free(means);
    zj_chart_score_histogram(d, dist, pass);
    zj_chart_weekly_trend(d, dist, sc, 8, pass);

    /* Per group: the main problems with an example, weekly trend, worst calls. */
    for (size_t i = 0; i < sc->n_groups && zj_doc_status(d) == ZJ_OK; i++) {
        const zj_sc_group *g = &sc->groups[i];
        zj_doc_heading(d, 2, "%s %s", who, g->key);
        const char *vh[] = {"主要问题", "规则", "条款", "次数", "扣分", "示例（通话 原话）"};
        zj_doc_block *vt = zj_doc_table(d, "violations", 6, vh);
        for (size_t j = g->first_problem;
             j < g->first_problem + g->n_problems && j - g->first_problem < 5; j++) {
            const zj_sc_problem *p = &sc->problems[j];
            const char *example = p->example_call
                                      ? zj_doc_strf(d, "%s " ZJ_MARK_OPEN "%s" ZJ_MARK_CLOSE,
                                                    p->example_call, p->example_text)
                                      : zj_doc_strf(d, "%s",
                                                    p->outcome && !strcmp(p->outcome, "missing")
                                                        ? "（未说出规定用语）"
                                                        : (p->example_text ? p->example_text : ""));
            zj_doc_row(vt, p->title ? p->title : "", p->rule_id, p->clause ? p->clause : "",
                       zj_doc_strf(d, "%ld", p->count), zj_doc_strf(d, "%ld", p->points), example);
        }
        const char *wh[] = {"周", "通话数", "平均分", "合格率"};
        zj_doc_block *wt = zj_doc_table(d, "trend", 4, wh);
        for (size_t j = g->first_week; j < g->first_week + g->n_weeks; j++) {
            const zj_sc_week *w = &sc->weeks[j];
            zj_doc_row(
                wt, w->week ? w->week : "(无日期)", zj_doc_strf(d, "%ld", w->calls),
                zj_doc_strf(d, "%.1f", zj_half_up(w->mean_score, 1)),
                zj_doc_strf(
                    d, "%.1f%%",
                    zj_half_up(w->calls ? 100.0 * (double)w->passed / (double)w->calls : 0.0, 1)));
        }
        const char *xh[] = {"最差通话（zhijian show ID）", "分数", "等级", "日期"};
        zj_doc_block *xt = zj_doc_table(d, "worst", 4, xh);
        for (size_t j = g->first_worst; j < g->first_worst + g->n_worst; j++) {
            const zj_sc_call *x = &sc->worst[j];
            zj_doc_row(xt, x->call_id,
                       zj_doc_strf(d, "%d%s", x->score, x->fatal ? "（一票否决）" : ""),
                       x->grade ? x->grade : "", x->date ? x->date : "");
        }
    }
    return d;
}

static zj_status scorecard_read(zj_store *st, const zj_report_filter *f, zj_group_by by,
                                zj_format format, zj_buf *out, zj_error *err)
{
    zj_report_source src = zj_report_source_sql(st);
    zj_scorecard_data sc = {0};
    zj_distribution dist = {0};
    zj_status s = src.ops->ruleset(src.self, f->ruleset, &sc.ruleset, err);
    if (s == ZJ_OK)
        s = src.ops->require_calls(src.self, &sc.ruleset, f, "scorecard", err);
    if (s == ZJ_OK)
        s = src.ops->scorecard(src.self, f, by, &sc, err);
    /* The charts' figures: only the documents draw them. */
    if (s == ZJ_OK && format != ZJ_FMT_JSON && format != ZJ_FMT_CSV)
        s = src.ops->distribution(src.self, &sc.ruleset, f, &dist, err);
    if (s != ZJ_OK) {
        zj_scorecard_data_free(&sc);
        zj_distribution_free(&dist);
        return s;
    }
    if (format == ZJ_FMT_JSON) {
        s = scorecard_json(&sc, f, by, out);
    } else {
        zj_doc *d = scorecard_doc(&sc, &dist, f, by);
        s = d ? zj_doc_render(d, format, out) : ZJ_ERR_NOMEM;
        zj_doc_free(d);
    }
    zj_scorecard_data_free(&sc);
    zj_distribution_free(&dist);
    return s == ZJ_OK
               ? ZJ_OK
               : zj_error_set(err, s, NULL, 0, 0, "cannot write the scorecard: %s", zj_strerror(s));
}

/* One snapshot for all of the scorecard's queries (a reader's open holds
 * one already; serve's writable store does not). */
zj_status zj_report_scorecard(zj_store *st, const zj_report_filter *f, zj_group_by by,
                              zj_format format, zj_buf *out, zj_error *err)
{
    bool own = zj_store_read_enter(st);
    zj_status s = scorecard_read(st, f, by, format, out, err);
    if (own)
        zj_store_read_end(st);
    return s;
}

/* ---------------------------------------------------------- JSON data */

static double rate(long part, long whole)
{
    return whole ? (double)part / (double)whole : 0.0;
}

/* The scorecard as data (docs/schema/scorecard.schema.json): English keys,
 * numbers as numbers, rates as fractions 0..1, ISO dates, every problem of a
 * group (the documents show the first five). */
static zj_status scorecard_json(const zj_scorecard_data *d, const zj_report_filter *f,
                                zj_group_by by, zj_buf *out)
{
    json_t *root = json_object(), *schema = json_object(), *rs = json_object();
    json_t *filters = json_object(), *totals = json_object(), *groups = json_array();
    bool ok = root && schema && rs && filters && totals && groups;
    ok = ok && jset(schema, "name", json_string("zhijian.scorecard")) &&
         jset(schema, "version", json_integer(1)) && jset(root, "schema", json_incref(schema));
    ok = ok && jset(root, "group_by", json_string(by == ZJ_BY_TEAM ? "team" : "agent"));
    ok = ok && jset(rs, "name", json_string(d->ruleset.name)) &&
         jset(rs, "version", json_string(d->ruleset.version)) &&
         jset(rs, "sha256", json_string(d->ruleset.sha256)) &&
         jset(root, "ruleset", json_incref(rs));
    ok = ok && jset(filters, "from", jstr(f->from)) && jset(filters, "to", jstr(f->to)) &&
         jset(filters, "team", jstr(f->team)) && jset(filters, "agent", jstr(f->agent)) &&
         jset(root, "filters", json_incref(filters));
    const zj_sc_totals *t = &d->totals;
    ok = ok && jset(totals, "calls", json_integer(t->calls)) &&
         jset(totals, "first_date", jstr(t->first_date)) &&
         jset(totals, "last_date", jstr(t->last_date)) &&
         jset(totals, "mean_score", json_real(t->mean_score)) &&
         jset(totals, "passed", json_integer(t->passed)) &&
         jset(totals, "pass_rate", json_real(rate(t->passed, t->calls))) &&
         jset(totals, "fatal_calls", json_integer(t->fatal)) &&
         jset(root, "totals", json_incref(totals));
    ok = ok && jset(root, "groups", json_incref(groups));
    for (size_t i = 0; ok && i < d->n_groups; i++) {
        const zj_sc_group *g = &d->groups[i];
        json_t *o = json_object(), *grades = json_array(), *problems = json_array();
        json_t *weeks = json_array(), *worst = json_array();
        ok = o && grades && problems && weeks && worst && json_array_append(groups, o) == 0;
        ok = ok &&
             jset(o, by == ZJ_BY_TEAM ? "team" : "agent_id", jstr(g->key_known ? g->key : NULL));
        if (by == ZJ_BY_AGENT)
            ok = ok && jset(o, "agent_name", jstr(g->agent_name)) && jset(o, "team", jstr(g->team));
        ok = ok && jset(o, "calls", json_integer(g->calls)) &&
             jset(o, "mean_score", json_real(g->mean_score)) &&
             jset(o, "median_score", json_real(g->median_score)) &&
             jset(o, "passed", json_integer(g->passed)) &&
             jset(o, "pass_rate", json_real(rate(g->passed, g->calls))) &&
             jset(o, "fatal_calls", json_integer(g->fatal)) &&
             jset(o, "grades", json_incref(grades)) && jset(o, "problems", json_incref(problems)) &&
             jset(o, "weekly_trend", json_incref(weeks)) &&
             jset(o, "worst_calls", json_incref(worst));
        for (size_t j = g->first_grade; ok && j < g->first_grade + g->n_grades; j++) {
            json_t *x = json_object();
            ok = x && json_array_append_new(grades, x) == 0 &&
                 jset(x, "grade", jstr(d->grades[j].grade)) &&
                 jset(x, "calls", json_integer(d->grades[j].calls));
        }
        for (size_t j = g->first_problem; ok && j < g->first_problem + g->n_problems; j++) {
            const zj_sc_problem *p = &d->problems[j];
            json_t *x = json_object(), *ex = NULL;
            ok = x && json_array_append_new(problems, x) == 0 &&
                 jset(x, "rule_id", json_string(p->rule_id)) && jset(x, "title", jstr(p->title)) &&
                 jset(x, "clause", jstr(p->clause)) && jset(x, "severity", jstr(p->severity)) &&
                 jset(x, "fatal", json_boolean(p->fatal)) && jset(x, "outcome", jstr(p->outcome)) &&
                 jset(x, "count", json_integer(p->count)) &&
                 jset(x, "points", json_integer(p->points));
            if (ok && p->example_call)
                ok = (ex = json_object()) && jset(ex, "call_id", json_string(p->example_call)) &&
                     jset(ex, "text", jstr(p->example_text)) && jset(x, "example", ex);
            else if (ok) {
                json_decref(ex);
                ok = jset(x, "example", json_null());
            }
        }
        for (size_t j = g->first_week; ok && j < g->first_week + g->n_weeks; j++) {
            const zj_sc_week *w = &d->weeks[j];
            json_t *x = json_object();
            ok = x && json_array_append_new(weeks, x) == 0 && jset(x, "week", jstr(w->week)) &&
                 jset(x, "calls", json_integer(w->calls)) &&
                 jset(x, "mean_score", json_real(w->mean_score)) &&
                 jset(x, "passed", json_integer(w->passed)) &&
                 jset(x, "pass_rate", json_real(rate(w->passed, w->calls)));
        }
        for (size_t j = g->first_worst; ok && j < g->first_worst + g->n_worst; j++) {
            const zj_sc_call *c = &d->worst[j];
            json_t *x = json_object();
            ok = x && json_array_append_new(worst, x) == 0 &&
                 jset(x, "call_id", json_string(c->call_id)) &&
                 jset(x, "score", json_integer(c->score)) && jset(x, "grade", jstr(c->grade)) &&
                 jset(x, "date", jstr(c->date)) && jset(x, "fatal", json_boolean(c->fatal));
        }
        json_decref(o);
        json_decref(grades);
        json_decref(problems);
        json_decref(weeks);
        json_decref(worst);
    }
    json_decref(schema);
    json_decref(rs);
    json_decref(filters);
    json_decref(totals);
    json_decref(groups);
    return zj_report_json_emit(root, ok, out);
}
