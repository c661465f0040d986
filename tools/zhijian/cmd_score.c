/* cmd_score.c — `zhijian score`: read calls, score them, print results. */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static void score_usage(FILE *out)
{
    fprintf(out,
            "usage: zhijian score [--rules FILE|DIR] [--format text|json|jsonl]\n"
            "                     [--backend auto|pcre2|hyperscan] [--no-jit] [--no-db] INPUT...\n"
            "\n"
            "Score call transcripts (native JSON / JSONL files, directories of them, or - for\n"
            "standard input) against a rule set and print one result per call, in input order.\n"
            "\n"
            "  --rules FILE|DIR   rule set (default: the bundled property-service.yaml)\n"
            "  --format FMT       text (default), json (one array) or jsonl (one object per line)\n"
            "  --backend NAME     matcher backend: auto (default), pcre2 or hyperscan\n"
            "  --no-jit           interpret regexes instead of JIT-compiling them\n"
            "  --no-db            print results only (the default in this build)\n"
            "\n"
            "Exit status: 0 all calls scored; 2 usage or rule-set error; 3 some inputs rejected.\n");
}

struct score_opts {
    const char *rules;
    zj_format format;
    zj_backend backend;
    bool no_jit;
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

/* Returns the index of the first input argument, or -1 after reporting. */
static int parse_score_args(int argc, char **argv, struct score_opts *o)
{
    enum { OPT_BACKEND = 256, OPT_NO_DB, OPT_NO_JIT };
    static const struct option longopts[] = {
        {"rules", required_argument, NULL, 'r'},
        {"format", required_argument, NULL, 'f'},
        {"backend", required_argument, NULL, OPT_BACKEND},
        {"no-db", no_argument, NULL, OPT_NO_DB},
        {"no-jit", no_argument, NULL, OPT_NO_JIT},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "r:f:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'r': o->rules = optarg; break;
        case 'f':
            if (!zj_format_parse(optarg, &o->format) ||
                (o->format != ZJ_FMT_TEXT && o->format != ZJ_FMT_JSON &&
                 o->format != ZJ_FMT_JSONL)) {
                cli_error("score: unknown format '%s' (expected text, json or jsonl)", optarg);
                return -1;
            }
            break;
        case OPT_BACKEND:
            if (!parse_backend(optarg, &o->backend)) {
                cli_error("score: unknown backend '%s' (expected auto, pcre2 or hyperscan)",
                          optarg);
                return -1;
            }
            break;
        case OPT_NO_DB: break;
        case OPT_NO_JIT: o->no_jit = true; break;
        case 'h': score_usage(stdout); return -2;
        default: score_usage(stderr); return -1;
        }
    }
    if (optind >= argc) {
        cli_error("score: no input given (a file, a directory or - for standard input)");
        score_usage(stderr);
        return -1;
    }
    return optind;
}

struct score_totals {
    size_t scored, passed, fatal, rejected;
};

static void count_input_error(const zj_error *err, void *ctx)
{
    cli_report(err);
    (*(size_t *)ctx)++;
}

static bool emit_result(const struct score_opts *o, const zj_ruleset *rs, const zj_call *call,
                        const zj_result *res, zj_buf *out, bool color, bool first)
{
    zj_buf_reset(out);
    zj_status st;
    if (o->format == ZJ_FMT_TEXT) {
        st = zj_result_to_text(out, rs, call, res, color);
    } else {
        if (o->format == ZJ_FMT_JSON)
            zj_buf_puts(out, first ? "[\n" : ",\n");
        st = zj_result_to_json(out, rs, call, res);
        if (o->format == ZJ_FMT_JSONL)
            zj_buf_puts(out, "\n");
    }
    if (st != ZJ_OK) {
        cli_error("score: %s", zj_strerror(st));
        return false;
    }
    return cli_write(out, stdout);
}

/* Scores every call of one input; false on a fatal output error. */
static bool score_input(const char *path, const struct score_opts *o, const zj_ruleset *rs,
                        zj_scorer *scorer, zj_buf *out, struct score_totals *t)
{
    zj_error err;
    zj_error_clear(&err);
    zj_reader *reader = zj_reader_open(path, 0, &err);
    if (!reader) {
        cli_report(&err);
        t->rejected++;
        return true;
    }
    bool color = o->format == ZJ_FMT_TEXT && cli_use_color(stdout);
    bool ok = true;
    for (;;) {
        zj_call *call = NULL;
        zj_error_clear(&err);
        zj_status st = zj_reader_next(reader, &call, &err);
        if (st == ZJ_DONE)
            break;
        if (st != ZJ_OK) {
            cli_report(&err);
            t->rejected++;
            continue;
        }
        zj_result res;
        zj_error_clear(&err);
        st = zj_score_call(scorer, call, &res, &err);
        if (st != ZJ_OK) {
            if (!err.file[0])
                zj_error_set(&err, st, call->source, call->line, 0, "call '%s': %s",
                             call->call_id, err.msg[0] ? err.msg : zj_strerror(st));
            cli_report(&err);
            t->rejected++;
            zj_call_free(call);
            continue;
        }
        ok = emit_result(o, rs, call, &res, out, color, t->scored == 0);
        t->scored++;
        t->passed += res.passed;
        t->fatal += res.fatal;
        zj_result_free(&res);
        zj_call_free(call);
        if (!ok)
            break;
    }
    zj_reader_close(reader);
    return ok;
}

int cmd_score(int argc, char **argv)
{
    struct score_opts o = {.rules = NULL, .format = ZJ_FMT_TEXT, .backend = ZJ_BACKEND_AUTO};
    int first = parse_score_args(argc, argv, &o);
    if (first == -2)
        return EXIT_OK;
    if (first < 0)
        return EXIT_USAGE;
    if (!o.rules)
        o.rules = cli_default_rules();

    zj_error err;
    zj_error_clear(&err);
    zj_load_opts lopts = {.backend = o.backend, .cache_dir = NULL, .no_jit = o.no_jit};
    zj_ruleset *rs = zj_rules_load(o.rules, &lopts, &err);
    if (!rs) {
        cli_report(&err);
        return EXIT_USAGE;
    }
    zj_scorer *scorer = zj_scorer_new(rs, &err);
    if (!scorer) {
        cli_report(&err);
        zj_rules_free(rs);
        return EXIT_USAGE;
    }

    char **paths = NULL;
    size_t n_paths = 0;
    struct score_totals t = {0};
    zj_inputs_expand((const char *const *)argv + first, (size_t)(argc - first), &paths, &n_paths,
                     count_input_error, &t.rejected);
    zj_buf out;
    zj_buf_init(&out);
    bool ok = true;
    for (size_t i = 0; i < n_paths && ok; i++)
        ok = score_input(paths[i], &o, rs, scorer, &out, &t);
    if (ok && o.format == ZJ_FMT_JSON) {
        zj_buf_reset(&out);
        zj_buf_puts(&out, t.scored ? "\n]\n" : "[]\n");
        ok = cli_write(&out, stdout);
    }
    if (ok && o.format == ZJ_FMT_TEXT)
        printf("\n%zu calls scored: %zu passed, %zu failed (%zu fatal); %zu rejected\n", t.scored,
               t.passed, t.scored - t.passed, t.fatal, t.rejected);
    if (fflush(stdout) != 0)
        ok = false;

    zj_buf_free(&out);
    zj_paths_free(paths, n_paths);
    zj_scorer_free(scorer);
    zj_rules_free(rs);
    if (!ok)
        return EXIT_USAGE;
    return t.rejected ? EXIT_PARTIAL : EXIT_OK;
}
