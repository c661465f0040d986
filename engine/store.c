/* store.c — the SQLite result store: schema and migrations, rule sets, runs
 * with resume watermarks, batched transactional writes of scored calls, and
 * reading one call back for `show`. */
#include "internal.h"
#include "store_agg.h"
#include "db.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct zj_store {
    zj_db *db;
    char *path;
    bool write;
    bool in_txn; /* a results transaction spanning several batches is open */
    bool snapshot; /* a read transaction of zj_store_read_begin is open */
    /* A re-scored call: its row, then its findings and transcript go and the
     * row is updated in place (its id stays: sample entries, an audit
     * record, keep pointing at it). */
    zj_stmt *sel_replaced, *sel_old_findings, *del_replaced[2], *upd_call;
    zj_stmt *ins_call, *ins_turns, *upd_input, *upd_run;
    zj_stmt *ins_findings[5]; /* 16, 8, 4, 2 and 1 rows at once */
    zj_stmt *ins_calls;       /* PostgreSQL: CALL_CHUNK calls at once */
    /* Watermarks as last written for run wm_run: a batch writes only those
     * that moved (a run over 50,000 one-call files rewrote all of them for
     * every 1,000 calls). */
    uint64_t *wm_written;
    size_t wm_n;
    int64_t wm_run;
    /* ",ID,ID,": the runs zj_store_mark_interrupted rewrote (NULL: none). */
    char *interrupted_now;
    bool record_invocation; /* runs.user_name and runs.host are filled */
    int64_t run_redact;     /* runs.redact of the next run; -1: not said */
    /* The report aggregates' changes of the open results transaction
     * (store_agg.h), written just before its COMMIT. */
    zj_agg *agg;
    zj_agg_finding *agg_f; /* a call's findings as the aggregates see them */
    size_t agg_f_cap;
};

/* Schema migrations, applied in order; migration i moves user_version i -> i+1. */
static const char *const migrations[] = {
    /* v1 */
    "CREATE TABLE rulesets ("
    " id INTEGER PRIMARY KEY, name TEXT NOT NULL, version TEXT NOT NULL,"
    " sha256 TEXT NOT NULL UNIQUE, title TEXT, yaml TEXT NOT NULL, base INTEGER NOT NULL,"
    " pass INTEGER NOT NULL, loaded_at TEXT NOT NULL);"
    "CREATE TABLE rules ("
    " ruleset_id INTEGER NOT NULL REFERENCES rulesets(id), idx INTEGER NOT NULL,"
    " rule_id TEXT NOT NULL, kind TEXT NOT NULL, severity TEXT NOT NULL, category TEXT,"
    " clause TEXT, title TEXT, points INTEGER NOT NULL, max_points INTEGER NOT NULL,"
    " fatal INTEGER NOT NULL, speaker TEXT NOT NULL, PRIMARY KEY (ruleset_id, idx));"
    "CREATE TABLE runs ("
    " id INTEGER PRIMARY KEY, ruleset_id INTEGER NOT NULL REFERENCES rulesets(id),"
    " started_at TEXT NOT NULL, finished_at TEXT, status TEXT NOT NULL,"
    " tool_version TEXT NOT NULL, user_name TEXT, host TEXT, argv TEXT,"
    " calls_scored INTEGER NOT NULL DEFAULT 0, calls_rejected INTEGER NOT NULL DEFAULT 0,"
    " resumed_from INTEGER REFERENCES runs(id));"
    "CREATE TABLE run_inputs ("
    " run_id INTEGER NOT NULL REFERENCES runs(id), idx INTEGER NOT NULL, path TEXT NOT NULL,"
    " size INTEGER, sha256 TEXT, watermark INTEGER NOT NULL DEFAULT 0,"
    " done INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (run_id, idx));"
    "CREATE TABLE calls ("
    " id INTEGER PRIMARY KEY, call_id TEXT NOT NULL,"
    " ruleset_id INTEGER NOT NULL REFERENCES rulesets(id),"
    " run_id INTEGER NOT NULL REFERENCES runs(id), agent_id TEXT, agent_name TEXT, team TEXT,"
    " direction TEXT, call_type TEXT, started_at TEXT, started_utc_ms INTEGER,"
    " local_date TEXT, iso_week TEXT, duration_ms INTEGER, n_turns INTEGER NOT NULL,"
    " score INTEGER NOT NULL, passed INTEGER NOT NULL, grade TEXT NOT NULL,"
    " fatal INTEGER NOT NULL, input_path TEXT, input_sha256 TEXT,"
    " UNIQUE (call_id, ruleset_id));"
    "CREATE TABLE turns (call_row INTEGER PRIMARY KEY REFERENCES calls(id) ON DELETE CASCADE,"
    " data BLOB NOT NULL);"
    "CREATE TABLE findings ("
    " id INTEGER PRIMARY KEY,"
    " call_row INTEGER NOT NULL REFERENCES calls(id) ON DELETE CASCADE,"
    " seq INTEGER NOT NULL, rule_id TEXT NOT NULL, kind TEXT NOT NULL, outcome TEXT NOT NULL,"
    " severity TEXT NOT NULL, points INTEGER NOT NULL, turn INTEGER, speaker TEXT,"
    " span_start INTEGER, span_end INTEGER, text TEXT, start_ms INTEGER, value INTEGER,"
    " clause TEXT, fatal INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE samples ("
    " id INTEGER PRIMARY KEY, ruleset_id INTEGER NOT NULL REFERENCES rulesets(id),"
    " created_at TEXT NOT NULL, method TEXT NOT NULL, level TEXT, aql REAL,"
    " lot_size INTEGER NOT NULL, sample_size INTEGER NOT NULL, accept_n INTEGER,"
    " reject_n INTEGER, seed INTEGER NOT NULL, filters TEXT NOT NULL);"
    "CREATE TABLE sample_calls ("
    " sample_id INTEGER NOT NULL REFERENCES samples(id),"
    " call_row INTEGER NOT NULL REFERENCES calls(id) ON DELETE CASCADE, agent_id TEXT,"
    " PRIMARY KEY (sample_id, call_row));"
    "CREATE INDEX calls_agent ON calls (ruleset_id, agent_id, local_date);"
    "CREATE INDEX calls_team ON calls (ruleset_id, team, local_date);"
    "CREATE INDEX calls_date ON calls (ruleset_id, local_date);"
    "CREATE INDEX findings_call ON findings (call_row);"
    "CREATE INDEX findings_rule ON findings (rule_id, outcome);",
    /* v2: no report query can use the agent and team indexes (their filters
     * sit inside the date-range scan), and each costs every stored call a
     * B-tree insert: scoring runs are ~10% faster without them. */
    "DROP INDEX IF EXISTS calls_agent; DROP INDEX IF EXISTS calls_team;",
    /* v3: the findings-by-rule index put every finding at a random place in a
     * B-tree (57 rules x 3 outcomes): it cost a third of a run with the
     * bundled standard's ~20 findings per call. The audit report now reads a
     * rule's evidence in one windowed pass instead of a lookup per rule. */
    "DROP INDEX IF EXISTS findings_rule;",
    /* v4: whether a finding was matched by sound (`fuzzy: pinyin`), so the
     * inspector sees it; readers of an older file take every finding as
     * matched by its characters. */
    "ALTER TABLE findings ADD COLUMN fuzzy INTEGER NOT NULL DEFAULT 0;",
    /* v5: the unit of a metric finding's value (ms, count, chars/min, %). */
    "ALTER TABLE findings ADD COLUMN unit TEXT;",
    /* v6: a forbidden hit inside quoted or reported speech (the agent
     * repeating someone else's words) is kept as an observation with 0
     * points; readers of older files (before v6) see every finding as not quoted. */
    "ALTER TABLE findings ADD COLUMN quoted INTEGER NOT NULL DEFAULT 0;",
    /* v7: the report aggregates (store_agg.h), from then on kept in the
     * transaction that writes a call (v12 builds them from the stored
     * results, with the columns it adds); an index by score for a group's
     * worst calls, and one by agent and call id holding what a review
     * sample's lot needs, so neither reads the calls table through. */
    ZJ_AGG_SCHEMA "CREATE INDEX calls_score ON calls (ruleset_id, score, call_id);"
                  "CREATE INDEX calls_lot ON calls (ruleset_id, agent_id, call_id, local_date,"
                  " team, score);",
    /* v8: the date index also holds the calls' start time and id, so that
     * one date's calls come in time order from the index alone: the audit
     * report's evidence merges the earliest calls of a few dates and stops
     * at its last example instead of sorting every call of those dates. The
     * same number of index entries as before, a little wider. */
    "DROP INDEX IF EXISTS calls_date;"
    "CREATE INDEX calls_date ON calls (ruleset_id, local_date, started_utc_ms, call_id);",
    /* v9: human review (docs/review.md): every verdict, added finding,
     * appeal and ruling is one row, keyed by call id and rule set so that it
     * outlives a re-scored call; rows are never changed or deleted. */
    "CREATE TABLE reviews ("
    " id INTEGER PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL,"
    " role TEXT NOT NULL CHECK (role IN ('inspector', 'supervisor', 'agent')),"
    " action TEXT NOT NULL CHECK (action IN ('confirm', 'reject', 'add', 'appeal', 'rule')),"
    " ruleset_id INTEGER NOT NULL REFERENCES rulesets(id), call_id TEXT NOT NULL,"
    " rule_id TEXT, turn INTEGER, span_start INTEGER, span_end INTEGER, text TEXT,"
    " category TEXT, points INTEGER, fatal INTEGER,"
    " decision TEXT CHECK (decision IN ('upheld', 'overturned')),"
    " appeal_id INTEGER REFERENCES reviews(id), note TEXT);"
    "CREATE INDEX reviews_call ON reviews (ruleset_id, call_id);"
    "CREATE TRIGGER reviews_no_update BEFORE UPDATE ON reviews"
    " BEGIN SELECT RAISE(ABORT, 'reviews are append-only'); END;"
    "CREATE TRIGGER reviews_no_delete BEFORE DELETE ON reviews"
    " BEGIN SELECT RAISE(ABORT, 'reviews are append-only'); END;",
    /* v10: a review sample closed with its ISO 2859-1 decision, once. */
    "CREATE TABLE sample_decisions ("
    " sample_id INTEGER PRIMARY KEY REFERENCES samples(id),"
    " decision TEXT NOT NULL CHECK (decision IN ('accept', 'reject')),"
    " reviewed INTEGER NOT NULL, nonconforming INTEGER NOT NULL,"
    " closed_by TEXT NOT NULL, closed_at TEXT NOT NULL);"
    "CREATE TRIGGER sample_decisions_no_update BEFORE UPDATE ON sample_decisions"
    " BEGIN SELECT RAISE(ABORT, 'a sample decision is final'); END;"
    "CREATE TRIGGER sample_decisions_no_delete BEFORE DELETE ON sample_decisions"
    " BEGIN SELECT RAISE(ABORT, 'a sample decision is final'); END;",
    /* v11: the aggregates' lookup by key at every commit, as an index both
     * servers use: PostgreSQL cannot search an index with IS NOT DISTINCT
     * FROM (the keys' dates, agents and teams may be NULL), and read every
     * aggregate row for each changed one. */
    "CREATE INDEX agg_calls_lookup ON agg_calls (ruleset_id, coalesce(local_date, ''),"
    " coalesce(agent_id, ''), coalesce(team, ''), score);"
    "CREATE INDEX agg_rules_lookup ON agg_rules (ruleset_id, coalesce(local_date, ''),"
    " coalesce(agent_id, ''), coalesce(team, ''), rule_id, outcome);",
    /* v12: the audit report counts offences (store_agg.h), not every
     * forbidden hit: a quoted one, one past its rule's max_points and an
     * observation cost nothing and are no violation. agg_rules gains the
     * offences and their calls (neg misses a fatal hit of 0 points);
     * agg_calls.forbidden and agg_rules.clean_calls now mean "has an
     * offence" and "passed without one", so both tables are rebuilt from
     * the stored results. */
    ZJ_AGG_OFFENCE_COLUMNS "DELETE FROM agg_calls; DELETE FROM agg_rules;" ZJ_AGG_BUILD,
    /* v13: the process of a run, so that a reader can tell a run still
     * going from one killed without a word (SIGKILL, the OOM killer, a power
     * cut), which stays 'running' in the table (run_liveness). */
    "ALTER TABLE runs ADD COLUMN pid INTEGER;"
    "ALTER TABLE runs ADD COLUMN pid_start INTEGER;"
    "ALTER TABLE runs ADD COLUMN boot_id TEXT;"
    "ALTER TABLE runs ADD COLUMN pid_ns TEXT;"
    "ALTER TABLE runs ADD COLUMN host_key TEXT;",
    /* v14: the personal-data categories a run masked (zj_redact_*), so that
     * a resumed run masks what the run it continues masked. */
    "ALTER TABLE runs ADD COLUMN redact INTEGER;",
};
/* Migrations from this version on only drop indexes or add what readers do
 * not need, so a reader may use an older file as it is (the aggregates of a
 * file before v12 count every forbidden hit: its reports are computed from
 * the calls and findings, zj_store_has_aggregates). */
#define READER_COMPATIBLE_FROM 1
#define N_MIGRATIONS (sizeof migrations / sizeof *migrations)

static zj_status db_error(zj_store *st, zj_error *err, const char *what)
{
    int code = st && st->db ? zj_db_errcode(st->db) : ZJ_DB_ERROR;
    int primary = code & 0xff;
    zj_status status = primary == ZJ_DB_BUSY || primary == ZJ_DB_LOCKED ? ZJ_ERR_BUSY
                       : primary == ZJ_DB_FULL                          ? ZJ_ERR_FULL
                                                                        : ZJ_ERR_DB;
    const char *msg = st && st->db ? zj_db_errmsg(st->db) : "cannot open";
    if (status == ZJ_ERR_BUSY)
        return zj_error_set(err, status, st ? st->path : NULL, 0, 0,
                            "%s: the database is locked by another writer (waited 5 s): %s", what,
                            msg);
    if (status == ZJ_ERR_FULL)
        return zj_error_set(err, status, st ? st->path : NULL, 0, 0,
                            "%s: disk or database full; the calls since the last commit were "
                            "rolled back, committed results are intact",
                            what);
    return zj_error_set(err, status, st ? st->path : NULL, 0, 0, "%s: %s", what, msg);
}

static bool exec(zj_store *st, const char *sql)
{
    return zj_db_exec(st->db, sql, NULL, NULL, NULL) == ZJ_DB_OK;
}

