/* test_util.c — SHA-256, JSON string escaping, error formatting, local dates,
 * the escapes every renderer shows control and bidi characters with. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "internal.h"

static void sha256_known_vectors(void **state)
{
    (void)state;
    char hex[65];
    zj_sha256_hex("", 0, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    zj_sha256_hex("abc", 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"; /* 56 bytes */
    zj_sha256_hex(m, strlen(m), hex);
    assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    /* One million 'a' (FIPS 180-2, B.3): many blocks in one call. */
    static char million[1000000];
    memset(million, 'a', sizeof million);
    zj_sha256_hex(million, sizeof million, hex);
    assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    zj_sha256_hex_portable(million, sizeof million, hex);
    assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* The SHA-NI path (where the processor has it) against the portable rounds:
 * every length across several block and padding boundaries, at every
 * alignment of the input. */
static void sha256_paths_agree(void **state)
{
    (void)state;
    static unsigned char data[700];
    uint32_t x = 2463534242u;
    for (size_t i = 0; i < sizeof data; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        data[i] = (unsigned char)x;
    }
    char a[65], b[65];
    for (size_t off = 0; off < 4; off++)
        for (size_t len = 0; len + off <= sizeof data; len++) {
            zj_sha256_hex(data + off, len, a);
            zj_sha256_hex_portable(data + off, len, b);
            assert_string_equal(a, b);
        }
}

static void json_string_escapes(void **state)
{
    (void)state;
    zj_buf b;
    zj_buf_init(&b);
    assert_int_equal(zj_buf_json_str(&b, "a\"b\\c\n\x01喂", 10), ZJ_OK);
    assert_string_equal(b.data, "\"a\\\"b\\\\c\\n\\u0001喂\"");
    zj_buf_free(&b);
}

static void error_format_variants(void **state)
{
    (void)state;
    zj_error e;
    char buf[256];
    zj_error_set(&e, ZJ_ERR_PARSE, "a.yaml", 3, 7, "bad %s", "key");
    assert_string_equal(zj_error_format(&e, buf, sizeof buf), "a.yaml:3:7: bad key");
    zj_error_set(&e, ZJ_ERR_PARSE, "c.jsonl", 12, 0, "broken");
    assert_string_equal(zj_error_format(&e, buf, sizeof buf), "c.jsonl:12: broken");
    zj_error_set(&e, ZJ_ERR_IO, "x", 0, 0, "missing");
    assert_string_equal(zj_error_format(&e, buf, sizeof buf), "x: missing");
}

/* The calls table's local_date and iso_week, across year, week and day edges. */
static void local_date_and_iso_week(void **state)
{
    (void)state;
    static const struct {
        int64_t utc_ms;
        int offset_min;
        const char *date, *week;
    } cases[] = {
        {1767198600000, 480, "2026-01-01", "2026-W01"},  /* UTC still 2025 */
        {1798804800000, 0, "2027-01-01", "2026-W53"},    /* a Friday: last year's week */
        {1735549200000, 0, "2024-12-30", "2025-W01"},    /* a Monday: next year's week */
        {1772330400000, -300, "2026-02-28", "2026-W09"}, /* UTC already March */
        {-3600000, 0, "1969-12-31", "1970-W01"},         /* before the epoch */
        {253402250400000, 0, "9999-12-31", "9999-W52"},  /* the last four-digit year */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char date[11], week[9];
        zj_local_date(cases[i].utc_ms, cases[i].offset_min, date, week);
        assert_string_equal(date, cases[i].date);
        assert_string_equal(week, cases[i].week);
    }
}

