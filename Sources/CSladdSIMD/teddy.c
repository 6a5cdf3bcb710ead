// A Teddy-style fingerprint filter (after Hyperscan's Teddy and the Rust `aho-corasick` crate).
//
// Each literal of the prefilter is anchored on three adjacent bytes; the anchors are put in up to
// eight buckets. A shuffle looks up, for 16 positions at once, which buckets have an anchor whose bytes
// share the low and the high nibble with the input; an AND of six lookups leaves the buckets that may
// match. The cost is about one instruction per byte whatever the number of literals, where comparing
// each anchor cost 24 (callgrind, 2026-11). Swift cannot emit `pshufb` itself, hence this file.
//
// Case: anchors are folded (OR 0x20), the input is not. A byte and its fold share the low nibble and
// differ in bit 1 of the high one, so `high[k][n]` holds the buckets of `n | 2` (`LiteralSet` fills
// it so): the lookup answers for the folded byte without an OR per input byte and position.

#include "sladd_simd.h"

// The second stage: clears the lanes of `live` (bit i for position `block + i`) whose three bytes
// miss the exact bitmap, and zeroes their bucket bits. Runs only on lanes the nibble stage admitted.
static inline unsigned refine(const sladd_triple_filter *filter, const uint8_t *block, unsigned live,
                              uint8_t buckets[16]) {
    if (!filter->exact_on) return live;
    unsigned lanes = live;
    while (lanes) {
        unsigned lane = (unsigned)__builtin_ctz(lanes);
        lanes &= lanes - 1;
        const uint8_t *p = block + lane;
        uint32_t hash = sladd_triple_hash(p[0] | 0x20u, p[1] | 0x20u, p[2] | 0x20u);
        if (!(filter->exact[hash >> 3] >> (hash & 7) & 1)) {
            live &= ~(1u << lane);
            buckets[lane] = 0;
        }
    }
    return live;
}

#if defined(__x86_64__)
#include <immintrin.h>

__attribute__((target("ssse3")))
static size_t teddy_next_ssse3(const sladd_triple_filter *filter, const uint8_t *base, size_t from, size_t to,
                         uint8_t buckets[16]) {
    const __m128i nibble = _mm_set1_epi8(0x0F);
    const __m128i zero = _mm_setzero_si128();
    __m128i low[3], high[3];
    for (int k = 0; k < 3; k++) {
        low[k] = _mm_loadu_si128((const __m128i *)filter->low[k]);
        high[k] = _mm_loadu_si128((const __m128i *)filter->high[k]);
    }
    size_t offset = from;
    while (offset + 18 <= to) {
        __m128i hits = _mm_set1_epi8((char)0xFF);
        for (int k = 0; k < 3; k++) {
            __m128i bytes = _mm_loadu_si128((const __m128i *)(base + offset + k));
            hits = _mm_and_si128(hits, _mm_and_si128(
                _mm_shuffle_epi8(low[k], _mm_and_si128(bytes, nibble)),
                _mm_shuffle_epi8(high[k], _mm_and_si128(_mm_srli_epi16(bytes, 4), nibble))));
        }
        unsigned live = ~(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(hits, zero)) & 0xFFFF;
        if (live) {
            _mm_storeu_si128((__m128i *)buckets, hits);
            if (refine(filter, base + offset, live, buckets)) return offset;
        }
        offset += 16;
    }
    return offset;
}

