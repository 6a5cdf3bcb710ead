/// The rules in force: packs combined, switched on and off, actions overridden, checked to run.
public struct RuleSet: Sendable {
    /// Every rule of every pack, enabled or not; counters are indexed like this array.
    public private(set) var rules: [Rule]
    /// Secret for the `hash` action; never taken from the command line, where `ps` would show it.
    public var pseudonymKey: [UInt8]?

    public init(packs: [RulePack], pseudonymKey: [UInt8]? = nil) throws(ConfigurationError) {
        var seen: [String: SourceLocation] = [:]
        var rules: [Rule] = []
        for pack in packs {
            for rule in pack.rules {
                if let first = seen[rule.id] {
                    throw ConfigurationError(
                        "rule id '\(rule.id)' is already defined at \(first); give this rule another id (or --disable the first and reuse its examples)",
                        at: rule.source)
                }
                seen[rule.id] = rule.source
                rules.append(rule)
            }
        }
        self.rules = rules
        self.pseudonymKey = pseudonymKey
    }

    /// The packs built into sladd (a copy of `Patterns/`). Without `examples`, which is all a run
    /// needs, they come as Swift values generated from the same files (`BuiltinPacks`): no YAML to parse
    /// at start-up. With them (`sladd patterns test`, the tests), the embedded YAML is parsed.
    public static func builtinPacks(examples: Bool = true) throws(ConfigurationError) -> [RulePack] {
        guard examples else { return BuiltinPacks.all }
        var packs: [RulePack] = []
        for (name, text) in BuiltinPatterns.files {
            packs.append(try RulePack(yaml: text, file: "Patterns/\(name)"))
        }
        return packs
    }

    public var enabledRules: [Rule] { rules.filter(\.enabled) }

    /// Switches rules on and off. A selector is a rule id, a family (`secret` or `secret.*`) or `*`.
    /// Selectors by pattern apply first and exact ids last, so `--disable 'secret.*' --enable secret.jwt`
    /// leaves only the JWT rule of that family on.
    public mutating func select(enable: [String], disable: [String]) throws(ConfigurationError) {
        let steps = enable.map { ($0, true) } + disable.map { ($0, false) }
        let ordered = steps.filter { !isExactID($0.0) } + steps.filter { isExactID($0.0) }
        for (selector, enabled) in ordered {
            let indices = try ruleIndices(matching: selector, option: enabled ? "--enable" : "--disable")
            for index in indices { rules[index].enabled = enabled }
        }
    }

    /// Applies `RULE=ACTION` overrides, e.g. `no.fnr=hash` or `card=partial:4`.
    public mutating func overrideActions(_ overrides: [String]) throws(ConfigurationError) {
        for override in overrides {
            guard let equals = override.firstIndex(of: "=") else {
                throw ConfigurationError("--action '\(override)' needs the form RULE=ACTION, e.g. --action no.fnr=hash")
            }
            let selector = String(override[..<equals])
            let actionText = String(override[override.index(after: equals)...])
            for index in try ruleIndices(matching: selector, option: "--action") {
                do throws(ActionParseError) {
                    rules[index].action = try MaskAction(parsing: actionText, label: rules[index].label)
                } catch {
                    throw ConfigurationError("--action \(override): \(error.message)")
                }
            }
        }
    }

    /// Checks what can only be checked with everything in place: patterns compile, keys are there.
    public func validate() throws(ConfigurationError) { _ = try compiledRegexes(forMatching: false) }

    /// Validates the rules and returns the compiled regex of each enabled regex rule, by rule index.
    /// Disabled rules are compiled too, so that a broken one is reported before it is switched on;
    /// a masker builds from this rather than validating and then compiling again (1.5 M
    /// instructions of start-up). The command line still validates once before, to report errors
    /// before anything runs; maskers are per thread, so their regexes cannot be shared.
    ///
    /// JIT compiling is most of what a regex costs at start-up, so only regexes that will match are
    /// JIT compiled: not those of disabled rules, and none when `forMatching` is false (validation).
    func compiledRegexes(forMatching: Bool = true) throws(ConfigurationError) -> [Int: CompiledRegex] {
        for rule in rules where rule.enabled {
            if rule.action.needsKey && pseudonymKey == nil {
                throw ConfigurationError(
                    "rule '\(rule.id)' uses the hash action, which needs a secret key: give --hmac-key-file PATH or set SLADD_HMAC_KEY",
                    at: rule.source)
            }
        }
        var compiled: [Int: CompiledRegex] = [:]
        for (index, rule) in rules.enumerated() {
            if let regex = try Self.compile(rule, jit: forMatching && rule.enabled), rule.enabled { compiled[index] = regex }
        }
        return compiled
    }

    static func compile(_ rule: Rule, jit: Bool = true) throws(ConfigurationError) -> CompiledRegex? {
        guard case .regex(let spec) = rule.detector else { return nil }
        var limits = CompiledRegex.Limits()
        if let limit = spec.matchLimit { limits.matchLimit = limit }
        do throws(RegexCompileError) {
            return try CompiledRegex(pattern: spec.pattern, group: spec.group, limits: limits, jit: jit,
                                     boundedStarts: spec.prefilterLead != nil)
        } catch {
            let offset = error.offset.map { " at pattern offset \($0)" } ?? ""
            throw ConfigurationError("rule '\(rule.id)': the regex does not compile\(offset): \(error.message)", at: rule.source)
        }
    }

    private func isExactID(_ selector: String) -> Bool {
        !selector.hasSuffix("*") && rules.contains { $0.id == selector }
    }

    private func ruleIndices(matching selector: String, option: String) throws(ConfigurationError) -> [Int] {
        let indices = rules.indices.filter { index in
            let id = rules[index].id
            if selector == "*" || id == selector { return true }
            if selector.hasSuffix(".*") { return id.hasPrefix(String(selector.dropLast())) }
            if selector.hasSuffix("*") { return id.hasPrefix(String(selector.dropLast())) }
            return id.hasPrefix(selector + ".")
        }
        guard !indices.isEmpty else {
            let known = rules.map(\.id).joined(separator: ", ")
            throw ConfigurationError("\(option) \(selector): no rule has that id or family; rules are \(known) (see sladd patterns list)")
        }
        return indices
    }
}
