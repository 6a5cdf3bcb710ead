import CSladdSIMD

/// The whole stream: read → frame → detect → mask → write, with bounded memory.
///
/// Every line read is a line written, in order; line endings (`\n`, `\r\n`, none at the end) and bytes
/// that are no identifier pass through unchanged. A line longer than `maxLineBytes` is not held whole:
/// it is masked in windows that overlap by `windowOverlap` bytes, so an identifier cut by a window edge
/// is found whole in the next window.
public final class StreamFilter {
    public struct Configuration: Sendable {
        /// Lines longer than this are masked in windows instead of being held whole.
        public var maxLineBytes = 1 << 20
        public var readSize = 256 << 10
        /// Output is written once it holds this much, and whenever the input has nothing ready.
        public var flushThreshold = 256 << 10
        /// Longer than any identifier a built-in detector finds; regex matches longer than this may be
        /// cut at a window edge of an oversize line.
        public var windowOverlap = 16 << 10
        /// Bytes before a window kept to judge boundaries (`\b`, look-behind, "no digit before").
        public var lookBehind = 256

        /// How lines are structured (default: decided per line).
        public var format: LineFormat = .auto
        /// How long a partial record (CRI `P`, a Docker `log` part) waits for the rest of its line
        /// before it is written alone: the latency bound of a split identifier's detection.
        public var partialWaitMilliseconds: Int32 = 50

        public init() {}
    }

    public let configuration: Configuration
    public private(set) var counters: Counters
    private var masker: Masker
    private let output: OutputBuffer
    /// Reused by every run: batch jobs mask many blocks with one filter, and a fresh 1.3 MiB buffer
    /// per block cost a page fault per 4 KiB.
    private let buffer: UnsafeMutablePointer<UInt8>
    private let capacity: Int

    public convenience init(ruleSet: RuleSet, configuration: Configuration = Configuration()) throws(ConfigurationError) {
        // At most 1 GiB: decoded text keeps 32-bit offsets into the window (`Shadow`).
        guard (4096...(1 << 30)).contains(configuration.maxLineBytes) else {
            throw ConfigurationError("the line limit must be at least 4096 bytes and at most 1 GiB (--max-line-bytes)")
        }
        var configuration = configuration
        configuration.windowOverlap = min(configuration.windowOverlap, configuration.maxLineBytes / 4)
        self.init(checked: configuration, masker: try Masker(ruleSet: ruleSet, format: configuration.format))
    }

    /// A filter with the same rules and configuration for another thread (a worker of `--jobs` or
    /// of a batch job): the compiled patterns are shared, the buffers and counters are its own.
    func forAnotherThread() -> StreamFilter {
        StreamFilter(checked: configuration, masker: masker.forAnotherThread())
    }

    private init(checked configuration: Configuration, masker: Masker) {
        self.configuration = configuration
        self.masker = masker
        counters = Counters(ruleCount: masker.ruleSet.rules.count)
        output = OutputBuffer(capacity: configuration.flushThreshold + (64 << 10))
        capacity = configuration.maxLineBytes + configuration.lookBehind + configuration.readSize
        buffer = .allocate(capacity: capacity)
    }

    deinit { buffer.deallocate() }

    /// The counters since the last call (or since the start), and zero from here on.
    public func takeCounters() -> Counters {
        defer { counters = Counters(ruleCount: counters.matches.count) }
        return counters
    }

    /// Masks with `ruleSet` from the next window on (a reload on SIGHUP). Returns the counters so
    /// far, indexed by the old rules, and counts from zero under the new ones. A rule set that does
    /// not compile throws and leaves the old rules in force.
    public func replaceRules(_ ruleSet: RuleSet) throws(ConfigurationError) -> Counters {
        let replacement = try Masker(ruleSet: ruleSet, format: configuration.format)
        let sofar = counters
        masker = replacement
        counters = Counters(ruleCount: ruleSet.rules.count)
        return sofar
    }

    /// Masks an in-memory buffer; the same framing and windows as a stream.
    public func mask(_ bytes: [UInt8]) -> [UInt8] {
        var source = BytesSource(bytes)
        var sink = BytesSink()
        do { try run(from: &source, to: &sink) } catch { preconditionFailure("in-memory I/O cannot fail: \(error)") }
        return sink.bytes
    }