static void rollback(zj_store *st)
{
    if (!zj_db_get_autocommit(st->db))
        zj_db_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

static bool postgres(const zj_store *st)
{
    return st->db->kind == ZJ_DB_POSTGRES;
}

static int64_t pragma_int(zj_store *st, const char *sql)
{
    zj_stmt *q;
    int64_t v = -1;
    if (zj_db_prepare_v2(st->db, sql, -1, &q, NULL) == ZJ_DB_OK && zj_db_step(q) == ZJ_DB_ROW)
        v = zj_db_column_int64(q, 0);
    zj_db_finalize(q);
    return v;
}

/* The schema version: SQLite's user_version; on PostgreSQL a row of
 * zj_meta (0 before the schema exists). */
static int user_version(zj_store *st)
{
    if (!postgres(st))
        return (int)pragma_int(st, "PRAGMA user_version");
    if (pragma_int(st, "SELECT count(*) FROM pg_catalog.pg_tables WHERE"
                       " schemaname = current_schema() AND tablename = 'zj_meta'") == 0)
        return 0;
    return (int)pragma_int(st, "SELECT coalesce(max(value), 0) FROM zj_meta WHERE"
                               " key = 'user_version'");
}

static bool set_user_version(zj_store *st, int v)
{
    char sql[160];
    if (postgres(st))
        snprintf(sql, sizeof sql,
                 "INSERT INTO zj_meta (key, value) VALUES ('user_version', %d)"
                 " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                 v);
    else
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v);
    return exec(st, sql);
}

/* PRAGMA application_id of a zhijian store ("zJDB"): set when a writer
 * creates or first migrates it, so a file is known to be one before
 * anything is changed in it. */
#define ZJ_APPLICATION_ID 0x7A4A4442

/* Refuses a database that is not a zhijian store before anything touches it
 * (journal mode, schema): an empty file, a store with our application_id,
 * or a store written before the id was set (its schema version and tables
 * are ours) pass; anything else is someone else's data. */
static zj_status check_identity_sqlite(zj_store *st, zj_error *err)
{
    int64_t app = pragma_int(st, "PRAGMA application_id");
    if (app < 0)
        return db_error(st, err, "cannot read the database");
    if (app == ZJ_APPLICATION_ID)
        return ZJ_OK;
    if (app != 0)
        return zj_error_set(err, ZJ_ERR_USAGE, st->path, 0, 0,
                            "not a zhijian database (application_id 0x%08llx); refusing to "
                            "touch it: pass --db with a new file",
                            (unsigned long long)(uint32_t)app);
    int64_t tables = pragma_int(st, "SELECT count(*) FROM sqlite_master");
    int64_t ours = pragma_int(st, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND"
                                  " name IN ('rulesets', 'rules', 'runs', 'run_inputs', 'calls',"
                                  " 'turns', 'findings', 'samples', 'sample_calls')");
    int64_t version = pragma_int(st, "PRAGMA user_version");
    if (tables < 0 || ours < 0 || version < 0)
        return db_error(st, err, "cannot read the database");
    if (tables == 0 || (version >= 1 && ours == 9))
        return ZJ_OK;
    return zj_error_set(err, ZJ_ERR_USAGE, st->path, 0, 0,
                        "not a zhijian database (it holds %lld other schema objects); refusing "
                        "to touch it: pass --db with a new file",
                        (long long)tables);
}

/* Everything in the connection's current schema, "kind name" in a stable
 * order: tables, views, sequences, composite types and indexes, routines
 * (with their argument types), and types of their own (enums, domains,
 * ranges; not the row and array types that come with a table). */
#define SCHEMA_OBJECTS_SQL                                                                         \
    "SELECT kind || ' ' || name FROM (SELECT CASE c.relkind WHEN 'v' THEN 'view'"                  \
    " WHEN 'm' THEN 'materialized view' WHEN 'S' THEN 'sequence' WHEN 'c' THEN 'type'"             \
    " WHEN 'i' THEN 'index' WHEN 'I' THEN 'index' WHEN 'f' THEN 'foreign table' ELSE 'table' END"  \
    " AS kind, c.relname::text AS name, 1 AS rank FROM pg_catalog.pg_class c"                      \
    " WHERE c.relnamespace = (SELECT oid FROM pg_catalog.pg_namespace"                             \
    " WHERE nspname = current_schema())"                                                           \
    " UNION ALL SELECT CASE p.prokind WHEN 'a' THEN 'aggregate' WHEN 'p' THEN 'procedure'"         \
    " ELSE 'function' END, p.oid::regprocedure::text, 2 FROM pg_catalog.pg_proc p"                 \
    " WHERE p.pronamespace = (SELECT oid FROM pg_catalog.pg_namespace"                             \
    " WHERE nspname = current_schema())"                                                           \
    " UNION ALL SELECT 'type', t.typname::text, 3 FROM pg_catalog.pg_type t"                       \
    " WHERE t.typnamespace = (SELECT oid FROM pg_catalog.pg_namespace"                             \
    " WHERE nspname = current_schema()) AND t.typtype IN ('b', 'd', 'e', 'r', 'm')"                \
    " AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_type e WHERE e.typarray = t.oid)) AS x"          \
    " ORDER BY rank, name"

/* The first objects of the current schema, for the message refusing it;
 * *n their number (-1 when the catalog cannot be read). */
static void schema_objects(zj_store *st, zj_buf *names, int64_t *n)
{
    zj_stmt *q;
    *n = -1;
    if (zj_db_prepare_v2(st->db, SCHEMA_OBJECTS_SQL, -1, &q, NULL) != ZJ_DB_OK)
        return;
    int64_t seen = 0;
    int rc;
    while ((rc = zj_db_step(q)) == ZJ_DB_ROW) {
        if (seen < 5)
            zj_buf_printf(names, "%s%s", seen ? ", " : "", (const char *)zj_db_column_text(q, 0));
        seen++;
    }
    if (seen > 5)
        zj_buf_printf(names, " and %lld more", (long long)(seen - 5));
    zj_db_finalize(q);
    if (rc == ZJ_DB_DONE)
        *n = seen;
}

/* On PostgreSQL the store is the connection's current schema: one with our
 * zj_meta row, or an empty one. A schema holding anything else, tables or
 * not (a view, a sequence, a type, a function: the store's migration would
 * replace a function instr of its own), is someone else's (choose another
 * with options=-csearch_path=NAME in the URI). */
static zj_status identify_postgres(zj_store *st, zj_error *err)
{
    int64_t meta = pragma_int(st, "SELECT count(*) FROM pg_catalog.pg_tables WHERE"
                                  " schemaname = current_schema() AND tablename = 'zj_meta'");
    if (meta < 0)
        return db_error(st, err, "cannot read the database");
    zj_test_pause("ZHIJIAN_TEST_IDENTIFY_PAUSE");
    int64_t app = meta ? pragma_int(st, "SELECT coalesce(max(value), 0) FROM zj_meta WHERE"
                                        " key = 'application_id'")
                       : 0;
    if (app == ZJ_APPLICATION_ID)
        return ZJ_OK;
    zj_buf names;
    zj_buf_init(&names);
    int64_t objects;
    schema_objects(st, &names, &objects);
    if (objects < 0) {
        zj_buf_free(&names);
        return db_error(st, err, "cannot read the database");
    }
    if (objects == 0) {
        zj_buf_free(&names);
        return st->write ? ZJ_OK
                         : zj_error_set(err, ZJ_ERR_NOTFOUND, st->path, 0, 0,
                                        "no zhijian store in this database (run `zhijian score "
                                        "--db URL` first)");
    }
    zj_status s = zj_error_set(err, ZJ_ERR_USAGE, st->path, 0, 0,
                               "not a zhijian store (the schema holds %s); refusing to touch "
                               "it: use an empty database or schema",
                               names.data && !names.failed ? names.data : "other objects");
    zj_buf_free(&names);
    return s;
}

/* A writer creates the store in one transaction holding the write lock; a
 * look between its commit and our two reads (zj_meta, then the objects)
 * sees a full schema without the mark. Before refusing, wait for any
 * migration in flight (take and release the write lock) and look again. */
static zj_status check_identity_postgres(zj_store *st, zj_error *err)
{
    zj_status s = identify_postgres(st, err);
    if (s != ZJ_ERR_USAGE)
        return s;
    if (!exec(st, "BEGIN IMMEDIATE") || !exec(st, "COMMIT")) {
        /* No lock to wait for (a standby, a role without it): the schema
         * as seen is the answer, refused with its objects named. */
        rollback(st);
        return s;
    }
    zj_error_clear(err);
    return identify_postgres(st, err);
}

static zj_status check_identity(zj_store *st, zj_error *err)
{
    return postgres(st) ? check_identity_postgres(st, err) : check_identity_sqlite(st, err);
}

/* Marks the database as a zhijian store (inside the migration's
 * transaction on PostgreSQL, where zj_meta is created first). */
static bool mark_store(zj_store *st)
{
    char sql[200];
    if (postgres(st))
        snprintf(sql, sizeof sql,
                 "INSERT INTO zj_meta (key, value) VALUES ('application_id', %d)"
                 " ON CONFLICT (key) DO NOTHING",
                 ZJ_APPLICATION_ID);
    else
        snprintf(sql, sizeof sql, "PRAGMA application_id = %d", ZJ_APPLICATION_ID);
    return exec(st, sql);
}

/* What PostgreSQL needs before the first migration: the version table, and
 * the two SQLite functions the queries use (instr, group_concat), so that
 * one text of each query serves both servers. */
static const char postgres_prelude[] =
    "CREATE TABLE IF NOT EXISTS zj_meta (key TEXT PRIMARY KEY, value BIGINT NOT NULL);"
    "CREATE OR REPLACE FUNCTION instr(haystack TEXT, needle TEXT) RETURNS BIGINT"
    " LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT strpos(haystack, needle)::BIGINT $$;"
    "CREATE OR REPLACE FUNCTION zj_group_concat_step(acc TEXT, v TEXT, sep TEXT) RETURNS TEXT"
    " LANGUAGE sql IMMUTABLE AS $$ SELECT CASE WHEN v IS NULL THEN acc WHEN acc IS NULL"
    " THEN v ELSE acc || sep || v END $$;"
    "CREATE OR REPLACE AGGREGATE group_concat(TEXT, TEXT)"
    " (SFUNC = zj_group_concat_step, STYPE = TEXT);";

static zj_status migrate(zj_store *st, zj_error *err)
{
    int v = user_version(st);
    if (v < 0)
        return db_error(st, err, "cannot read the schema version");
    if (v > (int)N_MIGRATIONS)
        return zj_error_set(err, ZJ_ERR_DB, st->path, 0, 0,
                            "database schema version %d is newer than this zhijian knows (%d); "
                            "use a newer zhijian",
                            v, (int)N_MIGRATIONS);
    if (v == (int)N_MIGRATIONS && st->write && !postgres(st) &&
        pragma_int(st, "PRAGMA application_id") != ZJ_APPLICATION_ID) {
        /* A store written before the id existed: mark it. */
        if (!mark_store(st))
            return db_error(st, err, "cannot mark the database as a zhijian store");
    }
    if (v == (int)N_MIGRATIONS || (!st->write && v >= READER_COMPATIBLE_FROM))
        return ZJ_OK;
    if (!st->write)
        return zj_error_set(err, ZJ_ERR_DB, st->path, 0, 0,
                            "database schema version %d is older than %d; run `zhijian score` "
                            "once to migrate it",
                            v, (int)N_MIGRATIONS);
    if (!exec(st, "BEGIN IMMEDIATE") || (postgres(st) && !exec(st, postgres_prelude))) {
        zj_status s = db_error(st, err, "cannot migrate the schema");
        rollback(st);
        return s;
    }
    /* Re-read under the write lock: another process may have migrated. */
    v = user_version(st);
    for (; v < (int)N_MIGRATIONS; v++) {
        if (!exec(st, migrations[v]) || !set_user_version(st, v + 1)) {
            zj_status s = db_error(st, err, "schema migration failed");
            rollback(st);
            return s;
        }
    }
    if (!mark_store(st) || !exec(st, "COMMIT")) {
        zj_status s = db_error(st, err, "schema migration failed");
        rollback(st);
        return s;
    }
    return ZJ_OK;
}

static const char *const statements[][2] = {
    {"sel_replaced", "SELECT id, local_date, iso_week, agent_id, agent_name, team, grade, score,"
                     " passed, fatal FROM calls WHERE call_id = ?1 AND ruleset_id = ?2"},
    {"sel_old_findings", "SELECT rule_id, kind, outcome, severity, clause, text, points, fatal,"
                         " quoted, fuzzy FROM findings WHERE call_row = ?1"},
    {"del_findings", "DELETE FROM findings WHERE call_row = ?1"},
    {"del_turns", "DELETE FROM turns WHERE call_row = ?1"},
    /* The same parameters as ins_call, ?21 the row. */
    {"upd_call",
     "UPDATE calls SET run_id = ?3, agent_id = ?4, agent_name = ?5, team = ?6, direction = ?7,"
     " call_type = ?8, started_at = ?9, started_utc_ms = ?10, local_date = ?11, iso_week = ?12,"
     " duration_ms = ?13, n_turns = ?14, score = ?15, passed = ?16, grade = ?17, fatal = ?18,"
     " input_path = ?19, input_sha256 = ?20 WHERE id = ?21 AND call_id = ?1 AND ruleset_id = ?2"},
    {"ins_call",
     "INSERT INTO calls (call_id, ruleset_id, run_id, agent_id, agent_name, team, direction,"
     " call_type, started_at, started_utc_ms, local_date, iso_week, duration_ms, n_turns,"
     " score, passed, grade, fatal, input_path, input_sha256)"
     " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20)"
     " ON CONFLICT (call_id, ruleset_id) DO NOTHING RETURNING id"},
    {"ins_turns", "INSERT INTO turns (call_row, data) VALUES (?1, ?2)"},
    {"upd_input", "UPDATE run_inputs SET watermark = ?3, done = ?4 WHERE run_id = ?1 AND idx = ?2"},
    {"upd_run",
     "UPDATE runs SET calls_scored = calls_scored + ?2, calls_rejected = ?3 WHERE id = ?1"},
};

/* Findings go in up to 16 rows per statement (a call's n findings as the
 * binary digits of n): the bundled standard stores ~20 findings per call, and
 * one statement per row spent more time in statement overhead than in the
 * B-tree (17% of the scoring run's CPU). */
#define FINDING_COLUMNS 19

/* head, then rows parenthesised groups of columns ?N parameters, then tail. */
static char *multi_row(const char *head, int columns, int rows, const char *tail)
{
    zj_buf b;
    zj_buf_init(&b);
    zj_buf_puts(&b, head);
    for (int r = 0; r < rows; r++) {
        zj_buf_puts(&b, r ? ",(" : "(");
        for (int c = 0; c < columns; c++)
            zj_buf_printf(&b, "%s?%d", c ? "," : "", r * columns + c + 1);
        zj_buf_puts(&b, ")");
    }
    zj_buf_puts(&b, tail);
    return b.data;
}

static char *multi_row_insert(int rows)
{
    return multi_row("INSERT INTO findings (call_row, seq, rule_id, kind, outcome, severity,"
                     " points, turn, speaker, span_start, span_end, text, start_ms, value, clause,"
                     " fatal, fuzzy, unit, quoted) VALUES ",
                     FINDING_COLUMNS, rows, "");
}

/* PostgreSQL inserts calls CALL_CHUNK at a time: a round trip per call was
 * most of what a scoring run spent writing (the rows returned say which
 * calls were new; the others are re-scored and replaced one by one). */
#define CALL_CHUNK 32
#define CALL_COLUMNS 20

static char *multi_row_calls(int rows)
{
    return multi_row("INSERT INTO calls (call_id, ruleset_id, run_id, agent_id, agent_name, team,"
                     " direction, call_type, started_at, started_utc_ms, local_date, iso_week,"
                     " duration_ms, n_turns, score, passed, grade, fatal, input_path,"
                     " input_sha256) VALUES ",
                     CALL_COLUMNS, rows,
                     " ON CONFLICT (call_id, ruleset_id) DO NOTHING RETURNING call_id, id");
}

static zj_status prepare_all(zj_store *st, zj_error *err)
{
    for (int k = 0; k < 5; k++) {
        char *sql = multi_row_insert(16 >> k);
        int rc = sql ? zj_db_prepare_bulk(st->db, sql, &st->ins_findings[k]) : ZJ_DB_NOMEM;
        free(sql);
        if (rc != ZJ_DB_OK)
            return db_error(st, err, "cannot prepare statements");
    }
    if (postgres(st)) {
        char *sql = multi_row_calls(CALL_CHUNK);
        int rc = sql ? zj_db_prepare_v2(st->db, sql, -1, &st->ins_calls, NULL) : ZJ_DB_NOMEM;
        free(sql);
        if (rc != ZJ_DB_OK)
            return db_error(st, err, "cannot prepare statements");
    }
    zj_stmt **slots[] = {&st->sel_replaced,    &st->sel_old_findings, &st->del_replaced[0],
                         &st->del_replaced[1], &st->upd_call,         &st->ins_call,
                         &st->ins_turns,       &st->upd_input,        &st->upd_run};
    for (size_t i = 0; i < sizeof slots / sizeof *slots; i++) {
        /* Transcripts and findings only go in (bulk loaded on PostgreSQL). */
        bool bulk = slots[i] == &st->ins_turns;
        /* PostgreSQL: the replaced call's row locked until the commit. */
        const char *sql = slots[i] == &st->sel_replaced && postgres(st)
                              ? "SELECT id, local_date, iso_week, agent_id, agent_name, team,"
                                " grade, score, passed, fatal FROM calls WHERE call_id = ?1 AND"
                                " ruleset_id = ?2 FOR UPDATE"
                              : statements[i][1];
        if ((bulk ? zj_db_prepare_bulk(st->db, sql, slots[i])
                  : zj_db_prepare_v2(st->db, sql, -1, slots[i], NULL)) != ZJ_DB_OK)
            return db_error(st, err, "cannot prepare statements");
    }
    return ZJ_OK;
}

/* SQLite's memory statistics take a global mutex on every allocation; nothing
 * here reads them. Must run before SQLite initializes. */
static void configure_sqlite(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/* Whether the last failure was SQLite being unable to write next to a
 * database opened read-only (its -shm or -wal). */
static bool cannot_write_beside(zj_store *st)
{
    int code = zj_db_errcode(st->db) & 0xff;
    return code == ZJ_DB_READONLY || code == ZJ_DB_CANTOPEN;
}

/* Reopens a database that cannot be written beside as immutable (URI
 * parameter immutable=1): SQLite then takes no locks and reads no WAL. That
 * is only the whole store when no WAL holds committed pages: a non-empty
 * -wal file is refused (open the store once where it is writable, or copy
 * it, to merge the log). With nothing able to write next to it, no writer
 * can be changing it either. */
static zj_status reopen_immutable(zj_store *st, zj_error *err)
{
    zj_buf wal, uri;
    zj_buf_init(&wal);
    zj_buf_init(&uri);
    zj_status s = zj_buf_printf(&wal, "%s-wal", st->path);
    struct stat sb;
    if (s == ZJ_OK && stat(wal.data, &sb) == 0 && sb.st_size > 0) {
        zj_buf_free(&wal);
        return zj_error_set(err, ZJ_ERR_IO, st->path, 0, 0,
                            "cannot read the database: it is read-only and its write-ahead log "
                            "(-wal) holds results not yet merged; open it once where it is "
                            "writable (or copy it with its -wal file)");
    }
    zj_buf_free(&wal);
    /* file: URI, with the characters a URI gives a meaning escaped. */
    s = zj_buf_puts(&uri, "file:");
    for (const char *p = st->path; s == ZJ_OK && *p; p++)
        s = *p == '%' || *p == '?' || *p == '#' ? zj_buf_printf(&uri, "%%%02X", (unsigned char)*p)
                                                : zj_buf_append(&uri, p, 1);
    if (s == ZJ_OK)
        s = zj_buf_puts(&uri, "?immutable=1");
    if (s != ZJ_OK) {
        zj_buf_free(&uri);
        return zj_error_set(err, ZJ_ERR_NOMEM, st->path, 0, 0, "out of memory");
    }
    zj_db_close(st->db);
    st->db = NULL;
    int rc = zj_db_open_sqlite(
        uri.data, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, &st->db);
    zj_buf_free(&uri);
    if (rc != ZJ_DB_OK)
        return zj_error_set(err, ZJ_ERR_IO, st->path, 0, 0, "cannot open the database: %s",
                            st->db ? zj_db_errmsg(st->db) : "cannot open");
    return ZJ_OK;
}

/* A SQLite file: opened, identified, tuned. */
static zj_status open_sqlite(zj_store *st, const char *path, bool write, zj_error *err)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, configure_sqlite);
    if (!write && access(path, F_OK) != 0) {
        zj_error_set(err, ZJ_ERR_NOTFOUND, path, 0, 0,
                     "no database here (run `zhijian score` first, or pass --db PATH)");
        return ZJ_ERR_NOTFOUND;
    }
    int flags = write ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY;
    if (zj_db_open_sqlite(path, flags | SQLITE_OPEN_NOMUTEX, &st->db) != ZJ_DB_OK) {
        const char *why = st->db ? zj_db_errmsg(st->db) : "cannot open";
        return zj_error_set(err, ZJ_ERR_IO, path, 0, 0, "cannot open the database: %s%s", why,
                            write ? " (is its directory writable?)" : "");
    }
    sqlite3_busy_timeout(zj_db_sqlite_handle(st->db), 5000);
    zj_status s = check_identity(st, err);
    if (s != ZJ_OK && !write && cannot_write_beside(st)) {
        /* A read-only file or directory: SQLite cannot create the WAL index
         * (-shm) a WAL database needs even to be read. */
        zj_error_clear(err);
        s = reopen_immutable(st, err);
        if (s == ZJ_OK)
            s = check_identity(st, err);
    }
    /* 16 KiB pages (new files only): a quarter of the page writes and system
     * calls of the default 4 KiB for the same rows, measured ~20% faster
     * scoring runs; the writer's cache holds a whole results transaction. */
    if (s == ZJ_OK && write) {
        exec(st, "PRAGMA page_size=16384");
        exec(st, "PRAGMA cache_size=-32768");
    }
    if (s == ZJ_OK && write &&
        (!exec(st, "PRAGMA journal_mode=WAL") || !exec(st, "PRAGMA synchronous=NORMAL")))
        s = db_error(st, err, "cannot set up the database (is its directory writable?)");
    /* Reports read many pages: map the file instead of copying every page
     * through pread, and keep more of them cached. */
    if (s == ZJ_OK && !write) {
        exec(st, "PRAGMA mmap_size=4294967296");
        exec(st, "PRAGMA cache_size=-131072");
    }
    if (s == ZJ_OK && !exec(st, "PRAGMA foreign_keys=ON"))
        s = db_error(st, err, "cannot set up the database");
    if (s == ZJ_OK && getenv("ZHIJIAN_TEST_MAX_PAGES")) {
        /* Test hook: simulate a full disk by capping the database size. */
        char pragma[80];
        snprintf(pragma, sizeof pragma, "PRAGMA max_page_count = %ld",
                 strtol(getenv("ZHIJIAN_TEST_MAX_PAGES"), NULL, 10));
        exec(st, pragma);
    }
    return s;
}

