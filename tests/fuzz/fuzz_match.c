/* fuzz_match.c — normalization and matching. The input is a transcript text
 * (valid UTF-8 as it is; anything else is spelled with a small alphabet of the
 * fixed rule set's characters, one token per byte). The text is normalized by
 * the table-driven path and by the utf8proc path, which must agree; scanned
 * by the PCRE2 and the Hyperscan backends under a fixed small rule set
 * (literals that overlap, regexes with anchors and lookarounds, per-sentence
 * patterns, exceptions, non-speech tags, clause starts), which must report
 * identical hits as
 * tests/unit/test_match_diff.c checks on random text; and scored as a call
 * (one turn per line, speakers alternating) under both backends, whose JSON
 * results must be identical. */
#include "fuzz.h"

#include "internal.h"

static const char rules_yaml[] =
    "ruleset: fuzz-match\n"
    "version: \"1\"\n"
    "non_speech: [笑声, laughter]\n"
    "clause_starts: ['不(?=知)']\n"
    "rules:\n"
    "  - id: greet\n"
    "    kind: required\n"
    "    within: {first_utterances: 2}\n"
    "    any: [您好, 你好]\n"
    "    points: 5\n"
    "  - id: taboo.wei\n"
    "    kind: forbidden\n"
    "    any: [喂, 喂喂]\n"
    "    unless: [喂养, {re: '喂(药|奶)'}]\n"
    "    points: 5\n"
    "    max_points: 10\n"
    "  - id: taboo.what\n"
    "    kind: forbidden\n"
    "    regex: ['急什?么', '(?:哈)+', '\\p{Han}{2}道', '(?<=不)知', '[ab]1']\n"
    "    points: 10\n"
    "  - id: refusal.dontknow\n"
    "    kind: forbidden\n"
    "    boundary: sentence\n"
    "    regex: ['^我?不知道$', '^不']\n"
    "    points: 10\n"
    "    fatal: true\n"
    "  - id: refusal.literal\n"
    "    kind: forbidden\n"
    "    boundary: sentence\n"
    "    any: [不知道啊, 知道]\n"
    "    points: 3\n"
    "  - id: any.both\n"
    "    kind: tag\n"
    "    speaker: any\n"
    "    all: [知道, {any: [a, b1]}]\n"
    "  - id: closing\n"
    "    kind: required\n"
    "    within: {last_utterances: 1}\n"
    "    any: [再见, 谢谢]\n"
    "    points: 5\n";

static const char *const alphabet[] = {"喂", "急", "什", "么", "不", "知", "道", "哈",
                                       "a",  "b",  "1",  "。", "？", "，", " ",  "A",
                                       "您", "好", "再", "见", "谢", "我", "养", "药",
                                       "\n", "Ａ", "！", "…",  "喂喂", "ß", "ﬁ", "\t",
                                       "[",  "]",  "笑声", "<|", "|>", "（", "）", "\u200d"};

static zj_ruleset *by_pcre, *by_hs;
static zj_scorer *score_pcre, *score_hs;
static zj_match_scratch *scratch_pcre, *scratch_hs;

static void init(void)
{
    zj_error err;
    zj_load_opts p = {.backend = ZJ_BACKEND_PCRE2}, h = {.backend = ZJ_BACKEND_HYPERSCAN};
    by_pcre = zj_rules_load_buffer(rules_yaml, sizeof rules_yaml - 1, "fuzz-match", &p, &err);
    FUZZ_CHECK(by_pcre != NULL, "the fixed rule set does not load: %s", err.msg);
    score_pcre = zj_scorer_new(by_pcre, &err);
    scratch_pcre = zj_match_scratch_new(by_pcre->matcher);
    if (zj_matcher_hyperscan_available()) {
        by_hs = zj_rules_load_buffer(rules_yaml, sizeof rules_yaml - 1, "fuzz-match", &h, &err);
        FUZZ_CHECK(by_hs != NULL && zj_rules_backend(by_hs) == ZJ_BACKEND_HYPERSCAN,
                   "the fixed rule set does not load with Hyperscan: %s", err.msg);
        score_hs = zj_scorer_new(by_hs, &err);
        scratch_hs = zj_match_scratch_new(by_hs->matcher);
    }
}

static void same_norm(const zj_norm *a, const zj_norm *b)
{
    FUZZ_CHECK(a->len == b->len && memcmp(a->text, b->text, a->len) == 0,
               "fast and utf8proc normalization differ");
    FUZZ_CHECK(a->n_breaks == b->n_breaks &&
                   (!a->n_breaks || !memcmp(a->breaks, b->breaks, a->n_breaks * sizeof *a->breaks)),
               "sentence breaks differ");
    FUZZ_CHECK(a->orig_cps == b->orig_cps, "original code point counts differ");
    FUZZ_CHECK(!memcmp(a->orig_start, b->orig_start, a->len * sizeof *a->orig_start) &&
                   !memcmp(a->orig_end, b->orig_end, a->len * sizeof *a->orig_end),
               "offset maps differ");
}

