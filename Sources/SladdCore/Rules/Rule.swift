/// One detection rule: what to find (a built-in detector or a PCRE2 pattern) and what to do with it.
public struct Rule: Sendable, Equatable {
    public enum Detector: Sendable, Equatable {
        case builtin(BuiltinDetector)
        case regex(RegexDetector)
    }

    public let id: String
    /// Short name used in tokens and pseudonyms (`fnr` gives `[fnr]`).
    public var label: String
    public var description: String
    public var detector: Detector
    public var action: MaskAction
    public var enabled: Bool
    public var examples: RuleExamples
    public var options = DetectorOptions()
    /// Where the rule was defined, for messages.
    public var source: SourceLocation

    public init(id: String, label: String, description: String = "", detector: Detector, action: MaskAction,
                enabled: Bool = true, examples: RuleExamples = RuleExamples(), options: DetectorOptions = DetectorOptions(),
                source: SourceLocation = .unknown) {
        self.id = id
        self.label = label
        self.description = description
        self.detector = detector
        self.action = action
        self.enabled = enabled
        self.examples = examples
        self.options = options
        self.source = source
    }
}

/// Settings of built-in detectors (only `no.fnr` has any today).
public struct DetectorOptions: Sendable, Equatable {
    public var acceptControlsFrom2032 = false
    public init(acceptControlsFrom2032: Bool = false) { self.acceptControlsFrom2032 = acceptControlsFrom2032 }
}

/// The detectors written in Swift, where a checksum or a date decides and a regex could not.
public enum BuiltinDetector: String, Sendable, CaseIterable {
    case fodselsnummer = "no.fnr"
    case fhNumber = "no.fh"
    case bankAccount = "no.account"
    case paymentCard = "card"
    case phone = "no.phone"
    case iban = "iban"
    case email = "email"

    /// How a value is normalised before it is pseudonymised, so `010190 12345` and `01019012345`
    /// get the same pseudonym.
    var normalisation: Normalisation {
        switch self {
        case .email: .lowercase
        case .iban: .alphanumericUppercase
        default: .digits
        }
    }
}

enum Normalisation: Sendable {
    case none
    case digits
    case lowercase
    case alphanumericUppercase
}

public struct RegexDetector: Sendable, Equatable {
    public var pattern: String
    /// The capture group to mask (number or name); nil masks the whole match.
    public var group: String?
    /// Literals (any case) of which every match contains at least one; lines without them skip PCRE2.
    public var prefilter: [String]
    /// The most bytes a match starts before a prefilter literal it holds (`prefilter_lead`): the
    /// regex then runs only from there, not from the start of each line with a literal. nil: whole lines.
    public var prefilterLead: Int?
    public var matchLimit: UInt32?

    public init(pattern: String, group: String? = nil, prefilter: [String] = [], prefilterLead: Int? = nil,
                matchLimit: UInt32? = nil) {
        self.pattern = pattern
        self.group = group
        self.prefilter = prefilter
        self.prefilterLead = prefilterLead
        self.matchLimit = matchLimit
    }
}

/// Examples that the test suite and `sladd patterns test` run against the rule alone.
public struct RuleExamples: Sendable, Equatable {
    public struct Example: Sendable, Equatable {
        public var input: String
        /// The exact masked output; nil for `match` examples (only "changed, and stable when masked again").
        public var output: String?
        public var source: SourceLocation
    }

    /// Lines in which the rule must find something.
    public var match: [Example] = []
    /// Lines the rule must leave byte-identical.
    public var noMatch: [Example] = []
    /// Lines with their exact expected output.
    public var exact: [Example] = []

    public init() {}
    public var count: Int { match.count + noMatch.count + exact.count }
}

public struct SourceLocation: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public static let unknown = SourceLocation(file: "<built-in>", line: 0, column: 0)

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String { line > 0 ? "\(file):\(line):\(column)" : file }
}
