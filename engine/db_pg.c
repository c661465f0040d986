/* db_pg.c — db.h's ops for PostgreSQL (libpq).
 *
 * A statement keeps its parameters as text and runs at its first step; the
 * whole result comes back at once (a store's queries nest: a second
 * statement runs while the first is read). A statement stepped again after
 * a reset is prepared on the server from then on, so that the writer's
 * per-call statements are parsed once.
 *
 * The SQL is the store's one text for both servers (db.h); this file maps
 * what PostgreSQL spells differently: ?N parameters to $N, SQLite's column
 * types and append-only triggers in DDL, TEXT to the "C" collation (the
 * order of names, dates and ids must not depend on the server's locale),
 * and BEGIN IMMEDIATE to a transaction holding the store's advisory lock
 * (writers take turns, as on SQLite). */
#include "db.h"
#include "zhijian.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OID_BOOL 16
#define OID_BYTEA 17
#define OID_INT8 20
#define OID_INT2 21
#define OID_INT4 23
#define OID_FLOAT4 700
#define OID_FLOAT8 701
#define OID_NUMERIC 1700
#define OID_TEXT 25

/* The most parameters a statement has (16 findings x 19 columns). */
#define MAX_PARAMS 1024

#define WRITE_LOCK ZJ_DB_PG_WRITE_LOCK

typedef struct {
    zj_db base;
    PGconn *conn;
    char *msg;   /* the last error's message */
    int code;    /* and its ZJ_DB_* code */
    int changes; /* rows the last statement changed */
    unsigned long next_name;
    /* Rows of bulk statements not yet sent: one COPY per target, in the
     * order the targets were first used. */
    struct bulk_target {
        char *target; /* "table (columns)" */
        zj_buf rows;  /* COPY text */
    } bulk[16];
    int n_bulk;
} pg_db;

typedef struct {
    zj_stmt base;
    pg_db *db;
    char *sql; /* translated */
    int n_params;
    char **values; /* NULL: SQL NULL */
    int *lengths, *formats;
    Oid *types;
    PGresult *res;
    int row, rows;
    int runs;            /* executions so far: the second prepares it */
    char name[32];       /* server-side name once prepared, else "" */
    unsigned char *blob; /* the last column_blob, unescaped */
    size_t blob_len;
    int bulk;         /* 1 + index in db->bulk of a bulk statement, else 0 */
    int bulk_columns; /* its parameters per row */
} pg_stmt;

static const zj_db_ops pg_ops;

static void set_error(pg_db *d, int code, const char *msg)
{
    free(d->msg);
    d->msg = strdup(msg ? msg : "unknown error");
    d->code = code;
    /* libpq's messages end in a newline: ours are one line. */
    size_t n = d->msg ? strlen(d->msg) : 0;
    while (n && (d->msg[n - 1] == '\n' || d->msg[n - 1] == ' '))
        d->msg[--n] = '\0';
}

/* SQLSTATE classes as the store's callers know them from SQLite. */
static int code_of(const char *sqlstate)
{
    if (!sqlstate)
        return ZJ_DB_ERROR;
    if (strcmp(sqlstate, "23505") == 0)
        return ZJ_DB_CONSTRAINT_PRIMARYKEY;
    if (strncmp(sqlstate, "23", 2) == 0)
        return ZJ_DB_CONSTRAINT;
    if (strcmp(sqlstate, "40P01") == 0 || strcmp(sqlstate, "55P03") == 0 ||
        strcmp(sqlstate, "40001") == 0)
        return ZJ_DB_BUSY;
    if (strcmp(sqlstate, "53100") == 0)
        return ZJ_DB_FULL;
    if (strcmp(sqlstate, "53200") == 0)
        return ZJ_DB_NOMEM;
    if (strcmp(sqlstate, "25006") == 0)
        return ZJ_DB_READONLY;
    return ZJ_DB_ERROR;
}

/* Takes a result: ZJ_DB_OK for a command or rows, else the error noted. */
static int check(pg_db *d, PGresult *r)
{
    ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_COPY_IN) {
        const char *n = PQcmdTuples(r);
        d->changes = n && *n ? atoi(n) : 0;
        return ZJ_DB_OK;
    }
    const char *primary = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    const char *detail = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL) : NULL;
    char msg[1024];
    if (primary)
        snprintf(msg, sizeof msg, "%s%s%s", primary, detail ? " (" : "", detail ? detail : "");
    else
        snprintf(msg, sizeof msg, "%s", PQerrorMessage(d->conn));
    if (primary && detail)
        strncat(msg, ")", sizeof msg - strlen(msg) - 1);
    set_error(d, r ? code_of(PQresultErrorField(r, PG_DIAG_SQLSTATE)) : ZJ_DB_ERROR, msg);
    return d->code;
}