/* A PostgreSQL server: connected and identified; the path kept for
 * messages is the URI without its password. */
static zj_status open_postgres(zj_store *st, const char *url, zj_error *err)
{
    char why[512];
    st->db = zj_db_open_postgres(url, why, sizeof why);
    if (!st->db)
        return zj_error_set(err, ZJ_ERR_IO, st->path, 0, 0, "cannot connect to the database: %s",
                            why);
    return check_identity(st, err);
}

zj_store *zj_store_open(const char *path, bool write, zj_error *err)
{
    zj_store *st = calloc(1, sizeof *st);
    if (!st) {
        zj_error_set(err, ZJ_ERR_NOMEM, path, 0, 0, "out of memory");
        return NULL;
    }
    st->run_redact = -1;
    if (zj_db_is_keyword_conninfo(path)) {
        /* SQLite would create a file named after it, password and all. */
        char *shown = zj_db_redact_url(path);
        zj_error_set(err, ZJ_ERR_USAGE, shown ? shown : "--db", 0, 0, "%s", ZJ_KEYWORD_CONNINFO_HINT);
        free(shown);
        free(st);
        return NULL;
    }
    bool pg = zj_db_is_postgres_url(path);
    st->path = pg ? zj_db_redact_url(path) : zj_strdup(path);
    st->write = write;
    zj_status s = !st->path ? zj_error_set(err, ZJ_ERR_NOMEM, path, 0, 0, "out of memory")
                  : pg      ? open_postgres(st, path, err)
                            : open_sqlite(st, path, write, err);
    if (s == ZJ_OK)
        s = migrate(st, err);
    if (s == ZJ_OK && write)
        s = prepare_all(st, err);
    if (s == ZJ_OK && write && !(st->agg = zj_agg_new()))
        s = zj_error_set(err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory");
    /* A reader command reads one state of the store from its first query
     * to its last, however many queries it takes, while writers commit. */
    if (s == ZJ_OK && !write)
        s = zj_store_read_begin(st, true, err);
    if (s != ZJ_OK) {
        zj_store_close(st);
        return NULL;
    }
    return st;
}

void zj_store_close(zj_store *st)
{
    if (!st)
        return;
    if (st->db)
        zj_store_read_end(st);
    zj_db_finalize(st->sel_replaced);
    zj_db_finalize(st->sel_old_findings);
    zj_agg_free(st->agg);
    free(st->agg_f);
    for (int k = 0; k < 2; k++)
        zj_db_finalize(st->del_replaced[k]);
    zj_db_finalize(st->upd_call);
    zj_db_finalize(st->ins_call);
    zj_db_finalize(st->ins_turns);
    for (int k = 0; k < 5; k++)
        zj_db_finalize(st->ins_findings[k]);
    zj_db_finalize(st->ins_calls);
    zj_db_finalize(st->upd_input);
    zj_db_finalize(st->upd_run);
    free(st->wm_written);
    free(st->interrupted_now);
    if (st->db)
        zj_db_close(st->db);
    free(st->path);
    free(st);
}

/* SQLite: a deferred transaction takes its snapshot at the first read and
 * keeps it (WAL) until it ends, without blocking a writer. PostgreSQL:
 * REPEATABLE READ gives every statement the snapshot of the first. */
zj_status zj_store_read_begin(zj_store *st, bool read_only, zj_error *err)
{
    zj_store_read_end(st);
    if (!zj_db_get_autocommit(st->db))
        return ZJ_OK; /* inside a write transaction: it is the snapshot */
    const char *sql = !postgres(st) ? "BEGIN DEFERRED"
                      : read_only   ? "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY"
                                    : "BEGIN ISOLATION LEVEL REPEATABLE READ";
    if (!exec(st, sql))
        return db_error(st, err, "cannot start reading the database");
    st->snapshot = true;
    return ZJ_OK;
}

void zj_test_read_pause(void)
{
    zj_test_pause("ZHIJIAN_TEST_READ_PAUSE");
}

void zj_test_pause(const char *env)
{
    const char *dir = getenv(env);
    if (!dir)
        return;
    char path[4096];
    snprintf(path, sizeof path, "%s/reached", dir);
    FILE *f = fopen(path, "w");
    if (f)
        fclose(f);
    snprintf(path, sizeof path, "%s/go", dir);
    for (int i = 0; i < 6000 && access(path, F_OK) != 0; i++)
        usleep(10000);
}

bool zj_store_read_enter(zj_store *st)
{
    zj_error ignored;
    zj_error_clear(&ignored);
    return !st->snapshot && zj_db_get_autocommit(st->db) &&
           zj_store_read_begin(st, true, &ignored) == ZJ_OK;
}

void zj_store_read_end(zj_store *st)
{
    /* Nothing was written: ROLLBACK ends it as well as COMMIT, and also
     * after a failed statement (PostgreSQL then refuses a COMMIT). */
    if (st->snapshot && !zj_db_get_autocommit(st->db))
        exec(st, "ROLLBACK");
    st->snapshot = false;
}

char *zj_mask_db_password(const char *text)
{
    return zj_db_redact_url(text);
}

bool zj_is_keyword_conninfo(const char *text)
{
    return zj_db_is_keyword_conninfo(text);
}

zj_db *zj_store_db(zj_store *st)
{
    return st->db;
}

bool zj_store_writable(const zj_store *st)
{
    return st->write;
}

/* ------------------------------------------------------------- time helpers */

void zj_utc_now(char out[32], bool millis)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
    if (millis)
        snprintf(out + n, 32 - n, ".%03dZ", (int)(ts.tv_nsec / 1000000));
    else
        snprintf(out + n, 32 - n, "Z");
}


/* Civil date of a day count since 1970-01-01 (Howard Hinnant). */
static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static int64_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* Writes v (0 <= v < 10^width) as exactly width decimal digits. */
static void put_digits(char *out, int v, int width)
{
    for (int i = width - 1; i >= 0; i--, v /= 10)
        out[i] = (char)('0' + v % 10);
}

/* Local date and ISO 8601 week of a call from its UTC time and offset. */
void zj_local_date(int64_t utc_ms, int offset_min, char date[11], char week[9])
{
    int64_t local_ms = utc_ms + (int64_t)offset_min * 60000;
    int64_t days = local_ms >= 0 ? local_ms / 86400000 : -((-local_ms + 86399999) / 86400000);
    int y, m, d;
    civil_from_days(days, &y, &m, &d);
    char tmp[48];
    if (y >= 0 && y <= 9999) { /* every stored call passes here: no printf */
        put_digits(date, y, 4);
        date[4] = '-';
        put_digits(date + 5, m, 2);
        date[7] = '-';
        put_digits(date + 8, d, 2);
    } else {
        snprintf(tmp, sizeof tmp, "%04d-%02d-%02d", y, m, d);
        memcpy(date, tmp, 10);
    }
    date[10] = '\0';
    /* ISO week: weeks start on Monday; week 1 holds the year's first Thursday. */
    int weekday = (int)(((days + 3) % 7 + 7) % 7); /* 0 = Monday (1970-01-01 was a Thursday) */
    int64_t thursday = days - weekday + 3;
    int ty, tm, td;
    civil_from_days(thursday, &ty, &tm, &td);
    int week_no = (int)((thursday - days_from_civil(ty, 1, 1)) / 7) + 1;
    if (ty >= 0 && ty <= 9999) {
        put_digits(week, ty, 4);
        memcpy(week + 4, "-W", 2);
        put_digits(week + 6, week_no, 2);
    } else {
        snprintf(tmp, sizeof tmp, "%04d-W%02d", ty, week_no);
        memcpy(week, tmp, 8);
    }
    week[8] = '\0';
}

/* ----------------------------------------------------------- rule sets */

