/* rules.c — loads and validates a YAML rule set into an immutable compiled
 * zj_ruleset. Every error names FILE:LINE:COL; zj_rules_check collects all of
 * them, zj_rules_load stops at the first. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "internal.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>
#include <errno.h>
#include <math.h>
#include <pcre2.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define RULES_MAX_FILE ZJ_RULES_MAX_FILE
#define RULES_MAX_NESTING 16

/* Loader context: where errors go and what has been built so far. */
struct loader {
    const char *file;
    zj_diag_cb cb;
    void *ctx;
    size_t n_errors;
    zj_error first;
    zj_ruleset *rs;
    size_t rule_cap, pattern_cap;
    /* Rule ids seen so far: open addressing, slot = rule index + 1 (0 empty).
     * Comparing each id with all earlier ones made 5,000 rules cost more to
     * load than to score a month of calls. */
    uint32_t *id_slots;
    size_t id_cap;
    /* Every regex is tried on the empty string with this one match data: one
     * per regex (thousands in the bundled standard) cost each load thousands
     * of allocations of PCRE2's backtracking frames. */
    pcre2_match_data *empty_md;
};

static uint64_t hash_id(const char *s)
{
    uint64_t h = 1469598103934665603u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

/* Index of the earlier rule with this id, or -1; records rule `index` under
 * it when there is none. */
static long id_seen(struct loader *ld, const char *id, uint32_t index)
{
    if (2 * ((size_t)index + 1) > ld->id_cap) {
        size_t cap = ld->id_cap ? ld->id_cap * 2 : 64;
        uint32_t *v = calloc(cap, sizeof *v);
        if (!v)
            return -1; /* the duplicate check is lost, not the rule set */
        for (size_t i = 0; i < ld->id_cap; i++)
            if (ld->id_slots[i]) {
                size_t k = hash_id(ld->rs->rules[ld->id_slots[i] - 1].id) & (cap - 1);
                while (v[k])
                    k = (k + 1) & (cap - 1);
                v[k] = ld->id_slots[i];
            }
        free(ld->id_slots);
        ld->id_slots = v;
        ld->id_cap = cap;
    }
    size_t k = hash_id(id) & (ld->id_cap - 1);
    for (; ld->id_slots[k]; k = (k + 1) & (ld->id_cap - 1))
        if (strcmp(ld->rs->rules[ld->id_slots[k] - 1].id, id) == 0)
            return (long)ld->id_slots[k] - 1;
    ld->id_slots[k] = index + 1;
    return -1;
}

__attribute__((format(printf, 3, 4))) static void fail_at(struct loader *ld, const zj_ynode *at,
                                                          const char *fmt, ...)
{
    zj_error e;
    zj_error_clear(&e);
    e.status = ZJ_ERR_INVALID;
    snprintf(e.file, sizeof e.file, "%s", at && at->file ? at->file : ld->file);
    e.line = at ? at->line : 0;
    e.col = at ? at->col : 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e.msg, sizeof e.msg, fmt, ap);
    va_end(ap);
    if (ld->n_errors++ == 0)
        ld->first = e;
    if (ld->cb)
        ld->cb(&e, ld->ctx);
}

static void fail_err(struct loader *ld, const zj_error *e)
{
    if (ld->n_errors++ == 0)
        ld->first = *e;
    if (ld->cb)
        ld->cb(e, ld->ctx);
}

/* Out of memory while loading: an error of the run (ZJ_ERR_NOMEM), not of
 * the rule set, so that `rules check` exits 2, not 1. */
static void fail_nomem(struct loader *ld, const zj_ynode *at)
{
    zj_error e;
    zj_error_set(&e, ZJ_ERR_NOMEM, at && at->file ? at->file : ld->file, at ? at->line : 0, at ? at->col : 0, "out of memory");
    fail_err(ld, &e);
}

/* A copy of a YAML value; NULL (reported) when out of memory. */
static char *ld_dup(struct loader *ld, const zj_ynode *at, const char *s)
{
    char *copy = zj_strdup(s);
    if (!copy && s)
        fail_nomem(ld, at);
    return copy;
}

static const char *type_name(const zj_ynode *n)
{
    switch (n->type) {
    case ZJ_YNODE_SCALAR:
        return "a scalar";
    case ZJ_YNODE_SEQ:
        return "a list";
    case ZJ_YNODE_MAP:
        return "a mapping";
    }
    return "?";
}

/* Levenshtein distance, for "did you mean" on unknown keys. */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 32 || lb > 32)
        return 99;
    size_t d[33][33];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            size_t sub = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            size_t del = d[i - 1][j] + 1, ins = d[i][j - 1] + 1;
            d[i][j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
    return d[la][lb];
}

/* Reports keys of map not in allowed (NULL-terminated). where names the map. */
static void check_keys(struct loader *ld, const zj_ynode *map, const char *const *allowed,
                       const char *where)
{
    for (size_t i = 0; i + 1 < map->n; i += 2) {
        const zj_ynode *k = map->items[i];
        if (k->type != ZJ_YNODE_SCALAR) {
            fail_at(ld, k, "keys must be plain names%s", where);
            continue;
        }
        bool ok = false;
        for (const char *const *a = allowed; *a && !ok; a++)
            ok = strcmp(k->value, *a) == 0;
        const char *best = NULL;
        size_t best_d = 3;
        for (const char *const *a = allowed; *a && !ok; a++) {
            size_t d = edit_distance(k->value, *a);
            if (d < best_d) {
                best_d = d;
                best = *a;
            }
        }
        if (ok)
            continue;
        if (best)
            fail_at(ld, k, "unknown key '%s'%s (did you mean '%s'?)", k->value, where, best);
        else
            fail_at(ld, k, "unknown key '%s'%s", k->value, where);
    }
}

static const char *scalar(struct loader *ld, const zj_ynode *n, const char *key)
{
    if (n->type != ZJ_YNODE_SCALAR) {
        fail_at(ld, n, "'%s' must be a string, got %s", key, type_name(n));
        return NULL;
    }
    return n->value;
}

static bool integer(struct loader *ld, const zj_ynode *n, const char *key, long min, long max,
                    long *out)
{
    if (n->type == ZJ_YNODE_SCALAR && !n->quoted) {
        char *end;
        errno = 0;
        long v = strtol(n->value, &end, 10);
        if (!errno && end != n->value && !*end && v >= min && v <= max) {
            *out = v;
            return true;
        }
    }
    const char *got = n->type == ZJ_YNODE_SCALAR ? n->value : type_name(n);
    if (min == 0 && max >= 1000000)
        fail_at(ld, n, "'%s' must be a non-negative integer, got '%.40s'", key, got);
    else
        fail_at(ld, n, "'%s' must be an integer from %ld to %ld, got '%.40s'", key, min, max, got);
    return false;
}

static bool number_positive(struct loader *ld, const zj_ynode *n, const char *key, double *out)
{
    if (n->type == ZJ_YNODE_SCALAR && !n->quoted) {
        char *end;
        double v = strtod(n->value, &end);
        if (end != n->value && !*end && v > 0 && v < 1e9) {
            *out = v;
            return true;
        }
    }
    fail_at(ld, n, "'%s' must be a positive number, got '%.40s'", key,
            n->type == ZJ_YNODE_SCALAR ? n->value : type_name(n));
    return false;
}

/* A window in seconds, as the whole milliseconds timestamps count. */
static bool window_ms(struct loader *ld, const zj_ynode *n, const char *key, int64_t *ms)
{
    double secs;
    if (!number_positive(ld, n, key, &secs))
        return false;
    if (zj_whole_ms(secs, ms))
        return true;
    fail_at(ld, n,
            "'%s' must be a whole number of milliseconds (at most 3 decimals: timestamps count "
            "milliseconds), got '%.40s'",
            key, n->value);
    return false;
}

static bool boolean(struct loader *ld, const zj_ynode *n, const char *key, bool *out)
{
    if (n->type == ZJ_YNODE_SCALAR && !n->quoted) {
        if (strcmp(n->value, "true") == 0 || strcmp(n->value, "yes") == 0) {
            *out = true;
            return true;
        }
        if (strcmp(n->value, "false") == 0 || strcmp(n->value, "no") == 0) {
            *out = false;
            return true;
        }
    }
    fail_at(ld, n, "'%s' must be true or false, got '%.40s'", key,
            n->type == ZJ_YNODE_SCALAR ? n->value : type_name(n));
    return false;
}

static bool parse_speaker(struct loader *ld, const zj_ynode *n, zj_speaker *out)
{
    const char *v = scalar(ld, n, "speaker");
    if (!v)
        return false;
    if (strcmp(v, "agent") == 0)
        *out = ZJ_SPEAKER_AGENT;
    else if (strcmp(v, "customer") == 0)
        *out = ZJ_SPEAKER_CUSTOMER;
    else if (strcmp(v, "any") == 0)
        *out = ZJ_SPEAKER_ANY;
    else {
        fail_at(ld, n, "unknown speaker '%.40s' (expected agent, customer or any)", v);
        return false;
    }
    return true;
}

static bool parse_severity(struct loader *ld, const zj_ynode *n, zj_severity *out)
{
    const char *v = scalar(ld, n, "severity");
    if (!v)
        return false;
    if (!zj_severity_parse(v, out)) {
        fail_at(ld, n, "unknown severity '%.40s' (expected critical, major, minor or observation)",
                v);
        return false;
    }
    return true;
}

static bool parse_boundary(struct loader *ld, const zj_ynode *n, bool *per_sentence,
                           bool *per_clause)
{
    const char *v = scalar(ld, n, "boundary");
    if (!v)
        return false;
    *per_clause = strcmp(v, "clause") == 0;
    if (strcmp(v, "sentence") == 0 || *per_clause)
        *per_sentence = true;
    else if (strcmp(v, "none") == 0)
        *per_sentence = false;
    else {
        fail_at(ld, n, "unknown boundary '%.40s' (expected sentence, clause or none)", v);
        return false;
    }
    return true;
}

static bool valid_id(const char *id)
{
    if (!((*id >= 'a' && *id <= 'z') || (*id >= '0' && *id <= '9')))
        return false;
    for (const char *p = id; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' ||
              *p == '-'))
            return false;
    return true;
}

/* ---------------------------------------------------------------- patterns */

