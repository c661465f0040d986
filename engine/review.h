/* review.h — human review of stored findings: the rows review code reads and
 * the one ops table a store answers them through (review_sql.c for the
 * SQLite and PostgreSQL stores). Every human action is an append-only event; machine
 * findings are never changed. Internal to the engine. */
#ifndef ZJ_REVIEW_H
#define ZJ_REVIEW_H

#include "report_source.h"

/* A machine finding a reviewer can confirm or reject: a forbidden
 * expression said (quoted ones too), a metric failed, a required phrase
 * missing at a cost. Identified across re-scoring by rule, turn and span. */
typedef struct zj_rv_finding {
    const char *rule_id, *title, *clause, *kind, *outcome, *text; /* "" when none */
    int turn;                                                     /* 0-based; -1: none */
    long span_start, span_end;                                    /* code points; -1: none */
    int points; /* as scored: 0 for a quoted hit and for hits past max_points */
    bool fatal;
    bool quoted; /* said inside quoted or reported speech */
} zj_rv_finding;

/* One human action. */
typedef enum zj_rv_action {
    ZJ_RV_CONFIRM, /* an inspector confirms a machine finding */
    ZJ_RV_REJECT,  /* an inspector rejects it: the engine was wrong */
    ZJ_RV_ADD,     /* an inspector adds a finding the engine missed */
    ZJ_RV_APPEAL,  /* the call's agent appeals a finding */
    ZJ_RV_RULE     /* a supervisor rules on an appeal */
} zj_rv_action;

typedef struct zj_rv_event {
    int64_t id;     /* order of recording; set by the store */
    const char *at; /* UTC ISO 8601; set by the store when NULL */
    const char *actor;
    const char *role; /* inspector, supervisor, agent */
    zj_rv_action action;
    const char *call_id;
    const char *rule_id; /* the finding's rule; an added finding may have none */
    int turn;            /* the finding's identity, as zj_rv_finding; -1: none */
    long span_start, span_end;
    const char *text;     /* an added finding's words */
    const char *category; /* an added finding without a rule */
    int points;           /* an added finding's points (its rule's, negative) */
    bool fatal;           /* an added finding of a fatal rule */
    bool overturn;        /* ZJ_RV_RULE: the appeal is granted */
    int64_t appeal_id;    /* ZJ_RV_RULE: the appeal ruled on */
    const char *note;     /* reason or comment */
} zj_rv_event;

/* A call under review with its findings and events (ranges of the data's
 * arrays, events in recording order). */
typedef struct zj_rv_call {
    const char *call_id, *agent_id, *agent_name, *started_at; /* "" when none */
    int score;                                                /* the machine's */
    long sum_points; /* of all its findings (score = clamp(base + sum)) */
    bool passed, fatal;
    size_t first_finding, n_findings;
    size_t first_event, n_events;
} zj_rv_call;

/* A rule with max_points: its findings' standing decides how much of the
 * cap they use, so a final score recomputes the rule's deduction. */
typedef struct zj_rv_cap {
    const char *rule_id;
    int points;     /* what one hit costs (magnitude) */
    int max_points; /* the most its hits cost in one call */
} zj_rv_cap;

typedef struct zj_review_data {
    zj_rv_call *calls; /* by call id */
    size_t n_calls;
    zj_rv_finding *findings;
    size_t n_findings;
    zj_rv_event *events;
    size_t n_events;
    zj_rv_cap *caps; /* the rule set's rules with max_points */
    size_t n_caps;
    bool caps_read;
    size_t cap_calls, cap_findings, cap_events, cap_caps; /* allocated */
    zj_str_pool pool;
} zj_review_data;

void zj_review_data_free(zj_review_data *d);

/* A rule's place in the rule set, for added findings and appeals. */
typedef struct zj_rv_rule {
    bool found;
    int points; /* negative for a rule that costs points */
    bool fatal;
} zj_rv_rule;

/* A saved review sample, as the review pages list them. */
typedef struct zj_rv_sample {
    int64_t id;
    const char *created_at, *method; /* UTC; "ISO 2859-1" or "fixed n" */
    long lot_size, sample_size;
} zj_rv_sample;

/* A finding reviewed that the current results of the call, under the rule
 * set asked about, no longer have: reviewed under an earlier rule set, or
 * under this one before the call was scored again. */
typedef struct zj_rv_vanished {
    const char *call_id, *ruleset, *rule_id; /* ruleset: name@version reviewed under */
    int turn;                                /* 0-based; -1: none */
    long span_start, span_end;
    zj_rv_action action; /* the latest verdict there (confirm or reject), or an appeal */
    const char *decision; /* an appeal's ruling: "upheld", "overturned", "" while open */
} zj_rv_vanished;

