/* cmd_score.c — `zhijian score`: parse options, wire the rule set, the batch
 * pipeline, the store and a printer together, report progress and a summary. */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void score_usage(FILE *out)
{
    /* The format names, wrapped under the option's text. */
    char names[768] = "";
    size_t used = 0, col = 0;
    for (size_t i = 0; zj_ingest_format_name(i) && used < sizeof names; i++) {
        const char *name = zj_ingest_format_name(i);
        bool wrap = col + strlen(name) > 56;
        int k = snprintf(names + used, sizeof names - used, "%s%s%s", i ? "," : "",
                         wrap ? "\n                     " : (i ? " " : ""), name);
        used += (size_t)k;
        col = wrap ? strlen(name) : col + (size_t)k;
    }
    fprintf(
        out,
        "usage: zhijian score [--rules FILE|DIR] [--db PATH | --no-db] [--format text|json|jsonl]\n"
        "                     [--jobs N] [--resume] [--progress] [--backend auto|pcre2|hyperscan]\n"
        "                     [--commit-every N] [--max-call-bytes N] [--max-findings N]\n"
        "                     [--no-jit] [--profile] [--input-format NAME] [--encoding ENC]\n"
        "                     [--meta FILE.csv] [--roles auto]\n"
        "                     [--agent-channel N | --agent-speaker ID]\n"
        "                     [--redact[=LIST] | --no-redact] [--record-invocation]\n"
        "                     [--follow] INPUT...\n"
        "       zhijian score --list-inputs [--input-format NAME] [--follow] INPUT...\n"
        "\n"
        "Score call transcripts (native JSON / JSONL, cloud ASR results, subtitles, text or\n"
        "CSV utterance tables; files, directories of them, or - for standard input) against\n"
        "a rule set, store every result with its evidence in the database, and print results\n"
        "in input order. Directories are walked for .json .jsonl .srt .vtt .txt .csv.\n"
        "\n"
        "  --rules FILE|DIR   rule set (default: the bundled property-service.yaml),\n"
        "                     e.g. --rules rules/examples/my-centre.yaml\n"
        "  --db PATH          result database (default: zhijian.db in this directory),\n"
        "                     or a PostgreSQL store shared by many writers:\n"
        "                     --db postgresql://qa@db.example/zhijian (PGPASSWORD, ~/.pgpass)\n"
        "  --no-db            do not store: a pure filter (JSONL in, JSONL out), e.g.\n"
        "                     zhijian score --no-db --format jsonl calls.jsonl | jq .score\n"
        "  --format FMT       per-call output: text, json (one array) or jsonl (one object per\n"
        "                     line). Default: text with --no-db; with a database only totals,\n"
        "                     e.g. --format json > results.json\n"
        "  --jobs N           scoring threads (default: number of cores), e.g. --jobs 1\n"
        "                     to leave the other cores to a report being read\n"
        "  --resume           continue the last interrupted or failed run over the same\n"
        "                     inputs from its last commit, masking what it masked, e.g.\n"
        "                     zhijian score --db out/zhijian.db --resume calls/\n"
        "  --progress         show progress on stderr even when it is not a terminal, e.g.\n"
        "                     in a job whose log is a file: --progress 2> score.log\n"
        "  --commit-every N   commit stored results every N calls (default 20000, and at\n"
        "                     least every 2 s): a kill loses at most that much (--resume),\n"
        "                     e.g. --commit-every 1000\n"
        "  --max-call-bytes N refuse (as a rejected record) a call with more than N bytes\n"
        "                     of turn text (default 16777216 = 16 MiB; scoring needs up to\n"
        "                     about twenty times a call's text in memory per thread), e.g.\n"
        "                     --max-call-bytes 67108864 for calls of up to 64 MiB\n"
        "  --max-findings N   refuse a call that would get more than N findings (default\n"
        "                     10000), e.g. --max-findings 1000000\n"
        "  --backend NAME     matcher backend: auto (default), pcre2 or hyperscan, e.g.\n"
        "                     --backend pcre2 to compare the two on your rule set\n"
        "  --no-jit           interpret regexes instead of JIT-compiling them, e.g. where\n"
        "                     the system forbids executable memory, or under valgrind\n"
        "  --profile          print time per stage (parse, normalize, match, score,\n"
        "                     output), e.g. zhijian score --no-db --profile calls/ > /dev/null\n"
        "  --redact[=LIST]    mask personal data in the transcripts before scoring, so that\n"
        "                     no output and nothing stored holds it: each masked character\n"
        "                     becomes '*'. LIST: phone, id_card, bank_card, email, address\n"
        "                     (comma-separated) or all; without LIST the rule set's `redact:`\n"
        "                     list, else all. Example: --redact=phone,id_card\n"
        "  --no-redact        mask nothing, even when the rule set says `redact:`, e.g. for\n"
        "                     a store only the QA team reads: --no-redact\n"
        "  --follow           read the symbolic links met while walking an input directory\n"
        "                     (by default they are skipped with a warning, so that a link\n"
        "                     planted in a shared folder reads nothing outside it; a link\n"
        "                     named on the command line is always read), e.g.\n"
        "                     zhijian score --follow recordings/\n"
        "  --list-inputs      print the files the inputs stand for, one per line, in the\n"
        "                     order they would be scored (directories walked), and score\n"
        "                     nothing; e.g. for a runner that splits the work: zhijian score\n"
        "                     --list-inputs calls/ (exit 3 if an input cannot be read)\n"
        "  --record-invocation  record the user, host and the full command line in the\n"
        "                     database's runs table (by default neither user nor host, and\n"
        "                     the command line with option values other than paths,\n"
        "                     formats and numbers replaced by ***)\n"
        "\n"
        "Input formats (detected from the content of each file; see README, \"Feeding your\n"
        "own calls\"):\n"
        "  --input-format NAME  read every input as NAME instead of detecting it (and walk\n"
        "                     directories for its extensions only), e.g.\n"
        "                     --input-format tencent recordings/\n"
        "                     Names: %s\n"
        "  --encoding ENC     read input files that are not UTF-8, and --meta, as ENC (an\n"
        "                     iconv name; UTF-16 always), e.g. --encoding gb18030 for\n"
        "                     spreadsheet exports from Chinese Windows\n"
        "  --meta FILE.csv    call metadata joined by call id (the file name without its\n"
        "                     extension for one-call files): agent_id, agent_name, team,\n"
        "                     started_at, direction, call_type, ring_ms, agent_channel,\n"
        "                     agent_speaker, e.g. --meta calls.csv\n"
        "  --roles auto       (default) decide which speaker is the agent from the rule set's\n"
        "                     opening rules, polite phrases and the agent's script (有什么\n"
        "                     可以帮, 为您 ...); too close to call: rejected,\n"
        "                     e.g. for diarized ASR with unlabelled speakers: --roles auto\n"
        "  --agent-channel N  the agent speaks on channel N (ASR ChannelId), e.g. --agent-channel "
        "1\n"
        "  --agent-speaker ID the agent is speaker ID (SpeakerId, spk, SPEAKER_00, 发音人1),\n"
        "                     e.g. --agent-speaker SPEAKER_01\n"
        "\n"
        "Examples:\n"
        "  zhijian score --db out/zhijian.db corpus/calls/        # score and store a month\n"
        "  zhijian score --db out/zhijian.db --resume corpus/calls/  # after a crash or kill\n"
        "  zhijian score --no-db --format jsonl - < calls.jsonl   # a filter in a pipeline\n"
        "  zhijian score --rules my-centre.yaml --meta calls.csv --agent-channel 1 asr/\n"
        "\n"
        "Exit status: 0 all calls scored; 2 usage, rule-set, database or write error;\n"
        "3 some inputs rejected (each reported as FILE:LINE: message), the rest scored,\n"
        "or, with a database, a call id repeated in the run (both places are named; the\n"
        "later result replaces the earlier, e.g. zhijian score --db f.db a.jsonl b.jsonl).\n",
        names);
}

