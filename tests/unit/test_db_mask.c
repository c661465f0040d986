/* test_db_mask.c — a connection string's secrets masked in every form
 * libpq reads one (zj_db_redact_url, the one function behind every message,
 * report and run record) and in libpq's messages about it
 * (zj_db_redact_message): the tables tests/scripts/data/conninfo_masks.tsv
 * and conninfo_messages.tsv, which tools/zhijian-dask's mask_password and
 * mask_message are checked against as well; and which --db arguments are
 * libpq's key=value form (zj_db_is_keyword_conninfo). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"

static void table(void **state)
{
    (void)state;
    FILE *f = fopen(ZJ_TEST_DIR "/scripts/data/conninfo_masks.tsv", "r");
    assert_non_null(f);
    char line[4096];
    int rows = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (line[0] == '#' || !line[0])
            continue;
        char *tab = strchr(line, '\t');
        assert_non_null(tab);
        *tab = '\0';
        char *got = zj_db_redact_url(line);
        assert_non_null(got);
        if (strcmp(got, tab + 1) != 0)
            fail_msg("masking '%s'\n  got      '%s'\n  expected '%s'", line, got, tab + 1);
        free(got);
        rows++;
    }
    fclose(f);
    assert_true(rows >= 25);
}

static void messages(void **state)
{
    (void)state;
    FILE *f = fopen(ZJ_TEST_DIR "/scripts/data/conninfo_messages.tsv", "r");
    assert_non_null(f);
    char line[4096];
    int rows = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (line[0] == '#' || !line[0])
            continue;
        char *message = strchr(line, '\t');
        assert_non_null(message);
        *message++ = '\0';
        char *want = strchr(message, '\t');
        assert_non_null(want);
        *want++ = '\0';
        char *got = zj_db_redact_message(message, line);
        assert_non_null(got);
        if (strcmp(got, want) != 0)
            fail_msg("masking '%s' about '%s'\n  got      '%s'\n  expected '%s'", message, line,
                     got, want);
        free(got);
        rows++;
    }
    fclose(f);
    assert_true(rows >= 10);
}

/* libpq's key=value form is told from a file name by its keywords. */
static void keyword_form(void **state)
{
    (void)state;
    static const char *const conninfo[] = {
        "host=127.0.0.1 port=5432 dbname=kv user=zj password=Hunter2-secret",
        "dbname=zj",
        "service = qa",
        "  host=db",
        "results host=db",
    };
    static const char *const not_conninfo[] = {
        "zhijian.db",      "out/zhijian.db",  "a=b.db",          "out/host=x.db",
        "./host=db",       "/tmp/host=db",    "hostname=x.db",   "postgresql://zj@db/zj",
        "postgres://db/x", "notes password", "",
    };
    for (size_t i = 0; i < sizeof conninfo / sizeof *conninfo; i++)
        if (!zj_db_is_keyword_conninfo(conninfo[i]))
            fail_msg("'%s' not taken for a key=value connection string", conninfo[i]);
    for (size_t i = 0; i < sizeof not_conninfo / sizeof *not_conninfo; i++)
        if (zj_db_is_keyword_conninfo(not_conninfo[i]))
            fail_msg("'%s' taken for a key=value connection string", not_conninfo[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(table), cmocka_unit_test(messages),
                                       cmocka_unit_test(keyword_form)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
