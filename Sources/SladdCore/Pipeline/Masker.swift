#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CSladdSIMD

/// Finds and masks every enabled rule in a region of a buffer: the detect and mask stages of one worker.
///
/// Not thread-safe: PCRE2 match data and scratch space are reused from call to call. Give each thread
/// its own `Masker`.
public final class Masker {
    public let ruleSet: RuleSet
    private let builtins: BuiltinScanner
    private let regexRules: [RegexRule]
    /// Each rule's action, retained here and released in `deinit`: read per match through
    /// `_withUnsafeGuaranteedRef`, which costs no reference count. Held as plain references, each
    /// match paid a retain and a release around each of two calls (1.5% of the instructions with
    /// PII on every line, callgrind).
    private let actions: [Unmanaged<CompiledAction>]
    private let replacer: Replacer
    /// Detections of the current window (internal for the format pass, `Masker+Formats.swift`).
    var matches: [Match] = []
    /// How lines are structured; see `LineFormat`.
    let format: LineFormat
    /// Reused by the format pass.
    var tokens: [JSONLine.Token] = []
    var decodedMatches: [Match] = []
    /// Reused by the format pass: all matches of a window in line order, and those of one line.
    var formatScratch: (result: [Match], line: [Match]) = ([], [])
    /// Reused by each JSON document: how each token is read.
    var jsonDecodesScratch: [JSONDecode] = []
    /// Reused for each decoded JSON string.
    var shadowScratch = Shadow()
    /// Reused by each JSON document: its keys written with escapes, read decoded together.
    var escapedKeys: [JSONEscapes.KeyAndValue] = []
    /// Lines of the current window with an escape the blanked copy could not stand in for.
    var linesToDecode: [Int] = []
    /// Lines of the current window with a non-ASCII escape (`\u00f8`), blanked like a separator:
    /// read for their structure when a regex rule's literal is in them (see `applyFormats`).
    var linesWithNonASCIIEscapes: [Int] = []
    /// Lines of the current window in which the regex rules' literal filter found a literal, in order.
    var linesWithLiterals: [Int] = []
    /// Separator escapes blanked in the window itself, with their bytes as written (length in the
    /// top byte), until `restoreBlankedEscapes` puts them back (see `scanBase(for:writable:)`).
    var blankedInPlace: [(offset: Int, bytes: UInt64)] = []
    /// The blanked copy of a window with escapes (see `scanBase(for:writable:)`).
    var escapeScratch = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
    var escapeScratchCapacity = 0

    struct RegexRule {
        let ruleIndex: Int
        let regex: CompiledRegex
        let hasPrefilter: Bool
        /// The pack's `prefilter_lead`: the regex runs near the rule's literals, not over whole lines.
        let lead: Int?
    }
    /// The prefilter literals of every regex rule, searched in one pass.
    private let literals: LiteralSet
    /// Which regex rules a line triggers: bit `i % 64` of word `i / 64` for rule `i` (reused). Its
    /// set bits are the rules to run, in order; a walk over one flag per rule was a tenth of this
    /// pass's instructions with PII on every line.
    private var triggered: [UInt64]
    /// Where a line's literals of rules with a `lead` start, and whose they are: `rule << 40 | start`
    /// (a window's offsets stay far below 2^40), so that one integer sort groups them by rule in order
    /// of start (a sort of tuples through a closure cost 120 instructions a line). Reused.
    private var literalStarts: [Int] = []
    private static let literalRuleShift = 40
    private static let literalStartMask = (1 << literalRuleShift) - 1
    private static let nearLiteralsLimit = 16
    /// Whether regex rule `i` has a lead: read per literal found, where `regexRules[i].lead` cost more.
    private let ruleHasLead: [Bool]

    /// Marks a line withheld because a regex hit its limit: written instead of the line, never its content.
    static let withheldRule = -1

    public convenience init(ruleSet: RuleSet, format: LineFormat = .auto) throws(ConfigurationError) {
        self.init(ruleSet: ruleSet, format: format, compiled: try ruleSet.compiledRegexes())
    }

    /// A masker with the same rules for another thread, sharing the compiled patterns.
    func forAnotherThread() -> Masker {
        Masker(ruleSet: ruleSet, format: format,
               compiled: Dictionary(uniqueKeysWithValues: regexRules.map { ($0.ruleIndex, CompiledRegex(sharing: $0.regex)) }))
    }

