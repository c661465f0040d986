/* ingest_csv.c — an utterance table (CSV, one row per utterance): columns
 * call_id (optional: the file is one call), speaker (a role name, a speaker
 * id), channel (optional), text, start/end (seconds, or [hh:]mm:ss.mmm) or
 * start_ms/end_ms, and the call columns agent_id, agent_name, team,
 * started_at, direction, call_type, ring_ms (first non-empty value of the
 * call). Rows of a call are consecutive; a bad row rejects its whole call
 * (FILE:LINE), never only itself: a call scored without one of its rows may
 * be a call scored without its taboo. Other columns are ignored. */
#include "internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    C_CALL,
    C_SPEAKER,
    C_CHANNEL,
    C_TEXT,
    C_START,
    C_END,
    C_START_MS,
    C_END_MS,
    C_AGENT_ID,
    C_AGENT_NAME,
    C_TEAM,
    C_STARTED_AT,
    C_DIRECTION,
    C_CALL_TYPE,
    C_RING_MS,
    N_C
};

static const char *const names[N_C] = {
    "call_id|通话ID|录音ID",
    "speaker|role|角色|说话人|发言人",
    "channel|channel_id|声道",
    "text|content|内容|文本|识别文本",
    "start|begin|开始时间|开始",
    "end|stop|结束时间|结束",
    "start_ms|begin_ms|开始时间ms",
    "end_ms|结束时间ms",
    "agent_id|工号|坐席工号",
    "agent_name|坐席姓名",
    "team|班组|组别",
    "started_at|通话开始时间",
    "direction|呼叫方向",
    "call_type|通话类型",
    "ring_ms|振铃时长ms",
};

static int detect(const char *s, size_t n, const char *path)
{
    const char *nl = memchr(s, '\n', n);
    size_t first = nl ? (size_t)(nl - s) : n;
    if (!memchr(s, ',', first))
        return 0;
    zj_csv csv;
    if (!zj_csv_parse(s, first, path, &csv, NULL))
        return 0;
    int score = 0;
    if (csv.n == 1 && zj_csv_column(&csv.rows[0], names[C_TEXT]) >= 0 &&
        zj_csv_column(&csv.rows[0], names[C_SPEAKER]) >= 0)
        score = 90;
    zj_csv_free(&csv);
    return score;
}

/* Seconds ("12.5") or a clock ("00:00:12.500") into ms. Plain decimals
 * only: strtod would also take "0x10", "1e3" or "inf", none of which an
 * export writes for a time. */
static bool seconds_cell(const char *s, int64_t *ms)
{
    if (strchr(s, ':'))
        return zj_ing_clock(s, strlen(s), ms);
    double v;
    if (!zj_ing_decimal(s, &v) || !isfinite(v) || v > 1e9)
        return false;
    *ms = llround(v * 1000);
    return true;
}

/* Digits only, at most 10^12 (the limit of every time; a channel number is
 * checked further by its caller). */
static bool ms_cell(const char *s, int64_t *ms)
{
    if (!*s)
        return false;
    int64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9' || v > 1000000000000LL)
            return false;
        v = v * 10 + (*p - '0');
    }
    if (v > 1000000000000LL)
        return false;
    *ms = v;
    return true;
}

typedef struct builder {
    zj_call *call;
    zj_error err;
    bool bad;
} builder;

static void finish(builder *b, zj_ingest_out *out)
{
    if (!b->call && !b->bad)
        return;
    if (b->bad) {
        zj_call_free(b->call);
        zj_ingest_push_error(out, &b->err);
    } else {
        zj_ingest_push_call(out, b->call);
    }
    b->call = NULL;
    b->bad = false;
}

static bool call_field(char **field, const char *cell)
{
    return *field || !*cell || zj_ing_set(field, cell, strlen(cell));
}

