/* serve_form.h — the fields of an application/x-www-form-urlencoded body as
 * `zhijian serve` reads them: decoded whole (a body is at most 64 KiB, so a
 * field is never cut to a buffer), and a field that is present but cannot
 * be read is an error naming it, never an empty value. */
#ifndef ZJ_SERVE_FORM_H
#define ZJ_SERVE_FORM_H

#include <stdbool.h>
#include <stddef.h>

typedef enum serve_field {
    SERVE_FIELD_OK,     /* present and decoded */
    SERVE_FIELD_ABSENT, /* not in the body: *out is "" */
    SERVE_FIELD_BAD,    /* a bad % escape, %00, not UTF-8, or the field given twice */
    SERVE_FIELD_NOMEM
} serve_field;

/* The decoded value of the field called name, in *out (malloc'd, "" when
 * absent; NULL only on NOMEM and BAD). */
serve_field serve_form_text(const char *body, const char *name, char **out);

/* Whether body (len bytes) holds a raw NUL byte, which would end the body
 * there for every string function reading it: the fields after it lost,
 * the one holding it cut short. *name: the field it is in (malloc'd; NULL
 * when out of memory). */
bool serve_form_raw_nul(const char *body, size_t len, char **name);

/* A whole number field in [-1, max]; "" or absent: dflt. SERVE_FIELD_BAD
 * when it is not one or out of range. */
serve_field serve_form_long(const char *body, const char *name, long dflt, long max, long *v);

#endif
