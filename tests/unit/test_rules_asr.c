/* test_rules_asr.c — the rule-set keys for text as speech recognition writes
 * it: `fillers` and `fuzzy: pinyin`, their errors (FILE:LINE:COL), the twins
 * built for fuzzy literals, and the lint warning for a fuzzy rule without. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "internal.h"

static zj_ruleset *load(const char *yaml, zj_error *err)
{
    zj_load_opts opts = {.backend = ZJ_BACKEND_PCRE2};
    zj_error_clear(err);
    return zj_rules_load_buffer(yaml, strlen(yaml), "asr.yaml", &opts, err);
}

static void assert_load_error(const char *yaml, const char *want)
{
    zj_error err;
    zj_ruleset *rs = load(yaml, &err);
    assert_null(rs);
    char buf[1200];
    assert_string_equal(zj_error_format(&err, buf, sizeof buf), want);
}

static void bad_keys_name_line_and_column(void **state)
{
    (void)state;
    assert_load_error("ruleset: a\nversion: \"1\"\nfillers: 嗯\nrules:\n"
                      "  - {id: r, kind: forbidden, any: [x]}\n",
                      "asr.yaml:3:10: 'fillers' must be a list of words");
    assert_load_error("ruleset: a\nversion: \"1\"\nfillers: [嗯, '，']\nrules:\n"
                      "  - {id: r, kind: forbidden, any: [x]}\n",
                      "asr.yaml:3:14: filler is empty after normalization (whitespace and "
                      "punctuation are removed)");
    assert_load_error("ruleset: a\nversion: \"1\"\nrules:\n"
                      "  - {id: r, kind: forbidden, any: [有本事你去告], fuzzy: sound}\n",
                      "asr.yaml:4:52: unknown fuzzy matching 'sound' (expected pinyin)");
    /* A literal made only of fillers is empty. */
    assert_load_error("ruleset: a\nversion: \"1\"\nfillers: [嗯]\nrules:\n"
                      "  - {id: r, kind: forbidden, any: ['嗯，嗯']}\n",
                      "asr.yaml:5:36: pattern is empty after normalization (whitespace, "
                      "punctuation and the rule set's fillers are removed)");
}

static void fillers_apply_to_literals(void **state)
{
    (void)state;
    zj_error err;
    zj_ruleset *rs = load("ruleset: a\nversion: \"1\"\nfillers: [嗯, 啊]\nrules:\n"
                          "  - {id: r, kind: forbidden, any: [你自己啊去问]}\n",
                          &err);
    assert_non_null(rs);
    assert_string_equal(rs->patterns[0].expr, "你自己去问");
    assert_null(rs->fuzzy); /* no fuzzy rule: no twins, no second matcher */
    zj_rules_free(rs);
}

static void count_warning(const zj_error *e, void *ctx)
{
    if (strstr(e->msg, "fuzzy"))
        (*(int *)ctx)++;
}

/* Whether twin matches the pinyin text of text. */
static bool twin_matches(const zj_pattern *twin, const char *text)
{
    zj_norm n;
    zj_norm_init(&n);
    assert_int_equal(zj_norm_text(&n, text, strlen(text)), ZJ_OK);
    char *pinyin = NULL;
    size_t cap = 0;
    assert_int_equal(zj_fuzzy_text(&n, &pinyin, &cap), ZJ_OK);
    int code;
    PCRE2_SIZE at;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)twin->expr, twin->expr_len, PCRE2_UTF | PCRE2_UCP,
                                   &code, &at, NULL);
    assert_non_null(re);
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
    bool found = pcre2_match(re, (PCRE2_SPTR)pinyin, n.len, 0, 0, md, NULL) >= 0;
    pcre2_match_data_free(md);
    pcre2_code_free(re);
    free(pinyin);
    zj_norm_free(&n);
    return found;
}