/* One row into b's call; false with b->err on a bad row. */
static bool row_into(builder *b, const zj_csv_row *r, const long *col, const char *src)
{
    const char *cell[N_C];
    for (int k = 0; k < N_C; k++)
        cell[k] = col[k] >= 0 ? r->f[col[k]] : "";
    zj_call *c = b->call;
    zj_party who = {.role = ZJ_ROLE_UNKNOWN, .channel = -1};
    const char *sp = cell[C_SPEAKER];
    int role = zj_ing_role_name(sp, strlen(sp));
    if (role >= 0) {
        who.role = role;
    } else if (*sp) {
        if (strlen(sp) >= sizeof who.speaker)
            return zj_error_set(&b->err, ZJ_ERR_INVALID, src, r->line, 0,
                                "speaker '%.32s…' is too long", sp),
                   false;
        snprintf(who.speaker, sizeof who.speaker, "%s", sp);
    }
    if (*cell[C_CHANNEL]) {
        int64_t ch;
        if (!ms_cell(cell[C_CHANNEL], &ch) || ch > 64)
            return zj_error_set(&b->err, ZJ_ERR_INVALID, src, r->line, 0,
                                "channel '%.32s' is not a channel number", cell[C_CHANNEL]),
                   false;
        who.channel = (int)ch;
    }
    if (who.role < 0 && !who.speaker[0] && who.channel < 0)
        return zj_error_set(&b->err, ZJ_ERR_INVALID, src, r->line, 0,
                            "no speaker (a role such as 坐席/客户, or a speaker or channel "
                            "number)"),
               false;
    int64_t start = -1, end = -1;
    struct {
        int col;
        bool secs;
        int64_t *out;
        const char *name;
    } times[] = {{C_START, true, &start, "start"},
                 {C_END, true, &end, "end"},
                 {C_START_MS, false, &start, "start_ms"},
                 {C_END_MS, false, &end, "end_ms"}};
    for (size_t k = 0; k < 4; k++) {
        const char *v = cell[times[k].col];
        if (!*v)
            continue;
        if (!(times[k].secs ? seconds_cell(v, times[k].out) : ms_cell(v, times[k].out)))
            return zj_error_set(&b->err, ZJ_ERR_INVALID, src, r->line, 0, "%s '%.32s' is not %s",
                                times[k].name, v,
                                times[k].secs ? "a time in seconds (12.5) or 00:00:12.500"
                                              : "a number of milliseconds"),
                   false;
    }
    if (start >= 0 && end >= 0 && end < start)
        return zj_error_set(&b->err, ZJ_ERR_INVALID, src, r->line, 0, "end is before start"), false;
    if (*cell[C_RING_MS] && c->ring_ms < 0 && !ms_cell(cell[C_RING_MS], &c->ring_ms))
        return zj_error_set(&b->err, ZJ_ERR_INVALID, src, r->line, 0,
                            "ring_ms '%.32s' is not a number of milliseconds", cell[C_RING_MS]),
               false;
    if (*cell[C_STARTED_AT] && !c->started_at) {
        if (!zj_parse_timestamp(cell[C_STARTED_AT], &c->started_at_utc_ms, &c->utc_offset_min))
            return zj_error_set(&b->err, ZJ_ERR_INVALID, src, r->line, 0,
                                "started_at '%.40s' is not a time like 2026-11-01 09:00:00+08:00",
                                cell[C_STARTED_AT]),
                   false;
    }
    if (!call_field(&c->agent_id, cell[C_AGENT_ID]) ||
        !call_field(&c->agent_name, cell[C_AGENT_NAME]) || !call_field(&c->team, cell[C_TEAM]) ||
        !call_field(&c->started_at, cell[C_STARTED_AT]) ||
        !call_field(&c->direction, cell[C_DIRECTION]) ||
        !call_field(&c->call_type, cell[C_CALL_TYPE]) ||
        !zj_ing_add_turn(c, cell[C_TEXT], strlen(cell[C_TEXT]), start, end, &who))
        return zj_error_set(&b->err, ZJ_ERR_NOMEM, src, r->line, 0, "out of memory"), false;
    return true;
}

/* A NUL byte is copied as this byte, which valid UTF-8 never holds: the CSV
 * parser keeps C strings, and a NUL would cut a cell (a call id "C\0 1" read
 * as "C") in silence. A row with a cell holding it rejects its call. */
