// Counting newlines for the line counter. Swift's `SIMD16 .==` plus a bit cast compiled to about
// 40 instructions per 16 bytes (8% of a mixed-corpus run under callgrind); compare, movemask and
// popcount over 64 bytes take a tenth of that.

#include "sladd_simd.h"

#if defined(__x86_64__)
#include <immintrin.h>

__attribute__((target("avx2,popcnt")))
static size_t count_avx2(const uint8_t *base, size_t length) {
    const __m256i newline = _mm256_set1_epi8('\n');
    size_t count = 0, offset = 0;
    for (; offset + 64 <= length; offset += 64) {
        uint32_t a = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_loadu_si256((const __m256i *)(base + offset)), newline));
        uint32_t b = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_loadu_si256((const __m256i *)(base + offset + 32)), newline));
        count += (size_t)__builtin_popcountll((uint64_t)a | (uint64_t)b << 32);
    }
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
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt")) return count_avx2(base, length);
    return count_sse2(base, length);
#else
    size_t count = 0;
    for (size_t offset = 0; offset < length; offset++) count += base[offset] == '\n';
    return count;
#endif
}