static zj_pattern *new_pattern(struct loader *ld, const zj_ynode *at)
{
    zj_ruleset *rs = ld->rs;
    if (rs->n_patterns == ld->pattern_cap) {
        size_t cap = ld->pattern_cap ? ld->pattern_cap * 2 : 64;
        zj_pattern *v = realloc(rs->patterns, cap * sizeof *v);
        if (!v) {
            fail_nomem(ld, at);
            return NULL;
        }
        rs->patterns = v;
        ld->pattern_cap = cap;
    }
    zj_pattern *p = &rs->patterns[rs->n_patterns];
    memset(p, 0, sizeof *p);
    p->id = (uint32_t)rs->n_patterns++;
    p->line = at->line;
    p->col = at->col;
    p->file = ld->rs->merged ? at->file : NULL;
    return p;
}

/* Column of byte offset off inside the scalar's text as written in the file.
 * Plain and single-quoted scalars map one to one (a quote adds a column);
 * escapes in double-quoted scalars may shift the column by their length. */
static long scalar_column(const zj_ynode *n, size_t off)
{
    return n->col + (n->quoted ? 1 : 0) + (long)zj_utf8_count(n->value, off);
}

static bool add_regex(struct loader *ld, const zj_ynode *n, uint32_t rule, bool exception,
                      bool per_sentence, uint32_t *out_id)
{
    if (n->type != ZJ_YNODE_SCALAR) {
        fail_at(ld, n, "'re' must be a string, got %s", type_name(n));
        return false;
    }
    if (n->len == 0) {
        fail_at(ld, n, "empty pattern");
        return false;
    }
    int code;
    PCRE2_SIZE off;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)n->value, n->len,
                                   PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS, &code, &off, NULL);
    if (!re) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(code, msg, sizeof msg);
        zj_error e;
        zj_error_set(&e, ZJ_ERR_REGEX, n->file ? n->file : ld->file, n->line, scalar_column(n, off),
                     "invalid regex: %s", (const char *)msg);
        fail_err(ld, &e);
        return false;
    }
    if (!ld->empty_md)
        ld->empty_md = pcre2_match_data_create(1, NULL);
    /* 0 (a match, the ovector too small for its groups) is a match too. */
    int empty = ld->empty_md ? pcre2_match(re, (PCRE2_SPTR) "", 0, 0, 0, ld->empty_md, NULL) : -1;
    /* A pattern that can match nothing (\b, (?=x), a|) matches empty at
     * some position of some text; empty matches are never reported, so the
     * rule would fire or not depending on which alternative wins there.
     * PCRE2 answers this from the compiled pattern (cautiously: 1 when it
     * cannot tell, e.g. with recursion). */
    uint32_t can_be_empty = 0;
    if (pcre2_pattern_info(re, PCRE2_INFO_MATCHEMPTY, &can_be_empty) != 0)
        can_be_empty = 1;
    pcre2_code_free(re);
    if (empty >= 0) {
        fail_at(ld, n, "pattern matches the empty string");
        return false;
    }
    if (can_be_empty) {
        fail_at(ld, n,
                "pattern can match the empty string (e.g. \\b, (?=...), x*): every match must "
                "consume at least one character");
        return false;
    }
    zj_pattern *p = new_pattern(ld, n);
    if (!p)
        return false;
    p->rule = rule;
    p->is_regex = true;
    p->is_exception = exception;
    p->per_sentence = per_sentence;
    p->source = ld_dup(ld, n, n->value);
    p->expr = p->source ? ld_dup(ld, n, n->value) : NULL;
    p->expr_len = n->len;
    *out_id = p->id;
    return p->source && p->expr;
}

static bool add_literal(struct loader *ld, const zj_ynode *n, uint32_t rule, bool exception,
                        bool per_sentence, uint32_t *out_id)
{
    if (n->len == 0) {
        fail_at(ld, n, "empty pattern");
        return false;
    }
    char *norm = NULL;
    size_t norm_len = 0;
    zj_status st = zj_norm_literal_fillers(n->value, n->len, ld->rs->fillers, &norm, &norm_len);
    if (st == ZJ_OK)
        st = zj_synonyms_literal(ld->rs->synonyms, &norm, &norm_len);
    if (st != ZJ_OK)
        free(norm); /* the synonyms' pass may fail after the text was made */
    if (st == ZJ_ERR_NOMEM) {
        fail_nomem(ld, n);
        return false;
    }
    if (st != ZJ_OK) {
        fail_at(ld, n, "cannot normalize pattern: %s", zj_strerror(st));
        return false;
    }
    if (norm_len == 0) {
        free(norm);
        fail_at(ld, n, "pattern is empty after normalization (whitespace%s are removed)",
                ld->rs->fillers ? ", punctuation and the rule set's fillers"
                                : " and punctuation");
        return false;
    }
    zj_pattern *p = new_pattern(ld, n);
    if (!p) {
        free(norm);
        return false;
    }
    p->rule = rule;
    p->is_exception = exception;
    p->per_sentence = per_sentence;
    p->source = ld_dup(ld, n, n->value);
    p->expr = norm;
    p->expr_len = norm_len;
    *out_id = p->id;
    return p->source != NULL;
}

static void node_free(zj_node *n)
{
    for (size_t i = 0; i < n->n_children; i++)
        node_free(&n->children[i]);
    free(n->children);
    n->children = NULL;
    n->n_children = 0;
}

static bool parse_items(struct loader *ld, const zj_ynode *seq, zj_node_type type, uint32_t rule,
                        bool per_sentence, int depth, zj_node *out, const char *key);
static bool pattern_map(struct loader *ld, const zj_ynode *item, uint32_t rule, bool per_sentence,
                        const char *exception_key, bool follows, uint32_t *out_id);

/* Patterns under a `none` item say what must NOT have been said: their hits
 * are never a finding's evidence nor a forbidden hit of their own. */
static void mark_negated(zj_ruleset *rs, const zj_node *n)
{
    if (n->type == ZJ_NODE_PATTERN) {
        if (n->pattern < rs->n_patterns)
            rs->patterns[n->pattern].negated = true;
        return;
    }
    for (size_t i = 0; i < n->n_children; i++)
        mark_negated(rs, &n->children[i]);
}

/* One operand of an order or proximity item: a literal, {re: ...} (with its
 * own boundary, as anywhere else) or an {any: [...]} of those. Operands stay
 * flat so that the item is judged in one pass over the hits, sorted by turn
 * and start. */
static bool parse_operand(struct loader *ld, const zj_ynode *n, uint32_t rule, bool per_sentence,
                          const char *op, zj_node *out)
{
    memset(out, 0, sizeof *out);
    bool ok = false;
    if (n->type == ZJ_YNODE_SCALAR) {
        out->type = ZJ_NODE_PATTERN;
        ok = add_literal(ld, n, rule, false, per_sentence, &out->pattern);
    } else if (n->type == ZJ_YNODE_MAP && (zj_yaml_get(n, "re") || zj_yaml_get(n, "regex"))) {
        out->type = ZJ_NODE_PATTERN;
        ok = pattern_map(ld, n, rule, per_sentence, NULL, false, &out->pattern);
    } else if (n->type == ZJ_YNODE_MAP && n->n == 2 && n->items[0]->type == ZJ_YNODE_SCALAR &&
               strcmp(n->items[0]->value, "any") == 0) {
        ok = parse_items(ld, n->items[1], ZJ_NODE_ANY, rule, per_sentence, RULES_MAX_NESTING - 1,
                         out, "any");
        for (size_t i = 0; ok && i < out->n_children; i++)
            if (out->children[i].type != ZJ_NODE_PATTERN) {
                fail_at(ld, n->items[1]->items[i],
                        "an 'any' inside '%s' lists phrases and {re: ...} only", op);
                ok = false;
            }
    } else {
        fail_at(ld, n, "an item of '%s' must be a phrase, {re: ...} or {any: [...]} of them", op);
        return false;
    }
    if (ok) {
        zj_ruleset *rs = ld->rs;
        if (out->type == ZJ_NODE_PATTERN)
            rs->patterns[out->pattern].operand = true;
        for (size_t i = 0; i < out->n_children; i++)
            rs->patterns[out->children[i].pattern].operand = true;
    }
    return ok;
}

/* {before: [A, B]}, {near: [A, B], chars: N} or {same_turn: [A, B]}. */
static bool parse_order(struct loader *ld, const zj_ynode *n, uint32_t rule, bool per_sentence,
                        zj_node *out)
{
    const zj_ynode *chars = zj_yaml_get(n, "chars");
    const char *op = NULL;
    const zj_ynode *v = NULL;
    for (size_t i = 0; i + 1 < n->n; i += 2) {
        const char *k = n->items[i]->value ? n->items[i]->value : "";
        if (strcmp(k, "chars") == 0)
            continue;
        if (strcmp(k, "before") && strcmp(k, "near") && strcmp(k, "same_turn")) {
            fail_at(ld, n->items[i], "unknown key '%.40s' beside '%s' (only 'chars', with near)", k,
                    op ? op : "near");
            return false;
        }
        if (op) {
            fail_at(ld, n->items[i], "one item takes one of before, near and same_turn");
            return false;
        }
        op = k;
        v = n->items[i + 1];
    }
    out->type = op[0] == 'b' ? ZJ_NODE_BEFORE : ZJ_NODE_NEAR;
    out->chars = -1;
    if (op[0] == 'n') {
        long num;
        if (!chars) {
            fail_at(ld, n, "'near' needs 'chars: N', the most characters between its two items");
            return false;
        }
        if (!integer(ld, chars, "chars", 0, 10000, &num))
            return false;
        out->chars = (int32_t)num;
        ld->rs->has_near = true;
    } else if (chars) {
        fail_at(ld, chars, "'chars' belongs to 'near', not '%s'", op);
        return false;
    }
    if (v->type != ZJ_YNODE_SEQ || v->n != 2) {
        char got[40];
        snprintf(got, sizeof got, "%zu item%s", v->n, v->n == 1 ? "" : "s");
        fail_at(ld, v, "'%s' takes a list of two items%s, got %s", op,
                op[0] == 'b' ? " (the first said before the second)" : "",
                v->type == ZJ_YNODE_SEQ ? got : type_name(v));
        return false;
    }
    out->children = calloc(2, sizeof *out->children);
    if (!out->children) {
        fail_nomem(ld, v);
        return false;
    }
    bool ok = parse_operand(ld, v->items[0], rule, per_sentence, op, &out->children[0]);
    out->n_children = 1;
    ok &= parse_operand(ld, v->items[1], rule, per_sentence, op, &out->children[1]);
    out->n_children = 2;
    ld->rs->rules[rule].has_order = true;
    return ok;
}

