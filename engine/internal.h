/* internal.h — data structures shared between engine modules. Not installed;
 * the CLI never includes it (unit tests may). */
#ifndef ZJ_INTERNAL_H
#define ZJ_INTERNAL_H

#include "zhijian.h"

/* ------------------------------------------------------------ rule model */

/* A leaf pattern. Every pattern of a rule set (conditions and `unless`
 * exceptions alike) gets an id 0..n-1 and is compiled into the matcher. */
typedef struct zj_pattern {
    uint32_t id;
    uint32_t rule; /* index of the owning rule */
    bool is_regex;
    bool is_exception; /* from `unless` */
    bool per_sentence; /* rule has boundary: sentence or clause (matched per segment) */
    bool per_clause;   /* rule has boundary: clause (segments end at clause_breaks too) */
    char *source;      /* as written in the YAML */
    char *expr;        /* literal: normalized literal; regex: the PCRE2 source */
    size_t expr_len;   /* bytes of expr */
    long line, col;    /* position in the YAML, for messages */
} zj_pattern;

typedef enum zj_node_type { ZJ_NODE_PATTERN, ZJ_NODE_ANY, ZJ_NODE_ALL } zj_node_type;

/* Condition tree: any/all of children, leaves reference patterns. */
typedef struct zj_node {
    zj_node_type type;
    uint32_t pattern;         /* ZJ_NODE_PATTERN */
    struct zj_node *children; /* ZJ_NODE_ANY / ZJ_NODE_ALL */
    size_t n_children;
} zj_node;

typedef enum zj_window_kind {
    ZJ_WIN_NONE,
    ZJ_WIN_FIRST_UTTERANCES,
    ZJ_WIN_LAST_UTTERANCES,
    ZJ_WIN_FIRST_SECONDS,
    ZJ_WIN_LAST_SECONDS
} zj_window_kind;

typedef struct zj_example {
    char *text;
    long line;
} zj_example;

typedef struct zj_rule {
    char *id, *title, *category, *clause;
    zj_kind kind;
    zj_severity severity;
    zj_speaker speaker;
    zj_window_kind window;
    int64_t window_value; /* utterances, or seconds */
    zj_node cond;
    uint32_t *unless; /* exception pattern ids */
    size_t n_unless;
    int points;     /* magnitude, >= 0 */
    int max_points; /* 0: no cap */
    bool fatal;
    bool per_sentence;
    bool per_clause; /* boundary: clause */
    bool yields;     /* yield: true — overlapping hits of other rules win whatever their length */
    zj_example *ex_match, *ex_no_match;
    size_t n_ex_match, n_ex_no_match;
    long line, col;
} zj_rule;

typedef struct zj_grade {
    char *name;
    int min_score;
} zj_grade; /* sorted by min desc */

typedef struct zj_matcher zj_matcher;

struct zj_ruleset {
    char *name, *version, *title, *path;
    char *label; /* "name@version", as the JSON output names the rule set */
    char sha256[65];
    char *yaml;
    size_t yaml_len;
    int base, pass;
    zj_grade *grades;
    size_t n_grades;
    zj_speaker default_speaker;
    zj_rule *rules;
    size_t n_rules;
    zj_pattern *patterns;
    size_t n_patterns;
    zj_matcher *matcher; /* compiled at load */
};

/* ---------------------------------------------------------------- matcher */

/* One match of one pattern in a normalized turn, in normalized bytes. */
typedef struct zj_hit {
    uint32_t pattern;
    uint32_t start, end;
} zj_hit;

typedef struct zj_hits {
    zj_hit *v;
    size_t n, cap;
} zj_hits;
zj_status zj_hits_push(zj_hits *h, uint32_t pattern, uint32_t start, uint32_t end);

typedef struct zj_match_scratch zj_match_scratch;

/* Matcher contract (both backends give identical hits):
 *  - For each pattern, report its leftmost non-overlapping matches in the
 *    subject, scanning left to right (PCRE2 global-match semantics); an empty
 *    match is never reported.
 *  - per_sentence patterns are matched in each sentence separately (the
 *    subject is cut at norm->breaks), so ^ and $ anchor at sentence edges and
 *    no match crosses a sentence end.
 *  - Hits are appended to out in no particular order; the caller sorts.
 * The compiled matcher is immutable and shared; scratch is per thread. */
