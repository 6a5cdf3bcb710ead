#ifndef SLADD_SIMD_H
#define SLADD_SIMD_H

#include <stddef.h>
#include <stdint.h>

/// Nibble tables of a Teddy-style fingerprint filter over three adjacent bytes (see teddy.c):
/// `low[k][n]` has bit b set when bucket b admits a byte with low nibble n at position k, `high` the
/// same for high nibbles.
typedef struct {
    uint8_t low[3][16];
    uint8_t high[3][16];
} sladd_triple_filter;

/// The offset of the first 16-byte block in [from, to - 18] holding a position whose three bytes
/// (each OR 0x20) may belong to a bucket, with the bucket bits of its 16 positions in `buckets`; or,
/// when no block holds one, the first offset not searched (fewer than 18 bytes before `to`), left
/// to the caller.
size_t sladd_triple_filter_next(const sladd_triple_filter *filter, const uint8_t *base, size_t from, size_t to,
                                uint8_t buckets[16]);



/// `memmem` (a GNU extension Swift's Glibc module does not show): the first `needle` in `haystack`.
const void *sladd_memmem(const void *haystack, size_t haystack_length, const void *needle, size_t needle_length);

/// glibc's memrchr (a GNU extension the Swift Glibc module does not export): the last `byte` in
/// `haystack[0..<length]`, or NULL.
const void *sladd_memrchr(const void *haystack, int byte, size_t length);

#endif
