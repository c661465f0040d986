/* test_fuzz_formats.c — deterministic mutation fuzzing (test_fuzz.c's
 * mutator) of every input format adapter over the samples of corpus/formats/
 * and the malformed inputs of tests/formats/bad/: each mutated file goes
 * through detection, every adapter's parse, the role decision and the
 * scorer, and the CSV and encoding helpers. Every input must give calls or
 * clean errors (a message each) — never a crash, a leak or undefined
 * behaviour (run under ASan/UBSan in CI). tests/fuzz/fuzz_formats.c is the
 * libFuzzer entry point over the same path. */
#include <dirent.h>
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
#include "mutate.h"

#ifndef ZJ_FUZZ_FORMAT_ROUNDS
#define ZJ_FUZZ_FORMAT_ROUNDS 3000
#endif

#define MAX_SEEDS 64

static char *seeds[MAX_SEEDS];
static size_t seed_len[MAX_SEEDS], n_seeds;

static void load_dir(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)) && n_seeds < MAX_SEEDS) {
        if (e->d_name[0] == '.')
            continue;
        char path[600];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "rb");
        if (!f)
            continue;
        fseek(f, 0, SEEK_END);
        long n = ftell(f);
        fseek(f, 0, SEEK_SET);
        char *buf = malloc((size_t)n + 1);
        assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
        fclose(f);
        buf[n] = '\0';
        seeds[n_seeds] = buf;
        seed_len[n_seeds++] = (size_t)n;
    }
    closedir(d);
}

/* Every adapter on the bytes; calls are completed and scored. Returns the
 * number of calls produced. */
static size_t run_all(const char *bytes, size_t n, zj_scorer *sc, const zj_ruleset *rs)
{
    zj_error err;
    char *text;
    size_t len, calls = 0;
    if (zj_encoding_utf8("fuzz", NULL, bytes, n, &text, &len, &err) != ZJ_OK) {
        assert_true(err.msg[0] != '\0');
        return 0;
    }
    zj_error_clear(&err);
    const zj_ingest_ops *picked = zj_ingest_detect(text, len, "fuzz", &err);
    if (!picked)
        assert_true(err.msg[0] != '\0');
    for (size_t i = 0; zj_ingest_table[i]; i++) {
        zj_ingest_out out = {.source = "fuzz", .default_id = "fuzz"};
        zj_ingest_parse(zj_ingest_table[i], text, len, &out);
        for (size_t k = 0; k < out.n; k++) {
            if (out.v[k].error) {
                assert_true(out.v[k].error->msg[0] != '\0');
                continue;
            }
            zj_call *c = out.v[k].call;
            calls++;
            zj_error_clear(&err);
            zj_ingest_opts opts = {.agent_channel = -1};
            if (zj_ingest_finish(sc, rs, &opts, c, &err) == ZJ_OK) {
                zj_result res;
                if (zj_score_call(sc, c, &res, &err) == ZJ_OK)
                    zj_result_free(&res);
            } else {
                assert_true(err.msg[0] != '\0');
            }
        }
        zj_ingest_out_free(&out);
    }
    zj_csv csv;
    if (zj_csv_parse(text, len, "fuzz", &csv, &err))
        zj_csv_free(&csv);
    free(text);
    return calls;
}

static void fuzz_format_adapters(void **state)
{
    (void)state;
    load_dir(ZJ_SOURCE_DIR "/corpus/formats");
    load_dir(ZJ_SOURCE_DIR "/tests/formats/bad");
    assert_true(n_seeds >= 30);
    zj_error err;
    zj_ruleset *rs = zj_rules_load(ZJ_SOURCE_DIR "/rules/property-service.yaml",
                                   &(zj_load_opts){.cache_dir = ZJ_TEST_CACHE_DIR}, &err);
    assert_non_null(rs);
    zj_scorer *sc = zj_scorer_new(rs, &err);
    size_t calls = 0;
    for (size_t i = 0; i < n_seeds; i++)
        calls += run_all(seeds[i], seed_len[i], sc, rs);
    assert_true(calls >= 15); /* the samples themselves parse */
    for (int r = 0; r < ZJ_FUZZ_FORMAT_ROUNDS; r++) {
        size_t k = (size_t)(rnd() % n_seeds), n;
        char *m = mutate(seeds[k], seed_len[k], &n);
        run_all(m, n, sc, rs);
        free(m);
    }
    zj_scorer_free(sc);
    zj_rules_free(rs);
    for (size_t i = 0; i < n_seeds; i++)
        free(seeds[i]);
}

static void fuzz_meta_table(void **state)
{
    (void)state;
    const char *seed = "file,agent_id,agent_name,team,started_at,ring_ms,agent_channel\n"
                       "a.json,A1,\"王, 芳\",报修组,2026-11-01 09:00:00+08:00,4000,1\n"
                       "b.json,A2,,,,,\n";
    char path[] = "/tmp/zj_fuzz_meta_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    for (int r = 0; r < 500; r++) {
        size_t n;
        char *m = mutate(seed, strlen(seed), &n);
        FILE *f = fopen(path, "wb");
        fwrite(m, 1, n, f);
        fclose(f);
        zj_error err;
        zj_error_clear(&err);
        zj_meta_table *t = zj_meta_table_load(path, NULL, &err);
        if (!t)
            assert_true(err.msg[0] != '\0');
        zj_meta_table_free(t);
        free(m);
    }
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fuzz_format_adapters),
        cmocka_unit_test(fuzz_meta_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
