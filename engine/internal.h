/* internal.h — data structures shared between engine modules. Not installed;
 * the CLI never includes it (unit tests may). */
#ifndef ZJ_INTERNAL_H
#define ZJ_INTERNAL_H

#include "zhijian.h"
#include "db.h"

/* ------------------------------------------------------------ rule model */

/* A leaf pattern. Every pattern of a rule set (conditions and `unless`
 * exceptions alike) gets an id 0..n-1 and is compiled into the matcher. */
typedef struct zj_pattern {
    uint32_t id;
    uint32_t rule; /* index of the owning rule */
    bool is_regex;
    bool is_exception; /* from `unless` or `unless_followed_by` */
    bool follows;      /* from `unless_followed_by`: suppresses the hits before it in its turn */
    bool negated;      /* under a `none` item: its hits are never evidence or findings */
    bool operand;      /* under `before`/`near`/`same_turn`: a finding only when paired */
    bool per_sentence; /* rule has boundary: sentence or clause (matched per segment) */
    bool per_clause;   /* rule has boundary: clause (segments end at clause_breaks too) */
    bool own_boundary; /* {re:, boundary:} item: per_sentence/per_clause are its own */
    bool not_by_sound; /* {re:, fuzzy: false} item of a fuzzy rule: matched as written only */
    bool is_model;     /* a model rule's clauses (model.c): never compiled into a matcher */
    char *source;      /* as written in the YAML */
    char *expr;        /* literal: normalized literal; regex: the PCRE2 source */
    size_t expr_len;   /* bytes of expr */
    long line, col;    /* position in the YAML, for messages */
    const char *file;  /* its file when the rule set was merged from several, else NULL */
} zj_pattern;

typedef enum zj_node_type {
    ZJ_NODE_PATTERN,
    ZJ_NODE_ANY,
    ZJ_NODE_ALL,
    ZJ_NODE_NONE,
    ZJ_NODE_BEFORE, /* a hit of children[0] ends before a hit of children[1] starts */
    ZJ_NODE_NEAR    /* hits of both children in one turn, at most `chars` apart */
} zj_node_type;

/* Condition tree: any/all/none of children, leaves reference patterns. The
 * two children of BEFORE/NEAR (operands) are a PATTERN or an ANY of PATTERNs. */
typedef struct zj_node {
    zj_node_type type;
    uint32_t pattern;         /* ZJ_NODE_PATTERN */
    struct zj_node *children; /* ZJ_NODE_ANY / ALL / NONE / BEFORE / NEAR */
    size_t n_children;
    int32_t chars; /* ZJ_NODE_NEAR: most normalized characters between; -1: same turn */
} zj_node;

/* Whether pattern p is operand op of an order item (before, near, same_turn):
 * the pattern itself, or one of a flat `any:` of patterns. */
bool zj_operand_has(const zj_node *op, uint32_t p);

typedef enum zj_window_kind {
    ZJ_WIN_NONE,
    ZJ_WIN_FIRST_UTTERANCES,
    ZJ_WIN_LAST_UTTERANCES,
    ZJ_WIN_FIRST_SECONDS,
    ZJ_WIN_LAST_SECONDS,
    /* Conditional rules (`when`): counted from the first turn of the tag. */
    ZJ_WIN_AFTER_UTTERANCES, /* the rule speaker's first N utterances at or after it */
    ZJ_WIN_AFTER_SECONDS     /* turns starting within N ms after the tag turn ends */
} zj_window_kind;

/* What a metric rule measures (metrics.c). */
typedef enum zj_metric {
    ZJ_METRIC_NONE,
    ZJ_METRIC_ANSWER_TIME,  /* ring_ms of the call, ms */
    ZJ_METRIC_SILENCE,      /* each hold the customer waits through, ms; announced or not */
    ZJ_METRIC_INTERRUPTION, /* each agent turn starting before the customer's ends, ms */
    ZJ_METRIC_SPEECH_RATE,  /* agent characters per minute of agent speech */
    ZJ_METRIC_DURATION,     /* first turn start to last turn end, ms */
    ZJ_METRIC_TALK_SHARE    /* agent speech as a percentage of all speech */
} zj_metric;

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
    uint32_t *unless; /* exception pattern ids (`unless`, then `unless_followed_by`) */
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
    /* Merged rule sets (extends, directories): the file the rule was defined
     * in (NULL: the rule set's own file) and where an extending file
     * overrode it (over_line 0: never). Strings owned by the rule set. */
    const char *file, *over_file;
    long over_line;
    bool fuzzy; /* `fuzzy: pinyin`: literals also match by sound */
    /* Tags only, `call_types:`: the situation also holds from the first turn
     * when the call's call_type contains one of these words. */
    char **call_types;
    size_t n_call_types;
    /* `model:` (model.c): clauses whose log-odds reach model_logit_min are
     * hits of pattern model_pattern. NULL: a rule of patterns. */
    struct zj_model *model;
    double model_threshold, model_logit_min;
    uint32_t model_pattern;
    /* Conversation rules (rules_conversation.c). */
    int32_t when;           /* index of the tag rule this rule is conditional on, -1: none */
    int32_t announce;       /* silence: index of the rule whose hit announces a hold, -1 */
    int32_t waiting;        /* silence: index of the rule whose hit in a customer turn says the
                               customer is still waiting (喂？还在吗？), -1 */
    int32_t customer_pause; /* silence: index of the rule whose hit in a customer turn asks
                               the agent to wait (请稍等，我去找一下房号), -1 */
    zj_metric metric;
    int64_t metric_min, metric_max; /* in the metric's unit (ms, chars/min, %); -1 unset */
    bool has_condition;             /* any/all/regex given (metric rules have none) */
    bool has_order;                 /* the condition has a before/near/same_turn item */
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
    unsigned redact;     /* ZJ_REDACT_* categories masked by default (`redact:`) */
    struct zj_fillers *fillers; /* `fillers:`, NULL when none */
    struct zj_synonyms *synonyms; /* `synonyms:`, NULL when none */
    struct zj_clause_starts *clause_starts; /* `clause_starts:`, NULL when none */
    struct zj_non_speech *non_speech; /* `non_speech:`, NULL when none */
    struct zj_fuzzy *fuzzy;     /* twins of `fuzzy: pinyin` literals, NULL when none */
    bool has_near; /* some `near` item: hits need normalized character offsets */
    char **files;  /* merged rule sets: every file read, in merge order */
    size_t n_files;
    char **model_files; /* the weights of `model:` rules, as opened */
    size_t n_model_files;
    bool merged;
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
/* qsort/bsearch order of hits: by pattern, then start, then end. */
int zj_hit_cmp(const void *a, const void *b);

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
                               const zj_load_opts *opts, zj_error *err);
void zj_matcher_free(zj_matcher *m);
zj_backend zj_matcher_backend(const zj_matcher *m);
/* Whether the Hyperscan backend is built in and runs on this CPU. */
bool zj_matcher_hyperscan_available(void);
/* Why the Hyperscan backend left regex `id` to PCRE2 on every turn (it
 * refused it), or NULL. */