    private init(ruleSet: RuleSet, format: LineFormat, compiled: [Int: CompiledRegex]) {
        self.ruleSet = ruleSet
        self.format = format
        var configuration = BuiltinScanner.Configuration()
        var regexRules: [RegexRule] = []
        var literalEntries: [(literal: String, owner: Int)] = []
        for (index, rule) in ruleSet.rules.enumerated() where rule.enabled {
            switch rule.detector {
            case .builtin(let detector):
                switch detector {
                case .fodselsnummer:
                    configuration.fodselsnummer = index
                    configuration.fodselsnummerOptions.acceptControlsFrom2032 = rule.options.acceptControlsFrom2032
                case .fhNumber: configuration.fhNumber = index
                case .bankAccount: configuration.bankAccount = index
                case .paymentCard: configuration.paymentCard = index
                case .phone: configuration.phone = index
                case .iban: configuration.iban = index
                case .email: configuration.email = index
                }
            case .regex(let spec):
                guard let regex = compiled[index] else { continue }
                regexRules.append(RegexRule(ruleIndex: index, regex: regex, hasPrefilter: !spec.prefilter.isEmpty,
                                            lead: spec.prefilterLead))
                literalEntries += spec.prefilter.map { ($0, regexRules.count - 1) }
            }
        }
        builtins = BuiltinScanner(configuration: configuration)
        self.regexRules = regexRules
        ruleHasLead = regexRules.map { $0.lead != nil }
        literals = LiteralSet(literalEntries)
        triggered = Array(repeating: 0, count: (regexRules.count + 63) / 64)
        actions = ruleSet.rules.map { Unmanaged.passRetained(CompiledAction(rule: $0)) }
        replacer = Replacer(pseudonymKey: ruleSet.pseudonymKey)
        matches.reserveCapacity(64)
    }

    deinit {
        escapeScratch.deallocate()
        for action in actions { action.release() }
    }

    /// A stretch of the input to mask.
    struct Window {
        let base: UnsafePointer<UInt8>
        /// Start of the look-behind: bytes already written, read only so boundaries are judged right.
        let context: Int
        /// First byte to write.
        let start: Int
        /// One past the last byte available.
        let end: Int
        /// Whether `context` is the start of a line.
        let contextAtLineStart: Bool
        /// Whether `end` is a line end (after a newline, or the end of the input).
        let endAtLineEnd: Bool
        /// For a window inside a long line: write at least up to here, and further only to finish a match.
        let emitLimit: Int
    }

    struct Outcome {
        /// Bytes up to here are written.
        var emittedThrough: Int
        /// A line still open at the window end was withheld: drop the rest of it.
        var withholdsOpenLine = false
        /// The last line written (open, for a window) had something masked.
        var lastLineMasked = false
    }

