/* test_call_fast.c — the specialized call parser agrees with the general
 * (jansson) path on every input it accepts, and gives up on everything the
 * general path would reject or treat differently. */
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

static void same_call(const zj_call *a, const zj_call *b, const char *input)
{
    const char *sa[] = {a->call_id,   a->agent_id,  a->agent_name, a->team,
                        a->direction, a->call_type, a->started_at};
    const char *sb[] = {b->call_id,   b->agent_id,  b->agent_name, b->team,
                        b->direction, b->call_type, b->started_at};
    for (int i = 0; i < 7; i++)
        if ((sa[i] == NULL) != (sb[i] == NULL) || (sa[i] && strcmp(sa[i], sb[i])))
            fail_msg("field %d differs on %s", i, input);
    if (a->ring_ms != b->ring_ms || a->started_at_utc_ms != b->started_at_utc_ms ||
        a->utc_offset_min != b->utc_offset_min || a->n_turns != b->n_turns)
        fail_msg("numbers differ on %s", input);
    for (size_t t = 0; t < a->n_turns; t++) {
        const zj_turn *x = &a->turns[t], *y = &b->turns[t];
        if (x->speaker != y->speaker || x->start_ms != y->start_ms || x->end_ms != y->end_ms ||
            x->text_len != y->text_len || memcmp(x->text, y->text, x->text_len))
            fail_msg("turn %zu differs on %s", t, input);
    }
}

/* Returns 1 when the fast path took the input, 0 when it gave up. */
static int check(const char *json, size_t len)
{
    bool fallback;
    zj_error err;
    zj_call *fast = zj_call_parse_fast(json, len, "x", 1, &fallback);
    zj_call *general = zj_call_parse_general(json, len, "x", 1, &err);
    if (fallback) {
        assert_null(fast);
        zj_call_free(general);
        return 0;
    }
    if (!general)
        fail_msg("fast path accepted what the general path rejects (%s): %.200s", err.msg, json);
    same_call(fast, general, json);
    zj_call_free(fast);
    zj_call_free(general);
    return 1;
}

static size_t check_file(const char *path, size_t *taken)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    char *line = NULL;
    size_t cap = 0, n = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, f)) > 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        *taken += (size_t)check(line, (size_t)len);
        n++;
    }
    free(line);
    fclose(f);
    return n;
}

static void files_agree(void **state)
{
    (void)state;
    static const char *const files[] = {
        ZJ_SOURCE_DIR "/corpus/calls/2026-11.jsonl",
        ZJ_SOURCE_DIR "/tests/cases/0001-span/calls.jsonl",
        ZJ_SOURCE_DIR "/tests/cases/0005-windows/calls.jsonl",
        ZJ_SOURCE_DIR "/tests/cases/0010-bad-input/calls.jsonl",
    };
    size_t taken = 0, total = 0;
    for (size_t i = 0; i < sizeof files / sizeof *files; i++)
        total += check_file(files[i], &taken);
    assert_true(total >= 50);
    assert_true(taken >= 45); /* the clean lines take the fast path */
}

