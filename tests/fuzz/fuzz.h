/* fuzz.h — what every libFuzzer target of tests/fuzz/ shares. A target is one
 * file fuzz_<name>.c defining LLVMFuzzerTestOneInput; it is linked into a
 * libFuzzer executable when built with -DZJ_FUZZ=ON (tools/fuzz), and into a
 * replay executable (replay_main.c) that every build's ctest runs over the
 * target's seed corpus and its regression cases. A target reports a bug by
 * crashing (abort, or a sanitizer), never by returning. */
#ifndef ZJ_FUZZ_H
#define ZJ_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Stops the run with a message: the input is a finding. */
#define FUZZ_CHECK(cond, ...)                                                                      \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz check failed: %s (%s:%d): ", #cond, __FILE__, __LINE__);          \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* A NUL-terminated copy of the input (the engine's text APIs want one). */
static inline char *fuzz_strndup(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        abort();
    if (size)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

#endif