    /// Masks `window`, appends the result to `output`, and counts what it found. The text between
    /// matches is borrowed from `window.base`: leave it unchanged until `output` is written.
    /// `writable`: `window.base` is memory the caller owns and may be written to for the length of
    /// this call (escapes are blanked there for the detectors, and put back before it returns).
    func mask(_ window: Window, into output: OutputBuffer, counters: inout Counters, openLineMasked: Bool,
              writable: Bool) -> Outcome {
        matches.removeAll(keepingCapacity: true)
        let scanned = scanBase(for: window, writable: writable)
        detect(in: Window(base: scanned, context: window.context, start: window.start, end: window.end,
                          contextAtLineStart: window.contextAtLineStart, endAtLineEnd: window.endAtLineEnd,
                          emitLimit: window.emitLimit), counters: &counters)
        if !blankedInPlace.isEmpty { restoreBlankedEscapes(in: window) }
        if format != .text { applyFormats(in: window, counters: &counters) }

        // Drop what lies in the look-behind, and what is already masked. The matches are worked on
        // in a local array, handed back at the end: through the class's property every store paid a
        // uniqueness check, and the first store while a loop read the property copied the array.
        var list = matches
        matches = []
        defer { matches = list }
        var kept = 0
        for next in list.indices {
            let match = list[next]
            guard match.start >= window.start && match.end > match.start else { continue }
            if match.rule != Self.withheldRule {
                let value = UnsafeBufferPointer(start: window.base + match.start, count: match.end - match.start)
                let masked = actions[match.rule]._withUnsafeGuaranteedRef { replacer.isAlreadyMasked(value, action: $0) }
                if masked { continue }
            }
            list[kept] = match
            kept += 1
        }
        list.removeSubrange(kept...)

        // Decide how far this call writes; a match that crosses the limit is finished, later ones wait.
        var emitEnd = window.endAtLineEnd ? window.end : window.emitLimit
        for match in list where match.start < emitEnd && match.end > emitEnd { emitEnd = match.end }
        list.removeAll { $0.start >= emitEnd }
        for match in list where match.rule != Self.withheldRule { counters.matches[match.rule] += 1 }
        list.resolveOverlaps()

        var outcome = Outcome(emittedThrough: emitEnd)
        var cursor = window.start
        var lineMasked = openLineMasked
        for match in list {
            if Self.firstNewline(in: window.base, from: cursor, to: match.start) != nil { lineMasked = false }
            if !lineMasked {
                counters.linesMasked += 1
                lineMasked = true
            }
            output.append(borrowing: window.base + cursor, count: match.start - cursor)
            if match.rule == Self.withheldRule {
                output.append(Self.withheldMarker)
                if match.end == window.end && !window.endAtLineEnd { outcome.withholdsOpenLine = true }
            } else {
                let value = UnsafeBufferPointer(start: window.base + match.start, count: match.end - match.start)
                actions[match.rule]._withUnsafeGuaranteedRef { action in
                    replacer.write(value, action: action, wrap: match.wrap, to: output)
                }
            }
            cursor = match.end
        }
        output.append(borrowing: window.base + cursor, count: emitEnd - cursor)
        if Self.firstNewline(in: window.base, from: cursor, to: emitEnd) != nil { lineMasked = false }
        outcome.lastLineMasked = lineMasked
        return outcome
    }

    /// Runs every detector over `window`, appending to `matches`.
    func detect(in window: Window, includingBuiltins: Bool = true, counters: inout Counters) {
        // What starts in the look-behind was counted by the window before; what starts past the emit
        // limit of an open window is counted by the next.
        let counted = window.start..<max(window.start, window.endAtLineEnd ? window.end : window.emitLimit)
        let region = ScanRegion(base: window.base, lowerBound: window.context, upperBound: window.end,
                                startsAtLineStart: window.contextAtLineStart, endsAtLineEnd: window.endAtLineEnd,
                                countedStarts: counted)
        if includingBuiltins { builtins.scan(region, into: &matches, counters: &counters) }
        for rule in regexRules where !rule.hasPrefilter { runOnEveryLine(rule, in: window, counters: &counters) }
        if !literals.isEmpty { runPrefilteredRules(in: window, counters: &counters) }
    }

    static let withheldMarker: [UInt8] = Array("[sladd: line withheld, a rule hit its regex limit]".utf8)

    /// A rule without prefilter literals runs on every line.
    private func runOnEveryLine(_ rule: RegexRule, in window: Window, counters: inout Counters) {
        var lineStart = window.context
        while lineStart < window.end {
            let lineEnd = Self.firstNewline(in: window.base, from: lineStart, to: window.end) ?? window.end
            matchLine(rule, lineStart: lineStart, lineEnd: lineEnd, in: window, counters: &counters)
            lineStart = lineEnd + 1
        }
    }

    /// Whether `start..<end` may hold a regex rule's literal (the literal filter finds one).
    func mayHoldLiteral(_ base: UnsafePointer<UInt8>, from start: Int, to end: Int) -> Bool {
        literals.firstMatch(in: base, from: start, to: end) != nil
    }

