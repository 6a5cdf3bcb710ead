// sync_file_range(2) is a Linux call behind _GNU_SOURCE, which the Swift Glibc module does not set.
#define _GNU_SOURCE
#include <fcntl.h>
#include "sladd_simd.h"

int sladd_start_writeback(int descriptor, long long offset, long long length) {
#if defined(__linux__)
    return sync_file_range(descriptor, offset, length, SYNC_FILE_RANGE_WRITE);
#else
    (void)descriptor; (void)offset; (void)length;
    return 0;
#endif
}
