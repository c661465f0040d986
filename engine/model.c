/* model.c — a rule's `model:`: a character n-gram classifier of clauses.
 *
 * Lexical rules find the wordings they list; an inspector also marks a
 * paraphrase nobody listed (我这边又不是管这个的, 您自个儿看着弄). A model rule
 * scores every clause of a turn — the normalized text between two clause
 * ends (，、： and sentence ends, or the `clause_starts` of run-on text) — by
 * logistic regression over its character 1-, 2- and 3-grams, the clause's
 * start and end counted as characters (^ and $). A clause whose probability
 * reaches the rule's threshold is a hit spanning the clause, and from there
 * it is an ordinary hit: windows, quoted speech, overlaps (every other rule
 * wins over a model's hit), points.
 *
 * The file is text, so a review can read what the model weighs:
 *
 *     zhijian-model 1
 *     bias -3.25
 *     1.8731	不归
 *     0.9120	^你自
 *
 * one weight and one n-gram per line, '#' starting a comment. Weights are
 * summed over every n-gram occurrence of the clause (a repeated n-gram counts
 * each time); tools/train_model.py writes such files from labelled clauses
 * (`zhijian eval --clauses`). An n-gram is stored as up to three code points
 * packed in 63 bits, ^ and $ as code points beyond Unicode, so a lookup
 * compares integers and a literal ^ in a text never meets a boundary.
 *
 * A model may also weigh the clause's neighbours in its turn, as an inspector
 * reads a clause with what comes before and after (您自己看着办 after
 * 我们管不了 is a brush-off):
 *
 *     0.4210	prev	管不
 *     -0.3100	next	^
 *
 * each character bigram of the clause before (prev) or after (next), or ^ when
 * there is none (the clause starts or ends the turn). Such a line is packed
 * behind a code point of its own (CP_PREV, CP_NEXT), so it never meets the
 * clause's own n-grams; a model without one does no extra work. */
#include "internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MODEL_MAGIC "zhijian-model 1"
#define CP_BITS 21
#define CP_START 0x110000u /* ^ : the clause starts */
#define CP_END 0x110001u   /* $ : the clause ends */
#define CP_PREV 0x110002u  /* a bigram of the clause before */
#define CP_NEXT 0x110003u  /* a bigram of the clause after */

struct zj_model {
    uint64_t *keys; /* open addressing, 0 = empty */
    float *weights;
    size_t cap; /* power of two */
    size_t n;
    double bias;
    bool has_context; /* some line weighs a neighbour (prev / next) */
    char sha256[65];
};

static uint64_t pack(const uint32_t *cps, size_t n)
{
    /* No code point is 0, so n-grams of different lengths never collide. */
    uint64_t k = 0;
    for (size_t i = 0; i < n; i++)
        k = (k << CP_BITS) | cps[i];
    return k;
}

static size_t slot_of(uint64_t key, size_t mask)
{
    uint64_t h = key + 0x9E3779B97F4A7C15ull; /* splitmix64 finalizer */
    h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9ull;
    h = (h ^ (h >> 27)) * 0x94D049BB133111EBull;
    return (size_t)(h ^ (h >> 31)) & mask;
}

/* The code point at text[*i] (the clause or a neighbour, end bytes before
 * the limit), moving *i past it. A byte that is not UTF-8 and a NUL, which
 * would pack like a shorter n-gram, count as U+FFFD. */
static uint32_t scored_cp(const char *text, size_t end, size_t *i)
{
    uint32_t cp;
    size_t k = zj_utf8_decode((const unsigned char *)text + *i, end - *i, &cp);
    if (!k || cp == 0) {
        k = k ? k : 1;
        cp = 0xFFFD;
    }
    *i += k;
    return cp;
}

static double weight_of(const zj_model *m, uint64_t key)
{
    size_t mask = m->cap - 1;
    for (size_t i = slot_of(key, mask);; i = (i + 1) & mask) {
        if (m->keys[i] == key)
            return m->weights[i];
        if (m->keys[i] == 0)
            return 0;
    }
}

/* false: the key is there already */
static bool insert(zj_model *m, uint64_t key, float w)
{
    size_t mask = m->cap - 1;
    size_t i = slot_of(key, mask);
    for (; m->keys[i]; i = (i + 1) & mask)
        if (m->keys[i] == key)
            return false;
    m->keys[i] = key;
    m->weights[i] = w;
    m->n++;
    return true;
}

/* Lines parsed but not yet in the table. Their slots are prefetched when
 * parsed and filled a batch later: the table of the bundled forbidden model
 * is 6 MB, and filling it one line at a time waited for one cache miss after
 * another. The lines go in in file order, so the table and the first error
 * are what a line-by-line fill gives. */
#define PENDING_LINES 16

