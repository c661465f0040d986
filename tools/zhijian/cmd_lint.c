/* cmd_lint.c — `zhijian lint` for call-script templates and `zhijian rules
 * check|test|explain|list` for rule authors. */
#include "cli.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

static void lint_usage(FILE *out)
{
    fprintf(out,
            "usage: zhijian lint [--rules FILE|DIR] [--fail-on SEVERITY] [--part opening|closing]\n"
            "                    [--format text|json|sarif|junit|github] PATH...\n"
            "\n"
            "Check call-script templates (.txt, .md: one utterance per line; .yaml/.yml, .json:\n"
            "every string value) against the agent-side rules. Placeholders ({name}, {{name}},\n"
            "【name】, ××, XX) stand for any word. Forbidden expressions are always reported;\n"
            "required phrases only for files that declare their part of the call (front matter\n"
            "`part: opening|closing`, a top-level `part:` key, --part, or `parts:` in\n"
            ".zhijian.yaml). Columns count characters. Suppress one finding with a comment on\n"
            "its line or the line before: `zhijian: ignore RULE-ID -- reason`.\n"
            "Settings (rules, fail_on, paths, parts) are read from .zhijian.yaml, found by\n"
            "walking up from the current directory.\n"
            "\n"
            "  --rules FILE|DIR   rule set (default: .zhijian.yaml's rules:, else the\n"
            "                     bundled property-service.yaml), e.g. --rules my-centre.yaml\n"
            "  --fail-on SEV      exit 1 when a finding is at least this severe: critical,\n"
            "                     major (default), minor or observation, e.g. --fail-on minor\n"
            "  --part PART        treat every file as the opening or the closing of a call,\n"
            "                     so the required phrases of that part are checked too, e.g.\n"
            "                     --part opening scripts/greeting.txt\n"
            "  --format FMT       text (FILE:LINE:COL: severity rule message (clause)),\n"
            "                     json, sarif (SARIF 2.1.0 for code scanning), junit, or\n"
            "                     github (workflow annotations), e.g. --format sarif > lint.sarif\n"
            "  PATH...            files or directories (walked for .txt .md .yaml .yml\n"
            "                     .json); default: .zhijian.yaml's paths:\n"
            "\n"
            "Examples:\n"
            "  zhijian lint scripts/\n"
            "  zhijian lint --part opening --fail-on minor scripts/opening.md\n"
            "  zhijian lint --format github scripts/        # in a GitHub Actions step\n"
            "\n"
            "Exit status: 0 clean; 1 findings at or above --fail-on (default major);\n"
            "2 usage or configuration error; 3 some files or directories unreadable, or a\n"
            "directory without templates (the rest linted).\n");
}

/* Template extensions, in any case: 开场白.TXT is a template too. */
static bool lintable(const char *name)
{
    static const char *const exts[] = {".txt", ".md", ".markdown", ".yaml", ".yml", ".json"};
    size_t n = strlen(name);
    for (size_t i = 0; i < sizeof exts / sizeof *exts; i++) {
        size_t k = strlen(exts[i]);
        if (n > k && !strcasecmp(name + n - k, exts[i]))
            return true;
    }
    return false;
}

struct file_list {
    char **v;
    size_t n, cap;
    bool nomem; /* a path could not be added: the list is incomplete */
};

static void push(struct file_list *l, const char *path)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        char **v = realloc(l->v, cap * sizeof *v);
        if (!v) {
            l->nomem = true;
            return;
        }
        l->v = v;
        l->cap = cap;
    }
    if (!(l->v[l->n] = strdup(path)))
        l->nomem = true;
    else
        l->n++;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds the templates under dir to l, in byte order of their names. A
 * directory that cannot be read is reported and counted in *unreadable:
 * its templates would otherwise go unchecked with exit 0. */
