import Foundation
import Testing

@Suite("sladd, the binary", .serialized)
struct CommandLineTests {
    @Test func masksStdinToStdout() throws {
        let input = "user 01019012480 logged in\r\norder 01019012481 shipped\nmail ola@example.no\nno newline +47 912 34 567"
        let result = try Binary.run([], input: Data(input.utf8))
        #expect(result.status == 0)
        #expect(result.output == "user [fnr] logged in\r\norder 01019012481 shipped\nmail [email]\nno newline [phone]")
        #expect(result.stderr.isEmpty)
    }

    @Test func emptyInputGivesEmptyOutput() throws {
        let result = try Binary.run([])
        #expect(result.status == 0 && result.stdout.isEmpty)
    }

    @Test func invalidUTF8AndNULBytesPassThrough() throws {
        let input = Data([0x66, 0x00, 0xFF, 0xFE, 0xC3, 0x28, 0x0A, 0x80, 0x0D, 0x0A])
        let result = try Binary.run([], input: input)
        #expect(result.stdout == input)
    }

    @Test func helpTeachesEveryOptionWithAnExample() throws {
        let result = try Binary.run(["--help"])
        #expect(result.status == 0)
        for option in ["--patterns", "--enable", "--disable", "--action", "--summary", "--hmac-key-file", "--max-line-bytes", "Exit status", "Example"] {
            #expect(result.output.contains(option), "help lacks \(option)")
        }
        #expect(try Binary.run(["--version"]).output.trimmingCharacters(in: .whitespacesAndNewlines) == "0.1.0")
    }

    @Test("Usage and configuration errors exit 2 and say what to do", arguments: [
        (["--no-such-option"], "no-such-option"),
        (["--summary", "xml"], "summary"),
        (["--enable", "no.such.rule"], "no rule has that id"),
        (["--action", "no.fnr=hash"], "--hmac-key-file"),
        (["--patterns", "/nonexistent/pack.yaml"], "no pack file"),
        (["--max-line-bytes", "12"], "at least 4096"),
        (["--jobs=-1"], "--jobs must be 0"),
        // scrub and scan read the same two options: the root command once took them from after the
        // subcommand's name, and scrub ran on every core whatever --jobs said.
        (["scan", "--jobs=-1", "/dev/null"], "--jobs must be 0"),
        (["scan", "--max-line-bytes", "12", "/dev/null"], "at least 4096"),
        (["scrub", "--max-line-bytes", "12", "--output-dir", "/tmp/sladd-never-written", "/dev/null"], "at least 4096"),
    ])
    func usageErrors(_ arguments: [String], _ message: String) throws {
        let result = try Binary.run(arguments, input: Data("x\n".utf8))
        #expect(result.status == 2, "\(arguments): \(result.stderr)")
        #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    /// Each option that only the stream reads, with a valid value: ArgumentParser accepts the root's
    /// options after a subcommand's name, so without a check `scan --format cri` ran and ignored it.
    static let streamOnlyOptions: [String: [String]] = [
        "--summary": ["--summary", "json"], "--format": ["--format", "cri"],
        "--metrics-listen": ["--metrics-listen", "127.0.0.1:0"], "--stats-file": ["--stats-file", "/tmp/sladd-never"],
        "--stats-interval": ["--stats-interval", "5"], "--drain-timeout": ["--drain-timeout", "5"],
        "--protocol": ["--protocol", "mmexternal"], "--input": ["--input", "/dev/null"], "--make-fifo": ["--make-fifo"],
    ]

    /// The long options a help text lists, one per option line.
    static func longOptions(inHelp help: String) -> Set<String> {
        var names: Set<String> = []
        for line in help.split(separator: "\n") {
            let words = line.split(separator: " ")
            guard let first = words.first, first.hasPrefix("-") else { continue }
            let word = first == "-j," || first == "-h," ? words.dropFirst().first ?? first : first
            if word.hasPrefix("--") { names.insert(String(word)) }
        }
        return names.subtracting(["--help", "--version"])
    }

    @Test("Subcommands refuse the root's options they do not read, before or after their name")
    func batchCommandsRefuseStreamOptions() throws {
        let root = Self.longOptions(inHelp: try Binary.run(["--help"]).output)
        let scrub = Self.longOptions(inHelp: try Binary.run(["scrub", "--help"]).output)
        #expect(root.subtracting(scrub) == Set(Self.streamOnlyOptions.keys), "a new option of the stream? add it to StreamOnlyOptions")
        for (name, option) in Self.streamOnlyOptions.sorted(by: { $0.key < $1.key }) {
            // The third: the option takes the path for its value, and the line does not parse.
            for arguments in [["scan", "/dev/null"] + option, option + ["scrub", "--output-dir", "/tmp/sladd-never", "/dev/null"],
                              ["scan", name, "/dev/null"]] {
                let result = try Binary.run(arguments)
                #expect(result.status == 2, "\(arguments): \(result.stderr)")
                #expect(result.stderr.contains("does not read \(name) (sladd < in > out does)"), "\(arguments): \(result.stderr)")
            }
        }
        // The patterns commands read neither the stream's options nor --jobs and --max-line-bytes.
        for arguments in [["patterns", "list", "--summary", "json"], ["patterns", "list", "--jobs", "2"],
                          ["--max-line-bytes", "64K", "patterns", "list"], ["patterns", "test", "-j", "2"]] {
            let result = try Binary.run(arguments)
            #expect(result.status == 2 && result.stderr.contains("does not read"), "\(arguments): \(result.stderr)")
        }
    }

    @Test func brokenPackIsReportedWithFileAndLine() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sladd-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let pack = folder.appendingPathComponent("team.yaml")
        try "pack: team\nrules:\n  - id: team.order\n    regex: 'ORD-(['\n".write(to: pack, atomically: true, encoding: .utf8)
        let result = try Binary.run(["--patterns", pack.path], input: Data("x\n".utf8))
        #expect(result.status == 2)
        #expect(result.stderr.contains("team.yaml:3:"), "\(result.stderr)")
        #expect(result.stderr.contains("does not compile"))
    }

