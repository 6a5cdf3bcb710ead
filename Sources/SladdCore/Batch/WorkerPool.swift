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
    var buffer: BlockBuffer
    var counters: Counters
}

/// How many blocks all the files of a batch job may have in flight together (read and not yet
/// written). One bound for the job, not one per file: with a bound per file and a file per job
/// side by side, memory grew with the square of `--jobs`.
final class BlockBudget: @unchecked Sendable {
    /// Guards `free` and the `finished` blocks of every `OrderedBlocks` that shares this budget.
    let condition = NSCondition()
    var free: Int

    init(blocks: Int) { free = blocks }
}

/// The blocks of one file, masked anywhere, written in order, with the job's `BlockBudget` bounding
/// what is in flight, so memory stays flat whatever the files' sizes. The caller writes, between
/// submissions (a file has no reader waiting on it); the stream's `OrderedOutput` writes on a
/// thread of its own.
final class OrderedBlocks: @unchecked Sendable {
    typealias Result = MaskedBlock

    private let budget: BlockBudget
    /// Guarded by `budget.condition`.
    private var finished: [Int: Result] = [:]
    // Used by the caller's thread only.
    private var submitted = 0
    private var written = 0

    init(budget: BlockBudget) { self.budget = budget }

    /// Queues `work` on the pool once the budget has room; writes this file's finished blocks in
    /// order meanwhile. Waiting on the budget while holding finished blocks could starve every
    /// file, so each wait writes what it can, and every write gives a block back to the budget.
    func submit(to pool: WorkerPool, _ work: @escaping (WorkerPool.Worker) -> Result,
                write: (Result) throws(BatchError) -> Void) throws(BatchError) {
        let condition = budget.condition
        condition.lock()
        while budget.free == 0 {
            if let result = finished.removeValue(forKey: written) {
                condition.unlock()
                try writeAndRelease(result, write: write)
                condition.lock()
            } else {
                condition.wait()
            }
        }
        budget.free -= 1
        condition.unlock()
        let sequence = submitted
        submitted += 1
        pool.submit { [self] worker in
            let result = work(worker)
            condition.lock()
            finished[sequence] = result
            condition.broadcast()  // the waiting drivers wait for different things
            condition.unlock()
        }
    }

    /// Writes every block, in order.
    func finish(write: (Result) throws(BatchError) -> Void) throws(BatchError) {
        while written < submitted {
            try writeAndRelease(next(), write: write)
        }
    }

    /// After a failed read or write: waits for the blocks still in flight and gives them back
    /// unwritten, so the budget they hold goes to the other files. Nothing to do after `finish`.
    func discardUnwritten(_ discard: (Result) -> Void) {
        while written < submitted {
            let result = next()
            written += 1
            discard(result)
            release()
        }
    }

    private func next() -> Result {
        budget.condition.lock()
        defer { budget.condition.unlock() }
        while finished[written] == nil { budget.condition.wait() }
        return finished.removeValue(forKey: written)!
    }

    private func writeAndRelease(_ result: Result, write: (Result) throws(BatchError) -> Void) throws(BatchError) {
        written += 1
        defer { release() }
        try write(result)
    }

    private func release() {
        budget.condition.lock()
        budget.free += 1
        budget.condition.broadcast()
        budget.condition.unlock()
    }
}

/// A block's bytes, in a box so that the array inside has one owner. Handing bare arrays between
/// threads did not reuse them: the task that gave one back still held it for a moment, so emptying
/// it on the next `take` copied it, a fresh MiB for nearly every block.
final class BlockBuffer: @unchecked Sendable {
    var bytes: [UInt8] = []
}

/// Block buffers handed between a batch job's threads and reused.
final class BufferPool: @unchecked Sendable {
    private let lock = NSLock()
    private var free: [BlockBuffer] = []
    /// What a new buffer reserves: a block and a read past it, so reuse in any role rarely grows it.
    private let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    /// An empty buffer, with the capacity of an earlier block when there is one.
    func take() -> BlockBuffer {
        lock.lock()
        let buffer = free.popLast()
        lock.unlock()
        guard let buffer else {
            let fresh = BlockBuffer()
            fresh.bytes.reserveCapacity(capacity)
            return fresh
        }
        buffer.bytes.removeAll(keepingCapacity: true)
        return buffer
    }

    func give(_ buffer: BlockBuffer) {
        lock.lock()
        free.append(buffer)
        lock.unlock()
    }
}
