/* fuzz_call.c — the native call parsers. The input is one JSON text (a JSONL
 * line). The specialized fast path must either give up or build exactly the
 * call the general (jansson) path builds, as tests/unit/test_call_fast.c
 * checks on its fixed inputs; the public entry point must give a call or an
 * error that says why. */
#include "fuzz.h"

#include "internal.h"

static int same_str(const char *a, const char *b)
{
    return (a == NULL) == (b == NULL) && (!a || strcmp(a, b) == 0);
}

static void same_call(const zj_call *a, const zj_call *b)
{
    const char *sa[] = {a->call_id,   a->agent_id,  a->agent_name, a->team,
                        a->direction, a->call_type, a->started_at};
    const char *sb[] = {b->call_id,   b->agent_id,  b->agent_name, b->team,
                        b->direction, b->call_type, b->started_at};
    for (int i = 0; i < 7; i++)
        FUZZ_CHECK(same_str(sa[i], sb[i]), "field %d differs between fast and general path", i);
    FUZZ_CHECK(a->ring_ms == b->ring_ms && a->started_at_utc_ms == b->started_at_utc_ms &&
                   a->utc_offset_min == b->utc_offset_min && a->n_turns == b->n_turns,
               "numbers differ between fast and general path");
    for (size_t t = 0; t < a->n_turns; t++) {
        const zj_turn *x = &a->turns[t], *y = &b->turns[t];
        FUZZ_CHECK(x->speaker == y->speaker && x->start_ms == y->start_ms &&
                       x->end_ms == y->end_ms && x->text_len == y->text_len &&
                       memcmp(x->text, y->text, x->text_len) == 0,
                   "turn %zu differs between fast and general path", t);
        FUZZ_CHECK(zj_utf8_valid(x->text, x->text_len) && x->text[x->text_len] == '\0',
                   "turn %zu text is not NUL-terminated valid UTF-8", t);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *json = (const char *)data;
    bool fallback = false;
    zj_error err;
    zj_error_clear(&err);
    zj_call *fast = zj_call_parse_fast(json, size, "fuzz", 1, &fallback);
    zj_call *general = zj_call_parse_general(json, size, "fuzz", 1, &err);
    if (fallback) {
        FUZZ_CHECK(fast == NULL, "fast path gave up but returned a call");
    } else {
        FUZZ_CHECK(fast != NULL, "fast path neither gave up nor returned a call");
        FUZZ_CHECK(general != NULL, "fast path accepted what the general path rejects: %s",
                   err.msg);
        same_call(fast, general);
    }
    if (!general)
        FUZZ_CHECK(err.msg[0] != '\0', "a rejection without a message");
    zj_call_free(fast);
    zj_call_free(general);

    zj_error_clear(&err);
    zj_call *call = zj_call_parse_json(json, size, "fuzz", 1, &err);
    FUZZ_CHECK(call != NULL || err.msg[0] != '\0', "zj_call_parse_json: a rejection without a message");
    zj_call_free(call);
    return 0;
}
