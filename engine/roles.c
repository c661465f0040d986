/* roles.c — which speaker of a call is the agent. Cloud ASR results number
 * channels or speakers and never say which one is the agent: the mapping is
 * given (--agent-channel, --agent-speaker, the metadata table), or decided
 * here by scoring each party as the agent with the rule set's own opening and
 * polite-phrase rules, and by the agent's script phrases each says. A
 * decision too close to call is an error, not a guess. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 文明用语 every service standard shares (simplified and traditional). The
 * rule set's own required rules weigh more; these break ties when a rule set
 * has few of them. */
static const char *const polite[] = {
    "您好",         "请问",         "请稍等",         "稍等",           "不客气",
    "感谢您的来电", "谢谢您",       "很高兴为您服务", "还有什么可以帮", "请您",
    "麻烦您",       "抱歉",         "对不起",         "祝您",           "請問",
    "請稍等",       "感謝您的來電", "謝謝您",         "請您",           "還有什麼可以幫",
};

int zj_roles_polite_count(const char *text, size_t len)
{
    int n = 0;
    for (size_t i = 0; i < sizeof polite / sizeof *polite; i++) {
        size_t k = strlen(polite[i]);
        const char *p = text, *end = text + len;
        while (p + k <= end) {
            const char *hit = NULL;
            for (const char *q = p; q + k <= end; q++)
                if (memcmp(q, polite[i], k) == 0) {
                    hit = q;
                    break;
                }
            if (!hit)
                break;
            n++;
            p = hit + k;
        }
    }
    return n;
}

/* Phrases of the service script that only the agent says: the offer of
 * help, serving, looking up or booking for the other party, the hold, the
 * close of an inbound call. A polite caller says 您好, 请问, 麻烦您, 谢谢您
 * and may even name the company ("请问是阳光物业客服中心吗？"), but does not
 * offer help or serve: without one of these, a party that out-polites the
 * other (a rude agent's caller) is not taken for the agent. */
static const char *const script[] = {
    "有什么可以帮", "有什么能帮",   "有什么需要帮", "为您",         "帮您",         "请稍等",
    "请您稍等",     "感谢您的来电", "感谢来电",     "感谢您的接听", "给您带来不便", "有什麼可以幫",
    "有什麼能幫",   "有什麼需要幫", "為您",         "幫您",         "請稍等",       "請您稍等",
    "感謝您的來電", "感謝來電",     "感謝您的接聽", "給您帶來不便",
};

int zj_roles_script_count(const char *text, size_t len)
{
    int n = 0;
    for (size_t i = 0; i < len;) {
        size_t longest = 0;
        for (size_t k = 0; k < sizeof script / sizeof *script; k++) {
            size_t pl = strlen(script[k]);
            if (pl > longest && pl <= len - i && memcmp(text + i, script[k], pl) == 0)
                longest = pl;
        }
        n += longest > 0;
        i += longest ? longest : 1;
    }
    return n;
}

typedef struct party_key {
    bool by_channel;
    int channel;
    char speaker[64];
} party_key;

static bool same_party(const party_key *k, const zj_party *p)
{
    return k->by_channel ? p->channel == k->channel : strcmp(p->speaker, k->speaker) == 0;
}

static void party_label(const party_key *k, char *buf, size_t size)
{
    if (k->by_channel)
        snprintf(buf, size, "channel %d", k->channel);
    else
        snprintf(buf, size, "speaker %s", k->speaker);
}

/* Scores party k as the agent: every agent-side required rule met counts 1,
 * an opening rule (within the first utterances or seconds) 3, and each polite
 * phrase in the party's turns 1; *said counts its script phrases. */
static zj_status score_party(zj_scorer *s, const zj_ruleset *rs, const zj_call *call,
                             const party_key *k, int *score, int *said, zj_error *err)
{
    *said = 0;
    zj_call tmp = *call;
    tmp.meta = NULL;
    tmp.n_meta = 0;
    tmp.parties = NULL;
    tmp.turns = malloc((call->n_turns ? call->n_turns : 1) * sizeof *tmp.turns);
    if (!tmp.turns)
        return zj_error_set(err, ZJ_ERR_NOMEM, call->source, call->line, 0, "out of memory");
    int points = 0;
    for (size_t i = 0; i < call->n_turns; i++) {
        tmp.turns[i] = call->turns[i];
        bool agent = same_party(k, &call->parties->v[i]);
        tmp.turns[i].speaker = agent ? ZJ_SPEAKER_AGENT : ZJ_SPEAKER_CUSTOMER;
        if (agent) {
            points += zj_roles_polite_count(call->turns[i].text, call->turns[i].text_len);
            *said += zj_roles_script_count(call->turns[i].text, call->turns[i].text_len);
        }
    }
    zj_result res;
    zj_status st = zj_score_call(s, &tmp, &res, err);
    free(tmp.turns);
    if (st != ZJ_OK)
        return st;
    for (size_t i = 0; i < res.n_findings; i++) {
        const zj_finding *f = &res.findings[i];
        const zj_rule *r = &rs->rules[f->rule];
        if (f->outcome != ZJ_OUT_MET || r->kind != ZJ_KIND_REQUIRED ||
            r->speaker != ZJ_SPEAKER_AGENT)
            continue;
        points += r->window == ZJ_WIN_FIRST_UTTERANCES || r->window == ZJ_WIN_FIRST_SECONDS ? 3 : 1;
    }
    zj_result_free(&res);
    *score = points;
    return ZJ_OK;
}