struct score_opts {
    const char *rules;
    const char *db;
    bool no_db, resume, progress, format_given, no_jit, profile;
    bool record_invocation;
    bool list_inputs; /* print the expanded inputs and stop */
    bool follow;      /* read symbolic links met while walking a directory */
    /* Personal data masking: the rule set's `redact:` unless the command line
     * says --redact (its categories, or all), --redact=LIST or --no-redact. */
    enum { REDACT_RULESET, REDACT_ON, REDACT_LIST, REDACT_OFF } redact_mode;
    unsigned redact_list;
    zj_format format;
    zj_backend backend;
    long jobs, commit_every, max_call_bytes, max_findings;
    zj_ingest_opts ingest;
    const char *meta_path;
};

static bool parse_backend(const char *name, zj_backend *out)
{
    if (strcmp(name, "auto") == 0)
        *out = ZJ_BACKEND_AUTO;
    else if (strcmp(name, "pcre2") == 0)
        *out = ZJ_BACKEND_PCRE2;
    else if (strcmp(name, "hyperscan") == 0)
        *out = ZJ_BACKEND_HYPERSCAN;
    else
        return false;
    return true;
}

enum {
    OPT_BACKEND = 256,
    OPT_NO_DB,
    OPT_NO_JIT,
    OPT_DB,
    OPT_RESUME,
    OPT_PROGRESS,
    OPT_PROFILE,
    OPT_COMMIT_EVERY,
    OPT_MAX_CALL_BYTES,
    OPT_MAX_FINDINGS,
    OPT_INPUT_FORMAT,
    OPT_ENCODING,
    OPT_META,
    OPT_ROLES,
    OPT_AGENT_CHANNEL,
    OPT_AGENT_SPEAKER,
    OPT_REDACT,
    OPT_NO_REDACT,
    OPT_RECORD_INVOCATION,
    OPT_LIST_INPUTS,
    OPT_FOLLOW
};

