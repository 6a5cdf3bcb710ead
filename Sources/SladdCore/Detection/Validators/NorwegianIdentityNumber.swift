/// Validation of Norwegian fødselsnummer and the numbers that share its checksum.
///
/// Eleven digits `DD MM YY III K1 K2` (see `docs/IDENTIFIERS.md` in the shared folder): both control
/// digits by mod-11 and a real calendar date, with the century taken from the individual number.
/// D-nummer add 40 to the day; H-nummer and NAV's synthetic identities add 40 to the month;
/// Skatteetaten's Tenor synthetic identities add 80 to the month.
public enum NorwegianIdentityNumber {
    static let firstControlWeights = StaticWeights(3, 7, 6, 1, 8, 9, 4, 5, 2)
    static let secondControlWeights = StaticWeights(5, 4, 3, 2, 7, 6, 5, 4, 3, 2)

    public struct Options: Sendable, Equatable {
        /// From 2032 the first control digit may leave the remainders 0, 1, 2 or 3 (Skatteetaten,
        /// "Nye fødselsnummer og d-nummer fra 2032"). Accepting them now roughly quadruples false
        /// positives, so it is off until such numbers exist.
        public var acceptControlsFrom2032: Bool

        public init(acceptControlsFrom2032: Bool = false) {
            self.acceptControlsFrom2032 = acceptControlsFrom2032
        }
    }

    /// Validates eleven digit values (0–9) as a fødselsnummer, D-, H- or synthetic number.
    public static func isValid(_ digits: UnsafePointer<UInt8>, options: Options = Options()) -> Bool {
        hasValidControlDigits(digits, options: options) && hasValidBirthDate(digits)
    }

    /// Both mod-11 control digits, nothing else (FH-nummer have no date).
    static func hasValidControlDigits(_ digits: UnsafePointer<UInt8>, options: Options) -> Bool {
        var firstSum = 0
        for index in 0..<9 { firstSum &+= Int(digits[index]) &* firstControlWeights[index] }
        let firstRemainder = (firstSum + Int(digits[9])) % 11
        if options.acceptControlsFrom2032 {
            guard firstRemainder <= 3 else { return false }
        } else {
            guard firstRemainder == 0, Mod11.controlDigit(forWeightedSum: firstSum) == Int(digits[9]) else {
                return false
            }
        }
        guard let second = Mod11.controlDigit(digits, weights: secondControlWeights) else { return false }
        return second == Int(digits[10])
    }

    static func hasValidBirthDate(_ digits: UnsafePointer<UInt8>) -> Bool {
        var day = Int(digits[0]) * 10 + Int(digits[1])
        var month = Int(digits[2]) * 10 + Int(digits[3])
        let shortYear = Int(digits[4]) * 10 + Int(digits[5])
        let individual = Int(digits[6]) * 100 + Int(digits[7]) * 10 + Int(digits[8])

        if day > 40 { day -= 40 }                       // D-nummer
        if month > 80 { month -= 80 }                   // Tenor synthetic identities
        else if month > 40 { month -= 40 }              // H-nummer, NAV synthetic identities

        guard let year = fullYear(shortYear: shortYear, individualNumber: individual) else { return false }
        return CalendarDate.isValid(year: year, month: month, day: day)
    }

    /// The century rules of the individual number; combinations outside them are never issued.
    static func fullYear(shortYear: Int, individualNumber: Int) -> Int? {
        switch individualNumber {
        case 0..<500: 1900 + shortYear
        case 500..<750 where shortYear >= 54: 1800 + shortYear
        case 500..<1000 where shortYear < 40: 2000 + shortYear
        case 900..<1000 where shortYear >= 40: 1900 + shortYear
        default: nil
        }
    }

    /// FH-nummer: first digit 8 or 9, no date, both control digits.
    public static func isValidFHNumber(_ digits: UnsafePointer<UInt8>) -> Bool {
        (digits[0] == 8 || digits[0] == 9) && hasValidControlDigits(digits, options: Options())
    }
}
