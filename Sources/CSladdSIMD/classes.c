// The block pass of the built-in scanner: which bytes of each 64-byte block the scanner must visit
// (see `BuiltinScanner.scanBlocks`, which documents the rule).
//
// In Swift the classification compiled to about 350 instructions per 64-byte block: unsigned
// `SIMD16<UInt8> .<` has no single SSE instruction and was emulated lane by lane. Here a range test
// is `min` plus a compare.
//
// A digit run's length and the group after it are judged here, from the masks of the block and the
// next one (`BuiltinScanner.mayStartIdentifier` as shifts and ANDs). Testing only "4 digits or more",
// 86% of the blocks of the mixed corpus went to Swift and three visits in four were turned away
// there (ISO years, `.273878287` nanoseconds, `ttl=2578`, `sshd[24533]`). The pass fills a table of
// up to 64 blocks per call rather than returning at each block to visit: one call and no state to
// save and restore per block (the loop alone ran 7% faster in a C harness on the mixed corpus).
// How the judging is laid out for speed: see `class_table` below.

#include "sladd_simd.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/// Every class of 64 bytes the pass uses (bit i: byte i).
typedef struct {
    uint64_t digits, letters, at, plus, dots, ems, dashes, spaces, zeros;
} classes;

static inline uint64_t shifted_in(uint64_t mask, uint64_t previous, unsigned distance) {
    return mask << distance | previous >> (64 - distance);
}

/// Bit i of the 128-bit mask `current | next << 64` shifted right by `distance` (1–63): the class of
/// the byte `distance` after byte i.
#define AHEAD(current, next, distance) ((current) >> (distance) | (next) << (64 - (distance)))

/// Bit i: a digit run starting at byte i, not after `+`, a letter or `digit.`, has a length and a
/// next group that `BuiltinScanner.mayStartIdentifier` may accept: 4 digits then `-` and 4 digits, or
/// ` `/`.` and 2 digits and a separator or a digit; 6 digits then ` `/`-` and 5 digits; 7 digits or
/// more (the visit checks for 11 or 13–19); 4 or more starting `00`. Reads up to 20 bytes into the
/// next block.
__attribute__((always_inline)) static inline uint64_t numeric_starts(const classes *c, const classes *n) {
    // at_least_k bit i: bytes i ..< i + k are digits; `c` in this block, `n` in the next, whose top
    // bits are wrong (what follows it is not known) and never read.
    const uint64_t dc = c->digits, dn = n->digits;
    const uint64_t at2c = dc & AHEAD(dc, dn, 1), at2n = dn & dn >> 1;
    const uint64_t at4c = at2c & AHEAD(at2c, at2n, 2), at4n = at2n & at2n >> 2;
    const uint64_t digit4 = AHEAD(dc, dn, 4), digit6 = AHEAD(dc, dn, 6);
    const uint64_t at5n = at4n & dn >> 4, at5c = at4c & digit4;
    const uint64_t at6c = at4c & AHEAD(at2c, at2n, 4);
    // After 4 digits and ` ` or `.`, 2 digits and then a separator (an account: 4.2.5, 4 2 5) or a
    // third digit (a card's group of 4 or 6): `amount=1794.79` is no visit. Which separator, and
    // that only a space goes with a digit, the visit checks (one shift here instead of four).
    const uint64_t spaces_or_dots = c->spaces | c->dots, spaces_or_dots_next = n->spaces | n->dots;
    const uint64_t grouped4 = at4c & ~digit4
        & ((AHEAD(c->dashes, n->dashes, 4) & AHEAD(at4c, at4n, 5))
           | (AHEAD(spaces_or_dots, spaces_or_dots_next, 4) & AHEAD(at2c, at2n, 5)
              & AHEAD(spaces_or_dots | dc, spaces_or_dots_next | dn, 7)));
    const uint64_t grouped6 = at6c & ~digit6 & AHEAD(c->spaces | c->dashes, n->spaces | n->dashes, 6)
        & AHEAD(at5c, at5n, 7);
    const uint64_t seven_or_more = at6c & digit6;
    const uint64_t zero_zero = at4c & c->zeros & AHEAD(c->zeros, n->zeros, 1);
    return grouped4 | grouped6 | seven_or_more | zero_zero;
}

