/* test_norm_asr.c — normalization for text as speech recognition writes it:
 * Traditional -> Simplified (OpenCC's t2s table) with the offset map exact
 * where the conversion changes byte lengths, fillers dropped with the map,
 * sentence ends and gaps renumbered, and the pinyin text of `fuzzy: pinyin`. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Every normalized byte of n maps to the original code points [cs[k], ce[k])
 * of the k-th normalized character. */
static void assert_map(const zj_norm *n, const uint32_t *cs, const uint32_t *ce, size_t chars)
{
    size_t k = 0;
    for (size_t i = 0; i < n->len; k++) {
        uint32_t cp;
        size_t len = zj_utf8_decode((const unsigned char *)n->text + i, n->len - i, &cp);
        assert_true(len > 0);
        assert_true(k < chars);
        for (size_t b = i; b < i + len; b++) {
            assert_int_equal(n->orig_start[b], cs[k]);
            assert_int_equal(n->orig_end[b], ce[k]);
        }
        i += len;
    }
    assert_int_equal(k, chars);
}

static void require_t2s(void)
{
    if (!zj_t2s_available())
        skip(); /* built with -DZJ_OPENCC=OFF */
}

static void traditional_becomes_simplified(void **state)
{
    (void)state;
    require_t2s();
    zj_norm n;
    zj_norm_init(&n);
    const char *s = "你怎麼這麼麻煩！";
    assert_int_equal(zj_norm_text(&n, s, strlen(s)), ZJ_OK);
    assert_string_equal(n.text, "你怎么这么麻烦");
    const uint32_t cs[] = {0, 1, 2, 3, 4, 5, 6}, ce[] = {1, 2, 3, 4, 5, 6, 7};
    assert_map(&n, cs, ce, 7);
    assert_int_equal(n.n_breaks, 1);
    assert_int_equal(n.breaks[0], strlen("你怎么这么麻烦"));
    /* A literal converts the same way, so a Traditional rule matches too. */
    char *lit;
    size_t lit_len;
    assert_int_equal(zj_norm_literal("請問有什麼可以幫助您", strlen("請問有什麼可以幫助您"), &lit,
                                     &lit_len),
                     ZJ_OK);
    assert_string_equal(lit, "请问有什么可以帮助您");
    free(lit);
    zj_norm_free(&n);
}

/* Conversions that change the byte length: 䆉 (3 bytes) -> 𫁂 (4 bytes, outside
 * the BMP); U+F900 (a compatibility ideograph) -> NFKC 豈 -> t2s 岂; ㈾ -> (資)
 * -> 资 with the parentheses removed; 車 in a run of ideographs. */
static void length_changing_conversions_keep_the_map(void **state)
{
    (void)state;
    require_t2s();
    zj_norm n;
    zj_norm_init(&n);
    const char *s = "a䆉\xEF\xA4\x80" "b㈾車子,开車";
    assert_int_equal(zj_norm_text(&n, s, strlen(s)), ZJ_OK);
    assert_string_equal(n.text, "a\xF0\xAB\x81\x82" "岂b资车子开车");
    assert_int_equal(n.len, 1 + 4 + 3 + 1 + 3 + 3 + 3 + 3 + 3);
    /* original: a0 䆉1 豈2 b3 ㈾4 車5 子6 ,7 开8 車9 */
    const uint32_t cs[] = {0, 1, 2, 3, 4, 5, 6, 8, 9}, ce[] = {1, 2, 3, 4, 5, 6, 7, 9, 10};
    assert_map(&n, cs, ce, 9);
    assert_int_equal(n.orig_cps, 10);
    /* The unmapped pass and the utf8proc-only pass give the same text. */
    zj_norm u, slow;
    zj_norm_init(&u);
    zj_norm_init(&slow);
    assert_int_equal(zj_norm_text_unmapped(&u, s, strlen(s)), ZJ_OK);
    assert_int_equal(zj_norm_text_slow(&slow, s, strlen(s)), ZJ_OK);
    assert_int_equal(u.len, n.len);
    assert_memory_equal(u.text, n.text, n.len);
    assert_int_equal(slow.len, n.len);
    assert_memory_equal(slow.text, n.text, n.len);
    assert_memory_equal(slow.orig_start, n.orig_start, n.len * sizeof *n.orig_start);
    assert_memory_equal(slow.orig_end, n.orig_end, n.len * sizeof *n.orig_end);
    zj_norm_free(&n);
    zj_norm_free(&u);
    zj_norm_free(&slow);
}

