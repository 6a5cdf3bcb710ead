#ifndef SLADD_SIMD_H
#define SLADD_SIMD_H

#include <stddef.h>
#include <stdint.h>

/// Nibble tables of a Teddy-style fingerprint filter over three adjacent bytes (see teddy.c):
/// `low[k][n]` has bit b set when bucket b admits a byte with low nibble n at position k, `high` the
/// same for high nibbles of the byte OR 0x20 (so `high[k][n] == high[k][n | 2]`: the input is
/// looked up as it is and matches any case).
typedef struct {
    uint8_t low[3][16];
    uint8_t high[3][16];
    /// Second stage: bit `sladd_triple_hash(a, b, c)` is set for every anchor's three bytes (each OR
    /// 0x20). Nibble sets of eight buckets admit about one position in sixteen of log text; this
    /// bitmap (4 KiB, in L1) leaves the few that share a hash with an anchor. Off (`exact_on` 0) when a
    /// literal is shorter than three bytes, whose wildcards a hash cannot express.
    uint8_t exact[4096];
    uint8_t exact_on;
} sladd_triple_filter;

/// The bit of `exact` for three adjacent bytes, each already OR 0x20.
static inline uint32_t sladd_triple_hash(uint32_t a, uint32_t b, uint32_t c) {
    return ((a | b << 8 | c << 16) * 0x9E3779B1u) >> 17;
}

/// Sets the bit of `exact` for three adjacent bytes, each already OR 0x20. Here rather than in Swift,
/// which imports `exact` as a tuple of 4,096 elements whose type metadata cost 3.3 M instructions
/// (about 1 ms) to make at start-up.
static inline void sladd_triple_filter_admit(sladd_triple_filter *filter, uint32_t a, uint32_t b, uint32_t c) {
    const uint32_t hash = sladd_triple_hash(a, b, c);
    filter->exact[hash >> 3] |= (uint8_t)(1u << (hash & 7));
}

/// The offset of the first 16-byte block in [from, to - 18] holding a position whose three bytes
/// (each OR 0x20) may belong to a bucket and pass `exact`, with the bucket bits of its 16 positions in
/// `buckets` (zero where a position failed); or,
/// when no block holds one, the first offset not searched (fewer than 18 bytes before `to`), left
/// to the caller.
size_t sladd_triple_filter_next(const sladd_triple_filter *filter, const uint8_t *base, size_t from, size_t to,
                                uint8_t buckets[16]);



/// What the block pass keeps of the block before the current one: which of its 64 bytes are ASCII
/// digits, `+`, ASCII letters, `.` and `m` (which may end a colour code) (bit i: byte i).
typedef struct {
    uint64_t digits;
    uint64_t plus;
    uint64_t letters;
    uint64_t dots;
    uint64_t ems;
} sladd_byte_classes;

enum { SLADD_VISIT_EMAIL = 1, SLADD_VISIT_DIGITS = 2 };

/// One 64-byte block as the built-in scanner needs it: the bytes to visit, its digits and its `@`s.
typedef struct {
    uint64_t visits;
    uint64_t digits;
    uint64_t at;
} sladd_block_visits;

/// Classifies up to `count` (at most 64) whole 64-byte blocks from `from` (none with fewer than 64 bytes before
/// `to`) and writes into `blocks` what the scanner must visit in each: an `@` with SLADD_VISIT_EMAIL;
/// with SLADD_VISIT_DIGITS a digit run that may start an identifier. Returns how many blocks.
/// `previous` holds the classes of the block before `from` on entry and of the last block on return.
/// Bit j of `visited_blocks`: block j has something to visit (most have not; a loop over this mask
/// has no unpredictable branch per block).
size_t sladd_visit_blocks(const uint8_t *base, size_t from, size_t to, unsigned flags, sladd_byte_classes *previous,
                          sladd_block_visits *blocks, size_t count, uint64_t *visited_blocks);

/// The same without SIMD (what CPUs without AVX2 run), so that tests can hold the two side by side.
size_t sladd_visit_blocks_portable(const uint8_t *base, size_t from, size_t to, unsigned flags,
                                   sladd_byte_classes *previous, sladd_block_visits *blocks, size_t count,
                                   uint64_t *visited_blocks);

/// Bit i of `*alphanumeric`: byte i of the 48 at `p` is an ASCII letter or digit; of `*spaces`: it is
/// a space. The IBAN detector checks a candidate's shape against these (48 bytes hold the longest
/// IBAN in groups, 42, and the byte after it).
void sladd_alphanumeric_and_space_masks(const uint8_t *p, uint64_t *alphanumeric, uint64_t *spaces);

/// The number of `\n` bytes in `base[0..<length]`.
size_t sladd_count_newlines(const uint8_t *base, size_t length);

/// `memmem` (a GNU extension Swift's Glibc module does not show): the first `needle` in `haystack`.
const void *sladd_memmem(const void *haystack, size_t haystack_length, const void *needle, size_t needle_length);

/// The first place in `haystack[0..<length]` where the bytes `a`, `b`, `c` follow each other, or NULL.
const uint8_t *sladd_find3(const uint8_t *haystack, size_t length, uint8_t a, uint8_t b, uint8_t c);

/// glibc's memrchr (a GNU extension the Swift Glibc module does not export): the last `byte` in
/// `haystack[0..<length]`, or NULL.
const void *sladd_memrchr(const void *haystack, int byte, size_t length);

/// glibc's `mallopt(M_MMAP_THRESHOLD, 128 KiB)` (malloc.h is not in the Swift Glibc module): blocks from
/// 128 KiB are mapped on their own, never carved from a thread's heap. A no-op elsewhere.
void sladd_keep_large_blocks_mapped(void);

/// Starts writing `length` bytes of a file from `offset` to disk, without waiting for it
/// (Linux `sync_file_range` with SYNC_FILE_RANGE_WRITE; a no-op elsewhere). Returns 0, or -1 with errno.
int sladd_start_writeback(int descriptor, long long offset, long long length);

#endif
