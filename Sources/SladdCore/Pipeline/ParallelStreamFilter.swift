import CSladdSIMD
import Foundation

/// What the command line runs: one stream, masked on one core (`StreamFilter`) or on several
/// (`ParallelStreamFilter`), with counters and reloads the same way.
public protocol LogFilter: AnyObject {
    func run<Source: ByteSource, Sink: ByteSink>(from source: inout Source, to sink: inout Sink) throws(StreamError)
    /// The counters since the last call (or since the start), and zero from here on.
    func takeCounters() -> Counters
    /// Masks with `ruleSet` from here on; returns the counters so far, indexed by the old rules.
    func replaceRules(_ ruleSet: RuleSet) throws(ConfigurationError) -> Counters
}

extension StreamFilter: LogFilter {}

/// The stream on several cores, output in input order (`sladd --jobs N`).
///
/// The reading thread cuts the input into blocks of whole lines; workers of a `WorkerPool` mask them,
/// each with its own `StreamFilter`, and a writer thread writes the results in order. A block goes
/// out when it is full or when the input has nothing more ready, so a quiet sidecar's lines pass as
/// promptly as on one core. Blocks start at line starts, where the one-core filter keeps no state
/// either, so the output is the same byte for byte. Two cases keep that true:
/// - a trailing partial record (CRI `P`, a Docker 16 KiB part) stays with the reader until its rest
///   comes or `partialWaitMilliseconds` pass, so a split identifier is masked in both parts;
/// - a line longer than `maxLineBytes` is not held whole: once the pool has drained, the reader
///   masks it on its own filter in overlapping windows, as on one core.
public final class ParallelStreamFilter: LogFilter, @unchecked Sendable {
    public let configuration: StreamFilter.Configuration
    public let jobs: Int
    /// Lines are cut into blocks of about this size: large enough that handing one to a thread
    /// (tens of microseconds) is small beside masking it (a millisecond and more).
    public let blockSize: Int
    private let pool: WorkerPool
    private let output: OrderedOutput
    // Used by the reading thread only.
    private var ruleSet: RuleSet
    private var generation = 0
    private var longLineFilter: StreamFilter?

    public init(ruleSet: RuleSet, configuration: StreamFilter.Configuration = .init(), jobs: Int,
                blockSize: Int = 256 << 10) throws(ConfigurationError) {
        guard jobs >= 1 else { throw ConfigurationError("--jobs must be at least 1") }
        self.configuration = configuration
        self.jobs = jobs
        self.blockSize = max(4096, blockSize)
        self.ruleSet = ruleSet
        pool = WorkerPool(count: jobs, template: try StreamFilter(ruleSet: ruleSet, configuration: configuration))
        // A block holds lines up to `maxLineBytes` and what one read brought after them; usually
        // `blockSize` and at most one read more, which is what a block keeps between uses.
        let usualBlock = self.blockSize + configuration.readSize
        // In flight: one block per worker, one being written and one done behind it. Twice as many
        // ran no faster (--jobs 2: 740 against 750 MB/s on the 3% mix, 272 against 268 with PII on
        // every line) and each kept half a megabyte or more (1.9 MiB more RSS on the 20,000-key JSON).
        // In bytes: a block of the largest size for each worker, so that lines of a megabyte still
        // keep every worker busy (with the bytes of `jobs + 2` usual blocks, one such block was in
        // flight at a time: --jobs 2 on 0.9-1.5 MB lines ran at 111 against 147 MB/s).
        let capacity = configuration.maxLineBytes + usualBlock
        output = OrderedOutput(limit: jobs + 2, byteLimit: max((jobs + 2) * usualBlock, jobs * capacity),
                               ruleCount: ruleSet.rules.count,
                               blocks: StreamBlockPool(capacity: capacity, keep: usualBlock))
    }

    deinit { pool.close() }

    public func takeCounters() -> Counters { output.takeCounters() }

    /// Waits until every block read so far is written (a barrier), so that the counts returned are
    /// all under the old rules; workers switch before their next block.
    public func replaceRules(_ ruleSet: RuleSet) throws(ConfigurationError) -> Counters {
        _ = try Masker(ruleSet: ruleSet, format: configuration.format)  // fails here, not in a worker
        output.drain()
        let sofar = output.takeCounters(ruleCount: ruleSet.rules.count)
        self.ruleSet = ruleSet
        generation += 1
        longLineFilter = nil
        return sofar
    }

