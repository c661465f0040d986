/* cmd_show.c — `zhijian show CALL_ID`: one stored call's transcript with each
 * finding marked in place, its score, grade and verdict. */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static void show_usage(FILE *out)
{
    fprintf(out,
            "usage: zhijian show CALL_ID [--db PATH] [--ruleset NAME[@VER]] [--format text|json]\n"
            "\n"
            "Show a scored call: the transcript with each finding marked in place\n"
            "(colour on a terminal, [[brackets]] otherwise: a bracket of the transcript itself\n"
            "next to another is written \\x5b or \\x5d, a backslash \\x5c), score, grade,\n"
            "verdict, and each finding's rule, clause and points.\n"
            "\n"
            "  --db PATH            the result database written by `zhijian score`\n"
            "                       (default: zhijian.db in this directory), or a PostgreSQL\n"
            "                       store: --db postgresql://qa@db.example/zhijian\n"
            "  --ruleset NAME[@VER] whose results to show when the call was scored by\n"
            "                       several rule sets (default: the newest rule set that\n"
            "                       has results), e.g. --ruleset property-service@2026.1\n"
            "  --format FMT         text (default: the marked transcript) or json (the\n"
            "                       stored call, its turns, metadata and findings)\n"
            "\n"
            "Examples:\n"
            "  zhijian show --db out/zhijian.db PS-017\n"
            "  zhijian show --db out/zhijian.db --format json PS-017 > PS-017.json\n"
            "\n"
            "Exit status: 0 shown; 2 usage error, no such call or rule set, or a database\n"
            "or write error.\n");
}

#define RED "\033[1;31m"
#define GREEN "\033[32m"
#define YELLOW "\033[33m"
#define DIM "\033[2m"
#define OFF "\033[0m"

/* A finding's colour by weight: 0 green (met, a tag), 1 yellow, 2 red
 * (critical or major). Where findings overlap, a character takes the
 * heaviest colour of those covering it, so an offence under a 0-point tag or
 * a met requirement is still drawn as an offence. */
enum { N_WEIGHTS = 3 };
static const char *const weight_color[N_WEIGHTS] = {GREEN, YELLOW, RED};

static int mark_weight(const zj_stored_finding *f)
{
    if (strcmp(f->outcome, "met") == 0 || strcmp(f->kind, "tag") == 0)
        return 0;
    return strcmp(f->severity, "critical") == 0 || strcmp(f->severity, "major") == 0 ? 2 : 1;
}

/* A marked span: findings in transcript order, the widest first where
 * several start together, then the one listed first. */
typedef struct mark {
    long turn, start, end;
    size_t finding;
} mark;

static int cmp_mark(const void *a, const void *b)
{
    const mark *x = a, *y = b;
    if (x->turn != y->turn)
        return x->turn < y->turn ? -1 : 1;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    if (x->end != y->end)
        return x->end > y->end ? -1 : 1;
    return x->finding < y->finding ? -1 : x->finding > y->finding;
}

static bool is_square_bracket(char c)
{
    return c == '[' || c == ']';
}

/* Zero-width characters the terminal escape keeps (they shape emoji and
 * scripts): the joiners U+200C and U+200D, the combining grapheme joiner
 * U+034F, the variation selectors U+FE00..U+FE0F and U+E0100..U+E01EF.
 * Between two brackets they would make [ZWJ[ look like a mark. Their UTF-8
 * length at s, or 0. */
static size_t zero_width_kept(const unsigned char *s, size_t n)
{
    if (n >= 3 && s[0] == 0xE2 && s[1] == 0x80 && (s[2] == 0x8C || s[2] == 0x8D))
        return 3;
    if (n >= 2 && s[0] == 0xCD && s[1] == 0x8F)
        return 2;
    if (n >= 3 && s[0] == 0xEF && s[1] == 0xB8 && s[2] >= 0x80 && s[2] <= 0x8F)
        return 3;
    if (n >= 4 && s[0] == 0xF3 && s[1] == 0xA0 && s[2] >= 0x84 && s[2] <= 0x87 && s[3] >= 0x80 &&
        s[3] <= 0xBF)
        return 4;
    return 0;
}

/* Writes text[a, z) of a turn without colour, where [[ and ]] mark findings.
 * A bracket of the text itself is written \x5b or \x5d when the character
 * shown before or after it is a bracket too (of the text or of a mark), and a
 * zero-width joiner or selector next to a bracket as \u200d, so a run of two
 * brackets is always a mark and nothing shows as one that is not; a
 * backslash is written \x5c, so an escape is never the transcript's own
 * text. ASR tags such as [笑声] stay as they are. edge_before and
 * edge_after: a mark's brackets are written right before a or after z. */
