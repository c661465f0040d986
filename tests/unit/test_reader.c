/* test_reader.c — call parsing and the input reader: fields, exact error
 * messages with file:line, offsets for resume, CRLF, BOM, empty and huge
 * inputs, .json documents and directory expansion. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

static char tmpdir[256];

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/zj_reader_XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    return system(cmd);
}

static const char *write_file(const char *name, const char *content, size_t len)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(content, 1, len, f), len);
    fclose(f);
    return path;
}

static void full_call_parsed(void **state)
{
    (void)state;
    const char *json =
        "{\"call_id\":\"C1\",\"agent_id\":\"A017\",\"agent_name\":\"王芳\",\"team\":\"报修组\","
        "\"started_at\":\"2026-11-01T00:30:00+08:00\",\"direction\":\"inbound\","
        "\"call_type\":\"报修\",\"ring_ms\":4000,\"extra\":1,"
        "\"turns\":[{\"speaker\":\"agent\",\"text\":\"您好\",\"start_ms\":0,\"end_ms\":4200},"
        "{\"speaker\":\"customer\",\"text\":\"漏水了\"}]}";
    zj_error err;
    zj_call *c = zj_call_parse_json(json, strlen(json), "x.jsonl", 7, &err);
    assert_non_null(c);
    assert_string_equal(c->call_id, "C1");
    assert_string_equal(c->agent_id, "A017");
    assert_string_equal(c->agent_name, "王芳");
    assert_string_equal(c->team, "报修组");
    assert_string_equal(c->direction, "inbound");
    assert_string_equal(c->call_type, "报修");
    assert_int_equal(c->ring_ms, 4000);
    /* 2026-10-31T16:30:00Z */
    assert_int_equal(c->started_at_utc_ms, 1793464200000LL);
    assert_int_equal(c->utc_offset_min, 480);
    assert_int_equal(c->n_turns, 2);
    assert_int_equal(c->turns[0].speaker, ZJ_SPEAKER_AGENT);
    assert_string_equal(c->turns[0].text, "您好");
    assert_int_equal(c->turns[0].end_ms, 4200);
    assert_int_equal(c->turns[1].speaker, ZJ_SPEAKER_CUSTOMER);
    assert_int_equal(c->turns[1].start_ms, -1);
    assert_int_equal(c->line, 7);
    zj_call_free(c);
}

static void expect_error(const char *json, const char *message)
{
    zj_error err;
    zj_error_clear(&err);
    zj_call *c = zj_call_parse_json(json, strlen(json), "in.jsonl", 3, &err);
    assert_null(c);
    char buf[1200];
    assert_string_equal(zj_error_format(&err, buf, sizeof buf), message);
}

static void call_errors_are_exact(void **state)
{
    (void)state;
    expect_error("{\"turns\":[]}", "in.jsonl:3: missing required field 'call_id'");
    expect_error("{\"call_id\":7,\"turns\":[]}",
                 "in.jsonl:3: 'call_id' must be a non-empty string");
    expect_error("{\"call_id\":\"a\"}", "in.jsonl:3: missing required field 'turns'");
    expect_error("{\"call_id\":\"a\",\"turns\":{}}", "in.jsonl:3: 'turns' must be an array");
    expect_error("{\"call_id\":\"a\",\"turns\":[{\"speaker\":\"bot\",\"text\":\"x\"}]}",
                 "in.jsonl:3: turn 0: unknown speaker 'bot' (expected agent or customer)");
    expect_error("{\"call_id\":\"a\",\"turns\":[{\"speaker\":\"agent\"}]}",
                 "in.jsonl:3: turn 0: missing 'text'");
    expect_error("{\"call_id\":\"a\",\"turns\":[{\"speaker\":\"agent\",\"text\":\"x\"},"
                 "{\"speaker\":\"agent\",\"text\":\"y\",\"start_ms\":-5}]}",
                 "in.jsonl:3: turn 1: 'start_ms' must be a non-negative integer");
    expect_error("{\"call_id\":\"a\",\"started_at\":\"yesterday\",\"turns\":[]}",
                 "in.jsonl:3: 'started_at' is not an ISO 8601 time like "
                 "2026-11-01T09:00:00+08:00: 'yesterday'");
    expect_error("{\"call_id\":\"a\",\"turns\":[}", "in.jsonl:3: invalid JSON: unexpected token "
                                                    "near '}' (column 25)");
    expect_error("{\"call_id\":\"\xff\",\"turns\":[]}", "in.jsonl:3: invalid UTF-8");
    expect_error("[1]", "in.jsonl:3: a call must be a JSON object");
}