#define NUL_MARK '\xFF'

/* id for a message: the NUL marks shown as \x00, as the terminal shows it. */
static const char *shown(const char *id, char *buf, size_t size)
{
    size_t o = 0;
    for (const char *p = id; *p && o + 5 < size; p++) {
        if (*p == NUL_MARK) {
            memcpy(buf + o, "\\x00", 4);
            o += 4;
        } else {
            buf[o++] = *p;
        }
    }
    buf[o] = '\0';
    return buf;
}

static bool row_has_nul(const zj_csv_row *r)
{
    for (size_t k = 0; k < r->n; k++)
        if (strchr(r->f[k], NUL_MARK))
            return true;
    return false;
}

/* The call a row names: its call_id cell, or the file's. */
static const char *cell_id(const char *cell, const char *default_id)
{
    return cell && *cell ? cell : default_id;
}

/* A call rejected for a bad row, found before the calls are built. */
typedef struct poison {
    const char *id;
    zj_error err;
} poison;

typedef struct table {
    const zj_csv *csv;
    const long *col;
    const char *src, *default_id;
    const char **ids; /* per row: its call, NULL for a bad row */
    poison *v;
    size_t n, cap;
    bool nomem;
} table;

static void poison_add(table *t, const char *id, long line, const char *fmt, const char *a,
                       const char *b)
{
    if (!zj_grow((void **)&t->v, t->n, &t->cap, sizeof *t->v)) {
        t->nomem = true;
        return;
    }
    char ia[160], ib[160], ic[160];
    poison *p = &t->v[t->n++];
    p->id = id;
    zj_error_set(&p->err, ZJ_ERR_PARSE, t->src, line, 0, fmt, shown(id, ic, sizeof ic),
                 a ? shown(a, ia, sizeof ia) : "", b ? shown(b, ib, sizeof ib) : "");
}

static const poison *poisoned(const table *t, const char *id)
{
    for (size_t k = 0; k < t->n; k++)
        if (strcmp(t->v[k].id, id) == 0)
            return &t->v[k];
    return NULL;
}

/* Row i has more or fewer fields than the header: an unquoted comma in a
 * text, most often, which shifts the cells after it. Whose row it is: the
 * call_id cell read at every shift the count allows. A neighbouring call
 * (the rows of a call are together) read at one of them owns it; a single
 * reading of another id is a call of its own; anything else cannot be told,
 * and every call it could belong to (the calls before and after it) is
 * rejected rather than one guessed. */
