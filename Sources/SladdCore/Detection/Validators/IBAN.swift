/// International Bank Account Numbers (ISO 13616): country length and the mod-97 check.
public enum IBAN {
    /// Total IBAN length per country, from the SWIFT IBAN registry, as a 26 × 26 table of uppercase
    /// letter pairs (0: no IBAN). A dictionary lookup hashed the country of every candidate.
    static let lengthTable: [UInt8] = {
        let table: [(String, Int)] = [
            ("AD", 24), ("AE", 23), ("AL", 28), ("AT", 20), ("AZ", 28), ("BA", 20), ("BE", 16), ("BG", 22),
            ("BH", 22), ("BI", 27), ("BR", 29), ("BY", 28), ("CH", 21), ("CR", 22), ("CY", 28), ("CZ", 24),
            ("DE", 22), ("DJ", 27), ("DK", 18), ("DO", 28), ("EE", 20), ("EG", 29), ("ES", 24), ("FI", 18),
            ("FK", 18), ("FO", 18), ("FR", 27), ("GB", 22), ("GE", 22), ("GI", 23), ("GL", 18), ("GR", 27),
            ("GT", 28), ("HN", 28), ("HR", 21), ("HU", 28), ("IE", 22), ("IL", 23), ("IQ", 23), ("IS", 26),
            ("IT", 27), ("JO", 30), ("KW", 30), ("KZ", 20), ("LB", 28), ("LC", 32), ("LI", 21), ("LT", 20),
            ("LU", 20), ("LV", 21), ("LY", 25), ("MC", 27), ("MD", 24), ("ME", 22), ("MK", 19), ("MN", 20),
            ("MR", 27), ("MT", 31), ("MU", 30), ("NI", 28), ("NL", 18), ("NO", 15), ("OM", 23), ("PK", 24),
            ("PL", 28), ("PS", 29), ("PT", 25), ("QA", 29), ("RO", 24), ("RS", 22), ("RU", 33), ("SA", 24),
            ("SC", 31), ("SD", 18), ("SE", 24), ("SI", 19), ("SK", 24), ("SM", 27), ("SO", 23), ("ST", 25),
            ("SV", 28), ("TL", 23), ("TN", 24), ("TR", 26), ("UA", 29), ("VA", 22), ("VG", 24), ("XK", 20),
            ("YE", 30),
        ]
        var lengths = [UInt8](repeating: 0, count: 26 * 26)
        for (country, length) in table {
            let bytes = Array(country.utf8)
            lengths[Int(bytes[0] - 0x41) * 26 + Int(bytes[1] - 0x41)] = UInt8(length)
        }
        return lengths
    }()

    /// The IBAN length of a country given as two uppercase ASCII letters, or nil when it has none.
    public static func length(countryFirst first: UInt8, second: UInt8) -> Int? {
        let first = first &- 0x41, second = second &- 0x41
        guard first < 26, second < 26 else { return nil }
        let length = lengthTable[Int(first) * 26 + Int(second)]
        return length == 0 ? nil : Int(length)
    }

    /// Validates `count` uppercase ASCII letters and digits (no spaces) as an IBAN.
    public static func isValid(_ characters: UnsafePointer<UInt8>, count: Int) -> Bool {
        guard count >= 5, let expected = length(countryFirst: characters[0], second: characters[1]),
              expected == count,
              isDigit(characters[2]), isDigit(characters[3])
        else { return false }
        // Move the country and check digits to the end; letters count as 10...35. Computed piecewise.
        // The rotation subtracts `count` past the end: a `% count` per character was a hardware
        // division each (a line of `NO93 NO93 …` spent most of its time there). The remainder is
        // taken once per 15 digits or more, not per character: below 97 · 10^16 + 10^16, the value
        // fits 64 bits (a third of the validator's instructions went to the per-character `% 97`).
        var value: UInt64 = 0
        var digitsSinceReduction = 0
        for step in 0..<count {
            let offset = step + 4 < count ? step + 4 : step + 4 - count
            let byte = characters[offset]
            if isDigit(byte) {
                value = value &* 10 &+ UInt64(byte &- 0x30)
                digitsSinceReduction &+= 1
            } else if byte >= 0x41 && byte <= 0x5A {
                value = value &* 100 &+ UInt64(byte &- 0x41 &+ 10)
                digitsSinceReduction &+= 2
            } else {
                return false
            }
            if digitsSinceReduction >= 15 {
                value %= 97
                digitsSinceReduction = 0
            }
        }
        guard value % 97 == 1 else { return false }
        // A Norwegian BBAN is a kontonummer with its own mod-11 check.
        if characters[0] == 0x4E && characters[1] == 0x4F {
            var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
                (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
            return withUnsafeMutableBytes(of: &digits) { raw in
                let buffer = raw.bindMemory(to: UInt8.self)
                for index in 0..<11 {
                    let byte = characters[4 + index]
                    guard isDigit(byte) else { return false }
                    buffer[index] = byte - 0x30
                }
                return BankAccountNumber.isValid(buffer.baseAddress!)
            }
        }
        return true
    }

    @inline(__always)
    private static func isDigit(_ byte: UInt8) -> Bool { byte &- 0x30 < 10 }
}
