/* test_model.c — the clause classifier of `model:` rules (engine/model.c):
 * the log-odds are the bias plus the weight of every n-gram occurrence of
 * the clause with its edges (and, in a model that has them, of its
 * neighbours' bigrams), clauses are cut at clause ends, and a file
 * that is not a model is refused with its line. Weights are binary
 * fractions, so sums compare exactly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

static char *write_model(const char *text)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/zj-test-model-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static zj_model *load(const char *text, zj_error *err)
{
    char *path = write_model(text);
    zj_error_clear(err);
    zj_model *m = zj_model_load(path, err);
    unlink(path);
    return m;
}

static double logit_of(const zj_model *m, const char *s)
{
    return zj_model_logit(m, s, strlen(s));
}

static void sums_every_ngram_occurrence(void **state)
{
    (void)state;
    zj_error err;
    zj_model *m = load("# weights of a test\n"
                       "zhijian-model 1\n"
                       "bias -2.5\n"
                       "1.5\t不管\n"
                       "0.25\t^你\n"
                       "0.125\t管$\n"
                       "0.5\t你\n"
                       "-1\t^\n"
                       "0.0625\t你不管\n",
                       &err);
    assert_non_null(m);
    /* ^ -1, 你 0.5, ^你 0.25, 不管 1.5, 你不管 0.0625, 管$ 0.125 */
    assert_true(logit_of(m, "你不管") == -2.5 - 1 + 0.5 + 0.25 + 1.5 + 0.0625 + 0.125);
    /* 不管 twice, 你 once but not at the start */
    assert_true(logit_of(m, "不管你不管") == -2.5 - 1 + 1.5 * 2 + 0.5 + 0.0625 + 0.125);
    assert_true(logit_of(m, "") == -2.5 - 1);
    /* A literal ^ or $ in the text is no edge. */
    assert_true(logit_of(m, "^你") == -2.5 - 1 + 0.5);
    zj_model_free(m);
}

static void hits_are_clauses(void **state)
{
    (void)state;
    zj_error err;
    zj_model *m = load("zhijian-model 1\nbias -1\n2\t不管\n", &err);
    assert_non_null(m);
    zj_norm n;
    zj_norm_init(&n);
    const char *text = "你好，我们不管。管，不管了吧";
    assert_int_equal(zj_norm_text(&n, text, strlen(text)), ZJ_OK);
    zj_hits hits = {0};
    assert_int_equal(zj_model_hits(m, 0.5, &n, 7, &hits), ZJ_OK);
    /* 你好 and 管 (fewer than four characters: not scored), 我们不管 1, 不管了吧 1 */
    assert_int_equal(hits.n, 2);
    assert_int_equal(hits.v[0].pattern, 7);
    assert_int_equal(hits.v[0].start, strlen("你好"));
    assert_int_equal(hits.v[0].end, strlen("你好我们不管"));
    assert_int_equal(hits.v[1].start, strlen("你好我们不管管"));
    assert_int_equal(hits.v[1].end - hits.v[1].start, strlen("不管了吧"));
    assert_int_equal(hits.v[1].end, n.len);
    assert_int_equal(n.orig_start[hits.v[1].start], 10);
    free(hits.v);
    zj_norm_free(&n);
    zj_model_free(m);
}

/* A model with neighbour lines weighs each clause's neighbours in the turn:
 * the bigrams of the clause before and after, ^ where there is none. */
static void weighs_the_neighbours(void **state)
{
    (void)state;
    zj_error err;
    zj_model *m = load("zhijian-model 1\n"
                       "bias -2\n"
                       "1\t管\n"
                       "0.5\tprev\t^\n"
                       "0.25\tprev\t不管\n"
                       "0.125\tnext\t^\n"
                       "-0.75\tnext\t自己\n"
                       "4\tnext\t自己看\n", /* three characters: refused below */
                       &err);
    assert_null(m);
    assert_int_equal(err.line, 8);
    assert_non_null(strstr(err.msg, "a neighbour's feature is ^ or two characters"));
    m = load("zhijian-model 1\n"
             "bias -2\n"
             "1\t管\n"
             "0.5\tprev\t^\n"
             "0.25\tprev\t不管\n"
             "0.125\tnext\t^\n"
             "-0.75\tnext\t自己\n",
             &err);
    assert_non_null(m);
    zj_norm n;
    zj_norm_init(&n);
    const char *text = "我们不管，您自己看着办。好";
    assert_int_equal(zj_norm_text(&n, text, strlen(text)), ZJ_OK);
    zj_clause_walk w;
    zj_clause_walk_init(&w, &n);
    assert_true(zj_clause_walk_next(&w, &n));
    /* 我们不管: 管 1, no clause before 0.5, 自己 in the clause after -0.75 */
    assert_int_equal(w.b - w.a, strlen("我们不管"));
    assert_true(zj_model_clause_logit(m, &n, &w) == -2 + 1 + 0.5 - 0.75);
    assert_true(zj_clause_walk_next(&w, &n));
    /* 您自己看着办: 不管 in the clause before 0.25, none after (好 is too
     * short to be scored, and so to be a neighbour) 0.125 */
    assert_int_equal(w.b - w.a, strlen("您自己看着办"));
    assert_true(zj_model_clause_logit(m, &n, &w) == -2 + 0.25 + 0.125);
    assert_false(zj_clause_walk_next(&w, &n));
    /* The same clause's own n-grams, without its neighbours. */
    assert_true(zj_model_logit(m, "我们不管", strlen("我们不管")) == -1);
    zj_hits hits = {0};
    assert_int_equal(zj_model_hits(m, -1.5, &n, 3, &hits), ZJ_OK);
    assert_int_equal(hits.n, 1); /* -1.25 reaches -1.5, -1.625 does not */
    assert_int_equal(hits.v[0].start, 0);
    free(hits.v);
    zj_norm_free(&n);
    zj_model_free(m);
}