static void term_plain(zj_buf *b, const char *text, size_t len, size_t a, size_t z,
                       bool edge_before, bool edge_after)
{
    size_t run = a;
    for (size_t i = a, k; i < z; i += k) {
        const unsigned char *p = (const unsigned char *)text + i;
        size_t zero_width = zero_width_kept(p, z - i);
        k = zero_width ? zero_width : 1;
        bool bracket = is_square_bracket(text[i]);
        if (!bracket && text[i] != '\\' && !zero_width)
            continue;
        bool left = i == a ? edge_before || (a > 0 && is_square_bracket(text[a - 1]))
                           : is_square_bracket(text[i - 1]);
        bool right = i + k == z ? edge_after || (z < len && is_square_bracket(text[z]))
                                : is_square_bracket(text[i + k]);
        if (text[i] != '\\' && !left && !right)
            continue;
        zj_buf_term(b, text + run, i - run);
        if (!zero_width) {
            zj_buf_printf(b, "\\x%02x", (unsigned)p[0]);
        } else { /* \u200d, \U000e0100: the code point of its 2 to 4 bytes */
            uint32_t cp = p[0] & (0xFF >> (k + 1));
            for (size_t j = 1; j < k; j++)
                cp = cp << 6 | (p[j] & 0x3F);
            zj_buf_printf(b, cp > 0xFFFF ? "\\U%08x" : "\\u%04x", (unsigned)cp);
        }
        run = i + k;
    }
    zj_buf_term(b, text + run, z - run);
}

/* Writes the code points [cp, end) of a turn, from byte on, as one marked run
 * in colour; marks[0..n) are the findings in it. Each code point takes the
 * heaviest colour of the findings covering it (counts per weight, so a run
 * of many findings stays linear); a run of one colour is written as a single
 * mark always was. Returns false out of memory. */
static bool color_run(zj_buf *b, const zj_stored_call *sc, const zj_turn *turn, size_t cp,
                      size_t end, size_t byte, const mark *marks, size_t n)
{
    size_t len = end - cp;
    long *count = calloc(N_WEIGHTS * (len + 1), sizeof *count);
    if (!count)
        return false;
    for (size_t k = 0; k < n; k++) {
        long *c = count + (size_t)mark_weight(&sc->findings[marks[k].finding]) * (len + 1);
        size_t a = (size_t)marks[k].start - cp, z = (size_t)marks[k].end - cp;
        c[a < len ? a : len]++; /* a span past the text (a damaged row) ends with it */
        c[z < len ? z : len]--;
    }
    long depth[N_WEIGHTS] = {0};
    int shown = -1;
    size_t from = byte; /* the start of the run of one colour being written */
    for (size_t i = 0; i < len; i++) {
        int w = 0;
        for (int k = 0; k < N_WEIGHTS; k++) {
            depth[k] += count[(size_t)k * (len + 1) + i];
            if (depth[k] > 0)
                w = k;
        }
        if (w != shown) {
            if (shown >= 0) {
                zj_buf_term(b, turn->text + from, byte - from);
                zj_buf_puts(b, OFF);
            }
            zj_buf_puts(b, weight_color[w]);
            shown = w;
            from = byte;
        }
        byte += zj_utf8_cp_to_byte(turn->text + byte, turn->text_len - byte, 1);
    }
    zj_buf_term(b, turn->text + from, byte - from);
    zj_buf_puts(b, OFF);
    free(count);
    return true;
}

/* Writes turn text with the spans of its findings marked. Findings that
 * overlap make one marked run, the union of their spans: marking only the
 * widest one left the words of the others that reach past it unmarked (a
 * tag on 归环保管，我们物业管 hid the 不了 of a taboo on 我们物业管不了).
 * Findings that only touch stay separate marks. marks[0..n) are this
 * turn's, sorted by cmp_mark. One pass over the text (a turn with 300,000
 * findings used to take minutes). */