    /// One pass finds the lines holding any prefilter literal; each such line runs only the rules whose
    /// literals it holds. A window of thousands of clean lines never reaches PCRE2.
    private func runPrefilteredRules(in window: Window, counters: inout Counters) {
        let base = window.base
        var searchFrom = window.context
        while let hit = literals.firstMatch(in: base, from: searchFrom, to: window.end) {
            // `searchFrom` is a line start: looking back further would make a long line quadratic.
            let lineStart = Self.lastNewline(in: base, from: searchFrom, to: hit.offset).map { $0 + 1 } ?? searchFrom
            let lineEnd = Self.firstNewline(in: base, from: hit.offset, to: window.end) ?? window.end
            linesWithLiterals.append(lineStart)
            if !literalStarts.isEmpty { literalStarts.removeAll(keepingCapacity: true) }
            // A line with more such literals goes back to whole-line matching: gathering the starts of
            // a line of 222,000 `password=` cost more than PCRE2's own scan (one match runs to its end).
            var manyLiterals = false
            let hasLead = ruleHasLead
            // Literals come in the order of their anchors, not of their starts, and several can share
            // a position: every literal of the line is looked at, the first hit included.
            literals.forEachMatch(in: base, from: lineStart, to: lineEnd) { offset, literal in
                let owner = literals.owners[literal]
                triggered[owner >> 6] |= 1 << UInt64(owner & 63)
                if !manyLiterals && hasLead[owner] {
                    if literalStarts.count < Self.nearLiteralsLimit {
                        literalStarts.append(owner << Self.literalRuleShift | offset)
                    } else {
                        manyLiterals = true
                    }
                }
                return true
            }
            if literalStarts.count > 1 && !literalStarts.isSorted(by: <=) { literalStarts.sort() }
            var nearLiterals = literalStarts.startIndex
            for word in triggered.indices {
                var bits = triggered[word]
                triggered[word] = 0
                while bits != 0 {
                    let index = word << 6 | bits.trailingZeroBitCount
                    bits &= bits &- 1
                    let rule = regexRules[index]
                    guard let lead = rule.lead, !manyLiterals else {
                        matchLine(rule, lineStart: lineStart, lineEnd: lineEnd, in: window, counters: &counters)
                        continue
                    }
                    while literalStarts[nearLiterals] >> Self.literalRuleShift < index { nearLiterals += 1 }
                    var last = nearLiterals
                    while last < literalStarts.endIndex && literalStarts[last] >> Self.literalRuleShift == index { last += 1 }
                    matchNearLiterals(rule, lead: lead, literalStarts: literalStarts[nearLiterals..<last],
                                      lineStart: lineStart, lineEnd: lineEnd, in: window, counters: &counters)
                    nearLiterals = last
                }
            }
            searchFrom = lineEnd + 1
        }
    }

    /// PCRE2 options for a line `lineStart..<lineEnd` of `window`: a line cut by the window is not
    /// one PCRE2 may take for whole.
    private static func lineOptions(_ lineStart: Int, _ lineEnd: Int, in window: Window) -> UInt32 {
        var options: UInt32 = 0
        if lineStart == window.context && !window.contextAtLineStart { options |= 0x00000001 }  // PCRE2_NOTBOL
        if lineEnd == window.end && !window.endAtLineEnd { options |= 0x00000002 }  // PCRE2_NOTEOL
        return options
    }

    private func matchLine(_ rule: RegexRule, lineStart: Int, lineEnd: Int, in window: Window, counters: inout Counters) {
        guard lineEnd > window.start else { return }
        let options = Self.lineOptions(lineStart, lineEnd, in: window)
        let subject = window.base + lineStart
        let length = lineEnd - lineStart
        var offset = max(window.start, lineStart) - lineStart
        while offset <= length {
            switch rule.regex.nextMatch(in: subject, length: length, from: offset, options: options) {
            case .match(let start, let end):
                offset = record(rule, start: start, end: end, lineStart: lineStart)
            case .noMatch:
                return
            case .limitExceeded:
                return failLine(.regexLimit, lineStart: lineStart, lineEnd: lineEnd, in: window, counters: &counters)
            case .failure:
                return failLine(.regexFailure, lineStart: lineStart, lineEnd: lineEnd, in: window, counters: &counters)
            }
        }
    }