zj_status zj_store_add_ruleset(zj_store *st, const zj_ruleset *rs, int64_t *ruleset_id,
                               bool *version_reused, zj_error *err)
{
    *version_reused = false;
    *ruleset_id = 0;
    zj_stmt *q = NULL;
    zj_status s = ZJ_OK;
    if (!exec(st, "BEGIN IMMEDIATE"))
        return db_error(st, err, "cannot register the rule set");
    if (zj_db_prepare_v2(st->db, "SELECT id FROM rulesets WHERE sha256 = ?1", -1, &q, NULL) !=
        ZJ_DB_OK)
        goto fail;
    zj_db_bind_text(q, 1, rs->sha256, -1, ZJ_DB_STATIC);
    if (zj_db_step(q) == ZJ_DB_ROW)
        *ruleset_id = zj_db_column_int64(q, 0);
    zj_db_finalize(q);
    q = NULL;
    if (*ruleset_id == 0) {
        if (zj_db_prepare_v2(st->db,
                             "SELECT count(*) FROM rulesets WHERE name = ?1 AND version = ?2", -1,
                             &q, NULL) != ZJ_DB_OK)
            goto fail;
        zj_db_bind_text(q, 1, rs->name, -1, ZJ_DB_STATIC);
        zj_db_bind_text(q, 2, rs->version, -1, ZJ_DB_STATIC);
        if (zj_db_step(q) == ZJ_DB_ROW && zj_db_column_int(q, 0) > 0)
            *version_reused = true;
        zj_db_finalize(q);
        q = NULL;
        char now[32];
        zj_utc_now(now, false);
        if (zj_db_prepare_v2(st->db,
                             "INSERT INTO rulesets (name, version, sha256, title, yaml, base,"
                             " pass, loaded_at) VALUES (?1,?2,?3,?4,?5,?6,?7,?8)",
                             -1, &q, NULL) != ZJ_DB_OK)
            goto fail;
        zj_db_bind_text(q, 1, rs->name, -1, ZJ_DB_STATIC);
        zj_db_bind_text(q, 2, rs->version, -1, ZJ_DB_STATIC);
        zj_db_bind_text(q, 3, rs->sha256, -1, ZJ_DB_STATIC);
        zj_db_bind_text(q, 4, rs->title, -1, ZJ_DB_STATIC);
        zj_db_bind_text(q, 5, rs->yaml, (int)rs->yaml_len, ZJ_DB_STATIC);
        zj_db_bind_int(q, 6, rs->base);
        zj_db_bind_int(q, 7, rs->pass);
        zj_db_bind_text(q, 8, now, -1, ZJ_DB_TRANSIENT);
        if (zj_db_step(q) != ZJ_DB_DONE)
            goto fail;
        zj_db_finalize(q);
        q = NULL;
        *ruleset_id = zj_db_last_insert_rowid(st->db);
        if (zj_db_prepare_v2(st->db,
                             "INSERT INTO rules (ruleset_id, idx, rule_id, kind, severity,"
                             " category, clause, title, points, max_points, fatal, speaker)"
                             " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)",
                             -1, &q, NULL) != ZJ_DB_OK)
            goto fail;
        for (size_t i = 0; i < rs->n_rules; i++) {
            const zj_rule *r = &rs->rules[i];
            zj_db_reset(q);
            zj_db_bind_int64(q, 1, *ruleset_id);
            zj_db_bind_int64(q, 2, (int64_t)i);
            zj_db_bind_text(q, 3, r->id, -1, ZJ_DB_STATIC);
            zj_db_bind_text(q, 4, zj_kind_name(r->kind), -1, ZJ_DB_STATIC);
            zj_db_bind_text(q, 5, zj_severity_name(r->severity), -1, ZJ_DB_STATIC);
            zj_db_bind_text(q, 6, r->category, -1, ZJ_DB_STATIC);
            zj_db_bind_text(q, 7, r->clause, -1, ZJ_DB_STATIC);
            zj_db_bind_text(q, 8, r->title, -1, ZJ_DB_STATIC);
            zj_db_bind_int(q, 9, r->points);
            zj_db_bind_int(q, 10, r->max_points);
            zj_db_bind_int(q, 11, r->fatal);
            zj_db_bind_text(q, 12, zj_speaker_name(r->speaker), -1, ZJ_DB_STATIC);
            if (zj_db_step(q) != ZJ_DB_DONE)
                goto fail;
        }
        zj_db_finalize(q);
        q = NULL;
    }
    if (!exec(st, "COMMIT"))
        goto fail;
    return ZJ_OK;
fail:
    s = db_error(st, err, "cannot register the rule set");
    zj_db_finalize(q);
    rollback(st);
    return s;
}

zj_status zj_store_find_ruleset(zj_store *st, const char *spec, int64_t *ruleset_id, zj_error *err)
{
    zj_stmt *q;
    const char *sql;
    char name[256] = "", version[256] = "";
    bool by_sha = spec && strncmp(spec, "sha256:", 7) == 0;
    if (!spec) {
        sql = "SELECT r.id FROM rulesets r WHERE EXISTS (SELECT 1 FROM calls c WHERE"
              " c.ruleset_id = r.id) ORDER BY r.id DESC LIMIT 1";
    } else if (by_sha) {
        /* One rule set exactly, as a review sheet names it, or by the first
         * 8 or more hex digits score prints when a changed file kept its
         * name@version (the newest of those is what name@version reaches). */
        snprintf(name, sizeof name, "%s", spec + 7);
        size_t n = strlen(name);
        if (n < 8 || strspn(name, "0123456789abcdefABCDEF") != n)
            return zj_error_set(err, ZJ_ERR_USAGE, NULL, 0, 0,
                                "'%.80s': give sha256: and at least 8 hex digits of the rule "
                                "set's sha256",
                                spec);
        for (size_t i = 0; i < n; i++)
            name[i] = (char)tolower((unsigned char)name[i]);
        if (n + 1 < sizeof name)
            name[n] = '%'; /* hex digits hold no LIKE wildcard */
        sql = "SELECT id FROM rulesets WHERE sha256 LIKE ?1 ORDER BY id DESC";
    } else {
        const char *at = strchr(spec, '@');
        snprintf(name, sizeof name, "%.*s", at ? (int)(at - spec) : (int)strlen(spec), spec);
        if (at)
            snprintf(version, sizeof version, "%s", at + 1);
        sql = at ? "SELECT id FROM rulesets WHERE name = ?1 AND version = ?2 ORDER BY id DESC"
                   " LIMIT 1"
                 : "SELECT r.id FROM rulesets r WHERE r.name = ?1 ORDER BY (SELECT count(*) > 0"
                   " FROM calls c WHERE c.ruleset_id = r.id) DESC, r.id DESC LIMIT 1";
    }
    if (zj_db_prepare_v2(st->db, sql, -1, &q, NULL) != ZJ_DB_OK)
        return db_error(st, err, "cannot look up the rule set");
    if (spec) {
        zj_db_bind_text(q, 1, name, -1, ZJ_DB_TRANSIENT);
        if (version[0])
            zj_db_bind_text(q, 2, version, -1, ZJ_DB_TRANSIENT);
    }
    int rc = zj_db_step(q);
    *ruleset_id = rc == ZJ_DB_ROW ? zj_db_column_int64(q, 0) : 0;
    int again = rc == ZJ_DB_ROW && by_sha ? zj_db_step(q) : ZJ_DB_DONE;
    if ((rc != ZJ_DB_ROW && rc != ZJ_DB_DONE) || (again != ZJ_DB_ROW && again != ZJ_DB_DONE)) {
        zj_status s = db_error(st, err, "cannot look up the rule set");
        zj_db_finalize(q);
        return s;
    }
    zj_db_finalize(q);
    if (again == ZJ_DB_ROW)
        return zj_error_set(err, ZJ_ERR_USAGE, st->path, 0, 0,
                            "'%.80s' names more than one rule set: give more of its sha256", spec);
    if (rc != ZJ_DB_ROW) {
        if (spec)
            return zj_error_set(err, ZJ_ERR_NOTFOUND, st->path, 0, 0,
                                "no rule set '%s' in the database", spec);
        return zj_error_set(err, ZJ_ERR_NOTFOUND, st->path, 0, 0,
                            "the database holds no scored calls yet (run `zhijian score`)");
    }
    return ZJ_OK;
}

/* ----------------------------------------------------------------- runs */

/* How much of an input's head is fingerprinted: enough to catch bytes
 * inserted, removed or edited anywhere in the first MiB (and anything that
 * changes the size) without reading big inputs twice. */
#define HEAD_BYTES (1u << 20)

/* The key of an input in run_inputs.path: its canonical path (so a relative
 * and an absolute name of one file resume each other), or as given when it
 * has none ("-", a file that is gone). Caller frees. */
static char *input_key(const char *path)
{
    if (strcmp(path, "-") == 0)
        return zj_strdup(path);
    char *canon = realpath(path, NULL);
    return canon ? canon : zj_strdup(path);
}

/* Size and sha256 (hex) of the first min(size, HEAD_BYTES) bytes of a
 * regular file; false when it is not one or cannot be read. */
