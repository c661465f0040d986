/* test_ingest.c — input formats: detection of every sample in
 * corpus/formats/, each adapter's exact turns, times, speakers and vendor
 * metadata, roles decided on every sample (the agent second in several),
 * the shared helpers (clock times, speaker prefixes, CSV, encodings) and
 * the call metadata table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#define SAMPLES ZJ_SOURCE_DIR "/corpus/formats/"

/* The call every sample holds (corpus/make_formats.py). */
static const struct {
    zj_speaker speaker;
    const char *text;
    int64_t start, end;
} want[] = {
    {ZJ_SPEAKER_AGENT, "您好，阳光物业客服中心，我姓李，请问有什么可以帮您？", 0, 5200},
    {ZJ_SPEAKER_CUSTOMER, "你好，我家厨房水管漏水了，已经流到楼下了。", 5600, 9800},
    {ZJ_SPEAKER_AGENT, "这个我不管，该找谁找谁，你自己找楼下吧。", 10200, 15000},
    {ZJ_SPEAKER_CUSTOMER, "那我该怎么办啊？", 15400, 19000},
    {ZJ_SPEAKER_AGENT, "请您稍等，我马上安排维修师傅上门，大约二十分钟到。", 19400, 26000},
    {ZJ_SPEAKER_CUSTOMER, "好的，谢谢。", 26300, 28000},
    {ZJ_SPEAKER_AGENT, "不客气，感谢您的来电，再见。", 28400, 32000},
};
#define N_WANT (sizeof want / sizeof *want)

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* Parses a sample with the adapter detection picks (checked against the
 * expected name); out holds the result. */
static void parse_sample(const char *file, const char *format, const char *id, zj_ingest_out *out)
{
    char path[512];
    snprintf(path, sizeof path, SAMPLES "%s", file);
    size_t len;
    char *text = slurp(path, &len);
    zj_error err;
    const zj_ingest_ops *ops = zj_ingest_detect(text, len, path, &err);
    assert_non_null(ops);
    assert_string_equal(ops->name, format);
    memset(out, 0, sizeof *out);
    out->source = file;
    out->default_id = id;
    zj_ingest_parse(ops, text, len, out);
    free(text);
}

/* Loaded once: compiling the bundled rule set for every sample is slow
 * under the sanitizers. Freed by teardown. */
static zj_ruleset *shared_rules;

static zj_ruleset *bundled(void)
{
    if (!shared_rules) {
        zj_error err;
        shared_rules = zj_rules_load(ZJ_SOURCE_DIR "/rules/property-service.yaml",
                                     &(zj_load_opts){.cache_dir = ZJ_TEST_CACHE_DIR}, &err);
        assert_non_null(shared_rules);
    }
    return shared_rules;
}

static int free_rules(void **state)
{
    (void)state;
    zj_rules_free(shared_rules);
    shared_rules = NULL;
    return 0;
}

/* Checks the call against want[]: texts, times (end -1 where the format has
 * none), and after roles the speakers; the role decision in the metadata. */
static void check_call(zj_call *c, const char *id, bool has_end, const char *agent,
                       const char *method)
{
    assert_string_equal(c->call_id, id);
    assert_int_equal(c->n_turns, N_WANT);
    for (size_t i = 0; i < N_WANT; i++) {
        assert_string_equal(c->turns[i].text, want[i].text);
        assert_int_equal(c->turns[i].text_len, strlen(want[i].text));
        assert_int_equal(c->turns[i].start_ms, want[i].start);
        assert_int_equal(c->turns[i].end_ms, has_end ? want[i].end : -1);
    }
    zj_ruleset *rs = bundled();
    zj_error err;
    zj_scorer *s = zj_scorer_new(rs, &err);
    zj_roles_decision d;
    assert_int_equal(zj_roles_resolve(s, rs, c, -1, NULL, &d, &err), ZJ_OK);
    assert_null(c->parties);
    for (size_t i = 0; i < N_WANT; i++)
        assert_int_equal(c->turns[i].speaker, want[i].speaker);
    assert_string_equal(d.agent, agent);
    assert_string_equal(d.method, method);
    if (strcmp(method, "auto") == 0)
        assert_true(d.score - d.runner_up_score >= ZJ_ROLES_MIN_MARGIN);
    zj_scorer_free(s);
}

static const char *meta_of(const zj_call *c, long turn, const char *key)
{
    for (size_t i = 0; i < c->n_meta; i++)
        if (c->meta[i].turn == turn && strcmp(c->meta[i].key, key) == 0)
            return c->meta[i].value;
    return NULL;
}

static zj_call *only_call(zj_ingest_out *out)
{
    assert_int_equal(out->n, 1);
    if (out->v[0].error) {
        char buf[1200];
        fail_msg("%s", zj_error_format(out->v[0].error, buf, sizeof buf));
    }
    zj_call *c = out->v[0].call;
    out->v[0].call = NULL;
    return c;
}