static void edge_cases(void **state)
{
    (void)state;
    static const char *const fast_ok[] = {
        "{\"call_id\":\"a\",\"turns\":[{\"speaker\":\"agent\",\"text\":\"\"}]}",
        " {\"turns\":[{\"speaker\":\"agent\",\"text\":\"\\u4f60\\u597d\\ud83d\\udc4d\\n\\\"\"}],"
        "\"call_id\":\"b\",\"x\":{\"y\":[1,true,null,\"z\"]}} ",
        "{\"call_id\":\"c\",\"agent_id\":null,\"ring_ms\":0,\"started_at\":\"2026-11-01T00:30:00+"
        "08:00\","
        "\"turns\":[{\"speaker\":\"customer\",\"text\":\"\",\"start_ms\":5,\"end_ms\":5}]}",
        /* turns in the usual key order, with and without white space, then
         * in other orders, with extra keys or without the times */
        "{\"call_id\":\"d\",\"turns\":[{ \"speaker\" : \"agent\" , \"text\" : \"a\\\"b\" ,"
        " \"start_ms\" : null , \"end_ms\" : 5 },{\"speaker\":\"customer\",\"text\":\"c\","
        "\"start_ms\":1,\"end_ms\":2}]}",
        "{\"call_id\":\"e\",\"turns\":[{\"speaker\":\"agent\",\"text\":\"x\",\"start_ms\":1,"
        "\"end_ms\":2,\"emotion\":\"calm\"},{\"text\":\"y\",\"speaker\":\"agent\"},"
        "{\"speaker\":\"agent\",\"text\":\"z\",\"end_ms\":4,\"start_ms\":3},"
        "{\"speaker\":\"customer\",\"text\":\"w\",\"start_ms\":5}]}",
    };
    for (size_t i = 0; i < sizeof fast_ok / sizeof *fast_ok; i++)
        assert_int_equal(check(fast_ok[i], strlen(fast_ok[i])), 1);
    static const char *const give_up[] = {
        "{\"call_id\":\"a\",\"call_id\":\"b\",\"turns\":[{\"speaker\":\"agent\",\"text\":\"x\"}]}",       /* duplicate key */
        "{\"call_id\":\"a\",\"turns\":[{\"speaker\":\"agent\",\"text\":\"x\"}],\"x\":{\"k\":1,\"k\":2}}", /* nested duplicate */
        "{\"call_id\":\"a\",\"turns\":[{\"speaker\":\"bot\",\"text\":\"\"}]}",
        "{\"call_id\":\"a\",\"turns\":[{\"speaker\":\"agent\"}]}",
        "{\"call_id\":\"a\",\"turns\":[{\"speaker\":\"agent\",\"text\":\"x\",\"start_ms\":1.5}]}",
        "{\"call_id\":\"a\",\"turns\":[{\"speaker\":\"agent\",\"text\":\"\\u0000\"}]}",
        "{\"call_id\":\"a\",\"turns\":[{\"speaker\":\"agent\",\"text\":\"\\ud800\"}]}",
        "{\"call_id\":\"\xff\",\"turns\":[{\"speaker\":\"agent\",\"text\":\"x\"}]}",
        "{\"call_id\":\"a\",\"turns\":[{\"speaker\":\"agent\",\"text\":\"x\"}]} x",
        "{\"call_id\":\"a\",\"turns\":[{\"speaker\":\"agent\",\"text\":\"x\"}],}",
        "{\"call_id\":7,\"turns\":[{\"speaker\":\"agent\",\"text\":\"x\"}]}",
        "{\"call_id\":\"\",\"turns\":[{\"speaker\":\"agent\",\"text\":\"x\"}]}",
        "{\"call_id\":\"a\",\"started_at\":\"yesterday\",\"turns\":[{\"speaker\":\"agent\","
        "\"text\":\"x\"}]}",
        "{\"call_id\":\"a\",\"ring_ms\":-1,\"turns\":[{\"speaker\":\"agent\",\"text\":\"x\"}]}",
        "{\"call_id\":\"a\",\"turns\":[{\"speaker\":\"agent\",\"text\":\"x\",\"start_ms\":9,"
        "\"end_ms\":3}]}",
        "{\"call_id\":\"a\",\"turns\":[{\"speaker\":\"agent\",\"text\":\"x\"}],\"n\":0123}",
        /* the usual key order, then something the general path rejects */
        "{\"call_id\":\"a\",\"turns\":[{\"speaker\":\"agent\",\"text\":\"x\",\"start_ms\":1,"
        "\"end_ms\":2,\"speaker\":\"customer\"}]}",
        "{\"call_id\":\"a\",\"turns\":[{\"speaker\":\"agent\",\"text\":\"x\",\"start_ms\":-1,"
        "\"end_ms\":2}]}",
        "{\"call_id\":\"a\",\"turns\":[{\"speaker\":\"agent\",\"text\":\"x\",\"start_ms\":1,"
        "\"end_ms\":2]}",
        "{\"call_id\":\"a\",\"turns\":[{\"speaker\":\"agent\",\"text\":\"x\xc0\",\"start_ms\":1,"
        "\"end_ms\":2}]}",
        "{\"call_id\":\"a\",\"turns\":[{\"speaker\":\"agent\",\"text\":\"x\",\"start_ms\":1,"
        "\"end_ms\":2}",
        /* a call without turns, NUL in the speaker, times out of range */
        "{\"call_id\":\"a\",\"turns\":[]}",
        "{\"call_id\":\"a\",\"turns\":[{\"speaker\":\"agent\\u0000x\",\"text\":\"x\"}]}",
        "{\"call_id\":\"a\",\"turns\":[{\"speaker\":\"agent\",\"text\":\"x\",\"start_ms\":1,"
        "\"end_ms\":1000000000001}]}",
        "{\"call_id\":\"a\",\"ring_ms\":9223372036854775807,\"turns\":[{\"speaker\":\"agent\","
        "\"text\":\"x\"}]}",
        "[1]",
        "",
    };
    for (size_t i = 0; i < sizeof give_up / sizeof *give_up; i++)
        if (check(give_up[i], strlen(give_up[i])) != 0)
            fail_msg("fast path should give up on: %s", give_up[i]);
}