/* ------------------------------------------------------------ translation */

static bool word_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

static bool starts_word(const char *p, const char *start, const char *w)
{
    size_t n = strlen(w);
    return strncmp(p, w, n) == 0 && (p == start || !word_char(p[-1])) && !word_char(p[n]);
}

/* Parameters ?N become $N and a bare ? the next number; quoted text and
 * identifiers are copied as they are; SQLite's type names become
 * PostgreSQL's of the same width. ddl: primary keys and text columns too. */
/* The ORDER BY list being copied: SQLite sorts NULL first when ascending
 * and last when descending, PostgreSQL the other way round; each term gets
 * SQLite's order spelled out (NULLS FIRST / NULLS LAST), so that a call
 * without an agent sorts where it sorts on SQLite. */
typedef struct {
    bool on;    /* inside an ORDER BY list */
    int depth;  /* the parenthesis depth of that list */
    bool desc;  /* the current term is descending */
    bool nulls; /* the current term says where NULLs go */
    bool any;   /* the current term has begun */
} order_state;

static void end_term(zj_buf *b, order_state *o)
{
    if (o->on && o->any && !o->nulls) {
        /* before the spaces that end the term */
        size_t n = b->len;
        while (n && b->data[n - 1] == ' ')
            n--;
        char tail[64];
        size_t spaces = b->len - n;
        snprintf(tail, sizeof tail, " %s%*s", o->desc ? "NULLS LAST" : "NULLS FIRST", (int)spaces,
                 "");
        b->len = n;
        zj_buf_puts(b, tail);
    }
    o->desc = o->nulls = o->any = false;
}

static void translate_into(zj_buf *b, const char *sql, size_t len, bool ddl, int *n_params,
                           unsigned char *used)
{
    const char *p = sql, *end = sql + len;
    int next = 0, depth = 0;
    order_state o = {0};
    while (p < end) {
        char c = *p;
        if (o.on && depth == o.depth &&
            (c == ',' || c == ')' || c == ';' || starts_word(p, sql, "LIMIT") ||
             starts_word(p, sql, "OFFSET") || starts_word(p, sql, "ROWS") ||
             starts_word(p, sql, "RANGE"))) {
            end_term(b, &o);
            if (c != ',')
                o.on = false;
        } else if (o.on && depth == o.depth && c != ' ') {
            if (starts_word(p, sql, "DESC"))
                o.desc = true;
            else if (starts_word(p, sql, "NULLS"))
                o.nulls = true;
            o.any = true;
        }
        if (starts_word(p, sql, "ORDER BY")) {
            zj_buf_append(b, p, 8);
            p += 8;
            o = (order_state){.on = true, .depth = depth};
            continue;
        }
        if (c == '(')
            depth++;
        else if (c == ')')
            depth--;
        if (c == '\'' || c == '"') {
            const char *q = p + 1;
            while (q < end && !(*q == c && (q + 1 >= end || q[1] != c)))
                q += *q == c ? 2 : 1;
            q = q < end ? q + 1 : end;
            zj_buf_append(b, p, (size_t)(q - p));
            p = q;
        } else if (c == '?') {
            p++;
            int n = 0;
            while (p < end && *p >= '0' && *p <= '9')
                n = n * 10 + (*p++ - '0');
            if (!n)
                n = next + 1;
            next = n > next ? n : next;
            if (used && n <= MAX_PARAMS)
                used[n - 1] = 1;
            char num[16];
            snprintf(num, sizeof num, "$%d", n);
            zj_buf_puts(b, num);
        } else if (starts_word(p, sql, "temp") && p[4] == '.') {
            zj_buf_puts(b, "pg_temp"); /* the connection's temporary tables */
            p += 4;
        } else if (starts_word(p, sql, "INDEXED BY")) {
            /* SQLite's index hint: PostgreSQL's planner chooses alone. */
            p += strlen("INDEXED BY");
            while (p < end && *p == ' ')
                p++;
            while (p < end && word_char(*p))
                p++;
        } else if (ddl && starts_word(p, sql, "INTEGER PRIMARY KEY")) {
            zj_buf_puts(b, "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY");
            p += strlen("INTEGER PRIMARY KEY");
        } else if (starts_word(p, sql, "INTEGER")) {
            zj_buf_puts(b, "BIGINT"); /* SQLite's integers are 64-bit */
            p += 7;
        } else if (starts_word(p, sql, "REAL")) {
            zj_buf_puts(b, "DOUBLE PRECISION"); /* PostgreSQL's REAL is 32-bit */
            p += 4;
        } else if (starts_word(p, sql, "BLOB")) {
            zj_buf_puts(b, "BYTEA");
            p += 4;
        } else if (ddl && starts_word(p, sql, "TEXT")) {
            zj_buf_puts(b, "TEXT COLLATE \"C\"");
            p += 4;
        } else {
            zj_buf_append(b, p, 1);
            p++;
        }
    }
    if (o.on)
        end_term(b, &o);
    if (n_params)
        *n_params = next;
}

