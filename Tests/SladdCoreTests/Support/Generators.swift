@testable import SladdCore

/// A small deterministic random source (SplitMix64), so a failing property run can be replayed by seed.
struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Makes valid identifiers and realistic clean log text.
enum Generate {
    static func digits(_ text: String) -> [UInt8] { text.utf8.map { $0 - 0x30 } }

    /// A valid fødselsnummer (or D-, H-, synthetic number) for a random real date.
    static func fodselsnummer(_ random: inout SeededRandom) -> String {
        while true {
            let year = Int.random(in: 1900...2039, using: &random)
            let month = Int.random(in: 1...12, using: &random)
            let day = Int.random(in: 1...CalendarDate.daysIn(month: month, year: year), using: &random)
            let individual: Int
            switch year {
            case 1900...1999: individual = Int.random(in: 0...499, using: &random)
            default: individual = Int.random(in: 500...999, using: &random)
            }
            let variant = Int.random(in: 0..<4, using: &random)
            let shownDay = variant == 1 ? day + 40 : day
            let shownMonth = variant == 2 ? month + 40 : (variant == 3 ? month + 80 : month)
            let stem = pad(shownDay, 2) + pad(shownMonth, 2) + pad(year % 100, 2) + pad(individual, 3)
            if let number = withControlDigits(stem) { return number }
        }
    }

