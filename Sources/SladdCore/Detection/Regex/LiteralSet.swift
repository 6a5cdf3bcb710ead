#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CSladdSIMD

/// Finds where any of a set of ASCII literals occurs (ignoring case), one pass for all of them.
///
/// Hot path: each regex rule names a few literals; searching once per literal cost 16 passes over
/// every window. Here each literal is anchored on the three adjacent bytes that occur least often in
/// real logs (then on the rarest bytes) and the anchors go into at most eight buckets of a
/// Teddy-style nibble filter (`CSladdSIMD`), which tells for 16 positions at once which buckets may
/// match there; only those buckets' literals are then compared. Shorter anchors were not enough:
/// twelve single bytes such as `s`, `c` and `/` cover an eighth of log bytes, and pairs such as `ok`
/// and `si` still sent half of all blocks to the comparison.
final class LiteralSet {
    /// `owners[i]` is the index of the rule literal `i` belongs to.
    let owners: [Int]
    let isEmpty: Bool
    // Flat tables in raw memory: a candidate check touches no reference count (ARC on nested arrays
    // cost a tenth of the run time in perf).
    private let bytes: UnsafeMutablePointer<UInt8>          // all literals, lower-cased, back to back
    private let starts: UnsafeMutablePointer<Int>           // where literal i begins in `bytes`
    private let lengths: UnsafeMutablePointer<Int>
    private let anchorOffsets: UnsafeMutablePointer<Int>    // offset of literal i's anchor
    /// Literal i's anchor bytes (each OR 0x20) packed as `a | b << 8 | c << 16`, and which of the
    /// three it has (a literal shorter than three leaves the rest out of its mask); compared with the
    /// input's before the literal itself.
    private let anchorKeys: UnsafeMutablePointer<UInt32>
    private let anchorMasks: UnsafeMutablePointer<UInt32>
    private let fold: UnsafeMutablePointer<UInt8>
    private let count: Int
    private let filter: UnsafeMutablePointer<sladd_triple_filter>
    /// The literals of bucket b are `bucketMembers[bucketStarts[b] ..< bucketStarts[b + 1]]`.
    private let bucketMembers: UnsafeMutablePointer<Int>
    private let bucketStarts: UnsafeMutablePointer<Int>
    /// The filter's answer for the 16 positions of a block: bucket bits per position.
    private let blockBuckets: UnsafeMutablePointer<UInt8>
    /// The last 17 or fewer bytes of a text, padded to two blocks plus the anchor's two bytes.
    private let tailBlock = UnsafeMutablePointer<UInt8>.allocate(capacity: 34)

    /// How rare each ASCII byte is in log text (letters folded to lower case): `-8 · log2` of its
    /// share of the loghub corpus (`../shared/corpus/loghub`, 2 MB), so that adding rarities multiplies
    /// chances. Among anchors equally common in real logs (`logCount`), the three adjacent bytes of
    /// highest total win; the bucket grouping weighs nibbles by these shares. The hand-ordered byte
    /// list this replaced ranked `e` and `q` within 5% of each other, picked `_id` for `national_id` and let the
    /// exact stage see 5,514 anchors per MB of the mixed corpus; with these weights 1,682.
    private static let rarity: [UInt8] = [
        168, 168, 168, 168, 168, 168, 168, 168, 168, 168, 56, 168, 168, 56, 168, 168,
        168, 168, 168, 168, 168, 168, 168, 168, 168, 168, 168, 168, 168, 168, 168, 168,
        27, 116, 103, 118, 77, 168, 160, 115, 67, 67, 88, 123, 60, 52, 43, 59,
        34, 35, 40, 47, 47, 45, 49, 48, 47, 50, 41, 83, 109, 56, 109, 145,
        77, 168, 168, 168, 168, 168, 168, 168, 168, 168, 168, 168, 168, 168, 168, 168,
        168, 168, 168, 168, 168, 168, 168, 168, 168, 168, 168, 58, 144, 58, 168, 60,
        168, 38, 54, 42, 41, 33, 50, 56, 52, 40, 70, 53, 45, 46, 38, 36,
        49, 76, 36, 38, 38, 47, 59, 57, 64, 61, 75, 110, 125, 110, 168, 168,
    ]

