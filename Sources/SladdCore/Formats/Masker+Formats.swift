#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CSladdSIMD

/// The format pass: after the text scan of a window, lines that are structured or escaped get a
/// second look at what they mean.
///
/// - A CRI record's prefix (time, stream, tag) is never masked.
/// - In a JSON document keys are never masked; a match in a number becomes a quoted string; a string
///   with escapes (`\u0040`, `\"`, Docker's trailing `\n`) is decoded and scanned as what it says, and
///   a string that holds a JSON document (Docker's `log`) is read as one, one level deep.
/// - Percent-encoded text (`ola%40example.no`) is decoded and scanned; its replacement is encoded.
///
/// Only lines with a match, a backslash or a `%` are looked at, so clean lines cost a `memchr`.
/// Matches from the decoded text are added to those of the raw scan (their union is masked), and
/// a line that is not valid JSON stays masked as text: never less valid than it came in.
extension Masker {
    /// The bytes the detectors read for `window`: the window itself, or, when it holds backslashes, a
    /// copy in which every escape that stands for a separator (`\n`, `\t`, `\\`, `\/`, Docker's
    /// `\u003c`, a non-ASCII letter) is blanked to spaces of the same length. Offsets stay the same,
    /// so `01019012480\n` is seen as a number that ends, and `\u003ckari@example.com` as an address
    /// after a separator. Escapes that may spell part of an identifier (`\u0040`, `\"`) are left, and
    /// their lines noted in `linesToDecode` for the decoding pass.
    ///
    /// When `writable`, the escapes are blanked in the window itself and put back by
    /// `restoreBlankedEscapes` once the detectors have read it: most windows of JSON or Docker lines
    /// hold an escape, and copying each of them was 3–4% of the time (perf, `memmove`). Nothing else
    /// reads the window meanwhile: borrowed output spans are written after `mask` returns. A window
    /// with more escapes than `blankedInPlaceLimit` is blanked in a copy, as when not writable.
    ///
    /// Hot path: Docker's `log` always ends in `\n`; decoding every such line cost five times the scan.
    func scanBase(for window: Window, writable: Bool) -> UnsafePointer<UInt8> {
        linesToDecode.removeAll(keepingCapacity: true)
        linesWithNonASCIIEscapes.removeAll(keepingCapacity: true)
        linesWithLiterals.removeAll(keepingCapacity: true)
        blankedInPlace.removeAll(keepingCapacity: true)
        let base = window.base
        guard format != .text, let first = memchr(base + window.context, 0x5C, window.end - window.context) else { return base }
        let firstOffset = UnsafeRawPointer(first) - UnsafeRawPointer(base)
        if writable {
            if blankSeparatorEscapes(in: window, into: UnsafeMutablePointer(mutating: base), from: firstOffset, recording: true) {
                return base
            }
            restoreBlankedEscapes(in: window)
            linesToDecode.removeAll(keepingCapacity: true)
            linesWithNonASCIIEscapes.removeAll(keepingCapacity: true)
        }
        let length = window.end - window.context
        if escapeScratchCapacity < length {
            escapeScratch.deallocate()
            escapeScratchCapacity = max(length, 2 * escapeScratchCapacity)
            escapeScratch = .allocate(capacity: escapeScratchCapacity)
        }
        escapeScratch.update(from: base + window.context, count: length)
        let copy = escapeScratch - window.context  // absolute offsets, like `base`
        _ = blankSeparatorEscapes(in: window, into: copy, from: firstOffset, recording: false)
        return UnsafePointer(copy)
    }

    /// Puts back the escapes `scanBase` blanked in the window itself.
    func restoreBlankedEscapes(in window: Window) {
        let base = UnsafeMutableRawPointer(mutating: window.base)
        for (offset, bytes) in blankedInPlace {
            if bytes >> 56 == 6 {
                (base + offset).storeBytes(of: UInt32(truncatingIfNeeded: bytes), as: UInt32.self)
                (base + offset + 4).storeBytes(of: UInt16(truncatingIfNeeded: bytes >> 32), as: UInt16.self)
            } else {
                (base + offset).storeBytes(of: UInt16(truncatingIfNeeded: bytes), as: UInt16.self)
            }
        }
        blankedInPlace.removeAll(keepingCapacity: true)
    }

