#define _GNU_SOURCE
#include <string.h>
#include "sladd_simd.h"

const void *sladd_memmem(const void *haystack, size_t haystack_length, const void *needle, size_t needle_length) {
    return memmem(haystack, haystack_length, needle, needle_length);
}

const void *sladd_memrchr(const void *haystack, int byte, size_t length) {
    return memrchr(haystack, byte, length);
}
