/* sample.c — choosing calls for manual review: ISO 2859-1 (GB/T 2828.1)
 * sample sizes and single normal plans, allocation across agents in
 * proportion to their calls (largest remainder), a seeded reproducible draw,
 * and the record of the sample in the store (through the report source: no
 * SQL here). */
#include "report_json.h"
#include "report_source.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ISO 2859-1 Table 1, sample size code letters. Rows: upper lot-size bounds;
 * columns: general inspection levels I, II, III. */
static const struct {
    long upto;
    char code[3];
} table1[] = {
    {8, {'A', 'A', 'B'}},      {15, {'A', 'B', 'C'}},     {25, {'B', 'C', 'D'}},
    {50, {'C', 'D', 'E'}},     {90, {'C', 'E', 'F'}},     {150, {'D', 'F', 'G'}},
    {280, {'E', 'G', 'H'}},    {500, {'F', 'H', 'J'}},    {1200, {'G', 'J', 'K'}},
    {3200, {'H', 'K', 'L'}},   {10000, {'J', 'L', 'M'}},  {35000, {'K', 'M', 'N'}},
    {150000, {'L', 'N', 'P'}}, {500000, {'M', 'P', 'Q'}}, {-1, {'N', 'Q', 'R'}},
};

/* Table 2-A code letters (no I, no O) and their sample sizes. */
static const char letters[] = "ABCDEFGHJKLMNPQR";
static const long sizes[] = {2, 3, 5, 8, 13, 20, 32, 50, 80, 125, 200, 315, 500, 800, 1250, 2000};

/* Table 2-A AQL columns (percent nonconforming) and the acceptance numbers
 * along its diagonals. */
static const double aqls[] = {0.010, 0.015, 0.025, 0.040, 0.065, 0.10, 0.15, 0.25,
                              0.40,  0.65,  1.0,   1.5,   2.5,   4.0,  6.5,  10};
static const int acs[] = {0, 1, 2, 3, 5, 7, 10, 14, 21};

bool zj_iso2859_code(long lot_size, int level, char *code)
{
    if (lot_size < 2 || level < 1 || level > 3)
        return false;
    for (size_t i = 0; i < sizeof table1 / sizeof *table1; i++)
        if (table1[i].upto < 0 || lot_size <= table1[i].upto) {
            *code = table1[i].code[level - 1];
            return true;
        }
    return false;
}

static int letter_index(char code)
{
    const char *p = code ? strchr(letters, code) : NULL;
    return p ? (int)(p - letters) : -1;
}

long zj_iso2859_sample_size(char code)
{
    int i = letter_index(code);
    return i < 0 ? 0 : sizes[i];
}

/* Table 2-A's diagonals. In each AQL column the plan 0/1 sits at letter
 * index 14 - column (AQL 1.0: E, n = 13; AQL 0.010: Q), then come ↑ (use
 * 0/1), ↓ (use 1/2) and the plans 1/2, 2/3, 3/4, 5/6, 7/8, 10/11, 14/15,
 * 21/22 on consecutive letters; above 0/1 the arrow points down to it, below
 * 21/22 up to it. AQL 1.0: E 0/1, F ↑, G ↓, H 1/2, J 2/3, K 3/4, L 5/6. In the
 * AQL 10 column 0/1 would sit above letter A: A's ↑ points at no plan, so
 * A, like B's ↓, takes the first plan below, C's 1/2; in the AQL 0.015
 * column R's ↓ has none below, so R takes the first above, P's 0/1.
 * Following an arrow means using that plan's letter and sample size. */