    /// At most this many escapes are blanked in place and remembered (16 bytes each): a window of
    /// nothing but `\n` would otherwise remember 8 bytes for every byte it holds.
    static let blankedInPlaceLimit = 8192

    /// Blanks the separator escapes of `window` from the backslash at `start` on in `copy`, and notes
    /// the lines to decode. When `recording` (`copy` is the window itself), remembers each escape's
    /// bytes first, and stops with false at `blankedInPlaceLimit`. Apart from `scanBase`: inside it,
    /// the loop grew past what the compiler inlines, and `separatorEscapeLength` became a call per
    /// escape (+4% on escape-dense lines).
    private func blankSeparatorEscapes(in window: Window, into copy: UnsafeMutablePointer<UInt8>, from start: Int,
                                       recording: Bool) -> Bool {
        let base = window.base
        var cursor = start
        var lineStarts = LineStartCursor(base: base, from: window.context)
        var notedLineEnd = window.context  // non-ASCII escapes before it are on a line noted already
        // Escape-dense lines (`\\u0040` repeated) have a backslash every few bytes: the next one is
        // looked for 16 bytes at a time before `memchr`, and blanks are stored whole (the byte loop
        // became a `memset` call per escape).
        while cursor < window.end - 1 {
            let length = JSONEscapes.separatorEscapeLength(base, at: cursor, end: window.end)
            switch length {
            case 2:
                if recording {
                    guard blankedInPlace.count < Self.blankedInPlaceLimit else { return false }
                    let bytes = UnsafeRawPointer(base + cursor).loadUnaligned(as: UInt16.self)
                    blankedInPlace.append((cursor, UInt64(bytes) | 2 << 56))
                }
                UnsafeMutableRawPointer(copy + cursor).storeBytes(of: 0x2020, as: UInt16.self)
            case 6:
                // Once per line, and before the blanks (in place they would hide what it reads): the
                // rest of a noted line is not looked at again.
                if cursor >= notedLineEnd { notedLineEnd = noteNonASCIIEscape(at: cursor, &lineStarts, end: window.end) }
                if recording {
                    guard blankedInPlace.count < Self.blankedInPlaceLimit else { return false }
                    let low = UnsafeRawPointer(base + cursor).loadUnaligned(as: UInt32.self)
                    let high = UnsafeRawPointer(base + cursor + 4).loadUnaligned(as: UInt16.self)
                    blankedInPlace.append((cursor, UInt64(low) | UInt64(high) << 32 | 6 << 56))
                }
                UnsafeMutableRawPointer(copy + cursor).storeBytes(of: 0x2020_2020, as: UInt32.self)
                UnsafeMutableRawPointer(copy + cursor + 4).storeBytes(of: 0x2020, as: UInt16.self)
            default:
                let lineStart = lineStarts.lineStart(of: cursor)
                if linesToDecode.last != lineStart { linesToDecode.append(lineStart) }
            }
            cursor += max(length, 2)
            guard cursor < window.end else { break }
            cursor = JSONEscapes.nextBackslash(base, from: cursor, to: window.end)
        }
        return true
    }

    /// When the six-byte separator escape at `cursor` spells a non-ASCII character, notes its line
    /// and returns where that line ends; else returns `cursor`.
    @inline(never)  // rare beside the blanking loop around it
    private func noteNonASCIIEscape(at cursor: Int, _ lineStarts: inout LineStartCursor, end: Int) -> Int {
        guard JSONEscapes.spellsNonASCII(lineStarts.base, at: cursor) else { return cursor }
        linesWithNonASCIIEscapes.append(lineStarts.lineStart(of: cursor))
        return Self.firstNewline(in: lineStarts.base, from: cursor, to: end) ?? end
    }

