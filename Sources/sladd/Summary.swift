import ArgumentParser
import SladdCore

enum SummaryFormat: String, ExpressibleByArgument, CaseIterable {
    case text
    case json
    case none

    /// The counters for people (text) or programs (json); nil for none.
    func render(_ counters: Counters, rules: [Rule]) -> String? {
        let shown = rules.indices.filter { rules[$0].enabled || counters.matches[$0] > 0 }
        switch self {
        case .none:
            return nil
        case .text:
            var text = "sladd: \(counters.lines) lines, \(counters.bytesIn) bytes in, \(counters.bytesOut) bytes out, "
                + "\(counters.linesMasked) lines masked, \(counters.oversizeLines) oversize lines\n"
            let width = max(24, shown.map { rules[$0].id.count }.max() ?? 0)
            text += "  " + "rule".padding(width) + "   matches  rejected\n"
            for index in shown {
                text += "  " + rules[index].id.padding(width)
                    + String(counters.matches[index]).leftPadding(10) + String(counters.rejected[index]).leftPadding(10) + "\n"
            }
            let errors = counters.errors.sorted { $0.key < $1.key }.map { "\($0.key.rawValue)=\($0.value)" }
            text += "  errors: " + (errors.isEmpty ? "none" : errors.joined(separator: " ")) + "\n"
            return text
        case .json:
            let ruleEntries = shown.map { index in
                "\"\(rules[index].id)\":{\"matches\":\(counters.matches[index]),\"rejected\":\(counters.rejected[index])}"
            }
            let errorEntries = Counters.ErrorKind.allCases.map { "\"\($0.rawValue)\":\(counters.errors[$0] ?? 0)" }
            return "{\"lines\":\(counters.lines),\"bytes_in\":\(counters.bytesIn),\"bytes_out\":\(counters.bytesOut),"
                + "\"lines_masked\":\(counters.linesMasked),\"oversize_lines\":\(counters.oversizeLines),"
                + "\"rules\":{\(ruleEntries.joined(separator: ","))},\"errors\":{\(errorEntries.joined(separator: ","))}}\n"
        }
    }
}

extension String {
    func padding(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
    func leftPadding(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
