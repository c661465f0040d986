/* report_scorecard.c — agent / team scorecards from the store: calls, mean
 * and median score, pass rate, fatal calls, grade distribution, the most
 * frequent violations with a quoted example, the weekly trend and the worst
 * calls. Every figure is an aggregate query over one rule set's results. */
#define _GNU_SOURCE /* asprintf */
#include "internal.h"

#include <sqlite3.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* The filter every report query shares (?1 rule set, ?2..?5 filters; a NULL
 * filter matches everything). Portable SQL. */
char *zj_sqlf(const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    char *s;
    if (vasprintf(&s, format, ap) < 0)
        s = NULL;
    va_end(ap);
    return s;
}

sqlite3_stmt *zj_report_query(zj_store *st, const char *sql, int64_t ruleset_id,
                              const zj_report_filter *f, zj_error *err)
{
    sqlite3 *db = zj_store_db(st);
    sqlite3_stmt *q;
    if (!sql) {
        zj_error_set(err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory");
        return NULL;
    }
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK) {
        zj_store_error(st, err, "report query failed");
        return NULL;
    }
    /* A filter whose bind failed (out of memory) would be NULL, which matches
     * every call: a report over more than was asked. */
    int rc = sqlite3_bind_int64(q, 1, ruleset_id);
    const char *v[4] = {f->from, f->to, f->team, f->agent};
    int n_params = sqlite3_bind_parameter_count(q); /* a query may use fewer */
    for (int i = 0; i < 4 && i + 2 <= n_params; i++)
        if (v[i] && rc == SQLITE_OK)
            rc = sqlite3_bind_text(q, i + 2, v[i], -1, SQLITE_TRANSIENT);
    if (rc != SQLITE_OK) {
        zj_store_error(st, err, "cannot prepare a report query");
        sqlite3_finalize(q);
        return NULL;
    }
    return q;
}