/* A {re: PCRE2} map with an optional `boundary` of its own that replaces
 * the rule's for this pattern: a clause-wide shrug (^随你$, which 好的，随您
 * also says) can sit beside patterns that read across a comma (不满意，可以通过
 * …渠道反映) without changing how those match. The same map is a condition's
 * item (exception_key NULL) and an exception's (exception_key names its list,
 * `unless` or `unless_followed_by`; follows for the latter). An exception is
 * matched within its sentence or clause, never across a sentence end, and an
 * `unless_followed_by` item looks at the rest of the turn: no boundary. */
static bool pattern_map(struct loader *ld, const zj_ynode *item, uint32_t rule, bool per_sentence,
                        const char *exception_key, bool follows, uint32_t *out_id)
{
    static const char *const keys[] = {"re", "regex", "boundary", "fuzzy", NULL};
    size_t errors_before = ld->n_errors;
    check_keys(ld, item, keys, exception_key ? " in an exception" : " in a pattern item");
    if (ld->n_errors != errors_before)
        return false; /* check_keys named the unknown key */
    const zj_ynode *re = zj_yaml_get(item, "re");
    if (re && zj_yaml_get(item, "regex")) {
        if (exception_key)
            fail_at(ld, item, "an '%s' item has one pattern: re or regex, not both", exception_key);
        else
            fail_at(ld, item, "a pattern item has one pattern: re or regex, not both");
        return false;
    }
    re = re ? re : zj_yaml_get(item, "regex");
    /* A `regex` list hands every map here, with or without a pattern. */
    if (!re) {
        fail_at(ld, item,
                "a pattern item needs its regex: {re: PCRE2} or {re: PCRE2, boundary: B}");
        return false;
    }
    const zj_ynode *b = zj_yaml_get(item, "boundary");
    bool per_clause = false;
    if (b && follows) {
        fail_at(ld, b, "'%s' items take no boundary: they look at the rest of the turn",
                exception_key);
        return false;
    }
    if (b && !parse_boundary(ld, b, &per_sentence, &per_clause))
        return false;
    if (b && exception_key && !per_sentence) {
        fail_at(ld, b,
                "an exception's boundary is sentence (the default) or clause, not 'none': an "
                "exception never reaches across a sentence end");
        return false;
    }
    /* `fuzzy: false`: a regex of a rule matched by sound that is matched as
     * written only — one whose sound is ordinary speech (俾利是, give a red
     * packet, sounds like 比例是, the ratio is). */
    const zj_ynode *fz = zj_yaml_get(item, "fuzzy");
    bool by_sound = true;
    if (fz && !boolean(ld, fz, "fuzzy", &by_sound))
        return false;
    if (fz && by_sound) {
        fail_at(ld, fz,
                "a pattern item takes 'fuzzy: false' only (the rule's 'fuzzy: pinyin' says "
                "what is matched by sound)");
        return false;
    }
    if (fz && !ld->rs->rules[rule].fuzzy) {
        fail_at(ld, fz,
                "'fuzzy: false' on a pattern of a rule without 'fuzzy: pinyin': nothing of it "
                "is matched by sound; drop it");
        return false;
    }
    if (!add_regex(ld, re, rule, exception_key != NULL, per_sentence, out_id))
        return false;
    /* A boundary it names is its own: `sentence` in a boundary: clause rule
     * reads across the rule's commas. */
    ld->rs->patterns[*out_id].per_clause = per_clause;
    ld->rs->patterns[*out_id].own_boundary = b != NULL;
    ld->rs->patterns[*out_id].not_by_sound = fz != NULL;
    return true;
}

/* One condition item: a literal, {re: ...}, {any: [...]}, {all: [...]},
 * {none: [...]} or an order/proximity item (parse_order). */
static bool parse_item(struct loader *ld, const zj_ynode *n, uint32_t rule, bool per_sentence,
                       int depth, zj_node *out)
{
    memset(out, 0, sizeof *out);
    if (n->type == ZJ_YNODE_MAP &&
        (zj_yaml_get(n, "before") || zj_yaml_get(n, "near") || zj_yaml_get(n, "same_turn")))
        return parse_order(ld, n, rule, per_sentence, out);
    if (n->type == ZJ_YNODE_SCALAR) {
        out->type = ZJ_NODE_PATTERN;
        return add_literal(ld, n, rule, false, per_sentence, &out->pattern);
    }
    if (n->type == ZJ_YNODE_MAP && (zj_yaml_get(n, "re") || zj_yaml_get(n, "regex"))) {
        out->type = ZJ_NODE_PATTERN;
        return pattern_map(ld, n, rule, per_sentence, NULL, false, &out->pattern);
    }
    if (n->type == ZJ_YNODE_MAP && n->n == 2 && n->items[0]->type == ZJ_YNODE_SCALAR) {
        const char *k = n->items[0]->value;
        const zj_ynode *v = n->items[1];
        if (strcmp(k, "any") == 0 || strcmp(k, "all") == 0 || strcmp(k, "none") == 0) {
            if (depth >= RULES_MAX_NESTING) {
                fail_at(ld, n, "conditions nested more than %d levels deep", RULES_MAX_NESTING);
                return false;
            }
            zj_node_type type = k[0] == 'n' ? ZJ_NODE_NONE : k[1] == 'n' ? ZJ_NODE_ANY : ZJ_NODE_ALL;
            bool ok = parse_items(ld, v, type, rule, per_sentence, depth + 1, out, k);
            if (type == ZJ_NODE_NONE)
                mark_negated(ld->rs, out);
            return ok;
        }
        fail_at(ld, n->items[0],
                "unknown key '%s' in a pattern item (expected re, any, all, none, before, near "
                "or same_turn)",
                k);
        return false;
    }
    fail_at(ld, n, "a pattern item must be a string, {re: ...}, {any: [...]} or {all: [...]}");
    return false;
}

static bool parse_items(struct loader *ld, const zj_ynode *seq, zj_node_type type, uint32_t rule,
                        bool per_sentence, int depth, zj_node *out, const char *key)
{
    out->type = type;
    if (seq->type != ZJ_YNODE_SEQ) {
        fail_at(ld, seq, "'%s' must be a list, got %s", key, type_name(seq));
        return false;
    }
    if (seq->n == 0) {
        fail_at(ld, seq, "'%s' is empty", key);
        return false;
    }
    out->children = calloc(seq->n, sizeof *out->children);
    if (!out->children) {
        fail_nomem(ld, seq);
        return false;
    }
    bool ok = true;
    for (size_t i = 0; i < seq->n; i++) {
        if (strcmp(key, "regex") == 0) {
            out->children[i].type = ZJ_NODE_PATTERN;
            if (seq->items[i]->type == ZJ_YNODE_MAP)
                ok &= pattern_map(ld, seq->items[i], rule, per_sentence, NULL, false,
                                  &out->children[i].pattern);
            else
                ok &= add_regex(ld, seq->items[i], rule, false, per_sentence,
                                &out->children[i].pattern);
        } else {
            ok &= parse_item(ld, seq->items[i], rule, per_sentence, depth, &out->children[i]);
            /* `none` adds no evidence, so only `all` can say what it means. */
            if (out->children[i].type == ZJ_NODE_NONE && type != ZJ_NODE_ALL) {
                fail_at(ld, seq->items[i], "a 'none' item belongs in an 'all' list");
                ok = false;
            }
        }
        out->n_children = i + 1;
    }
    /* An `all` of `none` items alone has no words to find, so nothing could
     * ever be a hit or meet it: say so rather than load a rule that never
     * fires. */
    bool evidence = strcmp(key, "all") != 0;
    for (size_t i = 0; ok && !evidence && i < out->n_children; i++)
        evidence = out->children[i].type != ZJ_NODE_NONE;
    if (ok && !evidence) {
        fail_at(ld, seq, "'all' needs at least one item besides its 'none' items: the words "
                         "whose presence the rule is about");
        ok = false;
    }
    return ok;
}

/* ------------------------------------------------------------------- rules */

static void parse_examples(struct loader *ld, const zj_ynode *n, zj_rule *r)
{
    static const char *const keys[] = {"match", "no_match", NULL};
    if (n->type != ZJ_YNODE_MAP) {
        fail_at(ld, n, "'examples' must be a mapping with match and no_match lists");
        return;
    }
    check_keys(ld, n, keys, " in examples");
    for (int which = 0; which < 2; which++) {
        const zj_ynode *list = zj_yaml_get(n, keys[which]);
        if (!list)
            continue;
        if (list->type != ZJ_YNODE_SEQ) {
            fail_at(ld, list, "'%s' must be a list of strings", keys[which]);
            continue;
        }
        zj_example *v = calloc(list->n ? list->n : 1, sizeof *v);
        if (!v) {
            fail_nomem(ld, list);
            return;
        }
        size_t k = 0;
        for (size_t i = 0; i < list->n; i++) {
            const zj_ynode *item = list->items[i];
            if (item->type != ZJ_YNODE_SCALAR) {
                fail_at(ld, item, "examples must be strings");
                continue;
            }
            if (!(v[k].text = ld_dup(ld, item, item->value)))
                continue;
            v[k].line = item->line;
            k++;
        }
        if (which == 0) {
            r->ex_match = v;
            r->n_ex_match = k;
        } else {
            r->ex_no_match = v;
            r->n_ex_no_match = k;
        }
    }
}

/* `call_types: [投诉, …]` of a tag: the call's own type names the situation. */
static void parse_call_types(struct loader *ld, const zj_ynode *n, zj_rule *r)
{
    if (r->kind != ZJ_KIND_TAG) {
        fail_at(ld, n, "'call_types' applies only to a tag (kind: tag)");
        return;
    }
    if (n->type != ZJ_YNODE_SEQ || n->n == 0) {
        fail_at(ld, n, "'call_types' must be a non-empty list of words, e.g. [投诉, 投诉升级]");
        return;
    }
    if (!(r->call_types = calloc(n->n, sizeof *r->call_types))) {
        fail_nomem(ld, n);
        return;
    }
    for (size_t i = 0; i < n->n; i++) {
        const zj_ynode *item = n->items[i];
        if (item->type != ZJ_YNODE_SCALAR || !item->value[0]) {
            fail_at(ld, item, "each of 'call_types' must be a non-empty word, got %s",
                    item->type == ZJ_YNODE_SCALAR ? "an empty string" : type_name(item));
            continue;
        }
        if ((r->call_types[r->n_call_types] = ld_dup(ld, item, item->value)))
            r->n_call_types++;
    }
}