static void walk(const char *dir, struct file_list *l, int depth, size_t *unreadable)
{
    if (depth > 32) {
        cli_error("%s: directories nested deeper than 32 levels: not linted", dir);
        (*unreadable)++;
        return;
    }
    DIR *d = opendir(dir);
    if (!d) {
        cli_error("%s: %s", dir, strerror(errno));
        (*unreadable)++;
        return;
    }
    struct file_list here = {0};
    struct dirent *e;
    errno = 0;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char p[PATH_MAX];
        size_t dl = strlen(dir);
        snprintf(p, sizeof p, "%s%s%s", dir, dl && dir[dl - 1] == '/' ? "" : "/", e->d_name);
        push(&here, p);
        errno = 0;
    }
    if (errno) {
        cli_error("%s: %s", dir, strerror(errno));
        (*unreadable)++;
    }
    closedir(d);
    l->nomem |= here.nomem;
    if (here.n)
        qsort(here.v, here.n, sizeof *here.v, cmp_str);
    for (size_t i = 0; i < here.n; i++) {
        struct stat sb;
        if (stat(here.v[i], &sb) == 0 && S_ISDIR(sb.st_mode))
            walk(here.v[i], l, depth + 1, unreadable);
        else if (lintable(here.v[i]))
            push(l, here.v[i]);
        free(here.v[i]);
    }
    free(here.v);
}