    func applyFormats(in window: Window, counters: inout Counters) {
        let base = window.base
        // A window that starts inside a line (the continuation of a long one) leaves that line as text.
        let firstLine: Int
        if window.start == window.context ? window.contextAtLineStart : base[window.start - 1] == 0x0A {
            firstLine = window.start
        } else {
            guard let newline = Self.firstNewline(in: base, from: window.start, to: window.end) else { return }
            firstLine = newline + 1
        }
        // Only whole lines are structured: a line still open at the window end stays text here.
        let linesEnd: Int
        if window.endAtLineEnd {
            linesEnd = window.end
        } else {
            guard let newline = Self.lastNewline(in: base, from: firstLine, to: window.end) else { return }
            linesEnd = newline
        }
        // The lines to look at: with a match, with an escape to decode, with a percent escape.
        if !matches.isSorted(by: { $0.start <= $1.start }) { matches.sort { $0.start < $1.start } }
        var lines = linesToDecode.filter { $0 >= firstLine && $0 <= linesEnd }
        // A line with a non-ASCII escape is read for its structure only when the scan's literal filter
        // found a regex rule's literal in it: only those rules read words, and one may run through the
        // escape. Python services escape every `æøå`; decoding all their lines cost four times the
        // scan, and searching each for literals again 38% (callgrind).
        var withLiterals = linesWithLiterals.makeIterator()
        var nextWithLiterals = withLiterals.next()
        for start in linesWithNonASCIIEscapes where start >= firstLine && start <= linesEnd {
            while let line = nextWithLiterals, line < start { nextWithLiterals = withLiterals.next() }
            if nextWithLiterals == start { lines.append(start) }
        }
        var lineStarts = LineStartCursor(base: base, from: firstLine)
        for match in matches where match.start >= firstLine && match.start <= linesEnd {
            let start = lineStarts.lineStart(of: match.start)
            if lines.last != start { lines.append(start) }
        }
        var cursor = firstLine
        while cursor < linesEnd, let found = memchr(base + cursor, 0x25, linesEnd - cursor) {
            let offset = UnsafeRawPointer(found) - UnsafeRawPointer(base)
            let end = Self.firstNewline(in: base, from: offset, to: linesEnd) ?? linesEnd
            if PercentEscapes.contains(base, from: offset, to: end) {
                lines.append(Self.lastNewline(in: base, from: cursor, to: offset).map { $0 + 1 } ?? cursor)
            }
            cursor = end + 1
        }
        if !lines.isEmpty {
            lines.sort()
            structure(lines, in: window, counters: &counters)
        }
        // After the structure pass, so that decoding a JSON string never drops a junction's match.
        splitJunctions(in: window, firstLine: firstLine, linesEnd: linesEnd, counters: &counters)
    }

    /// One pass over `lines` (sorted line starts) and `matches`, both in order: each line is read for
    /// its structure with its own matches. A match found both raw and decoded stays twice here, and
    /// `resolveOverlaps` makes it one.
    ///
    /// The lines' matches are written back into `matches` itself while they fit behind the read
    /// position, which they do unless a line gains matches from decoded text; only from such a line
    /// on is the rest gathered in a second array. Gathering every window in a second array kept one
    /// more array as long as its matches in each masker (640 KB on a line of 20,000 keys).
    private func structure(_ lines: [Int], in window: Window, counters: inout Counters) {
        let base = window.base
        // Scratch arrays are swapped out and back: their buffers live as long as the masker. The
        // matches too, for this pass: written through the class's property, each store paid a
        // uniqueness check.
        var result = formatScratch.result
        var lineMatches = formatScratch.line
        var list = matches
        formatScratch = ([], [])
        matches = []
        defer { formatScratch = (result, lineMatches) }
        result.removeAll(keepingCapacity: true)
        var index = 0           // next match to read
        var written = 0         // list[..<written] are done, while `inPlace`
        var inPlace = true
        var previous = -1
        for start in lines where start != previous {
            previous = start
            let newline = Self.firstNewline(in: base, from: start, to: window.end)
            guard newline != nil || window.endAtLineEnd else { continue }
            let end = newline ?? window.end
            let lineFirst = index
            while index < list.count && list[index].start < start { index += 1 }
            if inPlace {
                if written < lineFirst { for moved in lineFirst..<index { list[written + moved - lineFirst] = list[moved] } }
                written += index - lineFirst
            } else {
                result += list[lineFirst..<index]
            }
            lineMatches.removeAll(keepingCapacity: true)
            if inPlace, index == 0, let last = list.last, last.start <= end {
                // Every match of the window is this line's (a window of one long line, a block of
                // one JSON document): lent to the line, not copied (400 KB on 20,000 keys).
                swap(&list, &lineMatches)
                structureLine(start, end, matches: &lineMatches, in: window, counters: &counters)
                swap(&list, &lineMatches)
                index = list.count
                written = list.count
                continue
            }
            while index < list.count && list[index].start <= end {
                lineMatches.append(list[index])
                index += 1
            }
            structureLine(start, end, matches: &lineMatches, in: window, counters: &counters)
            if inPlace && written + lineMatches.count > index {
                // This line gained more matches than the gap behind `index` holds.
                inPlace = false
                result += list[..<written]
            }
            if inPlace {
                for match in lineMatches {
                    list[written] = match
                    written += 1
                }
            } else {
                result += lineMatches
            }
        }
        if inPlace {
            list.removeSubrange(written..<index)
            matches = list
        } else {
            result += list[index...]
            matches = result
            result = list
        }
    }

