/* cmd_review.c — `zhijian review export|import|status`, `appeal` and
 * `calibrate`: option parsing and output; the review logic is the
 * library's (engine/review.c). */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

struct review_args {
    zj_report_filter filter;
    const char *db, *output, *reviewer, *agent, *call, *rule, *category, *reason, *supervisor;
    zj_format format;
    long sample, turn, appeal;
    long span_start, span_end; /* --span; -1: not given */
    double min_precision;
    int verdict; /* appeal ruling: 1 uphold, 2 overturn */
};

enum {
    OPT_FROM = 256,
    OPT_TO,
    OPT_TEAM,
    OPT_AGENT,
    OPT_RULESET,
    OPT_DB,
    OPT_SAMPLE,
    OPT_REVIEWER,
    OPT_CALL,
    OPT_RULE,
    OPT_CATEGORY,
    OPT_TURN,
    OPT_SPAN,
    OPT_REASON,
    OPT_SUPERVISOR,
    OPT_APPEAL,
    OPT_UPHOLD,
    OPT_OVERTURN,
    OPT_MIN_PRECISION
};

/* Parses the options; -1 error, -2 help. allowed: the options this command
 * takes, as "|name|" words. */
static int parse(int argc, char **argv, const char *cmd, const char *allowed, const char *formats,
                 void (*usage)(FILE *), struct review_args *a)
{
    static const struct option longopts[] = {
        {"from", required_argument, NULL, OPT_FROM},
        {"to", required_argument, NULL, OPT_TO},
        {"team", required_argument, NULL, OPT_TEAM},
        {"agent", required_argument, NULL, OPT_AGENT},
        {"ruleset", required_argument, NULL, OPT_RULESET},
        {"db", required_argument, NULL, OPT_DB},
        {"sample", required_argument, NULL, OPT_SAMPLE},
        {"reviewer", required_argument, NULL, OPT_REVIEWER},
        {"call", required_argument, NULL, OPT_CALL},
        {"rule", required_argument, NULL, OPT_RULE},
        {"category", required_argument, NULL, OPT_CATEGORY},
        {"turn", required_argument, NULL, OPT_TURN},
        {"span", required_argument, NULL, OPT_SPAN},
        {"reason", required_argument, NULL, OPT_REASON},
        {"supervisor", required_argument, NULL, OPT_SUPERVISOR},
        {"appeal", required_argument, NULL, OPT_APPEAL},
        {"uphold", no_argument, NULL, OPT_UPHOLD},
        {"overturn", no_argument, NULL, OPT_OVERTURN},
        {"min-precision", required_argument, NULL, OPT_MIN_PRECISION},
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    a->db = "zhijian.db";
    a->format = ZJ_FMT_TEXT;
    a->min_precision = 0.9;
    a->span_start = a->span_end = -1;
    int c, index;
    long v;
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:o:h", longopts, &index)) != -1) {
        if (c != 'h' && c != '?' && c >= 256) {
            char word[64];
            snprintf(word, sizeof word, "|%s|", longopts[index].name);
            if (!strstr(allowed, word)) {
                cli_error("%s: --%s does not apply here", cmd, longopts[index].name);
                usage(stderr);
                return -1;
            }
        }
        int scope = c >= OPT_FROM
                        ? cli_scope_option(cmd, longopts[index].name, optarg, &a->filter, &a->db)
                        : 0;
        if (scope < 0)
            return -1;
        if (c == OPT_AGENT)
            a->agent = optarg; /* the agent whose findings an appeal is about */
        if (scope)
            continue;
        switch (c) {
        case OPT_SAMPLE:
            if (!cli_parse_long("--sample", optarg, 1, 0x7fffffffffffffffL, &v))
                return -1;
            a->sample = v;
            break;
        case OPT_REVIEWER:
            a->reviewer = optarg;
            break;
        case OPT_CALL:
            a->call = optarg;
            break;
        case OPT_RULE:
            a->rule = optarg;
            break;
        case OPT_CATEGORY:
            a->category = optarg;
            break;
        case OPT_TURN:
            if (!cli_parse_long("--turn", optarg, 1, 1000000, &v))
                return -1;
            a->turn = v;
            break;
        case OPT_SPAN: {
            char *dash = strchr(optarg, '-'), *end;
            long x = dash ? strtol(optarg, &end, 10) : -1;
            long y = dash && end == dash ? strtol(dash + 1, &end, 10) : -1;
            if (!dash || *end || dash == optarg || !dash[1] || x < 0 || y <= x || y > 100000000) {
                cli_error("%s: --span '%s': expected START-END, the finding's span in code "
                          "points of its turn (as review export writes it), e.g. --span 0-7",
                          cmd, optarg);
                return -1;
            }
            a->span_start = x;
            a->span_end = y;
            break;
        }
        case OPT_REASON:
            a->reason = optarg;
            break;
        case OPT_SUPERVISOR:
            a->supervisor = optarg;
            break;
        case OPT_APPEAL:
            if (!cli_parse_long("--appeal", optarg, 1, 0x7fffffffffffffffL, &v))
                return -1;
            a->appeal = v;
            break;
        case OPT_UPHOLD:
        case OPT_OVERTURN:
            if (a->verdict) {
                cli_error("%s: give one of --uphold and --overturn", cmd);
                return -1;
            }
            a->verdict = c == OPT_UPHOLD ? 1 : 2;
            break;
        case OPT_MIN_PRECISION:
            if (!cli_parse_number("--min-precision", optarg, 0, 1, &a->min_precision))
                return -1;
            break;
        case 'f': {
            zj_format f;
            char padded[64];
            snprintf(padded, sizeof padded, "|%s|", optarg);
            if (!formats || !zj_format_parse(optarg, &f) || !strstr(formats, padded)) {
                cli_error("%s: unknown format '%s' (expected %s)", cmd, optarg,
                          formats ? formats : "none");
                return -1;
            }
            a->format = f;
            break;
        }
        case 'o':
            if (!strstr(allowed, "|output|")) {
                cli_error("%s: -o does not apply here", cmd);
                return -1;
            }
            a->output = optarg;
            break;
        case 'h':
            usage(stdout);
            return -2;
        default:
            usage(stderr);
            return -1;
        }
    }
    if (a->filter.from && a->filter.to && strcmp(a->filter.from, a->filter.to) > 0) {
        cli_error("%s: --from %s is after --to %s", cmd, a->filter.from, a->filter.to);
        return -1;
    }
    return 0;
}

