/* review.c — human review of stored findings (docs/review.md): the standing
 * of a finding after its events, a call's final score, the CSV round trip
 * for spreadsheet teams, appeals and rulings, the review status with an ISO
 * 2859-1 sample's decision, and calibration (precision per rule, Cohen's
 * kappa). The store answers through review.h's ops table; no SQL here. */
#include "report_json.h"
#include "review.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------- judging */

static bool same_place(const zj_rv_event *e, const char *rule_id, int turn, long a, long b)
{
    return strcmp(e->rule_id, rule_id) == 0 && e->turn == turn && e->span_start == a &&
           e->span_end == b;
}

/* Whether an add or appeal event names a finding of this category at its
 * place (category NULL: a machine finding, which has none). Added findings
 * of different categories may share a place (two things an inspector found
 * in the whole call); an appeal names the category of the one appealed, an
 * appeal without one every finding at its place. */
static bool same_category(const zj_rv_event *e, const char *category)
{
    if (!category)
        return true;
    if (e->action == ZJ_RV_ADD)
        return strcmp(e->category, category) == 0;
    return e->action != ZJ_RV_APPEAL || !*e->category || strcmp(e->category, category) == 0;
}

static zj_rv_state state_at(const zj_review_data *d, const zj_rv_call *c, const char *rule_id,
                            int turn, long span_start, long span_end, const char *category)
{
    zj_rv_state st = {ZJ_RV_UNREVIEWED, ZJ_RV_NO_APPEAL, NULL, NULL, false, 0};
    for (size_t i = c->first_event; i < c->first_event + c->n_events; i++) {
        const zj_rv_event *e = &d->events[i];
        if (e->action == ZJ_RV_RULE) {
            if (st.appeal_id && e->appeal_id == st.appeal_id)
                st.appeal = e->overturn ? ZJ_RV_APPEAL_OVERTURNED : ZJ_RV_APPEAL_UPHELD;
            continue;
        }
        if (!same_place(e, rule_id, turn, span_start, span_end) || !same_category(e, category))
            continue;
        if (e->action == ZJ_RV_CONFIRM || e->action == ZJ_RV_ADD) {
            st.verdict = ZJ_RV_CONFIRMED;
            st.reviewer = e->actor;
            st.note = e->note;
        } else if (e->action == ZJ_RV_REJECT) {
            st.verdict = ZJ_RV_REJECTED;
            st.reviewer = e->actor;
            st.note = e->note;
        } else if (e->action == ZJ_RV_APPEAL) {
            st.appeal_id = e->id; /* a later appeal replaces an earlier one */
            st.appeal = ZJ_RV_APPEAL_OPEN;
        }
    }
    st.withdrawn = st.appeal == ZJ_RV_APPEAL_OVERTURNED ||
                   (st.appeal != ZJ_RV_APPEAL_UPHELD && st.verdict == ZJ_RV_REJECTED);
    return st;
}

zj_rv_state zj_rv_state_of(const zj_review_data *d, const zj_rv_call *c, const char *rule_id,
                           int turn, long span_start, long span_end)
{
    return state_at(d, c, rule_id, turn, span_start, span_end, NULL);
}

zj_rv_state zj_rv_added_state(const zj_review_data *d, const zj_rv_call *c, const zj_rv_event *add)
{
    return state_at(d, c, add->rule_id, add->turn, add->span_start, add->span_end, add->category);
}

/* Whether an earlier add event of c names the same place (the first names
 * the added finding; later ones repeat it). */
static bool added_before(const zj_review_data *d, const zj_rv_call *c, size_t i)
{
    if (d->events[i].action != ZJ_RV_ADD)
        return false;
    const zj_rv_event *e = &d->events[i];
    for (size_t j = c->first_event; j < i; j++)
        if (d->events[j].action == ZJ_RV_ADD &&
            same_place(&d->events[j], e->rule_id, e->turn, e->span_start, e->span_end) &&
            strcmp(d->events[j].category, e->category) == 0)
            return true;
    return false;
}

bool zj_rv_adds_finding(const zj_review_data *d, const zj_rv_call *c, size_t i)
{
    return d->events[i].action == ZJ_RV_ADD && !added_before(d, c, i);
}

/* Whether the machine found rule_id at (turn, span) in c. */
static bool machine_finding_at(const zj_review_data *d, const zj_rv_call *c, const char *rule_id,
                               int turn, long a, long b)
{
    for (size_t j = c->first_finding; j < c->first_finding + c->n_findings; j++) {
        const zj_rv_finding *f = &d->findings[j];
        if (!strcmp(f->rule_id, rule_id) && f->turn == turn && f->span_start == a &&
            f->span_end == b)
            return true;
    }
    return false;
}

/* Whether c has a finding of rule_id at (turn, span): the machine's or one
 * an inspector added. */
static bool finding_at(const zj_review_data *d, const zj_rv_call *c, const char *rule_id, int turn,
                       long a, long b)
{
    if (machine_finding_at(d, c, rule_id, turn, a, b))
        return true;
    for (size_t j = c->first_event; j < c->first_event + c->n_events; j++)
        if (d->events[j].action == ZJ_RV_ADD && same_place(&d->events[j], rule_id, turn, a, b))
            return true;
    return false;
}

static const zj_rv_cap *cap_of(const zj_review_data *d, const char *rule_id)
{
    for (size_t k = 0; k < d->n_caps; k++)
        if (strcmp(d->caps[k].rule_id, rule_id) == 0)
            return &d->caps[k];
    return NULL;
}

/* Whether event i of c adds a finding (the first add event at its place),
 * with the finding's standing in *st. */
static bool adds_finding(const zj_review_data *d, const zj_rv_call *c, size_t i, zj_rv_state *st)
{
    const zj_rv_event *e = &d->events[i];
    if (e->action != ZJ_RV_ADD || added_before(d, c, i))
        return false;
    *st = zj_rv_added_state(d, c, e);
    return true;
}

static bool added_stands(const zj_rv_state *st)
{
    return st->appeal != ZJ_RV_APPEAL_OVERTURNED && st->verdict != ZJ_RV_REJECTED;
}

/* What the standing findings of a rule with max_points cost together, as
 * the engine caps them: withdrawing one of its hits lets a later hit that the
 * cap had made free count again, and added ones count up to the cap.
 * *scored: what the rule's machine findings cost as scored. */
static long capped_cost(const zj_review_data *d, const zj_rv_call *c, const zj_rv_cap *k,
                        long *scored)
{
    long standing = 0;
    *scored = 0;
    for (size_t i = c->first_finding; i < c->first_finding + c->n_findings; i++) {
        const zj_rv_finding *f = &d->findings[i];
        if (strcmp(f->rule_id, k->rule_id) != 0)
            continue;
        *scored -= f->points;
        zj_rv_state s = zj_rv_state_of(d, c, f->rule_id, f->turn, f->span_start, f->span_end);
        if (!s.withdrawn && !f->quoted) /* a quoted hit costs nothing and uses none of the cap */
            standing += k->points;
    }
    zj_rv_state s;
    for (size_t i = c->first_event; i < c->first_event + c->n_events; i++)
        if (!strcmp(d->events[i].rule_id, k->rule_id) && adds_finding(d, c, i, &s) &&
            added_stands(&s))
            standing -= d->events[i].points;
    return standing < k->max_points ? standing : k->max_points;
}

zj_rv_final zj_rv_final_of(const zj_review_data *d, const zj_rv_call *c, const zj_rs_ruleset *rs)
{
    zj_rv_final r = {0};
    if (!c->n_events) { /* nothing reviewed: the machine's result stands */
        r.score = c->score;
        r.passed = c->passed;
        r.fatal = c->fatal;
        return r;
    }
    long sum = c->sum_points;
    bool fatal = false;
    for (size_t i = c->first_finding; i < c->first_finding + c->n_findings; i++) {
        const zj_rv_finding *f = &d->findings[i];
        zj_rv_state s = zj_rv_state_of(d, c, f->rule_id, f->turn, f->span_start, f->span_end);
        r.confirmed += s.verdict == ZJ_RV_CONFIRMED;
        r.rejected += s.verdict == ZJ_RV_REJECTED;
        r.appeals_open += s.appeal == ZJ_RV_APPEAL_OPEN;
        if (!s.withdrawn)
            fatal |= f->fatal;
        else if (!cap_of(d, f->rule_id))
            sum -= f->points;
    }
    for (size_t i = c->first_event; i < c->first_event + c->n_events; i++) {
        const zj_rv_event *e = &d->events[i];
        zj_rv_state s;
        /* A verdict counts when it names the call (while the call has no
         * reviewable finding: one a re-score found since is not judged by
         * it), a finding it has now or one it adds; a verdict on a finding
         * a re-score moved is listed as no longer found and reviews nothing
         * here. */
        r.reviewed |=
            strcmp(e->role, "inspector") == 0 &&
            (e->action == ZJ_RV_ADD || (!e->rule_id[0] && e->turn < 0 && !c->n_findings) ||
             machine_finding_at(d, c, e->rule_id, e->turn, e->span_start, e->span_end));
        if (!adds_finding(d, c, i, &s))
            continue;
        r.added++;
        r.appeals_open += s.appeal == ZJ_RV_APPEAL_OPEN;
        if (!added_stands(&s))
            continue;
        if (!cap_of(d, e->rule_id))
            sum += e->points;
        fatal |= e->fatal;
    }
    for (size_t k = 0; k < d->n_caps; k++) {
        long scored;
        long cost = capped_cost(d, c, &d->caps[k], &scored);
        sum += scored - cost;
    }
    long score = rs->base + sum;
    r.score = (int)(score < 0 ? 0 : score > rs->base ? rs->base : score);
    r.fatal = fatal;
    r.passed = r.score >= rs->pass && !fatal;
    return r;
}

/* -------------------------------------------------------------- helpers */

static zj_status open_ruleset(zj_store *st, const char *spec, zj_rs_ruleset *rs, zj_error *err)
{
    zj_report_source src = zj_report_source_sql(st);
    return src.ops->ruleset(src.self, spec, rs, err);
}

static const char *verdict_word(zj_rv_verdict v)
{
    return v == ZJ_RV_CONFIRMED ? "confirmed" : v == ZJ_RV_REJECTED ? "rejected" : "";
}

/* The CSV columns, in order; the inspector fills verdict, category and
 * note. The last two name the rule set the sheet was exported for, so its
 * verdicts are recorded there even once calls are scored with another. */
static const char *const csv_columns[] = {
    "call_id", "agent_id", "agent_name", "started_at", "rule_id",       "title",
    "clause",  "turn",     "span_start", "span_end",   "quote",         "points",
    "fatal",   "verdict",  "category",   "note",       "ruleset",       "ruleset_sha256"};
