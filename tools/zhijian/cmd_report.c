/* cmd_report.c — `zhijian scorecard`, `report` and `sample`: option parsing
 * and output; the figures come from the library's report functions. */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

struct report_args {
    zj_report_filter filter;
    const char *db, *output;
    zj_format format;
    zj_group_by by;
    zj_sample_opts sample;
    long long cite_sample; /* report --sample ID; 0: none */
    zj_audit_meta meta;    /* report's number, date, team, auditee, distribution */
    const char **auditors; /* --auditor, repeatable; argv's strings */
};

enum {
    OPT_FROM = 256,
    OPT_TO,
    OPT_TEAM,
    OPT_AGENT,
    OPT_RULESET,
    OPT_DB,
    OPT_BY,
    OPT_N,
    OPT_ISO,
    OPT_AQL,
    OPT_SEED,
    OPT_SAVE,
    OPT_SAMPLE,
    OPT_REPORT_NO,
    OPT_REPORT_DATE,
    OPT_AUDITOR,
    OPT_AUDITEE,
    OPT_DISTRIBUTION
};

/* Parses the options every report shares plus its own; -1 error, -2 help. */
/* Appends word as a POSIX shell reads it back as one argument: as it is
 * when it holds only letters, digits, bytes beyond ASCII and _@%+=:,./-
 * (which no shell treats specially), else in single quotes, a quote inside
 * written '\'' — so the audit report's command runs as printed. */
static void shell_word(zj_buf *out, const char *word)
{
    bool plain = *word != '\0';
    for (const unsigned char *p = (const unsigned char *)word; plain && *p; p++)
        plain = *p >= 0x80 || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                (*p >= '0' && *p <= '9') || strchr("_@%+=:,./-", *p);
    if (plain) {
        zj_buf_puts(out, word);
        return;
    }
    zj_buf_puts(out, "'");
    for (const char *p = word; *p; p++) {
        if (*p == '\'')
            zj_buf_puts(out, "'\\''");
        else
            zj_buf_append(out, p, 1);
    }
    zj_buf_puts(out, "'");
}

