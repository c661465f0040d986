/* report_source_sql_audit.c — the SQLite backend's rows of the audit
 * report (report_source.h, zj_audit_data): scope figures, findings per
 * rule, KPI counts, evidence, criteria and the cited sample. Two paths give
 * the same rows: from the report aggregates (docs/store.md, "The audit
 * report's figures from the aggregates"), or, without them or with
 * ZJ_REPORT_RECOMPUTE=1, from every call and finding.
 * tests/scripts/report_aggregates.sh compares them byte for byte. */
#include "report_source.h"

#include "db.h"
#include "store_agg.h"
#include <stdlib.h>
#include <string.h>

/* A call's local date may lie up to 26 hours from its UTC time's date
 * (offsets run from -12:00 to +14:00), so a call dated up to two days after
 * another can still have started before it. */
#define DATE_SKEW_DAYS 2

typedef struct audit_ctx {
    zj_store *st;
    const zj_rs_ruleset *rs;
    const zj_report_filter *f;
    const zj_audit_query *q;
    zj_audit_data *d;
    zj_error *err;
    bool agg;
    bool lost; /* out of memory copying a value: the rows are incomplete */
    zj_report_scope in;
} audit_ctx;

void zj_audit_data_free(zj_audit_data *d)
{
    zj_pool_free(&d->pool);
    free(d->teams);
    free(d->findings);
    free(d->evidence);
    free(d->criteria);
    free(d->sample.call_ids);
    memset(d, 0, sizeof *d);
}

/* Column text owned by the rows; "" for SQL NULL. */
static const char *col(audit_ctx *c, zj_stmt *q, int i)
{
    const char *s = zj_pool_col(&c->d->pool, q, i, &c->lost);
    return s ? s : "";
}

/* ZJ_GROW, a failure recorded in c. */
#define GROW(c, v, n, cap) (ZJ_GROW(v, n, cap) || ((c)->lost = true, false))

/* A report query with the filter bound (?1..?5); NULL with err set. */
static zj_stmt *query(audit_ctx *c, const char *sql)
{
    return zj_report_query(c->st, sql, c->rs->id, c->f, c->err);
}

/* Same, the query built by zj_sqlf (freed here). */
static zj_stmt *queryf(audit_ctx *c, char *sql)
{
    zj_stmt *q = query(c, sql);
    free(sql);
    return q;
}

