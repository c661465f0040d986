/* db_sqlite.c — db.h's ops for SQLite: each call is the sqlite3 function of
 * the same name on the wrapped handle. */
#include "db.h"

#include <sqlite3.h>
#include <stdlib.h>

typedef struct {
    zj_db base;
    sqlite3 *h;
} lite_db;

typedef struct {
    zj_stmt base;
    sqlite3_stmt *h;
} lite_stmt;

#define DB(d) (((lite_db *)(d))->h)
#define ST(s) (((lite_stmt *)(s))->h)

static const zj_db_ops lite_ops;

static int lite_prepare(zj_db *db, const char *sql, zj_stmt **out)
{
    *out = NULL;
    lite_stmt *s = malloc(sizeof *s);
    if (!s)
        return ZJ_DB_NOMEM;
    s->base.ops = &lite_ops;
    int rc = sqlite3_prepare_v2(DB(db), sql, -1, &s->h, NULL);
    if (rc != SQLITE_OK || !s->h) {
        sqlite3_finalize(s->h);
        free(s);
        return rc != SQLITE_OK ? rc : ZJ_DB_ERROR;
    }
    *out = &s->base;
    return ZJ_DB_OK;
}

static int lite_exec(zj_db *db, const char *sql)
{
    return sqlite3_exec(DB(db), sql, NULL, NULL, NULL);
}

static int lite_errcode(zj_db *db)
{
    return sqlite3_extended_errcode(DB(db));
}
static const char *lite_errmsg(zj_db *db)
{
    return sqlite3_errmsg(DB(db));
}
static int64_t lite_last_insert_rowid(zj_db *db)
{
    return sqlite3_last_insert_rowid(DB(db));
}
static int lite_changes(zj_db *db)
{
    return sqlite3_changes(DB(db));
}
static bool lite_in_transaction(zj_db *db)
{
    return !sqlite3_get_autocommit(DB(db));
}

static void lite_close(zj_db *db)
{
    sqlite3_close(DB(db));
    free(db);
}

static sqlite3_destructor_type lite_destructor(zj_db_destructor d)
{
    return d == ZJ_DB_STATIC      ? SQLITE_STATIC
           : d == ZJ_DB_TRANSIENT ? SQLITE_TRANSIENT
                                  : (sqlite3_destructor_type)d;
}

static int lite_bind_int64(zj_stmt *s, int i, int64_t v)
{
    return sqlite3_bind_int64(ST(s), i, v);
}
static int lite_bind_double(zj_stmt *s, int i, double v)
{
    return sqlite3_bind_double(ST(s), i, v);
}
static int lite_bind_text(zj_stmt *s, int i, const char *v, int n, zj_db_destructor d)
{
    return sqlite3_bind_text(ST(s), i, v, n, lite_destructor(d));
}
static int lite_bind_blob(zj_stmt *s, int i, const void *v, int n, zj_db_destructor d)
{
    return sqlite3_bind_blob(ST(s), i, v, n, lite_destructor(d));
}
static int lite_bind_null(zj_stmt *s, int i)
{
    return sqlite3_bind_null(ST(s), i);
}
static int lite_bind_parameter_count(zj_stmt *s)
{
    return sqlite3_bind_parameter_count(ST(s));
}
static int lite_clear_bindings(zj_stmt *s)
{
    return sqlite3_clear_bindings(ST(s));
}
static int lite_step(zj_stmt *s)
{
    return sqlite3_step(ST(s));
}
static int lite_reset(zj_stmt *s)
{
    return sqlite3_reset(ST(s));
}
static void lite_finalize(zj_stmt *s)
{
    sqlite3_finalize(ST(s));
    free(s);
}
static int lite_column_count(zj_stmt *s)
{
    return sqlite3_column_count(ST(s));
}
static int lite_column_type(zj_stmt *s, int i)
{
    return sqlite3_column_type(ST(s), i);
}
static int64_t lite_column_int64(zj_stmt *s, int i)
{
    return sqlite3_column_int64(ST(s), i);
}
static double lite_column_double(zj_stmt *s, int i)
{
    return sqlite3_column_double(ST(s), i);
}
static const unsigned char *lite_column_text(zj_stmt *s, int i)
{
    return sqlite3_column_text(ST(s), i);
}
static const void *lite_column_blob(zj_stmt *s, int i)
{
    return sqlite3_column_blob(ST(s), i);
}
static int lite_column_bytes(zj_stmt *s, int i)
{
    return sqlite3_column_bytes(ST(s), i);
}
static const char *lite_column_name(zj_stmt *s, int i)
{
    return sqlite3_column_name(ST(s), i);
}

static const zj_db_ops lite_ops = {
    .prepare = lite_prepare,
    .prepare_bulk = lite_prepare,
    .exec = lite_exec,
    .errcode = lite_errcode,
    .errmsg = lite_errmsg,
    .last_insert_rowid = lite_last_insert_rowid,
    .changes = lite_changes,
    .in_transaction = lite_in_transaction,
    .close = lite_close,
    .bind_int64 = lite_bind_int64,
    .bind_double = lite_bind_double,
    .bind_text = lite_bind_text,
    .bind_blob = lite_bind_blob,
    .bind_null = lite_bind_null,
    .bind_parameter_count = lite_bind_parameter_count,
    .clear_bindings = lite_clear_bindings,
    .step = lite_step,
    .reset = lite_reset,
    .finalize = lite_finalize,
    .column_count = lite_column_count,
    .column_type = lite_column_type,
    .column_int64 = lite_column_int64,
    .column_double = lite_column_double,
    .column_text = lite_column_text,
    .column_blob = lite_column_blob,
    .column_bytes = lite_column_bytes,
    .column_name = lite_column_name,
};

int zj_db_open_sqlite(const char *path, int flags, zj_db **out)
{
    lite_db *d = calloc(1, sizeof *d);
    *out = NULL;
    if (!d)
        return ZJ_DB_NOMEM;
    d->base.ops = &lite_ops;
    d->base.kind = ZJ_DB_SQLITE;
    int rc = sqlite3_open_v2(path, &d->h, flags, NULL);
    if (!d->h) {
        free(d);
        return rc != SQLITE_OK ? rc : ZJ_DB_NOMEM;
    }
    *out = &d->base; /* also on failure: its message, then zj_db_close */
    return rc;
}

struct sqlite3 *zj_db_sqlite_handle(zj_db *db)
{
    return db && db->kind == ZJ_DB_SQLITE ? DB(db) : NULL;
}
