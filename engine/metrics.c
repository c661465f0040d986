/* metrics.c — metric rules: what the timestamps and the call's metadata say
 * about a conversation (answer time, silences and whether the agent announced
 * them, interruptions, speech rate, duration, talk share). Each finding
 * carries the measured value and its unit; a call without the timestamps a
 * metric needs gets `not_measurable`, never a guess. Everything here is one
 * pass over the turns. */
#include "internal.h"

#include <string.h>

/* Every turn from `from` on has both timestamps, and they are not all
 * placeholders: a call whose every turn lasts 0 ms (start = end = 0) was
 * never timed, and its holds and interruptions cannot be measured. */
static bool timed(const zj_call *call, size_t from)
{
    if (from >= call->n_turns)
        return false;
    bool lasts = false;
    for (size_t t = from; t < call->n_turns; t++) {
        if (call->turns[t].start_ms < 0 || call->turns[t].end_ms < call->turns[t].start_ms)
            return false;
        lasts = lasts || call->turns[t].end_ms > call->turns[t].start_ms;
    }
    return lasts;
}

/* Whether turn t is someone speaking: not fillers, tags or punctuation
 * alone (嗯。, [等待音], [咳嗽], ……), which are sounds, not utterances. */
static bool speaks(const unsigned char *marks, size_t t)
{
    return !marks || !(marks[t] & ZJ_MARK_NO_SPEECH);
}

static zj_status push(zj_finding_list *out, uint32_t rule, zj_outcome outcome, int points,
                      long turn, int64_t start_ms, int64_t value, const char *unit)
{
    zj_finding f = {.rule = rule,
                    .outcome = outcome,
                    .points = points,
                    .turn = turn,
                    .start_ms = start_ms,
                    .value = value,
                    .unit = unit};
    return zj_finding_push(out, &f);
}

/* A call-level value against the rule's bounds: hit (the rule's points) when
 * outside them, met otherwise. */
static zj_status judge(const zj_rule *r, uint32_t rule, int64_t value, const char *unit,
                       zj_finding_list *out)
{
    bool outside = (r->metric_max >= 0 && value > r->metric_max) ||
                   (r->metric_min >= 0 && value < r->metric_min);
    return push(out, rule, outside ? ZJ_OUT_HIT : ZJ_OUT_MET, outside ? -r->points : 0, -1, -1,
                value, unit);
}

/* A call-level ratio num/den (den > 0) against the rule's whole-number
 * bounds, judged unrounded: a share of 60.4 % is above `max: 60`. The value
 * reported is rounded to the nearest whole number, except that a hit which
 * would round onto the bound it crosses reads one past it (60.4 → 61), so
 * that the figure never reads as within the bounds the call failed. */
static zj_status judge_ratio(const zj_rule *r, uint32_t rule, int64_t num, int64_t den,
                             const char *unit, zj_finding_list *out)
{
    bool above = r->metric_max >= 0 && num > r->metric_max * den;
    bool below = r->metric_min >= 0 && num < r->metric_min * den;
    int64_t value = (num + den / 2) / den;
    if (above && value <= r->metric_max)
        value = r->metric_max + 1;
    if (below && value >= r->metric_min)
        value = r->metric_min - 1;
    return push(out, rule, above || below ? ZJ_OUT_HIT : ZJ_OUT_MET,
                above || below ? -r->points : 0, -1, -1, value, unit);
}

/* Points of the k-th (0-based) event of a rule in a call under max_points. */
static int event_points(const zj_rule *r, size_t k)
{
    if (r->max_points <= 0)
        return r->points;
    long left = r->max_points - (long)k * r->points;
    return left <= 0 ? 0 : (r->points < left ? r->points : (int)left);
}

/* The running state of silences(): what the turns so far leave open. */
typedef struct hold_state {
    const zj_rule *r;
    uint32_t rule;
    size_t from;
    int64_t longest;
    size_t unannounced, events;
} hold_state;

/* One hold of `gap` ms, begun at start_ms, at turn `at`: `met` when the
 * agent announced it or the customer asked for the pause, else `hit`. */
static zj_status hold(hold_state *h, long at, int64_t start_ms, int64_t gap, bool excused,
                      zj_finding_list *out)
{
    if ((size_t)at < h->from || gap <= 0)
        return ZJ_OK;
    if (gap > h->longest)
        h->longest = gap;
    if (gap < h->r->metric_min)
        return ZJ_OK;
    h->events++;
    int points = excused ? 0 : -event_points(h->r, h->unannounced++);
    return push(out, h->rule, excused ? ZJ_OUT_MET : ZJ_OUT_HIT, points, at, start_ms, gap, "ms");
}

