// The block loop of the built-in scanner: which bytes of 64 are digits, `@`, `+`, letters, `.` and
// `m`, and which of them the scanner must visit (see `BuiltinScanner.scanBlocks`, which documents the
// rule).
//
// In Swift the classification compiled to about 350 instructions per 64-byte block: unsigned
// `SIMD16<UInt8> .<` has no single SSE instruction and was emulated lane by lane. Here a range test
// is `min` plus a compare, and a clean block costs about 50 instructions; the loop runs until a block
// has something to visit, so most blocks never return to Swift.
//
// A digit run's length and the group after it are judged here, from the masks of the block and the
// next one (`BuiltinScanner.mayStartIdentifier` as shifts and ANDs). Testing only "4 digits or more",
// 86% of the blocks of the mixed corpus returned to Swift and three visits in four were turned away
// there (dates, `.273878287` nanoseconds, `ttl=2578`, `sshd[24533]`).

#include "sladd_simd.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

static inline uint64_t shifted_in(uint64_t mask, uint64_t previous, unsigned distance) {
    return mask << distance | previous >> (64 - distance);
}

/// Bit i of the 128-bit mask `current | next << 64` shifted right by `distance` (1–63): the class of
/// the byte `distance` after byte i.
#define AHEAD(current, next, distance) ((current) >> (distance) | (next) << (64 - (distance)))

/// The separators of grouped numbers and zeros of 64 bytes (bit i: byte i). Only blocks with a
/// candidate run need them, so they are not part of the classes every block gets.
typedef struct {
    uint64_t dashes, spaces, zeros;
} separators;

/// Bit i: a digit run starting at byte i, not after `+`, a letter or `digit.`, has a length and a
/// next group that `BuiltinScanner.mayStartIdentifier` may accept: 4 digits then `-` and 4 digits, or
/// ` `/`.` and 2 digits; 6 digits then ` `/`-` and 5 digits; 7 digits or more (the visit checks for
/// 11 or 13–19); 4 or more starting `00`. Reads up to 20 bytes into the next block.
static inline uint64_t numeric_starts(uint64_t dc, uint64_t dn, uint64_t dots_c, uint64_t dots_n,
                                      separators sc, separators sn) {
    // at_least_n bit i: bytes i ..< i + n are digits; `c` in this block, `n` in the next, whose top
    // bits are wrong (what follows it is not known) and never read.
    const uint64_t at2c = dc & AHEAD(dc, dn, 1), at2n = dn & dn >> 1;
    const uint64_t at4c = at2c & AHEAD(at2c, at2n, 2), at4n = at2n & at2n >> 2;
    const uint64_t digit4 = AHEAD(dc, dn, 4), digit6 = AHEAD(dc, dn, 6);
    const uint64_t at5n = at4n & dn >> 4, at5c = at4c & digit4;
    const uint64_t at6c = at4c & AHEAD(at2c, at2n, 4);
    const uint64_t grouped4 = at4c & ~digit4
        & ((AHEAD(sc.dashes, sn.dashes, 4) & AHEAD(at4c, at4n, 5))
           | (AHEAD(sc.spaces | dots_c, sn.spaces | dots_n, 4) & AHEAD(at2c, at2n, 5)));
    const uint64_t grouped6 = at6c & ~digit6 & AHEAD(sc.spaces | sc.dashes, sn.spaces | sn.dashes, 6)
        & AHEAD(at5c, at5n, 7);
    const uint64_t seven_or_more = at6c & digit6;
    const uint64_t zero_zero = at4c & sc.zeros & AHEAD(sc.zeros, sn.zeros, 1);
    return grouped4 | grouped6 | seven_or_more | zero_zero;
}

#if defined(__x86_64__)
__attribute__((target("avx2")))
static inline uint64_t mask_of(__m256i low, __m256i high) {
    return (uint64_t)(uint32_t)_mm256_movemask_epi8(low) | (uint64_t)(uint32_t)_mm256_movemask_epi8(high) << 32;
}