const char *zj_matcher_refused(const zj_matcher *m, uint32_t id);
zj_match_scratch *zj_match_scratch_new(const zj_matcher *m);
void zj_match_scratch_free(zj_match_scratch *s);
zj_status zj_matcher_scan(const zj_matcher *m, zj_match_scratch *s, const zj_norm *turn,
                          zj_hits *out);
/* The match of pattern id that starts at byte `start` of turn, anchored
 * there: what a scan finds at `start` when its left-to-right walk gets there
 * (the leftmost-first match from that position), in the segment holding
 * `start` as the scan cuts it, so a lookbehind sees the text before `start`
 * and ^ and $ anchor at the segment's edges. *end is its end, or 0 when no
 * non-empty match starts there. It costs one match attempt, not a scan of
 * the turn — except for a regex with \K, whose reported start is not where
 * its match began: for one, the turn is scanned by that regex alone. */
zj_status zj_matcher_match_at(const zj_matcher *m, zj_match_scratch *s, const zj_norm *turn,
                              uint32_t id, size_t start, size_t *end);
/* How many zj_matcher_scan and zj_matcher_match_at calls s served (tests
 * count them: the work per hit by sound stays one anchored match). */
void zj_match_scratch_counts(const zj_match_scratch *s, uint64_t *scans, uint64_t *anchored);

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
/* The match of pattern id anchored at byte `start` of its segment of turn
 * (zj_matcher_match_at), for a pattern without \K. */
zj_status zj_pcre_match_at(const zj_pcre_set *p, zj_pcre_scratch *s, const zj_norm *turn,
                           uint32_t id, size_t start, size_t *end);
/* Whether regex id holds \K, which reports a match's start past where it
 * began (an escape outside \Q…\E). */
bool zj_pcre_resets_start(const zj_pcre_set *p, uint32_t id);

/* Largest time in a call record (start_ms, end_ms, ring_ms): 10^12 ms, about
 * 31.7 years. Anything larger is a broken producer, and near INT64_MAX the
 * durations computed from it would overflow. */
#define ZJ_MAX_MS INT64_C(1000000000000)

#ifdef ZJ_HAVE_HYPERSCAN
/* The Hyperscan backend (match_hs.c): one multi-pattern database for all
 * patterns it can express; the rest, and the confirmation of regex hits, go
 * through the PCRE2 set passed to zj_hs_scan. Hits obey the matcher contract
 * above exactly as the PCRE2 backend's do. */
typedef struct zj_hs_matcher zj_hs_matcher;
typedef struct zj_hs_scratch zj_hs_scratch;
bool zj_hs_available(void);
/* cache_dir: where compiled databases are cached (NULL or "": none); a cache
 * file that is ignored (corrupt, stale, planted) is reported to on_note. */
zj_hs_matcher *zj_hs_compile(const zj_pattern *patterns, size_t n, const char *cache_dir,
                             zj_diag_cb on_note, void *note_ctx, zj_error *err);
void zj_hs_free(zj_hs_matcher *m);
/* Why Hyperscan refused regex `id` (PCRE2 then runs it on every turn), or
 * NULL when it took it or the pattern is no regex. */
const char *zj_hs_refused(const zj_hs_matcher *m, uint32_t id);
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
    long end_line, end_col; /* scalars: just past the value's source text */
    struct zj_ynode **items;
    size_t n, cap;
    /* The file the node was read from (rules_merge.c), NULL for the loader's
     * own file; a rule map overridden by an extending file records where. */
    const char *file, *over_file;
    long over_line;
} zj_ynode;

zj_ynode *zj_yaml_parse(const char *text, size_t len, const char *name, zj_error *err);
/* Heads each file of a rule set built with `extends:` in the text stored
 * with its results (base first); readers of that text split on it. */
#define ZJ_MERGED_FILE_HEADER "# zhijian rule set file: "
void zj_yaml_free(zj_ynode *n);
/* Value of key in a map node, or NULL. */
const zj_ynode *zj_yaml_get(const zj_ynode *map, const char *key);
/* Appends child to a map's or sequence's items; false when out of memory
 * (child is then not owned by parent). */
bool zj_ynode_add(zj_ynode *parent, zj_ynode *child);

/* rules_merge.c: one tree from a file that `extends:` another, or from a
 * rule set directory. Errors go to ops (at: a node, err: a whole error). */
#define ZJ_RULES_MAX_FILE (16u << 20)
typedef struct zj_merge_ops {
    void (*at)(void *ld, const zj_ynode *at, const char *msg);
    void (*err)(void *ld, const zj_error *e);
    void *ld;
} zj_merge_ops;
typedef struct zj_merge {
    zj_merge_ops ops;
    char **names; /* file names the tree's nodes point at */
    size_t n_names, cap_names;
    size_t n_files;
    bool merged; /* more than one file, or a directory: text below is hashed */
    zj_buf text;
} zj_merge;
void zj_merge_init(zj_merge *m, const zj_merge_ops *ops);
void zj_merge_free(zj_merge *m);
/* The tree of one file (NULL when reported), expanded when it extends. */
zj_ynode *zj_merge_file(zj_merge *m, const char *yaml, size_t len, const char *file);
zj_ynode *zj_merge_dir(zj_merge *m, const char *dir);
/* A whole rule set file (at most 16 MiB), NUL-terminated after *len bytes;
 * malloc'd. */
char *zj_rules_read_file(const char *path, size_t *len, zj_error *err);

/* ----------------------------------------------------------------- ingest */

struct json_t;
/* Build a call from a parsed JSON value (errors name source:line). */
zj_call *zj_call_from_json(struct json_t *root, const char *source, long line, zj_error *err);
/* Turn a jansson error (json_error_t *) for text into our error record: invalid
 * UTF-8 is named as such; otherwise jansson's message, line and column. */
void zj_json_error(zj_error *err, const void *jansson_error, const char *text, size_t len,
                   const char *source, long line);
/* The line (1-based) at which each of the first count elements of the JSON
 * array in text starts; text is a document jansson has parsed as an array,
 * so that a bad call of a .json array is named at its own line. Lines of
 * elements not found stay 1. */
void zj_json_array_lines(const char *text, size_t len, long *lines, size_t count);
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
/* Whether cp ends a sentence (。．｡？！?!；;…⋯, line breaks …): the breaks
 * of zj_norm, and where a straight quotation mark stops (quote.c). */
bool zj_is_sentence_end(uint32_t cp);
/* zj_norm_text without the offset map (n->mapped false): the same text and
 * breaks for a quarter of the memory traffic. The scorer maps a turn only
 * when something matched in it. */
zj_status zj_norm_text_unmapped(zj_norm *n, const char *text, size_t len);

/* ------------------------------------------------------------------ score */

/* Score a call against one rule only (the examples runner, lint, explain);
 * lift_window ignores the rule's `within` (the text given IS the window). */
zj_status zj_score_rule(zj_scorer *s, const zj_call *call, uint32_t rule, bool lift_window,
                        zj_result *out, zj_error *err);
/* zj_score_rule with the rule's window and situation lifted, and with its
 * rivals: every rule without a window or situation, which applies wherever
 * the rule does and whose overlapping hits can take its words in any call
 * (the longest hit wins, a `yield` rule gives way). How the examples runner
 * learns that `score` would never report a rule's hit on an example. */
zj_status zj_score_rule_rivals(zj_scorer *s, const zj_call *call, uint32_t rule, zj_result *out,
                               zj_error *err);