static bool input_fingerprint(const char *path, uint64_t *size, char hex[65])
{
    if (strcmp(path, "-") == 0)
        return false;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return false;
    struct stat sb;
    bool ok = fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode);
    char *head = NULL;
    size_t want = 0, got = 0;
    if (ok) {
        *size = (uint64_t)sb.st_size;
        want = *size < HEAD_BYTES ? (size_t)*size : HEAD_BYTES;
        head = malloc(want ? want : 1);
        ok = head != NULL;
    }
    while (ok && got < want) {
        ssize_t r = read(fd, head + got, want - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    if (ok && got == want)
        zj_sha256_hex(head, want, hex);
    else
        ok = false;
    free(head);
    close(fd);
    return ok;
}

/* ------------------------------------------------- a run's process */

/* What identifies a process beyond its pid: the kernel's boot (a random id
 * per boot), the pid namespace (a container has its own pids), the time it
 * started (clock ticks after boot: a pid is reused) and the machine. */
typedef struct run_process {
    int64_t pid, start;                         /* start -1: unknown */
    char boot_id[64], pid_ns[64], host_key[33]; /* "": unknown */
} run_process;

/* The first line of a small file, without its newline; "" when unreadable. */
static void read_line(const char *path, char *out, size_t size)
{
    out[0] = '\0';
    FILE *f = fopen(path, "re");
    if (!f)
        return;
    if (!fgets(out, (int)size, f))
        out[0] = '\0';
    fclose(f);
    out[strcspn(out, "\n")] = '\0';
}

/* Process pid's state letter and start time (field 22 of /proc/PID/stat,
 * counted after the command name, which may hold spaces and parentheses);
 * false when it cannot be read. */
static bool process_stat(int64_t pid, char *state, int64_t *start)
{
    char path[64], line[1024];
    snprintf(path, sizeof path, "/proc/%lld/stat", (long long)pid);
    read_line(path, line, sizeof line);
    const char *p = strrchr(line, ')');
    long long ticks;
    /* After ") ": state, then fields 4..21, then starttime (22). */
    if (!p || sscanf(p + 1,
                     " %c %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s"
                     " %*s %*s %*s %lld",
                     state, &ticks) != 2)
        return false;
    *start = ticks;
    return true;
}

static void own_process(run_process *me)
{
    memset(me, 0, sizeof *me);
    me->pid = (int64_t)getpid();
    char state;
    if (!process_stat(me->pid, &state, &me->start))
        me->start = -1;
    read_line("/proc/sys/kernel/random/boot_id", me->boot_id, sizeof me->boot_id);
    ssize_t n = readlink("/proc/self/ns/pid", me->pid_ns, sizeof me->pid_ns - 1);
    me->pid_ns[n > 0 ? n : 0] = '\0';
    /* The machine, for "it restarted since": a digest of its machine id
     * and host name, so that neither is stored (the host name is personal
     * data, kept only with --record-invocation). */
    char machine[128], host[256] = "";
    read_line("/etc/machine-id", machine, sizeof machine);
    if (!machine[0])
        read_line("/var/lib/dbus/machine-id", machine, sizeof machine);
    gethostname(host, sizeof host - 1);
    if (machine[0]) {
        char text[400], hex[65];
        int len = snprintf(text, sizeof text, "zhijian run host\n%s\n%s", machine, host);
        zj_sha256_hex(text, (size_t)len, hex);
        memcpy(me->host_key, hex, 32);
        me->host_key[32] = '\0';
    }
}

/* Binds pid, pid_start, boot_id, pid_ns, host_key from parameter `first`. */
static void bind_own_process(zj_stmt *q, int first)
{
    run_process me;
    own_process(&me);
    zj_db_bind_int64(q, first, me.pid);
    if (me.start >= 0)
        zj_db_bind_int64(q, first + 1, me.start);
    else
        zj_db_bind_null(q, first + 1);
    const char *text[3] = {me.boot_id, me.pid_ns, me.host_key};
    for (int k = 0; k < 3; k++)
        if (text[k][0])
            zj_db_bind_text(q, first + 2 + k, text[k], -1, ZJ_DB_TRANSIENT);
        else
            zj_db_bind_null(q, first + 2 + k);
}

/* Whether the process recorded for a 'running' run is still there, as far
 * as this machine can tell for sure: ZJ_RUN_ALIVE, ZJ_RUN_GONE (why says
 * how we know), or ZJ_RUN_UNCHECKED (another machine or container, or no
 * process recorded: it may be running). */
static zj_run_liveness run_liveness(const run_process *run, const run_process *me, char *why,
                                    size_t size)
{
    if (run->pid <= 0) {
        snprintf(why, size, "not checked: no process recorded (started before schema v13)");
        return ZJ_RUN_UNCHECKED;
    }
    if (!run->boot_id[0] || !me->boot_id[0] || strcmp(run->boot_id, me->boot_id) != 0) {
        if (run->host_key[0] && strcmp(run->host_key, me->host_key) == 0) {
            snprintf(why, size, "this machine restarted since it began");
            return ZJ_RUN_GONE;
        }
        snprintf(why, size, "not checked: started on another machine");
        return ZJ_RUN_UNCHECKED;
    }
    if (!run->pid_ns[0] || strcmp(run->pid_ns, me->pid_ns) != 0) {
        snprintf(why, size, "not checked: started in another container (pid namespace)");
        return ZJ_RUN_UNCHECKED;
    }
    /* EPERM: the process exists, owned by another user. */
    if (kill((pid_t)run->pid, 0) != 0 && errno == ESRCH) {
        snprintf(why, size, "its process %lld is gone", (long long)run->pid);
        return ZJ_RUN_GONE;
    }
    char state;
    int64_t start;
    if (!process_stat(run->pid, &state, &start))
        return ZJ_RUN_ALIVE; /* hidden from us (hidepid): kill() says it exists */
    if (state == 'Z' || state == 'X') {
        snprintf(why, size, "its process %lld has ended", (long long)run->pid);
        return ZJ_RUN_GONE;
    }
    if (run->start >= 0 && start != run->start) {
        snprintf(why, size, "its process %lld is gone (the id now names another process)",
                 (long long)run->pid);
        return ZJ_RUN_GONE;
    }
    return ZJ_RUN_ALIVE;
}

/* Whether the runs table has v13's process columns (a reader does not
 * migrate an older file). */
static bool runs_have_process(zj_store *st)
{
    zj_stmt *q;
    const char *sql = postgres(st) ? "SELECT 1 FROM information_schema.columns WHERE"
                                     " table_schema = current_schema() AND"
                                     " table_name = 'runs' AND column_name = 'host_key'"
                                   : "SELECT 1 FROM pragma_table_info('runs')"
                                     " WHERE name = 'host_key'";
    bool yes =
        zj_db_prepare_v2(st->db, sql, -1, &q, NULL) == ZJ_DB_OK && zj_db_step(q) == ZJ_DB_ROW;
    zj_db_finalize(q);
    return yes;
}

static void column_copy(zj_stmt *q, int i, char *out, size_t size)
{
    const char *t = (const char *)zj_db_column_text(q, i);
    snprintf(out, size, "%s", t ? t : "");
}

/* The process a run recorded, from five columns of q starting at first:
 * pid, pid_start, boot_id, pid_ns, host_key. */
static run_process process_columns(zj_stmt *q, int first)
{
    run_process p = {0};
    p.pid = zj_db_column_type(q, first) == ZJ_DB_NULL ? 0 : zj_db_column_int64(q, first);
    p.start = zj_db_column_type(q, first + 1) == ZJ_DB_NULL ? -1 : zj_db_column_int64(q, first + 1);
    column_copy(q, first + 2, p.boot_id, sizeof p.boot_id);
    column_copy(q, first + 3, p.pid_ns, sizeof p.pid_ns);
    column_copy(q, first + 4, p.host_key, sizeof p.host_key);
    return p;
}

/* A run as a reader can tell it: a 'running' one by its recorded process;
 * an 'interrupted' one that no run resumed is gone (a later score on its
 * machine found its process gone, or a --resume that took it over failed
 * to start), and is still to be resumed. */
static zj_run_liveness stored_liveness(zj_run_info *r, const run_process *p, const run_process *me)
{
    if (strcmp(r->status, "running") == 0)
        return run_liveness(p, me, r->why, sizeof r->why);
    if (strcmp(r->status, "interrupted") != 0 || r->resumed_by)
        return ZJ_RUN_FINISHED;
    /* Seen from another machine, the process cannot be looked for. */
    if (run_liveness(p, me, r->why, sizeof r->why) != ZJ_RUN_GONE)
        snprintf(r->why, sizeof r->why, "a later score on its machine found its process %lld gone",
                 (long long)r->pid);
    return ZJ_RUN_GONE;
}

/* The ids of the 'running' runs begun on this machine in this boot and pid
 * namespace whose process is gone, as "id,id,..." into ids (empty when
 * none; ids->failed when out of memory). A run begun in an earlier boot is
 * left alone: a clone of this machine (same machine id and host name) may
 * be running it. */
static bool gone_runs_here(zj_store *st, zj_buf *ids)
{
    zj_stmt *q;
    if (zj_db_prepare_v2(st->db,
                         "SELECT id, pid, pid_start, boot_id, pid_ns, host_key FROM runs"
                         " WHERE status = 'running' ORDER BY id",
                         -1, &q, NULL) != ZJ_DB_OK)
        return false;
    run_process me;
    own_process(&me);
    int rc;
    while ((rc = zj_db_step(q)) == ZJ_DB_ROW) {
        run_process p = process_columns(q, 1);
        char why[96];
        bool this_boot = p.boot_id[0] && strcmp(p.boot_id, me.boot_id) == 0;
        if (this_boot && run_liveness(&p, &me, why, sizeof why) == ZJ_RUN_GONE)
            zj_buf_printf(ids, "%s%lld", ids->len ? "," : "", (long long)zj_db_column_int64(q, 0));
    }
    zj_db_finalize(q);
    return rc == ZJ_DB_DONE;
}

/* Sets 'interrupted' on the runs listed in ids that are still 'running'
 * (one finished meanwhile keeps its status). */
static bool mark_runs(zj_store *st, const char *ids, bool *no_memory)
{
    zj_buf sql;
    zj_buf_init(&sql);
    zj_buf_printf(&sql,
                  "UPDATE runs SET status = 'interrupted' WHERE status = 'running' AND id IN (%s)",
                  ids);
    *no_memory = sql.failed;
    bool ok = !sql.failed && exec(st, sql.data);
    zj_buf_free(&sql);
    return ok;
}

zj_status zj_store_mark_interrupted(zj_store *st, zj_error *err)
{
    if (!runs_have_process(st))
        return ZJ_OK; /* no process recorded: nothing can be known */
    /* The write lock first, so that two writers starting at once do not
     * both rewrite (or one rewrite a run the other has just begun). */
    if (!exec(st, "BEGIN IMMEDIATE"))
        return db_error(st, err, "cannot mark the interrupted runs");
    zj_buf ids;
    zj_buf_init(&ids);
    bool ok = gone_runs_here(st, &ids);
    bool no_memory = ids.failed;
    if (ok && !no_memory && ids.len)
        ok = mark_runs(st, ids.data, &no_memory);
    if (ok && !no_memory && ids.len && exec(st, "COMMIT")) {
        free(st->interrupted_now);
        st->interrupted_now = malloc(ids.len + 3);
        if (st->interrupted_now)
            sprintf(st->interrupted_now, ",%s,", ids.data);
        zj_buf_free(&ids);
        return ZJ_OK;
    }
    if (ok && !no_memory && !ids.len && exec(st, "COMMIT")) {
        zj_buf_free(&ids);
        return ZJ_OK;
    }
    zj_buf_free(&ids);
    zj_status s = no_memory ? zj_error_set(err, ZJ_ERR_NOMEM, st->path, 0, 0, "out of memory")
                            : db_error(st, err, "cannot mark the interrupted runs");
    rollback(st);
    return s;
}

zj_status zj_store_runs(zj_store *st, zj_run_visitor visit, void *ctx, zj_error *err)
{
    bool v13 = runs_have_process(st);
    char sql[1024];
    snprintf(sql, sizeof sql,
             "SELECT r.id, r.started_at, r.finished_at, r.status, r.calls_scored,"
             " r.calls_rejected, %s, (SELECT min(n.id) FROM runs n WHERE n.resumed_from = r.id),"
             " CASE WHEN EXISTS (SELECT 1 FROM run_inputs i WHERE i.run_id = r.id AND i.path = '-')"
             " THEN 1 ELSE 0 END"
             " FROM runs r ORDER BY r.id",
             v13 ? "r.pid, r.pid_start, r.boot_id, r.pid_ns, r.host_key"
                 : "NULL, NULL, NULL, NULL, NULL");
    zj_stmt *q;
    if (zj_db_prepare_v2(st->db, sql, -1, &q, NULL) != ZJ_DB_OK)
        return db_error(st, err, "cannot read the runs");
    run_process me;
    own_process(&me);
    int rc = ZJ_DB_DONE;
    zj_status s = ZJ_OK;
    while (s == ZJ_OK && (rc = zj_db_step(q)) == ZJ_DB_ROW) {
        zj_run_info r = {0};
        r.id = zj_db_column_int64(q, 0);
        column_copy(q, 1, r.started_at, sizeof r.started_at);
        column_copy(q, 2, r.finished_at, sizeof r.finished_at);
        column_copy(q, 3, r.status, sizeof r.status);
        r.calls_scored = zj_db_column_int64(q, 4);
        r.calls_rejected = zj_db_column_int64(q, 5);
        run_process p = process_columns(q, 6);
        r.pid = p.pid;
        r.resumed_by = zj_db_column_type(q, 11) == ZJ_DB_NULL ? 0 : zj_db_column_int64(q, 11);
        r.read_stdin = zj_db_column_int64(q, 12) != 0;
        r.liveness = stored_liveness(&r, &p, &me);
        char key[32];
        snprintf(key, sizeof key, ",%lld,", (long long)r.id);
        r.found_gone_now = r.liveness == ZJ_RUN_GONE &&
                           (strcmp(r.status, "running") == 0 ||
                            (st->interrupted_now && strstr(st->interrupted_now, key)));
        s = visit(&r, ctx, err);
    }
    zj_db_finalize(q);
    if (s == ZJ_OK && rc != ZJ_DB_DONE)
        return db_error(st, err, "cannot read the runs");
    return s;
}

void zj_store_record_invocation(zj_store *st, bool on)
{
    st->record_invocation = on;
}

void zj_store_run_redact(zj_store *st, unsigned redact)
{
    st->run_redact = redact;
}

/* The runs a run continues, a chain of resumes walked back to the first:
 * `first` selects where the walk starts. UNION, not UNION ALL, so a chain
 * a damaged store made circular still ends. */
#define RUN_CHAIN(first)                                                                   \
    "WITH RECURSIVE chain(id) AS (" first                                                  \
    " UNION SELECT r.resumed_from FROM runs r JOIN chain ON r.id = chain.id"               \
    " WHERE r.resumed_from IS NOT NULL)"

zj_status zj_store_resumed_calls(zj_store *st, int64_t run_id,
                                 zj_status (*each)(const char *call_id, const char *input_path,
                                                   void *ctx),
                                 void *ctx, zj_error *err)
{
    /* The calls the runs this one continues stored, still theirs: none when
     * the run resumes nothing. */
    zj_stmt *q;
    if (zj_db_prepare_v2(st->db,
                         RUN_CHAIN("SELECT resumed_from FROM runs"
                                   " WHERE id = ?1 AND resumed_from IS NOT NULL")
                         " SELECT c.call_id, c.input_path FROM calls c JOIN chain ON c.run_id = chain.id"
                         " ORDER BY c.id",
                         -1, &q, NULL) != ZJ_DB_OK)
        return db_error(st, err, "cannot read the calls of the run resumed");
    zj_db_bind_int64(q, 1, run_id);
    zj_status s = ZJ_OK;
    int rc;
    while (s == ZJ_OK && (rc = zj_db_step(q)) == ZJ_DB_ROW)
        s = each((const char *)zj_db_column_text(q, 0), (const char *)zj_db_column_text(q, 1), ctx);
    zj_db_finalize(q);
    if (s != ZJ_OK)
        return zj_error_set(err, s, st->path, 0, 0, "out of memory");
    return rc == ZJ_DB_DONE ? ZJ_OK : db_error(st, err, "cannot read the calls of the run resumed");
}

zj_status zj_store_run_before(zj_store *st, int64_t run_id, int64_t *redact, int64_t *rejected,
                              zj_error *err)
{
    /* What the run masked is its own; the records rejected are summed over
     * it and the runs it continued, each of which counted only the records
     * it read itself. */
    zj_stmt *q;
    if (zj_db_prepare_v2(st->db,
                         RUN_CHAIN("SELECT id FROM runs WHERE id = ?1")
                         " SELECT (SELECT redact FROM runs WHERE id = ?1),"
                         " coalesce(sum(r.calls_rejected), 0)"
                         " FROM runs r JOIN chain ON r.id = chain.id",
                         -1, &q, NULL) != ZJ_DB_OK)
        return db_error(st, err, "cannot read the run to resume");
    zj_db_bind_int64(q, 1, run_id);
    int rc = zj_db_step(q);
    if (rc == ZJ_DB_ROW) {
        *redact = zj_db_column_type(q, 0) == ZJ_DB_NULL ? -1 : zj_db_column_int64(q, 0);
        *rejected = zj_db_column_int64(q, 1);
    }
    zj_db_finalize(q);
    return rc == ZJ_DB_ROW ? ZJ_OK : db_error(st, err, "cannot read the run to resume");
}

zj_status zj_store_begin_run(zj_store *st, int64_t ruleset_id, const char *argv,
                             const char *const *inputs, const uint64_t *sizes, size_t n_inputs,
                             int64_t resumed_from, int64_t *run_id, zj_error *err)
{
    zj_stmt *q = NULL;
    char now[32], host[256] = "";
    zj_utc_now(now, false);
    gethostname(host, sizeof host - 1);
    /* Who ran it and where is personal data: only when asked for. */
    const char *user = st->record_invocation ? getenv("USER") : NULL;
    if (!st->record_invocation)
        host[0] = '\0';
    if (!exec(st, "BEGIN IMMEDIATE"))
        return db_error(st, err, "cannot start the run");
    if (zj_db_prepare_v2(st->db,
                         "INSERT INTO runs (ruleset_id, started_at, status, tool_version,"
                         " user_name, host, argv, resumed_from, pid, pid_start, boot_id, pid_ns,"
                         " host_key, redact)"
                         " VALUES (?1,?2,'running',?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13)",
                         -1, &q, NULL) != ZJ_DB_OK)
        goto fail;
    bind_own_process(q, 8);
    zj_db_bind_int64(q, 1, ruleset_id);
    zj_db_bind_text(q, 2, now, -1, ZJ_DB_TRANSIENT);
    zj_db_bind_text(q, 3, ZJ_VERSION, -1, ZJ_DB_STATIC);
    zj_db_bind_text(q, 4, user, -1, ZJ_DB_STATIC);
    if (host[0])
        zj_db_bind_text(q, 5, host, -1, ZJ_DB_TRANSIENT);
    /* The caller masked a --db password argument by argument
     * (cli_mask_arg): in a joined line a password holding spaces could not
     * be told from the next argument. */
    zj_db_bind_text(q, 6, argv, -1, ZJ_DB_TRANSIENT);
    if (resumed_from > 0)
        zj_db_bind_int64(q, 7, resumed_from);
    if (st->run_redact >= 0)
        zj_db_bind_int64(q, 13, st->run_redact);
    if (zj_db_step(q) != ZJ_DB_DONE)
        goto fail;
    zj_db_finalize(q);
    q = NULL;
    *run_id = zj_db_last_insert_rowid(st->db);
    /* A resumed run starts at the watermarks it resumes from: killed before
     * its first commit, it is resumed from there again, not from byte 0. */
    if (zj_db_prepare_v2(st->db,
                         "INSERT INTO run_inputs (run_id, idx, path, size, sha256, watermark)"
                         " VALUES (?1,?2,?3,?4,?5,coalesce((SELECT watermark FROM run_inputs"
                         " WHERE run_id = ?6 AND idx = ?2), 0))",
                         -1, &q, NULL) != ZJ_DB_OK)
        goto fail;
    for (size_t i = 0; i < n_inputs; i++) {
        zj_db_reset(q);
        zj_db_bind_int64(q, 1, *run_id);
        zj_db_bind_int64(q, 2, (int64_t)i);
        char *key = input_key(inputs[i]);
        if (!key)
            goto fail;
        zj_db_bind_text(q, 3, key, -1, free);
        uint64_t size = 0;
        char hex[65];
        bool known = input_fingerprint(inputs[i], &size, hex);
        if (sizes && sizes[i])
            zj_db_bind_int64(q, 4, (int64_t)sizes[i]);
        else if (known)
            zj_db_bind_int64(q, 4, (int64_t)size);
        else
            zj_db_bind_null(q, 4);
        if (known)
            zj_db_bind_text(q, 5, hex, -1, ZJ_DB_TRANSIENT);
        else
            zj_db_bind_null(q, 5);
        zj_db_bind_int64(q, 6, resumed_from);
        if (zj_db_step(q) != ZJ_DB_DONE)
            goto fail;
    }
    zj_db_finalize(q);
    if (!exec(st, "COMMIT"))
        goto fail_nq;
    return ZJ_OK;
fail:
    zj_db_finalize(q);
fail_nq:;
    zj_status s = db_error(st, err, "cannot start the run");
    rollback(st);
    return s;
}

/* Whether input `path` is still what the interrupted run read: the size it
 * had then (recorded_size, -1 unknown) and the sha256 of its first MiB
 * (recorded_sha, NULL unknown). A file that cannot be read, is shorter than
 * its watermark, changed size or changed in its first MiB is refused:
 * resuming would skip or re-read the wrong bytes. */
static zj_status check_unchanged(zj_store *st, const char *path, uint64_t watermark,
                                 int64_t recorded_size, const char *recorded_sha, zj_error *err)
{
    (void)st;
    if (strcmp(path, "-") == 0)
        return ZJ_OK;
    uint64_t size = 0;
    char hex[65];
    if (!input_fingerprint(path, &size, hex))
        return zj_error_set(err, ZJ_ERR_IO, path, 0, 0,
                            "cannot resume: the input cannot be read as a regular file (%s)",
                            strerror(errno));
    const char *advice = "; score it afresh without --resume";
    if (size < watermark)
        return zj_error_set(err, ZJ_ERR_INVALID, path, 0, 0,
                            "cannot resume: the input is now %llu bytes, shorter than the %llu "
                            "bytes already scored (truncated or replaced)%s",
                            (unsigned long long)size, (unsigned long long)watermark, advice);
    if (recorded_size >= 0 && size != (uint64_t)recorded_size)
        return zj_error_set(err, ZJ_ERR_INVALID, path, 0, 0,
                            "cannot resume: the input changed size since the interrupted run "
                            "(%lld -> %llu bytes)%s",
                            (long long)recorded_size, (unsigned long long)size, advice);
    if (recorded_sha && strcmp(recorded_sha, hex) != 0)
        return zj_error_set(err, ZJ_ERR_INVALID, path, 0, 0,
                            "cannot resume: the input's content changed since the interrupted run "
                            "(its first %llu bytes differ)%s",
                            (unsigned long long)(size < HEAD_BYTES ? size : HEAD_BYTES), advice);
    return ZJ_OK;
}

zj_status zj_store_resume_point(zj_store *st, int64_t ruleset_id, const char *const *inputs,
                                size_t n_inputs, int64_t *run_id, uint64_t *watermarks,
                                zj_error *err)
{
    *run_id = 0;
    for (size_t i = 0; i < n_inputs; i++)
        watermarks[i] = 0;
    zj_stmt *q;
    if (zj_db_prepare_v2(st->db,
                         /* A failed run (a full disk, a lock held too long)
                          * stopped at its last commit as a killed one does:
                          * its watermarks hold all the same. */
                         "SELECT r.id FROM runs r WHERE r.ruleset_id = ?1"
                         " AND r.status IN ('running', 'failed', 'interrupted')"
                         " AND NOT EXISTS (SELECT 1 FROM runs n WHERE n.resumed_from = r.id)"
                         " ORDER BY r.id DESC",
                         -1, &q, NULL) != ZJ_DB_OK)
        return db_error(st, err, "cannot find the run to resume");
    zj_db_bind_int64(q, 1, ruleset_id);
    zj_stmt *in;
    if (zj_db_prepare_v2(st->db,
                         "SELECT idx, path, watermark, size, sha256 FROM run_inputs"
                         " WHERE run_id = ?1 ORDER BY idx",
                         -1, &in, NULL) != ZJ_DB_OK) {
        zj_db_finalize(q);
        return db_error(st, err, "cannot find the run to resume");
    }
    char **keys = calloc(n_inputs ? n_inputs : 1, sizeof *keys);
    for (size_t i = 0; keys && i < n_inputs; i++)
        if (!(keys[i] = input_key(inputs[i]))) {
            for (size_t j = 0; j < i; j++)
                free(keys[j]);
            free(keys);
            keys = NULL;
        }
    if (!keys) {
        zj_db_finalize(in);
        zj_db_finalize(q);
        return zj_error_set(err, ZJ_ERR_NOMEM, st->path, 0, 0, "out of memory");
    }
    zj_status s = ZJ_OK;
    while (*run_id == 0 && s == ZJ_OK && zj_db_step(q) == ZJ_DB_ROW) {
        int64_t candidate = zj_db_column_int64(q, 0);
        zj_db_reset(in);
        zj_db_bind_int64(in, 1, candidate);
        size_t count = 0;
        bool same = true;
        while (zj_db_step(in) == ZJ_DB_ROW) {
            size_t idx = (size_t)zj_db_column_int64(in, 0);
            const char *path = (const char *)zj_db_column_text(in, 1);
            /* Keyed by canonical path; rows of older runs hold the path as given. */
            if (idx >= n_inputs || !path ||
                (strcmp(path, keys[idx]) != 0 && strcmp(path, inputs[idx]) != 0))
                same = false;
            else
                watermarks[idx] = (uint64_t)zj_db_column_int64(in, 2);
            count++;
        }
        if (same && count == n_inputs) {
            *run_id = candidate;
            /* The inputs must be the bytes the run read: same size, same head. */
            zj_db_reset(in);
            zj_db_bind_int64(in, 1, candidate);
            while (s == ZJ_OK && zj_db_step(in) == ZJ_DB_ROW) {
                size_t idx = (size_t)zj_db_column_int64(in, 0);
                s = check_unchanged(
                    st, inputs[idx], watermarks[idx],
                    zj_db_column_type(in, 3) == ZJ_DB_NULL ? -1 : zj_db_column_int64(in, 3),
                    (const char *)zj_db_column_text(in, 4), err);
            }
        } else {
            for (size_t i = 0; i < n_inputs; i++)
                watermarks[i] = 0;
        }
    }
    for (size_t i = 0; i < n_inputs; i++)
        free(keys[i]);
    free(keys);
    zj_db_finalize(in);
    zj_db_finalize(q);
    return s;
}

zj_status zj_store_finish_run(zj_store *st, int64_t run_id, const char *status, zj_error *err)
{
    if (zj_store_commit(st, err) != ZJ_OK)
        return err ? err->status : ZJ_ERR_DB;
    zj_stmt *q;
    char now[32];
    zj_utc_now(now, false);
    if (zj_db_prepare_v2(st->db, "UPDATE runs SET status = ?2, finished_at = ?3 WHERE id = ?1", -1,
                         &q, NULL) != ZJ_DB_OK)
        return db_error(st, err, "cannot finish the run");
    zj_db_bind_int64(q, 1, run_id);
    zj_db_bind_text(q, 2, status, -1, ZJ_DB_STATIC);
    zj_db_bind_text(q, 3, now, -1, ZJ_DB_TRANSIENT);
    int rc = zj_db_step(q);
    zj_db_finalize(q);
    if (rc == ZJ_DB_DONE && (strcmp(status, "done") == 0 || strcmp(status, "partial") == 0)) {
        /* Every input was read to its end. */
        if (zj_db_prepare_v2(st->db, "UPDATE run_inputs SET done = 1 WHERE run_id = ?1", -1, &q,
                             NULL) != ZJ_DB_OK)
            return db_error(st, err, "cannot finish the run");
        zj_db_bind_int64(q, 1, run_id);
        rc = zj_db_step(q);
        zj_db_finalize(q);
    }
    if (rc != ZJ_DB_DONE)
        return db_error(st, err, "cannot finish the run");
    return ZJ_OK;
}

/* --------------------------------------------------------------- writing */

/* Transcript blob: version byte 1, then per turn: speaker (1 byte), start_ms
 * and end_ms (8 bytes each, little endian, -1 = absent), text length (4 bytes)
 * and the text's UTF-8 bytes. */
static zj_status put_le(zj_buf *out, uint64_t v, int bytes)
{
    unsigned char b[8];
    for (int k = 0; k < bytes; k++)
        b[k] = (unsigned char)(v >> (8 * k));
    return zj_buf_append(out, (const char *)b, (size_t)bytes);
}

static uint64_t get_le(const unsigned char *p, int bytes)
{
    uint64_t v = 0;
    for (int k = 0; k < bytes; k++)
        v |= (uint64_t)p[k] << (8 * k);
    return v;
}

/* Version 2 (a call with metadata: inputs other than native JSON): version
 * byte 2, the turn count (4 bytes), the turns as in version 1, then the
 * metadata count (4 bytes) and per entry its turn (4 bytes, -1 for the call),
 * key length (2) and key, value length (4) and value. Native calls keep
 * version 1 byte for byte. */
static zj_status encode_turns(const zj_call *call, zj_buf *out)
{
    zj_buf_reset(out);
    unsigned char v = call->n_meta ? 2 : 1;
    if (zj_buf_append(out, (const char *)&v, 1) != ZJ_OK)
        return ZJ_ERR_NOMEM;
    if (v == 2 && put_le(out, call->n_turns, 4) != ZJ_OK)
        return ZJ_ERR_NOMEM;
    for (size_t i = 0; i < call->n_turns; i++) {
        const zj_turn *t = &call->turns[i];
        unsigned char head[21];
        head[0] = (unsigned char)t->speaker;
        uint64_t s = (uint64_t)t->start_ms, e = (uint64_t)t->end_ms;
        uint32_t n = (uint32_t)t->text_len;
        for (int k = 0; k < 8; k++) {
            head[1 + k] = (unsigned char)(s >> (8 * k));
            head[9 + k] = (unsigned char)(e >> (8 * k));
        }
        for (int k = 0; k < 4; k++)
            head[17 + k] = (unsigned char)(n >> (8 * k));
        if (zj_buf_append(out, (const char *)head, sizeof head) != ZJ_OK ||
            zj_buf_append(out, t->text, t->text_len) != ZJ_OK)
            return ZJ_ERR_NOMEM;
    }
    if (v == 1)
        return ZJ_OK;
    if (put_le(out, call->n_meta, 4) != ZJ_OK)
        return ZJ_ERR_NOMEM;
    for (size_t i = 0; i < call->n_meta; i++) {
        const zj_meta *m = &call->meta[i];
        size_t kl = strlen(m->key), vl = strlen(m->value);
        if (kl > 0xFFFF)
            kl = 0xFFFF;
        if (put_le(out, (uint64_t)(uint32_t)(int32_t)m->turn, 4) != ZJ_OK ||
            put_le(out, kl, 2) != ZJ_OK || zj_buf_append(out, m->key, kl) != ZJ_OK ||
            put_le(out, vl, 4) != ZJ_OK || zj_buf_append(out, m->value, vl) != ZJ_OK)
            return ZJ_ERR_NOMEM;
    }
    return ZJ_OK;
}

static char *dup_bytes(const unsigned char *p, size_t n)
{
    char *s = malloc(n + 1);
    if (s) {
        memcpy(s, p, n);
        s[n] = '\0';
    }
    return s;
}

/* The metadata section of a version 2 blob, from p[i]. */
static zj_status decode_meta(const unsigned char *p, size_t len, size_t i, zj_call *call)
{
    if (i + 4 > len)
        return ZJ_ERR_INVALID;
    uint64_t n = get_le(p + i, 4);
    i += 4;
    if (n > len)
        return ZJ_ERR_INVALID;
    call->meta = calloc(n ? n : 1, sizeof *call->meta);
    if (!call->meta)
        return ZJ_ERR_NOMEM;
    for (uint64_t k = 0; k < n; k++) {
        if (i + 6 > len)
            return ZJ_ERR_INVALID;
        zj_meta *m = &call->meta[k];
        m->turn = (long)(int32_t)(uint32_t)get_le(p + i, 4);
        size_t kl = (size_t)get_le(p + i + 4, 2);
        i += 6;
        if (i + kl + 4 > len)
            return ZJ_ERR_INVALID;
        size_t vl = (size_t)get_le(p + i + kl, 4);
        if (i + kl + 4 + vl > len)
            return ZJ_ERR_INVALID;
        m->key = dup_bytes(p + i, kl);
        m->value = dup_bytes(p + i + kl + 4, vl);
        call->n_meta++;
        if (!m->key || !m->value)
            return ZJ_ERR_NOMEM;
        i += kl + 4 + vl;
    }
    return i == len ? ZJ_OK : ZJ_ERR_INVALID;
}

static zj_status decode_turns(const unsigned char *p, size_t len, zj_call *call)
{
    if (len < 1 || (p[0] != 1 && p[0] != 2))
        return ZJ_ERR_INVALID;
    size_t cap = 0, first = 1;
    uint64_t want = UINT64_MAX;
    if (p[0] == 2) {
        if (len < 5)
            return ZJ_ERR_INVALID;
        want = get_le(p + 1, 4);
        first = 5;
    }
    size_t i = first;
    for (; i + 21 <= len && call->n_turns < want;) {
        uint32_t n = 0;
        for (int k = 0; k < 4; k++)
            n |= (uint32_t)p[i + 17 + k] << (8 * k);
        if (i + 21 + n > len)
            return ZJ_ERR_INVALID;
        if (call->n_turns == cap) {
            cap = cap ? cap * 2 : 8;
            zj_turn *v = realloc(call->turns, cap * sizeof *v);
            if (!v)
                return ZJ_ERR_NOMEM;
            call->turns = v;
        }
        zj_turn *t = &call->turns[call->n_turns];
        uint64_t s = 0, e = 0;
        for (int k = 0; k < 8; k++) {
            s |= (uint64_t)p[i + 1 + k] << (8 * k);
            e |= (uint64_t)p[i + 9 + k] << (8 * k);
        }
        t->speaker = p[i] == 1 ? ZJ_SPEAKER_CUSTOMER : ZJ_SPEAKER_AGENT;
        t->start_ms = (int64_t)s;
        t->end_ms = (int64_t)e;
        t->text_len = n;
        t->text = malloc(n + 1);
        if (!t->text)
            return ZJ_ERR_NOMEM;
        memcpy(t->text, p + i + 21, n);
        t->text[n] = '\0';
        call->n_turns++;
        i += 21 + n;
    }
    if (p[0] == 2)
        return call->n_turns == want ? decode_meta(p, len, i, call) : ZJ_ERR_INVALID;
    return ZJ_OK;
}

static void bind_opt_text(zj_stmt *q, int i, const char *s)
{
    if (s)
        zj_db_bind_text(q, i, s, -1, ZJ_DB_STATIC);
    else
        zj_db_bind_null(q, i);
}

/* Binds finding i of r as the row whose first parameter is base + 1. */
static void bind_finding(zj_stmt *q, int base, int64_t row, const zj_ruleset *rs, const zj_call *c,
                         const zj_result *r, size_t i)
{
    const zj_finding *f = &r->findings[i];
    const zj_rule *rule = &rs->rules[f->rule];
    zj_db_bind_int64(q, base + 1, row);
    zj_db_bind_int64(q, base + 2, (int64_t)i);
    zj_db_bind_text(q, base + 3, rule->id, -1, ZJ_DB_STATIC);
    zj_db_bind_text(q, base + 4, zj_kind_name(rule->kind), -1, ZJ_DB_STATIC);
    zj_db_bind_text(q, base + 5, zj_outcome_name(f->outcome), -1, ZJ_DB_STATIC);
    zj_db_bind_text(q, base + 6, zj_severity_name(rule->severity), -1, ZJ_DB_STATIC);
    zj_db_bind_int(q, base + 7, f->points);
    if (f->turn >= 0) {
        zj_db_bind_int64(q, base + 8, f->turn);
        zj_db_bind_text(q, base + 9, zj_speaker_name(c->turns[f->turn].speaker), -1, ZJ_DB_STATIC);
        zj_db_bind_int64(q, base + 10, f->span_start);
        zj_db_bind_int64(q, base + 11, f->span_end);
    }
    bind_opt_text(q, base + 12, f->text);
    if (f->start_ms >= 0)
        zj_db_bind_int64(q, base + 13, f->start_ms);
    if (f->unit)
        zj_db_bind_int64(q, base + 14, f->value);
    bind_opt_text(q, base + 15, rule->clause);
    zj_db_bind_int(q, base + 16, rule->fatal && f->outcome == ZJ_OUT_HIT && !f->quoted);
    zj_db_bind_int(q, base + 17, f->fuzzy);
    bind_opt_text(q, base + 18, f->unit);
    zj_db_bind_int(q, base + 19, f->quoted);
}

/* Binds a call's columns as parameters o+1..o+20 of ins_call / upd_call
 * (o: the row's offset in a multi-row insert). */
static void bind_call_at(zj_stmt *q, int o, int64_t run_id, int64_t ruleset_id, const zj_call *c,
                         const zj_result *r, const char *input_path)
{
    zj_db_bind_text(q, o + 1, c->call_id, -1, ZJ_DB_STATIC);
    zj_db_bind_int64(q, o + 2, ruleset_id);
    zj_db_bind_int64(q, o + 3, run_id);
    bind_opt_text(q, o + 4, c->agent_id);
    bind_opt_text(q, o + 5, c->agent_name);
    bind_opt_text(q, o + 6, c->team);
    bind_opt_text(q, o + 7, c->direction);
    bind_opt_text(q, o + 8, c->call_type);
    bind_opt_text(q, o + 9, c->started_at);
    char date[11], week[9];
    if (c->started_at_utc_ms != INT64_MIN) {
        zj_db_bind_int64(q, o + 10, c->started_at_utc_ms);
        zj_local_date(c->started_at_utc_ms, c->utc_offset_min, date, week);
        zj_db_bind_text(q, o + 11, date, -1, ZJ_DB_TRANSIENT);
        zj_db_bind_text(q, o + 12, week, -1, ZJ_DB_TRANSIENT);
    }
    if (c->n_turns && c->turns[0].start_ms >= 0 && c->turns[c->n_turns - 1].end_ms >= 0)
        zj_db_bind_int64(q, o + 13, c->turns[c->n_turns - 1].end_ms - c->turns[0].start_ms);
    zj_db_bind_int64(q, o + 14, (int64_t)c->n_turns);
    zj_db_bind_int(q, o + 15, r->score);
    zj_db_bind_int(q, o + 16, r->passed);
    zj_db_bind_text(q, o + 17, r->grade ? r->grade : "", -1, ZJ_DB_STATIC);
    zj_db_bind_int(q, o + 18, r->fatal);
    bind_opt_text(q, o + 19, input_path);
}

/* Binds a call's columns as parameters 1..20 of ins_call / upd_call. */
static void bind_call(zj_stmt *q, int64_t run_id, int64_t ruleset_id, const zj_call *c,
                      const zj_result *r, const char *input_path)
{
    zj_db_reset(q);
    zj_db_clear_bindings(q);
    bind_call_at(q, 0, run_id, ruleset_id, c, r, input_path);
}

/* Text of column i as a copy (NULL for NULL); *lost on out of memory. */
static char *col_copy(zj_stmt *q, int i, bool *lost)
{
    const unsigned char *t = zj_db_column_text(q, i);
    if (!t) {
        if (zj_db_column_type(q, i) != ZJ_DB_NULL)
            *lost = true;
        return NULL;
    }
    char *c = zj_strdup((const char *)t);
    if (!c)
        *lost = true;
    return c;
}

/* The stored version of a re-scored call, as the aggregates saw it. */
typedef struct old_call {
    zj_agg_call c;
    char *texts[6];
    zj_agg_finding *f;
    size_t n;
} old_call;

static void old_call_free(old_call *o)
{
    for (int i = 0; i < 6; i++)
        free(o->texts[i]);
    for (size_t i = 0; i < o->n; i++) {
        free((char *)o->f[i].rule_id);
        free((char *)o->f[i].kind);
        free((char *)o->f[i].outcome);
        free((char *)o->f[i].severity);
        free((char *)o->f[i].clause);
        free((char *)o->f[i].text);
    }
    free(o->f);
}

/* Reads the stored call (sel_replaced, stepped to its row) and its findings
 * before they are replaced. */
static bool read_old_call(zj_store *st, zj_stmt *sel, int64_t row, const char *call_id,
                          int64_t ruleset_id, old_call *o)
{
    bool lost = false;
    for (int i = 0; i < 6; i++)
        o->texts[i] = col_copy(sel, 1 + i, &lost);
    o->c = (zj_agg_call){.ruleset_id = ruleset_id,
                         .call_id = call_id,
                         .local_date = o->texts[0],
                         .iso_week = o->texts[1],
                         .agent_id = o->texts[2],
                         .agent_name = o->texts[3],
                         .team = o->texts[4],
                         .grade = o->texts[5] ? o->texts[5] : "",
                         .score = zj_db_column_int(sel, 7),
                         .passed = zj_db_column_int(sel, 8) != 0,
                         .fatal = zj_db_column_int(sel, 9) != 0};
    zj_stmt *q = st->sel_old_findings;
    zj_db_reset(q);
    zj_db_bind_int64(q, 1, row);
    size_t cap = 0;
    int rc;
    while (!lost && (rc = zj_db_step(q)) == ZJ_DB_ROW) {
        if (o->n == cap) {
            size_t c = cap ? cap * 2 : 32;
            zj_agg_finding *v = realloc(o->f, c * sizeof *v);
            if (!v) {
                lost = true;
                break;
            }
            o->f = v;
            cap = c;
        }
        zj_agg_finding *f = &o->f[o->n++];
        memset(f, 0, sizeof *f);
        f->rule_id = col_copy(q, 0, &lost);
        f->kind = col_copy(q, 1, &lost);
        f->outcome = col_copy(q, 2, &lost);
        f->severity = col_copy(q, 3, &lost);
        f->clause = col_copy(q, 4, &lost);
        f->text = col_copy(q, 5, &lost);
        f->points = zj_db_column_int(q, 6);
        f->fatal = zj_db_column_int(q, 7) != 0;
        f->quoted = zj_db_column_int(q, 8) != 0;
        f->fuzzy = zj_db_column_int(q, 9) != 0;
        if (!f->rule_id || !f->kind || !f->outcome || !f->severity)
            lost = true; /* NOT NULL columns: only out of memory */
    }
    zj_db_reset(q);
    return !lost && rc == ZJ_DB_DONE;
}

/* The new call and its findings as the aggregates see them (the columns
 * bind_call and bind_finding write). */
/* Whether a finding is stored. A conditional rule whose situation did not
 * arise (not_applicable) says nothing about the call: no report reads it,
 * and it was four in ten of the bundled standard's findings, so it is left
 * out of the store (the output of `score` still lists it). */
static bool stored_finding(const zj_finding *f)
{
    return f->outcome != ZJ_OUT_NOT_APPLICABLE;
}

static bool new_contribution(zj_store *st, int64_t ruleset_id, const zj_ruleset *rs,
                             const zj_call *c, const zj_result *r, char date[11], char week[9],
                             zj_agg_call *out, size_t *n_stored)
{
    bool dated = c->started_at_utc_ms != INT64_MIN;
    if (dated)
        zj_local_date(c->started_at_utc_ms, c->utc_offset_min, date, week);
    *out = (zj_agg_call){.ruleset_id = ruleset_id,
                         .call_id = c->call_id,
                         .local_date = dated ? date : NULL,
                         .iso_week = dated ? week : NULL,
                         .agent_id = c->agent_id,
                         .agent_name = c->agent_name,
                         .team = c->team,
                         .grade = r->grade ? r->grade : "",
                         .score = r->score,
                         .passed = r->passed,
                         .fatal = r->fatal};
    if (r->n_findings > st->agg_f_cap) {
        zj_agg_finding *v = realloc(st->agg_f, r->n_findings * sizeof *v);
        if (!v)
            return false;
        st->agg_f = v;
        st->agg_f_cap = r->n_findings;
    }
    *n_stored = 0;
    for (size_t i = 0; i < r->n_findings; i++) {
        const zj_finding *f = &r->findings[i];
        const zj_rule *rule = &rs->rules[f->rule];
        if (!stored_finding(f))
            continue;
        st->agg_f[(*n_stored)++] = (zj_agg_finding){
            .rule_id = rule->id,
            .kind = zj_kind_name(rule->kind),
            .outcome = zj_outcome_name(f->outcome),
            .severity = zj_severity_name(rule->severity),
            .clause = rule->clause,
            .text = f->text,
            .points = f->points,
            .fatal = rule->fatal && f->outcome == ZJ_OUT_HIT && !f->quoted,
            .quoted = f->quoted,
            .fuzzy = f->fuzzy,
        };
    }
    return true;
}

/* Inserts calls[0..CALL_CHUNK) at once; rows[i] is the new row of call i,
 * or 0 when it is stored already (re-scored: put_call replaces it). */
static bool insert_calls(zj_store *st, int64_t run_id, int64_t ruleset_id, const zj_scored *calls,
                         int64_t *rows)
{
    zj_stmt *q = st->ins_calls;
    zj_db_reset(q);
    zj_db_clear_bindings(q);
    for (int i = 0; i < CALL_CHUNK; i++) {
        rows[i] = 0;
        bind_call_at(q, i * CALL_COLUMNS, run_id, ruleset_id, calls[i].call, calls[i].result,
                     calls[i].call->source);
    }
    int rc;
    while ((rc = zj_db_step(q)) == ZJ_DB_ROW) {
        const char *id = (const char *)zj_db_column_text(q, 0);
        int i = 0;
        /* The first unassigned call of that id (an id twice in one chunk:
         * the second replaces the first, as it would one by one). */
        while (i < CALL_CHUNK && (rows[i] || !id || strcmp(calls[i].call->call_id, id) != 0))
            i++;
        if (i == CALL_CHUNK)
            return false;
        rows[i] = zj_db_column_int64(q, 1);
    }
    zj_db_reset(q);
    return rc == ZJ_DB_DONE;
}

/* Stores one call. inserted: -1 to insert it here, else what insert_calls
 * found (its new row, or 0: stored already). */
static bool put_call(zj_store *st, int64_t run_id, int64_t ruleset_id, const zj_ruleset *rs,
                     const zj_scored *sc, const char *input_path, int64_t inserted, zj_buf *blob)
{
    const zj_call *c = sc->call;
    const zj_result *r = sc->result;
    char date[11], week[9];
    zj_agg_call now;
    size_t n_stored;
    if (!new_contribution(st, ruleset_id, rs, c, r, date, week, &now, &n_stored))
        return false;
    old_call old = {0};
    bool replaced = false;
    zj_stmt *q = st->ins_call;
    int rc;
    int64_t row = 0;
    if (inserted < 0) {
        bind_call(q, run_id, ruleset_id, c, r, input_path);
        rc = zj_db_step(q);
        row = rc == ZJ_DB_ROW ? zj_db_column_int64(q, 0) : 0;
        zj_db_reset(q);
    } else {
        row = inserted;
        rc = inserted ? ZJ_DB_ROW : ZJ_DB_DONE;
    }
    if (rc == ZJ_DB_ROW) {
        rc = ZJ_DB_DONE;
    } else if (rc == ZJ_DB_DONE) {
        /* Re-scored with the same rule set (the insert met its key and did
         * nothing): the row is updated in place, so whatever refers to it
         * (a recorded sample) still does; its findings and transcript are
         * replaced. Trying the insert first spares the common case (a new
         * call) a lookup; a conflict clause, not a failed statement, since a
         * failed statement aborts a PostgreSQL transaction. */
        zj_stmt *sel = st->sel_replaced;
        zj_db_reset(sel);
        zj_db_bind_text(sel, 1, c->call_id, -1, ZJ_DB_STATIC);
        zj_db_bind_int64(sel, 2, ruleset_id);
        if (zj_db_step(sel) != ZJ_DB_ROW)
            return false;
        row = zj_db_column_int64(sel, 0);
        replaced = true;
        bool read = read_old_call(st, sel, row, c->call_id, ruleset_id, &old);
        zj_db_reset(sel);
        if (!read) {
            old_call_free(&old);
            return false;
        }
        for (int k = 0; k < 2; k++) {
            zj_stmt *d = st->del_replaced[k];
            zj_db_reset(d);
            zj_db_bind_int64(d, 1, row);
            if (zj_db_step(d) != ZJ_DB_DONE) {
                old_call_free(&old);
                return false;
            }
        }
        q = st->upd_call;
        bind_call(q, run_id, ruleset_id, c, r, input_path);
        zj_db_bind_int64(q, 21, row);
        rc = zj_db_step(q);
        if (rc == ZJ_DB_DONE && zj_db_changes(st->db) != 1)
            rc = ZJ_DB_ERROR;
    }
    /* The aggregates: the old contribution off, the new one on. */
    bool counted = rc == ZJ_DB_DONE && zj_agg_change(st->agg, replaced ? &old.c : NULL, old.f,
                                                     old.n, &now, st->agg_f, n_stored, true);
    old_call_free(&old);
    if (!counted)
        return false;
    if (encode_turns(c, blob) != ZJ_OK)
        return false;
    q = st->ins_turns;
    zj_db_reset(q);
    zj_db_bind_int64(q, 1, row);
    zj_db_bind_blob(q, 2, blob->data, (int)blob->len, ZJ_DB_STATIC);
    if (zj_db_step(q) != ZJ_DB_DONE)
        return false;
    /* The stored findings in batches of 16, 8, 4, 2, 1 rows; each keeps its
     * place in the result as seq. */
    size_t next = 0;
    for (size_t left = n_stored, k = 0; left;) {
        size_t rows = (size_t)16 >> k;
        if (left < rows) {
            k++;
            continue;
        }
        q = st->ins_findings[k];
        zj_db_reset(q);
        zj_db_clear_bindings(q);
        for (size_t j = 0; j < rows; j++, next++) {
            while (!stored_finding(&r->findings[next]))
                next++;
            bind_finding(q, (int)j * FINDING_COLUMNS, row, rs, c, r, next);
        }
        if (zj_db_step(q) != ZJ_DB_DONE)
            return false;
        left -= rows;
    }
    return true;
}

/* Results transactions run without foreign-key enforcement: checking the
 * call of every finding and transcript, and the rule set and run of every
 * call, took a quarter of the instructions of a scoring run with the bundled
 * standard (callgrind, 10,000 calls: 5.69 G with, 4.10 G without), and every
 * row they insert refers to a row inserted just before in the same
 * transaction. The pragma is a no-op inside a transaction, hence set around
 * it; everything else on the connection keeps enforcement. */
static bool begin_results(zj_store *st)
{
    /* PostgreSQL: writers insert side by side (a re-scored call's row is
     * locked by SELECT ... FOR UPDATE before it is read, and an insert
     * meeting another's uncommitted call waits for it) and take the write
     * lock only for the aggregates at the commit. */
    if (postgres(st))
        return exec(st, "BEGIN");
    return exec(st, "PRAGMA foreign_keys=OFF") && exec(st, "BEGIN IMMEDIATE");
}

/* After the COMMIT, or to give up (once the error is taken): rolls back
 * whatever is still open. */
static void end_results(zj_store *st)
{
    rollback(st);
    zj_agg_clear(st->agg); /* written (committed) or rolled back */
    st->in_txn = false;
    exec(st, "PRAGMA foreign_keys=ON");
}

zj_status zj_store_put_batch(zj_store *st, int64_t run_id, int64_t ruleset_id, const zj_ruleset *rs,
                             const zj_scored *calls, size_t n, const uint64_t *watermarks,
                             size_t n_inputs, size_t rejected, zj_error *err)
{
    if (!st->in_txn) {
        if (!begin_results(st)) {
            zj_status s = db_error(st, err, "cannot store results");
            end_results(st);
            return s;
        }
        st->in_txn = true;
    }
    zj_buf blob;
    zj_buf_init(&blob);
    bool ok = true;
    int64_t rows[CALL_CHUNK];
    for (size_t i = 0; i < n && ok;) {
        if (st->ins_calls && n - i >= CALL_CHUNK) {
            ok = insert_calls(st, run_id, ruleset_id, calls + i, rows);
            for (size_t k = 0; k < CALL_CHUNK && ok; k++, i++)
                ok = put_call(st, run_id, ruleset_id, rs, &calls[i], calls[i].call->source, rows[k],
                              &blob);
        } else {
            ok = put_call(st, run_id, ruleset_id, rs, &calls[i], calls[i].call->source, -1, &blob);
            i++;
        }
    }
    if (ok && (st->wm_run != run_id || st->wm_n != n_inputs)) {
        uint64_t *w = realloc(st->wm_written, (n_inputs ? n_inputs : 1) * sizeof *w);
        if (w) {
            for (size_t i = 0; i < n_inputs; i++)
                w[i] = UINT64_MAX; /* unknown: write it */
            st->wm_written = w;
            st->wm_n = n_inputs;
            st->wm_run = run_id;
        } else {
            st->wm_n = 0;
        }
    }
    bool tracked = st->wm_n == n_inputs && st->wm_run == run_id;
    for (size_t i = 0; i < n_inputs && ok; i++) {
        if (tracked && st->wm_written[i] == watermarks[i])
            continue;
        zj_stmt *q = st->upd_input;
        zj_db_reset(q);
        zj_db_bind_int64(q, 1, run_id);
        zj_db_bind_int64(q, 2, (int64_t)i);
        zj_db_bind_int64(q, 3, (int64_t)watermarks[i]);
        zj_db_bind_int(q, 4, 0);
        ok = zj_db_step(q) == ZJ_DB_DONE;
        if (ok && tracked)
            st->wm_written[i] = watermarks[i];
    }
    if (ok) {
        zj_stmt *q = st->upd_run;
        zj_db_reset(q);
        zj_db_bind_int64(q, 1, run_id);
        zj_db_bind_int64(q, 2, (int64_t)n);
        zj_db_bind_int64(q, 3, (int64_t)rejected);
        ok = zj_db_step(q) == ZJ_DB_DONE;
    }
    zj_buf_free(&blob);
    if (ok)
        return ZJ_OK;
    zj_status s = db_error(st, err, "cannot store results");
    end_results(st);
    st->wm_n = 0; /* rolled back: what was written is unknown again */
    return s;
}

zj_status zj_store_commit(zj_store *st, zj_error *err)
{
    if (!st->in_txn)
        return ZJ_OK;
    /* The aggregates in the same transaction as the calls they count; on
     * PostgreSQL under the write lock, so that their sums never race. */
    zj_status s = postgres(st) && !exec(st, ZJ_DB_PG_WRITE_LOCK)
                      ? db_error(st, err, "cannot store results")
                      : zj_agg_flush(st->agg, st, err);
    if (s == ZJ_OK)
        s = exec(st, "COMMIT") ? ZJ_OK : db_error(st, err, "cannot store results");
    end_results(st);
    if (s != ZJ_OK)
        st->wm_n = 0;
    return s;
}

/* --------------------------------------------------------------- reading */

static char *col_dup(zj_stmt *q, int i)
{
    const unsigned char *t = zj_db_column_text(q, i);
    return t ? zj_strdup((const char *)t) : NULL;
}

/* col_dup that tells a NULL column (NULL, fine) from a failed copy (NULL,
 * and *lost set): `show` must never print a call with a field missing. */
static char *col_dup_checked(bool *lost, zj_stmt *q, int i)
{
    if (zj_db_column_type(q, i) == ZJ_DB_NULL)
        return NULL;
    char *copy = col_dup(q, i);
    *lost |= !copy;
    return copy;
}

void zj_stored_call_free(zj_stored_call *sc)
{
    if (!sc)
        return;
    if (sc->call) {
        sc->call->source = NULL;
        zj_call_free(sc->call);
    }
    free(sc->ruleset);
    free(sc->sha256);
    free(sc->grade);
    for (size_t i = 0; i < sc->n_findings; i++) {
        zj_stored_finding *f = &sc->findings[i];
        free(f->rule_id);
        free(f->kind);
        free(f->outcome);
        free(f->severity);
        free(f->clause);
        free(f->title);
        free(f->text);
        free(f->unit);
    }
    free(sc->findings);
    memset(sc, 0, sizeof *sc);
}

/* Rule titles of a rule set, sorted by rule id: looked up per finding (a
 * join did a scan of the rule set's rules for each of them). */
typedef struct rule_titles {
    struct rule_title {
        char *id, *title;
    } * v;
    size_t n;
} rule_titles;

static int cmp_title(const void *a, const void *b)
{
    return strcmp(((const struct rule_title *)a)->id, ((const struct rule_title *)b)->id);
}

static void titles_free(rule_titles *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->v[i].id);
        free(t->v[i].title);
    }
    free(t->v);
    memset(t, 0, sizeof *t);
}