/* Mutations (bit flips, cuts, inserted quotes, brackets, NULs and lead
 * bytes, duplicated and deleted slices) of corpus lines, written with white
 * space, and of compact lines: whatever the fast path takes, the general
 * path takes too and builds the same call. Near-misses of the usual turn
 * shape are where the literal path could go wrong. */
static void mutations_agree(void **state)
{
    (void)state;
    FILE *f = fopen(ZJ_SOURCE_DIR "/corpus/calls/2026-11.jsonl", "rb");
    assert_non_null(f);
    char *seeds[48];
    size_t lens[48], n_seeds = 0, cap = 0;
    char *line = NULL;
    ssize_t len;
    while (n_seeds < 46 && (len = getline(&line, &cap, f)) > 0) {
        while (len > 0 && line[len - 1] == '\n')
            len--;
        seeds[n_seeds] = strndup(line, (size_t)len);
        lens[n_seeds++] = (size_t)len;
    }
    free(line);
    fclose(f);
    static const char *const compact[] = {
        "{\"call_id\":\"G1\",\"agent_id\":\"A04\",\"turns\":[{\"speaker\":\"agent\",\"text\":"
        "\"下午好，华润物业客服中心，我姓王，请问有什么可以帮助您？\","
        "\"start_ms\":0,\"end_ms\":6960},"
        "{\"speaker\":\"customer\",\"text\":\"停水了也没有通知，3号楼什么时候能来水？\","
        "\"start_ms\":7312,\"end_ms\":11879}]}",
        "{\"call_id\":\"G2\",\"turns\":[{\"speaker\":\"agent\",\"text\":\"a\\\"b\\u4f60\","
        "\"start_ms\":null,\"end_ms\":null}]}",
    };
    for (size_t i = 0; i < 2; i++) {
        seeds[n_seeds] = strdup(compact[i]);
        lens[n_seeds++] = strlen(compact[i]);
    }
    size_t taken = 0;
    for (int round = 0; round < 20000; round++) {
        size_t k = (size_t)(rnd() % n_seeds), n;
        char *m = mutate(seeds[k], lens[k], &n);
        taken += (size_t)check(m, n);
        free(m);
    }
    /* 625 of the 20,000 keep a call the fast path takes (the rest break the
     * JSON or a field): enough to exercise acceptance, checked here. */
    assert_true(taken > 300);
    for (size_t i = 0; i < n_seeds; i++)
        free(seeds[i]);
}

/* Whole-string UTF-8 validity by the byte-wise decoder. */
static bool utf8_valid(const char *s, size_t n)
{
    uint32_t cp;
    for (size_t i = 0, k; i < n; i += k)
        if (!(k = zj_utf8_decode((const unsigned char *)s + i, n - i, &cp)))
            return false;
    return true;
}

/* The fast path validates UTF-8 while it scans for the closing quote, with
 * a shortcut for three-byte characters: each valid and invalid sequence, at
 * every offset among ASCII or Chinese text, with records cut short inside
 * the string, in call_id and in turn text, must be judged as the byte-wise
 * decoder and the general path judge it. */
/* Escapes, quotes and control characters at every offset of strings long
 * enough for the block-wise scan, in ASCII and in Chinese text. */
