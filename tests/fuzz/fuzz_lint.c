/* fuzz_lint.c — lint's front ends. The first input byte chooses what the rest
 * is: bits 0-1 the template's kind (.txt, .md, .yaml, .json), bits 2-3 the
 * part it declares on the command line (none, opening, closing), bit 4 a
 * .zhijian.yaml configuration instead of a template. A template is linted
 * with the bundled rule set and the report rendered in every format; a
 * configuration is looked up and asked for a part. Every outcome must be a
 * report or an error with a message. */
#include "fuzz.h"

#include "internal.h"

#include <unistd.h>

#ifndef ZJ_SOURCE_DIR
#error "ZJ_SOURCE_DIR must name the source tree (the bundled rule set)"
#endif

static zj_ruleset *rules;
static char dir[256];

static void remove_dir(void)
{
    static const char *const names[] = {"t.txt", "t.md", "t.yaml", "t.json", ".zhijian.yaml"};
    char path[300];
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
}

static void init(void)
{
    zj_error err;
    zj_load_opts o = {.backend = ZJ_BACKEND_PCRE2};
    rules = zj_rules_load(ZJ_SOURCE_DIR "/rules/property-service.yaml", &o, &err);
    FUZZ_CHECK(rules != NULL, "the bundled rule set does not load: %s", err.msg);
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/zj-fuzz-lint-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    FUZZ_CHECK(mkdtemp(dir) != NULL, "cannot create a temporary directory");
    atexit(remove_dir);
}

static void write_file(const char *path, const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    FUZZ_CHECK(f != NULL, "cannot write %s", path);
    FUZZ_CHECK(fwrite(data, 1, size, f) == size && fclose(f) == 0, "cannot write %s", path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!rules)
        init();
    if (size == 0 || size > 64 * 1024)
        return 0;
    static const char *const kinds[] = {"t.txt", "t.md", "t.yaml", "t.json"};
    static const char *const parts[] = {NULL, "opening", "closing", NULL};
    uint8_t selector = data[0];
    char path[300];
    zj_error err;
    zj_error_clear(&err);
    if (selector & 16) {
        snprintf(path, sizeof path, "%s/.zhijian.yaml", dir);
        write_file(path, data + 1, size - 1);
        zj_lint_config config;
        zj_status st = zj_lint_config_find(dir, &config, &err);
        if (st == ZJ_OK) {
            snprintf(path, sizeof path, "%s/scripts/opening/a.txt", dir);
            zj_lint_config_part(&config, path);
            zj_lint_config_free(&config);
        } else {
            FUZZ_CHECK(err.msg[0] != '\0', "a configuration rejected without a message");
        }
        snprintf(path, sizeof path, "%s/.zhijian.yaml", dir);
        unlink(path);
        return 0;
    }
    snprintf(path, sizeof path, "%s/%s", dir, kinds[selector & 3]);
    write_file(path, data + 1, size - 1);
    zj_lint_report report = {0};
    zj_status st = zj_lint_file(rules, path, parts[(selector >> 2) & 3], &report, &err);
    if (st != ZJ_OK)
        FUZZ_CHECK(err.msg[0] != '\0', "a template rejected without a message");
    for (size_t i = 0; i < report.n; i++)
        FUZZ_CHECK(report.v[i].line >= 1 && report.v[i].col >= 1 &&
                       report.v[i].end_col >= report.v[i].col,
                   "finding %zu at line %ld col %ld-%ld", i, report.v[i].line, report.v[i].col,
                   report.v[i].end_col);
    static const zj_format formats[] = {ZJ_FMT_TEXT, ZJ_FMT_JSON, ZJ_FMT_SARIF, ZJ_FMT_JUNIT,
                                        ZJ_FMT_GITHUB};
    for (size_t i = 0; i < sizeof formats / sizeof *formats; i++) {
        zj_buf out;
        zj_buf_init(&out);
        FUZZ_CHECK(zj_lint_render(&report, rules, formats[i], &out) == ZJ_OK, "render %zu failed",
                   i);
        zj_buf_free(&out);
    }
    zj_lint_report_free(&report);
    unlink(path);
    return 0;
}
