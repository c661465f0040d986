/* test_fuzzy_heard.c — a hit by sound of a regex with a lookaround counts
 * only when its twin also matches with just the hit's words by sound and
 * their context as written (zj_fuzzy_heard). The check is one match of the
 * twin anchored at the hit: these cases put hits at a turn's edges, next to
 * a lookbehind or lookahead that reads the written text outside them,
 * overlapping, in a later clause, behind \K, and where an earlier match in
 * the checked text runs over the hit's start; and a turn with many hits by
 * sound is scanned once, not once more per hit (the check had rescanned the
 * whole turn for each hit, so one long unpunctuated turn cost the square of
 * its length). Both backends. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const char *const yaml =
    "ruleset: heard\nversion: \"1\"\nrules:\n"
    "  - {id: ahead, kind: forbidden, fuzzy: pinyin, regex: ['不知道(?=您打)']}\n"
    "  - {id: behind, kind: forbidden, fuzzy: pinyin, regex: ['(?<=不)知道您打']}\n"
    "  - {id: last, kind: forbidden, fuzzy: pinyin, boundary: clause,\n"
    "     regex: ['我也不清楚(?=$)']}\n"
    "  - {id: lead, kind: forbidden, fuzzy: pinyin, regex: ['(?<=^|好)自己去问']}\n"
    "  - {id: hurry, kind: forbidden, fuzzy: pinyin, regex: ['(?<!别)快快快']}\n"
    "  - {id: reset, kind: forbidden, fuzzy: pinyin, regex: ['请\\K稍等一(?=下)']}\n";

typedef struct checked {
    const char *rule;
    uint32_t start, end; /* normalized bytes */
    bool heard;
} checked;

static zj_ruleset *load(zj_backend backend)
{
    zj_load_opts opts = {.backend = backend, .cache_dir = ZJ_TEST_CACHE_DIR};
    zj_error err;
    zj_error_clear(&err);
    zj_ruleset *rs = zj_rules_load_buffer(yaml, strlen(yaml), "heard.yaml", &opts, &err);
    if (!rs)
        fail_msg("%s", err.msg);
    assert_non_null(rs->fuzzy);
    return rs;
}

static int cmp_checked(const void *a, const void *b)
{
    const checked *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return strcmp(x->rule, y->rule);
}

/* What the scorer does with one turn: the exact scan, the twins' scan of
 * the pinyin text, and the check of every twin hit. Returns the checks as
 * "rule [start, end) heard|dropped" lines sorted by start (normalized
 * bytes; the caller frees it) and the fuzzy scratch's counts. */
static char *check_turn(const zj_ruleset *rs, const char *text, uint64_t *scans,
                        uint64_t *anchored)
{
    zj_norm n;
    zj_norm_init(&n);
    assert_int_equal(zj_norm_turn(&n, text, strlen(text), rs, true), ZJ_OK);
    zj_match_scratch *es = zj_match_scratch_new(rs->matcher);
    zj_match_scratch *fs = zj_match_scratch_new(rs->fuzzy->matcher);
    assert_non_null(es);
    assert_non_null(fs);
    zj_hits hits = {0};
    assert_int_equal(zj_matcher_scan(rs->matcher, es, &n, &hits), ZJ_OK);
    size_t n_exact = hits.n;
    char *pinyin = NULL;
    size_t pcap = 0;
    assert_int_equal(zj_fuzzy_text(&n, &pinyin, &pcap), ZJ_OK);
    zj_norm view = n;
    view.text = pinyin;
    assert_int_equal(zj_matcher_scan(rs->fuzzy->matcher, fs, &view, &hits), ZJ_OK);
    zj_fuzzy_check check = {0};
    zj_fuzzy_check_turn(&check);
    size_t n_fuzzy = hits.n - n_exact;
    checked *v = calloc(n_fuzzy ? n_fuzzy : 1, sizeof *v);
    assert_non_null(v);
    for (size_t i = 0; i < n_fuzzy; i++) {
        const zj_hit *h = &hits.v[n_exact + i];
        assert_int_equal(zj_fuzzy_heard(rs->fuzzy, fs, &n, pinyin, hits.v, n_exact, h, &check,
                                        &v[i].heard),
                         ZJ_OK);
        const zj_pattern *src = &rs->patterns[rs->fuzzy->source[h->pattern]];
        v[i].rule = rs->rules[src->rule].id;
        v[i].start = h->start;
        v[i].end = h->end;
    }
    /* The checks changed nothing: the text checked is the turn's again. */
    if (check.ready)
        assert_memory_equal(check.text, n.text, n.len + 1);
    if (n_fuzzy > 1)
        qsort(v, n_fuzzy, sizeof *v, cmp_checked);
    zj_buf out;
    zj_buf_init(&out);
    zj_buf_puts(&out, "");
    for (size_t i = 0; i < n_fuzzy; i++)
        zj_buf_printf(&out, "%s [%u, %u) %s\n", v[i].rule, v[i].start, v[i].end,
                      v[i].heard ? "heard" : "dropped");
    assert_false(out.failed);
    zj_match_scratch_counts(fs, scans, anchored);
    free(v);
    zj_fuzzy_check_free(&check);
    free(pinyin);
    free(hits.v);
    zj_match_scratch_free(es);
    zj_match_scratch_free(fs);
    zj_norm_free(&n);
    return out.data;
}

