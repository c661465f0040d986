/* zhijian.h — the one public header of libzhijian: ingest call transcripts,
 * normalize them, match them against a compiled YAML rule set, score them,
 * store results in SQLite and write reports.
 *
 * Conventions for every function below:
 *  - The library never prints to stdout/stderr and never exits; errors come
 *    back as zj_status plus an optional zj_error detail record.
 *  - Spans in results are half-open ranges of Unicode code points in the
 *    ORIGINAL turn text. Offsets inside the matcher are bytes of the
 *    NORMALIZED text; only the scorer converts between them.
 *  - Times are milliseconds (int64_t); -1 means "absent in the input".
 *  - Objects returned by *_new / *_load / *_open are owned by the caller and
 *    released with the matching *_free / *_close.
 */
#ifndef ZHIJIAN_H
#define ZHIJIAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ZJ_VERSION "0.1.0"

/* ------------------------------------------------------------------ errors */

typedef enum zj_status {
    ZJ_OK = 0,
    ZJ_DONE, /* end of input (not an error) */
    ZJ_ERR_NOMEM,
    ZJ_ERR_IO,       /* cannot open/read/write a file */
    ZJ_ERR_PARSE,    /* malformed JSON / YAML / text */
    ZJ_ERR_UTF8,     /* invalid UTF-8 */
    ZJ_ERR_INVALID,  /* well-formed but violates the schema */
    ZJ_ERR_REGEX,    /* a pattern does not compile */
    ZJ_ERR_LIMIT,    /* input exceeds a documented limit */
    ZJ_ERR_DB,       /* SQLite error */
    ZJ_ERR_BUSY,     /* database locked by another writer */
    ZJ_ERR_FULL,     /* disk or database full */
    ZJ_ERR_NOTFOUND, /* no such call / rule set / rule */
    ZJ_ERR_USAGE,    /* caller passed inconsistent options */
    ZJ_ERR_DENIED,   /* the viewer may not see or do this (review pages) */
} zj_status;

const char *zj_strerror(zj_status status);

/* Detail record for parse and validation errors. line/col are 1-based;
 * 0 means unknown. col counts code points (characters), not bytes. */
typedef struct zj_error {
    zj_status status;
    char file[512];
    long line;
    long col;
    char msg[1024];
} zj_error;