/* How a vanished verdict or appeal reads: 复核：驳回, 申诉：成立… (text) and
 * rejected, appeal_overturned… (JSON). */
const char *zj_rv_vanished_word(const zj_rv_vanished *v);
const char *zj_rv_vanished_key(const zj_rv_vanished *v);

/* A sample's plan and recorded decision. */
typedef struct zj_rv_sample_state {
    long accept_n, reject_n; /* -1: no AQL plan */
    bool closed;
    char decision[16];            /* accept or reject, once closed */
    long reviewed, nonconforming; /* when it was closed */
    char closed_by[128], closed_at[32];
} zj_rv_sample_state;

typedef struct zj_review_store_ops {
    /* The findings confirmed or rejected (under rs or another rule set) in
     * calls the filter selects for rs, that rs's current results no longer
     * have (by rule, turn and span), by call id (strings in pool); call_id:
     * only that call's. */
    zj_status (*vanished)(void *self, const zj_rs_ruleset *rs, const zj_report_filter *f,
                          const char *call_id, zj_rv_vanished **out, size_t *n, zj_str_pool *pool,
                          zj_error *err);
    /* The rule set's saved samples, newest first (strings in pool). */
    zj_status (*samples)(void *self, const zj_rs_ruleset *rs, zj_rv_sample **out, size_t *n,
                         zj_str_pool *pool, zj_error *err);
    /* The calls of saved sample sample_id (> 0), else those the filter
     * selects that have review events (reviewed_only) or all of them, with
     * their events and reviewable findings — with lazy, the findings only of
     * the calls that have events (the others' final score is the machine's:
     * a page of a large sample reads little). */
    zj_status (*calls)(void *self, const zj_rs_ruleset *rs, const zj_report_filter *f,
                       int64_t sample_id, bool reviewed_only, bool lazy, zj_review_data *out,
                       zj_error *err);
    /* One call (out zeroed); ZJ_ERR_NOTFOUND when the rule set has no result
     * for it. */
    zj_status (*call)(void *self, const zj_rs_ruleset *rs, const char *call_id, zj_review_data *out,
                      zj_error *err);
    /* Saved sample id's plan and, once closed, its recorded decision;
     * ZJ_ERR_NOTFOUND when there is none. */
    zj_status (*sample_state)(void *self, const zj_rs_ruleset *rs, int64_t id,
                              zj_rv_sample_state *out, zj_error *err);
    /* Records sample id closed with its decision (once: ZJ_ERR_USAGE when it
     * is closed already). */
    zj_status (*close_sample)(void *self, const zj_rs_ruleset *rs, int64_t id,
                              const zj_rv_sample_state *decided, zj_error *err);
    /* A rule of the rule set. */
    zj_status (*rule)(void *self, const zj_rs_ruleset *rs, const char *rule_id, zj_rv_rule *out,
                      zj_error *err);
    /* Runs body in one write transaction, the store's write lock taken
     * first: what body reads to decide (no ruling on the appeal yet, the
     * added findings so far) no other writer changes before body's events
     * are recorded. Nothing is recorded when body fails. */
    zj_status (*write)(void *self, zj_status (*body)(void *ctx, zj_error *err), void *ctx,
                       zj_error *err);
    /* Records events, in order, inside write's transaction (only there);
     * ids[i] their ids (may be NULL). */
    zj_status (*append)(void *self, const zj_rs_ruleset *rs, const zj_rv_event *events, size_t n,
                        int64_t *ids, zj_error *err);
    /* An event by id (out->... strings owned by d's pool). */
    zj_status (*event)(void *self, const zj_rs_ruleset *rs, int64_t id, zj_review_data *d,
                       zj_rv_event *out, zj_error *err);
} zj_review_store_ops;

typedef struct zj_review_store {
    const zj_review_store_ops *ops;
    void *self;
} zj_review_store;

zj_review_store zj_review_store_sql(zj_store *st);

/* ---------------------------------------------------------- judging */

typedef enum zj_rv_verdict { ZJ_RV_UNREVIEWED, ZJ_RV_CONFIRMED, ZJ_RV_REJECTED } zj_rv_verdict;
typedef enum zj_rv_appeal {
    ZJ_RV_NO_APPEAL,
    ZJ_RV_APPEAL_OPEN,
    ZJ_RV_APPEAL_UPHELD,    /* the finding stands */
    ZJ_RV_APPEAL_OVERTURNED /* the finding is withdrawn */
} zj_rv_appeal;