/* Holds: silences the customer waits through. A silence runs from the
 * latest end of the turns so far (overlapping turns leave none) to the next
 * words, except a customer turn holding the `waiting` rule's hit
 * (喂？还在吗？): a customer asking whether the agent is still there is
 * still waiting, and the silence goes on through the question. Turns that
 * are no utterance (ZJ_MARK_NO_SPEECH: [等待音], [静音], 嗯。) neither end a
 * silence nor speak after it. A silence is a hold when the agent's words
 * end it, or when the customer asked 还在吗 during it and their other words
 * or the end of the call end it (a resident left on the line who hangs up
 * was held all the same); it is judged at the turn that ends it, or at the
 * call's last 还在吗. Turns that start together are judged as one, in
 * either order: a customer's 喂？ said as the agent comes back, at the same
 * moment, does not end the hold before it, and two agent rows end it once.
 * A hold is announced when the agent's last utterance before it (its run
 * of turns: ASR cuts 请您稍等。我帮您查一下。 into two) holds the announce
 * rule's hit, and is the customer's own pause, no hold of the agent's,
 * when the customer's last utterance before it holds the customer_pause
 * rule's hit (请稍等，我去找一下房号). */
static zj_status silences(const zj_rule *r, uint32_t rule, const zj_call *call, size_t from,
                          const unsigned char *marks, zj_finding_list *out)
{
    hold_state h = {.r = r, .rule = rule, .from = from};
    int64_t reach = -1;           /* latest end of the words so far; -1 before any */
    bool agent_said = false;      /* the agent's last utterance announced a hold */
    bool customer_paused = false; /* the customer's last utterance asked for one */
    long prev = -1;               /* the last turn that speaks */
    long last_words = -1;         /* ... and is no 还在吗 */
    long waited = -1;             /* the last 还在吗 of the current silence, -1: none */
    int64_t waited_end = -1;
    size_t n = call->n_turns;
    for (size_t t = 0, u; t < n; t = u) {
        int64_t start = call->turns[t].start_ms;
        long agent_row = -1, customer_row = -1; /* the group's first words of each */
        for (u = t; u < n && call->turns[u].start_ms == start; u++) {
            if (!speaks(marks, u))
                continue;
            if (call->turns[u].speaker == ZJ_SPEAKER_AGENT)
                agent_row = agent_row < 0 ? (long)u : agent_row;
            else if (!(marks && (marks[u] & ZJ_MARK_WAITING)) && customer_row < 0)
                customer_row = (long)u;
        }
        long ends = agent_row >= 0 ? agent_row : waited >= 0 ? customer_row : -1;
        if (ends >= 0 && reach >= 0) {
            zj_status st = hold(&h, ends, reach, start - reach, agent_said || customer_paused, out);
            if (st != ZJ_OK)
                return st;
        }
        for (size_t k = t; k < u; k++) {
            const zj_turn *turn = &call->turns[k];
            if (!speaks(marks, k))
                continue;
            bool agent = turn->speaker == ZJ_SPEAKER_AGENT;
            bool still_waiting = !agent && marks && (marks[k] & ZJ_MARK_WAITING) && reach >= 0;
            if (still_waiting) {
                if (turn->start_ms >= reach) {
                    waited = (long)k;
                    if (turn->end_ms > waited_end)
                        waited_end = turn->end_ms;
                }
            } else {
                if (turn->end_ms > reach)
                    reach = turn->end_ms;
                if (!agent) {
                    bool asked = marks && (marks[k] & ZJ_MARK_PAUSED);
                    customer_paused =
                        last_words >= 0 && call->turns[last_words].speaker != ZJ_SPEAKER_AGENT
                            ? customer_paused || asked
                            : asked;
                }
                last_words = (long)k;
            }
            if (agent) {
                bool said = marks && (marks[k] & ZJ_MARK_ANNOUNCED);
                agent_said = prev >= 0 && call->turns[prev].speaker == ZJ_SPEAKER_AGENT
                                 ? agent_said || said
                                 : said;
            }
            prev = (long)k;
        }
        if (agent_row >= 0 || customer_row >= 0)
            waited = -1, waited_end = -1; /* the silence ended */
    }
    /* Still on the line when the call ends: held to the last 还在吗. */
    if (waited >= 0) {
        zj_status st =
            hold(&h, waited, reach, waited_end - reach, agent_said || customer_paused, out);
        if (st != ZJ_OK)
            return st;
    }
    return h.events ? ZJ_OK : push(out, rule, ZJ_OUT_MET, 0, -1, -1, h.longest, "ms");
}

/* An agent turn that starts while a customer turn is still going and talks
 * over it by at least the rule's overlap: one interruption per customer turn.
 * The turn talked over is the one of the customer's turns so far that goes
 * on longest, not merely the latest: a short row that starts inside a long
 * one (a second voice on the customer's side, a split segment) leaves the
 * long one going. The overlap is the time both speak, so a 好的 said inside
 * a long complaint is the backchannel it is, however long the resident goes
 * on. */