bool zj_iso2859_plan(char code, double aql, char *plan_code, long *n, int *ac, int *re)
{
    int c = letter_index(code);
    int a = -1;
    for (int i = 0; i < (int)(sizeof aqls / sizeof *aqls); i++)
        if (fabs(aqls[i] - aql) < aqls[i] * 1e-6)
            a = i;
    if (c < 0 || a < 0)
        return false;
    const int n_acs = (int)(sizeof acs / sizeof *acs);
    int zero = 14 - a;  /* letter index of 0/1 (-1 for AQL 10: none) */
    int one = zero + 3; /* letter index of 1/2 */
    int use, step;
    if (c <= zero || (c == zero + 1 && zero >= 0) || (c < one && one > 15)) {
        /* ↓ above 0/1, 0/1 itself, the ↑ right below it; and R's ↓ in the
         * AQL 0.015 column, which has no plan below: the first one above */
        use = zero;
        step = 0;
    } else if (c < one) {
        use = one; /* the ↓ to 1/2 (and A's ↑ with nothing above) */
        step = 1;
    } else if (c - one + 1 < n_acs) {
        use = c;
        step = c - one + 1;
    } else {
        step = n_acs - 1; /* ↑ to 21/22 */
        use = one + step - 1;
    }
    *plan_code = letters[use];
    *n = sizes[use];
    *ac = acs[step];
    *re = acs[step] + 1;
    return true;
}

/* splitmix64: small, well-distributed, documented — never rand(). */
static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

typedef struct agent_share {
    const char *agent; /* in the lot's text */
    size_t first, count, take;
    double rem;
} agent_share;

static int cmp_rem(const void *a, const void *b)
{
    const agent_share *x = a, *y = b;
    if (x->rem != y->rem)
        return x->rem > y->rem ? -1 : 1;
    return strcmp(x->agent, y->agent);
}

static int cmp_agent(const void *a, const void *b)
{
    return strcmp(((const agent_share *)a)->agent, ((const agent_share *)b)->agent);
}

/* What the JSON listing shows. */
typedef struct sample_json {
    const zj_rs_ruleset *rs;
    const zj_report_filter *f;
    const zj_sample_opts *o;
    bool saved;
    int64_t id;
    size_t lot_size;
    long sample_size;
    const char *level;
    char code, plan;
    int ac, re;
    const agent_share *ag;
    size_t n_ag;
    const zj_lot_call *lot;
    const size_t *chosen;
    size_t k;
    const char *text;
} sample_json;

/* The sample as data (docs/schema/sample.schema.json): English keys, numbers
 * as numbers, null where there is nothing (an agent id, a date, a plan). */
static zj_status write_sample_json(const sample_json *s, zj_buf *out)
{
    json_t *root = json_object();
    json_t *schema = json_object(), *rs = json_object(), *filters = json_object();
    json_t *iso = s->o->level ? json_object() : json_null();
    json_t *alloc = json_array(), *calls = json_array();
    bool ok = root && schema && rs && filters && iso && alloc && calls;
    ok = ok && jset(schema, "name", json_string("zhijian.sample")) &&
         jset(schema, "version", json_integer(1));
    ok = ok && jset(rs, "name", json_string(s->rs->name)) &&
         jset(rs, "version", json_string(s->rs->version)) &&
         jset(rs, "sha256", json_string(s->rs->sha256));
    ok = ok && jset(filters, "from", jstr(s->f->from)) && jset(filters, "to", jstr(s->f->to)) &&
         jset(filters, "team", jstr(s->f->team)) && jset(filters, "agent", jstr(s->f->agent));
    if (ok && s->o->level) {
        char code[2] = {s->code, 0}, plan[2] = {s->plan, 0};
        ok = jset(iso, "level", json_string(s->level)) &&
             jset(iso, "code_letter", json_string(code)) &&
             jset(iso, "plan_letter", json_string(plan)) &&
             jset(iso, "aql", s->o->aql > 0 ? json_real(s->o->aql) : json_null()) &&
             jset(iso, "accept_n", s->ac >= 0 ? json_integer(s->ac) : json_null()) &&
             jset(iso, "reject_n", s->re >= 0 ? json_integer(s->re) : json_null());
    }
    /* A seed above 2^63 - 1 does not fit a JSON integer every reader takes:
     * it is written as a decimal string. */
    char seed[24];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)s->o->seed);
    ok = ok && jset(root, "schema", json_incref(schema)) &&
         jset(root, "ruleset", json_incref(rs)) && jset(root, "filters", json_incref(filters)) &&
         jset(root, "saved", json_boolean(s->saved)) &&
         jset(root, "sample_id", s->saved ? json_integer(s->id) : json_null()) &&
         jset(root, "method", json_string(s->o->level ? "iso2859-1" : "fixed_n")) &&
         jset(root, "seed",
              s->o->seed <= INT64_MAX ? json_integer((json_int_t)s->o->seed) : json_string(seed)) &&
         jset(root, "lot_size", json_integer((json_int_t)s->lot_size)) &&
         jset(root, "sample_size", json_integer(s->sample_size)) &&
         jset(root, "iso2859", json_incref(iso)) && jset(root, "allocation", json_incref(alloc)) &&
         jset(root, "calls", json_incref(calls));
    for (size_t i = 0; ok && i < s->n_ag; i++) {
        json_t *x = json_object();
        ok = x && json_array_append_new(alloc, x) == 0 &&
             jset(x, "agent_id", jstr(*s->ag[i].agent ? s->ag[i].agent : NULL)) &&
             jset(x, "lot_calls", json_integer((json_int_t)s->ag[i].count)) &&
             jset(x, "sampled", json_integer((json_int_t)s->ag[i].take));
    }
    for (size_t i = 0; ok && i < s->k; i++) {
        const zj_lot_call *c = &s->lot[s->chosen[i]];
        const char *agent = s->text + c->agent, *date = s->text + c->date;
        json_t *x = json_object();
        ok = x && json_array_append_new(calls, x) == 0 &&
             jset(x, "call_id", json_string(s->text + c->id)) &&
             jset(x, "agent_id", jstr(*agent ? agent : NULL)) &&
             jset(x, "score", json_integer(c->score)) && jset(x, "date", jstr(*date ? date : NULL));
    }
    json_decref(schema);
    json_decref(rs);
    json_decref(filters);
    json_decref(iso);
    json_decref(alloc);
    json_decref(calls);
    return zj_report_json_emit(root, ok, out);
}

