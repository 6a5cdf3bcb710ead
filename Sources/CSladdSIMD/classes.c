// The block loop of the built-in scanner: which bytes of 64 are digits, `@`, `+` or letters, and which
// of them the scanner must visit (see `BuiltinScanner.scanBlocks`, which documents the rule).
//
// In Swift the classification compiled to about 350 instructions per 64-byte block: unsigned
// `SIMD16<UInt8> .<` has no single SSE instruction and was emulated lane by lane. Here a range test
// is `min` plus a compare, and a clean block costs about 40 instructions; the loop runs until a block
// has something to visit, so most blocks never return to Swift.

#include "sladd_simd.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

static inline uint64_t shifted_in(uint64_t mask, uint64_t previous, unsigned distance) {
    return mask << distance | previous >> (64 - distance);
}

static inline uint64_t visits_of(const sladd_byte_classes *current, const sladd_byte_classes *previous,
                                 unsigned flags) {
    // Bits whose test looks past the block's end; such a run is visited and checked exactly.
    const uint64_t last_three = 7ull << 61, last = 1ull << 63;
    uint64_t visits = flags & SLADD_VISIT_EMAIL ? current->at : 0;
    if (flags & SLADD_VISIT_DIGITS) {
        uint64_t digits = current->digits;
        uint64_t run_starts = digits & ~shifted_in(digits, previous->digits, 1);
        uint64_t four_or_more = (digits & digits >> 1 & digits >> 2 & digits >> 3) | last_three;
        uint64_t after_plus = shifted_in(current->plus, previous->plus, 1);
        uint64_t alphanumerics = digits | current->letters;
        uint64_t after_two_letters = shifted_in(current->letters, previous->letters, 1)
            & shifted_in(current->letters, previous->letters, 2)
            & ~shifted_in(alphanumerics, previous->digits | previous->letters, 3)
            & (digits >> 1 | last);
        visits |= run_starts & (four_or_more | after_plus | after_two_letters);
    }
    return visits;
}

#if defined(__x86_64__)
__attribute__((target("avx2")))
static void classify_avx2(const uint8_t *block, sladd_byte_classes *classes) {
    const __m256i zero = _mm256_set1_epi8('0'), nine = _mm256_set1_epi8(9);
    const __m256i at = _mm256_set1_epi8('@'), plus = _mm256_set1_epi8('+');
    const __m256i case_bit = _mm256_set1_epi8(0x20), lower_a = _mm256_set1_epi8('a');
    const __m256i twenty_five = _mm256_set1_epi8(25);
    uint64_t digits = 0, ats = 0, pluses = 0, letters = 0;
    for (int half = 0; half < 2; half++) {
        __m256i bytes = _mm256_loadu_si256((const __m256i *)(block + 32 * half));
        __m256i digit = _mm256_sub_epi8(bytes, zero);
        __m256i letter = _mm256_sub_epi8(_mm256_or_si256(bytes, case_bit), lower_a);
        unsigned shift = 32 * (unsigned)half;
        digits |= (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_min_epu8(digit, nine), digit)) << shift;
        ats |= (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(bytes, at)) << shift;
        pluses |= (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(bytes, plus)) << shift;
        letters |= (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_min_epu8(letter, twenty_five), letter)) << shift;
    }
    classes->digits = digits;
    classes->at = ats;
    classes->plus = pluses;
    classes->letters = letters;
}

__attribute__((target("avx2")))
static size_t next_avx2(const uint8_t *base, size_t from, size_t to, unsigned flags,
                        sladd_byte_classes *previous, sladd_byte_classes *current, uint64_t *visits) {
    sladd_byte_classes before = *previous, now;
    for (; from + 64 <= to; from += 64) {
        classify_avx2(base + from, &now);
        uint64_t found = visits_of(&now, &before, flags);
        if (found) {
            *previous = before;
            *current = now;
            *visits = found;
            return from;
        }
        before = now;
    }
    *previous = before;
    return from;
}
#endif

static void classify_portable(const uint8_t *block, sladd_byte_classes *classes) {
    uint64_t digits = 0, ats = 0, pluses = 0, letters = 0;
    for (unsigned lane = 0; lane < 64; lane++) {
        uint8_t byte = block[lane];
        uint64_t bit = 1ull << lane;
        if ((uint8_t)(byte - '0') <= 9) digits |= bit;
        if (byte == '@') ats |= bit;
        if (byte == '+') pluses |= bit;
        if ((uint8_t)((byte | 0x20) - 'a') <= 25) letters |= bit;
    }
    classes->digits = digits;
    classes->at = ats;
    classes->plus = pluses;
    classes->letters = letters;
}

static size_t next_portable(const uint8_t *base, size_t from, size_t to, unsigned flags,
                            sladd_byte_classes *previous, sladd_byte_classes *current, uint64_t *visits) {
    sladd_byte_classes before = *previous, now;
    for (; from + 64 <= to; from += 64) {
        classify_portable(base + from, &now);
        uint64_t found = visits_of(&now, &before, flags);
        if (found) {
            *previous = before;
            *current = now;
            *visits = found;
            return from;
        }
        before = now;
    }
    *previous = before;
    return from;
}

size_t sladd_next_visit_block(const uint8_t *base, size_t from, size_t to, unsigned flags,
                              sladd_byte_classes *previous, sladd_byte_classes *current, uint64_t *visits) {
#if defined(__x86_64__)
    if (__builtin_cpu_supports("avx2")) return next_avx2(base, from, to, flags, previous, current, visits);
#endif
    return next_portable(base, from, to, flags, previous, current, visits);
}