int cmd_lint(int argc, char **argv)
{
    enum { OPT_FAIL_ON = 256, OPT_PART };
    static const struct option longopts[] = {
        {"rules", required_argument, NULL, 'r'},
        {"format", required_argument, NULL, 'f'},
        {"fail-on", required_argument, NULL, OPT_FAIL_ON},
        {"part", required_argument, NULL, OPT_PART},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *rules = NULL, *part = NULL;
    zj_format format = ZJ_FMT_TEXT;
    zj_severity fail_on = ZJ_SEV_MAJOR;
    bool fail_on_given = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "r:f:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'r':
            rules = optarg;
            break;
        case 'f':
            if (!zj_format_parse(optarg, &format) ||
                (format != ZJ_FMT_TEXT && format != ZJ_FMT_JSON && format != ZJ_FMT_SARIF &&
                 format != ZJ_FMT_JUNIT && format != ZJ_FMT_GITHUB)) {
                cli_error("lint: unknown format '%s' (expected text, json, sarif, junit or github)",
                          optarg);
                return EXIT_USAGE;
            }
            break;
        case OPT_FAIL_ON:
            if (!zj_severity_parse(optarg, &fail_on)) {
                cli_error("lint: --fail-on: expected critical, major, minor or observation, got "
                          "'%s'",
                          optarg);
                return EXIT_USAGE;
            }
            fail_on_given = true;
            break;
        case OPT_PART:
            if (strcmp(optarg, "opening") && strcmp(optarg, "closing")) {
                cli_error("lint: --part: expected opening or closing, got '%s'", optarg);
                return EXIT_USAGE;
            }
            part = optarg;
            break;
        case 'h':
            lint_usage(stdout);
            return EXIT_OK;
        default:
            lint_usage(stderr);
            return EXIT_USAGE;
        }
    }
    zj_error err;
    zj_error_clear(&err);
    char cwd[PATH_MAX];
    zj_lint_config cfg;
    if (!getcwd(cwd, sizeof cwd) || zj_lint_config_find(cwd, &cfg, &err) != ZJ_OK) {
        cli_report(&err);
        return EXIT_USAGE;
    }
    if (!rules)
        rules = cfg.rules[0] ? cfg.rules : cli_default_rules();
    if (!fail_on_given && cfg.has_fail_on)
        fail_on = cfg.fail_on;
    struct file_list files = {0};
    size_t unreadable = 0;
    char **inputs = argv + optind;
    size_t n_inputs = (size_t)(argc - optind);
    if (!n_inputs) {
        inputs = cfg.paths;
        n_inputs = cfg.n_paths;
    }
    if (!n_inputs) {
        cli_error("lint: no path given (and no `paths:` in .zhijian.yaml)");
        zj_lint_config_free(&cfg);
        return EXIT_USAGE;
    }
    for (size_t i = 0; i < n_inputs; i++) {
        struct stat sb;
        if (stat(inputs[i], &sb) != 0) {
            cli_error("%s: No such file or directory", inputs[i]);
            unreadable++;
        } else if (S_ISDIR(sb.st_mode)) {
            size_t before = files.n, unreadable_before = unreadable;
            walk(inputs[i], &files, 0, &unreadable);
            /* A directory with no template in it is a wrong path or the
             * wrong extensions, not a clean set of scripts. */
            if (files.n == before && unreadable == unreadable_before && !files.nomem) {
                cli_error("%s: no templates (.txt .md .markdown .yaml .yml .json) in this "
                          "directory",
                          inputs[i]);
                unreadable++;
            }
        } else {
            push(&files, inputs[i]);
        }
    }
    zj_load_opts lopts = {.cache_dir = cli_cache_dir(), .on_note = cli_note};
    zj_ruleset *rs = files.nomem ? NULL : zj_rules_load(rules, &lopts, &err);
    if (!rs) {
        if (files.nomem)
            cli_error("lint: out of memory");
        else
            cli_report(&err);
        for (size_t i = 0; i < files.n; i++)
            free(files.v[i]);
        free(files.v);
        zj_lint_config_free(&cfg);
        return EXIT_USAGE;
    }
    zj_lint_report report = {0};
    bool lost = false;
    report.file_names = calloc(files.n ? files.n : 1, sizeof *report.file_names);
    for (size_t i = 0; report.file_names && i < files.n; i++) {
        const char *p = part ? part : zj_lint_config_part(&cfg, files.v[i]);
        zj_error_clear(&err);
        if (zj_lint_file(rs, files.v[i], p, &report, &err) != ZJ_OK) {
            cli_report(&err);
            /* Out of memory is no unreadable file: what is left would be a
             * shortened report (exit 2 below). */
            if (err.status == ZJ_ERR_NOMEM) {
                lost = true;
                break;
            }
            unreadable++;
            continue;
        }
        report.file_names[report.files++] = files.v[i];
    }
    zj_buf out;
    zj_buf_init(&out);
    bool written = false; /* a lost file was reported above */
    if (!report.file_names)
        cli_error("lint: out of memory");
    else if (!lost && (zj_lint_render(&report, rs, format, &out) != ZJ_OK || out.failed))
        cli_error("lint: cannot produce the report: out of memory");
    else if (!lost)
        written = cli_write(&out, stdout);
    zj_buf_free(&out);
    bool failing = false;
    for (size_t i = 0; i < report.n; i++)
        failing |= report.v[i].severity >= fail_on;
    int code = unreadable ? EXIT_PARTIAL : failing ? EXIT_FINDINGS : EXIT_OK;
    if (unreadable && failing)
        code = EXIT_PARTIAL; /* highest applicable wins */
    if (!written)
        code = EXIT_USAGE;
    free(report.file_names);
    zj_lint_report_free(&report);
    for (size_t i = 0; i < files.n; i++)
        free(files.v[i]);
    free(files.v);
    zj_rules_free(rs);
    zj_lint_config_free(&cfg);
    return code;
}

/* ------------------------------------------------------------------- rules */

