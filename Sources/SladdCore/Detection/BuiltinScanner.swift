import CSladdSIMD

/// Finds the built-in identifiers in one pass over a region.
///
/// The pass classifies 64 bytes at a time and stops only at `@` and at digit runs that could start an
/// identifier (see `scanBlocks`). At the start of such a run the numeric detectors parse forward with a bounded look-ahead, and `@` starts the
/// email detector, which never crosses another `@`. So every byte is looked at a bounded number of
/// times: no input, however hostile, makes the scan quadratic.
final class BuiltinScanner {
    struct Configuration {
        var fodselsnummer: Int?
        var fhNumber: Int?
        var bankAccount: Int?
        var paymentCard: Int?
        var phone: Int?
        var iban: Int?
        var email: Int?
        var fodselsnummerOptions = NorwegianIdentityNumber.Options()

        var scansDigits: Bool {
            fodselsnummer != nil || fhNumber != nil || bankAccount != nil || paymentCard != nil
                || phone != nil || iban != nil
        }
        var isEmpty: Bool { !scansDigits && email == nil }
    }

    let configuration: Configuration
    /// Digit values (0–9) or uppercased IBAN characters of the candidate being validated.
    private let scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: 64)
    /// Where each digit group of a grouped card candidate ends, and how long it is.
    private let groupEnds = UnsafeMutablePointer<Int>.allocate(capacity: 8)
    private let groupLengths = UnsafeMutablePointer<Int>.allocate(capacity: 8)
    /// The email byte classes, copied out of their static arrays: a static read in the loop costs a
    /// `swift_once` check and a bounds check per byte (a line of `@@@@` spent 5% in swift_once).
    private let localPart = UnsafeMutablePointer<Bool>.allocate(capacity: 256)
    private let domain = UnsafeMutablePointer<Bool>.allocate(capacity: 256)
    /// IBAN lengths by country (`IBAN.lengthTable`), copied out of their static array as the email
    /// classes are.
    private let ibanLengths = UnsafeMutablePointer<UInt8>.allocate(capacity: 26 * 26)
    /// What the C block pass found in up to `blocksPerCall` blocks (4 KiB of text) per call.
    private let blocks = UnsafeMutablePointer<sladd_block_visits>.allocate(capacity: blocksPerCall)
    private static let blocksPerCall = 64

    init(configuration: Configuration) {
        self.configuration = configuration
        localPart.initialize(from: Self.localPartBytes, count: 256)
        domain.initialize(from: Self.domainBytes, count: 256)
        ibanLengths.initialize(from: IBAN.lengthTable, count: 26 * 26)
    }

    deinit {
        blocks.deallocate()
        ibanLengths.deallocate()
        localPart.deallocate()
        domain.deallocate()
        scratch.deallocate()
        groupEnds.deallocate()
        groupLengths.deallocate()
    }

    func scan(_ region: ScanRegion, into matches: inout [Match], counters: inout Counters) {
        scan(region, into: &matches, counters: &counters, filteringBlocks: true)
    }

    /// `filteringBlocks: false` stops at every digit run and `@`; `filteringStarts: false` also hands
    /// every digit run to the detectors, not only those `mayStartIdentifier` lets through. Tests
    /// compare the ways: the filters may only skip what no detector would take.
    func scan(_ region: ScanRegion, into matches: inout [Match], counters: inout Counters, filteringBlocks: Bool,
              filteringStarts: Bool = true) {
        guard !configuration.isEmpty else { return }
        var offset = region.lowerBound
        if filteringBlocks { offset = scanBlocks(region, into: &matches, counters: &counters) }
        scanEachTrigger(region, from: offset, into: &matches, counters: &counters, filteringStarts: filteringStarts)
    }

    /// Scans whole 64-byte blocks, visiting only the digit runs that could start an identifier; returns
    /// where the blocks end. The filter admits a superset of what `mayStartIdentifier` accepts and
    /// `detectNumeric` can use: runs after `+` (a phone), runs of 2 or more after exactly two letters
    /// (an IBAN's check digits), and, not after a word, runs whose length and next group
    /// `mayStartIdentifier` accepts. Where fewer than 64 bytes follow a block the last test is only
    /// "4 digits or more", and the visit checks the rest.
    private func scanBlocks(_ region: ScanRegion, into matches: inout [Match], counters: inout Counters) -> Int {
        let flags = UInt32((configuration.email != nil ? SLADD_VISIT_EMAIL : 0) | (configuration.scansDigits ? SLADD_VISIT_DIGITS : 0))
        var previous = ByteClassMasks(before: region)
        var offset = region.lowerBound
        while true {
            var visited: UInt64 = 0
            let count = sladd_visit_blocks(region.base, offset, region.upperBound, flags, &previous, blocks,
                                           Self.blocksPerCall, &visited)
            guard count > 0 else { return offset }
            // Over the mask of blocks to visit: a test per block mispredicted often (one block in four
            // has a visit) and took a third of this function's time (perf).
            while visited != 0 {
                let index = visited.trailingZeroBitCount
                visited &= visited &- 1
                let block = blocks[index]
                let blockStart = offset &+ index &* ByteClassMasks.width
                var visits = block.visits
                while visits != 0 {
                    let lane = UInt64(visits.trailingZeroBitCount)
                    let position = blockStart &+ Int(lane)
                    visits &= visits &- 1
                    if block.at >> lane & 1 != 0 {
                        if mayEndLocalPart(at: position, in: region) {
                            detectEmail(at: position, in: region, into: &matches, counters: &counters)
                        }
                    } else {
                        // The run ends at the first non-digit of the block, if the block has one after it.
                        let nonDigitsAfter = ~block.digits >> lane
                        let runEnd = nonDigitsAfter != 0
                            ? position &+ nonDigitsAfter.trailingZeroBitCount
                            : region.endOfDigits(from: blockStart &+ ByteClassMasks.width)
                        if mayStartIdentifier(runStart: position, runEnd: runEnd, in: region) {
                            detectNumeric(runStart: position, runEnd: runEnd, in: region, into: &matches, counters: &counters)
                        }
                    }
                }
            }
            offset &+= count &* ByteClassMasks.width
        }
    }

    /// Stops at every digit run and `@` from `start`: the tail of a region shorter than a block.
    private func scanEachTrigger(_ region: ScanRegion, from start: Int, into matches: inout [Match],
                                 counters: inout Counters, filteringStarts: Bool) {
        let scansDigits = configuration.scansDigits
        let scansEmail = configuration.email != nil
        var offset = start
        while true {
            offset = nextTrigger(in: region, from: offset)
            guard offset < region.upperBound else { return }
            let byte = region.base[offset]
            if byte == ByteClass.at {
                if scansEmail && mayEndLocalPart(at: offset, in: region) {
                    detectEmail(at: offset, in: region, into: &matches, counters: &counters)
                }
                offset += 1
            } else if ByteClass.isDigit(region[offset - 1]) {
                // The region or the tail starts inside a digit run.
                offset = region.endOfDigits(from: offset)
            } else {
                let runEnd = region.endOfDigits(from: offset)
                if scansDigits && (!filteringStarts || mayStartIdentifier(runStart: offset, runEnd: runEnd, in: region)) {
                    detectNumeric(runStart: offset, runEnd: runEnd, in: region, into: &matches, counters: &counters)
                }
                offset = runEnd
            }
        }
    }

    /// The next digit or `@` at or after `offset`.
    ///
    /// Hot path: most log bytes are neither, so 16 bytes are classified at once with SIMD compares and
    /// a block without a trigger costs a handful of instructions.
    @inline(__always)
    private func nextTrigger(in region: ScanRegion, from start: Int) -> Int {
        var offset = start
        let end = region.upperBound
        let base = UnsafeRawPointer(region.base)
        let zero = SIMD16<UInt8>(repeating: 0x30)
        let ten = SIMD16<UInt8>(repeating: 10)
        let at = SIMD16<UInt8>(repeating: ByteClass.at)
        while offset &+ 16 <= end {
            let block = base.loadUnaligned(fromByteOffset: offset, as: SIMD16<UInt8>.self)
            var hits = SIMDMaskBits(((block &- zero) .< ten) .| (block .== at))
            if let lane = hits.popFirst() { return offset &+ lane }
            offset &+= 16
        }
        while offset < end {
            let byte = region.base[offset]
            if ByteClass.isDigit(byte) || byte == ByteClass.at { return offset }
            offset &+= 1
        }
        return end
    }

    // MARK: - Numbers

    private func detectNumeric(runStart: Int, runEnd: Int, in region: ScanRegion,
                               into matches: inout [Match], counters: inout Counters) {
        let before = region[runStart - 1]
        if ByteClass.isLetter(before) && !endsAnsiColorSequence(at: runStart - 1, in: region) {
            // Digits glued to letters belong to a word or an id; only an IBAN starts like this.
            if let rule = configuration.iban, ByteClass.isLetter(region[runStart - 2]),
               !ByteClass.isAlphanumeric(region[runStart - 3]) {
                detectIBAN(start: runStart - 2, rule: rule, in: region, into: &matches, counters: &counters)
            }
            return
        }
        let runLength = runEnd - runStart
        // The digits after a decimal point or inside a version or an address are not an identifier.
        let isFraction = before == ByteClass.dot && ByteClass.isDigit(region[runStart - 2])

        if let rule = configuration.bankAccount, runLength == 4, !isFraction {
            detectBankAccount(runStart: runStart, rule: rule, in: region, into: &matches, counters: &counters)
        }
        if isFraction { return }
        // Each detector is called only for the run lengths and starts it can take: most visits are
        // 19-digit ids and 11-digit numbers, and a call that returns at once still cost a call and
        // a mispredicted branch or two.
        if runLength == 11 || runLength == 6, configuration.fodselsnummer != nil || configuration.fhNumber != nil {
            detectIdentityNumber(runStart: runStart, runEnd: runEnd, in: region, into: &matches, counters: &counters)
        }
        if runLength == 4 || (13...19).contains(runLength), let rule = configuration.paymentCard {
            detectCard(runStart: runStart, runEnd: runEnd, rule: rule, in: region, into: &matches, counters: &counters)
        }
        if before == ByteClass.plus || region.base[runStart] == 0x30, let rule = configuration.phone {
            detectPhone(runStart: runStart, runEnd: runEnd, rule: rule, in: region, into: &matches, counters: &counters)
        }
    }

    /// Most digit runs in logs are parts of times and counters, of lengths no detector starts with
    /// (4: account or grouped card, 6 and 11: fødselsnummer, 13-19: card; a phone starts `+47` or
    /// `0047`; an IBAN's check digits follow letters). Checked inline, before any detector is called.
    @inline(__always)
    private func mayStartIdentifier(runStart: Int, runEnd: Int, in region: ScanRegion) -> Bool {
        let runLength = runEnd - runStart
        if runLength <= 19 && Self.startingLengths & (1 << UInt32(runLength)) != 0 {
            // Runs of 4 and 6 start only grouped numbers, whose next group is looked at apart: with
            // it inline, this function grew past what the compiler inlines into the visit loop.
            if runLength != 4 && runLength != 6 || hasNextGroup(runLength: runLength, runEnd: runEnd, in: region) {
                return true
            }
        }
        let before = region[runStart - 1]
        if before == ByteClass.plus || ByteClass.isLetter(before) { return true }
        return runLength >= 4 && region.base[runStart] == 0x30 && region.base[runStart + 1] == 0x30
    }

    /// Whether the group a grouped number needs after a run of 4 or 6 is there: 4 digits after `-`
    /// (card); after `.` or a space 2 digits and the same separator (account) or, after a space, a
    /// third digit (card); 5 after the 6 (fødselsnummer). Years of ISO dates (`2025-11-02`),
    /// `\u0040`, `took=1234ms` and `amount=1794.79` stop here.
    private func hasNextGroup(runLength: Int, runEnd: Int, in region: ScanRegion) -> Bool {
        let separator = region[runEnd]
        if runLength == 6 {
            return (separator == ByteClass.space || separator == ByteClass.dash) && region.isDigits(from: runEnd + 1, count: 5)
        }
        if separator == ByteClass.dash { return region.isDigits(from: runEnd + 1, count: 4) }
        guard (separator == ByteClass.space || separator == ByteClass.dot) && region.isDigits(from: runEnd + 1, count: 2) else {
            return false
        }
        let third = region[runEnd + 3]
        return third == separator || (separator == ByteClass.space && ByteClass.isDigit(third))
    }

    /// Bit n set: a run of n digits can start an identifier.
    private static let startingLengths: UInt32 = 1 << 4 | 1 << 6 | 1 << 11 | 0x7F << 13

    /// Whether a number ends here: no letter or digit follows, nor a `.` with a digit after it.
    @inline(__always)
    private func isNumberEnd(_ offset: Int, in region: ScanRegion) -> Bool {
        let byte = region[offset]
        if ByteClass.isAlphanumeric(byte) { return false }
        return !(byte == ByteClass.dot && ByteClass.isDigit(region[offset + 1]))
    }

    /// `ESC [ params m` (terminal colours) ends in a letter but separates words.
    private func endsAnsiColorSequence(at offset: Int, in region: ScanRegion) -> Bool {
        guard region[offset] == 0x6D else { return false }  // "m"
        var cursor = offset - 1
        var steps = 0
        while steps < 16 {
            let byte = region[cursor]
            if byte == ByteClass.openBracket { return region[cursor - 1] == ByteClass.escape }
            guard ByteClass.isDigit(byte) || byte == 0x3B else { return false }  // digits and ";"
            cursor -= 1
            steps += 1
        }
        return false
    }

    /// Copies the digits of `start..<end` (skipping separators) into `scratch`; returns how many.
    @inline(__always)
    private func gatherDigits(from start: Int, to end: Int, in region: ScanRegion) -> Int {
        var count = 0
        for offset in start..<end {
            let byte = region.base[offset]
            if ByteClass.isDigit(byte) {
                scratch[count] = byte &- 0x30
                count += 1
            }
        }
        return count
    }

    /// `gatherDigits` for a run of exactly 11 digits, 8 bytes at a time (at 0 and at 3, overlapping,
    /// so nothing past the run is read): most 11-digit runs are order ids and the like that fail
    /// mod-11, and the byte loop was 40% of their cost.
    @inline(__always)
    private func gatherElevenDigits(at start: Int, in region: ScanRegion) {
        // Every byte is `0`...`9`, so subtracting 0x30 from each lane borrows nowhere.
        let zeros: UInt64 = 0x3030_3030_3030_3030
        let low = UnsafeRawPointer(region.base + start).loadUnaligned(as: UInt64.self) &- zeros
        let high = UnsafeRawPointer(region.base + start + 3).loadUnaligned(as: UInt64.self) &- zeros
        UnsafeMutableRawPointer(scratch).storeBytes(of: low, as: UInt64.self)
        UnsafeMutableRawPointer(scratch + 3).storeBytes(of: high, as: UInt64.self)
    }

    /// `DDMMYYIIIKK`, `DDMMYY IIIKK` or `DDMMYY-IIIKK`.
    private func detectIdentityNumber(runStart: Int, runEnd: Int, in region: ScanRegion,
                                      into matches: inout [Match], counters: inout Counters) {
        var end = -1
        let runLength = runEnd - runStart
        if runLength == 11 {
            end = runEnd
        } else if runLength == 6 {
            let separator = region[runEnd]
            if (separator == ByteClass.space || separator == ByteClass.dash) && ByteClass.isDigit(region[runEnd + 1]) {
                let secondEnd = region.endOfDigits(from: runEnd + 1)
                if secondEnd - runEnd - 1 == 5
                    && (separator == ByteClass.dash || isStandaloneSpacedNumber(from: runStart, to: secondEnd, in: region)) {
                    end = secondEnd
                }
            }
        }
        guard end > 0, isNumberEnd(end, in: region) else { return }
        if runLength == 11 {
            gatherElevenDigits(at: runStart, in: region)
        } else {
            _ = gatherDigits(from: runStart, to: end, in: region)
        }
        if let rule = configuration.fodselsnummer {
            if NorwegianIdentityNumber.isValid(scratch, options: configuration.fodselsnummerOptions) {
                matches.append(Match(start: runStart, end: end, rule: rule))
                return
            }
            if scratch[0] < 8 { region.countRejection(of: rule, at: runStart, in: &counters) }
        }
        if let rule = configuration.fhNumber, scratch[0] >= 8 {
            if NorwegianIdentityNumber.isValidFHNumber(scratch) {
                matches.append(Match(start: runStart, end: end, rule: rule))
            } else {
                region.countRejection(of: rule, at: runStart, in: &counters)
            }
        }
    }

    /// A number written in space-separated groups is only an identifier when no other group of digits
    /// joins it: `034726 19054` inside `081111 034726 19054` is a time and a thread id.
    private func isStandaloneSpacedNumber(from start: Int, to end: Int, in region: ScanRegion) -> Bool {
        !(region[start - 1] == ByteClass.space && ByteClass.isDigit(region[start - 2]))
            && !(region[end] == ByteClass.space && ByteClass.isDigit(region[end + 1]))
    }

    /// Kontonummer written `1234.56.78901` or `1234 56 78901`. A compact eleven-digit account number
    /// looks like any other number, so it is left to key-aware rules.
    private func detectBankAccount(runStart: Int, rule: Int, in region: ScanRegion,
                                   into matches: inout [Match], counters: inout Counters) {
        let separator = region[runStart + 4]
        guard separator == ByteClass.dot || separator == ByteClass.space,
              ByteClass.isDigit(region[runStart + 5]) else { return }
        let secondEnd = region.endOfDigits(from: runStart + 5)
        guard secondEnd == runStart + 7, region[secondEnd] == separator,
              ByteClass.isDigit(region[secondEnd + 1]) else { return }
        let thirdEnd = region.endOfDigits(from: secondEnd + 1)
        guard thirdEnd == secondEnd + 6, isNumberEnd(thirdEnd, in: region),
              separator == ByteClass.dot || isStandaloneSpacedNumber(from: runStart, to: thirdEnd, in: region)
        else { return }
        _ = gatherDigits(from: runStart, to: thirdEnd, in: region)
        if BankAccountNumber.isValid(scratch) {
            matches.append(Match(start: runStart, end: thirdEnd, rule: rule))
        } else {
            region.countRejection(of: rule, at: runStart, in: &counters)
        }
    }

    /// 13–19 digits, plain or in groups of four (Amex 4-6-5, Diners 4-6-4) split by spaces or dashes.
    private func detectCard(runStart: Int, runEnd: Int, rule: Int, in region: ScanRegion,
                            into matches: inout [Match], counters: inout Counters) {
        // Luhn passes one random number in ten, so a card also needs a clean edge: digits glued to an
        // id by `_` or `_-` (`blk_-6952295868487656571`, `container_1445…`) are part of that id.
        let before = region[runStart - 1]
        if before == 0x5F || (before == ByteClass.dash && (ByteClass.isAlphanumeric(region[runStart - 2]) || region[runStart - 2] == 0x5F)) {
            return
        }
        let runLength = runEnd - runStart
        if (13...19).contains(runLength) {
            guard isNumberEnd(runEnd, in: region), region[runEnd] != 0x5F else { return }
            let count = gatherDigits(from: runStart, to: runEnd, in: region)
            if PaymentCardIssuer.isValidCardNumber(scratch, count: count) {
                matches.append(Match(start: runStart, end: runEnd, rule: rule))
            } else {
                region.countRejection(of: rule, at: runStart, in: &counters)
            }
            return
        }
        guard runLength == 4 else { return }
        let separator = region[runEnd]
        guard separator == ByteClass.space || separator == ByteClass.dash else { return }
        // Every grouped shape has 4 or 6 digits in its second group; `2025-11-02` stops here.
        let secondLength = region.endOfDigits(from: runEnd + 1) - runEnd - 1
        guard secondLength == 4 || secondLength == 6 else { return }

        // Collect up to 19 digits of groups joined by the same separator.
        groupEnds[0] = runEnd
        groupLengths[0] = 4
        var groupCount = 1
        var total = 4
        var cursor = runEnd
        while groupCount < 5 && region[cursor] == separator && ByteClass.isDigit(region[cursor + 1]) {
            let end = region.endOfDigits(from: cursor + 1)
            let length = end - cursor - 1
            guard total + length <= 19 else { break }
            total += length
            groupEnds[groupCount] = end
            groupLengths[groupCount] = length
            groupCount += 1
            cursor = end
        }
        guard groupCount >= 2 else { return }
        let ends = groupEnds
        let lengths = groupLengths

        var sawCandidate = false
        var used = groupCount
        var digits = total
        while used >= 2 {
            let shapeFits: Bool
            if (13...19).contains(digits) {
                var allFours = lengths[used - 1] <= 4
                for group in 0..<(used - 1) where lengths[group] != 4 { allFours = false }
                let amexOrDiners = used == 3 && lengths[0] == 4 && lengths[1] == 6 && (lengths[2] == 5 || lengths[2] == 4)
                shapeFits = allFours || amexOrDiners
            } else {
                shapeFits = false
            }
            if shapeFits && isNumberEnd(ends[used - 1], in: region) {
                sawCandidate = true
                let count = gatherDigits(from: runStart, to: ends[used - 1], in: region)
                if PaymentCardIssuer.isValidCardNumber(scratch, count: count) {
                    matches.append(Match(start: runStart, end: ends[used - 1], rule: rule))
                    return
                }
            }
            digits -= lengths[used - 1]
            used -= 1
        }
        if sawCandidate { region.countRejection(of: rule, at: runStart, in: &counters) }
    }

    /// `+47` or `0047`, then eight digits in the usual groupings (`+47 912 34 567`, `+47 91 23 45 67`).
    private func detectPhone(runStart: Int, runEnd: Int, rule: Int, in region: ScanRegion,
                             into matches: inout [Match], counters: inout Counters) {
        let base = region.base
        let start: Int
        let afterCountryCode: Int
        if region[runStart - 1] == ByteClass.plus, runEnd - runStart >= 2,
           base[runStart] == 0x34, base[runStart + 1] == 0x37,
           !ByteClass.isAlphanumeric(region[runStart - 2]) {
            start = runStart - 1
            afterCountryCode = runStart + 2
        } else if runEnd - runStart >= 4, base[runStart] == 0x30, base[runStart + 1] == 0x30,
                  base[runStart + 2] == 0x34, base[runStart + 3] == 0x37 {
            start = runStart
            afterCountryCode = runStart + 4
        } else {
            return
        }
        var cursor = afterCountryCode
        if cursor == runEnd {
            let separator = region[cursor]
            guard separator == ByteClass.space || separator == ByteClass.dash,
                  ByteClass.isDigit(region[cursor + 1]) else { return }
            cursor += 1
        }
        let firstDigit = region[cursor]
        var count = 0
        while count < 8 {
            let byte = region[cursor]
            if ByteClass.isDigit(byte) {
                count += 1
                cursor += 1
            } else if byte == ByteClass.space && ByteClass.isDigit(region[cursor + 1]) {
                cursor += 1
            } else {
                break
            }
        }
        guard count == 8, isNumberEnd(cursor, in: region) else { return }
        if firstDigit >= 0x32 {  // Norwegian numbers start with 2–9
            matches.append(Match(start: start, end: cursor, rule: rule))
        } else {
            region.countRejection(of: rule, at: start, in: &counters)
        }
    }

    // MARK: - IBAN

    /// The end of an IBAN of `length` characters at `start`, compact or in groups of four split by
    /// single spaces; -1 when the shape does not fit. Read byte by byte: for candidates near the
    /// region's end (see `ibanEnd(length:alphanumeric:spaces:)`).
    static func ibanEnd(from start: Int, length: Int, _ byte: (Int) -> UInt8) -> Int {
        // Wrapping arithmetic: offsets stay within a window of at most 1 GiB and a little, and the
        // overflow checks were a third of the walk on a line of `NO93 NO93 …`.
        var tokenEnd = start
        while tokenEnd &- start <= length && ByteClass.isAlphanumeric(byte(tokenEnd)) { tokenEnd &+= 1 }
        if tokenEnd &- start == length { return tokenEnd }
        guard tokenEnd &- start == 4 else { return -1 }
        var count = 4
        var cursor = tokenEnd
        while count < length && byte(cursor) == ByteClass.space && ByteClass.isAlphanumeric(byte(cursor &+ 1)) {
            var groupEnd = cursor &+ 1
            while groupEnd &- cursor < 6 && ByteClass.isAlphanumeric(byte(groupEnd)) { groupEnd &+= 1 }
            let group = groupEnd &- cursor &- 1
            guard group <= 4, count &+ group <= length, group == 4 || count &+ group == length else { break }
            count &+= group
            cursor = groupEnd
        }
        return count == length && !ByteClass.isAlphanumeric(byte(cursor)) ? cursor : -1
    }

    /// Bit i set when i % 5 != 4: the letters and digits of a spelling in groups of four.
    private static let groupedShape: UInt64 = 0xF7BD_EF7B_DEF7_BDEF

    /// `ibanEnd(from:length:_:)` from the masks of the 48 bytes at the candidate (bit i: byte i is a
    /// letter or digit, or a space), as an offset from it: compact, `length` letters and digits then
    /// none; or grouped, four and a space up to `length`, then none. The byte walk took about 300
    /// instructions per candidate on a line of `NO93 NO93 …` (callgrind), where every fifth byte
    /// starts one.
    @inline(__always)
    static func ibanEnd(length: Int, alphanumeric: UInt64, spaces: UInt64) -> Int {
        let compact = (1 as UInt64) << length &- 1
        if alphanumeric & (compact << 1 | 1) == compact { return length }
        let total = length + (length + 3) / 4 - 1
        let spelled = (1 as UInt64) << total &- 1
        let separators = ~groupedShape & spelled
        guard alphanumeric & (spelled << 1 | 1) == groupedShape & spelled, spaces & separators == separators else { return -1 }
        return total
    }

    /// Two letters and two check digits, then the country's BBAN: compact, or in groups of four split
    /// by single spaces. It ends after exactly the country's length, so it never swallows the next word.
    private func detectIBAN(start: Int, rule: Int, in region: ScanRegion,
                            into matches: inout [Match], counters: inout Counters) {
        let first = ByteClass.uppercased(region[start]) &- 0x41
        let second = ByteClass.uppercased(region[start + 1]) &- 0x41
        guard first < 26, second < 26 else { return }
        let length = Int(ibanLengths[Int(first) * 26 + Int(second)])
        // Two check digits are part of the shape: with one, it is not a candidate (nor counted as rejected).
        guard length > 0, ByteClass.isDigit(region[start + 3]) else { return }

        let end: Int
        if start + 48 <= region.upperBound {
            var alphanumeric: UInt64 = 0, spaces: UInt64 = 0
            sladd_alphanumeric_and_space_masks(region.base + start, &alphanumeric, &spaces)
            let offset = Self.ibanEnd(length: length, alphanumeric: alphanumeric, spaces: spaces)
            end = offset < 0 ? -1 : start + offset
        } else {
            end = Self.ibanEnd(from: start, length: length) { region[$0] }
        }
        guard end > 0 else { return }
        var count = 0
        for offset in start..<end where region.base[offset] != ByteClass.space {
            scratch[count] = ByteClass.uppercased(region.base[offset])
            count += 1
        }
        if IBAN.isValid(scratch, count: count) {
            matches.append(Match(start: start, end: end, rule: rule))
        } else {
            region.countRejection(of: rule, at: start, in: &counters)
        }
    }

    // MARK: - Email

    private static let localPartBytes: [Bool] = (0..<256).map { byte in
        let value = UInt8(byte)
        return ByteClass.isAlphanumeric(value) || "._%+-".utf8.contains(value)
    }

    private static let domainBytes: [Bool] = (0..<256).map { byte in
        let value = UInt8(byte)
        return ByteClass.isAlphanumeric(value) || value == ByteClass.dash || value == ByteClass.dot
    }

    /// Whether the `@` at `at` has a local-part byte before it, asked before `detectEmail` is called:
    /// most hostile `@`s (`@@@@`, the decoded `\u0040`s of a nested document) have none, and the call
    /// cost more than the look (half of a line of `@@@@`, callgrind).
    @inline(__always)
    private func mayEndLocalPart(at: Int, in region: ScanRegion) -> Bool {
        at > region.lowerBound && localPart[Int(region.base[at &- 1])]
    }

    /// A practical RFC 5321 address around the `@` at `at`.
    ///
    /// The local part is read backwards and the domain forwards; neither can cross another `@`, which
    /// keeps a line of `a@a@a@…` linear. The domain needs a dot and a top-level label of two or more
    /// letters, so `Class@1b6d3586` and `user@host` are not addresses. Called for an `@` that
    /// `mayEndLocalPart`.
    private func detectEmail(at: Int, in region: ScanRegion, into matches: inout [Match], counters: inout Counters) {
        guard let rule = configuration.email else { return }
        let base = region.base
        var start = at
        while start > region.lowerBound && localPart[Int(base[start - 1])] { start -= 1 }
        if start == region.lowerBound && !region.startsAtLineStart { return }  // seen whole in the previous window
        while start < at && base[start] == ByteClass.dot { start += 1 }
        // Colour codes end in a letter: `ESC[0mola@…` starts after the `m`.
        if region[start - 1] == ByteClass.openBracket && region[start - 2] == ByteClass.escape {
            var cursor = start
            while cursor < at && (ByteClass.isDigit(base[cursor]) || base[cursor] == 0x3B) { cursor += 1 }
            if cursor < at && base[cursor] == 0x6D { start = cursor + 1 }
        }
        guard start < at else { return }
        // `scheme://user:password@host` holds credentials, not an address (secret.url_credentials).
        if region[start - 1] == 0x3A && isURLUserInfo(endingAt: start - 1, in: region) { return }

        var domainEnd = at + 1
        var dots = 0
        while domainEnd < region.upperBound && domain[Int(base[domainEnd])] {
            dots &+= base[domainEnd] == ByteClass.dot ? 1 : 0
            domainEnd += 1
        }
        if domainEnd == region.upperBound && !region.endsAtLineEnd { return }  // seen whole in the next window
        // Two labels need a dot: `a@a@a@…` is out without walking labels.
        guard dots > 0 else {
            region.countRejection(of: rule, at: at, in: &counters)
            return
        }

        // Walk the labels; the address ends after the last label that makes a valid top-level domain.
        var labelStart = at + 1
        var labelCount = 0
        var bestEnd = -1
        var cursor = at + 1
        while cursor <= domainEnd {
            if cursor == domainEnd || base[cursor] == ByteClass.dot {
                guard isValidLabel(from: labelStart, to: cursor, in: base) else { break }
                labelCount += 1
                if labelCount == 1 && isRetinaSuffix(from: labelStart, to: cursor, in: base) { break }
                if labelCount >= 2 && isTopLevelDomain(from: labelStart, to: cursor, in: base) { bestEnd = cursor }
                labelStart = cursor + 1
            }
            cursor += 1
        }
        if bestEnd > 0 {
            matches.append(Match(start: start, end: bestEnd, rule: rule))
        } else {
            region.countRejection(of: rule, at: at, in: &counters)
        }
    }

    /// Whether `user` before the `:` at `colon` follows `//`, as in `scheme://user:password@host`.
    private func isURLUserInfo(endingAt colon: Int, in region: ScanRegion) -> Bool {
        var cursor = colon - 1
        while cursor >= region.lowerBound && colon - cursor <= 256 {
            let byte = region.base[cursor]
            if byte == 0x2F { return cursor > region.lowerBound && region.base[cursor - 1] == 0x2F }
            if byte == ByteClass.space || byte == ByteClass.at || byte < 0x20 { return false }
            cursor -= 1
        }
        return false
    }

    private func isValidLabel(from start: Int, to end: Int, in base: UnsafePointer<UInt8>) -> Bool {
        let length = end - start
        guard length >= 1 && length <= 63 else { return false }
        return base[start] != ByteClass.dash && base[end - 1] != ByteClass.dash
    }

    private func isTopLevelDomain(from start: Int, to end: Int, in base: UnsafePointer<UInt8>) -> Bool {
        guard end - start >= 2 else { return false }
        // Internationalised top-level domains are written `xn--…`.
        if end - start > 4 && ByteClass.lowercased(base[start]) == 0x78 && ByteClass.lowercased(base[start + 1]) == 0x6E
            && base[start + 2] == ByteClass.dash && base[start + 3] == ByteClass.dash {
            return true
        }
        for offset in start..<end where !ByteClass.isLetter(base[offset]) { return false }
        return true
    }

    /// `logo@2x.png`: image names of high-density assets, not addresses.
    private func isRetinaSuffix(from start: Int, to end: Int, in base: UnsafePointer<UInt8>) -> Bool {
        guard end - start >= 2, ByteClass.lowercased(base[end - 1]) == 0x78 else { return false }
        for offset in start..<(end - 1) where !ByteClass.isDigit(base[offset]) { return false }
        return true
    }
}