    private func splitJunctions(in window: Window, firstLine: Int, linesEnd: Int, counters: inout Counters) {
        let kinds: SplitRecordKinds
        switch format {
        case .cri: kinds = .cri
        case .docker: kinds = .docker
        case .auto: kinds = Self.splitRecordKinds(window, firstLine: firstLine, linesEnd: linesEnd)
        default: return
        }
        guard !kinds.isEmpty else { return }
        maskSplitJunctions(in: window, from: firstLine, kinds: kinds, counters: &counters)
    }

    private func structureLine(_ lineStart: Int, _ lineEnd: Int, matches lineMatches: inout [Match], in window: Window,
                               counters: inout Counters) {
        let base = window.base
        let end = Self.contentEnd(in: base, lineStart, lineEnd)
        var messageStart = lineStart
        if format.recognisesCRI, let start = CRIRecord.messageStart(in: base, from: lineStart, to: end) {
            messageStart = start
            lineMatches.removeAll { $0.rule != Self.withheldRule && $0.start < start }
        }
        var first = messageStart
        while first < end && (base[first] == 0x20 || base[first] == 0x09) { first += 1 }
        if format.recognisesJSON && first < end && base[first] == 0x7B,
           applyJSON(base, from: first, to: end, matches: &lineMatches, nested: false, counters: &counters) {
            return
        }
        guard PercentEscapes.contains(base, from: messageStart, to: end) else { return }
        var shadow = Shadow()
        PercentEscapes.decode(base, from: messageStart, to: end, into: &shadow)
        for match in detectDecoded(shadow, counters: &counters) { lineMatches.append(mapped(match, through: shadow, percent: true)) }
    }

