/* cmd_db.c — `zhijian db rebuild` and `zhijian db check`: the result store's
 * report aggregates recomputed, or compared with a recomputation; `zhijian
 * db runs`: the scoring runs, a killed one shown as interrupted. */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static void db_usage(FILE *out)
{
    fprintf(out, "usage: zhijian db rebuild [--db PATH]\n"
                 "       zhijian db check [--db PATH]\n"
                 "       zhijian db runs [--db PATH]\n"
                 "\n"
                 "The result store keeps per day, agent and rule sums of the scored calls (the\n"
                 "report aggregates, docs/store.md) so that scorecards and samples over a\n"
                 "million calls take well under a second. `zhijian score` keeps them in\n"
                 "step with every call it stores; these commands recompute and compare them.\n"
                 "\n"
                 "subcommands:\n"
                 "  rebuild    recompute the aggregates from the stored calls and findings, in\n"
                 "             one transaction (a database written by an older zhijian gets\n"
                 "             them when it is first opened for writing, e.g. by this command)\n"
                 "             e.g.  zhijian db rebuild --db out/zhijian.db\n"
                 "  check      check the file page by page (SQLite's integrity check: exit 2\n"
                 "             when it is damaged), then recompute the aggregates and compare\n"
                 "             them with the stored ones; exit 0 when every row matches, 1 when\n"
                 "             some differ (each kind of difference is listed with the row's\n"
                 "             key: rule set, date, agent, rule, ...), 2 on an error. Reads\n"
                 "             only; nothing is changed.\n"
                 "             e.g.  zhijian db check --db out/zhijian.db\n"
                 "  runs       list the scoring runs: start and end (UTC), status, calls stored\n"
                 "             and rejected. A run whose process is gone without finishing\n"
                 "             (killed, out of memory, a power cut) is shown as interrupted;\n"
                 "             one started on another machine as unknown (docs/store.md).\n"
                 "             Reads only: the next `zhijian score` on the run's machine\n"
                 "             writes interrupted in the row\n"
                 "             e.g.  zhijian db runs --db out/zhijian.db\n"
                 "\n"
                 "options:\n"
                 "  --db PATH    the result database (default: zhijian.db), or a PostgreSQL\n"
                 "               store: --db postgresql://qa@db.example/zhijian\n"
                 "               e.g.  --db out/zhijian.db\n"
                 "  -h, --help   this text\n");
}

/* text escaped for the terminal, then spaces up to width columns (one at
 * least). */
static void pad_term(zj_buf *out, const char *text, size_t width)
{
    size_t len = strlen(text);
    zj_buf_term_str(out, text);
    zj_buf_printf(out, "%*s", (int)(len < width ? width - len : 1), "");
}

