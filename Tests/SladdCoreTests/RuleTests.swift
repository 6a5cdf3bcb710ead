import Foundation
import Testing
@testable import SladdCore

@Suite("Rule packs")
struct RuleTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func everyExampleOfEveryPackHolds() throws {
        let packs = try RulePack.load(path: Self.packageRoot.appendingPathComponent("Patterns").path)
        let ruleSet = try RuleSet(packs: packs)
        let report = try RuleExampleRunner.run(ruleSet.rules)
        #expect(report.failures.isEmpty, "\(report.failures.map(\.description).joined(separator: "\n"))")
        #expect(report.examplesRun > 100)
        for rule in ruleSet.rules { #expect(rule.examples.count > 0, "rule \(rule.id) has no examples") }
    }

    @Test func builtInCopyMatchesPatternsFolder() throws {
        for (name, text) in BuiltinPatterns.files {
            let file = try String(contentsOf: Self.packageRoot.appendingPathComponent("Patterns/\(name)"), encoding: .utf8)
            #expect(file == text + "\n" || file == text, "Patterns/\(name) changed: run scripts/embed-patterns.sh")
        }
        let onDisk = try FileManager.default.contentsOfDirectory(atPath: Self.packageRoot.appendingPathComponent("Patterns").path)
            .filter { $0.hasSuffix(".yaml") }.sorted()
        #expect(onDisk == BuiltinPatterns.files.map(\.name).sorted())
    }

    /// `BuiltinPacks.swift` is what the generator writes from the parsed packs, byte for byte;
    /// `SLADD_WRITE_BUILTIN_PACKS=1` rewrites it instead (scripts/embed-patterns.sh does).
    @Test func builtInPacksSourceIsGeneratedFromThePacks() throws {
        var packs = try RuleSet.builtinPacks()
        for pack in packs.indices {
            for rule in packs[pack].rules.indices { packs[pack].rules[rule].examples = RuleExamples() }
        }
        let source = BuiltinPacksSource.render(packs)
        let file = Self.packageRoot.appendingPathComponent("Sources/SladdCore/Rules/BuiltinPacks.swift")
        if getenv("SLADD_WRITE_BUILTIN_PACKS") != nil {
            try source.write(to: file, atomically: true, encoding: .utf8)
            return
        }
        let onDisk = try String(contentsOf: file, encoding: .utf8)
        #expect(onDisk == source, "Sources/SladdCore/Rules/BuiltinPacks.swift is stale: run scripts/embed-patterns.sh")
    }

    @Test func builtInPacksWithoutExamplesHoldTheSameRules() throws {
        let full = try RuleSet.builtinPacks()
        let bare = try RuleSet.builtinPacks(examples: false)
        #expect(bare.map(\.name) == full.map(\.name))
        for (withExamples, without) in zip(full, bare) {
            var expected = withExamples
            for index in expected.rules.indices { expected.rules[index].examples = RuleExamples() }
            // Rule by rule, so that a difference names its rule; the source line is part of a rule.
            #expect(without.rules.count == expected.rules.count, "\(without.name): rules differ in number")
            for (rule, expectedRule) in zip(without.rules, expected.rules) {
                #expect(rule == expectedRule, "\(rule.id) differs once its examples are blanked")
            }
            #expect(without.description == expected.description && without.file == expected.file)
        }
        #expect(full.flatMap(\.rules).allSatisfy { $0.examples.count > 0 })
    }

    @Test func exampleRunnerCatchesAWrongExample() throws {
        let yaml = """
            pack: broken
            rules:
              - id: team.order
                regex: 'ORD-[0-9]{6}'
                prefilter: [ord-]
                match: ["order ORD-123456", "ORD-12"]
                no_match: ["ORD-654321"]
            """
        let report = try RuleExampleRunner.run(RulePack(yaml: yaml, file: "broken.yaml").rules)
        #expect(report.failures.count == 2)
        #expect(report.failures.allSatisfy { $0.source.file == "broken.yaml" && $0.source.line >= 6 })
    }

    /// A lead one byte short of the longest reach of each built-in rule that has one: the rule's own
    /// examples show what it would miss.
    @Test("Too small a prefilter_lead fails the rule's examples",
          arguments: [("secret.key_value", 5), ("secret.url_credentials", 15), ("pii.key_value", 2)])
    func exampleRunnerCatchesTooSmallALead(_ id: String, _ lead: Int) throws {
        var rule = try #require(RuleSet(packs: RuleSet.builtinPacks()).rules.first { $0.id == id })
        guard case .regex(var spec) = rule.detector else { Issue.record("\(id) is not a regex rule"); return }
        #expect(spec.prefilterLead == lead + 1)
        spec.prefilterLead = lead
        rule.detector = .regex(spec)
        let failures = try RuleExampleRunner.run([rule]).failures
        #expect(failures.contains { $0.problem.contains("prefilter_lead \(lead) is too small") }, "\(failures)")
    }

