/* fuzz_hs_cache.c — the Hyperscan database cache loader. A fixed rule set is
 * compiled once into a cache directory; then each input becomes the bytes of
 * its cache file, and the rule set is loaded from that cache and scores a
 * call. The first input byte chooses how the file is made from the rest:
 *   0  the rest as it is (magic, checksum and payload all fuzzed);
 *   1  a valid header around the rest as the payload;
 *   2  the genuine payload with patches: each 3 bytes of the rest are a
 *      16-bit offset and a byte XORed in there (Hyperscan's own header of
 *      the database, where the bytecode lies, included); a valid header
 *      around it;
 *   3  a foreign database: the rest is a list of (id, length, literal bytes)
 *      entries compiled by Hyperscan under those ids, laid out as the cache
 *      keeps a database, with a valid header — a stale or planted cache of
 *      another rule set.
 * Whatever the file holds, loading must give a rule set (from the cache or
 * recompiled) or an error, and scoring must stay within the rule set's
 * patterns. Without Hyperscan the target does nothing. */
#include "fuzz.h"

#include "internal.h"

#ifdef ZJ_HAVE_HYPERSCAN
#include <dirent.h>
#include <hs/hs.h>
#include <unistd.h>

/* A cache file is a header (magic, key and count: DIGEST_AT bytes; the
 * payload's sha256 as 64 hex digits; zeros up to PAYLOAD_AT), then the
 * payload: a Hyperscan database as it lies in memory, which starts with
 * Hyperscan's magic. The header is taken from the genuine file, so the target
 * follows changes of its other fields. */
#define DIGEST_AT 88
#define PAYLOAD_AT 4096
static const uint8_t hs_magic[4] = {0xdb, 0xdb, 0xdb, 0xdb};

static const char rules_yaml[] = "ruleset: fuzz-cache\n"
                                 "version: \"1\"\n"
                                 "rules:\n"
                                 "  - id: taboo.wei\n"
                                 "    kind: forbidden\n"
                                 "    any: [喂, 不知道, abc]\n"
                                 "    unless: [喂养]\n"
                                 "    points: 5\n"
                                 "  - id: taboo.what\n"
                                 "    kind: forbidden\n"
                                 "    regex: ['急什?么', 'x+y']\n"
                                 "    points: 10\n"
                                 "  - id: greet\n"
                                 "    kind: required\n"
                                 "    any: [您好]\n"
                                 "    points: 5\n";

static char dir[256], cache_file[600];
static uint8_t *genuine; /* the genuine payload */
static size_t genuine_len;
static uint8_t prefix[DIGEST_AT]; /* the genuine header before its digest */

static void remove_dir(void)
{
    unlink(cache_file);
    rmdir(dir);
}

static zj_ruleset *load(void)
{
    zj_error err;
    zj_error_clear(&err);
    zj_load_opts o = {.backend = ZJ_BACKEND_HYPERSCAN, .cache_dir = dir};
    zj_ruleset *rs = zj_rules_load_buffer(rules_yaml, sizeof rules_yaml - 1, "fuzz-cache", &o, &err);
    FUZZ_CHECK(rs != NULL || err.msg[0], "a load failed without a message");
    return rs;
}

static void init(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/zj-fuzz-cache-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    FUZZ_CHECK(mkdtemp(dir) != NULL, "cannot create a temporary directory");
    atexit(remove_dir);
    zj_ruleset *rs = load();
    FUZZ_CHECK(rs != NULL, "the fixed rule set does not load");
    zj_rules_free(rs);
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (strstr(e->d_name, ".hsdb"))
            snprintf(cache_file, sizeof cache_file, "%s/%s", dir, e->d_name);
    if (d)
        closedir(d);
    FUZZ_CHECK(cache_file[0], "loading did not write a cache file");
    FILE *f = fopen(cache_file, "rb");
    FUZZ_CHECK(f != NULL, "cannot read %s", cache_file);
    static uint8_t buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    FUZZ_CHECK(n < sizeof buf, "cache file too large");
    FUZZ_CHECK(n > PAYLOAD_AT + 4 && memcmp(buf + PAYLOAD_AT, hs_magic, 4) == 0,
               "no Hyperscan database at %d in %s", PAYLOAD_AT, cache_file);
    genuine_len = n - PAYLOAD_AT;
    genuine = malloc(genuine_len);
    FUZZ_CHECK(genuine != NULL, "out of memory");
    memcpy(genuine, buf + PAYLOAD_AT, genuine_len);
    memcpy(prefix, buf, DIGEST_AT);
    char digest[65];
    zj_sha256_hex(genuine, genuine_len, digest);
    FUZZ_CHECK(!memcmp(buf + DIGEST_AT, digest, 64), "no digest of the payload at %d",
               DIGEST_AT);
}

