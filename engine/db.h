/* db.h — the SQL connection the store speaks through, whichever server
 * holds it: SQLite (db_sqlite.c) or PostgreSQL (db_pg.c), behind one ops
 * table.
 *
 * The calls are SQLite's statement API, the subset the store uses, with the
 * same arguments and result codes (prepare, bind, step, column, reset,
 * finalize), so the store's queries are written once. The SQL they carry is
 * the dialect both servers read (docs/store.md, "Writing SQL for both
 * backends"): ?N parameters, ON CONFLICT, RETURNING, IS NOT DISTINCT FROM,
 * CASE instead of summed comparisons. The PostgreSQL backend maps what
 * remains: ?N to $N, SQLite's column types and append-only triggers in DDL
 * to PostgreSQL's, text columns to the "C" collation so that ordering never
 * depends on the server's locale, and each ORDER BY term to SQLite's place
 * for NULLs. */
#ifndef ZJ_DB_H
#define ZJ_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct zj_db zj_db;
typedef struct zj_stmt zj_stmt;
typedef void (*zj_db_destructor)(void *);

/* Bound text or blob: the caller keeps it alive until the next step or
 * reset (STATIC), or the backend copies it (TRANSIENT); any other
 * destructor is called once the backend is done with the bytes. */
#define ZJ_DB_STATIC ((zj_db_destructor)0)
#define ZJ_DB_TRANSIENT ((zj_db_destructor)-1)

/* Result codes: SQLite's values, so that its backend passes them through. */
enum {
    ZJ_DB_OK = 0,
    ZJ_DB_ERROR = 1,
    ZJ_DB_BUSY = 5,
    ZJ_DB_LOCKED = 6,
    ZJ_DB_NOMEM = 7,
    ZJ_DB_READONLY = 8,
    ZJ_DB_CORRUPT = 11,
    ZJ_DB_FULL = 13,
    ZJ_DB_CANTOPEN = 14,
    ZJ_DB_CONSTRAINT = 19,
    ZJ_DB_CONSTRAINT_PRIMARYKEY = 19 | (6 << 8), /* also PostgreSQL's unique_violation */
    ZJ_DB_ROW = 100,
    ZJ_DB_DONE = 101,
};

/* Column types, SQLite's values. */
enum { ZJ_DB_INTEGER = 1, ZJ_DB_FLOAT = 2, ZJ_DB_TEXT = 3, ZJ_DB_BLOB = 4, ZJ_DB_NULL = 5 };

typedef enum { ZJ_DB_SQLITE, ZJ_DB_POSTGRES } zj_db_kind;

/* PostgreSQL: the store's write lock, held to the end of the transaction
 * (BEGIN IMMEDIATE takes it; a results transaction takes it for its
 * commit only). */
#define ZJ_DB_PG_WRITE_LOCK "SELECT pg_advisory_xact_lock(2051687490)"

typedef struct zj_db_ops {
    int (*prepare)(zj_db *db, const char *sql, zj_stmt **out);
    /* An INSERT INTO t (columns) VALUES (...)[, (...)] whose rows may be
     * loaded in bulk: stepping it queues them, and they reach the table
     * before any other statement of the connection runs (PostgreSQL: one
     * COPY). Its failure is then that statement's. */
    int (*prepare_bulk)(zj_db *db, const char *sql, zj_stmt **out);
    /* One or more statements without parameters. */
    int (*exec)(zj_db *db, const char *sql);
    int (*errcode)(zj_db *db); /* the last failure's ZJ_DB_* code */
    const char *(*errmsg)(zj_db *db);
    int64_t (*last_insert_rowid)(zj_db *db);
    int (*changes)(zj_db *db); /* rows the last statement changed */
    bool (*in_transaction)(zj_db *db);
    void (*close)(zj_db *db);

    int (*bind_int64)(zj_stmt *s, int i, int64_t v);
    int (*bind_double)(zj_stmt *s, int i, double v);
    int (*bind_text)(zj_stmt *s, int i, const char *v, int n, zj_db_destructor d);
    int (*bind_blob)(zj_stmt *s, int i, const void *v, int n, zj_db_destructor d);
    int (*bind_null)(zj_stmt *s, int i);
    int (*bind_parameter_count)(zj_stmt *s);
    int (*clear_bindings)(zj_stmt *s);
    int (*step)(zj_stmt *s);
    int (*reset)(zj_stmt *s);
    void (*finalize)(zj_stmt *s);
    int (*column_count)(zj_stmt *s);
    int (*column_type)(zj_stmt *s, int i);
    int64_t (*column_int64)(zj_stmt *s, int i);
    double (*column_double)(zj_stmt *s, int i);
    const unsigned char *(*column_text)(zj_stmt *s, int i);
    const void *(*column_blob)(zj_stmt *s, int i);
    int (*column_bytes)(zj_stmt *s, int i);
    const char *(*column_name)(zj_stmt *s, int i);
} zj_db_ops;

/* Every connection and statement starts with its backend's ops. */
struct zj_db {
    const zj_db_ops *ops;
    zj_db_kind kind;
};
struct zj_stmt {
    const zj_db_ops *ops;
};

/* A SQLite connection (flags: SQLite's open flags), or NULL with *why set
 * (static or the connection's message; *db_out then holds what SQLite
 * left to close, or NULL). */
int zj_db_open_sqlite(const char *path, int flags, zj_db **out);
/* The sqlite3 handle under a SQLite connection (pragmas, busy timeout). */
struct sqlite3 *zj_db_sqlite_handle(zj_db *db);
/* A PostgreSQL connection from a libpq connection string or URI; on
 * failure NULL and msg (at least 256 bytes) says why, without the
 * password (zj_db_redact_message). */
