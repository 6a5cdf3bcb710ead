import Testing
@testable import SladdCore

/// `--jobs N` must be invisible in the output: the same bytes and counts as one core, whatever the
/// block edges cut (partial CRI records, lines over the limit, a last line without newline).
@Suite("Parallel stream")
struct ParallelTests {
    static let configuration: StreamFilter.Configuration = {
        var configuration = StreamFilter.Configuration()
        configuration.maxLineBytes = 4096
        configuration.readSize = 3000
        // `auto` looks for split records only in windows whose edge lines are CRI or Docker (a real
        // stream comes from one runtime); this input mixes formats line by line, so that choice would
        // follow the window edges. Naming the format makes the join independent of them.
        configuration.format = .cri
        return configuration
    }()

    /// Short lines with and without identifiers, CRI records whose fødselsnummer is split between a
    /// `P` record and the next, lines between the limit and the reader's buffer (masked whole by a
    /// worker), lines far over it (masked in windows by the reader), CRLF and odd bytes.
    static func input(seed: UInt64) -> (bytes: [UInt8], planted: [String]) {
        var random = SeededRandom(seed: seed)
        var text = ""
        var planted: [String] = []
        for index in 0..<600 {
            switch Int.random(in: 0..<40, using: &random) {
            case 0:
                let number = Generate.fodselsnummer(&random)
                planted.append(number)
                let cut = number.index(number.startIndex, offsetBy: Int.random(in: 1...10, using: &random))
                text += "2016-10-06T00:17:09.669794202Z stdout P user \(number[..<cut])\n"
                if Bool.random(using: &random) { text += "2016-10-06T00:17:09.669794203Z stderr F other stream\n" }
                text += "2016-10-06T00:17:09.669794204Z stdout F \(number[cut...]) done\n"
            case 1:
                var line = ""
                let target = Bool.random(using: &random) ? 5000 : 14_000
                while line.utf8.count < target {
                    line += Generate.cleanWord(&random) + " "
                    if Int.random(in: 0..<20, using: &random) == 0 {
                        let identifier = Generate.identifier(&random)
                        planted.append(identifier)
                        line += identifier + " "
                    }
                }
                text += line + "\n"
            case 2:
                text += Generate.cleanLine(&random) + "\u{FF}\u{0}\r\n"
            default:
                var line = Generate.cleanLine(&random)
                if index % 3 == 0 {
                    let identifier = Generate.identifier(&random)
                    planted.append(identifier)
                    line += " " + identifier
                }
                text += line + "\n"
            }
        }
        text += "last line without newline " + Generate.identifier(&random)
        return (Array(text.utf8), planted)
    }

    @Test("Same bytes and counters as one core", arguments: [(1, 2, Int.max), (2, 3, 4093), (3, 2, 977), (4, 4, 65536)])
    func sameAsOneCore(seed: UInt64, jobs: Int, chunkSize: Int) throws {
        let (input, planted) = Self.input(seed: seed)
        let ruleSet = try Fixture.ruleSet()

        let single = try StreamFilter(ruleSet: ruleSet, configuration: Self.configuration)
        var source = BytesSource(input, chunkSize: chunkSize)
        var expected = BytesSink()
        try single.run(from: &source, to: &expected)

        let parallel = try ParallelStreamFilter(ruleSet: ruleSet, configuration: Self.configuration, jobs: jobs, blockSize: 4096)
        source = BytesSource(input, chunkSize: chunkSize)
        var actual = BytesSink()
        try parallel.run(from: &source, to: &actual)

        #expect(actual.bytes.count == expected.bytes.count)
        if actual.bytes != expected.bytes {
            let pairs = zip(expected.bytes.split(separator: 0x0A), actual.bytes.split(separator: 0x0A))
            let first = pairs.first { !$0.elementsEqual($1) }.map { (String(decoding: $0, as: UTF8.self), String(decoding: $1, as: UTF8.self)) }
            Issue.record("first differing line (one core, parallel): \(String(describing: first))")
        }
        let output = String(decoding: actual.bytes, as: UTF8.self)
        for identifier in planted where output.contains(identifier) { Issue.record("\(identifier) survived") }

        let one = single.takeCounters(), many = parallel.takeCounters()
        #expect(many.lines == one.lines)
        #expect(many.oversizeLines == one.oversizeLines)
        #expect(many.bytesIn == input.count && one.bytesIn == input.count)
        #expect(many.bytesOut == actual.bytes.count)
        #expect(many.matches == one.matches)
        #expect(many.rejected == one.rejected)
        #expect(parallel.takeCounters().lines == 0, "taking the counters resets them")
    }