#define N_CSV_COLUMNS (sizeof csv_columns / sizeof *csv_columns)

static void csv_row(zj_buf *out, const char *const *v)
{
    for (size_t i = 0; i < N_CSV_COLUMNS; i++) {
        if (i)
            zj_buf_puts(out, ",");
        zj_csv_field(out, v[i] ? v[i] : "");
    }
    zj_buf_puts(out, "\r\n");
}

zj_status zj_review_export(zj_store *st, const zj_report_filter *f, int64_t sample_id, zj_buf *out,
                           zj_error *err)
{
    zj_rs_ruleset rs;
    zj_status s = open_ruleset(st, f->ruleset, &rs, err);
    zj_review_store rv = zj_review_store_sql(st);
    zj_review_data d = {0};
    if (s == ZJ_OK && sample_id <= 0) /* an empty sheet reads as nothing to review */
        s = zj_report_require_calls(st, rs.id, f, "review sheet", err);
    if (s == ZJ_OK)
        s = rv.ops->calls(rv.self, &rs, f, sample_id, false, false, &d, err);
    if (s != ZJ_OK) {
        zj_review_data_free(&d);
        return s;
    }
    zj_buf_puts(out, "\xEF\xBB\xBF");
    csv_row(out, csv_columns);
    char turn[24], a[24], b[24], pts[24];
    for (size_t i = 0; i < d.n_calls; i++) {
        const zj_rv_call *c = &d.calls[i];
        for (size_t j = c->first_finding; j < c->first_finding + c->n_findings; j++) {
            const zj_rv_finding *x = &d.findings[j];
            zj_rv_state stt =
                zj_rv_state_of(&d, c, x->rule_id, x->turn, x->span_start, x->span_end);
            snprintf(turn, sizeof turn, "%d", x->turn + 1);
            snprintf(a, sizeof a, "%ld", x->span_start);
            snprintf(b, sizeof b, "%ld", x->span_end);
            snprintf(pts, sizeof pts, "%d", x->points);
            const char *v[N_CSV_COLUMNS] = {c->call_id,
                                            c->agent_id,
                                            c->agent_name,
                                            c->started_at,
                                            x->rule_id,
                                            x->title,
                                            x->clause,
                                            x->turn >= 0 ? turn : "",
                                            x->span_start >= 0 ? a : "",
                                            x->span_end >= 0 ? b : "",
                                            x->text,
                                            pts,
                                            x->fatal ? "1" : "0",
                                            verdict_word(stt.verdict),
                                            "",
                                            stt.note,
                                            rs.label,
                                            rs.sha256};
            csv_row(out, v);
        }
        /* A call without findings gets one row, its verdict (confirmed) saying
         * it was reviewed and nothing was found. */
        bool added = false;
        for (size_t j = c->first_event; j < c->first_event + c->n_events; j++)
            added |= d.events[j].action == ZJ_RV_ADD;
        if (!c->n_findings && !added) {
            zj_rv_state stt = zj_rv_state_of(&d, c, "", -1, -1, -1);
            const char *v[N_CSV_COLUMNS] = {c->call_id,
                                            c->agent_id,
                                            c->agent_name,
                                            c->started_at,
                                            "",
                                            "",
                                            "",
                                            "",
                                            "",
                                            "",
                                            "",
                                            "",
                                            "",
                                            verdict_word(stt.verdict),
                                            "",
                                            stt.note,
                                            rs.label,
                                            rs.sha256};
            csv_row(out, v);
        }
        /* Findings reviewers added, so a re-import repeats rather than loses them. */
        for (size_t j = c->first_event; j < c->first_event + c->n_events; j++) {
            const zj_rv_event *e = &d.events[j];
            if (e->action != ZJ_RV_ADD || added_before(&d, c, j))
                continue;
            snprintf(turn, sizeof turn, "%d", e->turn + 1);
            snprintf(a, sizeof a, "%ld", e->span_start);
            snprintf(b, sizeof b, "%ld", e->span_end);
            snprintf(pts, sizeof pts, "%d", e->points);
            const char *v[N_CSV_COLUMNS] = {c->call_id,
                                            c->agent_id,
                                            c->agent_name,
                                            c->started_at,
                                            e->rule_id,
                                            "",
                                            "",
                                            e->turn >= 0 ? turn : "",
                                            e->span_start >= 0 ? a : "",
                                            e->span_end >= 0 ? b : "",
                                            e->text,
                                            pts,
                                            e->fatal ? "1" : "0",
                                            "added",
                                            e->category,
                                            e->note,
                                            rs.label,
                                            rs.sha256};
            csv_row(out, v);
        }
    }
    zj_review_data_free(&d);
    return out->failed ? zj_error_set(err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory") : ZJ_OK;
}

/* ---------------------------------------------------------------- import */

/* A verdict as a spreadsheet user may write it. */
static int verdict_of(const char *s)
{
    if (!strcmp(s, "confirmed") || !strcmp(s, "confirm") || !strcmp(s, "确认"))
        return ZJ_RV_CONFIRM;
    if (!strcmp(s, "rejected") || !strcmp(s, "reject") || !strcmp(s, "驳回"))
        return ZJ_RV_REJECT;
    if (!strcmp(s, "added") || !strcmp(s, "add") || !strcmp(s, "补充"))
        return ZJ_RV_ADD;
    return -1;
}

/* A non-negative integer field ("" → -1); false when it is not one. */
static bool int_field(const char *s, long *v, long minus)
{
    if (!*s) {
        *v = -1;
        return true;
    }
    char *end;
    long x = strtol(s, &end, 10);
    if (*end || x < minus) /* a turn counts from 1 */
        return false;
    *v = x - minus;
    return true;
}

/* A row's field by column (NULL when the row is short). */
static const char *field(const zj_csv_row *r, long col)
{
    /* a value the export guarded against spreadsheet formulas, unguarded */
    return col >= 0 && (size_t)col < r->n ? zj_csv_unguard(r->f[col]) : "";
}

/* Whether the span and quote of x are the words of turn t only as a page
 * shows them (zj_rv_span_of_shown: a browser's selection counts a CR LF as
 * one code point and sees controls as escapes): then x gets the stored
 * span, and its quote is set from the stored text. 1 when moved, 0 when x
 * is left as it is, -1 with the reason in msg (out of memory, or both
 * readings fit at different places). */
static int span_as_shown(const zj_turn *t, zj_rv_event *x, size_t len, char *msg, size_t size)
{
    long a, b;
    int fits =
        zj_rv_span_of_shown(t->text, t->text_len, x->span_start, x->span_end, x->text, &a, &b);
    if (fits < 0)
        snprintf(msg, size, "out of memory");
    if (fits <= 0)
        return fits;
    if ((a != x->span_start || b != x->span_end) && (size_t)x->span_end <= len) {
        size_t sa = zj_utf8_cp_to_byte(t->text, t->text_len, (size_t)x->span_start);
        size_t sb = zj_utf8_cp_to_byte(t->text, t->text_len, (size_t)x->span_end);
        if (strlen(x->text) == sb - sa && memcmp(x->text, t->text + sa, sb - sa) == 0) {
            snprintf(msg, size,
                     "the quote is the words of turn %d span %ld-%ld both as stored and as the "
                     "page shows it (span %ld-%ld): give the span of the stored text",
                     x->turn + 1, x->span_start, x->span_end, a, b);
            return -1;
        }
    }
    x->span_start = a;
    x->span_end = b;
    x->text = NULL; /* filled in from the stored text below */
    return 1;
}

/* Checks an added finding x against its call's stored transcript sc: the
 * turn is one of the call's, the span lies inside it and the quote is the
 * words there (taken from the transcript when x has none); a quote without a
 * span must be words of its turn, or of the call. A place where a machine
 * finding of the same rule stands is confirmed, not added again. False with
 * the reason in msg. */
static bool added_fits(const zj_stored_call *sc, zj_review_data *d, const zj_rv_call *c,
                       zj_rv_event *x, char *msg, size_t size)
{
    const zj_call *call = sc->call;
    if (x->turn >= 0 && (size_t)x->turn >= call->n_turns) {
        snprintf(msg, size, "it has %zu turns, not %d", call->n_turns, x->turn + 1);
        return false;
    }
    if (x->span_start >= 0 && x->turn < 0) {
        snprintf(msg, size, "a span needs its turn");
        return false;
    }
    if (x->span_start >= 0) {
        const zj_turn *t = &call->turns[x->turn];
        size_t len = zj_utf8_count(t->text, t->text_len);
        int shown = x->text && *x->text ? span_as_shown(t, x, len, msg, size) : 0;
        if (shown < 0)
            return false;
        if ((size_t)x->span_end > len || x->span_end == x->span_start) {
            snprintf(msg, size, "span %ld-%ld is not words of turn %d (%zu characters)",
                     x->span_start, x->span_end, x->turn + 1, len);
            return false;
        }
        size_t a = zj_utf8_cp_to_byte(t->text, t->text_len, (size_t)x->span_start);
        size_t b = zj_utf8_cp_to_byte(t->text, t->text_len, (size_t)x->span_end);
        if (x->text && *x->text) {
            if (strlen(x->text) != b - a || memcmp(x->text, t->text + a, b - a) != 0) {
                snprintf(msg, size, "the quote is not the words of turn %d span %ld-%ld",
                         x->turn + 1, x->span_start, x->span_end);
                return false;
            }
        } else {
            char *words = malloc(b - a + 1);
            bool lost = !words;
            if (words) {
                memcpy(words, t->text + a, b - a);
                words[b - a] = 0;
                x->text = zj_pool_str(&d->pool, words, &lost);
                free(words);
            }
            if (lost) {
                snprintf(msg, size, "out of memory");
                return false;
            }
        }
    } else if (x->text && *x->text) {
        /* A quote without a span is placed where it was said: the place is
         * the added finding's identity, so two quotes of one rule in one
         * turn are two findings, and the same quote again is the same one.
         * Said more than once there, which one is meant is not known. */
        long found = 0;
        int asked = x->turn;
        for (size_t t = 0; t < call->n_turns; t++) {
            const zj_turn *tt = &call->turns[t];
            if (asked >= 0 && (size_t)asked != t)
                continue;
            for (const char *p = strstr(tt->text, x->text); p; p = strstr(p + 1, x->text))
                if (!found++) {
                    size_t a = zj_utf8_count(tt->text, (size_t)(p - tt->text));
                    x->turn = (int)t;
                    x->span_start = (long)a;
                    x->span_end = (long)(a + zj_utf8_count(x->text, strlen(x->text)));
                }
        }
        if (!found) {
            snprintf(msg, size, "the quote is not words of %s",
                     asked >= 0 ? "its turn" : "the call");
            return false;
        }
        if (found > 1 && asked >= 0) {
            snprintf(msg, size,
                     "the quote is said %ld times in turn %d: give the span of the one meant",
                     found, asked + 1);
            return false;
        }
        if (found > 1) {
            snprintf(msg, size,
                     "the quote is said %ld times in the call: give the turn and span of the one "
                     "meant",
                     found);
            return false;
        }
    }
    if (*x->rule_id && machine_finding_at(d, c, x->rule_id, x->turn, x->span_start, x->span_end)) {
        snprintf(msg, size, "the engine found this already: confirm its finding instead");
        return false;
    }
    return true;
}

/* The stored transcript of call_id in *sc, read unless it is there already. */
static zj_status transcript_of(zj_store *st, const zj_rs_ruleset *rs, const char *call_id,
                               zj_stored_call *sc, zj_error *err)
{
    if (sc->call && strcmp(sc->call->call_id, call_id) == 0)
        return ZJ_OK;
    zj_stored_call_free(sc);
    return zj_store_get_call(st, call_id, rs->id, sc, err);
}

static const zj_rv_call *find_call(const zj_review_data *d, const char *id)
{
    for (size_t i = 0; i < d->n_calls; i++)
        if (strcmp(d->calls[i].call_id, id) == 0)
            return &d->calls[i];
    return NULL;
}

/* Whether a verdict without a rule, "reviewed, nothing found", may stand
 * for call c: only when the engine found nothing reviewable in it. A call
 * with findings is reviewed by judging them; the whole-call confirmation
 * would count it reviewed and conforming with its findings never judged.
 * False with the reason, naming the findings, in msg. */
static bool whole_call_verdict_fits(const zj_review_data *d, const zj_rv_call *c, char *msg,
                                    size_t size)
{
    if (!c->n_findings)
        return true;
    size_t at = (size_t)snprintf(msg, size, "call '%.80s' has %zu reviewable finding%s (",
                                 c->call_id, c->n_findings, c->n_findings == 1 ? "" : "s");
    for (size_t j = 0; j < c->n_findings && j < 3 && at < size; j++) {
        const zj_rv_finding *f = &d->findings[c->first_finding + j];
        at += (size_t)(f->turn >= 0 ? snprintf(msg + at, size - at,
                                               "%s%.60s at turn %d span %ld-%ld", j ? ", " : "",
                                               f->rule_id, f->turn + 1, f->span_start, f->span_end)
                                    : snprintf(msg + at, size - at, "%s%.60s without a turn",
                                               j ? ", " : "", f->rule_id));
    }
    if (at < size)
        snprintf(msg + at, size - at,
                 "%s): confirm or reject %s; a verdict without a rule says a call without "
                 "reviewable findings was reviewed and nothing was found",
                 c->n_findings > 3 ? ", …" : "", c->n_findings == 1 ? "it" : "each");
    return false;
}

/* The sheet's columns the import reads (indexes into csv_columns). */
enum {
    C_CALL,
    C_RULE = 4,
    C_TURN = 7,
    C_A,
    C_B,
    C_QUOTE,
    C_VERDICT = 13,
    C_CAT,
    C_NOTE,
    C_RULESET,
    C_RULESET_SHA
};

/* A parsed sheet being recorded: its rows are checked against the calls
 * inside the write transaction (write_import), so the added findings and
 * verdicts they are compared with cannot change before they are recorded. */
typedef struct import_job {
    zj_store *st;
    const zj_rs_ruleset *rs;
    const char *reviewer, *path;
    const zj_csv *csv;
    const long *col;
    void (*on_error)(const zj_error *e, void *ctx);
    void *ctx;
    zj_review_import_stats *stats;
} import_job;

static zj_status write_import(void *job, zj_error *err)
{
    const import_job *sheet = job;
    zj_store *st = sheet->st;
    const zj_rs_ruleset rs = *sheet->rs;
    const char *reviewer = sheet->reviewer, *path = sheet->path;
    const zj_csv csv = *sheet->csv;
    const long *col = sheet->col;
    zj_review_import_stats *stats = sheet->stats;
    zj_status s = ZJ_OK;
    zj_review_store rv = zj_review_store_sql(st);
    zj_review_data d = {0};
    zj_stored_call sc = {0};
    zj_rv_event *ev = calloc(csv.n, sizeof *ev);
    size_t n_ev = 0;
    if (!ev)
        return zj_error_set(err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory");
    for (size_t i = 1; s == ZJ_OK && i < csv.n; i++) {
        const zj_csv_row *r = &csv.rows[i];
        stats->rows++;
        zj_error e = {0};
        const char *call_id = field(r, col[C_CALL]), *rule_id = field(r, col[C_RULE]);
        const char *vtext = field(r, col[C_VERDICT]);
        long turn = -1, a = -1, b = -1;
        if (!*vtext) {
            stats->unchanged++;
            continue;
        }
        int action = verdict_of(vtext);
        if (action < 0) {
            zj_error_set(
                &e, ZJ_ERR_PARSE, path, r->line, 0,
                "verdict '%.40s': expected confirmed, rejected or added (确认, 驳回, 补充)", vtext);
        } else if (!int_field(field(r, col[C_TURN]), &turn, 1) ||
                   !int_field(field(r, col[C_A]), &a, 0) || !int_field(field(r, col[C_B]), &b, 0) ||
                   (a >= 0) != (b >= 0) || (a >= 0 && b < a)) {
            zj_error_set(&e, ZJ_ERR_PARSE, path, r->line, 0,
                         "turn, span_start and span_end must be whole numbers (turn from 1, the "
                         "span's start not after its end) or empty");
        } else if (action == ZJ_RV_ADD && !*rule_id && !*field(r, col[C_CAT])) {
            zj_error_set(&e, ZJ_ERR_PARSE, path, r->line, 0,
                         "an added finding needs a rule_id or a category");
        }
        /* The call, loaded once for all its rows. */
        const zj_rv_call *c = NULL;
        if (!e.status && !(c = find_call(&d, call_id))) {
            zj_error ce = {0};
            zj_status cs = rv.ops->call(rv.self, &rs, call_id, &d, &ce);
            if (cs == ZJ_ERR_NOTFOUND)
                zj_error_set(&e, ZJ_ERR_PARSE, path, r->line, 0,
                             "no call '%.80s' was scored with rule set %s", call_id, rs.label);
            else if (cs != ZJ_OK)
                s = (*err = ce).status;
            else
                c = &d.calls[d.n_calls - 1];
        }
        zj_rv_event *x = &ev[n_ev];
        memset(x, 0, sizeof *x);
        if (!e.status && c) {
            *x = (zj_rv_event){.actor = reviewer,
                               .role = "inspector",
                               .action = (zj_rv_action)action,
                               .call_id = c->call_id,
                               .rule_id = rule_id,
                               .turn = (int)turn,
                               .span_start = a,
                               .span_end = b,
                               .note = field(r, col[C_NOTE])};
            if (action == ZJ_RV_ADD) {
                x->text = field(r, col[C_QUOTE]);
                x->category = field(r, col[C_CAT]);
                zj_rv_rule rule = {0};
                if (*rule_id) {
                    zj_error re = {0};
                    if (rv.ops->rule(rv.self, &rs, rule_id, &rule, &re) != ZJ_OK)
                        s = (*err = re).status;
                    else if (!rule.found)
                        zj_error_set(&e, ZJ_ERR_PARSE, path, r->line, 0,
                                     "rule set %s has no rule '%.80s'", rs.label, rule_id);
                }
                x->points = rule.points;
                x->fatal = rule.fatal;
                char why[200];
                if (s == ZJ_OK && !e.status &&
                    (s = transcript_of(st, &rs, c->call_id, &sc, err)) == ZJ_OK &&
                    !added_fits(&sc, &d, c, x, why, sizeof why))
                    zj_error_set(&e, ZJ_ERR_PARSE, path, r->line, 0, "call '%.80s': %s", call_id,
                                 why);
            } else if (!*rule_id) {
                /* The call as a whole: reviewed, nothing found. */
                char why[600];
                if (action == ZJ_RV_REJECT)
                    zj_error_set(&e, ZJ_ERR_PARSE, path, r->line, 0,
                                 "a row without a rule_id stands for the whole call: its verdict "
                                 "is confirmed (reviewed, nothing found) or added with a category");
                else if (!whole_call_verdict_fits(&d, c, why, sizeof why))
                    zj_error_set(&e, ZJ_ERR_PARSE, path, r->line, 0, "%s", why);
                x->turn = -1;
                x->span_start = x->span_end = -1;
            } else {
                bool found = finding_at(&d, c, rule_id, (int)turn, a, b);
                if (!found && !*field(r, col[C_TURN]))
                    zj_error_set(&e, ZJ_ERR_PARSE, path, r->line, 0,
                                 "call '%.80s' has no finding of rule '%.80s' without a turn "
                                 "(a required phrase missing)",
                                 call_id, rule_id);
                else if (!found)
                    zj_error_set(&e, ZJ_ERR_PARSE, path, r->line, 0,
                                 "call '%.80s' has no finding of rule '%.80s' at turn %s span "
                                 "%s-%s",
                                 call_id, rule_id, field(r, col[C_TURN]), field(r, col[C_A]),
                                 field(r, col[C_B]));
            }
        }
        if (s != ZJ_OK)
            break;
        if (e.status) {
            stats->rejected++;
            if (sheet->on_error)
                sheet->on_error(&e, sheet->ctx);
            continue;
        }
        /* The same verdict again (a re-imported sheet) records nothing. */
        bool repeat = false;
        if (action == ZJ_RV_ADD) {
            /* At the place the row was resolved to (a quote without a span
             * is placed where it was said). */
            for (size_t j = c->first_event; j < c->first_event + c->n_events; j++)
                repeat |= d.events[j].action == ZJ_RV_ADD &&
                          same_place(&d.events[j], rule_id, x->turn, x->span_start, x->span_end) &&
                          strcmp(d.events[j].category, x->category) == 0;
            for (size_t j = 0; j < n_ev; j++)
                repeat |= ev[j].action == ZJ_RV_ADD && !strcmp(ev[j].call_id, c->call_id) &&
                          same_place(&ev[j], rule_id, x->turn, x->span_start, x->span_end) &&
                          strcmp(ev[j].category, x->category) == 0;
        } else {
            /* Only this inspector's own verdict repeated: a second inspector
             * agreeing with the first is a judgement of their own, which
             * inter-reviewer agreement counts. */
            int own = -1;
            for (size_t j = c->first_event; j < c->first_event + c->n_events; j++) {
                const zj_rv_event *v = &d.events[j];
                if ((v->action == ZJ_RV_CONFIRM || v->action == ZJ_RV_REJECT) &&
                    !strcmp(v->role, "inspector") && !strcmp(v->actor, reviewer) &&
                    same_place(v, rule_id, (int)turn, a, b))
                    own = (int)v->action;
            }
            repeat = own == action;
        }
        if (repeat) {
            stats->unchanged++;
            continue;
        }
        n_ev++;
    }
    if (s == ZJ_OK && n_ev)
        s = rv.ops->append(rv.self, &rs, ev, n_ev, NULL, err);
    if (s == ZJ_OK)
        stats->recorded = (long)n_ev;
    free(ev);
    zj_stored_call_free(&sc);
    zj_review_data_free(&d);
    return s;
}

/* The rule set a sheet's verdicts are recorded under: the one it was
 * exported for (its ruleset_sha256 column), else --ruleset's or the newest
 * with results. A sheet exported for another rule set than --ruleset names,
 * or holding rows of two, is refused: its verdicts would be recorded where
 * its sample never sees them. */
static zj_status sheet_ruleset(zj_store *st, const char *ruleset, const char *path,
                               const zj_csv *csv, long sha_col, zj_rs_ruleset *rs, zj_error *err)
{
    const char *sheet = NULL;
    long sheet_line = 0;
    for (size_t i = 1; sha_col >= 0 && i < csv->n; i++) {
        const char *v = field(&csv->rows[i], sha_col);
        if (!*v)
            continue;
        if (strlen(v) != 64 || strspn(v, "0123456789abcdef") != 64)
            return zj_error_set(err, ZJ_ERR_PARSE, path, csv->rows[i].line, 0,
                                "ruleset_sha256 '%.80s' is not a sha256 (64 hex digits, as "
                                "review export writes it)",
                                v);
        if (!sheet) {
            sheet = v;
            sheet_line = csv->rows[i].line;
        } else if (strcmp(v, sheet) != 0) {
            return zj_error_set(err, ZJ_ERR_PARSE, path, csv->rows[i].line, 0,
                                "rows of two rule sets in one sheet (ruleset_sha256 %.12s… "
                                "here, %.12s… at line %ld): export one sheet per rule set",
                                v, sheet, sheet_line);
        }
    }
    if (!sheet)
        return open_ruleset(st, ruleset, rs, err);
    char spec[80];
    snprintf(spec, sizeof spec, "sha256:%.64s", sheet);
    zj_status s = open_ruleset(st, spec, rs, err);
    if (s == ZJ_ERR_NOTFOUND)
        return zj_error_set(err, ZJ_ERR_PARSE, path, sheet_line, 0,
                            "the sheet was exported for a rule set (sha256 %.12s…) this store "
                            "holds no results of",
                            sheet);
    if (s != ZJ_OK || !ruleset)
        return s;
    zj_rs_ruleset given;
    if ((s = open_ruleset(st, ruleset, &given, err)) != ZJ_OK)
        return s;
    if (given.id != rs->id)
        return zj_error_set(err, ZJ_ERR_USAGE, path, sheet_line, 0,
                            "the sheet was exported for %s (sha256 %.12s…), not for %s given by "
                            "--ruleset: its verdicts would be recorded where its sample never "
                            "sees them",
                            rs->label, rs->sha256, given.label);
    return ZJ_OK;
}

zj_status zj_review_import(zj_store *st, const char *ruleset, const char *reviewer,
                           const char *path, const char *text, size_t len,
                           void (*on_error)(const zj_error *e, void *ctx), void *ctx,
                           zj_review_import_stats *stats, zj_error *err)
{
    memset(stats, 0, sizeof *stats);
    if (!reviewer || !*reviewer)
        return zj_error_set(err, ZJ_ERR_USAGE, NULL, 0, 0, "a reviewer's name is needed");
    zj_rs_ruleset rs;
    zj_status s;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        text += 3;
        len -= 3;
    }
    /* A sheet saved by a spreadsheet in the local code page (GBK on Chinese
     * Windows): say so once, rather than store undecodable names and notes. */
    if (!zj_utf8_valid(text, len)) {
        long line = 1;
        size_t good = 0;
        for (size_t i = 0; i < len; i++)
            if (text[i] == '\n') {
                if (!zj_utf8_valid(text + good, i - good))
                    break;
                good = i + 1;
                line++;
            }
        return zj_error_set(err, ZJ_ERR_UTF8, path, line, 0,
                            "not UTF-8: save the sheet as CSV UTF-8 (the export's encoding)");
    }
    zj_csv csv = {0};
    if (!zj_csv_parse(text, len, path, &csv, err))
        return err->status ? err->status : ZJ_ERR_PARSE;
    long col[N_CSV_COLUMNS];
    for (size_t i = 0; i < N_CSV_COLUMNS; i++) {
        col[i] = csv.n ? zj_csv_column(&csv.rows[0], csv_columns[i]) : -1;
        /* Two columns of one name: which one the inspector filled is unknown. */
        if (csv.n && zj_csv_column_twice(&csv.rows[0], csv_columns[i]) >= 0) {
            zj_csv_free(&csv);
            return zj_error_set(err, ZJ_ERR_PARSE, path, 1, 0,
                                "the header has column '%s' twice", csv_columns[i]);
        }
    }
    if (!csv.n || col[C_CALL] < 0 || col[C_RULE] < 0 || col[C_VERDICT] < 0) {
        zj_csv_free(&csv);
        return zj_error_set(err, ZJ_ERR_PARSE, path, 1, 0,
                            "not a review sheet: the header needs call_id, rule_id and verdict "
                            "(zhijian review export writes one)");
    }
    if ((s = sheet_ruleset(st, ruleset, path, &csv, col[C_RULESET_SHA], &rs, err)) != ZJ_OK) {
        zj_csv_free(&csv);
        return s;
    }
    import_job j = {st, &rs, reviewer, path, &csv, col, on_error, ctx, stats};
    zj_review_store rv = zj_review_store_sql(st);
    s = rv.ops->write(rv.self, write_import, &j, err);
    zj_csv_free(&csv);
    return s;
}

/* --------------------------------------------------------------- appeals */

/* Whether an appeal naming turn (1-based, 0: any) and span (-1: any) names a
 * finding at 0-based turn t, span sa-sb. */
static bool appeal_names(int turn, long span_start, long span_end, int t, long sa, long sb)
{
    return (turn <= 0 || t == turn - 1) && (span_start < 0 || (sa == span_start && sb == span_end));
}

/* An appeal or a ruling being recorded: its arguments, read and checked
 * inside the write transaction (write_appeal, write_ruling). */
typedef struct appeal_job {
    zj_store *st;
    const zj_rs_ruleset *rs;
    const char *actor, *call_id, *rule_id, *reason;
    const char *category; /* an appeal's added finding's category; NULL: any */
    int turn;
    long span_start, span_end;
    int64_t *id;
    int64_t appeal_id;
    bool overturn;
} appeal_job;

static zj_status write_appeal(void *ctx, zj_error *err)
{
    const appeal_job *j = ctx;
    const char *agent = j->actor, *call_id = j->call_id, *rule_id = j->rule_id;
    int turn = j->turn;
    long span_start = j->span_start, span_end = j->span_end;
    zj_review_store rv = zj_review_store_sql(j->st);
    zj_review_data d = {0};
    zj_status s = rv.ops->call(rv.self, j->rs, call_id, &d, err);
    if (s != ZJ_OK) {
        zj_review_data_free(&d);
        return s;
    }
    const zj_rv_call *c = &d.calls[0];
    /* An agent appeals only their own calls. */
    if (strcmp(c->agent_id, agent) != 0) {
        zj_review_data_free(&d);
        return zj_error_set(err, ZJ_ERR_USAGE, NULL, 0, 0,
                            "call '%s' is not agent %s's (agents appeal only their own calls)",
                            call_id, agent);
    }
    /* The finding: a machine finding or an added one, of the rule (and
     * turn, span, category). */
    zj_rv_event e = {.actor = agent,
                     .role = "agent",
                     .action = ZJ_RV_APPEAL,
                     .call_id = call_id,
                     .rule_id = rule_id,
                     .note = j->reason};
    const char *category = j->category;
    const zj_rv_event *added = NULL; /* the added finding appealed */
    int matches = 0;
    bool one_place = true; /* all the matches at one place */
    for (size_t i = c->first_finding; i < c->first_finding + c->n_findings; i++) {
        const zj_rv_finding *f = &d.findings[i];
        if (strcmp(f->rule_id, rule_id) || (category && *category) ||
            !appeal_names(turn, span_start, span_end, f->turn, f->span_start, f->span_end))
            continue;
        one_place &= !matches || (e.turn == f->turn && e.span_start == f->span_start &&
                                  e.span_end == f->span_end);
        if (!matches++) {
            e.turn = f->turn;
            e.span_start = f->span_start;
            e.span_end = f->span_end;
        }
    }
    for (size_t i = c->first_event; i < c->first_event + c->n_events; i++) {
        const zj_rv_event *a = &d.events[i];
        if (!zj_rv_adds_finding(&d, c, i) || strcmp(a->rule_id, rule_id) ||
            (category && strcmp(a->category, category)) ||
            !appeal_names(turn, span_start, span_end, a->turn, a->span_start, a->span_end))
            continue;
        one_place &= !matches || (e.turn == a->turn && e.span_start == a->span_start &&
                                  e.span_end == a->span_end);
        if (!matches++) {
            e.turn = a->turn;
            e.span_start = a->span_start;
            e.span_end = a->span_end;
            added = a;
        }
    }
    if (matches != 1) {
        zj_review_data_free(&d);
        const char *where = category          ? " with that category"
                            : span_start >= 0 ? " at that span"
                            : turn > 0        ? " in that turn"
                                              : "";
        if (!matches)
            return zj_error_set(err, ZJ_ERR_NOTFOUND, NULL, 0, 0,
                                "call '%s' has no finding of rule '%s'%s", call_id, rule_id, where);
        return zj_error_set(err, ZJ_ERR_NOTFOUND, NULL, 0, 0,
                            "call '%s' has %d findings of rule '%s'%s: name %s", call_id, matches,
                            rule_id, where,
                            one_place  ? "the category (--category TEXT)"
                            : turn > 0 ? "the span (--span A-B)"
                                       : "the turn (--turn N)");
    }
    /* The appeal names its added finding's category: another one added at
     * the same place is another finding, with its own standing. */
    e.category = added ? added->category : NULL;
    /* One appeal at a time, and none on a withdrawn finding: a new appeal
     * replaces the one before it, so it would undo a ruling not yet made
     * or bring back a finding a supervisor withdrew. An upheld finding may
     * be appealed again. */
    zj_rv_state now = added ? zj_rv_added_state(&d, c, added)
                            : zj_rv_state_of(&d, c, rule_id, e.turn, e.span_start, e.span_end);
    if (now.appeal == ZJ_RV_APPEAL_OPEN || now.appeal == ZJ_RV_APPEAL_OVERTURNED) {
        int64_t last = now.appeal_id;
        zj_review_data_free(&d);
        return zj_error_set(err, ZJ_ERR_USAGE, NULL, 0, 0,
                            now.appeal == ZJ_RV_APPEAL_OPEN
                                ? "call '%s': the finding of rule '%s' is under appeal already "
                                  "(appeal %lld awaits its ruling)"
                                : "call '%s': the finding of rule '%s' was withdrawn on appeal "
                                  "%lld; there is nothing left to appeal",
                            call_id, rule_id, (long long)last);
    }
    s = rv.ops->append(rv.self, j->rs, &e, 1, j->id, err);
    zj_review_data_free(&d);
    return s;
}

/* An appeal or a ruling: its reason required (what names it), then body
 * run on job j under the store's write lock, in the rule set named. */
static zj_status write_appeal_job(zj_store *st, const char *ruleset, const char *what,
                                  appeal_job *j, zj_status (*body)(void *, zj_error *),
                                  zj_error *err)
{
    if (!j->reason || !*j->reason)
        return zj_error_set(err, ZJ_ERR_USAGE, NULL, 0, 0, "%s needs a reason", what);
    zj_rs_ruleset rs;
    zj_status s = open_ruleset(st, ruleset, &rs, err);
    if (s != ZJ_OK)
        return s;
    j->st = st;
    j->rs = &rs;
    zj_review_store rv = zj_review_store_sql(st);
    return rv.ops->write(rv.self, body, j, err);
}

zj_status zj_review_appeal(zj_store *st, const char *ruleset, const char *agent,
                           const char *call_id, const char *rule_id, int turn, long span_start,
                           long span_end, const char *category, const char *reason, int64_t *id,
                           zj_error *err)
{
    appeal_job j = {.actor = agent,
                    .call_id = call_id,
                    .rule_id = rule_id ? rule_id : "",
                    .category = category,
                    .reason = reason,
                    .turn = turn,
                    .span_start = span_start,
                    .span_end = span_end,
                    .id = id};
    return write_appeal_job(st, ruleset, "an appeal", &j, write_appeal, err);
}

static zj_status write_ruling(void *ctx, zj_error *err)
{
    const appeal_job *j = ctx;
    zj_review_store rv = zj_review_store_sql(j->st);
    zj_review_data d = {0};
    zj_rv_event a;
    zj_status s = rv.ops->event(rv.self, j->rs, j->appeal_id, &d, &a, err);
    if (s == ZJ_OK && a.action != ZJ_RV_APPEAL)
        s = zj_error_set(err, ZJ_ERR_NOTFOUND, NULL, 0, 0, "review event %lld is not an appeal",
                         (long long)j->appeal_id);
    /* A ruling is final: a second one would silently replace the first. The
     * agent may appeal again, and that appeal gets its own ruling. Read
     * under the write lock, so two rulings at once cannot both pass. */
    zj_review_data call = {0};
    if (s == ZJ_OK)
        s = rv.ops->call(rv.self, j->rs, a.call_id, &call, err);
    for (size_t i = 0; s == ZJ_OK && call.n_calls && i < call.calls[0].n_events; i++) {
        const zj_rv_event *r = &call.events[call.calls[0].first_event + i];
        if (r->action == ZJ_RV_RULE && r->appeal_id == j->appeal_id)
            s = zj_error_set(err, ZJ_ERR_USAGE, NULL, 0, 0,
                             "appeal %lld was %s by %s at %s: a ruling is final (the agent may "
                             "appeal again)",
                             (long long)j->appeal_id, r->overturn ? "overturned" : "upheld",
                             r->actor, r->at);
    }
    /* A ruling on a finding the call's current result no longer has (it
     * was scored again and the words moved) would change nothing while
     * reading as decided; review status lists that appeal instead. */
    if (s == ZJ_OK && call.n_calls &&
        !finding_at(&call, &call.calls[0], a.rule_id, a.turn, a.span_start, a.span_end))
        s = zj_error_set(err, ZJ_ERR_USAGE, NULL, 0, 0,
                         "appeal %lld names a finding of rule '%s' that call '%s' no longer has "
                         "(the call was scored again since); 'zhijian review status' lists it",
                         (long long)j->appeal_id, a.rule_id, a.call_id);
    if (s == ZJ_OK) {
        zj_rv_event e = {.actor = j->actor,
                         .role = "supervisor",
                         .action = ZJ_RV_RULE,
                         .call_id = a.call_id,
                         .rule_id = a.rule_id,
                         .turn = -1,
                         .span_start = -1,
                         .span_end = -1,
                         .overturn = j->overturn,
                         .appeal_id = j->appeal_id,
                         .note = j->reason};
        s = rv.ops->append(rv.self, j->rs, &e, 1, NULL, err);
    }
    zj_review_data_free(&call);
    zj_review_data_free(&d);
    return s;
}

zj_status zj_review_ruling(zj_store *st, const char *ruleset, const char *supervisor,
                           int64_t appeal_id, bool overturn, const char *reason, zj_error *err)
{
    appeal_job j = {
        .actor = supervisor, .reason = reason, .appeal_id = appeal_id, .overturn = overturn};
    return write_appeal_job(st, ruleset, "a ruling", &j, write_ruling, err);
}

/* ---------------------------------------------------------------- status */

const char *zj_rv_vanished_word(const zj_rv_vanished *v)
{
    if (v->action != ZJ_RV_APPEAL)
        return v->action == ZJ_RV_REJECT ? "复核：驳回" : "复核：确认";
    return !strcmp(v->decision, "overturned") ? "申诉：成立（撤销）"
           : !strcmp(v->decision, "upheld")   ? "申诉：驳回（维持）"
                                              : "申诉：待裁决";
}

const char *zj_rv_vanished_key(const zj_rv_vanished *v)
{
    if (v->action != ZJ_RV_APPEAL)
        return v->action == ZJ_RV_REJECT ? "rejected" : "confirmed";
    return !strcmp(v->decision, "overturned") ? "appeal_overturned"
           : !strcmp(v->decision, "upheld")   ? "appeal_upheld"
                                              : "appeal_open";
}

zj_status zj_review_status(zj_store *st, const zj_report_filter *f, int64_t sample_id,
                           zj_format format, zj_buf *out, zj_error *err)
{
    if (format != ZJ_FMT_TEXT && format != ZJ_FMT_JSON)
        return zj_error_set(err, ZJ_ERR_USAGE, NULL, 0, 0, "review status comes as text or json");
    zj_rs_ruleset rs;
    zj_status s = open_ruleset(st, f->ruleset, &rs, err);
    zj_review_store rv = zj_review_store_sql(st);
    zj_review_data d = {0};
    if (s == ZJ_OK && sample_id <= 0)
        s = zj_report_require_calls(st, rs.id, f, "review status", err);
    if (s == ZJ_OK)
        s = rv.ops->calls(rv.self, &rs, f, sample_id, sample_id <= 0, true, &d, err);
    zj_rv_decision dec = {0};
    if (s == ZJ_OK)
        s = zj_rv_decide(st, &rs, sample_id, &d, &dec, err);
    /* Findings reviewed that the current results no longer have (a
     * re-scored call keeps its old reviews): for a sample, those of its
     * calls, whose reviews would otherwise count for nothing unseen. */
    zj_rv_vanished *gone = NULL;
    size_t n_gone = 0;
    zj_str_pool gone_pool = {0};
    if (s == ZJ_OK)
        s = rv.ops->vanished(rv.self, &rs, f, NULL, &gone, &n_gone, &gone_pool, err);
    if (s == ZJ_OK && sample_id > 0) {
        size_t kept = 0;
        for (size_t i = 0; i < n_gone; i++)
            for (size_t k = 0; k < d.n_calls; k++)
                if (!strcmp(gone[i].call_id, d.calls[k].call_id)) {
                    gone[kept++] = gone[i];
                    break;
                }
        n_gone = kept;
    }
    zj_rv_final *fin = s == ZJ_OK ? calloc(d.n_calls ? d.n_calls : 1, sizeof *fin) : NULL;
    if (s == ZJ_OK && !fin)
        s = zj_error_set(err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory");
    if (s != ZJ_OK) {
        free(gone);
        zj_pool_free(&gone_pool);
        zj_review_data_free(&d);
        return s;
    }
    for (size_t i = 0; i < d.n_calls; i++)
        fin[i] = zj_rv_final_of(&d, &d.calls[i], &rs);
    long reviewed = dec.reviewed, nonconforming = dec.nonconforming, changed = dec.changed,
         open = dec.appeals_open, ac = dec.accept_n, re = dec.reject_n;
    const char *decision = dec.decision;
    if (format == ZJ_FMT_JSON) {
        json_t *root = json_object(), *calls = json_array();
        bool ok = root && calls &&
                  jset(root, "schema",
                       json_pack("{s:s,s:i}", "name", "zhijian.review_status", "version", 1)) &&
                  jset(root, "ruleset",
                       json_pack("{s:s,s:s,s:s}", "name", rs.name, "version", rs.version, "sha256",
                                 rs.sha256));
        for (size_t i = 0; ok && i < d.n_calls; i++) {
            const zj_rv_call *c = &d.calls[i];
            ok = json_array_append_new(
                     calls,
                     json_pack("{s:s,s:o,s:b,s:i,s:b,s:i,s:b,s:b,s:I,s:I,s:I,s:I}", "call_id",
                               c->call_id, "agent_id", jstr(*c->agent_id ? c->agent_id : NULL),
                               "reviewed", fin[i].reviewed, "machine_score", c->score,
                               "machine_passed", c->passed, "final_score", fin[i].score,
                               "final_passed", fin[i].passed, "final_fatal", fin[i].fatal,
                               "confirmed", (json_int_t)fin[i].confirmed, "rejected",
                               (json_int_t)fin[i].rejected, "added", (json_int_t)fin[i].added,
                               "appeals_open", (json_int_t)fin[i].appeals_open)) == 0;
        }
        ok = ok && jset(root, "calls", json_incref(calls));
        json_t *sample =
            sample_id > 0
                ? json_pack("{s:I,s:I,s:I,s:I,s:o,s:o,s:o}", "id", (json_int_t)sample_id, "calls",
                            (json_int_t)d.n_calls, "reviewed", (json_int_t)reviewed,
                            "nonconforming", (json_int_t)nonconforming, "accept",
                            ac >= 0 ? json_integer(ac) : json_null(), "reject",
                            re >= 0 ? json_integer(re) : json_null(), "decision", jstr(decision))
                : json_null();
        /* Once closed, the decision recorded then. */
        if (sample && sample_id > 0)
            ok = ok && jset(sample, "closed",
                            dec.state.closed
                                ? json_pack("{s:s,s:s,s:s,s:I,s:I}", "decision", dec.state.decision,
                                            "closed_by", dec.state.closed_by, "closed_at",
                                            dec.state.closed_at, "reviewed",
                                            (json_int_t)dec.state.reviewed, "nonconforming",
                                            (json_int_t)dec.state.nonconforming)
                                : json_null());
        ok = ok && jset(root, "sample", sample);
        json_t *vanished = json_array();
        for (size_t i = 0; vanished && ok && i < n_gone; i++)
            ok =
                json_array_append_new(
                    vanished,
                    json_pack(
                        "{s:s,s:s,s:s,s:o,s:o,s:s}", "call_id", gone[i].call_id, "reviewed_under",
                        gone[i].ruleset, "rule_id", gone[i].rule_id, "turn",
                        gone[i].turn >= 0 ? json_integer(gone[i].turn + 1) : json_null(), "span",
                        gone[i].span_start >= 0 ? json_pack("[II]", (json_int_t)gone[i].span_start,
                                                            (json_int_t)gone[i].span_end)
                                                : json_null(),
                        "verdict", zj_rv_vanished_key(&gone[i]))) == 0;
        if (ok && vanished)
            ok = jset(root, "no_longer_found", vanished);
        else
            json_decref(vanished), ok = false;
        json_decref(calls);
        s = zj_report_json_emit(root, ok, out);
    } else {
        zj_buf_printf(out,
                      "复核状态（规则集 %s）：%s%zu 通，已复核 %ld 通，复核后得分或结论改变 %ld "
                      "通，待裁决申诉 %ld 项。\n",
                      rs.label, sample_id > 0 ? "样本通话 " : "有复核记录的通话 ", d.n_calls,
                      reviewed, changed, open);
        zj_buf_puts(out,
                    "通话\t坐席\t机器得分\t复核后得分\t复核后结论\t确认\t驳回\t补充\t待裁决申诉\n");
        for (size_t i = 0; i < d.n_calls; i++) {
            const zj_rv_call *c = &d.calls[i];
            /* Ids come from outside: shown escaped, so an ESC sequence or a
             * tab in one can neither reach the terminal nor shift a column. */
            zj_buf_term_str(out, c->call_id);
            zj_buf_puts(out, "\t");
            zj_buf_term_str(out, c->agent_id);
            zj_buf_printf(out, "\t%d%s\t%d\t%s\t%ld\t%ld\t%ld\t%ld\n", c->score,
                          c->passed ? "" : "（不合格）", fin[i].score,
                          !fin[i].reviewed ? "未复核"
                          : fin[i].passed  ? "合格"
                                           : "不合格",
                          fin[i].confirmed, fin[i].rejected, fin[i].added, fin[i].appeals_open);
        }
        if (sample_id > 0) {
            if (decision)
                zj_buf_printf(
                    out,
                    "样本判定（ISO 2859-1，Ac = %ld，Re = %ld）：已复核 %ld/%zu 通，不合格 "
                    "%ld 通 → %s。\n",
                    ac, re, reviewed, d.n_calls, nonconforming,
                    !strcmp(decision, "accept")   ? "接收"
                    : !strcmp(decision, "reject") ? "拒收"
                                                  : "尚未判定（待复核）");
            else
                zj_buf_printf(
                    out, "样本无 AQL 抽样方案（固定样本量）：已复核 %ld/%zu 通，不合格 %ld 通。\n",
                    reviewed, d.n_calls, nonconforming);
            if (dec.state.closed) {
                zj_buf_printf(out, "已关闭：%s（",
                              !strcmp(dec.state.decision, "accept") ? "接收" : "拒收");
                zj_buf_term_str(out, dec.state.closed_by);
                zj_buf_puts(out, "，");
                zj_buf_term_str(out, dec.state.closed_at);
                zj_buf_printf(out, "；关闭时已复核 %ld 通，不合格 %ld 通）。\n", dec.state.reviewed,
                              dec.state.nonconforming);
            }
        }
        if (n_gone)
            zj_buf_puts(
                out,
                "已复核、但当前结果不再产生的发现（通话复核后又重新评分，规则集或通话文本有变）：\n");
        for (size_t i = 0; i < n_gone; i++) {
            zj_buf_puts(out, "  ");
            zj_buf_term_str(out, gone[i].call_id);
            zj_buf_puts(out, "\t");
            zj_buf_term_str(out, gone[i].ruleset);
            zj_buf_puts(out, "\t");
            zj_buf_term_str(out, gone[i].rule_id);
            zj_buf_puts(out, "\t");
            if (gone[i].turn >= 0)
                zj_buf_printf(out, "第 %d 轮 %ld-%ld", gone[i].turn + 1, gone[i].span_start,
                              gone[i].span_end);
            else
                zj_buf_puts(out, "（缺失项）");
            zj_buf_printf(out, "\t%s\n", zj_rv_vanished_word(&gone[i]));
        }
        s = out->failed ? ZJ_ERR_NOMEM : ZJ_OK;
        if (s != ZJ_OK)
            zj_error_set(err, s, NULL, 0, 0, "out of memory");
    }
    free(gone);
    zj_pool_free(&gone_pool);
    free(fin);
    zj_review_data_free(&d);
    return s;
}

zj_status zj_rv_decide(zj_store *st, const zj_rs_ruleset *rs, int64_t sample_id,
                       const zj_review_data *d, zj_rv_decision *out, zj_error *err)
{
    memset(out, 0, sizeof *out);
    out->accept_n = out->reject_n = -1;
    out->calls = (long)d->n_calls;
    if (sample_id > 0) {
        zj_review_store rv = zj_review_store_sql(st);
        zj_status s = rv.ops->sample_state(rv.self, rs, sample_id, &out->state, err);
        if (s != ZJ_OK)
            return s;
        out->accept_n = out->state.accept_n;
        out->reject_n = out->state.reject_n;
    }
    for (size_t i = 0; i < d->n_calls; i++) {
        zj_rv_final fin = zj_rv_final_of(d, &d->calls[i], rs);
        out->reviewed += fin.reviewed;
        out->nonconforming += fin.reviewed && !fin.passed;
        out->changed += fin.score != d->calls[i].score || fin.passed != d->calls[i].passed;
        out->appeals_open += fin.appeals_open;
    }
    /* ISO 2859-1: accept with at most Ac nonconforming units, reject from
     * Re; undecided while Re is not reached and calls remain unreviewed. */
    if (out->accept_n >= 0)
        out->decision = out->nonconforming >= out->reject_n ? "reject"
                        : out->reviewed == out->calls
                            ? (out->nonconforming <= out->accept_n ? "accept" : "reject")
                            : "incomplete";
    return ZJ_OK;
}

zj_status zj_review_close_sample(zj_store *st, const char *ruleset, int64_t sample_id,
                                 const char *by, char decision[16], zj_error *err)
{
    if (!by || !*by)
        return zj_error_set(err, ZJ_ERR_USAGE, NULL, 0, 0, "who closes the sample is needed");
    zj_rs_ruleset rs;
    zj_status s = open_ruleset(st, ruleset, &rs, err);
    zj_review_store rv = zj_review_store_sql(st);
    zj_review_data d = {0};
    zj_report_filter all = {.ruleset = ruleset};
    if (s == ZJ_OK)
        s = rv.ops->calls(rv.self, &rs, &all, sample_id, false, true, &d, err);
    zj_rv_decision dec;
    if (s == ZJ_OK)
        s = zj_rv_decide(st, &rs, sample_id, &d, &dec, err);
    zj_review_data_free(&d);
    if (s != ZJ_OK)
        return s;
    if (dec.state.closed)
        return zj_error_set(err, ZJ_ERR_USAGE, NULL, 0, 0, "sample %lld was closed by %s at %s: %s",
                            (long long)sample_id, dec.state.closed_by, dec.state.closed_at,
                            dec.state.decision);
    if (!dec.decision)
        return zj_error_set(err, ZJ_ERR_USAGE, NULL, 0, 0,
                            "sample %lld has no AQL plan, so no accept/reject decision to record",
                            (long long)sample_id);
    if (!strcmp(dec.decision, "incomplete"))
        return zj_error_set(err, ZJ_ERR_USAGE, NULL, 0, 0,
                            "sample %lld cannot be decided yet: %ld of %ld calls reviewed, %ld "
                            "nonconforming (reject from %ld)",
                            (long long)sample_id, dec.reviewed, dec.calls, dec.nonconforming,
                            dec.reject_n);
    /* A ruling still to come can turn a nonconforming call into a
     * conforming one, and a closed decision is final. */
    if (dec.appeals_open)
        return zj_error_set(err, ZJ_ERR_USAGE, NULL, 0, 0,
                            "sample %lld has %ld appeal%s awaiting a ruling on its calls: rule on "
                            "them first ('zhijian appeal rule'), since a ruling can change a "
                            "call's verdict",
                            (long long)sample_id, dec.appeals_open,
                            dec.appeals_open == 1 ? "" : "s");
    zj_rv_sample_state closing = {.reviewed = dec.reviewed, .nonconforming = dec.nonconforming};
    snprintf(closing.decision, sizeof closing.decision, "%s", dec.decision);
    snprintf(closing.closed_by, sizeof closing.closed_by, "%s", by);
    s = rv.ops->close_sample(rv.self, &rs, sample_id, &closing, err);
    if (s == ZJ_OK)
        snprintf(decision, 16, "%s", dec.decision);
    return s;
}

/* ------------------------------------------------------------ calibrate */

/* Cohen's kappa of two raters' yes/no over n units: a both yes, b first
 * only, c second only, dd both no. NAN without units or with chance
 * agreement of 1. */
static double kappa(long a, long b, long c, long dd)
{
    double n = (double)(a + b + c + dd);
    if (n <= 0)
        return NAN;
    double po = (double)(a + dd) / n;
    double p1 = (double)(a + b) / n, p2 = (double)(a + c) / n;
    double pe = p1 * p2 + (1 - p1) * (1 - p2);
    return pe >= 1 ? NAN : (po - pe) / (1 - pe);
}

typedef struct cal_rule {
    const char *rule_id;
    long hits, confirmed, rejected, added;
    const char **rejected_quotes; /* "call_id 第N轮 「words」" */
    size_t n_quotes, cap_quotes;
} cal_rule;

static cal_rule *cal_rule_of(cal_rule **v, size_t *n, size_t *cap, const char *id)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*v)[i].rule_id, id) == 0)
            return &(*v)[i];
    if (*n == *cap) {
        size_t k = *cap ? *cap * 2 : 16;
        cal_rule *p = realloc(*v, k * sizeof *p);
        if (!p)
            return NULL;
        *v = p;
        *cap = k;
    }
    cal_rule *r = &(*v)[(*n)++];
    memset(r, 0, sizeof *r);
    r->rule_id = id;
    return r;
}