zj_matcher *zj_matcher_compile(const zj_pattern *patterns, size_t n, zj_backend backend,
                               const char *cache_key, const char *cache_dir, bool jit,
                               zj_error *err);
void zj_matcher_free(zj_matcher *m);
zj_backend zj_matcher_backend(const zj_matcher *m);
/* Whether the Hyperscan backend is built in and runs on this CPU. */
bool zj_matcher_hyperscan_available(void);
zj_match_scratch *zj_match_scratch_new(const zj_matcher *m);
void zj_match_scratch_free(zj_match_scratch *s);
zj_status zj_matcher_scan(const zj_matcher *m, zj_match_scratch *s, const zj_norm *turn,
                          zj_hits *out);

/* The PCRE2 backend, used alone or for patterns Hyperscan cannot express. */
typedef struct zj_pcre_set zj_pcre_set;
typedef struct zj_pcre_scratch zj_pcre_scratch; /* per thread: match data */
zj_pcre_set *zj_pcre_compile(const zj_pattern *patterns, size_t n, bool jit, zj_error *err);
void zj_pcre_free(zj_pcre_set *p);
zj_pcre_scratch *zj_pcre_scratch_new(const zj_pcre_set *p);
void zj_pcre_scratch_free(zj_pcre_scratch *s);
/* Scan only the patterns listed in ids (all when ids == NULL). */
zj_status zj_pcre_scan(const zj_pcre_set *p, zj_pcre_scratch *s, const zj_norm *turn,
                       const uint32_t *ids, size_t n_ids, zj_hits *out);

#ifdef ZJ_HAVE_HYPERSCAN
/* The Hyperscan backend (match_hs.c): one multi-pattern database for all
 * patterns it can express; the rest, and the confirmation of regex hits, go
 * through the PCRE2 set passed to zj_hs_scan. Hits obey the matcher contract
 * above exactly as the PCRE2 backend's do. */
typedef struct zj_hs_matcher zj_hs_matcher;
typedef struct zj_hs_scratch zj_hs_scratch;
bool zj_hs_available(void);
zj_hs_matcher *zj_hs_compile(const zj_pattern *patterns, size_t n, const char *cache_key,
                             const char *cache_dir, zj_error *err);
void zj_hs_free(zj_hs_matcher *m);
zj_hs_scratch *zj_hs_scratch_new(const zj_hs_matcher *m);
void zj_hs_scratch_free(zj_hs_scratch *s);
zj_status zj_hs_scan(const zj_hs_matcher *m, zj_hs_scratch *s, const zj_pcre_set *pcre,
                     zj_pcre_scratch *ps, const zj_norm *turn, zj_hits *out);
#endif

/* ------------------------------------------------------------------ utf-8 */

/* Decode the sequence at s (n bytes available): its length, 0 if invalid
 * (overlong, surrogate, > U+10FFFF, truncated). */
size_t zj_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);
/* Encode cp (valid scalar value) into out; returns the byte count. */
size_t zj_utf8_encode(uint32_t cp, char out[4]);

#ifdef __SSE2__
#include <emmintrin.h>

/* Lanes of x within [lo, hi] (unsigned bytes) set to 0xFF. The block-wise
 * checks of the parser and the normalizer are built from it. */
static inline __m128i zj_sse_in_range(__m128i x, unsigned char lo, unsigned char hi)
{
    __m128i clamped =
        _mm_min_epu8(_mm_max_epu8(x, _mm_set1_epi8((char)lo)), _mm_set1_epi8((char)hi));
    return _mm_cmpeq_epi8(clamped, x);
}
#endif

/* ------------------------------------------------------------------- yaml */

typedef enum zj_ynode_type { ZJ_YNODE_SCALAR, ZJ_YNODE_SEQ, ZJ_YNODE_MAP } zj_ynode_type;

/* A YAML node with its position (1-based line, column in characters). Maps
 * keep keys and values alternating in items. */
typedef struct zj_ynode {
    zj_ynode_type type;
    char *value; /* scalars: text, NUL-terminated */
    size_t len;
    bool quoted, double_quoted, block;
    long line, col;
    struct zj_ynode **items;
    size_t n, cap;
} zj_ynode;

zj_ynode *zj_yaml_parse(const char *text, size_t len, const char *name, zj_error *err);
void zj_yaml_free(zj_ynode *n);
/* Value of key in a map node, or NULL. */
const zj_ynode *zj_yaml_get(const zj_ynode *map, const char *key);

