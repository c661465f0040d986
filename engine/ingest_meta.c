/* ingest_meta.c — call metadata from the telephony system: a CSV table
 * (agent, team, start time, direction, ring time, role mapping) joined to
 * calls by call id, and zj_ingest_finish, which completes a call read from
 * any input format before it is scored. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum meta_col {
    COL_CALL_ID,
    COL_AGENT_ID,
    COL_AGENT_NAME,
    COL_TEAM,
    COL_STARTED_AT,
    COL_DIRECTION,
    COL_CALL_TYPE,
    COL_RING_MS,
    COL_AGENT_CHANNEL,
    COL_AGENT_SPEAKER,
    N_COLS
};

/* Column names, with the headers Chinese exports use. */
static const char *const col_names[N_COLS] = {
    "call_id|file|通话ID|录音ID|录音文件",
    "agent_id|工号|坐席工号",
    "agent_name|坐席姓名|姓名",
    "team|班组|组别",
    "started_at|开始时间|通话开始时间",
    "direction|呼叫方向|方向",
    "call_type|通话类型|业务类型",
    ("ring_ms|振铃时长ms|振铃时长(毫秒)|振铃时长（毫秒）|振铃时长(秒)|振铃时长（秒）|振铃时长s|"
     "振铃时长"),
    "agent_channel|坐席声道",
    "agent_speaker|坐席说话人",
};

typedef struct meta_row {
    char *v[N_COLS]; /* NULL: empty cell */
    int64_t ring_ms;
    long agent_channel;
    long line;
} meta_row;

struct zj_meta_table {
    meta_row *rows; /* sorted by call id */
    size_t n;
    char *path;
};

static int cmp_row(const void *a, const void *b)
{
    return strcmp(((const meta_row *)a)->v[COL_CALL_ID], ((const meta_row *)b)->v[COL_CALL_ID]);
}

void zj_meta_table_free(zj_meta_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++)
        for (int c = 0; c < N_COLS; c++)
            free(t->rows[i].v[c]);
    free(t->rows);
    free(t->path);
    free(t);
}

size_t zj_meta_table_rows(const zj_meta_table *t)
{
    return t ? t->n : 0;
}

/* A file name given as the call id: its base name without the extension. */
static char *id_from_cell(const char *cell, bool is_file)
{
    if (!is_file)
        return zj_strdup(cell);
    const char *base = strrchr(cell, '/');
    base = base ? base + 1 : cell;
    const char *dot = strrchr(base, '.');
    size_t n = dot && dot != base ? (size_t)(dot - base) : strlen(base);
    char *id = malloc(n + 1);
    if (id) {
        memcpy(id, base, n);
        id[n] = '\0';
    }
    return id;
}

/* The unit of the ring time column, from its header: ring_ms and the
 * headers naming milliseconds count ms, 振铃时长(秒) counts seconds, and a
 * bare 振铃时长 says neither — CRM exports write seconds under it (21),
 * telephony logs milliseconds — so each of its cells must name its unit. */
typedef enum { RING_MS, RING_SECONDS, RING_IN_CELL } ring_unit;

static ring_unit ring_unit_of(const char *header)
{
    static const char *const seconds[] = {"振铃时长(秒)", "振铃时长（秒）", "振铃时长s"};
    while (*header == ' ')
        header++;
    size_t n = strlen(header);
    while (n && header[n - 1] == ' ')
        n--;
    for (size_t i = 0; i < sizeof seconds / sizeof *seconds; i++)
        if (strlen(seconds[i]) == n && !strncasecmp(header, seconds[i], n))
            return RING_SECONDS;
    return n == strlen("振铃时长") && !strncmp(header, "振铃时长", n) ? RING_IN_CELL : RING_MS;
}

/* A number with at most 3 decimals (21, 20.5, 21000), in thousandths;
 * *end: the first character after it. */
static bool parse_thousandths(const char *s, int64_t *out, const char **end)
{
    int64_t whole = 0, frac = 0;
    const char *p = s;
    for (; *p >= '0' && *p <= '9'; p++)
        if ((whole = whole * 10 + (*p - '0')) > 1000000000LL)
            return false;
    if (p == s)
        return false;
    int digits = 0;
    if (*p == '.') {
        for (p++; *p >= '0' && *p <= '9'; p++)
            if (++digits > 3)
                return false;
        if (!digits)
            return false;
        for (const char *q = p - digits; q < p; q++)
            frac = frac * 10 + (*q - '0');
    }
    for (int d = digits; d < 3; d++)
        frac *= 10;
    *out = whole * 1000 + frac;
    *end = p;
    return true;
}