/* ------------------------------------------------------------------ store */

/* Local date (YYYY-MM-DD) and ISO 8601 week (YYYY-Www) of a UTC time seen at
 * an offset of offset_min minutes east of UTC. */
void zj_local_date(int64_t utc_ms, int offset_min, char date[11], char week[9]);
/* Test hook (ZHIJIAN_TEST_READ_PAUSE=DIR): a reader stops between two of its
 * queries, creating DIR/reached, until DIR/go exists (60 s at most), so a
 * test can commit a write in between (tests/scripts/store_snapshot.sh). */
void zj_test_read_pause(void);
/* The same stop where the variable named env gives the directory
 * (ZHIJIAN_TEST_IDENTIFY_PAUSE: between the two looks of the PostgreSQL
 * identity check, tests/scripts/postgres_store.sh). */
void zj_test_pause(const char *env);

/* Whether the store has table name (a reader may open a file written before
 * the table was added). */
bool zj_store_has_table(zj_store *st, const char *name);

/* ---------------------------------------------------------------- reports */

/* Report builders wrap quoted words in these marks; renderers turn them into
 * <mark>, **bold** or 「」. The byte 0xFE never occurs in UTF-8, and every
 * text from outside was checked to be UTF-8 on its way in: a name or a turn
 * holding U+0001 and [[ (valid JSON) is shown as that text, never read as a
 * mark that hides the control and highlights other words. */
#define ZJ_MARK_OPEN "\xFE[["
#define ZJ_MARK_CLOSE "]]\xFE"

typedef enum zj_doc_kind { ZJ_DOC_HEADING, ZJ_DOC_PARA, ZJ_DOC_TABLE, ZJ_DOC_CHART } zj_doc_kind;

/* What a ZJ_DOC_CHART draws. */
typedef enum zj_chart_kind {
    ZJ_CHART_BARS,      /* horizontal bars, one per label */
    ZJ_CHART_HISTOGRAM, /* counts per bin of scores, with the pass line */
    ZJ_CHART_LINES      /* one line per series over the labels (weeks) */
} zj_chart_kind;

struct zj_doc;
typedef struct zj_doc_block {
    struct zj_doc *doc; /* the document, whose sticky error a failed row records */
    zj_doc_kind kind;
    int level;  /* headings */
    char *text; /* heading, paragraph, table name, chart title */
    size_t n_cols;
    char **headers; /* tables; charts: unit, id (data-chart), reference line's label */
    char **cells;   /* tables: n_rows * n_cols; charts: n_rows labels, then n_series names */
    double *values; /* charts: bars and histogram n_rows; lines n_series * n_rows (NAN: none) */
    double max;     /* charts: the value scale's top */
    double mark;    /* charts: the reference line (pass mark), < 0: none */
    zj_chart_kind chart;
    double span;     /* histogram: the score axis, 0..span */
    size_t n_low;    /* histogram: the first bins, wholly below the pass mark */
    size_t n_series; /* lines */
    size_t n_rows, cap_rows;
} zj_doc_block;

typedef struct zj_doc {
    char *title;
    zj_doc_block *blocks;
    size_t n, cap;
    /* Sticky: the first failure while building (out of memory, or one a
     * report recorded with zj_doc_fail). Builders do nothing once it is set
     * and zj_doc_render refuses to render, so a document that lost a row
     * never comes out looking complete. */
    zj_status error;
    char **strs; /* strings made by zj_doc_strf, freed with the document */
    size_t n_strs, cap_strs;
} zj_doc;

/* The builders below return nothing: a failure is recorded in the document
 * (zj_doc_status) and reported by zj_doc_render. zj_doc_row(NULL, ...) and
 * zj_doc_*(NULL, ...) do nothing (a table that could not be made has already
 * recorded its error). */
zj_doc *zj_doc_new(const char *title);
void zj_doc_free(zj_doc *d);
/* Records status as the document's error unless one is recorded already. */
void zj_doc_fail(zj_doc *d, zj_status status);
zj_status zj_doc_status(const zj_doc *d);
/* printf into a string owned by the document (freed with it): cell text of
 * any length without a fixed buffer. NULL, with the error recorded, when out
 * of memory. */
