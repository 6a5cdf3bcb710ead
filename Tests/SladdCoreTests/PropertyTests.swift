import Testing
@testable import SladdCore

/// The invariants of ARCHITECTURE.md, each over a few thousand generated lines (seeded, replayable).
@Suite("Invariants")
struct PropertyTests {
    static let seeds: [UInt64] = [1, 2, 3, 42]

    @Test("Clean input comes out byte-identical", arguments: seeds)
    func cleanInputIsUnchanged(seed: UInt64) throws {
        var random = SeededRandom(seed: seed)
        let lines = (0..<2000).map { _ in Generate.cleanLine(&random) }
        let input = Array((lines.joined(separator: "\n") + "\n").utf8)
        let output = try Fixture.mask(bytes: input)
        if output != input {
            let changed = zip(String(decoding: input, as: UTF8.self).split(separator: "\n"),
                              String(decoding: output, as: UTF8.self).split(separator: "\n")).first { $0 != $1 }
            Issue.record("changed: \(String(describing: changed))")
        }
    }

    @Test("No valid identifier survives, wherever it sits", arguments: seeds)
    func noIdentifierSurvives(seed: UInt64) throws {
        var random = SeededRandom(seed: seed)
        var planted: [String] = []
        var lines: [String] = []
        let wrappers = [("", ""), (" ", " "), ("=", ";"), ("\"", "\""), ("(", ")"), ("<", ">"), (":", ","), ("[", "]"), ("\t", "\r")]
        for _ in 0..<1500 {
            var words = (0..<Int.random(in: 0...8, using: &random)).map { _ in Generate.cleanWord(&random) }
            let identifier = Generate.identifier(&random)
            let (open, close) = wrappers.randomElement(using: &random)!
            words.insert(open + identifier + close, at: Int.random(in: 0...words.count, using: &random))
            planted.append(identifier)
            lines.append(words.joined(separator: " "))
        }
        let output = try Fixture.mask(bytes: Array(lines.joined(separator: "\n").utf8))
        // Split bytes, not Characters: Swift reads "\r\n" as one Character.
        let outputLines = output.split(separator: 0x0A, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        #expect(outputLines.count == lines.count)
        for (index, identifier) in planted.enumerated() where index < outputLines.count {
            #expect(!outputLines[index].contains(identifier), "line \(index) still holds \(identifier): \(outputLines[index])")
        }
    }

    @Test("Masking twice equals masking once", arguments: ["token", "mask", "hash", "partial:4"])
    func maskingIsIdempotent(action: String) throws {
        var random = SeededRandom(seed: 99)
        var lines: [String] = []
        for _ in 0..<800 {
            var words = (0..<Int.random(in: 0...6, using: &random)).map { _ in Generate.cleanWord(&random) }
            words.insert(Generate.identifier(&random), at: Int.random(in: 0...words.count, using: &random))
            if Bool.random(using: &random) { words.append("password=\(Generate.cleanWord(&random))") }
            lines.append(words.joined(separator: " "))
        }
        let input = lines.joined(separator: "\n")
        let configure: (inout RuleSet) throws -> Void = { try $0.overrideActions(["*=\(action)"]) }
        let once = try Fixture.mask(input, configure)
        let twice = try Fixture.mask(once, configure)
        #expect(once != input)
        if once != twice {
            let pairs = zip(once.utf8.split(separator: 0x0A), twice.utf8.split(separator: 0x0A))
            let first = pairs.first { !$0.elementsEqual($1) }.map { (String(decoding: $0, as: UTF8.self), String(decoding: $1, as: UTF8.self)) }
            Issue.record("masking again changed \(String(describing: first))")
        }
    }

    @Test("Lines out equal lines in; endings and odd bytes kept", arguments: seeds)
    func lineStructureIsKept(seed: UInt64) throws {
        var random = SeededRandom(seed: seed)
        var input: [UInt8] = []
        for _ in 0..<3000 {
            var line = Array(Generate.cleanLine(&random).utf8)
            if Int.random(in: 0..<5, using: &random) == 0 { line += Array(Generate.identifier(&random).utf8) }
            if Int.random(in: 0..<10, using: &random) == 0 { line += [0x00, 0xFF, 0xC3, 0x28, 0xE2, 0x82] }  // NUL, invalid UTF-8
            input += line
            input += Bool.random(using: &random) ? [0x0D, 0x0A] : [0x0A]
        }
        input += Array("last line without newline".utf8)
        let output = try Fixture.mask(bytes: input)
        #expect(output.filter { $0 == 0x0A }.count == input.filter { $0 == 0x0A }.count)
        #expect(output.filter { $0 == 0x0D }.count == input.filter { $0 == 0x0D }.count)
        #expect(output.last == input.last)
        #expect(output.filter { $0 == 0x00 }.count == input.filter { $0 == 0x00 }.count)
    }

    /// Read boundaries fall anywhere in a pipe; they must not change a single output byte.
    @Test("Output does not depend on how the input is split into reads", arguments: [1, 7, 64, 4093])
    func readSplitsDoNotMatter(chunkSize: Int) throws {
        var random = SeededRandom(seed: UInt64(chunkSize))
        let lines = (0..<400).map { _ in Generate.cleanLine(&random) + " " + Generate.identifier(&random) }
        let input = Array(lines.joined(separator: "\n").utf8)
        #expect(try Fixture.mask(bytes: input, chunkSize: chunkSize) == Fixture.mask(bytes: input))
    }

    /// A line far over the limit is masked in windows; identifiers on every window seam are still found.
    @Test("Oversize lines: no identifier slips through a window seam", arguments: [4096, 5000])
    func oversizeLinesAreMaskedAcrossSeams(limit: Int) throws {
        var configuration = StreamFilter.Configuration()
        configuration.maxLineBytes = limit
        configuration.readSize = 3000
        var random = SeededRandom(seed: UInt64(limit))
        var line = ""
        var planted: [String] = []
        while line.utf8.count < 40_000 {
            line += Generate.cleanWord(&random) + " "
            if Int.random(in: 0..<8, using: &random) == 0 {
                let identifier = Generate.identifier(&random)
                planted.append(identifier)
                line += identifier + " "
            }
        }
        let input = Array((line + "\nshort 01019012480\n").utf8)
        for chunkSize in [977, 4096, .max] {
            let filter = try Fixture.filter(configuration: configuration)
            var source = BytesSource(input, chunkSize: chunkSize)
            var sink = BytesSink()
            try filter.run(from: &source, to: &sink)
            let output = String(decoding: sink.bytes, as: UTF8.self)
            for identifier in planted { #expect(!output.contains(identifier), "\(identifier) survived (chunk \(chunkSize))") }
            #expect(output.hasSuffix("\nshort [fnr]\n"))
            #expect(filter.counters.lines == 2)
            #expect(filter.counters.oversizeLines == 1)
            #expect(output == String(decoding: try Fixture.mask(bytes: input), as: UTF8.self))
        }
    }

    /// A line is oversize by its length, not by where reads end: a line of the limit or more is
    /// counted (and cut into windows) also when its newline comes in the read that takes it past the
    /// limit, which one read of a pipe often does and a `--jobs` block, read from a line start,
    /// did not. Lines one byte either side of the limit, and lines longer than a read.
    @Test("Oversize lines are counted by their length, whatever the reads", arguments: [977, 3000, 4093, Int.max])
    func oversizeLinesAreCountedByLength(chunkSize: Int) throws {
        var configuration = StreamFilter.Configuration()
        configuration.maxLineBytes = 4096
        configuration.readSize = 3000
        var random = SeededRandom(seed: 11)
        let lengths = [100, 4095, 4096, 4097, 5000, 7095, 9000, 300, 4096, 12_000, 50]
        var input: [UInt8] = []
        for length in lengths {
            var line = Generate.identifier(&random) + " "
            while line.utf8.count < length { line += Generate.cleanWord(&random) + " " }
            input += Array(line.utf8.prefix(length)) + [0x0A]
        }
        let filter = try Fixture.filter(configuration: configuration)
        var source = BytesSource(input, chunkSize: chunkSize)
        var sink = BytesSink()
        try filter.run(from: &source, to: &sink)
        #expect(filter.counters.oversizeLines == lengths.filter { $0 >= 4096 }.count)
        #expect(filter.counters.lines == lengths.count)
        #expect(sink.bytes == (try Fixture.mask(bytes: input, chunkSize: 1, configuration: configuration)))
    }

    /// Full-size hostile inputs (100 MiB of digits and more) run in Benchmarks/hostile.sh on the release
    /// build; here they are small enough for a debug build, and check the outcome, not the time.
    @Test("Hostile input passes through unchanged, or masked where it should be")
    func hostileInputs() throws {
        var configuration = StreamFilter.Configuration()
        configuration.maxLineBytes = 16 << 10
        let unchanged: [[UInt8]] = [
            Array(repeating: 0x31, count: 256 << 10),                       // digits, no newline
            Array(String(repeating: "a@", count: 64 << 10).utf8),           // @ after @
            Array(String(repeating: "@", count: 128 << 10).utf8),
            Array(String(repeating: "1 ", count: 64 << 10).utf8),           // endless spaced groups
            Array(String(repeating: "0101901248 ", count: 10_000).utf8),    // near misses
            Array(String(repeating: "NO93 ", count: 20_000).utf8),
        ]
        for input in unchanged {
            #expect(try Fixture.mask(bytes: input, configuration: configuration) == input)
        }
        let secrets = Array(String(repeating: "password=", count: 10_000).utf8)
        let output = String(decoding: try Fixture.mask(bytes: secrets, configuration: configuration), as: UTF8.self)
        #expect(output.hasPrefix("password=[secret]") && !output.contains("password=password"))
    }

    /// `prefilter_lead` only skips starts that cannot begin a match: lines dense with the secret
    /// rules' keywords (glued to letters, repeated, in JSON, cut by a small window, more than the
    /// masker gathers) come out the same as when every regex runs over whole lines.
    @Test("A prefilter_lead changes no output", arguments: seeds)
    func prefilterLeadChangesNothing(seed: UInt64) throws {
        var random = SeededRandom(seed: seed)
        let keys: [String] = [
            "password", "PassWord", "passwd", "passphrase", "secret", "client_secret", "SharedAccessKey",
            "xsharedaccesskey", "AccountKey", "api-key", "api_key", "apikey", "secret_key", "private-key",
            "token", "xtoken", "Bearer", "bearer", "Authorization", "fnr", "fødselsnummer", "foedselsnummer",
            "f\\u00f8dselsnummer", "personnr", "ssn", "birth_number", "postgres", "clickhousesecure",
            "x.clickhousesecure", "https", "git+ssh", "a", "[fnr",
        ]
        let separators: [String] = ["=", ": ", "\":\"", "://", "'=", " ", "", "]=", "\\\":\\\""]
        let values: [String] = [
            "hunter2", "\"quoted value\"", "u:p@host", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.sig",
            "AKIAIOSFODNN7EXAMPLE", "ghp_abcdefghijklmnopqrstuvwxyzABCDEF0123", "xoxb-1234567890-abc",
            "AIzaSyA-abcdefghijklmnopqrstuvwxyz012345", "{", "[x]", "01019012480", "abcdefghijklmnop1234",
        ]
        var text = ""
        for _ in 0..<1500 {
            var line = ""
            // Some lines hold more literals than the masker gathers starts for (16).
            let groups = Int.random(in: 0..<5, using: &random) == 0 ? Int.random(in: 17...30, using: &random)
                                                                     : Int.random(in: 1...8, using: &random)
            for _ in 0..<groups {
                if Int.random(in: 0..<4, using: &random) == 0 {
                    line += Generate.cleanWord(&random)
                    line += " "
                } else {
                    line += keys.randomElement(using: &random)!
                    line += separators.randomElement(using: &random)!
                    line += values.randomElement(using: &random)!
                    line += Bool.random(using: &random) ? " " : ","
                }
            }
            if Bool.random(using: &random) {
                text += "{\"msg\":\"" + line + "\",\"n\":1}\n"
            } else {
                text += line + "\n"
            }
        }
        let input: [UInt8] = Array(text.utf8)

        var packs = try RuleSet.builtinPacks()
        var leads = 0
        for pack in packs.indices {
            for index in packs[pack].rules.indices {
                guard case .regex(var spec) = packs[pack].rules[index].detector, spec.prefilterLead != nil else { continue }
                leads += 1
                spec.prefilterLead = nil
                packs[pack].rules[index].detector = .regex(spec)
            }
        }
        #expect(leads >= 3)
        let wholeLines = try RuleSet(packs: packs, pseudonymKey: Array("0123456789abcdef-test-key".utf8))

        var small = StreamFilter.Configuration()
        small.maxLineBytes = 4096
        small.readSize = 1500
        for configuration in [StreamFilter.Configuration(), small] {
            let near = try StreamFilter(ruleSet: Fixture.ruleSet(), configuration: configuration)
            let whole = try StreamFilter(ruleSet: wholeLines, configuration: configuration)
            let nearOutput: [UInt8] = near.mask(input)
            let wholeOutput: [UInt8] = whole.mask(input)
            let nearLines = nearOutput.split(separator: 0x0A, omittingEmptySubsequences: false)
            let wholeLinesOut = wholeOutput.split(separator: 0x0A, omittingEmptySubsequences: false)
            if let (a, b) = zip(nearLines, wholeLinesOut).first(where: { $0.0 != $0.1 }) {
                Issue.record("with the lead: \(String(decoding: a, as: UTF8.self))\nwhole lines:   \(String(decoding: b, as: UTF8.self))")
            }
            let sameOutput = nearOutput == wholeOutput  // not the arrays in the message: megabytes of numbers
            #expect(sameOutput)
            #expect(near.counters == whole.counters)
        }
    }
}