static int parse(int argc, char **argv, const char *cmd, const char *formats, zj_format dflt,
                 void (*usage)(FILE *), struct report_args *a)
{
    static const struct option longopts[] = {
        {"from", required_argument, NULL, OPT_FROM},
        {"to", required_argument, NULL, OPT_TO},
        {"team", required_argument, NULL, OPT_TEAM},
        {"agent", required_argument, NULL, OPT_AGENT},
        {"ruleset", required_argument, NULL, OPT_RULESET},
        {"db", required_argument, NULL, OPT_DB},
        {"by", required_argument, NULL, OPT_BY},
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"n", required_argument, NULL, OPT_N},
        {"iso2859", required_argument, NULL, OPT_ISO},
        {"aql", required_argument, NULL, OPT_AQL},
        {"seed", required_argument, NULL, OPT_SEED},
        {"save", no_argument, NULL, OPT_SAVE},
        {"sample", required_argument, NULL, OPT_SAMPLE},
        {"report-no", required_argument, NULL, OPT_REPORT_NO},
        {"report-date", required_argument, NULL, OPT_REPORT_DATE},
        {"auditor", required_argument, NULL, OPT_AUDITOR},
        {"auditee", required_argument, NULL, OPT_AUDITEE},
        {"distribution", required_argument, NULL, OPT_DISTRIBUTION},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    a->db = "zhijian.db";
    a->format = dflt;
    a->by = ZJ_BY_AGENT;
    a->sample.seed = 1;
    int c, index;
    long v;
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:o:h", longopts, &index)) != -1) {
        int scope = c >= OPT_FROM
                        ? cli_scope_option(cmd, longopts[index].name, optarg, &a->filter, &a->db)
                        : 0;
        if (scope < 0)
            return -1;
        if (scope)
            continue;
        switch (c) {
        case OPT_BY:
            if (strcmp(optarg, "agent") == 0)
                a->by = ZJ_BY_AGENT;
            else if (strcmp(optarg, "team") == 0)
                a->by = ZJ_BY_TEAM;
            else {
                cli_error("%s: --by: expected agent or team, got '%s'", cmd, optarg);
                return -1;
            }
            break;
        case 'f': {
            zj_format f;
            char padded[64];
            snprintf(padded, sizeof padded, "|%s|", optarg);
            if (!zj_format_parse(optarg, &f) || !strstr(formats, padded)) {
                cli_error("%s: unknown format '%s' (expected %s)", cmd, optarg, formats);
                return -1;
            }
            a->format = f;
            break;
        }
        case 'o':
            a->output = optarg;
            break;
        case OPT_N:
            if (!cli_parse_long("--n", optarg, 1, 100000000, &v))
                return -1;
            a->sample.n = v;
            break;
        case OPT_ISO:
            a->sample.level = strcmp(optarg, "I") == 0     ? 1
                              : strcmp(optarg, "II") == 0  ? 2
                              : strcmp(optarg, "III") == 0 ? 3
                                                           : 0;
            if (!a->sample.level) {
                cli_error("%s: --iso2859: expected the general inspection level I, II or III, "
                          "got '%s'",
                          cmd, optarg);
                return -1;
            }
            break;
        case OPT_AQL:
            /* A value that is no column of Table 2-A is refused by the plan
             * lookup, which names the columns; 0 would read as no AQL at all. */
            if (!cli_parse_number("--aql", optarg, 0, 1000, &a->sample.aql))
                return -1;
            if (a->sample.aql == 0) {
                cli_error("--aql: invalid value '%s' (expected a positive number)", optarg);
                return -1;
            }
            break;
        case OPT_SEED:
            if (!cli_parse_long("--seed", optarg, 0, 0x7fffffffffffffffL, &v))
                return -1;
            a->sample.seed = (uint64_t)v;
            break;
        case OPT_SAVE:
            if (strcmp(cmd, "sample") != 0) {
                cli_error("%s: --save belongs to `zhijian sample`", cmd);
                return -1;
            }
            a->sample.save = true;
            break;
        case OPT_SAMPLE:
            if (strcmp(cmd, "report") != 0) {
                cli_error("%s: --sample belongs to `zhijian report`", cmd);
                return -1;
            }
            if (!cli_parse_long("--sample", optarg, 1, 0x7fffffffffffffffL, &v))
                return -1;
            a->cite_sample = v;
            break;
        case OPT_REPORT_NO:
        case OPT_REPORT_DATE:
        case OPT_AUDITOR:
        case OPT_AUDITEE:
        case OPT_DISTRIBUTION:
            if (strcmp(cmd, "report") != 0) {
                cli_error("%s: --%s belongs to `zhijian report`", cmd,
                          c == OPT_REPORT_NO     ? "report-no"
                          : c == OPT_REPORT_DATE ? "report-date"
                          : c == OPT_AUDITOR     ? "auditor"
                          : c == OPT_AUDITEE     ? "auditee"
                                                 : "distribution");
                return -1;
            }
            if (c == OPT_REPORT_DATE && !cli_valid_date(optarg)) {
                cli_error("%s: --report-date: expected a calendar date YYYY-MM-DD, got '%s'", cmd,
                          optarg);
                return -1;
            }
            if (c == OPT_REPORT_NO)
                a->meta.report_no = optarg;
            else if (c == OPT_REPORT_DATE)
                a->meta.report_date = optarg;
            else if (c == OPT_AUDITEE)
                a->meta.auditee = optarg;
            else if (c == OPT_DISTRIBUTION)
                a->meta.distribution = optarg;
            else {
                /* At most one --auditor per argument, so argc bounds the list. */
                if (!a->auditors && !(a->auditors = calloc((size_t)argc, sizeof *a->auditors))) {
                    cli_error("%s: out of memory", cmd);
                    return -1;
                }
                a->auditors[a->meta.n_auditors++] = optarg;
                a->meta.auditors = a->auditors;
            }
            break;
        case 'h':
            usage(stdout);
            return -2;
        default:
            usage(stderr);
            return -1;
        }
    }
    if (optind != argc) {
        cli_error("%s: unexpected argument '%s'", cmd, argv[optind]);
        usage(stderr);
        return -1;
    }
    if (a->filter.from && a->filter.to && strcmp(a->filter.from, a->filter.to) > 0) {
        cli_error("%s: --from %s is after --to %s", cmd, a->filter.from, a->filter.to);
        return -1;
    }
    return 0;
}

enum report_kind { REPORT_SCORECARD, REPORT_AUDIT, REPORT_SAMPLE };

/* Opens the database (read-only, or for writing when `sample --save` records
 * its draw), produces the report and writes it out. */
