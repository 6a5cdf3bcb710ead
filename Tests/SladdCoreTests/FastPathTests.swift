import CSladdSIMD
import Testing
@testable import SladdCore

/// The hot-path filters against the plain search they stand in for, on generated text dense in the
/// bytes they react to. A filter that skips too much would leak; these tests say where.
@Suite("Fast paths agree with the plain search")
struct FastPathTests {
    /// Words that put digits, letters, `+`, `@` and separators next to each other in every way.
    static func denseLine(_ random: inout SeededRandom) -> String {
        (0..<Int.random(in: 1...30, using: &random)).map { _ -> String in
            switch Int.random(in: 0..<10, using: &random) {
            case 0: Generate.identifier(&random)
            case 1: "NO" + Generate.cleanWord(&random)
            case 2: "+" + String(Int.random(in: 0...99_999_999_999, using: &random))
            case 3: String(Int.random(in: 0...999_999_999_999_999_999, using: &random))
            case 4: String((0..<Int.random(in: 1...5, using: &random)).map { _ in "ab1@+.-NO47 ".randomElement(using: &random)! })
            case 5: "\u{1B}[32m" + Generate.identifier(&random)
            case 6, 7: groupedDigits(&random)
            default: Generate.cleanWord(&random)
            }
        }.joined(separator: ["", " ", "-", ".", "\t"].randomElement(using: &random)!)
    }

    /// Identifiers written in groups (`010190 12345`, `4111-1111-1111-1111`, `1234.56.78903`,
    /// `0047 …`) and digit groups of random lengths and separators: the block filter judges a run by
    /// its length and the group after it, so these are where it could skip too much.
    static func groupedDigits(_ random: inout SeededRandom) -> String {
        func split(_ digits: String, _ lengths: [Int], _ separators: [Character]) -> String {
            var rest = Substring(digits), parts: [Substring] = []
            for length in lengths where !rest.isEmpty {
                parts.append(rest.prefix(length))
                rest = rest.dropFirst(length)
            }
            if !rest.isEmpty { parts.append(rest) }
            let separator = String(separators.randomElement(using: &random)!)
            return parts.joined(separator: separator)
        }
        switch Int.random(in: 0..<6, using: &random) {
        case 0: return split(Generate.fodselsnummer(&random), [6, 5], [" ", "-"])
        case 1: return split(Generate.card(&random), [4, 4, 4, 4], [" ", "-"])
        case 2: return split(String(Generate.norwegianIBAN(&random).dropFirst(4)), [4, 2, 5], [".", " "])
        case 3: return "0047" + String(Int.random(in: 40_000_000...99_999_999, using: &random))
        case 4: return "\u{1B}[0m" + split(Generate.fodselsnummer(&random), [6, 5], [" "])
        default:
            let lengths = (0..<Int.random(in: 2...4, using: &random)).map { _ in Int.random(in: 1...7, using: &random) }
            let digits = (0..<lengths.reduce(0, +)).map { _ in String(Int.random(in: 0...9, using: &random)) }.joined()
            return split(digits, lengths, [" ", "-", ".", "0"])
        }
    }

