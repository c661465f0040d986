/* fuzz_redact.c — personal data masking. The input is a transcript text
 * (valid UTF-8 as it is; anything else is spelled with an alphabet of digits,
 * separators and address words, one token per byte). Masking every category
 * must keep the text valid UTF-8 with the same number of code points, change
 * code points only into '*', and leave nothing a second pass would mask. */
#include "fuzz.h"

#include "internal.h"

static const char *const alphabet[] = {
    "0",  "1",  "3",  "8",  "9",  "X",  " ",  "-",  "+",  "(",  ")",  ".",  ",",  ":",  "@",
    "a",  "D",  "号", "楼", "栋", "单", "元", "室", "路", "弄", "人", "民", "一", "三", "幺",
    "十", "零", "１", "３", "电", "话", "是", "订", "，", "、", "大", "道", "ｘ", "*",  "\n", "c",
    "o",  "m"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 8192)
        return 0;
    zj_buf in;
    zj_buf_init(&in);
    if (zj_utf8_valid((const char *)data, size) && !memchr(data, '\0', size))
        zj_buf_append(&in, (const char *)data, size);
    else
        for (size_t i = 0; i < size; i++)
            zj_buf_puts(&in, alphabet[data[i] % (sizeof alphabet / sizeof *alphabet)]);
    zj_buf_puts(&in, "");
    char *text = fuzz_strndup((const uint8_t *)in.data, in.len);
    size_t len = in.len, masked = 0;
    FUZZ_CHECK(zj_redact_text(text, &len, ZJ_REDACT_ALL, &masked) == ZJ_OK, "masking failed");
    FUZZ_CHECK(len <= in.len && text[len] == '\0' && strlen(text) == len, "length %zu", len);
    FUZZ_CHECK(zj_utf8_valid(text, len), "masked text is not valid UTF-8");
    /* Code point by code point: equal, or '*' where the input had something else. */
    size_t i = 0, j = 0, changed = 0;
    while (i < in.len && j < len) {
        uint32_t a, b;
        size_t ka = zj_utf8_decode((const unsigned char *)in.data + i, in.len - i, &a);
        size_t kb = zj_utf8_decode((const unsigned char *)text + j, len - j, &b);
        FUZZ_CHECK(ka && kb, "undecodable text");
        FUZZ_CHECK(a == b || b == '*', "U+%04X became U+%04X", (unsigned)a, (unsigned)b);
        changed += a != b;
        i += ka;
        j += kb;
    }
    FUZZ_CHECK(i == in.len && j == len, "code point counts differ");
    FUZZ_CHECK(changed == masked, "%zu changed, %zu reported", changed, masked);
    size_t again = 0, len2 = len;
    FUZZ_CHECK(zj_redact_text(text, &len2, ZJ_REDACT_ALL, &again) == ZJ_OK, "second pass failed");
    FUZZ_CHECK(again == 0, "a second pass masked %zu more code points", again);
    free(text);
    zj_buf_free(&in);
    return 0;
}