static void rules_usage(FILE *out)
{
    fprintf(out, "usage: zhijian rules check FILE|DIR...\n"
                 "       zhijian rules test [--strict] [--clauses FILE] FILE|DIR...\n"
                 "       zhijian rules explain [--rules FILE|DIR] RULE_ID TEXT\n"
                 "       zhijian rules list [--fatal] FILE|DIR\n"
                 "\n"
                 "check    validate rule sets: every error as FILE:LINE:COL, then warnings\n"
                 "         (rules that can never fire, duplicates, missing clauses or examples);\n"
                 "         for a rule set that extends another or a directory, the merged\n"
                 "         rule set's hash and each rule's origin FILE:LINE\n"
                 "test     run every rule's examples through the engine; a closing line\n"
                 "         'N passed, N failed'. A match example whose words another rule's\n"
                 "         overlapping hit takes (score never reports the rule there), or\n"
                 "         whose hits are all quoted speech (0 points), is a WARN line;\n"
                 "         --strict makes it a failure.\n"
                 "         --clauses FILE also writes the examples'\n"
                 "         clauses as a `model:` rule sees them, labelled, for\n"
                 "         tools/train_model.py --examples, e.g.\n"
                 "         zhijian rules test --clauses examples.tsv rules/property-service.yaml\n"
                 "explain  show how TEXT normalizes, which patterns of RULE_ID match where,\n"
                 "         what its exceptions did, and the verdict. TEXT may be a whole call\n"
                 "         as JSON (needed for metric rules and for a rule's situation), e.g.\n"
                 "         zhijian rules explain phone.answer-time \\\n"
                 "           '{\"call_id\":\"c\",\"ring_ms\":21000,\"turns\":[{\"speaker\":"
                 "\"agent\",\"text\":\"您好。\"}]}'\n"
                 "list     the rules, one per line, tab-separated under a header line: id,\n"
                 "         kind, severity, points, fatal (yes/no), FILE:LINE and title.\n"
                 "         --fatal lists only the 一票否决 rules (`fatal: true`), e.g.\n"
                 "         zhijian rules list --fatal rules/property-service.yaml | cut -f1\n"
                 "Exit status: 0 ok; 1 errors found by check, or failed examples; 2 usage\n"
                 "error, or a rule set that test, explain or list cannot load.\n");
}

/* A rule set for `rules test|explain|list`, NULL once its error is reported. */
static zj_ruleset *load_reported(const char *path)
{
    zj_error err;
    zj_load_opts lopts = {.cache_dir = cli_cache_dir(), .on_note = cli_note};
    zj_ruleset *rs = zj_rules_load(path, &lopts, &err);
    if (!rs)
        cli_report(&err);
    return rs;
}

/* Set when a check or an example failed for want of memory rather than
 * because of the rule set: the command then exits 2, not 1. */
static bool out_of_memory;

static void print_diag(const zj_error *e, void *ctx)
{
    char buf[2048];
    (*(size_t *)ctx)++;
    if (e->status == ZJ_ERR_NOMEM) {
        out_of_memory = true; /* not a finding about the rule set: on stderr */
        cli_report(e);
        return;
    }
    cli_print("%s", zj_error_format(e, buf, sizeof buf));
}

/* A rule set built from several files: what it became, and where each
 * rule comes from. */
static void print_origins(const zj_ruleset *rs)
{
    /* The version is any string of the rule set file (which may come with a
     * pull request): escaped for the terminal, as every other line. */
    cli_print("merged rule set %s@%s, sha256 %s", zj_rules_name(rs), zj_rules_version(rs),
              zj_rules_sha256(rs));
    for (size_t i = 0; i < zj_rules_count(rs); i++) {
        zj_rule_info info;
        if (!zj_rules_info(rs, i, &info))
            continue;
        if (info.override_file)
            cli_print("  %s %s:%ld, overridden at %s:%ld", info.id, info.file, info.line,
                      info.override_file, info.override_line);
        else
            cli_print("  %s %s:%ld", info.id, info.file, info.line);
    }
}

static int rules_check(int argc, char **argv)
{
    static const struct option longopts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        rules_usage(c == 'h' ? stdout : stderr);
        return c == 'h' ? EXIT_OK : EXIT_USAGE;
    }
    if (optind == argc) {
        rules_usage(stderr);
        return EXIT_USAGE;
    }
    size_t errors = 0;
    for (int i = optind; i < argc; i++) {
        size_t n = 0;
        errors += zj_rules_check(argv[i], print_diag, &n);
        if (n)
            continue;
        zj_error err;
        zj_load_opts lopts = {.cache_dir = cli_cache_dir(), .on_note = cli_note};
        zj_ruleset *rs = zj_rules_load(argv[i], &lopts, &err);
        if (!rs) {
            print_diag(&err, &n);
            errors++;
            continue;
        }
        size_t warnings = 0;
        zj_rules_lint(rs, print_diag, &warnings);
        cli_print("%s: ok: %zu rules, %zu warnings", zj_rules_path(rs), zj_rules_count(rs),
                  warnings);
        if (zj_rules_merged(rs))
            print_origins(rs);
        zj_rules_free(rs);
    }
    if (out_of_memory)
        return EXIT_USAGE;
    return errors ? EXIT_FINDINGS : EXIT_OK;
}