zj_report_scope zj_report_scope_of(zj_store *st, int64_t ruleset_id, const zj_report_filter *f)
{
    /* The stored calls, read off the largest row id (a replaced call leaves a
     * gap), and the calls of the filter's dates counted in the date index
     * alone, only up to a quarter of them: both cheap on a million calls,
     * where a full count took half a second. Only dates count: there is no
     * index on agent or team, so a lookup per call would visit every call of
     * the rule set anyway. */
    sqlite3_stmt *q;
    int64_t stored = 0;
    if (sqlite3_prepare_v2(zj_store_db(st), "SELECT coalesce(max(id), 0) FROM calls", -1, &q,
                           NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        stored = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    long long quarter = (long long)(stored + 3) / 4; /* selected < quarter: 4 x selected < stored */
    /* The dates as plain bounds, so that the index reads just their range. */
    char *sql = zj_sqlf("SELECT count(*) FROM (SELECT 1 FROM calls c WHERE c.ruleset_id = ?1%s%s"
                        " LIMIT %lld)",
                        f->from ? " AND c.local_date >= ?2" : "",
                        f->to ? " AND c.local_date <= ?3" : "", quarter);
    zj_error err;
    q = zj_report_query(st, sql, ruleset_id, f, &err);
    free(sql);
    /* A failure here only picks the wide plan: both plans give the same rows,
     * and the report's own queries meet (and report) a damaged store. */
    bool narrow = q && sqlite3_step(q) == SQLITE_ROW && sqlite3_column_int64(q, 0) < quarter;
    sqlite3_finalize(q);
    if (narrow)
        return (zj_report_scope){
            " c.ruleset_id = ?1",
            " FROM findings f JOIN calls c ON c.id = f.call_row WHERE c.ruleset_id = ?1"};
    return (zj_report_scope){
        " +c.ruleset_id = ?1",
        " FROM findings f CROSS JOIN calls c WHERE c.id = f.call_row AND +c.ruleset_id = ?1"};
}

zj_status zj_report_require_calls(zj_store *st, int64_t ruleset_id, const zj_report_filter *f,
                                  const char *what, zj_error *err)
{
    sqlite3_stmt *q = zj_report_query(
        st, "SELECT 1 FROM calls c WHERE c.ruleset_id = ?1" ZJ_CALL_FILTER_REST " LIMIT 1",
        ruleset_id, f, err);
    if (!q)
        return err->status;
    int rc = sqlite3_step(q);
    sqlite3_finalize(q);
    if (rc == SQLITE_ROW)
        return ZJ_OK;
    if (rc != SQLITE_DONE)
        return zj_store_error(st, err, "cannot read the results");
    /* Say which filters emptied the selection: a report over no calls would
     * read like a conclusion (合格率 0.0%) about nothing. */
    char label[300], sha[65];
    if (zj_report_ruleset(st, ruleset_id, label, sizeof label, sha, err) != ZJ_OK)
        return err->status;
    char filters[512] = "";
    size_t used = 0;
    const char *names[] = {"--from", "--to", "--team", "--agent"};
    const char *values[] = {f->from, f->to, f->team, f->agent};
    for (int i = 0; i < 4; i++)
        if (values[i] && used < sizeof filters)
            used += (size_t)snprintf(filters + used, sizeof filters - used, "%s%s %s",
                                     used ? ", " : "", names[i], values[i]);
    return zj_error_set(err, ZJ_ERR_NOTFOUND, NULL, 0, 0,
                        "no scored calls of rule set %s match %s%s: no %s written", label,
                        used ? "the filters " : "", used ? filters : "(the store holds none)",
                        what);
}

bool zj_report_one_row(zj_store *st, sqlite3_stmt *q, zj_error *err)
{
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        return true;
    if (rc == SQLITE_DONE)
        zj_error_set(err, ZJ_ERR_DB, NULL, 0, 0, "a report query returned no row");
    else
        zj_store_error(st, err, "cannot read the results");
    return false;
}

zj_status zj_report_done(zj_store *st, int rc, zj_error *err)
{
    return rc == SQLITE_DONE ? ZJ_OK : zj_store_error(st, err, "cannot read the results");
}

const char *zj_col(sqlite3_stmt *q, int i)
{
    const unsigned char *t = sqlite3_column_text(q, i);
    return t ? (const char *)t : "";
}

/* Rule set label "name@version" and sha256 of a row id. */
zj_status zj_report_ruleset(zj_store *st, int64_t id, char *label, size_t label_size, char sha[65],
                            zj_error *err)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(zj_store_db(st),
                           "SELECT name, version, sha256 FROM rulesets WHERE id=?1", -1, &q,
                           NULL) != SQLITE_OK)
        return zj_store_error(st, err, "cannot read the rule set");
    sqlite3_bind_int64(q, 1, id);
    int rc = sqlite3_step(q);
    if (rc != SQLITE_ROW) {
        zj_status s = rc == SQLITE_DONE
                          ? zj_error_set(err, ZJ_ERR_NOTFOUND, NULL, 0, 0, "no such rule set")
                          : zj_store_error(st, err, "cannot read the rule set");
        sqlite3_finalize(q);
        return s;
    }
    snprintf(label, label_size, "%s@%s", zj_col(q, 0), zj_col(q, 1));
    snprintf(sha, 65, "%s", zj_col(q, 2));
    sqlite3_finalize(q);
    return ZJ_OK;
}

static const char *period(const zj_report_filter *f, char *buf, size_t size)
{
    snprintf(buf, size, "%s 至 %s", f->from ? f->from : "最早", f->to ? f->to : "最近");
    return buf;
}

/* The groups of a scorecard, in key order, with their pass rates. */
typedef struct groups {
    char **keys;
    double *rates;
    size_t n, cap;
} groups;

static bool groups_add(groups *g, const char *key, double rate)
{
    if (g->n == g->cap) {
        size_t c = g->cap ? g->cap * 2 : 16;
        char **k = realloc(g->keys, c * sizeof *k);
        if (!k)
            return false;
        g->keys = k;
        double *r = realloc(g->rates, c * sizeof *r);
        if (!r)
            return false;
        g->rates = r;
        g->cap = c;
    }
    if (!(g->keys[g->n] = zj_strdup(key)))
        return false;
    g->rates[g->n++] = rate;
    return true;
}

static void groups_free(groups *g)
{
    for (size_t i = 0; i < g->n; i++)
        free(g->keys[i]);
    free(g->keys);
    free(g->rates);
}

