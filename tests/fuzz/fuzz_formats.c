/* fuzz_formats.c — libFuzzer entry point for the input format adapters:
 * the bytes go through the encoding check, format detection and every
 * adapter's parse (engine/ingest_*.c), and each call produced through the
 * role decision and the scorer with the bundled rule set (found through
 * $ZHIJIAN_RULES or the source tree). Build:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iengine \
 *     tests/fuzz/fuzz_formats.c build-fuzz/libzhijian_engine.a $(pkg-config --libs ...)
 * and run with corpus/formats/ as the seed corpus. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#ifndef ZJ_SOURCE_RULES_DIR
#define ZJ_SOURCE_RULES_DIR "rules"
#endif

static zj_ruleset *rules;
static zj_scorer *scorer;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *path = getenv("ZHIJIAN_RULES");
    zj_error err;
    rules = zj_rules_load(path ? path : ZJ_SOURCE_RULES_DIR "/property-service.yaml", NULL, &err);
    if (rules)
        scorer = zj_scorer_new(rules, &err);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
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
            if (scorer && zj_ingest_finish(scorer, rules, &opts, c, &err) == ZJ_OK) {
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