static const struct option score_longopts[] = {
    {"rules", required_argument, NULL, 'r'},
    {"format", required_argument, NULL, 'f'},
    {"jobs", required_argument, NULL, 'j'},
    {"db", required_argument, NULL, OPT_DB},
    {"no-db", no_argument, NULL, OPT_NO_DB},
    {"resume", no_argument, NULL, OPT_RESUME},
    {"progress", no_argument, NULL, OPT_PROGRESS},
    {"backend", required_argument, NULL, OPT_BACKEND},
    {"no-jit", no_argument, NULL, OPT_NO_JIT},
    {"profile", no_argument, NULL, OPT_PROFILE},
    {"commit-every", required_argument, NULL, OPT_COMMIT_EVERY},
    {"max-call-bytes", required_argument, NULL, OPT_MAX_CALL_BYTES},
    {"max-findings", required_argument, NULL, OPT_MAX_FINDINGS},
    {"input-format", required_argument, NULL, OPT_INPUT_FORMAT},
    {"encoding", required_argument, NULL, OPT_ENCODING},
    {"meta", required_argument, NULL, OPT_META},
    {"roles", required_argument, NULL, OPT_ROLES},
    {"agent-channel", required_argument, NULL, OPT_AGENT_CHANNEL},
    {"agent-speaker", required_argument, NULL, OPT_AGENT_SPEAKER},
    {"redact", optional_argument, NULL, OPT_REDACT},
    {"no-redact", no_argument, NULL, OPT_NO_REDACT},
    {"record-invocation", no_argument, NULL, OPT_RECORD_INVOCATION},
    {"list-inputs", no_argument, NULL, OPT_LIST_INPUTS},
    {"follow", no_argument, NULL, OPT_FOLLOW},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* Returns the index of the first input argument, -1 on error, -2 for --help. */
static int parse_score_args(int argc, char **argv, struct score_opts *o)
{
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "r:f:j:h", score_longopts, NULL)) != -1) {
        switch (c) {
        case 'r':
            o->rules = optarg;
            break;
        case 'f':
            if (!zj_format_parse(optarg, &o->format) ||
                (o->format != ZJ_FMT_TEXT && o->format != ZJ_FMT_JSON &&
                 o->format != ZJ_FMT_JSONL)) {
                cli_error("score: unknown format '%s' (expected text, json or jsonl)", optarg);
                return -1;
            }
            o->format_given = true;
            break;
        case 'j':
            if (!cli_parse_long("--jobs", optarg, 1, 256, &o->jobs))
                return -1;
            break;
        case OPT_DB:
            o->db = optarg;
            break;
        case OPT_NO_DB:
            o->no_db = true;
            break;
        case OPT_RESUME:
            o->resume = true;
            break;
        case OPT_PROGRESS:
            o->progress = true;
            break;
        case OPT_BACKEND:
            if (!parse_backend(optarg, &o->backend)) {
                cli_error("score: unknown backend '%s' (expected auto, pcre2 or hyperscan)",
                          optarg);
                return -1;
            }
            break;
        case OPT_NO_JIT:
            o->no_jit = true;
            break;
        case OPT_PROFILE:
            o->profile = true;
            break;
        case OPT_COMMIT_EVERY:
            if (!cli_parse_long("--commit-every", optarg, 1, 10000000, &o->commit_every))
                return -1;
            break;
        case OPT_MAX_CALL_BYTES:
            if (!cli_parse_long("--max-call-bytes", optarg, 1, 1L << 40, &o->max_call_bytes))
                return -1;
            break;
        case OPT_MAX_FINDINGS:
            if (!cli_parse_long("--max-findings", optarg, 1, 1L << 40, &o->max_findings))
                return -1;
            break;
        case OPT_INPUT_FORMAT:
            if (!zj_ingest_format_known(optarg)) {
                cli_error("score: unknown input format '%s' (see zhijian score --help)", optarg);
                return -1;
            }
            o->ingest.format = optarg;
            break;
        case OPT_ENCODING:
            if (!zj_encoding_known(optarg)) {
                cli_error("score: unknown encoding '%s' (an iconv name such as gb18030, gbk, "
                          "big5 or utf-16; `iconv --list` shows them all)",
                          optarg);
                return -1;
            }
            o->ingest.encoding = optarg;
            break;
        case OPT_META:
            o->meta_path = optarg;
            break;
        case OPT_ROLES:
            if (strcmp(optarg, "auto") != 0) {
                cli_error("score: --roles takes 'auto' (or give --agent-channel or "
                          "--agent-speaker)");
                return -1;
            }
            break;
        case OPT_AGENT_CHANNEL: {
            long ch;
            if (!cli_parse_long("--agent-channel", optarg, 0, 64, &ch))
                return -1;
            o->ingest.agent_channel = ch;
            break;
        }
        case OPT_AGENT_SPEAKER:
            /* An empty id matches no speaker: every call would be rejected. */
            if (!optarg[0]) {
                cli_error("score: --agent-speaker needs a speaker id (SPEAKER_01, 1, 发音人1)");
                return -1;
            }
            o->ingest.agent_speaker = optarg;
            break;
        case OPT_REDACT:
            o->redact_mode = optarg ? REDACT_LIST : REDACT_ON;
            if (optarg && (!zj_redact_parse(optarg, &o->redact_list) || !o->redact_list)) {
                cli_error("score: unknown personal data category in '%s' (expected phone, "
                          "id_card, bank_card, email, address or all)",
                          optarg);
                return -1;
            }
            break;
        case OPT_NO_REDACT:
            o->redact_mode = REDACT_OFF;
            break;
        case OPT_RECORD_INVOCATION:
            o->record_invocation = true;
            break;
        case OPT_LIST_INPUTS:
            o->list_inputs = true;
            break;
        case OPT_FOLLOW:
            o->follow = true;
            break;
        case 'h':
            score_usage(stdout);
            return -2;
        default:
            score_usage(stderr);
            return -1;
        }
    }
    if (o->db && !o->db[0]) {
        cli_error("score: --db needs a file name (use --no-db not to store)");
        return -1;
    }
    if (o->db && !cli_db_arg_ok("score", o->db))
        return -1;
    if (o->ingest.agent_channel >= 0 && o->ingest.agent_speaker) {
        cli_error("score: give --agent-channel or --agent-speaker, not both");
        return -1;
    }
    if (o->no_db && (o->db || o->resume)) {
        cli_error("score: --no-db cannot be combined with %s", o->db ? "--db" : "--resume");
        return -1;
    }
    if (optind >= argc) {
        cli_error("score: no input given (a file, a directory or - for standard input)");
        score_usage(stderr);
        return -1;
    }
    return optind;
}