/* ----------------------------------------------------------------- ingest */

struct json_t;
/* Build a call from a parsed JSON value (errors name source:line). */
zj_call *zj_call_from_json(struct json_t *root, const char *source, long line, zj_error *err);
/* Turn a jansson error (json_error_t *) for text into our error record: invalid
 * UTF-8 is named as such; otherwise jansson's message, line and column. */
void zj_json_error(zj_error *err, const void *jansson_error, const char *text, size_t len,
                   const char *source, long line);
/* The two parsers behind zj_call_parse_json: the specialized fast path
 * (gives up with *fallback on anything unusual) and the general path over
 * jansson (every error message comes from here). */
zj_call *zj_call_parse_fast(const char *json, size_t len, const char *source, long line,
                            bool *fallback);
zj_call *zj_call_parse_general(const char *json, size_t len, const char *source, long line,
                               zj_error *err);
/* ISO 8601 timestamp -> UTC milliseconds and offset in minutes east of UTC. */
bool zj_parse_timestamp(const char *s, int64_t *utc_ms, int *offset_min);
/* One record of an input, not yet parsed: a JSONL line (data, len) or, for a
 * .json document, the call already parsed. Lets the batch parse in its
 * scoring threads rather than in the single reader thread. */
/* A raw record: one line's bytes, kept in a shared reference-counted block
 * of lines so that reading a line costs no allocation of its own. */
typedef struct zj_line_block zj_line_block;
typedef struct zj_raw {
    char *data;
    size_t len;
    long line;
    uint64_t offset, end_offset;
    zj_call *call;
    zj_line_block *block; /* owns data */
} zj_raw;
zj_status zj_reader_next_raw(zj_reader *r, zj_raw *out, zj_error *err);
/* Parse a raw record (releases its data); NULL with err on a bad record. */
zj_call *zj_raw_parse(zj_raw *raw, const char *source, zj_error *err);
/* Releases a raw record's data and call (any thread). */
void zj_raw_release(zj_raw *raw);

/* Lower the line-length limit (tests only; 0 restores ZJ_MAX_LINE). */
void zj_reader_set_max_line(size_t bytes);

/* ------------------------------------------------------------------- norm */

/* The normalizer without its table-driven fast path: every unit goes through
 * utf8proc. Exposed for the differential test; same output as zj_norm_text. */
zj_status zj_norm_text_slow(zj_norm *n, const char *text, size_t len);
/* zj_norm_text without the offset map (n->mapped false): the same text and
 * breaks for a quarter of the memory traffic. The scorer maps a turn only
 * when something matched in it. */
zj_status zj_norm_text_unmapped(zj_norm *n, const char *text, size_t len);

/* ------------------------------------------------------------------ score */

/* Score a call against one rule only (the examples runner, lint, explain);
 * lift_window ignores the rule's `within` (the text given IS the window). */
zj_status zj_score_rule(zj_scorer *s, const zj_call *call, uint32_t rule, bool lift_window,
                        zj_result *out, zj_error *err);

/* ------------------------------------------------------------------ store */

/* Local date (YYYY-MM-DD) and ISO 8601 week (YYYY-Www) of a UTC time seen at
 * an offset of offset_min minutes east of UTC. */
void zj_local_date(int64_t utc_ms, int offset_min, char date[11], char week[9]);

/* ---------------------------------------------------------------- reports */

/* Report builders wrap quoted words in these marks; renderers turn them into
 * <mark>, **bold** or 「」. */
#define ZJ_MARK_OPEN "\x01[["
#define ZJ_MARK_CLOSE "]]\x01"

typedef enum zj_doc_kind { ZJ_DOC_HEADING, ZJ_DOC_PARA, ZJ_DOC_TABLE, ZJ_DOC_CHART } zj_doc_kind;

typedef struct zj_doc_block {
    zj_doc_kind kind;
    int level;  /* headings */
    char *text; /* heading, paragraph, table name, chart title */
    size_t n_cols;
    char **headers; /* tables; charts: headers[0] = unit */
    char **cells;   /* tables: n_rows * n_cols; charts: labels */
    double *values; /* charts */
    double max;
    size_t n_rows, cap_rows;
} zj_doc_block;

typedef struct zj_doc {
    char *title;
    zj_doc_block *blocks;
    size_t n, cap;
} zj_doc;