static void print_turn(zj_buf *b, const zj_stored_call *sc, size_t t, const mark *marks, size_t n,
                       bool color)
{
    const zj_turn *turn = &sc->call->turns[t];
    size_t n_cp = zj_utf8_count(turn->text, turn->text_len);
    size_t cp = 0, byte = 0, i = 0;
    bool after_mark = false;
    while (cp < n_cp) {
        while (i < n && marks[i].start < (long)cp)
            i++;
        const mark *best = i < n && marks[i].start == (long)cp ? &marks[i] : NULL;
        size_t end = best ? (size_t)best->end : cp + 1;
        size_t j = i; /* past the marks of this run */
        while (best && j < n && marks[j].start < (long)end) {
            if ((size_t)marks[j].end > end)
                end = (size_t)marks[j].end;
            j++;
        }
        if (end > n_cp)
            end = n_cp;
        size_t next =
            byte + zj_utf8_cp_to_byte(turn->text + byte, turn->text_len - byte, end - cp);
        if (color) {
            if (!best)
                zj_buf_term(b, turn->text + byte, next - byte);
            else if (!color_run(b, sc, turn, cp, end, byte, marks + i, j - i))
                b->failed = true; /* the run cannot be coloured: no output */
        } else {
            while (j < n && marks[j].start < (long)end)
                j++;
            bool mark_next = j < n && marks[j].start == (long)end;
            if (best)
                zj_buf_puts(b, "[[");
            term_plain(b, turn->text, turn->text_len, byte, next, best || after_mark,
                       best || mark_next);
            if (best)
                zj_buf_puts(b, "]]");
        }
        after_mark = best != NULL;
        cp = end;
        byte = next;
    }
}

static void print_text(zj_buf *b, const zj_stored_call *sc, bool color)
{
    const zj_call *c = sc->call;
    /* Everything from the store goes through zj_buf_term: ids, names and
     * turn text came from outside, and an ESC sequence, a CR or a bidi
     * override in them must show, not act on the terminal. */
    zj_buf_term_str(b, c->call_id);
    zj_buf_puts(b, "  ");
    zj_buf_term_str(b, c->agent_name);
    if (c->agent_id) {
        zj_buf_puts(b, "(");
        zj_buf_term_str(b, c->agent_id);
        zj_buf_puts(b, ")");
    }
    zj_buf_puts(b, "  ");
    zj_buf_term_str(b, c->team);
    zj_buf_puts(b, "  ");
    zj_buf_term_str(b, c->started_at);
    zj_buf_puts(b, "\nrule set ");
    zj_buf_term_str(b, sc->ruleset);
    zj_buf_printf(b, "  score %d  grade ", sc->score);
    zj_buf_term_str(b, sc->grade);
    zj_buf_printf(b, "  %s%s%s%s\n\n", color ? (sc->passed ? GREEN : RED) : "",
                  sc->passed ? "PASS" : "FAIL", color ? OFF : "",
                  sc->fatal ? "  一票否决 (fatal)" : "");
    mark *marks = malloc((sc->n_findings ? sc->n_findings : 1) * sizeof *marks);
    if (!marks) {
        b->failed = true; /* the transcript cannot be marked: no output */
        return;
    }
    size_t n_marks = 0;
    for (size_t i = 0; marks && i < sc->n_findings; i++) {
        const zj_stored_finding *f = &sc->findings[i];
        if (f->turn >= 0 && f->span_end > f->span_start)
            marks[n_marks++] = (mark){f->turn, f->span_start, f->span_end, i};
    }
    if (n_marks)
        qsort(marks, n_marks, sizeof *marks, cmp_mark);
    for (size_t t = 0, m = 0; t < c->n_turns; t++) {
        const zj_turn *turn = &c->turns[t];
        zj_buf_printf(b, "%3zu %s%-8s%s ", t, color ? DIM : "",
                      turn->speaker == ZJ_SPEAKER_AGENT ? "坐席" : "客户", color ? OFF : "");
        while (m < n_marks && marks[m].turn < (long)t)
            m++;
        size_t first = m;
        while (m < n_marks && marks[m].turn == (long)t)
            m++;
        print_turn(b, sc, t, marks + first, m - first, color);
        zj_buf_puts(b, "\n");
    }
    free(marks);
    if (c->n_meta) {
        /* What the input carried beyond the turns: the role decision and the
         * vendor's figures (per turn: "#N"). Terminal-safe: values come from
         * input files. */
        zj_buf_puts(b, "\ncall metadata:\n");
        for (size_t i = 0; i < c->n_meta; i++) {
            const zj_meta *m = &c->meta[i];
            char where[24] = "";
            if (m->turn >= 0)
                snprintf(where, sizeof where, "#%ld ", m->turn);
            zj_buf_printf(b, "  %s", where);
            zj_buf_term_str(b, m->key);
            zj_buf_puts(b, " = ");
            zj_buf_term_str(b, m->value);
            zj_buf_puts(b, "\n");
        }
    }
    zj_buf_puts(b, "\nfindings:\n");
    for (size_t i = 0; i < sc->n_findings; i++) {
        const zj_stored_finding *f = &sc->findings[i];
        if (strcmp(f->outcome, "met") == 0 && f->points == 0 &&
            strcmp(f->severity, "observation") == 0)
            continue; /* credit-only phrases: counted in reports, not listed here */
        if (strcmp(f->outcome, "missing") == 0 && f->points == 0)
            continue;
        zj_buf rule;
        zj_buf_init(&rule);
        zj_buf_term_str(&rule, f->rule_id);
        b->failed |= rule.failed;
        zj_buf_printf(b, "  %-8s %-26s %+4d %-11s", f->outcome, rule.data ? rule.data : "",
                      f->points, f->severity);
        zj_buf_free(&rule);
        if (f->turn >= 0)
            zj_buf_printf(b, " turn %ld", f->turn);
        else if (strcmp(f->kind, "tag") == 0 && strcmp(f->outcome, "hit") == 0 && c->call_type) {
            /* raised by the call's type (`call_types`), not by words */
            zj_buf_puts(b, " call_type 「");
            zj_buf_term_str(b, c->call_type);
            zj_buf_puts(b, "」");
        }
        if (f->text) {
            zj_buf_puts(b, " 「");
            zj_buf_term_str(b, f->text);
            zj_buf_puts(b, "」");
        }
        if (f->fuzzy)
            zj_buf_puts(b, " (by sound)");
        if (f->has_value && f->unit) {
            zj_buf_printf(b, " %lld ", (long long)f->value);
            zj_buf_term_str(b, f->unit);
        }
        if (f->clause) {
            zj_buf_puts(b, " ");
            zj_buf_term_str(b, f->clause);
        }
        if (f->title) {
            zj_buf_puts(b, " ");
            zj_buf_term_str(b, f->title);
        }
        if (f->quoted)
            zj_buf_puts(b, " (quoted: not the agent's own words, 0 points)");
        zj_buf_puts(b, "\n");
    }
}