zj_status zj_report_sample(zj_store *st, const zj_report_filter *f, const zj_sample_opts *o,
                           zj_format format, zj_buf *out, zj_error *err)
{
    zj_report_source src = zj_report_source_sql(st);
    zj_rs_ruleset rs;
    zj_status s = src.ops->ruleset(src.self, f->ruleset, &rs, err);
    if (s != ZJ_OK)
        return s;
    zj_sample_lot sl = {0};
    if ((s = src.ops->sample_lot(src.self, &rs, f, &sl, err)) != ZJ_OK) {
        zj_sample_lot_free(&sl);
        return s;
    }
    zj_lot_call *lot = sl.calls;
    size_t n = sl.n;
    if (n == 0) {
        zj_sample_lot_free(&sl);
        return zj_error_set(err, ZJ_ERR_NOTFOUND, NULL, 0, 0,
                            "no scored calls match the filters: nothing to sample");
    }
#define LOT_STR(c, field) (sl.text.data + (c).field)
    char code = 0, plan = 0;
    long want = o->n;
    int ac = -1, re = -1;
    if (o->level) {
        if (!zj_iso2859_code((long)n, o->level, &code)) {
            zj_sample_lot_free(&sl);
            return zj_error_set(err, ZJ_ERR_USAGE, NULL, 0, 0,
                                "a lot of %zu calls cannot be "
                                "sampled by ISO 2859-1 (needs at least 2)",
                                n);
        }
        want = zj_iso2859_sample_size(code);
        plan = code;
        if (o->aql > 0 && !zj_iso2859_plan(code, o->aql, &plan, &want, &ac, &re)) {
            zj_sample_lot_free(&sl);
            return zj_error_set(err, ZJ_ERR_USAGE, NULL, 0, 0,
                                "AQL %g is not a column of ISO 2859-1 Table 2-A (use 0.010, 0.015, "
                                "0.025, 0.040, 0.065, 0.10, 0.15, 0.25, 0.40, 0.65, 1.0, 1.5, 2.5, "
                                "4.0, 6.5 or 10)",
                                o->aql);
        }
    }
    if (want <= 0 || (size_t)want >= n)
        want = (long)n; /* the standard: sample size >= lot size means 100 % inspection */

    /* Allocation across agents in proportion to their calls: floors first,
     * then the largest remainders (ties by agent id). */
    agent_share *ag = calloc(n, sizeof *ag);
    size_t *chosen = calloc((size_t)want, sizeof *chosen);
    if (!ag || !chosen) {
        free(ag);
        free(chosen);
        zj_sample_lot_free(&sl);
        return zj_error_set(err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory");
    }
    size_t n_ag = 0;
    for (size_t i = 0; i < n; i++) {
        if (!n_ag || strcmp(ag[n_ag - 1].agent, LOT_STR(lot[i], agent)) != 0) {
            ag[n_ag].agent = LOT_STR(lot[i], agent);
            ag[n_ag++].first = i;
        }
        ag[n_ag - 1].count++;
    }
    size_t given = 0;
    for (size_t i = 0; i < n_ag; i++) {
        double exact = (double)want * (double)ag[i].count / (double)n;
        ag[i].take = (size_t)exact;
        ag[i].rem = exact - (double)ag[i].take;
        given += ag[i].take;
    }
    qsort(ag, n_ag, sizeof *ag, cmp_rem);
    for (size_t i = 0; given < (size_t)want && i < n_ag; i++, given++)
        ag[i].take++;
    qsort(ag, n_ag, sizeof *ag, cmp_agent);

    /* Draw within each agent: partial Fisher-Yates with splitmix64(seed). */
    uint64_t state = o->seed;
    size_t k = 0;
    bool ok = true;
    for (size_t i = 0; i < n_ag; i++) {
        size_t *idx = calloc(ag[i].count, sizeof *idx);
        if (!idx) {
            ok = false; /* a shorter sample than asked for must not be recorded */
            zj_error_set(err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory");
            break;
        }
        for (size_t j = 0; j < ag[i].count; j++)
            idx[j] = ag[i].first + j;
        for (size_t j = 0; j < ag[i].take; j++) {
            size_t r = j + (size_t)(splitmix64(&state) % (ag[i].count - j));
            size_t tmp = idx[j];
            idx[j] = idx[r];
            idx[r] = tmp;
            chosen[k++] = idx[j];
        }
        free(idx);
    }

    /* Record the sample. */
    char now[32], method[32], level[8] = "", aqlbuf[16] = "";
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm);
    zj_buf fj;
    zj_buf_init(&fj);
    const char *fv[] = {f->from, f->to, f->team, f->agent};
    const char *fk[] = {"from", "to", "team", "agent"};
    zj_buf_puts(&fj, "{");
    for (int i = 0, first = 1; i < 4; i++)
        if (fv[i]) {
            zj_buf_printf(&fj, "%s\"%s\":", first ? "" : ",", fk[i]);
            zj_buf_json_str(&fj, fv[i], strlen(fv[i]));
            first = 0;
        }
    zj_buf_puts(&fj, "}");
    if (ok && fj.failed) {
        ok = false;
        zj_error_set(err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory");
    }
    const char *filters = fj.data;
    snprintf(method, sizeof method, "%s", o->level ? "ISO 2859-1" : "fixed n");
    if (o->level)
        snprintf(level, sizeof level, "%s", o->level == 1 ? "I" : o->level == 2 ? "II" : "III");
    if (o->aql > 0)
        snprintf(aqlbuf, sizeof aqlbuf, "%g", o->aql);
    bool recording = ok && o->save;
    int64_t sample_id = 0;
    if (recording) {
        int64_t *keys = calloc(k ? k : 1, sizeof *keys);
        const char **agents = calloc(k ? k : 1, sizeof *agents);
        if (!keys || !agents) {
            zj_error_set(err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory");
            ok = false;
        }
        for (size_t i = 0; ok && i < k; i++) {
            keys[i] = lot[chosen[i]].key;
            agents[i] = LOT_STR(lot[chosen[i]], agent);
        }
        zj_sample_record rec = {.created_at = now,
                                .method = method,
                                .level = level[0] ? level : NULL,
                                .aql = o->aql > 0 ? o->aql : 0,
                                .lot_size = (long)n,
                                .sample_size = want,
                                .accept_n = ac,
                                .reject_n = re,
                                .seed = o->seed,
                                .filters_json = filters,
                                .n_calls = k,
                                .call_keys = keys,
                                .agents = agents};
        ok = ok && src.ops->save_sample(src.self, &rs, &rec, &sample_id, err) == ZJ_OK;
        free(keys);
        free(agents);
    }
    zj_buf_free(&fj);
    /* How the listing names the sample: its id once saved. */
    char saved_as[96];
    if (recording)
        snprintf(saved_as, sizeof saved_as, "抽样编号 %lld（已保存，报告用 --sample %lld 引用）",
                 (long long)sample_id, (long long)sample_id);
    else
        snprintf(saved_as, sizeof saved_as, "预览，未保存（加 --save 保存并获得抽样编号）");

    /* Output. */
    zj_doc *d = ok ? zj_doc_new("人工复核抽样") : NULL;
    if (d) {
        if (o->level && plan != code)
            zj_doc_para(
                d,
                "批量 %zu 通；ISO 2859-1 一般检验水平 %s，样本量字码 %c；按表 2-A 箭头改用字码 %c，"
                "样本量 %ld；种子 %llu；%s。",
                n, level, code, plan, want, (unsigned long long)o->seed, saved_as);
        else if (o->level)
            zj_doc_para(
                d,
                "批量 %zu 通；ISO 2859-1 一般检验水平 %s，样本量字码 %c，样本量 %ld；种子 %llu；"
                "%s。",
                n, level, code, want, (unsigned long long)o->seed, saved_as);
        else
            zj_doc_para(d, "批量 %zu 通；样本量 %ld；种子 %llu；%s。", n, want,
                        (unsigned long long)o->seed, saved_as);
        if (ac >= 0)
            zj_doc_para(d,
                        "AQL %s 正常检验一次抽样方案：n = %ld，Ac = %d，Re = %d（不合格通话数 ≤ Ac "
                        "接收，≥ Re 拒收）。",
                        aqlbuf, want, ac, re);
        const char *ah[] = {"坐席", "批量通话", "抽取"};
        zj_doc_block *at = zj_doc_table(d, "allocation", 3, ah);
        char b1[32], b2[32];
        for (size_t i = 0; i < n_ag; i++) {
            snprintf(b1, sizeof b1, "%zu", ag[i].count);
            snprintf(b2, sizeof b2, "%zu", ag[i].take);
            zj_doc_row(at, ag[i].agent, b1, b2);
        }
        const char *ch[] = {"call_id", "agent_id", "score", "local_date"};
        zj_doc_block *ct = zj_doc_table(d, "calls", 4, ch);
        for (size_t i = 0; i < k; i++) {
            const zj_lot_call *c = &lot[chosen[i]];
            snprintf(b1, sizeof b1, "%d", c->score);
            zj_doc_row(ct, LOT_STR(*c, id), LOT_STR(*c, agent), b1, LOT_STR(*c, date));
        }
        if (format == ZJ_FMT_CSV && zj_doc_status(d) == ZJ_OK) {
            /* CSV: the calls table only. */
            zj_doc_block tmp = d->blocks[d->n - 1];
            zj_doc single = {.title = d->title, .blocks = &tmp, .n = 1};
            s = zj_doc_render(&single, format, out);
        } else if (format == ZJ_FMT_JSON) {
            sample_json js = {&rs,  f,  o,  recording, sample_id, n,   want,   level, code,
                              plan, ac, re, ag,        n_ag,      lot, chosen, k,     sl.text.data};
            s = zj_doc_status(d) == ZJ_OK ? write_sample_json(&js, out) : zj_doc_status(d);
        } else {
            s = zj_doc_render(d, format, out);
        }
        zj_doc_free(d);
        if (s != ZJ_OK && recording)
            /* The sample is recorded; only its listing failed. */
            zj_error_set(err, s, NULL, 0, 0,
                         "sample %lld recorded, but its listing could not be written: %s",
                         (long long)sample_id, zj_strerror(s));
        else if (s != ZJ_OK)
            zj_error_set(err, s, NULL, 0, 0, "the sample's listing could not be written: %s",
                         zj_strerror(s));
    } else if (ok && recording) {
        s = zj_error_set(err, ZJ_ERR_NOMEM, NULL, 0, 0,
                         "sample %lld recorded, but its listing could not be written: out of "
                         "memory",
                         (long long)sample_id);
    } else if (ok) {
        s = zj_error_set(err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory");
    } else {
        s = err->status ? err->status : ZJ_ERR_DB;
    }
    free(chosen);
    free(ag);
    zj_sample_lot_free(&sl);
    return s;
}
