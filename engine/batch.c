/* batch.c — scores many inputs with all cores: a reader thread, N scoring
 * threads sharing the read-only rule set, and the caller's thread delivering
 * results in input order to a sink and to the store, in transactions that
 * carry the resume watermarks. A ring of in-flight items bounds memory. */
#define _GNU_SOURCE /* pthread_setname_np: named threads in top, perf and gdb */
#include "internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define WINDOW 4096 /* calls read but not yet delivered */

enum slot_state { SLOT_EMPTY, SLOT_READ, SLOT_DONE };

typedef struct slot {
    enum slot_state state;
    size_t input;
    zj_raw raw; /* until a worker parses it */
    zj_call *call;
    zj_result result;
    bool has_result;
    bool released;   /* call and findings freed once rendered (no store) */
    zj_error *error; /* set with is_error (allocated: most items have none) */
    bool is_error;
    uint64_t end_offset;
    bool rendered; /* the render callback's output is in the slot's buffer */
} slot;

typedef struct batch {
    const zj_batch_opts *o;
    pthread_mutex_t mu;
    pthread_cond_t can_read, work_ready, done_ready;
    slot *ring;
    /* Rendered output per ring position. Buffers are swapped, never freed,
     * while the batch runs: a buffer grown by a scoring thread and freed by
     * the emitter contended for the allocator's lock on every call. */
    zj_buf *out;
    uint64_t next_read, next_work, next_emit;
    bool reader_done, abort;
    uint64_t bytes_read, bytes_total;
    zj_profile profile;
} batch;

static const zj_error no_memory = {.status = ZJ_ERR_NOMEM, .msg = "out of memory"};

/* Marks the item rejected with a copy of e. */
static void slot_fail(slot *s, const zj_error *e)
{
    s->is_error = true;
    if (!s->error)
        s->error = malloc(sizeof *s->error);
    if (s->error)
        *s->error = e ? *e : no_memory;
}

/* Without a store, nothing needs a rendered call again: free it in the
 * thread that allocated it (cheap), keeping only the score for the totals. */
static void release_scored(slot *s)
{
    zj_result kept = {.score = s->result.score,
                      .passed = s->result.passed,
                      .fatal = s->result.fatal,
                      .grade = s->result.grade};
    zj_result_free(&s->result);
    s->result = kept;
    s->has_result = false;
    zj_call_free(s->call);
    s->call = NULL;
    s->released = true;
}

static void slot_clear(slot *s)
{
    free(s->error);
    if (s->has_result)
        zj_result_free(&s->result);
    zj_call_free(s->call);
    zj_raw_release(&s->raw);
    memset(s, 0, sizeof *s);
}

#define CHUNK 256 /* items handed between threads per lock round */

/* Publishes read items (calls or rejections) into the ring. */
static bool publish(batch *b, slot *items, size_t n)
{
    pthread_mutex_lock(&b->mu);
    while (b->next_read + n - b->next_emit > WINDOW && !b->abort)
        pthread_cond_wait(&b->can_read, &b->mu);
    if (b->abort) {
        pthread_mutex_unlock(&b->mu);
        for (size_t i = 0; i < n; i++)
            slot_clear(&items[i]);
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        items[i].state = SLOT_READ;
        b->ring[(b->next_read + i) % WINDOW] = items[i];
    }
    b->next_read += n;
    pthread_cond_broadcast(&b->work_ready);
    pthread_mutex_unlock(&b->mu);
    return true;
}

