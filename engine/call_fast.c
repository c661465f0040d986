/* call_fast.c — a specialized parser for the common case of a native call
 * JSON object. The profile showed jansson's tree building taking two thirds
 * of a single thread's time; this parser builds the zj_call directly.
 *
 * It accepts only what it can prove equivalent to the general path
 * (call.c over jansson): well-formed JSON, valid UTF-8, no duplicate keys at
 * any depth, every known field of the right type and value. On anything else
 * it gives up (*fallback = true) and the caller runs the general path, which
 * produces the same call or the precise error message. The differential test
 * (tests/unit/test_call_fast.c) checks both paths agree on every test input. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct parser {
    const char *p, *end;
    int depth;
} parser;

typedef struct span {
    const char *s;
    size_t n;
    bool escaped;
} span;

static void ws(parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
        ps->p++;
}

/* Bytes that stand for themselves in a JSON string: printable ASCII but the
 * quote and the backslash (one row per high nibble). */
/* clang-format off */
static const bool plain_ascii[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};
/* clang-format on */

#ifdef __SSE2__
/* How many of the 16 bytes at p, from the first, are printable ASCII
 * without quote or backslash (16: all of them). */
static inline int plain_ascii_prefix(const unsigned char *p)
{
    __m128i b = _mm_loadu_si128((const __m128i *)p);
    __m128i special =
        _mm_or_si128(_mm_cmpeq_epi8(b, _mm_set1_epi8('"')), _mm_cmpeq_epi8(b, _mm_set1_epi8('\\')));
    __m128i plain = _mm_andnot_si128(special, zj_sse_in_range(b, 0x20, 0x7F));
    unsigned other = ~(unsigned)_mm_movemask_epi8(plain) & 0xFFFF;
    return other ? __builtin_ctz(other) : 16;
}

/* Whether the 15 bytes at p (16 readable) are five three-byte sequences that
 * cannot be overlong or surrogates: leads E1..EF but ED at offsets 0, 3, 6,
 * 9, 12, continuation bytes at the others. */
static inline bool five_plain_three_byte(const unsigned char *p)
{
    enum { LEADS = 0x1249, CONTS = 0x6DB6 };
    __m128i b = _mm_loadu_si128((const __m128i *)p);
    __m128i lead = _mm_andnot_si128(_mm_cmpeq_epi8(b, _mm_set1_epi8((char)0xED)),
                                    zj_sse_in_range(b, 0xE1, 0xEF));
    int leads = _mm_movemask_epi8(lead);
    int conts = _mm_movemask_epi8(zj_sse_in_range(b, 0x80, 0xBF));
    return (leads & LEADS) == LEADS && (conts & CONTS) == CONTS;
}
#endif

/* Scans a string token; its raw bytes (without quotes) in out. False on any
 * problem (control characters, bad escapes, \u0000, invalid UTF-8). UTF-8 is
 * validated in the same pass; escaped strings are validated once decoded. */
static bool scan_string(parser *ps, span *out)
{
    if (ps->p >= ps->end || *ps->p != '"')
        return false;
    const unsigned char *p = (const unsigned char *)++ps->p;
    const unsigned char *end = (const unsigned char *)ps->end;
    const char *s = ps->p;
    bool escaped = false;
    while (p < end) {
        /* Tight loops over the two common runs: printable ASCII, and
         * three-byte sequences that cannot be overlong or surrogates (lead
         * E1..EF but ED), which are nearly all Chinese text. An ASCII run
         * ends where the block finds its first other byte, so short keys and
         * values take one step. */
#ifdef __SSE2__
        for (int k = 16; k == 16 && end - p >= 16; p += k)
            k = plain_ascii_prefix(p);
#endif
        while (p < end && plain_ascii[*p])
            p++;
#ifdef __SSE2__
        while (end - p >= 16 && five_plain_three_byte(p))
            p += 15;
#endif
        while (end - p >= 3 && (unsigned char)(p[0] - 0xE1) <= 0x0E && p[0] != 0xED &&
               (p[1] & 0xC0) == 0x80 && (p[2] & 0xC0) == 0x80)
            p += 3;
        if (p >= end)
            break;
        unsigned char c = *p;
        if (plain_ascii[c])
            continue;
        if (c >= 0x80) {
            uint32_t cp;
            size_t k = zj_utf8_decode(p, (size_t)(end - p), &cp);
            if (!k)
                return false;
            p += k;
            continue;
        }
        if (c == '"') {
            out->s = s;
            out->n = (size_t)((const char *)p - s);
            out->escaped = escaped;
            ps->p = (const char *)p + 1;
            return true;
        }
        if (c < 0x20)
            return false;
        if (c == '\\') {
            escaped = true;
            if (end - p < 2)
                return false;
            unsigned char e = p[1];
            if (e == 'u') {
                if (end - p < 6 || !memcmp(p + 2, "0000", 4))
                    return false;
                for (int k = 2; k < 6; k++)
                    if (!p[k] || !strchr("0123456789abcdefABCDEF", p[k]))
                        return false;
                p += 6;
                continue;
            }
            if (!e || !strchr("\"\\/bfnrt", e))
                return false;
            p += 2;
            continue;
        }
        p++;
    }
    return false;
}

