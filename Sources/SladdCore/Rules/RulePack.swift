import Foundation
import Yams

/// A YAML file of rules, as found in `Patterns/` or given with `--patterns`.
///
/// ```yaml
/// pack: secrets
/// description: Tokens and keys
/// rules:
///   - id: secret.jwt
///     label: jwt
///     regex: '\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*'
///     prefilter: [eyJ]
///     action: token
///     match: ["auth eyJhbGciOi.eyJzdWIiOi.c2ln"]
///     no_match: ["eyJ alone"]
/// ```
public struct RulePack: Sendable, Equatable {
    public var name: String
    public var description: String
    public var rules: [Rule]
    public var file: String

    /// Parses one pack. Every mistake is reported with its file, line and column.
    public init(yaml: String, file: String) throws(ConfigurationError) {
        let root: Node?
        do {
            // The basic resolver tags no plain scalar: Yams' default resolver runs a regular
            // expression per scalar (NSRegularExpression), 14 M instructions of a 75 M start-up.
            // `bool` and `int` below read the text themselves.
            // And the encoding named: `.default` reads the whole process environment for an
            // override, 1.2 M instructions per pack.
            root = try Yams.compose(yaml: yaml, .basic, .default, .utf8)
        } catch {
            throw ConfigurationError("not valid YAML: \(error)", at: SourceLocation(file: file, line: 0, column: 0))
        }
        guard let root, let mapping = root.mapping else {
            throw ConfigurationError("a pack is a mapping with 'pack' and 'rules'", at: SourceLocation(file: file, line: 1, column: 1))
        }
        let reader = NodeReader(file: file)
        try reader.rejectUnknownKeys(in: root, allowed: ["pack", "description", "rules"])
        name = try reader.string(mapping["pack"], in: root, key: "pack")
        description = try reader.optionalString(mapping["description"]) ?? ""
        self.file = file
        guard let rulesNode = mapping["rules"], let ruleNodes = rulesNode.sequence else {
            throw ConfigurationError("'rules' must be a list of rules", at: reader.location(of: root))
        }
        var rules: [Rule] = []
        for node in ruleNodes { rules.append(try reader.rule(node)) }
        self.rules = rules
    }

    /// Loads a pack file, or every `.yaml`/`.yml` file of a folder (sorted by name).
    public static func load(path: String) throws(ConfigurationError) -> [RulePack] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ConfigurationError("no pack file or folder at '\(path)'; check the path given to --patterns")
        }
        var files = [path]
        if isDirectory.boolValue {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
            files = names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
                .map { path.hasSuffix("/") ? path + $0 : path + "/" + $0 }
            guard !files.isEmpty else {
                throw ConfigurationError("the folder '\(path)' holds no .yaml or .yml pack files")
            }
        }
        var packs: [RulePack] = []
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw ConfigurationError("cannot read '\(file)'; check its permissions")
            }
            guard let text = String(data: data, encoding: .utf8) else {
                throw ConfigurationError("'\(file)' is not UTF-8 text")
            }
            packs.append(try RulePack(yaml: text, file: file))
        }
        return packs
    }
}

/// Reads rule fields from YAML nodes, turning every surprise into a located message.
private struct NodeReader {
    let file: String

    static let ruleKeys: Set<String> = [
        "id", "label", "description", "detector", "regex", "group", "prefilter", "prefilter_lead", "match_limit",
        "action", "token", "keep", "enabled", "options", "match", "no_match", "examples",
    ]

    func location(of node: Node) -> SourceLocation {
        guard let mark = node.mark else { return SourceLocation(file: file, line: 0, column: 0) }
        return SourceLocation(file: file, line: mark.line, column: mark.column)
    }

    func rejectUnknownKeys(in node: Node, allowed: Set<String>) throws(ConfigurationError) {
        guard let mapping = node.mapping else { return }
        for (key, _) in mapping {
            guard let name = key.string, allowed.contains(name) else {
                let known = allowed.sorted().joined(separator: ", ")
                throw ConfigurationError("unknown key '\(key.string ?? "?")'; known keys are \(known)", at: location(of: key))
            }
        }
    }

    func string(_ node: Node?, in parent: Node, key: String) throws(ConfigurationError) -> String {
        guard let node else { throw ConfigurationError("'\(key)' is missing", at: location(of: parent)) }
        guard case .scalar(let scalar) = node else {
            throw ConfigurationError("'\(key)' must be text", at: location(of: node))
        }
        return scalar.string
    }

    func optionalString(_ node: Node?) throws(ConfigurationError) -> String? {
        guard let node else { return nil }
        guard case .scalar(let scalar) = node else { throw ConfigurationError("expected text", at: location(of: node)) }
        return scalar.string
    }

    func bool(_ node: Node?, default value: Bool) throws(ConfigurationError) -> Bool {
        guard let node else { return value }
        switch node.scalar?.string {
        case "true": return true
        case "false": return false
        default: throw ConfigurationError("expected true or false", at: location(of: node))
        }
    }

    func int(_ node: Node?) throws(ConfigurationError) -> Int? {
        guard let node else { return nil }
        guard let text = node.scalar?.string, let int = Int(text) else {
            throw ConfigurationError("expected a whole number", at: location(of: node))
        }
        return int
    }

    func stringList(_ node: Node?) throws(ConfigurationError) -> [(String, SourceLocation)] {
        guard let node else { return [] }
        if case .scalar(let scalar) = node { return [(scalar.string, location(of: node))] }
        guard let items = node.sequence else { throw ConfigurationError("expected a list", at: location(of: node)) }
        var values: [(String, SourceLocation)] = []
        for item in items {
            guard case .scalar(let scalar) = item else {
                throw ConfigurationError("expected text in this list", at: location(of: item))
            }
            values.append((scalar.string, location(of: item)))
        }
        return values
    }

