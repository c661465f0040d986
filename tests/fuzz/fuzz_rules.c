/* fuzz_rules.c — the rule loader. The input is a rule-set YAML text: it is
 * loaded (PCRE2 backend, so every input compiles the same way on every
 * machine), and a rule set that loads has its static checks and its
 * examples run through the scorer, then everything is freed. A rejected
 * text must come with a message. */
#include "fuzz.h"

#include "internal.h"

static void ignore_diag(const zj_error *diag, void *ctx)
{
    (void)diag;
    (void)ctx;
}

static void ignore_example(const zj_example_result *r, void *ctx)
{
    (void)r;
    (void)ctx;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 64 * 1024)
        return 0; /* rule sets are small; longer inputs only slow the search */
    zj_error err;
    zj_error_clear(&err);
    zj_load_opts opts = {.backend = ZJ_BACKEND_PCRE2};
    zj_ruleset *rs = zj_rules_load_buffer((const char *)data, size, "fuzz.yaml", &opts, &err);
    if (!rs) {
        FUZZ_CHECK(err.msg[0] != '\0', "the loader rejected a rule set without a message");
        return 0;
    }
    FUZZ_CHECK(zj_rules_count(rs) > 0, "a loaded rule set without rules");
    for (size_t i = 0; i < zj_rules_count(rs); i++) {
        zj_rule_info info;
        FUZZ_CHECK(zj_rules_info(rs, i, &info) && info.id, "rule %zu has no info", i);
        FUZZ_CHECK(zj_rules_find(rs, info.id) >= 0, "rule '%s' cannot be found", info.id);
    }
    zj_rules_lint(rs, ignore_diag, NULL);
    size_t total = 0;
    zj_rules_run_examples(rs, ignore_example, NULL, &total);
    zj_rules_free(rs);
    return 0;
}