    /// Applies JSON structure to `matches` (in `base` coordinates); false when not one JSON document.
    private func applyJSON(_ base: UnsafePointer<UInt8>, from start: Int, to end: Int, matches list: inout [Match],
                           nested: Bool, counters: inout Counters) -> Bool {
        tokens.removeAll(keepingCapacity: true)
        guard JSONLine.parse(base, from: start, to: end, into: &tokens) else { return false }
        let documentTokens = tokens
        // Which strings are read decoded: those with escapes that may spell part of an identifier
        // (not only separators, which the blanked copy already stood in for), or percent escapes.
        // A scratch array swapped out and back (a nested document finds it empty and allocates).
        var decodes = jsonDecodesScratch
        jsonDecodesScratch = []
        defer { jsonDecodesScratch = decodes }
        decodes.removeAll(keepingCapacity: true)
        // One look over the document first: most have no `%XX`, and then none of their strings does.
        let mayHavePercent = PercentEscapes.contains(base, from: start, to: end)
        for token in documentTokens {
            var decode = JSONDecode.none
            if token.kind == .string {
                let percent = mayHavePercent && PercentEscapes.contains(base, from: token.start, to: token.end)
                if percent {
                    decode = token.hasEscapes ? .escapesAndPercent : .percent
                } else if token.hasEscapes && (nested || base[token.start] == 0x7B || mustReadDecoded(base, token)) {
                    decode = .escapes
                }
            }
            decodes.append(decode)
        }
        readEscapedKeys(documentTokens, in: base, matches: &list)
        // Each raw match meets the tokens it overlaps: a line of 20,000 keys and 20,000 matches stays
        // linear (a removeAll per key made it quadratic). Matches come mostly in order, so the search
        // gallops from the last match's token (a binary search over all tokens per match spent 40%
        // of such a line in mispredicted branches) and starts over only when a match lies before it.
        // The matches kept are moved down in `list` itself: a copy was one more array as long as the
        // line's matches per worker (640 KB on a line of 20,000 keys).
        var hint = 0, lastStart = Int.min
        var kept = 0
        for next in list.indices {
            var match = list[next]
            guard match.rule != Self.withheldRule else {
                list[kept] = match
                kept += 1
                continue
            }
            // Tokens before `low` end at or before the match; the first that ends after it is below `high`.
            var low = match.start >= lastStart ? hint : 0
            var step = 1
            while low + step < documentTokens.count && documentTokens[low + step - 1].end <= match.start {
                low += step
                step <<= 1
            }
            var high = min(documentTokens.count, low + step)
            while low < high {
                let middle = (low + high) / 2
                if documentTokens[middle].end <= match.start { low = middle + 1 } else { high = middle }
            }
            hint = low
            lastStart = match.start
            var keep = true
            var index = low
            while index < documentTokens.count && documentTokens[index].start < match.end {
                let token = documentTokens[index]
                switch token.kind {
                case .key:
                    keep = false
                case .number:
                    match.start = min(match.start, token.start)
                    match.end = max(match.end, token.end)
                    match.wrap = nested ? .escapedQuoted : .quoted
                case .string:
                    // What the text scan saw in escaped text (`\u0040`, `\\"`) is replaced by the scan of
                    // the decoded text below, which also reads a document inside. Except a match whose
                    // rule read the key before the string (`"token":"a\"b"`): decoded alone, the value no
                    // longer shows its key, so the whole value is masked as written, escapes and all.
                    if decodes[index].escapes && match.start >= token.start && match.end <= token.end {
                        if match.contextStart < token.start {
                            match.start = token.start
                            match.end = token.end
                        } else {
                            keep = false
                        }
                    }
                }
                index += 1
            }
            if keep {
                list[kept] = match
                kept += 1
            }
        }
        list.removeLast(list.count - kept)
        for (index, token) in documentTokens.enumerated() {
            let decode = decodes[index]
            guard decode != .none else { continue }
            // One shadow per masker, swapped out and back (a nested document finds it empty).
            var shadow = shadowScratch
            shadowScratch = Shadow()
            defer { shadowScratch = shadow }
            if decode.escapes {
                JSONEscapes.decode(base, from: token.start, to: token.end, into: &shadow)
            } else {
                PercentEscapes.decode(base, from: token.start, to: token.end, into: &shadow)
            }
            var decoded = detectDecoded(shadow, counters: &counters)
            shadow.withBytes { inner in
                if decode.escapes && !nested, let first = inner.firstIndex(where: { $0 != 0x20 }), inner[first] == 0x7B {
                    // A JSON document inside a string (Docker's `log`): its keys and numbers count too.
                    _ = applyJSON(inner.baseAddress!, from: first, to: Self.trimmedEnd(inner), matches: &decoded,
                                  nested: true, counters: &counters)
                }
            }
            for match in decoded {
                list.append(mapped(match, through: shadow, percent: !decode.escapes))
            }
            if decode.escapes && shadow.withBytes({ PercentEscapes.contains($0.baseAddress!, from: 0, to: $0.count) }) {
                var urlShadow = Shadow()
                shadow.withBytes { decodedBytes in
                    PercentEscapes.decode(decodedBytes.baseAddress!, from: 0, to: decodedBytes.count, into: &urlShadow, map: shadow)
                }
                for match in detectDecoded(urlShadow, counters: &counters) {
                    list.append(mapped(match, through: urlShadow, percent: true))
                }
            }
        }
        return true
    }