static void review_usage(FILE *out)
{
    fprintf(
        out,
        "usage: zhijian review export [--sample ID] [--from DATE] [--to DATE] [--team T]\n"
        "                             [--agent ID] [--ruleset NAME[@VER]] [--db PATH] [-o FILE]\n"
        "       zhijian review import --reviewer NAME [--ruleset NAME[@VER]] [--db PATH] FILE\n"
        "       zhijian review status [--sample ID] [--from DATE] [--to DATE] [--team T]\n"
        "                             [--agent ID] [--format text|json] [--db PATH] [-o FILE]\n"
        "       zhijian review close --sample ID --supervisor NAME [--db PATH]\n"
        "\n"
        "Human review of the stored findings, for teams that review in a spreadsheet.\n"
        "Every verdict is kept as an append-only record; the machine's findings and\n"
        "scores are never changed, and each call gets a final score beside them.\n"
        "\n"
        "export   the findings of a saved sample (--sample) or of the calls the filters\n"
        "         select, as CSV (UTF-8 with BOM): one row per finding with its call,\n"
        "         agent, rule, clause, turn (from 1), span, quoted words, points and\n"
        "         current verdict, and three columns to fill in: verdict (confirmed,\n"
        "         rejected, or added for a finding the engine missed: a new row with\n"
        "         call_id, rule_id or category, and turn/span/quote where known),\n"
        "         category and note; last, the rule set it was exported for (ruleset,\n"
        "         ruleset_sha256)\n"
        "import   records the filled-in sheet as inspector NAME's verdicts, under the\n"
        "         rule set the sheet names (one --ruleset contradicts is refused); a row\n"
        "         naming no finding of the call, or a bad verdict, is reported with\n"
        "         its line and skipped (exit 3); re-importing records nothing twice\n"
        "status   each reviewed call's machine and final score and verdict counts;\n"
        "         with --sample, the sample's calls and its ISO 2859-1 accept/reject\n"
        "         decision from the reviewed nonconforming calls (Ac/Re of its plan)\n"
        "close    records that decision once it is reached (accept or reject) with who\n"
        "         closed the sample; the audit report cites it; it cannot be changed\n"
        "\n"
        "  --sample ID          the calls of the sample saved as ID (`zhijian sample --save`)\n"
        "  --from DATE, --to DATE, --team T, --agent ID\n"
        "                       the calls' local dates (YYYY-MM-DD), team, agent\n"
        "  --reviewer NAME      who reviewed (import)\n"
        "  --supervisor NAME    who closes the sample (close)\n"
        "  --ruleset NAME[@VER] whose results (default: the newest with results)\n"
        "  --db PATH            the result database (default: zhijian.db), or a PostgreSQL\n"
            "                       store: --db postgresql://qa@db.example/zhijian\n"
        "  --format FMT         status: text (default) or json\n"
        "  -o FILE              write to FILE instead of standard output\n"
        "\n"
        "Examples:\n"
        "  zhijian sample --n 20 --save                      # prints the sample's id, e.g. 1\n"
        "  zhijian review export --sample 1 -o review.csv    # fill in 'verdict' in a spreadsheet\n"
        "  zhijian review import --reviewer 张敏 review.csv\n"
        "  zhijian review status --sample 1\n"
        "  zhijian review close --sample 1 --supervisor 王经理\n"
        "\n"
        "Exit status: 0 done; 2 usage, database or write error; 3 some rows rejected.\n");
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap) {
            if (ferror(f)) {
                free(buf);
                buf = NULL;
            }
            break;
        }
        char *p = realloc(buf, cap *= 2);
        if (!p)
            free(buf);
        buf = p;
    }
    int saved = errno;
    fclose(f);
    errno = saved;
    *len = n;
    return buf;
}

