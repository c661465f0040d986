/* serve_auth.c — users, passwords and sessions of `zhijian serve`
 * (serve_auth.h). Passwords are checked with libsodium's crypto_pwhash_str
 * (Argon2id); tokens are 32 random bytes from randombytes_buf. */
#ifdef ZJ_SERVE
#include "serve_auth.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Sessions idle this long are gone; at most this many are kept. The
 * sessions before login (a login form's CSRF token) have a pool of their
 * own: anyone who can reach the port makes them, so they must never push
 * out the session of a user who logged in. */
#define SESSION_IDLE_S (8 * 3600)
#define MAX_SESSIONS 256
#define MAX_ANONYMOUS 64

static serve_session sessions[MAX_SESSIONS + MAX_ANONYMOUS];

static char *dup_str(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = 0;
    }
    return p;
}

void serve_users_free(serve_users *u)
{
    for (size_t i = 0; i < u->n; i++) {
        free(u->v[i].name);
        free(u->v[i].agent_id);
        free(u->v[i].hash);
    }
    free(u->v);
    memset(u, 0, sizeof *u);
}

bool serve_users_load(const char *path, serve_users *out)
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "r");
    if (!f) {
        cli_error("serve: %s: %s", path, strerror(errno));
        return false;
    }
    char line[1024];
    long no = 0;
    bool ok = true;
    while (ok && fgets(line, sizeof line, f)) {
        no++;
        size_t len = strcspn(line, "\r\n");
        if (line[len] == 0 && !feof(f)) {
            cli_error("serve: %s:%ld: line too long", path, no);
            ok = false;
            break;
        }
        line[len] = 0;
        if (!line[0] || line[0] == '#')
            continue;
        /* name:role:agent_id:hash (the hash holds '$' and ',' but no ':'). */
        char *field[4];
        char *p = line;
        int n = 0;
        for (; n < 4 && p; n++) {
            field[n] = p;
            p = n < 3 ? strchr(p, ':') : NULL;
            if (p)
                *p++ = 0;
        }
        zj_role role = ZJ_ROLE_INSPECTOR;
        if (n != 4 || !field[0][0] || !field[3][0]) {
            cli_error("serve: %s:%ld: expected name:role:agent_id:hash (zhijian serve "
                      "--hash-password makes the hash)",
                      path, no);
            ok = false;
        } else if (!strcmp(field[1], "inspector")) {
            role = ZJ_ROLE_INSPECTOR;
        } else if (!strcmp(field[1], "supervisor")) {
            role = ZJ_ROLE_SUPERVISOR;
        } else if (!strcmp(field[1], "agent")) {
            role = ZJ_ROLE_AGENT;
            if (!field[2][0]) {
                cli_error("serve: %s:%ld: an agent needs their agent id", path, no);
                ok = false;
            }
        } else {
            cli_error("serve: %s:%ld: role '%s': expected inspector, supervisor or agent", path, no,
                      field[1]);
            ok = false;
        }
        if (ok && strncmp(field[3], crypto_pwhash_STRPREFIX, strlen(crypto_pwhash_STRPREFIX))) {
            cli_error("serve: %s:%ld: not a password hash of zhijian serve --hash-password", path,
                      no);
            ok = false;
        }
        for (size_t i = 0; ok && i < out->n; i++)
            if (!strcmp(out->v[i].name, field[0])) {
                cli_error("serve: %s:%ld: user '%s' is listed twice", path, no, field[0]);
                ok = false;
            }
        if (!ok)
            break;
        serve_user *nv = realloc(out->v, (out->n + 1) * sizeof *nv);
        if (!nv) {
            cli_error("serve: out of memory");
            ok = false;
            break;
        }
        out->v = nv;
        serve_user *u = &out->v[out->n++];
        u->name = dup_str(field[0], strlen(field[0]));
        u->agent_id = role == ZJ_ROLE_AGENT ? dup_str(field[2], strlen(field[2])) : NULL;
        u->hash = dup_str(field[3], strlen(field[3]));
        u->role = role;
        if (!u->name || !u->hash || (role == ZJ_ROLE_AGENT && !u->agent_id)) {
            cli_error("serve: out of memory");
            ok = false;
        }
    }
    if (ok && ferror(f)) {
        cli_error("serve: %s: read error", path);
        ok = false;
    }
    fclose(f);
    if (ok && !out->n) {
        cli_error("serve: %s: no users", path);
        ok = false;
    }
    if (!ok)
        serve_users_free(out);
    return ok;
}

const serve_user *serve_login(const serve_users *u, const char *name, const char *password)
{
    const serve_user *found = NULL;
    for (size_t i = 0; i < u->n; i++)
        if (!strcmp(u->v[i].name, name))
            found = &u->v[i];
    /* An unknown name is checked against a user's hash all the same. */
    const char *hash = found ? found->hash : u->v[0].hash;
    bool ok = crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
    return ok && found ? found : NULL;
}

