/* store.c — the SQLite result store: schema and migrations, rule sets, runs
 * with resume watermarks, batched transactional writes of scored calls, and
 * reading one call back for `show`. */
#include "internal.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct zj_store {
    sqlite3 *db;
    char *path;
    bool write;
    bool in_txn; /* a results transaction spanning several batches is open */
    /* A re-scored call's findings, transcript and sample entries, then the call. */
    sqlite3_stmt *del_replaced[4];
    sqlite3_stmt *ins_call, *ins_turns, *upd_input, *upd_run;
    sqlite3_stmt *ins_findings[5]; /* 16, 8, 4, 2 and 1 rows at once */
    /* Watermarks as last written for run wm_run: a batch writes only those
     * that moved (a run over 50,000 one-call files rewrote all of them for
     * every 1,000 calls). */
    uint64_t *wm_written;
    size_t wm_n;
    int64_t wm_run;
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
    /* v4: a forbidden hit inside quoted or reported speech (the agent
     * repeating someone else's words) is kept as an observation with 0
     * points; readers of older files see every finding as not quoted. */
    "ALTER TABLE findings ADD COLUMN quoted INTEGER NOT NULL DEFAULT 0;",
};
/* Migrations from this version on only drop indexes or add what readers do
 * not need, so a reader may use an older file as it is. */
#define READER_COMPATIBLE_FROM 1
#define N_MIGRATIONS (sizeof migrations / sizeof *migrations)

static zj_status db_error(zj_store *st, zj_error *err, const char *what)
{
    int code = st && st->db ? sqlite3_errcode(st->db) : SQLITE_ERROR;
    int primary = code & 0xff;
    zj_status status = primary == SQLITE_BUSY || primary == SQLITE_LOCKED ? ZJ_ERR_BUSY
                       : primary == SQLITE_FULL                           ? ZJ_ERR_FULL
                                                                          : ZJ_ERR_DB;
    const char *msg = st && st->db ? sqlite3_errmsg(st->db) : "cannot open";
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
    return sqlite3_exec(st->db, sql, NULL, NULL, NULL) == SQLITE_OK;
}

static void rollback(zj_store *st)
{
    if (!sqlite3_get_autocommit(st->db))
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

static int user_version(zj_store *st)
{
    sqlite3_stmt *q;
    int v = -1;
    if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        v = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    return v;
}

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
    if (v == (int)N_MIGRATIONS || (!st->write && v >= READER_COMPATIBLE_FROM))
        return ZJ_OK;
    if (!st->write)
        return zj_error_set(err, ZJ_ERR_DB, st->path, 0, 0,
                            "database schema version %d is older than %d; run `zhijian score` "
                            "once to migrate it",
                            v, (int)N_MIGRATIONS);
    if (!exec(st, "BEGIN IMMEDIATE"))
        return db_error(st, err, "cannot migrate the schema");
    /* Re-read under the write lock: another process may have migrated. */
    v = user_version(st);
    for (; v < (int)N_MIGRATIONS; v++) {
        char pragma[64];
        snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", v + 1);
        if (!exec(st, migrations[v]) || !exec(st, pragma)) {
            zj_status s = db_error(st, err, "schema migration failed");
            rollback(st);
            return s;
        }
    }
    if (!exec(st, "COMMIT")) {
        zj_status s = db_error(st, err, "schema migration failed");
        rollback(st);
        return s;
    }
    return ZJ_OK;
}

#define REPLACED_ROW "(SELECT id FROM calls WHERE call_id = ?1 AND ruleset_id = ?2)"
static const char *const statements[][2] = {
    {"del_findings", "DELETE FROM findings WHERE call_row = " REPLACED_ROW},
    {"del_turns", "DELETE FROM turns WHERE call_row = " REPLACED_ROW},
    {"del_samples", "DELETE FROM sample_calls WHERE call_row = " REPLACED_ROW},
    {"del_call", "DELETE FROM calls WHERE call_id = ?1 AND ruleset_id = ?2"},
    {"ins_call",
     "INSERT INTO calls (call_id, ruleset_id, run_id, agent_id, agent_name, team, direction,"
     " call_type, started_at, started_utc_ms, local_date, iso_week, duration_ms, n_turns,"
     " score, passed, grade, fatal, input_path, input_sha256)"
     " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20)"},
    {"ins_turns", "INSERT INTO turns (call_row, data) VALUES (?1, ?2)"},
    {"upd_input", "UPDATE run_inputs SET watermark = ?3, done = ?4 WHERE run_id = ?1 AND idx = ?2"},
    {"upd_run",
     "UPDATE runs SET calls_scored = calls_scored + ?2, calls_rejected = ?3 WHERE id = ?1"},
};