struct printer {
    uint64_t output_ns;
    const struct score_opts *o;
    const zj_ruleset *rs;
    bool color, first, show_progress, progress_shown;
    bool write_failed; /* reported already */
    unsigned redact;   /* the categories masked: rejected records' messages too */
};

/* Renders one call's output in a scoring thread (thread-safe: reads only). */
static zj_status render_item(const zj_batch_item *item, zj_buf *out, void *ctx)
{
    const struct printer *p = ctx;
    if (!p->o->format_given && !p->o->no_db)
        return ZJ_OK;
    zj_status st;
    if (p->o->format == ZJ_FMT_TEXT) {
        st = zj_result_to_text(out, p->rs, item->call, item->result, p->color);
        if (st == ZJ_OK)
            st = zj_buf_puts(out, "\n");
    } else {
        st = zj_result_to_json(out, p->rs, item->call, item->result);
        if (st == ZJ_OK && p->o->format == ZJ_FMT_JSONL)
            st = zj_buf_puts(out, "\n");
    }
    return st;
}

static uint64_t monotonic_ns(void);

/* A rejected record's message, masked as the transcripts are: a parser's
 * message quotes the input near the error ('}' expected near
 * '13812345678'), and with --redact no personal data may reach the output
 * of score, its errors included. */
static void report_masked(const zj_error *e, unsigned redact)
{
    char buf[2048];
    zj_error_format(e, buf, sizeof buf);
    size_t len = strlen(buf), masked = 0;
    if (redact && zj_redact_text(buf, &len, redact, &masked) != ZJ_OK) {
        cli_error("a rejected record's message could not be masked (out of memory)");
        return;
    }
    cli_error("%s", buf);
}

/* Writes rendered output in input order; reports rejected records. */
static zj_status print_item(const zj_batch_item *item, void *ctx)
{
    struct printer *p = ctx;
    uint64_t t0 = p->o->profile ? monotonic_ns() : 0;
    if (item->error || item->duplicate) {
        if (p->progress_shown)
            fputs("\r\033[K", stderr);
        report_masked(item->error ? item->error : item->duplicate, p->redact);
    }
    if (!item->error && item->rendered) {
        if (p->o->format == ZJ_FMT_JSON)
            fputs(p->first ? "[\n" : ",\n", stdout);
        p->first = false;
        if (!cli_write(item->rendered, stdout)) {
            p->write_failed = true;
            return ZJ_ERR_IO;
        }
    }
    if (p->o->profile)
        p->output_ns += monotonic_ns() - t0;
    return ZJ_OK;
}

static uint64_t monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void show_progress(size_t scored, size_t rejected, uint64_t done, uint64_t total, void *ctx)
{
    struct printer *p = ctx;
    static uint64_t started;
    uint64_t now = monotonic_ns();
    if (!started)
        started = now;
    if (!p->show_progress)
        return;
    double secs = (double)(now - started) / 1e9;
    double rate = secs > 0 ? (double)scored / secs : 0;
    if (total > 0 && done <= total) {
        double frac = (double)done / (double)total;
        double eta = frac > 0.001 ? secs / frac - secs : 0;
        fprintf(stderr,
                "\r\033[Kzhijian: %zu calls scored, %zu rejected, %3.0f%%, %.0f calls/s, "
                "ETA %.0f s",
                scored, rejected, frac * 100, rate, eta);
    } else {
        fprintf(stderr, "\r\033[Kzhijian: %zu calls scored, %zu rejected, %.0f calls/s", scored,
                rejected, rate);
    }
    fflush(stderr);
    p->progress_shown = true;
}

/* Options whose values the runs table keeps by default: paths, formats and
 * numbers (and --redact's categories). Any other option's value (a speaker
 * id, a role policy; a future filter could hold personal data) is recorded
 * as ***. */
