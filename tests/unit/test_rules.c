/* test_rules.c — the rule-set loader: the compiled structure of a valid set
 * and the exact FILE:LINE:COL of every kind of mistake. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

static const char *valid_yaml =
    "ruleset: demo\n"
    "version: 2026.1\n"
    "title: 演示\n"
    "scoring: {base: 100, pass: 75, grades: {B: 80, A: 95, D: 0}}\n"
    "defaults: {speaker: agent, severity: major}\n"
    "rules:\n"
    "  - id: opening.greeting\n"
    "    kind: required\n"
    "    clause: 第十一条第2项\n"
    "    all:\n"
    "      - any: [您好, 你好]\n"
    "      - re: '\\p{Han}{1,8}物业客服中心'\n"
    "    within: {first_utterances: 1}\n"
    "    points: 10\n"
    "    examples: {match: [\"您好，阳光物业客服中心\"], no_match: [\"喂\"]}\n"
    "  - id: taboo.impatient\n"
    "    kind: forbidden\n"
    "    any: [急什么，烦死人了]\n"
    "    unless: [不着急，什么时候, {re: '着急什么'}]\n"
    "    speaker: any\n"
    "    boundary: sentence\n"
    "    within: {last_seconds: 1.5}\n"
    "    points: 10\n"
    "    max_points: 20\n"
    "    severity: critical\n"
    "    fatal: true\n";

static void valid_set_structure(void **state)
{
    (void)state;
    zj_error err;
    zj_ruleset *rs = zj_rules_load_buffer(valid_yaml, strlen(valid_yaml), "demo.yaml", NULL, &err);
    if (!rs)
        fail_msg("%s:%ld:%ld: %s", err.file, err.line, err.col, err.msg);
    assert_string_equal(zj_rules_name(rs), "demo");
    assert_string_equal(zj_rules_version(rs), "2026.1");
    assert_int_equal(zj_rules_base(rs), 100);
    assert_int_equal(zj_rules_pass(rs), 75);
    assert_int_equal(rs->n_grades, 3);
    assert_string_equal(rs->grades[0].name, "A");
    assert_string_equal(rs->grades[1].name, "B");
    assert_string_equal(rs->grades[2].name, "D");
    assert_int_equal(zj_rules_count(rs), 2);
    const zj_rule *r0 = &rs->rules[0], *r1 = &rs->rules[1];
    assert_int_equal(r0->kind, ZJ_KIND_REQUIRED);
    assert_int_equal(r0->severity, ZJ_SEV_MAJOR); /* from defaults */
    assert_int_equal(r0->window, ZJ_WIN_FIRST_UTTERANCES);
    assert_int_equal(r0->window_value, 1);
    assert_int_equal(r0->cond.type, ZJ_NODE_ALL);
    assert_int_equal(r0->cond.n_children, 2);
    assert_int_equal(r0->cond.children[0].type, ZJ_NODE_ANY);
    assert_int_equal(r0->n_ex_match, 1);
    assert_int_equal(r0->ex_match[0].line, 15);
    assert_int_equal(r1->speaker, ZJ_SPEAKER_ANY);
    assert_int_equal(r1->window, ZJ_WIN_LAST_SECONDS);
    assert_int_equal(r1->window_value, 1500);
    assert_true(r1->fatal);
    assert_true(r1->per_sentence);
    assert_int_equal(r1->points, 10);
    assert_int_equal(r1->max_points, 20);
    assert_int_equal(r1->n_unless, 2);
    assert_int_equal(rs->n_patterns, 6);
    /* Literals are stored normalized; regexes as written. */
    assert_string_equal(rs->patterns[0].expr, "您好");
    assert_string_equal(rs->patterns[2].expr, "\\p{Han}{1,8}物业客服中心");
    assert_true(rs->patterns[2].is_regex);
    assert_string_equal(rs->patterns[3].expr, "急什么烦死人了");
    assert_string_equal(rs->patterns[4].expr, "不着急什么时候");
    assert_true(rs->patterns[4].is_exception);
    assert_true(rs->patterns[5].is_exception && rs->patterns[5].is_regex);
    assert_int_equal(rs->patterns[3].rule, 1);
    assert_true(rs->patterns[3].per_sentence);
    assert_int_equal(zj_rules_find(rs, "taboo.impatient"), 1);
    assert_int_equal(zj_rules_find(rs, "nope"), -1);
    assert_int_equal(strlen(zj_rules_sha256(rs)), 64);
    zj_rules_free(rs);
}

/* Replaces the first occurrence of from in valid_yaml by to and loads it. */
static void expect_error_edit(const char *from, const char *to, const char *message)
{
    const char *at = strstr(valid_yaml, from);
    assert_non_null(at);
    char buf[4096];
    snprintf(buf, sizeof buf, "%.*s%s%s", (int)(at - valid_yaml), valid_yaml, to,
             at + strlen(from));
    zj_error err;
    zj_error_clear(&err);
    zj_ruleset *rs = zj_rules_load_buffer(buf, strlen(buf), "demo.yaml", NULL, &err);
    assert_null(rs);
    char out[1200];
    assert_string_equal(zj_error_format(&err, out, sizeof out), message);
}

