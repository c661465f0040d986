/* test_norm.c — normalization: text, offset map, sentence breaks, and the
 * fast path checked against the pure utf8proc path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

static zj_norm norm_of(const char *s)
{
    zj_norm n;
    zj_norm_init(&n);
    assert_int_equal(zj_norm_text(&n, s, strlen(s)), ZJ_OK);
    return n;
}

/* Original code-point span of the normalized bytes [s, e). */
static void assert_span(const zj_norm *n, size_t s, size_t e, uint32_t cs, uint32_t ce)
{
    assert_int_equal(n->orig_start[s], cs);
    assert_int_equal(n->orig_end[e - 1], ce);
}

static void span_of_spaced_phrase(void **state)
{
    (void)state;
    zj_norm n = norm_of("您好 , 请 稍 等 。我马上查");
    assert_string_equal(n.text, "您好请稍等我马上查");
    const char *p = strstr(n.text, "请稍等");
    size_t s = (size_t)(p - n.text);
    assert_span(&n, s, s + strlen("请稍等"), 5, 10);
    assert_int_equal(n.orig_cps, 16);
    assert_int_equal(n.n_breaks, 1);
    assert_int_equal(n.breaks[0], strlen("您好请稍等"));
    zj_norm_free(&n);
}

static void punctuation_and_fullwidth(void **state)
{
    (void)state;
    zj_norm n = norm_of("请稍等。");
    assert_string_equal(n.text, "请稍等");
    assert_int_equal(n.n_breaks, 1); /* a break at the very end is recorded */
    assert_int_equal(n.breaks[0], 9);
    zj_norm_free(&n);
    n = norm_of("ＡＢＣ Abc");
    assert_string_equal(n.text, "abcabc");
    assert_span(&n, 0, 1, 0, 1);
    assert_span(&n, 3, 4, 4, 5);
    zj_norm_free(&n);
    n = norm_of("第①项");
    assert_string_equal(n.text, "第1项");
    assert_span(&n, 3, 4, 1, 2);
    zj_norm_free(&n);
}

static void emoji_ext_b_and_combining(void **state)
{
    (void)state;
    zj_norm n = norm_of("好👍𠀀e\xCC\x81!");
    assert_string_equal(n.text, "好𠀀é"); /* 👍 (a symbol, So) carries no word */
    assert_int_equal(n.len, 3 + 4 + 2);
    assert_span(&n, 3, 7, 2, 3); /* 𠀀 (U+20000) */
    assert_span(&n, 7, 9, 3, 5); /* é from e + U+0301: both code points */
    assert_int_equal(n.orig_cps, 6);
    zj_norm_free(&n);
}

static void symbols_are_dropped(void **state)
{
    (void)state;
    /* ～ ~ → ♪, an emoji with its variation selector and skin tone: no words;
     * ￥ (a currency sign) stays. */
    zj_norm n = norm_of("有本事～你~去→告♪☺\xEF\xB8\x8F滚👍🏽蛋￥5");
    assert_string_equal(n.text, "有本事你去告滚蛋¥5");
    assert_span(&n, 9, 12, 4, 5);    /* 你 */
    assert_span(&n, 18, 21, 12, 13); /* 滚 */
    assert_span(&n, 21, 24, 15, 16); /* 蛋 */
    assert_int_equal(n.n_breaks, 0);
    zj_norm_free(&n);
    /* ⋯ (U+22EF) is the ellipsis … as Taiwan and Hong Kong write it. */
    n = norm_of("不知道⋯⋯好");
    assert_string_equal(n.text, "不知道好");
    assert_int_equal(n.n_breaks, 1);
    assert_int_equal(n.breaks[0], 9);
    zj_norm_free(&n);
}

static void zero_width_and_breaks(void **state)
{
    (void)state;
    zj_norm n = norm_of("请\u200B稍等");
    assert_string_equal(n.text, "请稍等");
    assert_span(&n, 3, 6, 2, 3);
    zj_norm_free(&n);
    n = norm_of("您好。请稍等！谢谢");
    assert_int_equal(n.n_breaks, 2);
    assert_int_equal(n.breaks[0], 6);
    assert_int_equal(n.breaks[1], 15);
    zj_norm_free(&n);
    n = norm_of("1.5米，好的");
    assert_string_equal(n.text, "15米好的");
    assert_int_equal(n.n_breaks, 0); /* ASCII '.' and '，' do not end a sentence */
    assert_int_equal(n.n_clause_breaks, 1); /* but '，' ends a clause */
    assert_int_equal(n.clause_breaks[0], strlen("15米"));
    zj_norm_free(&n);
    /* Clause ends: ，、： and every sentence end, no duplicates, none at 0. */
    n = norm_of("，不知道，你自己去问、好吗？好：再见");
    assert_string_equal(n.text, "不知道你自己去问好吗好再见");
    assert_int_equal(n.n_breaks, 1);
    assert_int_equal(n.breaks[0], strlen("不知道你自己去问好吗"));
    assert_int_equal(n.n_clause_breaks, 4);
    assert_int_equal(n.clause_breaks[0], strlen("不知道"));
    assert_int_equal(n.clause_breaks[1], strlen("不知道你自己去问"));
    assert_int_equal(n.clause_breaks[2], strlen("不知道你自己去问好吗"));
    assert_int_equal(n.clause_breaks[3], strlen("不知道你自己去问好吗好"));
    zj_norm_free(&n);
}

