/* serve_auth.h — users, passwords and sessions of `zhijian serve`: the users
 * file (name:role:agent_id:hash, the hash from libsodium's crypto_pwhash_str),
 * login, session tokens and each session's CSRF token. */
#ifndef ZJ_SERVE_AUTH_H
#define ZJ_SERVE_AUTH_H

#include "cli.h"

#include <stdbool.h>
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

typedef struct serve_session {
    char id[SERVE_TOKEN_LEN + 1];
    char csrf[SERVE_TOKEN_LEN + 1];
    const serve_user *user; /* NULL before login */
    time_t last;
} serve_session;

/* The live session with this cookie value, or NULL (expired or unknown). */
serve_session *serve_session_find(const char *id);
/* A new session, for a user or (NULL) before login: a session of each kind
 * replaces only the least recently used one of its own kind when all are
 * taken, so requests without a login never end a logged-in session. */
serve_session *serve_session_new(const serve_user *user);
void serve_session_end(serve_session *s);
/* Whether token is the session's CSRF token (constant time). */
bool serve_csrf_ok(const serve_session *s, const char *token);

#endif
