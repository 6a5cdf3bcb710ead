import Testing
@testable import SladdCore

@Suite("Validators")
struct ValidatorTests {
    private func check(_ text: String, _ validate: (UnsafePointer<UInt8>, Int) -> Bool) -> Bool {
        let values = Generate.digits(text)
        return values.withUnsafeBufferPointer { validate($0.baseAddress!, $0.count) }
    }

    @Test("Fødselsnummer accepted", arguments: [
        "02016126007",   // matematikk.org worked example
        "01019012480", "15038545660", "31129998787",
        "29020051386",   // 29 February 2000
        "41019012393",   // D-nummer
        "01509012330",   // H-nummer
        "01819012365",   // Tenor synthetic (month + 80)
        "41819010186",   // synthetic D-nummer
    ])
    func fodselsnummerAccepted(_ number: String) {
        #expect(check(number) { digits, _ in NorwegianIdentityNumber.isValid(digits) })
    }

    @Test("Fødselsnummer rejected", arguments: [
        "01019012481",   // control digit 2 wrong
        "01019012490",   // control digit 1 wrong
        "30029010281",   // 30 February
        "29020010027",   // 29 February 1900
        "01139010074",   // month 13
        "01014060029",   // individual number 500-749 with year 40
        "00019012345", "81234510053",
    ])
    func fodselsnummerRejected(_ number: String) {
        #expect(!check(number) { digits, _ in NorwegianIdentityNumber.isValid(digits) })
    }

    /// Every number with valid control digits is accepted exactly when its date is real: the whole
    /// control-digit space of one individual number, against a reference written from IDENTIFIERS.md.
    @Test func fodselsnummerAgreesWithReferenceOnEveryDate() {
        var accepted = 0
        for month in 1...92 {
            for day in 1...71 {
                let stem = Generate.pad(day, 2) + Generate.pad(month, 2) + "84" + "123"
                guard let number = Generate.withControlDigits(stem) else { continue }
                let realDay = day > 40 ? day - 40 : day
                let realMonth = month > 80 ? month - 80 : (month > 40 ? month - 40 : month)
                let expected = CalendarDate.isValid(year: 1984, month: realMonth, day: realDay)
                    && ![13...40, 53...80].contains(where: { $0.contains(month) })
                    && !(32...40).contains(day)
                #expect(check(number) { digits, _ in NorwegianIdentityNumber.isValid(digits) } == expected, "\(number)")
                if expected { accepted += 1 }
            }
        }
        #expect(accepted > 1000)
    }

    @Test func fodselsnummerChecksumCatchesEverySingleDigitError() {
        let valid = "01019012480"
        for position in 0..<11 {
            for replacement in 0...9 {
                var digits = Array(valid)
                guard String(digits[position]) != String(replacement) else { continue }
                digits[position] = Character(String(replacement))
                #expect(!check(String(digits)) { d, _ in NorwegianIdentityNumber.hasValidControlDigits(d, options: .init()) },
                        "\(String(digits))")
            }
        }
    }

    @Test func controlsFrom2032AreOptIn() {
        // Control digit 1 leaves remainder 1 here: invalid today, valid under the 2032 rules.
        let stem = "010190123"
        var found: String?
        for k1 in 0...9 {
            for k2 in 0...9 {
                let number = stem + String(k1) + String(k2)
                let values = Generate.digits(number)
                let relaxed = values.withUnsafeBufferPointer {
                    NorwegianIdentityNumber.isValid($0.baseAddress!, options: .init(acceptControlsFrom2032: true))
                }
                let strict = values.withUnsafeBufferPointer { NorwegianIdentityNumber.isValid($0.baseAddress!) }
                if relaxed && !strict { found = number }
            }
        }
        #expect(found != nil)
    }

    @Test("Kontonummer", arguments: [("86011117947", true), ("12345678903", true), ("97100501027", true),
                                     ("86011117948", false), ("12345678901", false)])
    func bankAccount(_ number: String, _ valid: Bool) {
        #expect(check(number) { digits, _ in BankAccountNumber.isValid(digits) } == valid)
    }

    @Test("Card numbers", arguments: [
        ("4111111111111111", true), ("5555555555554444", true), ("378282246310005", true),
        ("6011111111111117", true), ("3530111333300000", true), ("2223003122003222", true),
        ("4222222222222", true),             // 13-digit Visa
        ("4111111111111112", false),         // Luhn
        ("1234567812345670", false),         // Luhn-valid, no issuer starts with 1
        ("4111111111111", false),            // Visa has no 13-digit number with this check
        ("378282246310005000", false),       // Amex is 15 digits only
    ])
    func cards(_ number: String, _ valid: Bool) {
        #expect(check(number) { digits, count in PaymentCardIssuer.isValidCardNumber(digits, count: count) } == valid)
    }

    @Test("IBAN", arguments: [
        ("NO9386011117947", true), ("GB82WEST12345698765432", true), ("DE89370400440532013000", true),
        ("FR1420041010050500013M02606", true), ("NL91ABNA0417164300", true), ("SE4550000000058398257466", true),
        ("DK5000400440116243", true), ("FI2112345600000785", true),
        ("NO9386011117948", false), ("GB82WEST12345698765433", false), ("XX9386011117947", false),
        ("NO938601111794", false),
        // The longest and the most lettered (each letter is two digits of the number mod 97).
        ("MT84MALT011000012345MTLCAST001S", true), ("LC55HEMM000100010012001200023015", true),
        ("RU0204452560040702810412345678901", true), ("MT84MALT011000012345MTLCAST001T", false),
        // Not a country: bytes beside A-Z and the rotation past a short or odd string.
        ("@O9386011117947", false), ("N[9386011117947", false), ("no9386011117947", false), ("NO93 ", false),
    ])
    func iban(_ text: String, _ valid: Bool) {
        let bytes = Array(text.utf8)
        #expect(bytes.withUnsafeBufferPointer { IBAN.isValid($0.baseAddress!, count: $0.count) } == valid)
    }

    @Test func generatedIdentifiersValidate() {
        var random = SeededRandom(seed: 7)
        for _ in 0..<2000 {
            #expect(check(Generate.fodselsnummer(&random)) { d, _ in NorwegianIdentityNumber.isValid(d) })
            #expect(check(Generate.card(&random)) { d, c in PaymentCardIssuer.isValidCardNumber(d, count: c) })
            let iban = Array(Generate.norwegianIBAN(&random).utf8)
            #expect(iban.withUnsafeBufferPointer { IBAN.isValid($0.baseAddress!, count: $0.count) })
        }
    }
}
