/* test_fuzz.c — a few seconds of deterministic mutation fuzzing (bit flips,
 * truncation, byte insertion, splicing) of the input parsers, the rule loader
 * and the scorer, run under ASan/UBSan in CI. Every input must give a call or
 * a clean error — never a crash, a leak or undefined behaviour. For longer
 * runs, raise ZJ_FUZZ_ROUNDS at build time or use libFuzzer on the same
 * entry points. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "mutate.h"

#ifndef ZJ_FUZZ_ROUNDS
#define ZJ_FUZZ_ROUNDS 30000
#endif

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    buf[n] = '\0';
    *len = (size_t)n;
    return buf;
}

static void fuzz_call_parser_and_scorer(void **state_ptr)
{
    (void)state_ptr;
    size_t len;
    char *corpus = read_all(ZJ_SOURCE_DIR "/corpus/calls/2026-11.jsonl", &len);
    zj_error err;
    zj_ruleset *rs = zj_rules_load(ZJ_SOURCE_DIR "/rules/property-service.yaml",
                                   &(zj_load_opts){.cache_dir = ZJ_TEST_CACHE_DIR}, &err);
    assert_non_null(rs);
    zj_scorer *sc = zj_scorer_new(rs, &err);
    /* Lines of the corpus as seeds. */
    const char *lines[64];
    size_t lens[64], n_lines = 0;
    for (char *p = corpus; p < corpus + len && n_lines < 64;) {
        char *nl = memchr(p, '\n', (size_t)(corpus + len - p));
        lines[n_lines] = p;
        lens[n_lines++] = nl ? (size_t)(nl - p) : (size_t)(corpus + len - p);
        p = nl ? nl + 1 : corpus + len;
    }
    size_t parsed = 0;
    for (int i = 0; i < ZJ_FUZZ_ROUNDS; i++) {
        size_t k = (size_t)(rnd() % n_lines), n;
        char *m = mutate(lines[k], lens[k], &n);
        zj_error_clear(&err);
        zj_call *call = zj_call_parse_json(m, n, "fuzz", 1, &err);
        if (call) {
            parsed++;
            zj_result res;
            if (zj_score_call(sc, call, &res, &err) == ZJ_OK)
                zj_result_free(&res);
            zj_call_free(call);
        } else {
            assert_true(err.msg[0] != '\0'); /* every rejection says why */
        }
        free(m);
    }
    assert_true(parsed > 0); /* mutations that keep the call valid were scored */
    zj_scorer_free(sc);
    zj_rules_free(rs);
    free(corpus);
}

static void fuzz_rule_loader(void **state_ptr)
{
    (void)state_ptr;
    size_t len;
    char *yaml = read_all(ZJ_SOURCE_DIR "/rules/property-service.yaml", &len);
    /* Fuzz a slice so each round is cheap: the header and the first rules. */
    size_t slice = len < 6000 ? len : 6000;
    zj_load_opts opts = {.backend = ZJ_BACKEND_PCRE2};
    size_t loaded = 0;
    for (int i = 0; i < ZJ_FUZZ_ROUNDS / 8; i++) {
        size_t n;
        char *m = mutate(yaml, slice, &n);
        zj_error err;
        zj_error_clear(&err);
        zj_ruleset *rs = zj_rules_load_buffer(m, n, "fuzz.yaml", &opts, &err);
        if (rs) {
            loaded++;
            zj_rules_free(rs);
        } else {
            assert_true(err.msg[0] != '\0');
        }
        free(m);
    }
    (void)loaded;
    free(yaml);
}

static void fuzz_normalizer(void **state_ptr)
{
    (void)state_ptr;
    zj_norm n;
    zj_norm_init(&n);
    static const char seed[] = "您好 , 请 稍 等 。ＡＢＣ①e\xCC\x81👍𠀀喂？急什么！";
    for (int i = 0; i < ZJ_FUZZ_ROUNDS; i++) {
        size_t len;
        char *m = mutate(seed, sizeof seed - 1, &len);
        zj_status st = zj_norm_text(&n, m, len);
        assert_int_equal(st, zj_utf8_valid(m, len) ? ZJ_OK : ZJ_ERR_UTF8);
        if (st == ZJ_OK)
            for (size_t b = 0; b < n.len; b++)
                assert_true(n.orig_start[b] < n.orig_end[b] && n.orig_end[b] <= n.orig_cps);
        free(m);
    }
    zj_norm_free(&n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fuzz_call_parser_and_scorer),
        cmocka_unit_test(fuzz_rule_loader),
        cmocka_unit_test(fuzz_normalizer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