    @Test("Pack mistakes name the file and line", arguments: [
        ("pack: x\nrules:\n  - id: a\n    regex: '(unclosed'\n", 3, "does not compile"),
        ("pack: x\nrules:\n  - id: a\n    detector: no.such\n", 4, "unknown detector"),
        ("pack: x\nrules:\n  - id: a\n    detector: email\n    colour: red\n", 5, "unknown key 'colour'"),
        ("pack: x\nrules:\n  - id: a\n    detector: email\n    token: '[a\"b]'\n", 5, "quote"),
        ("pack: x\nrules:\n  - id: a\n    detector: email\n    action: explode\n", 5, "unknown action"),
        ("pack: x\nrules:\n  - id: a\n    regex: 'x'\n    group: 2\n", 3, "group 2 does not exist"),
        ("pack: x\nrules: [\n", 0, "not valid YAML"),
        ("pack: x\nrules:\n  - id: a\n    regex: 'x'\n    prefilter_lead: 2\n", 5, "needs a prefilter"),
        ("pack: x\nrules:\n  - id: a\n    regex: 'x'\n    prefilter: [x]\n    prefilter_lead: -1\n", 6, "between 0 and 4096"),
    ])
    func packErrorsAreLocated(_ yaml: String, _ line: Int, _ message: String) {
        do {
            let pack = try RulePack(yaml: yaml, file: "team.yaml")
            try RuleSet(packs: [pack]).validate()
            Issue.record("expected an error")
        } catch {
            #expect(error.location?.file == "team.yaml")
            if line > 0 { #expect(error.location?.line == line, "\(error)") }
            #expect(error.description.contains(message), "\(error)")
        }
    }

    @Test func duplicateRuleIDsAreRefused() throws {
        let pack = try RulePack(yaml: "pack: mine\nrules:\n  - id: email\n    detector: email\n", file: "mine.yaml")
        #expect(throws: ConfigurationError.self) { try RuleSet(packs: RuleSet.builtinPacks() + [pack]) }
    }

    @Test func unknownSelectorsAreRefused() throws {
        var ruleSet = try RuleSet(packs: RuleSet.builtinPacks())
        #expect(throws: ConfigurationError.self) { try ruleSet.select(enable: ["no.such"], disable: []) }
        #expect(throws: ConfigurationError.self) { try ruleSet.overrideActions(["email"]) }
        #expect(throws: ConfigurationError.self) { try ruleSet.overrideActions(["email=shred"]) }
    }

    /// A pattern that backtracks catastrophically, under a match limit far below PCRE2's default.
    static let backtrackingPack = """
        pack: hostile
        rules:
          - id: team.evil
            regex: '(a+)+$'
            match_limit: 10000
        """

    /// A pattern that backtracks catastrophically hits its limit: the line is withheld, counted, never hung.
    @Test func hostileRegexFailsClosed() throws {
        let pack = try RulePack(yaml: Self.backtrackingPack, file: "hostile.yaml")
        let filter = try StreamFilter(ruleSet: RuleSet(packs: [pack]))
        let evil = String(repeating: "a", count: 5000) + "b"
        let output = String(decoding: filter.mask(Array("fine\n\(evil)\r\nalso fine\n".utf8)), as: UTF8.self)
        #expect(output == "fine\n" + String(decoding: Masker.withheldMarker, as: UTF8.self) + "\r\nalso fine\n")
        #expect(filter.counters.errors[.regexLimit] == 1)
        #expect(filter.counters.lines == 3)
    }

    /// `--jobs` workers share the compiled pattern of one filter; each must keep the rule's own limit.
    /// `(a+)+$` on 18 `a` and a `b` takes about 524,000 steps (pcre2test `find_limits`): past the
    /// rule's 10,000, far below the default limit.
    @Test func aFilterForAnotherThreadKeepsTheRuleLimit() throws {
        let input = Array("x \(String(repeating: "a", count: 18))b\n".utf8)
        let filter = try StreamFilter(ruleSet: RuleSet(packs: [RulePack(yaml: Self.backtrackingPack, file: "hostile.yaml")]))
        for candidate in [filter.forAnotherThread(), filter] {
            #expect(String(decoding: candidate.mask(input), as: UTF8.self) == String(decoding: Masker.withheldMarker, as: UTF8.self) + "\n")
            #expect(candidate.counters.errors[.regexLimit] == 1)
        }
        let defaults = try RulePack(yaml: Self.backtrackingPack.replacingOccurrences(of: "match_limit: 10000", with: ""),
                                    file: "hostile.yaml")
        #expect(try StreamFilter(ruleSet: RuleSet(packs: [defaults])).mask(input) == input)
    }

    @Test("A line runs the regex rules its literals trigger, also past the 64th rule")
    func moreThanSixtyFourRegexRules() throws {
        // The triggered rules are bits of 64-bit words: rules 0, 63, 64 and 69 sit in two words.
        var yaml = "pack: many\ndescription: seventy rules\nrules:\n"
        for index in 0..<70 {
            yaml += "  - id: many.r\(index)\n    label: r\(index)\n    regex: 'zq\(index)x[0-9]+'\n"
            yaml += "    prefilter: [zq\(index)x]\n    prefilter_lead: 0\n"
        }
        let filter = try StreamFilter(ruleSet: RuleSet(packs: [RulePack(yaml: yaml, file: "many.yaml")]))
        let line = Array("a zq69x1 b zq0x22 c zq64x3 d zq63x4 e zq7\n".utf8)
        #expect(String(decoding: filter.mask(line), as: UTF8.self) == "a [r69] b [r0] c [r64] d [r63] e zq7\n")
    }
}
