import ArgumentParser
import SladdCore

struct PatternsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "patterns",
        abstract: "List the rules in force, or run the examples of rule packs.",
        subcommands: [List.self, Test.self]
    )

    struct List: SladdSubcommand {
        static let invocation = "patterns list"
        static let readsWorkOptions = false

        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "Show every rule: whether it is on, what finds it, what replaces it, where it is defined.",
            discussion: "Example: sladd patterns list --patterns team.yaml --enable ip")

        @OptionGroup(title: "Rules")
        var rules: RuleOptions

        mutating func run() throws {
            let ruleSet = try rules.ruleSet()
            let width = max(24, ruleSet.rules.map(\.id.count).max() ?? 0)
            print("rule".padding(width) + "  on   detector      action                 source")
            for rule in ruleSet.rules {
                let detector: String
                switch rule.detector {
                case .builtin(let builtin): detector = builtin.rawValue
                case .regex: detector = "regex"
                }
                print(rule.id.padding(width) + "  " + (rule.enabled ? "yes" : "no ").padding(5)
                      + detector.padding(14) + rule.action.description.padding(23) + rule.source.description)
            }
        }
    }

    struct Test: SladdSubcommand {
        static let invocation = "patterns test"
        static let readsWorkOptions = false

        static let configuration = CommandConfiguration(
            commandName: "test",
            abstract: "Run the match, no_match and examples of each rule against that rule alone.",
            discussion: """
                With no path, tests the built-in packs. Exit status 0 when every example holds, 1 when one \
                fails, 2 when a pack cannot be loaded.

                Example: sladd patterns test Patterns/ my-team.yaml
                """)

        @Argument(help: ArgumentHelp("Pack files or folders to test.", valueName: "path"))
        var paths: [String] = []

        mutating func run() throws {
            var packs: [RulePack] = []
            if paths.isEmpty {
                packs = try RuleSet.builtinPacks()
            } else {
                for path in paths { packs += try RulePack.load(path: path) }
            }
            let ruleSet = try RuleSet(packs: packs)
            let report = try RuleExampleRunner.run(ruleSet.rules)
            for failure in report.failures { print("FAIL \(failure)") }
            print("\(report.rulesChecked) rules, \(report.examplesRun - report.failures.count) passed, \(report.failures.count) failed")
            if !report.failures.isEmpty { throw ExitCode(1) }
        }
    }
}