__attribute__((target("avx2")))
static inline void classify_avx2(const uint8_t *block, sladd_byte_classes *classes) {
    const __m256i zero = _mm256_set1_epi8('0'), nine = _mm256_set1_epi8(9);
    const __m256i case_bit = _mm256_set1_epi8(0x20), lower_a = _mm256_set1_epi8('a');
    const __m256i twenty_five = _mm256_set1_epi8(25);
    __m256i bytes[2], digit[2], letter[2];
    for (int half = 0; half < 2; half++) {
        bytes[half] = _mm256_loadu_si256((const __m256i *)(block + 32 * half));
        digit[half] = _mm256_sub_epi8(bytes[half], zero);
        digit[half] = _mm256_cmpeq_epi8(_mm256_min_epu8(digit[half], nine), digit[half]);
        letter[half] = _mm256_sub_epi8(_mm256_or_si256(bytes[half], case_bit), lower_a);
        letter[half] = _mm256_cmpeq_epi8(_mm256_min_epu8(letter[half], twenty_five), letter[half]);
    }
#define EQUAL(half, byte) _mm256_cmpeq_epi8(bytes[half], _mm256_set1_epi8(byte))
    classes->digits = mask_of(digit[0], digit[1]);
    classes->letters = mask_of(letter[0], letter[1]);
    classes->at = mask_of(EQUAL(0, '@'), EQUAL(1, '@'));
    classes->plus = mask_of(EQUAL(0, '+'), EQUAL(1, '+'));
    classes->dots = mask_of(EQUAL(0, '.'), EQUAL(1, '.'));
    classes->ems = mask_of(EQUAL(0, 'm'), EQUAL(1, 'm'));
#undef EQUAL
}

/// The separators of the 64 bytes at `block`, and of the first 32 at `next` (all the look-ahead reads).
__attribute__((target("avx2")))
static inline void separators_avx2(const uint8_t *block, const uint8_t *next, separators *sc, separators *sn) {
    const __m256i a = _mm256_loadu_si256((const __m256i *)block);
    const __m256i b = _mm256_loadu_si256((const __m256i *)(block + 32));
    const __m256i c = _mm256_loadu_si256((const __m256i *)next);
    const __m256i dash = _mm256_set1_epi8('-'), space = _mm256_set1_epi8(' '), zero = _mm256_set1_epi8('0');
    sc->dashes = mask_of(_mm256_cmpeq_epi8(a, dash), _mm256_cmpeq_epi8(b, dash));
    sc->spaces = mask_of(_mm256_cmpeq_epi8(a, space), _mm256_cmpeq_epi8(b, space));
    sc->zeros = mask_of(_mm256_cmpeq_epi8(a, zero), _mm256_cmpeq_epi8(b, zero));
    sn->dashes = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(c, dash));
    sn->spaces = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(c, space));
    sn->zeros = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(c, zero));
}
#endif

static void classify_portable(const uint8_t *block, sladd_byte_classes *classes) {
    sladd_byte_classes found = {0};
    for (unsigned lane = 0; lane < 64; lane++) {
        uint8_t byte = block[lane];
        uint64_t bit = 1ull << lane;
        if ((uint8_t)(byte - '0') <= 9) found.digits |= bit;
        if ((uint8_t)((byte | 0x20) - 'a') <= 25) found.letters |= bit;
        if (byte == '@') found.at |= bit;
        if (byte == '+') found.plus |= bit;
        if (byte == '.') found.dots |= bit;
        if (byte == 'm') found.ems |= bit;
    }
    *classes = found;
}

static void separators_portable(const uint8_t *block, const uint8_t *next, separators *sc, separators *sn) {
    separators current = {0}, after = {0};
    for (unsigned lane = 0; lane < 64; lane++) {
        uint64_t bit = 1ull << lane;
        if (block[lane] == '-') current.dashes |= bit;
        if (block[lane] == ' ') current.spaces |= bit;
        if (block[lane] == '0') current.zeros |= bit;
        if (lane >= 32) continue;
        if (next[lane] == '-') after.dashes |= bit;
        if (next[lane] == ' ') after.spaces |= bit;
        if (next[lane] == '0') after.zeros |= bit;
    }
    *sc = current;
    *sn = after;
}