static bool value_recorded(const char *name)
{
    static const char *const kept[] = {
        "rules",         "db",           "format",         "jobs",         "backend",
        "commit-every",  "redact",       "max-call-bytes", "max-findings", "input-format",
        "encoding",      "meta",         "agent-channel",  NULL};
    for (const char *const *k = kept; *k; k++)
        if (!strcmp(name, *k))
            return true;
    return false;
}

/* The long option that arg (the text after "--", n bytes) names as
 * getopt_long reads it: the exact name, or an abbreviation of exactly one;
 * NULL otherwise. */
static const struct option *long_option(const char *arg, size_t n)
{
    const struct option *found = NULL;
    for (const struct option *o = score_longopts; o->name; o++) {
        if (strncmp(o->name, arg, n))
            continue;
        if (strlen(o->name) == n)
            return o;
        if (found)
            return NULL;
        found = o;
    }
    return found;
}

/* Appends one argument to the recorded command line, a connection
 * string's password masked (cli_mask_arg). */
static zj_status put_arg(zj_buf *b, const char *arg)
{
    char *shown = cli_mask_arg(arg);
    zj_status st = shown ? zj_buf_puts(b, shown) : ZJ_ERR_NOMEM;
    free(shown);
    return st;
}

/* The command line for the runs table: verbatim with --record-invocation,
 * else with the values of options not in value_recorded replaced by ***;
 * a password never (put_arg). */
static char *join_args(int argc, char **argv, bool verbatim)
{
    zj_buf b;
    zj_buf_init(&b);
    zj_status st = zj_buf_puts(&b, "zhijian");
    bool options = true; /* until "--" */
    for (int i = 0; i < argc && st == ZJ_OK; i++) {
        const char *a = argv[i], *eq = strchr(a, '=');
        st = zj_buf_puts(&b, " ");
        if (st != ZJ_OK)
            break;
        if (verbatim || !options || a[0] != '-' || a[1] == '\0') {
            st = put_arg(&b, a);
        } else if (!strcmp(a, "--")) {
            options = false;
            st = zj_buf_puts(&b, a);
        } else if (a[1] == '-') { /* --option, --option=value, or an abbreviation */
            const struct option *o = long_option(a + 2, eq ? (size_t)(eq - a - 2) : strlen(a + 2));
            bool kept = o && value_recorded(o->name);
            if (eq)
                st = kept ? put_arg(&b, a) : zj_buf_printf(&b, "%.*s=***", (int)(eq - a), a);
            else
                st = zj_buf_puts(&b, a);
            if (!eq && o && o->has_arg == required_argument && i + 1 < argc && st == ZJ_OK) {
                i++;
                st = zj_buf_puts(&b, " ");
                if (st == ZJ_OK)
                    st = kept ? put_arg(&b, argv[i]) : zj_buf_puts(&b, "***");
            }
        } else {
            /* -r FILE, -f FMT, -j N (a path, a format, a number), or glued
             * (-j2); -h takes nothing. */
            st = put_arg(&b, a);
            if (a[2] == '\0' && strchr("rfj", a[1]) && i + 1 < argc && st == ZJ_OK) {
                i++;
                st = zj_buf_puts(&b, " ");
                if (st == ZJ_OK)
                    st = put_arg(&b, argv[i]);
            }
        }
    }
    if (st != ZJ_OK) {
        zj_buf_free(&b);
        return NULL;
    }
    return b.data;
}

static void count_input_error(const zj_error *err, void *ctx)
{
    if (err->status == ZJ_OK) { /* a warning: nothing asked for was lost */
        cli_note(err, NULL);
        return;
    }
    cli_report(err);
    (*(size_t *)ctx)++;
}

struct interrupted_runs {
    int64_t resuming; /* the run this one resumes (not yet marked resumed), or 0 */
    size_t count;
};

/* A run of the store found interrupted (its process gone) and not resumed:
 * said on stderr, never silently, each time until it is resumed. A run
 * that read standard input cannot be resumed: said once, by the score that
 * finds it gone, with what to do instead (saying it on every later score
 * would never end). */
static zj_status warn_interrupted(const zj_run_info *r, void *ctx, zj_error *err)
{
    (void)err;
    struct interrupted_runs *seen = ctx;
    if (r->liveness != ZJ_RUN_GONE || r->id == seen->resuming ||
        (r->read_stdin && !r->found_gone_now) || ++seen->count > 5)
        return ZJ_OK;
    if (r->read_stdin)
        cli_warn("run %lld (started %s, %lld calls stored) was interrupted: %s; it read standard "
                 "input, which `zhijian score --resume` cannot continue: score that input again "
                 "(a call stored again replaces its result, never adds a copy)",
                 (long long)r->id, r->started_at, (long long)r->calls_scored, r->why);
    else
        cli_warn("run %lld (started %s, %lld calls stored) was interrupted: %s; `zhijian score "
                 "--resume` with the same inputs and rule set continues it",
                 (long long)r->id, r->started_at, (long long)r->calls_scored, r->why);
    return ZJ_OK;
}

