/* test_roles.c — which speaker is the agent (engine/roles.c): a given
 * channel or speaker, roles named by the input, --roles auto deciding by the
 * rule set's opening rules and polite phrases when the agent's script
 * agrees, and the errors for a call too close to call (one greeting, a
 * polite caller of a rude agent), a single speaker, a mapping that matches
 * no turn and roles named for some turns only. (Every sample of
 * corpus/formats/ is decided in test_ingest.c.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static zj_ruleset *bundled(void)
{
    zj_error err;
    zj_ruleset *rs = zj_rules_load(ZJ_SOURCE_DIR "/rules/property-service.yaml",
                                   &(zj_load_opts){.cache_dir = ZJ_TEST_CACHE_DIR}, &err);
    assert_non_null(rs);
    return rs;
}

static const char *meta_of(const zj_call *c, long turn, const char *key)
{
    for (size_t i = 0; i < c->n_meta; i++)
        if (c->meta[i].turn == turn && strcmp(c->meta[i].key, key) == 0)
            return c->meta[i].value;
    return NULL;
}

static void roles_mapping_and_undecided(void **state)
{
    (void)state;
    zj_ruleset *rs = bundled();
    zj_error err;
    zj_scorer *s = zj_scorer_new(rs, &err);
    char buf[1200];
    zj_party a = {.role = ZJ_ROLE_UNKNOWN, .channel = 0, .speaker = "A"};
    zj_party b = {.role = ZJ_ROLE_UNKNOWN, .channel = 1, .speaker = "B"};

    /* Given a channel: no scoring; the decision is recorded. */
    zj_call *c = zj_ing_call_new("m1", "m1.json", 0);
    assert_true(zj_ing_add_turn(c, "你好", 6, 0, 100, &a));
    assert_true(zj_ing_add_turn(c, "嗯", 3, 200, 300, &b));
    assert_int_equal(zj_roles_resolve(s, rs, c, 1, NULL, NULL, &err), ZJ_OK);
    assert_int_equal(c->turns[0].speaker, ZJ_SPEAKER_CUSTOMER);
    assert_int_equal(c->turns[1].speaker, ZJ_SPEAKER_AGENT);
    assert_string_equal(meta_of(c, -1, "roles.method"), "channel");
    assert_string_equal(meta_of(c, -1, "roles.agent"), "channel 1");
    zj_call_free(c);

    /* A given speaker that never speaks is an error, not a silent default. */
    c = zj_ing_call_new("m2", "m2.json", 0);
    assert_true(zj_ing_add_turn(c, "你好", 6, 0, 100, &a));
    assert_int_equal(zj_roles_resolve(s, rs, c, -1, "Z", NULL, &err), ZJ_ERR_INVALID);
    assert_string_equal(zj_error_format(&err, buf, sizeof buf),
                        "m2.json: call 'm2': no turn of speaker 'Z' (given as the agent)");
    zj_call_free(c);

    /* Two parties with nothing to tell them apart: undecided. */
    c = zj_ing_call_new("m3", "m3.json", 0);
    assert_true(zj_ing_add_turn(c, "水管漏了", 12, 0, 100, &a));
    assert_true(zj_ing_add_turn(c, "好的", 6, 200, 300, &b));
    assert_int_equal(zj_roles_resolve(s, rs, c, -1, NULL, NULL, &err), ZJ_ERR_INVALID);
    assert_string_equal(zj_error_format(&err, buf, sizeof buf),
                        "m3.json: roles undecided: call 'm3': channel 0 vs channel 1 margin 0 "
                        "(scores 0 and 0, at least 4 needed); give --agent-channel, "
                        "--agent-speaker or a role mapping in --meta");
    zj_call_free(c);

    /* One speaker only. */
    c = zj_ing_call_new("m4", "m4.srt", 0);
    zj_party none = {.role = ZJ_ROLE_UNKNOWN, .channel = -1, .speaker = ""};
    assert_true(zj_ing_add_turn(c, "您好", 6, 0, 100, &none));
    assert_int_equal(zj_roles_resolve(s, rs, c, -1, NULL, NULL, &err), ZJ_ERR_INVALID);
    assert_string_equal(zj_error_format(&err, buf, sizeof buf),
                        "m4.srt: roles undecided: call 'm4' has no speaker or channel numbers; "
                        "give --agent-channel, --agent-speaker or a role mapping in --meta");
    zj_call_free(c);

    /* Roles named for some turns only. */
    c = zj_ing_call_new("m5", "m5.txt", 0);
    zj_party agent = {.role = ZJ_SPEAKER_AGENT, .channel = -1, .speaker = ""};
    assert_true(zj_ing_add_turn(c, "您好", 6, 0, 100, &agent));
    assert_true(zj_ing_add_turn(c, "在吗", 6, 0, 100, &a));
    assert_int_equal(zj_roles_resolve(s, rs, c, -1, NULL, NULL, &err), ZJ_ERR_INVALID);
    zj_call_free(c);

    /* The polite phrases alone decide when the opening says nothing. */
    c = zj_ing_call_new("m6", "m6.json", 0);
    assert_true(zj_ing_add_turn(c, "我家漏水了", 15, 0, 100, &a));
    assert_true(zj_ing_add_turn(c, "请您稍等，请问您家门牌号？不客气。", 51, 200, 300, &b));
    assert_int_equal(zj_roles_polite_count("请您稍等，请问您家门牌号？不客气。", 51), 4);
    assert_int_equal(zj_roles_resolve(s, rs, c, -1, NULL, NULL, &err), ZJ_OK);
    assert_int_equal(c->turns[1].speaker, ZJ_SPEAKER_AGENT);
    zj_call_free(c);
    zj_scorer_free(s);
    zj_rules_free(rs);
}