/* One statement of a migration, as PostgreSQL reads it. */
static void translate_statement(zj_buf *b, const char *s, size_t n)
{
    while (n && (*s == ' ' || *s == '\n')) {
        s++;
        n--;
    }
    if (!n)
        return;
    if (strncmp(s, "BEGIN IMMEDIATE", 15) == 0) {
        zj_buf_puts(b, "BEGIN;" WRITE_LOCK ";");
        return;
    }
    if (strncmp(s, "CREATE TRIGGER ", 15) == 0) {
        /* CREATE TRIGGER name BEFORE UPDATE ON table BEGIN SELECT
         * RAISE(ABORT, 'message'); END */
        char name[64], when[16], table[64];
        const char *msg = strstr(s, "RAISE(ABORT, '");
        const char *msg_end = msg ? strstr(msg + 14, "')") : NULL;
        if (sscanf(s, "CREATE TRIGGER %63s BEFORE %15s ON %63s BEGIN", name, when, table) == 3 &&
            msg && msg_end && msg_end < s + n) {
            char head[512];
            snprintf(head, sizeof head,
                     "CREATE FUNCTION %s_fn() RETURNS trigger LANGUAGE plpgsql AS"
                     " $$BEGIN RAISE EXCEPTION '",
                     name);
            zj_buf_puts(b, head);
            zj_buf_append(b, msg + 14, (size_t)(msg_end - msg - 14));
            snprintf(head, sizeof head,
                     "'; END$$; CREATE TRIGGER %s BEFORE %s ON %s FOR EACH ROW EXECUTE FUNCTION"
                     " %s_fn();",
                     name, when, table, name);
            zj_buf_puts(b, head);
            return;
        }
    }
    bool create = strncmp(s, "CREATE TABLE ", 13) == 0;
    bool ddl = create || strncmp(s, "ALTER TABLE ", 12) == 0;
    const char *open = create ? memchr(s, '(', n) : NULL;
    bool has_key = false;
    for (size_t i = 0; create && i + 11 <= n; i++)
        if (memcmp(s + i, "PRIMARY KEY", 11) == 0)
            has_key = true;
    if (open && !has_key) {
        /* SQLite gives every such table a rowid, and the queries use it. */
        translate_into(b, s, (size_t)(open - s) + 1, false, NULL, NULL);
        zj_buf_puts(b, "rowid BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, ");
        translate_into(b, open + 1, n - (size_t)(open - s) - 1, true, NULL, NULL);
    } else {
        translate_into(b, s, n, ddl, NULL, NULL);
    }
    zj_buf_puts(b, ";");
}

/* A script of statements separated by ';' (a trigger's body ends at END;). */
static char *translate_script(const char *sql)
{
    zj_buf b;
    zj_buf_init(&b);
    const char *p = sql;
    while (*p) {
        const char *start = p;
        bool trigger = strncmp(start, "CREATE TRIGGER ", 15) == 0;
        char quote = 0;
        for (; *p; p++) {
            if (quote) {
                if (*p == quote)
                    quote = 0;
            } else if (*p == '\'' || *p == '"') {
                quote = *p;
            } else if (*p == ';' &&
                       (!trigger || (p >= start + 4 && strncmp(p - 4, " END", 4) == 0))) {
                break;
            }
        }
        translate_statement(&b, start, (size_t)(p - start));
        if (*p)
            p++;
    }
    if (b.failed || !b.data) {
        zj_buf_free(&b);
        return b.failed ? NULL : strdup("");
    }
    return b.data;
}

/* ------------------------------------------------------------------- bulk */

/* Sends the queued rows of every bulk statement, each target in one COPY.
 * The rows are gone afterwards, sent or not: a failure fails the
 * transaction, which the store then rolls back whole. */