static void match_both(const char *text, size_t len)
{
    static zj_norm fast, slow;
    static zj_hits a, b;
    FUZZ_CHECK(zj_norm_text(&fast, text, len) == ZJ_OK, "zj_norm_text failed");
    FUZZ_CHECK(zj_norm_text_slow(&slow, text, len) == ZJ_OK, "zj_norm_text_slow failed");
    same_norm(&fast, &slow);
    for (size_t i = 0; i < fast.len; i++)
        FUZZ_CHECK(fast.orig_start[i] <= fast.orig_end[i] && fast.orig_end[i] <= fast.orig_cps,
                   "offset map out of range at byte %zu", i);
    if (!by_hs)
        return;
    a.n = b.n = 0;
    zj_status sa = zj_matcher_scan(by_pcre->matcher, scratch_pcre, &fast, &a);
    zj_status sb = zj_matcher_scan(by_hs->matcher, scratch_hs, &fast, &b);
    FUZZ_CHECK(sa == sb, "backends disagree on the scan status (%d vs %d)", (int)sa, (int)sb);
    if (a.n)
        qsort(a.v, a.n, sizeof *a.v, zj_hit_cmp);
    if (b.n)
        qsort(b.v, b.n, sizeof *b.v, zj_hit_cmp);
    FUZZ_CHECK(a.n == b.n && (!a.n || !memcmp(a.v, b.v, a.n * sizeof *a.v)),
               "backends report different hits (%zu vs %zu)", a.n, b.n);
    for (size_t i = 0; i < a.n; i++)
        FUZZ_CHECK(a.v[i].start < a.v[i].end && a.v[i].end <= fast.len, "hit out of range");
}

/* Scores the text as a call, one turn per line, and renders the result. */
static char *score_json(const zj_ruleset *rs, zj_scorer *sc, char *text, size_t len)
{
    zj_turn turns[64];
    size_t n = 0;
    for (size_t start = 0; start <= len && n < 64;) {
        char *nl = memchr(text + start, '\n', len - start);
        size_t end = nl ? (size_t)(nl - text) : len;
        turns[n] = (zj_turn){n % 2 ? ZJ_SPEAKER_CUSTOMER : ZJ_SPEAKER_AGENT, text + start,
                             end - start, (int64_t)n * 1000, (int64_t)n * 1000 + 900};
        n++;
        start = end + 1;
    }
    char saved[64];
    for (size_t i = 0; i < n; i++) { /* the turns are NUL-terminated views */
        saved[i] = turns[i].text[turns[i].text_len];
        turns[i].text[turns[i].text_len] = '\0';
    }
    zj_call call = {.call_id = "fuzz", .turns = turns, .n_turns = n, .ring_ms = -1,
                    .started_at_utc_ms = INT64_MIN, .source = "fuzz"};
    zj_result res;
    zj_error err;
    zj_buf out;
    zj_buf_init(&out);
    zj_status st = zj_score_call(sc, &call, &res, &err);
    if (st == ZJ_OK) {
        FUZZ_CHECK(zj_result_to_json(&out, rs, &call, &res) == ZJ_OK, "rendering failed");
        for (size_t i = 0; i < res.n_findings; i++) {
            const zj_finding *f = &res.findings[i];
            if (f->turn < 0)
                continue;
            FUZZ_CHECK((size_t)f->turn < n && f->span_start <= f->span_end &&
                           f->span_end <= zj_utf8_count(turns[f->turn].text, turns[f->turn].text_len),
                       "finding span out of range");
        }
        zj_result_free(&res);
    } else {
        zj_buf_printf(&out, "error %d", (int)st);
    }
    for (size_t i = 0; i < n; i++)
        turns[i].text[turns[i].text_len] = saved[i];
    if (!out.data)
        zj_buf_puts(&out, "");
    return out.data;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!by_pcre)
        init();
    if (size > 16 * 1024)
        return 0;
    char *text;
    size_t len;
    if (zj_utf8_valid((const char *)data, size) && !memchr(data, '\0', size)) {
        text = fuzz_strndup(data, size);
        len = size;
    } else {
        zj_buf b;
        zj_buf_init(&b);
        for (size_t i = 0; i < size; i++)
            zj_buf_puts(&b, alphabet[data[i] % (sizeof alphabet / sizeof *alphabet)]);
        zj_buf_puts(&b, "");
        text = b.data;
        len = b.len;
    }
    match_both(text, len);
    char *p = score_json(by_pcre, score_pcre, text, len);
    if (by_hs) {
        char *h = score_json(by_hs, score_hs, text, len);
        FUZZ_CHECK(strcmp(p, h) == 0, "backends score differently:\n%s\n%s", p, h);
        free(h);
    }
    free(p);
    free(text);
    return 0;
}