/* What rules test counts besides the runner's failures. */
typedef struct example_tally {
    bool strict;  /* --strict: a taken example fails */
    size_t taken; /* match examples another rule's hit takes */
} example_tally;

static void print_example(const zj_example_result *r, void *ctx)
{
    example_tally *tally = ctx;
    if (r->status != ZJ_OK) {
        /* The example could not be run (out of memory): not a failed rule. */
        out_of_memory |= r->status == ZJ_ERR_NOMEM;
        cli_error("rules test: %s%s%s", r->rule_id, r->rule_id[0] ? ": " : "", r->detail);
    } else if (!r->passed) {
        cli_print("FAIL %s: %s example '%s': %s", r->rule_id,
                  r->expect_match ? "match" : "no_match", r->text, r->detail);
    } else if (r->taken) {
        tally->taken++;
        cli_print("%s %s: match example '%s': %s", tally->strict ? "FAIL" : "WARN", r->rule_id,
                  r->text, r->detail);
    }
}

static int rules_test(int argc, char **argv)
{
    static const struct option longopts[] = {{"clauses", required_argument, NULL, 'c'},
                                             {"strict", no_argument, NULL, 's'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *clauses = NULL;
    example_tally tally = {0};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:sh", longopts, NULL)) != -1) {
        if (c == 'c')
            clauses = optarg;
        else if (c == 's')
            tally.strict = true;
        else {
            rules_usage(c == 'h' ? stdout : stderr);
            return c == 'h' ? EXIT_OK : EXIT_USAGE;
        }
    }
    if (optind == argc) {
        rules_usage(stderr);
        return EXIT_USAGE;
    }
    for (int i = optind; i < argc; i++)
        cli_protect(argv[i]);
    if (clauses && cli_output_protected(clauses, "rules test"))
        return EXIT_USAGE;
    size_t passed = 0, failed = 0;
    int code = EXIT_OK;
    zj_buf clause_buf;
    zj_buf_init(&clause_buf);
    for (int i = optind; i < argc; i++) {
        zj_ruleset *rs = load_reported(argv[i]);
        if (!rs) {
            code = EXIT_USAGE;
            continue;
        }
        cli_protect_ruleset(rs); /* refused at the write, before anything is lost */
        zj_error err;
        size_t total = 0, taken_before = tally.taken;
        size_t f = zj_rules_run_examples(rs, print_example, &tally, &total);
        if (tally.strict)
            f += tally.taken - taken_before;
        cli_print("%s: %zu examples of %zu rules", zj_rules_path(rs), total, zj_rules_count(rs));
        passed += total - f;
        failed += f;
        if (clauses && zj_rules_example_clauses(rs, &clause_buf, &err) != ZJ_OK) {
            cli_report(&err);
            code = EXIT_USAGE;
        }
        zj_rules_free(rs);
    }
    /* The closing line stays last: CI scripts read it. */
    if (tally.taken && !tally.strict)
        printf("%zu passed only alone: score would not count them against the agent (WARN "
               "above; --strict fails them)\n",
               tally.taken);
    printf("%zu passed, %zu failed\n", passed, failed);
    /* Training data from a rule set that failed to load would be short:
     * nothing is written then. */
    if (clauses && code == EXIT_OK && !cli_write_output(&clause_buf, clauses, "rules test"))
        code = EXIT_USAGE;
    zj_buf_free(&clause_buf);
    if (code != EXIT_OK)
        return code;
    if (out_of_memory)
        return EXIT_USAGE;
    return failed ? EXIT_FINDINGS : EXIT_OK;
}

static int rules_explain(int argc, char **argv)
{
    static const struct option longopts[] = {{"rules", required_argument, NULL, 'r'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *rules = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "r:h", longopts, NULL)) != -1) {
        if (c == 'r')
            rules = optarg;
        else {
            rules_usage(c == 'h' ? stdout : stderr);
            return c == 'h' ? EXIT_OK : EXIT_USAGE;
        }
    }
    if (argc - optind != 2) {
        cli_error("rules explain: give RULE_ID and TEXT");
        return EXIT_USAGE;
    }
    zj_ruleset *rs = load_reported(rules ? rules : cli_default_rules());
    if (!rs)
        return EXIT_USAGE;
    zj_error err;
    zj_buf out;
    zj_buf_init(&out);
    int code = EXIT_OK;
    zj_buf shown; /* TEXT comes from anywhere: escaped for the terminal, lines kept */
    zj_buf_init(&shown);
    if (zj_rules_explain(rs, argv[optind], argv[optind + 1], &out, &err) != ZJ_OK) {
        cli_report(&err);
        code = EXIT_USAGE;
    } else {
        for (size_t i = 0; i < out.len;) {
            const char *nl = memchr(out.data + i, '\n', out.len - i);
            size_t n = nl ? (size_t)(nl - (out.data + i)) : out.len - i;
            zj_buf_term(&shown, out.data + i, n);
            if (nl)
                zj_buf_puts(&shown, "\n");
            i += n + (nl != NULL);
        }
        if (shown.failed) {
            cli_error("rules explain: out of memory");
            code = EXIT_USAGE;
        } else if (!cli_write(&shown, stdout)) {
            code = EXIT_USAGE;
        }
    }
    zj_buf_free(&shown);
    zj_buf_free(&out);
    zj_rules_free(rs);
    return code;
}