static void *reader_main(void *arg)
{
    pthread_setname_np(pthread_self(), "zj-reader");
    batch *b = arg;
    const zj_batch_opts *o = b->o;
    bool go = true;
    slot chunk[CHUNK];
    size_t pending = 0;
    for (size_t i = 0; i < o->n_inputs && go; i++) {
        uint64_t start = o->start_offsets ? o->start_offsets[i] : 0;
        slot item = {.input = i};
        zj_error e;
        zj_reader *r = zj_reader_open_opts(o->inputs[i], start, o->ingest, &e);
        if (!r) {
            slot_fail(&item, &e);
            item.end_offset = start;
            chunk[pending++] = item;
            if (pending == CHUNK) {
                go = publish(b, chunk, pending);
                pending = 0;
            }
            continue;
        }
        uint64_t base_done = b->bytes_read;
        /* stdin is a stream: hand each call on at once rather than waiting
         * for a chunk to fill. */
        size_t chunk_size = strcmp(o->inputs[i], "-") == 0 ? 1 : CHUNK;
        while (go) {
            slot it = {.input = i};
            zj_status st = zj_reader_next_raw(r, &it.raw, &e);
            if (st == ZJ_DONE)
                break;
            it.end_offset = zj_reader_offset(r);
            if (st != ZJ_OK)
                slot_fail(&it, &e);
            __atomic_store_n(&b->bytes_read, base_done + (it.end_offset - start), __ATOMIC_RELAXED);
            chunk[pending++] = it;
            if (pending >= chunk_size) {
                go = publish(b, chunk, pending);
                pending = 0;
            }
        }
        zj_reader_close(r);
    }
    if (go && pending)
        publish(b, chunk, pending);
    else
        for (size_t i = 0; i < pending; i++)
            slot_clear(&chunk[i]);
    pthread_mutex_lock(&b->mu);
    b->reader_done = true;
    pthread_cond_broadcast(&b->work_ready);
    pthread_cond_broadcast(&b->done_ready);
    pthread_mutex_unlock(&b->mu);
    return NULL;
}

/* The most bytes of call id, agent id and team together that a store
 * keeps: PostgreSQL refuses an index entry over 2704 bytes, and the
 * calls_lot index holds all three in one entry (with a date and numbers;
 * agg_rules_lookup the agent and team with a rule id). A longer set failed
 * the whole transaction there, unnamed, while SQLite stored it; both back
 * ends now refuse that call alone. */
#define MAX_KEY_BYTES 2048

/* Whether the call's keys fit a store; else e names the call (its id cut
 * at a character boundary). */
static bool keys_fit(const zj_call *c, zj_error *e)
{
    size_t n = strlen(c->call_id) + (c->agent_id ? strlen(c->agent_id) : 0) +
               (c->team ? strlen(c->team) : 0);
    if (n <= MAX_KEY_BYTES)
        return true;
    int shown = strlen(c->call_id) > 40 ? 40 : (int)strlen(c->call_id);
    while (shown > 0 && ((unsigned char)c->call_id[shown] & 0xC0) == 0x80)
        shown--;
    zj_error_set(e, ZJ_ERR_INVALID, c->source, c->line, 0,
                 "call '%.*s%s': its call_id, agent_id and team are %zu bytes together, more "
                 "than the %d a store keeps",
                 shown, c->call_id, c->call_id[shown] ? "…" : "", n, MAX_KEY_BYTES);
    return false;
}