/* COPY target FROM STDIN with rows (COPY's text format). */
static int copy_rows(pg_db *d, const char *target, const zj_buf *rows)
{
    char sql[512];
    snprintf(sql, sizeof sql, "COPY %s FROM STDIN", target);
    PGresult *r = PQexec(d->conn, sql);
    if (PQresultStatus(r) != PGRES_COPY_IN) {
        int rc = check(d, r);
        PQclear(r);
        return rc == ZJ_DB_OK ? ZJ_DB_ERROR : rc;
    }
    PQclear(r);
    int rc = ZJ_DB_OK;
    int sent = PQputCopyData(d->conn, rows->data, (int)rows->len);
    if (PQputCopyEnd(d->conn, sent == 1 ? NULL : "cannot send the rows") != 1) {
        set_error(d, ZJ_DB_ERROR, PQerrorMessage(d->conn));
        rc = ZJ_DB_ERROR;
    }
    while ((r = PQgetResult(d->conn))) {
        int c = check(d, r);
        if (c != ZJ_DB_OK && rc == ZJ_DB_OK)
            rc = c;
        PQclear(r);
    }
    return rc;
}

static int flush_bulk(pg_db *d)
{
    int rc = ZJ_DB_OK;
    for (int t = 0; t < d->n_bulk; t++) {
        zj_buf *rows = &d->bulk[t].rows;
        if (rows->len && rc == ZJ_DB_OK)
            rc = copy_rows(d, d->bulk[t].target, rows);
        zj_buf_reset(rows);
    }
    return rc;
}

static bool bulk_put(struct bulk_target *b, const char *s, size_t n)
{
    return zj_buf_append(&b->rows, s, n) == ZJ_OK;
}

/* One value in COPY's text format: \N for NULL, backslash escapes for
 * the characters COPY gives a meaning; bytea in its hex form. */
static bool bulk_value(struct bulk_target *b, const char *v, int len, int format)
{
    if (!v)
        return bulk_put(b, "\\N", 2);
    if (format == 1) {
        static const char hex[] = "0123456789abcdef";
        if (!bulk_put(b, "\\\\x", 3))
            return false;
        for (int i = 0; i < len; i++) {
            char h[2] = {hex[(unsigned char)v[i] >> 4], hex[(unsigned char)v[i] & 15]};
            if (!bulk_put(b, h, 2))
                return false;
        }
        return true;
    }
    const char *run = v;
    for (const char *p = v;; p++) {
        const char *esc = *p == '\\'   ? "\\\\"
                          : *p == '\t' ? "\\t"
                          : *p == '\n' ? "\\n"
                          : *p == '\r' ? "\\r"
                                       : NULL;
        if (esc || !*p) {
            if (!bulk_put(b, run, (size_t)(p - run)))
                return false;
            if (!*p)
                return true;
            if (!bulk_put(b, esc, 2))
                return false;
            run = p + 1;
        }
    }
}

/* A bulk statement's step: its bound rows queued, none sent. */
static int bulk_step(pg_stmt *s)
{
    struct bulk_target *b = &s->db->bulk[s->bulk - 1];
    for (int i = 0; i < s->n_params; i++) {
        bool last = (i + 1) % s->bulk_columns == 0;
        if (!bulk_value(b, s->values[i], s->lengths[i], s->formats[i]) ||
            !bulk_put(b, last ? "\n" : "\t", 1)) {
            set_error(s->db, ZJ_DB_NOMEM, "out of memory");
            return ZJ_DB_NOMEM;
        }
    }
    s->row = 0;
    s->rows = 0;
    return ZJ_DB_DONE;
}

static int pg_prepare(zj_db *db, const char *sql, zj_stmt **out);

static int pg_prepare_bulk(zj_db *db, const char *sql, zj_stmt **out)
{
    pg_db *d = (pg_db *)db;
    /* INSERT INTO table (columns) VALUES ... */
    const char *open = strchr(sql, '('), *close = open ? strchr(open, ')') : NULL;
    if (strncmp(sql, "INSERT INTO ", 12) != 0 || !close || close - sql > 480 ||
        !strstr(close, " VALUES ")) {
        set_error(d, ZJ_DB_ERROR, "not a bulk INSERT statement");
        return ZJ_DB_ERROR;
    }
    int rc = pg_prepare(db, sql, out);
    if (rc != ZJ_DB_OK)
        return rc;
    pg_stmt *s = (pg_stmt *)*out;
    int columns = 1;
    for (const char *p = open; p < close; p++)
        columns += *p == ',';
    char target[512];
    snprintf(target, sizeof target, "%.*s", (int)(close + 1 - sql - 12), sql + 12);
    int t = 0;
    while (t < d->n_bulk && strcmp(d->bulk[t].target, target) != 0)
        t++;
    if (t == d->n_bulk) {
        if (t == (int)(sizeof d->bulk / sizeof *d->bulk) || !(d->bulk[t].target = strdup(target))) {
            db->ops->finalize(*out);
            *out = NULL;
            set_error(d, ZJ_DB_NOMEM, "too many bulk targets");
            return ZJ_DB_NOMEM;
        }
        d->n_bulk++;
    }
    if (s->n_params % columns != 0) {
        db->ops->finalize(*out);
        *out = NULL;
        set_error(d, ZJ_DB_ERROR, "bulk INSERT: parameters are not whole rows");
        return ZJ_DB_ERROR;
    }
    s->bulk = t + 1;
    s->bulk_columns = columns;
    return ZJ_DB_OK;
}

