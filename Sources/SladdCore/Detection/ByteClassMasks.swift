#if arch(x86_64)
import _Builtin_intrinsics.intel
#endif
import CSladdSIMD

/// Which of 64 consecutive bytes are digits, `+`, ASCII letters, `.` or `m`, as bit masks (bit i: byte i).
///
/// Hot path: logs hold a digit run every ten bytes or so, nearly all of them parts of times and
/// counters. With the classes of a block and the next as integers, the scanner tells which runs could
/// start an identifier by shifts and ANDs and visits only those (one digit run in sixteen of the
/// benchmark corpus), instead of stopping at every run. The block pass itself is C
/// (`sladd_visit_blocks` in `classes.c`); Swift builds only the block "before" a region with this type.
typealias ByteClassMasks = sladd_byte_classes

extension ByteClassMasks {
    static var width: Int { 64 }

    /// The classes of the three bytes before a region, in the top bits, as the block "before" its first.
    init(before region: ScanRegion) {
        self.init()
        for distance in 1...3 {
            let byte = region[region.lowerBound - distance]
            let bit: UInt64 = 1 << UInt64(64 - distance)
            if ByteClass.isDigit(byte) { digits |= bit }
            if byte == ByteClass.plus { plus |= bit }
            if ByteClass.isLetter(byte) { letters |= bit }
            if byte == ByteClass.dot { dots |= bit }
            if byte == 0x6D { ems |= bit }  // "m", which may end a colour code
        }
    }

    /// One bit per lane of a 16-lane comparison.
    @inline(__always)
    static func bits(_ mask: SIMDMask<SIMD16<Int8>>) -> UInt64 {
        #if arch(x86_64)
        // SSE2 (baseline on x86-64): one `pmovmskb`.
        return UInt64(UInt16(truncatingIfNeeded: _mm_movemask_epi8(unsafeBitCast(mask, to: __m128i.self))))
        #else
        // Lanes are 0x00 or 0xFF: the multiply gathers the top bit of each byte into the top byte.
        let words = unsafeBitCast(mask, to: (UInt64, UInt64).self)
        let low = ((words.0 & 0x8080_8080_8080_8080) &* 0x0002_0408_1020_4081) >> 56
        let high = ((words.1 & 0x8080_8080_8080_8080) &* 0x0002_0408_1020_4081) >> 56
        return low | high << 8
        #endif
    }
}