/* ,"key":"value" or ,"key":null: the output contract keeps optional keys of
 * the call present, null when the input had none. */
static void json_opt_str(zj_buf *b, const char *key, const char *s)
{
    zj_buf_printf(b, ",\"%s\":", key);
    if (s)
        zj_buf_json_str(b, s, strlen(s));
    else
        zj_buf_puts(b, "null");
}

/* A turn's time: the stored -1 means the input had none. */
static void json_opt_ms(zj_buf *b, const char *key, int64_t ms)
{
    if (ms >= 0)
        zj_buf_printf(b, ",\"%s\":%lld", key, (long long)ms);
    else
        zj_buf_printf(b, ",\"%s\":null", key);
}

static void print_json(zj_buf *b, const zj_stored_call *sc)
{
    const zj_call *c = sc->call;
    zj_buf_puts(b, "{\"call_id\":");
    zj_buf_json_str(b, c->call_id, strlen(c->call_id));
    /* The call as the store holds it, named as in the input (the output
     * contract): every key present, null when the input had none. */
    json_opt_str(b, "agent_id", c->agent_id);
    json_opt_str(b, "agent_name", c->agent_name);
    json_opt_str(b, "team", c->team);
    json_opt_str(b, "started_at", c->started_at);
    json_opt_str(b, "direction", c->direction);
    json_opt_str(b, "call_type", c->call_type);
    zj_buf_puts(b, ",\"ruleset\":");
    zj_buf_json_str(b, sc->ruleset, strlen(sc->ruleset));
    zj_buf_printf(b, ",\"score\":%d,\"passed\":%s,\"grade\":", sc->score,
                  sc->passed ? "true" : "false");
    zj_buf_json_str(b, sc->grade, strlen(sc->grade));
    zj_buf_printf(b, ",\"fatal\":%s,\"turns\":[", sc->fatal ? "true" : "false");
    for (size_t t = 0; t < c->n_turns; t++) {
        zj_buf_printf(b, "%s{\"speaker\":\"%s\",\"text\":", t ? "," : "",
                      zj_speaker_name(c->turns[t].speaker));
        zj_buf_json_str(b, c->turns[t].text, c->turns[t].text_len);
        json_opt_ms(b, "start_ms", c->turns[t].start_ms);
        json_opt_ms(b, "end_ms", c->turns[t].end_ms);
        zj_buf_puts(b, "}");
    }
    zj_buf_puts(b, "]");
    if (c->n_meta) {
        zj_buf_puts(b, ",\"meta\":[");
        for (size_t i = 0; i < c->n_meta; i++) {
            const zj_meta *m = &c->meta[i];
            zj_buf_puts(b, i ? ",{\"key\":" : "{\"key\":");
            zj_buf_json_str(b, m->key, strlen(m->key));
            zj_buf_puts(b, ",\"value\":");
            zj_buf_json_str(b, m->value, strlen(m->value));
            if (m->turn >= 0)
                zj_buf_printf(b, ",\"turn\":%ld", m->turn);
            zj_buf_puts(b, "}");
        }
        zj_buf_puts(b, "]");
    }
    zj_buf_puts(b, ",\"findings\":[");
    for (size_t i = 0; i < sc->n_findings; i++) {
        const zj_stored_finding *f = &sc->findings[i];
        zj_buf_printf(b, "%s{\"rule\":", i ? "," : "");
        zj_buf_json_str(b, f->rule_id, strlen(f->rule_id));
        zj_buf_printf(b, ",\"kind\":\"%s\",\"outcome\":\"%s\",\"severity\":\"%s\",\"points\":%d",
                      f->kind, f->outcome, f->severity, f->points);
        if (f->turn >= 0) {
            zj_buf_printf(b, ",\"turn\":%ld", f->turn);
            /* The turn's speaker, as `score` prints it and the store wrote
             * it (findings.speaker is the speaker of that turn). */
            if ((size_t)f->turn < c->n_turns)
                zj_buf_printf(b, ",\"speaker\":\"%s\"",
                              zj_speaker_name(c->turns[f->turn].speaker));
        }
        if (f->turn >= 0 && f->text) {
            zj_buf_printf(b, ",\"span\":[%ld,%ld],\"text\":", f->span_start, f->span_end);
            zj_buf_json_str(b, f->text, strlen(f->text));
        }
        if (f->fuzzy)
            zj_buf_puts(b, ",\"fuzzy\":true");
        /* As in `score`'s findings: present only when known. */
        if (f->turn >= 0 && f->start_ms >= 0)
            zj_buf_printf(b, ",\"start_ms\":%lld", (long long)f->start_ms);
        if (f->has_value && f->unit) {
            zj_buf_printf(b, ",\"value\":%lld,\"unit\":", (long long)f->value);
            zj_buf_json_str(b, f->unit, strlen(f->unit));
        }
        if (f->clause) {
            zj_buf_puts(b, ",\"clause\":");
            zj_buf_json_str(b, f->clause, strlen(f->clause));
        }
        if (f->quoted)
            zj_buf_puts(b, ",\"quoted\":true");
        zj_buf_puts(b, "}");
    }
    zj_buf_puts(b, "]}\n");
}

