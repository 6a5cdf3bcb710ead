import Foundation

/// What a batch job does with each file.
public enum BatchMode: Sendable, Equatable {
    /// Read and count, never write.
    case scan
    /// Replace each file that had something masked, atomically.
    case scrubInPlace
    /// Write every file, masked, to the same relative path under a folder.
    case scrubTo(String)
}

/// How one file went.
public struct FileReport: Sendable {
    public enum Status: String, Sendable {
        case masked             // scrubbed: something was masked and written
        case unchanged          // scrubbed: nothing to mask (in place: the file was left alone)
        case clean              // scanned: nothing found
        case found              // scanned: something found
        case skippedBinary = "skipped-binary"
        case failed             // nothing written; `message` says why
    }

    public let file: BatchFile
    public var status: Status = .failed
    public var output: String?
    public var message: String?
    public var gzip = false
    public var counters: Counters
}

/// Bytes of input read so far over all files (compressed bytes for gzip), for a progress display.
public final class BatchProgress: @unchecked Sendable {
    private let lock = NSLock()
    private var bytes = 0
    private var files = 0
    public let totalBytes: Int
    public let totalFiles: Int

    public init(totalBytes: Int, totalFiles: Int) {
        self.totalBytes = totalBytes
        self.totalFiles = totalFiles
    }

    func add(bytes count: Int) {
        lock.lock()
        bytes += count
        lock.unlock()
    }

    func fileDone() {
        lock.lock()
        files += 1
        lock.unlock()
    }

    public var snapshot: (bytes: Int, files: Int) {
        lock.lock()
        defer { lock.unlock() }
        return (bytes, files)
    }
}

/// Scans or scrubs files with several cores: files side by side, and each file cut into blocks of
/// whole lines that any worker may mask (and compress), written back in order.
public final class BatchJob: @unchecked Sendable {
    public struct Options: Sendable {
        public var mode: BatchMode
        /// Threads that mask; as many read and write files side by side.
        public var jobs: Int
        /// Blocks end at the last newline after this many bytes. Half a MiB rather than one: 5 MiB
        /// less at the peak of `scrub --jobs 2` (36.5 -> 31.4 MiB dynamically linked, in
        /// `Benchmarks/memory.sh`), as fast, and the gzip members it makes were 0.03% larger.
        public var blockSize = 512 << 10
        /// A line longer than this ends block mode for the rest of its file: it is masked by one
        /// filter in windows, as a stream would be, so memory stays bounded.
        public var maxBlockSize = 8 << 20
        /// Files whose first 8 KiB (after decompression) hold a NUL byte are skipped as binary.
        public var binarySniffBytes = 8 << 10

        public init(mode: BatchMode, jobs: Int) {
            self.mode = mode
            self.jobs = max(1, jobs)
        }
    }

    public let options: Options
    /// The rules compiled once: each worker, and each driver thread's long-line filter, masks with
    /// a filter made from it for its own thread.
    private let template: StreamFilter
    private let ruleCount: Int
    /// Blocks, masked blocks and gzip members, reused from block to block and file to file. Blocks
    /// from 128 KiB are mapped on their own (`Allocator`): a fresh array per block cost a `mmap`, a
    /// `munmap` and 256 page faults, three times per MiB (half the system time of a scrub).
    private let buffers: BufferPool
    /// Bytes asked of the source at a time.
    private static let readSize = 256 << 10

    public init(ruleSet: RuleSet, filterConfiguration: StreamFilter.Configuration = .init(),
                options: Options) throws(ConfigurationError) {
        self.options = options
        ruleCount = ruleSet.rules.count
        template = try StreamFilter(ruleSet: ruleSet, configuration: filterConfiguration)  // a bad rule set fails here
        buffers = BufferPool(capacity: options.blockSize + Self.readSize)
    }

    /// Runs over `files` (largest first, so the long ones start early) and returns a report per
    /// file, in the order given.
    public func run(_ files: [BatchFile], progress: BatchProgress) throws(ConfigurationError) -> [FileReport] {
        let pool = WorkerPool(count: options.jobs, template: template)
        defer { pool.close() }
        let order = files.indices.sorted { files[$0].size > files[$1].size }
        let state = DriverState(count: files.count)
        // A block per worker and two more, so that a worker finds the next block queued while a
        // driver reads or writes. Each block is a buffer of about 0.75 MiB, two while it is masked.
        let budget = BlockBudget(blocks: options.jobs + 2)
        let group = DispatchGroup()
        for _ in 0..<min(options.jobs, max(1, files.count)) {
            group.enter()
            let driver = Thread { [self] in
                var sequentialFilter: StreamFilter?
                while let next = state.take(), next < order.count {
                    let index = order[next]
                    let report = process(files[index], pool: pool, budget: budget, progress: progress,
                                         sequentialFilter: &sequentialFilter)
                    state.store(report, at: index)
                    progress.fileDone()
                }
                group.leave()
            }
            driver.stackSize = 1 << 20
            driver.start()
        }
        group.wait()
        return state.reports.map { $0! }
    }