static zj_status load_titles(zj_store *st, int64_t ruleset_id, rule_titles *t)
{
    zj_stmt *q;
    if (zj_db_prepare_v2(st->db, "SELECT rule_id, title FROM rules WHERE ruleset_id = ?1", -1, &q,
                         NULL) != ZJ_DB_OK)
        return ZJ_ERR_IO;
    zj_db_bind_int64(q, 1, ruleset_id);
    size_t cap = 0;
    zj_status s = ZJ_OK;
    int rc;
    while (s == ZJ_OK && (rc = zj_db_step(q)) == ZJ_DB_ROW) {
        if (t->n == cap) {
            cap = cap ? cap * 2 : 64;
            struct rule_title *v = realloc(t->v, cap * sizeof *v);
            if (!v) {
                s = ZJ_ERR_NOMEM;
                break;
            }
            t->v = v;
        }
        bool lost = false;
        t->v[t->n] =
            (struct rule_title){col_dup_checked(&lost, q, 0), col_dup_checked(&lost, q, 1)};
        if (lost || !t->v[t->n].id)
            s = ZJ_ERR_NOMEM;
        t->n++;
    }
    if (s == ZJ_OK && rc != ZJ_DB_DONE)
        s = ZJ_ERR_IO;
    zj_db_finalize(q);
    if (s == ZJ_OK && t->n)
        qsort(t->v, t->n, sizeof *t->v, cmp_title);
    return s;
}