static void timestamps(void **state)
{
    (void)state;
    int64_t ms;
    int off;
    assert_true(zj_parse_timestamp("2026-11-01T09:00:00Z", &ms, &off));
    assert_int_equal(ms, 1793523600000LL);
    assert_int_equal(off, 0);
    assert_true(zj_parse_timestamp("2026-11-01 09:00:00.250-0130", &ms, &off));
    assert_int_equal(ms, 1793523600000LL + 90 * 60000LL + 250);
    assert_int_equal(off, -90);
    assert_true(zj_parse_timestamp("2026-11-01T09:00", &ms, &off));
    assert_false(zj_parse_timestamp("2026-02-29T09:00:00Z", &ms, &off));
    assert_false(zj_parse_timestamp("2026-13-01T09:00:00Z", &ms, &off));
    assert_false(zj_parse_timestamp("2026-11-01T09:00:00+08", &ms, &off));
}

/* Reads all of path, collecting call ids and formatted errors. */
static void read_all(const char *path, uint64_t offset, char *ids, size_t ids_size, char *errs,
                     size_t errs_size, uint64_t *last_end)
{
    zj_error err;
    zj_reader *r = zj_reader_open(path, offset, &err);
    assert_non_null(r);
    ids[0] = errs[0] = '\0';
    for (;;) {
        zj_call *c = NULL;
        zj_error_clear(&err);
        zj_status st = zj_reader_next(r, &c, &err);
        if (st == ZJ_DONE)
            break;
        if (st != ZJ_OK) {
            char buf[1200];
            const char *msg = zj_error_format(&err, buf, sizeof buf);
            const char *base = strrchr(msg, '/');
            snprintf(errs + strlen(errs), errs_size - strlen(errs), "%s\n", base ? base + 1 : msg);
            continue;
        }
        snprintf(ids + strlen(ids), ids_size - strlen(ids), "%s@%ld:%llu-%llu ", c->call_id,
                 c->line, (unsigned long long)c->offset, (unsigned long long)c->end_offset);
        if (last_end)
            *last_end = c->end_offset;
        zj_call_free(c);
    }
    zj_reader_close(r);
}

#define CALL(id) "{\"call_id\":\"" id "\",\"turns\":[{\"speaker\":\"agent\",\"text\":\"您好\"}]}"

static void jsonl_with_broken_line_goes_on(void **state)
{
    (void)state;
    const char *content = CALL("a") "\n"
                                    "{broken\n"
                                    "\n" CALL("b") "\r\n" CALL("c");
    const char *path = write_file("batch.jsonl", content, strlen(content));
    char ids[512], errs[512];
    read_all(path, 0, ids, sizeof ids, errs, sizeof errs, NULL);
    size_t l1 = strlen(CALL("a")) + 1, l2 = l1 + 8 + 1, l3 = l2 + strlen(CALL("b")) + 2;
    char want[256];
    snprintf(want, sizeof want, "a@1:0-%zu b@4:%zu-%zu c@5:%zu-%zu ", l1, l2, l3, l3,
             l3 + strlen(CALL("c")));
    assert_string_equal(ids, want);
    assert_string_equal(errs, "batch.jsonl:2: invalid JSON: string or '}' expected near 'broken' "
                              "(column 7)\n");
    /* Resume from the offset after call b: c with its true line number. */
    read_all(path, l3, ids, sizeof ids, errs, sizeof errs, NULL);
    snprintf(want, sizeof want, "c@5:%zu-%zu ", l3, l3 + strlen(CALL("c")));
    assert_string_equal(ids, want);
    assert_string_equal(errs, "");
}

static void bom_empty_and_huge(void **state)
{
    (void)state;
    char ids[512], errs[512];
    const char *bom = "\xEF\xBB\xBF" CALL("x") "\n";
    read_all(write_file("bom.jsonl", bom, strlen(bom)), 0, ids, sizeof ids, errs, sizeof errs,
             NULL);
    assert_string_equal(errs, "");
    assert_int_equal(strncmp(ids, "x@1:0-", 6), 0);

    read_all(write_file("empty.jsonl", "", 0), 0, ids, sizeof ids, errs, sizeof errs, NULL);
    assert_string_equal(ids, "");
    assert_string_equal(errs, "empty.jsonl: empty input: no calls\n");

    read_all(write_file("blank.jsonl", "\n  \n", 4), 0, ids, sizeof ids, errs, sizeof errs, NULL);
    assert_string_equal(errs, "blank.jsonl: empty input: no calls\n");

    /* A line over the limit (lowered for the test) is skipped with its line number. */
    zj_reader_set_max_line(4u << 20);
    size_t big = (5u << 20);
    char *content = malloc(big + 200);
    memset(content, 'x', big);
    content[0] = '{';
    content[big - 1] = '\n';
    strcpy(content + big, CALL("after") "\n");
    read_all(write_file("huge.jsonl", content, strlen(content)), 0, ids, sizeof ids, errs,
             sizeof errs, NULL);
    free(content);
    zj_reader_set_max_line(0);
    assert_string_equal(errs, "huge.jsonl:1: line exceeds the 4 MiB limit\n");
    assert_int_equal(strncmp(ids, "after@2:", 8), 0);
}