static void alibaba_sample(void **state)
{
    (void)state;
    zj_ingest_out out;
    parse_sample("alibaba.json", "alibaba", "alibaba", &out);
    zj_call *c = only_call(&out);
    assert_int_equal(c->parties->v[0].channel, 1);
    assert_int_equal(c->parties->v[1].channel, 0);
    assert_string_equal(meta_of(c, -1, "audio_duration_ms"), "32000");
    assert_string_equal(meta_of(c, 0, "speech_rate_cpm"), "220");
    assert_string_equal(meta_of(c, 0, "silence_before_ms"), "0");
    assert_string_equal(meta_of(c, 1, "silence_before_ms"), "400");
    assert_string_equal(meta_of(c, 6, "emotion_energy"), "6.5");
    check_call(c, "alibaba", true, "channel 1", "auto");
    assert_string_equal(meta_of(c, -1, "roles.agent"), "channel 1");
    zj_call_free(c);
    zj_ingest_out_free(&out);

    parse_sample("alibaba-lowercamel.json", "alibaba", "file-name", &out);
    c = only_call(&out);
    assert_string_equal(meta_of(c, 0, "speech_rate_cpm"), "180");
    assert_string_equal(meta_of(c, 2, "emotion_energy"), "5.7");
    check_call(c, "alibaba-lowercamel", true, "channel 0", "auto");
    zj_call_free(c);
    zj_ingest_out_free(&out);
}

static void alibaba_qa_sample(void **state)
{
    (void)state;
    zj_ingest_out out;
    parse_sample("alibaba-qa.json", "alibaba-qa", "x", &out);
    zj_call *c = only_call(&out);
    assert_string_equal(c->agent_id, "A017");
    assert_int_equal(c->parties->v[0].role, ZJ_SPEAKER_AGENT);
    check_call(c, "alibaba-qa", true, "named in the input", "input");
    zj_call_free(c);
    zj_ingest_out_free(&out);
}

static void tencent_samples(void **state)
{
    (void)state;
    zj_ingest_out out;
    parse_sample("tencent.json", "tencent", "tencent", &out);
    zj_call *c = only_call(&out);
    assert_string_equal(c->parties->v[0].speaker, "1");
    assert_string_equal(c->parties->v[1].speaker, "0");
    assert_string_equal(meta_of(c, 3, "speech_rate_cpm"), "252"); /* 4.2 characters/s */
    assert_string_equal(meta_of(c, 3, "silence_before_ms"), "400");
    assert_string_equal(meta_of(c, 3, "emotion"), "neutral");
    assert_string_equal(meta_of(c, -1, "audio_duration_ms"), "32000");
    check_call(c, "tencent", true, "speaker 1", "auto");
    zj_call_free(c);
    zj_ingest_out_free(&out);

    parse_sample("tencent-result.json", "tencent", "tencent-result", &out);
    c = only_call(&out);
    assert_string_equal(c->parties->v[0].speaker, "0");
    check_call(c, "tencent-result", true, "speaker 0", "auto");
    zj_call_free(c);
    zj_ingest_out_free(&out);
}

static void iflytek_sample(void **state)
{
    (void)state;
    zj_ingest_out out;
    parse_sample("iflytek.json", "iflytek", "iflytek", &out);
    zj_call *c = only_call(&out);
    assert_string_equal(c->parties->v[0].speaker, "2");
    check_call(c, "iflytek", true, "speaker 2", "auto");
    zj_call_free(c);
    zj_ingest_out_free(&out);
}

/* orderResult and json_1best as objects rather than strings; segment marks
 * (wp "g") dropped, punctuation (wp "p") and smoothing words kept. */
static void iflytek_objects(void **state)
{
    (void)state;
    const char *json =
        "{\"orderResult\":{\"lattice\":[{\"json_1best\":{\"st\":{\"bg\":\"120\","
        "\"ed\":\"1500\",\"rl\":\"1\",\"rt\":[{\"ws\":[{\"cw\":[{\"w\":\"嗯\","
        "\"wp\":\"s\"}]},{\"cw\":[{\"w\":\"您好\",\"wp\":\"n\"}]},{\"cw\":[{\"w\":\"\","
        "\"wp\":\"g\"}]},{\"cw\":[{\"w\":\"。\",\"wp\":\"p\"}]}]}]}}}]}}";
    zj_ingest_out out = {.source = "o.json", .default_id = "o"};
    zj_error err;
    const zj_ingest_ops *ops = zj_ingest_detect(json, strlen(json), "o.json", &err);
    assert_non_null(ops);
    assert_string_equal(ops->name, "iflytek");
    zj_ingest_parse(ops, json, strlen(json), &out);
    zj_call *c = only_call(&out);
    assert_int_equal(c->n_turns, 1);
    assert_string_equal(c->turns[0].text, "嗯您好。");
    assert_int_equal(c->turns[0].start_ms, 120);
    assert_int_equal(c->turns[0].end_ms, 1500);
    assert_string_equal(c->parties->v[0].speaker, "1");
    zj_call_free(c);
    zj_ingest_out_free(&out);
}