static void parse_within(struct loader *ld, const zj_ynode *n, zj_rule *r)
{
    static const char *const keys[] = {"first_utterances", "last_utterances", "first_seconds",
                                       "last_seconds",     "after_utterances", "after_seconds",
                                       NULL};
    if (n->type != ZJ_YNODE_MAP || n->n != 2) {
        fail_at(ld, n,
                "'within' must be a mapping with exactly one of first_utterances, "
                "last_utterances, first_seconds, last_seconds, after_utterances, after_seconds");
        return;
    }
    check_keys(ld, n, keys, " in within");
    const char *k = n->items[0]->value ? n->items[0]->value : "";
    const zj_ynode *v = n->items[1];
    if (strcmp(k, "first_utterances") == 0 || strcmp(k, "last_utterances") == 0) {
        long count;
        if (integer(ld, v, k, 1, 1000000, &count)) {
            r->window = k[0] == 'f' ? ZJ_WIN_FIRST_UTTERANCES : ZJ_WIN_LAST_UTTERANCES;
            r->window_value = count;
        }
    } else if (strcmp(k, "first_seconds") == 0 || strcmp(k, "last_seconds") == 0) {
        int64_t ms;
        if (window_ms(ld, v, k, &ms)) {
            r->window = k[0] == 'f' ? ZJ_WIN_FIRST_SECONDS : ZJ_WIN_LAST_SECONDS;
            r->window_value = ms;
        }
    } else if (strcmp(k, "after_utterances") == 0) {
        long count;
        if (integer(ld, v, k, 1, 1000000, &count)) {
            r->window = ZJ_WIN_AFTER_UTTERANCES;
            r->window_value = count;
        }
    } else if (strcmp(k, "after_seconds") == 0) {
        int64_t ms;
        if (window_ms(ld, v, k, &ms)) {
            r->window = ZJ_WIN_AFTER_SECONDS;
            r->window_value = ms;
        }
    }
}

/* rules_conversation.c reports through the loader. */
static void conversation_fail(void *ld, const zj_ynode *at, const char *msg)
{
    fail_at(ld, at, "%s", msg);
}

struct defaults {
    zj_speaker speaker;
    zj_severity severity;
    bool per_sentence, per_clause;
};

/* A rule's `unless` (follows = false) or `unless_followed_by` list (true)
 * into r->unless. An `unless` item suppresses the hits inside its matches and
 * is matched within one sentence (one clause with boundary: clause) whatever
 * the rule's boundary: punctuation is removed before matching, so without
 * that 急什么。时候… or 我怎么知道？是你家… would read as the harmless phrase
 * the exception names and clear a taboo across a full stop. An
 * `unless_followed_by` item suppresses every hit of the rule
 * that ends before it starts in the same turn, wherever in the turn it is
 * (经理不在，我帮您转达: the refusal is followed by the agent taking it on). */
static void parse_exceptions(struct loader *ld, zj_rule *r, const zj_ynode *v, uint32_t index,
                             const char *key, bool follows)
{
    if (!v)
        return;
    if (v->type != ZJ_YNODE_SEQ || v->n == 0) {
        fail_at(ld, v, "'%s' must be a non-empty list of patterns", key);
        return;
    }
    bool per_sentence = !follows;
    for (size_t i = 0; r->unless && i < v->n; i++) {
        const zj_ynode *item = v->items[i];
        bool ok;
        uint32_t id_out = 0;
        if (item->type == ZJ_YNODE_SCALAR) {
            ok = add_literal(ld, item, index, true, per_sentence, &id_out);
        } else if (item->type == ZJ_YNODE_MAP &&
                   (zj_yaml_get(item, "re") || zj_yaml_get(item, "regex"))) {
            ok = pattern_map(ld, item, index, per_sentence, key, follows, &id_out);
        } else {
            fail_at(ld, item, "an '%s' item must be a string or {re: ...}", key);
            ok = false;
        }
        if (ok) {
            ld->rs->patterns[id_out].follows = follows;
            r->unless[r->n_unless++] = id_out;
        }
    }
}

/* `model: {file: F, threshold: P}`: the rule's condition is a clause
 * classifier (model.c) read from F, relative to the file of the rule; a
 * clause whose probability reaches P (0 < P < 1) is a hit. */
static void parse_model(struct loader *ld, const zj_ynode *v, zj_rule *r, uint32_t index)
{
    static const char *const keys[] = {"file", "threshold", NULL};
    if (v->type != ZJ_YNODE_MAP) {
        fail_at(ld, v, "'model' must be a mapping with file and threshold");
        return;
    }
    check_keys(ld, v, keys, " in model");
    if (r->fuzzy)
        fail_at(ld, v, "a model rule scores clauses and is not matched by sound: drop 'fuzzy'");
    const zj_ynode *file = zj_yaml_get(v, "file"), *th = zj_yaml_get(v, "threshold");
    if (!file || !th) {
        fail_at(ld, v, "'model' needs %s", !file ? "'file' (the model, relative to this file)"
                                                 : "'threshold' (a probability, e.g. 0.9)");
        return;
    }
    if (!scalar(ld, file, "file"))
        return;
    double p = 0;
    char *end = NULL;
    if (th->type == ZJ_YNODE_SCALAR && !th->quoted)
        p = strtod(th->value, &end);
    if (!end || end == th->value || *end || !(p > 0 && p < 1)) {
        fail_at(ld, th, "'threshold' must be a probability between 0 and 1 (e.g. 0.9), got '%.40s'",
                th->type == ZJ_YNODE_SCALAR ? th->value : type_name(th));
        return;
    }
    /* Relative to the file the rule is written in (a base of `extends`
     * too), as `extends:` paths are. */
    char *path = zj_path_beside(v->file ? v->file : ld->file, file->value);
    if (!path) {
        fail_nomem(ld, file);
        return;
    }
    zj_error e;
    zj_error_clear(&e);
    r->model = zj_model_load(path, &e);
    char **kept = r->model ? realloc(ld->rs->model_files,
                                     (ld->rs->n_model_files + 1) * sizeof *kept)
                           : NULL;
    if (kept) {
        ld->rs->model_files = kept;
        kept[ld->rs->n_model_files++] = path;
        path = NULL;
    } else if (r->model) {
        free(path);
        fail_nomem(ld, file);
        return;
    }
    free(path);
    if (!r->model) {
        if (e.status == ZJ_ERR_NOMEM)
            fail_nomem(ld, file);
        else if (e.status == ZJ_ERR_IO || e.status == ZJ_ERR_LIMIT)
            fail_at(ld, file, "cannot read model %s: %s", e.file, e.msg);
        else if (e.line > 0)
            fail_at(ld, file, "model %s:%ld: %s", e.file, e.line, e.msg);
        else
            fail_at(ld, file, "model %s: %s", e.file, e.msg);
        return;
    }
    r->model_threshold = p;
    r->model_logit_min = log(p / (1 - p));
    zj_pattern *pat = new_pattern(ld, v);
    if (!pat)
        return;
    pat->rule = index;
    pat->is_model = true;
    pat->source = ld_dup(ld, file, file->value);
    pat->expr = ld_dup(ld, file, "");
    r->model_pattern = pat->id;
    r->cond.type = ZJ_NODE_PATTERN;
    r->cond.pattern = pat->id;
}

/* Whether key value x of rule map n was set by the override of an
 * extending file (rules_merge.c moves the override's nodes, with their
 * file and line, into the base rule's map and records where it was). */
static bool overridden_here(const zj_ynode *n, const zj_ynode *x)
{
    return n->over_file && x && x->file && strcmp(x->file, n->over_file) == 0;
}

/* Keys a rule's kind gives no meaning, refused where they stand rather than
 * read and ignored: a tag marks a situation, so it costs nothing and fails
 * no call (a fatal tag would fail calls on the customer's words); a required
 * rule has no hit to be fatal, its absence costs its points; a metric
 * measures what its definition says, whoever the rule's speaker. */
static void check_kind_keys(struct loader *ld, const zj_ynode *n, zj_kind kind)
{
    static const char *const tag_keys[] = {"points", "max_points", "fatal"};
    const zj_ynode *v, *kv = zj_yaml_get(n, "kind");
    if (kind == ZJ_KIND_TAG) {
        for (size_t k = 0; k < sizeof tag_keys / sizeof *tag_keys; k++) {
            if (!(v = zj_yaml_get(n, tag_keys[k])))
                continue;
            if (overridden_here(n, kv) && !overridden_here(n, v))
                /* the override made the base rule a tag: its kind is wrong */
                fail_at(ld, kv,
                        "a tag rule marks a situation and takes no '%s' (the base rule's, at "
                        "%s:%ld): it costs no points and fails no call",
                        tag_keys[k], v->file, v->line);
            else
                fail_at(ld, v,
                        "a tag rule marks a situation and takes no '%s' (it costs no points "
                        "and fails no call)",
                        tag_keys[k]);
        }
    } else if (kind == ZJ_KIND_METRIC) {
        /* Metrics read the agent's turns (and the customer's where the
         * Metrics table says) over the whole call, or from a tag's turn on
         * with `when`: a speaker or a window would be ignored. */
        if ((v = zj_yaml_get(n, "speaker")))
            fail_at(ld, v,
                    "a metric rule takes no 'speaker' (a metric measures what its definition "
                    "says: talk_share is always the agent's share)");
        if ((v = zj_yaml_get(n, "within")))
            fail_at(ld, v,
                    "a metric rule takes no 'within' (it measures the whole call, or with "
                    "'when' the call from the tag's turn on)");
    } else if (kind == ZJ_KIND_REQUIRED && (v = zj_yaml_get(n, "fatal"))) {
        if (overridden_here(n, kv) && !overridden_here(n, v))
            fail_at(ld, kv,
                    "a required rule takes no 'fatal' (the base rule's, at %s:%ld): a hit of a "
                    "forbidden or metric rule fails the call; a missed required rule costs its "
                    "points",
                    v->file, v->line);
        else
            fail_at(ld, v,
                    "a required rule takes no 'fatal' (a hit of a forbidden or metric rule "
                    "fails the call; a missed required rule costs its points)");
    }
}

