import Foundation

/// Threads that mask blocks, each with its own filter (a filter's buffers are not shared).
///
/// Batch jobs cut files into blocks of whole lines; any worker may mask any block of any file, and
/// `OrderedBlocks` puts the results back in order. Workers also compress, so one gzip file is
/// compressed on every core (see `GzipMemberEncoder`).
final class WorkerPool: @unchecked Sendable {
    /// What a worker owns: a filter, and an encoder per gzip level it has needed.
    /// Used by its one thread only.
    final class Worker: @unchecked Sendable {
        let filter: StreamFilter
        /// Which rule set `filter` masks with (see `ParallelStreamFilter.replaceRules`).
        var generation = 0
        private var encoders: [Int32: GzipMemberEncoder] = [:]

        init(filter: StreamFilter) { self.filter = filter }

        func encoder(level: Int32) -> GzipMemberEncoder {
            if let encoder = encoders[level] { return encoder }
            let encoder = GzipMemberEncoder(level: level)
            encoders[level] = encoder
            return encoder
        }
    }

    // All mutable state below is guarded by `condition`.
    private let condition = NSCondition()
    private var tasks: [(Worker) -> Void] = []
    private var head = 0
    private var closed = false
    private var threads: [Thread] = []

    /// `count` workers, each with a filter like `template` (sharing its compiled rules).
    init(count: Int, template: StreamFilter) {
        if count > 1 { Allocator.keepLargeBlocksMapped() }
        for index in 0..<count {
            let worker = Worker(filter: template.forAnotherThread())
            let thread = Thread { [self] in self.work(as: worker) }
            thread.name = "sladd-worker-\(index)"
            thread.stackSize = 1 << 20
            threads.append(thread)
        }
        threads.forEach { $0.start() }
    }

    func submit(_ task: @escaping (Worker) -> Void) {
        condition.lock()
        tasks.append(task)
        condition.signal()
        condition.unlock()
    }

    /// Lets the workers finish what was submitted, then end.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    private func work(as worker: Worker) {
        while true {
            condition.lock()
            while head == tasks.count && !closed { condition.wait() }
            if head == tasks.count {
                condition.unlock()
                return
            }
            let task = tasks[head]
            // Release what the finished task captured (a block of input) now, not when the queue
            // is next compacted, up to 1024 tasks later.
            tasks[head] = { _ in }
            head += 1
            if head > 1024 && head * 2 > tasks.count {
                tasks.removeFirst(head)
                head = 0
            }
            condition.unlock()
            task(worker)
        }
    }
}

/// One block of lines as a worker hands it back: the masked bytes and what was counted in them.
struct MaskedBlock {
    var bytes: [UInt8]
    var counters: Counters
}

/// The blocks of one file, masked anywhere, written in order, with at most `limit` in flight so
/// memory stays bounded whatever the file's size. The caller writes, between submissions (a file
/// has no reader waiting on it); the stream's `OrderedOutput` writes on a thread of its own.
final class OrderedBlocks: @unchecked Sendable {
    typealias Result = MaskedBlock

    // Guarded by `condition`.
    private let condition = NSCondition()
    private var finished: [Int: Result] = [:]
    private var submitted = 0
    private var written = 0
    private let limit: Int

    init(limit: Int) { self.limit = limit }

    /// Queues `work` on the pool; writes finished blocks in order meanwhile, waiting while too many
    /// are in flight.
    func submit(to pool: WorkerPool, _ work: @escaping (WorkerPool.Worker) -> Result,
                write: (Result) throws(BatchError) -> Void) throws(BatchError) {
        try drain(until: limit - 1, write: write)
        let sequence = submitted
        submitted += 1
        pool.submit { [self] worker in
            let result = work(worker)
            condition.lock()
            finished[sequence] = result
            condition.signal()
            condition.unlock()
        }
    }

    /// Writes every block, in order.
    func finish(write: (Result) throws(BatchError) -> Void) throws(BatchError) {
        try drain(until: 0, write: write)
    }

    /// Writes finished blocks in order until at most `pending` are unwritten.
    private func drain(until pending: Int, write: (Result) throws(BatchError) -> Void) throws(BatchError) {
        while submitted - written > pending {
            condition.lock()
            while finished[written] == nil { condition.wait() }
            let result = finished.removeValue(forKey: written)!
            condition.unlock()
            written += 1
            try write(result)
        }
    }
}

/// Byte arrays handed between a batch job's threads and reused. A returned array may still be
/// referenced for a moment (by the task that returned it), so it is emptied when taken, not when
/// given back: emptying a shared array would copy it.
final class BufferPool: @unchecked Sendable {
    private let lock = NSLock()
    private var free: [[UInt8]] = []

    /// An empty array, with the capacity of an earlier block when there is one.
    func take() -> [UInt8] {
        lock.lock()
        var buffer = free.popLast() ?? []
        lock.unlock()
        buffer.removeAll(keepingCapacity: true)
        return buffer
    }

    func give(_ buffer: [UInt8]) {
        lock.lock()
        free.append(buffer)
        lock.unlock()
    }
}
