/* test_bundled_rules.c — the bundled rule set: every rule's examples pass,
 * and each of the 30 服务忌语 of 第十四条, said by an agent in an otherwise
 * polite call, gives exactly one forbidden finding of its rule whose span
 * covers the phrase as said. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "zhijian.h"

#define RULES ZJ_SOURCE_DIR "/rules/property-service.yaml"

static zj_ruleset *rs;

static int setup(void **state)
{
    (void)state;
    zj_error err;
    /* the bundled standard, compiled once for the unit tests (ZJ_TEST_CACHE_DIR) */
    rs = zj_rules_load(RULES, &(zj_load_opts){.cache_dir = ZJ_TEST_CACHE_DIR}, &err);
    if (!rs) {
        char buf[1200];
        fprintf(stderr, "%s\n", zj_error_format(&err, buf, sizeof buf));
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    zj_rules_free(rs);
    return 0;
}

/* Prints each failed example, and each match example another rule takes in
 * a real run (`rules test --strict` fails those), counting the latter. */
static void print_failure(const zj_example_result *r, void *ctx)
{
    size_t *taken = ctx;
    if (!r->passed)
        printf("%s: %s example '%s': %s\n", r->rule_id, r->expect_match ? "match" : "no_match",
               r->text, r->detail);
    else if (r->taken) {
        printf("%s: match example '%s' is taken: %s\n", r->rule_id, r->text, r->detail);
        (*taken)++;
    }
}

static void examples_pass(void **state)
{
    (void)state;
    size_t total = 0, taken = 0;
    size_t failures = zj_rules_run_examples(rs, print_failure, &taken, &total);
    assert_int_equal(failures, 0);
    /* the bundled standard passes `rules test --strict`: each match example is
     * reported by its own rule when the whole rule set scores it */
    assert_int_equal(taken, 0);
    /* every rule carries at least three match and three no_match examples */
    assert_true(total >= zj_rules_count(rs) * 6);
}

/* The 30 taboos as an agent would say them (with the punctuation of speech). */
static const struct {
    const char *rule, *said;
} taboos[30] = {
    {"taboo.01-wei", "喂"},
    {"taboo.02-bu-zhi-dao", "不知道"},
    {"taboo.03-no-eyes", "墙上贴着，没长眼睛呀"},
    {"taboo.04-annoying", "急什么，烦死人了"},
    {"taboo.05-busy-cant-see", "急什么，没看到我在忙着吗"},
    {"taboo.06-which-not-here", "哪个？他不在"},
    {"taboo.07-off-work", "要下班了，有事明天再来"},
    {"taboo.08-dont-come", "不舒服，你别来了"},
    {"taboo.09-hurry-up", "快点说，完了没有"},
    {"taboo.10-so-what", "就这么说，怎么样"},
    {"taboo.11-go-complain", "有本事你去告"},
    {"taboo.12-shouting", "喊什么，等一下"},
    {"taboo.13-still-dont-get-it", "讲了半天，你还没听懂"},
    {"taboo.14-get-out", "出去，今天不办公"},
    {"taboo.15-ask-who", "你问我，我问谁"},
    {"taboo.16-not-my-business", "我不管，该找谁找谁"},
    {"taboo.17-cant-do", "我说不能办就不能办"},
    {"taboo.18-troublesome", "你怎么这么麻烦"},
    {"taboo.19-cant-handle", "这个事儿我处理不了"},
    {"taboo.20-busy-find-him", "我正在忙呢，你找他吧"},
    {"taboo.21-speak-clearly", "你说话清楚点"},
    {"taboo.22-so-annoying", "你真烦，等一会吧，我在忙"},
    {"taboo.23-say-again", "你找谁呀？再说一遍，我没听清楚"},
    {"taboo.24-off-duty", "都下班了，你不知道呀"},
    {"taboo.25-ji-shen-me", "急什么"},
    {"taboo.26-look-first", "你看清楚再问"},
    {"taboo.27-read-the-wall", "墙上有，你自己看看就行了"},
    {"taboo.28-no-such-person", "你找谁？没这个人儿"},
    {"taboo.29-pour-yourself", "渴了自己倒水"},
    {"taboo.30-how-would-i-know", "你自己都不知道，我怎么知道"},
};

static void each_taboo_in_a_polite_call(void **state)
{
    (void)state;
    zj_error err;
    zj_scorer *scorer = zj_scorer_new(rs, &err);
    assert_non_null(scorer);
    for (size_t i = 0; i < 30; i++) {
        char middle[256];
        /* The taboo stands as its own sentence between polite ones. */
        snprintf(middle, sizeof middle, "好的，我明白。%s。我马上帮您登记。", taboos[i].said);
        zj_turn turns[] = {
            {ZJ_SPEAKER_AGENT, "您好，阳光物业客服中心，我姓王，请问有什么可以帮助您？", 0, 0,
             5000},
            {ZJ_SPEAKER_CUSTOMER, "我家楼道的灯坏了。", 0, 5500, 8000},
            {ZJ_SPEAKER_AGENT, middle, strlen(middle), 8500, 12000},
            {ZJ_SPEAKER_CUSTOMER, "好的，谢谢。", 0, 12500, 13000},
            {ZJ_SPEAKER_AGENT, "不客气，感谢您的来电，再见。", 0, 13500, 15000},
        };
        for (size_t t = 0; t < 5; t++)
            turns[t].text_len = strlen(turns[t].text);
        zj_call call = {.call_id = "taboo",
                        .turns = turns,
                        .n_turns = 5,
                        .ring_ms = -1,
                        .started_at_utc_ms = INT64_MIN};
        zj_result res;
        assert_int_equal(zj_score_call(scorer, &call, &res, &err), ZJ_OK);
        size_t forbidden = 0;
        for (size_t k = 0; k < res.n_findings; k++) {
            const zj_finding *f = &res.findings[k];
            zj_rule_info info;
            zj_rules_info(rs, f->rule, &info);
            if (info.kind == ZJ_KIND_REQUIRED && info.points > 0 && f->outcome == ZJ_OUT_MISSING)
                fail_msg("%s: required %s not met", taboos[i].rule, info.id);
            if (info.kind != ZJ_KIND_FORBIDDEN || f->outcome == ZJ_OUT_NOT_APPLICABLE)
                continue;
            forbidden++;
            if (strcmp(info.id, taboos[i].rule) != 0 || f->turn != 2 ||
                strcmp(f->text, taboos[i].said) != 0 || f->span_start != 7)
                fail_msg("%s: got %s turn %ld [%u, %u) '%s'", taboos[i].rule, info.id, f->turn,
                         f->span_start, f->span_end, f->text);
        }
        if (forbidden != 1)
            fail_msg("%s: %zu forbidden findings, expected 1", taboos[i].rule, forbidden);
        zj_result_free(&res);
    }
    zj_scorer_free(scorer);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(examples_pass),
        cmocka_unit_test(each_taboo_in_a_polite_call),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