// The same over 32 positions per step; a block's 16 bucket bytes are reported as with SSSE3, so the
// caller does not know which ran. On the mixed corpus the filter ran on 64% of all blocks before the
// exact stage, which made the loop's width count.
__attribute__((target("avx2")))
static size_t teddy_next_avx2(const sladd_triple_filter *filter, const uint8_t *base, size_t from, size_t to,
                        uint8_t buckets[16]) {
    const __m256i nibble = _mm256_set1_epi8(0x0F);
    const __m256i zero = _mm256_setzero_si256();
    __m256i low[3], high[3];
    for (int k = 0; k < 3; k++) {
        low[k] = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)filter->low[k]));
        high[k] = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)filter->high[k]));
    }
    size_t offset = from;
    while (offset + 34 <= to) {
        __m256i hits = _mm256_set1_epi8((char)0xFF);
        for (int k = 0; k < 3; k++) {
            __m256i bytes = _mm256_loadu_si256((const __m256i *)(base + offset + k));
            hits = _mm256_and_si256(hits, _mm256_and_si256(
                _mm256_shuffle_epi8(low[k], _mm256_and_si256(bytes, nibble)),
                _mm256_shuffle_epi8(high[k], _mm256_and_si256(_mm256_srli_epi16(bytes, 4), nibble))));
        }
        // Most steps admit nothing: one test and branch for them, where the mask of live lanes
        // (compare, move, invert) cost four instructions of the loop's 33.
        if (_mm256_testz_si256(hits, hits)) {
            offset += 32;
            continue;
        }
        uint32_t live = ~(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(hits, zero));
        if (live) {
            uint8_t all[32];
            _mm256_storeu_si256((__m256i *)all, hits);
            for (int half = 0; half < 2; half++) {
                unsigned lanes = live >> (16 * half) & 0xFFFF;
                if (!lanes) continue;
                __builtin_memcpy(buckets, all + 16 * half, 16);
                if (refine(filter, base + offset + 16 * half, lanes, buckets)) return offset + 16 * half;
            }
        }
        offset += 32;
    }
    return teddy_next_ssse3(filter, base, offset, to, buckets);
}
#elif defined(__aarch64__)
#include <arm_neon.h>

static size_t teddy_next_neon(const sladd_triple_filter *filter, const uint8_t *base, size_t from, size_t to,
                        uint8_t buckets[16]) {
    const uint8x16_t nibble = vdupq_n_u8(0x0F);
    uint8x16_t low[3], high[3];
    for (int k = 0; k < 3; k++) {
        low[k] = vld1q_u8(filter->low[k]);
        high[k] = vld1q_u8(filter->high[k]);
    }
    size_t offset = from;
    while (offset + 18 <= to) {
        uint8x16_t hits = vdupq_n_u8(0xFF);
        for (int k = 0; k < 3; k++) {
            uint8x16_t bytes = vld1q_u8(base + offset + k);
            hits = vandq_u8(hits, vandq_u8(vqtbl1q_u8(low[k], vandq_u8(bytes, nibble)),
                                           vqtbl1q_u8(high[k], vshrq_n_u8(bytes, 4))));
        }
        if (vmaxvq_u8(hits) != 0) {
            vst1q_u8(buckets, hits);
            unsigned live = 0;
            for (int lane = 0; lane < 16; lane++) live |= (buckets[lane] != 0) << lane;
            if (refine(filter, base + offset, live, buckets)) return offset;
        }
        offset += 16;
    }
    return offset;
}
#endif

__attribute__((unused))
static size_t teddy_next_portable(const sladd_triple_filter *filter, const uint8_t *base, size_t from, size_t to,
                            uint8_t buckets[16]) {
    size_t offset = from;
    while (offset + 18 <= to) {
        unsigned live = 0;
        for (int lane = 0; lane < 16; lane++) {
            uint8_t hits = 0xFF;
            for (int k = 0; k < 3; k++) {
                uint8_t byte = base[offset + lane + k];
                hits &= filter->low[k][byte & 15] & filter->high[k][byte >> 4];
            }
            buckets[lane] = hits;
            live |= (unsigned)(hits != 0) << lane;
        }
        if (live && refine(filter, base + offset, live, buckets)) return offset;
        offset += 16;
    }
    return offset;
}

size_t sladd_triple_filter_next(const sladd_triple_filter *filter, const uint8_t *base, size_t from, size_t to,
                              uint8_t buckets[16]) {
#if defined(__x86_64__)
    // SSSE3 is in every x86-64 CPU since 2006 but the first AMD ones; checked all the same (one load).
    if (__builtin_cpu_supports("avx2")) return teddy_next_avx2(filter, base, from, to, buckets);
    if (__builtin_cpu_supports("ssse3")) return teddy_next_ssse3(filter, base, from, to, buckets);
    return teddy_next_portable(filter, base, from, to, buckets);
#elif defined(__aarch64__)
    return teddy_next_neon(filter, base, from, to, buckets);
#else
    return teddy_next_portable(filter, base, from, to, buckets);
#endif
}
