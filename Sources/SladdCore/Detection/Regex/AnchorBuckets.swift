/// Which of the eight buckets of the nibble filter (`LiteralSet`) each anchor goes to.
///
/// A bucket admits a position when each of the three bytes there has a low nibble and a high nibble
/// that some anchor of the bucket has at that place, in any pairing: the more a bucket's anchors
/// differ, the more text it lets through to the exact stage. So anchors are grouped greedily: one
/// bucket per anchor, then the two buckets whose union admits the least extra log text (by byte
/// rarity) are joined, until eight remain. Cutting the sorted anchors into eight runs, as before,
/// admitted 1.33% of the positions of the mixed corpus and sent 32% of its 32-byte blocks to the exact
/// stage; grouped this way 0.53% and 14%.
enum AnchorBuckets {
    /// Anchor keys as `LiteralSet` packs them: three 9-bit bytes (each OR 0x20), first byte highest,
    /// 0x1FF for "any byte". `byteShare(v)`: the share of log bytes that read `v` once OR 0x20.
    static func assign(_ anchors: [Int], byteShare: (Int) -> Double) -> [Int: Int] {
        var share = [Double](repeating: 0, count: 256)
        for byte in 0..<256 { share[byte] = byteShare(byte) }
        var groups = anchors.map { Group(anchor: $0) }
        // cost[i][j], i < j: how much more text the union of i and j admits than both apart.
        var admitted = groups.map { $0.admitted(share) }
        var cost = [[Double]](repeating: [Double](repeating: 0, count: groups.count), count: groups.count)
        func joinCost(_ i: Int, _ j: Int) -> Double {
            groups[i].union(groups[j]).admitted(share) - admitted[i] - admitted[j]
        }
        for i in groups.indices { for j in groups.indices where j > i { cost[i][j] = joinCost(i, j) } }
        var alive = Array(groups.indices)
        while alive.count > 8 {
            var best = (cost: Double.infinity, i: 0, j: 0)
            for (position, i) in alive.enumerated() {
                for j in alive[(position + 1)...] where cost[i][j] < best.cost { best = (cost[i][j], i, j) }
            }
            groups[best.i] = groups[best.i].union(groups[best.j])
            admitted[best.i] = groups[best.i].admitted(share)
            alive.removeAll { $0 == best.j }
            for k in alive where k != best.i {
                let (i, j) = (min(k, best.i), max(k, best.i))
                cost[i][j] = joinCost(i, j)
            }
        }
        var bucketOfAnchor: [Int: Int] = [:]
        for (bucket, group) in alive.enumerated() {
            for anchor in groups[group].anchors { bucketOfAnchor[anchor] = bucket }
        }
        return bucketOfAnchor
    }

    /// The anchors of one bucket and, per byte position, the low and high nibbles they have there.
    private struct Group {
        var anchors: [Int]
        var lows: [UInt16]
        var highs: [UInt16]

        init(anchor: Int) {
            anchors = [anchor]
            lows = []
            highs = []
            for position in 0..<3 {
                let byte = anchor >> (9 * (2 - position)) & 0x1FF
                lows.append(byte == 0x1FF ? 0xFFFF : 1 << UInt16(byte & 15))
                highs.append(byte == 0x1FF ? 0xFFFF : 1 << UInt16(byte >> 4))
            }
        }

        func union(_ other: Group) -> Group {
            var joined = self
            joined.anchors += other.anchors
            for position in 0..<3 {
                joined.lows[position] |= other.lows[position]
                joined.highs[position] |= other.highs[position]
            }
            return joined
        }

        /// The share of positions of log text this bucket admits (bytes taken as independent).
        func admitted(_ share: [Double]) -> Double {
            var product = 1.0
            for position in 0..<3 {
                var sum = 0.0
                for high in 0..<16 where highs[position] >> UInt16(high) & 1 != 0 {
                    for low in 0..<16 where lows[position] >> UInt16(low) & 1 != 0 { sum += share[high << 4 | low] }
                }
                product *= sum
            }
            return product
        }
    }
}