// One loop for both instruction sets. Each block is classified once, as the block after its
// predecessor (the look-ahead); `state->next_valid` carries that across calls.
#define VISIT_LOOP(classify, find_separators)                                                               \
    if (from + 64 > to) return from;                                                                        \
    sladd_byte_classes before = state->previous, now, next = {0};                                           \
    if (state->next_valid) now = state->next; else classify(base + from, &now);                             \
    const int email = flags & SLADD_VISIT_EMAIL, digits = flags & SLADD_VISIT_DIGITS;                      \
    for (;;) {                                                                                              \
        const int has_next = from + 128 <= to;                                                              \
        if (has_next) classify(base + from + 64, &next);                                                    \
        uint64_t found = email ? now.at : 0;                                                                \
        if (digits) {                                                                                       \
            const uint64_t d = now.digits, last = 1ull << 63;                                               \
            const uint64_t run_starts = d & ~shifted_in(d, before.digits, 1);                               \
            const uint64_t after_plus = shifted_in(now.plus, before.plus, 1);                               \
            /* An IBAN's check digits: two or more digits after exactly two letters. */                    \
            const uint64_t after_two_letters = shifted_in(now.letters, before.letters, 1)                   \
                & shifted_in(now.letters, before.letters, 2)                                                \
                & ~shifted_in(d | now.letters, before.digits | before.letters, 3) & (d >> 1 | last);        \
            /* After a letter a run is part of a word, unless the letter ends a colour code (`ESC[0m`); */ \
            /* after `digit.` it is a fraction. Neither starts a number. */                                 \
            const uint64_t after_word = shifted_in(now.letters & ~now.ems, before.letters & ~before.ems, 1); \
            const uint64_t after_fraction = shifted_in(now.dots, before.dots, 1) & shifted_in(d, before.digits, 2); \
            uint64_t numeric = run_starts & ~after_word & ~after_fraction                                   \
                & ((d & d >> 1 & d >> 2 & d >> 3) | 7ull << 61);                                            \
            if (numeric && has_next) {                                                                      \
                separators sc, sn;                                                                          \
                find_separators(base + from, base + from + 64, &sc, &sn);                                   \
                numeric &= numeric_starts(d, next.digits, now.dots, next.dots, sc, sn);                     \
            }                                                                                               \
            found |= numeric | (run_starts & (after_plus | after_two_letters));                             \
        }                                                                                                   \
        if (found) {                                                                                        \
            state->previous = before;                                                                       \
            state->current = now;                                                                           \
            state->next = next;                                                                             \
            state->next_valid = has_next;                                                                   \
            state->visits = found;                                                                          \
            return from;                                                                                    \
        }                                                                                                   \
        before = now;                                                                                       \
        from += 64;                                                                                         \
        if (!has_next) break;                                                                               \
        now = next;                                                                                         \
    }                                                                                                       \
    state->previous = before;                                                                               \
    state->next_valid = 0;                                                                                  \
    return from;

#if defined(__x86_64__)
__attribute__((target("avx2")))
static size_t visits_next_avx2(const uint8_t *base, size_t from, size_t to, unsigned flags, sladd_visit_state *state) {
    VISIT_LOOP(classify_avx2, separators_avx2)
}
#endif

static size_t visits_next_portable(const uint8_t *base, size_t from, size_t to, unsigned flags, sladd_visit_state *state) {
    VISIT_LOOP(classify_portable, separators_portable)
}

size_t sladd_next_visit_block(const uint8_t *base, size_t from, size_t to, unsigned flags, sladd_visit_state *state) {
#if defined(__x86_64__)
    if (__builtin_cpu_supports("avx2")) return visits_next_avx2(base, from, to, flags, state);
#endif
    return visits_next_portable(base, from, to, flags, state);
}
