/* main.c — zhijian command dispatch. Each command lives in its own cmd_*.c
 * and uses only the public engine API. */
#include "cli.h"

#include <string.h>

static const struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} commands[] = {
    {"score", cmd_score, "score call transcripts against a rule set and store the results"},
    {"show", cmd_show, "show a scored call with its findings marked in the transcript"},
    {"scorecard", cmd_scorecard, "agent or team scorecards from the stored results"},
    {"report", cmd_report, "ISO 19011-style audit report (Markdown, HTML, JSON)"},
    {"sample", cmd_sample, "draw calls for manual review (fixed n or ISO 2859-1)"},
    {"lint", cmd_lint, "check call-script templates for forbidden or missing phrases"},
    {"rules", cmd_rules, "check, test and explain rule sets"},
    {"eval", cmd_eval, "measure a rule set against gold labels (precision, recall)"},
    {"db", cmd_db, "rebuild or check the result store's report aggregates"},
    {"review", cmd_review, "export, import and summarize human review of findings (CSV)"},
    {"appeal", cmd_appeal, "an agent appeals a finding; a supervisor rules on it"},
    {"calibrate", cmd_calibrate, "per-rule precision and agreement from the reviews"},
    {"serve", cmd_serve, "the review web application (login, review, appeals, reports)"},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: zhijian COMMAND [OPTIONS] [ARGS]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n'zhijian COMMAND --help' shows a command's options, each with an example.\n"
                 "\n"
                 "Examples:\n"
                 "  zhijian score --db zhijian.db calls/       # score a month of calls\n"
                 "  zhijian scorecard --db zhijian.db          # how each agent did\n"
                 "  zhijian report --db zhijian.db --format html -o report.html\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
        usage(stdout);
        return cli_close_stdout(EXIT_OK);
    }
    if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
        printf("zhijian %s\n", ZJ_VERSION);
        return cli_close_stdout(EXIT_OK);
    }
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        if (strcmp(name, commands[i].name) == 0)
            return cli_close_stdout(commands[i].run(argc - 1, argv + 1));
    cli_error("unknown command '%s'", name);
    usage(stderr);
    return EXIT_USAGE;
}