    /// A block with a line over the limit is masked where it lies, in the windows `run` cuts when it
    /// reads `readSize` bytes at a time: the same bytes and every counter the same, oversize lines and
    /// withheld lines included. Lines of `a…ab` make a backtracking rule hit its limit inside a window.
    @Test("A block with long lines is masked in place in the stream's windows", arguments: [5, 6, 7] as [UInt64])
    func blockWindowsAreTheStreams(seed: UInt64) throws {
        let hostile = try RulePack(yaml: RuleTests.backtrackingPack, file: "hostile.yaml")
        let ruleSet = try RuleSet(packs: RuleSet.builtinPacks() + [hostile], pseudonymKey: Array("key".utf8))
        var configuration = Self.configuration
        configuration.format = .auto
        var random = SeededRandom(seed: seed)
        var text = ""
        for _ in 0..<40 {
            let target = [200, 4096, 5000, 9000, 14_000].randomElement(using: &random)!
            // One line in five holds a run the backtracking rule gives up on, somewhere along it.
            let hostileAt = Int.random(in: 0..<5, using: &random) == 0 ? Int.random(in: 0..<target, using: &random) : -1
            var line = ""
            while line.utf8.count < target {
                if hostileAt >= 0 && line.utf8.count >= hostileAt && !line.contains("aaab") {
                    line += String(repeating: "a", count: Int.random(in: 20...30, using: &random)) + "b "
                }
                switch Int.random(in: 0..<12, using: &random) {
                case 0: line += Generate.identifier(&random) + " "
                case 1: line += "{\"mail\":\"" + Generate.email(&random) + "\"} "
                default: line += Generate.cleanWord(&random) + " "
                }
            }
            text += line + (Bool.random(using: &random) ? "\n" : "\r\n")
        }
        let input = Array(text.utf8)

        let stream = try StreamFilter(ruleSet: ruleSet, configuration: configuration)
        let expected = stream.mask(input)
        let block = try StreamFilter(ruleSet: ruleSet, configuration: configuration)
        var copy = input
        let output = OutputBuffer(capacity: 4096)
        copy.withUnsafeMutableBufferPointer { bytes in
            block.mask(bytes.baseAddress!, count: bytes.count, writable: true, into: output)
        }
        var actual: [UInt8] = []
        output.withSpans { spans in
            for span in spans { actual.append(contentsOf: UnsafeRawBufferPointer(start: span.iov_base, count: span.iov_len)) }
        }
        if actual != expected {
            let first = zip(actual, expected).enumerated().first { $1.0 != $1.1 }?.offset ?? min(actual.count, expected.count)
            Issue.record("the block's output differs from the stream's from byte \(first) (\(actual.count) and \(expected.count) bytes)")
        }
        #expect(copy == input, "escapes blanked in place are put back")
        let one = stream.takeCounters(), other = block.takeCounters()
        #expect(one.oversizeLines > 0 && one.errors[.regexLimit] ?? 0 > 0, "the input reaches both paths it means to test")
        #expect(other.lines == one.lines && other.oversizeLines == one.oversizeLines)
        #expect(other.bytesIn == one.bytesIn && other.bytesOut == one.bytesOut)
        #expect(other.matches == one.matches && other.rejected == one.rejected && other.errors == one.errors)
    }

    @Test("A reload waits for the blocks in flight and counts them under the old rules")
    func reloadIsABarrier() throws {
        let ruleSet = try Fixture.ruleSet()
        let parallel = try ParallelStreamFilter(ruleSet: ruleSet, configuration: Self.configuration, jobs: 2, blockSize: 4096)
        let line = Array("user kari@example.com\n".utf8)
        var source = BytesSource(Array((0..<1000).map { _ in line }.joined()))
        var sink = BytesSink()
        try parallel.run(from: &source, to: &sink)

        var withoutEmail = ruleSet
        try withoutEmail.select(enable: [], disable: ["email"])
        let before = try parallel.replaceRules(withoutEmail)
        #expect(before.lines == 1000)
        #expect(before.matches.reduce(0, +) == 1000)

        source = BytesSource(line)
        sink = BytesSink()
        try parallel.run(from: &source, to: &sink)
        #expect(sink.bytes == line, "the new rules mask no email")
    }

    @Test("Runs one after another on one filter each write every line")
    func consecutiveRuns() throws {
        // The writer of a second run once found the first run's end-of-input flag still set and
        // quit before the reader had submitted anything: the run's lines were lost, now and then.
        let parallel = try ParallelStreamFilter(ruleSet: try Fixture.ruleSet(), configuration: Self.configuration,
                                                jobs: 2, blockSize: 4096)
        let line = Array("user kari@example.com\n".utf8)
        var lost = 0
        for _ in 0..<300 {
            var source = BytesSource(line)
            var sink = BytesSink()
            try parallel.run(from: &source, to: &sink)
            if sink.bytes != Array("user [email]\n".utf8) { lost += 1 }
        }
        #expect(lost == 0)
    }

    @Test("A failing sink ends the run with its error, and nothing hangs")
    func writeFailureStops() throws {
        struct ClosedSink: ByteSink {
            mutating func write(_ bytes: UnsafeRawBufferPointer) throws(StreamError) { throw .downstreamClosed }
        }
        let parallel = try ParallelStreamFilter(ruleSet: try Fixture.ruleSet(), configuration: Self.configuration,
                                                jobs: 2, blockSize: 4096)
        var source = BytesSource(Array(String(repeating: "a line of text\n", count: 100_000).utf8))
        var sink = ClosedSink()
        #expect(throws: StreamError.downstreamClosed) { try parallel.run(from: &source, to: &sink) }
    }
}