    @Test("The block filter and the start filter find what the detectors find at every digit run",
          arguments: [1, 2, 3, 4] as [UInt64])
    func blockFilterMatchesEveryTriggerScan(seed: UInt64) {
        var random = SeededRandom(seed: seed)
        var configuration = BuiltinScanner.Configuration()
        (configuration.fodselsnummer, configuration.fhNumber, configuration.bankAccount) = (0, 1, 2)
        (configuration.paymentCard, configuration.phone, configuration.iban, configuration.email) = (3, 4, 5, 6)
        let scanner = BuiltinScanner(configuration: configuration)
        for _ in 0..<300 {
            let line = Array(Self.denseLine(&random).utf8)
            // Every start offset, so block edges fall everywhere and windows start mid-line.
            for lower in [0, 1, 7, 33, 63].filter({ $0 <= line.count }) {
                line.withUnsafeBufferPointer { buffer in
                    let region = ScanRegion(base: buffer.baseAddress!, lowerBound: lower, upperBound: buffer.count,
                                            startsAtLineStart: lower == 0)
                    var fast: [Match] = [], plain: [Match] = []
                    var fastCounters = Counters(ruleCount: 7), plainCounters = Counters(ruleCount: 7)
                    // The plain way hands every digit run to the detectors: neither the block filter
                    // nor `mayStartIdentifier` may turn away a run a detector would take.
                    scanner.scan(region, into: &fast, counters: &fastCounters, filteringBlocks: true)
                    scanner.scan(region, into: &plain, counters: &plainCounters, filteringBlocks: false, filteringStarts: false)
                    #expect(fast == plain, "\(String(decoding: line, as: UTF8.self)) from \(lower)")
                    #expect(fastCounters == plainCounters, "\(String(decoding: line, as: UTF8.self)) from \(lower)")
                }
            }
        }
    }