static void parse_rule(struct loader *ld, const zj_ynode *n, const struct defaults *def)
{
    static const char *const keys[] = {
        "id",         "kind",     "title",   "category", "clause", "description", "any",
        "all",        "regex",    "speaker", "within",   "unless", "unless_followed_by",
        "boundary",   "points",
        "max_points", "severity", "fatal",   "examples", "fuzzy",       "yield",
        "when",       "metric",   "announce", "waiting",  "customer_pause",
        "min_seconds", "max_seconds", "overlap_seconds", "min", "max", "model", "call_types", NULL};
    if (n->type != ZJ_YNODE_MAP) {
        fail_at(ld, n, "a rule must be a mapping, got %s", type_name(n));
        return;
    }
    zj_ruleset *rs = ld->rs;
    if (rs->n_rules == ld->rule_cap) {
        size_t cap = ld->rule_cap ? ld->rule_cap * 2 : 32;
        zj_rule *v = realloc(rs->rules, cap * sizeof *v);
        if (!v) {
            fail_nomem(ld, n);
            return;
        }
        rs->rules = v;
        ld->rule_cap = cap;
    }
    uint32_t index = (uint32_t)rs->n_rules;
    zj_rule *r = &rs->rules[rs->n_rules++];
    memset(r, 0, sizeof *r);
    r->line = n->line;
    r->col = n->col;
    if (rs->merged) {
        r->file = n->file;
        r->over_file = n->over_file;
        r->over_line = n->over_line;
    }
    r->speaker = def->speaker;
    r->severity = def->severity;
    r->per_sentence = def->per_sentence;
    r->per_clause = def->per_clause;
    size_t first_pattern = rs->n_patterns;

    const zj_ynode *id = zj_yaml_get(n, "id");
    char where[200];
    if (!id) {
        fail_at(ld, n, "rule has no 'id'");
        snprintf(where, sizeof where, " in rule %u", index + 1);
    } else if (scalar(ld, id, "id")) {
        if (!valid_id(id->value))
            fail_at(ld, id,
                    "invalid rule id '%.60s' (use lower-case letters, digits, '.', '_' and '-')",
                    id->value);
        r->id = ld_dup(ld, id, id->value);
        long first = r->id ? id_seen(ld, r->id, index) : -1;
        if (first >= 0 && rs->rules[first].file && rs->rules[first].file != n->file)
            fail_at(ld, id, "duplicate rule id '%.60s' (first defined at %s:%ld)", id->value,
                    rs->rules[first].file, rs->rules[first].line);
        else if (first >= 0)
            fail_at(ld, id, "duplicate rule id '%.60s' (first defined at line %ld)", id->value,
                    rs->rules[first].line);
        snprintf(where, sizeof where, " in rule '%.60s'", id->value);
    } else {
        snprintf(where, sizeof where, " in rule %u", index + 1);
    }
    check_keys(ld, n, keys, where);

    const zj_ynode *v;
    bool kind_known = false;
    if ((v = zj_yaml_get(n, "kind")) && scalar(ld, v, "kind")) {
        kind_known = true;
        if (strcmp(v->value, "required") == 0)
            r->kind = ZJ_KIND_REQUIRED;
        else if (strcmp(v->value, "forbidden") == 0)
            r->kind = ZJ_KIND_FORBIDDEN;
        else if (strcmp(v->value, "tag") == 0)
            r->kind = ZJ_KIND_TAG;
        else if (strcmp(v->value, "metric") == 0)
            r->kind = ZJ_KIND_METRIC;
        else {
            kind_known = false;
            fail_at(ld, v, "unknown kind '%.40s' (expected required, forbidden, tag or metric)",
                    v->value);
        }
    } else if (!v) {
        fail_at(ld, n, "%s has no 'kind' (required, forbidden, tag or metric)", where + 4);
    }
    zj_rules_parse_conversation(n, r, conversation_fail, ld);
    const char *text_keys[] = {"title", "category", "clause"};
    char **text_fields[] = {&r->title, &r->category, &r->clause};
    for (int i = 0; i < 3; i++)
        if ((v = zj_yaml_get(n, text_keys[i])) && scalar(ld, v, text_keys[i]))
            *text_fields[i] = ld_dup(ld, v, v->value);
    if ((v = zj_yaml_get(n, "description")))
        scalar(ld, v, "description");
    if ((v = zj_yaml_get(n, "speaker")))
        parse_speaker(ld, v, &r->speaker);
    if ((v = zj_yaml_get(n, "severity")))
        parse_severity(ld, v, &r->severity);
    if ((v = zj_yaml_get(n, "boundary")))
        parse_boundary(ld, v, &r->per_sentence, &r->per_clause);
    if ((v = zj_yaml_get(n, "yield")))
        boolean(ld, v, "yield", &r->yields);
    long num;
    if ((v = zj_yaml_get(n, "points")) && integer(ld, v, "points", 0, 1000000, &num))
        r->points = (int)num;
    if ((v = zj_yaml_get(n, "max_points")) && integer(ld, v, "max_points", 0, 1000000, &num)) {
        r->max_points = (int)num;
        const zj_ynode *pv = zj_yaml_get(n, "points");
        if (num < r->points && overridden_here(n, pv) && !overridden_here(n, v))
            /* an override's points above the base rule's cap: its line */
            fail_at(ld, pv,
                    "'points' (%d) is more than the base rule's 'max_points' (%ld, at %s:%ld): "
                    "give 'max_points' too",
                    r->points, num, v->file, v->line);
        else if (num == 0 && r->points > 0)
            fail_at(ld, v,
                    "'max_points' (0) is less than 'points' (%d): a cap is at least one hit's "
                    "points (leave 'max_points' out for no cap)",
                    r->points);
        else if (num < r->points)
            fail_at(ld, v, "'max_points' (%ld) is less than 'points' (%d)", num, r->points);
    }
    if ((v = zj_yaml_get(n, "fatal")))
        boolean(ld, v, "fatal", &r->fatal);
    if ((v = zj_yaml_get(n, "within")))
        parse_within(ld, v, r);
    if ((v = zj_yaml_get(n, "fuzzy")) && scalar(ld, v, "fuzzy")) {
        if (strcmp(v->value, "pinyin") == 0)
            r->fuzzy = true;
        else
            fail_at(ld, v, "unknown fuzzy matching '%.40s' (expected pinyin)", v->value);
    }
    if ((v = zj_yaml_get(n, "call_types")))
        parse_call_types(ld, v, r);
    if ((v = zj_yaml_get(n, "examples")))
        parse_examples(ld, v, r);

    static const char *const cond_keys[] = {"any", "all", "regex", "model"};
    const zj_ynode *cond = NULL;
    const char *cond_key = NULL;
    for (int i = 0; i < 4; i++) {
        const zj_ynode *c = zj_yaml_get(n, cond_keys[i]);
        if (!c)
            continue;
        if (cond) {
            fail_at(ld, c, "%s has more than one condition (any, all, regex or model)", where + 4);
            continue;
        }
        cond = c;
        cond_key = cond_keys[i];
    }
    r->has_condition = cond != NULL;
    if (r->kind == ZJ_KIND_METRIC) {
        if (cond)
            fail_at(ld, cond, "a metric rule measures the call and takes no '%s'", cond_key);
        static const char *const exception_keys[] = {"unless", "unless_followed_by"};
        for (size_t k = 0; k < 2; k++)
            if ((v = zj_yaml_get(n, exception_keys[k])))
                fail_at(ld, v, "a metric rule takes no '%s'", exception_keys[k]);
    } else if (!cond) {
        fail_at(ld, n, "%s has no condition (any, all, regex or model)", where + 4);
    } else if (!strcmp(cond_key, "model")) {
        parse_model(ld, cond, r, index);
    } else {
        zj_node_type type = strcmp(cond_key, "all") == 0 ? ZJ_NODE_ALL : ZJ_NODE_ANY;
        parse_items(ld, cond, type, index, r->per_sentence, 1, &r->cond, cond_key);
    }
    if (kind_known)
        check_kind_keys(ld, n, r->kind);
    if (r->kind != ZJ_KIND_METRIC) {
        const zj_ynode *unless = zj_yaml_get(n, "unless");
        const zj_ynode *followed = zj_yaml_get(n, "unless_followed_by");
        size_t total = (unless && unless->type == ZJ_YNODE_SEQ ? unless->n : 0) +
                       (followed && followed->type == ZJ_YNODE_SEQ ? followed->n : 0);
        if (total && !(r->unless = calloc(total, sizeof *r->unless)))
            fail_nomem(ld, n);
        parse_exceptions(ld, r, unless, index, "unless", false);
        parse_exceptions(ld, r, followed, index, "unless_followed_by", true);
    }
    /* boundary: clause segments every pattern of the rule at clause ends too;
     * conditions and exceptions alike, as for boundary: sentence; an item
     * with a boundary of its own keeps it. */
    for (size_t p = first_pattern; r->per_clause && p < rs->n_patterns; p++)
        if (!rs->patterns[p].own_boundary)
            rs->patterns[p].per_clause = !rs->patterns[p].follows;
}

/* In a merged rule set, whether nodes x and y came from different files. */
static bool other_file(const zj_ynode *x, const zj_ynode *y)
{
    return x && y && x->file && y->file && strcmp(x->file, y->file) != 0;
}

/* Whether x, a valid score taken from another file than `base` (bv), is
 * above the base that file set: then the error is the new base's, at its
 * line (`scoring: {base: 50}` over a standard with pass: 80), not the
 * base rule set's. */
static bool inherited_above(const zj_ynode *x, const zj_ynode *bv, long max, long *out)
{
    if (!other_file(x, bv) || x->type != ZJ_YNODE_SCALAR || x->quoted)
        return false;
    char *end;
    errno = 0;
    long v = strtol(x->value, &end, 10);
    if (errno || end == x->value || *end || v <= max)
        return false;
    *out = v;
    return true;
}