static zj_status assign(zj_call *call, const party_key *agent)
{
    for (size_t i = 0; i < call->n_turns; i++)
        call->turns[i].speaker =
            same_party(agent, &call->parties->v[i]) ? ZJ_SPEAKER_AGENT : ZJ_SPEAKER_CUSTOMER;
    return ZJ_OK;
}

/* The parties of a call: its channels when it has two or more, else its
 * speaker ids. */
static size_t list_parties(const zj_call *call, party_key *keys, size_t max)
{
    size_t n = 0;
    for (int pass = 0; pass < 2 && n < 2; pass++) {
        n = 0;
        for (size_t i = 0; i < call->n_turns; i++) {
            const zj_party *p = &call->parties->v[i];
            party_key k = {.by_channel = pass == 0, .channel = p->channel};
            snprintf(k.speaker, sizeof k.speaker, "%s", p->speaker);
            if (pass == 0 ? p->channel < 0 : !p->speaker[0])
                continue;
            bool seen = false;
            for (size_t j = 0; j < n; j++)
                seen = seen || same_party(&keys[j], p);
            if (!seen && n < max)
                keys[n++] = k;
        }
    }
    return n;
}

/* The first turn without a channel (by_channel) or a speaker id, or -1: such
 * a turn would silently become the customer's. */
static long first_unlabelled(const zj_call *call, bool by_channel)
{
    for (size_t i = 0; i < call->n_turns; i++) {
        const zj_party *p = &call->parties->v[i];
        if (by_channel ? p->channel < 0 : !p->speaker[0])
            return (long)i;
    }
    return -1;
}

static zj_status unlabelled_error(const zj_call *call, long turn, bool by_channel, zj_error *err)
{
    return zj_error_set(err, ZJ_ERR_INVALID, call->source, call->line, 0,
                        "call '%s': turn %ld has no %s while others have one, so whose it is "
                        "cannot be told",
                        call->call_id, turn, by_channel ? "channel" : "speaker id");
}

static bool record(zj_call *call, const zj_roles_decision *d)
{
    bool ok = zj_ing_add_meta(call, -1, "roles.method", "%s", d->method) &&
              zj_ing_add_meta(call, -1, "roles.agent", "%s", d->agent);
    if (ok && strcmp(d->method, "auto") == 0)
        ok = zj_ing_add_meta(call, -1, "roles.scores", "%s %d, %s %d", d->agent, d->score,
                             d->runner_up[0] ? d->runner_up : "none", d->runner_up_score) &&
             zj_ing_add_meta(call, -1, "roles.margin", "%d", d->score - d->runner_up_score) &&
             zj_ing_add_meta(call, -1, "roles.script", "%s %d, %s %d", d->agent, d->script,
                             d->runner_up[0] ? d->runner_up : "none", d->runner_up_script);
    return ok;
}

static void free_parties(zj_call *call)
{
    free(call->parties->v);
    free(call->parties);
    call->parties = NULL;
}