    /// The next file to take and the reports so far, shared by the driver threads.
    private final class DriverState: @unchecked Sendable {
        private let lock = NSLock()
        private var next = 0
        private(set) var reports: [FileReport?]

        init(count: Int) { reports = Array(repeating: nil, count: count) }

        func take() -> Int? {
            lock.lock()
            defer { lock.unlock() }
            next += 1
            return next - 1
        }

        func store(_ report: FileReport, at index: Int) {
            lock.lock()
            reports[index] = report
            lock.unlock()
        }
    }

    private func process(_ file: BatchFile, pool: WorkerPool, budget: BlockBudget, progress: BatchProgress,
                         sequentialFilter: inout StreamFilter?) -> FileReport {
        var report = FileReport(file: file, counters: Counters(ruleCount: ruleCount))
        var consumed = 0
        defer { progress.add(bytes: max(0, file.size - consumed)) }  // the rest of a skipped or failed file
        let descriptor = open(file.path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            report.message = "cannot open: \(String(cString: strerror(errno)))"
            return report
        }
        defer { close(descriptor) }
        var writer: AtomicFileWriter?
        do {
            let metadata = try AtomicFileWriter.Metadata(of: descriptor)
            var header = [UInt8](repeating: 0, count: 10)
            let headerCount = header.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, 10, 0) }
            report.gzip = header.withUnsafeBytes { Gzip.hasMagic(UnsafeRawBufferPointer(rebasing: $0.prefix(max(0, headerCount)))) }
            let level = header.withUnsafeBytes { GzipMemberEncoder.level(ofHeader: $0) }
            let onRead: (Int) -> Void = { count in
                consumed += count
                progress.add(bytes: count)
            }
            var source: any ByteSource = report.gzip
                ? try GzipDecoder(descriptor: descriptor, onRead: onRead)
                : CountingSource(descriptor: descriptor, onRead: onRead)

            switch options.mode {
            case .scan: break
            case .scrubInPlace: writer = try AtomicFileWriter(target: file.path)
            case .scrubTo(let folder):
                let target = folder + "/" + file.relativePath
                try Self.makeParentFolders(of: target)
                writer = try AtomicFileWriter(target: target)
            }
            report.output = writer?.target