    /// Masks `bytes` into `output`, whose storage is reused (blocks of a batch job: a fresh array per
    /// block grew the heap of every thread and cost page faults). `bytes` is only borrowed as
    /// scratch: escapes are blanked in it while the detectors read it, then put back, which saves
    /// each worker a copy of every block with an escape (see `Masker.scanBase`).
    func mask(_ bytes: inout [UInt8], into output: inout [UInt8]) {
        output.removeAll(keepingCapacity: true)
        mask(&bytes) { masked in
            masked.withSpans { spans in
                for span in spans { output.append(contentsOf: UnsafeRawBufferPointer(start: span.iov_base, count: span.iov_len)) }
            }
        }
    }

    /// Counts what `bytes` holds, as `mask(_:into:)` would, without gathering the masked text
    /// (`sladd scan`: copying it was 5% of the instructions of scanning a block).
    func scan(_ bytes: inout [UInt8]) {
        mask(&bytes) { _ in }
    }

    /// Masks `bytes` and hands the result to `gather` while the spans it borrows from `bytes` are valid.
    private func mask(_ bytes: inout [UInt8], gather: (OutputBuffer) -> Void) {
        guard !bytes.isEmpty else { return }
        bytes.withUnsafeMutableBufferPointer { block in
            mask(block.baseAddress!, count: block.count, writable: true, into: self.output)
            gather(self.output)
        }
        self.output.removeAll()
    }

    /// Masks `count` bytes of whole lines at `base` (a block of a parallel run or a batch job) into
    /// `output`, which may borrow from `base`: keep it unchanged until `output` is written.
    /// `writable`: the caller owns `base` and lets it be written to during the call (see `Masker.mask`).
    func mask(_ base: UnsafePointer<UInt8>, count: Int, writable: Bool, into output: OutputBuffer) {
        guard count > 0 else { return }
        counters.bytesIn += count
        let before = output.count
        defer { counters.bytesOut += output.count - before }
        if count < configuration.maxLineBytes {
            // One window over the block where it lies: no copy into `buffer` first (a sixth of the
            // copying of `--jobs`, perf). The block holds whole lines and none is long enough to
            // need windows, so `run` would mask the same window; a trailing partial record it
            // would write as a window of its own, which cannot change what is found: windows
            // that meet at a line start share nothing.
            let window = Masker.Window(base: base, context: 0, start: 0, end: count, contextAtLineStart: true,
                                       endAtLineEnd: true, emitLimit: count)
            _ = masker.mask(window, into: output, counters: &counters, openLineMasked: false, writable: writable)
            counters.lines += Self.countNewlines(in: base, from: 0, to: count) + (base[count - 1] == 0x0A ? 0 : 1)
            return
        }
        // A block with a line long enough for windows: the windows `run` would cut if it read the
        // block `readSize` bytes at a time (so the output is the same byte for byte), but over the
        // block where it lies. Copying it into `buffer` first, and the result out of `self.output`,
        // kept two more copies of a megabyte line per worker: `--jobs` on such lines peaked at
        // 36 MiB (`Benchmarks/memory.sh`).
        var framing = Framing()
        var end = 0
        while end < count {
            let read = min(configuration.readSize, count - end)
            end += read
            frame(&framing, base: base, newFrom: end - read, to: end, writable: writable, into: output)
        }
        finish(&framing, base: base, end: end, writable: writable, into: output)
    }

