/// Reads a 16-lane byte comparison as two 64-bit words.
///
/// Hot path: `any(mask)` in the standard library reduces the lanes with a generic `min` that is not
/// inlined and took half the run time of the scanner (perf, 2026-11). A mask's lanes are 0x00 or 0xFF,
/// so the first set lane comes from a trailing-zero count of two integers.
struct SIMDMaskBits {
    private var low: UInt64
    private var high: UInt64

    @inline(__always)
    init(_ mask: SIMDMask<SIMD16<Int8>>) {
        let words = unsafeBitCast(mask, to: (UInt64, UInt64).self)
        low = words.0
        high = words.1
    }

    /// The first set lane, removed from the set; nil when none is left.
    @inline(__always)
    mutating func popFirst() -> Int? {
        if low != 0 {
            let bit = low.trailingZeroBitCount & ~7
            low &= ~(0xFF << UInt64(bit))
            return bit >> 3
        }
        if high != 0 {
            let bit = high.trailingZeroBitCount & ~7
            high &= ~(0xFF << UInt64(bit))
            return 8 + bit >> 3
        }
        return nil
    }
}