/* `review close --sample ID --by NAME`: records the sample's decision. */
static int review_close(int argc, char **argv)
{
    struct review_args a = {0};
    int r = parse(argc - 1, argv + 1, "review close", "|sample|supervisor|reviewer|ruleset|db|",
                  NULL, review_usage, &a);
    if (r == -2)
        return EXIT_OK;
    if (r < 0)
        return EXIT_USAGE;
    const char *by = a.supervisor ? a.supervisor : a.reviewer;
    if (!a.sample || !by) {
        cli_error("review close: --sample ID and --supervisor NAME are needed");
        return EXIT_USAGE;
    }
    zj_error err;
    zj_error_clear(&err);
    zj_store *st = cli_store_open_existing(a.db, true, &err);
    if (!st) {
        cli_report(&err);
        return EXIT_USAGE;
    }
    char decision[16];
    zj_status s = zj_review_close_sample(st, a.filter.ruleset, a.sample, by, decision, &err);
    zj_store_close(st);
    if (s != ZJ_OK) {
        cli_report(&err);
        return EXIT_USAGE;
    }
    cli_print("sample %ld closed: %s", a.sample, decision);
    return EXIT_OK;
}

static void row_error(const zj_error *e, void *ctx)
{
    (void)ctx;
    cli_report(e);
}

int cmd_review(int argc, char **argv)
{
    const char *sub = argc > 1 ? argv[1] : NULL;
    if (!sub || !strcmp(sub, "--help") || !strcmp(sub, "-h")) {
        review_usage(sub ? stdout : stderr);
        return sub ? EXIT_OK : EXIT_USAGE;
    }
    struct review_args a = {0};
    if (!strcmp(sub, "close"))
        return review_close(argc, argv);
    const char *allowed = !strcmp(sub, "export")   ? "|sample|from|to|team|agent|ruleset|db|output|"
                          : !strcmp(sub, "import") ? "|reviewer|ruleset|db|"
                          : !strcmp(sub, "status")
                              ? "|sample|from|to|team|agent|ruleset|db|output|format|"
                              : NULL;
    if (!allowed) {
        cli_error("review: unknown subcommand '%s' (expected export, import or status)", sub);
        review_usage(stderr);
        return EXIT_USAGE;
    }
    char cmd[32];
    snprintf(cmd, sizeof cmd, "review %s", sub);
    int r = parse(argc - 1, argv + 1, cmd, allowed, !strcmp(sub, "status") ? "|text|json|" : NULL,
                  review_usage, &a);
    if (r == -2)
        return EXIT_OK;
    if (r < 0)
        return EXIT_USAGE;
    int rest = argc - 1 - optind;
    if (strcmp(sub, "import") == 0 ? rest != 1 : rest != 0) {
        cli_error("%s: %s", cmd,
                  strcmp(sub, "import") == 0 ? "give the sheet to import (one CSV file)"
                                             : "unexpected argument");
        review_usage(stderr);
        return EXIT_USAGE;
    }
    zj_error err;
    zj_error_clear(&err);
    zj_store *st = cli_store_open_existing(a.db, strcmp(sub, "import") == 0, &err);
    if (!st) {
        cli_report(&err);
        return EXIT_USAGE;
    }
    zj_buf out;
    zj_buf_init(&out);
    zj_status s;
    if (strcmp(sub, "export") == 0) {
        s = zj_review_export(st, &a.filter, a.sample, &out, &err);
    } else if (strcmp(sub, "status") == 0) {
        s = zj_review_status(st, &a.filter, a.sample, a.format, &out, &err);
    } else {
        const char *path = argv[1 + optind];
        if (!a.reviewer || !*a.reviewer) {
            zj_store_close(st);
            cli_error("%s: --reviewer NAME is needed (who made these verdicts)", cmd);
            return EXIT_USAGE;
        }
        size_t len;
        char *text = read_file(path, &len);
        if (!text) {
            zj_store_close(st);
            cli_error("%s: cannot read %s: %s", cmd, path, strerror(errno));
            return EXIT_USAGE;
        }
        zj_review_import_stats stats;
        s = zj_review_import(st, a.filter.ruleset, a.reviewer, path, text, len, row_error, NULL,
                             &stats, &err);
        free(text);
        zj_store_close(st);
        if (s != ZJ_OK) {
            cli_report(&err);
            return EXIT_USAGE;
        }
        fprintf(stderr,
                "zhijian: %s: %ld rows: %ld verdicts recorded, %ld unchanged or blank, %ld "
                "rejected\n",
                path, stats.rows, stats.recorded, stats.unchanged, stats.rejected);
        return stats.rejected ? EXIT_PARTIAL : EXIT_OK;
    }
    zj_store_close(st);
    return cli_finish_output(cmd, s, &err, &out, a.output);
}