static void refuses_what_is_not_a_model(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        long line;
        const char *msg;
    } bad[] = {
        {"", 0, "empty file, not a zhijian model"},
        {"# a comment\n\n", 2, "only comments and blank lines, not a zhijian model"},
        {"zhijian-model 2\nbias 0\n", 1, "not a zhijian model"},
        {"zhijian-model 1\n1\t你\n", 2, "no 'bias' line"},
        {"zhijian-model 1\nbias x\n", 2, "bad bias"},
        {"zhijian-model 1\nbias 0\nbias 1\n", 3, "a second 'bias' line"},
        {"zhijian-model 1\nbias 0\n1\t你\n2\t你\n", 4, "n-gram '你' listed twice"},
        /* The first error in file order, whichever kind comes after it. */
        {"zhijian-model 1\nbias 0\n1\t你\n2\t你\n3\t你好吗呢\n", 4, "n-gram '你' listed twice"},
        {"zhijian-model 1\nbias 0\n1\t你\n2\t你\nbias 1\n", 4, "n-gram '你' listed twice"},
        {"zhijian-model 1\nbias 0\n1\t你\n1\tAB\n2\t你\n", 4, "an n-gram is one to three"},
        /* Lines go into the table in batches: a repeat across them, then an
         * error in the next batch. */
        {"zhijian-model 1\nbias 0\n1\t一\n1\t二\n1\t三\n1\t四\n1\t五\n1\t六\n1\t七\n1\t八\n"
         "1\t九\n1\t十\n1\t百\n1\t千\n1\t万\n1\t亿\n1\t零\n1\t两\n1\t半\n1\t几\n1\t三\n"
         "1\tAB\n",
         21, "n-gram '三' listed twice"},
        {"zhijian-model 1\nbias 0\n1 你\n", 3, "expected a weight, a tab and an n-gram"},
        {"zhijian-model 1\nbias 0\nnan\t你\n", 3, "expected a weight, a tab and an n-gram"},
        {"zhijian-model 1\nbias 0\n1\t你好吗呢\n", 3, "an n-gram is one to three characters"},
        {"zhijian-model 1\nbias 0\n1\t\n", 3, "an n-gram is one to three characters"},
        /* What normalized clause text never holds: the weight would never count. */
        {"zhijian-model 1\nbias 0\n1\t急什 \n", 3, "an n-gram is one to three characters"},
        {"zhijian-model 1\nbias 0\n1\tAB\n", 3, "an n-gram is one to three characters"},
        {"zhijian-model 1\nbias 0\n1\t急，\n", 3, "an n-gram is one to three characters"},
        {"zhijian-model 1\nbias 0\n0x10\t急\n", 3, "expected a weight, a tab and an n-gram"},
        {"zhijian-model 1\nbias 0\n1\tprev\t^你\n", 3, "a neighbour's feature is ^"},
        {"zhijian-model 1\nbias 0\n1\tnext\t你\n", 3, "a neighbour's feature is ^"},
        {"zhijian-model 1\nbias 0\n1\tnext\t你，\n", 3, "a neighbour's feature is ^"},
        {"zhijian-model 1\nbias 0\n1\tprev\t$你\n", 3, "a neighbour's feature is ^"},
    };
    if (zj_t2s_available()) { /* a Traditional form: normalized text is Simplified */
        zj_error err;
        assert_null(load("zhijian-model 1\nbias 0\n1\t麼\n", &err));
        assert_int_equal(err.line, 3);
    }
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        zj_error err;
        zj_model *m = load(bad[i].text, &err);
        assert_null(m);
        assert_int_equal(err.status, ZJ_ERR_PARSE);
        assert_int_equal(err.line, bad[i].line);
        if (!strstr(err.msg, bad[i].msg))
            fail_msg("case %zu: '%s' lacks '%s'", i, err.msg, bad[i].msg);
    }
}

static void last_line_without_newline(void **state)
{
    (void)state;
    zj_error err;
    zj_model *m = load("zhijian-model 1\r\nbias -1\r\n2\t不管", &err);
    assert_non_null(m);
    assert_true(logit_of(m, "不管") == 1);
    zj_model_free(m);
}

static void same_file_same_identity(void **state)
{
    (void)state;
    zj_error err;
    zj_model *a = load("zhijian-model 1\nbias -1\n2\t不管\n", &err);
    zj_model *b = load("zhijian-model 1\nbias -1\n2\t不管\n", &err);
    zj_model *c = load("zhijian-model 1\nbias -1\n3\t不管\n", &err);
    assert_non_null(a);
    assert_non_null(b);
    assert_non_null(c);
    assert_string_equal(zj_model_sha256(a), zj_model_sha256(b));
    assert_string_not_equal(zj_model_sha256(a), zj_model_sha256(c));
    zj_model_free(a);
    zj_model_free(b);
    zj_model_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sums_every_ngram_occurrence),
        cmocka_unit_test(hits_are_clauses),
        cmocka_unit_test(weighs_the_neighbours),
        cmocka_unit_test(refuses_what_is_not_a_model),
        cmocka_unit_test(last_line_without_newline),
        cmocka_unit_test(same_file_same_identity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