#define RING_MAX_MS 86400000LL /* a day */

static bool parse_count(const char *s, long max, long *out)
{
    if (!*s)
        return false;
    long v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9' || v > max / 10)
            return false;
        v = v * 10 + (*p - '0');
    }
    if (v > max)
        return false;
    *out = v;
    return true;
}

/* The ring time of a row, in the unit its column gives. */
static bool ring_cell(meta_row *m, ring_unit ring, const char *header, const char *path, long line,
                      zj_error *err)
{
    const char *cell = m->v[COL_RING_MS], *end = "";
    /* the cell without the spaces around it: ' 20.5 秒 ' is 20.5 秒 */
    char unit[16] = "";
    const char *p = cell;
    while (*p == ' ')
        p++;
    int64_t x = 0;
    bool number = parse_thousandths(p, &x, &end);
    while (number && *end == ' ')
        end++;
    size_t n = number ? strlen(end) : 0;
    while (n && end[n - 1] == ' ')
        n--;
    if (n >= sizeof unit)
        number = false;
    else if (number) {
        memcpy(unit, end, n);
        unit[n] = '\0';
        end = unit;
    }
    if (ring == RING_IN_CELL && number && !*end) {
        zj_error_set(err, ZJ_ERR_PARSE, path, line, 0,
                     "振铃时长 '%.32s' has no unit: seconds (what CRM exports write) or "
                     "milliseconds cannot be told; write %.32s秒 or %.32sms, or name the column "
                     "振铃时长(秒) or ring_ms",
                     p, p, p);
        return false;
    }
    bool seconds = ring == RING_SECONDS ||
                   (ring == RING_IN_CELL && (!strcmp(end, "秒") || !strcasecmp(end, "s")));
    bool ms = ring == RING_MS ||
              (ring == RING_IN_CELL && (!strcmp(end, "毫秒") || !strcasecmp(end, "ms")));
    if (number && (ring == RING_IN_CELL || !*end)) {
        if (seconds && x <= RING_MAX_MS) {
            m->ring_ms = x;
            return true;
        }
        if (ms && x % 1000 == 0 && x / 1000 <= RING_MAX_MS) {
            m->ring_ms = x / 1000;
            return true;
        }
    }
    if (ring == RING_IN_CELL)
        zj_error_set(err, ZJ_ERR_PARSE, path, line, 0,
                     "振铃时长 '%.32s' is not a ring time with its unit (21秒, 21s, 21000ms)",
                     cell);
    else
        zj_error_set(err, ZJ_ERR_PARSE, path, line, 0, "%.40s '%.32s' is not a number of %s",
                     header, cell, ring == RING_SECONDS ? "seconds (21, 20.5)" : "milliseconds");
    return false;
}