/* Runs of ideographs long enough for the block-wise scan, with a converting
 * ideograph at every position: fast, unmapped and slow paths agree. */
static void converting_ideograph_at_every_offset(void **state)
{
    (void)state;
    require_t2s();
    for (size_t at = 0; at < 24; at++) {
        char buf[128] = "";
        for (size_t i = 0; i < 24; i++)
            strcat(buf, i == at ? "這" : "好");
        zj_norm a, b;
        zj_norm_init(&a);
        zj_norm_init(&b);
        assert_int_equal(zj_norm_text(&a, buf, strlen(buf)), ZJ_OK);
        assert_int_equal(zj_norm_text_slow(&b, buf, strlen(buf)), ZJ_OK);
        assert_int_equal(a.len, 72);
        assert_memory_equal(a.text, b.text, a.len);
        assert_memory_equal(a.text + at * 3, "这", 3);
        assert_memory_equal(a.orig_start, b.orig_start, a.len * sizeof *a.orig_start);
        zj_norm_free(&a);
        zj_norm_free(&b);
    }
}

static zj_fillers *fillers(void)
{
    const char *words[] = {"嗯", "啊", "呃", "那个"};
    size_t lens[4], bad;
    for (int i = 0; i < 4; i++)
        lens[i] = strlen(words[i]);
    zj_fillers *f = zj_fillers_new(words, lens, 4, &bad);
    assert_non_null(f);
    return f;
}

/* Normalizes s with the fillers, mapped and unmapped (same text, breaks). */
static zj_norm with_fillers(const zj_fillers *f, const char *s)
{
    zj_norm n, u;
    zj_norm_init(&n);
    zj_norm_init(&u);
    assert_int_equal(zj_norm_text_fillers(&n, s, strlen(s), f, true), ZJ_OK);
    assert_int_equal(zj_norm_text_fillers(&u, s, strlen(s), f, false), ZJ_OK);
    assert_string_equal(n.text, u.text);
    assert_int_equal(n.n_breaks, u.n_breaks);
    for (size_t i = 0; i < n.n_breaks; i++)
        assert_int_equal(n.breaks[i], u.breaks[i]);
    zj_norm_free(&u);
    return n;
}

static void fillers_inside_a_phrase(void **state)
{
    (void)state;
    zj_fillers *f = fillers();
    zj_norm n = with_fillers(f, "有本事，嗯，你去告");
    assert_string_equal(n.text, "有本事你去告");
    const uint32_t cs[] = {0, 1, 2, 6, 7, 8}, ce[] = {1, 2, 3, 7, 8, 9};
    assert_map(&n, cs, ce, 6);
    zj_norm_free(&n);

    n = with_fillers(f, "你自己啊去问");
    assert_string_equal(n.text, "你自己去问");
    const uint32_t cs2[] = {0, 1, 2, 4, 5}, ce2[] = {1, 2, 3, 5, 6};
    assert_map(&n, cs2, ce2, 5);
    zj_norm_free(&n);

    /* Sentence ends renumbered: none at 0, none twice, one at the end kept. */
    n = with_fillers(f, "嗯，呃，你好。嗯，再见啊呃。");
    assert_string_equal(n.text, "你好再见呃");
    assert_int_equal(n.n_breaks, 2);
    assert_int_equal(n.breaks[0], 6);
    assert_int_equal(n.breaks[1], 15);
    zj_norm_free(&n);

    /* Before a sentence end or at the end of the turn a filler is a
     * sentence-final particle and stays. */
    n = with_fillers(f, "这个我也不知道啊。好啊");
    assert_string_equal(n.text, "这个我也不知道啊好啊");
    zj_norm_free(&n);

    /* A literal's end is no sentence end: its last filler goes too. */
    char *lit;
    size_t lit_len;
    assert_int_equal(zj_norm_literal_fillers("有本事你去告啊！", strlen("有本事你去告啊！"), f, &lit,
                                             &lit_len),
                     ZJ_OK);
    assert_string_equal(lit, "有本事你去告");
    free(lit);
    zj_fillers_free(f);
}

/* 那个 is dropped only standing alone: between punctuation, spaces, turn
 * edges or other fillers; as a demonstrative it stays. */