    /// Keys written with escapes (Python's `json.dumps` writes `fødselsnummer` as `f\u00f8dselsnummer`)
    /// are read decoded next to their value as written, so that key rules see the word: what they find
    /// in the value joins `matches`, to meet its token like any match.
    ///
    /// Only a regex rule that reads the key before the value finds something here (a built-in's match
    /// starts where it reads), so the built-ins are not run. All keys of the document go through one
    /// detection, a line each: one pass per key cost 7,600 instructions on a line of 50 such keys,
    /// most of it setting up the pass for 30 bytes.
    private func readEscapedKeys(_ tokens: [JSONLine.Token], in base: UnsafePointer<UInt8>, matches list: inout [Match]) {
        escapedKeys.removeAll(keepingCapacity: true)
        for (index, key) in tokens.enumerated() where key.kind == .key && key.hasEscapes && index + 1 < tokens.count {
            let value = tokens[index + 1]
            guard let valueEnd = Self.scalarValueEnd(after: key, value: value, in: base), mustReadDecoded(base, key) else { continue }
            escapedKeys.append(JSONEscapes.KeyAndValue(keyStart: key.start, keyEnd: key.end, valueStart: value.start, valueEnd: valueEnd))
        }
        guard !escapedKeys.isEmpty else { return }
        // The masker's one shadow, swapped out and back as `applyJSON` does.
        var shadow = shadowScratch
        shadowScratch = Shadow()
        defer { shadowScratch = shadow }
        JSONEscapes.decodeKeys(base, escapedKeys, into: &shadow)
        // Rejections here are not counted: the value's own candidates are the main scan's to count.
        var uncounted = Counters(ruleCount: ruleSet.rules.count)
        for match in detectDecoded(shadow, includingBuiltins: false, counters: &uncounted) {
            let source = shadow.source(of: match.start, match.end)
            let contextStart = shadow.sourceStart(match.contextStart)
            // The pair the match was read in: the last whose key starts at or before its context.
            var low = 0, high = escapedKeys.count
            while high - low > 1 {
                let middle = (low + high) / 2
                if escapedKeys[middle].keyStart - 1 <= contextStart { low = middle } else { high = middle }
            }
            let valueStart = escapedKeys[low].valueStart
            guard source.start >= valueStart, contextStart < valueStart else { continue }
            list.append(Match(start: source.start, end: source.end, rule: match.rule, wrap: match.wrap, contextStart: contextStart))
        }
    }

    /// Whether a string or key with escapes must be read decoded: an escape may spell part of an
    /// identifier (`\u0040`), or a regex rule's word may run through a non-ASCII one
    /// (`f\u00f8dselsnummer`: the string has the escape and a literal).
    private func mustReadDecoded(_ base: UnsafePointer<UInt8>, _ token: JSONLine.Token) -> Bool {
        !JSONEscapes.hasOnlySeparatorEscapes(base, from: token.start, to: token.end)
            || (JSONEscapes.hasNonASCIIEscape(base, from: token.start, to: token.end)
                && mayHoldLiteral(base, from: token.start, to: token.end))
    }

    /// Where the scalar value of `key` ends (after a string's closing quote) when `value` is that
    /// value; nil when the key holds an object, an array or a literal.
    private static func scalarValueEnd(after key: JSONLine.Token, value: JSONLine.Token, in base: UnsafePointer<UInt8>) -> Int? {
        guard value.kind != .key else { return nil }
        var cursor = key.end + 1  // after the key's closing quote
        while cursor < value.start && JSONLine.isSpace(base[cursor]) { cursor += 1 }
        guard cursor < value.start, base[cursor] == 0x3A else { return nil }
        cursor += 1
        while cursor < value.start && JSONLine.isSpace(base[cursor]) { cursor += 1 }
        if value.kind == .string { return cursor + 1 == value.start && base[cursor] == 0x22 ? value.end + 1 : nil }
        return cursor == value.start ? value.end : nil
    }