const char *zj_doc_strf(zj_doc *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void zj_doc_heading(zj_doc *d, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void zj_doc_para(zj_doc *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
zj_doc_block *zj_doc_table(zj_doc *d, const char *name, size_t n_cols, const char *const *headers);
/* Appends a row: exactly n_cols strings (copied). */
void zj_doc_row(zj_doc_block *t, ...);
/* Charts. Every one has an id (the HTML's data-chart attribute), a title
 * and an optional reference line at mark (< 0: none) labelled mark_label;
 * values are copied. In HTML they are inline SVG (report_chart.c), in text
 * and Markdown the same figures as a listing. */
/* Horizontal bars with a value scale 0..max. */
void zj_doc_bars(zj_doc *d, const char *id, const char *title, const char *unit, size_t n,
                 const char *const *labels, const double *values, double max, double mark,
                 const char *mark_label);
/* Calls per score bin on the axis 0..top: counts[i] from lows[i] to
 * lows[i + 1] - 1, the last bin to top (labelled "lo–hi", or "lo" for a bin
 * of one point); the pass line at pass_mark. */
void zj_doc_histogram(zj_doc *d, const char *id, const char *title, size_t n_bins, const int *lows,
                      int top, const long *counts, int pass_mark);
/* Lines over n_x labels: values[s * n_x + x] of series s (NAN: no value, the
 * line breaks), scale 0..max. */
void zj_doc_lines(zj_doc *d, const char *id, const char *title, const char *unit, size_t n_x,
                  const char *const *x_labels, size_t n_series, const char *const *names,
                  const double *values, double max, double mark, const char *mark_label);
/* The chart as inline SVG (HTML renderer). */
void zj_chart_svg(zj_buf *out, const zj_doc_block *b);
zj_status zj_doc_render(const zj_doc *d, zj_format fmt, zj_buf *out);
/* One CSV field, RFC 4180 quoted where needed; a field a spreadsheet would
 * run as a formula gets a leading single quote. */
void zj_csv_field(zj_buf *out, const char *s);
/* s without the quote zj_csv_field put before a formula-like value. */
const char *zj_csv_unguard(const char *s);

/* printf into a new string (NULL when out of memory). */
char *zj_sqlf(const char *format, ...) __attribute__((format(printf, 1, 2)));
/* Prepare a report query and bind the shared filter: ?1 rule set id, ?2 from,
 * ?3 to, ?4 team, ?5 agent (NULL matches all). */
zj_stmt *zj_report_query(zj_store *st, const char *sql, int64_t ruleset_id,
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
/* ZJ_OK when the filter selects at least one stored call of the rule set;
 * else ZJ_ERR_NOTFOUND with a message naming the filters ("no scored calls
 * of rule set ... match the filters --agent X: no WHAT written"), so that no
 * report states a conclusion over zero calls. */
zj_status zj_report_require_calls(zj_store *st, int64_t ruleset_id, const zj_report_filter *f,
                                  const char *what, zj_error *err);
/* Column text, "" for NULL. */
const char *zj_col(zj_stmt *q, int i);
/* The store's SQL connection (db.h), for the report and review queries. */
zj_db *zj_store_db(zj_store *st);
/* Now in UTC as 2026-12-04T03:05:09Z (millis: 2026-12-04T03:05:09.123Z). */
void zj_utc_now(char out[32], bool millis);
/* Whether the store was opened for writing. */
bool zj_store_writable(const zj_store *st);
zj_status zj_report_ruleset(zj_store *st, int64_t id, char *label, size_t label_size, char sha[65],
                            zj_error *err);
size_t zj_display_width(const char *s);

/* The store's last SQLite error as an error record naming the database file:
 * "PATH: what: SQLite's message" (ZJ_ERR_DB, ZJ_ERR_BUSY or ZJ_ERR_FULL). */
zj_status zj_store_error(zj_store *st, zj_error *err, const char *what);
/* Steps a report query that must yield exactly one row; false (err filled
 * from the store) when it yields none or fails. */
bool zj_report_one_row(zj_store *st, zj_stmt *q, zj_error *err);
/* After a loop of zj_db_step: ZJ_OK when rc is ZJ_DB_DONE, else the
 * store's error (a damaged file, an I/O error, out of memory). */
zj_status zj_report_done(zj_store *st, int rc, zj_error *err);

/* ------------------------------------------------------------------- misc */

/* Room for one more element of *v (n used, *cap allocated, size bytes each);
 * false when out of memory. */
bool zj_grow(void **v, size_t n, size_t *cap, size_t size);
#define ZJ_GROW(v, n, cap) zj_grow((void **)&(v), (n), &(cap), sizeof *(v))
/* What zj_escape_cp leaves as it is besides printable text. */
enum {
    ZJ_ESC_KEEP_TAB = 1,
    ZJ_ESC_KEEP_LF = 2,
    ZJ_ESC_KEEP_CR = 4,
    ZJ_ESC_KEEP_SPACE = ZJ_ESC_KEEP_TAB | ZJ_ESC_KEEP_LF | ZJ_ESC_KEEP_CR,
};
#define ZJ_ESC_MAX 12 /* room for the longest escape, \U000e0041 */
/* How every renderer (terminal, HTML and Markdown reports, review pages)
 * shows the character at s (n > 0 bytes left), *k bytes long: 0 when it is
 * shown as it is, else the length of the escape written to esc — \n, \t, \r
 * for a tab or line break not in `keep` (ZJ_ESC_KEEP_*), \x01 for another C0
 * control, DEL or a byte that is not UTF-8 (*k = 1), \u0085 for a C1
 * control, \u202e for a character that changes what is seen unseen (the
 * format characters, Unicode's Cf: bidi controls, zero-width spaces,
 * U+FEFF, tags; U+2028, U+2029; not the joiners U+200C, U+200D), written
 * \U000e0041 beyond U+FFFF. */
size_t zj_escape_cp(const char *s, size_t n, unsigned keep, size_t *k, char esc[ZJ_ESC_MAX]);
/* v rounded to `decimals` places half away from zero (四舍五入), for the
 * figures reports print: printf rounds an exact half to even (96.25 → 96.2)
 * and a decimal half stored a hair below it down (50.15 → 50.1). */
double zj_half_up(double v, int decimals);
/* seconds as whole milliseconds (the resolution of every timestamp):
 * false when it is a finer fraction (0.0004, 15.0005), which no
 * timestamp could honour. */
bool zj_whole_ms(double seconds, int64_t *ms);
/* strdup that returns NULL for NULL (C11 has no strdup). */
char *zj_strdup(const char *s);
/* A path a file names (`extends:`, a model's `file:`): value itself when
 * absolute or when from has no directory, else beside from. malloc'd. */
char *zj_path_beside(const char *from, const char *value);

/* The filter every report query shares after the rule set's term (?1, which
 * zj_report_scope gives): ?2 from, ?3 to (local dates), ?4 team, ?5 agent; a
 * NULL filter matches everything. Portable SQL. */
#define ZJ_CALL_FILTER_REST                                                                        \
    " AND (CAST(?2 AS TEXT) IS NULL OR c.local_date >= ?2)"                                                      \
    " AND (CAST(?3 AS TEXT) IS NULL OR c.local_date <= ?3) AND (CAST(?4 AS TEXT) IS NULL OR c.team = ?4)"                      \
    " AND (CAST(?5 AS TEXT) IS NULL OR c.agent_id = ?5)"

/* SHA-256 of data as 64 lowercase hex digits + NUL (sha256.c). */
void zj_sha256_hex(const void *data, size_t len, char out[65]);
/* The same without the SHA-NI instructions: the reference the tests compare
 * the accelerated path with. */
void zj_sha256_hex_portable(const void *data, size_t len, char out[65]);

/* Monotonic clock in nanoseconds. */
uint64_t zj_now_ns(void);

/* ------------------------------------------------------- conversation */

/* Findings of one call as they are built (score.c, metrics.c). */
typedef struct zj_finding_list {
    zj_finding *v;
    size_t n, cap;
} zj_finding_list;
zj_status zj_finding_push(zj_finding_list *l, const zj_finding *f);

struct loader;
/* rules_conversation.c: the keys of conversation rules (when, metric and its
 * thresholds, announce) read from a rule's YAML map; references to other
 * rules are recorded by name and resolved by zj_rules_resolve_refs once every
 * rule is known. Errors go through the loader's callback. */
typedef void (*zj_fail_fn)(void *ld, const zj_ynode *at, const char *msg);
void zj_rules_parse_conversation(const zj_ynode *rule_map, zj_rule *r, zj_fail_fn fail, void *ld);
void zj_rules_resolve_refs(zj_ruleset *rs, const zj_ynode *rules_seq, zj_fail_fn fail, void *ld);
/* "answer_time", ...; NULL for ZJ_METRIC_NONE. */
const char *zj_metric_name(zj_metric m);

/* metrics.c: evaluate one metric rule on a call. from_turn: first turn
 * counted (0, or the tag's turn for a conditional rule); marks[t] tells
 * whether turn t holds a hit of the rule's `announce` rule (bit
 * ZJ_MARK_ANNOUNCED, read on agent turns), of its `waiting` rule
 * (ZJ_MARK_WAITING, read on customer turns) or of its `customer_pause`
 * rule (ZJ_MARK_PAUSED, read on customer turns), and whether it is no
 * utterance (ZJ_MARK_NO_SPEECH: fillers, non-speech tags or punctuation
 * alone — 嗯。, [等待音], [咳嗽] — which neither speaks nor breaks a
 * silence); marks may be NULL. norm is scratch for counting characters.
 * Appends the rule's findings. */
#define ZJ_MARK_ANNOUNCED 1u
#define ZJ_MARK_WAITING 2u
#define ZJ_MARK_NO_SPEECH 4u
#define ZJ_MARK_PAUSED 8u
zj_status zj_metric_eval(const zj_ruleset *rs, uint32_t rule, const zj_call *call, size_t from_turn,
                         const unsigned char *marks, zj_norm *norm, zj_finding_list *out);

/* ------------------------------------------------------ input formats (ingest) */

/* What one input file yields: calls and rejected records, in file order. */
typedef struct zj_ingest_item {
    zj_call *call;   /* or NULL with error */
    zj_error *error; /* allocated */
} zj_ingest_item;

typedef struct zj_ingest_out {
    const char *source;     /* path, for messages and call->source */
    const char *default_id; /* call id for one-call-per-file formats: file name sans extension */
    zj_ingest_item *v;
    size_t n, cap;
    bool nomem; /* an item could not be stored: the reader reports it */
} zj_ingest_out;

/* One input format behind the reader (engine/ingest_<name>.c):
 *  detect: confidence 0 (not this format) .. 100 that content is this format;
 *          content may be only the first bytes of the file (NUL-terminated).
 *  parse:  the whole file (valid UTF-8, no BOM, NUL-terminated) into calls,
 *          each bad record pushed as an error naming FILE:LINE or FILE: path. */
typedef struct zj_ingest_ops {
    const char *name;
    const char *description;
    const char *extensions; /* walked in directories, space-separated: ".json .jsonl" */
    int (*detect)(const char *content, size_t len, const char *path);
    void (*parse)(const char *content, size_t len, zj_ingest_out *out);
} zj_ingest_ops;

/* The table, in detection order; NULL-terminated. */
extern const zj_ingest_ops *const zj_ingest_table[];
const zj_ingest_ops *zj_ingest_find(const char *name);
/* Detects content's format: the single most confident adapter, or NULL with
 * err naming the formats tried (unknown) or those that tie (ambiguous). */
const zj_ingest_ops *zj_ingest_detect(const char *content, size_t len, const char *path,
                                      zj_error *err);
void zj_ingest_out_free(zj_ingest_out *o);
void zj_ingest_push_call(zj_ingest_out *o, zj_call *call);
void zj_ingest_push_error(zj_ingest_out *o, const zj_error *e);
/* Reads a whole buffer (already UTF-8) with format ops into out. */
void zj_ingest_parse(const zj_ingest_ops *ops, const char *content, size_t len, zj_ingest_out *out);

/* Per turn, who spoke, as the input says it: a role, a channel, a speaker id. */
#define ZJ_ROLE_UNKNOWN (-1)
typedef struct zj_party {
    int role;         /* ZJ_SPEAKER_AGENT / ZJ_SPEAKER_CUSTOMER, or ZJ_ROLE_UNKNOWN */
    int channel;      /* >= 0, or -1 */
    char speaker[64]; /* speaker id as written, or "" */
} zj_party;

struct zj_call_parties {
    zj_party *v; /* one per turn */
    size_t cap;
};

/* Building calls in adapters. A new call has every optional field absent. */
zj_call *zj_ing_call_new(const char *call_id, const char *source, long line);
/* Appends a turn: text cleaned (trimmed; whitespace next to CJK characters
 * removed, ASR's "您 好 ，"), skipped when empty. false: out of memory. */
bool zj_ing_add_turn(zj_call *c, const char *text, size_t len, int64_t start_ms, int64_t end_ms,
                     const zj_party *who);
/* Adds a metadata entry (turn -1: the call). false: out of memory. */
bool zj_ing_add_meta(zj_call *c, long turn, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Index of the last turn added, -1 when none (a skipped empty turn keeps the
 * previous one). */
long zj_ing_last_turn(const zj_call *c);
/* Sets an optional string field (replacing it). false: out of memory. */
bool zj_ing_set(char **field, const char *value, size_t len);
void zj_call_meta_free(zj_call *call);

/* JSON helpers: values at a path, errors "FILE: $.a.b[3].c: message". */
struct json_t *zj_ing_json_load(const char *content, size_t len, const char *src, zj_error *err);
/* Milliseconds from a number or a numeric string, scaled by unit_ms (1 for ms,
 * 1000 for seconds). Absent/null: *out = -1 unless required. */
bool zj_ing_json_ms(struct json_t *v, double unit_ms, bool required, int64_t *out, const char *src,
                    const char *path, zj_error *err);
/* A number or numeric string as a double; absent/null: false without error. */
bool zj_ing_json_num(struct json_t *v, double *out);
/* A string (required or not); *s NULL when absent. */
bool zj_ing_json_str(struct json_t *v, bool required, const char **s, size_t *len, const char *src,
                     const char *path, zj_error *err);
/* A speaker id: string or integer, into buf; absent/null: "". */
bool zj_ing_json_id(struct json_t *v, char *buf, size_t size, const char *src, const char *path,
                    zj_error *err);
/* A channel number: integer or numeric string; absent/null: -1. */
bool zj_ing_json_channel(struct json_t *v, int *out, const char *src, const char *path,
                         zj_error *err);
/* The keys of one utterance object of a vendor's JSON (FunASR, Whisper). */
typedef struct zj_ing_keys {
    const char *text, *start, *end, *speaker;
    double unit_ms; /* of start and end: 1 for milliseconds, 1000 for seconds */
} zj_ing_keys;
/* Reads the utterance object s at path (text, start and end required, the
 * speaker optional; end not before start) and adds it to c as a turn. false
 * with err set: a bad field ("PATH.key: ..."), or out of memory. */
bool zj_ing_json_utterance(zj_call *c, struct json_t *s, const char *path, const zj_ing_keys *k,
                           const char *src, zj_error *err);

/* Text formats: a clock time [h:]mm:ss[.,]fff (s[0..n)) in milliseconds;
 * minutes and seconds above 59 are refused. */
bool zj_ing_clock(const char *s, size_t n, int64_t *ms);
/* The same, but minutes without hours may pass 59 ("75:08.000"): Tencent's
 * m:ss.mmm counts a long recording in minutes. */
bool zj_ing_clock_minutes(const char *s, size_t n, int64_t *ms);
/* A plain decimal number, the whole string ("1020", "5.7", "+3"): strtod
 * would also read hex, exponents, inf and nan, which no export writes. */
bool zj_ing_decimal(const char *s, double *out);
/* A speaker prefix at the start of s ("坐席：", "客户:", "[SPEAKER_00]:",
 * "发音人1：", "左声道：", "Speaker 2:"): fills who and returns the bytes it
 * takes (colon and spaces included), 0 when there is none. */
size_t zj_ing_speaker_prefix(const char *s, size_t n, zj_party *who);
/* The speaker prefix of a subtitle line whose markup is already removed,
 * also behind leading spaces and a dialogue dash ("- 坐席：…", "－客户：…"):
 * the bytes up to the end of the prefix, 0 when the line names no speaker. */
size_t zj_ing_line_speaker(const char *s, size_t n, zj_party *who);
/* Whether a later line of a subtitle cue (markup removed) that names no
 * speaker is more words of the cue's speaker. Not when it reads as a change
 * of speaker: a label before a colon, as a speaker prefix is written, that
 * is no speaker ("物业：…", "A: …"; a first line so written names no speaker
 * either), or a dialogue dash before words, which marks a new speaker
 * ("- 这个…"). Whose words those are cannot be told: false with e set at
 * line; expected lists the format's speaker marks. */
bool zj_ing_cue_line_continues(const char *s, size_t n, const char *src, long line,
                               const char *expected, zj_error *e);
/* The cues of a subtitle file (SRT, WebVTT) as turns. A cue's text is one
 * speaker's turn until a later line opens with another speaker (坐席：…
 * then 客户：… in one cue): each speaker gets a turn of their own, and since
 * the cue's time cannot be divided between them, those turns have no times
 * (timed metrics are then not measurable, never guessed). A cue without a
 * speaker among cues that name theirs is an error at its line: whose words
 * they are cannot be told. */
typedef struct {
    bool split;         /* the current cue holds more than one speaker */
    bool named;         /* some cue names its speaker */
    long unnamed_line;  /* the first line of the first cue that does not, 0 if none */
} zj_ing_cue;
/* A cue's first text line, at line; named: it opens with a speaker. */
void zj_ing_cue_start(zj_ing_cue *q, bool named, long line);
/* A later text line of the cue: next is the speaker it opens with (NULL:
 * none). With one, the text so far becomes *who's turn and next the
 * speaker of what follows. False when out of memory. */
bool zj_ing_cue_turn(zj_ing_cue *q, zj_call *c, zj_buf *text, const zj_party *next,
                     zj_party *who);
/* The end of a cue: its first len bytes of text become *who's turn (timed
 * unless the cue was split), and text is emptied. False when out of memory. */
bool zj_ing_cue_end(zj_ing_cue *q, zj_call *c, zj_buf *text, size_t len, int64_t start,
                    int64_t stop, const zj_party *who);
/* After the last cue: false with e set (FILE:LINE) when a cue names no
 * speaker while others do; expected lists the format's speaker marks. */
bool zj_ing_cue_speakers(const zj_ing_cue *q, const char *src, const char *expected,
                         zj_error *e);
/* A cue time line "A --> B [settings]" (SRT, WebVTT): both times in ms. */
bool zj_ing_cue_times(const char *s, size_t n, int64_t *start, int64_t *end);
/* A role name (坐席, 客服, agent, 客户, customer, ...) -> speaker; -1 if not one. */
int zj_ing_role_name(const char *s, size_t n);
/* Parses content as JSON and hands the root to build, which returns a call or
 * NULL with err set (NULL with err clear: nothing to push). */
void zj_ing_json_parse(const char *content, size_t len, zj_ingest_out *out,
                       zj_call *(*build)(struct json_t *root, zj_ingest_out *out, zj_error *err));
/* Orders the turns of a call whose every turn is timed by start time
 * (stable; their parties and turn metadata move with them): a file written
 * one channel after the other, or a cue out of place, is read as it was
 * spoken. Every reader's calls pass here (zj_ingest_push_call, the native
 * JSON parsers), so every format means the same by turn N. false: out of
 * memory. */
bool zj_ing_sort_turns(zj_call *c);
/* Content helpers for detect(): s contains needle (within len bytes). */
bool zj_ing_has(const char *s, size_t len, const char *needle);

/* CSV (RFC 4180: quotes, doubled quotes, newlines in quoted fields). */
typedef struct zj_csv_row {
    char **f;
    size_t n;
    long line; /* 1-based line where the row starts */
} zj_csv_row;
typedef struct zj_csv {
    zj_csv_row *rows;
    size_t n;
} zj_csv;
/* Parses text (UTF-8) into rows; blank lines skipped. false: out of memory or
 * an unterminated quote (err names the line). */
bool zj_csv_parse(const char *text, size_t len, const char *src, zj_csv *out, zj_error *err);
void zj_csv_free(zj_csv *c);
/* Index of column name (case-insensitive, aliases separated by '|'), or -1. */
long zj_csv_column(const zj_csv_row *header, const char *names);
/* Index of a second column of that name or its aliases, or -1. Two columns
 * of one meaning (text and 内容) leave unknown which one holds the value, so
 * a reader rejects the header rather than read one and drop the other. */
long zj_csv_column_twice(const zj_csv_row *header, const char *names);

/* Encodings: convert in[0..n) from encoding to UTF-8 (iconv); *out is
 * NUL-terminated, owned by the caller. */
zj_status zj_encoding_to_utf8(const char *encoding, const char *in, size_t n, char **out,
                              size_t *out_n, const char *src, zj_error *err);
/* Why in[0..n) is not UTF-8, as a hint for the error message ("UTF-16LE
 * (byte-order mark FF FE)", "GB18030/GBK"), or NULL when unknown. */
const char *zj_encoding_guess(const char *in, size_t n);
/* in[0..n) reads as GB18030 and is not UTF-8 with a few bytes damaged. */
bool zj_encoding_looks_gb18030(const char *in, size_t n);
/* encoding names one other than UTF-8 (--encoding given); and one whose
 * characters are two or four bytes (UTF-16, UTF-32), which a line cannot
 * be converted from alone: its newline is two or four bytes too. */
bool zj_encoding_named(const char *encoding);
bool zj_encoding_wide(const char *encoding);
/* One line of a JSON lines input that is not valid UTF-8 (at line and byte
 * offset of path), converted from encoding: UTF-8 damaged in a few bytes is
 * an error, as for a whole file. *out NUL-terminated. */
zj_status zj_encoding_line_utf8(const char *path, const char *encoding, const char *in, size_t n,
                                long line, uint64_t offset, char **out, size_t *out_n,
                                zj_error *err);
/* Reads a whole file (at most max bytes) as UTF-8: converted from encoding
 * when given, a UTF-8 BOM dropped, otherwise an error naming the likely
 * encoding. *out NUL-terminated. */
zj_status zj_encoding_read_file(const char *path, const char *encoding, size_t max, char **out,
                                size_t *out_n, zj_error *err);
/* The same for bytes already in memory. */
zj_status zj_encoding_utf8(const char *path, const char *encoding, const char *in, size_t n,
                           char **out, size_t *out_n, zj_error *err);

/* Call metadata table (ingest_meta.c): fills call fields from the row of its
 * call id; *channel / *speaker receive the row's role mapping (-1 / NULL). */
zj_status zj_meta_table_apply(const zj_meta_table *t, zj_call *call, long *channel,
                              const char **speaker, zj_error *err);

/* Roles (roles.c): which party of a call is the agent. */
/* More than one opening rule (3 points): a single 你好 decides nothing. */
#define ZJ_ROLES_MIN_MARGIN 4
typedef struct zj_roles_decision {
    char agent[80];     /* "channel 1", "speaker SPEAKER_00" */
    char runner_up[80]; /* "" when one party only */
    int score, runner_up_score;
    int script, runner_up_script; /* the agent's script phrases each says */
    const char *method; /* "input", "channel", "speaker", "auto" */
} zj_roles_decision;
/* Assigns every turn's speaker from call->parties: roles given by the input,
 * a mapping (channel >= 0 or speaker), or auto. Records the decision in
 * call->meta and frees call->parties. Errors: FILE[:LINE]: roles undecided. */
zj_status zj_roles_resolve(zj_scorer *s, const zj_ruleset *rs, zj_call *call, long channel,
                           const char *speaker, zj_roles_decision *out, zj_error *err);
/* How many polite phrases (文明用语: 您好, 请问, 请稍等, ...) text holds. */
int zj_roles_polite_count(const char *text, size_t len);
/* How many phrases of the agent's script that a caller does not say
 * (有什么可以帮, 为您, 帮您, 请稍等, 感谢您的来电, ...) text holds, none
 * counted twice. */
int zj_roles_script_count(const char *text, size_t len);

/* ------------------------------------------- matching as ASR writes text */
/* Traditional -> Simplified Chinese (t2s.c), fillers (fillers.c) and
 * matching by sound (fuzzy.c, pinyin_table.c); see engine/README.md. */

/* One entry of the t2s table the build generates from OpenCC
 * (tools/gen/gen_t2s.c): code point cp becomes zj_t2s_pool[start..start+len). */
typedef struct zj_t2s_entry {
    uint32_t cp, start;
    uint8_t len;
} zj_t2s_entry;
/* What cp becomes under OpenCC's t2s, character by character: the number of
 * code points at *out, 0 when it stays as it is (always 0 without OpenCC). */
size_t zj_t2s(uint32_t cp, const uint32_t **out);
/* Whether the build has the t2s table (ZJ_OPENCC). */
bool zj_t2s_available(void);

/* A rule set's fillers (`fillers:`), normalized. A one-character filler is
 * dropped wherever it occurs; a longer one only standing alone: between
 * turn edges, removed characters (spaces, punctuation) or other fillers.
 * Neither before a sentence end or at the end of the turn (不知道啊。). */
typedef struct zj_fillers zj_fillers;
/* words[i] as written (lens[i] bytes); NULL with *bad = index of a word that
 * is empty after normalization (or SIZE_MAX when out of memory). */
zj_fillers *zj_fillers_new(const char *const *words, const size_t *lens, size_t n, size_t *bad);
void zj_fillers_free(zj_fillers *f);
/* Bitmaps of the BMP as 64-bit rows: code point cp is bit cp & 63 of row
 * cp >> 6. */
#define ZJ_BMP_ROWS (0x10000 / 64)
/* The ideographs the normalizer converts (t2s), into out. */
void zj_norm_converting_rows(uint64_t out[ZJ_BMP_ROWS]);
/* zj_norm_text / _unmapped noticing the ideographs of watch (which must hold
 * the converting ones): n->saw_watch tells whether one may be in the text. */
zj_status zj_norm_text_watch(zj_norm *n, const char *text, size_t len, bool mapped,
                             const uint64_t *watch);
/* Whether a normalized text (no spaces or punctuation) is nothing but
 * fillers: 嗯, 呃呃, 啊 said as a whole turn. false for an empty text. */
bool zj_fillers_only(const zj_fillers *f, const char *norm, size_t len);
/* Drops the fillers from a normalized text (needs n->gaps), in place: text,
 * map (when mapped), sentence breaks and gaps. literal: the text is a rule's
 * literal, whose end is no sentence end. */
zj_status zj_fillers_apply(const zj_fillers *f, zj_norm *n, bool literal);
/* Normalizes like zj_norm_text / zj_norm_text_unmapped (mapped false), then
 * drops fillers when f is non-NULL. */
zj_status zj_norm_text_fillers(zj_norm *n, const char *text, size_t len, const zj_fillers *f,
                               bool mapped);
/* Clause starts in text ASR wrote without punctuation (clauses.c): the
 * rule set's `clause_starts:` regexes, compiled. */
typedef struct zj_clause_starts zj_clause_starts;
/* NULL on out of memory (*bad SIZE_MAX) or when regex *bad does not compile
 * (why says why). */
zj_clause_starts *zj_clause_starts_new(const char *const *regexes, size_t n, size_t *bad,
                                       char *why, size_t why_size);
/* Compiles them to machine code (the rule set's compile step does, unless
 * the load options ask for no JIT). */
void zj_clause_starts_jit(zj_clause_starts *c);
void zj_clause_starts_free(zj_clause_starts *c);
/* In a normalized turn its writer did not punctuate (punctuated false), adds
 * a clause end at every match start of the regexes (c may be NULL), beside
 * the clause ends already there (those of non-speech tags). */
zj_status zj_clause_starts_apply(const zj_clause_starts *c, zj_norm *n, bool punctuated);
/* A rule set's non-speech tags (`non_speech:`, non_speech.c): [笑声],
 * 【噪音】, <|Laughter|> — sounds, not words, read as a clause end. */
typedef struct zj_non_speech zj_non_speech;
/* words[i] as written (lens[i] bytes); NULL with *bad = index of a bad word
 * and *why what is wrong with it (or *bad = SIZE_MAX when out of memory). */
zj_non_speech *zj_non_speech_new(const char *const *words, const size_t *lens, size_t n,
                                 size_t *bad, const char **why);
void zj_non_speech_free(zj_non_speech *ns);
/* *out: a malloc'd copy of text with each tag's code points written as lead
 * (',' or ' ') and spaces (as many code points as before, so offsets in code
 * points hold for text), or NULL when text holds no tag. */
zj_status zj_non_speech_blank(const zj_non_speech *ns, const char *text, size_t len, char lead,
                              char **out, size_t *out_len);
/* zj_norm_text_unmapped of text with its tags (ns may be NULL) removed: what
 * the speaker said, for counting. */
zj_status zj_norm_text_speech(zj_norm *n, const char *text, size_t len, const zj_non_speech *ns);
/* A turn as the rule set's patterns see it: non-speech tags read as clause
 * ends, normalized, fillers dropped, synonyms read as their standard word,
 * clause starts of unpunctuated text added. */
zj_status zj_norm_turn(zj_norm *n, const char *text, size_t len, const struct zj_ruleset *rs,
                       bool mapped);
/* Grows n's text and map buffers to hold extra more bytes. */
zj_status zj_norm_reserve(zj_norm *n, size_t extra);
/* A rule set's synonyms (`synonyms:`, synonyms.c): regional and informal
 * forms of words (晓得, 么子) read as the standard word (知道, 什么). */
typedef struct zj_synonyms zj_synonyms;
/* forms[i] is read as words[i]. NULL with *bad = the index of a bad entry
 * and *why a reason, or *bad = SIZE_MAX when out of memory. *chained is
 * SIZE_MAX, or, when entry *bad's standard word is another entry's form (a
 * chain: 晓得: 知道, 知道: 明白), that entry's index (*why is NULL then). */
zj_synonyms *zj_synonyms_new(const char *const *forms, const size_t *form_lens,
                             const char *const *words, const size_t *word_lens, size_t n,
                             size_t *bad, const char **why, size_t *chained);
void zj_synonyms_free(zj_synonyms *s);
/* Replaces the forms in a normalized turn (after the fillers' pass): text,
 * map (when mapped), sentence and clause ends. s may be NULL. */
zj_status zj_synonyms_apply(const zj_synonyms *s, zj_norm *n);
/* The same on a normalized literal (*text, malloc'd, replaced). */
zj_status zj_synonyms_literal(const zj_synonyms *s, char **text, size_t *len);
/* zj_norm_literal with fillers dropped (f may be NULL). */
zj_status zj_norm_literal_fillers(const char *text, size_t len, const zj_fillers *f, char **out,
                                  size_t *out_len);

/* Matching by sound: literals of `fuzzy: pinyin` rules get a twin pattern
 * over the toneless pinyin of the text, in which every ideograph with a
 * reading is replaced by a private-use code point naming its syllable (3
 * bytes for 3, so offsets and the map stay those of the normalized text). */
typedef struct zj_fuzzy {
    zj_pattern *patterns; /* twins; .id indexes this array, .rule/.is_exception as the source */
    uint32_t *source;     /* pattern id of each twin's literal in the rule set */
    bool *context;        /* the twin has a lookaround: its hits are checked (zj_fuzzy_heard) */
    size_t n;
    zj_matcher *matcher;
} zj_fuzzy;
/* Builds the twins of rs's fuzzy rules (rs->fuzzy stays NULL when there are
 * none) and compiles them. */
zj_status zj_fuzzy_build(zj_ruleset *rs, zj_backend backend, const zj_load_opts *opts,
                         zj_error *err);
void zj_fuzzy_free(zj_fuzzy *f);
/* The fewest characters a match by sound of r's patterns covers: 3, or 2 for
 * a rule of the first utterance (within: {first_utterances: 1}). */
size_t zj_fuzzy_min_chars(const zj_rule *r);
/* The pinyin text of a normalized text into *buf (grown as needed; exactly
 * n->len bytes and a NUL). */
zj_status zj_fuzzy_text(const zj_norm *n, char **buf, size_t *cap);
/* A regex matched by sound hears its lookarounds by sound too: 不知道(?=您打)
 * would take 不知道您大概哪天 for a refusal, since 大 sounds like 打. A twin's
 * hit counts only when the difference is in the words it covers, so the
 * twin must also match with only those words by sound and their context as
 * written. zj_fuzzy_heard sets *heard for twin hit h of a turn (pinyin: its
 * pinyin text; exact: the rule set's hits of the turn, exact[0..n_exact)).
 * Twins without a lookaround are always heard, and so are hits an exact hit
 * duplicates; the others are confirmed by one match of their twin anchored
 * at the hit (zj_matcher_match_at), so the check costs the match, not the
 * turn. c holds the turn as written and its exact hits sorted, made at the
 * first check of a turn: zj_fuzzy_check_turn before each turn's checks. */
typedef struct zj_fuzzy_check {
    char *text; /* the turn as written (the hit checked: its words in pinyin) */
    size_t cap;
    zj_hit *exact; /* the turn's exact hits sorted by pattern, start, end */
    size_t n_exact, exact_cap;
    bool ready; /* text and exact are this turn's */
} zj_fuzzy_check;
void zj_fuzzy_check_turn(zj_fuzzy_check *c);
void zj_fuzzy_check_free(zj_fuzzy_check *c);
zj_status zj_fuzzy_heard(const zj_fuzzy *f, zj_match_scratch *s, const zj_norm *norm,
                         const char *pinyin, const zj_hit *exact, size_t n_exact,
                         const zj_hit *h, zj_fuzzy_check *c, bool *heard);
/* Whether cp is a sentence-final particle or interjection (了呢啊呀哦噢喔嘛哈
 * 啦吧吗呗哎诶欸嘞咯哟嗯呃喽噻呐耶): words that say nothing by themselves. */
bool zj_is_particle(uint32_t cp);
/* Toneless syllables of an ideograph (ids into zj_pinyin_syllables), primary
 * reading first; the count (0: no reading known). */
#define ZJ_PINYIN_MAX_READINGS 16
size_t zj_pinyin_readings(uint32_t cp, uint16_t ids[ZJ_PINYIN_MAX_READINGS]);
const char *zj_pinyin_syllable(uint16_t id);
/* The private-use code point standing for syllable id in the pinyin text. */
#define ZJ_PINYIN_BASE 0xE000u
#define ZJ_PINYIN_MAX_SYLLABLES 0x200u

/* ------------------------------------------------------------------ model */

/* A rule's clause classifier (model.c, `model:`). */
typedef struct zj_model zj_model;
/* Clauses shorter than this (in code points) are not scored: two or three
 * characters (等一下, 就这样) say too little to judge without their context,
 * and the short wordings that are offences are the rules of words' (随便,
 * 急啥). Cross-validated on the gold set, 4 kept recall and cut false
 * positives against 2, 3 and 5. */
#define ZJ_MODEL_MIN_CHARS 4
/* Reads a model file; NULL with err naming the file and line. */
zj_model *zj_model_load(const char *path, zj_error *err);
void zj_model_free(zj_model *m);
const char *zj_model_sha256(const zj_model *m);
/* The log-odds of one clause's own n-grams (normalized UTF-8, no clause end
 * inside), without its neighbours. */
double zj_model_logit(const zj_model *m, const char *text, size_t len);
/* The next clause of a normalized turn a model scores: [*start, *end) in
 * normalized bytes, between two clause ends, at least ZJ_MODEL_MIN_CHARS
 * long; *k starts at 0. false after the last. */
bool zj_model_next_clause(const zj_norm *norm, size_t *k, size_t *start, size_t *end);
/* The clauses of a normalized turn (those of zj_model_next_clause), each
 * with the one before and after it: a range with a == b is none (the clause
 * starts or ends the turn). */
typedef struct zj_clause_walk {
    size_t k;
    bool started;
    size_t a, b;           /* the clause, normalized bytes */
    size_t prev_a, prev_b; /* the clause before */
    size_t next_a, next_b; /* the clause after */
} zj_clause_walk;
void zj_clause_walk_init(zj_clause_walk *w, const zj_norm *norm);
/* Moves to the next clause; false after the last. */
bool zj_clause_walk_next(zj_clause_walk *w, const zj_norm *norm);
/* The log-odds of the walk's clause: its n-grams and, for a model that
 * weighs them, its neighbours' bigrams. */
double zj_model_clause_logit(const zj_model *m, const zj_norm *norm, const zj_clause_walk *w);
/* A training line's fields after its call id (zj_eval_clauses,
 * zj_rules_example_clauses): a tab, the turn, the clause's original code
 * points [cs, ce), the label and the normalized clause [a, b) of norm,
 * tab-separated, and a newline. */
void zj_model_clause_line(zj_buf *out, size_t turn, uint32_t cs, uint32_t ce, const char *label,
                          const zj_norm *norm, size_t a, size_t b);
/* Appends a hit of pattern for every clause of a normalized turn whose
 * log-odds reach logit_min. */
zj_status zj_model_hits(const zj_model *m, double logit_min, const zj_norm *norm,
                        uint32_t pattern, zj_hits *out);

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
 * end of the clause. text is the original turn, norm its mapped
 * normalization (zj_norm_turn: its clause ends include the rule set's
 * clause_starts); out is overwritten; scratch/scratch_cap is a reusable
 * buffer owned by the caller. */
zj_status zj_quote_regions(const char *text, size_t len, const zj_norm *norm, zj_spans *out,
                           uint32_t **scratch, size_t *scratch_cap);
/* The reported speech of a turn (quote_report.c), appended to out after the
 * regions of its quotation marks (a report whose words are a quotation is
 * left to those); scratch as for zj_quote_regions. */
zj_status zj_reported_speech(const zj_norm *norm, zj_spans *out, uint32_t **scratch,
                             size_t *scratch_cap);
/* Appends [start, end) to out (nothing when empty). */
zj_status zj_spans_push(zj_spans *out, uint32_t start, uint32_t end);
/* Whether [start, end) lies inside one of the regions. */
bool zj_spans_cover(const zj_spans *regions, uint32_t start, uint32_t end);
/* Whether [start, end) shares a code point with one of the regions. */
bool zj_spans_overlap(const zj_spans *regions, uint32_t start, uint32_t end);

#endif /* ZJ_INTERNAL_H */
