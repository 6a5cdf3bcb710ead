import ArgumentParser
import Foundation
import SladdCore

/// The options that decide which rules are in force; shared by every command that masks or scans.
struct RuleOptions: ParsableArguments {
    @Option(name: .customLong("patterns"),
            help: ArgumentHelp("Add a rule pack: a YAML file, or a folder of them. Repeatable.",
                               discussion: "Example: --patterns /etc/sladd/team.yaml", valueName: "path"))
    var patternPaths: [String] = []

    @Flag(help: "Leave out the built-in packs (Patterns/ in the source); use only --patterns.")
    var noDefaultPatterns = false

    @Option(help: ArgumentHelp("Switch on a rule or a family of rules. Repeatable.",
                               discussion: "Example: --enable ip (both ip.v4 and ip.v6), --enable no.fh", valueName: "rule"))
    var enable: [String] = []

    @Option(help: ArgumentHelp("Switch off a rule or a family. Repeatable; an exact id beats a family.",
                               discussion: "Example: --disable 'secret.*' --enable secret.jwt", valueName: "rule"))
    var disable: [String] = []

    @Option(name: .customLong("action"),
            help: ArgumentHelp("Override what a rule writes: token, token:TEXT, mask, hash or partial:N. Repeatable.",
                               discussion: "Example: --action no.fnr=hash --action card=partial:4", valueName: "rule=action"))
    var actions: [String] = []

    @Option(help: ArgumentHelp("File holding the secret key for the hash action (or set SLADD_HMAC_KEY). At least 16 bytes.",
                               discussion: "Example: --hmac-key-file /run/secrets/sladd-key", valueName: "path"))
    var hmacKeyFile: String?

    /// What was asked, as plain values.
    var selection: RuleSelection {
        RuleSelection(patternPaths: patternPaths, noDefaultPatterns: noDefaultPatterns, enable: enable, disable: disable,
                      actions: actions, hmacKeyFile: hmacKeyFile)
    }

    func ruleSet() throws -> RuleSet { try selection.ruleSet() }
}

/// Which rules are in force and what they write: `RuleOptions` parsed, or the defaults of a run
/// without arguments (see `StreamSettings`).
struct RuleSelection: Equatable {
    var patternPaths: [String] = []
    var noDefaultPatterns = false
    var enable: [String] = []
    var disable: [String] = []
    var actions: [String] = []
    var hmacKeyFile: String?

    /// Loads and combines the packs, applies the switches and overrides, and checks the result.
    /// `compilingNext` leaves out compiling the regexes to check them: the caller builds a filter
    /// right away, which compiles each of them anyway and reports the same errors (0.5 M of the 9.5 M
    /// instructions of a start).
    func ruleSet(compilingNext: Bool = false) throws -> RuleSet {
        var packs = noDefaultPatterns ? [] : try RuleSet.builtinPacks(examples: false)
        for path in patternPaths { packs += try RulePack.load(path: path) }
        var ruleSet = try RuleSet(packs: packs, pseudonymKey: try pseudonymKey())
        try ruleSet.select(enable: enable, disable: disable)
        try ruleSet.overrideActions(actions)
        if !compilingNext { try ruleSet.validate() }
        return ruleSet
    }

    private func pseudonymKey() throws -> [UInt8]? {
        var key: [UInt8]?
        if let hmacKeyFile {
            guard let data = FileManager.default.contents(atPath: hmacKeyFile) else {
                throw ConfigurationError("cannot read the key file '\(hmacKeyFile)'; check the path and its permissions")
            }
            key = Array(data)
        } else if let value = getenv("SLADD_HMAC_KEY") {
            // Not ProcessInfo's `environment`: it copies the whole environment into a dictionary
            // first, about 1 M instructions at every start (callgrind).
            key = Array(UnsafeBufferPointer(start: UnsafeRawPointer(value).assumingMemoryBound(to: UInt8.self), count: strlen(value)))
        }
        guard var key else { return nil }
        while let last = key.last, last == 0x0A || last == 0x0D { key.removeLast() }
        guard key.count >= 16 else {
            throw ConfigurationError("the hash key has \(key.count) bytes; use at least 16 random bytes, e.g. `head -c 32 /dev/urandom | base64 > key`")
        }
        return key
    }
}
