/* report_source.h — the report data layer: typed rows a report is built
 * from, and the one ops table a store answers them through. Report code
 * (report_scorecard.c and the renderers) sees rows, never SQL; the store's
 * SQL backend (report_source_sql.c, one text of each query for SQLite and
 * PostgreSQL through db.h) owns the queries, so that another kind of store
 * or a web UI can answer or use the same table. Internal to the engine. */
#ifndef ZJ_REPORT_SOURCE_H
#define ZJ_REPORT_SOURCE_H

#include "internal.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The rule set a report is over. */
typedef struct zj_rs_ruleset {
    int64_t id; /* the backend's key; only passed back to it */
    char name[128];
    char version[64];
    char label[300]; /* "name@version" */
    char sha256[65];
    char title[256]; /* the standard's title, "" when the rule set gives none */
    int base, pass;  /* the scoring base and the pass mark */
} zj_rs_ruleset;

/* Strings a report's rows point to, freed with the rows. */
typedef struct zj_str_pool {
    char **strings;
    size_t n, cap;
} zj_str_pool;

/* A copy of s owned by pool (NULL for NULL, and on out of memory with
 * *failed set). */
const char *zj_pool_str(zj_str_pool *pool, const char *s, bool *failed);
void zj_pool_free(zj_str_pool *pool);

/* For the SQL backend: column i of q as a string owned by pool (NULL
 * for SQL NULL; *failed set when a value is lost to memory). */
const char *zj_pool_col(zj_str_pool *pool, zj_stmt *q, int i, bool *failed);

/* Totals over every call the filter selects. Dates are ISO local dates. */
typedef struct zj_sc_totals {
    long calls, passed, fatal;
    double mean_score;
    const char *first_date, *last_date; /* NULL when no call has a date */
} zj_sc_totals;

typedef struct zj_sc_grade {
    const char *grade;
    long calls;
} zj_sc_grade;

/* A rule that cost the group points, with one quoted example. */
typedef struct zj_sc_problem {
    const char *rule_id, *title; /* title: the rule's Chinese title, else its id */
    const char *clause;          /* NULL when the rule cites none */
    const char *severity;        /* critical, major, minor, or NULL */
    const char *outcome;         /* the lowest outcome, e.g. hit, missing */
    const char *example_call;    /* NULL when no finding quoted text */
    const char *example_text;
    long count, points; /* points: the sum, negative */
    bool fatal;
} zj_sc_problem;

typedef struct zj_sc_week {
    const char *week; /* ISO week "2026-W45"; NULL for calls without a date */
    long calls, passed;
    double mean_score;
} zj_sc_week;

typedef struct zj_sc_call {
    const char *call_id, *grade;
    const char *date; /* NULL when the call has no date */
    int score;
    bool fatal;
} zj_sc_call;

/* One agent or team. Its grades, problems, weeks and worst calls are the
 * ranges [first_x, first_x + n_x) of the scorecard's arrays. */
typedef struct zj_sc_group {
    const char *key;        /* agent id or team as shown, "(未知坐席)" / "(未分组)" */
    bool key_known;         /* false for the calls without an agent id / team */
    const char *agent_name; /* NULL when none is stored (and for teams) */
    const char *team;       /* the agent's team, NULL when none is stored */
    long calls, passed, fatal;
    double mean_score, median_score;
    size_t first_grade, n_grades;
    size_t first_problem, n_problems; /* ranked: fatal, severity, points, count, id */
    size_t first_week, n_weeks;       /* by week */
    size_t first_worst, n_worst;      /* up to 3, lowest score first */
} zj_sc_group;

/* Everything a scorecard shows. The strings live in `strings` and are freed
 * with the data by zj_scorecard_data_free. */
typedef struct zj_scorecard_data {
    zj_rs_ruleset ruleset;
    zj_sc_totals totals;
    zj_sc_group *groups; /* by key */
    size_t n_groups;
    zj_sc_grade *grades;
    size_t n_grades;
    zj_sc_problem *problems;
    size_t n_problems;
    zj_sc_week *weeks;
    size_t n_weeks;
    zj_sc_call *worst;
    size_t n_worst;
    zj_str_pool pool;
} zj_scorecard_data;

void zj_scorecard_data_free(zj_scorecard_data *d);

/* ------------------------------------------------------ charts */

/* An agent's calls and mean score. */
typedef struct zj_dist_agent {
    const char *agent_id;   /* NULL for the calls without one */
    const char *agent_name; /* NULL when none is stored */
    long calls;
    double mean_score;
} zj_dist_agent;

#define ZJ_SCORE_BINS 10 /* at most */

/* What the charts draw over every call the filter selects: calls per
 * score, the weekly trend and each agent's mean. */