    func rule(_ node: Node) throws(ConfigurationError) -> Rule {
        guard let pairs = node.mapping else {
            throw ConfigurationError("each rule is a mapping with at least 'id' and 'detector' or 'regex'", at: location(of: node))
        }
        try rejectUnknownKeys(in: node, allowed: Self.ruleKeys)
        // Looked up by name: Yams' `mapping["id"]` builds a node and compares it with each key in
        // turn (3 M instructions of start-up for the built-in packs). Yams has rejected duplicates.
        let mapping = Dictionary(pairs.map { ($0.key.string ?? "", $0.value) }, uniquingKeysWith: { first, _ in first })
        let id = try string(mapping["id"], in: node, key: "id")
        guard !id.isEmpty, id.utf8.allSatisfy({ ByteClass.isAlphanumeric($0) || $0 == 0x2E || $0 == 0x5F || $0 == 0x2D }) else {
            throw ConfigurationError("rule id '\(id)' may hold only letters, digits, '.', '_' and '-'", at: location(of: node))
        }
        let label = try optionalString(mapping["label"]) ?? id.split(separator: ".").last.map(String.init) ?? id
        let where_ = location(of: node)

        let detector: Rule.Detector
        switch (mapping["detector"], mapping["regex"]) {
        case (let detectorNode?, nil):
            let name = try string(detectorNode, in: node, key: "detector")
            guard let builtin = BuiltinDetector(rawValue: name) else {
                let known = BuiltinDetector.allCases.map(\.rawValue).joined(separator: ", ")
                throw ConfigurationError("unknown detector '\(name)'; built-in detectors are \(known), or give a 'regex'", at: location(of: detectorNode))
            }
            detector = .builtin(builtin)
        case (nil, let regexNode?):
            let pattern = try string(regexNode, in: node, key: "regex")
            var group: String? = nil
            if let groupNode = mapping["group"] { group = try optionalString(groupNode) }
            let prefilter = try stringList(mapping["prefilter"]).map(\.0)
            if prefilter.contains(where: { $0.isEmpty || !$0.utf8.allSatisfy { $0 < 0x80 } }) {
                throw ConfigurationError("prefilter literals must be non-empty ASCII text", at: location(of: mapping["prefilter"]!))
            }
            let lead = try int(mapping["prefilter_lead"])
            if let lead, let leadNode = mapping["prefilter_lead"] {
                guard !prefilter.isEmpty else {
                    throw ConfigurationError("prefilter_lead needs a prefilter: it counts bytes before a prefilter literal", at: location(of: leadNode))
                }
                guard lead >= 0 && lead <= 4096 else {
                    throw ConfigurationError("prefilter_lead must be between 0 and 4096 bytes", at: location(of: leadNode))
                }
            }
            let limit = try int(mapping["match_limit"])
            if let limit, limit < 1000 || limit > 100_000_000 {
                throw ConfigurationError("match_limit must be between 1000 and 100000000", at: location(of: mapping["match_limit"]!))
            }
            detector = .regex(RegexDetector(pattern: pattern, group: group, prefilter: prefilter, prefilterLead: lead,
                                            matchLimit: limit.map { UInt32($0) }))
        case (nil, nil):
            throw ConfigurationError("rule '\(id)' needs a 'detector' (built-in) or a 'regex'", at: where_)
        case (_?, _?):
            throw ConfigurationError("rule '\(id)' has both 'detector' and 'regex'; keep one", at: where_)
        }

        var action = MaskAction.token("[\(label)]")
        if let actionNode = mapping["action"] {
            let text = try string(actionNode, in: node, key: "action")
            do throws(ActionParseError) {
                action = try MaskAction(parsing: text, label: label)
            } catch {
                throw ConfigurationError(error.message, at: location(of: actionNode))
            }
        }
        if let tokenNode = mapping["token"] {
            let token = try string(tokenNode, in: node, key: "token")
            do throws(ActionParseError) { try MaskAction.checkToken(token) } catch {
                throw ConfigurationError(error.message, at: location(of: tokenNode))
            }
            action = .token(token)
        }
        if let keep = try int(mapping["keep"]) {
            guard (0...8).contains(keep) else { throw ConfigurationError("keep must be 0 to 8", at: location(of: mapping["keep"]!)) }
            action = .partial(keepLast: keep)
        }

        var rule = Rule(id: id, label: label, description: try optionalString(mapping["description"]) ?? "",
                        detector: detector, action: action, enabled: try bool(mapping["enabled"], default: true),
                        source: where_)
        if let options = mapping["options"] {
            try rejectUnknownKeys(in: options, allowed: ["accept_2032_controls"])
            guard rule.detector == .builtin(.fodselsnummer) else {
                throw ConfigurationError("only the no.fnr detector takes options", at: location(of: options))
            }
            rule.options.acceptControlsFrom2032 = try bool(options.mapping?["accept_2032_controls"], default: false)
        }
        for (text, at) in try stringList(mapping["match"]) {
            rule.examples.match.append(.init(input: text, output: nil, source: at))
        }
        for (text, at) in try stringList(mapping["no_match"]) {
            rule.examples.noMatch.append(.init(input: text, output: nil, source: at))
        }
        if let examples = mapping["examples"] {
            guard let items = examples.sequence else {
                throw ConfigurationError("'examples' is a list of {input, output}", at: location(of: examples))
            }
            for item in items {
                try rejectUnknownKeys(in: item, allowed: ["input", "output"])
                let input = try string(item.mapping?["input"], in: item, key: "input")
                let output = try string(item.mapping?["output"], in: item, key: "output")
                rule.examples.exact.append(.init(input: input, output: output, source: location(of: item)))
            }
        }
        return rule
    }
}