static void parse_scoring(struct loader *ld, const zj_ynode *n)
{
    static const char *const keys[] = {"base", "pass", "grades", NULL};
    zj_ruleset *rs = ld->rs;
    if (n->type != ZJ_YNODE_MAP) {
        fail_at(ld, n, "'scoring' must be a mapping with base, pass and grades");
        return;
    }
    check_keys(ld, n, keys, " in scoring");
    const zj_ynode *v;
    long num;
    const zj_ynode *bv = zj_yaml_get(n, "base");
    if (bv && integer(ld, bv, "base", 1, 1000000, &num))
        rs->base = (int)num;
    rs->pass = rs->base * 8 / 10;
    if ((v = zj_yaml_get(n, "pass")) && inherited_above(v, bv, rs->base, &num))
        fail_at(ld, bv, "'base' (%d) is below 'pass' (%ld, at %s:%ld): give 'pass' with 'base'",
                rs->base, num, v->file, v->line);
    else if (v && integer(ld, v, "pass", 0, rs->base, &num))
        rs->pass = (int)num;
    if ((v = zj_yaml_get(n, "grades"))) {
        if (v->type != ZJ_YNODE_MAP || v->n == 0) {
            fail_at(ld, v, "'grades' must be a mapping of grade name to minimum score");
            return;
        }
        for (size_t i = 0; i < rs->n_grades; i++)
            free(rs->grades[i].name);
        free(rs->grades);
        rs->n_grades = 0;
        rs->grades = calloc(v->n / 2, sizeof *rs->grades);
        if (!rs->grades)
            return;
        bool told = false;
        for (size_t i = 0; i + 1 < v->n; i += 2) {
            const zj_ynode *k = v->items[i];
            if (k->type != ZJ_YNODE_SCALAR || !k->value[0]) {
                fail_at(ld, k, "grade names must be non-empty strings");
                continue;
            }
            if (inherited_above(v->items[i + 1], bv, rs->base, &num)) {
                if (!told)
                    fail_at(ld, bv,
                            "'base' (%d) is below grade '%s' (%ld, at %s:%ld): give 'grades' "
                            "with 'base'",
                            rs->base, k->value, num, k->file, k->line);
                told = true;
            } else if (integer(ld, v->items[i + 1], k->value, 0, rs->base, &num)) {
                /* A score at a tied minimum would take whichever grade the
                 * sort left first: the order they are written in. */
                size_t tie = 0;
                while (tie < rs->n_grades && rs->grades[tie].min_score != num)
                    tie++;
                if (tie < rs->n_grades) {
                    fail_at(ld, k,
                            "grade '%s' has the same minimum (%ld) as grade '%s': give each "
                            "grade its own minimum",
                            k->value, num, rs->grades[tie].name);
                    continue;
                }
                if (!(rs->grades[rs->n_grades].name = ld_dup(ld, k, k->value)))
                    continue;
                rs->grades[rs->n_grades].min_score = (int)num;
                rs->n_grades++;
            }
        }
    }
}

static int cmp_grade(const void *a, const void *b)
{
    const zj_grade *x = a, *y = b;
    return y->min_score - x->min_score;
}

static void set_default_grades(struct loader *ld, zj_ruleset *rs)
{
    static const struct {
        const char *name;
        int pct;
    } def[] = {{"A", 90}, {"B", 80}, {"C", 60}, {"D", 0}};
    /* A 'grades' mapping whose every entry was rejected left an empty array. */
    free(rs->grades);
    rs->grades = calloc(4, sizeof *rs->grades);
    if (!rs->grades) {
        fail_nomem(ld, NULL);
        return;
    }
    for (int i = 0; i < 4; i++) {
        if (!(rs->grades[i].name = zj_strdup(def[i].name)))
            fail_nomem(ld, NULL);
        rs->grades[i].min_score = rs->base * def[i].pct / 100;
    }
    rs->n_grades = 4;
}

/* `redact: true|false` or `redact: [phone, id_card, ...]`: the personal data
 * categories masked by default. */
static void parse_redact(struct loader *ld, const zj_ynode *n)
{
    if (n->type == ZJ_YNODE_SCALAR) {
        bool on = false;
        if (boolean(ld, n, "redact", &on))
            ld->rs->redact = on ? ZJ_REDACT_ALL : 0;
        return;
    }
    if (n->type != ZJ_YNODE_SEQ) {
        fail_at(ld, n, "'redact' must be true, false or a list of categories");
        return;
    }
    for (size_t i = 0; i < n->n; i++) {
        const zj_ynode *c = n->items[i];
        unsigned flag;
        if (c->type == ZJ_YNODE_SCALAR && zj_redact_category_parse(c->value, c->len, &flag))
            ld->rs->redact |= flag;
        else
            fail_at(ld, c,
                    "unknown personal data category '%.40s' (expected phone, id_card, "
                    "bank_card, email or address)",
                    c->type == ZJ_YNODE_SCALAR ? c->value : type_name(c));
    }
}

/* An empty list or mapping (`fillers: []`, `synonyms: {}`) sets none: in a
 * file that extends, it is how the base's list is taken away, since a
 * top-level key replaces the base's whole. */
static bool sets_some(const zj_ynode *n, zj_ynode_type collection)
{
    return n && !(n->type == collection && n->n == 0);
}

/* A top-level list of words (`fillers:`, `non_speech:`): *words and *lens
 * point into the tree; the caller frees both arrays. false after an error. */
static bool read_word_list(struct loader *ld, const zj_ynode *n, const char *key,
                           const char *item, const char ***words, size_t **lens)
{
    *words = NULL;
    *lens = NULL;
    if (n->type != ZJ_YNODE_SEQ) {
        fail_at(ld, n, "'%s' must be a list of words", key);
        return false;
    }
    *words = calloc(n->n, sizeof **words);
    *lens = calloc(n->n, sizeof **lens);
    if (!*words || !*lens) {
        fail_nomem(ld, n);
        return false;
    }
    for (size_t i = 0; i < n->n; i++) {
        const zj_ynode *w = n->items[i];
        if (w->type != ZJ_YNODE_SCALAR) {
            fail_at(ld, w, "%s must be a string, got %s", item, type_name(w));
            return false;
        }
        (*words)[i] = w->value;
        (*lens)[i] = w->len;
    }
    return true;
}

/* `fillers: [嗯, 啊, 呃, 那个]`: read before the rules, whose literals are
 * normalized without them. */
static void parse_fillers(struct loader *ld, const zj_ynode *n)
{
    const char **words;
    size_t *lens, bad;
    if (read_word_list(ld, n, "fillers", "a filler", &words, &lens)) {
        ld->rs->fillers = zj_fillers_new(words, lens, n->n, &bad);
        if (!ld->rs->fillers && bad != SIZE_MAX)
            fail_at(ld, n->items[bad],
                    "filler is empty after normalization (whitespace and punctuation are removed)");
        else if (!ld->rs->fillers)
            fail_nomem(ld, n);
    }
    free(words);
    free(lens);
}

/* `non_speech: [笑声, 噪音, laughter]`: tags such as [笑声] read as a clause
 * end (non_speech.c). */
static void parse_non_speech(struct loader *ld, const zj_ynode *n)
{
    const char **words, *why;
    size_t *lens, bad;
    if (read_word_list(ld, n, "non_speech", "a non-speech word", &words, &lens)) {
        ld->rs->non_speech = zj_non_speech_new(words, lens, n->n, &bad, &why);
        if (!ld->rs->non_speech && bad != SIZE_MAX)
            fail_at(ld, n->items[bad], "non-speech word %s", why);
        else if (!ld->rs->non_speech)
            fail_nomem(ld, n);
    }
    free(words);
    free(lens);
}

/* `synonyms: {晓得: 知道, …}`: read before the rules, whose literals are
 * normalized with them (synonyms.c). */
static void parse_synonyms(struct loader *ld, const zj_ynode *n)
{
    if (n->type != ZJ_YNODE_MAP || n->n == 0) {
        fail_at(ld, n, "'synonyms' must be a mapping of a form to its standard word");
        return;
    }
    size_t pairs = n->n / 2;
    const char **forms = calloc(pairs, sizeof *forms), **words = calloc(pairs, sizeof *words);
    size_t *form_lens = calloc(pairs, sizeof *form_lens), *word_lens = calloc(pairs, sizeof *word_lens);
    bool ok = forms && words && form_lens && word_lens;
    for (size_t i = 0; ok && i < pairs; i++) {
        const zj_ynode *k = n->items[2 * i], *v = n->items[2 * i + 1];
        if (k->type != ZJ_YNODE_SCALAR) {
            fail_at(ld, k, "a synonym must be a string, got %s", type_name(k));
            ok = false;
        } else if (v->type != ZJ_YNODE_SCALAR) {
            fail_at(ld, v, "the standard word of '%s' must be a string, got %s", k->value,
                    type_name(v));
            ok = false;
        } else {
            forms[i] = k->value;
            form_lens[i] = k->len;
            words[i] = v->value;
            word_lens[i] = v->len;
        }
    }
    if (ok) {
        size_t bad, other;
        const char *why;
        ld->rs->synonyms =
            zj_synonyms_new(forms, form_lens, words, word_lens, pairs, &bad, &why, &other);
        if (!ld->rs->synonyms && bad != SIZE_MAX && other != SIZE_MAX &&
            strcmp(n->items[2 * bad + 1]->value, n->items[2 * other]->value) != 0)
            fail_at(ld, n->items[2 * bad],
                    "synonym '%s' stands for '%s', which holds the form '%s' (line %ld: '%s: "
                    "%s'): a rule's '%s' would be rewritten, and would no longer find the '%s' "
                    "read as it; synonyms are not chained: keep one of the two",
                    n->items[2 * bad]->value, n->items[2 * bad + 1]->value,
                    n->items[2 * other]->value, n->items[2 * other]->line,
                    n->items[2 * other]->value, n->items[2 * other + 1]->value,
                    n->items[2 * bad + 1]->value, n->items[2 * bad]->value);
        else if (!ld->rs->synonyms && bad != SIZE_MAX && other != SIZE_MAX)
            fail_at(ld, n->items[2 * bad],
                    "synonym '%s' stands for '%s', itself a form (line %ld: '%s: %s'); "
                    "synonyms are not chained: write '%s: %s'",
                    n->items[2 * bad]->value, n->items[2 * bad + 1]->value,
                    n->items[2 * other]->line, n->items[2 * other]->value,
                    n->items[2 * other + 1]->value, n->items[2 * bad]->value,
                    n->items[2 * other + 1]->value);
        else if (!ld->rs->synonyms && bad != SIZE_MAX)
            fail_at(ld, n->items[2 * bad], "synonym '%s' %s", n->items[2 * bad]->value, why);
        else if (!ld->rs->synonyms)
            fail_nomem(ld, n);
    } else if (!forms || !words || !form_lens || !word_lens) {
        fail_nomem(ld, n);
    }
    free(forms);
    free(words);
    free(form_lens);
    free(word_lens);
}

/* `clause_starts: [regex, ...]`: where a clause starts in a turn written
 * without punctuation (clauses.c). */