    public func run<Source: ByteSource, Sink: ByteSink>(from source: inout Source, to sink: inout Sink) throws(StreamError) {
        // The writer thread writes through this pointer; `run` does not return before it has ended,
        // and the reading thread touches the sink only while the writer has nothing to write.
        try withUnsafeMutablePointer(to: &sink) { (sinkPointer) throws(StreamError) in
            let writer = output.startWriter { (spans) throws(StreamError) in try sinkPointer.pointee.write(spans: spans) }
            var failure: StreamError?
            do throws(StreamError) {
                try readBlocks(from: &source, sink: sinkPointer)
            } catch {
                failure = error
            }
            output.finish()
            writer.join()
            if let error = output.failure ?? failure { throw error }
        }
    }

    private func readBlocks<Source: ByteSource, Sink: ByteSink>(from source: inout Source,
                                                               sink: UnsafeMutablePointer<Sink>) throws(StreamError) {
        let readSize = configuration.readSize
        let capacity = configuration.maxLineBytes + blockSize + readSize
        // Input is read straight into the block that a worker masks and the writer writes from;
        // only the partial line after a block's last newline is copied, into the next block.
        // Copying each block out of a read buffer was 4% of `--jobs`' time (perf).
        var block = output.blocks.take()
        var pending = block.bytes
        var count = 0           // bytes in `pending`
        defer { output.blocks.give(block) }
        var heldFrom: Int?      // `heldFrom..<count` is a partial record waiting for its rest
        var ended = false

        /// Submits `pending[0..<end]` and carries the rest over to the next block.
        func submit(through end: Int) {
            guard end > 0 else { return }
            let next = output.blocks.take()
            next.bytes.update(from: pending + end, count: count - end)
            next.touched = max(next.touched, count - end)
            block.count = end
            submitBlock(block)
            block = next
            pending = next.bytes
            count -= end
            heldFrom = heldFrom.map { $0 - end }
        }

        while !ended {
            if output.failure != nil { return }
            if heldFrom != nil && !source.waitForData(milliseconds: configuration.partialWaitMilliseconds) {
                // The rest did not come in time: the partial record goes out alone, as on one core.
                heldFrom = nil
                submit(through: count)
            }
            let read = try source.read(into: UnsafeMutableRawBufferPointer(start: pending + count,
                                                                           count: min(readSize, capacity - count)))
            if read == 0 {
                ended = true
                break
            }
            count += read
            // Noted where bytes land, so that a block that held a long line (read up to `capacity`,
            // then masked in windows on this thread) gives those pages back too.
            block.touched = max(block.touched, count)
            guard count >= blockSize || !source.hasDataReady() else { continue }
            guard let newline = Masker.lastNewline(in: pending, from: 0, to: count) else {
                guard count + readSize > capacity else { continue }
                // No newline in `maxLineBytes` and more: this line is masked in windows on the reader.
                output.drain()
                (count, ended) = try withUnsafeMutablePointer(to: &source) { (source) throws(StreamError) in
                    var rest = LineRestSource(prefix: pending, count: count, source: source)
                    try maskLongLine(from: &rest, to: sink)
                    return (rest.leftoverCount, rest.sourceEnded)
                }
                continue
            }
            var cut = newline + 1
            heldFrom = nil
            // A trailing partial record waits (briefly) for its rest, unless a long line follows.
            if configuration.format.joinsSplitRecords, count + readSize <= capacity,
               let hold = CRIRecord.holdPoint(in: pending, from: 0, to: cut), cut - hold <= configuration.maxLineBytes / 2 {
                heldFrom = hold  // 0 once the lines before it are submitted
                cut = hold
            }
            submit(through: cut)
        }
        submit(through: count)
    }

    private func submitBlock(_ block: StreamBlock) {
        let ruleSet = self.ruleSet
        let generation = self.generation
        output.submit(to: pool, bytes: block.count) { worker in
            if worker.generation != generation {
                // Compiled once already in `replaceRules`: cannot fail here.
                _ = try? worker.filter.replaceRules(ruleSet)
                worker.generation = generation
            }
            worker.filter.mask(block.bytes, count: block.count, writable: true, into: block.masked)
            return OrderedOutput.Result(block: block, counters: worker.filter.takeCounters())
        }
    }