typedef struct pending_line {
    uint64_t key;
    float w;
    long line;
    const char *gram; /* for the message */
} pending_line;

static void prefetch_slot(const zj_model *m, uint64_t key)
{
#if defined(__GNUC__) || defined(__clang__)
    size_t i = slot_of(key, m->cap - 1);
    __builtin_prefetch(&m->keys[i], 1);
    __builtin_prefetch(&m->weights[i], 1);
#else
    (void)m;
    (void)key;
#endif
}

/* Puts the pending lines in the table; false (err set) at an n-gram listed
 * twice. */
static bool insert_pending(zj_model *m, pending_line *p, size_t *n, const char *path,
                           zj_error *err)
{
    size_t k = *n;
    *n = 0;
    for (size_t i = 0; i < k; i++)
        if (!insert(m, p[i].key, p[i].w)) {
            zj_error_set(err, ZJ_ERR_PARSE, path, p[i].line, 0, "n-gram '%.40s' listed twice",
                         p[i].gram);
            return false;
        }
    return true;
}

void zj_model_free(zj_model *m)
{
    if (!m)
        return;
    free(m->keys);
    free(m->weights);
    free(m);
}

/* What normalized_char answered, by code point: the bundled models' 190,000
 * lines use a few thousand characters, and normalizing each character of
 * each line was a fifth of their load. */
#define CHAR_MEMO 4096

typedef struct char_check {
    zj_norm norm; /* scratch space */
    uint32_t memo_cp[CHAR_MEMO]; /* 0: empty (0 is never asked) */
    bool memo_ok[CHAR_MEMO];
} char_check;

/* Whether s[0..k), one character of a model line (code point cp: UTF-8 has
 * one encoding per code point), is as normalized clause text holds it (not a
 * space, punctuation, upper case, a Traditional or full-width form): a weight
 * on anything else would never count. */
static bool normalized_char(const char *s, size_t k, uint32_t cp, char_check *c)
{
    size_t slot = cp & (CHAR_MEMO - 1);
    if (c->memo_cp[slot] == cp)
        return c->memo_ok[slot];
    bool ok = zj_norm_text(&c->norm, s, k) == ZJ_OK && c->norm.len == k &&
              memcmp(c->norm.text, s, k) == 0;
    c->memo_cp[slot] = cp;
    c->memo_ok[slot] = ok;
    return ok;
}

/* The n-gram of a model line: 1 to 3 code points, ^ first and $ last
 * standing for the clause's edges. 0 when it is not one, and when a
 * character is not as normalized clause text holds it (a space, punctuation,
 * upper case, a Traditional or full-width form): such a weight would never
 * count. */
static size_t parse_ngram(const char *s, size_t len, uint32_t cps[3], char_check *cc)
{
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t k = zj_utf8_decode((const unsigned char *)s + i, len - i, &cp);
        if (!k || cp == 0 || n == 3) /* 0 would pack like a shorter n-gram */
            return 0;
        if (cp == '^' && i == 0) {
            cp = CP_START;
        } else if (cp == '$' && i + k == len) {
            cp = CP_END;
        } else if (!normalized_char(s + i, k, cp, cc)) {
            return 0;
        }
        cps[n++] = cp;
        i += k;
    }
    return n;
}

/* A neighbour's feature after "prev\t" or "next\t": ^ (no neighbour) or a
 * bigram of normalized text without ^ and $; 0 when it is neither. */
static size_t parse_context(const char *s, size_t len, uint32_t mark, uint32_t cps[3],
                            char_check *cc)
{
    cps[0] = mark;
    if (len == 1 && s[0] == '^') {
        cps[1] = CP_START;
        return 2;
    }
    size_t n = 1;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t k = zj_utf8_decode((const unsigned char *)s + i, len - i, &cp);
        if (!k || cp == 0 || cp == '^' || cp == '$' || n == 3 || !normalized_char(s + i, k, cp, cc))
            return 0;
        cps[n++] = cp;
        i += k;
    }
    return n == 3 ? 3 : 0;
}

/* A weight as train_model.py writes it: a decimal number (strtod would also
 * read hex, inf and nan). */
static bool decimal_weight(const char *s, const char *end)
{
    for (const char *p = s; p < end; p++)
        if (!strchr("+-.0123456789eE", *p))
            return false;
    return s < end;
}