static void appeal_usage(FILE *out)
{
    fprintf(
        out,
        "usage: zhijian appeal --agent ID --call CALL_ID (--rule RULE_ID | --category TEXT)\n"
        "                      [--turn N [--span A-B]] --reason TEXT [--ruleset NAME[@VER]]\n"
        "                      [--db PATH]\n"
        "       zhijian appeal rule --supervisor NAME --appeal ID (--uphold | --overturn)\n"
        "                      --reason TEXT [--ruleset NAME[@VER]] [--db PATH]\n"
        "\n"
        "An agent appeals a finding of one of their own calls; a supervisor rules on\n"
        "the appeal. An overturned finding no longer counts in the call's final score\n"
        "(zhijian review status); an upheld one stands. Both are recorded, with the\n"
        "reason, in the append-only review record.\n"
        "\n"
        "  --agent ID           the appealing agent: the call must be theirs\n"
        "  --call CALL_ID       the call\n"
        "  --rule RULE_ID       the finding's rule\n"
        "  --category TEXT      an added finding's category: the finding of an inspector\n"
        "                       who named no rule, or one of several added at one place\n"
        "  --turn N             the finding's turn, counted from 1 (needed when the rule\n"
        "                       has several findings in the call)\n"
        "  --span A-B           the finding's span in code points of its turn, as review\n"
        "                       export writes it (needed with --turn when the rule has\n"
        "                       several findings in that turn): --turn 3 --span 10-17\n"
        "  --reason TEXT        why (appeal) or the ruling's grounds (rule)\n"
        "  --supervisor NAME    who rules\n"
        "  --appeal ID          the appeal's number (printed when it was filed)\n"
        "  --uphold, --overturn the ruling: the finding stands, or is withdrawn\n"
        "  --ruleset NAME[@VER] whose results (default: the newest with results)\n"
        "  --db PATH            the result database (default: zhijian.db), or a PostgreSQL\n"
        "                       store: --db postgresql://qa@db.example/zhijian\n"
        "\n"
        "Examples:\n"
        "  zhijian appeal --agent A04 --call PS-021 --rule attitude.solicit --turn 3 \\\n"
        "      --reason '我在转述住户的话'\n"
        "  zhijian appeal rule --supervisor 李强 --appeal 7 --overturn --reason '录音核实为转述'\n"
        "\n"
        "Exit status: 0 recorded; 2 usage or database error, no such call, finding or\n"
        "appeal, or the call is another agent's.\n");
}