zj_meta_table *zj_meta_table_load(const char *path, const char *encoding, zj_error *err)
{
    char *text;
    size_t len;
    if (zj_encoding_read_file(path, encoding, 256u << 20, &text, &len, err) != ZJ_OK)
        return NULL;
    zj_csv csv;
    bool parsed = zj_csv_parse(text, len, path, &csv, err);
    free(text);
    if (!parsed)
        return NULL;
    zj_meta_table *t = calloc(1, sizeof *t);
    if (!t || !(t->path = zj_strdup(path)) ||
        !(t->rows = calloc(csv.n ? csv.n : 1, sizeof *t->rows))) {
        zj_error_set(err, ZJ_ERR_NOMEM, path, 0, 0, "out of memory");
        goto fail;
    }
    if (csv.n == 0) {
        zj_error_set(err, ZJ_ERR_PARSE, path, 1, 0, "empty metadata table (no header row)");
        goto fail;
    }
    const zj_csv_row *head = &csv.rows[0];
    long col_of[N_COLS];
    for (int c = 0; c < N_COLS; c++) {
        col_of[c] = zj_csv_column(head, col_names[c]);
        long again = zj_csv_column_twice(head, col_names[c]);
        if (again >= 0) {
            zj_error_set(err, ZJ_ERR_PARSE, path, head->line, 0,
                         "columns '%.64s' and '%.64s' mean the same (%s): which one holds the "
                         "value cannot be told; keep one",
                         head->f[col_of[c]], head->f[again], col_names[c]);
            goto fail;
        }
    }
    for (size_t i = 0; i < head->n; i++) {
        bool known = false;
        for (int c = 0; c < N_COLS; c++)
            known = known || col_of[c] == (long)i;
        if (!known) {
            zj_error_set(err, ZJ_ERR_PARSE, path, head->line, 0,
                         "unknown column '%.64s' (known: call_id or file, agent_id, agent_name, "
                         "team, started_at, direction, call_type, ring_ms, agent_channel, "
                         "agent_speaker)",
                         head->f[i]);
            goto fail;
        }
    }
    if (col_of[COL_CALL_ID] < 0) {
        zj_error_set(err, ZJ_ERR_PARSE, path, head->line, 0,
                     "no call_id (or file) column to join calls by");
        goto fail;
    }
    ring_unit ring =
        col_of[COL_RING_MS] >= 0 ? ring_unit_of(head->f[col_of[COL_RING_MS]]) : RING_MS;
    const char *ring_header = col_of[COL_RING_MS] >= 0 ? head->f[col_of[COL_RING_MS]] : "";
    bool is_file = strcasecmp(head->f[col_of[COL_CALL_ID]], "file") == 0 ||
                   strcmp(head->f[col_of[COL_CALL_ID]], "录音文件") == 0;
    for (size_t r = 1; r < csv.n; r++) {
        const zj_csv_row *row = &csv.rows[r];
        meta_row *m = &t->rows[t->n];
        m->line = row->line;
        m->ring_ms = -1;
        m->agent_channel = -1;
        if (row->n != head->n) {
            zj_error_set(err, ZJ_ERR_PARSE, path, row->line, 0, "%zu fields, the header has %zu",
                         row->n, head->n);
            goto fail;
        }
        t->n++;
        for (int c = 0; c < N_COLS; c++) {
            if (col_of[c] < 0 || !row->f[col_of[c]][0])
                continue;
            const char *cell = row->f[col_of[c]];
            m->v[c] = c == COL_CALL_ID ? id_from_cell(cell, is_file) : zj_strdup(cell);
            if (!m->v[c]) {
                zj_error_set(err, ZJ_ERR_NOMEM, path, 0, 0, "out of memory");
                goto fail;
            }
        }
        if (!m->v[COL_CALL_ID]) {
            zj_error_set(err, ZJ_ERR_PARSE, path, row->line, 0, "empty call id");
            goto fail;
        }
        long v;
        if (m->v[COL_RING_MS] && !ring_cell(m, ring, ring_header, path, row->line, err))
            goto fail;
        if (m->v[COL_AGENT_CHANNEL]) {
            if (!parse_count(m->v[COL_AGENT_CHANNEL], 64, &v)) {
                zj_error_set(err, ZJ_ERR_PARSE, path, row->line, 0,
                             "agent_channel '%.32s' is not a channel number (0, 1, ...)",
                             m->v[COL_AGENT_CHANNEL]);
                goto fail;
            }
            m->agent_channel = v;
        }
        int64_t utc;
        int off;
        if (m->v[COL_STARTED_AT] && !zj_parse_timestamp(m->v[COL_STARTED_AT], &utc, &off)) {
            zj_error_set(err, ZJ_ERR_PARSE, path, row->line, 0,
                         "started_at '%.64s' is not a time like 2026-11-01 09:00:00+08:00",
                         m->v[COL_STARTED_AT]);
            goto fail;
        }
    }
    qsort(t->rows, t->n, sizeof *t->rows, cmp_row);
    for (size_t i = 1; i < t->n; i++)
        if (strcmp(t->rows[i - 1].v[COL_CALL_ID], t->rows[i].v[COL_CALL_ID]) == 0) {
            long a = t->rows[i - 1].line, b = t->rows[i].line;
            zj_error_set(err, ZJ_ERR_PARSE, path, a > b ? a : b, 0,
                         "call id '%.64s' is listed twice (also line %ld)",
                         t->rows[i].v[COL_CALL_ID], a > b ? b : a);
            goto fail;
        }
    zj_csv_free(&csv);
    return t;
fail:
    zj_csv_free(&csv);
    zj_meta_table_free(t);
    return NULL;
}