zj_doc *zj_doc_new(const char *title);
void zj_doc_free(zj_doc *d);
void zj_doc_heading(zj_doc *d, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void zj_doc_para(zj_doc *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
zj_doc_block *zj_doc_table(zj_doc *d, const char *name, size_t n_cols, const char *const *headers);
/* Appends a row: exactly n_cols strings (copied). */
void zj_doc_row(zj_doc_block *t, ...);
void zj_doc_chart(zj_doc *d, const char *title, const char *unit, size_t n,
                  const char *const *labels, const double *values, double max);
zj_status zj_doc_render(const zj_doc *d, zj_format fmt, zj_buf *out);

struct sqlite3_stmt;
/* printf into a new string (NULL when out of memory). */
char *zj_sqlf(const char *format, ...) __attribute__((format(printf, 1, 2)));
/* Prepare a report query and bind the shared filter: ?1 rule set id, ?2 from,
 * ?3 to, ?4 team, ?5 agent (NULL matches all). */
struct sqlite3_stmt *zj_report_query(zj_store *st, const char *sql, int64_t ruleset_id,
                                     const zj_report_filter *f, zj_error *err);
/* How a report reads what its filter selects, each string ending in the rule
 * set's term so that ZJ_CALL_FILTER_REST follows it: `calls` after
 * "FROM calls c WHERE", `findings` as the whole "FROM findings f ... WHERE".
 * When the filter's dates select under a quarter of the stored calls, through
 * those calls (the date index, then each call's findings); otherwise the tables in
 * their own order, each finding looking up its call, which is several times
 * faster over a whole month than a lookup per call in date order. SQLite uses
 * the date index for the rule set's term unless the term is written +c.ruleset_id
 * and keeps the order of a CROSS JOIN; both are the same portable SQL. */
typedef struct zj_report_scope {
    const char *calls, *findings;
} zj_report_scope;
zj_report_scope zj_report_scope_of(zj_store *st, int64_t ruleset_id, const zj_report_filter *f);
/* Column text, "" for NULL. */
const char *zj_col(struct sqlite3_stmt *q, int i);
zj_status zj_report_ruleset(zj_store *st, int64_t id, char *label, size_t label_size, char sha[65],
                            zj_error *err);
void zj_html_escape(zj_buf *out, const char *s);
size_t zj_display_width(const char *s);

/* ------------------------------------------------------------------- misc */

/* strdup that returns NULL for NULL (C11 has no strdup). */
char *zj_strdup(const char *s);

/* The filter every report query shares after the rule set's term (?1, which
 * zj_report_scope gives): ?2 from, ?3 to (local dates), ?4 team, ?5 agent; a
 * NULL filter matches everything. Portable SQL. */
#define ZJ_CALL_FILTER_REST                                                                        \
    " AND (?2 IS NULL OR c.local_date >= ?2)"                                                      \
    " AND (?3 IS NULL OR c.local_date <= ?3) AND (?4 IS NULL OR c.team = ?4)"                      \
    " AND (?5 IS NULL OR c.agent_id = ?5)"

/* SHA-256 of data as 64 lowercase hex digits + NUL. */
void zj_sha256_hex(const void *data, size_t len, char out[65]);

/* Monotonic clock in nanoseconds. */
uint64_t zj_now_ns(void);

/* ------------------------------------------------------------------ quote */

/* A half-open range of original code points of one turn. */
typedef struct zj_span {
    uint32_t start, end;
} zj_span;
typedef struct zj_spans {
    zj_span *v;
    size_t n, cap;
} zj_spans;

/* Where a turn quotes or reports someone else's words (quote.c): inside
 * quotation marks, and after "subject … 说/讲" (subject not the agent) to the
 * end of the sentence or a clause where the agent's voice resumes (，是吧 /
 * ，这样… / ，我们…). text is the original turn, norm its mapped
 * normalization; out is overwritten; scratch/scratch_cap is a reusable
 * buffer owned by the caller. */
zj_status zj_quote_regions(const char *text, size_t len, const zj_norm *norm, zj_spans *out,
                           uint32_t **scratch, size_t *scratch_cap);
/* Whether [start, end) lies inside one of the regions. */
bool zj_spans_cover(const zj_spans *regions, uint32_t start, uint32_t end);

#endif /* ZJ_INTERNAL_H */
