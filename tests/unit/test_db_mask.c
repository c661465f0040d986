/* test_db_mask.c — a connection string's password masked in every form
 * libpq reads one (zj_db_redact_url, the one function behind every message,
 * report and run record): the table tests/scripts/data/conninfo_masks.tsv,
 * which tools/zhijian-dask's mask_password is checked against as well. */
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

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(table)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