/* One line of `db runs`: the stored texts escaped for the terminal. */
static zj_status print_run(const zj_run_info *r, void *ctx, zj_error *err)
{
    zj_buf *out = ctx;
    const char *status = r->status;
    char note[256] = "";
    switch (r->liveness) {
    case ZJ_RUN_ALIVE:
        snprintf(note, sizeof note, "process %lld on this machine", (long long)r->pid);
        break;
    case ZJ_RUN_GONE:
        status = "interrupted";
        snprintf(note, sizeof note,
                 r->read_stdin ? "%s; it read standard input, which --resume cannot continue: "
                                 "score that input again"
                               : "%s; zhijian score --resume with the same inputs continues it",
                 r->why);
        break;
    case ZJ_RUN_UNCHECKED:
        status = "unknown";
        snprintf(note, sizeof note, "'running' in the store, %s", r->why);
        break;
    case ZJ_RUN_FINISHED:
        if (r->resumed_by)
            snprintf(note, sizeof note, "resumed by run %lld", (long long)r->resumed_by);
        break;
    }
    const char *finished = r->finished_at[0] ? r->finished_at : "-";
    zj_buf_printf(out, "%-5lld ", (long long)r->id);
    pad_term(out, r->started_at, 21);
    pad_term(out, finished, 21);
    pad_term(out, status, 12);
    zj_buf_printf(out, "%8lld %8lld%s%s\n", (long long)r->calls_scored,
                  (long long)r->calls_rejected, note[0] ? "  " : "", note);
    return out->failed ? zj_error_set(err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory") : ZJ_OK;
}

static int list_runs(zj_store *st)
{
    zj_buf out;
    zj_buf_init(&out);
    zj_buf_printf(&out, "%-5s %-20s %-20s %-11s %8s %8s  %s\n", "run", "started (UTC)",
                  "finished (UTC)", "status", "calls", "rejected", "note");
    zj_error err = {0};
    int code = EXIT_OK;
    if (zj_store_runs(st, print_run, &out, &err) != ZJ_OK) {
        cli_report(&err);
        code = EXIT_USAGE;
    } else if (!cli_write(&out, stdout)) {
        code = EXIT_USAGE;
    }
    zj_buf_free(&out);
    return code;
}

int cmd_db(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *db = "zhijian.db";
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            if (!optarg[0]) {
                cli_error("db: --db needs a file name");
                return EXIT_USAGE;
            }
            if (!cli_db_arg_ok("db", optarg))
                return EXIT_USAGE;
            db = optarg;
            break;
        case 'h':
            db_usage(stdout);
            return EXIT_OK;
        default:
            db_usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (optind + 1 != argc ||
        (strcmp(argv[optind], "rebuild") != 0 && strcmp(argv[optind], "check") != 0 &&
         strcmp(argv[optind], "runs") != 0)) {
        cli_error("db: give one subcommand: rebuild, check or runs");
        db_usage(stderr);
        return EXIT_USAGE;
    }
    bool rebuild = strcmp(argv[optind], "rebuild") == 0;
    zj_error err = {0};
    if (!rebuild && !strstr(db, "://")) {
        /* A missing file would be created empty by SQLite's reader: refuse. */
        FILE *f = fopen(db, "rb");
        if (!f) {
            cli_error("db: %s: cannot open the database", db);
            return EXIT_USAGE;
        }
        fclose(f);
    }
    /* rebuild writes: a mistyped --db must not become a new, empty store. */
    zj_store *st = cli_store_open_existing(db, rebuild, &err);
    if (!st) {
        cli_report(&err);
        return EXIT_USAGE;
    }
    int code = EXIT_OK;
    if (strcmp(argv[optind], "runs") == 0) {
        code = list_runs(st);
    } else if (rebuild) {
        if (zj_store_agg_rebuild(st, &err) != ZJ_OK) {
            cli_report(&err);
            code = EXIT_USAGE;
        } else {
            cli_print("zhijian: %s: report aggregates rebuilt", cli_db_name(db));
        }
    } else {
        zj_buf out;
        zj_buf_init(&out);
        long n = 0, damaged = 0;
        /* The file first: a damaged index can hide rows from every reader,
         * the aggregate check included, without any error. */
        if (zj_store_integrity(st, &out, &damaged, &err) != ZJ_OK) {
            cli_report(&err);
            code = EXIT_USAGE;
        } else if (damaged) {
            cli_write(&out, stdout);
            cli_error("db check: %s: the database file is damaged (%ld problem%s found by "
                      "SQLite's integrity check): results read from it may be incomplete; "
                      "restore it from a backup",
                      cli_db_name(db), damaged, damaged == 1 ? "" : "s");
            code = EXIT_USAGE;
        } else if (zj_store_agg_check(st, &out, &n, &err) != ZJ_OK) {
            cli_report(&err);
            code = EXIT_USAGE;
        } else if (n) {
            if (!cli_write(&out, stdout))
                code = EXIT_USAGE;
            cli_error("db check: %s: %ld aggregate row%s differ from a recomputation; run "
                      "`zhijian db rebuild --db %s`",
                      cli_db_name(db), n, n == 1 ? "" : "s", cli_db_name(db));
            if (code == EXIT_OK)
                code = EXIT_FINDINGS;
        } else {
            cli_print("zhijian: %s: report aggregates match a recomputation", cli_db_name(db));
        }
        zj_buf_free(&out);
    }
    zj_store_close(st);
    return code;
}