    init(_ entries: [(literal: String, owner: Int)]) {
        let literals = entries.map { $0.literal.utf8.map(ByteClass.lowercased) }.filter { !$0.isEmpty }
        owners = entries.filter { !$0.literal.isEmpty }.map(\.owner)
        isEmpty = literals.isEmpty
        let count = literals.count
        bytes = .allocate(capacity: max(1, literals.reduce(0) { $0 + $1.count }))
        starts = .allocate(capacity: max(1, count))
        lengths = .allocate(capacity: max(1, count))
        anchorOffsets = .allocate(capacity: max(1, count))
        anchorKeys = .allocate(capacity: max(1, count))
        anchorMasks = .allocate(capacity: max(1, count))
        fold = .allocate(capacity: 256)
        for byte in 0..<256 { fold[byte] = ByteClass.lowercased(UInt8(byte)) }

        self.count = count
        var cursor = 0
        var anchors: [Int] = []
        for (index, literal) in literals.enumerated() {
            starts[index] = cursor
            lengths[index] = literal.count
            for byte in literal {
                bytes[cursor] = byte
                cursor += 1
            }
            var anchor = 0
            var best = (count: UInt32.max, rarity: Int.min)
            for offset in 0...max(0, literal.count - 3) {
                let window = literal[offset..<min(offset + 3, literal.count)]
                let count = window.count == 3 ? Self.logCount(window) : 0
                let rarity = window.reduce(0) { $0 + Self.rarity(of: $1) }
                // Ties to the later bytes: families share their starts (passw, passp; ghp_, gho_).
                if count < best.count || (count == best.count && rarity >= best.rarity) {
                    best = (count, rarity)
                    anchor = offset
                }
            }
            anchorOffsets[index] = anchor
            // Three bytes folded with `| 0x20` like the input, 9 bits each; a literal shorter than
            // three bytes leaves the rest as a wildcard (0x1FF).
            var key = 0
            var packed: UInt32 = 0, mask: UInt32 = 0
            for position in 0..<3 {
                let present = anchor + position < literal.count
                key = key << 9 | (present ? Int(literal[anchor + position] | 0x20) : 0x1FF)
                if present {
                    packed |= UInt32(literal[anchor + position] | 0x20) << (8 * position)
                    mask |= 0xFF << (8 * position)
                }
            }
            anchors.append(key)
            anchorKeys[index] = packed
            anchorMasks[index] = mask
        }

        let distinct = Array(Set(anchors)).sorted()
        let bucketOfAnchor = AnchorBuckets.assign(distinct, byteShare: Self.foldedShare)
        filter = .allocate(capacity: 1)
        filter.initialize(to: sladd_triple_filter())
        withUnsafeMutableBytes(of: &filter.pointee) { table in
            for (key, bucket) in bucketOfAnchor {
                let bit = UInt8(1) << UInt8(bucket)
                for position in 0..<3 {
                    let byte = key >> (9 * (2 - position)) & 0x1FF
                    for nibble in 0..<16 where byte == 0x1FF || nibble == byte & 15 { table[16 * position + nibble] |= bit }
                    for nibble in 0..<16 where byte == 0x1FF || nibble == byte >> 4 { table[48 + 16 * position + nibble] |= bit }
                }
            }
            // The filter reads input bytes unfolded: a byte with bit 5 clear looks up what its fold
            // (the same with bit 1 of the high nibble set) admits.
            for position in 0..<3 {
                for nibble in 0..<16 where nibble & 2 == 0 { table[48 + 16 * position + nibble] = table[48 + 16 * position + (nibble | 2)] }
            }
        }
        let wildcard = distinct.contains { key in (0..<3).contains { key >> (9 * $0) & 0x1FF == 0x1FF } }
        filter.pointee.exact_on = wildcard ? 0 : 1
        for key in distinct where !wildcard {
            sladd_triple_filter_admit(filter, UInt32(key >> 18), UInt32(key >> 9 & 0x1FF), UInt32(key & 0x1FF))
        }
        bucketMembers = .allocate(capacity: max(1, count))
        bucketStarts = .allocate(capacity: 9)
        var member = 0
        for bucket in 0..<8 {
            bucketStarts[bucket] = member
            for index in 0..<count where bucketOfAnchor[anchors[index]] == bucket {
                bucketMembers[member] = index
                member += 1
            }
        }
        bucketStarts[8] = member
        blockBuckets = .allocate(capacity: 16)
    }

