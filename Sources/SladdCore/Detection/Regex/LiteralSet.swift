import CSladdSIMD

/// Finds where any of a set of ASCII literals occurs (ignoring case), one pass for all of them.
///
/// Hot path: each regex rule names a few literals; searching once per literal cost 16 passes over
/// every window. Here each literal is anchored on its rarest three adjacent bytes (by how often
/// bytes occur in log text) and the anchors go into at most eight buckets of a Teddy-style nibble filter
/// (`CSladdSIMD`), which tells for 16 positions at once which buckets may match there; only those
/// buckets' literals are then compared. Shorter anchors were not enough: twelve single bytes such as
/// `s`, `c` and `/` cover an eighth of log bytes, and pairs such as `ok` and `si` still sent half of
/// all blocks to the comparison.
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
            var best = Int.max
            for offset in 0...max(0, literal.count - 3) {
                let score = literal[offset..<min(offset + 3, literal.count)].reduce(0) { $0 + Self.commonness[Int($1)] }
                if score < best {
                    best = score
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

        // Sorted anchors cut into eight runs: neighbours share their first bytes, so a bucket's nibble
        // sets stay small and its false positives few.
        let distinct = Array(Set(anchors)).sorted()
        var bucketOfAnchor: [Int: Int] = [:]
        for (index, key) in distinct.enumerated() { bucketOfAnchor[key] = index * min(8, distinct.count) / distinct.count }
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
        }
        let wildcard = distinct.contains { key in (0..<3).contains { key >> (9 * $0) & 0x1FF == 0x1FF } }
        filter.pointee.exact_on = wildcard ? 0 : 1
        withUnsafeMutableBytes(of: &filter.pointee.exact) { bitmap in
            for key in distinct where !wildcard {
                let hash = Int(sladd_triple_hash(UInt32(key >> 18), UInt32(key >> 9 & 0x1FF), UInt32(key & 0x1FF)))
                bitmap[hash >> 3] |= UInt8(1) << UInt8(hash & 7)
            }
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
