/* ingest.c — the table of input formats, format detection, and what every
 * adapter shares: building calls, cleaning ASR text, JSON values at a path,
 * clock times and speaker prefixes. */
#include "internal.h"

#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

extern const zj_ingest_ops zj_ingest_native, zj_ingest_alibaba, zj_ingest_alibaba_qa,
    zj_ingest_tencent, zj_ingest_iflytek, zj_ingest_huawei, zj_ingest_funasr, zj_ingest_dashscope,
    zj_ingest_whisper, zj_ingest_srt, zj_ingest_vtt, zj_ingest_text, zj_ingest_csv;

const zj_ingest_ops *const zj_ingest_table[] = {
    &zj_ingest_native,     &zj_ingest_alibaba,
    &zj_ingest_alibaba_qa, &zj_ingest_tencent,
    &zj_ingest_iflytek,    &zj_ingest_huawei,
    &zj_ingest_funasr,     &zj_ingest_dashscope,
    &zj_ingest_whisper,    &zj_ingest_srt,
    &zj_ingest_vtt,        &zj_ingest_text,
    &zj_ingest_csv,        NULL,
};

#define N_FORMATS (sizeof zj_ingest_table / sizeof *zj_ingest_table - 1)

const char *zj_ingest_format_name(size_t i)
{
    return i < N_FORMATS ? zj_ingest_table[i]->name : NULL;
}

const char *zj_ingest_format_description(size_t i)
{
    return i < N_FORMATS ? zj_ingest_table[i]->description : NULL;
}

const zj_ingest_ops *zj_ingest_find(const char *name)
{
    for (size_t i = 0; i < N_FORMATS; i++)
        if (strcmp(zj_ingest_table[i]->name, name) == 0)
            return zj_ingest_table[i];
    return NULL;
}

bool zj_ingest_format_known(const char *name)
{
    return name && (strcmp(name, "auto") == 0 || zj_ingest_find(name));
}

/* A detector must be sure (this many points) before its format is taken. */
#define DETECT_MIN 40
/* Detection looks at the start of a file only: a large native document is
 * not scanned whole once per format. Every format shows its keys well within
 * it (Tencent's ResultDetail follows the Result text of a call). */
#define DETECT_WINDOW (1u << 20)

const zj_ingest_ops *zj_ingest_detect(const char *content, size_t len, const char *path,
                                      zj_error *err)
{
    const zj_ingest_ops *best = NULL;
    int best_score = 0, ties = 0;
    int scores[N_FORMATS];
    if (len >= 3 && memcmp(content, "\xEF\xBB\xBF", 3) == 0) { /* UTF-8 BOM */
        content += 3;
        len -= 3;
    }
    if (len > DETECT_WINDOW)
        len = DETECT_WINDOW;
    for (size_t i = 0; i < N_FORMATS; i++) {
        scores[i] = zj_ingest_table[i]->detect(content, len, path);
        if (scores[i] > best_score) {
            best_score = scores[i];
            best = zj_ingest_table[i];
            ties = 0;
        } else if (scores[i] == best_score && scores[i] > 0) {
            ties++;
        }
    }
    char names[512] = "";
    size_t used = 0;
    if (best_score < DETECT_MIN) {
        for (size_t i = 0; i < N_FORMATS; i++)
            used += (size_t)snprintf(names + used, used < sizeof names ? sizeof names - used : 0,
                                     "%s%s", i ? ", " : "", zj_ingest_table[i]->name);
        zj_error_set(err, ZJ_ERR_PARSE, path, 0, 0,
                     "unknown input format (tried %s); name it with --input-format", names);
        return NULL;
    }
    if (ties) {
        for (size_t i = 0; i < N_FORMATS; i++)
            if (scores[i] == best_score)
                used +=
                    (size_t)snprintf(names + used, used < sizeof names ? sizeof names - used : 0,
                                     "%s%s", used ? ", " : "", zj_ingest_table[i]->name);
        zj_error_set(err, ZJ_ERR_PARSE, path, 0, 0,
                     "ambiguous input format: it looks like %s alike; name one with "
                     "--input-format",
                     names);
        return NULL;
    }
    return best;
}

/* ------------------------------------------------------------ results */

static bool out_grow(zj_ingest_out *o)
{
    if (o->n < o->cap)
        return true;
    size_t cap = o->cap ? o->cap * 2 : 8;
    zj_ingest_item *v = realloc(o->v, cap * sizeof *v);
    if (!v) {
        o->nomem = true;
        return false;
    }
    o->v = v;
    o->cap = cap;
    return true;
}