/* ------------------------------------------------------------ connection */

static int pg_prepare(zj_db *db, const char *sql, zj_stmt **out)
{
    pg_db *d = (pg_db *)db;
    *out = NULL;
    pg_stmt *s = calloc(1, sizeof *s);
    zj_buf b;
    zj_buf_init(&b);
    int n = 0;
    unsigned char used[MAX_PARAMS] = {0};
    if (s)
        translate_into(&b, sql, strlen(sql), false, &n, used);
    if (!s || b.failed) {
        zj_buf_free(&b);
        free(s);
        set_error(d, ZJ_DB_NOMEM, "out of memory");
        return ZJ_DB_NOMEM;
    }
    s->base.ops = &pg_ops;
    s->db = d;
    s->sql = b.data;
    s->n_params = n;
    s->row = -1;
    if (n) {
        s->values = calloc((size_t)n, sizeof *s->values);
        s->lengths = calloc((size_t)n, sizeof *s->lengths);
        s->formats = calloc((size_t)n, sizeof *s->formats);
        s->types = calloc((size_t)n, sizeof *s->types);
        if (!s->values || !s->lengths || !s->formats || !s->types) {
            db->ops->finalize(&s->base);
            set_error(d, ZJ_DB_NOMEM, "out of memory");
            return ZJ_DB_NOMEM;
        }
        /* A number the text skips (a filter left out) still gets its bound
         * value: PostgreSQL must be told a type for it. */
        for (int i = 0; i < n && i < MAX_PARAMS; i++)
            if (!used[i])
                s->types[i] = OID_TEXT;
    }
    *out = &s->base;
    return ZJ_DB_OK;
}

static int pg_exec(zj_db *db, const char *sql)
{
    pg_db *d = (pg_db *)db;
    if (strncmp(sql, "PRAGMA ", 7) == 0)
        return ZJ_DB_OK; /* SQLite's connection settings: nothing to do here */
    if (strcmp(sql, "ROLLBACK") == 0) {
        for (int t = 0; t < d->n_bulk; t++)
            zj_buf_reset(&d->bulk[t].rows); /* rolled back with the rest */
    } else {
        int queued = flush_bulk(d);
        if (queued != ZJ_DB_OK)
            return queued;
    }
    char *t = translate_script(sql);
    if (!t) {
        set_error(d, ZJ_DB_NOMEM, "out of memory");
        return ZJ_DB_NOMEM;
    }
    PGresult *r = PQexec(d->conn, t);
    free(t);
    int rc = check(d, r);
    PQclear(r);
    return rc;
}

static int pg_errcode(zj_db *db)
{
    return ((pg_db *)db)->code;
}
static const char *pg_errmsg(zj_db *db)
{
    pg_db *d = (pg_db *)db;
    return d->msg ? d->msg : "not an error";
}

static int64_t pg_last_insert_rowid(zj_db *db)
{
    pg_db *d = (pg_db *)db;
    if (flush_bulk(d) != ZJ_DB_OK)
        return 0;
    PGresult *r = PQexec(d->conn, "SELECT lastval()");
    int64_t v = 0;
    if (check(d, r) == ZJ_DB_OK && PQntuples(r) == 1)
        v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return v;
}

static int pg_changes(zj_db *db)
{
    return ((pg_db *)db)->changes;
}

static bool pg_in_transaction(zj_db *db)
{
    return PQtransactionStatus(((pg_db *)db)->conn) != PQTRANS_IDLE;
}

static void pg_close(zj_db *db)
{
    pg_db *d = (pg_db *)db;
    for (int t = 0; t < d->n_bulk; t++) {
        free(d->bulk[t].target);
        zj_buf_free(&d->bulk[t].rows);
    }
    PQfinish(d->conn);
    free(d->msg);
    free(d);
}