/* Findings go in up to 16 rows per statement (a call's n findings as the
 * binary digits of n): the bundled standard stores ~20 findings per call, and
 * one statement per row spent more time in statement overhead than in the
 * B-tree (17% of the scoring run's CPU). */
#define FINDING_COLUMNS 17

static char *multi_row_insert(int rows)
{
    zj_buf b;
    zj_buf_init(&b);
    zj_buf_puts(&b, "INSERT INTO findings (call_row, seq, rule_id, kind, outcome, severity, points,"
                     " turn, speaker, span_start, span_end, text, start_ms, value, clause, fatal,"
                    " quoted)"
                    " VALUES ");
    for (int r = 0; r < rows; r++) {
        zj_buf_puts(&b, r ? ",(" : "(");
        for (int c = 0; c < FINDING_COLUMNS; c++)
            zj_buf_printf(&b, "%s?%d", c ? "," : "", r * FINDING_COLUMNS + c + 1);
        zj_buf_puts(&b, ")");
    }
    return b.data;
}

static zj_status prepare_all(zj_store *st, zj_error *err)
{
    for (int k = 0; k < 5; k++) {
        char *sql = multi_row_insert(16 >> k);
        int rc = sql ? sqlite3_prepare_v2(st->db, sql, -1, &st->ins_findings[k], NULL)
                     : SQLITE_NOMEM;
        free(sql);
        if (rc != SQLITE_OK)
            return db_error(st, err, "cannot prepare statements");
    }
    sqlite3_stmt **slots[] = {&st->del_replaced[0], &st->del_replaced[1], &st->del_replaced[2],
                              &st->del_replaced[3], &st->ins_call,        &st->ins_turns,
                              &st->upd_input,       &st->upd_run};
    for (size_t i = 0; i < sizeof slots / sizeof *slots; i++)
        if (sqlite3_prepare_v2(st->db, statements[i][1], -1, slots[i], NULL) != SQLITE_OK)
            return db_error(st, err, "cannot prepare statements");
    return ZJ_OK;
}

/* SQLite's memory statistics take a global mutex on every allocation; nothing
 * here reads them. Must run before SQLite initializes. */
static void configure_sqlite(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

zj_store *zj_store_open(const char *path, bool write, zj_error *err)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, configure_sqlite);
    zj_store *st = calloc(1, sizeof *st);
    if (!st) {
        zj_error_set(err, ZJ_ERR_NOMEM, path, 0, 0, "out of memory");
        return NULL;
    }
    st->path = zj_strdup(path);
    st->write = write;
    if (!write && access(path, F_OK) != 0) {
        zj_error_set(err, ZJ_ERR_NOTFOUND, path, 0, 0,
                     "no database here (run `zhijian score` first, or pass --db PATH)");
        zj_store_close(st);
        return NULL;
    }
    int flags = write ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY;
    if (sqlite3_open_v2(path, &st->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        const char *why = st->db ? sqlite3_errmsg(st->db) : "cannot open";
        zj_error_set(err, ZJ_ERR_IO, path, 0, 0, "cannot open the database: %s%s", why,
                     write ? " (is its directory writable?)" : "");
        zj_store_close(st);
        return NULL;
    }
    sqlite3_busy_timeout(st->db, 5000);
    zj_status s = ZJ_OK;
    /* 16 KiB pages (new files only): a quarter of the page writes and system
     * calls of the default 4 KiB for the same rows, measured ~20% faster
     * scoring runs; the writer's cache holds a whole results transaction. */
    if (write) {
        exec(st, "PRAGMA page_size=16384");
        exec(st, "PRAGMA cache_size=-32768");
    }
    if (write && (!exec(st, "PRAGMA journal_mode=WAL") || !exec(st, "PRAGMA synchronous=NORMAL")))
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
    if (s == ZJ_OK)
        s = migrate(st, err);
    if (s == ZJ_OK && write)
        s = prepare_all(st, err);
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
    for (int k = 0; k < 4; k++)
        sqlite3_finalize(st->del_replaced[k]);
    sqlite3_finalize(st->ins_call);
    sqlite3_finalize(st->ins_turns);
    for (int k = 0; k < 5; k++)
        sqlite3_finalize(st->ins_findings[k]);
    sqlite3_finalize(st->upd_input);
    sqlite3_finalize(st->upd_run);
    free(st->wm_written);
    if (st->db)
        sqlite3_close(st->db);
    free(st->path);
    free(st);
}