zj_model *zj_model_load(const char *path, zj_error *err)
{
    size_t len = 0;
    char *text = zj_rules_read_file(path, &len, err); /* NUL-terminated: lines are cut in place */
    if (!text)
        return NULL;
    zj_model *m = calloc(1, sizeof *m);
    char_check *cc = calloc(1, sizeof *cc);
    if (cc)
        zj_norm_init(&cc->norm);
    size_t lines = 1;
    for (const char *nl = text; (nl = memchr(nl, '\n', len - (size_t)(nl - text))); nl++)
        lines++;
    /* At most two thirds full: probes stay short. Twice the lines made the
     * bundled forbidden model's table 6 MB (a quarter full), whose page
     * faults and cache misses were most of its load. */
    size_t cap = 16;
    while (cap < lines + lines / 2)
        cap *= 2;
    if (m) {
        m->cap = cap;
        m->keys = calloc(cap, sizeof *m->keys);
        m->weights = calloc(cap, sizeof *m->weights);
    }
    if (!m || !m->keys || !m->weights || !cc) {
        zj_error_set(err, ZJ_ERR_NOMEM, path, 0, 0, "out of memory");
        goto fail;
    }
    zj_sha256_hex(text, len, m->sha256);
    bool magic = false, bias = false;
    long line = 0;
    pending_line pending[PENDING_LINES];
    size_t n_pending = 0;
/* Before an error at this line: one at an earlier line (an n-gram listed
 * twice, found as the pending lines go in) comes first. */
#define FLUSH_OR_FAIL()                                                                            \
    do {                                                                                           \
        if (!insert_pending(m, pending, &n_pending, path, err))                                   \
            goto fail;                                                                             \
    } while (0)
    for (size_t at = 0; at < len;) {
        line++;
        size_t end = at;
        while (end < len && text[end] != '\n')
            end++;
        char *s = text + at;
        size_t n = end - at;
        at = end + 1;
        if (n && s[n - 1] == '\r')
            n--;
        s[n] = '\0';
        if (n == 0 || s[0] == '#')
            continue;
        if (!magic) {
            if (strcmp(s, MODEL_MAGIC) != 0) {
                zj_error_set(err, ZJ_ERR_PARSE, path, line, 0,
                             "not a zhijian model (the first line must be '%s')", MODEL_MAGIC);
                goto fail;
            }
            magic = true;
            continue;
        }
        char *stop;
        if (!strncmp(s, "bias ", 5)) {
            if (bias) {
                FLUSH_OR_FAIL();
                zj_error_set(err, ZJ_ERR_PARSE, path, line, 0, "a second 'bias' line");
                goto fail;
            }
            errno = 0;
            m->bias = strtod(s + 5, &stop);
            if (errno || stop == s + 5 || *stop || !isfinite(m->bias)) {
                FLUSH_OR_FAIL();
                zj_error_set(err, ZJ_ERR_PARSE, path, line, 0, "bad bias '%.40s'", s + 5);
                goto fail;
            }
            bias = true;
            continue;
        }
        char *tab = strchr(s, '\t');
        errno = 0;
        double w = tab ? strtod(s, &stop) : 0;
        uint32_t cps[3];
        const char *gram = tab ? tab + 1 : NULL;
        size_t gram_len = tab ? n - (size_t)(gram - s) : 0, k = 0;
        uint32_t mark = 0;
        if (gram && gram_len > 5 && (!memcmp(gram, "prev\t", 5) || !memcmp(gram, "next\t", 5))) {
            mark = gram[0] == 'p' ? CP_PREV : CP_NEXT;
            k = parse_context(gram + 5, gram_len - 5, mark, cps, cc);
        } else if (gram) {
            k = parse_ngram(gram, gram_len, cps, cc);
        }
        if (!tab || errno || stop != tab || !decimal_weight(s, tab) || !isfinite(w) ||
            fabs(w) > 1e6) {
            FLUSH_OR_FAIL();
            zj_error_set(err, ZJ_ERR_PARSE, path, line, 0,
                         "expected a weight, a tab and an n-gram, got '%.40s'", s);
            goto fail;
        }
        if (!k && mark) {
            FLUSH_OR_FAIL();
            zj_error_set(err, ZJ_ERR_PARSE, path, line, 0,
                         "a neighbour's feature is ^ or two characters of normalized text, "
                         "got '%.40s'",
                         gram + 5);
            goto fail;
        }
        m->has_context |= mark != 0;
        if (!k) {
            FLUSH_OR_FAIL();
            zj_error_set(err, ZJ_ERR_PARSE, path, line, 0,
                         "an n-gram is one to three characters of normalized text (no "
                         "spaces, punctuation, upper case or Traditional forms; ^ and $ for "
                         "the clause's edges), got '%.40s'",
                         tab + 1);
            goto fail;
        }
        uint64_t key = pack(cps, k);
        prefetch_slot(m, key);
        pending[n_pending++] = (pending_line){key, (float)w, line, tab + 1};
        if (n_pending == PENDING_LINES)
            FLUSH_OR_FAIL();
    }
    FLUSH_OR_FAIL();
#undef FLUSH_OR_FAIL
    if (!magic || !bias) {
        zj_error_set(err, ZJ_ERR_PARSE, path, line, 0, "%s",
                     magic ? "no 'bias' line"
                     : len ? "only comments and blank lines, not a zhijian model"
                           : "empty file, not a zhijian model");
        goto fail;
    }
    free(text);
    zj_norm_free(&cc->norm);
    free(cc);
    return m;
fail:
    free(text);
    if (cc)
        zj_norm_free(&cc->norm);
    free(cc);
    zj_model_free(m);
    return NULL;
}