    /// Masks the rest of an oversize line (up to and with its newline) on the reading thread.
    private func maskLongLine<Source: ByteSource, Sink: ByteSink>(from source: inout LineRestSource<Source>,
                                                                 to sink: UnsafeMutablePointer<Sink>) throws(StreamError) {
        let filter: StreamFilter
        if let existing = longLineFilter {
            filter = existing
        } else {
            do { filter = try StreamFilter(ruleSet: ruleSet, configuration: configuration) } catch {
                preconditionFailure("the rules compiled for the workers: \(error)")
            }
            longLineFilter = filter
        }
        defer { output.add(filter.takeCounters()) }
        try filter.run(from: &source, to: &sink.pointee)
    }
}

/// The bytes read so far, then the source up to and with the next newline; bytes read after that
/// newline are kept (`leftover`) for the blocks that follow.
struct LineRestSource<Source: ByteSource>: ByteSource {
    private let pending: UnsafeMutablePointer<UInt8>
    private var prefixCount: Int
    private var prefixOffset = 0
    private let source: UnsafeMutablePointer<Source>
    private var lineEnded = false
    private(set) var leftoverCount = 0
    private(set) var sourceEnded = false

    /// `prefix[0..<count]` holds no newline; the leftover is written back to `prefix`'s front.
    init(prefix: UnsafeMutablePointer<UInt8>, count: Int, source: UnsafeMutablePointer<Source>) {
        pending = prefix
        prefixCount = count
        self.source = source
    }

    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws(StreamError) -> Int {
        if prefixOffset < prefixCount {
            let count = min(buffer.count, prefixCount - prefixOffset)
            buffer.baseAddress!.copyMemory(from: pending + prefixOffset, byteCount: count)
            prefixOffset += count
            return count
        }
        guard !lineEnded, !sourceEnded else { return 0 }
        let count = try source.pointee.read(into: buffer)
        if count == 0 {
            sourceEnded = true
            return 0
        }
        let bytes = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
        guard let newline = Masker.firstNewline(in: bytes, from: 0, to: count) else { return count }
        lineEnded = true
        leftoverCount = count - newline - 1
        pending.update(from: bytes + newline + 1, count: leftoverCount)
        return newline + 1
    }

    func hasDataReady() -> Bool { lineEnded || source.pointee.hasDataReady() }
    func waitForData(milliseconds: Int32) -> Bool { lineEnded || source.pointee.waitForData(milliseconds: milliseconds) }
}

/// Masked blocks back in input order: submitted from the reading thread, written by a writer
/// thread as soon as each one and those before it are done; at most `limit` in flight. Unlike
/// batch's `OrderedBlocks`, the reader never writes: a block must go out while the input pauses.
final class OrderedOutput: @unchecked Sendable {
    /// A masked block and what was counted in it.
    struct Result {
        let block: StreamBlock
        let counters: Counters
    }

    // Guarded by `condition`.
    private let condition = NSCondition()
    private var finished: [Int: Result] = [:]
    private var submitted = 0
    private var written = 0
    private var closed = false
    private var counters: Counters
    private var writeFailure: StreamError?
    private let limit: Int
    private let byteLimit: Int
    /// Blocks, reused: one per block in flight, and the one being read.
    let blocks: StreamBlockPool
    /// Bytes of the blocks in flight, at most `byteLimit` (plus one block): blocks of long lines (up
    /// to `maxLineBytes` each) must not all be in memory at once.
    private var bytesInFlight = 0

    init(limit: Int, byteLimit: Int, ruleCount: Int, blocks: StreamBlockPool) {
        self.limit = limit
        self.byteLimit = byteLimit
        counters = Counters(ruleCount: ruleCount)
        self.blocks = blocks
    }

    /// The first write error; blocks after it are masked but not written.
    var failure: StreamError? {
        condition.lock()
        defer { condition.unlock() }
        return writeFailure
    }

    func submit(to pool: WorkerPool, bytes: Int, _ work: @escaping (WorkerPool.Worker) -> Result) {
        condition.lock()
        while submitted - written >= limit || (submitted > written && bytesInFlight + bytes > byteLimit) { condition.wait() }
        let sequence = submitted
        submitted += 1
        bytesInFlight += bytes
        condition.unlock()
        pool.submit { [self] worker in
            let result = work(worker)
            condition.lock()
            finished[sequence] = result
            condition.broadcast()
            condition.unlock()
        }
    }