static void bad_count_row(table *t, size_t i)
{
    const zj_csv_row *head = &t->csv->rows[0], *r = &t->csv->rows[i];
    long c = t->col[C_CALL];
    char what[96];
    snprintf(what, sizeof what, "%zu fields, the header has %zu (%s)", r->n, head->n,
             r->n > head->n ? "an unquoted comma in a field?" : "a field missing?");
    const char *prev = NULL, *next = NULL;
    for (size_t k = i - 1; k >= 1 && !prev; k--)
        prev = t->ids[k];
    for (size_t k = i + 1; k < t->csv->n && !next; k++)
        next = t->ids[k];
    char fmt[320];
    if (c < 0) { /* the file is one call */
        snprintf(fmt, sizeof fmt, "call '%%s': %s%%s%%s", what);
        poison_add(t, t->default_id, r->line, fmt, NULL, NULL);
        return;
    }
    long extra = (long)r->n - (long)head->n;
    long lo = extra < 0 ? extra : 0, hi = extra > 0 ? extra : 0;
    bool prev_hit = false, next_hit = false, agree = true;
    const char *one = NULL;
    for (long sh = lo; sh <= hi; sh++) {
        long k = c + sh;
        if (k < 0 || k >= (long)r->n) {
            agree = false; /* the id may be the missing cell */
            continue;
        }
        const char *id = cell_id(r->f[k], t->default_id);
        prev_hit = prev_hit || (prev && strcmp(id, prev) == 0);
        next_hit = next_hit || (next && strcmp(id, next) == 0);
        if (one && strcmp(one, id) != 0)
            agree = false;
        one = id;
    }
    snprintf(fmt, sizeof fmt, "call '%%s': %s%%s%%s", what);
    if (prev_hit || next_hit) {
        if (prev_hit)
            poison_add(t, prev, r->line, fmt, NULL, NULL);
        if (next_hit && !(prev_hit && strcmp(prev, next) == 0))
            poison_add(t, next, r->line, fmt, NULL, NULL);
    } else if (agree && one) {
        poison_add(t, one, r->line, fmt, NULL, NULL);
    } else if (extra > 0) {
        /* Extra fields: every shift was read, none names a neighbour, so
         * the row is a call of its own, one row long, whichever id it has;
         * the neighbours stand. It is named by its first reading. */
        const char *first = cell_id(r->f[c], t->default_id);
        snprintf(fmt, sizeof fmt,
                 "call '%%s': %s; its other readings of call_id (%%s'%%s') name no call "
                 "next to it",
                 what);
        const char *other = NULL;
        for (long k = c + 1; k <= c + extra && !other; k++)
            if (strcmp(cell_id(r->f[k], t->default_id), first) != 0)
                other = cell_id(r->f[k], t->default_id);
        poison_add(t, first, r->line, fmt, "", other ? other : first);
    } else if (prev && next && strcmp(prev, next) != 0) {
        snprintf(fmt, sizeof fmt,
                 "call '%%s': %s, and whose row it is cannot be told (call '%%s' or "
                 "'%%s'): both are rejected",
                 what);
        poison_add(t, prev, r->line, fmt, prev, next);
        poison_add(t, next, r->line, fmt, prev, next);
    } else {
        /* Fewer fields and the call_id cell perhaps among the missing: the
         * call next to it, or the file's only call. */
        const char *id = prev ? prev : next ? next : t->default_id;
        snprintf(fmt, sizeof fmt, "call '%%s': %s, and its call_id cannot be read%%s%%s", what);
        poison_add(t, id, r->line, fmt, NULL, NULL);
    }
}

static bool seen_before(const char *const *seen, size_t n, const char *id)
{
    for (size_t k = 0; k < n; k++)
        if (strcmp(seen[k], id) == 0)
            return true;
    return false;
}