/* Reset to ZJ_OK with empty fields. */
void zj_error_clear(zj_error *err);
/* Fill err (if non-NULL) and return status. printf-style message. */
zj_status zj_error_set(zj_error *err, zj_status status, const char *file, long line, long col,
                       const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* "FILE:LINE:COL: message" / "FILE:LINE: message" / "FILE: message" / "message"
 * into buf (always NUL-terminated). Returns buf. */
const char *zj_error_format(const zj_error *err, char *buf, size_t size);

/* ------------------------------------------------------------- calls (ingest) */

typedef enum zj_speaker {
    ZJ_SPEAKER_AGENT = 0,
    ZJ_SPEAKER_CUSTOMER = 1,
    ZJ_SPEAKER_ANY = 2
} zj_speaker;

const char *zj_speaker_name(zj_speaker s); /* "agent" | "customer" | "any" */

typedef struct zj_turn {
    zj_speaker speaker;
    char *text;       /* valid UTF-8, NUL-terminated, owned by the call */
    size_t text_len;  /* bytes */
    int64_t start_ms; /* -1 if absent */
    int64_t end_ms;   /* -1 if absent */
} zj_turn;

typedef struct zj_call {
    char *call_id;  /* required, never NULL */
    char *agent_id; /* optional fields: NULL if absent */
    char *agent_name;
    char *team;
    char *direction; /* "inbound" | "outbound" | other as given */
    char *call_type;
    char *started_at;          /* ISO 8601 as given, e.g. 2026-11-01T09:00:00+08:00 */
    int64_t started_at_utc_ms; /* parsed started_at; INT64_MIN if absent */
    int utc_offset_min;        /* offset of started_at, minutes east of UTC */
    int64_t ring_ms;           /* -1 if absent */
    zj_turn *turns;
    size_t n_turns;
    /* Where the call came from, for messages and resume watermarks. */
    const char *source;  /* path as given ("-" for stdin); borrowed from the reader */
    long line;           /* 1-based line of the call's first byte */
    uint64_t offset;     /* byte offset of the call's first byte in the source */
    uint64_t end_offset; /* byte offset just past the call (incl. newline) */
    char *arena;         /* when set, every string above lives in it (one allocation) */
    /* Inputs other than native JSON (NULL / 0 for native calls): */
    struct zj_meta *meta; /* key/value list: vendor figures, the role decision (owned) */
    size_t n_meta;
    struct zj_call_parties *parties; /* speaker/channel per turn until roles are decided */
} zj_call;

void zj_call_free(zj_call *call);

/* Parse one call from a JSON object text (used by the reader and by tests).
 * source/line only label errors. On error returns NULL and fills err. */
zj_call *zj_call_parse_json(const char *json, size_t len, const char *source, long line,
                            zj_error *err);

/* A reader yields the calls of one input: a .json file holding one object,
 * or JSONL (one object per line, blank lines skipped), or "-" for stdin
 * (JSONL or one object; detected from the content). Lines longer than
 * ZJ_MAX_LINE bytes are rejected with ZJ_ERR_LIMIT and skipped. */
#define ZJ_MAX_LINE (64u * 1024u * 1024u)

typedef struct zj_reader zj_reader;

/* start_offset: byte offset to seek to (resume); 0 for the start. Fails for
 * stdin with start_offset > 0 (ZJ_ERR_USAGE). */
zj_reader *zj_reader_open(const char *path, uint64_t start_offset, zj_error *err);
/* ZJ_OK and *out = a call (caller frees), ZJ_DONE at end, or an error for one
 * bad record (err names file:line; the reader stays usable: call again to go
 * on with the next record). A fatal read error returns ZJ_ERR_IO and then
 * ZJ_DONE. */
zj_status zj_reader_next(zj_reader *r, zj_call **out, zj_error *err);
/* Total size in bytes if known (regular file), else 0. */
uint64_t zj_reader_size(const zj_reader *r);
/* Byte offset just past the last record returned (call or error). */
uint64_t zj_reader_offset(const zj_reader *r);
void zj_reader_close(zj_reader *r);

/* Callback receiving one diagnostic (error record) at a time. */
typedef void (*zj_diag_cb)(const zj_error *diag, void *ctx);

/* Expand inputs: files stay as given, directories are walked recursively for
 * *.json and *.jsonl files (sorted by path; hidden entries skipped), "-" stays
 * "-". A path that does not exist is reported through on_error (may be NULL)
 * and left out; the others are still returned, and the last error status is
 * returned. Free the list with zj_paths_free.
 * While walking, a symbolic link to a directory or an input-named one is
 * skipped (unless ZJ_WALK_FOLLOW_LINKS), and so is a *.json(l) entry that is
 * not a regular file (FIFO, device): both reported as warnings (status ZJ_OK,
 * not errors). Following links, a directory reached again (symlink loop;
 * tracked by device and inode) is skipped with a warning, and a *.json(l)
 * link to a missing file is an error. An unreadable subdirectory is an error
 * (ZJ_ERR_IO), and the walk goes on. Paths named in inputs are always read,
 * links or not. */
zj_status zj_inputs_expand(const char *const *inputs, size_t n, char ***out_paths, size_t *out_n,
                           zj_diag_cb on_error, void *ctx);
void zj_paths_free(char **paths, size_t n);

/* ----------------------------------------------------------- normalization */

/* Normalized text of one turn: NFKC + case fold, whitespace and punctuation
 * removed, with a map from each normalized byte back to the code points of
 * the original text it came from. */
typedef struct zj_norm {
    char *text;           /* normalized UTF-8, NUL-terminated */
    size_t len;           /* bytes */
    uint32_t *orig_start; /* per normalized byte: first original code point */
    uint32_t *orig_end;   /* per normalized byte: one past the last original code point */
    size_t *breaks; /* normalized byte offsets of sentence ends (。？！?! …), ascending */
    size_t n_breaks;
    size_t orig_cps;        /* code points in the original text */
    bool mapped;            /* orig_start/orig_end are filled */
    size_t cap, breaks_cap; /* allocation bookkeeping */
    /* Normalized byte offsets where removed characters (spaces, punctuation)
     * were, ascending; recorded only for a rule set with fillers. */
    size_t *gaps;
    size_t n_gaps, gaps_cap;
    bool want_gaps;
    bool saw_watch; /* a watched character may be in the text (fillers) */
    /* With a watch list: normalized byte offsets of the watched characters
     * of the text, ascending (where a filler may start). */
    size_t *watched_at;
    size_t n_watched, watched_cap;
    bool watched_valid; /* watched_at was recorded for this text */
    /* Clause ends (，、： and every sentence end), same conventions as breaks:
     * what `boundary: clause` rules match within. */
    size_t *clause_breaks;
    size_t n_clause_breaks, clause_breaks_cap;
} zj_norm;

void zj_norm_init(zj_norm *n);
/* Normalize text (valid UTF-8, len bytes) into n, reusing its buffers. */
zj_status zj_norm_text(zj_norm *n, const char *text, size_t len);
void zj_norm_free(zj_norm *n);
/* Normalize a pattern literal the same way (no map). Caller frees *out. */
zj_status zj_norm_literal(const char *text, size_t len, char **out, size_t *out_len);

/* UTF-8 helpers shared by printers: byte offset of code point index cp in s. */
size_t zj_utf8_cp_to_byte(const char *s, size_t len, size_t cp);
/* Number of code points in s[0..len). */
size_t zj_utf8_count(const char *s, size_t len);
/* True if s[0..len) is valid UTF-8 (no overlongs, no surrogates). */
bool zj_utf8_valid(const char *s, size_t len);

/* --------------------------------------------------------------- rule sets */

typedef enum zj_kind { ZJ_KIND_REQUIRED, ZJ_KIND_FORBIDDEN, ZJ_KIND_METRIC, ZJ_KIND_TAG } zj_kind;
typedef enum zj_severity {
    ZJ_SEV_OBSERVATION = 0,
    ZJ_SEV_MINOR = 1,
    ZJ_SEV_MAJOR = 2,
    ZJ_SEV_CRITICAL = 3
} zj_severity;

const char *zj_kind_name(zj_kind k);
const char *zj_severity_name(zj_severity s);
/* Parse "critical"|"major"|"minor"|"observation"; false if unknown. */
bool zj_severity_parse(const char *name, zj_severity *out);

typedef struct zj_ruleset zj_ruleset; /* immutable after load; share across threads */

typedef enum zj_backend { ZJ_BACKEND_AUTO = 0, ZJ_BACKEND_PCRE2, ZJ_BACKEND_HYPERSCAN } zj_backend;

typedef struct zj_load_opts {
    zj_backend backend;    /* AUTO: Hyperscan when built in and usable */
    const char *cache_dir; /* compiled-database cache directory; NULL or "": no cache */
    bool no_jit;           /* interpret regexes (platforms that forbid JIT, valgrind runs) */
    /* Optional: told (status ZJ_OK, file = the cache file) when a cached
     * database is ignored because it is corrupt, stale, planted or not the
     * user's; the rule set is then recompiled and the file replaced. */
    zj_diag_cb on_note;
    void *note_ctx;
} zj_load_opts;

/* Load, validate and compile a rule set from a YAML file. path may be a
 * directory holding exactly one *.yaml / *.yml file. On error returns NULL
 * and err holds FILE:LINE:COL and a message. opts may be NULL. */
zj_ruleset *zj_rules_load(const char *path, const zj_load_opts *opts, zj_error *err);
/* Same from a YAML buffer; name labels errors. */
zj_ruleset *zj_rules_load_buffer(const char *yaml, size_t len, const char *name,
                                 const zj_load_opts *opts, zj_error *err);
void zj_rules_free(zj_ruleset *rs);

/* Validation only, collecting every error (not just the first): calls cb
 * for each problem; returns the number of errors. */
size_t zj_rules_check(const char *path, zj_diag_cb cb, void *ctx);

const char *zj_rules_name(const zj_ruleset *rs);
const char *zj_rules_version(const zj_ruleset *rs);
const char *zj_rules_title(const zj_ruleset *rs);
const char *zj_rules_sha256(const zj_ruleset *rs); /* hex of the YAML bytes */
const char *zj_rules_yaml(const zj_ruleset *rs, size_t *len);
const char *zj_rules_path(const zj_ruleset *rs);
/* The i-th file the rule set was read from (its YAML files, a base of
 * `extends:` and a directory's files among them, then its models' weights),
 * NULL past the last: what a command must not overwrite. */
const char *zj_rules_file(const zj_ruleset *rs, size_t i);
/* Built from several files (`extends:` or a directory): zj_rules_yaml and the
 * hash then cover all of them, each under a "# zhijian rule set file:" line. */
bool zj_rules_merged(const zj_ruleset *rs);
zj_backend zj_rules_backend(const zj_ruleset *rs); /* backend actually in use */
int zj_rules_base(const zj_ruleset *rs);
int zj_rules_pass(const zj_ruleset *rs);
size_t zj_rules_count(const zj_ruleset *rs);

/* Read-only view of one rule, for printers and reports. */
typedef struct zj_rule_info {
    const char *id, *title, *category, *clause;
    zj_kind kind;
    zj_severity severity;
    zj_speaker speaker;
    int points;     /* magnitude from the YAML (>= 0) */
    int max_points; /* 0: no cap */
    bool fatal;
    /* Where the rule is defined; for a rule set that extends another, where
     * the extending file overrode it (override_file NULL: not overridden). */
    const char *file, *override_file;
    long line, override_line;
} zj_rule_info;
bool zj_rules_info(const zj_ruleset *rs, size_t index, zj_rule_info *out);
/* Index of the rule with this id, or -1. */
long zj_rules_find(const zj_ruleset *rs, const char *id);

/* Run every rule's examples (match / no_match) through the real pipeline
 * (normalize -> match -> score with the rule's own speaker and window lifted).
 * cb is called once per example with its outcome; returns failures. */
typedef struct zj_example_result {
    const char *rule_id;
    const char *text;
    bool expect_match;
    bool passed;
    /* A `match` example the rule passes alone, but which `score` would not
     * count against the agent: another rule's overlapping hit takes its
     * words wherever the rule applies (the longest hit wins, a `yield` rule
     * gives way), or every hit is quoted speech (0 points). passed stays
     * true; detail says which. */
    bool taken;
    char detail[512]; /* on failure or when taken: what was found instead */
    /* ZJ_OK when the example ran (passed or not); otherwise it could not be
     * run (e.g. ZJ_ERR_NOMEM) and detail says why: not a rule-set failure. */
    zj_status status;
} zj_example_result;
typedef void (*zj_example_cb)(const zj_example_result *r, void *ctx);
size_t zj_rules_run_examples(const zj_ruleset *rs, zj_example_cb cb, void *ctx, size_t *out_total);

/* ----------------------------------------------------------------- scoring */

typedef enum zj_outcome {
    ZJ_OUT_HIT,
    ZJ_OUT_MISSING,
    ZJ_OUT_MET,
    ZJ_OUT_NOT_MEASURABLE,
    ZJ_OUT_NOT_APPLICABLE /* a conditional rule whose situation (`when`) did not arise */
} zj_outcome;
const char *zj_outcome_name(zj_outcome o);

typedef struct zj_finding {
    uint32_t rule; /* index into the rule set */
    zj_outcome outcome;
    int points;          /* signed effect on the score (after max_points) */
    long turn;           /* 0-based turn index, -1 if none */
    uint32_t span_start; /* code points in the original turn text */
    uint32_t span_end;
    char *text;       /* quoted original words, NULL if none */
    int64_t start_ms; /* of the turn, -1 if unknown */
    int64_t value;    /* metric value, 0 otherwise */
    const char *unit; /* metric unit ("ms", "count", "chars/min", "%") or NULL; static */
    bool fuzzy;       /* matched by sound (`fuzzy: pinyin`), not by its characters */
    bool quoted;      /* a forbidden hit inside quoted or reported speech: 0 points, never fatal */
} zj_finding;

typedef struct zj_result {
    int score;
    bool passed;
    bool fatal;
    const char *grade;    /* owned by the rule set */
    zj_finding *findings; /* sorted by (turn, span_start, rule id); turn-less last */
    size_t n_findings;
} zj_result;

/* Per-thread scoring context (normalization buffers, matcher scratch). */
typedef struct zj_scorer zj_scorer;
zj_scorer *zj_scorer_new(const zj_ruleset *rs, zj_error *err);
void zj_scorer_free(zj_scorer *s);
/* Bounded resources: a call with more than max_call_bytes bytes of turn
 * text, or that would get more than max_findings findings, is refused with
 * ZJ_ERR_LIMIT ("call 'ID': ...") instead of scored. 0: no limit (the
 * default of a new scorer). */
void zj_scorer_set_limits(zj_scorer *s, size_t max_call_bytes, size_t max_findings);
#define ZJ_DEFAULT_MAX_CALL_BYTES ((size_t)16 << 20)
#define ZJ_DEFAULT_MAX_FINDINGS ((size_t)10000)
/* Score one call. out is overwritten; release with zj_result_free. */
zj_status zj_score_call(zj_scorer *s, const zj_call *call, zj_result *out, zj_error *err);
void zj_result_free(zj_result *r);

/* Per-stage time counters of a scorer (nanoseconds), for the benchmark. */
typedef struct zj_profile {
    uint64_t parse_ns, norm_ns, match_ns, score_ns, calls;
} zj_profile;
void zj_scorer_profile(const zj_scorer *s, zj_profile *out, bool enable);

/* ---------------------------------------------------------------- printers */

typedef enum zj_format {
    ZJ_FMT_TEXT,
    ZJ_FMT_JSON,
    ZJ_FMT_JSONL,
    ZJ_FMT_MD,
    ZJ_FMT_HTML,
    ZJ_FMT_CSV,
    ZJ_FMT_SARIF,
    ZJ_FMT_JUNIT,
    ZJ_FMT_GITHUB
} zj_format;
/* Parse a format name; false if unknown. */
bool zj_format_parse(const char *name, zj_format *out);

/* Growable byte buffer used by printers (output is built, then written). */
typedef struct zj_buf {
    char *data;
    size_t len, cap;
    /* Sticky: an append failed (out of memory), so the content is incomplete.
     * Every later append fails too, until zj_buf_reset or zj_buf_free; check
     * it (or the status of the last call) before using the content. */
    bool failed;
} zj_buf;
void zj_buf_init(zj_buf *b);
zj_status zj_buf_append(zj_buf *b, const char *s, size_t n);
zj_status zj_buf_puts(zj_buf *b, const char *s);
zj_status zj_buf_printf(zj_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append s as a JSON string literal (quotes included). */
zj_status zj_buf_json_str(zj_buf *b, const char *s, size_t n);
void zj_buf_reset(zj_buf *b);
void zj_buf_free(zj_buf *b);

/* The per-call result of docs/output-contract.md (one JSON object, no newline). */
zj_status zj_result_to_json(zj_buf *out, const zj_ruleset *rs, const zj_call *call,
                            const zj_result *res);
/* A readable summary for a terminal; color adds ANSI highlighting. */
zj_status zj_result_to_text(zj_buf *out, const zj_ruleset *rs, const zj_call *call,
                            const zj_result *res, bool color);

/* ------------------------------------------------------------------- store */

/* The result store: one SQLite file (WAL, synchronous=NORMAL, busy timeout),
 * schema version in PRAGMA user_version with forward migrations. Results are
 * keyed by (call_id, rule-set sha256): re-scoring with the same rule set
 * replaces a call's results; a changed rule set keeps both. */
typedef struct zj_store zj_store;

#define ZJ_STORE_SCHEMA_VERSION 1

/* Open (write: create if missing, migrate) or open read-only. A read-only
 * open of a missing file fails with ZJ_ERR_NOTFOUND. */
zj_store *zj_store_open(const char *path, bool write, zj_error *err);
void zj_store_close(zj_store *st);
/* One snapshot of the store for a series of reads (a reader's open starts
 * one, held to its close; a writable store's page reads call these around
 * each page): every query until zj_store_read_end sees the same committed
 * state. read_only: PostgreSQL READ ONLY (not when temporary tables are
 * written). Inside an open write transaction it does nothing. */
zj_status zj_store_read_begin(zj_store *st, bool read_only, zj_error *err);
void zj_store_read_end(zj_store *st);
/* zj_store_read_begin unless a snapshot or transaction is open already;
 * whether it began one (then the caller ends it). */
bool zj_store_read_enter(zj_store *st);
/* The --db argument (one argument, not a whole command line) as it may be
 * shown: the password of a PostgreSQL URI or key=value connection string
 * masked as *** (zj_db_redact_url). The caller frees; NULL when out of
 * memory. */
char *zj_mask_db_password(const char *text);
/* Whether a --db argument is libpq's key=value connection string
 * (`host=db dbname=qa`), which --db refuses: it is no file name, and a
 * PostgreSQL store is named by a postgresql:// URI (zj_db_is_keyword_conninfo). */
bool zj_is_keyword_conninfo(const char *text);
/* What is said of such an argument (after it, masked). */
#define ZJ_KEYWORD_CONNINFO_HINT                                                                   \
    "a libpq key=value connection string, which --db does not take: name a PostgreSQL store "     \
    "by its URI, postgresql://USER@HOST:PORT/DBNAME (the password in PGPASSWORD or ~/.pgpass), " \
    "or a SQLite file of that name as ./NAME"

/* Register the rule set (once per sha256). *version_reused is set when a
 * rule set with the same name@version but a different sha256 exists. */
zj_status zj_store_add_ruleset(zj_store *st, const zj_ruleset *rs, int64_t *ruleset_id,
                               bool *version_reused, zj_error *err);

/* A run: its inputs (paths as given) and, for --resume, the run it continues. */
zj_status zj_store_begin_run(zj_store *st, int64_t ruleset_id, const char *argv,
                             const char *const *inputs, const uint64_t *sizes, size_t n_inputs,
                             int64_t resumed_from, int64_t *run_id, zj_error *err);
/* The last unfinished run of this rule set over exactly these inputs, and the
 * committed watermark of each input (byte offset below which every call is
 * stored). *run_id = 0 when there is none. */
zj_status zj_store_resume_point(zj_store *st, int64_t ruleset_id, const char *const *inputs,
                                size_t n_inputs, int64_t *run_id, uint64_t *watermarks,
                                zj_error *err);

/* One scored call for zj_store_put_batch. input: index into the run's inputs. */
typedef struct zj_scored {
    const zj_call *call;
    const zj_result *result;
    size_t input;
} zj_scored;

/* Store calls with their findings and transcripts, and the run's watermarks
 * and counters, inside the open results transaction (begun here when none is
 * open). Several batches share one transaction until zj_store_commit: either
 * all of it is stored or none, and the watermarks committed always match the
 * calls committed. On failure the open transaction is rolled back. */
zj_status zj_store_put_batch(zj_store *st, int64_t run_id, int64_t ruleset_id, const zj_ruleset *rs,
                             const zj_scored *calls, size_t n, const uint64_t *watermarks,
                             size_t n_inputs, size_t rejected, zj_error *err);
/* Commits the open results transaction, if any. */
zj_status zj_store_commit(zj_store *st, zj_error *err);
/* status: "done", "partial" (inputs rejected) or "failed". */
zj_status zj_store_finish_run(zj_store *st, int64_t run_id, const char *status, zj_error *err);

/* A run as a reader can tell it (docs/store.md, "Runs"): the table keeps a
 * killed run 'running', so a 'running' run's recorded process is looked
 * for. ALIVE: it is still there on this machine; GONE: it is not (the run
 * was interrupted; why says how that is known); UNCHECKED: it ran on
 * another machine or container, or before schema v13 recorded processes,
 * and may still be running (why says which); FINISHED: any other status. */
typedef enum { ZJ_RUN_FINISHED, ZJ_RUN_ALIVE, ZJ_RUN_GONE, ZJ_RUN_UNCHECKED } zj_run_liveness;
typedef struct zj_run_info {
    int64_t id, calls_scored, calls_rejected;
    int64_t pid;                                      /* 0: none recorded */
    int64_t resumed_by;                               /* the run that resumed this one, or 0 */
    /* It read standard input, which --resume cannot continue. */
    bool read_stdin;
    /* Gone, and news to this store handle: the table still says running,
     * or this handle's zj_store_mark_interrupted rewrote it. */
    bool found_gone_now;
    char started_at[32], finished_at[32], status[16]; /* as stored ("" for NULL) */
    zj_run_liveness liveness;
    char why[96];
} zj_run_info;
typedef zj_status (*zj_run_visitor)(const zj_run_info *run, void *ctx, zj_error *err);
/* Every run in id order; stops at the first status visit returns that is
 * not ZJ_OK and returns it. */
zj_status zj_store_runs(zj_store *st, zj_run_visitor visit, void *ctx, zj_error *err);
/* For a writer opening the store: rewrites to 'interrupted', in one
 * transaction, the runs still 'running' that began on this machine in this
 * boot and pid namespace and whose process is gone (docs/store.md, "Runs"),
 * so that the table says what zj_store_runs tells. A live run, a run of
 * another machine or container or of an earlier boot, is left alone. */
zj_status zj_store_mark_interrupted(zj_store *st, zj_error *err);

/* Resolve "NAME" or "NAME@VERSION" (NULL: the newest rule set with results)
 * to a rule-set row id. */
zj_status zj_store_find_ruleset(zj_store *st, const char *spec, int64_t *ruleset_id, zj_error *err);

/* A stored call for `show`: its call (turns decoded), score and findings. */
typedef struct zj_stored_finding {
    char *rule_id, *kind, *outcome, *severity, *clause, *title, *text;
    int points;
    long turn;
    long span_start, span_end;
    int64_t start_ms;
    bool fatal;
    bool fuzzy; /* matched by sound */
    bool has_value; /* metric findings: value and unit below */
    int64_t value;
    char *unit;
    bool quoted; /* see zj_finding.quoted */
} zj_stored_finding;

typedef struct zj_stored_call {
    zj_call *call;
    char *ruleset; /* name@version */
    char *sha256;
    int score;
    bool passed, fatal;
    char *grade;
    zj_stored_finding *findings;
    size_t n_findings;
} zj_stored_call;

/* The report aggregates (docs/store.md): recomputed from the stored calls
 * and findings in one transaction (a writable store). */
zj_status zj_store_agg_rebuild(zj_store *st, zj_error *err);
/* Compares the aggregates with a recomputation from calls and findings:
 * *n_diff differing rows, the first of each kind described in report. */
zj_status zj_store_agg_check(zj_store *st, zj_buf *report, long *n_diff, zj_error *err);
/* SQLite's page-level check of the whole file (PRAGMA integrity_check: every
 * page, index and row): *n_problems found, the first ones described in
 * report. A damaged index can make queries return fewer rows without any
 * error, so only this check sees it. PostgreSQL checks its own pages: 0. */
zj_status zj_store_integrity(zj_store *st, zj_buf *report, long *n_problems, zj_error *err);

zj_status zj_store_get_call(zj_store *st, const char *call_id, int64_t ruleset_id,
                            zj_stored_call *out, zj_error *err);
void zj_stored_call_free(zj_stored_call *sc);

/* ------------------------------------------------------------------- batch */

/* One result of a batch, delivered to the sink in input order. With a render
 * callback and no store, the scoring thread frees the call and its findings
 * once rendered: the sink then gets call and result NULL and the output in
 * rendered (freeing where the memory was allocated is markedly cheaper). */
typedef struct zj_batch_item {
    size_t input;            /* index into zj_batch_opts.inputs */
    const zj_call *call;     /* NULL for a rejected record (or see above) */
    const zj_result *result; /* NULL for a rejected record (or see above) */
    const zj_error *error;   /* the rejection (file:line, message), else NULL */
    uint64_t end_offset;     /* byte offset in the input just past this record */
    const zj_buf *rendered;  /* what the render callback produced for it, or NULL */
    /* With a store: set when this call's id already came earlier in the run
     * (file:line of this call; the message names the earlier one). This
     * later result replaces the earlier, as re-scoring does. */
    const zj_error *duplicate;
} zj_batch_item;

/* Called in the scoring threads (so it must be thread-safe and must not touch
 * shared state): turns a scored call into output bytes, which the sink then
 * receives in input order as item->rendered. Rendering there keeps the
 * ordered sink from being the bottleneck. */
typedef zj_status (*zj_batch_render)(const zj_batch_item *item, zj_buf *out, void *ctx);

/* Called in input order from the caller's thread; a non-OK status stops the
 * batch (e.g. stdout closed). */
typedef zj_status (*zj_batch_sink)(const zj_batch_item *item, void *ctx);
/* Called about four times a second: calls scored and rejected so far, bytes
 * read and total bytes (0 when unknown). */
typedef void (*zj_batch_progress)(size_t scored, size_t rejected, uint64_t bytes_done,
                                  uint64_t bytes_total, void *ctx);

typedef struct zj_batch_opts {
    const zj_ruleset *rs;
    const char *const *inputs; /* expanded paths (zj_inputs_expand); "-" = stdin */
    size_t n_inputs;
    const uint64_t *start_offsets; /* resume watermarks per input, or NULL */
    int jobs;                      /* scoring threads; <= 0: number of cores */
    /* Optional store: calls are handed to a writer thread in batches of up to
     * 1000 and committed with the inputs' watermarks once a transaction holds
     * commit_every calls (default 20000) or is commit_ms old (default 2000),
     * and at the end: big transactions rewrite each index page far fewer
     * times, and a kill loses at most the open transaction (--resume). */
    zj_store *store;
    int64_t ruleset_id, run_id;
    size_t commit_every;
    unsigned commit_ms;
    bool profile; /* time the stages (costs a little) */
    /* Per-call limits (zj_scorer_set_limits); 0: ZJ_DEFAULT_MAX_CALL_BYTES
     * and ZJ_DEFAULT_MAX_FINDINGS. A refused call is a rejected record. */
    size_t max_call_bytes, max_findings;
    zj_batch_render render;
    zj_batch_sink sink;
    zj_batch_progress progress;
    void *ctx;
    /* How inputs other than native JSON are read (input formats, roles, call
     * metadata); NULL: native JSON only, as zj_reader_open reads it. */
    const struct zj_ingest_opts *ingest;

    /* Personal data categories (ZJ_REDACT_*) masked in every call right after
     * parsing, before scoring, rendering and storing; 0: none. */
    unsigned redact;
} zj_batch_opts;

typedef struct zj_batch_stats {
    size_t scored, passed, fatal, rejected;
    uint64_t bytes;
    double seconds;
    zj_profile profile; /* summed over the scoring threads */
    size_t stored;      /* scored calls committed to the store (0 without one) */
    size_t duplicates;  /* calls whose id came earlier in the run (with a store) */
} zj_batch_stats;

/* One reader thread, `jobs` scoring threads sharing the compiled rule set, and
 * the caller's thread delivering results in input order to the sink and to the
 * store (the only writer). Memory is bounded whatever the input size, but for
 * 16 to 32 bytes per call with a store (the ids seen, to report repeats). Returns
 * ZJ_OK when every input was read (rejected records are counted, not fatal);
 * a store or sink failure stops the batch and is returned. */
zj_status zj_batch_run(const zj_batch_opts *opts, zj_batch_stats *stats, zj_error *err);

/* ----------------------------------------------------------------- reports */

/* Which stored results a report covers. Dates are the calls' local dates
 * (YYYY-MM-DD, inclusive). A report never adds up different rule sets. */
typedef struct zj_report_filter {
    const char *ruleset; /* NAME or NAME@VERSION; NULL: newest with results */
    const char *from, *to;
    const char *team, *agent;
} zj_report_filter;

typedef enum zj_group_by { ZJ_BY_AGENT, ZJ_BY_TEAM } zj_group_by;

/* Scorecard per agent or team (text, md, html, csv, json) appended to out. */
zj_status zj_report_scorecard(zj_store *st, const zj_report_filter *f, zj_group_by by,
                              zj_format format, zj_buf *out, zj_error *err);
/* Who and what an audit report is for (ISO 19011 6.5.1): every field may be
 * NULL (or auditors empty) and is then printed as a blank to fill in by hand. */
typedef struct zj_audit_meta {
    const char *report_no, *report_date; /* report_date: YYYY-MM-DD */
    const char *const *auditors;         /* the audit team, in order */
    size_t n_auditors;
    const char *auditee, *distribution;
} zj_audit_meta;

/* ISO 19011 §6.5.1 style audit report (md, html, json) appended to out:
 * metadata and sign-off block from meta (NULL: all blank), the conclusion with
 * its KPIs, then scope, criteria, method and findings. sample_id > 0 cites
 * that saved sample (ZJ_ERR_NOTFOUND when the rule set has none of that id);
 * 0 cites none. db_path and command are quoted in the reproduction section. */
zj_status zj_report_audit(zj_store *st, const zj_report_filter *f, int64_t sample_id,
                          const zj_audit_meta *meta, const char *db_path, const char *command,
                          zj_format format, zj_buf *out, zj_error *err);

/* Sampling for manual review. n > 0: that many calls; else ISO 2859-1 general
 * inspection level 1..3 (I, II, III), with aql > 0 also the single normal
 * plan's acceptance/rejection numbers. The sample is allocated across agents
 * in proportion to their calls and drawn with a seeded PRNG; with save it is
 * recorded in the database under a new id (st must be open for writing),
 * without it nothing is written (a preview). */
typedef struct zj_sample_opts {
    long n;
    int level;
    double aql;
    uint64_t seed;
    bool save;
} zj_sample_opts;
zj_status zj_report_sample(zj_store *st, const zj_report_filter *f, const zj_sample_opts *o,
                           zj_format format, zj_buf *out, zj_error *err);

/* ------------------------------------------------------------------ review */

/* Human review of stored findings (docs/review.md). Every action is recorded
 * as an append-only event; machine findings are never changed. A finding is
 * named by its rule, its 1-based turn and its span (code points) in the
 * turn; a missing phrase has neither turn nor span. */

/* The reviewable findings of the calls of saved sample sample_id (> 0), or
 * of the filter, as CSV (UTF-8 with BOM) with their current verdicts and
 * empty columns for the inspector: verdict (confirmed, rejected, added),
 * category and note. */
zj_status zj_review_export(zj_store *st, const zj_report_filter *f, int64_t sample_id,
                           zj_buf *out, zj_error *err);

typedef struct zj_review_import_stats {
    long rows;      /* data rows read */
    long recorded;  /* events recorded */
    long unchanged; /* rows that repeat a verdict already recorded, or have none */
    long rejected;  /* rows with an error (reported through on_error) */
} zj_review_import_stats;

/* Records the verdicts of an exported CSV (path names it in messages) as
 * inspector `reviewer`'s. A bad row is reported with its line through
 * on_error and skipped; the others are recorded in one transaction. */
zj_status zj_review_import(zj_store *st, const char *ruleset, const char *reviewer,
                           const char *path, const char *text, size_t len,
                           void (*on_error)(const zj_error *e, void *ctx), void *ctx,
                           zj_review_import_stats *stats, zj_error *err);

/* Agent `agent` appeals their finding of rule_id ("" or NULL: an added
 * finding named by its category only) in call_id: the rule's only finding in
 * the call, or in turn `turn` (1-based; 0: any), or at span
 * span_start-span_end of that turn (code points; -1: any), or the finding
 * added with category (NULL: any; two added at one place differ by it); *id
 * the appeal's number. */
zj_status zj_review_appeal(zj_store *st, const char *ruleset, const char *agent,
                           const char *call_id, const char *rule_id, int turn, long span_start,
                           long span_end, const char *category, const char *reason, int64_t *id,
                           zj_error *err);
/* Supervisor `supervisor` rules on appeal appeal_id: overturn withdraws the
 * finding, otherwise it stands. */
zj_status zj_review_ruling(zj_store *st, const char *ruleset, const char *supervisor,
                           int64_t appeal_id, bool overturn, const char *reason, zj_error *err);

/* Machine and final score of every reviewed call of the filter (or of the
 * calls of sample sample_id, with its accept/reject decision from the
 * reviewed nonconforming calls), in text or JSON. */
zj_status zj_review_status(zj_store *st, const zj_report_filter *f, int64_t sample_id,
                           zj_format format, zj_buf *out, zj_error *err);

/* Closes saved sample sample_id with its ISO 2859-1 decision (accept or
 * reject, written to decision), recorded once with who closed it; refused
 * while undecided or when the sample has no AQL plan. */
zj_status zj_review_close_sample(zj_store *st, const char *ruleset, int64_t sample_id,
                                 const char *by, char decision[16], zj_error *err);

/* Per rule: confirmed and rejected hits, precision, findings reviewers
 * added; engine-reviewer and inter-reviewer agreement (Cohen's kappa); the
 * rules below min_precision with their rejected quotes. Text or JSON. */
zj_status zj_calibrate(zj_store *st, const zj_report_filter *f, double min_precision,
                       zj_format format, zj_buf *out, zj_error *err);

/* An inspector's verdict on a finding of call_id: action "confirm" or
 * "reject" (the finding named by rule, 0-based turn and span, -1: none), or
 * "add" for a finding the engine missed (rule_id, or NULL with category;
 * text: the words). ZJ_ERR_NOTFOUND when the call or finding is not there. */
zj_status zj_review_verdict(zj_store *st, const char *ruleset, const char *reviewer,
                            const char *action, const char *call_id, const char *rule_id,
                            int turn, long span_start, long span_end, const char *text,
                            const char *category, const char *note, zj_error *err);

/* Appends s to out with & < > " ' escaped for HTML text and attributes. */
void zj_html_escape(zj_buf *out, const char *s);
/* Appends s to out percent-encoded for a URL's query (every byte but
 * A-Z a-z 0-9 - _ . ~), so `+`, `&`, `#` and `%` in a call id survive a link. */
void zj_url_escape(zj_buf *out, const char *s);

/* Who looks at the review web pages (zhijian serve). */
typedef enum zj_role { ZJ_ROLE_INSPECTOR, ZJ_ROLE_SUPERVISOR, ZJ_ROLE_AGENT } zj_role;
typedef struct zj_viewer {
    const char *name;
    zj_role role;
    const char *agent_id; /* an agent's own id (ZJ_ROLE_AGENT) */
    const char *csrf;     /* the session's token, put into every form */
} zj_viewer;

/* The review application's page bodies (HTML, every text escaped; the
 * server wraps them): the saved samples; a sample's calls with machine and
 * final scores and its decision; a call's transcript with its findings
 * marked in place and the forms the viewer's role allows. An agent sees
 * only their own calls: another's is ZJ_ERR_DENIED. */
zj_status zj_review_page_home(zj_store *st, const char *ruleset, const zj_viewer *v, zj_buf *out,
                              zj_error *err);
zj_status zj_review_page_sample(zj_store *st, const char *ruleset, int64_t sample_id,
                                const zj_viewer *v, zj_buf *out, zj_error *err);
zj_status zj_review_page_call(zj_store *st, const char *ruleset, const char *call_id,
                              const zj_viewer *v, zj_buf *out, zj_error *err);

/* ISO 2859-1 Table 1: sample-size code letter for a lot size at general
 * inspection level 1..3; Table 2-A: sample size of a code letter, and the
 * single normal plan for an AQL (percent nonconforming, 0.010 .. 10) following
 * the table's arrows (the plan's letter and sample size may differ from the
 * lot's). Return false on invalid input. */
bool zj_iso2859_code(long lot_size, int level, char *code);
long zj_iso2859_sample_size(char code);
bool zj_iso2859_plan(char code, double aql, char *plan_code, long *n, int *ac, int *re);

/* -------------------------------------------------------------------- lint */

/* One lint finding. Columns are 1-based code points (characters) of the
 * original line; end_col is exclusive. */
typedef struct zj_lint_finding {
    char *file;
    long line, col, end_col;
    char rule[128];
    zj_severity severity;
    char *clause, *words, *message;
} zj_lint_finding;

typedef struct zj_lint_report {
    zj_lint_finding *v;
    size_t n, cap;
    size_t files;      /* files linted */
    char **file_names; /* every file linted, for JUnit */
} zj_lint_report;

/* Lint one call-script template (.txt/.md: a line per utterance; .yaml/.yml:
 * every scalar value; .json: every string value). Placeholders ({name},
 * {{name}}, 【name】, ××, XX) stand for any word. Forbidden rules always apply;
 * required rules of the opening (first_*) or closing (last_*) window apply when
 * the file declares `part: opening|closing` (front matter or a top-level key)
 * or part is given. Findings are appended to report. */
zj_status zj_lint_file(const zj_ruleset *rs, const char *path, const char *part,
                       zj_lint_report *report, zj_error *err);
void zj_lint_report_free(zj_lint_report *r);

/* .zhijian.yaml, found by walking up from start_dir:
 *   rules: rules/property-service.yaml   # relative to the config file
 *   fail_on: major
 *   paths: [scripts/]
 *   parts: {scripts/opening/: opening, scripts/closing/: closing}  # path prefixes */
typedef struct zj_lint_config {
    char path[4096];  /* the config file found, "" if none */
    char dir[4096];   /* its directory: relative paths and parts are relative to it */
    char rules[4096]; /* absolute or config-relative resolved path, "" if unset */
    bool has_fail_on;
    zj_severity fail_on;
    char **paths;
    size_t n_paths;
    char **part_prefix, **part_name;
    size_t n_parts;
} zj_lint_config;
/* ZJ_OK with config->path "" when there is no config; an error names the
 * config file, line and column, and leaves nothing in config to free. */
zj_status zj_lint_config_find(const char *start_dir, zj_lint_config *config, zj_error *err);
void zj_lint_config_free(zj_lint_config *config);
/* The part a config assigns to a path (longest matching prefix, relative to
 * the config's directory), or NULL. */
const char *zj_lint_config_part(const zj_lint_config *config, const char *path);
/* Render a report: text (FILE:LINE:COL: severity rule message (clause)), json,
 * sarif (2.1.0), junit (XML) or github (workflow annotations). */
zj_status zj_lint_render(const zj_lint_report *r, const zj_ruleset *rs, zj_format format,
                         zj_buf *out);

/* `rules explain`: how text normalizes, which patterns of the rule match where,
 * which exception suppressed which hit, and the verdict, as readable text. */
zj_status zj_rules_explain(const zj_ruleset *rs, const char *rule_id, const char *text, zj_buf *out,
                           zj_error *err);
/* Static checks beyond the loader's: rules that can never fire, duplicate
 * conditions, rules without a clause. Calls cb with warnings (status ZJ_OK)
 * and returns their number. */
size_t zj_rules_lint(const zj_ruleset *rs, zj_diag_cb cb, void *ctx);

/* -------------------------------------------------- terminal-safe text */

/* Append s[0..n) for display on a terminal: C0 controls, DEL and bytes that
 * are not UTF-8 as \xHH (\n, \t, \r for those three), C1 controls and the
 * bidi controls U+061C, U+200E/F, U+202A..E, U+2066..9 as \uXXXX; everything
 * else as it is. Every text renderer and error message uses it for outside
 * text. */
zj_status zj_buf_term(zj_buf *b, const char *s, size_t n);
/* The same for a NUL-terminated string (NULL appends nothing). */
zj_status zj_buf_term_str(zj_buf *b, const char *s);

/* ------------------------------------------------------------ input formats */

/* One entry of a call's metadata: what an input carries beyond turns (a
 * vendor's speech rate, silence, emotion; the role decision). Keys name their
 * unit (speech_rate_cpm, silence_before_ms). turn is the 0-based turn index, or
 * -1 for the whole call. */
typedef struct zj_meta {
    char *key;
    char *value;
    long turn;
} zj_meta;

/* Call metadata from the telephony system (a CSV export), joined to calls by
 * call id: agent_id, agent_name, team, started_at, direction, call_type,
 * ring_ms, and the role mapping agent_channel / agent_speaker. */
typedef struct zj_meta_table zj_meta_table;
/* Load a CSV file (first row: column names). encoding NULL means UTF-8 (a BOM
 * is accepted); otherwise any iconv name (gb18030, utf-16). Errors name
 * FILE:LINE; an unknown column is an error. */
zj_meta_table *zj_meta_table_load(const char *path, const char *encoding, zj_error *err);
void zj_meta_table_free(zj_meta_table *t);
size_t zj_meta_table_rows(const zj_meta_table *t);

/* Whether iconv knows encoding name (gb18030, utf-16, …): an unknown name is
 * a usage error before any file is read, not a rejected file each. */
bool zj_encoding_known(const char *name);

typedef struct zj_ingest_opts {
    const char *format;        /* NULL or "auto": detected from the content */
    const char *encoding;      /* NULL: UTF-8; else an iconv name, e.g. "gb18030" */
    long agent_channel;        /* >= 0: the agent speaks on this channel; -1: not given */
    const char *agent_speaker; /* the agent's speaker id (e.g. "1", SPEAKER_00), or NULL */
    const zj_meta_table *meta; /* joined by call id, or NULL */
} zj_ingest_opts;

/* The input formats, in detection order: name ("native", "alibaba", "srt", ...)
 * and a one-line description; NULL past the end. */
const char *zj_ingest_format_name(size_t i);
const char *zj_ingest_format_description(size_t i);
/* True for "auto" and every format name. */
bool zj_ingest_format_known(const char *name);

/* zj_reader_open with input formats: a native .jsonl file (or stdin without a
 * forced format) streams as before; any other file is read whole, converted
 * from opts->encoding, its format detected from the content (or forced), and
 * its calls yielded in order, a bad record as one error (FILE:LINE or
 * FILE: json-path). opts NULL is zj_reader_open. */
zj_reader *zj_reader_open_opts(const char *path, uint64_t start_offset, const zj_ingest_opts *opts,
                               zj_error *err);

/* Completes a call read through zj_reader_open_opts before it is scored:
 * joins opts->meta by call id and decides which speaker is the agent (the
 * table's or the options' mapping, else --roles auto, which scores every
 * speaker as the agent with rs's opening and polite-phrase rules). A call whose
 * roles cannot be decided is an error ("roles undecided: ..."). The decision
 * is recorded in call->meta. s must be a scorer of rs. */
zj_status zj_ingest_finish(zj_scorer *s, const zj_ruleset *rs, const zj_ingest_opts *opts,
                           zj_call *call, zj_error *err);

/* zj_inputs_expand for input formats: directories are walked for the
 * extensions of format (NULL/"auto": .json .jsonl .srt .vtt .txt .csv).
 * flags: ZJ_WALK_FOLLOW_LINKS reads what symbolic links met in a walk point
 * to (score --follow). */
#define ZJ_WALK_FOLLOW_LINKS 1u
zj_status zj_inputs_expand_format(const char *const *inputs, size_t n, const char *format,
                                  unsigned flags, char ***out_paths, size_t *out_n,
                                  zj_diag_cb on_error, void *ctx);

/* --------------------------------------------------------------- redaction */

/* Personal data categories (bit flags); rules/README.md says exactly what
 * each masks. */
#define ZJ_REDACT_PHONE 0x01u     /* mobile and landline numbers */
#define ZJ_REDACT_ID_CARD 0x02u   /* resident ID-card numbers (GB 11643 check digit) */
#define ZJ_REDACT_BANK_CARD 0x04u /* card numbers passing the Luhn check */
#define ZJ_REDACT_EMAIL 0x08u
#define ZJ_REDACT_ADDRESS 0x10u /* building / unit / room and house numbers */
#define ZJ_REDACT_ALL 0x1Fu

/* "phone", "id_card", "bank_card", "email", "address" <-> flag. */
const char *zj_redact_category_name(unsigned flag);
bool zj_redact_category_parse(const char *name, size_t len, unsigned *flag);
/* A comma-separated list of category names, or "all"; false if a name is
 * unknown. */
bool zj_redact_parse(const char *list, unsigned *out);
/* Masks the personal data of the categories in want in text (valid UTF-8,
 * *len bytes) in place: each masked code point becomes one '*', so code point
 * offsets are unchanged; *len is updated (it can only shrink) and the text
 * stays NUL-terminated. *masked (may be NULL) gets the number of code points
 * masked. Fails only for want of memory, leaving the text as it was. */
zj_status zj_redact_text(char *text, size_t *len, unsigned want, size_t *masked);
/* zj_redact_text on every turn of a call. */
zj_status zj_redact_call(zj_call *call, unsigned want);
/* The categories a rule set masks by default (its top-level `redact:`). */
unsigned zj_rules_redact(const zj_ruleset *rs);

/* Whether zj_store_begin_run records the invoking user and host (default:
 * off; argv is recorded as the caller passes it). */
void zj_store_record_invocation(zj_store *st, bool on);
/* Each call the runs that run_id resumes stored (its call id and input
 * path), oldest first: a resumed run reports a call id repeated across the
 * interruption as an uninterrupted run would. None when it resumes none. */
zj_status zj_store_resumed_calls(zj_store *st, int64_t run_id,
                                 zj_status (*each)(const char *call_id, const char *input_path,
                                                   void *ctx),
                                 void *ctx, zj_error *err);
/* The personal-data categories the next run masks (runs.redact). */
void zj_store_run_redact(zj_store *st, unsigned redact);
/* What a run to be resumed did: the categories it masked (*redact, -1 when
 * it was not recorded) and the records it and the runs it continued
 * rejected. */
zj_status zj_store_run_before(zj_store *st, int64_t run_id, int64_t *redact, int64_t *rejected,
                              zj_error *err);

/* -------------------------------------------------------------- evaluation */

/* Measuring a rule set against gold labels (corpus/gold, GOLD-SCHEMA): one
 * JSON line per call, {"call_id", "forbidden": [{"turn", "span": [s, e],
 * "quote", "rule"}], "quoted": [{"turn", "span", "quote"}]}. Each call is
 * scored (nothing stored); a finding counts when its outcome is hit, its kind
 * forbidden, its points non-zero or its rule fatal, and it is not quoted. It
 * matches a label in the same turn whose span overlaps it (per rule: with the
 * same rule id). Ratios are -1 when their denominator is 0. */
typedef struct zj_eval zj_eval;
typedef struct zj_eval_summary {
    size_t calls, calls_agree, violations_labelled, violations_found;
    size_t hits, hits_matched;     /* findings that count; those matching a label */
    size_t labels, labels_matched; /* forbidden labels; those some counted finding matches */
    size_t quoted_labels, quoted_observed, quoted_scored; /* labelled quotations: found quoted / scored */
    size_t engine_quoted;  /* quoted findings in all */
    size_t labels_unseen;  /* labelled calls not among the inputs */
    /* 一票否决: calls with a label under a fatal rule of the rule set; those
     * of them zhijian failed as fatal; calls it failed so without one */
    size_t fatal_labelled, fatal_labelled_failed, fatal_unlabelled_failed;
    double precision, recall, verdict_agreement;
} zj_eval_summary;

zj_eval *zj_eval_new(const zj_ruleset *rs, zj_error *err);
void zj_eval_free(zj_eval *ev);
/* Read the labels (JSONL). A bad line is reported through on_error as
 * FILE:LINE: message and skipped (the status returned is then that error);
 * an unreadable file fails with err. */
zj_status zj_eval_load_labels(zj_eval *ev, const char *path, zj_diag_cb on_error, void *ctx,
                              zj_error *err);
/* Score one call and compare it with its label. A call without a label, seen
 * twice, or whose labels do not quote its text exactly is an error (err names
 * the input or the label line) and is left out of the figures. */
zj_status zj_eval_add_call(zj_eval *ev, const zj_call *call, zj_diag_cb on_error, void *ctx,
                           zj_error *err);
/* Calls note (a warning: status ZJ_OK) once for each rule id the labels
 * name that the rule set does not have, at the first line naming it: a
 * typo of a fatal rule would otherwise never count as 一票否决. */
void zj_eval_unknown_rules(const zj_eval *ev, zj_diag_cb note, void *ctx);
void zj_eval_summary_get(const zj_eval *ev, zj_eval_summary *out);
/* The agent clauses of a call that zj_eval_add_call accepted, as a model
 * rule sees them (`model:`), one line each: call_id, turn, span start and
 * end (code points), the rule of the label the clause overlaps ("quoted"
 * for a labelled quotation, "-" for none) and the normalized clause,
 * tab-separated — the training data of tools/train_model.py. */
zj_status zj_eval_clauses(zj_eval *ev, const zj_call *call, zj_buf *out);
/* Every agent clause of the examples as a `model:` rule sees it, in the
 * lines of zj_eval_clauses: a forbidden rule's `match` example labelled with
 * the rule where its hit lies inside the clause, every other clause "-" (nothing forbidden in
 * it) or "?" (cannot be told) — training data of tools/train_model.py
 * written by the rule authors rather than labellers. */
zj_status zj_rules_example_clauses(const zj_ruleset *rs, zj_buf *out, zj_error *err);
/* The figures, the per-rule table and every disagreement (false positive,
 * missed, rule differs, quote scored) as text or JSON (ZJ_FMT_TEXT / _JSON). */
zj_status zj_eval_render(zj_eval *ev, zj_format format, zj_buf *out);

#ifdef __cplusplus
}
#endif
#endif /* ZHIJIAN_H */