/* The categories of a mask as --redact takes them: "phone,id_card", or "none". */
static void redact_list_text(unsigned redact, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (unsigned bit = 1; bit && bit <= ZJ_REDACT_ALL; bit <<= 1) {
        const char *name = (redact & bit) ? zj_redact_category_name(bit) : NULL;
        if (name && used < size)
            used += (size_t)snprintf(out + used, size - used, "%s%s", used ? "," : "", name);
    }
    if (!used)
        snprintf(out, size, "none");
}

/* A resumed run masks what the run it continues masked, or the store would
 * hold the first part masked and the rest in clear: taken over when the
 * command line says nothing of masking, refused when it says otherwise. */
static bool resume_masking(const struct score_opts *o, int64_t resumed_from, int64_t before,
                           unsigned *redact)
{
    if (before < 0) {
        /* An older zhijian kept no record: guessing could store the rest of
         * a masked batch in clear, so the command line must say. */
        if (o->redact_mode != REDACT_RULESET)
            return true;
        cli_error("score: run %lld did not record what it masked (an older zhijian): resume it "
                  "with the masking options it was given (--redact[=LIST] or --no-redact; its "
                  "command line is the runs table's argv)",
                  (long long)resumed_from);
        return false;
    }
    if ((unsigned)before == *redact)
        return true;
    char was[128], now[128];
    redact_list_text((unsigned)before, was, sizeof was);
    redact_list_text(*redact, now, sizeof now);
    if (o->redact_mode != REDACT_RULESET) {
        cli_error("score: run %lld masked %s, this command masks %s: resuming it so would store "
                  "its calls masked in two ways; resume with %s%s, or without masking options",
                  (long long)resumed_from, was, now, before ? "--redact=" : "--no-redact",
                  before ? was : "");
        return false;
    }
    *redact = (unsigned)before;
    return true;
}

/* Opens the store and registers the run; returns false after reporting.
 * *redact may change to what a resumed run masked; *rejected_before: the
 * records the runs it continues rejected. */
static bool prepare_store(const struct score_opts *o, const zj_ruleset *rs, char **paths,
                          size_t n_paths, int argc, char **argv, zj_store **store,
                          int64_t *ruleset_id, int64_t *run_id, uint64_t *offsets,
                          unsigned *redact, int64_t *rejected_before)
{
    zj_error err;
    zj_error_clear(&err);
    *store = zj_store_open(o->db, true, &err);
    if (!*store) {
        cli_report(&err);
        return false;
    }
    /* A killed run says 'interrupted' in the table, not 'running', for every
     * reader of the store (SQL, BI tools, the report). */
    if (zj_store_mark_interrupted(*store, &err) != ZJ_OK) {
        cli_report(&err);
        return false;
    }
    bool reused = false;
    if (zj_store_add_ruleset(*store, rs, ruleset_id, &reused, &err) != ZJ_OK) {
        cli_report(&err);
        return false;
    }
    if (reused)
        cli_warn("rule set %s@%s changed but its version did not; its results are kept apart "
                 "(keyed by sha256 %.12s…; reports reach them with --ruleset sha256:%.12s, "
                 "%s@%s the newest): consider bumping 'version'",
                 zj_rules_name(rs), zj_rules_version(rs), zj_rules_sha256(rs),
                 zj_rules_sha256(rs), zj_rules_name(rs), zj_rules_version(rs));
    int64_t resumed_from = 0;
    if (o->resume) {
        if (zj_store_resume_point(*store, *ruleset_id, (const char *const *)paths, n_paths,
                                  &resumed_from, offsets, &err) != ZJ_OK) {
            cli_report(&err);
            return false;
        }
        int64_t masked_before = -1;
        if (!resumed_from)
            cli_warn("no interrupted or failed run of these inputs with this rule set: starting "
                     "afresh");
        else if (zj_store_run_before(*store, resumed_from, &masked_before, rejected_before,
                                     &err) != ZJ_OK) {
            cli_report(&err);
            return false;
        } else if (!resume_masking(o, resumed_from, masked_before, redact)) {
            return false;
        }
        /* The interrupted or failed run is superseded by the new one. */
        if (resumed_from && zj_store_finish_run(*store, resumed_from, "interrupted", &err) != ZJ_OK) {
            cli_report(&err);
            return false;
        }
    }
    struct interrupted_runs interrupted = {.resuming = resumed_from};
    if (zj_store_runs(*store, warn_interrupted, &interrupted, &err) != ZJ_OK) {
        cli_report(&err);
        return false;
    }
    if (interrupted.count > 5)
        cli_warn("%zu more runs were interrupted (zhijian db runs lists them)",
                 interrupted.count - 5);
    char *args = join_args(argc, argv, o->record_invocation);
    if (!args) {
        cli_error("out of memory");
        return false;
    }
    zj_store_record_invocation(*store, o->record_invocation);
    zj_store_run_redact(*store, *redact);
    zj_status st = zj_store_begin_run(*store, *ruleset_id, args, (const char *const *)paths, NULL,
                                      n_paths, resumed_from, run_id, &err);
    free(args);
    if (st != ZJ_OK) {
        cli_report(&err);
        return false;
    }
    return true;
}