static int run_report(enum report_kind kind, const char *cmd, const struct report_args *a, int argc,
                      char **argv)
{
    zj_error err;
    zj_error_clear(&err);
    zj_store *st = cli_store_open_existing(a->db, kind == REPORT_SAMPLE && a->sample.save, &err);
    if (!st) {
        cli_report(&err);
        return EXIT_USAGE;
    }
    zj_buf out;
    zj_buf_init(&out);
    zj_status s = ZJ_OK;
    if (kind == REPORT_SCORECARD) {
        s = zj_report_scorecard(st, &a->filter, a->by, a->format, &out, &err);
    } else if (kind == REPORT_SAMPLE) {
        s = zj_report_sample(st, &a->filter, &a->sample, a->format, &out, &err);
    } else {
        /* The report cites its command and database: never a password
         * (masked argument by argument, where it can be told apart). */
        zj_buf command;
        zj_buf_init(&command);
        zj_buf_puts(&command, "zhijian");
        for (int i = 0; i < argc; i++) {
            char *shown = cli_mask_arg(argv[i]);
            zj_buf_puts(&command, " ");
            shell_word(&command, shown ? shown : "***");
            free(shown);
        }
        s = command.failed
                ? zj_error_set(&err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory")
                : zj_report_audit(st, &a->filter, a->cite_sample, &a->meta, cli_db_name(a->db),
                                  command.data, a->format, &out, &err);
        zj_buf_free(&command);
    }
    zj_store_close(st);
    return cli_finish_output(cmd, s, &err, &out, a->output);
}

static void scorecard_usage(FILE *out)
{
    fprintf(out,
            "usage: zhijian scorecard [--by agent|team] [--agent ID] [--team T] [--from DATE]\n"
            "                         [--to DATE] [--ruleset NAME[@VER]] [--db PATH]\n"
            "                         [--format text|md|html|csv|json] [-o FILE]\n"
            "\nPer agent (or team): calls, mean and median score, pass rate, fatal calls,\n"
            "grade distribution, charts (mean score against the pass mark, score\n"
            "histogram, weekly trend), the main problems (fatal first, then by severity, points\n"
            "lost and count) with a quoted example, weekly trend and the worst calls\n"
            "(open them with `zhijian show ID`).\n"
            "\n"
            "  --by agent|team      one section per agent (default) or per team\n"
            "  --agent ID           only agent ID's calls\n"
            "  --db PATH            the result database (default: zhijian.db), or a PostgreSQL\n"
            "                       store: --db postgresql://qa@db.example/zhijian\n"
            "  --ruleset NAME[@VER] whose results (default: the newest rule set with\n"
            "                       results; results of two rule sets are never added up)\n"
            "  --from DATE, --to DATE  the calls' local dates, inclusive, YYYY-MM-DD\n"
            "  --team T             only the calls of team T\n"
            "  --format FMT         text (default, fits a terminal), md, html (one\n"
            "                       self-contained page), csv (the summary table, UTF-8\n"
            "                       with BOM) or json (the figures as data for scripts and\n"
            "                       BI tools: docs/schema/scorecard.schema.json)\n"
            "  -o FILE              write to FILE instead of standard output ('-': standard\n"
            "                       output). A regular file is replaced whole (temp file +\n"
            "                       rename); a device, FIFO or /dev/stdout is written in place\n"
            "\n"
            "Filters that select no stored call are an error (exit 2), not an empty card.\n"
            "\n"
            "Examples:\n"
            "  zhijian scorecard --db out/zhijian.db\n"
            "  zhijian scorecard --agent A03 --from 2026-11-16 --to 2026-11-22\n"
            "  zhijian scorecard --by team --format html -o out/scorecard.html\n");
}

int cmd_scorecard(int argc, char **argv)
{
    struct report_args a = {0};
    int r = parse(argc, argv, "scorecard", "|text|md|markdown|html|csv|json|", ZJ_FMT_TEXT,
                  scorecard_usage, &a);
    if (r)
        return r == -2 ? EXIT_OK : EXIT_USAGE;
    return run_report(REPORT_SCORECARD, "scorecard", &a, argc, argv);
}

static void report_usage(FILE *out)
{
    fprintf(
        out,
        "usage: zhijian report [--from DATE] [--to DATE] [--team T] [--agent ID] [--sample ID]\n"
        "                      [--ruleset NAME[@VER]] [--db PATH] [--format md|html|json]\n"
        "                      [-o FILE] [--report-no NO] [--report-date DATE]\n"
        "                      [--auditor NAME]... [--auditee TEXT] [--distribution TEXT]\n"
        "\nAn audit report in Chinese with the items of ISO 19011 6.5.1: objectives,\n"
        "scope and sampling, criteria, method, graded findings with evidence, conclusions\n"
        "with KPIs and charts, a corrective-action register, limits, what transcripts\n"
        "cannot show (the rule set's not_assessable list), and how to reproduce it.\n"
        "\n"
        "  --db PATH            the result database (default: zhijian.db), or a PostgreSQL\n"
        "                       store: --db postgresql://qa@db.example/zhijian\n"
        "  --ruleset NAME[@VER] whose results (default: the newest rule set with\n"
        "                       results; results of two rule sets are never added up)\n"
        "  --from DATE, --to DATE  the calls' local dates, inclusive, YYYY-MM-DD\n"
        "  --team T             only the calls of team T\n"
        "  --agent ID           only agent ID's calls\n"
        "  --sample ID          cite the review sample saved as ID by `zhijian sample\n"
        "                       --save` (its plan, size, filters and calls); without it\n"
        "                       the report cites no sample\n"
        "  --format FMT         md (default), html (self-contained with SVG charts,\n"
        "                       prints on A4) or json (the figures as data for scripts\n"
        "                       and BI tools: docs/schema/report.schema.json)\n"
        "  -o FILE              write to FILE instead of standard output ('-': standard\n"
        "                       output). A regular file is replaced whole (temp file +\n"
        "                       rename); a device, FIFO or /dev/stdout is written in place\n"
        "\n"
        "Report information (options only; there is no config file for them). A field\n"
        "left out prints as a blank line to fill in by hand; nothing is made up:\n"
        "  --report-no NO       the report number, e.g. QA-2026-11\n"
        "  --report-date DATE   the report date, YYYY-MM-DD\n"
        "  --auditor NAME       a member of the audit team; repeat for each, in order\n"
        "  --auditee TEXT       the audited organisation or department\n"
        "  --distribution TEXT  who receives the report, e.g. '客服部、品质部'\n"
        "The 编制/审核/批准 sign-off block is always left blank for signatures.\n"
        "\n"
        "Filters that select no stored call are an error (exit 2), not a conclusion\n"
        "over zero calls.\n"
        "\n"
        "Examples:\n"
        "  zhijian report --db out/zhijian.db --format html -o out/report.html\n"
        "  zhijian report --from 2026-11-01 --to 2026-11-30 --team 投诉组 --sample 3\n"
        "  zhijian report --report-no QA-2026-11 --report-date 2026-12-01 \\\n"
        "      --auditor 张敏 --auditor 李强 --auditee 客服中心 --distribution 客服部\n");
}

int cmd_report(int argc, char **argv)
{
    struct report_args a = {0};
    int r = parse(argc, argv, "report", "|md|markdown|html|json|", ZJ_FMT_MD, report_usage, &a);
    if (r) {
        free(a.auditors);
        return r == -2 ? EXIT_OK : EXIT_USAGE;
    }
    r = run_report(REPORT_AUDIT, "report", &a, argc, argv);
    free(a.auditors);
    return r;
}

static void sample_usage(FILE *out)
{
    fprintf(out,
            "usage: zhijian sample [--n N | --iso2859 I|II|III [--aql A]] [--from DATE]\n"
            "                      [--to DATE] [--team T] [--agent ID] [--seed S] [--save]\n"
            "                      [--ruleset NAME[@VER]] [--db PATH] [--format text|csv|json]\n"
            "\nChoose calls for manual review. The lot is the calls the filters select; the\n"
            "sample is allocated across agents in proportion to their calls and drawn\n"
            "reproducibly from --seed. Without --save it is a preview: nothing is written.\n"
            "\n"
            "  --n N                draw N calls (the whole lot when N is not smaller)\n"
            "  --iso2859 LEVEL      the sample size of ISO 2859-1 / GB/T 2828.1 Table 1 for\n"
            "                       the lot size at general inspection level I, II or III\n"
            "  --aql A              with --iso2859: Table 2-A's single normal plan for AQL A\n"
            "                       (percent nonconforming, 0.010 .. 10): n, Ac and Re\n"
            "  --seed S             random seed (default 1): the same seed draws the same calls\n"
            "  --save               record the sample in the database and print its id, which\n"
            "                       `zhijian report --sample ID` cites\n"
            "  --agent ID           only agent ID's calls\n"
            "  --db PATH            the result database (default: zhijian.db), or a PostgreSQL\n"
            "                       store: --db postgresql://qa@db.example/zhijian\n"
            "  --ruleset NAME[@VER] whose results (default: the newest rule set with\n"
            "                       results; results of two rule sets are never added up)\n"
            "  --from DATE, --to DATE  the calls' local dates, inclusive, YYYY-MM-DD\n"
            "  --team T             only the calls of team T\n"
            "  --format FMT         text (default), csv (the sampled calls) or json (the\n"
            "                       sample as data: docs/schema/sample.schema.json)\n"
            "\n"
            "Examples:\n"
            "  zhijian sample --db out/zhijian.db --n 10                 # preview 10 calls\n"
            "  zhijian sample --iso2859 II --aql 1.0 --seed 7 --save     # record the plan\n");
}

int cmd_sample(int argc, char **argv)
{
    struct report_args a = {0};
    int r = parse(argc, argv, "sample", "|text|csv|json|", ZJ_FMT_TEXT, sample_usage, &a);
    if (r)
        return r == -2 ? EXIT_OK : EXIT_USAGE;
    if (!a.sample.n == !a.sample.level) {
        cli_error("sample: give either --n N or --iso2859 I|II|III");
        return EXIT_USAGE;
    }
    if (a.sample.aql > 0 && !a.sample.level) {
        cli_error("sample: --aql needs --iso2859");
        return EXIT_USAGE;
    }
    return run_report(REPORT_SAMPLE, "sample", &a, argc, argv);
}