void *zj_store_db(zj_store *st)
{
    return st->db;
}

/* ------------------------------------------------------------- time helpers */

static void utc_now(char out[32])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
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
    sqlite3_stmt *q = NULL;
    zj_status s = ZJ_OK;
    if (!exec(st, "BEGIN IMMEDIATE"))
        return db_error(st, err, "cannot register the rule set");
    if (sqlite3_prepare_v2(st->db, "SELECT id FROM rulesets WHERE sha256 = ?1", -1, &q, NULL) !=
        SQLITE_OK)
        goto fail;
    sqlite3_bind_text(q, 1, rs->sha256, -1, SQLITE_STATIC);
    if (sqlite3_step(q) == SQLITE_ROW)
        *ruleset_id = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    q = NULL;
    if (*ruleset_id == 0) {
        if (sqlite3_prepare_v2(st->db,
                               "SELECT count(*) FROM rulesets WHERE name = ?1 AND version = ?2", -1,
                               &q, NULL) != SQLITE_OK)
            goto fail;
        sqlite3_bind_text(q, 1, rs->name, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 2, rs->version, -1, SQLITE_STATIC);
        if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_int(q, 0) > 0)
            *version_reused = true;
        sqlite3_finalize(q);
        q = NULL;
        char now[32];
        utc_now(now);
        if (sqlite3_prepare_v2(st->db,
                               "INSERT INTO rulesets (name, version, sha256, title, yaml, base,"
                               " pass, loaded_at) VALUES (?1,?2,?3,?4,?5,?6,?7,?8)",
                               -1, &q, NULL) != SQLITE_OK)
            goto fail;
        sqlite3_bind_text(q, 1, rs->name, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 2, rs->version, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 3, rs->sha256, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 4, rs->title, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 5, rs->yaml, (int)rs->yaml_len, SQLITE_STATIC);
        sqlite3_bind_int(q, 6, rs->base);
        sqlite3_bind_int(q, 7, rs->pass);
        sqlite3_bind_text(q, 8, now, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(q) != SQLITE_DONE)
            goto fail;
        sqlite3_finalize(q);
        q = NULL;
        *ruleset_id = sqlite3_last_insert_rowid(st->db);
        if (sqlite3_prepare_v2(st->db,
                               "INSERT INTO rules (ruleset_id, idx, rule_id, kind, severity,"
                               " category, clause, title, points, max_points, fatal, speaker)"
                               " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)",
                               -1, &q, NULL) != SQLITE_OK)
            goto fail;
        for (size_t i = 0; i < rs->n_rules; i++) {
            const zj_rule *r = &rs->rules[i];
            sqlite3_reset(q);
            sqlite3_bind_int64(q, 1, *ruleset_id);
            sqlite3_bind_int64(q, 2, (int64_t)i);
            sqlite3_bind_text(q, 3, r->id, -1, SQLITE_STATIC);
            sqlite3_bind_text(q, 4, zj_kind_name(r->kind), -1, SQLITE_STATIC);
            sqlite3_bind_text(q, 5, zj_severity_name(r->severity), -1, SQLITE_STATIC);
            sqlite3_bind_text(q, 6, r->category, -1, SQLITE_STATIC);
            sqlite3_bind_text(q, 7, r->clause, -1, SQLITE_STATIC);
            sqlite3_bind_text(q, 8, r->title, -1, SQLITE_STATIC);
            sqlite3_bind_int(q, 9, r->points);
            sqlite3_bind_int(q, 10, r->max_points);
            sqlite3_bind_int(q, 11, r->fatal);
            sqlite3_bind_text(q, 12, zj_speaker_name(r->speaker), -1, SQLITE_STATIC);
            if (sqlite3_step(q) != SQLITE_DONE)
                goto fail;
        }
        sqlite3_finalize(q);
        q = NULL;
    }
    if (!exec(st, "COMMIT"))
        goto fail;
    return ZJ_OK;
fail:
    s = db_error(st, err, "cannot register the rule set");
    sqlite3_finalize(q);
    rollback(st);
    return s;
}