/* --list-inputs: the files score would read, in its order, one per line. A
 * name holding a newline cannot be told apart in that list: it is an error
 * rather than two wrong names. */
static int list_inputs(const struct score_opts *o, int argc, char **argv, int first)
{
    char **paths = NULL;
    size_t n_paths = 0, input_errors = 0;
    if (zj_inputs_expand_format((const char *const *)argv + first, (size_t)(argc - first),
                                o->ingest.format, o->follow ? ZJ_WALK_FOLLOW_LINKS : 0, &paths,
                                &n_paths, count_input_error, &input_errors) == ZJ_ERR_NOMEM) {
        zj_paths_free(paths, n_paths);
        return EXIT_USAGE;
    }
    int code = EXIT_OK;
    for (size_t i = 0; i < n_paths; i++) {
        /* What score would reject at once is not listed: a regular file it
         * cannot open. A FIFO named here is left unopened: opening it would
         * meet the writer score is meant to read. */
        struct stat sb;
        int fd = !strcmp(paths[i], "-") || (stat(paths[i], &sb) == 0 && !S_ISREG(sb.st_mode))
                     ? 0
                     : open(paths[i], O_RDONLY);
        if (fd < 0) {
            cli_error("%s: %s", paths[i], strerror(errno));
            input_errors++;
            continue;
        }
        if (fd > 0)
            close(fd);
        if (strchr(paths[i], '\n')) {
            cli_error("%s: a file name with a newline cannot be listed", paths[i]);
            code = EXIT_USAGE;
        } else if (printf("%s\n", paths[i]) < 0) {
            break; /* cli_flush_stdout reports it */
        }
    }
    if (!cli_flush_stdout())
        code = EXIT_USAGE;
    if (code == EXIT_OK && input_errors)
        code = EXIT_PARTIAL;
    zj_paths_free(paths, n_paths);
    return code;
}