    /// `matchLine` for a rule whose matches start at most `lead` bytes before a literal they hold:
    /// PCRE2 tries only the starts `literal - lead ... literal` of each literal (`literalStarts`, in
    /// order), the whole line still its subject (look-behinds see what they would). Every start it
    /// skips cannot begin a match, and those it tries it tries in order, so the matches are the same.
    /// From the start of the line, `secret.key_value` tried every `a`, `p`, `s` and `t` before its
    /// key: 3,000 instructions a line with a password (callgrind, PCRE2 alone), 700 this way.
    private func matchNearLiterals(_ rule: RegexRule, lead: Int, literalStarts: ArraySlice<Int>,
                                   lineStart: Int, lineEnd: Int, in window: Window, counters: inout Counters) {
        guard lineEnd > window.start else { return }
        let options = Self.lineOptions(lineStart, lineEnd, in: window)
        let subject = window.base + lineStart
        let length = lineEnd - lineStart
        var offset = max(window.start, lineStart) - lineStart  // every start before it is done
        for literal in literalStarts {
            let lastStart = (literal & Self.literalStartMask) - lineStart
            while offset <= lastStart {
                switch rule.regex.nextMatch(in: subject, length: length, from: max(offset, lastStart - lead),
                                            startingBy: lastStart, options: options) {
                case .match(let start, let end):
                    offset = record(rule, start: start, end: end, lineStart: lineStart)
                case .noMatch:
                    offset = lastStart + 1
                case .limitExceeded:
                    return failLine(.regexLimit, lineStart: lineStart, lineEnd: lineEnd, in: window, counters: &counters)
                case .failure:
                    return failLine(.regexFailure, lineStart: lineStart, lineEnd: lineEnd, in: window, counters: &counters)
                }
            }
        }
    }

    /// Adds a match of `rule` (offsets in its line) and says where the search goes on.
    private func record(_ rule: RegexRule, start: Int, end: Int, lineStart: Int) -> Int {
        if end > start {
            matches.append(Match(start: lineStart + start, end: lineStart + end, rule: rule.ruleIndex,
                                 contextStart: lineStart + rule.regex.lastMatchStart))
        }
        let wholeEnd = rule.regex.lastMatchEnd
        return wholeEnd > rule.regex.lastMatchStart ? wholeEnd : wholeEnd + 1
    }

    /// A regex that hit its limit or failed: the line is withheld, and counted.
    private func failLine(_ error: Counters.ErrorKind, lineStart: Int, lineEnd: Int, in window: Window,
                          counters: inout Counters) {
        withholdLine(lineStart: lineStart, lineEnd: lineEnd, in: window)
        counters.errors[error, default: 0] += 1
    }

    /// Fail closed: the line's content (not its line ending) is replaced by a marker.
    private func withholdLine(lineStart: Int, lineEnd: Int, in window: Window) {
        matches.append(Match(start: max(lineStart, window.start), end: Self.contentEnd(in: window.base, lineStart, lineEnd),
                             rule: Self.withheldRule))
    }

    /// Line starts of offsets asked for in ascending order. Each call looks back only to the previous
    /// offset (with `memrchr`), so a long line with thousands of offsets costs one pass, not one pass
    /// per offset, and a sparse match costs a look back over its own line only.
    struct LineStartCursor {
        let base: UnsafePointer<UInt8>
        private(set) var lineStart: Int
        private var scanned: Int

        init(base: UnsafePointer<UInt8>, from start: Int) {
            self.base = base
            lineStart = start
            scanned = start
        }

        mutating func lineStart(of offset: Int) -> Int {
            if offset > scanned {
                if let newline = Masker.lastNewline(in: base, from: scanned, to: offset) { lineStart = newline + 1 }
                scanned = offset
            }
            return lineStart
        }
    }

    @inline(__always)
    static func firstNewline(in base: UnsafePointer<UInt8>, from start: Int, to end: Int) -> Int? {
        guard end > start, let found = memchr(base + start, 0x0A, end - start) else { return nil }
        return UnsafeRawPointer(found) - UnsafeRawPointer(base)
    }

    /// The end of a line's content `start..<end` (`end` at its newline): before a `\r` that ends it.
    @inline(__always)
    static func contentEnd(in base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Int {
        end > start && base[end - 1] == 0x0D ? end - 1 : end
    }

    /// The last newline in `start..<end` (glibc's memrchr: 32 bytes at a time).
    @inline(__always)
    static func lastNewline(in base: UnsafePointer<UInt8>, from start: Int, to end: Int) -> Int? {
        guard end > start, let found = sladd_memrchr(base + start, 0x0A, end - start) else { return nil }
        return UnsafeRawPointer(found) - UnsafeRawPointer(base)
    }
}
