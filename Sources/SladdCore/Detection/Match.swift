/// One detection: the bytes `start..<end` of the buffer belong to the rule at `rule` in the rule set.
///
/// Stored in 32 bits (offsets in one window, at most `maxLineBytes` of 1 GiB and a little): 20 bytes
/// instead of 40, for lines that hold tens of thousands of matches.
struct Match: Equatable {
    private var storedStart: Int32
    private var storedEnd: Int32
    private var storedRule: Int32
    private var storedContextStart: Int32
    /// How the replacement is written into its surroundings.
    var wrap: Wrap

    init(start: Int, end: Int, rule: Int, wrap: Wrap = .none, contextStart: Int? = nil) {
        storedStart = Int32(truncatingIfNeeded: start)
        storedEnd = Int32(truncatingIfNeeded: end)
        storedRule = Int32(truncatingIfNeeded: rule)
        storedContextStart = Int32(truncatingIfNeeded: contextStart ?? start)
        self.wrap = wrap
    }

    /// Where the rule's whole match began: before `start` when the rule read text it does not mask
    /// (a key-value rule reads the key of `"password": "…"` and masks the value), else `start`.
    var contextStart: Int { Int(storedContextStart) }

    var start: Int {
        get { Int(storedStart) }
        set { storedStart = Int32(truncatingIfNeeded: newValue) }
    }

    var end: Int {
        get { Int(storedEnd) }
        set { storedEnd = Int32(truncatingIfNeeded: newValue) }
    }

    var rule: Int {
        get { Int(storedRule) }
        set { storedRule = Int32(truncatingIfNeeded: newValue) }
    }

    enum Wrap: UInt8, Comparable {
        case none
        /// The match was a JSON number: the replacement becomes a string, `"[fnr]"`.
        case quoted
        /// The same inside a JSON string that holds a JSON document: `\"[fnr]\"`.
        case escapedQuoted
        /// The match was percent-encoded: so is the replacement.
        case percentEncoded

        static func < (lhs: Wrap, rhs: Wrap) -> Bool { lhs.rawValue < rhs.rawValue }
    }
}

extension Array {
    /// Whether every neighbour pair satisfies `inOrder` (a non-strict order, e.g. `<=`).
    func isSorted(by inOrder: (Element, Element) -> Bool) -> Bool {
        var index = 1
        while index < count {
            if !inOrder(self[index - 1], self[index]) { return false }
            index += 1
        }
        return true
    }
}

extension Array where Element == Match {
    /// Sorts by position and merges overlapping detections into one span.
    ///
    /// Leftmost wins, then longest, then the rule listed first. A detection that overlaps another is not
    /// dropped but merged into its span, so no byte of either identifier is left unmasked.
    mutating func resolveOverlaps() {
        guard count > 1 else { return }
        let inOrder = { (lhs: Match, rhs: Match) -> Bool in
            if lhs.start != rhs.start { return lhs.start < rhs.start }
            if lhs.end != rhs.end { return lhs.end > rhs.end }
            return lhs.rule < rhs.rule
        }
        // The detectors mostly report in order: one pass to check is cheaper than a sort of 100,000.
        if !isSorted(by: { !inOrder($1, $0) }) { sort(by: inOrder) }
        var kept = 0
        for index in 1..<count {
            let next = self[index]
            if next.start < self[kept].end {
                if next.end > self[kept].end { self[kept].end = next.end }
                self[kept].wrap = Swift.max(self[kept].wrap, next.wrap)
            } else {
                kept += 1
                self[kept] = next
            }
        }
        removeSubrange((kept + 1)...)
    }
}