static void huawei_sample(void **state)
{
    (void)state;
    zj_ingest_out out;
    parse_sample("huawei.json", "huawei", "huawei", &out);
    zj_call *c = only_call(&out);
    assert_string_equal(meta_of(c, 0, "speech_rate_cpm"), "270");
    assert_string_equal(meta_of(c, 0, "emotion"), "NORMAL");
    check_call(c, "huawei", true, "named in the input", "input");
    zj_call_free(c);
    zj_ingest_out_free(&out);
}

static void funasr_dashscope_whisper_samples(void **state)
{
    (void)state;
    zj_ingest_out out;
    /* FunASR writes a space between characters: gone from the turns. */
    parse_sample("funasr.json", "funasr", "funasr-file", &out);
    zj_call *c = only_call(&out);
    check_call(c, "funasr", true, "speaker 0", "auto");
    zj_call_free(c);
    zj_ingest_out_free(&out);

    parse_sample("dashscope.json", "dashscope", "dashscope", &out);
    c = only_call(&out);
    assert_int_equal(c->parties->v[0].channel, 1); /* merged in time order */
    assert_int_equal(c->parties->v[1].channel, 0);
    check_call(c, "dashscope", true, "channel 1", "auto");
    zj_call_free(c);
    zj_ingest_out_free(&out);

    parse_sample("whisperx.json", "whisper", "whisperx", &out);
    c = only_call(&out);
    assert_string_equal(c->parties->v[0].speaker, "SPEAKER_01");
    check_call(c, "whisperx", true, "speaker SPEAKER_01", "auto");
    zj_call_free(c);
    zj_ingest_out_free(&out);
}

static void text_samples(void **state)
{
    (void)state;
    zj_ingest_out out;
    parse_sample("subtitles.srt", "srt", "subtitles", &out);
    zj_call *c = only_call(&out);
    check_call(c, "subtitles", true, "named in the input", "input");
    zj_call_free(c);
    zj_ingest_out_free(&out);

    parse_sample("subtitles.vtt", "vtt", "subtitles", &out);
    c = only_call(&out);
    assert_string_equal(c->parties->v[1].speaker, "SPEAKER_01");
    check_call(c, "subtitles", true, "speaker SPEAKER_00", "auto");
    zj_call_free(c);
    zj_ingest_out_free(&out);

    parse_sample("transcript.txt", "text", "transcript", &out);
    c = only_call(&out);
    check_call(c, "transcript", false, "named in the input", "input");
    zj_call_free(c);
    zj_ingest_out_free(&out);

    parse_sample("utterances.csv", "csv", "ignored", &out);
    c = only_call(&out);
    assert_string_equal(c->parties->v[0].speaker, "2");
    check_call(c, "utterances", true, "speaker 2", "auto");
    zj_call_free(c);
    zj_ingest_out_free(&out);
}

static void native_sample_detected(void **state)
{
    (void)state;
    zj_ingest_out out;
    parse_sample("native.json", "native", "x", &out);
    zj_call *c = only_call(&out);
    assert_null(c->parties);
    assert_int_equal(c->n_turns, N_WANT);
    zj_call_free(c);
    zj_ingest_out_free(&out);
}

static void detection_refuses_unknown_and_ambiguous(void **state)
{
    (void)state;
    zj_error err;
    const char *prose = "这是一段普通的说明文字。\n没有说话人。\n";
    assert_null(zj_ingest_detect(prose, strlen(prose), "notes.txt", &err));
    char buf[1200];
    assert_string_equal(zj_error_format(&err, buf, sizeof buf),
                        "notes.txt: unknown input format (tried native, alibaba, alibaba-qa, "
                        "tencent, iflytek, huawei, funasr, dashscope, whisper, srt, vtt, text, "
                        "csv); name it with --input-format");
    const char *both = "{\"Result\":{\"Sentences\":[{\"BeginTime\":0}]},"
                       "\"Data\":{\"ResultDetail\":[]}}";
    assert_null(zj_ingest_detect(both, strlen(both), "x.json", &err));
    assert_string_equal(zj_error_format(&err, buf, sizeof buf),
                        "x.json: ambiguous input format: it looks like alibaba, tencent alike; "
                        "name one with --input-format");
}

