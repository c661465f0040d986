/* store_agg.h — the store's report aggregates (schema v7, offences v12),
 * internal to the SQL backend (store.c, store_agg.c, report_source_sql.c).
 *
 * An offence is what an audit counts against the agent: a finding of kind
 * 'forbidden' with outcome 'hit' that costs points (points < 0) or fails the
 * call (fatal = 1, as stored: never for a quoted hit; a fatal rule may cost
 * any points, so points alone would miss it). A forbidden hit that costs
 * nothing is not one: words the agent only quotes or reports (quoted = 1),
 * a hit beyond its rule's max_points, a rule of severity 'observation'.
 * `zhijian eval` counts the same findings as violations found.
 *
 * agg_calls: per rule set x local date x agent (id, name, team) x score,
 * grade, passed, fatal, the tag rules hit (comma-joined, sorted) and whether
 * the call has an offence (column `forbidden`): how many calls. A score
 * histogram per agent and day, so counts, sums, means and medians of any
 * date range, agent or team are exact sums over it.
 * agg_rules: per rule set x local date x agent (id, name, team) x rule x
 * outcome (with the finding's kind, severity, clause): findings, the calls
 * that have one, those with negative points and their calls and points, the
 * points, fatal, quoted and fuzzy findings, the calls that passed without an
 * offence, the offences and the calls with one, and the smallest
 * "call_id text" example of a finding that cost points.
 *
 * Scoring adds each call's contribution in memory (zj_agg_change) and writes
 * the sums at the commit of the same transaction (zj_agg_flush): the
 * aggregates always match the committed calls and findings. docs/store.md
 * lists which report figure each column answers. */
#ifndef ZJ_STORE_AGG_H
#define ZJ_STORE_AGG_H

#include "internal.h"

#include "db.h"
#include <stdbool.h>
#include <stdint.h>

/* Whether a finding is an offence (above), for findings aliased f and x. */
#define ZJ_OFFENCE_F                                                                               \
    " (f.kind = 'forbidden' AND f.outcome = 'hit' AND (f.points < 0 OR f.fatal = 1))"
#define ZJ_OFFENCE_X                                                                               \
    " (x.kind = 'forbidden' AND x.outcome = 'hit' AND (x.points < 0 OR x.fatal = 1))"

/* The tables and their indexes as the v7 migration creates them; v12 adds
 * agg_rules.offences and offence_calls (ZJ_AGG_OFFENCE_COLUMNS). */
#define ZJ_AGG_SCHEMA                                                                              \
    "CREATE TABLE agg_calls (ruleset_id INTEGER NOT NULL, local_date TEXT, iso_week TEXT,"         \
    " agent_id TEXT, agent_name TEXT, team TEXT, grade TEXT NOT NULL, tags TEXT,"                  \
    " score INTEGER NOT NULL, passed INTEGER NOT NULL, fatal INTEGER NOT NULL,"                    \
    " forbidden INTEGER NOT NULL, calls INTEGER NOT NULL);"                                        \
    "CREATE INDEX agg_calls_key ON agg_calls (ruleset_id, local_date, agent_id, team, score);"     \
    "CREATE TABLE agg_rules (ruleset_id INTEGER NOT NULL, local_date TEXT, agent_id TEXT,"         \
    " agent_name TEXT, team TEXT, rule_id TEXT NOT NULL, kind TEXT NOT NULL,"                      \
    " outcome TEXT NOT NULL, severity TEXT NOT NULL, clause TEXT, findings INTEGER NOT NULL,"      \
    " calls INTEGER NOT NULL, neg INTEGER NOT NULL, neg_calls INTEGER NOT NULL,"                   \
    " neg_points INTEGER NOT NULL, points INTEGER NOT NULL, fatal INTEGER NOT NULL,"               \
    " quoted INTEGER NOT NULL, fuzzy INTEGER NOT NULL, clean_calls INTEGER NOT NULL,"              \
    " example TEXT);"                                                                              \
    "CREATE INDEX agg_rules_key ON agg_rules (ruleset_id, local_date, agent_id, team, rule_id,"    \
    " outcome);"
#define ZJ_AGG_OFFENCE_COLUMNS                                                                     \
    "ALTER TABLE agg_rules ADD COLUMN offences INTEGER NOT NULL DEFAULT 0;"                        \
    "ALTER TABLE agg_rules ADD COLUMN offence_calls INTEGER NOT NULL DEFAULT 0;"

#define ZJ_AGG_CALLS_COLUMNS                                                                       \
    "ruleset_id, local_date, iso_week, agent_id, agent_name, team, grade, tags, score, passed,"    \
    " fatal, forbidden, calls"
#define ZJ_AGG_RULES_COLUMNS                                                                       \
    "ruleset_id, local_date, agent_id, agent_name, team, rule_id, kind, outcome, severity,"        \
    " clause, findings, calls, neg, neg_calls, neg_points, points, fatal, quoted, fuzzy,"          \
    " clean_calls, offences, offence_calls, example"