int cmd_appeal(int argc, char **argv)
{
    bool ruling = argc > 1 && strcmp(argv[1], "rule") == 0;
    struct review_args a = {0};
    const char *cmd = ruling ? "appeal rule" : "appeal";
    int r = ruling
                ? parse(argc - 1, argv + 1, cmd,
                        "|supervisor|appeal|uphold|overturn|reason|"
                        "ruleset|db|",
                        NULL, appeal_usage, &a)
                : parse(argc, argv, cmd, "|agent|call|rule|category|turn|span|reason|ruleset|db|",
                        NULL, appeal_usage, &a);
    if (r == -2)
        return EXIT_OK;
    if (r < 0)
        return EXIT_USAGE;
    if (optind != (ruling ? argc - 1 : argc)) {
        cli_error("%s: unexpected argument '%s'", cmd, argv[optind + (ruling ? 1 : 0)]);
        return EXIT_USAGE;
    }
    const char *missing = ruling ? (!a.supervisor ? "--supervisor NAME"
                                    : !a.appeal   ? "--appeal ID"
                                    : !a.verdict  ? "--uphold or --overturn"
                                    : !a.reason   ? "--reason TEXT"
                                                  : NULL)
                                 : (!a.agent                 ? "--agent ID"
                                    : !a.call                ? "--call CALL_ID"
                                    : !a.rule && !a.category ? "--rule RULE_ID or --category TEXT"
                                    : !a.reason              ? "--reason TEXT"
                                                             : NULL);
    if (!missing && a.span_start >= 0 && !a.turn)
        missing = "--turn N (a span is in a turn)";
    if (missing) {
        cli_error("%s: %s is needed", cmd, missing);
        appeal_usage(stderr);
        return EXIT_USAGE;
    }
    zj_error err;
    zj_error_clear(&err);
    zj_store *st = cli_store_open_existing(a.db, true, &err);
    if (!st) {
        cli_report(&err);
        return EXIT_USAGE;
    }
    int64_t id = 0;
    zj_status s = ruling
                      ? zj_review_ruling(st, a.filter.ruleset, a.supervisor, a.appeal,
                                         a.verdict == 2, a.reason, &err)
                      : zj_review_appeal(st, a.filter.ruleset, a.agent, a.call, a.rule, (int)a.turn,
                                         a.span_start, a.span_end, a.category, a.reason, &id, &err);
    zj_store_close(st);
    if (s != ZJ_OK) {
        cli_report(&err);
        return EXIT_USAGE;
    }
    if (ruling)
        cli_print("appeal %ld %s", a.appeal, a.verdict == 2 ? "overturned" : "upheld");
    else
        cli_print("appeal %lld filed", (long long)id);
    return EXIT_OK;
}

static void calibrate_usage(FILE *out)
{
    fprintf(out, "usage: zhijian calibrate [--from DATE] [--to DATE] [--team T] [--agent ID]\n"
                 "                         [--min-precision P] [--ruleset NAME[@VER]] [--db PATH]\n"
                 "                         [--format text|json] [-o FILE]\n"
                 "\n"
                 "How often each rule is right, from the reviewed calls: per rule its hits,\n"
                 "those inspectors confirmed and rejected, precision = confirmed / (confirmed +\n"
                 "rejected), and the findings inspectors added that the engine missed; the\n"
                 "agreement between engine and inspectors over (reviewed call, rule) pairs and\n"
                 "between two inspectors who judged the same finding (Cohen's kappa); and the\n"
                 "rules below the precision threshold with their rejected quotes, ready to\n"
                 "become `no_match` examples.\n"
                 "\n"
                 "  --min-precision P    list the rules below P (0..1, default 0.9)\n"
                 "  --from DATE, --to DATE, --team T, --agent ID\n"
                 "                       only reviewed calls of those dates, team, agent\n"
                 "  --ruleset NAME[@VER] whose results (default: the newest with results)\n"
                 "  --db PATH            the result database (default: zhijian.db), or a PostgreSQL\n"
            "                       store: --db postgresql://qa@db.example/zhijian\n"
                 "  --format FMT         text (default) or json\n"
                 "  -o FILE              write to FILE instead of standard output\n"
                 "\n"
                 "Examples:\n"
                 "  zhijian calibrate --db out/zhijian.db\n"
                 "  zhijian calibrate --min-precision 0.95 --format json -o calibration.json\n");
}

int cmd_calibrate(int argc, char **argv)
{
    struct review_args a = {0};
    int r = parse(argc, argv, "calibrate",
                  "|from|to|team|agent|min-precision|ruleset|db|output|format|", "|text|json|",
                  calibrate_usage, &a);
    if (r == -2)
        return EXIT_OK;
    if (r < 0)
        return EXIT_USAGE;
    if (optind != argc) {
        cli_error("calibrate: unexpected argument '%s'", argv[optind]);
        return EXIT_USAGE;
    }
    zj_error err;
    zj_error_clear(&err);
    zj_store *st = cli_store_open_existing(a.db, false, &err);
    if (!st) {
        cli_report(&err);
        return EXIT_USAGE;
    }
    zj_buf out;
    zj_buf_init(&out);
    zj_status s = zj_calibrate(st, &a.filter, a.min_precision, a.format, &out, &err);
    zj_store_close(st);
    return cli_finish_output("calibrate", s, &err, &out, a.output);
}