static bool set_field(char **field, const char *v)
{
    return !v || zj_ing_set(field, v, strlen(v));
}

/* A native call from the fast parser keeps its strings in one arena; before
 * a field is replaced, every string gets an allocation of its own (as the
 * general parser's calls have), so replacing and freeing work as usual. */
static bool own_strings(zj_call *c)
{
    if (!c->arena)
        return true;
    char **fields[] = {&c->call_id,   &c->agent_id,  &c->agent_name, &c->team,
                       &c->direction, &c->call_type, &c->started_at};
    enum { N_FIELDS = sizeof fields / sizeof *fields };
    char *copies[N_FIELDS] = {0};
    char **texts = calloc(c->n_turns ? c->n_turns : 1, sizeof *texts);
    bool ok = texts != NULL;
    for (size_t i = 0; ok && i < N_FIELDS; i++)
        ok = !*fields[i] || (copies[i] = zj_strdup(*fields[i])) != NULL;
    for (size_t i = 0; ok && i < c->n_turns; i++) {
        texts[i] = malloc(c->turns[i].text_len + 1);
        ok = texts[i] != NULL;
        if (ok) {
            memcpy(texts[i], c->turns[i].text, c->turns[i].text_len);
            texts[i][c->turns[i].text_len] = '\0';
        }
    }
    if (!ok) {
        for (size_t i = 0; i < N_FIELDS; i++)
            free(copies[i]);
        for (size_t i = 0; texts && i < c->n_turns; i++)
            free(texts[i]);
        free(texts);
        return false;
    }
    for (size_t i = 0; i < N_FIELDS; i++)
        *fields[i] = copies[i];
    for (size_t i = 0; i < c->n_turns; i++)
        c->turns[i].text = texts[i];
    free(texts);
    if (c->arena != (char *)(c + 1)) /* else it is part of the call's block */
        free(c->arena);
    c->arena = NULL;
    return true;
}

zj_status zj_meta_table_apply(const zj_meta_table *t, zj_call *call, long *channel,
                              const char **speaker, zj_error *err)
{
    *channel = -1;
    *speaker = NULL;
    meta_row key = {.v = {[COL_CALL_ID] = call->call_id}};
    const meta_row *m = bsearch(&key, t->rows, t->n, sizeof *t->rows, cmp_row);
    if (!m)
        return ZJ_OK;
    if (!own_strings(call))
        return zj_error_set(err, ZJ_ERR_NOMEM, call->source, call->line, 0, "out of memory");
    /* The telephony system is the record of who took the call and when: its
     * values replace the input's. */
    if (!set_field(&call->agent_id, m->v[COL_AGENT_ID]) ||
        !set_field(&call->agent_name, m->v[COL_AGENT_NAME]) ||
        !set_field(&call->team, m->v[COL_TEAM]) ||
        !set_field(&call->direction, m->v[COL_DIRECTION]) ||
        !set_field(&call->call_type, m->v[COL_CALL_TYPE]) ||
        !set_field(&call->started_at, m->v[COL_STARTED_AT]))
        return zj_error_set(err, ZJ_ERR_NOMEM, call->source, call->line, 0, "out of memory");
    if (m->v[COL_STARTED_AT])
        zj_parse_timestamp(call->started_at, &call->started_at_utc_ms, &call->utc_offset_min);
    if (m->ring_ms >= 0)
        call->ring_ms = m->ring_ms;
    *channel = m->agent_channel;
    *speaker = m->v[COL_AGENT_SPEAKER];
    return ZJ_OK;
}

zj_status zj_ingest_finish(zj_scorer *s, const zj_ruleset *rs, const zj_ingest_opts *opts,
                           zj_call *call, zj_error *err)
{
    long channel = opts ? opts->agent_channel : -1;
    const char *speaker = opts ? opts->agent_speaker : NULL;
    if (opts && opts->meta) {
        long row_channel;
        const char *row_speaker;
        zj_status st = zj_meta_table_apply(opts->meta, call, &row_channel, &row_speaker, err);
        if (st != ZJ_OK)
            return st;
        /* A mapping for this file beats the one for the whole run. */
        if (row_channel >= 0 || row_speaker) {
            channel = row_channel;
            speaker = row_speaker;
        }
    }
    if (!call->parties)
        return ZJ_OK;
    return zj_roles_resolve(s, rs, call, channel, speaker, NULL, err);
}
