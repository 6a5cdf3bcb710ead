/// Finds an ASCII literal, ignoring case, in a byte buffer.
///
/// Regex rules name literals that every match contains (`eyJ` for a JWT, `bearer`): a line without one
/// of them never reaches PCRE2. The search compares the first and last byte of the literal at once for 16
/// positions (both folded with `| 0x20`, which maps an ASCII upper-case letter to its lower case) and
/// checks the rest only where both agree, so it reads a clean buffer at several GB/s.
struct LiteralFinder: Sendable {
    let literal: [UInt8]
    private let folded: [UInt8]

    init(_ literal: String) {
        self.literal = Array(literal.utf8)
        folded = self.literal.map(ByteClass.lowercased)
    }

    /// The offset of the first occurrence in `start..<end`, or nil.
    func firstOccurrence(in base: UnsafePointer<UInt8>, from start: Int, to end: Int) -> Int? {
        let length = folded.count
        guard length > 0, end - start >= length else { return length == 0 ? start : nil }
        return folded.withUnsafeBufferPointer { needle -> Int? in
            let first = SIMD16<UInt8>(repeating: Self.fold(needle[0]))
            let last = SIMD16<UInt8>(repeating: Self.fold(needle[length - 1]))
            let bit = SIMD16<UInt8>(repeating: 0x20)
            let raw = UnsafeRawPointer(base)
            var offset = start
            let lastStart = end - length
            while offset &+ 15 <= lastStart {
                let firstBlock = raw.loadUnaligned(fromByteOffset: offset, as: SIMD16<UInt8>.self) | bit
                let lastBlock = raw.loadUnaligned(fromByteOffset: offset &+ length &- 1, as: SIMD16<UInt8>.self) | bit
                var hits = SIMDMaskBits((firstBlock .== first) .& (lastBlock .== last))
                while let lane = hits.popFirst() {
                    if matches(at: offset &+ lane, in: base, needle: needle) { return offset &+ lane }
                }
                offset &+= 16
            }
            while offset <= lastStart {
                if matches(at: offset, in: base, needle: needle) { return offset }
                offset &+= 1
            }
            return nil
        }
    }

    @inline(__always)
    private static func fold(_ byte: UInt8) -> UInt8 { byte | 0x20 }

    @inline(__always)
    private func matches(at offset: Int, in base: UnsafePointer<UInt8>, needle: UnsafeBufferPointer<UInt8>) -> Bool {
        for index in 0..<needle.count where ByteClass.lowercased(base[offset &+ index]) != needle[index] {
            return false
        }
        return true
    }
}