zj_status zj_store_find_ruleset(zj_store *st, const char *spec, int64_t *ruleset_id, zj_error *err)
{
    sqlite3_stmt *q;
    const char *sql;
    char name[256] = "", version[256] = "";
    if (!spec) {
        sql = "SELECT r.id FROM rulesets r WHERE EXISTS (SELECT 1 FROM calls c WHERE"
              " c.ruleset_id = r.id) ORDER BY r.id DESC LIMIT 1";
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
    if (sqlite3_prepare_v2(st->db, sql, -1, &q, NULL) != SQLITE_OK)
        return db_error(st, err, "cannot look up the rule set");
    if (spec) {
        sqlite3_bind_text(q, 1, name, -1, SQLITE_TRANSIENT);
        if (version[0])
            sqlite3_bind_text(q, 2, version, -1, SQLITE_TRANSIENT);
    }
    int rc = sqlite3_step(q);
    *ruleset_id = rc == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
    sqlite3_finalize(q);
    if (rc != SQLITE_ROW) {
        if (spec)
            return zj_error_set(err, ZJ_ERR_NOTFOUND, st->path, 0, 0,
                                "no rule set '%s' in the database", spec);
        return zj_error_set(err, ZJ_ERR_NOTFOUND, st->path, 0, 0,
                            "the database holds no scored calls yet (run `zhijian score`)");
    }
    return ZJ_OK;
}

/* ----------------------------------------------------------------- runs */

zj_status zj_store_begin_run(zj_store *st, int64_t ruleset_id, const char *argv,
                             const char *const *inputs, const uint64_t *sizes, size_t n_inputs,
                             int64_t resumed_from, int64_t *run_id, zj_error *err)
{
    sqlite3_stmt *q = NULL;
    char now[32], host[256] = "";
    utc_now(now);
    gethostname(host, sizeof host - 1);
    const char *user = getenv("USER");
    if (!exec(st, "BEGIN IMMEDIATE"))
        return db_error(st, err, "cannot start the run");
    if (sqlite3_prepare_v2(st->db,
                           "INSERT INTO runs (ruleset_id, started_at, status, tool_version,"
                           " user_name, host, argv, resumed_from)"
                           " VALUES (?1,?2,'running',?3,?4,?5,?6,?7)",
                           -1, &q, NULL) != SQLITE_OK)
        goto fail;
    sqlite3_bind_int64(q, 1, ruleset_id);
    sqlite3_bind_text(q, 2, now, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 3, ZJ_VERSION, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 4, user, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 5, host, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 6, argv, -1, SQLITE_STATIC);
    if (resumed_from > 0)
        sqlite3_bind_int64(q, 7, resumed_from);
    if (sqlite3_step(q) != SQLITE_DONE)
        goto fail;
    sqlite3_finalize(q);
    q = NULL;
    *run_id = sqlite3_last_insert_rowid(st->db);
    if (sqlite3_prepare_v2(st->db,
                           "INSERT INTO run_inputs (run_id, idx, path, size) VALUES (?1,?2,?3,?4)",
                           -1, &q, NULL) != SQLITE_OK)
        goto fail;
    for (size_t i = 0; i < n_inputs; i++) {
        sqlite3_reset(q);
        sqlite3_bind_int64(q, 1, *run_id);
        sqlite3_bind_int64(q, 2, (int64_t)i);
        sqlite3_bind_text(q, 3, inputs[i], -1, SQLITE_STATIC);
        struct stat sb;
        if (sizes && sizes[i])
            sqlite3_bind_int64(q, 4, (int64_t)sizes[i]);
        else if (!sizes && strcmp(inputs[i], "-") != 0 && stat(inputs[i], &sb) == 0 &&
                 S_ISREG(sb.st_mode))
            sqlite3_bind_int64(q, 4, (int64_t)sb.st_size);
        else
            sqlite3_bind_null(q, 4);
        if (sqlite3_step(q) != SQLITE_DONE)
            goto fail;
    }
    sqlite3_finalize(q);
    if (!exec(st, "COMMIT"))
        goto fail_nq;
    return ZJ_OK;
fail:
    sqlite3_finalize(q);
fail_nq:;
    zj_status s = db_error(st, err, "cannot start the run");
    rollback(st);
    return s;
}

zj_status zj_store_resume_point(zj_store *st, int64_t ruleset_id, const char *const *inputs,
                                size_t n_inputs, int64_t *run_id, uint64_t *watermarks,
                                zj_error *err)
{
    *run_id = 0;
    for (size_t i = 0; i < n_inputs; i++)
        watermarks[i] = 0;
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT id FROM runs WHERE ruleset_id = ?1 AND status = 'running'"
                           " ORDER BY id DESC",
                           -1, &q, NULL) != SQLITE_OK)
        return db_error(st, err, "cannot find the run to resume");
    sqlite3_bind_int64(q, 1, ruleset_id);
    sqlite3_stmt *in;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT idx, path, watermark FROM run_inputs WHERE run_id = ?1"
                           " ORDER BY idx",
                           -1, &in, NULL) != SQLITE_OK) {
        sqlite3_finalize(q);
        return db_error(st, err, "cannot find the run to resume");
    }
    while (*run_id == 0 && sqlite3_step(q) == SQLITE_ROW) {
        int64_t candidate = sqlite3_column_int64(q, 0);
        sqlite3_reset(in);
        sqlite3_bind_int64(in, 1, candidate);
        size_t count = 0;
        bool same = true;
        while (sqlite3_step(in) == SQLITE_ROW) {
            size_t idx = (size_t)sqlite3_column_int64(in, 0);
            const char *path = (const char *)sqlite3_column_text(in, 1);
            if (idx >= n_inputs || !path || strcmp(path, inputs[idx]) != 0)
                same = false;
            else
                watermarks[idx] = (uint64_t)sqlite3_column_int64(in, 2);
            count++;
        }
        if (same && count == n_inputs)
            *run_id = candidate;
        else
            for (size_t i = 0; i < n_inputs; i++)
                watermarks[i] = 0;
    }
    sqlite3_finalize(in);
    sqlite3_finalize(q);
    return ZJ_OK;
}