/// The digits to visit in block `now`. `next` is NULL when fewer than 64 bytes follow it: runs are
/// then judged by "4 digits or more" alone (and every run in its last three bytes), and the visit
/// checks the rest.
__attribute__((always_inline)) static inline uint64_t digit_visits(const classes *now, const sladd_byte_classes *before, const classes *next) {
    const uint64_t d = now->digits, last = 1ull << 63;
    const uint64_t run_starts = d & ~shifted_in(d, before->digits, 1);
    const uint64_t after_plus = shifted_in(now->plus, before->plus, 1);
    // An IBAN's check digits: two or more digits after exactly two letters.
    const uint64_t after_two_letters = shifted_in(now->letters, before->letters, 1)
        & shifted_in(now->letters, before->letters, 2)
        & ~shifted_in(d | now->letters, before->digits | before->letters, 3) & (d >> 1 | last);
    // After a letter a run is part of a word, unless the letter ends a colour code (`ESC[0m`); after
    // `digit.` it is a fraction. Neither starts a number.
    const uint64_t after_word = shifted_in(now->letters & ~now->ems, before->letters & ~before->ems, 1);
    const uint64_t after_fraction = shifted_in(now->dots, before->dots, 1) & shifted_in(d, before->digits, 2);
    uint64_t numeric = run_starts & ~after_word & ~after_fraction;
    if (!next) numeric &= (d & d >> 1 & d >> 2 & d >> 3) | 7ull << 61;
    else numeric &= numeric_starts(now, next);
    return numeric | (run_starts & (after_plus | after_two_letters));
}

static inline classes classify_portable(const uint8_t *block) {
    classes found = {0};
    for (unsigned lane = 0; lane < 64; lane++) {
        const uint8_t byte = block[lane];
        const uint64_t bit = 1ull << lane;
        if ((uint8_t)(byte - '0') <= 9) found.digits |= bit;
        if ((uint8_t)((byte | 0x20) - 'a') <= 25) found.letters |= bit;
        if (byte == '@') found.at |= bit;
        if (byte == '+') found.plus |= bit;
        if (byte == '.') found.dots |= bit;
        if (byte == 'm') found.ems |= bit;
        if (byte == '-') found.dashes |= bit;
        if (byte == ' ') found.spaces |= bit;
        if (byte == '0') found.zeros |= bit;
    }
    return found;
}

// The pass runs in two stages over up to 64 blocks. First each block is classified once, its masks
// stored in a table with the block before in row 0 and the look-ahead block after the last. Then
// the visits of every block with a block after it are judged from rows j - 1, j and j + 1 alone:
// straight-line code over arrays, which the compiler turns into four blocks per AVX2 instruction.
// Judged one block at a time, with the two blocks' eighteen masks in registers, the judging took
// two thirds of the pass (spills, and a 128-bit shift as three instructions). Two stages ran the
// pass at 2.27 GB/s where one ran at 1.30 (`Benchmarks/c/block_pass.c` over the 64 MiB mixed
// corpus, same visits) and gave the same answers on 300,000 random inputs.
typedef struct {
    uint64_t digits[66], letters[66], at[66], plus[66], dots[66], ems[66], dashes[66], spaces[66], zeros[66];
} class_table;

static inline void store_row(class_table *t, size_t row, const classes *c) {
    t->digits[row] = c->digits; t->letters[row] = c->letters; t->at[row] = c->at; t->plus[row] = c->plus;
    t->dots[row] = c->dots; t->ems[row] = c->ems; t->dashes[row] = c->dashes; t->spaces[row] = c->spaces;
    t->zeros[row] = c->zeros;
}

static inline void classify_row_portable(class_table *t, size_t row, const uint8_t *block) {
    const classes c = classify_portable(block);
    store_row(t, row, &c);
}

