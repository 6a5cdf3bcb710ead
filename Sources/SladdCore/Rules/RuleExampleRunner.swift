/// Runs the examples of each rule against that rule alone: the contract a pack states about itself.
public enum RuleExampleRunner {
    public struct Failure: Sendable, CustomStringConvertible {
        public let ruleID: String
        public let source: SourceLocation
        public let problem: String

        public var description: String { "\(source): rule \(ruleID): \(problem)" }
    }

    public struct Report: Sendable {
        public var examplesRun = 0
        public var rulesChecked = 0
        public var failures: [Failure] = []
    }

    /// A fixed key so pseudonym examples can be checked; it never masks real data.
    static let exampleKey = Array("sladd example key, not a secret".utf8)

    public static func run(_ rules: [Rule]) throws(ConfigurationError) -> Report {
        var report = Report()
        for var rule in rules {
            rule.enabled = true
            let pack = RulePack(rules: [rule])
            let ruleSet = try RuleSet(packs: [pack], pseudonymKey: exampleKey)
            var configuration = StreamFilter.Configuration()
            configuration.maxLineBytes = 64 << 10
            configuration.readSize = 16 << 10
            report.rulesChecked += 1

            func mask(_ text: String) throws(ConfigurationError) -> (String, Int) {
                let filter = try StreamFilter(ruleSet: ruleSet, configuration: configuration)
                let output = filter.mask(Array(text.utf8))
                return (String(decoding: output, as: UTF8.self), filter.counters.matches[0])
            }

            for example in rule.examples.match {
                report.examplesRun += 1
                let (once, found) = try mask(example.input)
                let (twice, _) = try mask(once)
                if found == 0 || once == example.input {
                    report.failures.append(Failure(ruleID: rule.id, source: example.source,
                                                   problem: "should match but found nothing in \(quoted(example.input))"))
                } else if twice != once {
                    report.failures.append(Failure(ruleID: rule.id, source: example.source,
                                                   problem: "masking again changed \(quoted(once)) to \(quoted(twice))"))
                }
            }
            for example in rule.examples.noMatch {
                report.examplesRun += 1
                let (output, _) = try mask(example.input)
                if output != example.input {
                    report.failures.append(Failure(ruleID: rule.id, source: example.source,
                                                   problem: "should not match but turned \(quoted(example.input)) into \(quoted(output))"))
                }
            }
            for example in rule.examples.exact {
                report.examplesRun += 1
                let (output, _) = try mask(example.input)
                if output != example.output {
                    report.failures.append(Failure(ruleID: rule.id, source: example.source,
                                                   problem: "expected \(quoted(example.output ?? "")) but got \(quoted(output))"))
                }
            }
            try checkLead(of: rule, ruleSet: ruleSet, configuration: configuration, into: &report)
        }
        return report
    }

    /// A `prefilter_lead` states where matches start: every example must come out the same when the
    /// regex runs over whole lines instead. Too small a lead shows here as a match it missed.
    private static func checkLead(of rule: Rule, ruleSet: RuleSet, configuration: StreamFilter.Configuration,
                                  into report: inout Report) throws(ConfigurationError) {
        guard case .regex(var spec) = rule.detector, let lead = spec.prefilterLead else { return }
        spec.prefilterLead = nil
        var wholeLines = rule
        wholeLines.detector = .regex(spec)
        let withLead = try StreamFilter(ruleSet: ruleSet, configuration: configuration)
        let without = try StreamFilter(ruleSet: try RuleSet(packs: [RulePack(rules: [wholeLines])], pseudonymKey: exampleKey),
                                       configuration: configuration)
        let examples = rule.examples.match + rule.examples.noMatch + rule.examples.exact
        for example in examples {
            let input = Array(example.input.utf8)
            let near = withLead.mask(input), whole = without.mask(input)
            if near != whole {
                report.failures.append(Failure(
                    ruleID: rule.id, source: example.source,
                    problem: "prefilter_lead \(lead) is too small: \(quoted(example.input)) comes out as "
                        + "\(quoted(String(decoding: near, as: UTF8.self))) with it, "
                        + "\(quoted(String(decoding: whole, as: UTF8.self))) over whole lines"))
            }
        }
    }

    private static func quoted(_ text: String) -> String {
        "\"" + text.unicodeScalars.map { $0.value < 0x20 ? "\\u{\(String($0.value, radix: 16))}" : String($0) }.joined() + "\""
    }
}

extension RulePack {
    /// A pack made in code, e.g. one rule on its own.
    public init(name: String = "inline", description: String = "", rules: [Rule], file: String = "<inline>") {
        self.name = name
        self.description = description
        self.rules = rules
        self.file = file
    }
}