typedef struct zj_distribution {
    int base;                   /* the rule set's scoring base: the charts' score scale */
    long by_bin[ZJ_SCORE_BINS]; /* calls per score bin of base (zj_score_bin) */
    zj_sc_week *weeks;  /* by ISO week; the calls without a date (week NULL) first */
    size_t n_weeks;
    zj_dist_agent *agents; /* by agent id, the calls without one first */
    size_t n_agents;
    zj_str_pool pool;
} zj_distribution;

void zj_distribution_free(zj_distribution *d);

/* The score bins of a scale 0..base: ten (base's points when it is under
 * ten), bin i from zj_score_bin_low(i) to the next one's low - 1, the last
 * closed at base (0–9 … 80–89, 90–100 for base 100). A score outside
 * 0..base is counted in the bin at its end. */
size_t zj_score_bins(int base);
size_t zj_score_bin(int64_t score, int base);
int zj_score_bin_low(size_t i, int base);
/* Charts both reports draw (report_figures.c), on the scale 0..dist->base.
 * The score histogram in zj_score_bins with the pass line: */
void zj_chart_score_histogram(zj_doc *d, const zj_distribution *dist, int pass_mark);
/* The weekly mean score: one line per group of sc when it has 2..max_lines
 * groups, else one line over every call (sc may be NULL). */
void zj_chart_weekly_trend(zj_doc *d, const zj_distribution *dist, const zj_scorecard_data *sc,
                           size_t max_lines, int pass_mark);

/* ------------------------------------------------------ audit report rows */

/* A rule with nonconformities in the selection: a forbidden expression said
 * (hit) or a required phrase missing at a cost. */
typedef struct zj_au_finding {
    const char *rule_id;
    const char *clause, *title; /* "" when the rule gives none */
    const char *severity, *kind;
    long count, calls; /* findings, and the calls with one */
    bool fatal;
} zj_au_finding;

/* One example of a finding: the earliest by the call's time, call id and
 * the finding's order in the call. */
typedef struct zj_au_evidence {
    size_t finding; /* index into zj_audit_data.findings */
    const char *call_id;
    const char *agent_id, *agent_name, *started_at, *text; /* "" when not stored */
    const char *turn_text;     /* the turn quoted, NULL when no span or turn is stored */
    bool missing;              /* a required phrase not said (no quote) */
    int turn;                  /* 0-based as stored; -1: none */
    long span_start, span_end; /* code points in the turn; -1: none */
    int64_t value;             /* a metric's measure, in unit */
    const char *unit;          /* ms, chars/min, %, count; "" when no measure */
    int64_t started_utc_ms;    /* with seq, the order of examples (INT64_MIN: no time) */
    long seq;                  /* the finding's order in its call */
} zj_au_evidence;

/* A rule of the rule set as the criteria list it, in the rule set's order. */
typedef struct zj_au_criterion {
    const char *clause, *rule_id, *title, *kind, *severity; /* "" when none */
    int points;
    bool fatal;
} zj_au_criterion;

/* A saved review sample the report cites. */
typedef struct zj_au_sample {
    int64_t id;                       /* 0: the report cites no sample */
    const char *method, *level, *aql; /* level "" for a fixed n; aql NULL: none */
    const char *created_at, *filters_json;
    long lot_size, sample_size, accept_n, reject_n, n_calls;
    long long seed;
    const char **call_ids; /* the first n_listed of the sampled calls, by id */
    size_t n_listed;
    /* Once closed after review (zhijian review close): accept or reject, who
     * and when (UTC), and the counts then; decision NULL while open. */
    const char *decision, *closed_by, *closed_at;
    long closed_reviewed, closed_nonconforming;
} zj_au_sample;

/* What an audit report asks beyond the filter. */
typedef struct zj_audit_query {
    int64_t sample_id;              /* 0: cite no sample */
    const char *complaint_category; /* NULL: no complaint KPIs */
    size_t evidence_per_finding;    /* examples listed per finding */
    size_t sample_calls_listed;     /* sampled calls named */
} zj_audit_query;

/* Counts behind the audit report's KPIs. Findings that are not_applicable
 * or not_measurable count in none but metric_not_measurable. */
typedef struct zj_au_kpis {
    long forbidden_hits;
    long required_met, required_missing;   /* the required phrases that cost points */
    long complaint_calls, complaint_clean; /* clean: passed, no forbidden hit */
    long metric_met, metric_hit, metric_not_measurable;
    long handling_met, handling_failed; /* the complaint category's non-tag rules */
} zj_au_kpis;