#if defined(__x86_64__)
/// `classify_portable` with AVX2, stored straight into the table, each class as its two 32-bit
/// halves (little-endian): joining the halves first, a shift and an OR per class, was 9 of the 79
/// instructions per block. A range test is `min` plus a compare.
__attribute__((target("avx2"), always_inline))
static inline void classify_row_avx2(class_table *t, size_t row, const uint8_t *block) {
    const __m256i zero = _mm256_set1_epi8('0'), nine = _mm256_set1_epi8(9);
    const __m256i case_bit = _mm256_set1_epi8(0x20), lower_a = _mm256_set1_epi8('a');
    const __m256i twenty_five = _mm256_set1_epi8(25);
    for (int half = 0; half < 2; half++) {
        const __m256i bytes = _mm256_loadu_si256((const __m256i *)(block + 32 * half));
        __m256i digit = _mm256_sub_epi8(bytes, zero);
        digit = _mm256_cmpeq_epi8(_mm256_min_epu8(digit, nine), digit);
        __m256i letter = _mm256_sub_epi8(_mm256_or_si256(bytes, case_bit), lower_a);
        letter = _mm256_cmpeq_epi8(_mm256_min_epu8(letter, twenty_five), letter);
        // memcpy, not a store through a uint32_t pointer: the table's words are uint64_t (aliasing).
#define STORE(table, mask) do { const uint32_t bits = (uint32_t)_mm256_movemask_epi8(mask); \
                                __builtin_memcpy((uint8_t *)&t->table[row] + 4 * half, &bits, 4); } while (0)
#define STORE_BYTE(table, byte) STORE(table, _mm256_cmpeq_epi8(bytes, _mm256_set1_epi8(byte)))
        STORE(digits, digit);
        STORE(letters, letter);
        STORE_BYTE(at, '@');
        STORE_BYTE(plus, '+');
        STORE_BYTE(dots, '.');
        STORE_BYTE(ems, 'm');
        STORE_BYTE(dashes, '-');
        STORE_BYTE(spaces, ' ');
        STORE_BYTE(zeros, '0');
#undef STORE_BYTE
#undef STORE
    }
}
#endif

static inline classes load_row(const class_table *t, size_t row) {
    classes c = { t->digits[row], t->letters[row], t->at[row], t->plus[row], t->dots[row], t->ems[row],
                  t->dashes[row], t->spaces[row], t->zeros[row] };
    return c;
}

/// What the judging of row `row` keeps of the row before it.
static inline sladd_byte_classes before_row(const class_table *t, size_t row) {
    sladd_byte_classes before = { t->digits[row - 1], t->plus[row - 1], t->letters[row - 1], t->dots[row - 1], t->ems[row - 1] };
    return before;
}

/// The visits of row `row`, judged with the row after it (`has_next`) or by its own digits alone.
__attribute__((always_inline)) static inline uint64_t judge_row(const class_table *t, size_t row, int has_next,
                                                                uint64_t email, uint64_t digits) {
    const classes now = load_row(t, row);
    const sladd_byte_classes before = before_row(t, row);
    if (!has_next) return (now.at & email) | (digit_visits(&now, &before, 0) & digits);  // row + 1 was never filled
    const classes next = load_row(t, row + 1);
    return (now.at & email) | (digit_visits(&now, &before, &next) & digits);
}

/// The judging of rows 1 ... `judged` into `visits` (straight-line, for the vectoriser).
__attribute__((always_inline)) static inline void judge_rows(const class_table *t, size_t judged, uint64_t email,
                                                             uint64_t digits, uint64_t *visits) {
    for (size_t j = 1; j <= judged; j++) visits[j - 1] = judge_row(t, j, 1, email, digits);
}

