/// Issuer identification number ranges and the card lengths each issuer uses (ISO/IEC 7812).
///
/// A Luhn-valid digit run is a card number only when its prefix belongs to an issuer that issues cards
/// of that length; this keeps epoch timestamps and snowflake ids (which start with 1) out.
public enum PaymentCardIssuer {
    struct Range {
        let prefixDigits: Int
        let low: Int
        let high: Int
        let lengths: ClosedRange<Int>
        let exactLengths: [Int]?
    }

    static let ranges: [Range] = [
        Range(prefixDigits: 1, low: 4, high: 4, lengths: 13...19, exactLengths: [13, 16, 19]),          // Visa
        Range(prefixDigits: 2, low: 51, high: 55, lengths: 16...16, exactLengths: nil),               // Mastercard
        Range(prefixDigits: 4, low: 2221, high: 2720, lengths: 16...16, exactLengths: nil),           // Mastercard
        Range(prefixDigits: 2, low: 34, high: 34, lengths: 15...15, exactLengths: nil),               // Amex
        Range(prefixDigits: 2, low: 37, high: 37, lengths: 15...15, exactLengths: nil),               // Amex
        Range(prefixDigits: 4, low: 6011, high: 6011, lengths: 16...19, exactLengths: nil),           // Discover
        Range(prefixDigits: 3, low: 644, high: 649, lengths: 16...19, exactLengths: nil),             // Discover
        Range(prefixDigits: 2, low: 65, high: 65, lengths: 16...19, exactLengths: nil),               // Discover
        Range(prefixDigits: 4, low: 3528, high: 3589, lengths: 16...19, exactLengths: nil),           // JCB
        Range(prefixDigits: 2, low: 36, high: 36, lengths: 14...19, exactLengths: nil),               // Diners
        Range(prefixDigits: 3, low: 300, high: 305, lengths: 14...19, exactLengths: nil),             // Diners
        Range(prefixDigits: 2, low: 38, high: 39, lengths: 14...19, exactLengths: nil),               // Diners
        Range(prefixDigits: 2, low: 62, high: 62, lengths: 16...19, exactLengths: nil),               // UnionPay
        Range(prefixDigits: 2, low: 50, high: 50, lengths: 13...19, exactLengths: nil),               // Maestro
        Range(prefixDigits: 2, low: 56, high: 69, lengths: 13...19, exactLengths: nil),               // Maestro
    ]

    /// Whether some issuer gives out numbers with this prefix and this many digits.
    public static func issues(_ digits: UnsafePointer<UInt8>, count: Int) -> Bool {
        for range in ranges {
            guard range.lengths.contains(count) else { continue }
            if let exact = range.exactLengths, !exact.contains(count) { continue }
            var prefix = 0
            for index in 0..<range.prefixDigits { prefix = prefix * 10 + Int(digits[index]) }
            if prefix >= range.low && prefix <= range.high { return true }
        }
        return false
    }

    /// A card number: an issuer's prefix and length, and the Luhn check.
    public static func isValidCardNumber(_ digits: UnsafePointer<UInt8>, count: Int) -> Bool {
        (13...19).contains(count) && issues(digits, count: count) && Luhn.isValid(digits, count: count)
    }
}
