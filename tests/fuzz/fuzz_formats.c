/* fuzz_formats.c — libFuzzer entry point for the input format adapters:
 * the bytes go through the encoding check, format detection and every
 * adapter's parse (engine/ingest_*.c), and each call produced through the
 * role decision and the scorer with the bundled rule set of the source tree
 * (or $ZHIJIAN_RULES), matched by PCRE2: the parsers and the scoring path
 * are what this target explores, the matchers have fuzz_match, and
 * compiling the bundled standard's Hyperscan database under the fuzzer's
 * instrumentation took a minute of every run. Build and run: tools/fuzz. */
#include "fuzz.h"

#include "internal.h"

#ifndef ZJ_SOURCE_DIR
#error "ZJ_SOURCE_DIR must name the source tree (the bundled rule set)"
#endif

static zj_ruleset *rules;
static zj_scorer *scorer;

/* At the first input (the replay runner of ctest has no initialize hook). */
static void init(void)
{
    const char *path = getenv("ZHIJIAN_RULES");
    zj_error err;
    zj_load_opts o = {.backend = ZJ_BACKEND_PCRE2};
    rules = zj_rules_load(path ? path : ZJ_SOURCE_DIR "/rules/property-service.yaml", &o, &err);
    FUZZ_CHECK(rules != NULL, "the rule set does not load: %s", err.msg);
    scorer = zj_scorer_new(rules, &err);
    FUZZ_CHECK(scorer != NULL, "no scorer: %s", err.msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!scorer)
        init();
    zj_error err;
    char *text;
    size_t len;
    if (zj_encoding_utf8("fuzz", NULL, (const char *)data, size, &text, &len, &err) != ZJ_OK)
        return 0;
    zj_ingest_detect(text, len, "fuzz", &err);
    for (size_t i = 0; zj_ingest_table[i]; i++) {
        zj_ingest_out out = {.source = "fuzz", .default_id = "fuzz"};
        zj_ingest_parse(zj_ingest_table[i], text, len, &out);
        for (size_t k = 0; k < out.n; k++) {
            zj_call *c = out.v[k].call;
            if (!c) {
                if (!out.v[k].error->msg[0])
                    abort(); /* a rejection must say why */
                continue;
            }
            zj_ingest_opts opts = {.agent_channel = -1};
            if (zj_ingest_finish(scorer, rules, &opts, c, &err) == ZJ_OK) {
                zj_result res;
                if (zj_score_call(scorer, c, &res, &err) == ZJ_OK)
                    zj_result_free(&res);
            }
        }
        zj_ingest_out_free(&out);
    }
    zj_csv csv;
    if (zj_csv_parse(text, len, "fuzz", &csv, &err))
        zj_csv_free(&csv);
    free(text);
    return 0;
}