/* Everything the audit report shows from the store. */
typedef struct zj_audit_data {
    long calls, agents, passed, fatal_calls;
    long calls_without_agent; /* not in agents: (未知坐席) is no one agent */
    double mean_score;
    const char *first_date, *last_date; /* NULL when no call has a date */
    const char **teams;                 /* by name, "(未分组)" for none */
    size_t n_teams;
    zj_au_finding *findings; /* by rule id */
    size_t n_findings;
    zj_au_kpis kpi;
    zj_au_evidence *evidence; /* by finding, earliest first */
    size_t n_evidence;
    zj_au_criterion *criteria;
    size_t n_criteria;
    zj_au_sample sample;
    zj_str_pool pool;
} zj_audit_data;

void zj_audit_data_free(zj_audit_data *d);

/* The lot a review sample is drawn from: every call the filter selects, by
 * agent id ("" for none) then call id. Strings are offsets into text (NUL
 * separated), which moves as it grows. */
typedef struct zj_lot_call {
    int64_t key;            /* the backend's key of the call */
    size_t id, agent, date; /* offsets into the lot's text; date "" when none */
    int score;
} zj_lot_call;

typedef struct zj_sample_lot {
    zj_lot_call *calls;
    size_t n, cap;
    zj_buf text;
} zj_sample_lot;

void zj_sample_lot_free(zj_sample_lot *lot);

/* A drawn sample to record. */
typedef struct zj_sample_record {
    const char *created_at; /* UTC, ISO 8601 */
    const char *method;     /* "ISO 2859-1" or "fixed n" */
    const char *level;      /* I, II, III; NULL for a fixed n */
    double aql;             /* 0: none */
    long lot_size, sample_size;
    int accept_n, reject_n; /* -1: no plan */
    uint64_t seed;
    const char *filters_json; /* {"from":...} with the filters given */
    size_t n_calls;
    const int64_t *call_keys; /* zj_lot_call.key of each sampled call */
    const char *const *agents;
} zj_sample_record;

/* What a store answers for the reports. Every function fills err and
 * returns its status on failure; self is the backend's own state. */
typedef struct zj_report_source_ops {
    /* The rule set of spec (NAME or NAME@VERSION; NULL: the newest with
     * results). ZJ_ERR_NOTFOUND when there is none. */
    zj_status (*ruleset)(void *self, const char *spec, zj_rs_ruleset *out, zj_error *err);
    /* ZJ_OK when the filter selects at least one scored call of the rule
     * set, else ZJ_ERR_NOTFOUND naming the filters and WHAT was not written. */
    zj_status (*require_calls)(void *self, const zj_rs_ruleset *rs, const zj_report_filter *f,
                               const char *what, zj_error *err);
    /* The whole scorecard grouped by agent or team; out->ruleset is set by
     * the caller. */
    zj_status (*scorecard)(void *self, const zj_report_filter *f, zj_group_by by,
                           zj_scorecard_data *out, zj_error *err);
    /* The lot of a review sample (out zeroed by the caller). */
    zj_status (*sample_lot)(void *self, const zj_rs_ruleset *rs, const zj_report_filter *f,
                            zj_sample_lot *out, zj_error *err);
    /* Records a sample and its calls in one transaction; *id its number. */
    zj_status (*save_sample)(void *self, const zj_rs_ruleset *rs, const zj_sample_record *r,
                             int64_t *id, zj_error *err);
    /* The score distribution, weekly totals and agents' means (out zeroed
     * by the caller). */
    zj_status (*distribution)(void *self, const zj_rs_ruleset *rs, const zj_report_filter *f,
                              zj_distribution *out, zj_error *err);
    /* The rule set's YAML as stored (its files in merge order, base first);
     * *yaml is the caller's to free. */
    zj_status (*ruleset_yaml)(void *self, const zj_rs_ruleset *rs, char **yaml, size_t *len,
                              zj_error *err);
    /* The audit report's rows (out zeroed by the caller). ZJ_ERR_NOTFOUND
     * when q->sample_id names no sample of the rule set. */
    zj_status (*audit)(void *self, const zj_rs_ruleset *rs, const zj_report_filter *f,
                       const zj_audit_query *q, zj_audit_data *out, zj_error *err);
} zj_report_source_ops;

typedef struct zj_report_source {
    const zj_report_source_ops *ops;
    void *self;
} zj_report_source;

/* The store (SQLite or PostgreSQL) as a report source (self is the store;
 * nothing to free). */
zj_report_source zj_report_source_sql(zj_store *st);

/* The SQL backend's audit rows (report_source_sql_audit.c), for its
 * ops table; aggregates: read the report aggregates (store_agg.h). */
zj_status zj_sql_audit(zj_store *st, bool aggregates, const zj_rs_ruleset *rs,
                          const zj_report_filter *f, const zj_audit_query *q, zj_audit_data *out,
                          zj_error *err);

#endif