static int cmp_cal_rule(const void *a, const void *b)
{
    return strcmp(((const cal_rule *)a)->rule_id, ((const cal_rule *)b)->rule_id);
}

/* The latest verdict of reviewer `who` on a finding of call c. */
static zj_rv_verdict verdict_by(const zj_review_data *d, const zj_rv_call *c, const char *who,
                                const zj_rv_finding *f)
{
    zj_rv_verdict v = ZJ_RV_UNREVIEWED;
    for (size_t i = c->first_event; i < c->first_event + c->n_events; i++) {
        const zj_rv_event *e = &d->events[i];
        if (strcmp(e->actor, who) ||
            !same_place(e, f->rule_id, f->turn, f->span_start, f->span_end))
            continue;
        if (e->action == ZJ_RV_CONFIRM)
            v = ZJ_RV_CONFIRMED;
        else if (e->action == ZJ_RV_REJECT)
            v = ZJ_RV_REJECTED;
    }
    return v;
}

/* Everything calibration reports, from the reviewed calls of d. */
typedef struct calibration {
    cal_rule *rules; /* by rule id */
    size_t n_rules;
    long reviewed_calls, units, pairs;
    double k_engine, k_inter; /* NAN: not computable */
} calibration;

static void calibration_free(calibration *c)
{
    for (size_t r = 0; r < c->n_rules; r++)
        free(c->rules[r].rejected_quotes);
    free(c->rules);
    memset(c, 0, sizeof *c);
}