    /// Runs until the source ends. Output is flushed before returning, also when a write fails.
    public func run<Source: ByteSource, Sink: ByteSink>(from source: inout Source, to sink: inout Sink) throws(StreamError) {
        let buffer = self.buffer
        let capacity = self.capacity
        var framing = Framing()
        var end = 0  // end of bytes read

        while true {
            if let held = framing.heldEnd, !source.waitForData(milliseconds: configuration.partialWaitMilliseconds) {
                // The rest did not come in time: write what waits, and then wait for input as usual.
                emitWholeLines(&framing, base: buffer, to: held, writable: true, into: output)
                framing.heldEnd = nil
                try flush(to: &sink)
            }
            if capacity - end < configuration.readSize {
                // Keep the look-behind and the open line; move them to the front, once what the
                // output borrows from there is written.
                if output.isBorrowing { try flush(to: &sink) }
                let context = framing.context
                let keep = end - context
                buffer.update(from: buffer + context, count: keep)
                framing.start -= context
                framing.heldEnd = framing.heldEnd.map { $0 - context }
                end = keep
                framing.context = 0
            }
            // At most `readSize`: a file filled the whole 1.3 MiB buffer in one read, and each pass
            // over the window (escapes, block pass, literal filter, output) then streamed it from L3
            // instead of the 1 MiB L2.
            let count = try source.read(into: UnsafeMutableRawBufferPointer(start: buffer + end,
                                                                          count: min(configuration.readSize, capacity - end)))
            if count == 0 { break }
            end += count
            counters.bytesIn += count
            frame(&framing, base: buffer, newFrom: end - count, to: end, writable: true, into: output)

            if output.count >= configuration.flushThreshold || (output.count > 0 && !source.hasDataReady()) {
                try flush(to: &sink)
            }
        }
        finish(&framing, base: buffer, end: end, writable: true, into: output)
        try flush(to: &sink)
    }

    /// Where the stream stands between reads: `run` and the block path cut the same windows.
    private struct Framing {
        var context = 0        // look-behind start: already written, kept for boundary checks
        var start = 0          // first byte not yet written
        var atLineStart = true // `start` is the start of a line (and then `context == start`)
        var openLineMasked = false
        var dropRestOfLine = false
        /// `start..<heldEnd` waits for the rest of a partial record (whole lines).
        var heldEnd: Int?
    }

    private func emit(_ window: Masker.Window, openLineMasked: Bool, writable: Bool, into output: OutputBuffer) -> Masker.Outcome {
        let outcome = masker.mask(window, into: output, counters: &counters, openLineMasked: openLineMasked, writable: writable)
        counters.lines += Self.countNewlines(in: window.base, from: window.start, to: outcome.emittedThrough)
        return outcome
    }

    /// Masks what `newFrom..<end` (just arrived after the unwritten `framing.start..<newFrom`)
    /// completes: the lines up to its last newline, and windows of a line that reached `maxLineBytes`.
    private func frame(_ framing: inout Framing, base: UnsafePointer<UInt8>, newFrom: Int, to end: Int,
                       writable: Bool, into output: OutputBuffer) {
        if framing.dropRestOfLine {
            // The rest of a withheld line: skip it up to its newline.
            let newline = Masker.firstNewline(in: base, from: framing.start, to: end)
            framing.start = newline ?? end
            framing.context = framing.start
            guard newline != nil else { return }
            framing.dropRestOfLine = false
        }

        // Only the bytes just read can hold a newline: what was pending before had none.
        if let newline = Masker.lastNewline(in: base, from: max(framing.start, newFrom), to: end) {
            let chunkEnd = newline + 1
            // A trailing partial record waits (briefly) for its rest, so that an identifier split
            // between the two is seen whole.
            var writeEnd = chunkEnd
            framing.heldEnd = nil
            if configuration.format.joinsSplitRecords, let hold = CRIRecord.holdPoint(in: base, from: framing.start, to: chunkEnd),
               chunkEnd - hold <= configuration.maxLineBytes / 2 {
                writeEnd = hold
                framing.heldEnd = chunkEnd
            }
            if writeEnd > framing.start {
                emitLines(&framing, base: base, through: writeEnd, writable: writable, into: output)
            }
        }

        while end - framing.start >= configuration.maxLineBytes {
            framing.heldEnd = nil  // a long line follows: what waited goes out with it
            if emitLongLineWindow(&framing, base: base, to: end, writable: writable, into: output) {
                framing.dropRestOfLine = true
                framing.start = end
                framing.context = end
                return
            }
        }
    }