static void two_character_filler_only_standing_alone(void **state)
{
    (void)state;
    zj_fillers *f = fillers();
    static const char *const cases[][2] = {
        {"那个，你自己去问", "你自己去问"},
        {"那个 你自己去问", "你自己去问"},
        {"嗯那个，你自己去问", "你自己去问"},
        {"那个单元的水管", "那个单元的水管"},
        {"你看那个单元", "你看那个单元"},
        {"那个那个单元", "那个单元"},
        {"单元那个那个，好", "单元那个好"},
        {"单元那个那个", "单元那个那个"},
        {"就是那个", "就是那个"},
        {"那个", "那个"},
        {"那个，好", "好"},
        {"哪个小区", "哪个小区"},
        {"那", "那"},
        {"啊啊那个啊", "啊"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        zj_norm n = with_fillers(f, cases[i][0]);
        assert_string_equal(n.text, cases[i][1]);
        zj_norm_free(&n);
    }
    /* The demonstrative keeps its own original positions. */
    zj_norm n = with_fillers(f, "那个那个单元");
    const uint32_t cs[] = {2, 3, 4, 5}, ce[] = {3, 4, 5, 6};
    assert_map(&n, cs, ce, 4);
    zj_norm_free(&n);
    zj_fillers_free(f);
}

/* A filler written in Traditional characters is the Simplified one. */
static void traditional_filler(void **state)
{
    (void)state;
    require_t2s();
    const char *words[] = {"那個"};
    size_t lens[] = {strlen("那個")}, bad;
    zj_fillers *f = zj_fillers_new(words, lens, 1, &bad);
    assert_non_null(f);
    zj_norm n = with_fillers(f, "那个，你自己去問");
    assert_string_equal(n.text, "你自己去问");
    zj_norm_free(&n);
    zj_fillers_free(f);
}

static void empty_filler_is_refused(void **state)
{
    (void)state;
    const char *words[] = {"嗯", "，"};
    size_t lens[] = {3, 3}, bad = 0;
    assert_null(zj_fillers_new(words, lens, 2, &bad));
    assert_int_equal(bad, 1);
}

/* The pinyin text: one private-use code point per syllable, same length. */
static void pinyin_text_keeps_offsets(void **state)
{
    (void)state;
    zj_norm a, b;
    zj_norm_init(&a);
    zj_norm_init(&b);
    const char *s1 = "有本事你去告ab1", *s2 = "有本是你去告ab1";
    assert_int_equal(zj_norm_text(&a, s1, strlen(s1)), ZJ_OK);
    assert_int_equal(zj_norm_text(&b, s2, strlen(s2)), ZJ_OK);
    char *pa = NULL, *pb = NULL;
    size_t ca = 0, cb = 0;
    assert_int_equal(zj_fuzzy_text(&a, &pa, &ca), ZJ_OK);
    assert_int_equal(zj_fuzzy_text(&b, &pb, &cb), ZJ_OK);
    assert_int_equal(strlen(pa), a.len);
    assert_string_equal(pa, pb); /* 事 and 是: both shi */
    assert_string_equal(pa + 18, "ab1");
    uint16_t ids[ZJ_PINYIN_MAX_READINGS];
    assert_int_equal(zj_pinyin_readings(0x4E8B /* 事 */, ids), 2);
    assert_string_equal(zj_pinyin_syllable(ids[0]), "shi");
    assert_int_equal(zj_pinyin_readings('a', ids), 0);
    /* A private-use code point in a text cannot pose as a syllable. */
    zj_norm_free(&a);
    zj_norm_init(&a);
    assert_int_equal(zj_norm_text(&a, "\xEE\x80\x80", 3), ZJ_OK);
    assert_int_equal(zj_fuzzy_text(&a, &pa, &ca), ZJ_OK);
    assert_string_equal(pa, "\xEF\xBF\xBD");
    free(pa);
    free(pb);
    zj_norm_free(&a);
    zj_norm_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(traditional_becomes_simplified),
        cmocka_unit_test(length_changing_conversions_keep_the_map),
        cmocka_unit_test(converting_ideograph_at_every_offset),
        cmocka_unit_test(fillers_inside_a_phrase),
        cmocka_unit_test(two_character_filler_only_standing_alone),
        cmocka_unit_test(traditional_filler),
        cmocka_unit_test(empty_filler_is_refused),
        cmocka_unit_test(pinyin_text_keeps_offsets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