zj_db *zj_db_open_postgres(const char *conninfo, char *msg, size_t msg_size);

/* db_conninfo.c: a --db argument as a connection string. */

/* Whether a --db argument names a PostgreSQL server (a postgresql:// or
 * postgres:// URI). */
bool zj_db_is_postgres_url(const char *path);
/* Whether a --db argument is libpq's key=value form (`host=db dbname=qa`):
 * a word at its start or after a space is a libpq connection keyword
 * followed by '='. --db refuses it rather than take it for a file name; a
 * path starting with '/' or '.' is never one. */
bool zj_db_is_keyword_conninfo(const char *text);
/* One connection string (one argument: a postgresql:// URI or libpq's
 * key=value form) with its secrets, password and sslpassword, replaced by
 * "***" wherever libpq would read one: user:PASSWORD@ (any characters up
 * to the first '@' before the first '/'), ?password= and ?sslpassword=
 * (their names percent-encoded or not), password=... and sslpassword=...
 * (quoted or bare; in text that is not a well-formed key=value string, up
 * to the next space or the end of an unclosed quote). Any other text
 * comes back as it is. For messages, reports and the run record;
 * tests/unit/test_db_mask.c. The caller frees; NULL when out of memory. */
char *zj_db_redact_url(const char *text);
/* A message about conninfo (libpq's, which may quote it) with conninfo
 * replaced by its masked form and each of its secrets by "***" where it
 * stands alone (as written, percent-decoded, unquoted): libpq quotes a
 * password with a bad percent escape, or a whole URI it cannot parse. The
 * caller frees; NULL when out of memory. */
char *zj_db_redact_message(const char *message, const char *conninfo);

static inline int zj_db_prepare_v2(zj_db *db, const char *sql, int n, zj_stmt **out,
                                   const char **tail)
{
    (void)n;
    (void)tail;
    return db->ops->prepare(db, sql, out);
}
static inline int zj_db_prepare_bulk(zj_db *db, const char *sql, zj_stmt **out)
{
    return db->ops->prepare_bulk(db, sql, out);
}
static inline int zj_db_exec(zj_db *db, const char *sql, void *cb, void *arg, char **errmsg)
{
    (void)cb;
    (void)arg;
    if (errmsg)
        *errmsg = NULL;
    return db->ops->exec(db, sql);
}
static inline int zj_db_errcode(zj_db *db)
{
    return db->ops->errcode(db) & 0xff;
}
static inline int zj_db_extended_errcode(zj_db *db)
{
    return db->ops->errcode(db);
}
static inline const char *zj_db_errmsg(zj_db *db)
{
    return db->ops->errmsg(db);
}
static inline int64_t zj_db_last_insert_rowid(zj_db *db)
{
    return db->ops->last_insert_rowid(db);
}
static inline int zj_db_changes(zj_db *db)
{
    return db->ops->changes(db);
}
static inline int zj_db_get_autocommit(zj_db *db)
{
    return !db->ops->in_transaction(db);
}
static inline void zj_db_close(zj_db *db)
{
    if (db)
        db->ops->close(db);
}

static inline int zj_db_bind_int64(zj_stmt *s, int i, int64_t v)
{
    return s->ops->bind_int64(s, i, v);
}
static inline int zj_db_bind_int(zj_stmt *s, int i, int v)
{
    return s->ops->bind_int64(s, i, v);
}
static inline int zj_db_bind_double(zj_stmt *s, int i, double v)
{
    return s->ops->bind_double(s, i, v);
}
static inline int zj_db_bind_text(zj_stmt *s, int i, const char *v, int n, zj_db_destructor d)
{
    return s->ops->bind_text(s, i, v, n, d);
}
static inline int zj_db_bind_blob(zj_stmt *s, int i, const void *v, int n, zj_db_destructor d)
{
    return s->ops->bind_blob(s, i, v, n, d);
}
static inline int zj_db_bind_null(zj_stmt *s, int i)
{
    return s->ops->bind_null(s, i);
}
static inline int zj_db_bind_parameter_count(zj_stmt *s)
{
    return s->ops->bind_parameter_count(s);
}
static inline int zj_db_clear_bindings(zj_stmt *s)
{
    return s->ops->clear_bindings(s);
}
static inline int zj_db_step(zj_stmt *s)
{
    return s->ops->step(s);
}
static inline int zj_db_reset(zj_stmt *s)
{
    return s ? s->ops->reset(s) : ZJ_DB_OK;
}
static inline int zj_db_finalize(zj_stmt *s)
{
    if (s)
        s->ops->finalize(s);
    return ZJ_DB_OK;
}
static inline int zj_db_column_count(zj_stmt *s)
{
    return s->ops->column_count(s);
}
static inline int zj_db_column_type(zj_stmt *s, int i)
{
    return s->ops->column_type(s, i);
}
static inline int64_t zj_db_column_int64(zj_stmt *s, int i)
{
    return s->ops->column_int64(s, i);
}
static inline int zj_db_column_int(zj_stmt *s, int i)
{
    return (int)s->ops->column_int64(s, i);
}
static inline double zj_db_column_double(zj_stmt *s, int i)
{
    return s->ops->column_double(s, i);
}
static inline const unsigned char *zj_db_column_text(zj_stmt *s, int i)
{
    return s->ops->column_text(s, i);
}
static inline const void *zj_db_column_blob(zj_stmt *s, int i)
{
    return s->ops->column_blob(s, i);
}
static inline int zj_db_column_bytes(zj_stmt *s, int i)
{
    return s->ops->column_bytes(s, i);
}
static inline const char *zj_db_column_name(zj_stmt *s, int i)
{
    return s->ops->column_name(s, i);
}

#endif