    enum JSONDecode {
        case none, escapes, percent, escapesAndPercent
        var escapes: Bool { self == .escapes || self == .escapesAndPercent }
    }

    /// The end of a decoded document without its trailing line break (Docker's `log` ends in `\n`).
    private static func trimmedEnd(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var end = bytes.count
        while end > 0 && (bytes[end - 1] == 0x0A || bytes[end - 1] == 0x0D || bytes[end - 1] == 0x20) { end -= 1 }
        return end
    }

    private func mapped(_ match: Match, through shadow: Shadow, percent: Bool) -> Match {
        let source = shadow.source(of: match.start, match.end)
        var wrap = match.wrap
        if percent && wrap == .none && shadow.isEscaped(match.start, match.end) { wrap = .percentEncoded }
        return Match(start: source.start, end: source.end, rule: match.rule, wrap: wrap)
    }

    /// Runs every detector over decoded text, as one or more whole lines.
    func detectDecoded(_ shadow: Shadow, includingBuiltins: Bool = true, counters: inout Counters) -> [Match] {
        guard shadow.count > 0 else { return [] }
        // The literal lines noted are the window's (read by `applyFormats`), not the decoded text's.
        let windowLiteralLines = linesWithLiterals.count
        defer { linesWithLiterals.removeSubrange(windowLiteralLines...) }
        let saved = matches
        matches = decodedMatches
        matches.removeAll(keepingCapacity: true)
        shadow.withBytes { bytes in
            detect(in: Window(base: bytes.baseAddress!, context: 0, start: 0, end: bytes.count, contextAtLineStart: true,
                              endAtLineEnd: true, emitLimit: bytes.count), includingBuiltins: includingBuiltins, counters: &counters)
        }
        let found = matches
        decodedMatches = matches
        matches = saved
        return found
    }
}

extension Masker {
    /// How many bytes each side of a split are read together: longer than any identifier.
    static let criJunctionBytes = 96

    /// An identifier split between a partial record (CRI `P`, a Docker `log` without `\n`) and the
    /// next record of its stream is masked in both.
    func maskSplitJunctions(in window: Window, from firstLine: Int, kinds: SplitRecordKinds, counters: inout Counters) {
        let base = window.base
        if kinds.contains(.cri) { maskCRIJunctions(in: window, from: firstLine, counters: &counters) }
        guard kinds.contains(.docker) else { return }
        let needle = DockerRecord.valueEnd
        var cursor = firstLine
        while cursor < window.end {
            let found = needle.withUnsafeBytes { sladd_memmem(base + cursor, window.end - cursor, $0.baseAddress, $0.count) }
            guard let found else { break }
            let offset = UnsafeRawPointer(found) - UnsafeRawPointer(base)
            guard let lineEnd = Self.firstNewline(in: base, from: offset, to: window.end) else { break }
            cursor = lineEnd + 1
            // Most Docker records end in `\n`: those are passed before looking for their line start.
            if DockerRecord.endsInNewline(base, max(firstLine, offset - 256), offset) { continue }
            maskJunction(ofRecordAt: offset, lineEnd: lineEnd, in: window, from: firstLine, counters: &counters)
        }
    }

    /// CRI records tagged `P` (partial): one search for ` P `, each hit checked for the stream name
    /// before it.
    private func maskCRIJunctions(in window: Window, from firstLine: Int, counters: inout Counters) {
        let base = window.base
        var cursor = firstLine
        while cursor < window.end, let found = sladd_find3(base + cursor, window.end - cursor, 0x20, 0x50, 0x20) {
            let tag = UnsafePointer(found) - base
            cursor = tag + 1
            guard tag - 6 >= firstLine, memcmp(base + tag - 6, "stdout", 6) == 0 || memcmp(base + tag - 6, "stderr", 6) == 0
            else { continue }
            guard let lineEnd = Self.firstNewline(in: base, from: tag, to: window.end) else { break }
            cursor = lineEnd + 1
            maskJunction(ofRecordAt: tag - 6, lineEnd: lineEnd, in: window, from: firstLine, counters: &counters)
        }
    }

