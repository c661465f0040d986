/* test_util.c — SHA-256, JSON string escaping, error formatting. */
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sha256_known_vectors),
        cmocka_unit_test(json_string_escapes),
        cmocka_unit_test(error_format_variants),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