/* zj_escape_cp: what each character is shown as, with each keep set. */
static void escape_cp_per_keep_set(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        unsigned keep;
        size_t k;          /* bytes of the character */
        const char *shown; /* its escape, NULL: shown as it is */
    } cases[] = {
        {"a", 0, 1, NULL},
        {"中", 0, 3, NULL},
        {"\t", 0, 1, "\\t"},
        {"\n", 0, 1, "\\n"},
        {"\r", 0, 1, "\\r"},
        {"\t", ZJ_ESC_KEEP_TAB, 1, NULL},
        {"\n", ZJ_ESC_KEEP_TAB, 1, "\\n"},
        {"\n", ZJ_ESC_KEEP_LF, 1, NULL},
        {"\r", ZJ_ESC_KEEP_TAB | ZJ_ESC_KEEP_LF, 1, "\\r"},
        {"\r", ZJ_ESC_KEEP_SPACE, 1, NULL},
        {"\x01", ZJ_ESC_KEEP_SPACE, 1, "\\x01"},
        {"\x1b[", ZJ_ESC_KEEP_SPACE, 1, "\\x1b"},
        {"\x7f", ZJ_ESC_KEEP_SPACE, 1, "\\x7f"},
        {"\xc2\x85", ZJ_ESC_KEEP_SPACE, 2, "\\u0085"},
        {"\xc2\xa0", ZJ_ESC_KEEP_SPACE, 2, NULL}, /* U+00A0: past C1 */
        {"\xd8\x9c", ZJ_ESC_KEEP_SPACE, 2, "\\u061c"},
        {"\xe2\x80\x8e", ZJ_ESC_KEEP_SPACE, 3, "\\u200e"},
        {"\xe2\x80\x8f", 0, 3, "\\u200f"},
        {"\xe2\x80\x8d", 0, 3, NULL}, /* U+200D (ZWJ) is no bidi control */
        {"\xe2\x80\xaa", 0, 3, "\\u202a"},
        {"\xe2\x80\xae", 0, 3, "\\u202e"},
        {"\xe2\x80\xaf", 0, 3, NULL}, /* U+202F, a space */
        {"\xe2\x81\xa6", 0, 3, "\\u2066"},
        {"\xe2\x81\xa9", 0, 3, "\\u2069"},
        /* U+206A, a deprecated format character past the isolates: unseen */
        {"\xe2\x81\xaa", 0, 3, "\\u206a"},
        {"\xe2\x80\x8b", 0, 3, "\\u200b"},                 /* zero-width space */
        {"\xe2\x80\x8c", 0, 3, NULL},                      /* U+200C, a joiner */
        {"\xef\xbb\xbf", 0, 3, "\\ufeff"},                 /* BOM / ZWNBSP */
        {"\xe2\x80\xa8", ZJ_ESC_KEEP_SPACE, 3, "\\u2028"}, /* line separator */
        {"\xe2\x80\xa9", 0, 3, "\\u2029"},                 /* paragraph separator */
        {"\xc2\xad", 0, 2, "\\u00ad"},                     /* soft hyphen */
        {"\xf3\xa0\x81\x81", 0, 4, "\\U000e0041"},         /* tag LATIN A */
        {"\xf0\x9f\x94\xa7", 0, 4, NULL},                  /* U+1F527, an emoji */
        {"\xff", ZJ_ESC_KEEP_SPACE, 1, "\\xff"},
        {"\xe2\x80", 0, 1, "\\xe2"}, /* cut short */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char esc[ZJ_ESC_MAX];
        size_t k = 0;
        size_t len = zj_escape_cp(cases[i].in, strlen(cases[i].in), cases[i].keep, &k, esc);
        assert_int_equal(k, cases[i].k);
        if (!cases[i].shown) {
            assert_int_equal(len, 0);
        } else {
            assert_int_equal(len, strlen(cases[i].shown));
            assert_memory_equal(esc, cases[i].shown, len);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sha256_known_vectors),    cmocka_unit_test(sha256_paths_agree),
        cmocka_unit_test(json_string_escapes),     cmocka_unit_test(error_format_variants),
        cmocka_unit_test(local_date_and_iso_week), cmocka_unit_test(escape_cp_per_keep_set),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