/* false when out of memory. */
static bool calibrate_data(zj_review_data *d, const zj_rs_ruleset *rs, calibration *out)
{
    cal_rule *rules = NULL;
    size_t n_rules = 0, cap_rules = 0;
    bool lost = false;
    long reviewed_calls = 0;
    /* Engine vs reviewer over (reviewed call, rule) units: the engine says
     * yes when it has a finding of the rule, the reviewer when a finding of
     * it stands confirmed or was added; units where neither says yes are the
     * rule set's other rules that could have applied (its forbidden, metric
     * and required rules with a finding in some reviewed call). */
    long ka = 0, kb = 0, kc = 0, kd = 0;
    /* Inter-reviewer: findings two inspectors both judged. */
    long ia = 0, ib = 0, ic = 0, id = 0, pairs = 0;
    for (size_t i = 0; i < d->n_calls && !lost; i++) {
        const zj_rv_call *c = &d->calls[i];
        zj_rv_final fin = zj_rv_final_of(d, c, rs);
        if (!fin.reviewed)
            continue;
        reviewed_calls++;
        for (size_t j = c->first_finding; j < c->first_finding + c->n_findings; j++) {
            const zj_rv_finding *x = &d->findings[j];
            zj_rv_state stt = zj_rv_state_of(d, c, x->rule_id, x->turn, x->span_start, x->span_end);
            cal_rule *r = cal_rule_of(&rules, &n_rules, &cap_rules, x->rule_id);
            if (!r) {
                lost = true;
                break;
            }
            r->hits++;
            /* The final human judgement: withdrawn (rejected, or overturned on
             * appeal) is a false hit; confirmed, or upheld on appeal, a true one. */
            r->confirmed += !stt.withdrawn &&
                            (stt.verdict == ZJ_RV_CONFIRMED || stt.appeal == ZJ_RV_APPEAL_UPHELD);
            if (stt.withdrawn) {
                r->rejected++;
                if (r->n_quotes == r->cap_quotes) {
                    size_t k = r->cap_quotes ? r->cap_quotes * 2 : 4;
                    const char **p = realloc(r->rejected_quotes, k * sizeof *p);
                    if (!p) {
                        lost = true;
                        break;
                    }
                    r->rejected_quotes = p;
                    r->cap_quotes = k;
                }
                /* A missing phrase or a whole-call metric has no turn or words. */
                char *q = x->turn >= 0
                              ? zj_sqlf("%s 第 %d 轮「%s」", c->call_id, x->turn + 1, x->text)
                              : zj_sqlf("%s（%s，无原话）", c->call_id,
                                        !strcmp(x->outcome, "missing") ? "缺失项" : "全通话指标");
                r->rejected_quotes[r->n_quotes++] = q ? zj_pool_str(&d->pool, q, &lost) : NULL;
                lost |= !q;
                free(q);
            }
            /* Two inspectors on the same finding. */
            const char *first = NULL;
            for (size_t k = c->first_event; k < c->first_event + c->n_events; k++) {
                const zj_rv_event *e = &d->events[k];
                if (strcmp(e->role, "inspector") ||
                    (e->action != ZJ_RV_CONFIRM && e->action != ZJ_RV_REJECT) ||
                    !same_place(e, x->rule_id, x->turn, x->span_start, x->span_end))
                    continue;
                if (!first) {
                    first = e->actor;
                } else if (strcmp(first, e->actor)) {
                    zj_rv_verdict v1 = verdict_by(d, c, first, x),
                                  v2 = verdict_by(d, c, e->actor, x);
                    pairs++;
                    ia += v1 == ZJ_RV_CONFIRMED && v2 == ZJ_RV_CONFIRMED;
                    ib += v1 == ZJ_RV_CONFIRMED && v2 == ZJ_RV_REJECTED;
                    ic += v1 == ZJ_RV_REJECTED && v2 == ZJ_RV_CONFIRMED;
                    id += v1 == ZJ_RV_REJECTED && v2 == ZJ_RV_REJECTED;
                    break;
                }
            }
        }
        for (size_t k = c->first_event; k < c->first_event + c->n_events && !lost; k++) {
            const zj_rv_event *e = &d->events[k];
            if (e->action != ZJ_RV_ADD || added_before(d, c, k))
                continue;
            cal_rule *r =
                cal_rule_of(&rules, &n_rules, &cap_rules, *e->rule_id ? e->rule_id : "(其他)");
            if (!r)
                lost = true;
            else
                r->added++;
        }
    }
    /* The (call, rule) units. */
    for (size_t i = 0; i < d->n_calls && !lost; i++) {
        const zj_rv_call *c = &d->calls[i];
        if (!zj_rv_final_of(d, c, rs).reviewed)
            continue;
        for (size_t r = 0; r < n_rules; r++) {
            const char *rule = rules[r].rule_id;
            bool engine = false, human = false;
            for (size_t j = c->first_finding; j < c->first_finding + c->n_findings; j++) {
                const zj_rv_finding *x = &d->findings[j];
                if (strcmp(x->rule_id, rule))
                    continue;
                engine = true;
                human |= !zj_rv_state_of(d, c, rule, x->turn, x->span_start, x->span_end).withdrawn;
            }
            /* An added finding says yes for its rule, or for (其他) when the
             * inspector named only a category, while it stands. */
            zj_rv_state added;
            for (size_t k = c->first_event; k < c->first_event + c->n_events; k++)
                human |= adds_finding(d, c, k, &added) && added_stands(&added) &&
                         !strcmp(*d->events[k].rule_id ? d->events[k].rule_id : "(其他)", rule);
            ka += engine && human;
            kb += engine && !human;
            kc += !engine && human;
            kd += !engine && !human;
        }
    }
    out->rules = rules;
    out->n_rules = n_rules;
    if (lost) {
        calibration_free(out);
        return false;
    }
    if (n_rules)
        qsort(rules, n_rules, sizeof *rules, cmp_cal_rule);
    out->reviewed_calls = reviewed_calls;
    out->units = ka + kb + kc + kd;
    out->pairs = pairs;
    out->k_engine = kappa(ka, kb, kc, kd);
    out->k_inter = kappa(ia, ib, ic, id);
    return true;
}