    /// Waits until everything submitted is written.
    func drain() {
        condition.lock()
        while written < submitted { condition.wait() }
        condition.unlock()
    }

    /// Nothing more comes: the writer ends once the last block is written.
    func finish() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    func add(_ more: Counters) {
        condition.lock()
        counters.add(more)
        condition.unlock()
    }

    func takeCounters(ruleCount: Int? = nil) -> Counters {
        condition.lock()
        defer { condition.unlock() }
        let taken = counters
        counters = Counters(ruleCount: ruleCount ?? counters.matches.count)
        return taken
    }

    /// Starts the writer thread; `write` runs on it only.
    func startWriter(_ write: @escaping (UnsafeMutableBufferPointer<iovec>) throws(StreamError) -> Void) -> WriterThread {
        // A new run: the last run's `finish` must not end this writer before its first block.
        condition.lock()
        closed = false
        condition.unlock()
        let thread = WriterThread { [self] in
            while true {
                condition.lock()
                while finished[written] == nil && !(closed && written == submitted) { condition.wait() }
                guard let result = finished.removeValue(forKey: written) else {
                    condition.unlock()
                    return
                }
                let failed = writeFailure != nil
                condition.unlock()
                var error: StreamError?
                if !failed && result.block.masked.count > 0 {
                    do throws(StreamError) { try result.block.masked.withSpans(write) } catch let failure { error = failure }
                }
                let size = result.block.count
                blocks.give(result.block)
                condition.lock()
                if let error, writeFailure == nil { writeFailure = error }
                if !failed { counters.add(result.counters) }
                written += 1
                bytesInFlight -= size
                condition.broadcast()
                condition.unlock()
            }
        }
        thread.start()
        return thread
    }
}

/// A block of the stream: read into once, masked where it lies, written from there. `masked`
/// borrows the clean text from `bytes`, so the block goes back to its pool only once it is written.
final class StreamBlock: @unchecked Sendable {
    /// Mapped on its own (page-aligned), so that what a long line touched can be given back.
    let bytes: UnsafeMutablePointer<UInt8>
    let capacity: Int
    /// Bytes of whole lines in `bytes`, set when the block is submitted.
    var count = 0
    /// How far `bytes` has been written into since its pages were last given back (noted by the
    /// reader after each read and each carried-over tail).
    var touched = 0
    let masked = OutputBuffer(capacity: 64 << 10)

    init(capacity: Int) {
        self.capacity = capacity
        guard let mapped = mmap(nil, capacity, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
              mapped != MAP_FAILED else {
            fatalError("cannot map \(capacity) bytes for a block: \(String(cString: strerror(errno)))")
        }
        bytes = mapped.assumingMemoryBound(to: UInt8.self)
    }

    deinit { munmap(bytes, capacity) }
}

/// Blocks handed between the reader, the workers and the writer, and reused. A block given back
/// keeps `keep` bytes of memory: pages a long line touched beyond that go back to the system, and
/// so does an output buffer grown past it.
final class StreamBlockPool: @unchecked Sendable {
    private let lock = NSLock()
    private var free: [StreamBlock] = []
    let capacity: Int
    let keep: Int

    init(capacity: Int, keep: Int) {
        self.capacity = capacity
        self.keep = min(keep, capacity)
    }

    func take() -> StreamBlock {
        lock.lock()
        let block = free.popLast()
        lock.unlock()
        return block ?? StreamBlock(capacity: capacity)
    }

    func give(_ block: StreamBlock) {
        block.count = 0
        block.masked.removeAll()
        block.masked.trim(toCapacity: keep)
        if block.touched > keep {
            let page = Int(sysconf(Int32(_SC_PAGESIZE)))
            let from = (keep + page - 1) / page * page
            if from < block.capacity { _ = madvise(block.bytes + from, block.capacity - from, MADV_DONTNEED) }
            block.touched = keep
        }
        lock.lock()
        free.append(block)
        lock.unlock()
    }
}

/// A thread that can be waited for.
final class WriterThread: @unchecked Sendable {
    private let body: () -> Void
    private let done = DispatchSemaphore(value: 0)

    init(_ body: @escaping () -> Void) { self.body = body }

    func start() {
        let thread = Thread { [self] in
            body()
            done.signal()
        }
        thread.name = "sladd-writer"
        thread.stackSize = 1 << 20
        thread.start()
    }

    func join() { done.wait() }
}