    @Test("The block pass gives the same answers with AVX2 as without SIMD", arguments: [1, 2, 3] as [UInt64])
    func blockPassAgreesWithPortablePass(seed: UInt64) {
        var random = SeededRandom(seed: seed)
        for _ in 0..<400 {
            // Dense lines, now and then with raw bytes between them; random bounds, block counts
            // (also past 64, where a call stops) and carried classes of the block before.
            var text: [UInt8] = []
            while text.count < Int.random(in: 0...5_000, using: &random) {
                text += Array(Self.denseLine(&random).utf8) + [0x0A]
                if Bool.random(using: &random) { text += (0..<Int.random(in: 0...40, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) } }
            }
            let from = Int.random(in: 0...text.count, using: &random)
            let to = Int.random(in: from...text.count, using: &random)
            let count = Int.random(in: 0...70, using: &random)
            let flags = UInt32.random(in: 0...3, using: &random)
            var first = sladd_byte_classes(digits: .random(in: 0...UInt64.max, using: &random), plus: .random(in: 0...UInt64.max, using: &random),
                                           letters: .random(in: 0...UInt64.max, using: &random), dots: .random(in: 0...UInt64.max, using: &random),
                                           ems: .random(in: 0...UInt64.max, using: &random))
            var second = first
            var blocks = [sladd_block_visits](repeating: .init(), count: 70), portable = blocks
            var visited: UInt64 = 0, visitedPortable: UInt64 = 0
            let (n, m) = text.withUnsafeBufferPointer { bytes in
                (sladd_visit_blocks(bytes.baseAddress, from, to, flags, &first, &blocks, count, &visited),
                 sladd_visit_blocks_portable(bytes.baseAddress, from, to, flags, &second, &portable, count, &visitedPortable))
            }
            #expect(n == m)
            #expect(visited == visitedPortable)
            for index in 0..<n {
                #expect(blocks[index].visits == portable[index].visits && blocks[index].digits == portable[index].digits
                        && blocks[index].at == portable[index].at, "block \(index) from \(from) to \(to)")
            }
            #expect(first.digits == second.digits && first.plus == second.plus && first.letters == second.letters
                    && first.dots == second.dots && first.ems == second.ems)
        }
    }

    @Test("Anchors are grouped into at most eight buckets, alike ones together")
    func anchorBuckets() {
        func key(_ text: String) -> Int { text.utf8.reduce(0) { $0 << 9 | Int($1 | 0x20) } }
        let few = ["tok", "key", "eyj"].map(key)
        #expect(Set(AnchorBuckets.assign(few, byteShare: { _ in 1 / 256 }).values).count == 3)
        // Nine anchors, two of which differ in one nibble only: those two share the one bucket left.
        let anchors = ["ghp", "ghq", "tok", "key", "eyj", "xox", "fnr", "ssn", "://"].map(key)
        let buckets = AnchorBuckets.assign(anchors, byteShare: { _ in 1 / 256 })
        #expect(Set(buckets.keys) == Set(anchors))
        #expect(Set(buckets.values).count == 8 && buckets.values.allSatisfy { (0..<8).contains($0) })
        #expect(buckets[key("ghp")] == buckets[key("ghq")])
        // Past 64 anchors the grouping starts from runs of sorted anchors; each still gets a bucket.
        let many = (0..<150).map { key("a" + String(UnicodeScalar(UInt8(97 + $0 % 26))) + String($0 / 26)) }
        let manyBuckets = AnchorBuckets.assign(many, byteShare: { _ in 1 / 256 })
        #expect(Set(manyBuckets.keys) == Set(many) && Set(manyBuckets.values) == Set(0..<8))
    }

    /// Dense texts (the literals' own bytes) hit in nearly every 32-byte step, and the filter returns
    /// at once; sparse ones (long runs of other bytes) run its loop over steps that admit nothing.
    @Test("The literal filter finds every literal a naive search finds", arguments: [
        (1, false), (2, false), (3, false), (4, false), (5, false), (6, true), (7, true), (8, true),
    ] as [(UInt64, Bool)])
    func literalFilterMatchesNaiveSearch(seed: UInt64, sparse: Bool) {
        var random = SeededRandom(seed: seed)
        let alphabet = Array("abcAB_-:/ke")
        for _ in 0..<60 {
            // Literals of 1 to 6 bytes; short ones exercise the wildcard anchors.
            let literals = (0..<Int.random(in: 1...12, using: &random)).map { _ in
                String((0..<Int.random(in: 1...6, using: &random)).map { _ in alphabet.randomElement(using: &random)! })
            }
            let set = LiteralSet(literals.enumerated().map { ($0.element, $0.offset) })
            let folded = literals.map { Array($0.lowercased().utf8) }
            let text = Array(String((0..<Int.random(in: 0...(sparse ? 1500 : 300), using: &random)).map { _ in
                sparse && Int.random(in: 0..<40, using: &random) != 0
                    ? Array("xyz 0").randomElement(using: &random)!
                    : (alphabet + Array("xyz 0")).randomElement(using: &random)!
            }).utf8)
            let lowered = text.map(ByteClass.lowercased)
            var expected = Set<[Int]>()
            for (index, literal) in folded.enumerated() where literal.count <= lowered.count {
                for start in 0...(lowered.count - literal.count) where Array(lowered[start..<start + literal.count]) == literal {
                    expected.insert([start, index])
                }
            }
            var found = Set<[Int]>()
            text.withUnsafeBufferPointer { buffer in
                guard let base = buffer.baseAddress else { return }
                set.forEachMatch(in: base, from: 0, to: buffer.count) { offset, literal in
                    found.insert([offset, literal])
                    return true
                }
                #expect((set.firstMatch(in: base, from: 0, to: buffer.count) != nil) == !expected.isEmpty)
            }
            #expect(found == expected, "literals \(literals) in \(String(decoding: text, as: UTF8.self))")
        }
    }

    @Test("The substring search finds the first occurrence a naive search finds", arguments: [1, 2, 3] as [UInt64])
    func substringSearchMatchesNaiveSearch(seed: UInt64) {
        var random = SeededRandom(seed: seed)
        // Text made of the needles' own bytes: near misses everywhere, hits across every 32-byte step.
        let alphabet = Array(#"",\st"#.utf8)
        for needle in [DockerRecord.valueEnd, Array(#"",""#.utf8), Array(#"""#.utf8), Array(#"","#.utf8)] {
            for _ in 0..<300 {
                var text = (0..<Int.random(in: 0...200, using: &random)).map { _ in alphabet.randomElement(using: &random)! }
                if Bool.random(using: &random) && text.count >= needle.count {
                    let at = Int.random(in: 0...(text.count - needle.count), using: &random)
                    text.replaceSubrange(at..<at + needle.count, with: needle)
                }
                let expected = text.count < needle.count ? nil
                    : (0...(text.count - needle.count)).first { Array(text[$0..<$0 + needle.count]) == needle }
                let found = text.withUnsafeBufferPointer { haystack in
                    needle.withUnsafeBufferPointer { needle in
                        sladd_memmem(haystack.baseAddress, haystack.count, needle.baseAddress, needle.count)
                            .map { UnsafeRawPointer($0) - UnsafeRawPointer(haystack.baseAddress!) }
                    }
                }
                #expect(found == expected, "\(String(decoding: needle, as: UTF8.self)) in \(String(decoding: text, as: UTF8.self))")
            }
        }
    }

    @Test("The newline count is the naive count, also where per-byte sums would overflow",
          arguments: [1, 2, 3] as [UInt64])
    func newlineCountMatchesNaiveCount(seed: UInt64) {
        var random = SeededRandom(seed: seed)
        // Lengths around the 64-byte step and the 255-step fold, text from all newlines to none.
        for length in [0, 1, 63, 64, 65, 16_319, 16_320, 16_321, 40_000, 100_003] {
            let share = Double.random(in: 0...1, using: &random)
            let text = (0..<length).map { _ in Double.random(in: 0..<1, using: &random) < share ? UInt8(0x0A) : UInt8(0x61) }
            let counted = text.withUnsafeBufferPointer { sladd_count_newlines($0.baseAddress, $0.count) }
            #expect(counted == text.filter { $0 == 0x0A }.count, "length \(length), newline share \(share)")
        }
        let newlines = [UInt8](repeating: 0x0A, count: 70_000)
        #expect(newlines.withUnsafeBufferPointer { sladd_count_newlines($0.baseAddress, $0.count) } == 70_000)
    }

    @Test("The IBAN shape from byte masks is the byte walk's", arguments: [1, 2, 3] as [UInt64])
    func ibanShapeFromMasksMatchesTheWalk(seed: UInt64) {
        var random = SeededRandom(seed: seed)
        let alphabet = Array("NO93x7 -.".utf8)
        for _ in 0..<4000 {
            let length = Int.random(in: 5...34, using: &random)
            // Mostly spellings of the right shape, compact or grouped, with a byte or two changed, so
            // that near misses at every position come up; the rest random.
            var text: [UInt8]
            if Int.random(in: 0..<4, using: &random) > 0 {
                let characters = (0..<length).map { _ in Array("NO93".utf8).randomElement(using: &random)! }
                text = Bool.random(using: &random) ? characters
                    : stride(from: 0, to: length, by: 4).map { Array(characters[$0..<min($0 + 4, length)]) }.joined(separator: [0x20]).map { $0 }
                for _ in 0..<Int.random(in: 0...2, using: &random) where !text.isEmpty {
                    text[Int.random(in: 0..<text.count, using: &random)] = alphabet.randomElement(using: &random)!
                }
                text += (0..<Int.random(in: 0...3, using: &random)).map { _ in alphabet.randomElement(using: &random)! }
            } else {
                text = (0..<Int.random(in: 0...48, using: &random)).map { _ in alphabet.randomElement(using: &random)! }
            }
            text = Array(text.prefix(48)) + [UInt8](repeating: 0, count: 48 - min(48, text.count))
            let walked = BuiltinScanner.ibanEnd(from: 0, length: length) { $0 < text.count ? text[$0] : 0 }
            var alphanumeric: UInt64 = 0, spaces: UInt64 = 0
            text.withUnsafeBufferPointer { sladd_alphanumeric_and_space_masks($0.baseAddress!, &alphanumeric, &spaces) }
            let masked = BuiltinScanner.ibanEnd(length: length, alphanumeric: alphanumeric, spaces: spaces)
            #expect(masked == walked, "length \(length): \(String(decoding: text, as: UTF8.self).debugDescription)")
        }
    }
}
