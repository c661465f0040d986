/* match.c — the matcher interface: picks a backend at compile time of a rule
 * set (Hyperscan when built in and usable, else PCRE2) and dispatches scans. */
#include "internal.h"

#include <stdlib.h>

struct zj_matcher {
    zj_backend backend;
    zj_pcre_set *pcre;
#ifdef ZJ_HAVE_HYPERSCAN
    zj_hs_matcher *hs;
#endif
};

struct zj_match_scratch {
    uint64_t scans, anchored; /* zj_match_scratch_counts */
    zj_pcre_scratch *pcre;
#ifdef ZJ_HAVE_HYPERSCAN
    zj_hs_scratch *hs;
#endif
};

zj_matcher *zj_matcher_compile(const zj_pattern *patterns, size_t n, zj_backend backend,
                               const zj_load_opts *opts, zj_error *err)
{
    bool jit = !(opts && opts->no_jit);
    zj_matcher *m = calloc(1, sizeof *m);
    if (!m) {
        zj_error_set(err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory");
        return NULL;
    }
    m->backend = ZJ_BACKEND_PCRE2;
#ifdef ZJ_HAVE_HYPERSCAN
    if (backend != ZJ_BACKEND_PCRE2 && zj_hs_available()) {
        m->hs = zj_hs_compile(patterns, n, opts ? opts->cache_dir : NULL,
                              opts ? opts->on_note : NULL, opts ? opts->note_ctx : NULL, err);
        if (!m->hs) {
            free(m);
            return NULL;
        }
        m->backend = ZJ_BACKEND_HYPERSCAN;
    }
#else
    (void)backend;
#endif
    /* PCRE2 holds every pattern: it is the whole matcher without Hyperscan
     * and the verifier / fallback for the patterns Hyperscan leaves to it. */
    m->pcre = zj_pcre_compile(patterns, n, jit, err);
    if (!m->pcre) {
        zj_matcher_free(m);
        return NULL;
    }
    return m;
}

void zj_matcher_free(zj_matcher *m)
{
    if (!m)
        return;
    zj_pcre_free(m->pcre);
#ifdef ZJ_HAVE_HYPERSCAN
    zj_hs_free(m->hs);
#endif
    free(m);
}

zj_backend zj_matcher_backend(const zj_matcher *m)
{
    return m->backend;
}

const char *zj_matcher_refused(const zj_matcher *m, uint32_t id)
{
#ifdef ZJ_HAVE_HYPERSCAN
    return m->hs ? zj_hs_refused(m->hs, id) : NULL;
#else
    (void)m, (void)id;
    return NULL;
#endif
}

bool zj_matcher_hyperscan_available(void)
{
#ifdef ZJ_HAVE_HYPERSCAN
    return zj_hs_available();
#else
    return false;
#endif
}

zj_match_scratch *zj_match_scratch_new(const zj_matcher *m)
{
    zj_match_scratch *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->pcre = zj_pcre_scratch_new(m->pcre);
    if (!s->pcre) {
        free(s);
        return NULL;
    }
#ifdef ZJ_HAVE_HYPERSCAN
    if (m->hs && !(s->hs = zj_hs_scratch_new(m->hs))) {
        zj_match_scratch_free(s);
        return NULL;
    }
#endif
    return s;
}

void zj_match_scratch_free(zj_match_scratch *s)
{
    if (!s)
        return;
    zj_pcre_scratch_free(s->pcre);
#ifdef ZJ_HAVE_HYPERSCAN
    zj_hs_scratch_free(s->hs);
#endif
    free(s);
}

zj_status zj_matcher_scan(const zj_matcher *m, zj_match_scratch *s, const zj_norm *turn,
                          zj_hits *out)
{
    s->scans++;
#ifdef ZJ_HAVE_HYPERSCAN
    if (m->hs)
        return zj_hs_scan(m->hs, s->hs, m->pcre, s->pcre, turn, out);
#endif
    return zj_pcre_scan(m->pcre, s->pcre, turn, NULL, 0, out);
}

/* Both backends: PCRE2 holds every pattern, and Hyperscan can neither anchor
 * a match at an offset nor evaluate a lookaround. A regex with \K reports
 * its matches after where they begin, so no match anchored at `start` is
 * one it reports there: a scan by that regex alone finds it. */
zj_status zj_matcher_match_at(const zj_matcher *m, zj_match_scratch *s, const zj_norm *turn,
                              uint32_t id, size_t start, size_t *end)
{
    s->anchored++;
    if (!zj_pcre_resets_start(m->pcre, id))
        return zj_pcre_match_at(m->pcre, s->pcre, turn, id, start, end);
    *end = 0;
    zj_hits hits = {0};
    zj_status st = zj_pcre_scan(m->pcre, s->pcre, turn, &id, 1, &hits);
    for (size_t i = 0; st == ZJ_OK && i < hits.n; i++)
        if (hits.v[i].start == start)
            *end = hits.v[i].end;
    free(hits.v);
    return st;
}

void zj_match_scratch_counts(const zj_match_scratch *s, uint64_t *scans, uint64_t *anchored)
{
    *scans = s->scans;
    *anchored = s->anchored;
}