void zj_ingest_push_call(zj_ingest_out *o, zj_call *call)
{
    if (!call)
        return;
    if (!zj_ing_sort_turns(call)) {
        zj_call_free(call);
        o->nomem = true;
        return;
    }
    if (!out_grow(o)) {
        zj_call_free(call);
        return;
    }
    o->v[o->n++] = (zj_ingest_item){call, NULL};
}

void zj_ingest_push_error(zj_ingest_out *o, const zj_error *e)
{
    zj_error *copy = malloc(sizeof *copy);
    if (!copy || !out_grow(o)) {
        free(copy);
        o->nomem = true;
        return;
    }
    *copy = *e;
    o->v[o->n++] = (zj_ingest_item){NULL, copy};
}

void zj_ingest_out_free(zj_ingest_out *o)
{
    for (size_t i = 0; i < o->n; i++) {
        zj_call_free(o->v[i].call);
        free(o->v[i].error);
    }
    free(o->v);
    o->v = NULL;
    o->n = o->cap = 0;
}

/* The largest time any input may give (about 31 years): what native JSON
 * accepts (call.c) and docs/cli.md promise. Every format's times pass
 * through time_ok, once where they are read (for the message with its place)
 * and again on the finished call (zj_ingest_parse), so no reader can let a
 * larger one through. */
#define MAX_MS 1000000000000LL

static bool time_ok(double ms)
{
    return ms >= 0 && ms <= (double)MAX_MS;
}

/* Subtitles and plain text are one call a file, read as C strings: a NUL
 * would cut a line short in silence (a span past the end of its text, a
 * lost taboo). The whole file is rejected at the NUL's line. CSV rejects the
 * call of the row instead (ingest_csv.c); a NUL is invalid JSON anyway. */
static bool nul_rejected(const zj_ingest_ops *ops, const char *content, size_t len,
                         zj_ingest_out *out)
{
    if (strcmp(ops->name, "srt") != 0 && strcmp(ops->name, "vtt") != 0 &&
        strcmp(ops->name, "text") != 0)
        return false;
    const char *nul = memchr(content, '\0', len);
    if (!nul)
        return false;
    long line = 1;
    for (const char *p = content; p < nul; p++)
        line += *p == '\n';
    zj_error e;
    zj_error_set(&e, ZJ_ERR_INVALID, out->source, line, 0,
                 "a NUL byte (\\u0000) in the text; the file is rejected");
    zj_ingest_push_error(out, &e);
    return true;
}

/* The reason call c may not be scored, written to e, or false. */
static bool call_rejected(const zj_call *c, const char *format, const char *src, zj_error *e)
{
    /* A transcript without one utterance is a failed recognition or the
     * wrong file, never a call to score as "nothing said". */
    if (c->n_turns == 0) {
        zj_error_set(e, ZJ_ERR_INVALID, src, c->line, 0,
                     "call '%s': no utterances in this %s input", c->call_id, format);
        return true;
    }
    if (c->ring_ms >= 0 && !time_ok((double)c->ring_ms)) {
        zj_error_set(e, ZJ_ERR_INVALID, src, c->line, 0,
                     "call '%s': ring_ms %lld is out of range (at most 1000000000000 ms)",
                     c->call_id, (long long)c->ring_ms);
        return true;
    }
    for (size_t t = 0; t < c->n_turns; t++) {
        int64_t ms =
            c->turns[t].start_ms > c->turns[t].end_ms ? c->turns[t].start_ms : c->turns[t].end_ms;
        if (ms >= 0 && !time_ok((double)ms)) {
            zj_error_set(e, ZJ_ERR_INVALID, src, c->line, 0,
                         "call '%s': turn %zu: time %lld ms is out of range (at most "
                         "1000000000000 ms)",
                         c->call_id, t, (long long)ms);
            return true;
        }
    }
    return false;
}

void zj_ingest_parse(const zj_ingest_ops *ops, const char *content, size_t len, zj_ingest_out *out)
{
    size_t first = out->n;
    if (nul_rejected(ops, content, len, out))
        return;
    ops->parse(content, len, out);
    if (strcmp(ops->name, "native") == 0)
        return;
    for (size_t i = first; i < out->n; i++) {
        zj_call *c = out->v[i].call;
        zj_error reason;
        if (!c || !call_rejected(c, ops->name, out->source, &reason))
            continue;
        zj_error *e = malloc(sizeof *e);
        if (!e) {
            out->nomem = true;
            continue;
        }
        *e = reason;
        zj_call_free(c);
        out->v[i] = (zj_ingest_item){NULL, e};
    }
}

