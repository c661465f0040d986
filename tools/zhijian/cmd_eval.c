/* cmd_eval.c — `zhijian eval --labels FILE INPUT...`: score calls without a
 * store and compare them with gold labels (the comparison lives in
 * engine/eval.c); optional precision/recall gates. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static void eval_usage(FILE *out)
{
    fprintf(out,
            "usage: zhijian eval --labels FILE [--rules FILE] [--format text|json]\n"
            "                    [--min-precision X] [--min-recall X]\n"
            "                    [--max-fatal-missed N] [--clauses FILE]\n"
            "                    INPUT...\n"
            "\n"
            "Score calls (nothing is stored) and compare the forbidden findings with gold\n"
            "labels (one JSON line per call: call_id, forbidden [{turn, span, quote, rule}],\n"
            "quoted [{turn, span, quote}]). Prints precision and recall overall and per\n"
            "rule, verdict agreement, the calls failed outright (一票否决) against those\n"
            "labelled under a fatal rule, how the labelled quotations were treated, and\n"
            "every disagreement (call, turn, words, zhijian's rule against the label's).\n"
            "\n"
            "  --labels FILE       the gold labels (required), e.g.\n"
            "                      --labels corpus/gold/labels/original.jsonl\n"
            "  --rules FILE        rule set (default: the bundled property-service.yaml),\n"
            "                      e.g. --rules my-centre.yaml\n"
            "  --format FMT        text (default) or json, e.g. --format json > eval.json\n"
            "  --min-precision X   exit 1 when the overall precision is below X (0..1), or\n"
            "                      when nothing is found where the labels hold offences,\n"
            "                      e.g. --min-precision 0.9 in a rule set's CI job\n"
            "  --min-recall X      exit 1 when the overall recall is below X (0..1), e.g.\n"
            "                      --min-recall 0.8\n"
            "  --max-fatal-missed N\n"
            "                      exit 1 when more than N calls labelled with an offence\n"
            "                      under a fatal rule (一票否决) are not failed outright,\n"
            "                      e.g. --max-fatal-missed 0: every such call must fail\n"
            "  --clauses FILE      also write every agent clause, as a `model:` rule sees\n"
            "                      it, with the label it overlaps: the training data of\n"
            "                      tools/train_model.py (call, turn, start, end, rule or -\n"
            "                      or quoted, normalized text; tab-separated)\n"
            "\n"
            "Example:\n"
            "  zhijian eval --labels corpus/gold/labels/original.jsonl \\\n"
            "               corpus/gold/calls/original.jsonl --min-recall 0.95\n"
            "  zhijian eval --labels corpus/gold/labels/original.jsonl \\\n"
            "               --clauses clauses.tsv corpus/gold/calls/original.jsonl\n"
            "\n"
            "Exit status: 0 measured (and the gates, if any, are met); 1 a gate is not met;\n"
            "2 usage or rule-set error; 3 some calls or label lines were rejected (each\n"
            "reported as FILE:LINE: message), the rest measured.\n");
}

static void count_error(const zj_error *err, void *ctx)
{
    cli_report(err);
    (*(size_t *)ctx)++;
}

static void warn_note(const zj_error *err, void *ctx)
{
    (void)ctx;
    char buf[2048];
    cli_warn("%s", zj_error_format(err, buf, sizeof buf));
}

int cmd_eval(int argc, char **argv)
{
    enum { OPT_LABELS = 256, OPT_MIN_P, OPT_MIN_R, OPT_MAX_FATAL, OPT_CLAUSES };
    static const struct option longopts[] = {
        {"labels", required_argument, NULL, OPT_LABELS},
        {"rules", required_argument, NULL, 'r'},
        {"format", required_argument, NULL, 'f'},
        {"min-precision", required_argument, NULL, OPT_MIN_P},
        {"min-recall", required_argument, NULL, OPT_MIN_R},
        {"max-fatal-missed", required_argument, NULL, OPT_MAX_FATAL},
        {"clauses", required_argument, NULL, OPT_CLAUSES},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *labels = NULL, *rules = NULL, *clauses = NULL;
    zj_format format = ZJ_FMT_TEXT;
    double min_p = -1, min_r = -1;
    long max_fatal = -1;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "r:f:h", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_LABELS:
            labels = optarg;
            break;
        case 'r':
            rules = optarg;
            break;
        case 'f':
            if (!zj_format_parse(optarg, &format) ||
                (format != ZJ_FMT_TEXT && format != ZJ_FMT_JSON)) {
                cli_error("eval: unknown format '%s' (expected text or json)", optarg);
                return EXIT_USAGE;
            }
            break;
        case OPT_MIN_P:
            if (!cli_parse_number("--min-precision", optarg, 0, 1, &min_p))
                return EXIT_USAGE;
            break;
        case OPT_MIN_R:
            if (!cli_parse_number("--min-recall", optarg, 0, 1, &min_r))
                return EXIT_USAGE;
            break;
        case OPT_MAX_FATAL:
            if (!cli_parse_long("--max-fatal-missed", optarg, 0, 1000000000L, &max_fatal))
                return EXIT_USAGE;
            break;
        case OPT_CLAUSES:
            clauses = optarg;
            break;
        case 'h':
            eval_usage(stdout);
            return EXIT_OK;
        default:
            eval_usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (!labels || optind >= argc) {
        cli_error("eval: %s", !labels ? "--labels FILE is required" : "no input given");
        eval_usage(stderr);
        return EXIT_USAGE;
    }
    cli_protect(labels);
    cli_protect(rules ? rules : cli_default_rules());
    for (int i = optind; i < argc; i++)
        cli_protect(argv[i]);
    if (clauses && cli_output_protected(clauses, "eval"))
        return EXIT_USAGE;
    zj_error err;
    zj_error_clear(&err);
    zj_load_opts lopts = {.cache_dir = cli_cache_dir()};
    zj_ruleset *rs = zj_rules_load(rules ? rules : cli_default_rules(), &lopts, &err);
    if (!rs) {
        cli_report(&err);
        return EXIT_USAGE;
    }
    cli_protect_ruleset(rs);
    if (clauses && cli_output_protected(clauses, "eval")) {
        zj_rules_free(rs);
        return EXIT_USAGE;
    }
    zj_eval *ev = zj_eval_new(rs, &err);
    if (!ev) {
        cli_report(&err);
        zj_rules_free(rs);
        return EXIT_USAGE;
    }
    size_t rejected = 0;
    int code = EXIT_OK;
    /* Every call's clauses, written whole at the end (cli_write_output: a
     * temp file renamed over the target, errors naming it), so a failed
     * write never leaves a cut-off training file behind. */
    zj_buf clause_buf;
    zj_buf_init(&clause_buf);
    zj_status st = zj_eval_load_labels(ev, labels, count_error, &rejected, &err);
    if (st == ZJ_ERR_IO) {
        cli_report(&err);
        code = EXIT_USAGE;
    } else {
        zj_eval_unknown_rules(ev, warn_note, NULL);
    }
    char **paths = NULL;
    size_t n_paths = 0;
    if (code == EXIT_OK)
        zj_inputs_expand((const char *const *)argv + optind, (size_t)(argc - optind), &paths,
                         &n_paths, count_error, &rejected);
    for (size_t i = 0; i < n_paths && code == EXIT_OK; i++) {
        zj_reader *r = zj_reader_open(paths[i], 0, &err);
        if (!r) {
            count_error(&err, &rejected);
            continue;
        }
        zj_call *call;
        while ((st = zj_reader_next(r, &call, &err)) != ZJ_DONE) {
            if (st != ZJ_OK) {
                count_error(&err, &rejected);
                continue;
            }
            st = zj_eval_add_call(ev, call, count_error, &rejected, &err);
            if (st == ZJ_OK && clauses &&
                (st = zj_eval_clauses(ev, call, &clause_buf)) != ZJ_OK)
                zj_error_set(&err, st, call->source, call->line, 0,
                             "call '%s': cannot write its clauses: %s", call->call_id,
                             zj_strerror(st));
            zj_call_free(call);
            if (st == ZJ_ERR_NOMEM) {
                cli_report(&err);
                code = EXIT_USAGE;
                break;
            }
            if (st != ZJ_OK)
                count_error(&err, &rejected);
        }
        zj_reader_close(r);
    }
    zj_paths_free(paths, n_paths);
    if (clauses && code == EXIT_OK && !cli_write_output(&clause_buf, clauses, "eval"))
        code = EXIT_USAGE;
    zj_buf_free(&clause_buf);
    if (code == EXIT_OK) {
        zj_buf out;
        zj_buf_init(&out);
        if (zj_eval_render(ev, format, &out) != ZJ_OK) {
            cli_error("eval: out of memory");
            code = EXIT_USAGE;
        } else if (!cli_write(&out, stdout) || fflush(stdout) != 0) {
            code = EXIT_USAGE;
        }
        zj_buf_free(&out);
    }
    if (code == EXIT_OK) {
        zj_eval_summary s;
        zj_eval_summary_get(ev, &s);
        if (min_p >= 0 && s.precision >= 0 && s.precision < min_p) {
            cli_error("eval: precision %.3f is below --min-precision %.3f", s.precision, min_p);
            code = EXIT_FINDINGS;
        } else if (min_p >= 0 && s.precision < 0 && s.recall >= 0) {
            /* No findings where the labels hold offences: a rule set that
             * finds nothing must not pass a precision gate. */
            cli_error("eval: no findings, so no precision, where the labels hold offences: "
                      "--min-precision %.3f is not met",
                      min_p);
            code = EXIT_FINDINGS;
        }
        if (min_r >= 0 && (s.recall < 0 ? 1.0 : s.recall) < min_r) {
            cli_error("eval: recall %.3f is below --min-recall %.3f", s.recall < 0 ? 1.0 : s.recall,
                      min_r);
            code = EXIT_FINDINGS;
        }
        size_t fatal_missed = s.fatal_labelled - s.fatal_labelled_failed;
        if (max_fatal >= 0 && fatal_missed > (size_t)max_fatal) {
            cli_error("eval: %zu of %zu calls labelled with a fatal offence were not failed "
                      "outright; --max-fatal-missed %ld is not met",
                      fatal_missed, s.fatal_labelled, max_fatal);
            code = EXIT_FINDINGS;
        }
        if (rejected)
            code = EXIT_PARTIAL;
    }
    zj_eval_free(ev);
    zj_rules_free(rs);
    return code;
}
