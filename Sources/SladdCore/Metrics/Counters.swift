/// What went through a filter: counts and rule names only, never a matched value.
public struct Counters: Sendable, Equatable {
    public enum ErrorKind: String, Sendable, CaseIterable, Comparable {
        /// A regex rule hit its match, depth or stack limit; the line was withheld (fail-closed).
        case regexLimit = "regex_limit"
        case regexFailure = "regex_failure"
        case input
        case output

        public static func < (lhs: ErrorKind, rhs: ErrorKind) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    public var lines = 0
    public var bytesIn = 0
    public var bytesOut = 0
    public var linesMasked = 0
    /// Lines longer than the line limit, scanned in overlapping windows.
    public var oversizeLines = 0
    /// Detections per rule, indexed like `RuleSet.rules`.
    public var matches: [Int]
    /// Candidates of the right shape that failed validation (checksum, date, issuer), per rule.
    public var rejected: [Int]
    public var errors: [ErrorKind: Int] = [:]

    public init(ruleCount: Int) {
        matches = Array(repeating: 0, count: ruleCount)
        rejected = Array(repeating: 0, count: ruleCount)
    }

    public mutating func add(_ other: Counters) {
        lines += other.lines
        bytesIn += other.bytesIn
        bytesOut += other.bytesOut
        linesMasked += other.linesMasked
        oversizeLines += other.oversizeLines
        for index in matches.indices where index < other.matches.count {
            matches[index] += other.matches[index]
            rejected[index] += other.rejected[index]
        }
        for (kind, count) in other.errors { errors[kind, default: 0] += count }
    }

    public var totalMatches: Int { matches.reduce(0, +) }
}
