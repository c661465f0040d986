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
                      "asr.yaml:3:10: 'fillers' must be a non-empty list of words");
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
                          "          {re: '又不?是\\p{Han}{1,2}我们'}, {re: '又不是我们|\\p{Han}吧'}]\n"
                          "    unless: [有本事你去告诉]\n"
                          "  - {id: short, kind: forbidden, fuzzy: pinyin, any: [是的]}\n"
                          "  - {id: exact, kind: forbidden, any: [没长眼睛]}\n",
                          &err);
    assert_non_null(rs);
    assert_non_null(rs->fuzzy);
    /* 有本事你去告 and the exception have twins; 是的 (two syllables), the rule
     * without fuzzy, the regex of two ideographs and the ones with a \p{Han}
     * wildcard but no three ideographs in a row that every match holds (你找…吧;
     * 到时候 is one alternative; 不? is optional; 又不是我们 is one side of a
     * top-level |) do not; \p{Han}{0,4}又不是… does, its wildcard any
     * ideograph or syllable. 有 (you, wei), 事 (shi, zi) and 告 (gao, ju, gu) have
     * several readings: 12 literals of syllables each. A regex gets one twin,
     * each ideograph as its common syllable, particles (嘛 吧) as they are. */
    size_t of_literal = 0, of_exception = 0, of_regex = 0;
    uint16_t you[ZJ_PINYIN_MAX_READINGS], ben[ZJ_PINYIN_MAX_READINGS],
        shi[ZJ_PINYIN_MAX_READINGS], bu[ZJ_PINYIN_MAX_READINGS], qing[ZJ_PINYIN_MAX_READINGS],
        chu[ZJ_PINYIN_MAX_READINGS], you4[ZJ_PINYIN_MAX_READINGS], wo[ZJ_PINYIN_MAX_READINGS],
        men[ZJ_PINYIN_MAX_READINGS], shi4[ZJ_PINYIN_MAX_READINGS];
    assert_true(zj_pinyin_readings(0x6709, you) && zj_pinyin_readings(0x672C, ben) &&
                zj_pinyin_readings(0x4E8B, shi) && zj_pinyin_readings(0x4E0D, bu) &&
                zj_pinyin_readings(0x6E05, qing) && zj_pinyin_readings(0x695A, chu) &&
                zj_pinyin_readings(0x53C8, you4) && zj_pinyin_readings(0x6211, wo) &&
                zj_pinyin_readings(0x4EEC, men) && zj_pinyin_readings(0x662F, shi4));
    char want_ybs[64], want_bqc[64], want_ybs4[160];
    snprintf(want_ybs4, sizeof want_ybs4,
             "[\\p{Han}\\x{E000}-\\x{E1FF}]{0,4}\\x{%X}\\x{%X}\\x{%X}(?:\\x{%X}|\\x{%X}\\x{%X})",
             0xE000u + you4[0], 0xE000u + bu[0], 0xE000u + shi4[0], 0xE000u + wo[0],
             0xE000u + wo[0], 0xE000u + men[0]);
    snprintf(want_ybs, sizeof want_ybs, "\\x{%X}\\x{%X}\\x{%X}", 0xE000u + you[0],
             0xE000u + ben[0], 0xE000u + shi[0]);
    snprintf(want_bqc, sizeof want_bqc, "\\x{%X}\\x{%X}\\x{%X}[嘛吧]", 0xE000u + bu[0],
             0xE000u + qing[0], 0xE000u + chu[0]);
    for (size_t t = 0; t < rs->fuzzy->n; t++) {
        const zj_pattern *src = &rs->patterns[rs->fuzzy->source[t]];
        const zj_pattern *twin = &rs->fuzzy->patterns[t];
        assert_int_equal(twin->is_exception, src->is_exception);
        if (src->is_regex) {
            assert_true(twin->is_regex);
            if (strcmp(src->source, "有本事") == 0)
                assert_string_equal(twin->expr, want_ybs);
            else if (strcmp(src->source, "不清楚[嘛吧]") == 0)
                assert_string_equal(twin->expr, want_bqc);
            else if (strcmp(src->source, "\\p{Han}{0,4}又不是(?:我|我们)") == 0)
                assert_string_equal(twin->expr, want_ybs4);
            else
                fail_msg("a twin of regex '%s'", src->source);
            of_regex++;
            continue;
        }
        assert_false(twin->is_regex);
        assert_int_equal(twin->expr_len, 3 * zj_utf8_count(src->expr, src->expr_len));
        if (strcmp(src->source, "有本事你去告") == 0)
            of_literal++;
        else if (strcmp(src->source, "有本事你去告诉") == 0)
            of_exception++;
        else
            fail_msg("a twin of '%s'", src->source);
    }
    assert_int_equal(of_literal, 12);
    assert_true(of_exception >= 12);
    assert_int_equal(of_regex, 3);
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