    static func withControlDigits(_ stem: String) -> String? {
        let d = digits(stem)
        let w1 = [3, 7, 6, 1, 8, 9, 4, 5, 2]
        let w2 = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2]
        let k1 = (11 - zip(d, w1).map { Int($0) * $1 }.reduce(0, +) % 11) % 11
        guard k1 != 10 else { return nil }
        let k2 = (11 - zip(d + [UInt8(k1)], w2).map { Int($0) * $1 }.reduce(0, +) % 11) % 11
        guard k2 != 10 else { return nil }
        return stem + String(k1) + String(k2)
    }

    static func card(_ random: inout SeededRandom) -> String {
        let prefixes: [(String, Int)] = [("4", 16), ("51", 16), ("2221", 16), ("37", 15), ("6011", 16), ("3530", 16), ("62", 17)]
        let (prefix, length) = prefixes.randomElement(using: &random)!
        var body = prefix
        while body.count < length - 1 { body += String(Int.random(in: 0...9, using: &random)) }
        // Append the Luhn check digit.
        for check in 0...9 {
            let candidate = body + String(check)
            let values = digits(candidate)
            if values.withUnsafeBufferPointer({ Luhn.isValid($0.baseAddress!, count: $0.count) }) { return candidate }
        }
        fatalError("unreachable")
    }

    static func norwegianIBAN(_ random: inout SeededRandom) -> String {
        while true {
            let account = (0..<10).map { _ in String(Int.random(in: 0...9, using: &random)) }.joined()
            let weights = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2]
            let control = (11 - zip(digits(account), weights).map { Int($0) * $1 }.reduce(0, +) % 11) % 11
            guard control != 10 else { continue }
            let bban = account + String(control)
            // Check digits: 98 − (BBAN + "NO00" as digits) mod 97.
            var remainder = 0
            for character in (bban + "2324" + "00").utf8 { remainder = (remainder * 10 + Int(character - 0x30)) % 97 }
            return "NO" + pad(98 - remainder, 2) + bban
        }
    }

    static func email(_ random: inout SeededRandom) -> String {
        let names = ["ola", "kari.nordmann", "per+logs", "Anne_Lise", "x-y.z"]
        let domains = ["example.no", "nav.no", "Sub.Example.COM", "mail.firma.co.uk"]
        return names.randomElement(using: &random)! + String(Int.random(in: 0...99, using: &random)) + "@"
            + domains.randomElement(using: &random)!
    }

    static func phone(_ random: inout SeededRandom) -> String {
        let number = String(Int.random(in: 4...9, using: &random)) + (0..<7).map { _ in String(Int.random(in: 0...9, using: &random)) }.joined()
        let chars = Array(number)
        switch Int.random(in: 0..<4, using: &random) {
        case 0: return "+47" + number
        case 1: return "+47 " + String(chars[0..<3]) + " " + String(chars[3..<5]) + " " + String(chars[5..<8])
        case 2: return "+47 " + String(chars[0..<2]) + " " + String(chars[2..<4]) + " " + String(chars[4..<6]) + " " + String(chars[6..<8])
        default: return "0047 " + number
        }
    }

    /// One valid identifier of a random kind.
    static func identifier(_ random: inout SeededRandom) -> String {
        switch Int.random(in: 0..<5, using: &random) {
        case 0: fodselsnummer(&random)
        case 1: card(&random)
        case 2: norwegianIBAN(&random)
        case 3: email(&random)
        default: phone(&random)
        }
    }

    /// Words that look like logs but carry no identifier: ids, hashes, times, versions, near misses.
    static func cleanWord(_ random: inout SeededRandom) -> String {
        let hex = "0123456789abcdef"
        switch Int.random(in: 0..<12, using: &random) {
        case 0: return ["INFO", "WARN", "ERROR", "user", "logged", "in", "GET", "/api/v1/orders", "ok", "{", "}", "\"status\":"].randomElement(using: &random)!
        case 1: return "2025-11-02T10:15:32.\(Int.random(in: 100...999, using: &random))Z"
        case 2: return String((0..<Int.random(in: 8...40, using: &random)).map { _ in hex.randomElement(using: &random)! })
        case 3: return "blk_-\(UInt64.random(in: 1_000_000_000_000_000_000...9_000_000_000_000_000_000, using: &random))"
        case 4: return "v\(Int.random(in: 0...9, using: &random)).\(Int.random(in: 0...30, using: &random)).\(Int.random(in: 0...99, using: &random))"
        case 5: return "ts=17\(Int.random(in: 10_000_000_000...99_999_999_999, using: &random))"  // epoch millis
        case 6: return "java.lang.Object@\(String((0..<8).map { _ in hex.randomElement(using: &random)! }))"
        case 7: return "\(Int.random(in: 0...65535, using: &random))"
        case 8: return "10.\(Int.random(in: 0...255, using: &random)).\(Int.random(in: 0...255, using: &random)).1"
        case 9: return "user@host"
        case 10: return "æøå\u{00E9}"
        default: return "took=\(Int.random(in: 1...999, using: &random))ms"
        }
    }

    static func cleanLine(_ random: inout SeededRandom) -> String {
        (0..<Int.random(in: 1...14, using: &random)).map { _ in cleanWord(&random) }.joined(separator: " ")
    }

    static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
}

enum Fixture {
    static func ruleSet() throws -> RuleSet {
        try RuleSet(packs: RuleSet.builtinPacks(), pseudonymKey: Array("0123456789abcdef-test-key".utf8))
    }

    static func filter(_ configure: (inout RuleSet) throws -> Void = { _ in },
                       configuration: StreamFilter.Configuration = StreamFilter.Configuration()) throws -> StreamFilter {
        var ruleSet = try ruleSet()
        try configure(&ruleSet)
        return try StreamFilter(ruleSet: ruleSet, configuration: configuration)
    }

    static func mask(_ text: String, _ configure: (inout RuleSet) throws -> Void = { _ in }) throws -> String {
        let output = try filter(configure).mask(Array(text.utf8))
        return String(decoding: output, as: UTF8.self)
    }

    static func mask(bytes: [UInt8], chunkSize: Int = .max, configuration: StreamFilter.Configuration = StreamFilter.Configuration()) throws -> [UInt8] {
        let filter = try filter(configuration: configuration)
        var source = BytesSource(bytes, chunkSize: chunkSize)
        var sink = BytesSink()
        try filter.run(from: &source, to: &sink)
        return sink.bytes
    }
}