zj_status zj_calibrate(zj_store *st, const zj_report_filter *f, double min_precision,
                       zj_format format, zj_buf *out, zj_error *err)
{
    if (format != ZJ_FMT_TEXT && format != ZJ_FMT_JSON)
        return zj_error_set(err, ZJ_ERR_USAGE, NULL, 0, 0, "calibrate writes text or json");
    zj_rs_ruleset rs;
    zj_status s = open_ruleset(st, f->ruleset, &rs, err);
    zj_review_store rv = zj_review_store_sql(st);
    zj_review_data d = {0};
    if (s == ZJ_OK)
        s = rv.ops->calls(rv.self, &rs, f, 0, true, false, &d, err);
    if (s != ZJ_OK) {
        zj_review_data_free(&d);
        return s;
    }
    calibration cal = {0};
    if (!calibrate_data(&d, &rs, &cal)) {
        zj_review_data_free(&d);
        return zj_error_set(err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory");
    }
    if (!cal.reviewed_calls) { /* "no rule below the mark" would be a verdict over nothing */
        calibration_free(&cal);
        zj_review_data_free(&d);
        s = zj_report_require_calls(st, rs.id, f, "calibration", err);
        return s != ZJ_OK ? s
                          : zj_error_set(err, ZJ_ERR_NOTFOUND, NULL, 0, 0,
                                         "no calls of rule set %s in the selection were reviewed "
                                         "yet: no calibration written (zhijian review import "
                                         "records an inspector's sheet)",
                                         rs.label);
    }
    cal_rule *rules = cal.rules;
    size_t n_rules = cal.n_rules;
    long reviewed_calls = cal.reviewed_calls, pairs = cal.pairs, units = cal.units;
    double k_engine = cal.k_engine, k_inter = cal.k_inter;
    if (format == ZJ_FMT_JSON) {
        json_t *root = json_object(), *arr = json_array(), *low = json_array();
        bool ok = root && arr && low &&
                  jset(root, "schema",
                       json_pack("{s:s,s:i}", "name", "zhijian.calibration", "version", 1)) &&
                  jset(root, "ruleset",
                       json_pack("{s:s,s:s,s:s}", "name", rs.name, "version", rs.version, "sha256",
                                 rs.sha256)) &&
                  jset(root, "reviewed_calls", json_integer(reviewed_calls));
        for (size_t r = 0; ok && r < n_rules; r++) {
            const cal_rule *x = &rules[r];
            long judged = x->confirmed + x->rejected;
            json_t *quotes = json_array();
            for (size_t q = 0; quotes && q < x->n_quotes; q++)
                ok = ok && json_array_append_new(quotes, json_string(x->rejected_quotes[q])) == 0;
            json_t *row =
                json_pack("{s:s,s:I,s:I,s:I,s:o,s:I,s:O}", "rule_id", x->rule_id, "hits",
                          (json_int_t)x->hits, "confirmed", (json_int_t)x->confirmed, "rejected",
                          (json_int_t)x->rejected, "precision",
                          judged ? json_real((double)x->confirmed / (double)judged) : json_null(),
                          "added", (json_int_t)x->added, "rejected_quotes", quotes);
            ok = ok && row && json_array_append(arr, row) == 0;
            if (ok && judged && (double)x->confirmed / (double)judged < min_precision)
                ok = json_array_append(low, row) == 0;
            json_decref(row);
            json_decref(quotes);
        }
        ok = ok && jset(root, "rules", json_incref(arr)) &&
             jset(root, "engine_reviewer_kappa",
                  k_engine == k_engine ? json_real(k_engine) : json_null()) &&
             jset(root, "engine_reviewer_units", json_integer(units)) &&
             jset(root, "inter_reviewer_kappa",
                  k_inter == k_inter ? json_real(k_inter) : json_null()) &&
             jset(root, "inter_reviewer_findings", json_integer(pairs)) &&
             jset(root, "min_precision", json_real(min_precision)) &&
             jset(root, "below_min_precision", json_incref(low));
        json_decref(arr);
        json_decref(low);
        s = zj_report_json_emit(root, ok, out);
    } else {
        zj_buf_printf(out, "规则校准（规则集 %s；已复核通话 %ld 通）\n", rs.label, reviewed_calls);
        zj_buf_puts(out, "规则\t命中\t确认\t驳回\t精确率\t复核补充（漏判）\n");
        for (size_t r = 0; r < n_rules; r++) {
            const cal_rule *x = &rules[r];
            long judged = x->confirmed + x->rejected;
            zj_buf_term_str(out, x->rule_id);
            zj_buf_printf(out, "\t%ld\t%ld\t%ld\t", x->hits, x->confirmed, x->rejected);
            if (judged)
                zj_buf_printf(out, "%.3f", zj_half_up((double)x->confirmed / (double)judged, 3));
            else
                zj_buf_puts(out, "—");
            zj_buf_printf(out, "\t%ld\n", x->added);
        }
        if (k_engine == k_engine)
            zj_buf_printf(out, "机器与复核一致性（Cohen's kappa）：%.3f（%ld 个 通话×规则）\n",
                          zj_half_up(k_engine, 3), units);
        else
            zj_buf_puts(out, "机器与复核一致性（Cohen's kappa）：不可计算\n");
        if (k_inter == k_inter)
            zj_buf_printf(out, "复核员间一致性（Cohen's kappa）：%.3f（%ld 项由两名复核员判定）\n",
                          zj_half_up(k_inter, 3), pairs);
        else
            zj_buf_printf(out, "复核员间一致性（Cohen's kappa）：%s\n",
                          pairs ? "不可计算（判定全部相同）" : "无两名复核员判定的发现");
        bool any = false;
        for (size_t r = 0; r < n_rules; r++) {
            const cal_rule *x = &rules[r];
            long judged = x->confirmed + x->rejected;
            if (!judged || (double)x->confirmed / (double)judged >= min_precision)
                continue;
            if (!any)
                zj_buf_printf(out, "精确率低于 %.2f 的规则（被驳回的原话可作 no_match 示例）：\n",
                              min_precision);
            any = true;
            zj_buf_puts(out, "  ");
            zj_buf_term_str(out, x->rule_id);
            zj_buf_printf(out, " %.3f\n", zj_half_up((double)x->confirmed / (double)judged, 3));
            for (size_t q = 0; q < x->n_quotes; q++) {
                zj_buf_puts(out, "    ");
                zj_buf_term_str(out, x->rejected_quotes[q]);
                zj_buf_puts(out, "\n");
            }
        }
        if (!any)
            zj_buf_printf(out, "没有精确率低于 %.2f 的规则。\n", min_precision);
        s = out->failed ? zj_error_set(err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory") : ZJ_OK;
    }
    calibration_free(&cal);
    zj_review_data_free(&d);
    return s;
}

/* ------------------------------------------------------------ verdicts */

/* A verdict being recorded, checked against the call inside the write
 * transaction (the added findings so far decide where a quote is). */
typedef struct verdict_job {
    zj_store *st;
    const zj_rs_ruleset *rs;
    zj_rv_event *e;
} verdict_job;

static zj_status write_verdict(void *ctx, zj_error *err)
{
    const verdict_job *j = ctx;
    zj_rv_event *e = j->e;
    const char *call_id = e->call_id, *rule_id = e->rule_id;
    zj_review_store rv = zj_review_store_sql(j->st);
    zj_review_data d = {0};
    zj_status s = rv.ops->call(rv.self, j->rs, call_id, &d, err);
    if (s != ZJ_OK) {
        zj_review_data_free(&d);
        return s;
    }
    const zj_rv_call *c = &d.calls[0];
    if (e->action == ZJ_RV_ADD) {
        if (*rule_id) {
            zj_rv_rule rule;
            s = rv.ops->rule(rv.self, j->rs, rule_id, &rule, err);
            if (s == ZJ_OK && !rule.found)
                s = zj_error_set(err, ZJ_ERR_NOTFOUND, NULL, 0, 0, "rule set %s has no rule '%s'",
                                 j->rs->label, rule_id);
            e->points = rule.points;
            e->fatal = rule.fatal;
        }
        zj_stored_call sc = {0};
        char why[200];
        if (s == ZJ_OK && (s = zj_store_get_call(j->st, call_id, j->rs->id, &sc, err)) == ZJ_OK &&
            !added_fits(&sc, &d, c, e, why, sizeof why))
            s = zj_error_set(err, ZJ_ERR_USAGE, NULL, 0, 0, "call '%s': %s", call_id, why);
        zj_stored_call_free(&sc);
    } else if (*rule_id) {
        if (!finding_at(&d, c, rule_id, e->turn, e->span_start, e->span_end))
            s = zj_error_set(err, ZJ_ERR_NOTFOUND, NULL, 0, 0,
                             "call '%s' has no finding of rule '%s' there", call_id, rule_id);
    } else if (e->action == ZJ_RV_REJECT) {
        s = zj_error_set(err, ZJ_ERR_USAGE, NULL, 0, 0,
                         "a verdict on the whole call can only confirm it");
    } else {
        char why[600];
        if (!whole_call_verdict_fits(&d, c, why, sizeof why))
            s = zj_error_set(err, ZJ_ERR_USAGE, NULL, 0, 0, "%s", why);
    }
    if (s == ZJ_OK)
        s = rv.ops->append(rv.self, j->rs, e, 1, NULL, err);
    zj_review_data_free(&d);
    return s;
}

zj_status zj_review_verdict(zj_store *st, const char *ruleset, const char *reviewer,
                            const char *action, const char *call_id, const char *rule_id, int turn,
                            long span_start, long span_end, const char *text, const char *category,
                            const char *note, zj_error *err)
{
    int a = !strcmp(action, "confirm")  ? ZJ_RV_CONFIRM
            : !strcmp(action, "reject") ? ZJ_RV_REJECT
            : !strcmp(action, "add")    ? ZJ_RV_ADD
                                        : -1;
    if (a < 0)
        return zj_error_set(err, ZJ_ERR_USAGE, NULL, 0, 0,
                            "unknown verdict '%s' (confirm, reject or add)", action);
    if (!reviewer || !*reviewer)
        return zj_error_set(err, ZJ_ERR_USAGE, NULL, 0, 0, "a reviewer's name is needed");
    rule_id = rule_id ? rule_id : "";
    if (turn < -1 || span_start < -1 || span_end < -1 || (span_start >= 0) != (span_end >= 0) ||
        span_end < span_start)
        return zj_error_set(err, ZJ_ERR_USAGE, NULL, 0, 0,
                            "the finding's turn or span is not valid");
    if (a == ZJ_RV_ADD && !*rule_id && (!category || !*category))
        return zj_error_set(err, ZJ_ERR_USAGE, NULL, 0, 0,
                            "an added finding needs a rule or a category");
    zj_rs_ruleset rs;
    zj_status s = open_ruleset(st, ruleset, &rs, err);
    if (s != ZJ_OK)
        return s;
    zj_rv_event e = {.actor = reviewer,
                     .role = "inspector",
                     .action = (zj_rv_action)a,
                     .call_id = call_id,
                     .rule_id = rule_id,
                     .turn = turn,
                     .span_start = span_start,
                     .span_end = span_end,
                     .text = a == ZJ_RV_ADD ? text : NULL,
                     .category = a == ZJ_RV_ADD ? category : NULL,
                     .note = note};
    verdict_job j = {st, &rs, &e};
    zj_review_store rv = zj_review_store_sql(st);
    return rv.ops->write(rv.self, write_verdict, &j, err);
}

/* ------------------------------------------------------------- summary */

zj_status zj_review_summary_of(zj_store *st, const zj_rs_ruleset *rs, const zj_report_filter *f,
                               zj_review_summary *out, zj_error *err)
{
    memset(out, 0, sizeof *out);
    out->precision = out->k_engine = out->k_inter = NAN;
    zj_review_store rv = zj_review_store_sql(st);
    zj_review_data d = {0};
    zj_status s = rv.ops->calls(rv.self, rs, f, 0, true, false, &d, err);
    calibration cal = {0};
    if (s == ZJ_OK && !calibrate_data(&d, rs, &cal))
        s = zj_error_set(err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory");
    if (s == ZJ_OK) {
        for (size_t r = 0; r < cal.n_rules; r++) {
            out->confirmed += cal.rules[r].confirmed;
            out->rejected += cal.rules[r].rejected;
            out->added += cal.rules[r].added;
        }
        for (size_t i = 0; i < d.n_calls; i++) {
            const zj_rv_call *c = &d.calls[i];
            zj_rv_final fin = zj_rv_final_of(&d, c, rs);
            /* Changed by a verdict or by a ruling alone, as review status counts. */
            out->changed += fin.score != c->score || fin.passed != c->passed;
            /* Appeals on the call's current findings, each open or ruled once,
             * so the parts add up; one on a finding a re-score moved is listed
             * by review status and decides nothing here. */
            for (size_t k = c->first_event; k < c->first_event + c->n_events; k++) {
                const zj_rv_event *e = &d.events[k];
                if (e->action != ZJ_RV_APPEAL ||
                    !finding_at(&d, c, e->rule_id, e->turn, e->span_start, e->span_end))
                    continue;
                out->appeals++;
                const zj_rv_event *ruling = NULL;
                for (size_t r = c->first_event; !ruling && r < c->first_event + c->n_events; r++)
                    if (d.events[r].action == ZJ_RV_RULE && d.events[r].appeal_id == e->id)
                        ruling = &d.events[r];
                out->upheld += ruling && !ruling->overturn;
                out->overturned += ruling && ruling->overturn;
                out->appeals_open += !ruling;
            }
        }
        out->reviewed_calls = cal.reviewed_calls;
        if (out->confirmed + out->rejected)
            out->precision = (double)out->confirmed / (double)(out->confirmed + out->rejected);
        out->k_engine = cal.k_engine;
        out->k_inter = cal.k_inter;
        out->units = cal.units;
        out->pairs = cal.pairs;
    }
    calibration_free(&cal);
    zj_review_data_free(&d);
    return s;
}
