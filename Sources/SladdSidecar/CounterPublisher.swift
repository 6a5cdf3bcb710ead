import CoreMetrics
import SladdCore

/// Hands what the filter counted to swift-metrics (and so to the Prometheus registry behind it),
/// and keeps the totals of the whole run for the summary.
///
/// The filter counts in plain integers on its own thread; this moves the difference into the
/// metrics system once per tick and at the end, so counting costs the hot path nothing.
/// Rule ids, error kinds and directions are the only labels: never a matched value.
public final class CounterPublisher {
    public private(set) var totals: Counters
    /// The rules `totals` is indexed by: every rule seen in this run, in the order first seen
    /// (a reload may add or drop rules; their counts are kept).
    public private(set) var rules: [Rule]

    private let lines = Counter(label: "sladd_lines_total")
    private let linesMasked = Counter(label: "sladd_lines_masked_total")
    private let oversizeLines = Counter(label: "sladd_oversize_lines_total")
    private let bytesIn = Counter(label: "sladd_bytes_total", dimensions: [("direction", "in")])
    private let bytesOut = Counter(label: "sladd_bytes_total", dimensions: [("direction", "out")])
    private var matches: [String: Counter] = [:]
    private var rejected: [String: Counter] = [:]
    private var errors: [Counters.ErrorKind: Counter] = [:]
    private let reloadErrors = Counter(label: "sladd_errors_total", dimensions: [("kind", "reload")])

    public init(rules: [Rule], version: String) {
        self.rules = rules
        totals = Counters(ruleCount: rules.count)
        Gauge(label: "sladd_build_info", dimensions: [("version", version)]).record(1)
        // Every series exists from the start at 0, so a rate() over the first scrape is defined.
        for rule in rules where rule.enabled { _ = counters(for: rule.id) }
        for kind in Counters.ErrorKind.allCases { errors[kind] = Counter(label: "sladd_errors_total", dimensions: [("kind", kind.rawValue)]) }
    }

    /// Adds `delta`, counted under `deltaRules`, to the totals and the metrics.
    public func publish(_ delta: Counters, rules deltaRules: [Rule]) {
        lines.increment(by: Int64(delta.lines))
        linesMasked.increment(by: Int64(delta.linesMasked))
        oversizeLines.increment(by: Int64(delta.oversizeLines))
        bytesIn.increment(by: Int64(delta.bytesIn))
        bytesOut.increment(by: Int64(delta.bytesOut))
        totals.lines += delta.lines
        totals.linesMasked += delta.linesMasked
        totals.oversizeLines += delta.oversizeLines
        totals.bytesIn += delta.bytesIn
        totals.bytesOut += delta.bytesOut
        for (kind, count) in delta.errors where count > 0 {
            errors[kind]?.increment(by: Int64(count))
            totals.errors[kind, default: 0] += count
        }
        for (index, rule) in deltaRules.enumerated() where delta.matches[index] > 0 || delta.rejected[index] > 0 {
            let (matched, rejectedCounter) = counters(for: rule.id)
            matched.increment(by: Int64(delta.matches[index]))
            rejectedCounter.increment(by: Int64(delta.rejected[index]))
            let total = totalIndex(of: rule)
            totals.matches[total] += delta.matches[index]
            totals.rejected[total] += delta.rejected[index]
        }
    }

    /// A reload that failed: counted as `sladd_errors_total{kind="reload"}`.
    public func countReloadFailure() {
        reloadErrors.increment()
    }

    /// The rules now in force take the place of the old ones in the summary (counts are kept).
    public func adopt(_ newRules: [Rule]) {
        for rule in newRules { _ = totalIndex(of: rule) }
        let enabled = Set(newRules.filter(\.enabled).map(\.id))
        for index in rules.indices {
            rules[index].enabled = enabled.contains(rules[index].id)
        }
        for rule in newRules where rule.enabled { _ = counters(for: rule.id) }
    }

    private func counters(for id: String) -> (Counter, Counter) {
        if let matched = matches[id], let rejectedCounter = rejected[id] { return (matched, rejectedCounter) }
        let matched = Counter(label: "sladd_matches_total", dimensions: [("rule", id)])
        let rejectedCounter = Counter(label: "sladd_rejected_candidates_total", dimensions: [("rule", id)])
        matches[id] = matched
        rejected[id] = rejectedCounter
        return (matched, rejectedCounter)
    }

    private func totalIndex(of rule: Rule) -> Int {
        if let index = rules.firstIndex(where: { $0.id == rule.id }) { return index }
        rules.append(rule)
        totals.matches.append(0)
        totals.rejected.append(0)
        return rules.count - 1
    }
}
