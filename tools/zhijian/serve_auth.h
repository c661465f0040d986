/* serve_auth.h — users, passwords and sessions of `zhijian serve`: the users
 * file (name:role:agent_id:hash, the hash from libsodium's crypto_pwhash_str),
 * login, session tokens and each session's CSRF token. */
#ifndef ZJ_SERVE_AUTH_H
#define ZJ_SERVE_AUTH_H

#include "cli.h"

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

typedef struct serve_user {
    char *name, *agent_id, *hash; /* agent_id NULL unless the role is agent */
    zj_role role;
} serve_user;

typedef struct serve_users {
    serve_user *v;
    size_t n;
} serve_users;

/* Loads the users file; false after reporting FILE:LINE: what is wrong. */
bool serve_users_load(const char *path, serve_users *out);
void serve_users_free(serve_users *u);

/* The user whose name and password these are, or NULL (the time taken does
 * not tell an unknown name from a wrong password). */
const serve_user *serve_login(const serve_users *u, const char *name, const char *password);

/* Prints the hash of a password read from standard input (one line). */
int serve_hash_password(void);

#define SERVE_TOKEN_LEN 64 /* hex digits of a 32-byte random token */

/* A form of a page that was recorded: the page (its number in the session)
 * and the form's number on it, with a hash of what was sent. */
#define SERVE_USED_FORMS 256
typedef struct serve_used_form {
    uint64_t page;
    uint32_t form;
    unsigned char body[16];
} serve_used_form;

typedef struct serve_session {
    char id[SERVE_TOKEN_LEN + 1];
    char csrf[SERVE_TOKEN_LEN + 1];
    const serve_user *user; /* NULL before login */
    time_t last;
    uint64_t pages;                         /* pages with forms shown: the number of the last */
    uint64_t stale_below;                   /* forms of pages before this one are refused */
    serve_used_form used[SERVE_USED_FORMS]; /* the latest recorded, a ring */
    size_t n_used, next_used;
} serve_session;

/* The live session with this cookie value, or NULL (expired or unknown). */
serve_session *serve_session_find(const char *id);
/* A new session, for a user or (NULL) before login: a session of each kind
 * replaces only the least recently used one of its own kind when all are
 * taken, so requests without a login never end a logged-in session. */
serve_session *serve_session_new(const serve_user *user);
void serve_session_end(serve_session *s);
/* Whether token is the session's CSRF token (constant time), alone or as
 * a page's, followed by ".N", the number of the page (*page; 0: alone). */
bool serve_csrf_ok(const serve_session *s, const char *token, uint64_t *page);

/* Submit-once forms: each page with forms gets a number (serve_page_new),
 * put into its forms' CSRF token, and each form its number on the page. A
 * form recorded once is not recorded again: a double click, a resubmit
 * after going back or a retried POST sends it again. */
uint64_t serve_page_new(serve_session *s);
typedef enum serve_form_state {
    SERVE_FORM_NEW,      /* not recorded yet: record it */
    SERVE_FORM_REPEATED, /* recorded, sent again as it was */
    SERVE_FORM_CHANGED,  /* recorded, sent again with other values */
    SERVE_FORM_STALE,    /* of a page too old to tell, or never shown */
} serve_form_state;
serve_form_state serve_form_seen(const serve_session *s, uint64_t page, uint32_t form,
                                 const char *body);
/* Remembers a form as recorded; forgetting the oldest one makes its page
 * and those before it stale. */
void serve_form_recorded(serve_session *s, uint64_t page, uint32_t form, const char *body);

#endif