/* Ends a query that returned its rows (rc the last step); the status. */
static zj_status finish(audit_ctx *c, zj_stmt *q, int rc)
{
    zj_db_finalize(q);
    if (rc != ZJ_DB_DONE)
        return zj_store_error(c->st, c->err, "cannot read the results");
    if (c->lost)
        return zj_error_set(c->err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory");
    return ZJ_OK;
}

/* Calls, agents, dates, mean, passed and fatal calls, and the teams. */
static zj_status scope(audit_ctx *c)
{
    zj_audit_data *d = c->d;
    zj_stmt *q = c->agg ? query(c, "SELECT sum(c.calls), count(DISTINCT c.agent_id),"
                                   " min(c.local_date), max(c.local_date),"
                                   " CAST(sum(c.score * c.calls) AS REAL) / sum(c.calls),"
                                   " sum(c.passed * c.calls), sum(c.fatal * c.calls),"
                                   " sum(CASE WHEN c.agent_id IS NULL THEN c.calls ELSE 0 END)"
                                   " FROM agg_calls c WHERE c.ruleset_id = ?1" ZJ_CALL_FILTER_REST)
                        : queryf(c, zj_sqlf("SELECT count(*), count(DISTINCT c.agent_id),"
                                            " min(c.local_date), max(c.local_date), avg(c.score),"
                                            " sum(c.passed), sum(c.fatal),"
                                            " sum(CASE WHEN c.agent_id IS NULL THEN 1 ELSE 0 END)"
                                            " FROM calls c WHERE%s" ZJ_CALL_FILTER_REST,
                                            c->in.calls));
    if (!q)
        return c->err->status;
    if (!zj_report_one_row(c->st, q, c->err)) {
        zj_db_finalize(q);
        return c->err->status;
    }
    d->calls = zj_db_column_int64(q, 0);
    d->agents = zj_db_column_int64(q, 1);
    d->first_date = zj_db_column_type(q, 2) == ZJ_DB_NULL ? NULL : col(c, q, 2);
    d->last_date = zj_db_column_type(q, 3) == ZJ_DB_NULL ? NULL : col(c, q, 3);
    d->mean_score = zj_db_column_double(q, 4);
    d->passed = zj_db_column_int64(q, 5);
    d->fatal_calls = zj_db_column_int64(q, 6);
    d->calls_without_agent = zj_db_column_int64(q, 7);
    zj_db_finalize(q);
    /* An aggregate row exists only while it counts a call. */
    q = queryf(c, zj_sqlf("SELECT DISTINCT coalesce(c.team, '(未分组)') FROM %s c"
                          " WHERE%s" ZJ_CALL_FILTER_REST " ORDER BY 1",
                          c->agg ? "agg_calls" : "calls",
                          c->agg ? " c.ruleset_id = ?1" : c->in.calls));
    if (!q)
        return c->err->status;
    int rc;
    size_t cap = 0;
    while ((rc = zj_db_step(q)) == ZJ_DB_ROW && GROW(c, d->teams, d->n_teams, cap))
        d->teams[d->n_teams++] = col(c, q, 0);
    return finish(c, q, c->lost ? ZJ_DB_DONE : rc);
}

/* The qualifying findings, the nonconformities: every finding that cost
 * the call points or failed it. Offences (store_agg.h: forbidden
 * expressions said at a cost, not quoted ones), required phrases missing at
 * a cost, and metric rules failed at a cost or fatally (an unannounced hold,
 * an answer past its limit). A hit past its rule's max_points, a quoted
 * hit, an observation and a tag cost nothing and are none. */
#define METRIC_FAILED_F                                                                            \
    " (f.kind = 'metric' AND f.outcome = 'hit' AND (f.points < 0 OR f.fatal = 1))"
#define NONCONFORMING_FINDING                                                                      \
    " (" ZJ_OFFENCE_F " OR f.outcome = 'missing' AND f.points < 0 OR" METRIC_FAILED_F ")"
/* The same from agg_rules rows, each of one rule and outcome. A metric
 * rule's hits are fatal all or none (the stored flag is the rule's on every
 * hit, as a metric is never quoted): a row's failed metric findings are all
 * of them when it counts a fatal one, else those with negative points. A
 * missing phrase is never fatal. */
#define NONCONFORMING_AGG                                                                          \
    " (c.outcome = 'hit' AND c.kind = 'forbidden' AND c.offences > 0"                              \
    " OR c.outcome = 'missing' AND c.neg > 0"                                                      \
    " OR c.outcome = 'hit' AND c.kind = 'metric' AND (c.neg > 0 OR c.fatal > 0))"
/* Of an agg_rules row of NONCONFORMING_AGG: its qualifying findings and
 * the calls with one. */
#define NONCONFORMING_AGG_N                                                                        \
    " CASE WHEN c.kind = 'forbidden' THEN c.offences WHEN c.fatal > 0 THEN c.findings"             \
    " ELSE c.neg END"
#define NONCONFORMING_AGG_CALLS                                                                    \
    " CASE WHEN c.kind = 'forbidden' THEN c.offence_calls WHEN c.fatal > 0 THEN c.calls"           \
    " ELSE c.neg_calls END"

static int cmp_finding(const void *a, const void *b)
{
    return strcmp(((const zj_au_finding *)a)->rule_id, ((const zj_au_finding *)b)->rule_id);
}

/* Findings per rule, by rule id. */
static zj_status findings(audit_ctx *c)
{
    zj_audit_data *d = c->d;
    /* A call lies in one date and agent, so the per-row counts of calls add
     * up; only a required rule has misses, and it has no hits, so hits and
     * misses never mix. */
    zj_stmt *q = queryf(
        c,
        c->agg
            ? zj_sqlf("SELECT x.rule_id, x.clause, coalesce(r.title, ''), x.severity, x.kind,"
                      " x.n, x.calls, coalesce(r.fatal, 0) FROM (SELECT c.rule_id AS rule_id,"
                      " max(coalesce(c.clause, '')) AS clause, max(c.severity) AS severity,"
                      " max(c.kind) AS kind,"
                      " sum(" NONCONFORMING_AGG_N ") AS n,"
                      " sum(" NONCONFORMING_AGG_CALLS ") AS calls"
                      " FROM agg_rules c WHERE c.ruleset_id = ?1" ZJ_CALL_FILTER_REST
                      " AND" NONCONFORMING_AGG " GROUP BY c.rule_id) x"
                      " LEFT JOIN rules r ON r.ruleset_id = ?1 AND r.rule_id = x.rule_id")
            : zj_sqlf("SELECT x.rule_id, x.clause, coalesce(r.title, ''), x.severity, x.kind,"
                      " x.n, x.calls, coalesce(r.fatal, 0) FROM (SELECT f.rule_id AS rule_id,"
                      " max(coalesce(f.clause, '')) AS clause, max(f.severity) AS severity,"
                      " max(f.kind) AS kind, count(*) AS n, count(DISTINCT f.call_row) AS calls"
                      "%s" ZJ_CALL_FILTER_REST " AND" NONCONFORMING_FINDING " GROUP BY f.rule_id) x"
                      " LEFT JOIN rules r ON r.ruleset_id = ?1 AND r.rule_id = x.rule_id",
                      c->in.findings));
    if (!q)
        return c->err->status;
    int rc;
    size_t cap = 0;
    while ((rc = zj_db_step(q)) == ZJ_DB_ROW && GROW(c, d->findings, d->n_findings, cap)) {
        zj_au_finding *r = &d->findings[d->n_findings++];
        r->rule_id = col(c, q, 0);
        r->clause = col(c, q, 1);
        r->title = col(c, q, 2);
        r->severity = col(c, q, 3);
        r->kind = col(c, q, 4);
        r->count = zj_db_column_int64(q, 5);
        r->calls = zj_db_column_int64(q, 6);
        r->fatal = zj_db_column_int(q, 7) != 0;
    }
    zj_status s = finish(c, q, c->lost ? ZJ_DB_DONE : rc);
    /* GROUP BY's order is the plan's: sort by rule id in C, as both paths
     * must give the same order. */
    if (s == ZJ_OK && d->n_findings)
        qsort(d->findings, d->n_findings, sizeof *d->findings, cmp_finding);
    return s;
}

/* One row of counts into v[0..n). */
static zj_status counts(audit_ctx *c, char *sql, const char *category, long *const *v, int n)
{
    zj_stmt *q = queryf(c, sql);
    if (!q)
        return c->err->status;
    if (category && zj_db_bind_text(q, 6, category, -1, ZJ_DB_TRANSIENT) != ZJ_DB_OK) {
        zj_db_finalize(q);
        return zj_store_error(c->st, c->err, "cannot prepare a report query");
    }
    if (!zj_report_one_row(c->st, q, c->err)) {
        zj_db_finalize(q);
        return c->err->status;
    }
    for (int i = 0; i < n; i++)
        *v[i] = zj_db_column_int64(q, i);
    zj_db_finalize(q);
    return ZJ_OK;
}

/* The KPI counts. The complaint figures need the rule set's complaint
 * category (?6); without one they stay 0. */
static zj_status kpis(audit_ctx *c)
{
    zj_au_kpis *k = &c->d->kpi;
    const char *cat = c->q->complaint_category;
    /* The complaint-handling rules: the category's rules that are not tags
     * (the tags mark a complaint call). */
#define HANDLING_RULE                                                                              \
    " IN (SELECT rule_id FROM rules WHERE ruleset_id = ?1 AND category = ?6 AND kind <> 'tag')"
    /* The phrases that were due: required rules whose absence costs points
     * (a phrase only recorded, worth nothing, is not due). */
#define DUE_PHRASE                                                                                 \
    " IN (SELECT rule_id FROM rules WHERE ruleset_id = ?1 AND kind = 'required' AND points > 0)"
    /* The timing items: metric rules that cost points when failed (a metric
     * only recorded, like the speech rate, is an observation, not an item). */
#define TIMED_ITEM                                                                                 \
    " IN (SELECT rule_id FROM rules WHERE ruleset_id = ?1 AND kind = 'metric' AND points > 0)"
    long *v[] = {&k->forbidden_hits, &k->required_met,   &k->required_missing,
                 &k->metric_met,     &k->metric_hit,     &k->metric_not_measurable,
                 &k->handling_met,   &k->handling_failed};
    /* ?6 unbound is NULL: `category = NULL` selects no rule. */
    zj_status s = counts(
        c,
        c->agg
            ? zj_sqlf("SELECT sum(CASE WHEN c.kind = 'forbidden' AND c.outcome = 'hit' THEN"
                      " c.offences ELSE 0 END),"
                      " sum(CASE WHEN c.outcome = 'met' AND c.rule_id" DUE_PHRASE
                      " THEN c.findings ELSE 0 END),"
                      " sum(CASE WHEN c.outcome = 'missing' AND c.rule_id" DUE_PHRASE
                      " THEN c.findings ELSE 0 END),"
                      " sum(CASE WHEN c.outcome = 'met' AND c.rule_id" TIMED_ITEM " THEN c.findings"
                      " ELSE 0 END),"
                      " sum(CASE WHEN c.outcome = 'hit' AND c.rule_id" TIMED_ITEM " THEN c.findings"
                      " ELSE 0 END),"
                      " sum(CASE WHEN c.outcome = 'not_measurable' AND c.rule_id" TIMED_ITEM " THEN"
                      " c.findings ELSE 0 END),"
                      " sum(CASE WHEN c.outcome = 'met' AND c.rule_id" HANDLING_RULE
                      " THEN c.findings ELSE 0 END),"
                      " sum(CASE WHEN c.outcome IN ('missing', 'hit') AND c.rule_id" HANDLING_RULE
                      " THEN c.findings ELSE 0 END)"
                      " FROM agg_rules c WHERE c.ruleset_id = ?1" ZJ_CALL_FILTER_REST)
            : zj_sqlf("SELECT sum(CASE WHEN" ZJ_OFFENCE_F " THEN 1 ELSE 0 END),"
                      " sum(CASE WHEN f.outcome = 'met' AND f.rule_id" DUE_PHRASE
                      " THEN 1 ELSE 0 END),"
                      " sum(CASE WHEN f.outcome = 'missing' AND f.rule_id" DUE_PHRASE
                      " THEN 1 ELSE 0 END),"
                      " sum(CASE WHEN f.outcome = 'met' AND f.rule_id" TIMED_ITEM " THEN 1 ELSE 0"
                      " END),"
                      " sum(CASE WHEN f.outcome = 'hit' AND f.rule_id" TIMED_ITEM " THEN 1 ELSE 0"
                      " END),"
                      " sum(CASE WHEN f.outcome = 'not_measurable' AND f.rule_id" TIMED_ITEM " THEN"
                      " 1 ELSE 0 END),"
                      " sum(CASE WHEN f.outcome = 'met' AND f.rule_id" HANDLING_RULE
                      " THEN 1 ELSE 0 END),"
                      " sum(CASE WHEN f.outcome IN ('missing', 'hit') AND f.rule_id" HANDLING_RULE
                      " THEN 1 ELSE 0 END)"
                      "%s" ZJ_CALL_FILTER_REST,
                      c->in.findings),
        cat, v, 8);
#undef HANDLING_RULE
#undef DUE_PHRASE
#undef TIMED_ITEM
    if (s != ZJ_OK || !cat)
        return s;
    /* Complaint calls: a tag rule of the category hit. A call that hits two
     * of them counts once. Clean: passed without an offence (agg_calls'
     * forbidden). */
    long *w[] = {&k->complaint_calls, &k->complaint_clean};
    return counts(
        c,
        c->agg
            ? zj_sqlf("SELECT sum(c.calls), sum(CASE WHEN c.passed = 1 AND c.forbidden = 0"
                      " THEN c.calls ELSE 0 END) FROM agg_calls c WHERE c.ruleset_id = "
                      "?1" ZJ_CALL_FILTER_REST " AND c.tags IS NOT NULL AND EXISTS (SELECT 1 FROM"
                      " rules r WHERE r.ruleset_id = c.ruleset_id AND r.kind = 'tag' AND"
                      " r.category = ?6 AND instr(',' || c.tags || ',', ',' || r.rule_id ||"
                      " ',') > 0)")
            : zj_sqlf("SELECT count(*), sum(CASE WHEN c.passed = 1 AND NOT EXISTS (SELECT 1"
                      " FROM findings x WHERE x.call_row = c.id AND" ZJ_OFFENCE_X ")"
                      " THEN 1 ELSE 0 END) FROM calls c"
                      " WHERE%s" ZJ_CALL_FILTER_REST
                      " AND EXISTS (SELECT 1 FROM findings t JOIN rules r ON r.ruleset_id ="
                      " c.ruleset_id AND r.rule_id = t.rule_id WHERE t.call_row = c.id AND"
                      " t.kind = 'tag' AND t.outcome = 'hit' AND r.category = ?6)",
                      c->in.calls),
        cat, w, 2);
}

/* The rules as the criteria list them, in the rule set's order. */
static zj_status criteria(audit_ctx *c)
{
    zj_audit_data *d = c->d;
    zj_stmt *q = query(c, "SELECT coalesce(clause, ''), rule_id, coalesce(title, ''), kind,"
                          " severity, points, fatal FROM rules WHERE ruleset_id = ?1"
                          " ORDER BY idx");
    if (!q)
        return c->err->status;
    int rc;
    size_t cap = 0;
    while ((rc = zj_db_step(q)) == ZJ_DB_ROW && GROW(c, d->criteria, d->n_criteria, cap)) {
        zj_au_criterion *r = &d->criteria[d->n_criteria++];
        r->clause = col(c, q, 0);
        r->rule_id = col(c, q, 1);
        r->title = col(c, q, 2);
        r->kind = col(c, q, 3);
        r->severity = col(c, q, 4);
        r->points = zj_db_column_int(q, 5);
        r->fatal = zj_db_column_int(q, 6) != 0;
    }
    return finish(c, q, c->lost ? ZJ_DB_DONE : rc);
}

/* The cited sample: its plan and the first of its calls by id. */
static zj_status sample(audit_ctx *c)
{
    zj_au_sample *s = &c->d->sample;
    int64_t id = c->q->sample_id;
    if (id <= 0)
        return ZJ_OK;
    zj_stmt *q;
    if (zj_db_prepare_v2(zj_store_db(c->st),
                         "SELECT method, coalesce(level, ''), aql, lot_size, sample_size,"
                         " accept_n, reject_n, seed, created_at, filters FROM samples"
                         " WHERE id = ?2 AND ruleset_id = ?1",
                         -1, &q, NULL) != ZJ_DB_OK)
        return zj_store_error(c->st, c->err, "cannot read the samples");
    zj_db_bind_int64(q, 1, c->rs->id);
    zj_db_bind_int64(q, 2, id);
    int rc = zj_db_step(q);
    if (rc != ZJ_DB_ROW) {
        zj_db_finalize(q);
        if (rc == ZJ_DB_DONE)
            return zj_error_set(c->err, ZJ_ERR_NOTFOUND, NULL, 0, 0,
                                "no sample %lld was saved for this rule set (zhijian sample "
                                "--save prints the id of the sample it records)",
                                (long long)id);
        return zj_store_error(c->st, c->err, "cannot read the samples");
    }
    s->id = id;
    s->method = col(c, q, 0);
    s->level = col(c, q, 1);
    s->aql = zj_db_column_type(q, 2) == ZJ_DB_NULL ? NULL : col(c, q, 2);
    s->lot_size = zj_db_column_int64(q, 3);
    s->sample_size = zj_db_column_int64(q, 4);
    s->accept_n = zj_db_column_int64(q, 5);
    s->reject_n = zj_db_column_int64(q, 6);
    s->seed = zj_db_column_int64(q, 7);
    s->created_at = col(c, q, 8);
    s->filters_json = col(c, q, 9);
    zj_db_finalize(q);
    if (zj_store_has_table(c->st, "sample_decisions")) {
        if (zj_db_prepare_v2(zj_store_db(c->st),
                             "SELECT decision, closed_by, closed_at, reviewed, nonconforming"
                             " FROM sample_decisions WHERE sample_id = ?1",
                             -1, &q, NULL) != ZJ_DB_OK)
            return zj_store_error(c->st, c->err, "cannot read the sample's decision");
        zj_db_bind_int64(q, 1, id);
        rc = zj_db_step(q);
        if (rc == ZJ_DB_ROW) {
            s->decision = col(c, q, 0);
            s->closed_by = col(c, q, 1);
            s->closed_at = col(c, q, 2);
            s->closed_reviewed = zj_db_column_int64(q, 3);
            s->closed_nonconforming = zj_db_column_int64(q, 4);
        }
        zj_db_finalize(q);
        if (rc != ZJ_DB_ROW && rc != ZJ_DB_DONE)
            return zj_store_error(c->st, c->err, "cannot read the sample's decision");
    }
    if (zj_db_prepare_v2(zj_store_db(c->st),
                         "SELECT c.call_id FROM sample_calls s JOIN calls c ON c.id = s.call_row"
                         " WHERE s.sample_id = ?1 ORDER BY c.call_id",
                         -1, &q, NULL) != ZJ_DB_OK)
        return zj_store_error(c->st, c->err, "cannot read the sampled calls");
    zj_db_bind_int64(q, 1, id);
    size_t cap = 0;
    while ((rc = zj_db_step(q)) == ZJ_DB_ROW) {
        if ((size_t)s->n_calls++ >= c->q->sample_calls_listed)
            continue;
        if (!GROW(c, s->call_ids, s->n_listed, cap))
            break;
        s->call_ids[s->n_listed++] = col(c, q, 0);
    }
    if (rc != ZJ_DB_ROW && rc != ZJ_DB_DONE) {
        zj_db_finalize(q);
        return zj_store_error(c->st, c->err, "cannot read the sampled calls");
    }
    return finish(c, q, ZJ_DB_DONE);
}

/* ------------------------------------------------------------- evidence */

/* The finding of rule id (findings are sorted by rule id); -1 when none. */
static long finding_of(const zj_audit_data *d, const char *rule_id)
{
    size_t lo = 0, hi = d->n_findings;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int k = strcmp(d->findings[mid].rule_id, rule_id);
        if (k == 0)
            return (long)mid;
        if (k < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* The columns every evidence query returns, in this order. */
#define EVIDENCE_COLUMNS                                                                           \
    " f.rule_id, c.call_id, coalesce(c.agent_id, ''), coalesce(c.agent_name, ''),"                 \
    " coalesce(c.started_at, ''), coalesce(f.text, ''), f.outcome, coalesce(f.turn, -1),"          \
    " coalesce(f.span_start, -1), coalesce(f.span_end, -1), f.value, coalesce(f.unit, '')"

/* Appends the evidence row q holds; false when out of memory. */
static bool add_evidence(audit_ctx *c, zj_stmt *q, size_t finding, size_t *cap)
{
    zj_audit_data *d = c->d;
    if (!GROW(c, d->evidence, d->n_evidence, *cap))
        return false;
    zj_au_evidence *e = &d->evidence[d->n_evidence++];
    memset(e, 0, sizeof *e);
    e->finding = finding;
    e->call_id = col(c, q, 1);
    e->agent_id = col(c, q, 2);
    e->agent_name = col(c, q, 3);
    e->started_at = col(c, q, 4);
    e->text = col(c, q, 5);
    e->missing = strcmp(zj_col(q, 6), "missing") == 0;
    e->turn = zj_db_column_int(q, 7);
    e->span_start = zj_db_column_int64(q, 8);
    e->span_end = zj_db_column_int64(q, 9);
    /* A metric's measure; a finding of words has none. */
    bool measured = zj_db_column_type(q, 10) != ZJ_DB_NULL && zj_col(q, 11)[0];
    e->value = measured ? zj_db_column_int64(q, 10) : 0;
    e->unit = measured ? col(c, q, 11) : "";
    if (zj_db_column_count(q) > 13) {
        e->started_utc_ms =
            zj_db_column_type(q, 12) == ZJ_DB_NULL ? INT64_MIN : zj_db_column_int64(q, 12);
        e->seq = zj_db_column_int64(q, 13);
    }
    return !c->lost;
}

/* Every finding's first examples in one windowed pass over the findings. */
static zj_status evidence_scan(audit_ctx *c)
{
    zj_stmt *q = queryf(
        c, zj_sqlf("SELECT * FROM (SELECT" EVIDENCE_COLUMNS ", ROW_NUMBER() OVER (PARTITION BY"
                   " f.rule_id ORDER BY c.started_utc_ms, c.call_id, f.seq) AS rn"
                   "%s" ZJ_CALL_FILTER_REST " AND" NONCONFORMING_FINDING ") e WHERE rn <= %zu"
                   " ORDER BY 1, rn",
                   c->in.findings, c->q->evidence_per_finding));
    if (!q)
        return c->err->status;
    int rc;
    size_t cap = 0;
    while ((rc = zj_db_step(q)) == ZJ_DB_ROW) {
        long k = finding_of(c->d, zj_col(q, 0));
        if (k >= 0 && !add_evidence(c, q, (size_t)k, &cap))
            break;
    }
    return finish(c, q, c->lost ? ZJ_DB_DONE : rc);
}

/* The day after date (YYYY-MM-DD) n times, into out[11]. */
static void add_days(const char *date, int n, char out[11])
{
    int y = 0, m = 0, dd = 0;
    if (sscanf(date, "%4d-%2d-%2d", &y, &m, &dd) != 3 || m < 1 || m > 12 || dd < 1) {
        snprintf(out, 11, "9999-12-31");
        return;
    }
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    while (n-- > 0) {
        int len = mdays[(m - 1) % 12] + (m == 2 && (y % 4 == 0 && (y % 100 || y % 400 == 0)));
        if (++dd > len) {
            dd = 1;
            if (++m > 12) {
                m = 1;
                y++;
            }
        }
    }
    char buf[40];
    snprintf(buf, sizeof buf, "%04d-%02d-%02d", y % 10000, m % 100, dd % 100);
    memcpy(out, buf, 10);
    out[10] = 0;
}

/* A rule's counts on one date and agent (agg_rules), the candidates. */
typedef struct cand {
    size_t rule;
    const char *date, *agent; /* NULL: none stored */
    long n;
} cand;

/* Calls on one date of one agent (agg_calls). */
typedef struct pair_calls {
    const char *date, *agent;
    long calls;
} pair_calls;

/* Per finding: the last date its first examples can lie on ("": every
 * date), its candidates (a range of the sorted list) up to it, and how it is
 * read. */
typedef struct rule_plan {
    char until[11];
    const char *first_date; /* of its candidates; NULL: only undated ones */
    size_t first, n_pairs;
    bool dense, undated;
    size_t got;
} rule_plan;

/* NULL-safe string order, NULL first (as SQLite sorts). */
static int cmp_null_first(const char *a, const char *b)
{
    return !a || !b ? (a != NULL) - (b != NULL) : strcmp(a, b);
}

static int cmp_pair_calls(const void *a, const void *b)
{
    const pair_calls *x = a, *y = b;
    int k = cmp_null_first(x->date, y->date);
    return k ? k : cmp_null_first(x->agent, y->agent);
}

static int cmp_cand_pair(const void *a, const void *b)
{
    const cand *x = a, *y = b;
    int k = cmp_null_first(x->date, y->date);
    return k ? k : cmp_null_first(x->agent, y->agent);
}

/* Examples by finding, then time, call id and order in the call. */
static int cmp_by_time(const void *a, const void *b)
{
    const zj_au_evidence *x = a, *y = b;
    if (x->finding != y->finding)
        return x->finding < y->finding ? -1 : 1;
    if (x->started_utc_ms != y->started_utc_ms)
        return x->started_utc_ms < y->started_utc_ms ? -1 : 1;
    int k = strcmp(x->call_id, y->call_id);
    if (k)
        return k;
    return (x->seq > y->seq) - (x->seq < y->seq);
}

static int bind_text_or_null(zj_stmt *q, int i, const char *s)
{
    return s ? zj_db_bind_text(q, i, s, -1, ZJ_DB_STATIC) : zj_db_bind_null(q, i);
}

/* One date's calls in time order (the date index holds the start time and
 * call id), the head of a merge. */
typedef struct date_stream {
    zj_stmt *q;
    bool live;
} date_stream;

/* Whether stream a's current call comes before b's: by start time, then
 * call id, as ORDER BY c.started_utc_ms, c.call_id sorts. */
static bool stream_before(const date_stream *a, const date_stream *b)
{
    int64_t x = zj_db_column_int64(a->q, 1), y = zj_db_column_int64(b->q, 1);
    if (x != y)
        return x < y;
    return strcmp(zj_col(a->q, 2), zj_col(b->q, 2)) < 0;
}

/* Takes plan's dense rules' examples from the call of row id `call`;
 * ZJ_DB_DONE, or the failing step's code. */
static int take_call(audit_ctx *c, zj_stmt *found, int64_t call, rule_plan *plan, size_t *open,
                     size_t *cap)
{
    size_t want = c->q->evidence_per_finding;
    zj_db_reset(found);
    zj_db_bind_int64(found, 1, call);
    int rc;
    while ((rc = zj_db_step(found)) == ZJ_DB_ROW) {
        long r = finding_of(c->d, zj_col(found, 0));
        if (r < 0 || !plan[r].dense || plan[r].got >= want)
            continue;
        if (!add_evidence(c, found, (size_t)r, cap))
            return ZJ_DB_NOMEM;
        if (++plan[r].got == want)
            (*open)--;
    }
    return rc;
}

/* The dense rules: their calls in time order — the undated first, as they
 * sort, then the dates lo..hi merged, each read from the date index in
 * time order — and each call's qualifying findings in their order, until
 * every dense rule has its examples. Only the calls up to the last example
 * are read. */
static zj_status evidence_pass(audit_ctx *c, rule_plan *plan, bool undated, const char *lo,
                               const char *hi, const pair_calls *pc, size_t n_pc, size_t *cap)
{
    zj_audit_data *d = c->d;
    size_t open = 0, n = 0;
    for (size_t r = 0; r < d->n_findings; r++)
        open += plan[r].dense;
    zj_stmt *found;
    if (zj_db_prepare_v2(
            zj_store_db(c->st),
            "SELECT" EVIDENCE_COLUMNS ", c.started_utc_ms, f.seq FROM calls c"
            " CROSS JOIN findings f WHERE c.id = ?1 AND f.call_row = c.id AND" NONCONFORMING_FINDING
            " ORDER BY f.seq",
            -1, &found, NULL) != ZJ_DB_OK)
        return zj_store_error(c->st, c->err, "cannot prepare a report query");
    date_stream *ds = calloc(n_pc + 1, sizeof *ds);
    if (!ds) {
        zj_db_finalize(found);
        return zj_error_set(c->err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory");
    }
    zj_status s = ZJ_OK;
    int rc = ZJ_DB_DONE;
    if (undated) {
        zj_stmt *q = query(c, "SELECT c.id FROM calls c WHERE c.ruleset_id = ?1" ZJ_CALL_FILTER_REST
                              " AND c.local_date IS NULL"
                              " ORDER BY c.call_id");
        if (!q)
            s = c->err->status;
        while (q && open && (rc = zj_db_step(q)) == ZJ_DB_ROW &&
               (rc = take_call(c, found, zj_db_column_int64(q, 0), plan, &open, cap)) == ZJ_DB_DONE)
            ;
        zj_db_finalize(q);
    }
    /* One stream per date of the window (pc is sorted by date). */
    for (size_t i = 0; s == ZJ_OK && rc == ZJ_DB_DONE && open && i < n_pc; i++) {
        const char *date = pc[i].date;
        if (!date || strcmp(date, lo) < 0 || strcmp(date, hi) > 0 ||
            (i && pc[i - 1].date && strcmp(pc[i - 1].date, date) == 0))
            continue;
        zj_stmt *q = query(c, "SELECT c.id, c.started_utc_ms, c.call_id"
                              " FROM calls c WHERE c.ruleset_id = ?1" ZJ_CALL_FILTER_REST
                              " AND c.local_date = ?6 ORDER BY c.started_utc_ms, c.call_id");
        if (!q) {
            s = c->err->status;
            break;
        }
        ds[n].q = q;
        if (zj_db_bind_text(q, 6, date, -1, ZJ_DB_STATIC) != ZJ_DB_OK) {
            rc = ZJ_DB_ERROR;
            n++;
            break;
        }
        rc = zj_db_step(q);
        ds[n].live = rc == ZJ_DB_ROW;
        n++;
        if (rc == ZJ_DB_ROW || rc == ZJ_DB_DONE)
            rc = ZJ_DB_DONE;
    }
    /* The merge: the stream whose call starts first gives the next call. */
    while (s == ZJ_OK && rc == ZJ_DB_DONE && open) {
        date_stream *next = NULL;
        for (size_t i = 0; i < n; i++)
            if (ds[i].live && (!next || stream_before(&ds[i], next)))
                next = &ds[i];
        if (!next)
            break;
        rc = take_call(c, found, zj_db_column_int64(next->q, 0), plan, &open, cap);
        if (rc != ZJ_DB_DONE)
            break;
        rc = zj_db_step(next->q);
        next->live = rc == ZJ_DB_ROW;
        if (rc == ZJ_DB_ROW)
            rc = ZJ_DB_DONE;
    }
    for (size_t i = 0; i < n; i++)
        zj_db_finalize(ds[i].q);
    free(ds);
    zj_db_finalize(found);
    if (s != ZJ_OK)
        return s;
    if (c->lost || rc == ZJ_DB_NOMEM)
        return zj_error_set(c->err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory");
    if (rc != ZJ_DB_DONE && rc != ZJ_DB_ROW)
        return zj_store_error(c->st, c->err, "cannot read the results");
    return ZJ_OK;
}

/* The sparse rules: each date × agent any of them has candidates on is read
 * once, with every qualifying finding of its calls; a rule keeps those up to
 * its last date, then its earliest. */
static zj_status evidence_pairs(audit_ctx *c, const rule_plan *plan, const cand *cands,
                                size_t n_cands, size_t *cap)
{
    zj_audit_data *d = c->d;
    size_t want = c->q->evidence_per_finding, n = 0;
    cand *pairs = malloc((n_cands ? n_cands : 1) * sizeof *pairs);
    if (!pairs)
        return zj_error_set(c->err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory");
    for (size_t i = 0; i < n_cands; i++) {
        const rule_plan *p = &plan[cands[i].rule];
        if (!p->dense && i < p->first + p->n_pairs)
            pairs[n++] = cands[i];
    }
    qsort(pairs, n, sizeof *pairs, cmp_cand_pair);
    zj_stmt *q =
        query(c, "SELECT" EVIDENCE_COLUMNS ", c.started_utc_ms, f.seq FROM calls c"
                 " CROSS JOIN findings f WHERE c.ruleset_id = ?1" ZJ_CALL_FILTER_REST
                 " AND c.local_date IS NOT DISTINCT FROM ?6 AND c.agent_id IS NOT DISTINCT FROM ?7"
                 " AND f.call_row = c.id AND" NONCONFORMING_FINDING);
    zj_status s = q ? ZJ_OK : c->err->status;
    size_t from = d->n_evidence;
    for (size_t i = 0; s == ZJ_OK && i < n; i++) {
        if (i && cmp_cand_pair(&pairs[i - 1], &pairs[i]) == 0)
            continue;
        zj_db_reset(q);
        if (bind_text_or_null(q, 6, pairs[i].date) != ZJ_DB_OK ||
            bind_text_or_null(q, 7, pairs[i].agent) != ZJ_DB_OK) {
            s = zj_store_error(c->st, c->err, "cannot prepare a report query");
            break;
        }
        int rc;
        while ((rc = zj_db_step(q)) == ZJ_DB_ROW) {
            long r = finding_of(d, zj_col(q, 0));
            if (r < 0 || plan[r].dense ||
                (plan[r].until[0] && pairs[i].date && strcmp(pairs[i].date, plan[r].until) > 0))
                continue;
            if (!add_evidence(c, q, (size_t)r, cap))
                break;
        }
        if (c->lost)
            s = zj_error_set(c->err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory");
        else if (rc != ZJ_DB_DONE)
            s = zj_store_error(c->st, c->err, "cannot read the results");
    }
    zj_db_finalize(q);
    free(pairs);
    if (s != ZJ_OK)
        return s;
    /* Each rule's earliest `want`. */
    zj_au_evidence *e = d->evidence + from;
    size_t m = d->n_evidence - from, kept = 0;
    if (m)
        qsort(e, m, sizeof *e, cmp_by_time);
    for (size_t i = 0, run = 0; i < m; i++) {
        run = i && e[i].finding == e[i - 1].finding ? run + 1 : 0;
        if (run < want)
            e[kept++] = e[i];
    }
    d->n_evidence = from + kept;
    return ZJ_OK;
}

/* Calls per date and agent the filter selects, sorted. */
static zj_status pair_counts(audit_ctx *c, pair_calls **out, size_t *n)
{
    zj_stmt *q = query(c, "SELECT c.local_date, c.agent_id, sum(c.calls) FROM agg_calls c"
                          " WHERE c.ruleset_id = ?1" ZJ_CALL_FILTER_REST
                          " GROUP BY c.local_date, c.agent_id");
    if (!q)
        return c->err->status;
    size_t cap = 0;
    int rc;
    while ((rc = zj_db_step(q)) == ZJ_DB_ROW && GROW(c, *out, *n, cap)) {
        pair_calls *p = &(*out)[(*n)++];
        p->date = zj_db_column_type(q, 0) == ZJ_DB_NULL ? NULL : col(c, q, 0);
        p->agent = zj_db_column_type(q, 1) == ZJ_DB_NULL ? NULL : col(c, q, 1);
        p->calls = zj_db_column_int64(q, 2);
    }
    zj_status s = finish(c, q, c->lost ? ZJ_DB_DONE : rc);
    if (s == ZJ_OK && *n)
        qsort(*out, *n, sizeof **out, cmp_pair_calls);
    return s;
}

static long calls_of_pair(const pair_calls *v, size_t n, const char *date, const char *agent)
{
    pair_calls key = {date, agent, 0};
    const pair_calls *p = bsearch(&key, v, n, sizeof *v, cmp_pair_calls);
    return p ? p->calls : 0;
}

/* Calls dated from..until (NULL until: every later date). */
static long calls_between(const pair_calls *v, size_t n, const char *from, const char *until)
{
    long sum = 0;
    for (size_t i = 0; i < n; i++)
        if (v[i].date && strcmp(v[i].date, from) >= 0 && (!until || strcmp(v[i].date, until) <= 0))
            sum += v[i].calls;
    return sum;
}

/* Every finding's first examples, bounded by the aggregates: a rule's
 * first examples lie in the calls without a date (they come first) or on
 * the dates up to the one where its count reaches the examples listed, plus
 * DATE_SKEW_DAYS. A rule whose candidates (the dates × agents with a count
 * up to then) hold fewer calls than half its dates' calls reads those
 * pairs; the others share one pass over the calls of their dates in time
 * order, which stops once each has its examples. */
static zj_status evidence_bounded(audit_ctx *c)
{
    zj_audit_data *d = c->d;
    size_t want = c->q->evidence_per_finding;
    rule_plan *plan = calloc(d->n_findings, sizeof *plan);
    cand *cands = NULL;
    pair_calls *pc = NULL;
    size_t n_cands = 0, cap_cands = 0, n_pc = 0;
    if (!plan)
        return zj_error_set(c->err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory");
    /* NULL dates sort first, as the calls without a time do. */
    zj_stmt *q = query(c, "SELECT c.rule_id, c.local_date, c.agent_id,"
                          " sum(" NONCONFORMING_AGG_N ")"
                          " FROM agg_rules c WHERE c.ruleset_id = ?1" ZJ_CALL_FILTER_REST
                          " AND" NONCONFORMING_AGG " GROUP BY c.rule_id, c.local_date, c.agent_id"
                          " ORDER BY c.rule_id, c.local_date, c.agent_id");
    if (!q) {
        free(plan);
        return c->err->status;
    }
    int rc;
    while ((rc = zj_db_step(q)) == ZJ_DB_ROW) {
        long r = finding_of(d, zj_col(q, 0));
        if (r < 0 || !GROW(c, cands, n_cands, cap_cands))
            continue;
        cand *k = &cands[n_cands++];
        k->rule = (size_t)r;
        k->date = zj_db_column_type(q, 1) == ZJ_DB_NULL ? NULL : col(c, q, 1);
        k->agent = zj_db_column_type(q, 2) == ZJ_DB_NULL ? NULL : col(c, q, 2);
        k->n = zj_db_column_int64(q, 3);
    }
    zj_status s = finish(c, q, c->lost ? ZJ_DB_DONE : rc);
    if (s == ZJ_OK)
        s = pair_counts(c, &pc, &n_pc);
    /* Per rule: the date its count reaches `want`, plus the skew; the
     * candidates up to it; which way is cheaper. */
    const char *lo = NULL;
    char hi[11] = "";
    bool any_dense = false, undated = false;
    for (size_t i = 0; s == ZJ_OK && i < n_cands;) {
        size_t r = cands[i].rule, j = i;
        long seen = 0, pair_cost = 0;
        rule_plan *p = &plan[r];
        p->first = i;
        for (; j < n_cands && cands[j].rule == r; j++) {
            if (p->until[0] && cands[j].date && strcmp(cands[j].date, p->until) > 0)
                continue;
            p->n_pairs = j - i + 1;
            pair_cost += calls_of_pair(pc, n_pc, cands[j].date, cands[j].agent);
            if (!cands[j].date)
                p->undated = true;
            else if (!p->first_date)
                p->first_date = cands[j].date;
            seen += cands[j].n;
            if (!p->until[0] && seen >= (long)want && cands[j].date)
                add_days(cands[j].date, DATE_SKEW_DAYS, p->until);
        }
        p->dense = p->until[0] && p->first_date &&
                   calls_between(pc, n_pc, p->first_date, p->until) <= 2 * pair_cost;
        if (p->dense) {
            any_dense = true;
            undated |= p->undated;
            if (!lo || strcmp(p->first_date, lo) < 0)
                lo = p->first_date;
            if (strcmp(p->until, hi) > 0)
                memcpy(hi, p->until, sizeof hi);
        }
        i = j;
    }
    size_t cap = 0;
    if (s == ZJ_OK && any_dense)
        s = evidence_pass(c, plan, undated, lo, hi, pc, n_pc, &cap);
    if (s == ZJ_OK)
        s = evidence_pairs(c, plan, cands, n_cands, &cap);
    free(pc);
    free(cands);
    free(plan);
    return s;
}

/* The turn each quote is in, so the report can show it in its sentence. */
static zj_status evidence_turns(audit_ctx *c)
{
    zj_audit_data *d = c->d;
    for (size_t i = 0; i < d->n_evidence; i++) {
        zj_au_evidence *e = &d->evidence[i];
        if (e->missing || e->turn < 0 || e->span_start < 0 || e->span_end <= e->span_start)
            continue;
        zj_stored_call sc;
        zj_status s = zj_store_get_call(c->st, e->call_id, c->rs->id, &sc, c->err);
        if (s != ZJ_OK)
            return s;
        if (sc.call && (size_t)e->turn < sc.call->n_turns) {
            const zj_turn *t = &sc.call->turns[e->turn];
            char *text = malloc(t->text_len + 1);
            if (text) {
                memcpy(text, t->text, t->text_len);
                text[t->text_len] = 0;
                e->turn_text = zj_pool_str(&d->pool, text, &c->lost);
                free(text);
            } else {
                c->lost = true;
            }
        }
        zj_stored_call_free(&sc);
        if (c->lost)
            return zj_error_set(c->err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory");
    }
    return ZJ_OK;
}

zj_status zj_sql_audit(zj_store *st, bool aggregates, const zj_rs_ruleset *rs,
                       const zj_report_filter *f, const zj_audit_query *q, zj_audit_data *out,
                       zj_error *err)
{
    audit_ctx c = {.st = st, .rs = rs, .f = f, .q = q, .d = out, .err = err, .agg = aggregates};
    if (!aggregates)
        c.in = zj_report_scope_of(st, rs->id, f);
    zj_status s;
    if ((s = scope(&c)) != ZJ_OK || (s = findings(&c)) != ZJ_OK ||
        (zj_test_read_pause(), (s = kpis(&c)) != ZJ_OK) || (s = criteria(&c)) != ZJ_OK ||
        (s = sample(&c)) != ZJ_OK)
        return s;
    if (out->n_findings && q->evidence_per_finding &&
        (s = aggregates ? evidence_bounded(&c) : evidence_scan(&c)) != ZJ_OK)
        return s;
    return evidence_turns(&c);
}