/* One 你好 (an opening rule, 3 points) is no evidence: the caller's greeting
 * must not make the caller the agent of a rude agent's call. */
static void one_greeting_decides_nothing(void **state)
{
    (void)state;
    zj_ruleset *rs = bundled();
    zj_error err;
    zj_scorer *s = zj_scorer_new(rs, &err);
    char buf[1200];
    zj_party agent = {.role = ZJ_ROLE_UNKNOWN, .channel = -1, .speaker = "SPEAKER_00"};
    zj_party caller = {.role = ZJ_ROLE_UNKNOWN, .channel = -1, .speaker = "SPEAKER_01"};
    zj_call *c = zj_ing_call_new("g1", "g1.vtt", 0);
    const char *t[] = {"喂。", "你好，我家水管漏了。", "这个你自己去问物业吧。", "好吧。"};
    for (size_t i = 0; i < 4; i++)
        assert_true(zj_ing_add_turn(c, t[i], strlen(t[i]), (int64_t)i * 1000,
                                    (int64_t)i * 1000 + 500, i % 2 ? &caller : &agent));
    assert_int_equal(zj_roles_resolve(s, rs, c, -1, NULL, NULL, &err), ZJ_ERR_INVALID);
    assert_string_equal(zj_error_format(&err, buf, sizeof buf),
                        "g1.vtt: roles undecided: call 'g1': speaker SPEAKER_01 vs speaker "
                        "SPEAKER_00 margin 3 (scores 3 and 0, at least 4 needed); give "
                        "--agent-channel, --agent-speaker or a role mapping in --meta");
    zj_call_free(c);
    zj_scorer_free(s);
    zj_rules_free(rs);
}

/* A polite caller says 您好, 请问, 麻烦您, 谢谢您 and names the company, but
 * never the agent's script: the points it leads by decide nothing. */
static void polite_caller_is_not_the_agent(void **state)
{
    (void)state;
    zj_ruleset *rs = bundled();
    zj_error err;
    zj_scorer *s = zj_scorer_new(rs, &err);
    char buf[1200];
    zj_party agent = {.role = ZJ_ROLE_UNKNOWN, .channel = 0, .speaker = ""};
    zj_party caller = {.role = ZJ_ROLE_UNKNOWN, .channel = 1, .speaker = ""};
    zj_call *c = zj_ing_call_new("p1", "p1.json", 0);
    const char *t[] = {"喂。", "您好，请问是阳光物业客服中心吗？麻烦您帮我看一下，我家水管漏了。",
                       "这个你自己去问物业吧，我不管。", "好的，谢谢您，抱歉打扰了。"};
    for (size_t i = 0; i < 4; i++)
        assert_true(zj_ing_add_turn(c, t[i], strlen(t[i]), (int64_t)i * 1000,
                                    (int64_t)i * 1000 + 500, i % 2 ? &caller : &agent));
    assert_int_equal(zj_roles_resolve(s, rs, c, -1, NULL, NULL, &err), ZJ_ERR_INVALID);
    assert_string_equal(zj_error_format(&err, buf, sizeof buf),
                        "p1.json: roles undecided: call 'p1': channel 1 leads channel 0 by 13 "
                        "(scores 13 and 0) but says 0 of the agent's script phrases (有什么可以帮, "
                        "为您, 帮您, 请稍等, 感谢您的来电 …) to 0; give --agent-channel, "
                        "--agent-speaker or a role mapping in --meta");
    zj_call_free(c);
    /* Each script phrase counts once, the longest at its place: 有什么可以帮
     * (not also 帮您), 请您稍等, 感谢您的来电 (traditional too). */
    const char *said = "请问有什么可以帮您？请您稍等。感謝您的來電。帮我看看。";
    assert_int_equal(zj_roles_script_count(said, strlen(said)), 3);
    zj_scorer_free(s);
    zj_rules_free(rs);
}

