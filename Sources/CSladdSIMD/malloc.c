#include "sladd_simd.h"
#if defined(__GLIBC__) || defined(__linux__)
#include <malloc.h>
#endif

void sladd_keep_large_blocks_mapped(void) {
#if defined(M_MMAP_THRESHOLD)
    mallopt(M_MMAP_THRESHOLD, 128 * 1024);
#endif
}