static void parse(const char *content, size_t len, zj_ingest_out *out)
{
    const char *src = out->source;
    zj_error e;
    zj_error_clear(&e);
    /* A file with a NUL is parsed from a copy with each NUL marked, so the
     * fields keep their length and the row's call can be rejected; the
     * others (all but a broken export) are parsed as they are. */
    char *copy = NULL;
    if (memchr(content, '\0', len)) {
        if (!(copy = malloc(len + 1))) {
            zj_error_set(&e, ZJ_ERR_NOMEM, src, 0, 0, "out of memory");
            zj_ingest_push_error(out, &e);
            return;
        }
        for (size_t i = 0; i < len; i++)
            copy[i] = content[i] ? content[i] : NUL_MARK;
        copy[len] = '\0';
    }
    zj_csv csv;
    bool parsed = zj_csv_parse(copy ? copy : content, len, src, &csv, &e);
    free(copy);
    if (!parsed) {
        zj_ingest_push_error(out, &e);
        return;
    }
    if (csv.n == 0) {
        zj_csv_free(&csv);
        return;
    }
    const zj_csv_row *head = &csv.rows[0];
    long col[N_C];
    for (int k = 0; k < N_C; k++) {
        col[k] = zj_csv_column(head, names[k]);
        long again = zj_csv_column_twice(head, names[k]);
        if (again >= 0) {
            zj_error_set(&e, ZJ_ERR_PARSE, src, head->line, 0,
                         "columns '%.64s' and '%.64s' mean the same (%s): which one holds the "
                         "value cannot be told; keep one",
                         head->f[col[k]], head->f[again], names[k]);
            zj_ingest_push_error(out, &e);
            zj_csv_free(&csv);
            return;
        }
    }
    if (col[C_TEXT] < 0 || (col[C_SPEAKER] < 0 && col[C_CHANNEL] < 0) || row_has_nul(head)) {
        zj_error_set(&e, ZJ_ERR_PARSE, src, head->line, 0,
                     row_has_nul(head) ? "a NUL byte (\\u0000) in the header"
                                       : "an utterance table needs a text column and a speaker "
                                         "(or channel) column");
        zj_ingest_push_error(out, &e);
        zj_csv_free(&csv);
        return;
    }
    /* First the bad rows and the calls they reject, then the calls. */
    table t = {.csv = &csv, .col = col, .src = src, .default_id = out->default_id};
    builder b = {0};
    t.ids = calloc(csv.n, sizeof *t.ids);
    const char **seen = calloc(csv.n, sizeof *seen);
    size_t n_seen = 0;
    if (!t.ids || !seen)
        goto nomem;
    for (size_t i = 1; i < csv.n; i++)
        if (csv.rows[i].n == head->n)
            t.ids[i] =
                cell_id(col[C_CALL] >= 0 ? csv.rows[i].f[col[C_CALL]] : NULL, out->default_id);
    for (size_t i = 1; i < csv.n; i++) {
        if (!t.ids[i])
            bad_count_row(&t, i);
        else if (row_has_nul(&csv.rows[i]))
            poison_add(&t, t.ids[i], csv.rows[i].line,
                       "call '%s': a NUL byte (\\u0000) in a field%s%s", NULL, NULL);
    }
    if (t.nomem)
        goto nomem;
    for (size_t i = 1; i < csv.n; i++) {
        const zj_csv_row *r = &csv.rows[i];
        const char *id = t.ids[i];
        if (!id) {
            /* A bad row whose call has no other row: reported here, in
             * the order of the file. */
            for (size_t k = 0; k < t.n; k++) {
                if (t.v[k].err.line != r->line || seen_before(seen, n_seen, t.v[k].id) ||
                    (b.call && strcmp(b.call->call_id, t.v[k].id) == 0))
                    continue;
                bool has_rows = false;
                for (size_t j = 1; j < csv.n && !has_rows; j++)
                    has_rows = t.ids[j] && strcmp(t.ids[j], t.v[k].id) == 0;
                if (!has_rows) {
                    finish(&b, out); /* the call before it ends here */
                    zj_ingest_push_error(out, &t.v[k].err);
                    seen[n_seen++] = t.v[k].id;
                }
            }
            continue;
        }
        if (b.call && strcmp(b.call->call_id, id) != 0)
            finish(&b, out);
        if (!b.call) {
            b.call = zj_ing_call_new(id, src, r->line);
            if (!b.call)
                goto nomem;
            const poison *p = poisoned(&t, id);
            if (seen_before(seen, n_seen, id)) {
                /* A call whose rows are not together would be scored twice,
                 * or in part. */
                b.bad = true;
                char sh[160];
                zj_error_set(&b.err, ZJ_ERR_PARSE, src, r->line, 0,
                             "call '%s' continues here after other calls (sort the rows by "
                             "call)",
                             shown(id, sh, sizeof sh));
            } else if (p) {
                b.bad = true;
                b.err = p->err;
            }
            seen[n_seen++] = id;
        }
        if (!b.bad && !row_into(&b, r, col, src))
            b.bad = true;
    }
    finish(&b, out);
    free(seen);
    free(t.ids);
    free(t.v);
    zj_csv_free(&csv);
    return;
nomem:
    zj_error_set(&e, ZJ_ERR_NOMEM, src, 0, 0, "out of memory");
    zj_ingest_push_error(out, &e);
    zj_call_free(b.call);
    free(seen);
    free(t.ids);
    free(t.v);
    zj_csv_free(&csv);
}

const zj_ingest_ops zj_ingest_csv = {
    .name = "csv",
    .description = "utterance table (CSV: call_id, speaker, text, start, end, plus call "
                   "columns)",
    .extensions = ".csv",
    .detect = detect,
    .parse = parse,
};