static int hexval(char c)
{
    return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

/* Decodes a scanned string into the call's arena (a NUL-terminated copy);
 * the arena always has room: a string's decoded bytes and NUL fit in its raw
 * bytes and quotes. */
typedef struct arena {
    char *base;
    size_t used;
} arena;

static char *decode(arena *a, const span *sp, size_t *len)
{
    char *out = a->base + a->used;
    if (!sp->escaped) {
        memcpy(out, sp->s, sp->n);
        out[sp->n] = '\0';
        *len = sp->n;
        a->used += sp->n + 1;
        return out;
    }
    size_t o = 0;
    for (size_t i = 0; i < sp->n; i++) {
        char c = sp->s[i];
        if (c != '\\') {
            out[o++] = c;
            continue;
        }
        char e = sp->s[++i];
        switch (e) {
        case 'b':
            out[o++] = '\b';
            break;
        case 'f':
            out[o++] = '\f';
            break;
        case 'n':
            out[o++] = '\n';
            break;
        case 'r':
            out[o++] = '\r';
            break;
        case 't':
            out[o++] = '\t';
            break;
        case 'u': {
            uint32_t cp = 0;
            for (int k = 1; k <= 4; k++)
                cp = cp << 4 | (uint32_t)hexval(sp->s[i + k]);
            i += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                if (i + 6 >= sp->n || sp->s[i + 1] != '\\' || sp->s[i + 2] != 'u')
                    goto bad;
                uint32_t lo = 0;
                for (int k = 3; k <= 6; k++)
                    lo = lo << 4 | (uint32_t)hexval(sp->s[i + k]);
                if (lo < 0xDC00 || lo > 0xDFFF)
                    goto bad;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                i += 6;
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                goto bad;
            }
            o += zj_utf8_encode(cp, out + o);
            break;
        }
        default:
            out[o++] = e;
        }
    }
    out[o] = '\0';
    *len = o;
    if (!zj_utf8_valid(out, o))
        return NULL;
    a->used += o + 1;
    return out;
bad:
    return NULL;
}

/* memcmp(a, b, n) == 0 for the short constant keys of a call: two
 * overlapping loads instead of a library call. */
static inline bool bytes_eq(const char *a, const char *b, size_t n)
{
    if (n >= 8 && n <= 16) {
        uint64_t x, y, x2, y2;
        memcpy(&x, a, 8);
        memcpy(&y, b, 8);
        memcpy(&x2, a + n - 8, 8);
        memcpy(&y2, b + n - 8, 8);
        return x == y && x2 == y2;
    }
    if (n >= 4 && n < 8) {
        uint32_t x, y, x2, y2;
        memcpy(&x, a, 4);
        memcpy(&y, b, 4);
        memcpy(&x2, a + n - 4, 4);
        memcpy(&y2, b + n - 4, 4);
        return x == y && x2 == y2;
    }
    return memcmp(a, b, n) == 0;
}

static inline bool span_eq_n(const span *a, const char *lit, size_t n)
{
    return !a->escaped && a->n == n && bytes_eq(a->s, lit, n);
}
#define span_eq(a, lit) span_eq_n(a, lit, sizeof lit - 1)

static bool skip_value(parser *ps);