static void twins_of_fuzzy_literals(void **state)
{
    (void)state;
    zj_error err;
    zj_ruleset *rs = load("ruleset: a\nversion: \"1\"\nrules:\n"
                          "  - id: r\n    kind: forbidden\n    fuzzy: pinyin\n"
                          "    any: [有本事你去告, 是的, {re: '有本事'}, {re: '不是'},\n"
                          "          {re: '你找\\p{Han}{1,4}吧'}, {re: '不清楚[嘛吧]'},\n"
                          "          {re: '\\p{Han}{0,4}又不是(?:我|我们)'},\n"
                          "          {re: '(?:你|您)(?:到时候|明天)\\p{Han}{0,3}吧'},\n"
                          "          {re: '又不?是\\p{Han}{1,2}我们'}, {re: '又不是我们|\\p{Han}吧'},\n"
                          "          你找别人]\n"
                          "    unless: [有本事你去告诉]\n"
                          "  - {id: short, kind: forbidden, fuzzy: pinyin, any: [是的]}\n"
                          "  - {id: opening, kind: forbidden, fuzzy: pinyin, any: [找谁],\n"
                          "     within: {first_utterances: 1}}\n"
                          "  - {id: exact, kind: forbidden, any: [没长眼睛]}\n",
                          &err);
    assert_non_null(rs);
    assert_non_null(rs->fuzzy);
    /* 有本事你去告, 你找别人 and the exception have twins; 是的 (two syllables),
     * the rule without fuzzy, the regex of two ideographs and the ones with a
     * \p{Han} wildcard but no three ideographs in a row that every match holds
     * (你找…吧; 到时候 is one alternative; 不? is optional; 又不是我们 is one side
     * of a top-level |) do not; \p{Han}{0,4}又不是… does, its wildcard any
     * ideograph or syllable. A rule of the first utterance is matched by sound
     * from two syllables (找谁). Every twin is one regex: an ideograph is the
     * class of its readings and of the polyphones that share one. */
    size_t of_literal = 0, of_exception = 0, of_regex = 0, of_opening = 0;
    for (size_t t = 0; t < rs->fuzzy->n; t++) {
        const zj_pattern *src = &rs->patterns[rs->fuzzy->source[t]];
        const zj_pattern *twin = &rs->fuzzy->patterns[t];
        assert_int_equal(twin->is_exception, src->is_exception);
        assert_true(twin->is_regex);
        if (strcmp(src->source, "有本事") == 0) {
            assert_true(twin_matches(twin, "他说有本是吧"));
            assert_false(twin_matches(twin, "有本书"));
        } else if (strcmp(src->source, "不清楚[嘛吧]") == 0) {
            assert_true(twin_matches(twin, "我不青楚嘛")); /* particles as they are */
            assert_false(twin_matches(twin, "不清楚麻烦您"));
        } else if (strcmp(src->source, "\\p{Han}{0,4}又不是(?:我|我们)") == 0) {
            assert_true(twin_matches(twin, "维保又不事我们的人"));
            assert_false(twin_matches(twin, "维保又是我们的人"));
        } else if (strcmp(src->source, "有本事你去告") == 0) {
            assert_true(twin_matches(twin, "有本是你去告"));
            of_literal++;
        } else if (strcmp(src->source, "你找别人") == 0) {
            assert_true(twin_matches(twin, "你着别人去")); /* 着: zhe, zhao, zhuo */
            assert_false(twin_matches(twin, "你这别人"));  /* 这: zhe, zhei */
            of_literal++;
        } else if (strcmp(src->source, "有本事你去告诉") == 0) {
            of_exception++;
        } else if (strcmp(src->source, "找谁") == 0) {
            assert_true(twin_matches(twin, "着谁？"));
            of_opening++;
        } else {
            fail_msg("a twin of '%s'", src->source);
        }
        of_regex += src->is_regex;
    }
    assert_int_equal(of_literal, 2);
    assert_int_equal(of_exception, 1);
    assert_int_equal(of_regex, 3);
    assert_int_equal(of_opening, 1);
    assert_int_equal(zj_fuzzy_min_chars(&rs->rules[1]), 3);
    assert_int_equal(zj_fuzzy_min_chars(&rs->rules[2]), 2);
    int warnings = 0;
    zj_rules_lint(rs, count_warning, &warnings);
    assert_int_equal(warnings, 1); /* rule 'short' */
    zj_rules_free(rs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bad_keys_name_line_and_column),
        cmocka_unit_test(fillers_apply_to_literals),
        cmocka_unit_test(twins_of_fuzzy_literals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