/* The standing of a finding of call c (by its identity) after its events:
 * the latest inspector verdict, then the ruling on its latest appeal. */
typedef struct zj_rv_state {
    zj_rv_verdict verdict; /* the inspector's */
    zj_rv_appeal appeal;
    const char *reviewer; /* of the latest verdict, or NULL */
    const char *note;     /* the latest verdict's note, or NULL */
    bool withdrawn;       /* rejected, or overturned on appeal */
    int64_t appeal_id;    /* the latest appeal's event id, or 0 */
} zj_rv_state;

zj_rv_state zj_rv_state_of(const zj_review_data *d, const zj_rv_call *c, const char *rule_id,
                           int turn, long span_start, long span_end);
/* Whether event i of d (one of c's) adds a finding: the first add event of
 * its rule, place and category (later ones repeat it). */
bool zj_rv_adds_finding(const zj_review_data *d, const zj_rv_call *c, size_t i);
/* The standing of the finding add adds: added findings of two categories
 * at one place are two findings, each with its own appeal. */
zj_rv_state zj_rv_added_state(const zj_review_data *d, const zj_rv_call *c, const zj_rv_event *add);

/* The call's score after review: the machine findings not withdrawn and
 * the added ones not overturned, as the engine scores (clamp(base + sum of
 * points)); fatal when one of them is. */
typedef struct zj_rv_final {
    int score;
    bool passed, fatal;
    long confirmed, rejected, added, appeals_open;
    bool reviewed; /* an inspector acted on the call */
} zj_rv_final;

zj_rv_final zj_rv_final_of(const zj_review_data *d, const zj_rv_call *c, const zj_rs_ruleset *rs);

/* A sample's ISO 2859-1 decision from its reviewed calls (d: the sample's
 * calls): reject once the calls failing after review reach Re, accept when
 * all are reviewed and at most Ac fail; decision NULL without an AQL plan. */
typedef struct zj_rv_decision {
    long calls, reviewed, nonconforming, changed, appeals_open;
    long accept_n, reject_n;  /* -1: no plan */
    const char *decision;     /* "accept", "reject", "incomplete", or NULL */
    zj_rv_sample_state state; /* closed: the decision recorded then */
} zj_rv_decision;

zj_status zj_rv_decide(zj_store *st, const zj_rs_ruleset *rs, int64_t sample_id,
                       const zj_review_data *d, zj_rv_decision *out, zj_error *err);

/* Review coverage, appeals and calibration over the reviewed calls the
 * filter selects, for the audit report. */
typedef struct zj_review_summary {
    long reviewed_calls;             /* calls an inspector acted on */
    long confirmed, rejected, added; /* findings' final standing; findings added */
    long changed;                    /* reviewed calls whose score or verdict changed */
    long appeals, appeals_open, upheld, overturned;
    double precision;         /* confirmed / (confirmed + rejected); NAN: none judged */
    double k_engine, k_inter; /* Cohen's kappa; NAN: not computable */
    long units, pairs;
} zj_review_summary;

zj_status zj_review_summary_of(zj_store *st, const zj_rs_ruleset *rs, const zj_report_filter *f,
                               zj_review_summary *out, zj_error *err);

/* Text as the review pages show it (review_page.c). HTML cannot hold C0
 * and C1 control characters, and a bidi control would make the browser show
 * a reordered sentence: each is shown as the terminal shows it (\x01,
 * \u0085, \u202e; zj_escape_cp), and browsers read CR LF and a lone CR as
 * one LF. The code point at s (n bytes left) is *k bytes long and shown as
 * the returned number of bytes written to shown: 0 for the CR of a CR LF. */
size_t zj_rv_shown_cp(const char *s, size_t n, size_t *k, char shown[ZJ_ESC_MAX]);
/* Appends the string s (NULL: nothing) to out as shown, HTML-escaped. */
void zj_rv_html_escape(zj_buf *out, const char *s);
/* The stored code points [*a, *b) of text (len bytes) whose shown form at
 * code points [shown_a, shown_b) is quote: a span counted in the text a
 * page shows (a browser's selection), turned into the stored text's. A
 * selection starting or ending inside an escape takes its whole control
 * character. 1 when it fits, 0 when not, -1 when out of memory. */
int zj_rv_span_of_shown(const char *text, size_t len, long shown_a, long shown_b, const char *quote,
                        long *a, long *b);

#endif
