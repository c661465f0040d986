/* report_source_sql.c — the SQLite backend of the report data layer
 * (report_source.h): every SQL query the reports run, and the helpers they
 * share. SQL dialect choices (window functions, the +column and CROSS JOIN
 * plan hints, coalesce, string concatenation) stay in this file. */
#define _GNU_SOURCE /* asprintf */
#include "report_source.h"
#include "store_agg.h"

#include "db.h"
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

zj_stmt *zj_report_query(zj_store *st, const char *sql, int64_t ruleset_id,
                         const zj_report_filter *f, zj_error *err)
{
    zj_db *db = zj_store_db(st);
    zj_stmt *q;
    if (!sql) {
        zj_error_set(err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory");
        return NULL;
    }
    if (zj_db_prepare_v2(db, sql, -1, &q, NULL) != ZJ_DB_OK) {
        zj_store_error(st, err, "report query failed");
        return NULL;
    }
    /* A filter whose bind failed (out of memory) would be NULL, which matches
     * every call: a report over more than was asked. */
    int rc = zj_db_bind_int64(q, 1, ruleset_id);
    const char *v[4] = {f->from, f->to, f->team, f->agent};
    int n_params = zj_db_bind_parameter_count(q); /* a query may use fewer */
    for (int i = 0; i < 4 && i + 2 <= n_params; i++)
        if (v[i] && rc == ZJ_DB_OK)
            rc = zj_db_bind_text(q, i + 2, v[i], -1, ZJ_DB_TRANSIENT);
    if (rc != ZJ_DB_OK) {
        zj_store_error(st, err, "cannot prepare a report query");
        zj_db_finalize(q);
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
    zj_stmt *q;
    int64_t stored = 0;
    if (zj_db_prepare_v2(zj_store_db(st), "SELECT coalesce(max(id), 0) FROM calls", -1, &q, NULL) ==
            ZJ_DB_OK &&
        zj_db_step(q) == ZJ_DB_ROW)
        stored = zj_db_column_int64(q, 0);
    zj_db_finalize(q);
    long long quarter = (long long)(stored + 3) / 4; /* selected < quarter: 4 x selected < stored */
    /* The dates as plain bounds, so that the index reads just their range. */
    char *sql = zj_sqlf("SELECT count(*) FROM (SELECT 1 FROM calls c WHERE c.ruleset_id = ?1%s%s"
                        " LIMIT %lld) AS s",
                        f->from ? " AND c.local_date >= ?2" : "",
                        f->to ? " AND c.local_date <= ?3" : "", quarter);
    zj_error err;
    q = zj_report_query(st, sql, ruleset_id, f, &err);
    free(sql);
    /* A failure here only picks the wide plan: both plans give the same rows,
     * and the report's own queries meet (and report) a damaged store. */
    bool narrow = q && zj_db_step(q) == ZJ_DB_ROW && zj_db_column_int64(q, 0) < quarter;
    zj_db_finalize(q);
    if (narrow)
        return (zj_report_scope){
            " c.ruleset_id = ?1",
            " FROM findings f JOIN calls c ON c.id = f.call_row WHERE c.ruleset_id = ?1"};
    return (zj_report_scope){
        " +c.ruleset_id = ?1",
        " FROM findings f CROSS JOIN calls c WHERE c.id = f.call_row AND +c.ruleset_id = ?1"};
}

/* Whether the reports read the aggregates (store_agg.h): when the store has
 * them (a reader may open a file written before v7) and ZJ_REPORT_RECOMPUTE
 * is unset or 0. Set, every figure is recomputed from calls and findings:
 * tests/scripts/report_aggregates.sh compares both byte for byte. */
static bool use_aggregates(zj_store *st)
{
    const char *e = getenv("ZJ_REPORT_RECOMPUTE");
    return !(e && *e && strcmp(e, "0") != 0) && zj_store_has_aggregates(st);
}

zj_status zj_report_require_calls(zj_store *st, int64_t ruleset_id, const zj_report_filter *f,
                                  const char *what, zj_error *err)
{
    /* An aggregate row exists only while it counts a call. */
    zj_stmt *q = zj_report_query(
        st,
        use_aggregates(st)
            ? "SELECT 1 FROM agg_calls c WHERE c.ruleset_id = ?1" ZJ_CALL_FILTER_REST " LIMIT 1"
            : "SELECT 1 FROM calls c WHERE c.ruleset_id = ?1" ZJ_CALL_FILTER_REST " LIMIT 1",
        ruleset_id, f, err);
    if (!q)
        return err->status;
    int rc = zj_db_step(q);
    zj_db_finalize(q);
    if (rc == ZJ_DB_ROW)
        return ZJ_OK;
    if (rc != ZJ_DB_DONE)
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

bool zj_report_one_row(zj_store *st, zj_stmt *q, zj_error *err)
{
    int rc = zj_db_step(q);
    if (rc == ZJ_DB_ROW)
        return true;
    if (rc == ZJ_DB_DONE)
        zj_error_set(err, ZJ_ERR_DB, NULL, 0, 0, "a report query returned no row");
    else
        zj_store_error(st, err, "cannot read the results");
    return false;
}

zj_status zj_report_done(zj_store *st, int rc, zj_error *err)
{
    return rc == ZJ_DB_DONE ? ZJ_OK : zj_store_error(st, err, "cannot read the results");
}

const char *zj_col(zj_stmt *q, int i)
{
    const unsigned char *t = zj_db_column_text(q, i);
    return t ? (const char *)t : "";
}

/* Rule set label "name@version" and sha256 of a row id. */
zj_status zj_report_ruleset(zj_store *st, int64_t id, char *label, size_t label_size, char sha[65],
                            zj_error *err)
{
    zj_stmt *q;
    if (zj_db_prepare_v2(zj_store_db(st), "SELECT name, version, sha256 FROM rulesets WHERE id=?1",
                         -1, &q, NULL) != ZJ_DB_OK)
        return zj_store_error(st, err, "cannot read the rule set");
    zj_db_bind_int64(q, 1, id);
    int rc = zj_db_step(q);
    if (rc != ZJ_DB_ROW) {
        zj_status s = rc == ZJ_DB_DONE
                          ? zj_error_set(err, ZJ_ERR_NOTFOUND, NULL, 0, 0, "no such rule set")
                          : zj_store_error(st, err, "cannot read the rule set");
        zj_db_finalize(q);
        return s;
    }
    snprintf(label, label_size, "%s@%s", zj_col(q, 0), zj_col(q, 1));
    snprintf(sha, 65, "%s", zj_col(q, 2));
    zj_db_finalize(q);
    return ZJ_OK;
}

/* ------------------------------------------------------ scorecard rows */

void zj_pool_free(zj_str_pool *pool)
{
    for (size_t i = 0; i < pool->n; i++)
        free(pool->strings[i]);
    free(pool->strings);
    memset(pool, 0, sizeof *pool);
}

const char *zj_pool_str(zj_str_pool *pool, const char *s, bool *failed)
{
    if (!s)
        return NULL;
    if (pool->n == pool->cap) {
        size_t c = pool->cap ? pool->cap * 2 : 64;
        char **v = realloc(pool->strings, c * sizeof *v);
        if (!v) {
            *failed = true;
            return NULL;
        }
        pool->strings = v;
        pool->cap = c;
    }
    char *copy = zj_strdup(s);
    if (!copy) {
        *failed = true;
        return NULL;
    }
    return pool->strings[pool->n++] = copy;
}

void zj_scorecard_data_free(zj_scorecard_data *d)
{
    zj_pool_free(&d->pool);
    free(d->groups);
    free(d->grades);
    free(d->problems);
    free(d->weeks);
    free(d->worst);
    memset(d, 0, sizeof *d);
}

const char *zj_pool_col(zj_str_pool *pool, zj_stmt *q, int i, bool *failed)
{
    const unsigned char *t = zj_db_column_text(q, i);
    if (!t && zj_db_column_type(q, i) != ZJ_DB_NULL)
        *failed = true; /* SQLite could not convert the value: out of memory */
    return zj_pool_str(pool, (const char *)t, failed);
}

/* Column text owned by d, NULL for SQL NULL. */
static const char *col_str(zj_scorecard_data *d, zj_stmt *q, int i, bool *failed)
{
    return zj_pool_col(&d->pool, q, i, failed);
}

#define GROW ZJ_GROW

static zj_status sqlite_ruleset(void *self, const char *spec, zj_rs_ruleset *out, zj_error *err)
{
    zj_store *st = self;
    memset(out, 0, sizeof *out);
    zj_status s = zj_store_find_ruleset(st, spec, &out->id, err);
    if (s != ZJ_OK)
        return s;
    if ((s = zj_report_ruleset(st, out->id, out->label, sizeof out->label, out->sha256, err)) !=
        ZJ_OK)
        return s;
    zj_stmt *q;
    if (zj_db_prepare_v2(zj_store_db(st),
                         "SELECT name, version, coalesce(title, ''), base, pass FROM rulesets"
                         " WHERE id=?1",
                         -1, &q, NULL) != ZJ_DB_OK)
        return zj_store_error(st, err, "cannot read the rule set");
    zj_db_bind_int64(q, 1, out->id);
    if (!zj_report_one_row(st, q, err)) {
        zj_db_finalize(q);
        return err->status;
    }
    snprintf(out->name, sizeof out->name, "%s", zj_col(q, 0));
    snprintf(out->version, sizeof out->version, "%s", zj_col(q, 1));
    snprintf(out->title, sizeof out->title, "%s", zj_col(q, 2));
    out->base = zj_db_column_int(q, 3);
    out->pass = zj_db_column_int(q, 4);
    zj_db_finalize(q);
    return ZJ_OK;
}

static zj_status sqlite_ruleset_yaml(void *self, const zj_rs_ruleset *rs, char **yaml, size_t *len,
                                     zj_error *err)
{
    zj_store *st = self;
    zj_stmt *q;
    *yaml = NULL;
    if (zj_db_prepare_v2(zj_store_db(st), "SELECT yaml FROM rulesets WHERE id = ?1", -1, &q,
                         NULL) != ZJ_DB_OK)
        return zj_store_error(st, err, "cannot read the rule set");
    zj_db_bind_int64(q, 1, rs->id);
    if (!zj_report_one_row(st, q, err)) {
        zj_db_finalize(q);
        return err->status;
    }
    const char *text = (const char *)zj_db_column_text(q, 0);
    *len = (size_t)zj_db_column_bytes(q, 0);
    *yaml = malloc(*len + 1);
    if (*yaml && text)
        memcpy(*yaml, text, *len + 1);
    bool lost = !*yaml || (!text && zj_db_column_type(q, 0) != ZJ_DB_NULL);
    if (*yaml && !text)
        (*yaml)[ *len = 0] = 0;
    zj_db_finalize(q);
    if (lost) {
        free(*yaml);
        *yaml = NULL;
        return zj_error_set(err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory");
    }
    return ZJ_OK;
}

void zj_distribution_free(zj_distribution *d)
{
    zj_pool_free(&d->pool);
    free(d->weeks);
    free(d->agents);
    memset(d, 0, sizeof *d);
}

/* The CTE "lt (k, an, tm)": per group key, the agent name and team shown
 * for it, those of its latest date in the selection. An agent who moved
 * team shows under the team it works in now, and the name it goes by now;
 * on one date with more than one, the last in order (a NULL last of all).
 * The aggregates hold a call's date, not its time: the full queries order
 * the same way, so both give the same report. `from` is "agg_calls c WHERE
 * c.ruleset_id = ?1" or "calls c WHERE" with the report scope. */
static char *latest_names_cte(const char *key, const char *from)
{
    return zj_sqlf("lt AS (SELECT k, an, tm FROM (SELECT %s AS k, c.agent_name AS an, c.team AS tm,"
                   " ROW_NUMBER() OVER (PARTITION BY %s ORDER BY c.local_date IS NULL,"
                   " c.local_date DESC, c.team IS NULL, c.team DESC, c.agent_name IS NULL,"
                   " c.agent_name DESC) AS rn FROM %s" ZJ_CALL_FILTER_REST ") AS l WHERE rn = 1)",
                   key, key, from);
}

static zj_status sqlite_distribution(void *self, const zj_rs_ruleset *rs, const zj_report_filter *f,
                                     zj_distribution *out, zj_error *err)
{
    zj_store *st = self;
    bool agg = use_aggregates(st);
    zj_report_scope in = agg ? (zj_report_scope){NULL, NULL} : zj_report_scope_of(st, rs->id, f);
    out->base = rs->base;
    /* 0 calls per score; 1 per week; 2 per agent (the calls without an agent
     * id one group with no name). Means as the scorecard computes them. */
    char *sql[3], *lt;
    if (agg) {
        sql[0] = zj_sqlf("SELECT c.score, sum(c.calls) FROM agg_calls c WHERE c.ruleset_id = "
                         "?1" ZJ_CALL_FILTER_REST " GROUP BY c.score");
        sql[1] = zj_sqlf(
            "SELECT c.iso_week, sum(c.calls),"
            " CAST(sum(c.score * c.calls) AS REAL) / sum(c.calls),"
            " sum(c.passed * c.calls) FROM agg_calls c WHERE c.ruleset_id = ?1" ZJ_CALL_FILTER_REST
            " GROUP BY c.iso_week ORDER BY c.iso_week");
        lt = latest_names_cte("c.agent_id", "agg_calls c WHERE c.ruleset_id = ?1");
        sql[2] = lt ? zj_sqlf("WITH %s SELECT a.agent_id, lt.an, a.n, a.mean FROM (SELECT"
                              " c.agent_id, sum(c.calls) AS n,"
                              " CAST(sum(c.score * c.calls) AS REAL) / sum(c.calls) AS mean"
                              " FROM agg_calls c WHERE c.ruleset_id = ?1" ZJ_CALL_FILTER_REST
                              " GROUP BY c.agent_id) AS a LEFT JOIN lt ON lt.k = a.agent_id"
                              " ORDER BY a.agent_id",
                              lt)
                    : NULL;
    } else {
        sql[0] = zj_sqlf("SELECT c.score, count(*) FROM calls c WHERE%s" ZJ_CALL_FILTER_REST
                         " GROUP BY c.score",
                         in.calls);
        sql[1] = zj_sqlf("SELECT c.iso_week, count(*), avg(c.score), sum(c.passed) FROM calls c"
                         " WHERE%s" ZJ_CALL_FILTER_REST " GROUP BY c.iso_week ORDER BY c.iso_week",
                         in.calls);
        char *from = zj_sqlf("calls c WHERE%s", in.calls);
        lt = from ? latest_names_cte("c.agent_id", from) : NULL;
        free(from);
        sql[2] = lt ? zj_sqlf("WITH %s SELECT a.agent_id, lt.an, a.n, a.mean FROM (SELECT"
                              " c.agent_id, count(*) AS n, avg(c.score) AS mean FROM calls c"
                              " WHERE%s" ZJ_CALL_FILTER_REST " GROUP BY c.agent_id) AS a"
                              " LEFT JOIN lt ON lt.k = a.agent_id ORDER BY a.agent_id",
                              lt, in.calls)
                    : NULL;
    }
    free(lt);
    bool failed = false;
    zj_status s = ZJ_OK;
    size_t cap_w = 0, cap_a = 0;
    for (int i = 0; i < 3; i++) {
        zj_stmt *q = s == ZJ_OK ? zj_report_query(st, sql[i], rs->id, f, err) : NULL;
        free(sql[i]);
        if (!q) {
            s = err->status ? err->status : s;
            continue;
        }
        int rc = ZJ_DB_ERROR; /* always set by the first step: failed is false here */
        while (!failed && (rc = zj_db_step(q)) == ZJ_DB_ROW) {
            if (i == 0) {
                out->by_bin[zj_score_bin(zj_db_column_int64(q, 0), rs->base)] +=
                    zj_db_column_int64(q, 1);
            } else if (i == 1) {
                if (!GROW(out->weeks, out->n_weeks, cap_w)) {
                    failed = true;
                    break;
                }
                zj_sc_week *w = &out->weeks[out->n_weeks++];
                w->week = zj_pool_col(&out->pool, q, 0, &failed);
                w->calls = zj_db_column_int64(q, 1);
                w->mean_score = zj_db_column_double(q, 2);
                w->passed = zj_db_column_int64(q, 3);
            } else {
                if (!GROW(out->agents, out->n_agents, cap_a)) {
                    failed = true;
                    break;
                }
                zj_dist_agent *a = &out->agents[out->n_agents++];
                a->agent_id = zj_pool_col(&out->pool, q, 0, &failed);
                a->agent_name = zj_pool_col(&out->pool, q, 1, &failed);
                a->calls = zj_db_column_int64(q, 2);
                a->mean_score = zj_db_column_double(q, 3);
            }
        }
        if (failed)
            s = zj_error_set(err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory");
        else
            s = zj_report_done(st, rc, err);
        zj_db_finalize(q);
    }
    return s;
}

static zj_status sqlite_audit(void *self, const zj_rs_ruleset *rs, const zj_report_filter *f,
                              const zj_audit_query *q, zj_audit_data *out, zj_error *err)
{
    return zj_sql_audit(self, use_aggregates(self), rs, f, q, out, err);
}

static zj_status sqlite_require_calls(void *self, const zj_rs_ruleset *rs,
                                      const zj_report_filter *f, const char *what, zj_error *err)
{
    return zj_report_require_calls(self, rs->id, f, what, err);
}

static int cmp_group_key(const void *key, const void *g)
{
    return strcmp(key, ((const zj_sc_group *)g)->key);
}

/* The worst calls of every group from the aggregates' score histograms and
 * the index by score: the highest score any group's third worst call has
 * bounds the calls read, and in (score, call id) order the first three of
 * a group are its three worst, so the scan stops once every group has them.
 * When the filter's dates hold fewer calls than that bound, their calls
 * are read through the date index instead. */
static zj_status agg_worst(zj_store *st, const zj_report_filter *f, const char *key,
                           zj_scorecard_data *d, size_t *cap_x, zj_error *err)
{
    int64_t rid = d->ruleset.id;
    long needed = 0;
    for (size_t i = 0; i < d->n_groups; i++)
        needed += d->groups[i].calls < 3 ? d->groups[i].calls : 3;
    if (!needed)
        return ZJ_OK;
    char *sql =
        zj_sqlf("WITH h AS (SELECT %s AS k, c.score AS score, sum(c.calls) AS n FROM agg_calls c"
                " WHERE c.ruleset_id = ?1" ZJ_CALL_FILTER_REST " GROUP BY 1, 2),"
                " hc AS (SELECT k, score, sum(n) OVER (PARTITION BY k ORDER BY score) AS cum,"
                " sum(n) OVER (PARTITION BY k) AS cnt FROM h)"
                " SELECT max(t) FROM (SELECT min(score) AS t FROM hc WHERE"
                " cum >= CASE WHEN cnt < 3 THEN cnt ELSE 3 END GROUP BY k) AS w",
                key);
    zj_stmt *q = zj_report_query(st, sql, rid, f, err);
    free(sql);
    if (!q)
        return err->status;
    if (!zj_report_one_row(st, q, err)) {
        zj_db_finalize(q);
        return err->status;
    }
    int64_t bound = zj_db_column_int64(q, 0);
    zj_db_finalize(q);
    q = zj_report_query(st,
                        "SELECT (SELECT coalesce(sum(calls), 0) FROM agg_calls WHERE"
                        " ruleset_id = ?1 AND score <= ?6), (SELECT coalesce(sum(c.calls), 0)"
                        " FROM agg_calls c WHERE c.ruleset_id = ?1"
                        " AND (CAST(?2 AS TEXT) IS NULL OR c.local_date >= ?2)"
                        " AND (CAST(?3 AS TEXT) IS NULL OR c.local_date <= ?3))",
                        rid, f, err);
    if (!q)
        return err->status;
    if (zj_db_bind_int64(q, 6, bound) != ZJ_DB_OK || !zj_report_one_row(st, q, err)) {
        zj_status s =
            err->status ? err->status : zj_store_error(st, err, "cannot read the results");
        zj_db_finalize(q);
        return s;
    }
    bool by_date = (f->from || f->to) && zj_db_column_int64(q, 1) < zj_db_column_int64(q, 0);
    zj_db_finalize(q);
    /* The dates as plain bounds, so that the date index reads just their
     * range; the scan by score needs no sort. */
    sql = zj_sqlf("SELECT %s, c.call_id, c.score, c.grade, c.local_date, c.fatal FROM calls c"
                  " INDEXED BY %s WHERE c.ruleset_id = ?1 AND c.score <= ?6%s%s" ZJ_CALL_FILTER_REST
                  " ORDER BY c.score, c.call_id",
                  key, by_date ? "calls_date" : "calls_score",
                  by_date && f->from ? " AND c.local_date >= ?2" : "",
                  by_date && f->to ? " AND c.local_date <= ?3" : "");
    q = zj_report_query(st, sql, rid, f, err);
    free(sql);
    if (!q)
        return err->status;
    zj_sc_call *w = calloc(d->n_groups * 3, sizeof *w);
    size_t *n_w = calloc(d->n_groups, sizeof *n_w);
    bool failed = !w || !n_w;
    int rc = zj_db_bind_int64(q, 6, bound) == ZJ_DB_OK ? ZJ_DB_ROW : ZJ_DB_ERROR;
    while (!failed && needed > 0 && rc == ZJ_DB_ROW && (rc = zj_db_step(q)) == ZJ_DB_ROW) {
        const zj_sc_group *g =
            bsearch(zj_col(q, 0), d->groups, d->n_groups, sizeof *d->groups, cmp_group_key);
        if (!g) /* a call stored since the groups were read */
            continue;
        size_t gi = (size_t)(g - d->groups);
        if (n_w[gi] == 3)
            continue;
        zj_sc_call *x = &w[gi * 3 + n_w[gi]++];
        x->call_id = col_str(d, q, 1, &failed);
        x->score = zj_db_column_int(q, 2);
        x->grade = col_str(d, q, 3, &failed);
        x->date = col_str(d, q, 4, &failed);
        x->fatal = zj_db_column_int(q, 5) != 0;
        needed--;
    }
    zj_status s = ZJ_OK;
    if (failed)
        s = zj_error_set(err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory");
    else if (rc != ZJ_DB_ROW && rc != ZJ_DB_DONE)
        s = zj_report_done(st, rc, err);
    for (size_t i = 0; s == ZJ_OK && i < d->n_groups; i++) {
        d->groups[i].first_worst = d->n_worst;
        for (size_t j = 0; j < n_w[i]; j++) {
            if (!GROW(d->worst, d->n_worst, *cap_x)) {
                s = zj_error_set(err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory");
                break;
            }
            d->worst[d->n_worst++] = w[i * 3 + j];
        }
        d->groups[i].n_worst = d->n_worst - d->groups[i].first_worst;
    }
    free(w);
    free(n_w);
    zj_db_finalize(q);
    return s;
}

/* Where a problem's example splits into call id and text. The example is
 * the smallest "call_id text" of the problem's findings in the group (the
 * smallest string orders the examples the same in the aggregates and the
 * full queries), and a call id may hold spaces: the split is at the first
 * space whose prefix names a call of the group (key = k under the filter)
 * with a finding of the rule that cost points and holds the rest as its
 * text. Every such split names a real example, so the first is taken; with
 * one space there is no other. *look is the lookup, prepared on first use
 * and finalized by the caller. *sp is NULL when ex holds no space. */
static zj_status example_split(zj_store *st, zj_stmt **look, const char *key, int64_t rid,
                               const zj_report_filter *f, const char *k, const char *rule_id,
                               const char *ex, const char **sp, zj_error *err)
{
    const char *first = strchr(ex, ' ');
    *sp = first;
    if (!first || !strchr(first + 1, ' '))
        return ZJ_OK;
    if (!*look) {
        char *sql = zj_sqlf("SELECT 1 FROM calls c JOIN findings f ON f.call_row = c.id"
                            " WHERE c.ruleset_id = ?1" ZJ_CALL_FILTER_REST " AND %s = ?6"
                            " AND c.call_id = ?7 AND f.rule_id = ?8 AND f.points < 0"
                            " AND f.text = ?9 LIMIT 1",
                            key);
        *look = zj_report_query(st, sql, rid, f, err);
        free(sql);
        if (!*look)
            return err->status;
    }
    for (const char *s = first; s; s = strchr(s + 1, ' ')) {
        zj_stmt *q = *look;
        zj_db_reset(q);
        if (zj_db_bind_text(q, 6, k, -1, ZJ_DB_STATIC) != ZJ_DB_OK ||
            zj_db_bind_text(q, 7, ex, (int)(s - ex), ZJ_DB_STATIC) != ZJ_DB_OK ||
            zj_db_bind_text(q, 8, rule_id, -1, ZJ_DB_STATIC) != ZJ_DB_OK ||
            zj_db_bind_text(q, 9, s + 1, -1, ZJ_DB_STATIC) != ZJ_DB_OK)
            return zj_store_error(st, err, "cannot prepare a report query");
        int rc = zj_db_step(q);
        zj_db_reset(q);
        if (rc == ZJ_DB_ROW) {
            *sp = s;
            return ZJ_OK;
        }
        if (rc != ZJ_DB_DONE)
            return zj_report_done(st, rc, err);
    }
    /* No call holds it: the aggregates are out of step with the calls
     * (`db check` names the rows); the first space, as the example reads. */
    return ZJ_OK;
}

/* The scorecard's six queries. Every per-group query runs ONCE for all
 * groups, ordered by the group key, and is read in step with the groups: a
 * query per group would scan the calls once per agent. With the aggregates
 * (store_agg.h) the first five read agg_calls and agg_rules, the sums of
 * exactly the rows the full queries read (means as sum / count, the median
 * from the score histogram), and the worst calls come from agg_worst. */
static zj_status sqlite_scorecard(void *self, const zj_report_filter *f, zj_group_by by,
                                  zj_scorecard_data *d, zj_error *err)
{
    zj_store *st = self;
    int64_t rid = d->ruleset.id;
    const char *key =
        by == ZJ_BY_TEAM ? "coalesce(c.team, '(未分组)')" : "coalesce(c.agent_id, '(未知坐席)')";
    const char *raw_key = by == ZJ_BY_TEAM ? "c.team" : "c.agent_id";
    bool agg = use_aggregates(st);
    zj_report_scope in = agg ? (zj_report_scope){NULL, NULL} : zj_report_scope_of(st, rid, f);
    zj_stmt *q[6] = {0}, *look = NULL;
    char *sql[6] = {0};
    int n_q = agg ? 5 : 6;
    bool failed = false;
    int rc = ZJ_DB_DONE;
    size_t cap_g = 0, cap_gr = 0, cap_p = 0, cap_w = 0, cap_x = 0;

    /* The name and team shown for each group (none for the calls without an
     * agent id: they are no one agent). */
    char *from = agg ? NULL : zj_sqlf("calls c WHERE%s", in.calls);
    char *lt = agg || from
                   ? latest_names_cte(key, agg ? "agg_calls c WHERE c.ruleset_id = ?1" : from)
                   : NULL;
    free(from);
    /* 0 totals; 1 groups, with the median from window functions; 2 grades;
     * 3 problems, ranked as an inspector reads them: a fatal rule first, then
     * by severity, then by the points they cost, and only then by how often;
     * 4 weekly trend; 5 the three worst calls. */
    if (agg) {
        sql[0] = zj_sqlf("SELECT sum(c.calls), CAST(sum(c.score * c.calls) AS REAL) / sum(c.calls),"
                         " sum(c.passed * c.calls), sum(c.fatal * c.calls), min(c.local_date),"
                         " max(c.local_date) FROM agg_calls c"
                         " WHERE c.ruleset_id = ?1" ZJ_CALL_FILTER_REST);
        /* The median: the scores at positions (n + 1) / 2 and (n + 2) / 2
         * of the group's histogram, averaged as avg() averages them. */
        sql[1] =
            lt ? zj_sqlf(
                     "WITH %s, g AS (SELECT %s AS k,"
                     " sum(c.calls) AS n, CAST(sum(c.score * c.calls) AS REAL) / sum(c.calls) AS "
                     "mean,"
                     " sum(c.passed * c.calls) AS p, sum(c.fatal * c.calls) AS ft,"
                     " max(%s) IS NOT NULL AS known FROM agg_calls c WHERE c.ruleset_id = "
                     "?1" ZJ_CALL_FILTER_REST " GROUP BY 1),"
                     " h AS (SELECT %s AS k, c.score AS score, sum(c.calls) AS n FROM agg_calls c"
                     " WHERE c.ruleset_id = ?1" ZJ_CALL_FILTER_REST " GROUP BY 1, 2),"
                     " hc AS (SELECT k, score, CAST(sum(n) OVER (PARTITION BY k ORDER BY score) AS "
                     "INTEGER)"
                     " AS cum, CAST(sum(n) OVER (PARTITION BY k) AS INTEGER) AS cnt FROM h),"
                     " m AS (SELECT k, (min(CASE WHEN cum >= (cnt + 1) / 2 THEN score END)"
                     " + min(CASE WHEN cum >= (cnt + 2) / 2 THEN score END)) / 2.0 AS med"
                     " FROM hc GROUP BY k)"
                     " SELECT g.k, CASE WHEN g.known THEN lt.an END, CASE WHEN g.known THEN lt.tm "
                     "END,"
                     " g.n, g.mean, m.med, g.p, g.ft, g.known"
                     " FROM g JOIN m ON m.k = g.k JOIN lt ON lt.k = g.k ORDER BY g.k",
                     lt, key, raw_key, key)
               : NULL;
        sql[2] = zj_sqlf("SELECT %s AS k, c.grade, sum(c.calls) FROM agg_calls c"
                         " WHERE c.ruleset_id = ?1" ZJ_CALL_FILTER_REST
                         " GROUP BY k, c.grade ORDER BY k, c.grade",
                         key);
        sql[3] = zj_sqlf("SELECT x.k, x.rule_id, x.clause, x.n, x.example, x.outcome, x.pts,"
                         " coalesce(r.title, x.rule_id), x.severity, coalesce(r.fatal, 0) FROM"
                         " (SELECT %s AS k, c.rule_id AS rule_id, max(c.clause) AS clause,"
                         " sum(c.neg) AS n, min(c.example) AS example, min(c.outcome) AS outcome,"
                         " sum(c.neg_points) AS pts, max(c.severity) AS severity"
                         " FROM agg_rules c WHERE c.ruleset_id = ?1" ZJ_CALL_FILTER_REST
                         " AND c.neg > 0 GROUP BY k, c.rule_id) x"
                         " LEFT JOIN rules r ON r.ruleset_id = ?1 AND r.rule_id = x.rule_id"
                         " ORDER BY x.k, coalesce(r.fatal, 0) DESC, CASE x.severity WHEN"
                         " 'critical' THEN 0 WHEN 'major' THEN 1 WHEN 'minor' THEN 2 ELSE 3 END,"
                         " x.pts, x.n DESC, x.rule_id",
                         key);
        sql[4] = zj_sqlf("SELECT %s AS k, c.iso_week, sum(c.calls),"
                         " CAST(sum(c.score * c.calls) AS REAL) / sum(c.calls),"
                         " sum(c.passed * c.calls) FROM agg_calls c"
                         " WHERE c.ruleset_id = ?1" ZJ_CALL_FILTER_REST
                         " GROUP BY k, c.iso_week ORDER BY k, c.iso_week",
                         key);
    } else {
        sql[0] = zj_sqlf(
            "SELECT count(*), avg(c.score), sum(c.passed), sum(c.fatal),"
            " min(c.local_date), max(c.local_date) FROM calls c WHERE%s" ZJ_CALL_FILTER_REST,
            in.calls);
        sql[1] = lt ? zj_sqlf("WITH %s, g AS (SELECT %s AS k, %s AS rk, c.score, c.passed, c.fatal,"
                              " ROW_NUMBER() OVER (PARTITION BY %s ORDER BY c.score)"
                              " AS rn, COUNT(*) OVER (PARTITION BY %s) AS cnt FROM calls c "
                              "WHERE%s" ZJ_CALL_FILTER_REST
                              "), x AS (SELECT k, count(*) AS n, avg(score) AS mean,"
                              " avg(CASE WHEN rn IN ((cnt + 1) / 2, (cnt + 2) / 2) THEN score END)"
                              " AS med, sum(passed) AS p, sum(fatal) AS ft,"
                              " max(rk) IS NOT NULL AS known FROM g GROUP BY k)"
                              " SELECT x.k, CASE WHEN x.known THEN lt.an END,"
                              " CASE WHEN x.known THEN lt.tm END, x.n, x.mean, x.med, x.p, x.ft,"
                              " x.known FROM x JOIN lt ON lt.k = x.k ORDER BY x.k",
                              lt, key, raw_key, key, key, in.calls)
                    : NULL;
        sql[2] =
            zj_sqlf("SELECT %s AS k, c.grade, count(*) FROM calls c WHERE%s" ZJ_CALL_FILTER_REST
                    " GROUP BY k, c.grade ORDER BY k, c.grade",
                    key, in.calls);
        sql[3] =
            zj_sqlf("SELECT x.k, x.rule_id, x.clause, x.n, x.example, x.outcome, x.pts,"
                    " coalesce(r.title, x.rule_id), x.severity, coalesce(r.fatal, 0) FROM"
                    " (SELECT %s AS k, f.rule_id AS rule_id,"
                    " max(f.clause) AS clause, count(*) AS n, min(CASE WHEN f.text IS NOT NULL"
                    " THEN c.call_id || ' ' || f.text END) AS example, min(f.outcome) AS outcome,"
                    " sum(f.points) AS pts, max(f.severity) AS severity%s" ZJ_CALL_FILTER_REST
                    " AND f.points < 0 GROUP BY k, f.rule_id) x"
                    " LEFT JOIN rules r ON r.ruleset_id = ?1 AND r.rule_id = x.rule_id"
                    " ORDER BY x.k, coalesce(r.fatal, 0) DESC, CASE x.severity WHEN 'critical'"
                    " THEN 0 WHEN 'major' THEN 1 WHEN 'minor' THEN 2 ELSE 3 END, x.pts, x.n DESC,"
                    " x.rule_id",
                    key, in.findings);
        sql[4] = zj_sqlf("SELECT %s AS k, c.iso_week, count(*), avg(c.score),"
                         " sum(c.passed) FROM calls c WHERE%s" ZJ_CALL_FILTER_REST
                         " GROUP BY k, c.iso_week ORDER BY k, c.iso_week",
                         key, in.calls);
        sql[5] = zj_sqlf("SELECT k, call_id, score, grade, local_date, fatal FROM (SELECT %s AS k,"
                         " c.call_id, c.score, c.grade, c.local_date,"
                         " c.fatal, ROW_NUMBER() OVER (PARTITION BY %s ORDER BY c.score, c.call_id)"
                         " AS rn FROM calls c WHERE%s" ZJ_CALL_FILTER_REST
                         ") w WHERE rn <= 3 ORDER BY k, rn",
                         key, key, in.calls);
    }
    free(lt);
    for (int i = 0; i < n_q; i++) {
        q[i] = (i == 0 || q[i - 1]) ? zj_report_query(st, sql[i], rid, f, err) : NULL;
        free(sql[i]);
    }
    for (int i = 0; i < n_q; i++)
        if (!q[i])
            goto fail;

    if (!zj_report_one_row(st, q[0], err))
        goto fail;
    d->totals.calls = zj_db_column_int64(q[0], 0);
    d->totals.mean_score = zj_db_column_double(q[0], 1);
    d->totals.passed = zj_db_column_int64(q[0], 2);
    d->totals.fatal = zj_db_column_int64(q[0], 3);
    d->totals.first_date = col_str(d, q[0], 4, &failed);
    d->totals.last_date = col_str(d, q[0], 5, &failed);

    int rcs[6] = {0};
    for (int i = 2; i < 6; i++)
        rcs[i] = q[i] ? zj_db_step(q[i]) : ZJ_DB_DONE;
    while (!failed && (rc = zj_db_step(q[1])) == ZJ_DB_ROW) {
        if (!GROW(d->groups, d->n_groups, cap_g)) {
            failed = true;
            break;
        }
        zj_sc_group *g = &d->groups[d->n_groups++];
        memset(g, 0, sizeof *g);
        g->key = col_str(d, q[1], 0, &failed);
        if (!g->key)
            break;
        g->agent_name = by == ZJ_BY_TEAM ? NULL : col_str(d, q[1], 1, &failed);
        g->team = by == ZJ_BY_TEAM ? NULL : col_str(d, q[1], 2, &failed);
        g->calls = zj_db_column_int64(q[1], 3);
        g->mean_score = zj_db_column_double(q[1], 4);
        g->median_score = zj_db_column_double(q[1], 5);
        g->passed = zj_db_column_int64(q[1], 6);
        g->fatal = zj_db_column_int64(q[1], 7);
        g->key_known = zj_db_column_int(q[1], 8) != 0;
        const char *k = g->key;
        g->first_grade = d->n_grades;
        for (; !failed && rcs[2] == ZJ_DB_ROW && !strcmp(zj_col(q[2], 0), k);
             rcs[2] = zj_db_step(q[2])) {
            if (!GROW(d->grades, d->n_grades, cap_gr)) {
                failed = true;
                break;
            }
            zj_sc_grade *x = &d->grades[d->n_grades++];
            x->grade = col_str(d, q[2], 1, &failed);
            x->calls = zj_db_column_int64(q[2], 2);
        }
        g->n_grades = d->n_grades - g->first_grade;
        g->first_problem = d->n_problems;
        for (; !failed && rcs[3] == ZJ_DB_ROW && !strcmp(zj_col(q[3], 0), k);
             rcs[3] = zj_db_step(q[3])) {
            if (!GROW(d->problems, d->n_problems, cap_p)) {
                failed = true;
                break;
            }
            zj_sc_problem *p = &d->problems[d->n_problems++];
            memset(p, 0, sizeof *p);
            p->rule_id = col_str(d, q[3], 1, &failed);
            p->clause = col_str(d, q[3], 2, &failed);
            p->count = zj_db_column_int64(q[3], 3);
            const char *ex = (const char *)zj_db_column_text(q[3], 4);
            const char *sp = NULL;
            if (ex && !failed &&
                example_split(st, &look, key, rid, f, k, p->rule_id, ex, &sp, err) != ZJ_OK)
                goto fail;
            if (sp) {
                char *id = zj_sqlf("%.*s", (int)(sp - ex), ex);
                if (!id)
                    failed = true;
                p->example_call = zj_pool_str(&d->pool, id, &failed);
                free(id);
                p->example_text = zj_pool_str(&d->pool, sp + 1, &failed);
            } else if (ex) {
                p->example_text = zj_pool_str(&d->pool, ex, &failed);
            }
            p->outcome = col_str(d, q[3], 5, &failed);
            p->points = zj_db_column_int64(q[3], 6);
            p->title = col_str(d, q[3], 7, &failed);
            p->severity = col_str(d, q[3], 8, &failed);
            p->fatal = zj_db_column_int(q[3], 9) != 0;
        }
        g->n_problems = d->n_problems - g->first_problem;
        g->first_week = d->n_weeks;
        for (; !failed && rcs[4] == ZJ_DB_ROW && !strcmp(zj_col(q[4], 0), k);
             rcs[4] = zj_db_step(q[4])) {
            if (!GROW(d->weeks, d->n_weeks, cap_w)) {
                failed = true;
                break;
            }
            zj_sc_week *w = &d->weeks[d->n_weeks++];
            w->week = col_str(d, q[4], 1, &failed);
            w->calls = zj_db_column_int64(q[4], 2);
            w->mean_score = zj_db_column_double(q[4], 3);
            w->passed = zj_db_column_int64(q[4], 4);
        }
        g->n_weeks = d->n_weeks - g->first_week;
        g->first_worst = d->n_worst;
        for (; !failed && rcs[5] == ZJ_DB_ROW && !strcmp(zj_col(q[5], 0), k);
             rcs[5] = zj_db_step(q[5])) {
            if (!GROW(d->worst, d->n_worst, cap_x)) {
                failed = true;
                break;
            }
            zj_sc_call *x = &d->worst[d->n_worst++];
            x->call_id = col_str(d, q[5], 1, &failed);
            x->score = zj_db_column_int(q[5], 2);
            x->grade = col_str(d, q[5], 3, &failed);
            x->date = col_str(d, q[5], 4, &failed);
            x->fatal = zj_db_column_int(q[5], 5) != 0;
        }
        g->n_worst = d->n_worst - g->first_worst;
    }
    if (failed) {
        zj_error_set(err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory");
        goto fail;
    }
    /* Each query read to its end, or the error that stopped it. */
    if (zj_report_done(st, rc, err) != ZJ_OK)
        goto fail;
    for (int i = 2; i < 6; i++)
        if (rcs[i] != ZJ_DB_DONE && zj_report_done(st, rcs[i], err) != ZJ_OK)
            goto fail;
    for (int i = 0; i < 6; i++)
        zj_db_finalize(q[i]);
    zj_db_finalize(look);
    return agg ? agg_worst(st, f, key, d, &cap_x, err) : ZJ_OK;
fail:
    for (int i = 0; i < 6; i++)
        zj_db_finalize(q[i]);
    zj_db_finalize(look);
    return err && err->status ? err->status : ZJ_ERR_DB;
}

/* ------------------------------------------------------------- samples */

void zj_sample_lot_free(zj_sample_lot *lot)
{
    free(lot->calls);
    zj_buf_free(&lot->text);
    memset(lot, 0, sizeof *lot);
}

static zj_status sqlite_sample_lot(void *self, const zj_rs_ruleset *rs, const zj_report_filter *f,
                                   zj_sample_lot *lot, zj_error *err)
{
    zj_store *st = self;
    zj_buf_init(&lot->text);
    /* A stable order: by agent ("" for none), then call id. With v7's index
     * by agent and call id, which holds every column read here, the lot is
     * read in index order without a sort; the calls without an agent id
     * then come first and those with an empty one after them, each run by
     * call id, and are merged below into the one order. */
    bool agg = use_aggregates(st);
    char *sql = agg ? zj_sqlf("SELECT c.id, c.call_id, c.agent_id, c.score, c.local_date"
                              " FROM calls c INDEXED BY calls_lot"
                              " WHERE c.ruleset_id = ?1" ZJ_CALL_FILTER_REST
                              " ORDER BY c.agent_id, c.call_id")
                    : zj_sqlf("SELECT c.id, c.call_id, c.agent_id, c.score, c.local_date"
                              " FROM calls c WHERE%s" ZJ_CALL_FILTER_REST
                              " ORDER BY coalesce(c.agent_id, ''), c.call_id",
                              zj_report_scope_of(st, rs->id, f).calls);
    zj_stmt *q = zj_report_query(st, sql, rs->id, f, err);
    free(sql);
    if (!q)
        return err->status;
    int rc;
    bool nomem = false;
    size_t n_null = 0, n_empty = 0;
    /* The lot's rows come by agent: an agent's id is stored once for all
     * its calls (a million calls' copies were a fifth of a sample's time). */
    size_t agent_at = 0, agent_len = 0;
    bool have_agent = false;
    while (!nomem && (rc = zj_db_step(q)) == ZJ_DB_ROW) {
        if (!GROW(lot->calls, lot->n, lot->cap)) {
            nomem = true;
            break;
        }
        zj_lot_call *c = &lot->calls[lot->n++];
        c->key = zj_db_column_int64(q, 0);
        c->score = zj_db_column_int(q, 3);
        /* NULL agent id and date read as "". */
        bool null_agent = zj_db_column_type(q, 2) == ZJ_DB_NULL;
        const char *agent = null_agent ? "" : zj_col(q, 2);
        size_t alen = null_agent ? 0 : (size_t)zj_db_column_bytes(q, 2);
        if (null_agent)
            n_null++;
        else if (!alen)
            n_empty++;
        if (!have_agent || alen != agent_len ||
            memcmp(lot->text.data + agent_at, agent, alen) != 0) {
            agent_at = lot->text.len;
            agent_len = alen;
            have_agent = true;
            zj_buf_append(&lot->text, agent, alen + 1);
        }
        c->agent = agent_at;
        c->id = lot->text.len;
        zj_buf_append(&lot->text, zj_col(q, 1), (size_t)zj_db_column_bytes(q, 1) + 1);
        c->date = lot->text.len;
        zj_buf_append(&lot->text, zj_col(q, 4), (size_t)zj_db_column_bytes(q, 4) + 1);
        nomem = lot->text.failed;
    }
    if (!nomem && n_null && n_empty) {
        /* [0, n_null) and [n_null, n_null + n_empty): both agent "", each by
         * call id: merged. */
        size_t n = n_null + n_empty, a = 0, b = n_null;
        zj_lot_call *m = malloc(n * sizeof *m);
        if (!m) {
            nomem = true;
        } else {
            for (size_t i = 0; i < n; i++)
                m[i] = b == n || (a < n_null && strcmp(lot->text.data + lot->calls[a].id,
                                                       lot->text.data + lot->calls[b].id) < 0)
                           ? lot->calls[a++]
                           : lot->calls[b++];
            memcpy(lot->calls, m, n * sizeof *m);
            free(m);
        }
    }
    zj_status s = nomem ? zj_error_set(err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory")
                        : zj_report_done(st, rc, err);
    zj_db_finalize(q);
    return s;
}

static zj_status sqlite_save_sample(void *self, const zj_rs_ruleset *rs, const zj_sample_record *r,
                                    int64_t *id, zj_error *err)
{
    zj_store *st = self;
    zj_db *db = zj_store_db(st);
    zj_stmt *q;
    bool ok = zj_db_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == ZJ_DB_OK;
    *id = 0;
    if (ok && zj_db_prepare_v2(db,
                               "INSERT INTO samples (ruleset_id, created_at, method, level, aql,"
                               " lot_size, sample_size, accept_n, reject_n, seed, filters)"
                               " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)",
                               -1, &q, NULL) == ZJ_DB_OK) {
        /* A bind that fails (out of memory) would store NULL: check them all. */
        int brc = zj_db_bind_int64(q, 1, rs->id);
        brc |= zj_db_bind_text(q, 2, r->created_at, -1, ZJ_DB_TRANSIENT);
        brc |= zj_db_bind_text(q, 3, r->method, -1, ZJ_DB_TRANSIENT);
        if (r->level)
            brc |= zj_db_bind_text(q, 4, r->level, -1, ZJ_DB_TRANSIENT);
        if (r->aql > 0)
            brc |= zj_db_bind_double(q, 5, r->aql);
        brc |= zj_db_bind_int64(q, 6, r->lot_size);
        brc |= zj_db_bind_int64(q, 7, r->sample_size);
        if (r->accept_n >= 0) {
            brc |= zj_db_bind_int(q, 8, r->accept_n);
            brc |= zj_db_bind_int(q, 9, r->reject_n);
        }
        brc |= zj_db_bind_int64(q, 10, (int64_t)r->seed);
        brc |= zj_db_bind_text(q, 11, r->filters_json, -1, ZJ_DB_TRANSIENT);
        ok = brc == ZJ_DB_OK && zj_db_step(q) == ZJ_DB_DONE;
        zj_db_finalize(q);
        /* Only after a success: on PostgreSQL it is a query of its own,
         * whose failure would replace the insert's reason. */
        if (ok)
            *id = zj_db_last_insert_rowid(db);
    } else {
        ok = false;
    }
    if (ok && zj_db_prepare_v2(db,
                               "INSERT INTO sample_calls (sample_id, call_row, agent_id)"
                               " VALUES (?1,?2,?3)",
                               -1, &q, NULL) == ZJ_DB_OK) {
        for (size_t i = 0; ok && i < r->n_calls; i++) {
            zj_db_reset(q);
            int brc = zj_db_bind_int64(q, 1, *id);
            brc |= zj_db_bind_int64(q, 2, r->call_keys[i]);
            brc |= zj_db_bind_text(q, 3, r->agents[i], -1, ZJ_DB_TRANSIENT);
            ok = brc == ZJ_DB_OK && zj_db_step(q) == ZJ_DB_DONE;
        }
        zj_db_finalize(q);
    } else {
        ok = false;
    }
    if (ok)
        ok = zj_db_exec(db, "COMMIT", NULL, NULL, NULL) == ZJ_DB_OK;
    if (ok)
        return ZJ_OK;
    zj_status s = zj_store_error(st, err, "cannot record the sample");
    zj_db_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return s;
}

static const zj_report_source_ops sqlite_ops = {
    .sample_lot = sqlite_sample_lot,
    .save_sample = sqlite_save_sample,
    .ruleset = sqlite_ruleset,
    .require_calls = sqlite_require_calls,
    .scorecard = sqlite_scorecard,
    .distribution = sqlite_distribution,
    .ruleset_yaml = sqlite_ruleset_yaml,
    .audit = sqlite_audit,
};

zj_report_source zj_report_source_sql(zj_store *st)
{
    return (zj_report_source){&sqlite_ops, st};
}
