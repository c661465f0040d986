/* cmd_db.c — `zhijian db rebuild` and `zhijian db check`: the result store's
 * report aggregates recomputed, or compared with a recomputation. */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static void db_usage(FILE *out)
{
    fprintf(out, "usage: zhijian db rebuild [--db PATH]\n"
                 "       zhijian db check [--db PATH]\n"
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
                 "\n"
                 "options:\n"
                 "  --db PATH    the result database (default: zhijian.db), or a PostgreSQL\n"
                 "               store: --db postgresql://qa@db.example/zhijian\n"
                 "               e.g.  --db out/zhijian.db\n"
                 "  -h, --help   this text\n");
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
        (strcmp(argv[optind], "rebuild") != 0 && strcmp(argv[optind], "check") != 0)) {
        cli_error("db: give one subcommand: rebuild or check");
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
    if (rebuild) {
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