/* The aggregates recomputed from calls and findings, in the columns above:
 * what the migration and `db rebuild` insert and `db check` compares.
 * Whether a call has an offence is a column of its row (offended), looked
 * up once per call: joined to each finding instead, PostgreSQL without
 * statistics on a store just written planned a nested loop of findings by
 * offending calls (8 s for 10,000 calls, quadratic in their number). */
#define ZJ_AGG_CALLS_SELECT                                                                        \
    "SELECT ruleset_id, local_date, iso_week, agent_id, agent_name, team, grade, tags, score,"     \
    " passed, fatal, forbidden, count(*) AS calls FROM (SELECT c.*, (SELECT group_concat(rule_id," \
    " ',') FROM (SELECT DISTINCT t.rule_id FROM findings t WHERE t.call_row = c.id"                \
    " AND t.kind = 'tag' AND t.outcome = 'hit' ORDER BY t.rule_id) AS t) AS tags, CASE WHEN"       \
    " EXISTS (SELECT 1 FROM findings x WHERE x.call_row = c.id AND" ZJ_OFFENCE_X                   \
    ") THEN 1 ELSE 0 END AS forbidden FROM calls c) AS c GROUP BY "                                \
    "ruleset_id, local_date, iso_week, agent_id, agent_name,"                                      \
    " team, grade, tags, score, passed, fatal, forbidden"
#define ZJ_AGG_RULES_SELECT                                                                        \
    "SELECT c.ruleset_id, c.local_date, c.agent_id, c.agent_name, c.team, f.rule_id, f.kind,"      \
    " f.outcome, f.severity, f.clause, count(*) AS findings, count(DISTINCT f.call_row) AS calls," \
    " sum(CASE WHEN f.points < 0 THEN 1 ELSE 0 END) AS neg,"                                       \
    " count(DISTINCT CASE WHEN f.points < 0 THEN f.call_row END) AS neg_calls,"                    \
    " sum(CASE WHEN f.points < 0 THEN f.points ELSE 0 END) AS neg_points,"                         \
    " sum(f.points) AS points, sum(f.fatal) AS fatal,"                                             \
    " sum(f.quoted) AS quoted, sum(f.fuzzy) AS fuzzy,"                                             \
    " count(DISTINCT CASE WHEN c.passed = 1 AND c.offended = 0 THEN f.call_row END)"               \
    " AS clean_calls, sum(CASE WHEN" ZJ_OFFENCE_F " THEN 1 ELSE 0 END) AS offences,"               \
    " count(DISTINCT CASE WHEN" ZJ_OFFENCE_F " THEN f.call_row END) AS offence_calls,"             \
    " min(CASE WHEN f.points < 0 AND f.text IS NOT NULL"                                           \
    " THEN c.call_id || ' ' || f.text END) AS example"                                             \
    " FROM findings f JOIN (SELECT c.id, c.call_id, c.ruleset_id, c.local_date, c.agent_id,"       \
    " c.agent_name, c.team, c.passed, CASE WHEN c.id IN (SELECT x.call_row FROM findings x WHERE"  \
    ZJ_OFFENCE_X ") THEN 1 ELSE 0 END AS offended FROM calls c) AS c"                              \
    " ON c.id = f.call_row"                                                                        \
    " GROUP BY c.ruleset_id, c.local_date, c.agent_id, c.agent_name, c.team, f.rule_id, f.kind,"   \
    " f.outcome, f.severity, f.clause"

#define ZJ_AGG_BUILD                                                                               \
    "INSERT INTO agg_calls (" ZJ_AGG_CALLS_COLUMNS ") " ZJ_AGG_CALLS_SELECT ";"                    \
    "INSERT INTO agg_rules (" ZJ_AGG_RULES_COLUMNS ") " ZJ_AGG_RULES_SELECT ";"

/* One call's contribution: its stored columns (strings NULL as stored). */
typedef struct zj_agg_call {
    int64_t ruleset_id;
    const char *call_id, *local_date, *iso_week, *agent_id, *agent_name, *team, *grade;
    int score;
    bool passed, fatal;
} zj_agg_call;

typedef struct zj_agg_finding {
    const char *rule_id, *kind, *outcome, *severity, *clause, *text;
    int points;
    bool fatal, quoted, fuzzy;
} zj_agg_finding;

typedef struct zj_agg zj_agg;

zj_agg *zj_agg_new(void);
void zj_agg_free(zj_agg *a);
/* Forgets every pending change (the transaction rolled back). */
void zj_agg_clear(zj_agg *a);
/* A call stored (old NULL), replaced (both) or removed (new NULL). interned:
 * new_f's strings of one rule are one pointer (a freshly scored call's point
 * into its rule set), so grouping compares pointers. False: out of memory
 * (the pending changes are then incomplete: roll back). */
bool zj_agg_change(zj_agg *a, const zj_agg_call *old, const zj_agg_finding *old_f, size_t n_old,
                   const zj_agg_call *new_c, const zj_agg_finding *new_f, size_t n_new,
                   bool interned);
/* Whether the file has the aggregate tables (a reader may open a v6 file). */
bool zj_store_has_aggregates(zj_store *st);
/* Writes the pending changes into the open transaction and forgets them. */
zj_status zj_agg_flush(zj_agg *a, zj_store *st, zj_error *err);

#endif