static void *worker_main(void *arg)
{
    pthread_setname_np(pthread_self(), "zj-score");
    batch *b = arg;
    zj_error err;
    zj_scorer *scorer = zj_scorer_new(b->o->rs, &err);
    bool profiling = b->o->profile;
    uint64_t parse_ns = 0;
    if (scorer) {
        zj_scorer_profile(scorer, NULL, profiling);
        zj_scorer_set_limits(
            scorer, b->o->max_call_bytes ? b->o->max_call_bytes : ZJ_DEFAULT_MAX_CALL_BYTES,
            b->o->max_findings ? b->o->max_findings : ZJ_DEFAULT_MAX_FINDINGS);
    }
    for (;;) {
        pthread_mutex_lock(&b->mu);
        while (b->next_work == b->next_read && !b->reader_done && !b->abort)
            pthread_cond_wait(&b->work_ready, &b->mu);
        if (b->abort || (b->next_work == b->next_read && b->reader_done)) {
            pthread_mutex_unlock(&b->mu);
            break;
        }
        uint64_t first = b->next_work;
        uint64_t count = b->next_read - b->next_work;
        if (count > CHUNK)
            count = CHUNK;
        b->next_work += count;
        pthread_mutex_unlock(&b->mu);

        for (uint64_t seq = first; seq < first + count; seq++) {
            slot *s = &b->ring[seq % WINDOW];
            if (s->is_error)
                continue;
            /* Parse here, in parallel; the batch's path outlives the reader's. */
            uint64_t t0 = profiling ? zj_now_ns() : 0;
            zj_error e;
            s->call = zj_raw_parse(&s->raw, b->o->inputs[s->input], &e);
            if (profiling)
                parse_ns += zj_now_ns() - t0;
            if (!s->call) {
                slot_fail(s, &e);
                continue;
            }
            s->call->source = b->o->inputs[s->input];
            /* Personal data is masked before anything reads the text. */
            if (b->o->redact && zj_redact_call(s->call, b->o->redact) != ZJ_OK) {
                zj_error_set(&e, ZJ_ERR_NOMEM, s->call->source, s->call->line, 0,
                             "call '%s': out of memory while masking personal data",
                             s->call->call_id);
                slot_fail(s, &e);
                continue;
            }
            /* Input formats: metadata joined and roles decided (needs a
             * scorer, so it happens here rather than in the reader). */
            if (scorer && b->o->ingest && (s->call->parties || b->o->ingest->meta) &&
                zj_ingest_finish(scorer, b->o->rs, b->o->ingest, s->call, &e) != ZJ_OK) {
                zj_call_free(s->call);
                s->call = NULL;
                slot_fail(s, &e);
                continue;
            }
            if (b->o->store && !keys_fit(s->call, &e)) {
                zj_call_free(s->call);
                s->call = NULL;
                slot_fail(s, &e);
                continue;
            }
            if (!scorer) {
                slot_fail(s, &err);
            } else if (zj_score_call(scorer, s->call, &s->result, &e) == ZJ_OK) {
                s->has_result = true;
                if (b->o->render) {
                    zj_batch_item it = {.input = s->input,
                                        .call = s->call,
                                        .result = &s->result,
                                        .end_offset = s->end_offset};
                    zj_buf *out = &b->out[seq % WINDOW];
                    zj_buf_reset(out);
                    /* Nothing rendered (a format without per-call output)
                     * reaches the sink as no output, as before any was made. */
                    zj_status rs = b->o->render(&it, out, b->o->ctx);
                    if (rs == ZJ_OK && out->failed)
                        rs = ZJ_ERR_NOMEM;
                    s->rendered = rs == ZJ_OK && out->len;
                    if (rs != ZJ_OK) {
                        /* A call whose output could not be made is rejected
                         * with a message, never left out in silence. */
                        zj_error_set(&e, rs, s->call->source, s->call->line, 0,
                                     "call '%s': cannot render the result: %s", s->call->call_id,
                                     zj_strerror(rs));
                        zj_result_free(&s->result);
                        s->has_result = false;
                        slot_fail(s, &e);
                    } else if (!b->o->store && s->rendered) {
                        release_scored(s);
                    }
                }
            } else {
                /* An error scoring made without the call's place (out of
                 * memory, a regex limit) gets it and the call's id; one that
                 * has its file already names the call (a one-call file, a
                 * subtitle or a vendor's result, has no line). */
                if (!e.file[0]) {
                    zj_error located;
                    zj_error_set(&located, e.status, s->call->source, s->call->line, 0,
                                 "call '%s': %s", s->call->call_id, e.msg);
                    e = located;
                }
                slot_fail(s, &e);
            }
        }
        pthread_mutex_lock(&b->mu);
        for (uint64_t seq = first; seq < first + count; seq++)
            b->ring[seq % WINDOW].state = SLOT_DONE;
        if (first <= b->next_emit && b->next_emit < first + count)
            pthread_cond_signal(&b->done_ready);
        pthread_mutex_unlock(&b->mu);
    }
    if (scorer) {
        zj_profile p;
        zj_scorer_profile(scorer, &p, false);
        pthread_mutex_lock(&b->mu);
        b->profile.parse_ns += parse_ns;
        b->profile.norm_ns += p.norm_ns;
        b->profile.match_ns += p.match_ns;
        b->profile.score_ns += p.score_ns;
        b->profile.calls += p.calls;
        pthread_mutex_unlock(&b->mu);
        zj_scorer_free(scorer);
    }
    return NULL;
}