zj_status zj_roles_resolve(zj_scorer *s, const zj_ruleset *rs, zj_call *call, long channel,
                           const char *speaker, zj_roles_decision *out, zj_error *err)
{
    zj_roles_decision d = {.method = "input"};
    const char *src = call->source;
    long line = call->line;
    if (!call->parties)
        return ZJ_OK;
    size_t known = 0;
    for (size_t i = 0; i < call->n_turns; i++)
        known += call->parties->v[i].role != ZJ_ROLE_UNKNOWN;
    if (call->n_turns > 0 && known == call->n_turns) {
        snprintf(d.agent, sizeof d.agent, "named in the input");
    } else if (known > 0) {
        return zj_error_set(err, ZJ_ERR_INVALID, src, line, 0,
                            "call '%s': some turns name a role (客服/客户) and others only a "
                            "speaker number; roles must be given the same way throughout",
                            call->call_id);
    } else if (channel >= 0 || speaker) {
        party_key k = {.by_channel = channel >= 0, .channel = (int)channel};
        snprintf(k.speaker, sizeof k.speaker, "%s", speaker ? speaker : "");
        bool found = false;
        for (size_t i = 0; i < call->n_turns && !found; i++)
            found = same_party(&k, &call->parties->v[i]);
        if (!found && call->n_turns > 0) {
            if (k.by_channel)
                return zj_error_set(err, ZJ_ERR_INVALID, src, line, 0,
                                    "call '%s': no turn on channel %ld (given as the agent's)",
                                    call->call_id, channel);
            return zj_error_set(err, ZJ_ERR_INVALID, src, line, 0,
                                "call '%s': no turn of speaker '%s' (given as the agent)",
                                call->call_id, k.speaker);
        }
        long bare = first_unlabelled(call, k.by_channel);
        if (bare >= 0)
            return unlabelled_error(call, bare, k.by_channel, err);
        assign(call, &k);
        d.method = k.by_channel ? "channel" : "speaker";
        party_label(&k, d.agent, sizeof d.agent);
    } else if (call->n_turns > 0) {
        enum { MAX_PARTIES = 16 };
        party_key keys[MAX_PARTIES + 1];
        size_t n = list_parties(call, keys, MAX_PARTIES + 1);
        if (n > MAX_PARTIES)
            return zj_error_set(err, ZJ_ERR_LIMIT, src, line, 0,
                                "roles undecided: call '%s' has more than %d speakers",
                                call->call_id, MAX_PARTIES);
        if (n >= 2) {
            long bare = first_unlabelled(call, keys[0].by_channel);
            if (bare >= 0)
                return unlabelled_error(call, bare, keys[0].by_channel, err);
        }
        if (n < 2)
            return zj_error_set(err, ZJ_ERR_INVALID, src, line, 0,
                                "roles undecided: call '%s' has %s; give --agent-channel, "
                                "--agent-speaker or a role mapping in --meta",
                                call->call_id,
                                n == 0 ? "no speaker or channel numbers" : "one speaker only");
        int scores[MAX_PARTIES], said[MAX_PARTIES];
        size_t best = 0, second = 1;
        for (size_t i = 0; i < n; i++) {
            zj_status st = score_party(s, rs, call, &keys[i], &scores[i], &said[i], err);
            if (st != ZJ_OK)
                return st;
        }
        if (scores[second] > scores[best]) {
            best = 1;
            second = 0;
        }
        for (size_t i = 2; i < n; i++) {
            if (scores[i] > scores[best]) {
                second = best;
                best = i;
            } else if (scores[i] > scores[second]) {
                second = i;
            }
        }
        party_label(&keys[best], d.agent, sizeof d.agent);
        party_label(&keys[second], d.runner_up, sizeof d.runner_up);
        d.score = scores[best];
        d.runner_up_score = scores[second];
        d.script = said[best];
        d.runner_up_script = said[second];
        d.method = "auto";
        if (d.score - d.runner_up_score < ZJ_ROLES_MIN_MARGIN)
            return zj_error_set(err, ZJ_ERR_INVALID, src, line, 0,
                                "roles undecided: call '%s': %s vs %s margin %d (scores %d and "
                                "%d, at least %d needed); give --agent-channel, --agent-speaker "
                                "or a role mapping in --meta",
                                call->call_id, d.agent, d.runner_up, d.score - d.runner_up_score,
                                d.score, d.runner_up_score, ZJ_ROLES_MIN_MARGIN);
        /* Points alone cannot tell a polite caller from a rude agent: the
         * agent is the party that also says more of the agent's script. */
        if (d.script <= d.runner_up_script)
            return zj_error_set(err, ZJ_ERR_INVALID, src, line, 0,
                                "roles undecided: call '%s': %s leads %s by %d (scores %d and "
                                "%d) but says %d of the agent's script phrases (有什么可以帮, "
                                "为您, 帮您, 请稍等, 感谢您的来电 …) to %d; give "
                                "--agent-channel, --agent-speaker or a role mapping in --meta",
                                call->call_id, d.agent, d.runner_up, d.score - d.runner_up_score,
                                d.score, d.runner_up_score, d.script, d.runner_up_script);
        assign(call, &keys[best]);
    }
    if (!record(call, &d))
        return zj_error_set(err, ZJ_ERR_NOMEM, src, line, 0, "out of memory");
    free_parties(call);
    if (out)
        *out = d;
    return ZJ_OK;
}
