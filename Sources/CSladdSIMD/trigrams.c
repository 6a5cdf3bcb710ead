// How often three-byte sequences occur in real logs: the literal filter's anchors are chosen by it
// (`LiteralSet`). The table is generated data (trigram_table.h, by scripts/trigram-table.py); the
// lookup is here, not in the generator's output.

#include "sladd_simd.h"
#include "trigram_table.h"

unsigned sladd_trigram_count(uint32_t a, uint32_t b, uint32_t c) {
    const uint32_t key = a | b << 8 | c << 16;
    size_t low = 0, high = sizeof keys / sizeof keys[0];
    while (low < high) {
        const size_t middle = low + (high - low) / 2;
        if (keys[middle] < key) low = middle + 1; else high = middle;
    }
    return low < sizeof keys / sizeof keys[0] && keys[low] == key ? counts[low] : 0;
}