/* Items delivered but not yet committed to the store. */
typedef struct pending {
    slot *v;
    size_t n, cap;
    zj_scored *scored;
    uint64_t *watermarks;
    size_t rejected;
} pending;

/* The store writer: the emitter hands it full batches (double buffering), so
 * writing overlaps with scoring and printing. It owns the only write
 * connection while the batch runs. */
typedef struct writer {
    batch *b;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pending *job; /* batch being handed over / written, NULL when idle */
    bool quit;
    size_t txn_calls;  /* calls in the open transaction */
    size_t txn_scored; /* scored calls (not rejections) in it */
    size_t stored;     /* scored calls committed */
    uint64_t txn_born; /* when it began (ns) */
    zj_status status;
    zj_error err;
} writer;

static zj_status commit(batch *b, pending *p, size_t rejected, zj_error *err);

/* Commits the open transaction once it is big or old enough, or when forced. */
static zj_status maybe_commit(writer *w, size_t added, bool force, zj_error *err)
{
    const zj_batch_opts *o = w->b->o;
    if (!o->store)
        return ZJ_OK;
    uint64_t now = zj_now_ns();
    if (w->txn_calls == 0)
        w->txn_born = now;
    w->txn_calls += added;
    size_t max_calls = o->commit_every ? o->commit_every : 20000;
    uint64_t max_ns = (uint64_t)(o->commit_ms ? o->commit_ms : 2000) * 1000000u;
    if (!force && w->txn_calls < max_calls && now - w->txn_born < max_ns)
        return ZJ_OK;
    w->txn_calls = 0;
    zj_status st = zj_store_commit(o->store, err);
    if (st == ZJ_OK) {
        w->stored += w->txn_scored;
        w->txn_scored = 0;
    }
    return st;
}

