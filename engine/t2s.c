/* t2s.c — Traditional -> Simplified Chinese for the normalizer, character by
 * character, from the table the build generates from OpenCC's t2s dictionaries
 * (tools/gen/gen_t2s.c, CMake option ZJ_OPENCC). Without it nothing converts.
 *
 * Character by character, not phrase by phrase: a rule's literal and a turn
 * are converted by the same function of each character, so a literal found in
 * a text is still found after conversion whatever surrounds it; OpenCC's
 * phrase segmentation depends on the neighbours, which differ between a
 * phrase written alone in a rule and the same phrase in a sentence. (OpenCC's
 * phrase table for t2s has no entry whose length differs from its key's.) */
#include "internal.h"

#include <pthread.h>

#ifdef ZJ_HAVE_OPENCC
extern const uint32_t zj_t2s_pool[];
extern const zj_t2s_entry zj_t2s_entries[];
extern const size_t zj_t2s_n_entries;

/* The BMP code points the table holds, one bit each: building the
 * normalizer's table looks up all 65,536, and most convert to nothing. */
static unsigned char bmp_keys[0x10000 / 8];
static pthread_once_t bmp_keys_once = PTHREAD_ONCE_INIT;

static void bmp_keys_build(void)
{
    for (size_t i = 0; i < zj_t2s_n_entries; i++)
        if (zj_t2s_entries[i].cp < 0x10000)
            bmp_keys[zj_t2s_entries[i].cp >> 3] |= (unsigned char)(1u << (zj_t2s_entries[i].cp & 7));
}
#endif

size_t zj_t2s(uint32_t cp, const uint32_t **out)
{
#ifdef ZJ_HAVE_OPENCC
    size_t lo = 0, hi = zj_t2s_n_entries;
    if (cp < 0x2E80)
        return 0;
    if (cp < 0x10000) {
        pthread_once(&bmp_keys_once, bmp_keys_build);
        if (!((bmp_keys[cp >> 3] >> (cp & 7)) & 1))
            return 0;
    }
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (zj_t2s_entries[mid].cp < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < zj_t2s_n_entries && zj_t2s_entries[lo].cp == cp) {
        *out = zj_t2s_pool + zj_t2s_entries[lo].start;
        return zj_t2s_entries[lo].len;
    }
#else
    (void)cp;
    (void)out;
#endif
    return 0;
}

bool zj_t2s_available(void)
{
#ifdef ZJ_HAVE_OPENCC
    return true;
#else
    return false;
#endif
}