static void errors_name_line_and_column(void **state)
{
    (void)state;
    expect_error_edit("    points: 10\n    max", "    pionts: 10\n    max",
                      "demo.yaml:23:5: unknown key 'pionts' in rule 'taboo.impatient' "
                      "(did you mean 'points'?)");
    expect_error_edit("points: 10\n    examples", "points: ten\n    examples",
                      "demo.yaml:14:13: 'points' must be a non-negative integer, got 'ten'");
    expect_error_edit("id: taboo.impatient", "id: opening.greeting",
                      "demo.yaml:16:9: duplicate rule id 'opening.greeting' (first defined at "
                      "line 7)");
    expect_error_edit("re: '\\p{Han}{1,8}物业客服中心'", "re: '(物业客服中心'",
                      "demo.yaml:12:21: invalid regex: missing closing parenthesis");
    expect_error_edit("re: '\\p{Han}{1,8}物业客服中心'", "re: 'a**'",
                      "demo.yaml:12:16: invalid regex: quantifier does not follow a repeatable "
                      "item");
    expect_error_edit("any: [您好, 你好]", "any: [您好, '。']",
                      "demo.yaml:11:19: pattern is empty after normalization (whitespace and "
                      "punctuation are removed)");
    expect_error_edit("any: [您好, 你好]", "any: [您好, '']", "demo.yaml:11:19: empty pattern");
    expect_error_edit("re: '\\p{Han}{1,8}物业客服中心'", "re: 'x*'",
                      "demo.yaml:12:13: pattern matches the empty string");
    expect_error_edit("kind: forbidden", "kind: forbiden",
                      "demo.yaml:17:11: unknown kind 'forbiden' (expected required, forbidden, "
                      "tag or metric)");
    expect_error_edit("kind: forbidden", "kind: metric",
                      "demo.yaml:16:5: a metric rule needs 'metric' (answer_time, silence, "
                      "interruption, speech_rate, duration or talk_share)");
    expect_error_edit("kind: forbidden", "kind: metric\n    metric: silence\n    min_seconds: 10",
                      "demo.yaml:20:10: a metric rule measures the call and takes no 'any'");
    expect_error_edit("kind: forbidden", "kind: metric\n    metric: hold_time",
                      "demo.yaml:18:13: unknown metric 'hold_time' (expected answer_time, silence, "
                      "interruption, speech_rate, duration or talk_share)");
    expect_error_edit("kind: forbidden", "kind: forbidden\n    max_seconds: 10",
                      "demo.yaml:18:18: 'max_seconds' does not apply to a rule without a metric");
    expect_error_edit("kind: forbidden", "kind: forbidden\n    when: taboo.impatient",
                      "demo.yaml:18:11: 'when' names the rule itself");
    expect_error_edit("kind: forbidden", "kind: forbidden\n    when: opening.greeting",
                      "demo.yaml:18:11: 'when' names 'opening.greeting', a required rule; it must "
                      "name a tag");
    expect_error_edit("within: {first_utterances: 1}", "within: {after_utterances: 1}",
                      "demo.yaml:13:13: after_utterances and after_seconds count from a tag: add "
                      "'when'");
    expect_error_edit("any: [急什么，烦死人了]", "any: [急什么, {none: [不急]}]", "demo.yaml:18:16: a 'none' item belongs in an 'all' list");
    expect_error_edit("grades: {B: 80, A: 95, D: 0}", "grades: {B: 80, A: 95, A: 90, D: 0}",
                      "demo.yaml:4:55: duplicate key 'A' (first at line 4)");
    expect_error_edit("any: [急什么，烦死人了]", "all: [{near: [急什么, 烦], chars: 1, chars: 50}]",
                      "demo.yaml:18:38: duplicate key 'chars' (first at line 18)");
    /* every mapping, not only those the loader checks key by key: a synonym
     * given twice used to keep one of its two standard words in silence */
    expect_error_edit("defaults: {speaker: agent, severity: major}\n",
                      "defaults: {speaker: agent, severity: major}\n"
                      "synonyms:\n  俺: 我\n  咱: 我\n  俺: 你\n",
                      "demo.yaml:9:3: duplicate key '俺' (first at line 7)");
    expect_error_edit("any: [急什么，烦死人了]", "all: [{none: [不急]}]",
                      "demo.yaml:18:10: 'all' needs at least one item besides its 'none' items: "
                      "the words whose presence the rule is about");
    expect_error_edit("severity: critical", "severity: high",
                      "demo.yaml:25:15: unknown severity 'high' (expected critical, major, minor "
                      "or observation)");
    expect_error_edit("speaker: any", "speaker: bot",
                      "demo.yaml:20:14: unknown speaker 'bot' (expected agent, customer or any)");
    expect_error_edit("title: 演示\n", "title: 演示\nowner: qa\n",
                      "demo.yaml:4:1: unknown key 'owner'");
    expect_error_edit("    any: [急什么，烦死人了]\n", "",
                      "demo.yaml:16:5: rule 'taboo.impatient' has no condition (any, all, regex "
                      "or model)");
    expect_error_edit("within: {first_utterances: 1}", "within: {first_utterances: 0}",
                      "demo.yaml:13:32: 'first_utterances' must be an integer from 1 to 1000000, "
                      "got '0'");
    expect_error_edit("title: 演示\n", "title: &t 演示\nx: *t\n",
                      "demo.yaml:4:4: YAML aliases are not supported");
    expect_error_edit("rules:\n", "rules: [\n",
                      "demo.yaml:7:3: YAML syntax error: did not find "
                      "expected node content while parsing a flow "
                      "node");
    expect_error_edit("D: 0", "D: 10",
                      "demo.yaml:4:40: grades must cover every score: the lowest grade needs a "
                      "minimum of 0");
}