const char *zj_model_sha256(const zj_model *m)
{
    return m->sha256;
}

double zj_model_logit(const zj_model *m, const char *text, size_t len)
{
    double z = m->bias;
    uint32_t win[3] = {CP_START, 0, 0};
    size_t have = 1; /* code points in win, the newest last */
    z += weight_of(m, pack(win, 1));
    for (size_t i = 0;;) {
        uint32_t cp = i < len ? scored_cp(text, len, &i) : CP_END;
        if (have == 3) {
            win[0] = win[1];
            win[1] = win[2];
            win[2] = cp;
        } else {
            win[have++] = cp;
        }
        /* the n-grams ending at cp */
        for (size_t n = 1; n <= have; n++)
            z += weight_of(m, pack(win + have - n, n));
        if (cp == CP_END)
            break;
    }
    return z;
}

/* The weights of one neighbour's features: its bigrams, or ^ when absent. */
static double neighbour_logit(const zj_model *m, uint32_t mark, const char *text, size_t a,
                              size_t b)
{
    uint32_t win[3] = {mark, CP_START, 0};
    if (a == b)
        return weight_of(m, pack(win, 2));
    double z = 0;
    size_t have = 0; /* code points of the neighbour in win[1..] */
    for (size_t i = a; i < b;) {
        uint32_t cp = scored_cp(text, b, &i);
        if (have == 2)
            win[1] = win[2];
        else
            have++;
        win[have] = cp;
        if (have == 2)
            z += weight_of(m, pack(win, 3));
    }
    return z;
}

double zj_model_clause_logit(const zj_model *m, const zj_norm *norm, const zj_clause_walk *w)
{
    double z = zj_model_logit(m, norm->text + w->a, w->b - w->a);
    if (m->has_context)
        z += neighbour_logit(m, CP_PREV, norm->text, w->prev_a, w->prev_b) +
             neighbour_logit(m, CP_NEXT, norm->text, w->next_a, w->next_b);
    return z;
}

void zj_clause_walk_init(zj_clause_walk *w, const zj_norm *norm)
{
    memset(w, 0, sizeof *w);
    if (!zj_model_next_clause(norm, &w->k, &w->next_a, &w->next_b))
        w->next_a = w->next_b = 0;
}

bool zj_clause_walk_next(zj_clause_walk *w, const zj_norm *norm)
{
    if (w->next_a == w->next_b)
        return false;
    if (w->started) {
        w->prev_a = w->a;
        w->prev_b = w->b;
    }
    w->started = true;
    w->a = w->next_a;
    w->b = w->next_b;
    if (!zj_model_next_clause(norm, &w->k, &w->next_a, &w->next_b))
        w->next_a = w->next_b = 0;
    return true;
}

bool zj_model_next_clause(const zj_norm *norm, size_t *k, size_t *start, size_t *end)
{
    while (*k <= norm->n_clause_breaks) {
        size_t from = *k ? norm->clause_breaks[*k - 1] : 0;
        size_t to = *k < norm->n_clause_breaks ? norm->clause_breaks[*k] : norm->len;
        ++*k;
        if (to > from && zj_utf8_count(norm->text + from, to - from) >= ZJ_MODEL_MIN_CHARS) {
            *start = from;
            *end = to;
            return true;
        }
    }
    return false;
}

void zj_model_clause_line(zj_buf *out, size_t turn, uint32_t cs, uint32_t ce, const char *label,
                          const zj_norm *norm, size_t a, size_t b)
{
    /* A label's rule comes from an input file: a tab or newline in it is
     * written \t or \n, never a field break. The clause has neither:
     * normalization drops whitespace. */
    zj_buf_printf(out, "\t%zu\t%u\t%u\t", turn, cs, ce);
    zj_buf_term_str(out, label);
    zj_buf_puts(out, "\t");
    zj_buf_append(out, norm->text + a, b - a);
    zj_buf_puts(out, "\n");
}

zj_status zj_model_hits(const zj_model *m, double logit_min, const zj_norm *norm,
                        uint32_t pattern, zj_hits *out)
{
    zj_clause_walk w;
    zj_clause_walk_init(&w, norm);
    while (zj_clause_walk_next(&w, norm))
        if (zj_model_clause_logit(m, norm, &w) >= logit_min &&
            zj_hits_push(out, pattern, (uint32_t)w.a, (uint32_t)w.b) != ZJ_OK)
            return ZJ_ERR_NOMEM;
    return ZJ_OK;
}
