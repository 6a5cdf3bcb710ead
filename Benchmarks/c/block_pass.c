// The block pass alone (`sladd_visit_blocks`, Sources/CSladdSIMD/classes.c) over a file, five times:
// MB/s and a checksum of what it found, to try a change to the pass without the Swift build around it.
//
//   clang -O2 -I Sources/CSladdSIMD/include -o /tmp/block_pass Benchmarks/c/block_pass.c \
//       Sources/CSladdSIMD/classes.c && /tmp/block_pass Benchmarks/out/corpus-64-0.03.log
//
// A change that keeps the answers keeps the checksum and the count of visits.
#include "sladd_simd.h"
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>
int main(int argc, char **argv) {
    FILE *f = fopen(argv[1], "rb"); fseek(f, 0, SEEK_END); size_t n = ftell(f); fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc(n + 64); fread(buf, 1, n, f); fclose(f);
    sladd_block_visits blocks[64];
    uint64_t checksum = 0, visits = 0, nz = 0;
    struct timespec t0, t1; clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int rep = 0; rep < 5; rep++) {
        sladd_byte_classes prev; memset(&prev, 0, sizeof prev);
        size_t off = 0;
        while (1) {
            uint64_t visited;
            size_t c = sladd_visit_blocks(buf, off, n, 3, &prev, blocks, 64, &visited);
            if (!c) break;
            for (size_t i = 0; i < c; i++) { checksum += blocks[i].visits * (i+1) + blocks[i].digits + blocks[i].at; visits += __builtin_popcountll(blocks[i].visits); nz += blocks[i].visits != 0; }
            off += c * 64;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("%.3f s  %.0f MB/s  checksum %llu visits/rep %llu blocks-with-visits %.1f%%\n", s, 5.0 * n / s / 1e6, (unsigned long long)checksum, (unsigned long long)visits/5, 100.0*nz/5/(n/64));
}