    private static func rarity(of byte: UInt8) -> Int { byte < 128 ? Int(rarity[Int(byte)]) : 168 }

    /// How often three bytes occur in real logs, as the filter folds them. Rare bytes do not make a
    /// rare sequence: by byte rarity seven literals (`api-key`, `accesskey`, `privatekey`…) were
    /// anchored on `key`, a word of many log lines, where `-ke`, `ske` and `eke` occur in none.
    private static func logCount(_ window: ArraySlice<UInt8>) -> UInt32 {
        let first = window.startIndex
        return UInt32(sladd_trigram_count(UInt32(window[first] | 0x20), UInt32(window[first + 1] | 0x20),
                                          UInt32(window[first + 2] | 0x20)))
    }

    /// The share of log bytes that read `folded` once OR 0x20, as the filter sees them (an upper-case
    /// letter is already counted in its lower case's rarity).
    private static func foldedShare(_ folded: Int) -> Double {
        guard folded & 0x20 != 0 else { return 0 }
        var share = 0.0
        for byte in [folded, folded & ~0x20] where !(0x41...0x5A).contains(byte) {
            share += exp2(-Double(rarity(of: UInt8(byte))) / 8)
        }
        return share
    }

    deinit {
        for pointer in [UnsafeMutableRawPointer(bytes), UnsafeMutableRawPointer(starts), UnsafeMutableRawPointer(lengths),
                        UnsafeMutableRawPointer(anchorOffsets), UnsafeMutableRawPointer(fold),
                        UnsafeMutableRawPointer(anchorKeys), UnsafeMutableRawPointer(anchorMasks),
                        UnsafeMutableRawPointer(filter), UnsafeMutableRawPointer(bucketMembers),
                        UnsafeMutableRawPointer(bucketStarts), UnsafeMutableRawPointer(blockBuckets),
                        UnsafeMutableRawPointer(tailBlock)] {
            pointer.deallocate()
        }
    }

    /// A position in `start..<end` where a literal lies whole, and which literal; the first by anchor
    /// position, so with several literals it need not be the leftmost start.
    func firstMatch(in base: UnsafePointer<UInt8>, from start: Int, to end: Int) -> (offset: Int, literal: Int)? {
        var first: (Int, Int)?
        forEachMatch(in: base, from: start, to: end) { offset, literal in
            first = (offset, literal)
            return false
        }
        return first
    }

