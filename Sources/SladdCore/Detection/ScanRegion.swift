/// A window of a buffer that a detector may read, with what lies beyond its edges.
///
/// Offsets are absolute (from `base`) so matches from every detector share one coordinate system.
/// Reading outside `lowerBound..<upperBound` yields a sentinel: a newline where the region ends at a
/// real line edge, and a letter where the line goes on beyond the window. A letter is never a boundary,
/// so a candidate cut by a window edge is rejected here and found whole in the next, overlapping window.
struct ScanRegion {
    let base: UnsafePointer<UInt8>
    let lowerBound: Int
    let upperBound: Int
    let startsAtLineStart: Bool
    let endsAtLineEnd: Bool
    /// Rejected candidates are counted only when they start here. Windows of a long line overlap, and
    /// each byte is scanned again as look-behind: counting a candidate in one window only keeps the
    /// counter independent of where the windows fall (one core, `--jobs N`, any read size).
    let countedStarts: Range<Int>

    init(base: UnsafePointer<UInt8>, lowerBound: Int, upperBound: Int,
         startsAtLineStart: Bool = true, endsAtLineEnd: Bool = true, countedStarts: Range<Int>? = nil) {
        self.base = base
        self.lowerBound = lowerBound
        self.upperBound = upperBound
        self.startsAtLineStart = startsAtLineStart
        self.endsAtLineEnd = endsAtLineEnd
        self.countedStarts = countedStarts ?? lowerBound..<upperBound
    }

    /// Counts a candidate of `rule` that starts at `offset` and failed its checks.
    @inline(__always)
    func countRejection(of rule: Int, at offset: Int, in counters: inout Counters) {
        if countedStarts.contains(offset) { counters.rejected[rule] += 1 }
    }

    @inline(__always)
    subscript(offset: Int) -> UInt8 {
        if offset < lowerBound { return startsAtLineStart ? ByteClass.newline : 0x61 }
        if offset >= upperBound { return endsAtLineEnd ? ByteClass.newline : 0x61 }
        return base[offset]
    }

    /// Whether the `count` bytes from `offset` are ASCII digits (beyond the region: no).
    @inline(__always)
    func isDigits(from offset: Int, count: Int) -> Bool {
        for index in offset..<offset + count where !ByteClass.isDigit(self[index]) { return false }
        return true
    }

    /// The end of the run of ASCII digits that starts at `offset`.
    @inline(__always)
    func endOfDigits(from offset: Int) -> Int {
        var end = offset
        while end < upperBound && ByteClass.isDigit(base[end]) { end += 1 }
        return end
    }
}