zj_status zj_store_finish_run(zj_store *st, int64_t run_id, const char *status, zj_error *err)
{
    if (zj_store_commit(st, err) != ZJ_OK)
        return err ? err->status : ZJ_ERR_DB;
    sqlite3_stmt *q;
    char now[32];
    utc_now(now);
    if (sqlite3_prepare_v2(st->db, "UPDATE runs SET status = ?2, finished_at = ?3 WHERE id = ?1",
                           -1, &q, NULL) != SQLITE_OK)
        return db_error(st, err, "cannot finish the run");
    sqlite3_bind_int64(q, 1, run_id);
    sqlite3_bind_text(q, 2, status, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, now, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(q);
    sqlite3_finalize(q);
    if (rc == SQLITE_DONE && (strcmp(status, "done") == 0 || strcmp(status, "partial") == 0)) {
        /* Every input was read to its end. */
        if (sqlite3_prepare_v2(st->db, "UPDATE run_inputs SET done = 1 WHERE run_id = ?1", -1, &q,
                               NULL) != SQLITE_OK)
            return db_error(st, err, "cannot finish the run");
        sqlite3_bind_int64(q, 1, run_id);
        rc = sqlite3_step(q);
        sqlite3_finalize(q);
    }
    if (rc != SQLITE_DONE)
        return db_error(st, err, "cannot finish the run");
    return ZJ_OK;
}

/* --------------------------------------------------------------- writing */

/* Transcript blob: version byte 1, then per turn: speaker (1 byte), start_ms
 * and end_ms (8 bytes each, little endian, -1 = absent), text length (4 bytes)
 * and the text's UTF-8 bytes. */
static zj_status encode_turns(const zj_call *call, zj_buf *out)
{
    zj_buf_reset(out);
    unsigned char v = 1;
    if (zj_buf_append(out, (const char *)&v, 1) != ZJ_OK)
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
    return ZJ_OK;
}

static zj_status decode_turns(const unsigned char *p, size_t len, zj_call *call)
{
    if (len < 1 || p[0] != 1)
        return ZJ_ERR_INVALID;
    size_t cap = 0;
    for (size_t i = 1; i + 21 <= len;) {
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
    return ZJ_OK;
}

static void bind_opt_text(sqlite3_stmt *q, int i, const char *s)
{
    if (s)
        sqlite3_bind_text(q, i, s, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(q, i);
}

/* Binds finding i of r as the row whose first parameter is base + 1. */
static void bind_finding(sqlite3_stmt *q, int base, int64_t row, const zj_ruleset *rs,
                         const zj_call *c, const zj_result *r, size_t i)
{
    const zj_finding *f = &r->findings[i];
    const zj_rule *rule = &rs->rules[f->rule];
    sqlite3_bind_int64(q, base + 1, row);
    sqlite3_bind_int64(q, base + 2, (int64_t)i);
    sqlite3_bind_text(q, base + 3, rule->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, base + 4, zj_kind_name(rule->kind), -1, SQLITE_STATIC);
    sqlite3_bind_text(q, base + 5, zj_outcome_name(f->outcome), -1, SQLITE_STATIC);
    sqlite3_bind_text(q, base + 6, zj_severity_name(rule->severity), -1, SQLITE_STATIC);
    sqlite3_bind_int(q, base + 7, f->points);
    if (f->turn >= 0) {
        sqlite3_bind_int64(q, base + 8, f->turn);
        sqlite3_bind_text(q, base + 9, zj_speaker_name(c->turns[f->turn].speaker), -1,
                          SQLITE_STATIC);
        sqlite3_bind_int64(q, base + 10, f->span_start);
        sqlite3_bind_int64(q, base + 11, f->span_end);
    }
    bind_opt_text(q, base + 12, f->text);
    if (f->start_ms >= 0)
        sqlite3_bind_int64(q, base + 13, f->start_ms);
    if (f->unit)
        sqlite3_bind_int64(q, base + 14, f->value);
    bind_opt_text(q, base + 15, rule->clause);
    sqlite3_bind_int(q, base + 16, rule->fatal && f->outcome == ZJ_OUT_HIT && !f->quoted);
    sqlite3_bind_int(q, base + 17, f->quoted);
}

static bool put_call(zj_store *st, int64_t run_id, int64_t ruleset_id, const zj_ruleset *rs,
                     const zj_scored *sc, const char *input_path, zj_buf *blob)
{
    const zj_call *c = sc->call;
    const zj_result *r = sc->result;
    sqlite3_stmt *q = st->ins_call;
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    sqlite3_bind_text(q, 1, c->call_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, ruleset_id);
    sqlite3_bind_int64(q, 3, run_id);
    bind_opt_text(q, 4, c->agent_id);
    bind_opt_text(q, 5, c->agent_name);
    bind_opt_text(q, 6, c->team);
    bind_opt_text(q, 7, c->direction);
    bind_opt_text(q, 8, c->call_type);
    bind_opt_text(q, 9, c->started_at);
    char date[11], week[9];
    if (c->started_at_utc_ms != INT64_MIN) {
        sqlite3_bind_int64(q, 10, c->started_at_utc_ms);
        zj_local_date(c->started_at_utc_ms, c->utc_offset_min, date, week);
        sqlite3_bind_text(q, 11, date, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(q, 12, week, -1, SQLITE_TRANSIENT);
    }
    if (c->n_turns && c->turns[0].start_ms >= 0 && c->turns[c->n_turns - 1].end_ms >= 0)
        sqlite3_bind_int64(q, 13, c->turns[c->n_turns - 1].end_ms - c->turns[0].start_ms);
    sqlite3_bind_int64(q, 14, (int64_t)c->n_turns);
    sqlite3_bind_int(q, 15, r->score);
    sqlite3_bind_int(q, 16, r->passed);
    sqlite3_bind_text(q, 17, r->grade ? r->grade : "", -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 18, r->fatal);
    bind_opt_text(q, 19, input_path);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_CONSTRAINT) {
        /* Re-scored with the same rule set: replace. Trying the insert first
         * spares the common case (a new call) a delete lookup. The rows that
         * refer to the call go first, as ON DELETE CASCADE would take them
         * (results transactions do not enforce foreign keys). */
        for (int k = 0; k < 4; k++) {
            sqlite3_stmt *d = st->del_replaced[k];
            sqlite3_reset(d);
            sqlite3_bind_text(d, 1, c->call_id, -1, SQLITE_STATIC);
            sqlite3_bind_int64(d, 2, ruleset_id);
            if (sqlite3_step(d) != SQLITE_DONE)
                return false;
        }
        sqlite3_reset(q);
        rc = sqlite3_step(q);
    }
    if (rc != SQLITE_DONE)
        return false;
    int64_t row = sqlite3_last_insert_rowid(st->db);
    if (encode_turns(c, blob) != ZJ_OK)
        return false;
    q = st->ins_turns;
    sqlite3_reset(q);
    sqlite3_bind_int64(q, 1, row);
    sqlite3_bind_blob(q, 2, blob->data, (int)blob->len, SQLITE_STATIC);
    if (sqlite3_step(q) != SQLITE_DONE)
        return false;
    for (size_t i = 0, k = 0; i < r->n_findings;) {
        size_t rows = (size_t)16 >> k;
        if (r->n_findings - i < rows) {
            k++;
            continue;
        }
        q = st->ins_findings[k];
        sqlite3_reset(q);
        sqlite3_clear_bindings(q);
        for (size_t j = 0; j < rows; j++)
            bind_finding(q, (int)j * FINDING_COLUMNS, row, rs, c, r, i + j);
        if (sqlite3_step(q) != SQLITE_DONE)
            return false;
        i += rows;
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
    return exec(st, "PRAGMA foreign_keys=OFF") && exec(st, "BEGIN IMMEDIATE");
}

/* After the COMMIT, or to give up (once the error is taken): rolls back
 * whatever is still open. */
static void end_results(zj_store *st)
{
    rollback(st);
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
    for (size_t i = 0; i < n && ok; i++)
        ok = put_call(st, run_id, ruleset_id, rs, &calls[i], calls[i].call->source, &blob);
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
        sqlite3_stmt *q = st->upd_input;
        sqlite3_reset(q);
        sqlite3_bind_int64(q, 1, run_id);
        sqlite3_bind_int64(q, 2, (int64_t)i);
        sqlite3_bind_int64(q, 3, (int64_t)watermarks[i]);
        sqlite3_bind_int(q, 4, 0);
        ok = sqlite3_step(q) == SQLITE_DONE;
        if (ok && tracked)
            st->wm_written[i] = watermarks[i];
    }
    if (ok) {
        sqlite3_stmt *q = st->upd_run;
        sqlite3_reset(q);
        sqlite3_bind_int64(q, 1, run_id);
        sqlite3_bind_int64(q, 2, (int64_t)n);
        sqlite3_bind_int64(q, 3, (int64_t)rejected);
        ok = sqlite3_step(q) == SQLITE_DONE;
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
    zj_status s = exec(st, "COMMIT") ? ZJ_OK : db_error(st, err, "cannot store results");
    end_results(st);
    if (s != ZJ_OK)
        st->wm_n = 0;
    return s;
}

/* --------------------------------------------------------------- reading */

static char *col_dup(sqlite3_stmt *q, int i)
{
    const unsigned char *t = sqlite3_column_text(q, i);
    return t ? zj_strdup((const char *)t) : NULL;
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
    }
    free(sc->findings);
    memset(sc, 0, sizeof *sc);
}

/* Rule titles of a rule set, sorted by rule id: looked up per finding (a
 * join did a scan of the rule set's rules for each of them). */
typedef struct rule_titles {
    struct rule_title {
        char *id, *title;
    } *v;
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
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(st->db, "SELECT rule_id, title FROM rules WHERE ruleset_id = ?1", -1,
                           &q, NULL) != SQLITE_OK)
        return ZJ_ERR_IO;
    sqlite3_bind_int64(q, 1, ruleset_id);
    size_t cap = 0;
    zj_status s = ZJ_OK;
    int rc;
    while (s == ZJ_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (t->n == cap) {
            cap = cap ? cap * 2 : 64;
            struct rule_title *v = realloc(t->v, cap * sizeof *v);
            if (!v) {
                s = ZJ_ERR_NOMEM;
                break;
            }
            t->v = v;
        }
        t->v[t->n] = (struct rule_title){col_dup(q, 0), col_dup(q, 1)};
        if (!t->v[t->n].id)
            s = ZJ_ERR_NOMEM;
        t->n++;
    }
    if (s == ZJ_OK && rc != SQLITE_DONE)
        s = ZJ_ERR_IO;
    sqlite3_finalize(q);
    if (s == ZJ_OK && t->n)
        qsort(t->v, t->n, sizeof *t->v, cmp_title);
    return s;
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
static int findings_have_quoted(zj_store *st)
{
    sqlite3_stmt *q;
    int has = -1;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT count(*) FROM pragma_table_info('findings') WHERE name = 'quoted'",
                           -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        has = sqlite3_column_int(q, 0) > 0;
    sqlite3_finalize(q);
    return has;
}

zj_status zj_store_get_call(zj_store *st, const char *call_id, int64_t ruleset_id,
                            zj_stored_call *out, zj_error *err)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT c.id, c.agent_id, c.agent_name, c.team, c.direction,"
                           " c.call_type, c.started_at, c.score, c.passed, c.grade, c.fatal,"
                           " r.name || '@' || r.version, r.sha256, t.data"
                           " FROM calls c JOIN rulesets r ON r.id = c.ruleset_id"
                           " LEFT JOIN turns t ON t.call_row = c.id"
                           " WHERE c.call_id = ?1 AND c.ruleset_id = ?2",
                           -1, &q, NULL) != SQLITE_OK)
        return db_error(st, err, "cannot read the call");
    sqlite3_bind_text(q, 1, call_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, ruleset_id);
    if (sqlite3_step(q) != SQLITE_ROW) {
        sqlite3_finalize(q);
        return zj_error_set(err, ZJ_ERR_NOTFOUND, st->path, 0, 0,
                            "no call '%s' scored with this rule set", call_id);
    }
    int64_t row = sqlite3_column_int64(q, 0);
    zj_call *c = calloc(1, sizeof *c);
    out->call = c;
    if (!c) {
        sqlite3_finalize(q);
        return zj_error_set(err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory");
    }
    c->call_id = zj_strdup(call_id);
    c->agent_id = col_dup(q, 1);
    c->agent_name = col_dup(q, 2);
    c->team = col_dup(q, 3);
    c->direction = col_dup(q, 4);
    c->call_type = col_dup(q, 5);
    c->started_at = col_dup(q, 6);
    c->ring_ms = -1;
    c->started_at_utc_ms = INT64_MIN;
    out->score = sqlite3_column_int(q, 7);
    out->passed = sqlite3_column_int(q, 8);
    out->grade = col_dup(q, 9);
    out->fatal = sqlite3_column_int(q, 10);
    out->ruleset = col_dup(q, 11);
    out->sha256 = col_dup(q, 12);
    zj_status s = decode_turns(sqlite3_column_blob(q, 13), (size_t)sqlite3_column_bytes(q, 13), c);
    sqlite3_finalize(q);
    if (s != ZJ_OK) {
        zj_stored_call_free(out);
        return zj_error_set(err, s, st->path, 0, 0, "the stored transcript of '%s' is damaged",
                            call_id);
    }
    rule_titles titles = {0};
    /* A reader may open a file older than v4 as it is: no quoted column. */
    int has_quoted = findings_have_quoted(st);
    if (has_quoted < 0 || load_titles(st, ruleset_id, &titles) != ZJ_OK ||
        sqlite3_prepare_v2(st->db,
                           has_quoted ? "SELECT rule_id, kind, outcome, severity, clause, text,"
                                        " points, turn, span_start, span_end, start_ms, fatal,"
                                        " quoted FROM findings WHERE call_row = ?1 ORDER BY seq"
                                      : "SELECT rule_id, kind, outcome, severity, clause, text,"
                                        " points, turn, span_start, span_end, start_ms, fatal, 0"
                                        " FROM findings WHERE call_row = ?1 ORDER BY seq",
                           -1, &q, NULL) != SQLITE_OK) {
        titles_free(&titles);
        zj_stored_call_free(out);
        return db_error(st, err, "cannot read the findings");
    }
    sqlite3_bind_int64(q, 1, row);
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (out->n_findings == cap) {
            cap = cap ? cap * 2 : 16;
            zj_stored_finding *v = realloc(out->findings, cap * sizeof *v);
            if (!v) {
                rc = SQLITE_NOMEM;
                break;
            }
            out->findings = v;
        }
        zj_stored_finding *f = &out->findings[out->n_findings++];
        memset(f, 0, sizeof *f);
        f->rule_id = col_dup(q, 0);
        f->kind = col_dup(q, 1);
        f->outcome = col_dup(q, 2);
        f->severity = col_dup(q, 3);
        f->clause = col_dup(q, 4);
        f->title = title_of(&titles, f->rule_id);
        f->text = col_dup(q, 5);
        f->points = sqlite3_column_int(q, 6);
        f->turn = sqlite3_column_type(q, 7) == SQLITE_NULL ? -1 : sqlite3_column_int(q, 7);
        f->span_start = sqlite3_column_int(q, 8);
        f->span_end = sqlite3_column_int(q, 9);
        f->start_ms = sqlite3_column_type(q, 10) == SQLITE_NULL ? -1 : sqlite3_column_int64(q, 10);
        f->fatal = sqlite3_column_int(q, 11);
        f->quoted = sqlite3_column_int(q, 12);
    }
    sqlite3_finalize(q);
    titles_free(&titles);
    if (rc != SQLITE_DONE) {
        zj_stored_call_free(out);
        return rc == SQLITE_NOMEM ? zj_error_set(err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory")
                                  : db_error(st, err, "cannot read the findings");
    }
    return ZJ_OK;
}