static void auto_records_scores_and_margin(void **state)
{
    (void)state;
    zj_ruleset *rs = bundled();
    zj_error err;
    zj_scorer *s = zj_scorer_new(rs, &err);
    zj_party cust = {.role = ZJ_ROLE_UNKNOWN, .channel = -1, .speaker = "0"};
    zj_party agent = {.role = ZJ_ROLE_UNKNOWN, .channel = -1, .speaker = "1"};
    zj_call *c = zj_ing_call_new("a1", "a1.json", 0);
    /* The customer speaks first; the agent is the second speaker. */
    const char *t0 = "喂，你好，我家停水了。";
    const char *t1 = "您好，阳光物业客服中心，请问有什么可以帮您？";
    assert_true(zj_ing_add_turn(c, t0, strlen(t0), 0, 100, &cust));
    assert_true(zj_ing_add_turn(c, t1, strlen(t1), 200, 300, &agent));
    zj_roles_decision d;
    assert_int_equal(zj_roles_resolve(s, rs, c, -1, NULL, &d, &err), ZJ_OK);
    assert_int_equal(c->turns[0].speaker, ZJ_SPEAKER_CUSTOMER);
    assert_int_equal(c->turns[1].speaker, ZJ_SPEAKER_AGENT);
    assert_string_equal(d.agent, "speaker 1");
    assert_string_equal(d.runner_up, "speaker 0");
    /* Speaker 1: greeting, company and offer-help met (3 x 3) + 您好, 请问;
     * speaker 0: 你好 meets the greeting (3). */
    assert_int_equal(d.score, 11);
    assert_int_equal(d.runner_up_score, 3);
    assert_string_equal(meta_of(c, -1, "roles.method"), "auto");
    assert_string_equal(meta_of(c, -1, "roles.agent"), "speaker 1");
    assert_string_equal(meta_of(c, -1, "roles.scores"), "speaker 1 11, speaker 0 3");
    assert_string_equal(meta_of(c, -1, "roles.margin"), "8");
    /* 有什么可以帮 against none. */
    assert_string_equal(meta_of(c, -1, "roles.script"), "speaker 1 1, speaker 0 0");
    zj_call_free(c);
    zj_scorer_free(s);
    zj_rules_free(rs);
}

/* A turn without the speaker id the others carry (WhisperX leaves segments
 * it could not assign) would silently count as the customer's: an error. */
static void unlabelled_turn_rejected(void **state)
{
    (void)state;
    zj_ruleset *rs = bundled();
    zj_error err;
    zj_scorer *s = zj_scorer_new(rs, &err);
    zj_party a = {.role = ZJ_ROLE_UNKNOWN, .channel = -1, .speaker = "SPEAKER_00"};
    zj_party none = {.role = ZJ_ROLE_UNKNOWN, .channel = -1, .speaker = ""};
    zj_party b = {.role = ZJ_ROLE_UNKNOWN, .channel = -1, .speaker = "SPEAKER_01"};
    zj_call *c = zj_ing_call_new("u1", "u1.json", 0);
    assert_true(zj_ing_add_turn(c, "您好，物业客服中心，请问有什么可以帮您？", 57, 0, 100, &a));
    assert_true(zj_ing_add_turn(c, "喂", 3, 200, 300, &none));
    assert_true(zj_ing_add_turn(c, "我家停水了", 15, 400, 500, &b));
    char buf[600];
    assert_int_equal(zj_roles_resolve(s, rs, c, -1, NULL, NULL, &err), ZJ_ERR_INVALID);
    assert_string_equal(zj_error_format(&err, buf, sizeof buf),
                        "u1.json: call 'u1': turn 1 has no speaker id while others have one, so "
                        "whose it is cannot be told");
    assert_int_equal(zj_roles_resolve(s, rs, c, -1, "SPEAKER_00", NULL, &err), ZJ_ERR_INVALID);
    zj_call_free(c);
    zj_scorer_free(s);
    zj_rules_free(rs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(roles_mapping_and_undecided),
        cmocka_unit_test(auto_records_scores_and_margin),
        cmocka_unit_test(unlabelled_turn_rejected),
        cmocka_unit_test(one_greeting_decides_nothing),
        cmocka_unit_test(polite_caller_is_not_the_agent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