static void parse_clause_starts(struct loader *ld, const zj_ynode *n)
{
    if (n->type != ZJ_YNODE_SEQ || n->n == 0) {
        fail_at(ld, n, "'clause_starts' must be a list of regexes");
        return;
    }
    const char **res = calloc(n->n, sizeof *res);
    if (!res) {
        fail_nomem(ld, n);
        return;
    }
    bool ok = true;
    for (size_t i = 0; ok && i < n->n; i++) {
        const zj_ynode *r = n->items[i];
        if (r->type != ZJ_YNODE_SCALAR || !r->value[0]) {
            fail_at(ld, r, "a clause start must be a non-empty regex string");
            ok = false;
        } else {
            res[i] = r->value;
        }
    }
    if (ok) {
        size_t bad;
        char why[200] = "";
        ld->rs->clause_starts = zj_clause_starts_new(res, n->n, &bad, why, sizeof why);
        if (!ld->rs->clause_starts && bad != SIZE_MAX)
            fail_at(ld, n->items[bad], "clause start regex does not compile: %s", why);
        else if (!ld->rs->clause_starts)
            fail_nomem(ld, n);
    }
    free(res);
}

/* `not_assessable:` — the standard's requirements that transcripts cannot
 * show, as {clause, why}; the audit report lists them (read back from the
 * stored YAML), so each standard states its own. Checked here, not kept. */
static void parse_not_assessable(struct loader *ld, const zj_ynode *n)
{
    static const char *const keys[] = {"clause", "why", NULL};
    if (n->type != ZJ_YNODE_SEQ || n->n == 0) {
        fail_at(ld, n, "'not_assessable' must be a non-empty list of {clause, why}");
        return;
    }
    for (size_t i = 0; i < n->n; i++) {
        const zj_ynode *e = n->items[i];
        if (e->type != ZJ_YNODE_MAP) {
            fail_at(ld, e, "a 'not_assessable' entry must be a mapping {clause, why}");
            continue;
        }
        check_keys(ld, e, keys, " in not_assessable");
        for (int k = 0; k < 2; k++) {
            const zj_ynode *v = zj_yaml_get(e, keys[k]);
            if (!v)
                fail_at(ld, e, "a 'not_assessable' entry needs '%s'", keys[k]);
            else if (scalar(ld, v, keys[k]) && !v->value[0])
                fail_at(ld, v, "'%s' in not_assessable must not be empty", keys[k]);
        }
    }
}

/* `complaint_kpis: {category: 投诉处理}` — the category whose tag rules mark
 * a complaint call and whose other rules are the complaint-handling steps;
 * the audit report's complaint KPIs read it back from the stored YAML.
 * Checked here (after the rules: the category must tag something), not
 * kept. */
static void parse_complaint_kpis(struct loader *ld, const zj_ynode *n)
{
    static const char *const keys[] = {"category", NULL};
    if (n->type != ZJ_YNODE_MAP) {
        fail_at(ld, n, "'complaint_kpis' must be a mapping {category: NAME}");
        return;
    }
    check_keys(ld, n, keys, " in complaint_kpis");
    const zj_ynode *c = zj_yaml_get(n, "category");
    if (!c) {
        fail_at(ld, n, "'complaint_kpis' needs 'category' (the category of the complaint rules)");
        return;
    }
    if (!scalar(ld, c, "category"))
        return;
    const zj_ruleset *rs = ld->rs;
    for (size_t i = 0; i < rs->n_rules; i++)
        if (rs->rules[i].kind == ZJ_KIND_TAG && rs->rules[i].category &&
            strcmp(rs->rules[i].category, c->value) == 0)
            return;
    fail_at(ld, c,
            "no tag rule has category '%.60s': complaint_kpis needs one to know a complaint call",
            c->value);
}

static void parse_root(struct loader *ld, const zj_ynode *root)
{
    static const char *const keys[] = {"ruleset", "version", "title",  "description", "scoring",
                                       "defaults", "rules", "redact", "fillers", "extends",
                                       "disable", "not_assessable", "clause_starts", "synonyms",
                                       "complaint_kpis", "non_speech", NULL};
    zj_ruleset *rs = ld->rs;
    rs->base = 100;
    rs->pass = 80;
    if (root->type != ZJ_YNODE_MAP) {
        fail_at(ld, root, "a rule set must be a mapping with ruleset, version and rules");
        return;
    }
    check_keys(ld, root, keys, "");
    const zj_ynode *v;
    if (!(v = zj_yaml_get(root, "ruleset")))
        fail_at(ld, root, "missing 'ruleset' (the rule set's name)");
    else if (scalar(ld, v, "ruleset")) {
        if (!valid_id(v->value))
            fail_at(ld, v,
                    "invalid rule set name '%.60s' (use lower-case letters, digits, '.', '_', "
                    "'-')",
                    v->value);
        rs->name = ld_dup(ld, v, v->value);
    }
    if (!(v = zj_yaml_get(root, "version")))
        fail_at(ld, root, "missing 'version'");
    else if (scalar(ld, v, "version"))
        rs->version = ld_dup(ld, v, v->value);
    if ((v = zj_yaml_get(root, "title")) && scalar(ld, v, "title"))
        rs->title = ld_dup(ld, v, v->value);
    if ((v = zj_yaml_get(root, "description")))
        scalar(ld, v, "description");
    if ((v = zj_yaml_get(root, "scoring")))
        parse_scoring(ld, v);
    if ((v = zj_yaml_get(root, "redact")))
        parse_redact(ld, v);
    if ((v = zj_yaml_get(root, "not_assessable")))
        parse_not_assessable(ld, v);
    if (rs->n_grades == 0)
        set_default_grades(ld, rs);
    if (rs->n_grades) /* none when the defaults could not be allocated */
        qsort(rs->grades, rs->n_grades, sizeof *rs->grades, cmp_grade);
    if (rs->n_grades && rs->grades[rs->n_grades - 1].min_score > 0)
        fail_at(ld, zj_yaml_get(zj_yaml_get(root, "scoring"), "grades"),
                "grades must cover every score: the lowest grade needs a minimum of 0");

    struct defaults def = {ZJ_SPEAKER_AGENT, ZJ_SEV_MINOR, false, false};
    if ((v = zj_yaml_get(root, "defaults"))) {
        static const char *const dkeys[] = {"speaker", "severity", "boundary", NULL};
        if (v->type != ZJ_YNODE_MAP) {
            fail_at(ld, v, "'defaults' must be a mapping");
        } else {
            check_keys(ld, v, dkeys, " in defaults");
            const zj_ynode *d;
            if ((d = zj_yaml_get(v, "speaker")))
                parse_speaker(ld, d, &def.speaker);
            if ((d = zj_yaml_get(v, "severity")))
                parse_severity(ld, d, &def.severity);
            if ((d = zj_yaml_get(v, "boundary")))
                parse_boundary(ld, d, &def.per_sentence, &def.per_clause);
        }
    }
    rs->default_speaker = def.speaker;
    if (sets_some(v = zj_yaml_get(root, "fillers"), ZJ_YNODE_SEQ))
        parse_fillers(ld, v);
    if (sets_some(v = zj_yaml_get(root, "non_speech"), ZJ_YNODE_SEQ))
        parse_non_speech(ld, v);
    if (sets_some(v = zj_yaml_get(root, "synonyms"), ZJ_YNODE_MAP))
        parse_synonyms(ld, v);
    if (sets_some(v = zj_yaml_get(root, "clause_starts"), ZJ_YNODE_SEQ))
        parse_clause_starts(ld, v);
    if (!(v = zj_yaml_get(root, "rules"))) {
        fail_at(ld, root, "missing 'rules'");
        return;
    }
    if (v->type != ZJ_YNODE_SEQ || v->n == 0) {
        fail_at(ld, v, "'rules' must be a non-empty list");
        return;
    }
    for (size_t i = 0; i < v->n; i++)
        parse_rule(ld, v->items[i], &def);
    zj_rules_resolve_refs(rs, v, conversation_fail, ld);
    if ((v = zj_yaml_get(root, "complaint_kpis")))
        parse_complaint_kpis(ld, v);
}

/* ---------------------------------------------------------------- loading */

void zj_rules_free(zj_ruleset *rs)
{
    if (!rs)
        return;
    if (rs->matcher)
        zj_matcher_free(rs->matcher);
    zj_fuzzy_free(rs->fuzzy);
    zj_fillers_free(rs->fillers);
    zj_non_speech_free(rs->non_speech);
    zj_synonyms_free(rs->synonyms);
    zj_clause_starts_free(rs->clause_starts);
    for (size_t i = 0; i < rs->n_rules; i++) {
        zj_rule *r = &rs->rules[i];
        free(r->id);
        free(r->title);
        free(r->category);
        free(r->clause);
        node_free(&r->cond);
        free(r->unless);
        for (size_t j = 0; j < r->n_ex_match; j++)
            free(r->ex_match[j].text);
        for (size_t j = 0; j < r->n_ex_no_match; j++)
            free(r->ex_no_match[j].text);
        free(r->ex_match);
        free(r->ex_no_match);
        for (size_t j = 0; j < r->n_call_types; j++)
            free(r->call_types[j]);
        free(r->call_types);
        zj_model_free(r->model);
    }
    free(rs->rules);
    for (size_t i = 0; i < rs->n_patterns; i++) {
        free(rs->patterns[i].source);
        free(rs->patterns[i].expr);
    }
    free(rs->patterns);
    for (size_t i = 0; i < rs->n_grades; i++)
        free(rs->grades[i].name);
    free(rs->grades);
    free(rs->name);
    free(rs->version);
    free(rs->label);
    free(rs->title);
    free(rs->path);
    free(rs->yaml);
    for (size_t i = 0; i < rs->n_files; i++)
        free(rs->files[i]);
    free(rs->files);
    for (size_t i = 0; i < rs->n_model_files; i++)
        free(rs->model_files[i]);
    free(rs->model_files);
    free(rs);
}

static void merge_fail_at(void *ld, const zj_ynode *at, const char *msg)
{
    fail_at(ld, at, "%s", msg);
}

static void merge_fail_err(void *ld, const zj_error *e)
{
    fail_err(ld, e);
}