/* ------------------------------------------------------------- statements */

static void free_value(pg_stmt *s, int i)
{
    free(s->values[i]);
    s->values[i] = NULL;
    s->lengths[i] = 0;
    s->formats[i] = 0;
}

static int set_value(pg_stmt *s, int i, char *v, int len, int format, Oid type)
{
    if (i < 1 || i > s->n_params) {
        free(v);
        return ZJ_DB_ERROR; /* SQLITE_RANGE in spirit */
    }
    free_value(s, i - 1);
    s->values[i - 1] = v;
    s->lengths[i - 1] = len;
    s->formats[i - 1] = format;
    if (!s->name[0] && s->types[i - 1] != OID_TEXT)
        s->types[i - 1] = type;
    return ZJ_DB_OK;
}

static int pg_bind_int64(zj_stmt *st, int i, int64_t v)
{
    char buf[24];
    snprintf(buf, sizeof buf, "%lld", (long long)v);
    char *c = strdup(buf);
    return c ? set_value((pg_stmt *)st, i, c, 0, 0, OID_INT8) : ZJ_DB_NOMEM;
}

static int pg_bind_double(zj_stmt *st, int i, double v)
{
    char buf[40];
    snprintf(buf, sizeof buf, "%.17g", v);
    char *c = strdup(buf);
    return c ? set_value((pg_stmt *)st, i, c, 0, 0, OID_FLOAT8) : ZJ_DB_NOMEM;
}

static void release(const void *v, zj_db_destructor d)
{
    if (d != ZJ_DB_STATIC && d != ZJ_DB_TRANSIENT)
        d((void *)v);
}

static int pg_bind_text(zj_stmt *st, int i, const char *v, int n, zj_db_destructor d)
{
    if (!v)
        return set_value((pg_stmt *)st, i, NULL, 0, 0, 0);
    size_t len = n < 0 ? strlen(v) : (size_t)n;
    char *c = malloc(len + 1);
    if (c) {
        memcpy(c, v, len);
        c[len] = '\0';
    }
    release(v, d);
    return c ? set_value((pg_stmt *)st, i, c, 0, 0, 0) : ZJ_DB_NOMEM;
}

static int pg_bind_blob(zj_stmt *st, int i, const void *v, int n, zj_db_destructor d)
{
    char *c = malloc(n > 0 ? (size_t)n : 1);
    if (c && n > 0)
        memcpy(c, v, (size_t)n);
    release(v, d);
    return c ? set_value((pg_stmt *)st, i, c, n, 1, OID_BYTEA) : ZJ_DB_NOMEM;
}

static int pg_bind_null(zj_stmt *st, int i)
{
    return set_value((pg_stmt *)st, i, NULL, 0, 0, 0);
}
static int pg_bind_parameter_count(zj_stmt *st)
{
    return ((pg_stmt *)st)->n_params;
}

static int pg_clear_bindings(zj_stmt *st)
{
    pg_stmt *s = (pg_stmt *)st;
    for (int i = 0; i < s->n_params; i++)
        free_value(s, i);
    return ZJ_DB_OK;
}

static void drop_result(pg_stmt *s)
{
    PQclear(s->res);
    s->res = NULL;
    s->row = -1;
    s->rows = 0;
    free(s->blob);
    s->blob = NULL;
}

static int pg_step(zj_stmt *st)
{
    pg_stmt *s = (pg_stmt *)st;
    pg_db *d = s->db;
    if (s->res) {
        if (s->row + 1 < s->rows) {
            s->row++;
            free(s->blob);
            s->blob = NULL;
            return ZJ_DB_ROW;
        }
        return ZJ_DB_DONE;
    }
    if (s->bulk)
        return bulk_step(s);
    int queued = flush_bulk(d);
    if (queued != ZJ_DB_OK)
        return queued;
    PGresult *r;
    if (s->runs >= 1 && !s->name[0]) {
        /* Run again: parse and plan it once on the server from now on. */
        char name[32];
        snprintf(name, sizeof name, "zj%lu", ++d->next_name);
        PGresult *p = PQprepare(d->conn, name, s->sql, s->n_params, s->types);
        int rc = check(d, p);
        PQclear(p);
        if (rc != ZJ_DB_OK)
            return rc;
        memcpy(s->name, name, sizeof name);
    }
    if (s->name[0])
        r = PQexecPrepared(d->conn, s->name, s->n_params, (const char *const *)s->values,
                           s->lengths, s->formats, 0);
    else
        r = PQexecParams(d->conn, s->sql, s->n_params, s->types, (const char *const *)s->values,
                         s->lengths, s->formats, 0);
    s->runs++;
    int rc = check(d, r);
    if (rc != ZJ_DB_OK && getenv("ZJ_TRACE_SQL"))
        fprintf(stderr, "zhijian: SQL failed: %s\n  %s\n", d->msg, s->sql);
    if (rc != ZJ_DB_OK) {
        PQclear(r);
        return rc;
    }
    s->res = r;
    s->rows = PQresultStatus(r) == PGRES_TUPLES_OK ? PQntuples(r) : 0;
    s->row = 0;
    if (PQresultStatus(r) == PGRES_TUPLES_OK)
        d->changes = s->rows;
    return s->rows > 0 ? ZJ_DB_ROW : ZJ_DB_DONE;
}