static void specials_at_every_offset(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        int fast; /* 1: the fast path takes it, 0: it gives up */
    } specials[] = {
        {"\\\"", 1}, {"\\\\", 1}, {"\\n", 1},  {"\\u4f60", 1}, {"\x7f", 1}, {"~", 1},
        {" ", 1},    {"\x01", 0}, {"\x1f", 0}, {"\t", 0},      {"\\x", 0},  {"\\u00g", 0},
    };
    static const char *const fillers[] = {"a", "\xe4\xbd\xa0", "\xef\xbc\x8c"};
    char text[128], json[320];
    for (size_t k = 0; k < sizeof specials / sizeof *specials; k++)
        for (size_t f = 0; f < 3; f++)
            for (size_t at = 0; at < 40; at++) {
                size_t n = 0, fl = strlen(fillers[f]);
                while (n + fl <= at)
                    n += (size_t)sprintf(text + n, "%s", fillers[f]);
                n += (size_t)sprintf(text + n, "%s", specials[k].s);
                for (int t = 0; t < 20; t++)
                    n += (size_t)sprintf(text + n, "%s", fillers[(f + 1) % 3]);
                int len = snprintf(json, sizeof json,
                                   "{\"call_id\":\"x\",\"turns\":[{\"speaker\":\"agent\","
                                   "\"text\":\"%s\"}]}",
                                   text);
                if (check(json, (size_t)len) != specials[k].fast)
                    fail_msg("special %zu after %zu bytes of filler %zu: fast path %s", k, at, f,
                             specials[k].fast ? "gave up" : "took it");
            }
}

static void utf8_at_every_offset(void **state)
{
    (void)state;
    static const char *const seqs[] = {
        "\xe4\xbd\xa0",     "\xc3\xa9",     "\xf0\x9f\x91\x8d", "\xef\xbc\x8c",
        "\xe0\xa0\x80",     "\xed\x9f\xbf", "\xf4\x8f\xbf\xbf", "\xee\x80\x80", /* valid */
        "\xc0\xaf",         "\xc1\xbf",     "\xe0\x9f\xbf",     "\xed\xa0\x80",
        "\xf0\x8f\xbf\xbf", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xff",
        "\x80",             "\xbf\xbf",     "\xe4\xbd",         "\xe4",
        "\xf0\x9f\x91",     "\xc3",         "\xe4\xbd\xa0\xa0", "\xc3\xa9\x80", /* invalid */
    };
    static const char *const fillers[] = {"a", "\xe4\xbd\xa0"};
    char text[96], json[256];
    for (size_t q = 0; q < sizeof seqs / sizeof *seqs; q++)
        for (size_t f = 0; f < 2; f++)
            for (size_t at = 0; at < 36; at++)
                for (size_t tail = 0; tail < 20; tail += 3) {
                    size_t n = 0, fl = strlen(fillers[f]);
                    while (n + fl <= at)
                        n += (size_t)sprintf(text + n, "%s", fillers[f]);
                    while (n < at)
                        text[n++] = 'b';
                    n += (size_t)sprintf(text + n, "%s", seqs[q]);
                    for (size_t t = 0; t < tail; t++)
                        text[n++] = (char)(t % 2 ? 'c' : ' ');
                    text[n] = '\0';
                    bool valid = utf8_valid(text, n);
                    int len = snprintf(json, sizeof json,
                                       "{\"call_id\":\"%s\",\"turns\":[{\"speaker\":\"agent\","
                                       "\"text\":\"%s\"}]}",
                                       text, text);
                    if (check(json, (size_t)len) != (valid ? 1 : 0))
                        fail_msg("seq %zu at %zu tail %zu: fast path %s", q, at, tail,
                                 valid ? "gave up on valid text" : "took invalid text");
                    /* The string cut short: the record ends inside it. */
                    for (int cut = len - 1; cut > len - 24 && cut > 0; cut--)
                        if (check(json, (size_t)cut) != 0)
                            fail_msg("seq %zu at %zu: fast path took a cut record", q, at);
                }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(files_agree),
        cmocka_unit_test(edge_cases),
        cmocka_unit_test(utf8_at_every_offset),
        cmocka_unit_test(specials_at_every_offset),
        cmocka_unit_test(mutations_agree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