/* ------------------------------------------------------------ calls */

zj_call *zj_ing_call_new(const char *call_id, const char *source, long line)
{
    zj_call *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->call_id = zj_strdup(call_id && *call_id ? call_id : "-");
    c->parties = calloc(1, sizeof *c->parties);
    if (!c->call_id || !c->parties) {
        zj_call_free(c);
        return NULL;
    }
    c->started_at_utc_ms = INT64_MIN;
    c->ring_ms = -1;
    c->source = source;
    c->line = line;
    return c;
}

bool zj_ing_set(char **field, const char *value, size_t len)
{
    char *d = malloc(len + 1);
    if (!d)
        return false;
    memcpy(d, value, len);
    d[len] = '\0';
    free(*field);
    *field = d;
    return true;
}

void zj_call_meta_free(zj_call *call)
{
    for (size_t i = 0; i < call->n_meta; i++) {
        free(call->meta[i].key);
        free(call->meta[i].value);
    }
    free(call->meta);
    call->meta = NULL;
    call->n_meta = 0;
    if (call->parties) {
        free(call->parties->v);
        free(call->parties);
        call->parties = NULL;
    }
}

/* Wide characters (CJK, full-width forms, CJK punctuation): ASR puts a space
 * between each of them, which is not part of what was said. */
static bool wide(uint32_t cp)
{
    return cp >= 0x2E80;
}

static bool space_cp(uint32_t cp)
{
    return cp == ' ' || cp == '\t' || cp == '\r' || cp == '\n' || cp == 0x3000 || cp == 0xA0;
}

/* Cleans ASR text into a new string: trimmed, whitespace runs next to a wide
 * character removed, other runs one space. Invalid UTF-8 never reaches here
 * (inputs are validated whole). */
static char *clean_text(const char *s, size_t n, size_t *out_len)
{
    char *d = malloc(n + 1);
    if (!d)
        return NULL;
    size_t o = 0, i = 0;
    uint32_t prev = 0;
    bool pending_space = false;
    while (i < n) {
        uint32_t cp;
        size_t k = zj_utf8_decode((const unsigned char *)s + i, n - i, &cp);
        if (k == 0) {
            cp = (unsigned char)s[i];
            k = 1;
        }
        if (space_cp(cp)) {
            pending_space = true;
            i += k;
            continue;
        }
        if (pending_space && o > 0 && !wide(prev) && !wide(cp))
            d[o++] = ' ';
        pending_space = false;
        memcpy(d + o, s + i, k);
        o += k;
        i += k;
        prev = cp;
    }
    d[o] = '\0';
    *out_len = o;
    return d;
}

bool zj_ing_add_turn(zj_call *c, const char *text, size_t len, int64_t start_ms, int64_t end_ms,
                     const zj_party *who)
{
    size_t n;
    char *t = clean_text(text, len, &n);
    if (!t)
        return false;
    if (n == 0) {
        free(t);
        return true;
    }
    if (c->n_turns == c->parties->cap) {
        size_t cap = c->parties->cap ? c->parties->cap * 2 : 16;
        zj_turn *tv = realloc(c->turns, cap * sizeof *tv);
        if (!tv) {
            free(t);
            return false;
        }
        c->turns = tv;
        zj_party *pv = realloc(c->parties->v, cap * sizeof *pv);
        if (!pv) {
            free(t);
            return false;
        }
        c->parties->v = pv;
        c->parties->cap = cap;
    }
    zj_turn *turn = &c->turns[c->n_turns];
    turn->text = t;
    turn->text_len = n;
    turn->start_ms = start_ms;
    turn->end_ms = end_ms;
    turn->speaker =
        who && who->role == ZJ_SPEAKER_CUSTOMER ? ZJ_SPEAKER_CUSTOMER : ZJ_SPEAKER_AGENT;
    c->parties->v[c->n_turns] =
        who ? *who : (zj_party){.role = ZJ_ROLE_UNKNOWN, .channel = -1, .speaker = ""};
    c->n_turns++;
    return true;
}

void zj_ing_cue_start(zj_ing_cue *q, bool named, long line)
{
    if (named)
        q->named = true;
    else if (!q->unnamed_line)
        q->unnamed_line = line;
}