#define VISIT_LOOP(classify_row, judge)                                                              \
    *visited_blocks = 0;                                                                             \
    if (count == 0 || from + 64 > to) return 0;                                                     \
    if (count > 64) count = 64;                                                                     \
    class_table t;                                                                                   \
    t.digits[0] = previous->digits; t.plus[0] = previous->plus; t.letters[0] = previous->letters;    \
    t.dots[0] = previous->dots; t.ems[0] = previous->ems;                                            \
    size_t n = 0;                                                                                    \
    for (; n < count && from + 64 * (n + 1) <= to; n++) {                                            \
        classify_row(&t, n + 1, base + from + 64 * n);                                               \
    }                                                                                                \
    const int last_has_next = from + 64 * (n + 1) <= to;                                             \
    if (last_has_next) classify_row(&t, n + 1, base + from + 64 * n);                                \
    const uint64_t email = flags & SLADD_VISIT_EMAIL ? ~0ull : 0, digits = flags & SLADD_VISIT_DIGITS ? ~0ull : 0; \
    uint64_t visits[64];                                                                             \
    const size_t judged = last_has_next ? n : n - 1;                                                 \
    judge(&t, judged, email, digits, visits);                                                        \
    if (!last_has_next) visits[n - 1] = judge_row(&t, n, 0, email, digits);                          \
    uint64_t visited = 0;                                                                            \
    for (size_t j = 0; j < n; j++) {                                                                 \
        visited |= (uint64_t)(visits[j] != 0) << j;                                                  \
        blocks[j].visits = visits[j];                                                                \
        blocks[j].digits = t.digits[j + 1];                                                          \
        blocks[j].at = t.at[j + 1];                                                                  \
    }                                                                                                \
    previous->digits = t.digits[n]; previous->plus = t.plus[n]; previous->letters = t.letters[n];    \
    previous->dots = t.dots[n]; previous->ems = t.ems[n];                                            \
    *visited_blocks = visited;                                                                       \
    return n;

#if defined(__x86_64__)
__attribute__((target("avx2")))
static void judge_rows_avx2(const class_table *t, size_t judged, uint64_t email, uint64_t digits, uint64_t *visits) {
    judge_rows(t, judged, email, digits, visits);
}

__attribute__((target("avx2")))
static size_t visit_blocks_avx2(const uint8_t *base, size_t from, size_t to, unsigned flags,
                                sladd_byte_classes *previous, sladd_block_visits *blocks, size_t count, uint64_t *visited_blocks) {
    VISIT_LOOP(classify_row_avx2, judge_rows_avx2)
}
#endif

size_t sladd_visit_blocks_portable(const uint8_t *base, size_t from, size_t to, unsigned flags,
                                    sladd_byte_classes *previous, sladd_block_visits *blocks, size_t count, uint64_t *visited_blocks) {
    VISIT_LOOP(classify_row_portable, judge_rows)
}

size_t sladd_visit_blocks(const uint8_t *base, size_t from, size_t to, unsigned flags, sladd_byte_classes *previous,
                          sladd_block_visits *blocks, size_t count, uint64_t *visited_blocks) {
#if defined(__x86_64__)
    if (__builtin_cpu_supports("avx2")) return visit_blocks_avx2(base, from, to, flags, previous, blocks, count, visited_blocks);
#endif
    return sladd_visit_blocks_portable(base, from, to, flags, previous, blocks, count, visited_blocks);
}

void sladd_alphanumeric_and_space_masks(const uint8_t *p, uint64_t *alphanumeric, uint64_t *spaces) {
    uint64_t letters_or_digits = 0, blanks = 0;
#if defined(__SSE2__)
    // SSE2 is in every x86-64: no dispatch for a call made at every IBAN candidate.
    for (int part = 0; part < 3; part++) {
        const __m128i bytes = _mm_loadu_si128((const __m128i *)(p + 16 * part));
        __m128i digit = _mm_sub_epi8(bytes, _mm_set1_epi8('0'));
        digit = _mm_cmpeq_epi8(_mm_min_epu8(digit, _mm_set1_epi8(9)), digit);
        __m128i letter = _mm_sub_epi8(_mm_or_si128(bytes, _mm_set1_epi8(0x20)), _mm_set1_epi8('a'));
        letter = _mm_cmpeq_epi8(_mm_min_epu8(letter, _mm_set1_epi8(25)), letter);
        letters_or_digits |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_or_si128(digit, letter)) << (16 * part);
        blanks |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(bytes, _mm_set1_epi8(' '))) << (16 * part);
    }
#else
    for (unsigned i = 0; i < 48; i++) {
        const uint8_t byte = p[i];
        if ((uint8_t)(byte - '0') <= 9 || (uint8_t)((byte | 0x20) - 'a') <= 25) letters_or_digits |= 1ull << i;
        if (byte == ' ') blanks |= 1ull << i;
    }
#endif
    *alphanumeric = letters_or_digits;
    *spaces = blanks;
}
