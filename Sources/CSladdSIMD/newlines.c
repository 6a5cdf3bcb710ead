// Counting newlines for the line counter. Swift's `SIMD16 .==` plus a bit cast compiled to about
// 40 instructions per 16 bytes (8% of a mixed-corpus run under callgrind); the AVX2 loop below takes
// under four per 32 bytes.

#include "sladd_simd.h"

#if defined(__x86_64__)
#include <immintrin.h>

// Matches are summed as bytes (a compare gives -1 per newline, subtracted), 64 bytes a step, and
// the byte sums folded into the count with `vpsadbw` every 255 steps, before a byte can overflow:
// three instructions per 32 bytes where compare, movemask and popcount took five.
__attribute__((target("avx2")))
static size_t count_avx2(const uint8_t *base, size_t length) {
    const __m256i newline = _mm256_set1_epi8('\n');
    __m256i total = _mm256_setzero_si256();
    size_t offset = 0;
    while (offset + 64 <= length) {
        // One byte sum per half of the step: each lane gains at most 1 a step, 255 in all.
        __m256i low = _mm256_setzero_si256(), high = _mm256_setzero_si256();
        const size_t steps = (length - offset) / 64 < 255 ? (length - offset) / 64 : 255;
        const uint8_t *p = base + offset, *stop = p + 64 * steps;
        for (; p < stop; p += 64) {
            low = _mm256_sub_epi8(low, _mm256_cmpeq_epi8(_mm256_loadu_si256((const __m256i *)p), newline));
            high = _mm256_sub_epi8(high, _mm256_cmpeq_epi8(_mm256_loadu_si256((const __m256i *)(p + 32)), newline));
        }
        offset += 64 * steps;
        total = _mm256_add_epi64(total, _mm256_sad_epu8(low, _mm256_setzero_si256()));
        total = _mm256_add_epi64(total, _mm256_sad_epu8(high, _mm256_setzero_si256()));
    }
    size_t count = (size_t)_mm256_extract_epi64(total, 0) + (size_t)_mm256_extract_epi64(total, 1)
                 + (size_t)_mm256_extract_epi64(total, 2) + (size_t)_mm256_extract_epi64(total, 3);
    for (; offset < length; offset++) count += base[offset] == '\n';
    return count;
}

static size_t count_sse2(const uint8_t *base, size_t length) {
    const __m128i newline = _mm_set1_epi8('\n');
    size_t count = 0, offset = 0;
    for (; offset + 16 <= length; offset += 16) {
        unsigned bits = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(base + offset)), newline));
        while (bits) { count++; bits &= bits - 1; }
    }
    for (; offset < length; offset++) count += base[offset] == '\n';
    return count;
}
#endif

size_t sladd_count_newlines(const uint8_t *base, size_t length) {
#if defined(__x86_64__)
    if (__builtin_cpu_supports("avx2")) return count_avx2(base, length);
    return count_sse2(base, length);
#else
    size_t count = 0;
    for (size_t offset = 0; offset < length; offset++) count += base[offset] == '\n';
    return count;
#endif
}