static int pg_reset(zj_stmt *st)
{
    drop_result((pg_stmt *)st);
    return ZJ_DB_OK;
}

static void pg_finalize(zj_stmt *st)
{
    pg_stmt *s = (pg_stmt *)st;
    drop_result(s);
    if (s->name[0] && PQstatus(s->db->conn) == CONNECTION_OK) {
        char sql[48];
        snprintf(sql, sizeof sql, "DEALLOCATE %s", s->name);
        /* In a failed transaction DEALLOCATE is refused too; the name dies
         * with the connection then. */
        PQclear(PQexec(s->db->conn, sql));
    }
    for (int i = 0; i < s->n_params; i++)
        free(s->values[i]);
    free(s->values);
    free(s->lengths);
    free(s->formats);
    free(s->types);
    free(s->sql);
    free(s);
}

static bool have(pg_stmt *s, int i)
{
    return s->res && s->row >= 0 && s->row < s->rows && i >= 0 && i < PQnfields(s->res);
}

static int pg_column_count(zj_stmt *st)
{
    pg_stmt *s = (pg_stmt *)st;
    return s->res ? PQnfields(s->res) : 0;
}

static int pg_column_type(zj_stmt *st, int i)
{
    pg_stmt *s = (pg_stmt *)st;
    if (!have(s, i) || PQgetisnull(s->res, s->row, i))
        return ZJ_DB_NULL;
    switch (PQftype(s->res, i)) {
    case OID_BOOL:
    case OID_INT2:
    case OID_INT4:
    case OID_INT8:
        return ZJ_DB_INTEGER;
    case OID_FLOAT4:
    case OID_FLOAT8:
        return ZJ_DB_FLOAT;
    case OID_NUMERIC:
        /* sum() of integers is numeric here, an integer in SQLite. */
        return strpbrk(PQgetvalue(s->res, s->row, i), ".eE") ? ZJ_DB_FLOAT : ZJ_DB_INTEGER;
    case OID_BYTEA:
        return ZJ_DB_BLOB;
    default:
        return ZJ_DB_TEXT;
    }
}

static double pg_column_double(zj_stmt *st, int i)
{
    pg_stmt *s = (pg_stmt *)st;
    if (!have(s, i) || PQgetisnull(s->res, s->row, i))
        return 0;
    const char *v = PQgetvalue(s->res, s->row, i);
    if (PQftype(s->res, i) == OID_BOOL)
        return *v == 't';
    return strtod(v, NULL);
}

static int64_t pg_column_int64(zj_stmt *st, int i)
{
    pg_stmt *s = (pg_stmt *)st;
    if (!have(s, i) || PQgetisnull(s->res, s->row, i))
        return 0;
    const char *v = PQgetvalue(s->res, s->row, i);
    Oid t = PQftype(s->res, i);
    if (t == OID_BOOL)
        return *v == 't';
    if (t == OID_FLOAT4 || t == OID_FLOAT8 || (t == OID_NUMERIC && strpbrk(v, ".eE")))
        return (int64_t)strtod(v, NULL);
    return strtoll(v, NULL, 10);
}

static const unsigned char *pg_column_text(zj_stmt *st, int i)
{
    pg_stmt *s = (pg_stmt *)st;
    if (!have(s, i) || PQgetisnull(s->res, s->row, i))
        return NULL;
    const char *v = PQgetvalue(s->res, s->row, i);
    if (PQftype(s->res, i) == OID_BOOL)
        return (const unsigned char *)(*v == 't' ? "1" : "0");
    return (const unsigned char *)v;
}

static const void *pg_column_blob(zj_stmt *st, int i)
{
    pg_stmt *s = (pg_stmt *)st;
    if (!have(s, i) || PQgetisnull(s->res, s->row, i))
        return NULL;
    if (PQftype(s->res, i) != OID_BYTEA)
        return PQgetvalue(s->res, s->row, i);
    free(s->blob);
    s->blob = PQunescapeBytea((const unsigned char *)PQgetvalue(s->res, s->row, i), &s->blob_len);
    return s->blob;
}