static void collect(const zj_error *e, void *ctx)
{
    char buf[1200];
    strcat((char *)ctx, zj_error_format(e, buf, sizeof buf));
    strcat((char *)ctx, "\n");
}

/* Writes yaml to a temp file (its name in path), runs `rules check` on it
 * into out and removes it; returns the number of errors reported. */
static int check_yaml_file(const char *yaml, char path[sizeof "/tmp/zj_rules_XXXXXX.yaml"],
                           char *out)
{
    strcpy(path, "/tmp/zj_rules_XXXXXX.yaml");
    int fd = mkstemps(path, 5);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, yaml, strlen(yaml)), (ssize_t)strlen(yaml));
    close(fd);
    out[0] = '\0';
    int errors = zj_rules_check(path, collect, out);
    unlink(path);
    return errors;
}

static void check_reports_every_error(void **state)
{
    (void)state;
    const char *yaml = "ruleset: bad\nversion: '1'\nrules:\n"
                       "  - id: a\n    kind: forbidden\n    any: [x]\n    points: -1\n"
                       "  - id: B\n    kind: forbidden\n    any: [{re: '[z'}]\n";
    char path[sizeof "/tmp/zj_rules_XXXXXX.yaml"], out[4096];
    assert_int_equal(check_yaml_file(yaml, path, out), 3);
    char want[4096];
    snprintf(want, sizeof want,
             "%s:7:13: 'points' must be a non-negative integer, got '-1'\n"
             "%s:8:9: invalid rule id 'B' (use lower-case letters, digits, '.', '_' and '-')\n"
             "%s:10:19: invalid regex: missing terminating ] for character class\n",
             path, path, path);
    assert_string_equal(out, want);
}

static void empty_and_garbage(void **state)
{
    (void)state;
    zj_error err;
    char out[1200];
    assert_null(zj_rules_load_buffer("", 0, "e.yaml", NULL, &err));
    assert_string_equal(zj_error_format(&err, out, sizeof out), "e.yaml:1:1: empty rule set");
    assert_null(zj_rules_load_buffer("a: 1\n\xff\xfe\n", 8, "g.yaml", NULL, &err));
    assert_string_equal(zj_error_format(&err, out, sizeof out), "g.yaml:2: invalid UTF-8");
    assert_null(zj_rules_load_buffer("- 1\n- 2\n", 8, "l.yaml", NULL, &err));
    assert_string_equal(zj_error_format(&err, out, sizeof out),
                        "l.yaml:1:1: a rule set must be a mapping with ruleset, version and rules");
    assert_null(zj_rules_load("/nonexistent/rules.yaml", NULL, &err));
    assert_string_equal(zj_error_format(&err, out, sizeof out),
                        "/nonexistent/rules.yaml: No such file or directory");
}

/* Duplicate ids among many rules (ids are found through a hash table that
 * grows past its first 64 slots): each repeat is reported once, against the
 * first definition. */
static void duplicate_ids_among_many_rules(void **state)
{
    (void)state;
    static char yaml[300 * 64];
    int len = sprintf(yaml, "ruleset: many\nversion: '1'\nrules:\n");
    for (int i = 0; i < 300; i++) /* one line a rule: line = i + 4 */
        len += sprintf(yaml + len, "  - {id: r%d, kind: forbidden, any: [词%d]}\n",
                       i == 150 || i == 299 ? 7 : i, i);
    char path[sizeof "/tmp/zj_rules_XXXXXX.yaml"], out[4096];
    assert_int_equal(check_yaml_file(yaml, path, out), 2);
    char want[4096];
    snprintf(want, sizeof want,
             "%s:154:10: duplicate rule id 'r7' (first defined at line 11)\n"
             "%s:303:10: duplicate rule id 'r7' (first defined at line 11)\n",
             path, path);
    assert_string_equal(out, want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(valid_set_structure),
        cmocka_unit_test(errors_name_line_and_column),
        cmocka_unit_test(check_reports_every_error),
        cmocka_unit_test(duplicate_ids_among_many_rules),
        cmocka_unit_test(empty_and_garbage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