bool zj_ing_cue_turn(zj_ing_cue *q, zj_call *c, zj_buf *text, const zj_party *next,
                     zj_party *who)
{
    if (!next || (next->role == who->role && next->channel == who->channel &&
                  strcmp(next->speaker, who->speaker) == 0))
        return true; /* no speaker, or the same one again: more of this turn */
    if (!zj_ing_add_turn(c, text->data ? text->data : "", text->len, -1, -1, who))
        return false;
    zj_buf_reset(text);
    *who = *next;
    q->split = true;
    return true;
}

bool zj_ing_cue_end(zj_ing_cue *q, zj_call *c, zj_buf *text, size_t len, int64_t start,
                    int64_t stop, const zj_party *who)
{
    bool ok = zj_ing_add_turn(c, text->data ? text->data : "", len, q->split ? -1 : start,
                              q->split ? -1 : stop, who);
    zj_buf_reset(text);
    q->split = false;
    return ok;
}

bool zj_ing_cue_speakers(const zj_ing_cue *q, const char *src, const char *expected,
                         zj_error *e)
{
    if (!q->named || !q->unnamed_line)
        return true;
    zj_error_set(e, ZJ_ERR_PARSE, src, q->unnamed_line, 0,
                 "a cue without a speaker, while other cues name theirs (expected %s at the "
                 "start of its text)",
                 expected);
    return false;
}

long zj_ing_last_turn(const zj_call *c)
{
    return (long)c->n_turns - 1;
}