    /// Masks the whole lines `framing.start..<end`: in one window, except that a line of
    /// `maxLineBytes` or more is cut into overlapping windows and counted as oversize, as an open line
    /// that long is. Each line is judged whatever the reads were: a megabyte line whose newline came
    /// in the read that took it past the limit used to be masked whole and not counted (21 of the 28
    /// such lines of `long-lines.log` on one thread, 28 with `--jobs`, whose blocks start at lines).
    private func emitLines(_ framing: inout Framing, base: UnsafePointer<UInt8>, through end: Int, writable: Bool,
                           into output: OutputBuffer) {
        let limit = configuration.maxLineBytes
        // Only a stretch of the limit or more can hold such a line: then each line is looked at.
        var lineStart = end - framing.start >= limit ? framing.start : end
        while lineStart < end, let newline = Masker.firstNewline(in: base, from: lineStart, to: end) {
            defer { lineStart = newline + 1 }
            guard newline - max(lineStart, framing.start) >= limit else { continue }
            // The shorter lines before it.
            if lineStart > framing.start { emitWholeLines(&framing, base: base, to: lineStart, writable: writable, into: output) }
            while newline - framing.start >= limit {
                if emitLongLineWindow(&framing, base: base, to: newline, writable: writable, into: output) {
                    // The rest of the line is dropped; its newline goes out with what follows.
                    framing.start = newline
                    framing.context = newline
                }
            }
        }
        emitWholeLines(&framing, base: base, to: end, writable: writable, into: output)
    }

    /// Masks `framing.start..<end`, which ends at a line end, in one window.
    private func emitWholeLines(_ framing: inout Framing, base: UnsafePointer<UInt8>, to end: Int, writable: Bool,
                                into output: OutputBuffer) {
        _ = emit(Masker.Window(base: base, context: framing.context, start: framing.start, end: end,
                               contextAtLineStart: framing.atLineStart, endAtLineEnd: true, emitLimit: end),
                 openLineMasked: framing.openLineMasked, writable: writable, into: output)
        framing.start = end
        framing.context = end
        framing.atLineStart = true
        framing.openLineMasked = false
    }

    /// Masks a window of a line of `maxLineBytes` or more that goes on past `end`, up to `end` less
    /// the overlap the next window reads again. Returns whether the line is withheld (a rule hit its
    /// regex limit): the caller drops the rest of it.
    private func emitLongLineWindow(_ framing: inout Framing, base: UnsafePointer<UInt8>, to end: Int, writable: Bool,
                                    into output: OutputBuffer) -> Bool {
        if framing.atLineStart { counters.oversizeLines += 1 }
        let outcome = emit(Masker.Window(base: base, context: framing.context, start: framing.start, end: end,
                                         contextAtLineStart: framing.atLineStart, endAtLineEnd: false,
                                         emitLimit: end - configuration.windowOverlap),
                           openLineMasked: framing.openLineMasked, writable: writable, into: output)
        framing.start = outcome.emittedThrough
        framing.context = max(framing.context, framing.start - configuration.lookBehind)
        framing.atLineStart = false
        framing.openLineMasked = outcome.lastLineMasked
        return outcome.withholdsOpenLine
    }

    /// Masks what is left at the end of the input.
    private func finish(_ framing: inout Framing, base: UnsafePointer<UInt8>, end: Int, writable: Bool,
                        into output: OutputBuffer) {
        if end > framing.start {
            // The end of the input ends the last line.
            emitWholeLines(&framing, base: base, to: end, writable: writable, into: output)
            if base[end - 1] != 0x0A { counters.lines += 1 }
        } else if !framing.atLineStart && !framing.dropRestOfLine {
            counters.lines += 1  // an oversize last line without a newline, already written
        }
    }

    private func flush<Sink: ByteSink>(to sink: inout Sink) throws(StreamError) {
        guard output.count > 0 else { return }
        counters.bytesOut += output.count
        defer { output.removeAll() }
        try output.withSpans { spans throws(StreamError) in try sink.write(spans: spans) }
    }

    /// Newlines in `start..<end` (vectorised in C: see `newlines.c`).
    static func countNewlines(in base: UnsafePointer<UInt8>, from start: Int, to end: Int) -> Int {
        end > start ? sladd_count_newlines(base + start, end - start) : 0
    }
}