/* Parses and validates; NULL when there were errors (all reported to ld). */
static zj_ruleset *build(const char *yaml, size_t len, const char *name, zj_diag_cb cb, void *ctx,
                         zj_error *first, size_t *n_errors)
{
    struct loader ld = {.file = name, .cb = cb, .ctx = ctx};
    zj_error_clear(&ld.first);
    zj_ruleset *rs = calloc(1, sizeof *rs);
    if (!rs) {
        zj_error nomem;
        zj_error_set(&nomem, ZJ_ERR_NOMEM, name, 0, 0, "out of memory");
        if (first)
            *first = nomem;
        if (n_errors)
            *n_errors = 1; /* zj_rules_check must not count it as a clean file */
        if (cb)
            cb(&nomem, ctx);
        return NULL;
    }
    ld.rs = rs;
    /* One file, expanded when it extends another; or a directory (yaml
     * NULL, name the directory). */
    zj_merge m;
    zj_merge_init(&m, &(zj_merge_ops){merge_fail_at, merge_fail_err, &ld});
    zj_ynode *root = yaml ? zj_merge_file(&m, yaml, len, name) : zj_merge_dir(&m, name);
    if (root) { /* after errors of merging too, so that check reports the rest */
        rs->merged = m.merged;
        parse_root(&ld, root);
    }
    zj_yaml_free(root);
    free(ld.id_slots);
    pcre2_match_data_free(ld.empty_md);
    if (n_errors)
        *n_errors = ld.n_errors;
    if (!ld.n_errors && m.merged && m.text.failed)
        fail_nomem(&ld, NULL);
    if (ld.n_errors) {
        if (first)
            *first = ld.first;
        zj_merge_free(&m);
        zj_rules_free(rs);
        return NULL;
    }
    /* A merged rule set stores and hashes every file it read, each under a
     * header: its hash changes when any of them does. */
    if (m.merged) {
        yaml = m.text.data;
        len = m.text.len;
    }
    rs->files = m.names;
    rs->n_files = m.n_names;
    m.names = NULL;
    m.n_names = 0;
    rs->yaml = malloc(len + 1);
    rs->path = zj_strdup(name);
    size_t label_len = strlen(rs->name) + strlen(rs->version) + 2;
    rs->label = malloc(label_len);
    if (rs->label)
        snprintf(rs->label, label_len, "%s@%s", rs->name, rs->version);
    zj_buf ident;
    zj_buf_init(&ident);
    if (rs->yaml && rs->path && rs->label) {
        memcpy(rs->yaml, yaml, len);
        rs->yaml[len] = '\0';
        rs->yaml_len = len;
        zj_sha256_hex(yaml, len, rs->sha256);
        /* A model's weights judge like the rules' words: its file is part
         * of the rule set's identity, so stored results name what scored
         * them. */
        for (size_t i = 0; i < rs->n_rules; i++)
            if (rs->rules[i].model)
                zj_buf_printf(&ident, "%s\n%s model %s", ident.len ? "" : rs->sha256,
                              rs->rules[i].id, zj_model_sha256(rs->rules[i].model));
        if (ident.len && !ident.failed)
            zj_sha256_hex(ident.data, ident.len, rs->sha256);
    }
    zj_merge_free(&m);
    if (!rs->yaml || !rs->path || !rs->label || ident.failed) {
        zj_buf_free(&ident);
        zj_rules_free(rs);
        zj_error nomem;
        zj_error_set(&nomem, ZJ_ERR_NOMEM, name, 0, 0, "out of memory");
        if (first)
            *first = nomem;
        if (n_errors)
            *n_errors = 1;
        if (cb)
            cb(&nomem, ctx);
        return NULL;
    }
    zj_buf_free(&ident);
    return rs;
}

static zj_ruleset *compile(zj_ruleset *rs, const zj_load_opts *opts, zj_error *err)
{
    if (!rs)
        return NULL;
    zj_backend backend = opts ? opts->backend : ZJ_BACKEND_AUTO;
    if (!(opts && opts->no_jit))
        zj_clause_starts_jit(rs->clause_starts);
    rs->matcher = zj_matcher_compile(rs->patterns, rs->n_patterns, backend, opts, err);
    if (!rs->matcher || zj_fuzzy_build(rs, backend, opts, err) != ZJ_OK) {
        if (err && !err->file[0])
            snprintf(err->file, sizeof err->file, "%s", rs->path);
        zj_rules_free(rs);
        return NULL;
    }
    return rs;
}

zj_ruleset *zj_rules_load_buffer(const char *yaml, size_t len, const char *name,
                                 const zj_load_opts *opts, zj_error *err)
{
    return compile(build(yaml, len, name, NULL, NULL, err, NULL), opts, err);
}

/* 1: a directory (loaded as one rule set), 0: a file, -1: error (set). */
static int is_directory(const char *path, zj_error *err)
{
    struct stat sb;
    if (stat(path, &sb) != 0) {
        zj_error_set(err, ZJ_ERR_IO, path, 0, 0, "%s", strerror(errno));
        return -1;
    }
    return S_ISDIR(sb.st_mode) ? 1 : 0;
}

char *zj_rules_read_file(const char *path, size_t *len, zj_error *err)
{
    /* A rule set, its bases and its models are regular files: a FIFO planted
     * under a rule directory would block the load (O_NONBLOCK keeps the open
     * itself from waiting for a writer), a device would be read forever. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0) {
        zj_error_set(err, ZJ_ERR_IO, path, 0, 0, "%s", strerror(errno));
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    if (!S_ISREG(sb.st_mode)) {
        close(fd);
        zj_error_set(err, ZJ_ERR_IO, path, 0, 0, "not a regular file");
        return NULL;
    }
    int flags = fcntl(fd, F_GETFL);
    if (flags >= 0)
        fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        zj_error_set(err, ZJ_ERR_IO, path, 0, 0, "%s", strerror(errno));
        close(fd);
        return NULL;
    }
    /* Sized by the file: one read, where doubling from 64 KiB copied a 2 MB
     * model five times (more than its parse under the sanitizers). The loop
     * still takes a file that grew meanwhile. */
    size_t cap = sb.st_size >= 0 && sb.st_size < RULES_MAX_FILE ? (size_t)sb.st_size + 1 : 65536,
           n = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap)
            break;
        if (n > RULES_MAX_FILE) {
            zj_error_set(err, ZJ_ERR_LIMIT, path, 0, 0, "rule set file exceeds 16 MiB");
            free(buf);
            fclose(f);
            return NULL;
        }
        cap *= 2;
        char *b = realloc(buf, cap);
        if (!b) {
            free(buf);
            buf = NULL;
        } else {
            buf = b;
        }
    }
    bool failed = ferror(f);
    fclose(f);
    if (!buf || failed) {
        free(buf);
        if (buf)
            zj_error_set(err, ZJ_ERR_IO, path, 0, 0, "cannot read the file");
        else
            zj_error_set(err, ZJ_ERR_NOMEM, path, 0, 0, "out of memory");
        return NULL;
    }
    /* A byte-order mark (Windows editors write one) is no YAML content. */
    if (n >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) {
        memmove(buf, buf + 3, n - 3);
        n -= 3;
    }
    buf[n] = '\0'; /* the loop ends on a short read: n < cap */
    *len = n;
    return buf;
}

zj_ruleset *zj_rules_load(const char *path, const zj_load_opts *opts, zj_error *err)
{
    int dir = is_directory(path, err);
    if (dir < 0)
        return NULL;
    if (dir)
        return compile(build(NULL, 0, path, NULL, NULL, err, NULL), opts, err);
    size_t len = 0;
    char *yaml = zj_rules_read_file(path, &len, err);
    zj_ruleset *rs = NULL;
    if (yaml)
        rs = zj_rules_load_buffer(yaml, len, path, opts, err);
    free(yaml);
    return rs;
}

size_t zj_rules_check(const char *path, zj_diag_cb cb, void *ctx)
{
    zj_error err;
    zj_error_clear(&err);
    int dir = is_directory(path, &err);
    size_t len = 0;
    char *yaml = dir == 0 ? zj_rules_read_file(path, &len, &err) : NULL;
    if (dir < 0 || (dir == 0 && !yaml)) {
        if (cb)
            cb(&err, ctx);
        return 1;
    }
    size_t errors = 0;
    zj_rules_free(build(yaml, len, path, cb, ctx, &err, &errors));
    free(yaml);
    return errors;
}

/* -------------------------------------------------------------- accessors */

const char *zj_rules_name(const zj_ruleset *rs)
{
    return rs->name;
}
const char *zj_rules_version(const zj_ruleset *rs)
{
    return rs->version;
}
unsigned zj_rules_redact(const zj_ruleset *rs)
{
    return rs->redact;
}
const char *zj_rules_title(const zj_ruleset *rs)
{
    return rs->title;
}
const char *zj_rules_sha256(const zj_ruleset *rs)
{
    return rs->sha256;
}
const char *zj_rules_path(const zj_ruleset *rs)
{
    return rs->path;
}
const char *zj_rules_file(const zj_ruleset *rs, size_t i)
{
    if (i < rs->n_files)
        return rs->files[i];
    i -= rs->n_files;
    return i < rs->n_model_files ? rs->model_files[i] : NULL;
}
int zj_rules_base(const zj_ruleset *rs)
{
    return rs->base;
}
int zj_rules_pass(const zj_ruleset *rs)
{
    return rs->pass;
}
bool zj_rules_merged(const zj_ruleset *rs)
{
    return rs->merged;
}
size_t zj_rules_count(const zj_ruleset *rs)
{
    return rs->n_rules;
}

const char *zj_rules_yaml(const zj_ruleset *rs, size_t *len)
{
    if (len)
        *len = rs->yaml_len;
    return rs->yaml;
}

zj_backend zj_rules_backend(const zj_ruleset *rs)
{
    return rs->matcher ? zj_matcher_backend(rs->matcher) : ZJ_BACKEND_PCRE2;
}

bool zj_rules_info(const zj_ruleset *rs, size_t index, zj_rule_info *out)
{
    if (index >= rs->n_rules)
        return false;
    const zj_rule *r = &rs->rules[index];
    *out = (zj_rule_info){.id = r->id,
                          .title = r->title,
                          .category = r->category,
                          .clause = r->clause,
                          .kind = r->kind,
                          .severity = r->severity,
                          .speaker = r->speaker,
                          .points = r->points,
                          .max_points = r->max_points,
                          .fatal = r->fatal,
                          .file = r->file ? r->file : rs->path,
                          .line = r->line,
                          .override_file = r->over_file,
                          .override_line = r->over_line};
    return true;
}

long zj_rules_find(const zj_ruleset *rs, const char *id)
{
    for (size_t i = 0; i < rs->n_rules; i++)
        if (strcmp(rs->rules[i].id, id) == 0)
            return (long)i;
    return -1;
}
