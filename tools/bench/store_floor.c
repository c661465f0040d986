/* store_floor.c — the floor under the store's cost on this machine: the rows
 * a scoring run stores (one calls row and one transcript blob per call, in
 * transactions of 20,000 calls, as engine/store.c does), written into the
 * real schema by a bare loop with no parsing, scoring or findings. Whatever
 * zhijian does, writing its results into SQLite cannot take less than this.
 * The number of calls and the mean transcript size are read from LIKE_DB, a
 * database a scoring run wrote. With --rows-only, only the calls rows: the
 * floor of a store that kept no transcripts.
 *
 * usage: store_floor [--rows-only] OUT_DB LIKE_DB   (prints the seconds taken) */
#include "internal.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int fail(sqlite3 *db, const char *what)
{
    fprintf(stderr, "store_floor: %s: %s\n", what, sqlite3_errmsg(db));
    return 1;
}

int main(int argc, char **argv)
{
    bool rows_only = argc == 4 && strcmp(argv[1], "--rows-only") == 0;
    argv += rows_only;
    argc -= rows_only;
    if (argc != 3) {
        fprintf(stderr, "usage: store_floor [--rows-only] OUT_DB LIKE_DB\n");
        return 2;
    }
    long calls = 0, blob_bytes = 0;
    sqlite3 *like;
    sqlite3_stmt *q;
    if (sqlite3_open_v2(argv[2], &like, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(like, "SELECT count(*), coalesce(avg(length(data)), 0) FROM turns", -1,
                           &q, NULL) != SQLITE_OK ||
        sqlite3_step(q) != SQLITE_ROW)
        return fail(like, argv[2]);
    calls = (long)sqlite3_column_int64(q, 0);
    blob_bytes = (long)sqlite3_column_double(q, 1);
    sqlite3_finalize(q);
    sqlite3_close(like);
    zj_error err;
    zj_store *st = zj_store_open(argv[1], true, &err);
    if (!st) {
        fprintf(stderr, "store_floor: %s\n", err.msg);
        return 1;
    }
    sqlite3 *db = zj_db_sqlite_handle(zj_store_db(st));
    if (sqlite3_exec(db,
                     "INSERT INTO rulesets (id, name, version, sha256, yaml, base, pass, loaded_at)"
                     " VALUES (1, 'floor', '1', 'floor', '', 100, 80, '');"
                     "INSERT INTO runs (id, ruleset_id, started_at, status, tool_version)"
                     " VALUES (1, 1, '', 'running', '');",
                     NULL, NULL, NULL) != SQLITE_OK)
        return fail(db, "setup");
    sqlite3_stmt *ins_call, *ins_turns;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO calls (call_id, ruleset_id, run_id, agent_id, agent_name,"
                           " team, direction, started_at, started_utc_ms, local_date, iso_week,"
                           " duration_ms, n_turns, score, passed, grade, fatal, input_path)"
                           " VALUES (?1, 1, 1, 'A04', '刘洋', '客服一组', 'inbound',"
                           " '2026-11-12T10:06:21+08:00', 1762913181000, '2026-11-12',"
                           " '2026-W46', 49682, 12, 100, 1, 'A', 0, 'corpus.jsonl')",
                           -1, &ins_call, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "INSERT INTO turns (call_row, data) VALUES (?1, ?2)", -1, &ins_turns,
                           NULL) != SQLITE_OK)
        return fail(db, "prepare");
    char *blob = malloc((size_t)blob_bytes + 1);
    if (!blob)
        return 1;
    memset(blob, 'x', (size_t)blob_bytes);
    double t0 = now();
    /* As engine/store.c writes results: without foreign-key checks. */
    if (sqlite3_exec(db, "PRAGMA foreign_keys=OFF; BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return fail(db, "begin");
    for (long i = 0; i < calls; i++) {
        char id[24];
        snprintf(id, sizeof id, "G%08ld", i);
        sqlite3_reset(ins_call);
        sqlite3_bind_text(ins_call, 1, id, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(ins_call) != SQLITE_DONE)
            return fail(db, "insert call");
        if (!rows_only) {
            sqlite3_reset(ins_turns);
            sqlite3_bind_int64(ins_turns, 1, sqlite3_last_insert_rowid(db));
            sqlite3_bind_blob(ins_turns, 2, blob, (int)blob_bytes, SQLITE_STATIC);
            if (sqlite3_step(ins_turns) != SQLITE_DONE)
                return fail(db, "insert turns");
        }
        if ((i + 1) % 20000 == 0 &&
            sqlite3_exec(db, "COMMIT; BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
            return fail(db, "commit");
    }
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        return fail(db, "commit");
    printf("%.3f\n", now() - t0);
    sqlite3_finalize(ins_call);
    sqlite3_finalize(ins_turns);
    free(blob);
    zj_store_close(st);
    return 0;
}
