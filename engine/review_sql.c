/* review_sql.c — the SQLite store's answers for review (review.h): the
 * calls under review with their reviewable findings and events, the rules,
 * and appending events to the append-only `reviews` table (schema v9,
 * docs/review.md). A store written before v9 has no reviews: it reads as
 * unreviewed. */
#include "review.h"

#include "db.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void zj_review_data_free(zj_review_data *d)
{
    zj_pool_free(&d->pool);
    free(d->caps);
    free(d->calls);
    free(d->findings);
    free(d->events);
    memset(d, 0, sizeof *d);
}

typedef struct rv_ctx {
    zj_store *st;
    zj_review_data *d;
    zj_error *err;
    bool lost;
    /* Prepared once for all the calls read: findings, sum of points, events. */
    zj_stmt *q_findings, *q_sum, *q_events;
} rv_ctx;

static void ctx_done(rv_ctx *c)
{
    zj_db_finalize(c->q_findings);
    zj_db_finalize(c->q_sum);
    zj_db_finalize(c->q_events);
}

/* The statement *q, prepared on first use (else reset); ZJ_DB_OK or the
 * prepare's error. */
static int prepared(rv_ctx *c, zj_stmt **q, const char *sql)
{
    if (*q) {
        zj_db_reset(*q);
        return ZJ_DB_OK;
    }
    return zj_db_prepare_v2(zj_store_db(c->st), sql, -1, q, NULL);
}

static const char *col(rv_ctx *c, zj_stmt *q, int i)
{
    const char *s = zj_pool_col(&c->d->pool, q, i, &c->lost);
    return s ? s : "";
}

/* ZJ_GROW, a failure recorded in c. */
#define GROW(c, v, n, cap) (ZJ_GROW(v, n, cap) || ((c)->lost = true, false))