static void json_documents(void **state)
{
    (void)state;
    char ids[512], errs[512];
    const char *pretty = "{\n  \"call_id\": \"p\",\n  \"turns\": [\n    {\"speaker\": \"agent\", "
                         "\"text\": \"好\"}\n  ]\n}\n";
    read_all(write_file("pretty.json", pretty, strlen(pretty)), 0, ids, sizeof ids, errs,
             sizeof errs, NULL);
    char want[64];
    snprintf(want, sizeof want, "p@1:0-%zu ", strlen(pretty));
    assert_string_equal(ids, want);
    const char *array = "[" CALL("a1") ",\n" CALL("a2") "]";
    read_all(write_file("array.json", array, strlen(array)), 0, ids, sizeof ids, errs, sizeof errs,
             NULL);
    /* Each call of an array at the line its object starts. */
    assert_int_equal(strncmp(ids, "a1@1:0-0 a2@2:0-", 16), 0);
    const char *broken = "{\n  \"call_id\": \"p\",\n  \"turns\": [\n}\n";
    read_all(write_file("broken.json", broken, strlen(broken)), 0, ids, sizeof ids, errs,
             sizeof errs, NULL);
    assert_string_equal(ids, "");
    assert_string_equal(errs, "broken.json:4: invalid JSON: unexpected token near '}' "
                              "(column 1)\n");
}

static void collect_error(const zj_error *e, void *ctx)
{
    char buf[1200];
    const char *msg = zj_error_format(e, buf, sizeof buf);
    strcat((char *)ctx, strrchr(msg, '/') ? strrchr(msg, '/') + 1 : msg);
    strcat((char *)ctx, "\n");
}

static void directory_expansion(void **state)
{
    (void)state;
    char dir[300], sub[300];
    snprintf(dir, sizeof dir, "%s/in", tmpdir);
    snprintf(sub, sizeof sub, "%s/in/b-sub", tmpdir);
    mkdir(dir, 0755);
    mkdir(sub, 0755);
    write_file("in/c.jsonl", "", 0);
    write_file("in/a.json", "", 0);
    write_file("in/notes.txt", "", 0);
    write_file("in/.hidden.jsonl", "", 0);
    write_file("in/b-sub/z.jsonl", "", 0);
    const char *inputs[] = {dir, "/nonexistent/zj", "-"};
    char **paths;
    size_t n;
    char errs[512] = "";
    assert_int_equal(zj_inputs_expand(inputs, 3, &paths, &n, collect_error, errs), ZJ_ERR_IO);
    assert_string_equal(errs, "zj: No such file or directory\n");
    assert_int_equal(n, 4);
    assert_string_equal(strrchr(paths[0], '/'), "/a.json");
    assert_string_equal(strrchr(paths[1], '/'), "/z.jsonl");
    assert_string_equal(strrchr(paths[2], '/'), "/c.jsonl");
    assert_string_equal(paths[3], "-");
    zj_paths_free(paths, n);
}

static void stdin_cannot_resume(void **state)
{
    (void)state;
    zj_error err;
    assert_null(zj_reader_open("-", 10, &err));
    assert_int_equal(err.status, ZJ_ERR_USAGE);
    assert_string_equal(err.msg, "cannot resume standard input");
    assert_null(zj_reader_open("/nonexistent/x.jsonl", 0, &err));
    assert_string_equal(err.msg, "No such file or directory");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(full_call_parsed),    cmocka_unit_test(call_errors_are_exact),
        cmocka_unit_test(timestamps),          cmocka_unit_test(jsonl_with_broken_line_goes_on),
        cmocka_unit_test(bom_empty_and_huge),  cmocka_unit_test(json_documents),
        cmocka_unit_test(directory_expansion), cmocka_unit_test(stdin_cannot_resume),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