    /// Masks across the junction of the record on the line holding `offset`, if it is partial, and the
    /// next record of its stream.
    private func maskJunction(ofRecordAt offset: Int, lineEnd: Int, in window: Window, from firstLine: Int,
                              counters: inout Counters) {
        let base = window.base
        let lineStart = Self.lastNewline(in: base, from: firstLine, to: offset).map { $0 + 1 } ?? firstLine
        guard let record = CRIRecord.header(in: base, lineStart: lineStart, lineEnd: Self.contentEnd(in: base, lineStart, lineEnd)),
              record.isPartial, let next = nextRecord(after: lineEnd + 1, stdout: record.isStdout, in: window) else { return }
        maskJunction(record, next, in: base, counters: &counters)
    }

    /// Which records `auto` looks for in this window: those of its first or last whole line. A stream
    /// comes from one source, so one line speaks for the window; the `memmem` passes of the junction
    /// search cost 10% of the scan and are spent only on streams of split records.
    struct SplitRecordKinds: OptionSet {
        let rawValue: Int
        static let cri = SplitRecordKinds(rawValue: 1)
        static let docker = SplitRecordKinds(rawValue: 2)
    }

    static func splitRecordKinds(_ window: Window, firstLine: Int, linesEnd: Int) -> SplitRecordKinds {
        let base = window.base
        func kind(_ start: Int, _ end: Int) -> SplitRecordKinds {
            if CRIRecord.messageStart(in: base, from: start, to: end) != nil { return .cri }
            return DockerRecord.startsRecord(base, start, end) ? .docker : []
        }
        let firstEnd = firstNewline(in: base, from: firstLine, to: linesEnd) ?? linesEnd
        let lastStart = lastNewline(in: base, from: firstLine, to: max(firstLine, linesEnd - 1)).map { $0 + 1 } ?? firstLine
        return kind(firstLine, firstEnd).union(kind(lastStart, linesEnd))
    }

    /// The next record of the same stream among the following lines of the window.
    private func nextRecord(after start: Int, stdout: Bool, in window: Window) -> CRIRecord.Header? {
        var lineStart = start
        for _ in 0..<256 where lineStart < window.end {
            guard let lineEnd = Self.firstNewline(in: window.base, from: lineStart, to: window.end) ?? (window.endAtLineEnd ? window.end : nil)
            else { return nil }
            if let record = CRIRecord.header(in: window.base, lineStart: lineStart,
                                             lineEnd: Self.contentEnd(in: window.base, lineStart, lineEnd)),
               record.isStdout == stdout {
                return record
            }
            lineStart = lineEnd + 1
        }
        return nil
    }

    private func maskJunction(_ partial: CRIRecord.Header, _ next: CRIRecord.Header, in base: UnsafePointer<UInt8>,
                              counters: inout Counters) {
        let head = max(partial.messageStart, partial.messageEnd - Self.criJunctionBytes)
        let tail = min(next.messageEnd, next.messageStart + Self.criJunctionBytes)
        var shadow = Shadow()
        var junction = 0
        shadow.refill(reserving: partial.messageEnd - head + tail - next.messageStart) { writer in
            writer.appendVerbatim(base, at: head, length: partial.messageEnd - head, limit: partial.messageEnd, origins: RawOrigins())
            junction = writer.count
            writer.appendVerbatim(base, at: next.messageStart, length: tail - next.messageStart, limit: tail, origins: RawOrigins())
        }
        guard junction > 0 else { return }
        for match in detectDecoded(shadow, counters: &counters) where match.start < junction && match.end > junction {
            // One identifier, two lines: each part is replaced, so neither line holds a piece of it.
            matches.append(Match(start: shadow.sourceStart(match.start), end: partial.messageEnd, rule: match.rule))
            matches.append(Match(start: next.messageStart, end: shadow.sourceEnd(match.end - 1), rule: match.rule))
            counters.matches[match.rule] -= 1  // counted once, though written twice
        }
    }
}
