/* test_lint.c — template linting: line:col in characters with Chinese text,
 * placeholders, parts, suppressions, config discovery, and every output
 * format (SARIF and JSON parsed back, JUnit and GitHub lines checked). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zhijian.h"

static char dir[256];
static zj_ruleset *rs;

static void write_file(const char *name, const char *content)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(content, f);
    fclose(f);
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/zj_lint_XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    zj_error err;
    rs = zj_rules_load(ZJ_SOURCE_DIR "/rules/property-service.yaml",
                       &(zj_load_opts){.cache_dir = ZJ_TEST_CACHE_DIR}, &err);
    write_file("open.md", "---\npart: opening\n---\n# 开场\n\n"
                          "- 您好，{company}物业客服中心，我姓×，请问有什么可以帮助您？\n"
                          "- 喂，哪位？ <!-- zhijian: ignore phone.no-wei -- 引用示例 -->\n");
    write_file("bad-open.txt", "part is not declared here\n您好，请讲。\n");
    write_file("faq.yaml", "part: closing\nfaq:\n  - q: 水费\n    a: \"急什么，我在忙。\"\n"
                           "  - a: 好的，再见。 # zhijian: ignore taboo.25-ji-shen-me\n");
    write_file("ivr.json", "{\"prompts\": {\"welcome\": \"您好，欢迎致电\",\n"
                           "  \"busy\": \"你怎么这么麻烦，等一会\"}}\n");
    return rs ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    zj_rules_free(rs);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd);
}

static zj_lint_report lint_all(void)
{
    zj_lint_report r = {0};
    static const char *const files[] = {"open.md", "bad-open.txt", "faq.yaml", "ivr.json"};
    static char *names[4];
    r.file_names = names;
    for (size_t i = 0; i < 4; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        zj_error err;
        const char *part = i == 1 ? "opening" : NULL;
        assert_int_equal(zj_lint_file(rs, path, part, &r, &err), ZJ_OK);
        free(names[i]);
        names[i] = strdup(path);
        r.files++;
    }
    return r;
}

static void free_report(zj_lint_report *r)
{
    for (size_t i = 0; i < r->files; i++) {
        free(r->file_names[i]);
        r->file_names[i] = NULL;
    }
    r->file_names = NULL;
    zj_lint_report_free(r);
}

static char *render(const zj_lint_report *r, zj_format f)
{
    zj_buf b;
    zj_buf_init(&b);
    assert_int_equal(zj_lint_render(r, rs, f, &b), ZJ_OK);
    /* strip the temp dir so the expectations are stable */
    zj_buf c;
    zj_buf_init(&c);
    size_t dl = strlen(dir);
    for (const char *p = b.data; p && *p;) {
        if (!strncmp(p, dir, dl)) {
            zj_buf_puts(&c, "D");
            p += dl;
        } else {
            zj_buf_append(&c, p++, 1);
        }
    }
    zj_buf_free(&b);
    return c.data;
}

static void text_lines_and_columns(void **state)
{
    (void)state;
    zj_lint_report r = lint_all();
    char *text = render(&r, ZJ_FMT_TEXT);
    assert_string_equal(
        text,
        "D/bad-open.txt:1:1: minor opening.company required phrase missing in this opening "
        "template: 开场报出“××物业客服中心” (第十一条第2项)\n"
        "D/bad-open.txt:1:1: minor opening.offer-help required phrase missing in this opening "
        "template: 开场询问“请问有什么可以帮助您” (第十一条第2项、第十二条第10项)\n"
        "D/bad-open.txt:1:1: minor opening.surname required phrase missing in this opening "
        "template: 开场自报姓氏（我姓×） (第十一条第2项)\n"
        "D/faq.yaml:5:17: minor zhijian.suppression suppression without a reason: write "
        "`zhijian: ignore RULE-ID -- why`\n"
        "D/faq.yaml:4:9: major taboo.25-ji-shen-me forbidden expression '急什么': 急什么 "
        "(第十四条第25项)\n"
        "D/ivr.json:2:12: major taboo.18-troublesome forbidden expression '你怎么这么麻烦': "
        "你怎么这么麻烦 (第十四条第18项)\n");
    free(text);
    char *gh = render(&r, ZJ_FMT_GITHUB);
    assert_non_null(strstr(gh,
                           "::error file=D/ivr.json,line=2,col=12,endColumn=19,"
                           "title=taboo.18-troublesome::forbidden expression '你怎么这么麻烦'"));
    assert_non_null(strstr(gh, "::warning file=D/faq.yaml,line=5,col=17,endColumn=18,"
                               "title=zhijian.suppression::"));
    free(gh);
    free_report(&r);
}