    @Test func userPackAddsARuleAndItsExamplesAreTested() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sladd-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let pack = folder.appendingPathComponent("team.yaml")
        try """
            pack: team
            rules:
              - id: team.customer
                label: customer
                regex: '\\bCUST-[0-9]{6}\\b'
                prefilter: [cust-]
                match: ["customer CUST-123456 paid"]
                no_match: ["CUST-12345"]
            """.write(to: pack, atomically: true, encoding: .utf8)
        let masked = try Binary.run(["--patterns", pack.path], input: Data("CUST-123456 and 01019012480\n".utf8))
        #expect(masked.output == "[customer] and [fnr]\n")
        let tested = try Binary.run(["patterns", "test", pack.path])
        #expect(tested.status == 0)
        #expect(tested.output.contains("1 rules, 2 passed, 0 failed"))
        try "pack: team\nrules:\n  - id: team.customer\n    regex: 'CUST'\n    match: [\"nothing here\"]\n".write(to: pack, atomically: true, encoding: .utf8)
        let failing = try Binary.run(["patterns", "test", pack.path])
        #expect(failing.status == 1)
        #expect(failing.output.contains("team.yaml:5:"))
    }

    @Test func builtInPacksPassTheirOwnExamples() throws {
        let result = try Binary.run(["patterns", "test"])
        #expect(result.status == 0, "\(result.output)")
        let list = try Binary.run(["patterns", "list", "--enable", "ip"])
        #expect(list.output.contains("ip.v4") && list.output.contains("no.fnr"))
    }

    @Test func summaryCountsWhatWentThrough() throws {
        let input = "01019012480 ola@example.no\n01019012481\nclean\n4111111111111111"
        let result = try Binary.run(["--summary", "json"], input: Data(input.utf8))
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(result.stderr.utf8)) as? [String: Any])
        #expect(summary["lines"] as? Int == 4)
        #expect(summary["bytes_in"] as? Int == input.utf8.count)
        #expect(summary["bytes_out"] as? Int == result.stdout.count)
        #expect(summary["lines_masked"] as? Int == 2)
        let rules = try #require(summary["rules"] as? [String: [String: Int]])
        #expect(rules["no.fnr"] == ["matches": 1, "rejected": 1])
        #expect(rules["email"]?["matches"] == 1)
        #expect(rules["card"]?["matches"] == 1)
        #expect(!result.stderr.contains("01019012480"), "a value leaked into the summary")
        let text = try Binary.run(["--summary", "text"], input: Data(input.utf8))
        #expect(text.stderr.contains("4 lines"))
    }

    @Test func hashPseudonymsAreStableAndKeyed() throws {
        let input = Data("01019012480\n010190 12480\n".utf8)
        let first = try Binary.run(["--action", "no.fnr=hash"], input: input, environment: ["SLADD_HMAC_KEY": "a-long-enough-test-key"])
        let lines = first.output.split(separator: "\n")
        #expect(first.status == 0 && lines.count == 2 && lines[0] == lines[1] && lines[0].hasPrefix("[fnr:"))
        let otherKey = try Binary.run(["--action", "no.fnr=hash"], input: input, environment: ["SLADD_HMAC_KEY": "another-long-enough-key"])
        #expect(otherKey.output != first.output)
        let short = try Binary.run(["--action", "no.fnr=hash"], input: input, environment: ["SLADD_HMAC_KEY": "short"])
        #expect(short.status == 2)
    }

    /// `sladd | head -1`: the reader goes away; sladd stops promptly, quietly, with status 0.
    @Test func closedDownstreamEndsQuietly() throws {
        let result = try Binary.shell("""
            set -o pipefail
            yes 'user 01019012480 logged in' | head -c 50000000 | "$SLADD" | head -n 1
            echo "status=${PIPESTATUS[2]}"
            """)
        #expect(result.output == "user [fnr] logged in\nstatus=0\n")
        #expect(result.stderr.isEmpty, "\(result.stderr)")
    }

    /// In a sidecar the input stays open: a line must come out at once, not when the input ends.
    @Test func aLinePassesThroughWhileTheInputStaysOpen() throws {
        let result = try Binary.shell("""
            start=$(date +%s%N)
            { echo 'user 01019012480'; sleep 3; echo 'late'; } | "$SLADD" | {
              IFS= read -r line; now=$(date +%s%N); echo "$line $(( (now - start) / 1000000 ))"; cat >/dev/null; }
            """)
        let parts = result.output.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ")
        #expect(parts.count == 3 && parts[0] == "user" && parts[1] == "[fnr]", "\(result.output)")
        let milliseconds = Int(parts.last ?? "") ?? .max
        #expect(milliseconds < 2000, "the first line took \(milliseconds) ms: output waited for the input to end")
    }

    /// A line of 6 MiB without a newline, with identifiers throughout: masked in bounded windows.
    @Test func oversizeLineWithoutNewlineIsMaskedWhole() throws {
        var line = Data()
        let chunk = Data(String(repeating: "x", count: 1000).utf8) + Data(" 01019012480 ".utf8)
        while line.count < 6 << 20 { line.append(chunk) }
        let result = try Binary.run(["--summary", "json", "--max-line-bytes", "64K"], input: line)
        #expect(result.status == 0)
        #expect(result.stdout.count == line.count - (11 - 5) * (line.count / chunk.count) - ((line.count % chunk.count) > 1000 ? 6 : 0))
        #expect(result.stdout.range(of: Data("01019012480".utf8)) == nil)
        #expect(result.stdout.last != 0x0A)
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(result.stderr.utf8)) as? [String: Any])
        #expect(summary["lines"] as? Int == 1)
        #expect(summary["oversize_lines"] as? Int == 1)
    }

    static let logHub = Binary.packageRoot.deletingLastPathComponent().appendingPathComponent("shared/corpus/loghub")
    static let logHubFiles = ((try? FileManager.default.contentsOfDirectory(atPath: logHub.path)) ?? []).filter { $0.hasSuffix(".log") }

    /// Real logs without planted PII come out byte-identical, except the real emails in them.
    /// Skipped where ../shared is absent; logHubFixtureIsUnchanged covers a sample of it.
    @Test(.enabled(if: !logHubFiles.isEmpty, "../shared/corpus/loghub is absent"))
    func logHubCorpusIsUnchangedExceptRealEmails() throws {
        let corpus = Self.logHub
        for name in Self.logHubFiles {
            let input = try Data(contentsOf: corpus.appendingPathComponent(name))
            let result = try Binary.run(["--summary", "json"], input: input)
            let inLines = input.split(separator: 0x0A, omittingEmptySubsequences: false)
            let outLines = result.stdout.split(separator: 0x0A, omittingEmptySubsequences: false)
            #expect(inLines.count == outLines.count, "\(name)")
            for (original, masked) in zip(inLines, outLines) where original != masked {
                let text = String(decoding: masked, as: UTF8.self)
                #expect(text.replacingOccurrences(of: "[email]", with: "").count < String(decoding: original, as: UTF8.self).count
                        && !text.contains("[fnr]") && !text.contains("[card]") && !text.contains("[secret]"),
                        "\(name): unexpected change: \(text)")
                #expect(String(decoding: original, as: UTF8.self).contains("@"), "\(name): changed a line without an email: \(text)")
            }
        }
    }

    /// Lines copied from ../shared/corpus/loghub that once tripped a rule (see Fixtures/README.md).
    @Test func logHubFixtureIsUnchanged() throws {
        let fixture = Binary.packageRoot.appendingPathComponent("Tests/EndToEndTests/Fixtures/loghub-tricky.log")
        let input = try Data(contentsOf: fixture)
        let result = try Binary.run([], input: input)
        #expect(result.stdout == input, "\(result.output)")
    }
}