int cmd_show(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"ruleset", required_argument, NULL, 'r'},
        {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *db = "zhijian.db", *ruleset = NULL;
    zj_format format = ZJ_FMT_TEXT;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "d:r:f:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            if (!optarg[0]) {
                cli_error("show: --db needs a file name");
                return EXIT_USAGE;
            }
            if (!cli_db_arg_ok("show", optarg))
                return EXIT_USAGE;
            db = optarg;
            break;
        case 'r':
            ruleset = optarg;
            break;
        case 'f':
            if (!zj_format_parse(optarg, &format) ||
                (format != ZJ_FMT_TEXT && format != ZJ_FMT_JSON)) {
                cli_error("show: unknown format '%s' (expected text or json)", optarg);
                return EXIT_USAGE;
            }
            break;
        case 'h':
            show_usage(stdout);
            return EXIT_OK;
        default:
            show_usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (optind != argc - 1) {
        cli_error("show: give exactly one CALL_ID");
        show_usage(stderr);
        return EXIT_USAGE;
    }
    zj_error err;
    zj_error_clear(&err);
    zj_store *st = zj_store_open(db, false, &err);
    if (!st) {
        cli_report(&err);
        return EXIT_USAGE;
    }
    int64_t rid;
    zj_stored_call sc;
    int code = EXIT_OK;
    if (zj_store_find_ruleset(st, ruleset, &rid, &err) != ZJ_OK ||
        zj_store_get_call(st, argv[optind], rid, &sc, &err) != ZJ_OK) {
        cli_report(&err);
        zj_store_close(st);
        return EXIT_USAGE;
    }
    zj_buf b;
    zj_buf_init(&b);
    if (format == ZJ_FMT_JSON)
        print_json(&b, &sc);
    else
        print_text(&b, &sc, cli_use_color(stdout));
    if (!cli_write(&b, stdout))
        code = EXIT_USAGE;
    zj_buf_free(&b);
    zj_stored_call_free(&sc);
    zj_store_close(st);
    return code;
}
