import Testing
@testable import sladd

/// A run without arguments starts from `StreamSettings()` and never parses; every other run parses
/// and reads `Sladd.settings`. These keep the two the same run.
@Suite("Stream settings")
struct StreamSettingsTests {
    @Test func noArgumentsParseToTheDefaultSettings() throws {
        #expect(try Sladd.parse([]).settings == StreamSettings())
    }

    @Test("Each option lands in its own setting", arguments: [
        (["--patterns", "a.yaml", "--patterns", "b"], Self.with { $0.rules.patternPaths = ["a.yaml", "b"] }),
        (["--no-default-patterns", "--patterns", "a.yaml"], Self.with { $0.rules.noDefaultPatterns = true; $0.rules.patternPaths = ["a.yaml"] }),
        (["--enable", "ip"], Self.with { $0.rules.enable = ["ip"] }),
        (["--disable", "secret.*"], Self.with { $0.rules.disable = ["secret.*"] }),
        (["--action", "card=mask"], Self.with { $0.rules.actions = ["card=mask"] }),
        (["--hmac-key-file", "key"], Self.with { $0.rules.hmacKeyFile = "key" }),
        (["--summary", "json"], Self.with { $0.summary = .json }),
        (["--format", "cri"], Self.with { $0.format = .cri }),
        (["--jobs", "3"], Self.with { $0.jobs = 3 }),
        (["--max-line-bytes", "4M"], Self.with { $0.maxLineBytes = 4 << 20 }),
        (["--metrics-listen", "9464"], Self.with { $0.service.metricsListen = "9464" }),
        (["--stats-file", "s.prom"], Self.with { $0.service.statsFile = "s.prom" }),
        (["--stats-interval", "2"], Self.with { $0.service.statsInterval = 2 }),
        (["--drain-timeout", "7"], Self.with { $0.service.drainTimeout = 7 }),
        (["--protocol", "mmexternal"], Self.with { $0.service.protocol = .mmexternal }),
        (["--input", "in.fifo", "--make-fifo"], Self.with { $0.service.input = "in.fifo"; $0.service.makeFifo = true }),
    ])
    func optionLandsInItsSetting(arguments: [String], expected: StreamSettings) throws {
        #expect(expected != StreamSettings(), "the case changes nothing: \(arguments)")
        #expect(try Sladd.parse(arguments).settings == expected)
    }

    private static func with(_ change: (inout StreamSettings) -> Void) -> StreamSettings {
        var settings = StreamSettings()
        change(&settings)
        return settings
    }
}