/* One line per rule, for people and scripts alike: the fields go through
 * the terminal escaping, which also writes a tab inside a title as \t, so a
 * line always has exactly seven fields. */
static int rules_list(int argc, char **argv)
{
    static const struct option longopts[] = {{"fatal", no_argument, NULL, 'f'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    bool fatal_only = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "fh", longopts, NULL)) != -1) {
        if (c == 'f')
            fatal_only = true;
        else {
            rules_usage(c == 'h' ? stdout : stderr);
            return c == 'h' ? EXIT_OK : EXIT_USAGE;
        }
    }
    if (argc - optind != 1) {
        cli_error("rules list: give one rule set (FILE or DIR)");
        return EXIT_USAGE;
    }
    zj_ruleset *rs = load_reported(argv[optind]);
    if (!rs)
        return EXIT_USAGE;
    zj_buf out;
    zj_buf_init(&out);
    zj_buf_puts(&out, "id\tkind\tseverity\tpoints\tfatal\tdefined\ttitle\n");
    zj_rule_info ri;
    for (size_t i = 0; zj_rules_info(rs, i, &ri); i++) {
        if (fatal_only && !ri.fatal)
            continue;
        zj_buf_term_str(&out, ri.id);
        zj_buf_printf(&out, "\t%s\t%s\t%d\t%s\t", zj_kind_name(ri.kind),
                      zj_severity_name(ri.severity), ri.points, ri.fatal ? "yes" : "no");
        zj_buf_term_str(&out, ri.override_file ? ri.override_file : ri.file);
        zj_buf_printf(&out, ":%ld\t", ri.override_file ? ri.override_line : ri.line);
        zj_buf_term_str(&out, ri.title);
        zj_buf_puts(&out, "\n");
    }
    int code = cli_write(&out, stdout) ? EXIT_OK : EXIT_USAGE; /* out of memory said there */
    zj_buf_free(&out);
    zj_rules_free(rs);
    return code;
}

int cmd_rules(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        rules_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    if (!strcmp(argv[1], "check"))
        return rules_check(argc - 1, argv + 1);
    if (!strcmp(argv[1], "test"))
        return rules_test(argc - 1, argv + 1);
    if (!strcmp(argv[1], "explain"))
        return rules_explain(argc - 1, argv + 1);
    if (!strcmp(argv[1], "list"))
        return rules_list(argc - 1, argv + 1);
    cli_error("rules: unknown subcommand '%s' (expected check, test, explain or list)", argv[1]);
    return EXIT_USAGE;
}