static bool title_of_exists(const rule_titles *t, const char *rule_id)
{
    if (!rule_id || !t->n)
        return false;
    struct rule_title key = {(char *)rule_id, NULL};
    const struct rule_title *hit = bsearch(&key, t->v, t->n, sizeof *t->v, cmp_title);
    return hit && hit->title;
}

static char *title_of(const rule_titles *t, const char *rule_id)
{
    if (!rule_id || !t->n)
        return NULL;
    struct rule_title key = {(char *)rule_id, NULL};
    const struct rule_title *hit = bsearch(&key, t->v, t->n, sizeof *t->v, cmp_title);
    return hit && hit->title ? zj_strdup(hit->title) : NULL;
}

/* 1 when the findings table has the v4 `quoted` column, 0 when the file is
 * older (opened read-only as it is), -1 when it cannot be told. */
/* Whether the findings table has column name (1), not (0), or the query
 * failed (-1): a reader may open an older file as it is, without the columns
 * later schema versions added. */
static int findings_have(zj_store *st, const char *name)
{
    zj_stmt *q;
    int has = -1;
    const char *sql = postgres(st) ? "SELECT count(*) FROM information_schema.columns WHERE"
                                     " table_schema = current_schema() AND table_name = 'findings'"
                                     " AND column_name = ?1"
                                   : "SELECT count(*) FROM pragma_table_info('findings') WHERE"
                                     " name = ?1";
    if (zj_db_prepare_v2(st->db, sql, -1, &q, NULL) == ZJ_DB_OK &&
        zj_db_bind_text(q, 1, name, -1, ZJ_DB_STATIC) == ZJ_DB_OK && zj_db_step(q) == ZJ_DB_ROW)
        has = zj_db_column_int(q, 0) > 0;
    zj_db_finalize(q);
    return has;
}

