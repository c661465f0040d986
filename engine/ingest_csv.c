/* ingest_csv.c — an utterance table (CSV, one row per utterance): columns
 * call_id (optional: the file is one call), speaker (a role name, a speaker
 * id), channel (optional), text, start/end (seconds, or [hh:]mm:ss.mmm) or
 * start_ms/end_ms, and the call columns agent_id, agent_name, team,
 * started_at, direction, call_type, ring_ms (first non-empty value of the
 * call). Rows of a call are consecutive; a bad row rejects its call only
 * (FILE:LINE). Other columns are ignored. */
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

/* Seconds ("12.5") or a clock ("00:00:12.500") into ms. */
static bool seconds_cell(const char *s, int64_t *ms)
{
    if (strchr(s, ':'))
        return zj_ing_clock(s, strlen(s), ms);
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !isfinite(v) || v < 0 || v > 1e9 || *s == '+' || *s == '-')
        return false;
    *ms = llround(v * 1000);
    return true;
}

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

static void parse(const char *content, size_t len, zj_ingest_out *out)
{
    const char *src = out->source;
    zj_error e;
    zj_error_clear(&e);
    zj_csv csv;
    if (!zj_csv_parse(content, len, src, &csv, &e)) {
        zj_ingest_push_error(out, &e);
        return;
    }
    if (csv.n == 0) {
        zj_csv_free(&csv);
        return;
    }
    const zj_csv_row *head = &csv.rows[0];
    long col[N_C];
    for (int k = 0; k < N_C; k++)
        col[k] = zj_csv_column(head, names[k]);
    if (col[C_TEXT] < 0 || (col[C_SPEAKER] < 0 && col[C_CHANNEL] < 0)) {
        zj_error_set(&e, ZJ_ERR_PARSE, src, head->line, 0,
                     "an utterance table needs a text column and a speaker (or channel) "
                     "column");
        zj_ingest_push_error(out, &e);
        zj_csv_free(&csv);
        return;
    }
    builder b = {0};
    for (size_t i = 1; i < csv.n; i++) {
        const zj_csv_row *r = &csv.rows[i];
        if (r->n != head->n) {
            /* The row's call cannot be trusted; report against it. */
            if (!b.call && !b.bad) {
                b.call = zj_ing_call_new(out->default_id, src, r->line);
                if (!b.call)
                    break;
            }
            if (!b.bad)
                zj_error_set(&b.err, ZJ_ERR_PARSE, src, r->line, 0,
                             "%zu fields, the header has %zu", r->n, head->n);
            b.bad = true;
            continue;
        }
        const char *id =
            col[C_CALL] >= 0 && r->f[col[C_CALL]][0] ? r->f[col[C_CALL]] : out->default_id;
        if (b.call && strcmp(b.call->call_id, id) != 0) {
            finish(&b, out);
            /* A call whose rows are not together would be scored twice. */
            for (size_t k = 0; k < out->n; k++) {
                const zj_call *prev = out->v[k].call;
                if (prev && strcmp(prev->call_id, id) == 0) {
                    b.bad = true;
                    zj_error_set(&b.err, ZJ_ERR_PARSE, src, r->line, 0,
                                 "call '%.64s' continues here after other calls (sort the rows "
                                 "by call)",
                                 id);
                }
            }
        }
        if (!b.call) {
            b.call = zj_ing_call_new(id, src, r->line);
            if (!b.call)
                break;
        }
        if (!b.bad && !row_into(&b, r, col, src))
            b.bad = true;
    }
    if (!b.call && !b.bad && csv.n > 1) {
        zj_error_set(&e, ZJ_ERR_NOMEM, src, 0, 0, "out of memory");
        zj_ingest_push_error(out, &e);
    }
    finish(&b, out);
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