int cmd_score(int argc, char **argv)
{
    struct score_opts o = {
        .format = ZJ_FMT_TEXT, .backend = ZJ_BACKEND_AUTO, .ingest = {.agent_channel = -1}};
    int first = parse_score_args(argc, argv, &o);
    if (first == -2)
        return EXIT_OK;
    if (first < 0)
        return EXIT_USAGE;
    if (o.list_inputs)
        return list_inputs(&o, argc, argv, first);
    if (!o.rules)
        o.rules = cli_default_rules();
    if (!o.db)
        o.db = "zhijian.db";
    for (int i = first; i < argc && o.resume; i++)
        if (strcmp(argv[i], "-") == 0) {
            cli_error("score: --resume cannot continue standard input (it cannot be re-read); "
                      "score a file instead");
            return EXIT_USAGE;
        }

    zj_error err;
    zj_error_clear(&err);
    zj_load_opts lopts = {.backend = o.backend,
                          .cache_dir = cli_cache_dir(),
                          .no_jit = o.no_jit,
                          .on_note = cli_note};
    zj_ruleset *rs = zj_rules_load(o.rules, &lopts, &err);
    if (!rs) {
        cli_report(&err);
        return EXIT_USAGE;
    }
    zj_meta_table *meta = NULL;
    if (o.meta_path) {
        meta = zj_meta_table_load(o.meta_path, o.ingest.encoding, &err);
        if (!meta) {
            cli_report(&err);
            zj_rules_free(rs);
            return EXIT_USAGE;
        }
        o.ingest.meta = meta;
    }
    char **paths = NULL;
    size_t n_paths = 0, input_errors = 0;
    if (zj_inputs_expand_format((const char *const *)argv + first, (size_t)(argc - first),
                                o.ingest.format, o.follow ? ZJ_WALK_FOLLOW_LINKS : 0, &paths,
                                &n_paths, count_input_error, &input_errors) == ZJ_ERR_NOMEM) {
        /* Reported; scoring part of the inputs would look like all of them. */
        zj_paths_free(paths, n_paths);
        zj_meta_table_free(meta);
        zj_rules_free(rs);
        return EXIT_USAGE;
    }

    unsigned redact = zj_rules_redact(rs);
    if (o.redact_mode == REDACT_ON && !redact)
        redact = ZJ_REDACT_ALL;
    else if (o.redact_mode == REDACT_LIST)
        redact = o.redact_list;
    else if (o.redact_mode == REDACT_OFF)
        redact = 0;

    int code = EXIT_OK;
    zj_store *store = NULL;
    int64_t ruleset_id = 0, run_id = 0, rejected_before = 0;
    uint64_t *offsets = calloc(n_paths ? n_paths : 1, sizeof *offsets);
    if (!o.no_db && !prepare_store(&o, rs, paths, n_paths, argc, argv, &store, &ruleset_id,
                                   &run_id, offsets, &redact, &rejected_before))
        code = EXIT_USAGE;

    /* Results are many short lines: into a file or a pipe, write them in
     * 64 KiB pieces rather than stdio's 4 KiB (a sixteenth of the system
     * calls); a terminal keeps its line buffering. (glibc ignores the size
     * unless it is given the buffer.) */
    static char stdout_buffer[1 << 16];
    if (!isatty(fileno(stdout)))
        setvbuf(stdout, stdout_buffer, _IOFBF, sizeof stdout_buffer);
    struct printer pr = {.o = &o, .rs = rs, .first = true, .redact = redact};
    pr.color = o.format == ZJ_FMT_TEXT && cli_use_color(stdout);
    pr.show_progress = o.progress || isatty(fileno(stderr));
    zj_batch_stats stats = {0};
    if (code == EXIT_OK) {
        zj_batch_opts bo = {.rs = rs,
                            .inputs = (const char *const *)paths,
                            .n_inputs = n_paths,
                            .start_offsets = offsets,
                            .jobs = (int)o.jobs,
                            .store = store,
                            .ruleset_id = ruleset_id,
                            .run_id = run_id,
                            .commit_every = (size_t)o.commit_every,
                            .max_call_bytes = (size_t)o.max_call_bytes,
                            .max_findings = (size_t)o.max_findings,
                            .profile = o.profile,
                            .render = render_item,
                            .sink = print_item,
                            .progress = show_progress,
                            .ctx = &pr,
                            .ingest = &o.ingest,
                            .redact = redact};
        zj_status st = zj_batch_run(&bo, &stats, &err);
        if (pr.progress_shown)
            fputs("\r\033[K", stderr);
        bool printing = o.format_given || o.no_db;
        if (st == ZJ_OK && printing && o.format == ZJ_FMT_JSON)
            fputs(stats.scored ? "\n]\n" : "[]\n", stdout);
        if (st == ZJ_OK && !cli_flush_stdout()) {
            st = ZJ_ERR_IO;
            pr.write_failed = true; /* reported */
        }
        if (st != ZJ_OK) {
            if (!pr.write_failed)
                cli_report(&err);
            code = EXIT_USAGE;
        }
        /* A run that continues another ends as the whole run would have:
         * what the earlier part rejected still makes it partial. */
        if (rejected_before > 0)
            cli_warn("%lld records were rejected before the interruption (each reported "
                     "then): the run ends partial, as it would have without one",
                     (long long)rejected_before);
        size_t partial =
            stats.rejected + input_errors + stats.duplicates + (size_t)rejected_before;
        zj_error finish_err;
        zj_error_clear(&finish_err);
        if (store && zj_store_finish_run(store, run_id,
                                         st != ZJ_OK ? "failed"
                                         : partial   ? "partial"
                                                     : "done",
                                         &finish_err) != ZJ_OK) {
            cli_report(&finish_err);
            code = EXIT_USAGE;
        }
        if (code == EXIT_OK && partial)
            code = EXIT_PARTIAL;
        if (!printing || o.format == ZJ_FMT_TEXT)
            printf("%zu calls scored: %zu passed, %zu failed (%zu fatal); %zu rejected\n",
                   stats.scored, stats.passed, stats.scored - stats.passed, stats.fatal,
                   stats.rejected + input_errors);
        if (o.profile)
            fprintf(stderr,
                    "zhijian: profile (seconds, summed over %ld scoring threads): parse %.3f, "
                    "normalize %.3f, match %.3f, score %.3f; output and store %.3f; wall %.3f; "
                    "%.1f MB read\n",
                    o.jobs ? o.jobs : sysconf(_SC_NPROCESSORS_ONLN),
                    (double)stats.profile.parse_ns / 1e9, (double)stats.profile.norm_ns / 1e9,
                    (double)stats.profile.match_ns / 1e9, (double)stats.profile.score_ns / 1e9,
                    (double)pr.output_ns / 1e9, stats.seconds, (double)stats.bytes / 1e6);
        if (store && stats.stored < stats.scored)
            /* Say what is in the store, not only what was scored. */
            cli_error("scored %zu calls, rejected %zu, in %.2f s; only %zu of the %zu scored "
                      "calls are stored in %s, the other %zu are not (score them again, or "
                      "continue with --resume)",
                      stats.scored, stats.rejected + input_errors, stats.seconds, stats.stored,
                      stats.scored, cli_db_name(o.db), stats.scored - stats.stored);
        else if (store)
            fprintf(stderr,
                    "zhijian: scored %zu calls, rejected %zu, in %.2f s (%.0f calls/s); "
                    "results in %s (run %lld)\n",
                    stats.scored, stats.rejected + input_errors, stats.seconds,
                    stats.seconds > 0 ? (double)stats.scored / stats.seconds : 0.0,
                    cli_db_name(o.db), (long long)run_id);
        else if (pr.show_progress)
            fprintf(stderr, "zhijian: scored %zu calls, rejected %zu, in %.2f s (%.0f calls/s)\n",
                    stats.scored, stats.rejected + input_errors, stats.seconds,
                    stats.seconds > 0 ? (double)stats.scored / stats.seconds : 0.0);
    }
    zj_store_close(store);
    zj_meta_table_free(meta);
    free(offsets);
    zj_paths_free(paths, n_paths);
    zj_rules_free(rs);
    return code;
}
