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

/// A short, fixed list of weights kept inline so the hot path allocates nothing. The initialiser
/// takes plain integers (no array), so a `static let` of it is a constant in the binary: no lazy
/// initialisation check per use, and unrolled loops over it fold to multiplications by literals.
struct StaticWeights {
    private let storage: (Int, Int, Int, Int, Int, Int, Int, Int, Int, Int)
    let count: Int

    init(_ w0: Int, _ w1: Int, _ w2: Int, _ w3: Int, _ w4: Int, _ w5: Int, _ w6: Int, _ w7: Int, _ w8: Int,
         _ w9: Int? = nil) {
        storage = (w0, w1, w2, w3, w4, w5, w6, w7, w8, w9 ?? 0)
        count = w9 == nil ? 9 : 10
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
