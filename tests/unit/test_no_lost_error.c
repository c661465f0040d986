/* test_no_lost_error.c — the pieces that keep errors from being lost and
 * outside text from acting: sticky buffer and document errors, error records
 * cut on a character boundary, terminal escaping, CSV formula neutralising. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "internal.h"

static void buffer_failure_is_sticky(void **state)
{
    (void)state;
    zj_buf b;
    zj_buf_init(&b);
    assert_int_equal(zj_buf_puts(&b, "abc"), ZJ_OK);
    b.failed = true; /* as after a failed realloc */
    assert_int_equal(zj_buf_puts(&b, "def"), ZJ_ERR_NOMEM);
    assert_int_equal(zj_buf_printf(&b, "%d", 42), ZJ_ERR_NOMEM);
    assert_int_equal(zj_buf_json_str(&b, "x", 1), ZJ_ERR_NOMEM);
    assert_int_equal(b.len, 3); /* nothing appended after the failure */
    zj_buf_reset(&b);
    assert_false(b.failed);
    assert_int_equal(zj_buf_puts(&b, "ok"), ZJ_OK);
    assert_string_equal(b.data, "ok");
    zj_buf_free(&b);
}

static void document_error_is_sticky(void **state)
{
    (void)state;
    zj_doc *d = zj_doc_new("标题");
    assert_non_null(d);
    zj_doc_para(d, "first");
    const char *h[] = {"a", "b"};
    zj_doc_block *t = zj_doc_table(d, "t", 2, h);
    zj_doc_row(t, "1", "2");
    zj_doc_fail(d, ZJ_ERR_DB);
    zj_doc_fail(d, ZJ_ERR_NOMEM); /* the first error is kept */
    zj_doc_para(d, "after the failure");
    zj_doc_row(t, "3", "4");
    assert_null(zj_doc_strf(d, "%d", 5));
    assert_int_equal(zj_doc_status(d), ZJ_ERR_DB);
    assert_int_equal(d->n, 2);      /* the paragraph after it was not added */
    assert_int_equal(t->n_rows, 1); /* nor the row */
    zj_buf out;
    zj_buf_init(&out);
    zj_format formats[] = {ZJ_FMT_TEXT, ZJ_FMT_MD, ZJ_FMT_HTML, ZJ_FMT_CSV, ZJ_FMT_JSON};
    for (size_t i = 0; i < sizeof formats / sizeof *formats; i++) {
        assert_int_equal(zj_doc_render(d, formats[i], &out), ZJ_ERR_DB);
        assert_int_equal(out.len, 0); /* nothing that looks complete */
    }
    zj_buf_free(&out);
    zj_doc_row(NULL, "x", "y"); /* a table that could not be made: no-op */
    zj_doc_free(d);
}

static void error_record_cut_on_a_character(void **state)
{
    (void)state;
    char id[1500] = "";
    for (int i = 0; i < 400; i++)
        strcat(id, "通"); /* 1200 bytes */
    zj_error e;
    zj_error_set(&e, ZJ_ERR_NOTFOUND, id, 0, 0, "no call '%s' scored", id);
    assert_true(zj_utf8_valid(e.msg, strlen(e.msg)));
    assert_true(zj_utf8_valid(e.file, strlen(e.file)));
    size_t n = strlen(e.msg);
    assert_true(n < sizeof e.msg);
    assert_string_equal(e.msg + n - 3, "…");
    assert_memory_equal(e.msg, "no call '通通", strlen("no call '通通"));
    /* A short message is untouched. */
    zj_error_set(&e, ZJ_ERR_IO, "f", 0, 0, "短");
    assert_string_equal(e.msg, "短");
}

static void terminal_text_escaped(void **state)
{
    (void)state;
    zj_buf b;
    zj_buf_init(&b);
    const char in[] = "A\x1b[2J\a\r\n\t\x7f\xc2\x9b"
                      "\xe2\x80\xae"
                      "\xe2\x81\xa6"
                      "\xe2\x80\x8f"
                      "\xff中文é";
    assert_int_equal(zj_buf_term(&b, in, sizeof in - 1), ZJ_OK);
    assert_string_equal(b.data,
                        "A\\x1b[2J\\x07\\r\\n\\t\\x7f\\u009b\\u202e\\u2066\\u200f\\xff中文é");
    zj_buf_reset(&b);
    assert_int_equal(zj_buf_term_str(&b, "plain 文本 ok"), ZJ_OK);
    assert_string_equal(b.data, "plain 文本 ok");
    zj_buf_free(&b);
}

static void csv_formulas_neutralised(void **state)
{
    (void)state;
    zj_doc *d = zj_doc_new("t");
    const char *h[] = {"v"};
    zj_doc_block *t = zj_doc_table(d, "t", 1, h);
    const char *cells[] = {"=1+2", "+A1", "-A2", "@SUM(A1)",   "\tx",    "\rx",   "-5", "-12.5",
                           "-5%",  "-",   "a,b", "say \"hi\"", "=\"q\"", "plain", "5"};
    for (size_t i = 0; i < sizeof cells / sizeof *cells; i++)
        zj_doc_row(t, cells[i]);
    zj_buf out;
    zj_buf_init(&out);
    assert_int_equal(zj_doc_render(d, ZJ_FMT_CSV, &out), ZJ_OK);
    assert_string_equal(out.data, "\xEF\xBB\xBFv\r\n"
                                  "\"'=1+2\"\r\n"
                                  "\"'+A1\"\r\n"
                                  "\"'-A2\"\r\n"
                                  "\"'@SUM(A1)\"\r\n"
                                  "\"'\tx\"\r\n"
                                  "\"'\rx\"\r\n"
                                  "-5\r\n"
                                  "-12.5\r\n"
                                  "-5%\r\n"
                                  "\"'-\"\r\n"
                                  "\"a,b\"\r\n"
                                  "\"say \"\"hi\"\"\"\r\n"
                                  "\"'=\"\"q\"\"\"\r\n"
                                  "plain\r\n"
                                  "5\r\n");
    zj_buf_free(&out);
    zj_doc_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(buffer_failure_is_sticky),
        cmocka_unit_test(document_error_is_sticky),
        cmocka_unit_test(error_record_cut_on_a_character),
        cmocka_unit_test(terminal_text_escaped),
        cmocka_unit_test(csv_formulas_neutralised),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