static zj_status interruptions(const zj_rule *r, uint32_t rule, const zj_call *call, size_t from,
                               const unsigned char *marks, zj_finding_list *out)
{
    long customer = -1;
    size_t events = 0;
    for (size_t t = 0; t < call->n_turns; t++) {
        const zj_turn *turn = &call->turns[t];
        /* A cough, a 嗯 or a tag is nobody speaking: neither interrupted nor
         * interrupting. */
        if (!speaks(marks, t))
            continue;
        if (turn->speaker == ZJ_SPEAKER_CUSTOMER) {
            if (customer < 0 || turn->end_ms >= call->turns[customer].end_ms)
                customer = (long)t;
            continue;
        }
        if (customer < 0 || t < from)
            continue;
        const zj_turn *c = &call->turns[customer];
        int64_t overlap = (c->end_ms < turn->end_ms ? c->end_ms : turn->end_ms) - turn->start_ms;
        /* Started after the customer did: two who start at the same moment
         * (rows of two channels, in either order) talk at once, neither
         * over the other. */
        if (turn->start_ms > c->start_ms && overlap > 0 && overlap >= r->metric_min) {
            zj_status st = push(out, rule, ZJ_OUT_HIT, -event_points(r, events++), (long)t,
                                turn->start_ms, overlap, "ms");
            if (st != ZJ_OK)
                return st;
            customer = -1;
        }
    }
    return events ? ZJ_OK : push(out, rule, ZJ_OUT_MET, 0, -1, -1, 0, "count");
}

/* Characters the agent said (as normalized: no spaces, punctuation or
 * non-speech tags) per minute of the agent's own turns. */
static zj_status speech_rate(const zj_rule *r, uint32_t rule, const zj_call *call, size_t from,
                             const zj_non_speech *tags, const unsigned char *marks, zj_norm *norm,
                             zj_finding_list *out)
{
    int64_t ms = 0, chars = 0;
    for (size_t t = from; t < call->n_turns; t++) {
        const zj_turn *turn = &call->turns[t];
        /* 30 s of [等待音] is no time the agent spoke */
        if (turn->speaker != ZJ_SPEAKER_AGENT || !speaks(marks, t))
            continue;
        zj_status st = zj_norm_text_speech(norm, turn->text, turn->text_len, tags);
        if (st != ZJ_OK)
            return st;
        chars += (int64_t)zj_utf8_count(norm->text, norm->len);
        ms += turn->end_ms - turn->start_ms;
    }
    if (ms <= 0)
        return push(out, rule, ZJ_OUT_NOT_MEASURABLE, 0, -1, -1, 0, NULL);
    return judge_ratio(r, rule, chars * 60000, ms, "chars/min", out);
}

zj_status zj_metric_eval(const zj_ruleset *rs, uint32_t rule, const zj_call *call, size_t from,
                         const unsigned char *marks, zj_norm *norm, zj_finding_list *out)
{
    const zj_rule *r = &rs->rules[rule];
    if (r->metric == ZJ_METRIC_ANSWER_TIME)
        return call->ring_ms < 0 ? push(out, rule, ZJ_OUT_NOT_MEASURABLE, 0, -1, -1, 0, NULL)
                                 : judge(r, rule, call->ring_ms, "ms", out);
    /* The others read turn timestamps: all of them, from the first turn
     * counted on (a silence or share is wrong if one turn is missing). */
    if (!timed(call,
               r->metric == ZJ_METRIC_SILENCE || r->metric == ZJ_METRIC_INTERRUPTION ? 0 : from))
        return push(out, rule, ZJ_OUT_NOT_MEASURABLE, 0, -1, -1, 0, NULL);
    switch (r->metric) {
    case ZJ_METRIC_SILENCE:
        return silences(r, rule, call, from, marks, out);
    case ZJ_METRIC_INTERRUPTION:
        return interruptions(r, rule, call, from, marks, out);
    case ZJ_METRIC_SPEECH_RATE:
        return speech_rate(r, rule, call, from, rs->non_speech, marks, norm, out);
    case ZJ_METRIC_DURATION: {
        int64_t first = call->turns[from].start_ms, last = 0;
        for (size_t t = from; t < call->n_turns; t++)
            if (call->turns[t].end_ms > last)
                last = call->turns[t].end_ms;
        return judge(r, rule, last - first, "ms", out);
    }
    case ZJ_METRIC_TALK_SHARE: {
        int64_t agent = 0, all = 0;
        for (size_t t = from; t < call->n_turns; t++) {
            if (!speaks(marks, t))
                continue; /* hold music is nobody's talk */
            int64_t d = call->turns[t].end_ms - call->turns[t].start_ms;
            all += d;
            if (call->turns[t].speaker == ZJ_SPEAKER_AGENT)
                agent += d;
        }
        if (all <= 0)
            return push(out, rule, ZJ_OUT_NOT_MEASURABLE, 0, -1, -1, 0, NULL);
        return judge_ratio(r, rule, agent * 100, all, "%", out);
    }
    case ZJ_METRIC_ANSWER_TIME:
    case ZJ_METRIC_NONE:
        break;
    }
    return ZJ_OK;
}