/* A native call may carry the raw ASR result it was made from. */
static void native_with_embedded_vendor_result(void **state)
{
    (void)state;
    const char *json = "{\"call_id\":\"c\",\"asr_raw\":{\"Result\":{\"Sentences\":"
                       "[{\"BeginTime\":0,\"EndTime\":10,\"Text\":\"您好\"}]}},"
                       "\"turns\":[{\"speaker\":\"agent\",\"text\":\"您好\"}]}";
    zj_error err;
    const zj_ingest_ops *ops = zj_ingest_detect(json, strlen(json), "c.json", &err);
    assert_non_null(ops);
    assert_string_equal(ops->name, "native");
}

static void touch(const char *dir, const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fclose(f);
}

/* Directories are walked for every format's extensions when the format is
 * detected, for the named format's only when it is forced, and for native
 * JSON only through the plain zj_inputs_expand. */
static void directory_walk_by_format(void **state)
{
    (void)state;
    char dir[] = "/tmp/zj_walk_XXXXXX";
    assert_non_null(mkdtemp(dir));
    const char *names[] = {"a.json", "b.jsonl", "c.srt", "d.vtt",
                           "e.txt",  "f.csv",   "g.wav", "h.md"};
    for (size_t i = 0; i < 8; i++)
        touch(dir, names[i]);
    const char *inputs[] = {dir};
    struct {
        const char *format;
        const char *want;
    } cases[] = {{"auto", "a.json b.jsonl c.srt d.vtt e.txt f.csv "},
                 {"srt", "c.srt "},
                 {"alibaba", "a.json "},
                 {"native", "a.json b.jsonl "},
                 {NULL, "a.json b.jsonl "}};
    for (size_t k = 0; k < 5; k++) {
        char **paths;
        size_t n;
        if (cases[k].format)
            assert_int_equal(
                zj_inputs_expand_format(inputs, 1, cases[k].format, 0, &paths, &n, NULL, NULL),
                ZJ_OK);
        else
            assert_int_equal(zj_inputs_expand(inputs, 1, &paths, &n, NULL, NULL), ZJ_OK);
        char got[256] = "";
        for (size_t i = 0; i < n; i++) {
            strcat(got, strrchr(paths[i], '/') + 1);
            strcat(got, " ");
        }
        assert_string_equal(got, cases[k].want);
        zj_paths_free(paths, n);
    }
    for (size_t i = 0; i < 8; i++) {
        char path[256];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
}

static void text_cleanup(void **state)
{
    (void)state;
    zj_call *c = zj_ing_call_new("t", "t", 0);
    assert_true(zj_ing_add_turn(c, "  您 好 ， 我 的 iPhone 12  坏 了 ", 41, -1, -1, NULL));
    assert_string_equal(c->turns[0].text, "您好，我的iPhone 12坏了");
    assert_true(zj_ing_add_turn(c, " \u3000 ", 5, -1, -1, NULL)); /* empty: skipped */
    assert_int_equal(c->n_turns, 1);
    /* A metadata value cut inside a character loses the whole character. */
    assert_true(zj_ing_add_meta(c, 0, "emotion", "%.4s", "愤怒"));
    assert_string_equal(c->meta[0].value, "愤");
    assert_true(zj_ing_add_meta(c, 0, "emotion", "%.2s", "愤怒"));
    assert_string_equal(c->meta[1].value, "");
    zj_call_free(c);
}

static void clock_and_prefixes(void **state)
{
    (void)state;
    int64_t ms;
    assert_true(zj_ing_clock("01:02:03,456", 12, &ms));
    assert_int_equal(ms, 3723456);
    assert_true(zj_ing_clock("0:05.6", 6, &ms));
    assert_int_equal(ms, 5600);
    assert_true(zj_ing_clock("12:07", 5, &ms));
    assert_int_equal(ms, 727000);
    assert_false(zj_ing_clock("00:61.000", 9, &ms));
    assert_false(zj_ing_clock("1:2x", 4, &ms));
    assert_false(zj_ing_clock("123", 3, &ms));
    zj_party who;
    const char *s = "坐席：您好";
    assert_int_equal(zj_ing_speaker_prefix(s, strlen(s), &who), 9);
    assert_int_equal(who.role, ZJ_SPEAKER_AGENT);
    s = "客户: 你好";
    assert_int_equal(zj_ing_speaker_prefix(s, strlen(s), &who), 8);
    assert_int_equal(who.role, ZJ_SPEAKER_CUSTOMER);
    s = "[SPEAKER_00]: hi";
    assert_int_equal(zj_ing_speaker_prefix(s, strlen(s), &who), 14);
    assert_string_equal(who.speaker, "SPEAKER_00");
    s = "发音人2：好的";
    assert_int_equal(zj_ing_speaker_prefix(s, strlen(s), &who), 13);
    assert_string_equal(who.speaker, "发音人2");
    s = "左声道：喂";
    assert_int_equal(zj_ing_speaker_prefix(s, strlen(s), &who), 12);
    assert_int_equal(who.channel, 0);
    s = "Speaker 2: ok";
    assert_int_equal(zj_ing_speaker_prefix(s, strlen(s), &who), 11);
    assert_string_equal(who.speaker, "Speaker 2");
    s = "客服小王：请稍等";
    assert_int_equal(zj_ing_speaker_prefix(s, strlen(s), &who), 15);
    assert_int_equal(who.role, ZJ_SPEAKER_AGENT);
    s = "客户(张先生): 好";
    assert_int_equal(zj_ing_speaker_prefix(s, strlen(s), &who), 19);
    assert_int_equal(who.role, ZJ_SPEAKER_CUSTOMER);
    s = "注意：这不是说话人";
    assert_int_equal(zj_ing_speaker_prefix(s, strlen(s), &who), 0);
    s = "note: not a speaker";
    assert_int_equal(zj_ing_speaker_prefix(s, strlen(s), &who), 0);
}

static void csv_quotes_and_lines(void **state)
{
    (void)state;
    const char *text = "a,b\r\n\"x,1\",\"say \"\"hi\"\"\nthere\"\n\n3,4";
    zj_csv csv;
    zj_error err;
    assert_true(zj_csv_parse(text, strlen(text), "t.csv", &csv, &err));
    assert_int_equal(csv.n, 3);
    assert_string_equal(csv.rows[1].f[0], "x,1");
    assert_string_equal(csv.rows[1].f[1], "say \"hi\"\nthere");
    assert_int_equal(csv.rows[1].line, 2);
    assert_int_equal(csv.rows[2].line, 5);
    assert_int_equal(zj_csv_column(&csv.rows[0], "c|B"), 1);
    zj_csv_free(&csv);
    const char *open = "a,b\n1,\"never closed\n";
    assert_false(zj_csv_parse(open, strlen(open), "t.csv", &csv, &err));
    char buf[600];
    assert_string_equal(zj_error_format(&err, buf, sizeof buf),
                        "t.csv:2: CSV: a quoted field is never closed");
}

static void encodings(void **state)
{
    (void)state;
    /* "坐席" in GB18030. */
    const char gb[] = "\xd7\xf8\xcf\xaf,ok\n";
    char *out;
    size_t n;
    zj_error err;
    char buf[600];
    assert_int_equal(zj_encoding_utf8("m.csv", NULL, gb, strlen(gb), &out, &n, &err), ZJ_ERR_UTF8);
    assert_string_equal(zj_error_format(&err, buf, sizeof buf),
                        "m.csv:1: not UTF-8; the bytes look like GB18030/GBK (a Chinese Windows "
                        "export?): pass --encoding gb18030");
    assert_int_equal(zj_encoding_utf8("m.csv", "gb18030", gb, strlen(gb), &out, &n, &err), ZJ_OK);
    assert_string_equal(out, "坐席,ok\n");
    free(out);
    const char u16[] = "\xff\xfe"
                       "a\0b\0";
    assert_int_equal(zj_encoding_utf8("w.csv", NULL, u16, 6, &out, &n, &err), ZJ_ERR_UTF8);
    assert_string_equal(zj_error_format(&err, buf, sizeof buf),
                        "w.csv:1: not UTF-8; the bytes look like UTF-16LE (byte-order mark FF FE): "
                        "pass --encoding utf-16");
    assert_int_equal(zj_encoding_utf8("w.csv", "utf-16", u16, 6, &out, &n, &err), ZJ_OK);
    assert_string_equal(out, "ab");
    free(out);
    const char bom[] = "\xef\xbb\xbfok";
    assert_int_equal(zj_encoding_utf8("b", NULL, bom, 5, &out, &n, &err), ZJ_OK);
    assert_string_equal(out, "ok");
    free(out);
}

/* Parses content with the named adapter (as the reader does, through
 * zj_ingest_parse) and renders each item as "call ID (N turns)" or the
 * error as printed, one a line, into got. */
static void ingest_items(const char *format, const char *content, size_t len, char *got,
                         size_t size)
{
    zj_ingest_out out = {0};
    out.source = "t";
    out.default_id = "t";
    zj_ingest_parse(zj_ingest_find(format), content, len, &out);
    size_t o = 0;
    got[0] = '\0';
    for (size_t i = 0; i < out.n; i++) {
        char buf[1200];
        if (out.v[i].call)
            snprintf(buf, sizeof buf, "call %s (%zu turns)", out.v[i].call->call_id,
                     out.v[i].call->n_turns);
        else
            zj_error_format(out.v[i].error, buf, sizeof buf);
        o += (size_t)snprintf(got + o, o < size ? size - o : 0, "%s\n", buf);
    }
    zj_ingest_out_free(&out);
}

/* The reader of format on in gives exactly the lines expected (as
 * ingest_items writes them). */
static void expect_items(const char *format, const char *in, const char *expected)
{
    char got[4096];
    ingest_items(format, in, strlen(in), got, sizeof got);
    if (strcmp(got, expected) != 0)
        fail_msg("%s reader: got\n%sexpected\n%s", format, got, expected);
}

/* A CSV row with more (or fewer) fields than the header rejects its whole
 * call, wherever it is in the call, and never a neighbour. */
static void csv_bad_row_rejects_its_call(void **state)
{
    (void)state;
    /* Each file, and what the reader makes of it: calls, or errors at a line. */
    static const struct {
        const char *in, *expected;
    } cases[] = {
        /* The bad row is its call's first: that call is rejected, the next kept. */
        {"call_id,speaker,text\n"
         "A,坐席,这个我不管,你自己找楼下吧\n"
         "A,坐席,您好\n"
         "B,坐席,您好\n",
         "t:2: call 'A': 4 fields, the header has 3 (an unquoted comma in a "
         "field?)\n"
         "call B (1 turns)\n"},
        /* The bad row is in the second call: the first is kept. */
        {"call_id,speaker,text\n"
         "A,坐席,您好\n"
         "B,坐席,这个我不管,你自己找楼下吧\n"
         "B,坐席,您好\n",
         "call A (1 turns)\n"
         "t:3: call 'B': 4 fields, the header has 3 (an unquoted comma in a "
         "field?)\n"},
        /* The call id last: the shifted reading names the call. */
        {"speaker,text,call_id\n"
         "坐席,您好,A\n"
         "坐席,这个我不管,你自己找楼下吧,B\n"
         "坐席,您好,B\n"
         "坐席,您好,C\n",
         "call A (1 turns)\n"
         "t:3: call 'B': 4 fields, the header has 3 (an unquoted comma in a "
         "field?)\n"
         "call C (1 turns)\n"},
        /* A one-row call of its own: only it. */
        {"call_id,speaker,text\n"
         "A,坐席,您好\n"
         "C,坐席,这个我不管,你自己找楼下吧\n"
         "B,坐席,您好\n",
         "call A (1 turns)\n"
         "t:3: call 'C': 4 fields, the header has 3 (an unquoted comma in a "
         "field?); its other readings of call_id ('坐席') name no call next "
         "to it\n"
         "call B (1 turns)\n"},
        /* The call id perhaps the missing field: both calls it could be. */
        {"speaker,text,call_id\n"
         "坐席,您好,A\n"
         "坐席,这个我不管你自己找楼下吧\n"
         "坐席,您好,B\n"
         "坐席,您好,C\n",
         "t:3: call 'A': 2 fields, the header has 3 (a field missing?), and "
         "whose row it is cannot be told (call 'A' or 'B'): both are "
         "rejected\n"
         "t:3: call 'B': 2 fields, the header has 3 (a field missing?), and "
         "whose row it is cannot be told (call 'A' or 'B'): both are "
         "rejected\n"
         "call C (1 turns)\n"},
        /* Rows of a rejected call that come back later are not scored alone. */
        {"call_id,speaker,text\n"
         "A,坐席,不管,x\n"
         "B,坐席,您好\n"
         "A,坐席,您好\n",
         "call B (1 turns)\n"
         "t:2: call 'A': 4 fields, the header has 3 (an unquoted comma in a "
         "field?); its other readings of call_id ('坐席') name no call next "
         "to it\n"},
        /* Times: plain decimals only, at most 10^12 ms. */
        {"call_id,speaker,text,start,end_ms\n"
         "A,坐席,您好,0x10,\n"
         "B,坐席,您好,,1000000000001\n"
         "C,坐席,您好,1e3,\n",
         "t:2: start '0x10' is not a time in seconds (12.5) or 00:00:12.500\n"
         "t:3: end_ms '1000000000001' is not a number of milliseconds\n"
         "t:4: start '1e3' is not a time in seconds (12.5) or 00:00:12.500\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        expect_items("csv", cases[i].in, cases[i].expected);
}

/* A NUL byte rejects the record with its line: the whole file of a
 * subtitle or text, the row's call of a CSV (its id read whole). */
static void nul_bytes_rejected(void **state)
{
    (void)state;
    char got[2048];
    const char srt[] = "1\n00:00:01,000 --> 00:00:02,000\n坐席：您好\0，物业\n";
    ingest_items("srt", srt, sizeof srt - 1, got, sizeof got);
    assert_string_equal(got, "t:3: a NUL byte (\\u0000) in the text; the file is rejected\n");
    const char vtt[] = "WEBVTT\n\n00:01.000 --> 00:02.000\n坐席：您好\0\n";
    ingest_items("vtt", vtt, sizeof vtt - 1, got, sizeof got);
    assert_string_equal(got, "t:4: a NUL byte (\\u0000) in the text; the file is rejected\n");
    const char text[] = "坐席：您好\n客户：你\0好\n";
    ingest_items("text", text, sizeof text - 1, got, sizeof got);
    assert_string_equal(got, "t:2: a NUL byte (\\u0000) in the text; the file is rejected\n");
    const char csv[] = "call_id,speaker,text\nC\0 1,坐席,您好\nC\0 1,客户,你好\nD,坐席,您好\n";
    ingest_items("csv", csv, sizeof csv - 1, got, sizeof got);
    assert_string_equal(got, "t:2: call 'C\\x00 1': a NUL byte (\\u0000) in a field\n"
                             "call D (1 turns)\n");
}

/* Every format's times stop at 10^12 ms (what native JSON accepts). */
static void times_at_most_1e12(void **state)
{
    (void)state;
    int64_t ms;
    assert_true(zj_ing_clock("277777:46:40,000", 16, &ms));
    assert_int_equal(ms, 1000000000000LL);
    assert_false(zj_ing_clock("277777:46:40,001", 16, &ms));
    assert_false(zj_ing_clock("00:00:01,9999", 13, &ms));
    expect_items("funasr",
                 "{\"sentence_info\":[{\"text\":\"您好\",\"start\":10000000000000,"
                 "\"end\":10000000001000,\"spk\":0}]}",
                 "t: $.sentence_info[0].start: time out of range (10000000000000 "
                 "ms; at most 1000000000000 ms)\n");
    expect_items("whisper", "{\"segments\":[{\"text\":\"您好\",\"start\":1e10,\"end\":1e10}]}",
                 "t: $.segments[0].start: time out of range (10000000000000 ms; at "
                 "most 1000000000000 ms)\n");
    expect_items("text", "[277777:46:41] 坐席：您好\n",
                 "t:1: broken time '[277777:46:41]' (expected [hh:mm:ss] or "
                 "[mm:ss.mmm], at most [277777:46:40])\n");
}

/* SubRip: a cue number and time line right after a cue's text start the
 * next cue; a time line alone inside the text is an error at its line. */
static void srt_cue_without_blank_line(void **state)
{
    (void)state;
    const char two[] = "1\n00:00:01,000 --> 00:00:02,000\n坐席：您好\n"
                       "2\n00:00:03,000 --> 00:00:04,000\n客户：你好\n";
    zj_ingest_out out = {0};
    out.source = "t";
    out.default_id = "t";
    zj_ingest_parse(zj_ingest_find("srt"), two, strlen(two), &out);
    assert_int_equal(out.n, 1);
    zj_call *c = out.v[0].call;
    assert_non_null(c);
    assert_int_equal(c->n_turns, 2);
    assert_string_equal(c->turns[0].text, "您好");
    assert_int_equal(c->turns[0].speaker, ZJ_SPEAKER_AGENT);
    assert_int_equal(c->turns[0].end_ms, 2000);
    assert_string_equal(c->turns[1].text, "你好");
    assert_int_equal(c->turns[1].speaker, ZJ_SPEAKER_CUSTOMER);
    assert_int_equal(c->turns[1].start_ms, 3000);
    zj_ingest_out_free(&out);
    expect_items("srt",
                 "1\n00:00:01,000 --> 00:00:02,000\n坐席：您好\n"
                 "00:00:03,000 --> 00:00:04,000\n客户：你好\n",
                 "t:4: a time line inside the cue's text (a blank line and a cue "
                 "number missing before it?)\n");
    /* A bad time in the first cue is still SubRip, reported at its line. */
    const char first[] = "1\n00:00:99,000 --> 00:01:45,000\n坐席：您好\n";
    zj_error err;
    const zj_ingest_ops *ops = zj_ingest_detect(first, strlen(first), "t", &err);
    assert_non_null(ops);
    assert_string_equal(ops->name, "srt");
    expect_items("srt", first,
                 "t:2: broken time line '00:00:99,000 --> 00:01:45,000' (expected "
                 "00:00:01,000 --> 00:00:03,500, at most 277777:46:40,000)\n");
}

/* With an encoding named, UTF-16 with its byte-order mark is converted
 * whatever the name, and valid UTF-8 stays UTF-8 even under utf-16. */
static void encoding_named_utf16_and_utf8(void **state)
{
    (void)state;
    char *out;
    size_t n;
    zj_error err;
    const char u16[] = "\xff\xfe"
                       "a\0b\0";
    assert_int_equal(zj_encoding_utf8("w.csv", "gb18030", u16, 6, &out, &n, &err), ZJ_OK);
    assert_string_equal(out, "ab");
    free(out);
    const char be[] = "\xfe\xff\0a\0b";
    assert_int_equal(zj_encoding_utf8("w.csv", "utf-16le", be, 6, &out, &n, &err), ZJ_OK);
    assert_string_equal(out, "ab");
    free(out);
    const char utf8[] = "坐席：您好\n";
    assert_int_equal(zj_encoding_utf8("u.txt", "utf-16", utf8, strlen(utf8), &out, &n, &err),
                     ZJ_OK);
    assert_string_equal(out, utf8);
    free(out);
    /* ASCII in UTF-16 without a mark is UTF-8 byte by byte but for NULs. */
    const char nomark[] = "a\0b\0";
    assert_int_equal(zj_encoding_utf8("w.csv", "utf-16le", nomark, 4, &out, &n, &err), ZJ_OK);
    assert_string_equal(out, "ab");
    free(out);
}

static void meta_table(void **state)
{
    (void)state;
    char dir[] = "/tmp/zj_meta_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof path, "%s/meta.csv", dir);
    FILE *f = fopen(path, "w");
    fputs("file,agent_id,agent_name,team,started_at,ring_ms,agent_speaker\n"
          "rec/whisperx.json,A017,王芳,报修组,2026-11-01 09:00:00+08:00,4000,SPEAKER_01\n"
          "other.json,A018,,,,,\n",
          f);
    fclose(f);
    zj_error err;
    zj_meta_table *t = zj_meta_table_load(path, NULL, &err);
    assert_non_null(t);
    assert_int_equal(zj_meta_table_rows(t), 2);
    zj_call *c = zj_ing_call_new("whisperx", "whisperx.json", 0);
    long channel;
    const char *speaker;
    assert_int_equal(zj_meta_table_apply(t, c, &channel, &speaker, &err), ZJ_OK);
    assert_string_equal(c->agent_id, "A017");
    assert_string_equal(c->agent_name, "王芳");
    assert_string_equal(c->team, "报修组");
    assert_int_equal(c->ring_ms, 4000);
    assert_int_equal(c->utc_offset_min, 480);
    assert_int_equal(channel, -1);
    assert_string_equal(speaker, "SPEAKER_01");
    zj_call_free(c);
    zj_meta_table_free(t);

    f = fopen(path, "w");
    fputs("call_id,agent,ring_ms\nx,1,2\n", f);
    fclose(f);
    assert_null(zj_meta_table_load(path, NULL, &err));
    assert_int_equal(err.line, 1);
    assert_non_null(strstr(err.msg, "unknown column 'agent'"));
    /* Two columns of one meaning: which agent handled the call is unknown. */
    f = fopen(path, "w");
    fputs("call_id,agent_id,工号\nx,A1,A2\n", f);
    fclose(f);
    assert_null(zj_meta_table_load(path, NULL, &err));
    assert_int_equal(err.line, 1);
    assert_string_equal(err.msg, "columns 'agent_id' and '工号' mean the same "
                                 "(agent_id|工号|坐席工号): which one holds the value "
                                 "cannot be told; keep one");
    f = fopen(path, "w");
    fputs("call_id,ring_ms\nx,2\ny,abc\n", f);
    fclose(f);
    assert_null(zj_meta_table_load(path, NULL, &err));
    char buf[600];
    assert_int_equal(err.line, 3);
    assert_string_equal(err.msg, "ring_ms 'abc' is not a number of milliseconds");
    f = fopen(path, "w");
    fputs("call_id,team\nx,a\ny,b\nx,c\n", f);
    fclose(f);
    assert_null(zj_meta_table_load(path, NULL, &err));
    assert_string_equal(zj_error_format(&err, buf, sizeof buf) + strlen(path),
                        ":4: call id 'x' is listed twice (also line 2)");
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(alibaba_sample),
        cmocka_unit_test(alibaba_qa_sample),
        cmocka_unit_test(tencent_samples),
        cmocka_unit_test(iflytek_sample),
        cmocka_unit_test(iflytek_objects),
        cmocka_unit_test(huawei_sample),
        cmocka_unit_test(funasr_dashscope_whisper_samples),
        cmocka_unit_test(text_samples),
        cmocka_unit_test(native_sample_detected),
        cmocka_unit_test(detection_refuses_unknown_and_ambiguous),
        cmocka_unit_test(native_with_embedded_vendor_result),
        cmocka_unit_test(directory_walk_by_format),
        cmocka_unit_test(text_cleanup),
        cmocka_unit_test(clock_and_prefixes),
        cmocka_unit_test(csv_quotes_and_lines),
        cmocka_unit_test(encodings),
        cmocka_unit_test(csv_bad_row_rejects_its_call),
        cmocka_unit_test(nul_bytes_rejected),
        cmocka_unit_test(times_at_most_1e12),
        cmocka_unit_test(srt_cue_without_blank_line),
        cmocka_unit_test(encoding_named_utf16_and_utf8),
        cmocka_unit_test(meta_table),
    };
    return cmocka_run_group_tests(tests, NULL, free_rules);
}
