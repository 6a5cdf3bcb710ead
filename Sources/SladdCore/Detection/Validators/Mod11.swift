/// The mod-11 control digit used by Norwegian identity and account numbers.
///
/// `K = 11 − (weighted sum mod 11)`, where 11 becomes 0 and 10 means no valid number has this prefix.
enum Mod11 {
    /// The control digit for `digits[0..<weights.count]`, or `nil` when the remainder makes it 10.
    @inline(__always)
    static func controlDigit(_ digits: UnsafePointer<UInt8>, weights: StaticWeights) -> Int? {
        var sum = 0
        for index in 0..<weights.count { sum &+= Int(digits[index]) &* weights[index] }
        return controlDigit(forWeightedSum: sum)
    }

    @inline(__always)
    static func controlDigit(forWeightedSum sum: Int) -> Int? {
        let value = 11 - sum % 11
        if value == 11 { return 0 }
        if value == 10 { return nil }
        return value
    }
}

/// A short, fixed list of weights kept inline so the hot path allocates nothing.
struct StaticWeights {
    private let storage: (Int, Int, Int, Int, Int, Int, Int, Int, Int, Int)
    let count: Int

    init(_ weights: Int...) {
        precondition(weights.count <= 10)
        var padded = weights + Array(repeating: 0, count: 10 - weights.count)
        storage = (padded[0], padded[1], padded[2], padded[3], padded[4],
                   padded[5], padded[6], padded[7], padded[8], padded[9])
        count = weights.count
        padded.removeAll()
    }

    @inline(__always)
    subscript(index: Int) -> Int {
        switch index {
        case 0: storage.0
        case 1: storage.1
        case 2: storage.2
        case 3: storage.3
        case 4: storage.4
        case 5: storage.5
        case 6: storage.6
        case 7: storage.7
        case 8: storage.8
        default: storage.9
        }
    }
}