    /// Calls `body` with the start and the index of every literal that lies whole in `start..<end`, in
    /// the order of their anchors, until it returns false.
    @inline(__always)
    func forEachMatch(in base: UnsafePointer<UInt8>, from start: Int, to end: Int,
                      _ body: (_ offset: Int, _ literal: Int) -> Bool) {
        guard end > start, count > 0 else { return }
        var offset = start
        while true {
            let block = sladd_triple_filter_next(filter, base, offset, end, blockBuckets)
            guard block &+ 18 <= end else {
                offset = block
                break
            }
            // `.!=` is not vectorised (a lane-by-lane loop through the stack); `.==` is.
            let buckets = UnsafeRawPointer(blockBuckets).loadUnaligned(as: SIMD16<UInt8>.self)
            var lanes = ~ByteClassMasks.bits(buckets .== SIMD16<UInt8>()) & 0xFFFF
            while lanes != 0 {
                let lane = lanes.trailingZeroBitCount
                lanes &= lanes &- 1
                var bucketBits = blockBuckets[lane]
                let key = Self.anchorKey(base + (block &+ lane))
                while bucketBits != 0 {
                    let bucket = bucketBits.trailingZeroBitCount
                    bucketBits &= bucketBits &- 1
                    for member in bucketStarts[bucket]..<bucketStarts[bucket &+ 1] {
                        let index = bucketMembers[member]
                        if key & anchorMasks[index] == anchorKeys[index],
                           matches(index, anchoredAt: block &+ lane, in: base, from: start, to: end),
                           !body(block &+ lane &- anchorOffsets[index], index) { return }
                    }
                }
            }
            offset = block &+ 16
        }
        // The last few positions, too close to the end for a 16-byte block: the filter runs on a copy
        // padded with zeros (no literal holds one), and candidates are checked against the real bytes.
        // Short texts (JSON values, decoded strings) are all tail, so this is a hot path too. The lane
        // loop repeats the one above on purpose: one inlined helper for both cost 7% more instructions
        // in `firstMatch` (callgrind, mixed corpus).
        guard offset < end else { return }
        let tail = end &- offset
        tailBlock.update(repeating: 0, count: 34)
        tailBlock.update(from: base + offset, count: tail)
        var blockStart = 0
        while blockStart < tail {
            let block = sladd_triple_filter_next(filter, tailBlock, blockStart, 34, blockBuckets)
            guard block &+ 18 <= 34 else { return }
            let buckets = UnsafeRawPointer(blockBuckets).loadUnaligned(as: SIMD16<UInt8>.self)
            var lanes = ~ByteClassMasks.bits(buckets .== SIMD16<UInt8>()) & 0xFFFF
            while lanes != 0 {
                let lane = lanes.trailingZeroBitCount
                lanes &= lanes &- 1
                let position = offset &+ block &+ lane
                guard position < end else { break }
                var bucketBits = blockBuckets[lane]
                let key = Self.anchorKey(tailBlock + (block &+ lane))
                while bucketBits != 0 {
                    let bucket = bucketBits.trailingZeroBitCount
                    bucketBits &= bucketBits &- 1
                    for member in bucketStarts[bucket]..<bucketStarts[bucket &+ 1] {
                        let index = bucketMembers[member]
                        if key & anchorMasks[index] == anchorKeys[index],
                           matches(index, anchoredAt: position, in: base, from: start, to: end),
                           !body(position &- anchorOffsets[index], index) { return }
                    }
                }
            }
            blockStart = block &+ 16
        }
    }

    /// The three bytes at `pointer`, each OR 0x20, packed as the anchor keys are: one compare per
    /// member of a bucket turns most of them away before their bytes are read.
    @inline(__always)
    private static func anchorKey(_ pointer: UnsafePointer<UInt8>) -> UInt32 {
        (UInt32(pointer[0]) | UInt32(pointer[1]) << 8 | UInt32(pointer[2]) << 16) | 0x20_2020
    }

    /// Whether literal `index` lies whole in `start..<end` with its anchor at `position`.
    @inline(__always)
    private func matches(_ index: Int, anchoredAt position: Int, in base: UnsafePointer<UInt8>,
                         from start: Int, to end: Int) -> Bool {
        let literalStart = position &- anchorOffsets[index]
        let length = lengths[index]
        guard literalStart >= start, literalStart &+ length <= end else { return false }
        let literal = bytes + starts[index]
        for offset in 0..<length where fold[Int(base[literalStart &+ offset])] != literal[offset] { return false }
        return true
    }
}