static int pg_column_bytes(zj_stmt *st, int i)
{
    pg_stmt *s = (pg_stmt *)st;
    if (!have(s, i) || PQgetisnull(s->res, s->row, i))
        return 0;
    if (PQftype(s->res, i) == OID_BYTEA) {
        if (!s->blob)
            pg_column_blob(st, i);
        return (int)s->blob_len;
    }
    return PQgetlength(s->res, s->row, i);
}

static const char *pg_column_name(zj_stmt *st, int i)
{
    pg_stmt *s = (pg_stmt *)st;
    return s->res && i >= 0 && i < PQnfields(s->res) ? PQfname(s->res, i) : NULL;
}

static const zj_db_ops pg_ops = {
    .prepare = pg_prepare,
    .prepare_bulk = pg_prepare_bulk,
    .exec = pg_exec,
    .errcode = pg_errcode,
    .errmsg = pg_errmsg,
    .last_insert_rowid = pg_last_insert_rowid,
    .changes = pg_changes,
    .in_transaction = pg_in_transaction,
    .close = pg_close,
    .bind_int64 = pg_bind_int64,
    .bind_double = pg_bind_double,
    .bind_text = pg_bind_text,
    .bind_blob = pg_bind_blob,
    .bind_null = pg_bind_null,
    .bind_parameter_count = pg_bind_parameter_count,
    .clear_bindings = pg_clear_bindings,
    .step = pg_step,
    .reset = pg_reset,
    .finalize = pg_finalize,
    .column_count = pg_column_count,
    .column_type = pg_column_type,
    .column_int64 = pg_column_int64,
    .column_double = pg_column_double,
    .column_text = pg_column_text,
    .column_blob = pg_column_blob,
    .column_bytes = pg_column_bytes,
    .column_name = pg_column_name,
};

/* ---------------------------------------------------------------- opening */

zj_db *zj_db_open_postgres(const char *conninfo, char *msg, size_t msg_size)
{
    PGconn *c = PQconnectdb(conninfo);
    if (!c) {
        snprintf(msg, msg_size, "out of memory");
        return NULL;
    }
    if (PQstatus(c) != CONNECTION_OK) {
        /* libpq's message may quote the connection string or a piece of
         * it (a password with a bad percent escape, a URI it cannot parse):
         * masked whole before it is cut to size; its lines become one. */
        char *masked = zj_db_redact_message(PQerrorMessage(c), conninfo);
        snprintf(msg, msg_size, "%s", masked ? masked : "(no message: out of memory)");
        free(masked);
        size_t n = strlen(msg);
        while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
            msg[--n] = '\0';
        size_t o = 0;
        for (size_t i = 0; i < n; i++) {
            if (msg[i] == '\n' || msg[i] == '\t') {
                while (i + 1 < n && (msg[i + 1] == '\n' || msg[i + 1] == '\t'))
                    i++;
                msg[o++] = ' ';
            } else {
                msg[o++] = msg[i];
            }
        }
        msg[o] = '\0';
        PQfinish(c);
        return NULL;
    }
    /* Text in and out is UTF-8; SQLite's LIKE and sorting are by bytes.
     * Doubles come back as text: extra_float_digits 3 (as pg_dump) makes it
     * the shortest exact form whatever the server, database or role sets,
     * so figures read the same as from SQLite. JIT compilation (PostgreSQL
     * 11 and later) is off: the planner's estimate for a recomputation of
     * the aggregates reaches its threshold and compiling took 1.7 s of a
     * 2.4 s `db check` of 10,000 calls; no query of the store runs long
     * enough per row to repay it. */
#define SESSION_SETUP                                                                              \
    "SET client_encoding = 'UTF8'; SET client_min_messages = warning; SET extra_float_digits = 3"
    PGresult *r =
        PQexec(c, PQserverVersion(c) >= 110000 ? SESSION_SETUP "; SET jit = off" : SESSION_SETUP);
#undef SESSION_SETUP
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    pg_db *d = ok ? calloc(1, sizeof *d) : NULL;
    if (!d) {
        snprintf(msg, msg_size, ok ? "out of memory" : "cannot set the client encoding to UTF-8");
        PQfinish(c);
        return NULL;
    }
    d->base.ops = &pg_ops;
    d->base.kind = ZJ_DB_POSTGRES;
    d->conn = c;
    return &d->base;
}
