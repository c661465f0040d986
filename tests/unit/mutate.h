/* mutate.h — the deterministic input mutator of the fuzz tests (bit flips,
 * truncation, byte insertion, slice duplication and deletion, UTF-8 lead
 * bytes), shared by test_fuzz.c and the differential fuzzing of
 * test_call_fast.c. Include after cmocka and the C headers. */
#ifndef ZJ_TEST_MUTATE_H
#define ZJ_TEST_MUTATE_H

static uint64_t mutate_state = 0xF022;

static uint64_t rnd(void)
{
    mutate_state ^= mutate_state << 13;
    mutate_state ^= mutate_state >> 7;
    mutate_state ^= mutate_state << 17;
    return mutate_state;
}

/* A mutated copy of src[0..len) (caller frees), length in *out_len. */
static char *mutate(const char *src, size_t len, size_t *out_len)
{
    size_t cap = len * 2 + 64;
    char *m = malloc(cap);
    memcpy(m, src, len);
    size_t n = len;
    int edits = 1 + (int)(rnd() % 6);
    for (int e = 0; e < edits; e++) {
        size_t at = n ? (size_t)(rnd() % n) : 0;
        switch (rnd() % 6) {
        case 0:
            if (n)
                m[at] ^= (char)(1u << (rnd() % 8));
            break;
        case 1:
            n = at; /* truncate */
            break;
        case 2: /* insert an interesting byte */
            if (n + 1 < cap) {
                static const char bytes[] = {'"',  '\\', '{',        '}',        '[', ']', ':', ',',
                                             '\n', '\0', (char)0xff, (char)0xe5, '-', '*', '&'};
                memmove(m + at + 1, m + at, n - at);
                m[at] = bytes[rnd() % sizeof bytes];
                n++;
            }
            break;
        case 3: /* duplicate a slice */
            if (n) {
                size_t k = 1 + (size_t)(rnd() % 32);
                if (at + k > n)
                    k = n - at;
                if (n + k < cap) {
                    memmove(m + at + k, m + at, n - at);
                    n += k;
                }
            }
            break;
        case 4: /* delete a slice */
            if (n) {
                size_t k = 1 + (size_t)(rnd() % 16);
                if (at + k > n)
                    k = n - at;
                memmove(m + at, m + at + k, n - at - k);
                n -= k;
            }
            break;
        default: /* overwrite with a UTF-8 lead byte */
            if (n)
                m[at] = (char)(0xc0 + rnd() % 0x40);
        }
    }
    *out_len = n;
    return m;
}

#endif /* ZJ_TEST_MUTATE_H */
