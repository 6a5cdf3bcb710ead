/// Which of the eight buckets of the nibble filter (`LiteralSet`) each anchor goes to.
///
/// A bucket admits a position when each of the three bytes there has a low nibble and a high nibble
/// that some anchor of the bucket has at that place, in any pairing: the more a bucket's anchors
/// differ, the more text it lets through to the exact stage. So anchors are grouped greedily: one
/// bucket per anchor, then the two buckets whose union admits the least extra log text (by byte
/// rarity) are joined, until eight remain. With the default packs' anchors, cutting them sorted into
/// eight runs, as before, admitted 0.97% of the positions of the mixed corpus and sent 23% of its
/// 32-byte blocks to the exact stage; grouped this way 0.32% and 9%.
enum AnchorBuckets {
    /// Anchor keys as `LiteralSet` packs them: three 9-bit bytes (each OR 0x20), first byte highest,
    /// 0x1FF for "any byte". `byteShare(v)`: the share of log bytes that read `v` once OR 0x20.
    static func assign(_ anchors: [Int], byteShare: (Int) -> Double) -> [Int: Int] {
        let share = (0..<256).map(byteShare)
        // One group per anchor, or with more than 64 the sorted anchors cut into 64 runs (neighbours
        // share their first bytes): the search for the cheapest join is cubic in the groups, and 230
        // anchors took 40 M instructions at start-up.
        let sorted = anchors.sorted()
        let groups = min(sorted.count, 64)
        var members = (0..<groups).map { group in Array(sorted[group * sorted.count / groups ..< (group + 1) * sorted.count / groups]) }
        var sets = members.map { $0.map(NibbleSets.init(anchor:)).reduce(NibbleSets()) { NibbleSets(union: $0, $1) } }
        var admitted = sets.map { $0.admitted(share) }
        // cost[i][j], i < j: how much more text the union of i and j admits than both apart.
        var cost = [[Double]](repeating: [Double](repeating: 0, count: sets.count), count: sets.count)
        func joinCost(_ i: Int, _ j: Int) -> Double {
            NibbleSets(union: sets[i], sets[j]).admitted(share) - admitted[i] - admitted[j]
        }
        for i in sets.indices { for j in sets.indices where j > i { cost[i][j] = joinCost(i, j) } }
        var alive = Array(sets.indices)
        while alive.count > 8 {
            var best = (cost: Double.infinity, i: 0, j: 0)
            for (position, i) in alive.enumerated() {
                for j in alive[(position + 1)...] where cost[i][j] < best.cost { best = (cost[i][j], i, j) }
            }
            sets[best.i] = NibbleSets(union: sets[best.i], sets[best.j])
            members[best.i] += members[best.j]
            admitted[best.i] = sets[best.i].admitted(share)
            alive.removeAll { $0 == best.j }
            for k in alive where k != best.i {
                let (i, j) = (min(k, best.i), max(k, best.i))
                cost[i][j] = joinCost(i, j)
            }
        }
        var bucketOfAnchor: [Int: Int] = [:]
        for (bucket, group) in alive.enumerated() {
            for anchor in members[group] { bucketOfAnchor[anchor] = bucket }
        }
        return bucketOfAnchor
    }

    /// Per byte position of a bucket's anchors, the low nibbles (lanes 0–2) and high nibbles (lanes
    /// 3–5) they have there, one bit per nibble. A value, so trying a union allocates nothing (with
    /// arrays, 200 literals took 140 M instructions to group).
    private struct NibbleSets {
        var masks = SIMD8<UInt16>()

        init() {}

        init(anchor: Int) {
            for position in 0..<3 {
                let byte = anchor >> (9 * (2 - position)) & 0x1FF
                masks[position] = byte == 0x1FF ? 0xFFFF : 1 << UInt16(byte & 15)
                masks[position + 3] = byte == 0x1FF ? 0xFFFF : 1 << UInt16(byte >> 4)
            }
        }

        init(union first: NibbleSets, _ second: NibbleSets) { masks = first.masks | second.masks }

        /// The share of positions of log text this bucket admits (bytes taken as independent).
        func admitted(_ share: [Double]) -> Double {
            var product = 1.0
            for position in 0..<3 {
                // Only the nibbles present are visited: a few per bucket.
                var sum = 0.0
                var highBits = masks[position + 3]
                while highBits != 0 {
                    let high = highBits.trailingZeroBitCount
                    highBits &= highBits - 1
                    var lowBits = masks[position]
                    while lowBits != 0 {
                        sum += share[high << 4 | lowBits.trailingZeroBitCount]
                        lowBits &= lowBits - 1
                    }
                }
                product *= sum
            }
            return product
        }
    }
}