/* The rule set's rules with max_points, read once into the data. */
static zj_status read_caps(rv_ctx *c, const zj_rs_ruleset *rs)
{
    zj_review_data *d = c->d;
    if (d->caps_read)
        return ZJ_OK;
    zj_stmt *q;
    if (zj_db_prepare_v2(zj_store_db(c->st),
                         "SELECT rule_id, points, max_points FROM rules WHERE ruleset_id = ?1 AND"
                         " max_points > 0 ORDER BY idx",
                         -1, &q, NULL) != ZJ_DB_OK)
        return zj_store_error(c->st, c->err, "cannot read the rules");
    zj_db_bind_int64(q, 1, rs->id);
    int rc;
    while ((rc = zj_db_step(q)) == ZJ_DB_ROW && GROW(c, d->caps, d->n_caps, d->cap_caps)) {
        zj_rv_cap *k = &d->caps[d->n_caps++];
        k->rule_id = col(c, q, 0);
        k->points = zj_db_column_int(q, 1);
        k->max_points = zj_db_column_int(q, 2);
    }
    zj_db_finalize(q);
    if (c->lost)
        return zj_error_set(c->err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory");
    if (rc != ZJ_DB_DONE)
        return zj_store_error(c->st, c->err, "cannot read the rules");
    d->caps_read = true;
    return ZJ_OK;
}

static bool has_reviews(zj_store *st)
{
    return zj_store_has_table(st, "reviews");
}

static const char *const action_names[] = {"confirm", "reject", "add", "appeal", "rule"};

static zj_rv_action action_of(const char *s)
{
    for (int i = 0; i < 5; i++)
        if (strcmp(s, action_names[i]) == 0)
            return (zj_rv_action)i;
    return ZJ_RV_CONFIRM;
}

/* Reads one event row (the columns of EVENT_COLUMNS). */
#define EVENT_COLUMNS                                                                              \
    "id, at, actor, role, action, call_id, coalesce(rule_id, ''), coalesce(turn, -1),"             \
    " coalesce(span_start, -1), coalesce(span_end, -1), coalesce(text, ''),"                       \
    " coalesce(category, ''), coalesce(points, 0), coalesce(fatal, 0), coalesce(decision, ''),"    \
    " coalesce(appeal_id, 0), coalesce(note, '')"

static void read_event(rv_ctx *c, zj_stmt *q, zj_rv_event *e)
{
    memset(e, 0, sizeof *e);
    e->id = zj_db_column_int64(q, 0);
    e->at = col(c, q, 1);
    e->actor = col(c, q, 2);
    e->role = col(c, q, 3);
    e->action = action_of(zj_col(q, 4));
    e->call_id = col(c, q, 5);
    e->rule_id = col(c, q, 6);
    e->turn = zj_db_column_int(q, 7);
    e->span_start = zj_db_column_int64(q, 8);
    e->span_end = zj_db_column_int64(q, 9);
    e->text = col(c, q, 10);
    e->category = col(c, q, 11);
    e->points = zj_db_column_int(q, 12);
    e->fatal = zj_db_column_int(q, 13) != 0;
    e->overturn = strcmp(zj_col(q, 14), "overturned") == 0;
    e->appeal_id = zj_db_column_int64(q, 15);
    e->note = col(c, q, 16);
}

/* The reviewable findings of a call. A store with reviews (v9) has the v6
 * `quoted` column; an older one, opened as it is, reads as unreviewed and
 * never needs it. */
#define FINDING_SQL(QUOTED)                                                                        \
    "SELECT f.rule_id, coalesce(r.title, ''), coalesce(f.clause, ''), f.kind, f.outcome,"          \
    " coalesce(f.text, ''), coalesce(f.turn, -1), coalesce(f.span_start, -1),"                     \
    " coalesce(f.span_end, -1), f.points, f.fatal, " QUOTED                                        \
    " FROM findings f LEFT JOIN rules r ON r.ruleset_id = ?2 AND r.rule_id = f.rule_id"            \
    " WHERE f.call_row = ?1 AND (f.outcome = 'hit' AND f.kind IN ('forbidden', 'metric')"          \
    " OR f.outcome = 'missing' AND f.points < 0) ORDER BY f.seq"

/* Adds the call q holds (columns: row id, call id, agent, name, start,
 * score, passed, fatal) with its findings and events. */
static zj_status add_call(rv_ctx *c, const zj_rs_ruleset *rs, zj_stmt *q, bool reviews, bool lazy)
{
    zj_review_data *d = c->d;
    if (!GROW(c, d->calls, d->n_calls, c->d->cap_calls))
        return zj_error_set(c->err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory");
    zj_rv_call *k = &d->calls[d->n_calls++];
    memset(k, 0, sizeof *k);
    int64_t row = zj_db_column_int64(q, 0);
    k->call_id = col(c, q, 1);
    k->agent_id = col(c, q, 2);
    k->agent_name = col(c, q, 3);
    k->started_at = col(c, q, 4);
    k->score = zj_db_column_int(q, 5);
    k->passed = zj_db_column_int(q, 6) != 0;
    k->fatal = zj_db_column_int(q, 7) != 0;
    int rc = ZJ_DB_DONE;
    zj_stmt *f;
    if (reviews) {
        rc = prepared(c, &c->q_events,
                      "SELECT " EVENT_COLUMNS " FROM reviews WHERE ruleset_id = ?1 AND"
                      " call_id = ?2 ORDER BY id");
        if (rc == ZJ_DB_OK) {
            f = c->q_events;
            zj_db_bind_int64(f, 1, rs->id);
            zj_db_bind_text(f, 2, k->call_id, -1, ZJ_DB_STATIC);
            k->first_event = d->n_events;
            while ((rc = zj_db_step(f)) == ZJ_DB_ROW &&
                   GROW(c, d->events, d->n_events, c->d->cap_events))
                read_event(c, f, &d->events[d->n_events++]);
            k->n_events = d->n_events - k->first_event;
        }
    }
    if (rc != ZJ_DB_DONE || (lazy && !k->n_events))
        goto done;
    rc = prepared(c, &c->q_findings, reviews ? FINDING_SQL("f.quoted") : FINDING_SQL("0"));
    if (rc == ZJ_DB_OK) {
        f = c->q_findings;
        zj_db_bind_int64(f, 1, row);
        zj_db_bind_int64(f, 2, rs->id);
        k->first_finding = d->n_findings;
        while ((rc = zj_db_step(f)) == ZJ_DB_ROW &&
               GROW(c, d->findings, d->n_findings, c->d->cap_findings)) {
            zj_rv_finding *x = &d->findings[d->n_findings++];
            x->rule_id = col(c, f, 0);
            x->title = col(c, f, 1);
            x->clause = col(c, f, 2);
            x->kind = col(c, f, 3);
            x->outcome = col(c, f, 4);
            x->text = col(c, f, 5);
            x->turn = zj_db_column_int(f, 6);
            x->span_start = zj_db_column_int64(f, 7);
            x->span_end = zj_db_column_int64(f, 8);
            x->points = zj_db_column_int(f, 9);
            x->fatal = zj_db_column_int(f, 10) != 0;
            x->quoted = zj_db_column_int(f, 11) != 0;
        }
        k->n_findings = d->n_findings - k->first_finding;
    }
    if (rc == ZJ_DB_ROW || rc == ZJ_DB_DONE) { /* ROW: stopped out of memory */
        rc = prepared(c, &c->q_sum,
                      "SELECT coalesce(sum(points), 0) FROM findings WHERE call_row = ?1");
        if (rc == ZJ_DB_OK) {
            zj_db_bind_int64(c->q_sum, 1, row);
            rc = zj_db_step(c->q_sum);
            k->sum_points = zj_db_column_int64(c->q_sum, 0);
            rc = rc == ZJ_DB_ROW ? ZJ_DB_DONE : rc;
        }
    }
done:
    if (c->lost)
        return zj_error_set(c->err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory");
    if (rc != ZJ_DB_DONE)
        return zj_store_error(c->st, c->err, "cannot read the findings under review");
    return ZJ_OK;
}

#define CALL_COLUMNS                                                                               \
    "c.id, c.call_id, coalesce(c.agent_id, ''), coalesce(c.agent_name, ''),"                       \
    " coalesce(c.started_at, ''), c.score, c.passed, c.fatal"

static zj_status sqlite_calls(void *self, const zj_rs_ruleset *rs, const zj_report_filter *f,
                              int64_t sample_id, bool reviewed_only, bool lazy, zj_review_data *out,
                              zj_error *err)
{
    zj_store *st = self;
    rv_ctx c = {.st = st, .d = out, .err = err};
    bool reviews = has_reviews(st);
    if (reviewed_only && !reviews && sample_id <= 0)
        return ZJ_OK;
    zj_stmt *q;
    zj_status cs = read_caps(&c, rs);
    if (cs != ZJ_OK)
        return cs;
    if (sample_id > 0) {
        if (zj_db_prepare_v2(zj_store_db(st),
                             "SELECT 1 FROM samples WHERE id = ?2 AND ruleset_id = ?1", -1, &q,
                             NULL) != ZJ_DB_OK)
            return zj_store_error(st, err, "cannot read the samples");
        zj_db_bind_int64(q, 1, rs->id);
        zj_db_bind_int64(q, 2, sample_id);
        int rc = zj_db_step(q);
        zj_db_finalize(q);
        if (rc == ZJ_DB_DONE)
            return zj_error_set(err, ZJ_ERR_NOTFOUND, NULL, 0, 0,
                                "no sample %lld was saved for rule set %s (zhijian sample --save "
                                "prints the id of the sample it records)",
                                (long long)sample_id, rs->label);
        if (rc != ZJ_DB_ROW)
            return zj_store_error(st, err, "cannot read the samples");
        q = zj_report_query(
            st,
            /* The sample's rows first (CROSS JOIN keeps the order):
             * otherwise SQLite may scan every call of the rule set. */
            "SELECT " CALL_COLUMNS " FROM sample_calls s CROSS JOIN calls c WHERE"
            " c.id = s.call_row AND s.sample_id = ?6 AND c.ruleset_id = ?1" ZJ_CALL_FILTER_REST
            " ORDER BY c.call_id",
            rs->id, f, err);
        if (q && zj_db_bind_int64(q, 6, sample_id) != ZJ_DB_OK) {
            zj_db_finalize(q);
            return zj_store_error(st, err, "cannot prepare a review query");
        }
    } else {
        q = zj_report_query(st,
                            reviewed_only
                                ? "SELECT " CALL_COLUMNS " FROM calls c WHERE c.ruleset_id = ?1"
                                  " AND c.call_id IN (SELECT call_id FROM reviews WHERE"
                                  " ruleset_id = ?1)" ZJ_CALL_FILTER_REST " ORDER BY c.call_id"
                                : "SELECT " CALL_COLUMNS
                                  " FROM calls c WHERE c.ruleset_id = ?1" ZJ_CALL_FILTER_REST
                                  " ORDER BY c.call_id",
                            rs->id, f, err);
    }
    if (!q)
        return err->status;
    int rc;
    zj_status s = ZJ_OK;
    while (s == ZJ_OK && (rc = zj_db_step(q)) == ZJ_DB_ROW)
        s = add_call(&c, rs, q, reviews, lazy);
    zj_db_finalize(q);
    ctx_done(&c);
    if (s == ZJ_OK && rc != ZJ_DB_DONE)
        s = zj_store_error(st, err, "cannot read the calls under review");
    return s;
}

static zj_status sqlite_call(void *self, const zj_rs_ruleset *rs, const char *call_id,
                             zj_review_data *out, zj_error *err)
{
    zj_store *st = self;
    rv_ctx c = {.st = st, .d = out, .err = err};
    zj_stmt *q;
    zj_status cs = read_caps(&c, rs);
    if (cs != ZJ_OK)
        return cs;
    if (zj_db_prepare_v2(zj_store_db(st),
                         "SELECT " CALL_COLUMNS " FROM calls c WHERE c.call_id = ?1 AND"
                         " c.ruleset_id = ?2",
                         -1, &q, NULL) != ZJ_DB_OK)
        return zj_store_error(st, err, "cannot read the call");
    zj_db_bind_text(q, 1, call_id, -1, ZJ_DB_STATIC);
    zj_db_bind_int64(q, 2, rs->id);
    int rc = zj_db_step(q);
    zj_status s = rc == ZJ_DB_ROW ? add_call(&c, rs, q, has_reviews(st), false)
                  : rc == ZJ_DB_DONE
                      ? zj_error_set(err, ZJ_ERR_NOTFOUND, NULL, 0, 0,
                                     "no call '%s' was scored with rule set %s", call_id, rs->label)
                      : zj_store_error(st, err, "cannot read the call");
    zj_db_finalize(q);
    ctx_done(&c);
    return s;
}

static zj_status sqlite_rule(void *self, const zj_rs_ruleset *rs, const char *rule_id,
                             zj_rv_rule *out, zj_error *err)
{
    zj_store *st = self;
    zj_stmt *q;
    memset(out, 0, sizeof *out);
    if (zj_db_prepare_v2(zj_store_db(st),
                         "SELECT points, fatal, kind FROM rules WHERE ruleset_id = ?1 AND"
                         " rule_id = ?2",
                         -1, &q, NULL) != ZJ_DB_OK)
        return zj_store_error(st, err, "cannot read the rules");
    zj_db_bind_int64(q, 1, rs->id);
    zj_db_bind_text(q, 2, rule_id, -1, ZJ_DB_STATIC);
    int rc = zj_db_step(q);
    if (rc == ZJ_DB_ROW) {
        out->found = true;
        /* A rule's points are a magnitude: what it costs when it applies. */
        out->points = -zj_db_column_int(q, 0);
        out->fatal = zj_db_column_int(q, 1) != 0;
    }
    zj_db_finalize(q);
    return rc == ZJ_DB_ROW || rc == ZJ_DB_DONE ? ZJ_OK
                                               : zj_store_error(st, err, "cannot read the rules");
}

static int bind_text(zj_stmt *q, int i, const char *s)
{
    return s && *s ? zj_db_bind_text(q, i, s, -1, ZJ_DB_STATIC) : zj_db_bind_null(q, i);
}

static int bind_int(zj_stmt *q, int i, long v, bool has)
{
    return has ? zj_db_bind_int64(q, i, v) : zj_db_bind_null(q, i);
}

static zj_status sqlite_write(void *self, zj_status (*body)(void *ctx, zj_error *err), void *ctx,
                              zj_error *err)
{
    zj_store *st = self;
    zj_db *db = zj_store_db(st);
    if (!has_reviews(st))
        return zj_error_set(err, ZJ_ERR_USAGE, NULL, 0, 0,
                            "this database has no review table: open it for writing with this "
                            "version of zhijian first (e.g. zhijian db check)");
    /* The write lock before body reads anything: a check it makes (no
     * ruling yet, say) still holds when its events are inserted. */
    if (zj_db_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != ZJ_DB_OK)
        return zj_store_error(st, err, "cannot record the review");
    zj_status s = body(ctx, err);
    if (s == ZJ_OK && zj_db_exec(db, "COMMIT", NULL, NULL, NULL) != ZJ_DB_OK)
        s = zj_store_error(st, err, "cannot record the review");
    if (s != ZJ_OK)
        zj_db_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return s;
}

static zj_status sqlite_append(void *self, const zj_rs_ruleset *rs, const zj_rv_event *events,
                               size_t n, int64_t *ids, zj_error *err)
{
    zj_store *st = self;
    zj_db *db = zj_store_db(st);
    zj_stmt *q = NULL;
    char now[32];
    zj_utc_now(now, true);
    int rc = zj_db_prepare_v2(
        db,
        "INSERT INTO reviews (at, actor, role, action, ruleset_id, call_id, rule_id, turn,"
        " span_start, span_end, text, category, points, fatal, decision, appeal_id, note)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7,"
        " ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
        -1, &q, NULL);
    for (size_t i = 0; rc == ZJ_DB_OK && i < n; i++) {
        const zj_rv_event *e = &events[i];
        bool add = e->action == ZJ_RV_ADD, rule = e->action == ZJ_RV_RULE;
        /* an appeal of an added finding names its category (review.c) */
        bool categorized = add || e->action == ZJ_RV_APPEAL;
        zj_db_reset(q);
        zj_db_clear_bindings(q);
        if ((rc = bind_text(q, 1, e->at && *e->at ? e->at : now)) == ZJ_DB_OK &&
            (rc = bind_text(q, 2, e->actor)) == ZJ_DB_OK &&
            (rc = bind_text(q, 3, e->role)) == ZJ_DB_OK &&
            (rc = zj_db_bind_text(q, 4, action_names[e->action], -1, ZJ_DB_STATIC)) == ZJ_DB_OK &&
            (rc = zj_db_bind_int64(q, 5, rs->id)) == ZJ_DB_OK &&
            (rc = bind_text(q, 6, e->call_id)) == ZJ_DB_OK &&
            (rc = bind_text(q, 7, e->rule_id)) == ZJ_DB_OK &&
            (rc = bind_int(q, 8, e->turn, !rule && e->turn >= 0)) == ZJ_DB_OK &&
            (rc = bind_int(q, 9, e->span_start, !rule && e->span_start >= 0)) == ZJ_DB_OK &&
            (rc = bind_int(q, 10, e->span_end, !rule && e->span_end >= 0)) == ZJ_DB_OK &&
            (rc = bind_text(q, 11, add ? e->text : NULL)) == ZJ_DB_OK &&
            (rc = bind_text(q, 12, categorized ? e->category : NULL)) == ZJ_DB_OK &&
            (rc = bind_int(q, 13, e->points, add)) == ZJ_DB_OK &&
            (rc = bind_int(q, 14, e->fatal, add)) == ZJ_DB_OK &&
            (rc = bind_text(q, 15, rule ? (e->overturn ? "overturned" : "upheld") : NULL)) ==
                ZJ_DB_OK &&
            (rc = bind_int(q, 16, (long)e->appeal_id, rule)) == ZJ_DB_OK &&
            (rc = bind_text(q, 17, e->note)) == ZJ_DB_OK) {
            rc = zj_db_step(q) == ZJ_DB_DONE ? ZJ_DB_OK : ZJ_DB_ERROR;
            if (rc == ZJ_DB_OK && ids)
                ids[i] = zj_db_last_insert_rowid(db);
        }
    }
    zj_status s = ZJ_OK;
    if (rc != ZJ_DB_OK)
        s = zj_store_error(st, err, "cannot record the review");
    zj_db_finalize(q);
    return s;
}

static zj_status sqlite_event(void *self, const zj_rs_ruleset *rs, int64_t id, zj_review_data *d,
                              zj_rv_event *out, zj_error *err)
{
    zj_store *st = self;
    rv_ctx c = {.st = st, .d = d, .err = err};
    if (!has_reviews(st))
        return zj_error_set(err, ZJ_ERR_NOTFOUND, NULL, 0, 0, "no review event %lld",
                            (long long)id);
    zj_stmt *q;
    if (zj_db_prepare_v2(zj_store_db(st),
                         "SELECT " EVENT_COLUMNS " FROM reviews WHERE id = ?1 AND ruleset_id = ?2",
                         -1, &q, NULL) != ZJ_DB_OK)
        return zj_store_error(st, err, "cannot read the reviews");
    zj_db_bind_int64(q, 1, id);
    zj_db_bind_int64(q, 2, rs->id);
    int rc = zj_db_step(q);
    if (rc == ZJ_DB_ROW)
        read_event(&c, q, out);
    zj_db_finalize(q);
    if (rc == ZJ_DB_DONE)
        return zj_error_set(err, ZJ_ERR_NOTFOUND, NULL, 0, 0,
                            "no review event %lld for rule set %s", (long long)id, rs->label);
    if (rc != ZJ_DB_ROW)
        return zj_store_error(st, err, "cannot read the reviews");
    return c.lost ? zj_error_set(err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory") : ZJ_OK;
}

static zj_status sqlite_samples(void *self, const zj_rs_ruleset *rs, zj_rv_sample **out, size_t *n,
                                zj_str_pool *pool, zj_error *err)
{
    zj_store *st = self;
    zj_stmt *q;
    *out = NULL;
    *n = 0;
    if (zj_db_prepare_v2(zj_store_db(st),
                         "SELECT id, created_at, method, lot_size, sample_size FROM samples"
                         " WHERE ruleset_id = ?1 ORDER BY id DESC",
                         -1, &q, NULL) != ZJ_DB_OK)
        return zj_store_error(st, err, "cannot read the samples");
    zj_db_bind_int64(q, 1, rs->id);
    size_t cap = 0;
    bool lost = false;
    int rc;
    while ((rc = zj_db_step(q)) == ZJ_DB_ROW) {
        if (*n == cap) {
            size_t k = cap ? cap * 2 : 16;
            zj_rv_sample *p = realloc(*out, k * sizeof *p);
            if (!p) {
                lost = true;
                break;
            }
            *out = p;
            cap = k;
        }
        zj_rv_sample *x = &(*out)[(*n)++];
        x->id = zj_db_column_int64(q, 0);
        x->created_at = zj_pool_str(pool, zj_col(q, 1), &lost);
        x->method = zj_pool_str(pool, zj_col(q, 2), &lost);
        x->lot_size = zj_db_column_int64(q, 3);
        x->sample_size = zj_db_column_int64(q, 4);
    }
    zj_db_finalize(q);
    if (lost)
        return zj_error_set(err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory");
    return rc == ZJ_DB_DONE ? ZJ_OK : zj_store_error(st, err, "cannot read the samples");
}

static zj_status sqlite_sample_state(void *self, const zj_rs_ruleset *rs, int64_t id,
                                     zj_rv_sample_state *out, zj_error *err)
{
    zj_store *st = self;
    zj_stmt *q;
    memset(out, 0, sizeof *out);
    out->accept_n = out->reject_n = -1;
    bool decisions = zj_store_has_table(st, "sample_decisions");
    if (zj_db_prepare_v2(zj_store_db(st),
                         decisions ? "SELECT s.aql IS NOT NULL, s.accept_n, s.reject_n, d.decision,"
                                     " d.reviewed, d.nonconforming, d.closed_by, d.closed_at"
                                     " FROM samples s LEFT JOIN sample_decisions d ON d.sample_id ="
                                     " s.id WHERE s.id = ?2 AND s.ruleset_id = ?1"
                                   : "SELECT aql IS NOT NULL, accept_n, reject_n, NULL, 0, 0, NULL,"
                                     " NULL FROM samples WHERE id = ?2 AND ruleset_id = ?1",
                         -1, &q, NULL) != ZJ_DB_OK)
        return zj_store_error(st, err, "cannot read the samples");
    zj_db_bind_int64(q, 1, rs->id);
    zj_db_bind_int64(q, 2, id);
    int rc = zj_db_step(q);
    if (rc == ZJ_DB_ROW) {
        if (zj_db_column_int(q, 0)) {
            out->accept_n = zj_db_column_int64(q, 1);
            out->reject_n = zj_db_column_int64(q, 2);
        }
        if (zj_db_column_type(q, 3) != ZJ_DB_NULL) {
            out->closed = true;
            snprintf(out->decision, sizeof out->decision, "%s", zj_col(q, 3));
            out->reviewed = zj_db_column_int64(q, 4);
            out->nonconforming = zj_db_column_int64(q, 5);
            snprintf(out->closed_by, sizeof out->closed_by, "%s", zj_col(q, 6));
            snprintf(out->closed_at, sizeof out->closed_at, "%s", zj_col(q, 7));
        }
    }
    zj_db_finalize(q);
    if (rc == ZJ_DB_DONE)
        return zj_error_set(err, ZJ_ERR_NOTFOUND, NULL, 0, 0,
                            "no sample %lld was saved for rule set %s", (long long)id, rs->label);
    return rc == ZJ_DB_ROW ? ZJ_OK : zj_store_error(st, err, "cannot read the samples");
}

static zj_status sqlite_close_sample(void *self, const zj_rs_ruleset *rs, int64_t id,
                                     const zj_rv_sample_state *decided, zj_error *err)
{
    zj_store *st = self;
    (void)rs;
    if (!zj_store_has_table(st, "sample_decisions"))
        return zj_error_set(err, ZJ_ERR_USAGE, NULL, 0, 0,
                            "this database cannot record sample decisions: open it for writing "
                            "with this version of zhijian first");
    zj_stmt *q;
    if (zj_db_prepare_v2(zj_store_db(st),
                         "INSERT INTO sample_decisions (sample_id, decision, reviewed,"
                         " nonconforming, closed_by, closed_at) VALUES (?1, ?2, ?3, ?4, ?5,"
                         " ?6)",
                         -1, &q, NULL) != ZJ_DB_OK)
        return zj_store_error(st, err, "cannot record the sample's decision");
    zj_db_bind_int64(q, 1, id);
    zj_db_bind_text(q, 2, decided->decision, -1, ZJ_DB_STATIC);
    zj_db_bind_int64(q, 3, decided->reviewed);
    zj_db_bind_int64(q, 4, decided->nonconforming);
    zj_db_bind_text(q, 5, decided->closed_by, -1, ZJ_DB_STATIC);
    char now[32];
    zj_utc_now(now, false);
    zj_db_bind_text(q, 6, now, -1, ZJ_DB_TRANSIENT);
    int rc = zj_db_step(q);
    int code = zj_db_extended_errcode(zj_store_db(st));
    zj_db_finalize(q);
    if (rc == ZJ_DB_DONE)
        return ZJ_OK;
    if (code == ZJ_DB_CONSTRAINT_PRIMARYKEY)
        return zj_error_set(err, ZJ_ERR_USAGE, NULL, 0, 0, "sample %lld is closed already",
                            (long long)id);
    return zj_store_error(st, err, "cannot record the sample's decision");
}

static zj_status sqlite_vanished(void *self, const zj_rs_ruleset *rs, const zj_report_filter *f,
                                 const char *call_id, zj_rv_vanished **out, size_t *n,
                                 zj_str_pool *pool, zj_error *err)
{
    zj_store *st = self;
    *out = NULL;
    *n = 0;
    if (!has_reviews(st))
        return ZJ_OK;
    /* The latest verdict per finding and rule set reviewed under, then the
     * ones the current results of the call do not have: reviewed under an
     * earlier rule set, or under this one before the call was scored again
     * (an ASR correction moves a finding's span). */
    zj_stmt *q = zj_report_query(
        st,
        "WITH v AS (SELECT r.call_id AS call_id, r.ruleset_id AS rid, r.rule_id AS rule_id,"
        " coalesce(r.turn, -1) AS turn, coalesce(r.span_start, -1) AS a,"
        " coalesce(r.span_end, -1) AS b,"
        " CASE WHEN r.action = 'appeal' THEN 1 ELSE 0 END AS appeal, max(r.id) AS last"
        " FROM reviews r"
        " WHERE r.action IN ('confirm', 'reject', 'appeal') AND r.rule_id IS NOT NULL"
        " GROUP BY 1, 2, 3, 4, 5, 6, 7)"
        " SELECT v.call_id, s.name || '@' || s.version, v.rule_id, v.turn, v.a, v.b, x.action,"
        " coalesce(ru.decision, '')"
        " FROM v JOIN reviews x ON x.id = v.last JOIN rulesets s ON s.id = v.rid"
        " LEFT JOIN reviews ru ON ru.action = 'rule' AND ru.appeal_id = v.last"
        " JOIN calls c ON c.call_id = v.call_id AND c.ruleset_id = ?1"
        " WHERE (CAST(?6 AS TEXT) IS NULL OR c.call_id = ?6)" ZJ_CALL_FILTER_REST
        " AND NOT EXISTS (SELECT 1 FROM findings f WHERE f.call_row = c.id"
        " AND f.rule_id = v.rule_id AND coalesce(f.turn, -1) = v.turn"
        " AND coalesce(f.span_start, -1) = v.a AND coalesce(f.span_end, -1) = v.b)"
        /* a finding an inspector added to the current result is not lost */
        " AND NOT EXISTS (SELECT 1 FROM reviews ad WHERE ad.action = 'add'"
        " AND ad.ruleset_id = ?1 AND ad.call_id = v.call_id AND ad.rule_id = v.rule_id"
        " AND coalesce(ad.turn, -1) = v.turn AND coalesce(ad.span_start, -1) = v.a"
        " AND coalesce(ad.span_end, -1) = v.b)"
        " ORDER BY v.call_id, 2, v.rule_id, v.turn, v.a, v.appeal",
        rs->id, f, err);
    if (!q)
        return err->status;
    if ((call_id ? zj_db_bind_text(q, 6, call_id, -1, ZJ_DB_STATIC) : zj_db_bind_null(q, 6)) !=
        ZJ_DB_OK) {
        zj_db_finalize(q);
        return zj_store_error(st, err, "cannot read the reviews");
    }
    size_t cap = 0;
    bool lost = false;
    int rc;
    while ((rc = zj_db_step(q)) == ZJ_DB_ROW) {
        if (!zj_grow((void **)out, *n, &cap, sizeof **out)) {
            lost = true;
            break;
        }
        zj_rv_vanished *x = &(*out)[(*n)++];
        x->call_id = zj_pool_col(pool, q, 0, &lost);
        x->ruleset = zj_pool_col(pool, q, 1, &lost);
        x->rule_id = zj_pool_col(pool, q, 2, &lost);
        x->turn = zj_db_column_int(q, 3);
        x->span_start = zj_db_column_int64(q, 4);
        x->span_end = zj_db_column_int64(q, 5);
        x->action = action_of(zj_col(q, 6));
        x->decision = zj_pool_col(pool, q, 7, &lost);
    }
    zj_db_finalize(q);
    if (lost)
        return zj_error_set(err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory");
    return rc == ZJ_DB_DONE ? ZJ_OK : zj_store_error(st, err, "cannot read the reviews");
}

static const zj_review_store_ops sqlite_review_ops = {
    .vanished = sqlite_vanished,
    .sample_state = sqlite_sample_state,
    .close_sample = sqlite_close_sample,
    .samples = sqlite_samples,
    .calls = sqlite_calls,
    .call = sqlite_call,
    .rule = sqlite_rule,
    .write = sqlite_write,
    .append = sqlite_append,
    .event = sqlite_event,
};

zj_review_store zj_review_store_sql(zj_store *st)
{
    return (zj_review_store){&sqlite_review_ops, st};
}