static void expect(const zj_ruleset *rs, const char *text, const char *want)
{
    uint64_t scans, anchored;
    char *got = check_turn(rs, text, &scans, &anchored);
    if (strcmp(got, want) != 0)
        fail_msg("'%s':\nwant:\n%sgot:\n%s", text, want, got);
    free(got);
}

static void edges_lookarounds_and_overlaps(zj_backend backend)
{
    zj_ruleset *rs = load(backend);

    /* At the turn's start and end; each check reads the written text around
     * its hit: 部知道 is heard (您打 follows as written), 知道您打 after 部
     * is not (its lookbehind wants 不 as written), although the two hits
     * overlap and the first one's words were checked by sound just before. */
    expect(rs, "部知道您打", "ahead [0, 9) heard\nbehind [3, 15) dropped\n");
    /* The lookahead by sound only: 您大 is not 您打 as written (and 部 is
     * not 不 for the other). */
    expect(rs, "我部知道您大概哪天来", "ahead [3, 12) dropped\nbehind [6, 18) dropped\n");
    /* A lookbehind reading what precedes the hit: 不 as written, the hit
     * ending the turn; and the lookahead reading what follows the other. */
    expect(rs, "你说不知到您打", "ahead [6, 15) heard\nbehind [9, 21) heard\n");
    /* An exact hit at the same place: heard without a check. */
    expect(rs, "不知道您打", "ahead [0, 9) heard\nbehind [3, 15) heard\n");
    /* ^ of a lookbehind is the turn's start: the hit at byte 0 is heard,
     * the one after 号 is not (号 sounds like 好, but is not 好). */
    expect(rs, "自己去闻号自己去闻好自己去闻",
           "lead [0, 12) heard\nlead [15, 27) dropped\nlead [30, 42) heard\n");
    /* boundary: clause — the hit's segment is its clause, whose end $ is:
     * heard in the middle clause of the turn, and in the last (the
     * normalized text keeps no punctuation: its breaks cut the clauses) ... */
    expect(rs, "好的，我也部清楚，您稍等，窝也不清楚", "last [6, 21) heard\nlast [30, 45) heard\n");
    /* ... and no twin hit where the clause goes on after it. */
    expect(rs, "好的，我也部清楚您稍等", "");
    /* An earlier match of the same twin in the checked text runs over the
     * hit's start: by sound 憋 is 别, so the twins' scan finds 快块快 after
     * 憋快; as written 憋 is not 别 and the twin also matches at 快快块, but
     * the hit's words by sound with 快 before them still match: heard (a
     * rescan of the turn walked over the hit and dropped it, an all-clear
     * for 快块快). As written 别 blocks 快快块 too. */
    expect(rs, "憋快快块快", "hurry [6, 15) heard\n");
    expect(rs, "别快快块快", "hurry [6, 15) heard\n");
    /* \K: the match begins at 请 as written, before the hit it reports:
     * heard; after 青 (qing, not 请 as written) dropped. */
    expect(rs, "请稍灯一下", "reset [3, 12) heard\n");
    expect(rs, "青稍灯一下", "reset [3, 12) dropped\n");
    /* The walk of the segment passes the exact hit of 请稍等一 (the rescan
     * reported it too) to the match that begins at the second 请, or (青)
     * finds none. */
    expect(rs, "请稍等一下请稍灯一下", "reset [3, 12) heard\nreset [18, 27) heard\n");
    expect(rs, "请稍等一下青稍灯一下", "reset [3, 12) heard\nreset [18, 27) dropped\n");

    zj_rules_free(rs);
}

/* One long unpunctuated turn with a hit by sound every few characters:
 * the twins scan it once and each hit costs one anchored match. */
static void one_scan_per_turn(zj_backend backend)
{
    zj_ruleset *rs = load(backend);
    zj_buf b;
    zj_buf_init(&b);
    const size_t pairs = 400;
    for (size_t i = 0; i < pairs; i++)
        zj_buf_puts(&b, "今天小区部知道您打我们部知道您大概");
    assert_false(b.failed);
    uint64_t scans, anchored;
    char *got = check_turn(rs, b.data, &scans, &anchored);
    /* ahead and behind at each 部知道: ahead heard before 您打, dropped
     * before 您大; behind always dropped (部 is not 不). */
    size_t lines = 0, heard = 0;
    for (const char *p = got; (p = strchr(p, '\n')); p++)
        lines++;
    for (const char *p = got; (p = strstr(p, " heard\n")); p++)
        heard++;
    assert_int_equal(lines, 4 * pairs);
    assert_int_equal(heard, pairs);
    assert_true(strncmp(got, "ahead [12, 21) heard\nbehind [15, 27) dropped\n", 44) == 0);
    assert_int_equal(scans, 1);
    assert_int_equal(anchored, 4 * pairs);
    free(got);
    zj_buf_free(&b);
    zj_rules_free(rs);
}

static void pcre2_edges(void **state)
{
    (void)state;
    edges_lookarounds_and_overlaps(ZJ_BACKEND_PCRE2);
}

static void auto_edges(void **state)
{
    (void)state;
    edges_lookarounds_and_overlaps(ZJ_BACKEND_AUTO);
}

static void pcre2_one_scan(void **state)
{
    (void)state;
    one_scan_per_turn(ZJ_BACKEND_PCRE2);
}

static void auto_one_scan(void **state)
{
    (void)state;
    one_scan_per_turn(ZJ_BACKEND_AUTO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pcre2_edges),
        cmocka_unit_test(auto_edges),
        cmocka_unit_test(pcre2_one_scan),
        cmocka_unit_test(auto_one_scan),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
