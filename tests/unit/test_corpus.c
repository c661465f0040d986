/* test_corpus.c — scores corpus/calls/ (2026-11.jsonl and
 * 2026-11-conversation.jsonl) with the bundled rule set and
 * compares every call with corpus/labels.json exactly: the forbidden hits
 * (turn, words, rule), the scored required rules that are missing, the scored
 * metric findings (turn, rule, measured value), the scored rules that are not
 * measurable, the score, the verdict and fatal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zhijian.h"

#define RULES ZJ_SOURCE_DIR "/rules/property-service.yaml"
#define CALLS ZJ_SOURCE_DIR "/corpus/calls/2026-11.jsonl"
#define CONVERSATION_CALLS ZJ_SOURCE_DIR "/corpus/calls/2026-11-conversation.jsonl"
#define LABELS ZJ_SOURCE_DIR "/corpus/labels.json"

/* One finding as a comparable line. */
static void describe_hit(char *out, size_t size, long turn, const char *text, const char *rule)
{
    snprintf(out, size, "turn %ld '%s' %s", turn, text, rule);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted, newline-joined list. */
static void join_sorted(char **items, size_t n, char *out, size_t size)
{
    qsort(items, n, sizeof *items, cmp_str);
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        strncat(out, items[i], size - strlen(out) - 1);
        strncat(out, "\n", size - strlen(out) - 1);
    }
}

static size_t compare_call(const zj_ruleset *rs, const zj_call *call, const zj_result *res,
                           json_t *label)
{
    char *got[64], *want[64];
    size_t n_got = 0, n_want = 0;
    char buf[256];
    for (size_t i = 0; i < res->n_findings && n_got < 60; i++) {
        const zj_finding *f = &res->findings[i];
        zj_rule_info info;
        zj_rules_info(rs, f->rule, &info);
        if (info.kind == ZJ_KIND_FORBIDDEN && f->outcome == ZJ_OUT_HIT) {
            describe_hit(buf, sizeof buf, f->turn, f->text, info.id);
            got[n_got++] = strdup(buf);
        } else if (f->outcome == ZJ_OUT_MISSING && f->points < 0) {
            snprintf(buf, sizeof buf, "missing %s", info.id);
            got[n_got++] = strdup(buf);
        } else if (info.kind == ZJ_KIND_METRIC && f->points < 0) {
            snprintf(buf, sizeof buf, "metric turn %ld %s %lld", f->turn, info.id,
                     (long long)f->value);
            got[n_got++] = strdup(buf);
        } else if (f->outcome == ZJ_OUT_NOT_MEASURABLE && info.points > 0) {
            snprintf(buf, sizeof buf, "not_measurable %s", info.id);
            got[n_got++] = strdup(buf);
        }
    }
    json_t *item;
    size_t idx;
    json_array_foreach(json_object_get(label, "forbidden"), idx, item)
    {
        describe_hit(buf, sizeof buf, (long)json_integer_value(json_object_get(item, "turn")),
                     json_string_value(json_object_get(item, "text")),
                     json_string_value(json_object_get(item, "rule")));
        want[n_want++] = strdup(buf);
    }
    json_array_foreach(json_object_get(label, "missing"), idx, item)
    {
        snprintf(buf, sizeof buf, "missing %s", json_string_value(item));
        want[n_want++] = strdup(buf);
    }
    json_array_foreach(json_object_get(label, "metrics"), idx, item)
    {
        snprintf(buf, sizeof buf, "metric turn %lld %s %lld",
                 (long long)json_integer_value(json_object_get(item, "turn")),
                 json_string_value(json_object_get(item, "rule")),
                 (long long)json_integer_value(json_object_get(item, "value")));
        want[n_want++] = strdup(buf);
    }
    json_array_foreach(json_object_get(label, "not_measurable"), idx, item)
    {
        snprintf(buf, sizeof buf, "not_measurable %s", json_string_value(item));
        want[n_want++] = strdup(buf);
    }
    snprintf(buf, sizeof buf, "score %d passed %d fatal %d", res->score, res->passed, res->fatal);
    got[n_got++] = strdup(buf);
    snprintf(buf, sizeof buf, "score %lld passed %d fatal %d",
             (long long)json_integer_value(json_object_get(label, "score")),
             json_is_true(json_object_get(label, "passed")),
             json_is_true(json_object_get(label, "fatal")));
    want[n_want++] = strdup(buf);

    char g[8192], w[8192];
    join_sorted(got, n_got, g, sizeof g);
    join_sorted(want, n_want, w, sizeof w);
    size_t bad = strcmp(g, w) != 0;
    if (bad)
        printf("%s differs from its label\n--- label:\n%s--- zhijian:\n%s", call->call_id, w, g);
    for (size_t i = 0; i < n_got; i++)
        free(got[i]);
    for (size_t i = 0; i < n_want; i++)
        free(want[i]);
    return bad;
}

static void corpus_matches_labels(void **state)
{
    (void)state;
    zj_error err;
    /* the bundled standard, compiled once for the unit tests (ZJ_TEST_CACHE_DIR) */
    zj_ruleset *rs = zj_rules_load(RULES, &(zj_load_opts){.cache_dir = ZJ_TEST_CACHE_DIR}, &err);
    assert_non_null(rs);
    json_error_t jerr;
    json_t *labels = json_load_file(LABELS, 0, &jerr);
    assert_non_null(labels);
    zj_scorer *scorer = zj_scorer_new(rs, &err);
    size_t calls = 0, mismatches = 0;
    const char *const files[] = {CALLS, CONVERSATION_CALLS};
    for (size_t file = 0; file < 2; file++) {
        zj_reader *reader = zj_reader_open(files[file], 0, &err);
        assert_non_null(reader);
        zj_call *call;
        zj_status st;
        while ((st = zj_reader_next(reader, &call, &err)) != ZJ_DONE) {
            assert_int_equal(st, ZJ_OK);
            json_t *label = json_object_get(labels, call->call_id);
            if (!label) {
                printf("%s has no label\n", call->call_id);
                mismatches++;
            } else {
                zj_result res;
                assert_int_equal(zj_score_call(scorer, call, &res, &err), ZJ_OK);
                mismatches += compare_call(rs, call, &res, label);
                zj_result_free(&res);
            }
            calls++;
            zj_call_free(call);
        }
        zj_reader_close(reader);
    }
    assert_int_equal(calls, json_object_size(labels));
    assert_true(calls >= 49);
    assert_int_equal(mismatches, 0);
    zj_scorer_free(scorer);
    json_decref(labels);
    zj_rules_free(rs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(corpus_matches_labels)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