/* Walks an object, checking for duplicate keys; calls on_key for each key with
 * the parser positioned at its value (on_key must consume the value). */
typedef bool (*key_fn)(parser *ps, const span *key, void *ctx);

static bool walk_object(parser *ps, key_fn on_key, void *ctx)
{
    if (ps->p >= ps->end || *ps->p != '{' || ++ps->depth > 64)
        return false;
    ps->p++;
    span keys[64];
    size_t n_keys = 0;
    ws(ps);
    if (ps->p < ps->end && *ps->p == '}') {
        ps->p++;
        ps->depth--;
        return true;
    }
    for (;;) {
        ws(ps);
        span k;
        if (!scan_string(ps, &k) || k.escaped || n_keys == 64)
            return false;
        for (size_t i = 0; i < n_keys; i++)
            if (keys[i].n == k.n && memcmp(keys[i].s, k.s, k.n) == 0)
                return false; /* duplicate: the general path reports it */
        keys[n_keys++] = k;
        ws(ps);
        if (ps->p >= ps->end || *ps->p++ != ':')
            return false;
        ws(ps);
        if (!(on_key ? on_key(ps, &k, ctx) : skip_value(ps)))
            return false;
        ws(ps);
        if (ps->p >= ps->end)
            return false;
        if (*ps->p == ',') {
            ps->p++;
            continue;
        }
        if (*ps->p == '}') {
            ps->p++;
            ps->depth--;
            return true;
        }
        return false;
    }
}

static bool skip_number(parser *ps, bool *integer)
{
    const char *s = ps->p;
    *integer = true;
    if (ps->p < ps->end && *ps->p == '-')
        ps->p++;
    if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9')
        return false;
    if (*ps->p == '0' && ps->p + 1 < ps->end && ps->p[1] >= '0' && ps->p[1] <= '9')
        return false;
    while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
        ps->p++;
    if (ps->p < ps->end && (*ps->p == '.' || *ps->p == 'e' || *ps->p == 'E'))
        *integer = false; /* let the general path judge reals */
    return *integer && ps->p - s <= 18;
}

/* Consumes the bytes lit if they stand here. */
static inline bool take(parser *ps, const char *lit, size_t n)
{
    if ((size_t)(ps->end - ps->p) < n || !bytes_eq(ps->p, lit, n))
        return false;
    ps->p += n;
    return true;
}
#define TAKE(ps, lit) take(ps, lit, sizeof lit - 1)

/* Consumes the keyword w (true, false, null) if it stands here. */
static inline bool take_word(parser *ps, const char *w)
{
    return take(ps, w, strlen(w));
}

static bool skip_value(parser *ps)
{
    if (ps->p >= ps->end)
        return false;
    span sp;
    bool integer;
    switch (*ps->p) {
    case '"':
        return scan_string(ps, &sp);
    case '{':
        return walk_object(ps, NULL, NULL);
    case '[':
        if (++ps->depth > 64)
            return false;
        ps->p++;
        ws(ps);
        if (ps->p < ps->end && *ps->p == ']') {
            ps->p++;
            ps->depth--;
            return true;
        }
        for (;;) {
            ws(ps);
            if (!skip_value(ps))
                return false;
            ws(ps);
            if (ps->p < ps->end && *ps->p == ',') {
                ps->p++;
                continue;
            }
            if (ps->p < ps->end && *ps->p == ']') {
                ps->p++;
                ps->depth--;
                return true;
            }
            return false;
        }
    case 't':
        return take_word(ps, "true");
    case 'f':
        return take_word(ps, "false");
    case 'n':
        return take_word(ps, "null");
    default:
        return skip_number(ps, &integer);
    }
}

static bool is_null(parser *ps)
{
    return take_word(ps, "null");
}

/* Optional string field: null -> NULL; a non-string -> give up. (Keys are
 * unique, so a field is set at most once; \u0000 is refused by scan_string,
 * so a decoded string never holds a NUL.) */
static bool opt_string(parser *ps, arena *a, char **out)
{
    if (is_null(ps)) {
        *out = NULL;
        return true;
    }
    span sp;
    size_t len;
    if (!scan_string(ps, &sp))
        return false;
    *out = decode(a, &sp, &len);
    return *out != NULL;
}