static void *writer_main(void *arg)
{
    pthread_setname_np(pthread_self(), "zj-store");
    writer *w = arg;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->job && !w->quit)
            pthread_cond_wait(&w->cv, &w->mu);
        if (!w->job)
            break;
        pending *job = w->job;
        pthread_mutex_unlock(&w->mu);
        zj_error err;
        zj_error_clear(&err);
        size_t n = job->n;
        zj_status st = w->status == ZJ_OK ? commit(w->b, job, job->rejected, &err) : ZJ_OK;
        if (st == ZJ_OK && w->status == ZJ_OK) {
            for (size_t i = 0; i < n; i++)
                w->txn_scored += !job->v[i].is_error;
            st = maybe_commit(w, n, false, &err);
        }
        pthread_mutex_lock(&w->mu);
        if (st != ZJ_OK && w->status == ZJ_OK) {
            w->status = st;
            w->err = err;
        }
        w->job = NULL;
        pthread_cond_broadcast(&w->cv);
    }
    if (w->status == ZJ_OK) {
        zj_error err;
        zj_error_clear(&err);
        if (maybe_commit(w, 0, true, &err) != ZJ_OK) {
            w->status = err.status;
            w->err = err;
        }
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

/* Hands the full batch to the writer and gives back the buffer it finished
 * with; returns the writer's status so far. */
static zj_status hand_over(writer *w, pending **p, pending **spare, const uint64_t *wm,
                           size_t n_inputs, size_t rejected)
{
    memcpy((*p)->watermarks, wm, (n_inputs ? n_inputs : 1) * sizeof *wm);
    (*p)->rejected = rejected;
    pthread_mutex_lock(&w->mu);
    while (w->job)
        pthread_cond_wait(&w->cv, &w->mu);
    w->job = *p;
    pending *t = *p;
    *p = *spare;
    *spare = t;
    zj_status st = w->status;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    /* The writer is done with the buffer it gave back: free its items here,
     * off the writer's thread, which is the critical path with a store. */
    for (size_t i = 0; i < (*p)->n; i++)
        slot_clear(&(*p)->v[i]);
    (*p)->n = 0;
    return st;
}

static zj_status commit(batch *b, pending *p, size_t rejected, zj_error *err)
{
    const zj_batch_opts *o = b->o;
    size_t k = 0;
    for (size_t i = 0; i < p->n; i++)
        if (!p->v[i].is_error)
            p->scored[k++] = (zj_scored){p->v[i].call, &p->v[i].result, p->v[i].input};
    zj_status st = ZJ_OK;
    if (o->store && err)
        st = zj_store_put_batch(o->store, o->run_id, o->ruleset_id, o->rs, p->scored, k,
                                p->watermarks, o->n_inputs, rejected, err);
    return st; /* the emitter frees the items when it takes the buffer back */
}

/* The call ids seen in a run with a store, to report a repeated id: an open
 * addressing table of 64-bit hashes of the ids with where each came from. */
typedef struct seen_id {
    uint64_t hash; /* 0: empty slot */
    uint32_t input;
    uint32_t line;
} seen_id;

typedef struct id_set {
    seen_id *v;
    size_t n, cap; /* cap: a power of two, at most half full */
} id_set;

static uint64_t id_hash(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a, then a 64-bit finalizer */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
    h = (h ^ (h >> 33)) * 0xff51afd7ed558ccdull;
    h = (h ^ (h >> 33)) * 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return h ? h : 1;
}

/* Adds the id; *earlier is set to the earlier entry when it was there.
 * ZJ_ERR_NOMEM when the table cannot grow. */
static zj_status id_set_add(id_set *set, const char *id, uint32_t input, uint32_t line,
                            seen_id *earlier, bool *repeated)
{
    *repeated = false;
    if (2 * (set->n + 1) > set->cap) {
        size_t cap = set->cap ? set->cap * 2 : 1024;
        seen_id *v = calloc(cap, sizeof *v);
        if (!v)
            return ZJ_ERR_NOMEM;
        for (size_t i = 0; i < set->cap; i++) {
            if (!set->v[i].hash)
                continue;
            size_t k = set->v[i].hash & (cap - 1);
            while (v[k].hash)
                k = (k + 1) & (cap - 1);
            v[k] = set->v[i];
        }
        free(set->v);
        set->v = v;
        set->cap = cap;
    }
    uint64_t h = id_hash(id);
    size_t k = h & (set->cap - 1);
    for (; set->v[k].hash; k = (k + 1) & (set->cap - 1))
        if (set->v[k].hash == h) {
            *earlier = set->v[k];
            *repeated = true;
            set->v[k].input = input; /* the next repeat names this one */
            set->v[k].line = line;
            return ZJ_OK;
        }
    set->v[k] = (seen_id){h, input, line};
    set->n++;
    return ZJ_OK;
}

/* A call the interrupted run stored (line PRIOR_LINE: before the
 * interruption; input: its index, or n_inputs when it names none of them). */
#define PRIOR_LINE UINT32_MAX
typedef struct prior_seed {
    id_set *ids;
    const zj_batch_opts *o;
} prior_seed;

static zj_status seed_prior(const char *call_id, const char *input_path, void *ctx)
{
    prior_seed *p = ctx;
    uint32_t input = (uint32_t)p->o->n_inputs;
    for (size_t i = 0; input_path && i < p->o->n_inputs; i++)
        if (!strcmp(p->o->inputs[i], input_path))
            input = (uint32_t)i;
    seen_id earlier;
    bool repeated;
    return id_set_add(p->ids, call_id ? call_id : "", input, PRIOR_LINE, &earlier, &repeated);
}

static void stop(batch *b)
{
    pthread_mutex_lock(&b->mu);
    b->abort = true;
    pthread_cond_broadcast(&b->can_read);
    pthread_cond_broadcast(&b->work_ready);
    pthread_cond_broadcast(&b->done_ready);
    pthread_mutex_unlock(&b->mu);
}

static void free_outputs(zj_buf *out, size_t n)
{
    for (size_t i = 0; out && i < n; i++)
        zj_buf_free(&out[i]);
    free(out);
}

static void free_buffers(slot *ring, uint64_t *wm, pending bufs[2], pthread_t *workers)
{
    free(ring);
    free(wm);
    for (int i = 0; i < 2; i++) {
        free(bufs[i].v);
        free(bufs[i].scored);
        free(bufs[i].watermarks);
    }
    free(workers);
}

zj_status zj_batch_run(const zj_batch_opts *o, zj_batch_stats *stats, zj_error *err)
{
    memset(stats, 0, sizeof *stats);
    uint64_t t0 = zj_now_ns();
    int jobs = o->jobs > 0 ? o->jobs : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (jobs < 1)
        jobs = 1;
    if (jobs > 256)
        jobs = 256;
    /* Batches handed to the writer; its transactions span several of them. */
    size_t batch_size = o->commit_every && o->commit_every < 1000 ? o->commit_every : 1000;
    batch b = {.o = o};
    pending bufs[2] = {{0}, {0}};
    pending *p = &bufs[0], *spare = &bufs[1];
    size_t n_wm = o->n_inputs ? o->n_inputs : 1;
    uint64_t *wm = calloc(n_wm, sizeof *wm);
    b.ring = calloc(WINDOW, sizeof *b.ring);
    b.out = calloc(WINDOW, sizeof *b.out);
    bool ok = b.ring && b.out && wm;
    for (int i = 0; i < 2; i++) {
        bufs[i].cap = batch_size;
        bufs[i].v = calloc(batch_size, sizeof *bufs[i].v);
        bufs[i].scored = calloc(batch_size, sizeof *bufs[i].scored);
        bufs[i].watermarks = calloc(n_wm, sizeof *bufs[i].watermarks);
        ok = ok && bufs[i].v && bufs[i].scored && bufs[i].watermarks;
    }
    pthread_t *workers = calloc((size_t)jobs, sizeof *workers);
    if (!ok || !workers) {
        free_outputs(b.out, WINDOW);
        free_buffers(b.ring, wm, bufs, workers);
        return zj_error_set(err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory");
    }
    for (size_t i = 0; i < o->n_inputs; i++) {
        wm[i] = o->start_offsets ? o->start_offsets[i] : 0;
        struct stat sb;
        if (strcmp(o->inputs[i], "-") != 0 && stat(o->inputs[i], &sb) == 0 && S_ISREG(sb.st_mode) &&
            (uint64_t)sb.st_size >= wm[i])
            b.bytes_total += (uint64_t)sb.st_size - wm[i];
    }
    /* A resumed run knows the ids the interrupted run stored, so a call id
     * repeated across the interruption is reported as in one run. Read
     * before the writer thread owns the store. */
    id_set ids = {0};
    if (o->store) {
        prior_seed seed = {&ids, o};
        zj_status ps = zj_store_resumed_calls(o->store, o->run_id, seed_prior, &seed, err);
        if (ps != ZJ_OK) {
            free(ids.v);
            free_outputs(b.out, WINDOW);
            free_buffers(b.ring, wm, bufs, workers);
            return ps;
        }
    }
    writer w = {.b = &b, .status = ZJ_OK};
    pthread_mutex_init(&w.mu, NULL);
    pthread_cond_init(&w.cv, NULL);
    pthread_mutex_init(&b.mu, NULL);
    pthread_cond_init(&b.can_read, NULL);
    pthread_cond_init(&b.work_ready, NULL);
    pthread_cond_init(&b.done_ready, NULL);
    /* A thread that cannot be started (memory, a process limit) ends the run
     * with that error: waiting on it would hang, and fewer workers than
     * asked for only cost time. */
    zj_status result = ZJ_OK;
    int rc = 0, started = 0;
    bool writer_started = false, reader_started = false;
    pthread_t reader;
    /* Without a store, items are freed as they are delivered: no writer. */
    if (o->store &&
        !(writer_started = (rc = pthread_create(&w.thread, NULL, writer_main, &w)) == 0))
        result = zj_error_set(err, ZJ_ERR_NOMEM, NULL, 0, 0, "cannot start the store's thread: %s",
                              strerror(rc));
    if (result == ZJ_OK &&
        !(reader_started = (rc = pthread_create(&reader, NULL, reader_main, &b)) == 0))
        result = zj_error_set(err, ZJ_ERR_NOMEM, NULL, 0, 0, "cannot start the input thread: %s",
                              strerror(rc));
    while (result == ZJ_OK && started < jobs &&
           (rc = pthread_create(&workers[started], NULL, worker_main, &b)) == 0)
        started++;
    if (result == ZJ_OK && started == 0)
        result = zj_error_set(err, ZJ_ERR_NOMEM, NULL, 0, 0, "cannot start a scoring thread: %s",
                              strerror(rc));
    if (result != ZJ_OK)
        stop(&b);

    uint64_t last_progress = 0;
    slot *ready = result == ZJ_OK ? malloc(CHUNK * sizeof *ready) : NULL;
    zj_buf *ready_out = calloc(CHUNK, sizeof *ready_out);
    if (result == ZJ_OK && (!ready || !ready_out)) {
        free(ready);
        ready = NULL;
        result = zj_error_set(err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory");
        stop(&b);
    }
    size_t n_ready = 0, next_ready = 0;
    zj_error duplicate;
    while (ready && result == ZJ_OK) {
        if (next_ready == n_ready) {
            /* Take every consecutive finished item (up to a chunk) in one
             * lock round, freeing their ring slots for the reader. */
            pthread_mutex_lock(&b.mu);
            slot *s = &b.ring[b.next_emit % WINDOW];
            while (s->state != SLOT_DONE && !(b.reader_done && b.next_emit == b.next_read))
                pthread_cond_wait(&b.done_ready, &b.mu);
            n_ready = next_ready = 0;
            while (n_ready < CHUNK && b.next_emit < b.next_read &&
                   (s = &b.ring[b.next_emit % WINDOW])->state == SLOT_DONE) {
                zj_buf emptied = ready_out[n_ready];
                ready_out[n_ready] = b.out[b.next_emit % WINDOW];
                b.out[b.next_emit % WINDOW] = emptied;
                ready[n_ready++] = *s;
                memset(s, 0, sizeof *s);
                b.next_emit++;
            }
            if (n_ready)
                pthread_cond_signal(&b.can_read);
            pthread_mutex_unlock(&b.mu);
            if (!n_ready)
                break;
        }
        zj_buf *rendered = &ready_out[next_ready];
        const slot *item = &ready[next_ready++];
        zj_batch_item out = {.input = item->input,
                             .call = item->is_error ? NULL : item->call,
                             .result = item->is_error || item->released ? NULL : &item->result,
                             .error = !item->is_error ? NULL
                                      : item->error   ? item->error
                                                      : &no_memory,
                             .end_offset = item->end_offset,
                             .rendered = item->rendered ? rendered : NULL};
        if (item->is_error && (!item->error || item->error->status == ZJ_ERR_NOMEM)) {
            /* Out of memory is no fault of the record: the run stops (exit
             * 2) rather than go on rejecting good calls and end short. */
            result = zj_error_set(err, ZJ_ERR_NOMEM, item->error ? item->error->file : NULL,
                                  item->error ? item->error->line : 0, 0, "out of memory");
            slot_clear(&ready[next_ready - 1]);
            stop(&b);
            break;
        }
        if (item->is_error) {
            stats->rejected++;
        } else {
            stats->scored++;
            stats->passed += item->result.passed;
            stats->fatal += item->result.fatal;
        }
        if (o->store && !item->is_error) {
            seen_id earlier;
            bool repeated;
            const zj_call *c = item->call;
            if (id_set_add(&ids, c->call_id, (uint32_t)item->input, (uint32_t)c->line, &earlier,
                           &repeated) != ZJ_OK) {
                result = zj_error_set(err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory");
            } else if (repeated) {
                stats->duplicates++;
                /* A one-call file (a subtitle, a vendor's result) has no line. */
                char at[32] = "";
                if (earlier.line && earlier.line != PRIOR_LINE)
                    snprintf(at, sizeof at, ":%lu", (unsigned long)earlier.line);
                if (earlier.line == PRIOR_LINE)
                    zj_error_set(&duplicate, ZJ_ERR_INVALID, c->source, c->line, 0,
                                 "call '%s' came before the interruption this run resumes%s%s; "
                                 "this later result replaces it",
                                 c->call_id, earlier.input < o->n_inputs ? ", in " : "",
                                 earlier.input < o->n_inputs ? o->inputs[earlier.input] : "");
                else
                    zj_error_set(&duplicate, ZJ_ERR_INVALID, c->source, c->line, 0,
                                 "call '%s' came before, at %s%s; this later result replaces it",
                                 c->call_id, o->inputs[earlier.input], at);
                out.duplicate = &duplicate;
            }
        }
        if (o->sink && result == ZJ_OK) {
            zj_status st = o->sink(&out, o->ctx);
            if (st != ZJ_OK)
                result = zj_error_set(err, st, NULL, 0, 0, "output failed: %s", zj_strerror(st));
        }
        if (rendered->cap > (1u << 20)) /* one huge call must not pin its buffer */
            zj_buf_free(rendered);
        wm[item->input] = item->end_offset;
        if (o->store) {
            p->v[p->n++] = *item;
            if (result == ZJ_OK && p->n == p->cap)
                result = hand_over(&w, &p, &spare, wm, o->n_inputs, stats->rejected);
        } else {
            slot_clear(&ready[next_ready - 1]); /* nothing will store it */
        }
        if (result != ZJ_OK) {
            stop(&b);
            break;
        }
        uint64_t now = o->progress && next_ready == n_ready ? zj_now_ns() : 0;
        if (now && now - last_progress > 250000000u) {
            last_progress = now;
            o->progress(stats->scored, stats->rejected,
                        __atomic_load_n(&b.bytes_read, __ATOMIC_RELAXED), b.bytes_total, o->ctx);
        }
    }
    free(ids.v);
    for (; ready && next_ready < n_ready; next_ready++)
        slot_clear(&ready[next_ready]);
    free(ready);
    free_outputs(ready_out, CHUNK);
    if (result == ZJ_OK && p->n)
        hand_over(&w, &p, &spare, wm, o->n_inputs, stats->rejected);
    if (writer_started) {
        pthread_mutex_lock(&w.mu);
        w.quit = true;
        pthread_cond_broadcast(&w.cv);
        pthread_mutex_unlock(&w.mu);
        pthread_join(w.thread, NULL);
    }
    stats->stored = w.stored;
    if (w.status != ZJ_OK && result == ZJ_OK) {
        result = w.status;
        if (err)
            *err = w.err;
    } else if (result != ZJ_OK && w.status != ZJ_OK && err && err->status == ZJ_OK) {
        *err = w.err;
    }
    if (reader_started)
        pthread_join(reader, NULL);
    for (int i = 0; i < started; i++)
        pthread_join(workers[i], NULL);
    /* After a stop, items may remain in the ring and in pending. */
    for (size_t i = 0; i < WINDOW; i++)
        slot_clear(&b.ring[i]);
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; i < bufs[k].n; i++)
            slot_clear(&bufs[k].v[i]);
    stats->bytes = b.bytes_read;
    stats->profile = b.profile;
    stats->seconds = (double)(zj_now_ns() - t0) / 1e9;
    if (o->progress)
        o->progress(stats->scored, stats->rejected, b.bytes_read, b.bytes_total, o->ctx);
    pthread_mutex_destroy(&b.mu);
    pthread_cond_destroy(&b.can_read);
    pthread_cond_destroy(&b.work_ready);
    pthread_cond_destroy(&b.done_ready);
    pthread_mutex_destroy(&w.mu);
    pthread_cond_destroy(&w.cv);
    free_outputs(b.out, WINDOW);
    free_buffers(b.ring, wm, bufs, workers);
    return result;
}