/* One problem of the integrity check as "damaged: ..." lines: a row may
 * hold several lines, the first naming the schema ("*** in database main
 * ***"), which is no problem itself. */
static void list_problem(zj_buf *report, const char *row)
{
    for (const char *p = row; *p;) {
        size_t n = strcspn(p, "\n");
        if (strncmp(p, "*** in database ", strlen("*** in database ")) != 0) {
            zj_buf_puts(report, "damaged: ");
            zj_buf_append(report, p, n);
            zj_buf_puts(report, "\n");
        }
        p += n + (p[n] == '\n');
    }
}

zj_status zj_store_integrity(zj_store *st, zj_buf *report, long *n_problems, zj_error *err)
{
    *n_problems = 0;
    if (postgres(st))
        return ZJ_OK;
    zj_stmt *q;
    /* 100 problems are enough to say a file is damaged. */
    if (zj_db_prepare_v2(st->db, "PRAGMA integrity_check(100)", -1, &q, NULL) != ZJ_DB_OK)
        return db_error(st, err, "cannot check the database file");
    int rc;
    zj_status failed = ZJ_OK;
    while ((rc = zj_db_step(q)) == ZJ_DB_ROW) {
        const char *line = (const char *)zj_db_column_text(q, 0);
        if (line && !strcmp(line, "ok"))
            continue;
        /* A page the check could not read for want of memory (SQLITE_NOMEM,
         * 7) or by an I/O error (SQLITE_IOERR, 10, or an extended code of
         * it: the low byte is the primary code) says nothing of the file:
         * calling it damaged would send the user to an older backup. */
        const char *code = line ? strstr(line, "error code=") : NULL;
        long primary = code ? strtol(code + strlen("error code="), NULL, 10) & 0xff : 0;
        if (primary == 7 || primary == 10) {
            failed = primary == 7 ? ZJ_ERR_NOMEM : ZJ_ERR_IO;
            break;
        }
        if (++*n_problems <= 10)
            list_problem(report, line ? line : "");
    }
    zj_db_finalize(q);
    if (failed != ZJ_OK)
        return zj_error_set(err, failed, st->path, 0, 0,
                            "cannot check the database file: %s (the file itself may be sound)",
                            failed == ZJ_ERR_NOMEM ? "out of memory" : "an I/O error");
    /* Damage the check cannot read past (a page's cell pointers out of
     * range) ends it with SQLITE_CORRUPT after the problems it found: the
     * file is damaged, and the place where the check stopped is one more. */
    if ((rc & 0xff) == ZJ_DB_CORRUPT) {
        if (++*n_problems <= 10)
            zj_buf_printf(report, "damaged: %s (the check stops here)\n", zj_db_errmsg(st->db));
        rc = ZJ_DB_DONE;
    }
    if (rc != ZJ_DB_DONE)
        return db_error(st, err, "cannot check the database file");
    if (report->failed)
        return zj_error_set(err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory");
    return ZJ_OK;
}

zj_status zj_store_get_call(zj_store *st, const char *call_id, int64_t ruleset_id,
                            zj_stored_call *out, zj_error *err)
{
    memset(out, 0, sizeof *out);
    zj_stmt *q;
    if (zj_db_prepare_v2(st->db,
                         "SELECT c.id, c.agent_id, c.agent_name, c.team, c.direction,"
                         " c.call_type, c.started_at, c.score, c.passed, c.grade, c.fatal,"
                         " r.name || '@' || r.version, r.sha256, t.data"
                         " FROM calls c JOIN rulesets r ON r.id = c.ruleset_id"
                         " LEFT JOIN turns t ON t.call_row = c.id"
                         " WHERE c.call_id = ?1 AND c.ruleset_id = ?2",
                         -1, &q, NULL) != ZJ_DB_OK)
        return db_error(st, err, "cannot read the call");
    zj_db_bind_text(q, 1, call_id, -1, ZJ_DB_STATIC);
    zj_db_bind_int64(q, 2, ruleset_id);
    int rc = zj_db_step(q);
    if (rc != ZJ_DB_ROW) {
        /* Only a query that ran to its end says the call is not there. */
        zj_status s = rc == ZJ_DB_DONE
                          ? zj_error_set(err, ZJ_ERR_NOTFOUND, st->path, 0, 0,
                                         "no call '%s' scored with this rule set", call_id)
                          : db_error(st, err, "cannot read the call");
        zj_db_finalize(q);
        return s;
    }
    int64_t row = zj_db_column_int64(q, 0);
    zj_test_read_pause();
    zj_call *c = calloc(1, sizeof *c);
    out->call = c;
    if (!c) {
        zj_db_finalize(q);
        return zj_error_set(err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory");
    }
    bool lost = false; /* a copy failed: out of memory */
    c->call_id = zj_strdup(call_id);
    lost |= !c->call_id;
    c->agent_id = col_dup_checked(&lost, q, 1);
    c->agent_name = col_dup_checked(&lost, q, 2);
    c->team = col_dup_checked(&lost, q, 3);
    c->direction = col_dup_checked(&lost, q, 4);
    c->call_type = col_dup_checked(&lost, q, 5);
    c->started_at = col_dup_checked(&lost, q, 6);
    c->ring_ms = -1;
    c->started_at_utc_ms = INT64_MIN;
    out->score = zj_db_column_int(q, 7);
    out->passed = zj_db_column_int(q, 8);
    out->grade = col_dup_checked(&lost, q, 9);
    out->fatal = zj_db_column_int(q, 10);
    out->ruleset = col_dup_checked(&lost, q, 11);
    out->sha256 = col_dup_checked(&lost, q, 12);
    zj_status s = decode_turns(zj_db_column_blob(q, 13), (size_t)zj_db_column_bytes(q, 13), c);
    zj_db_finalize(q);
    if (lost || s == ZJ_ERR_NOMEM) {
        zj_stored_call_free(out);
        return zj_error_set(err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory");
    }
    if (s != ZJ_OK) {
        zj_stored_call_free(out);
        return zj_error_set(err, s, st->path, 0, 0, "the stored transcript of '%s' is damaged",
                            call_id);
    }
    rule_titles titles = {0};
    /* A reader may open an older file as it is: columns it lacks read as
     * their defaults (not fuzzy, no unit, not quoted). */
    int has_fuzzy = findings_have(st, "fuzzy"), has_unit = findings_have(st, "unit"),
        has_quoted = findings_have(st, "quoted");
    char *sql = has_fuzzy < 0 || has_unit < 0 || has_quoted < 0
                    ? NULL
                    : zj_sqlf("SELECT rule_id, kind, outcome, severity, clause, text, points,"
                              " turn, span_start, span_end, start_ms, fatal, %s, value, %s, %s"
                              " FROM findings WHERE call_row = ?1 ORDER BY seq",
                              has_fuzzy ? "fuzzy" : "0", has_unit ? "unit" : "NULL",
                              has_quoted ? "quoted" : "0");
    if (!sql || load_titles(st, ruleset_id, &titles) != ZJ_OK ||
        zj_db_prepare_v2(st->db, sql, -1, &q, NULL) != ZJ_DB_OK) {
        free(sql);
        titles_free(&titles);
        zj_stored_call_free(out);
        return db_error(st, err, "cannot read the findings");
    }
    free(sql);
    zj_db_bind_int64(q, 1, row);
    size_t cap = 0;
    while ((rc = zj_db_step(q)) == ZJ_DB_ROW) {
        if (out->n_findings == cap) {
            cap = cap ? cap * 2 : 16;
            zj_stored_finding *v = realloc(out->findings, cap * sizeof *v);
            if (!v) {
                rc = ZJ_DB_NOMEM;
                break;
            }
            out->findings = v;
        }
        zj_stored_finding *f = &out->findings[out->n_findings++];
        memset(f, 0, sizeof *f);
        f->rule_id = col_dup_checked(&lost, q, 0);
        f->kind = col_dup_checked(&lost, q, 1);
        f->outcome = col_dup_checked(&lost, q, 2);
        f->severity = col_dup_checked(&lost, q, 3);
        f->clause = col_dup_checked(&lost, q, 4);
        f->title = title_of(&titles, f->rule_id);
        lost |= !f->title && title_of_exists(&titles, f->rule_id);
        f->text = col_dup_checked(&lost, q, 5);
        f->points = zj_db_column_int(q, 6);
        f->turn = zj_db_column_type(q, 7) == ZJ_DB_NULL ? -1 : zj_db_column_int(q, 7);
        f->span_start = zj_db_column_int(q, 8);
        f->span_end = zj_db_column_int(q, 9);
        f->start_ms = zj_db_column_type(q, 10) == ZJ_DB_NULL ? -1 : zj_db_column_int64(q, 10);
        f->fatal = zj_db_column_int(q, 11);
        f->fuzzy = zj_db_column_int(q, 12);
        f->has_value = zj_db_column_type(q, 13) != ZJ_DB_NULL;
        f->value = zj_db_column_int64(q, 13);
        f->unit = col_dup_checked(&lost, q, 14);
        f->quoted = zj_db_column_int(q, 15);
        if (lost) {
            rc = ZJ_DB_NOMEM;
            break;
        }
    }
    zj_db_finalize(q);
    titles_free(&titles);
    if (rc != ZJ_DB_DONE) {
        zj_stored_call_free(out);
        return rc == ZJ_DB_NOMEM ? zj_error_set(err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory")
                                 : db_error(st, err, "cannot read the findings");
    }
    return ZJ_OK;
}

/* For the report modules: the store's last SQLite error as an error record
 * (the database path, what was being done, SQLite's message). */
zj_status zj_store_error(zj_store *st, zj_error *err, const char *what)
{
    return db_error(st, err, what);
}

bool zj_store_has_table(zj_store *st, const char *name)
{
    zj_stmt *q;
    const char *sql = postgres(st)
                          ? "SELECT 1 FROM pg_catalog.pg_tables WHERE"
                            " schemaname = current_schema() AND tablename = ?1"
                          : "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1";
    bool yes = zj_db_prepare_v2(st->db, sql, -1, &q, NULL) == ZJ_DB_OK &&
               zj_db_bind_text(q, 1, name, -1, ZJ_DB_STATIC) == ZJ_DB_OK &&
               zj_db_step(q) == ZJ_DB_ROW;
    zj_db_finalize(q);
    return yes;
}