/* Optional non-negative integer: null -> -1. Accepts what skip_number
 * accepts without a sign, reading the digits as it goes. */
static bool opt_ms(parser *ps, int64_t *out)
{
    if (is_null(ps)) {
        *out = -1;
        return true;
    }
    const char *p = ps->p, *end = ps->end;
    if (p >= end || *p < '0' || *p > '9')
        return false;
    if (*p == '0' && p + 1 < end && p[1] >= '0' && p[1] <= '9')
        return false;
    uint64_t v = 0;
    const char *s = p;
    for (; p < end && *p >= '0' && *p <= '9'; p++)
        v = v * 10 + (uint64_t)(*p - '0');
    if ((p < end && (*p == '.' || *p == 'e' || *p == 'E')) || p - s > 18 ||
        v > (uint64_t)ZJ_MAX_MS)
        return false; /* the general path says what is wrong */
    ps->p = p;
    *out = (int64_t)v;
    return true;
}

typedef struct turn_ctx {
    arena *a;
    zj_turn *t;
    bool have_speaker, have_text;
} turn_ctx;

static bool turn_key(parser *ps, const span *k, void *ctx_ptr)
{
    turn_ctx *c = ctx_ptr;
    if (span_eq(k, "speaker")) {
        span sp;
        if (!scan_string(ps, &sp))
            return false;
        if (span_eq(&sp, "agent"))
            c->t->speaker = ZJ_SPEAKER_AGENT;
        else if (span_eq(&sp, "customer"))
            c->t->speaker = ZJ_SPEAKER_CUSTOMER;
        else
            return false;
        c->have_speaker = true;
        return true;
    }
    if (span_eq(k, "text")) {
        span sp;
        if (!scan_string(ps, &sp))
            return false;
        c->t->text = decode(c->a, &sp, &c->t->text_len);
        c->have_text = c->t->text != NULL;
        return c->have_text;
    }
    if (span_eq(k, "start_ms"))
        return opt_ms(ps, &c->t->start_ms);
    if (span_eq(k, "end_ms"))
        return opt_ms(ps, &c->t->end_ms);
    return skip_value(ps);
}

/* ":" between optional white space, as after a key. */
static bool colon(parser *ps)
{
    ws(ps);
    if (ps->p >= ps->end || *ps->p != ':')
        return false;
    ps->p++;
    ws(ps);
    return true;
}

/* "," then the key lit, then ":" (white space allowed around each); compact
 * is the same without white space, the common case, taken in one compare. */
static inline bool next_key(parser *ps, const char *compact, size_t compact_n, const char *lit,
                            size_t n)
{
    if (take(ps, compact, compact_n))
        return true;
    ws(ps);
    if (ps->p >= ps->end || *ps->p != ',')
        return false;
    ps->p++;
    ws(ps);
    return take(ps, lit, n) && colon(ps);
}
#define NEXT_KEY(ps, lit) next_key(ps, "," lit ":", sizeof lit + 1, lit, sizeof lit - 1)

/* A turn written the way nearly every producer writes it: the keys speaker,
 * text, start_ms, end_ms in that order, once each, nothing else. Each turn
 * then costs four literal compares instead of four key scans, a duplicate
 * check and a key dispatch. Anything else returns false with the parser and
 * arena where they were, and the general object walk takes the turn. */
static bool canonical_turn(parser *ps, arena *a, zj_turn *t)
{
    const char *start = ps->p;
    size_t used = a->used;
    span sp;
    if (!TAKE(ps, "{") || (ws(ps), !TAKE(ps, "\"speaker\"")) || !colon(ps) || !scan_string(ps, &sp))
        goto other;
    if (span_eq(&sp, "agent"))
        t->speaker = ZJ_SPEAKER_AGENT;
    else if (span_eq(&sp, "customer"))
        t->speaker = ZJ_SPEAKER_CUSTOMER;
    else
        goto other;
    if (!NEXT_KEY(ps, "\"text\"") || !scan_string(ps, &sp) ||
        !(t->text = decode(a, &sp, &t->text_len)))
        goto other;
    if (!NEXT_KEY(ps, "\"start_ms\"") || !opt_ms(ps, &t->start_ms) || !NEXT_KEY(ps, "\"end_ms\"") ||
        !opt_ms(ps, &t->end_ms))
        goto other;
    ws(ps);
    if (TAKE(ps, "}"))
        return true;
other:
    ps->p = start;
    a->used = used;
    memset(t, 0, sizeof *t);
    t->start_ms = t->end_ms = -1;
    return false;
}