static void write_cache(const uint8_t *data, size_t size, bool header)
{
    FILE *f = fopen(cache_file, "wb");
    FUZZ_CHECK(f != NULL, "cannot write %s", cache_file);
    if (header) {
        static const uint8_t zeros[PAYLOAD_AT - DIGEST_AT - 64];
        char digest[65];
        zj_sha256_hex(data, size, digest);
        fwrite(prefix, 1, DIGEST_AT, f);
        fwrite(digest, 1, 64, f);
        fwrite(zeros, 1, sizeof zeros, f);
    }
    FUZZ_CHECK(fwrite(data, 1, size, f) == size && fclose(f) == 0, "cannot write %s", cache_file);
}

/* Mode 3: compiles the entries into a database; false when Hyperscan refuses. */
static bool write_foreign(const uint8_t *p, size_t n, zj_buf *literals)
{
    char *exprs[32];
    unsigned ids[32], flags[32];
    unsigned k = 0;
    while (n >= 2 && k < 32) {
        unsigned id = p[0];
        size_t len = p[1] % 8 + 1;
        p += 2;
        n -= 2;
        if (len > n)
            len = n;
        if (len == 0)
            break;
        exprs[k] = malloc(len * 4 + 1);
        FUZZ_CHECK(exprs[k] != NULL, "out of memory");
        for (size_t i = 0; i < len; i++)
            snprintf(exprs[k] + 4 * i, 5, "\\x%02x", p[i]);
        if (zj_utf8_valid((const char *)p, len)) {
            zj_buf_append(literals, " ", 1);
            zj_buf_append(literals, (const char *)p, len);
        }
        flags[k] = 0;
        ids[k++] = id;
        p += len;
        n -= len;
    }
    bool ok = false;
    hs_database_t *db = NULL;
    hs_compile_error_t *ce = NULL;
    if (k && hs_compile_multi((const char *const *)exprs, flags, ids, k, HS_MODE_BLOCK, NULL, &db,
                              &ce) == HS_SUCCESS) {
        char *bytes = NULL;
        size_t length = 0, image_len = 0;
        void *image = NULL;
        if (hs_serialize_database(db, &bytes, &length) == HS_SUCCESS &&
            hs_serialized_database_size(bytes, length, &image_len) == HS_SUCCESS &&
            posix_memalign(&image, PAYLOAD_AT, image_len) == 0 &&
            hs_deserialize_database_at(bytes, length, image) == HS_SUCCESS) {
            write_cache(image, image_len, true);
            ok = true;
        }
        free(image);
        free(bytes);
        hs_free_database(db);
    } else if (ce) {
        hs_free_compile_error(ce);
    }
    for (unsigned i = 0; i < k; i++)
        free(exprs[i]);
    return ok;
}

static void score_with(const zj_ruleset *rs, const char *extra, size_t extra_len)
{
    zj_buf text;
    zj_buf_init(&text);
    zj_buf_puts(&text, "您好，喂，不知道啊。急什么！abc xxy 喂养");
    zj_buf_append(&text, extra, extra_len);
    zj_buf_puts(&text, "");
    zj_turn turn = {ZJ_SPEAKER_AGENT, text.data, text.len, 0, 1000};
    zj_call call = {.call_id = "fuzz", .turns = &turn, .n_turns = 1, .ring_ms = -1,
                    .started_at_utc_ms = INT64_MIN, .source = "fuzz"};
    zj_error err;
    zj_scorer *sc = zj_scorer_new(rs, &err);
    FUZZ_CHECK(sc != NULL, "no scorer: %s", err.msg);
    zj_result res;
    if (zj_score_call(sc, &call, &res, &err) == ZJ_OK) {
        for (size_t i = 0; i < res.n_findings; i++) {
            FUZZ_CHECK(res.findings[i].rule < zj_rules_count(rs), "finding of rule %u",
                       res.findings[i].rule);
            FUZZ_CHECK(res.findings[i].span_start <= res.findings[i].span_end &&
                           res.findings[i].span_end <= zj_utf8_count(text.data, text.len),
                       "finding span out of range");
        }
        zj_result_free(&res);
    }
    zj_scorer_free(sc);
    zj_buf_free(&text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!genuine)
        init();
    if (size == 0 || size > 256 * 1024)
        return 0;
    const uint8_t *rest = data + 1;
    size_t n = size - 1;
    zj_buf literals;
    zj_buf_init(&literals);
    switch (data[0] % 4) {
    case 0:
        write_cache(rest, n, false);
        break;
    case 1:
        write_cache(rest, n, true);
        break;
    case 2: {
        uint8_t *patched = malloc(genuine_len);
        FUZZ_CHECK(patched != NULL, "out of memory");
        memcpy(patched, genuine, genuine_len);
        for (size_t i = 0; i + 3 <= n; i += 3)
            patched[(rest[i] | (size_t)rest[i + 1] << 8) % genuine_len] ^= rest[i + 2];
        write_cache(patched, genuine_len, true);
        free(patched);
        break;
    }
    default:
        if (!write_foreign(rest, n, &literals)) {
            zj_buf_free(&literals);
            return 0;
        }
    }
    zj_ruleset *rs = load();
    if (rs) {
        score_with(rs, literals.data ? literals.data : "", literals.len);
        zj_rules_free(rs);
    }
    zj_buf_free(&literals);
    return 0;
}
#else
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    (void)data;
    (void)size;
    return 0;
}
#endif
