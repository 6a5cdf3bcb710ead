/// Finds where any of a set of ASCII literals occurs (ignoring case), one pass for all of them.
///
/// Hot path: each regex rule names a few literals; searching once per literal cost 16 passes over
/// every window. Here each literal is anchored on its rarest pair of adjacent bytes (by how often
/// bytes occur in log text): 16 positions at a time are compared with every anchor pair, and only
/// where one appears is a literal checked. Anchoring on single bytes was not enough: twelve anchors
/// such as `s`, `c` and `/` together cover an eighth of log bytes, so nearly every block had work.
final class LiteralSet {
    /// `owners[i]` is the index of the rule literal `i` belongs to.
    let owners: [Int]
    let isEmpty: Bool
    // Flat tables in raw memory: a candidate check touches no reference count (ARC on nested arrays
    // cost a tenth of the run time in perf).
    private let bytes: UnsafeMutablePointer<UInt8>          // all literals, lower-cased, back to back
    private let starts: UnsafeMutablePointer<Int>           // where literal i begins in `bytes`
    private let lengths: UnsafeMutablePointer<Int>
    private let anchorOffsets: UnsafeMutablePointer<Int>    // offset of literal i's anchor pair
    private let fold: UnsafeMutablePointer<UInt8>
    private let count: Int
    /// Distinct anchor pairs, each byte folded with `| 0x20` and repeated in 16 lanes.
    private let anchorFirst: UnsafeMutablePointer<SIMD16<UInt8>>
    private let anchorSecond: UnsafeMutablePointer<SIMD16<UInt8>>
    private let anchorCount: Int
    /// A one-byte literal has no pair to anchor on, so the search goes byte by byte.
    private let hasSingleByteLiteral: Bool

    /// Bytes of log text from most to least frequent; bytes not listed are rarer still.
    private static let commonness: [Int] = {
        var rank = [Int](repeating: 0, count: 256)
        for (index, byte) in Array(" etaoinsrlcdumhp0123456789:/.-=\"_fgbywkvxzjq".utf8).enumerated() {
            rank[Int(byte)] = 1000 - index
            if ByteClass.isLetter(byte) { rank[Int(byte & 0xDF)] = 1000 - index }
        }
        return rank
    }()

    init(_ entries: [(literal: String, owner: Int)]) {
        let literals = entries.map { $0.literal.utf8.map(ByteClass.lowercased) }.filter { !$0.isEmpty }
        owners = entries.filter { !$0.literal.isEmpty }.map(\.owner)
        isEmpty = literals.isEmpty
        let count = literals.count
        bytes = .allocate(capacity: max(1, literals.reduce(0) { $0 + $1.count }))
        starts = .allocate(capacity: max(1, count))
        lengths = .allocate(capacity: max(1, count))
        anchorOffsets = .allocate(capacity: max(1, count))
        fold = .allocate(capacity: 256)
        for byte in 0..<256 { fold[byte] = ByteClass.lowercased(UInt8(byte)) }

        self.count = count
        var cursor = 0
        var pairs: [UInt16] = []
        for (index, literal) in literals.enumerated() {
            starts[index] = cursor
            lengths[index] = literal.count
            for byte in literal {
                bytes[cursor] = byte
                cursor += 1
            }
            // A one-byte literal is its own anchor; its pair's second byte is left open (see check).
            let padded = literal.count == 1 ? literal + [literal[0]] : literal
            var anchor = 0
            var best = Int.max
            for offset in 0..<(padded.count - 1) {
                let score: Int = Self.commonness[Int(padded[offset])] + Self.commonness[Int(padded[offset + 1])]
                if score < best {
                    best = score
                    anchor = offset
                }
            }
            anchorOffsets[index] = anchor
            pairs.append(UInt16(padded[anchor] | 0x20) << 8 | UInt16(padded[anchor + 1] | 0x20))
        }
        let distinct = Array(Set(pairs)).sorted()
        anchorCount = distinct.count
        anchorFirst = .allocate(capacity: max(1, distinct.count))
        anchorSecond = .allocate(capacity: max(1, distinct.count))
        for (index, pair) in distinct.enumerated() {
            anchorFirst[index] = SIMD16<UInt8>(repeating: UInt8(pair >> 8))
            anchorSecond[index] = SIMD16<UInt8>(repeating: UInt8(pair & 0xFF))
        }
        hasSingleByteLiteral = literals.contains { $0.count == 1 }
    }

    deinit {
        for pointer in [UnsafeMutableRawPointer(bytes), UnsafeMutableRawPointer(starts), UnsafeMutableRawPointer(lengths),
                        UnsafeMutableRawPointer(anchorOffsets), UnsafeMutableRawPointer(fold),
                        UnsafeMutableRawPointer(anchorFirst), UnsafeMutableRawPointer(anchorSecond)] {
            pointer.deallocate()
        }
    }

    /// A position in `start..<end` where a literal lies whole, and which literal; the first by anchor
    /// position, so with several literals it need not be the leftmost start.
    func firstMatch(in base: UnsafePointer<UInt8>, from start: Int, to end: Int) -> (offset: Int, literal: Int)? {
        guard end > start else { return nil }
        let raw = UnsafeRawPointer(base)
        let bit = SIMD16<UInt8>(repeating: 0x20)
        var offset = start
        // With a one-byte literal the second compare would miss it, so it searches byte by byte.
        while !hasSingleByteLiteral && offset &+ 17 <= end {
            let first = raw.loadUnaligned(fromByteOffset: offset, as: SIMD16<UInt8>.self) | bit
            let second = raw.loadUnaligned(fromByteOffset: offset &+ 1, as: SIMD16<UInt8>.self) | bit
            var hits = SIMDMask<SIMD16<Int8>>(repeating: false)
            for pair in 0..<anchorCount {
                hits .|= (first .== anchorFirst[pair]) .& (second .== anchorSecond[pair])
            }
            var lanes = SIMDMaskBits(hits)
            while let lane = lanes.popFirst() {
                if let found = check(at: offset &+ lane, in: base, from: start, to: end) { return found }
            }
            offset &+= 16
        }
        while offset < end {
            if let found = check(at: offset, in: base, from: start, to: end) { return found }
            offset &+= 1
        }
        return nil
    }

    /// Checks every literal whose anchor pair could sit at `position` (candidates are rare).
    @inline(__always)
    private func check(at position: Int, in base: UnsafePointer<UInt8>, from start: Int, to end: Int) -> (Int, Int)? {
        next: for index in 0..<count {
            let literalStart = position &- anchorOffsets[index]
            let length = lengths[index]
            guard literalStart >= start, literalStart &+ length <= end else { continue }
            let literal = bytes + starts[index]
            for offset in 0..<length where fold[Int(base[literalStart &+ offset])] != literal[offset] { continue next }
            return (literalStart, index)
        }
        return nil
    }
}