zj_status zj_report_scorecard(zj_store *st, const zj_report_filter *f, zj_group_by by,
                              zj_format format, zj_buf *out, zj_error *err)
{
    int64_t rid;
    zj_status s = zj_store_find_ruleset(st, f->ruleset, &rid, err);
    if (s != ZJ_OK)
        return s;
    char label[300], sha[65], per[80];
    if ((s = zj_report_ruleset(st, rid, label, sizeof label, sha, err)) != ZJ_OK)
        return s;
    if ((s = zj_report_require_calls(st, rid, f, "scorecard", err)) != ZJ_OK)
        return s;
    const char *key =
        by == ZJ_BY_TEAM ? "coalesce(c.team, '(未分组)')" : "coalesce(c.agent_id, '(未知坐席)')";
    const char *who = by == ZJ_BY_TEAM ? "班组" : "坐席";
    zj_doc *d = zj_doc_new(by == ZJ_BY_TEAM ? "班组质检成绩单" : "坐席质检成绩单");
    if (!d)
        return zj_error_set(err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory");

    char *sql = NULL;
    sqlite3_stmt *q = NULL, *gq = NULL, *vq = NULL, *wq = NULL, *xq = NULL;
    groups g = {0};
    int rc;
    zj_report_scope in = zj_report_scope_of(st, rid, f);
    /* Totals. */
    sql = zj_sqlf("SELECT count(*), avg(c.score), sum(c.passed), sum(c.fatal),"
                  " min(c.local_date), max(c.local_date) FROM calls c WHERE%s" ZJ_CALL_FILTER_REST,
                  in.calls);
    q = zj_report_query(st, sql, rid, f, err);
    free(sql);
    if (!q || !zj_report_one_row(st, q, err))
        goto fail;
    long total = sqlite3_column_int64(q, 0);
    zj_doc_para(d,
                "规则集：%s（sha256 %.16s…）；期间：%s（数据范围 %s 至 %s）；通话 %ld 通，"
                "平均分 %.1f，合格率 %.1f%%，一票否决 %lld 通。",
                label, sha, period(f, per, sizeof per), zj_col(q, 4), zj_col(q, 5), total,
                sqlite3_column_double(q, 1),
                total ? 100.0 * (double)sqlite3_column_int64(q, 2) / (double)total : 0.0,
                sqlite3_column_int64(q, 3));
    sqlite3_finalize(q);
    q = NULL;
    if (total == 0) {
        zj_doc_para(d, "所选范围内没有已评分的通话。");
        goto render;
    }

    /* One row per group, with the median from window functions (standard SQL).
     * Every per-group query below runs ONCE for all groups, ordered by the
     * group key, and is read in step with this one: a query per group would
     * scan the calls once per agent. */
    sql = zj_sqlf("WITH g AS (SELECT %s AS k, c.score, c.passed, c.fatal, c.grade, c.agent_name,"
                  " c.team, ROW_NUMBER() OVER (PARTITION BY %s ORDER BY c.score) AS rn,"
                  " COUNT(*) OVER (PARTITION BY %s) AS cnt FROM calls c WHERE%s" ZJ_CALL_FILTER_REST
                  ") SELECT k, max(agent_name), max(team), count(*), avg(score),"
                  " avg(CASE WHEN rn IN ((cnt + 1) / 2, (cnt + 2) / 2) THEN score END),"
                  " sum(passed), sum(fatal) FROM g GROUP BY k ORDER BY k",
                  key, key, key, in.calls);
    q = zj_report_query(st, sql, rid, f, err);
    free(sql);
    if (!q)
        goto fail;
    sql = zj_sqlf("SELECT %s AS k, c.grade, count(*) FROM calls c WHERE%s" ZJ_CALL_FILTER_REST
                  " GROUP BY k, c.grade ORDER BY k, c.grade",
                  key, in.calls);
    gq = zj_report_query(st, sql, rid, f, err);
    free(sql);
    if (!gq)
        goto fail;
    const char *heads_agent[] = {"坐席",   "姓名",   "班组",     "通话数",  "平均分",
                                 "中位数", "合格率", "一票否决", "等级分布"};
    const char *heads_team[] = {"班组",   "通话数",   "平均分",  "中位数",
                                "合格率", "一票否决", "等级分布"};
    zj_doc_heading(d, 2, "总览");
    zj_doc_block *t = by == ZJ_BY_TEAM ? zj_doc_table(d, "summary", 7, heads_team)
                                       : zj_doc_table(d, "summary", 9, heads_agent);
    zj_buf grades;
    zj_buf_init(&grades);
    int grc = sqlite3_step(gq);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW && zj_doc_status(d) == ZJ_OK) {
        const char *k = zj_col(q, 0);
        long n = sqlite3_column_int64(q, 3);
        double rate = n ? 100.0 * (double)sqlite3_column_int64(q, 6) / (double)n : 0;
        zj_buf_reset(&grades);
        zj_buf_puts(&grades, "");
        for (; grc == SQLITE_ROW && !strcmp(zj_col(gq, 0), k); grc = sqlite3_step(gq))
            zj_buf_printf(&grades, "%s%s %lld", grades.len ? " / " : "", zj_col(gq, 1),
                          sqlite3_column_int64(gq, 2));
        if (grades.failed)
            zj_doc_fail(d, ZJ_ERR_NOMEM);
        if (by == ZJ_BY_TEAM)
            zj_doc_row(
                t, k, zj_doc_strf(d, "%ld", n), zj_doc_strf(d, "%.1f", sqlite3_column_double(q, 4)),
                zj_doc_strf(d, "%.1f", sqlite3_column_double(q, 5)), zj_doc_strf(d, "%.1f%%", rate),
                zj_doc_strf(d, "%lld", sqlite3_column_int64(q, 7)), grades.data);
        else
            zj_doc_row(t, k, zj_col(q, 1), zj_col(q, 2), zj_doc_strf(d, "%ld", n),
                       zj_doc_strf(d, "%.1f", sqlite3_column_double(q, 4)),
                       zj_doc_strf(d, "%.1f", sqlite3_column_double(q, 5)),
                       zj_doc_strf(d, "%.1f%%", rate),
                       zj_doc_strf(d, "%lld", sqlite3_column_int64(q, 7)), grades.data);
        if (!groups_add(&g, k, rate))
            zj_doc_fail(d, ZJ_ERR_NOMEM);
    }
    zj_buf_free(&grades);
    if (zj_doc_status(d) != ZJ_OK)
        goto render;
    if (zj_report_done(st, rc, err) != ZJ_OK ||
        (grc != SQLITE_DONE && zj_report_done(st, grc, err) != ZJ_OK))
        goto fail;
    sqlite3_finalize(q);
    sqlite3_finalize(gq);
    q = gq = NULL;
    zj_doc_chart(d, zj_doc_strf(d, "%s合格率", who), "%", g.n, (const char *const *)g.keys, g.rates,
                 100);

    /* Per group: violations with an example, weekly trend, worst calls. */
    /* Problems ranked as an inspector reads them: a fatal rule first, then by
     * severity, then by the points they cost, and only then by how often. */
    sql = zj_sqlf("SELECT x.k, x.rule_id, x.clause, x.n, x.example, x.outcome, x.pts,"
                  " coalesce(r.title, x.rule_id) FROM (SELECT %s AS k, f.rule_id AS rule_id,"
                  " max(f.clause) AS clause, count(*) AS n, min(CASE WHEN f.text IS NOT NULL"
                  " THEN c.call_id || ' ' || f.text END) AS example, min(f.outcome) AS outcome,"
                  " sum(f.points) AS pts, max(f.severity) AS severity%s" ZJ_CALL_FILTER_REST
                  " AND f.points < 0 GROUP BY k, f.rule_id) x"
                  " LEFT JOIN rules r ON r.ruleset_id = ?1 AND r.rule_id = x.rule_id"
                  " ORDER BY x.k, coalesce(r.fatal, 0) DESC, CASE x.severity WHEN 'critical'"
                  " THEN 0 WHEN 'major' THEN 1 WHEN 'minor' THEN 2 ELSE 3 END, x.pts, x.n DESC,"
                  " x.rule_id",
                  key, in.findings);
    vq = zj_report_query(st, sql, rid, f, err);
    free(sql);
    sql = zj_sqlf("SELECT %s AS k, coalesce(c.iso_week, '(无日期)'), count(*), avg(c.score),"
                  " sum(c.passed) FROM calls c WHERE%s" ZJ_CALL_FILTER_REST
                  " GROUP BY k, c.iso_week ORDER BY k, c.iso_week",
                  key, in.calls);
    wq = vq ? zj_report_query(st, sql, rid, f, err) : NULL;
    free(sql);
    sql = zj_sqlf("SELECT k, call_id, score, grade, local_date, fatal FROM (SELECT %s AS k,"
                  " c.call_id, c.score, c.grade, coalesce(c.local_date, '') AS local_date,"
                  " c.fatal, ROW_NUMBER() OVER (PARTITION BY %s ORDER BY c.score, c.call_id)"
                  " AS rn FROM calls c WHERE%s" ZJ_CALL_FILTER_REST
                  ") w WHERE rn <= 3 ORDER BY k, rn",
                  key, key, in.calls);
    xq = wq ? zj_report_query(st, sql, rid, f, err) : NULL;
    free(sql);
    if (!vq || !wq || !xq)
        goto fail;
    int vrc = sqlite3_step(vq), wrc = sqlite3_step(wq), xrc = sqlite3_step(xq);
    for (size_t i = 0; i < g.n && zj_doc_status(d) == ZJ_OK; i++) {
        const char *k = g.keys[i];
        zj_doc_heading(d, 2, "%s %s", who, k);
        const char *vh[] = {"主要问题", "规则", "条款", "次数", "扣分", "示例（通话 原话）"};
        zj_doc_block *vt = zj_doc_table(d, "violations", 6, vh);
        for (int shown = 0; vrc == SQLITE_ROW && !strcmp(zj_col(vq, 0), k);
             vrc = sqlite3_step(vq)) {
            if (shown++ >= 5)
                continue;
            const char *ex = zj_col(vq, 4);
            const char *sp = strchr(ex, ' ');
            const char *example =
                sp ? zj_doc_strf(d, "%.*s " ZJ_MARK_OPEN "%s" ZJ_MARK_CLOSE, (int)(sp - ex), ex,
                                 sp + 1)
                   : zj_doc_strf(d, "%s",
                                 strcmp(zj_col(vq, 5), "missing") == 0 ? "（未说出规定用语）" : ex);
            zj_doc_row(vt, zj_col(vq, 7), zj_col(vq, 1), zj_col(vq, 2),
                       zj_doc_strf(d, "%lld", sqlite3_column_int64(vq, 3)),
                       zj_doc_strf(d, "%lld", sqlite3_column_int64(vq, 6)), example);
        }
        const char *wh[] = {"周", "通话数", "平均分", "合格率"};
        zj_doc_block *wt = zj_doc_table(d, "trend", 4, wh);
        for (; wrc == SQLITE_ROW && !strcmp(zj_col(wq, 0), k); wrc = sqlite3_step(wq)) {
            long n = sqlite3_column_int64(wq, 2);
            zj_doc_row(
                wt, zj_col(wq, 1), zj_doc_strf(d, "%ld", n),
                zj_doc_strf(d, "%.1f", sqlite3_column_double(wq, 3)),
                zj_doc_strf(d, "%.1f%%",
                            n ? 100.0 * (double)sqlite3_column_int64(wq, 4) / (double)n : 0.0));
        }
        const char *xh[] = {"最差通话（zhijian show ID）", "分数", "等级", "日期"};
        zj_doc_block *xt = zj_doc_table(d, "worst", 4, xh);
        for (; xrc == SQLITE_ROW && !strcmp(zj_col(xq, 0), k); xrc = sqlite3_step(xq))
            zj_doc_row(xt, zj_col(xq, 1),
                       zj_doc_strf(d, "%d%s", sqlite3_column_int(xq, 2),
                                   sqlite3_column_int(xq, 5) ? "（一票否决）" : ""),
                       zj_col(xq, 3), zj_col(xq, 4));
    }
    /* Each query read to its end, or the error that stopped it. */
    if (zj_doc_status(d) == ZJ_OK &&
        ((vrc != SQLITE_DONE && zj_report_done(st, vrc, err) != ZJ_OK) ||
         (wrc != SQLITE_DONE && zj_report_done(st, wrc, err) != ZJ_OK) ||
         (xrc != SQLITE_DONE && zj_report_done(st, xrc, err) != ZJ_OK)))
        goto fail;
render:
    sqlite3_finalize(q);
    sqlite3_finalize(gq);
    sqlite3_finalize(vq);
    sqlite3_finalize(wq);
    sqlite3_finalize(xq);
    groups_free(&g);
    s = zj_doc_render(d, format, out);
    zj_doc_free(d);
    return s == ZJ_OK
               ? ZJ_OK
               : zj_error_set(err, s, NULL, 0, 0, "cannot write the scorecard: %s", zj_strerror(s));
fail:
    sqlite3_finalize(q);
    sqlite3_finalize(gq);
    sqlite3_finalize(vq);
    sqlite3_finalize(wq);
    sqlite3_finalize(xq);
    groups_free(&g);
    zj_doc_free(d);
    return err && err->status ? err->status : ZJ_ERR_DB;
}