int serve_hash_password(void)
{
    char pw[1024];
    if (!fgets(pw, sizeof pw, stdin)) {
        cli_error("serve --hash-password: give the password on standard input");
        return EXIT_USAGE;
    }
    size_t len = strcspn(pw, "\r\n");
    /* A line longer than the buffer would be hashed cut short, and that
     * password could never log in. */
    int next = pw[len] ? '\n' : getc(stdin);
    if (next != EOF && next != '\n' && next != '\r') {
        sodium_memzero(pw, sizeof pw);
        cli_error("serve --hash-password: the password is longer than %zu bytes", sizeof pw - 1);
        return EXIT_USAGE;
    }
    pw[len] = 0;
    if (!pw[0]) {
        cli_error("serve --hash-password: the password is empty");
        return EXIT_USAGE;
    }
    char hash[crypto_pwhash_STRBYTES];
    if (sodium_init() < 0 ||
        crypto_pwhash_str(hash, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
        sodium_memzero(pw, sizeof pw);
        cli_error("serve --hash-password: out of memory");
        return EXIT_USAGE;
    }
    sodium_memzero(pw, sizeof pw);
    cli_print("%s", hash);
    return EXIT_OK;
}

static void token(char out[SERVE_TOKEN_LEN + 1])
{
    unsigned char raw[SERVE_TOKEN_LEN / 2];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(out, SERVE_TOKEN_LEN + 1, raw, sizeof raw);
}

serve_session *serve_session_find(const char *id)
{
    if (!id || strlen(id) != SERVE_TOKEN_LEN)
        return NULL;
    time_t now = time(NULL);
    for (size_t i = 0; i < MAX_SESSIONS + MAX_ANONYMOUS; i++) {
        serve_session *s = &sessions[i];
        if (s->id[0] && sodium_memcmp(s->id, id, SERVE_TOKEN_LEN) == 0) {
            if (now - s->last > SESSION_IDLE_S) {
                serve_session_end(s);
                return NULL;
            }
            s->last = now;
            return s;
        }
    }
    return NULL;
}

serve_session *serve_session_new(const serve_user *user)
{
    /* A free slot of the pool, else its least recently used one. */
    serve_session *pool = user ? sessions : sessions + MAX_SESSIONS;
    size_t n = user ? MAX_SESSIONS : MAX_ANONYMOUS;
    serve_session *slot = &pool[0];
    for (size_t i = 0; i < n; i++) {
        if (!pool[i].id[0]) {
            slot = &pool[i];
            break;
        }
        if (pool[i].last < slot->last)
            slot = &pool[i];
    }
    sodium_memzero(slot, sizeof *slot); /* the pages and forms of the one replaced */
    token(slot->id);
    token(slot->csrf);
    slot->user = user;
    slot->last = time(NULL);
    return slot;
}

void serve_session_end(serve_session *s)
{
    sodium_memzero(s, sizeof *s);
}

bool serve_csrf_ok(const serve_session *s, const char *t, uint64_t *page)
{
    *page = 0;
    if (!s || !t || strlen(t) < SERVE_TOKEN_LEN || sodium_memcmp(s->csrf, t, SERVE_TOKEN_LEN) != 0)
        return false;
    const char *rest = t + SERVE_TOKEN_LEN;
    if (!*rest)
        return true;
    /* ".N": a page shown to this session */
    if (*rest != '.' || rest[1] < '1' || rest[1] > '9' || strlen(rest + 1) > 19)
        return false;
    char *end;
    errno = 0;
    unsigned long long n = strtoull(rest + 1, &end, 10);
    if (*end || errno == ERANGE)
        return false;
    *page = n;
    return true;
}

uint64_t serve_page_new(serve_session *s)
{
    return ++s->pages;
}

static void body_hash(const char *body, unsigned char out[16])
{
    crypto_generichash(out, 16, (const unsigned char *)body, strlen(body), NULL, 0);
}

serve_form_state serve_form_seen(const serve_session *s, uint64_t page, uint32_t form,
                                 const char *body)
{
    if (page < s->stale_below || page > s->pages || !page)
        return SERVE_FORM_STALE;
    for (size_t i = 0; i < s->n_used; i++) {
        const serve_used_form *u = &s->used[i];
        if (u->page == page && u->form == form) {
            unsigned char h[16];
            body_hash(body, h);
            return sodium_memcmp(h, u->body, sizeof h) == 0 ? SERVE_FORM_REPEATED
                                                            : SERVE_FORM_CHANGED;
        }
    }
    return SERVE_FORM_NEW;
}

void serve_form_recorded(serve_session *s, uint64_t page, uint32_t form, const char *body)
{
    serve_used_form *u = &s->used[s->next_used];
    /* The oldest is forgotten: its page and the earlier ones could be sent
     * again unnoticed, so they are refused from now on. */
    if (s->n_used == SERVE_USED_FORMS && u->page >= s->stale_below)
        s->stale_below = u->page + 1;
    u->page = page;
    u->form = form;
    body_hash(body, u->body);
    s->next_used = (s->next_used + 1) % SERVE_USED_FORMS;
    if (s->n_used < SERVE_USED_FORMS)
        s->n_used++;
}
#else
/* Built without libsodium: serve is left out (cmd_serve.c says so). */
typedef int serve_auth_unused;
#endif
