#define _GNU_SOURCE
#include <string.h>
#include "sladd_simd.h"

const void *sladd_memrchr(const void *haystack, int byte, size_t length) {
    return memrchr(haystack, byte, length);
}

// Three given bytes in a row, 32 positions per step: CRI's partial tag ` P ` is searched for in every
// window of a CRI stream, and glibc's memmem, once per stream name (`stdout P `, `stderr P `), was
// two passes of about one instruction per byte.
#if defined(__x86_64__)
#include <immintrin.h>

__attribute__((target("avx2")))
static const uint8_t *find3_avx2(const uint8_t *p, const uint8_t *end, uint8_t a, uint8_t b, uint8_t c) {
    const __m256i va = _mm256_set1_epi8((char)a), vb = _mm256_set1_epi8((char)b), vc = _mm256_set1_epi8((char)c);
    for (; p + 34 <= end; p += 32) {
        __m256i hits = _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_loadu_si256((const __m256i *)p), va),
                                        _mm256_cmpeq_epi8(_mm256_loadu_si256((const __m256i *)(p + 1)), vb));
        hits = _mm256_and_si256(hits, _mm256_cmpeq_epi8(_mm256_loadu_si256((const __m256i *)(p + 2)), vc));
        uint32_t mask = (uint32_t)_mm256_movemask_epi8(hits);
        if (mask) return p + __builtin_ctz(mask);
    }
    return p;
}
#endif

const uint8_t *sladd_find3(const uint8_t *haystack, size_t length, uint8_t a, uint8_t b, uint8_t c) {
    const uint8_t *p = haystack, *end = haystack + length;
#if defined(__x86_64__)
    if (__builtin_cpu_supports("avx2")) {
        p = find3_avx2(p, end, a, b, c);
        if (p + 34 <= end) return p;
    }
#endif
    for (; p + 3 <= end; p++) {
        if (p[0] == a && p[1] == b && p[2] == c) return p;
    }
    return NULL;
}

// Docker's `","stream":"` is searched for in every Docker record. glibc's memmem took about four
// instructions per byte on escape-dense lines (12% of the time on nested escapes, perf); its first
// three bytes, 32 positions per step, then a compare of the rest, take a fraction of one.
const void *sladd_memmem(const void *haystack, size_t haystack_length, const void *needle, size_t needle_length) {
    if (needle_length < 3) return memmem(haystack, haystack_length, needle, needle_length);
    const uint8_t *first = needle, *p = haystack, *end = p + haystack_length;
    while (p + needle_length <= end) {
        const uint8_t *found = sladd_find3(p, (size_t)(end - p), first[0], first[1], first[2]);
        if (found == NULL || found + needle_length > end) return NULL;
        if (memcmp(found + 3, first + 3, needle_length - 3) == 0) return found;
        p = found + 1;
    }
    return NULL;
}