            let outcome = try maskBlocks(from: &source, gzipLevel: report.gzip ? level : nil, pool: pool, budget: budget,
                                         writer: writer, sequentialFilter: &sequentialFilter)
            guard let counters = outcome else {
                writer?.abort()
                report.output = nil
                report.status = .skippedBinary
                report.message = "binary file (a NUL byte in its first \(options.binarySniffBytes / 1024) KiB), skipped"
                return report
            }
            report.counters = counters
            let changed = counters.linesMasked > 0 || counters.errors[.regexLimit, default: 0] > 0
            switch options.mode {
            case .scan:
                report.status = counters.totalMatches > 0 || changed ? .found : .clean
            case .scrubInPlace where !changed:
                writer?.abort()  // nothing to mask: the original stays, inode, times and all
                report.output = nil
                report.status = .unchanged
            case .scrubInPlace, .scrubTo:
                try writer?.commit(metadata: metadata)
                report.status = changed ? .masked : .unchanged
            }
        } catch {
            writer?.abort()
            report.output = nil
            report.status = .failed
            report.message = "\(error) (the original is untouched)"
        }
        return report
    }

    /// Reads `source` in blocks of whole lines, masks them on the pool and writes them in order.
    /// Returns the counters, or nil when the start of the input is binary (nothing is written then).
    private func maskBlocks(from source: inout any ByteSource, gzipLevel: Int32?, pool: WorkerPool, budget: BlockBudget,
                            writer: AtomicFileWriter?, sequentialFilter: inout StreamFilter?) throws -> Counters? {
        var counters = Counters(ruleCount: ruleCount)
        let blocks = OrderedBlocks(budget: budget)
        let writesOutput = writer != nil
        let buffers = self.buffers
        defer { blocks.discardUnwritten { buffers.give($0.buffer) } }  // after a failed read or write
        func write(_ result: OrderedBlocks.Result) throws(BatchError) {
            counters.add(result.counters)
            defer { buffers.give(result.buffer) }
            guard let writer, !result.buffer.bytes.isEmpty else { return }
            do { try writer.write(result.buffer.bytes) } catch { throw .stream(error) }
        }
        let readSize = Self.readSize
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: readSize, alignment: 16)
        defer { chunk.deallocate() }
        var pending: [UInt8] = []
        pending.reserveCapacity(options.blockSize + readSize)
        var sniffed = false
        var ended = false
        while !ended {
            let count = try source.read(into: chunk)
            if count == 0 { ended = true } else { pending.append(contentsOf: chunk.prefix(count)) }
            if !sniffed && (pending.count >= options.binarySniffBytes || ended) {
                sniffed = true
                if pending.prefix(options.binarySniffBytes).contains(0) { return nil }
            }
            guard pending.count >= options.blockSize || (ended && !pending.isEmpty) else { continue }
            var cut = pending.count
            if !ended {
                guard let newline = pending.lastIndex(of: 0x0A) else {
                    guard pending.count >= options.maxBlockSize else { continue }
                    // A very long line: the rest of this file goes through one filter, in windows.
                    try blocks.finish(write: write)
                    let filter = sequentialFilter ?? template.forAnotherThread()
                    sequentialFilter = filter
                    var chained = ChainedSource(prefix: pending, rest: source)
                    var sink = BlockSink(gzipLevel: gzipLevel, writer: writesOutput ? writer : nil)
                    try filter.run(from: &chained, to: &sink)
                    try sink.close()
                    counters.add(filter.takeCounters())
                    return counters
                }
                cut = newline + 1
            }
            let block = buffers.take()
            block.bytes.append(contentsOf: pending[..<cut])
            pending.removeFirst(cut)
            try blocks.submit(to: pool, { worker in
                let masked = buffers.take()
                if writesOutput {
                    worker.filter.mask(&block.bytes, into: &masked.bytes)
                } else {
                    worker.filter.scan(&block.bytes)  // scan: the counters are the result
                }
                buffers.give(block)
                let counters = worker.filter.takeCounters()
                guard writesOutput else { return .init(buffer: masked, counters: counters) }
                guard let gzipLevel else { return .init(buffer: masked, counters: counters) }
                let member = buffers.take()
                worker.encoder(level: gzipLevel).member(of: masked.bytes, into: &member.bytes)
                buffers.give(masked)
                return .init(buffer: member, counters: counters)
            }, write: write)
        }
        try blocks.finish(write: write)
        return counters
    }

    static func makeParentFolders(of path: String) throws(BatchError) {
        guard let slash = path.lastIndex(of: "/") else { return }
        let folder = String(path[..<slash])
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw .system("create the folder \(folder)", (error as NSError).code == 0 ? EIO : Int32((error as NSError).code))
        }
    }
}

/// `read(2)` on a file, reporting each read's size.
struct CountingSource: ByteSource {
    var source: FileDescriptorSource
    let onRead: (Int) -> Void

    init(descriptor: Int32, onRead: @escaping (Int) -> Void) {
        source = FileDescriptorSource(descriptor: descriptor)
        self.onRead = onRead
    }

    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws(StreamError) -> Int {
        let count = try source.read(into: buffer)
        onRead(count)
        return count
    }

    func hasDataReady() -> Bool { true }
}

/// Bytes already read, then the rest of a source.
struct ChainedSource: ByteSource {
    var prefix: [UInt8]
    var offset = 0
    var rest: any ByteSource

    init(prefix: [UInt8], rest: any ByteSource) {
        self.prefix = prefix
        self.rest = rest
    }

    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws(StreamError) -> Int {
        guard offset < prefix.count else { return try rest.read(into: buffer) }
        let count = min(buffer.count, prefix.count - offset)
        prefix.withUnsafeBytes { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[offset..<offset + count])) }
        offset += count
        return count
    }

    func hasDataReady() -> Bool { true }
}

/// Output of the one-filter path: compressed member by member for gzip files, or written as it is.
struct BlockSink: ByteSink {
    let encoder: GzipMemberEncoder?
    let writer: AtomicFileWriter?
    var pending: [UInt8] = []

    init(gzipLevel: Int32?, writer: AtomicFileWriter?) {
        encoder = gzipLevel.map { GzipMemberEncoder(level: $0) }
        self.writer = writer
    }

    mutating func write(_ bytes: UnsafeRawBufferPointer) throws(StreamError) {
        guard let writer else { return }
        guard encoder != nil else { return try writer.write(bytes) }
        pending.append(contentsOf: bytes)
        if pending.count >= 4 << 20 { try close() }
    }

    mutating func close() throws(StreamError) {
        guard let encoder, let writer, !pending.isEmpty else { return }
        let member = encoder.member(of: pending)
        pending.removeAll(keepingCapacity: true)
        try writer.write(member)
    }
}