static void invalid_utf8_is_refused(void **state)
{
    (void)state;
    zj_norm n;
    zj_norm_init(&n);
    assert_int_equal(zj_norm_text(&n, "ab\xC3", 3), ZJ_ERR_UTF8);
    assert_int_equal(zj_norm_text(&n, "\xED\xA0\x80", 3), ZJ_ERR_UTF8); /* surrogate */
    assert_int_equal(zj_norm_text(&n, "\xC0\x80", 2), ZJ_ERR_UTF8);     /* overlong */
    zj_norm_free(&n);
}

static void literal_normalization(void **state)
{
    (void)state;
    char *out;
    size_t len;
    assert_int_equal(
        zj_norm_literal("急什么，烦死人了！", strlen("急什么，烦死人了！"), &out, &len), ZJ_OK);
    assert_string_equal(out, "急什么烦死人了");
    free(out);
    assert_int_equal(zj_norm_literal("。", 3, &out, &len), ZJ_OK);
    assert_int_equal(len, 0);
    free(out);
}

static void assert_same(const char *s, size_t len)
{
    zj_norm a, b;
    zj_norm_init(&a);
    zj_norm_init(&b);
    zj_status sa = zj_norm_text(&a, s, len);
    zj_status sb = zj_norm_text_slow(&b, s, len);
    assert_int_equal(sa, sb);
    if (sa == ZJ_OK) {
        assert_int_equal(a.len, b.len);
        assert_memory_equal(a.text, b.text, a.len);
        assert_memory_equal(a.orig_start, b.orig_start, a.len * sizeof *a.orig_start);
        assert_memory_equal(a.orig_end, b.orig_end, a.len * sizeof *a.orig_end);
        assert_int_equal(a.n_breaks, b.n_breaks);
        if (a.n_breaks)
            assert_memory_equal(a.breaks, b.breaks, a.n_breaks * sizeof *a.breaks);
        assert_int_equal(a.n_clause_breaks, b.n_clause_breaks);
        if (a.n_clause_breaks)
            assert_memory_equal(a.clause_breaks, b.clause_breaks,
                                a.n_clause_breaks * sizeof *a.clause_breaks);
        assert_int_equal(a.orig_cps, b.orig_cps);
        /* Without the map: the same text, breaks and count. */
        assert_int_equal(zj_norm_text_unmapped(&b, s, len), ZJ_OK);
        assert_false(b.mapped);
        assert_int_equal(a.len, b.len);
        assert_memory_equal(a.text, b.text, a.len + 1);
        assert_int_equal(a.n_breaks, b.n_breaks);
        if (a.n_breaks)
            assert_memory_equal(a.breaks, b.breaks, a.n_breaks * sizeof *a.breaks);
        assert_int_equal(a.orig_cps, b.orig_cps);
    } else {
        assert_int_equal(zj_norm_text_unmapped(&b, s, len), sa);
    }
    zj_norm_free(&a);
    zj_norm_free(&b);
}

static void fast_path_equals_utf8proc(void **state)
{
    (void)state;
    static const char *const fixed[] = {
        "您好 , 请 稍 等 。我马上查", "ＡＢＣ Abc",   "第①项",        "好👍𠀀e\xCC\x81!", "Ⅻ ﬁ ß İ",
        "a\xCC\x81\xCC\xA7 b",        "\xCC\x81开头", "请\u200B稍等", "1.5米，好的",     "",
    };
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
        assert_same(fixed[i], strlen(fixed[i]));
    /* Random strings from a mix of the alphabets the fast path must agree on. */
    static const char *const pieces[] = {
        "a",
        "Z",
        "9",
        " ",
        ",",
        ".",
        "!",
        "?",
        "\n",
        "喂",
        "急",
        "什",
        "么",
        "。",
        "，",
        "！",
        "？",
        "Ａ",
        "ｚ",
        "１",
        "①",
        "\xCC\x81",
        "\xCC\xA7",
        "é",
        "👍",
        "𠀀",
        "\u200B",
        "…",
        "；",
        "「",
        "」",
        "～",
        "$",
        "_",
        "Ⅻ",
        "ﬁ",
        "ß",
        "\xE3\x80\x80",
        "\xEF\xBC\x8C",
        "ﷺ",
        "㍿",
        "ﾊ",
        "한",
    };
    uint64_t seed = 42;
    char buf[512];
    for (int round = 0; round < 3000; round++) {
        size_t len = 0;
        int parts = (int)(seed % 40);
        for (int k = 0; k < parts; k++) {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            const char *p = pieces[(seed >> 33) % (sizeof pieces / sizeof *pieces)];
            size_t pl = strlen(p);
            if (len + pl >= sizeof buf)
                break;
            memcpy(buf + len, p, pl);
            len += pl;
        }
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        assert_same(buf, len);
    }
}