static void sarif_is_valid(void **state)
{
    (void)state;
    zj_lint_report r = lint_all();
    char *sarif = render(&r, ZJ_FMT_SARIF);
    json_error_t jerr;
    json_t *doc = json_loads(sarif, 0, &jerr);
    assert_non_null(doc);
    assert_string_equal(json_string_value(json_object_get(doc, "version")), "2.1.0");
    assert_non_null(json_object_get(doc, "$schema"));
    json_t *run = json_array_get(json_object_get(doc, "runs"), 0);
    json_t *driver = json_object_get(json_object_get(run, "tool"), "driver");
    assert_string_equal(json_string_value(json_object_get(driver, "name")), "zhijian");
    assert_int_equal(json_array_size(json_object_get(driver, "rules")), zj_rules_count(rs));
    assert_string_equal(json_string_value(json_object_get(run, "columnKind")), "unicodeCodePoints");
    json_t *results = json_object_get(run, "results");
    assert_int_equal(json_array_size(results), 6);
    json_t *last = json_array_get(results, 5);
    assert_string_equal(json_string_value(json_object_get(last, "ruleId")), "taboo.18-troublesome");
    assert_string_equal(json_string_value(json_object_get(last, "level")), "error");
    json_t *loc =
        json_object_get(json_array_get(json_object_get(last, "locations"), 0), "physicalLocation");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(loc, "artifactLocation"), "uri")),
        "D/ivr.json");
    json_t *region = json_object_get(loc, "region");
    assert_int_equal(json_integer_value(json_object_get(region, "startLine")), 2);
    assert_int_equal(json_integer_value(json_object_get(region, "startColumn")), 12);
    assert_int_equal(json_integer_value(json_object_get(region, "endColumn")), 19);
    json_decref(doc);
    free(sarif);

    char *js = render(&r, ZJ_FMT_JSON);
    doc = json_loads(js, 0, &jerr);
    assert_non_null(doc);
    assert_int_equal(json_array_size(doc), 6);
    assert_string_equal(json_string_value(json_object_get(json_array_get(doc, 4), "words")),
                        "急什么");
    json_decref(doc);
    free(js);

    char *junit = render(&r, ZJ_FMT_JUNIT);
    assert_non_null(strstr(junit, "<testsuites name=\"zhijian lint\" tests=\"4\" failures=\"6\">"));
    assert_non_null(strstr(junit, "<testcase classname=\"zhijian.lint\" name=\"D/open.md\">"
                                  "</testcase>"));
    size_t fails = 0;
    for (const char *p = junit; (p = strstr(p, "<failure ")); p++)
        fails++;
    assert_int_equal(fails, 6);
    free(junit);
    free_report(&r);
}

static void config_discovery(void **state)
{
    (void)state;
    char sub[512];
    snprintf(sub, sizeof sub, "%s/a/b", dir);
    char a[512];
    snprintf(a, sizeof a, "%s/a", dir);
    mkdir(a, 0755);
    mkdir(sub, 0755);
    write_file(".zhijian.yaml", "rules: rules.yaml\nfail_on: minor\npaths: [scripts/]\n"
                                "parts: {scripts/opening/: opening, scripts/closing/: closing}\n");
    zj_lint_config c;
    zj_error err;
    assert_int_equal(zj_lint_config_find(sub, &c, &err), ZJ_OK);
    char want[600];
    snprintf(want, sizeof want, "%s/.zhijian.yaml", dir);
    assert_string_equal(c.path, want);
    snprintf(want, sizeof want, "%s/rules.yaml", dir);
    assert_string_equal(c.rules, want);
    assert_true(c.has_fail_on);
    assert_int_equal(c.fail_on, ZJ_SEV_MINOR);
    assert_int_equal(c.n_paths, 1);
    assert_string_equal(zj_lint_config_part(&c, "scripts/opening/a.md"), "opening");
    assert_string_equal(zj_lint_config_part(&c, "./scripts/closing/x.txt"), "closing");
    assert_null(zj_lint_config_part(&c, "scripts/faq.md"));
    zj_lint_config_free(&c);
    write_file(".zhijian.yaml", "rules: r.yaml\nfail_on: high\n");
    assert_int_equal(zj_lint_config_find(sub, &c, &err), ZJ_ERR_INVALID);
    assert_int_equal(err.line, 2);
    assert_int_equal(err.col, 10);
    zj_lint_config_free(&c);
    char rm[600];
    snprintf(rm, sizeof rm, "%s/.zhijian.yaml", dir);
    unlink(rm);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(text_lines_and_columns),
        cmocka_unit_test(sarif_is_valid),
        cmocka_unit_test(config_discovery),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