typedef struct call_ctx {
    arena a;
    zj_call *call;
    size_t cap;
    bool have_id, have_turns;
} call_ctx;

static bool parse_turns(parser *ps, call_ctx *c)
{
    if (ps->p >= ps->end || *ps->p != '[')
        return false;
    ps->p++;
    ws(ps);
    if (ps->p < ps->end && *ps->p == ']') {
        ps->p++;
        return true;
    }
    for (;;) {
        ws(ps);
        zj_call *call = c->call;
        if (call->n_turns == c->cap) {
            size_t cap = c->cap ? c->cap * 2 : 16;
            zj_turn *v = realloc(call->turns, cap * sizeof *v);
            if (!v)
                return false;
            call->turns = v;
            c->cap = cap;
        }
        zj_turn *t = &call->turns[call->n_turns++];
        memset(t, 0, sizeof *t);
        t->start_ms = t->end_ms = -1;
        turn_ctx tc = {&c->a, t, false, false};
        if (!canonical_turn(ps, &c->a, t) &&
            (!walk_object(ps, turn_key, &tc) || !tc.have_speaker || !tc.have_text))
            return false;
        if (t->start_ms >= 0 && t->end_ms >= 0 && t->end_ms < t->start_ms)
            return false;
        ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == ']') {
            ps->p++;
            return true;
        }
        return false;
    }
}

static bool call_key(parser *ps, const span *k, void *ctx_ptr)
{
    call_ctx *c = ctx_ptr;
    zj_call *call = c->call;
    if (span_eq(k, "call_id")) {
        span sp;
        size_t len;
        if (!scan_string(ps, &sp) || sp.n == 0)
            return false;
        call->call_id = decode(&c->a, &sp, &len);
        c->have_id = call->call_id != NULL;
        return c->have_id;
    }
    if (span_eq(k, "turns")) {
        c->have_turns = true;
        return parse_turns(ps, c);
    }
    if (span_eq(k, "agent_id"))
        return opt_string(ps, &c->a, &call->agent_id);
    if (span_eq(k, "agent_name"))
        return opt_string(ps, &c->a, &call->agent_name);
    if (span_eq(k, "team"))
        return opt_string(ps, &c->a, &call->team);
    if (span_eq(k, "direction"))
        return opt_string(ps, &c->a, &call->direction);
    if (span_eq(k, "call_type"))
        return opt_string(ps, &c->a, &call->call_type);
    if (span_eq(k, "started_at"))
        return opt_string(ps, &c->a, &call->started_at);
    if (span_eq(k, "ring_ms"))
        return opt_ms(ps, &call->ring_ms);
    return skip_value(ps);
}

zj_call *zj_call_parse_fast(const char *json, size_t len, const char *source, long line,
                            bool *fallback)
{
    *fallback = false;
    /* The call and its strings' arena in one allocation. */
    zj_call *call = malloc(sizeof *call + len + 1);
    if (!call) {
        *fallback = true;
        return NULL;
    }
    memset(call, 0, sizeof *call);
    call->started_at_utc_ms = INT64_MIN;
    call->ring_ms = -1;
    call->source = source;
    call->line = line;
    call->arena = (char *)(call + 1);
    parser ps = {json, json + len, 0};
    call_ctx c = {{call->arena, 0}, call, 0, false, false};
    ws(&ps);
    bool ok = walk_object(&ps, call_key, &c);
    ws(&ps);
    ok = ok && ps.p == ps.end && c.have_id && c.have_turns && call->n_turns > 0;
    if (ok && call->started_at &&
        !zj_parse_timestamp(call->started_at, &call->started_at_utc_ms, &call->utc_offset_min))
        ok = false;
    /* In time order, as zj_call_from_json gives it (out of memory: the
     * general parser says so). */
    if (!ok || !zj_ing_sort_turns(call)) {
        zj_call_free(call);
        *fallback = true;
        return NULL;
    }
    return call;
}