/* Every code point of the Basic Multilingual Plane alone, before a letter
 * and before a combining mark: the table-driven path equals utf8proc. */
static void every_bmp_code_point(void **state)
{
    (void)state;
    for (uint32_t cp = 0; cp < 0x10000; cp++) {
        if (cp >= 0xD800 && cp <= 0xDFFF)
            continue;
        char buf[16];
        size_t k = zj_utf8_encode(cp, buf);
        assert_same(buf, k);
        memcpy(buf + k, "a", 1);
        assert_same(buf, k + 1);
        memcpy(buf + k, "\xCC\x81", 2);
        assert_same(buf, k + 2);
    }
}

/* Expanding units first, then a long run of ideographs: the output outgrows
 * the input, and every path must grow its buffers (checked under ASan). */
static void expansion_then_ideograph_run(void **state)
{
    (void)state;
    char buf[4096];
    size_t len = 0;
    for (int i = 0; i < 40; i++)
        len += (size_t)sprintf(buf + len, "ﷺ");
    for (int i = 0; i < 600; i++)
        len += (size_t)sprintf(buf + len, "%s", i % 7 ? "请" : "稍");
    assert_same(buf, len);
    zj_norm n;
    zj_norm_init(&n);
    assert_int_equal(zj_norm_text_unmapped(&n, buf, len), ZJ_OK);
    assert_true(n.len > len);
    zj_norm_free(&n);
}

/* Runs of ideographs long enough for the block-wise check, with one
 * neighbour at every offset: code points just outside U+4E00..U+9FFF (which
 * share lead bytes with it), punctuation, a combining mark and invalid
 * sequences. Fast and general paths must agree (ZJ_ERR_UTF8 included). */
static void long_ideograph_runs_with_neighbours(void **state)
{
    (void)state;
    static const char *const neighbours[] = {
        "\xE4\xB6\xB5", /* U+4DB5, extension A: lead E4, second byte below B8 */
        "\xE4\xB7\xBF", /* U+4DFF */
        "\xE4\xB8\x80", /* U+4E00, first of the range */
        "\xE9\xBF\xBF", /* U+9FFF, last of the range */
        "\xEA\x80\x80", /* U+A000, after it */
        "\xE3\x90\x80", /* U+3400 */
        "a",
        "，",
        "\xCC\x81",
        "\xEF\xBC\xA1",
        "\xE5\x96",     /* truncated */
        "\xE5\x96\xC2", /* bad continuation */
        "\xE5\xC0\x82", /* bad first continuation */
        "\xE5",
        "\xFF",
        "\xED\xA0\x80", /* surrogate */
    };
    static const char *const ideographs[] = {"请", "稍", "等", "一", "不", "鿿", "丁"};
    char buf[256];
    for (size_t nb = 0; nb < sizeof neighbours / sizeof *neighbours; nb++)
        for (int at = 0; at <= 24; at++) {
            size_t len = 0;
            for (int i = 0; i < 24; i++) {
                if (i == at)
                    len += (size_t)sprintf(buf + len, "%s", neighbours[nb]);
                len += (size_t)sprintf(buf + len, "%s", ideographs[(i * 5 + at) % 7]);
            }
            if (at == 24)
                len += (size_t)sprintf(buf + len, "%s", neighbours[nb]);
            assert_same(buf, len);
        }
}

static void buffers_are_reused(void **state)
{
    (void)state;
    zj_norm n;
    zj_norm_init(&n);
    assert_int_equal(zj_norm_text(&n, "一二三四五六七八九十", 30), ZJ_OK);
    char *first = n.text;
    assert_int_equal(zj_norm_text(&n, "喂", 3), ZJ_OK);
    assert_ptr_equal(n.text, first);
    assert_string_equal(n.text, "喂");
    zj_norm_free(&n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(span_of_spaced_phrase),
        cmocka_unit_test(punctuation_and_fullwidth),
        cmocka_unit_test(every_bmp_code_point),
        cmocka_unit_test(expansion_then_ideograph_run),
        cmocka_unit_test(emoji_ext_b_and_combining),
        cmocka_unit_test(symbols_are_dropped),
        cmocka_unit_test(zero_width_and_breaks),
        cmocka_unit_test(invalid_utf8_is_refused),
        cmocka_unit_test(literal_normalization),
        cmocka_unit_test(fast_path_equals_utf8proc),
        cmocka_unit_test(buffers_are_reused),
        cmocka_unit_test(long_ideograph_runs_with_neighbours),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