bool zj_ing_add_meta(zj_call *c, long turn, const char *key, const char *fmt, ...)
{
    char value[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(value, sizeof value, fmt, ap);
    va_end(ap);
    /* A value cut by the buffer (or a %.Ns) must not end inside a UTF-8
     * character: the store and show's JSON keep it as text. */
    size_t n = strlen(value), start = n;
    while (start > 0 && n - start < 4 && ((unsigned char)value[start - 1] & 0xC0) == 0x80)
        start--;
    if (start > 0 && (unsigned char)value[start - 1] >= 0xC0) {
        uint32_t cp;
        if (!zj_utf8_decode((const unsigned char *)value + start - 1, n - start + 1, &cp))
            value[start - 1] = '\0';
    }
    zj_meta *v = realloc(c->meta, (c->n_meta + 1) * sizeof *v);
    if (!v)
        return false;
    c->meta = v;
    zj_meta *m = &v[c->n_meta];
    m->key = zj_strdup(key);
    m->value = zj_strdup(value);
    m->turn = turn;
    if (!m->key || !m->value) {
        free(m->key);
        free(m->value);
        return false;
    }
    c->n_meta++;
    return true;
}

/* ------------------------------------------------------------ JSON */

json_t *zj_ing_json_load(const char *content, size_t len, const char *src, zj_error *err)
{
    json_error_t jerr;
    json_t *root = json_loadb(content, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        zj_json_error(err, &jerr, content, len, src, 1);
    return root;
}

bool zj_ing_decimal(const char *s, double *out)
{
    const char *p = s;
    if (*p == '+')
        p++;
    bool digits = false, dot = false;
    for (const char *q = p; *q; q++) {
        if (*q >= '0' && *q <= '9')
            digits = true;
        else if (*q == '.' && !dot)
            dot = true;
        else
            return false;
    }
    if (!digits)
        return false;
    *out = strtod(p, NULL);
    return true;
}

bool zj_ing_json_num(json_t *v, double *out)
{
    if (!v || json_is_null(v))
        return false;
    if (json_is_integer(v)) {
        *out = (double)json_integer_value(v);
        return true;
    }
    if (json_is_real(v)) {
        *out = json_real_value(v);
        return isfinite(*out);
    }
    if (json_is_string(v) && json_string_length(v) < 64 &&
        strlen(json_string_value(v)) == json_string_length(v))
        return zj_ing_decimal(json_string_value(v), out);
    return false;
}

static const char *type_name(json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
    case JSON_REAL:
        return "a number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    default:
        return "null";
    }
}

bool zj_ing_json_ms(json_t *v, double unit_ms, bool required, int64_t *out, const char *src,
                    const char *path, zj_error *err)
{
    *out = -1;
    if (!v || json_is_null(v)) {
        if (required) {
            zj_error_set(err, ZJ_ERR_INVALID, src, 0, 0, "%s: missing (a time is required)", path);
            return false;
        }
        return true;
    }
    double d;
    if (!zj_ing_json_num(v, &d)) {
        if (json_is_string(v))
            zj_error_set(err, ZJ_ERR_INVALID, src, 0, 0, "%s: '%.40s' is not a number of %s", path,
                         json_string_value(v), unit_ms == 1 ? "milliseconds" : "seconds");
        else
            zj_error_set(err, ZJ_ERR_INVALID, src, 0, 0, "%s: expected a number of %s, got %s",
                         path, unit_ms == 1 ? "milliseconds" : "seconds", type_name(v));
        return false;
    }
    d *= unit_ms;
    if (!time_ok(d)) {
        zj_error_set(err, ZJ_ERR_INVALID, src, 0, 0,
                     "%s: time out of range (%.0f ms; at most 1000000000000 ms)", path, d);
        return false;
    }
    *out = llround(d);
    return true;
}

bool zj_ing_json_str(json_t *v, bool required, const char **s, size_t *len, const char *src,
                     const char *path, zj_error *err)
{
    *s = NULL;
    *len = 0;
    if (!v || json_is_null(v)) {
        if (required) {
            zj_error_set(err, ZJ_ERR_INVALID, src, 0, 0, "%s: missing", path);
            return false;
        }
        return true;
    }
    if (!json_is_string(v)) {
        zj_error_set(err, ZJ_ERR_INVALID, src, 0, 0, "%s: expected a string, got %s", path,
                     type_name(v));
        return false;
    }
    *s = json_string_value(v);
    *len = json_string_length(v);
    return true;
}

bool zj_ing_json_id(json_t *v, char *buf, size_t size, const char *src, const char *path,
                    zj_error *err)
{
    buf[0] = '\0';
    if (!v || json_is_null(v))
        return true;
    if (json_is_integer(v)) {
        snprintf(buf, size, "%lld", (long long)json_integer_value(v));
        return true;
    }
    if (json_is_string(v) && json_string_length(v) < size &&
        strlen(json_string_value(v)) == json_string_length(v)) {
        memcpy(buf, json_string_value(v), json_string_length(v) + 1);
        return true;
    }
    zj_error_set(err, ZJ_ERR_INVALID, src, 0, 0,
                 "%s: expected a speaker id (a number or a short string), got %s", path,
                 type_name(v));
    return false;
}

bool zj_ing_json_utterance(zj_call *c, json_t *s, const char *path, const zj_ing_keys *k,
                           const char *src, zj_error *err)
{
    char fp[192];
    const char *text;
    size_t len;
    int64_t start, end;
    zj_party who = {.role = ZJ_ROLE_UNKNOWN, .channel = -1};
#define FIELD(name) (snprintf(fp, sizeof fp, "%s.%s", path, name), fp)
    if (!zj_ing_json_str(json_object_get(s, k->text), true, &text, &len, src, FIELD(k->text),
                         err) ||
        !zj_ing_json_ms(json_object_get(s, k->start), k->unit_ms, true, &start, src,
                        FIELD(k->start), err) ||
        !zj_ing_json_ms(json_object_get(s, k->end), k->unit_ms, true, &end, src, FIELD(k->end),
                        err) ||
        !zj_ing_json_id(json_object_get(s, k->speaker), who.speaker, sizeof who.speaker, src,
                        FIELD(k->speaker), err))
        return false;
#undef FIELD
    if (end < start) {
        zj_error_set(err, ZJ_ERR_INVALID, src, 0, 0, "%s: end is before start", path);
        return false;
    }
    if (!zj_ing_add_turn(c, text, len, start, end, &who)) {
        zj_error_set(err, ZJ_ERR_NOMEM, src, 0, 0, "out of memory");
        return false;
    }
    return true;
}

bool zj_ing_json_channel(json_t *v, int *out, const char *src, const char *path, zj_error *err)
{
    *out = -1;
    if (!v || json_is_null(v))
        return true;
    double d;
    if (!zj_ing_json_num(v, &d) || d < 0 || d > 64 || d != floor(d)) {
        zj_error_set(err, ZJ_ERR_INVALID, src, 0, 0,
                     "%s: expected a channel number (0, 1, ...), got %s", path, type_name(v));
        return false;
    }
    *out = (int)d;
    return true;
}

/* ------------------------------------------------------------ text formats */

bool zj_ing_has(const char *s, size_t len, const char *needle)
{
    size_t k = strlen(needle);
    if (k == 0 || k > len)
        return false;
    const char *p = s, *end = s + len - k + 1;
    while (p < end && (p = memchr(p, needle[0], (size_t)(end - p)))) {
        if (memcmp(p, needle, k) == 0)
            return true;
        p++;
    }
    return false;
}

static bool num_run(const char **p, const char *end, int max_digits, long *v)
{
    const char *s = *p;
    long x = 0;
    int k = 0;
    while (s < end && *s >= '0' && *s <= '9' && k < max_digits) {
        x = x * 10 + (*s - '0');
        s++;
        k++;
    }
    if (k == 0)
        return false;
    *v = x;
    *p = s;
    return true;
}

static bool clock_time(const char *s, size_t n, bool minutes_bounded, int64_t *ms)
{
    const char *p = s, *end = s + n;
    long parts[3];
    int k = 0;
    for (;;) {
        if (k == 3 || !num_run(&p, end, 6, &parts[k]))
            return false;
        k++;
        if (p < end && *p == ':') {
            p++;
            continue;
        }
        break;
    }
    if (k < 2)
        return false;
    long frac = 0;
    if (p < end && (*p == '.' || *p == ',')) {
        p++;
        const char *f = p;
        long v;
        if (!num_run(&p, end, 3, &v))
            return false;
        for (long digits = p - f; digits < 3; digits++)
            v *= 10;
        frac = v;
        /* A fourth digit is not a finer time but a typo (00:00:01,9999):
         * SRT and WebVTT write exactly three. */
    }
    if (p != end)
        return false;
    long h = k == 3 ? parts[0] : 0, m = parts[k - 2], sec = parts[k - 1];
    if (sec > 59 || ((k == 3 || minutes_bounded) && m > 59))
        return false;
    int64_t v = ((int64_t)h * 3600 + (int64_t)m * 60 + sec) * 1000 + frac;
    if (!time_ok((double)v))
        return false;
    *ms = v;
    return true;
}

bool zj_ing_clock(const char *s, size_t n, int64_t *ms)
{
    return clock_time(s, n, true, ms);
}

bool zj_ing_clock_minutes(const char *s, size_t n, int64_t *ms)
{
    return clock_time(s, n, false, ms);
}

static const struct {
    const char *name;
    int role;
} role_names[] = {
    {"坐席", ZJ_SPEAKER_AGENT},        {"座席", ZJ_SPEAKER_AGENT},
    {"客服", ZJ_SPEAKER_AGENT},        {"客服人员", ZJ_SPEAKER_AGENT},
    {"话务员", ZJ_SPEAKER_AGENT},      {"工作人员", ZJ_SPEAKER_AGENT},
    {"agent", ZJ_SPEAKER_AGENT},       {"AGENT", ZJ_SPEAKER_AGENT},
    {"Agent", ZJ_SPEAKER_AGENT},       {"客户", ZJ_SPEAKER_CUSTOMER},
    {"用户", ZJ_SPEAKER_CUSTOMER},     {"顾客", ZJ_SPEAKER_CUSTOMER},
    {"来电人", ZJ_SPEAKER_CUSTOMER},   {"业主", ZJ_SPEAKER_CUSTOMER},
    {"customer", ZJ_SPEAKER_CUSTOMER}, {"CUSTOMER", ZJ_SPEAKER_CUSTOMER},
    {"Customer", ZJ_SPEAKER_CUSTOMER}, {"USER", ZJ_SPEAKER_CUSTOMER},
    {"user", ZJ_SPEAKER_CUSTOMER},
};

int zj_ing_role_name(const char *s, size_t n)
{
    for (size_t i = 0; i < sizeof role_names / sizeof *role_names; i++)
        if (strlen(role_names[i].name) == n && memcmp(role_names[i].name, s, n) == 0)
            return role_names[i].role;
    return -1;
}

/* Speaker labels with a number: 发音人1, 说话人2, Speaker 1, spk1. */
static const char *const numbered[] = {"发音人",   "说话人",  "讲话人",  "Speaker ",
                                       "speaker ", "Speaker", "speaker", "spk"};

/* Length of the colon at s (":" or "：") followed by spaces, 0 if none. */
static size_t colon_at(const char *s, size_t n)
{
    size_t k = 0;
    if (n >= 1 && s[0] == ':')
        k = 1;
    else if (n >= 3 && memcmp(s, "\xEF\xBC\x9A", 3) == 0)
        k = 3;
    else
        return 0;
    while (k < n && (s[k] == ' ' || s[k] == '\t'))
        k++;
    return k;
}

/* The label before a colon at the start of s, as a speaker prefix is
 * written: at most 24 bytes, no spaces inside but for "Speaker 1". Its
 * length, with *colon the colon's and its spaces'; 0 when s opens with none.
 * Whether the label names a speaker is the caller's to tell. */
static size_t label_at(const char *s, size_t n, size_t *colon)
{
    size_t lim = n < 24 ? n : 24;
    for (size_t i = 1; i < lim; i++) {
        if ((*colon = colon_at(s + i, n - i)) > 0)
            return i;
        if (s[i] == ' ' &&
            !(i == 7 && (memcmp(s, "Speaker", 7) == 0 || memcmp(s, "speaker", 7) == 0)))
            return 0;
    }
    return 0;
}

size_t zj_ing_speaker_prefix(const char *s, size_t n, zj_party *who)
{
    *who = (zj_party){.role = ZJ_ROLE_UNKNOWN, .channel = -1, .speaker = ""};
    /* [SPEAKER_00]: text  (WhisperX subtitles) */
    if (n > 2 && s[0] == '[') {
        const char *close = memchr(s, ']', n < 64 ? n : 64);
        if (close) {
            size_t id_len = (size_t)(close - s - 1);
            size_t c = colon_at(close + 1, n - (size_t)(close + 1 - s));
            if (id_len > 0 && c) {
                int role = zj_ing_role_name(s + 1, id_len);
                if (role >= 0) {
                    who->role = role;
                } else {
                    memcpy(who->speaker, s + 1, id_len);
                    who->speaker[id_len] = '\0';
                }
                return (size_t)(close + 1 - s) + c;
            }
        }
        return 0;
    }
    size_t c, i = label_at(s, n, &c);
    if (i) {
        int role = zj_ing_role_name(s, i);
        if (role >= 0) {
            who->role = role;
            return i + c;
        }
        /* "客服小王：", "客户(张先生)：": a Chinese role name and who it is. */
        for (size_t k = 0; k < sizeof role_names / sizeof *role_names; k++) {
            size_t rl = strlen(role_names[k].name);
            if ((unsigned char)role_names[k].name[0] >= 0x80 && rl < i &&
                memcmp(s, role_names[k].name, rl) == 0) {
                who->role = role_names[k].role;
                return i + c;
            }
        }
        if (i == 9 && memcmp(s, "左声道", 9) == 0) {
            who->channel = 0;
            return i + c;
        }
        if (i == 9 && memcmp(s, "右声道", 9) == 0) {
            who->channel = 1;
            return i + c;
        }
        if (i >= 10 && memcmp(s, "SPEAKER_", 8) == 0) {
            memcpy(who->speaker, s, i);
            who->speaker[i] = '\0';
            return i + c;
        }
        for (size_t k = 0; k < sizeof numbered / sizeof *numbered; k++) {
            size_t pl = strlen(numbered[k]);
            if (i > pl && memcmp(s, numbered[k], pl) == 0) {
                bool digits = true;
                for (size_t j = pl; j < i; j++)
                    digits = digits && s[j] >= '0' && s[j] <= '9';
                if (digits) {
                    memcpy(who->speaker, s, i);
                    who->speaker[i] = '\0';
                    return i + c;
                }
            }
        }
    }
    return 0;
}

/* Length of the dialogue dash at s ("-", "–", "—", "－"), 0 if none. */
static size_t dash_at(const char *s, size_t n)
{
    if (n >= 1 && s[0] == '-')
        return 1;
    if (n >= 3 && (memcmp(s, "\xE2\x80\x93", 3) == 0 || memcmp(s, "\xE2\x80\x94", 3) == 0 ||
                   memcmp(s, "\xEF\xBC\x8D", 3) == 0))
        return 3;
    return 0;
}

/* Length of the spaces at s (ASCII or the full-width U+3000). */
static size_t spaces_at(const char *s, size_t n)
{
    size_t i = 0;
    for (;;) {
        if (i < n && (s[i] == ' ' || s[i] == '\t'))
            i++;
        else if (n - i >= 3 && memcmp(s + i, "\xE3\x80\x80", 3) == 0)
            i += 3;
        else
            return i;
    }
}

size_t zj_ing_line_speaker(const char *s, size_t n, zj_party *who)
{
    size_t i = spaces_at(s, n);
    for (size_t d; (d = dash_at(s + i, n - i)) > 0;)
        i += d;
    i += spaces_at(s + i, n - i);
    size_t k = zj_ing_speaker_prefix(s + i, n - i, who);
    return k ? i + k : 0;
}

bool zj_ing_cue_line_continues(const char *s, size_t n, const char *src, long line,
                               const char *expected, zj_error *e)
{
    size_t i = spaces_at(s, n);
    bool dashed = false;
    for (size_t d; (d = dash_at(s + i, n - i)) > 0; dashed = true)
        i += d;
    i += spaces_at(s + i, n - i);
    zj_party who;
    if (zj_ing_speaker_prefix(s + i, n - i, &who))
        return true; /* a speaker it names; zj_ing_line_speaker reads it */
    /* Read as the speaker prefix is read, so that a label on a later line is
     * what the same label would be on a first line: no speaker. */
    size_t colon, label = label_at(s + i, n - i, &colon);
    if (label) {
        zj_error_set(e, ZJ_ERR_PARSE, src, line, 0,
                     "'%.*s' opens a later line of the cue but names no speaker zhijian knows "
                     "(expected %s); whose words follow cannot be told",
                     (int)(label + (s[i + label] == ':' ? 1 : 3)), s + i, expected);
        return false;
    }
    /* Subtitles write a second speaker's line behind a dash; without a name
     * it is nobody's, least of all the speaker of the line before. */
    if (dashed && i < n) {
        zj_error_set(e, ZJ_ERR_PARSE, src, line, 0,
                     "a later line of the cue opens with a dialogue dash, a change of speaker, "
                     "but names none (expected %s after the dash); whose words follow cannot "
                     "be told",
                     expected);
        return false;
    }
    return true;
}

void zj_ing_json_parse(const char *content, size_t len, zj_ingest_out *out,
                       zj_call *(*build)(json_t *root, zj_ingest_out *out, zj_error *err))
{
    zj_error e;
    zj_error_clear(&e);
    json_t *root = zj_ing_json_load(content, len, out->source, &e);
    if (!root) {
        zj_ingest_push_error(out, &e);
        return;
    }
    zj_call *call = build(root, out, &e);
    if (call)
        zj_ingest_push_call(out, call);
    else if (e.status != ZJ_OK)
        zj_ingest_push_error(out, &e);
    json_decref(root);
}

/* Turn i's permutation entry: the turn, its party and where it was. */
struct timed_turn {
    zj_turn t;
    zj_party p;
    size_t i;
};

/* Stable merge sort by start time: O(n log n) even for a file written one
 * channel after the other, where an insertion sort would be quadratic. */
static void merge_by_start(struct timed_turn *v, struct timed_turn *tmp, size_t n)
{
    if (n < 2)
        return;
    size_t h = n / 2;
    merge_by_start(v, tmp, h);
    merge_by_start(v + h, tmp, n - h);
    size_t a = 0, b = h, k = 0;
    while (a < h && b < n)
        tmp[k++] = v[b].t.start_ms < v[a].t.start_ms ? v[b++] : v[a++];
    while (a < h)
        tmp[k++] = v[a++];
    while (b < n)
        tmp[k++] = v[b++];
    memcpy(v, tmp, n * sizeof *v);
}

bool zj_ing_sort_turns(zj_call *c)
{
    size_t n = c->n_turns;
    bool sorted = true;
    for (size_t i = 0; i < n; i++) {
        if (c->turns[i].start_ms < 0 || c->turns[i].end_ms < c->turns[i].start_ms)
            return true; /* not every turn timed: the file's order is all there is */
        if (i && c->turns[i].start_ms < c->turns[i - 1].start_ms)
            sorted = false;
    }
    if (sorted)
        return true;
    struct timed_turn *v = malloc(n * sizeof *v), *tmp = malloc(n * sizeof *tmp);
    size_t *where = malloc(n * sizeof *where);
    if (!v || !tmp || !where) {
        free(v);
        free(tmp);
        free(where);
        return false;
    }
    for (size_t i = 0; i < n; i++)
        v[i] = (struct timed_turn){c->turns[i], c->parties ? c->parties->v[i] : (zj_party){0}, i};
    merge_by_start(v, tmp, n);
    for (size_t i = 0; i < n; i++) {
        c->turns[i] = v[i].t;
        if (c->parties)
            c->parties->v[i] = v[i].p;
        where[v[i].i] = i;
    }
    /* Turn metadata follows its turn. */
    for (size_t m = 0; m < c->n_meta; m++)
        if (c->meta[m].turn >= 0 && (size_t)c->meta[m].turn < n)
            c->meta[m].turn = (long)where[c->meta[m].turn];
    free(where);
    free(tmp);
    free(v);
    return true;
}
