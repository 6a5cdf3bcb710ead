#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The bytes of a window as they are to be written: replacements in a growable buffer reused for the
/// life of a filter (writing a line allocates nothing), and the clean text between them, which is
/// most of it, borrowed from the input where it lies.
///
/// Copying every clean byte into the buffer was 9% of one thread's time on the 3% mix (perf), and
/// written once more by the kernel. A borrowed span costs an `iovec` instead: the output goes out
/// with `writev` (see `withSpans`). Whoever borrows keeps the input unchanged until the output is
/// written or `removeAll` is called.
final class OutputBuffer {
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    /// Bytes in `base`.
    private var ownedCount = 0
    /// Bytes to write: those in `base` and the borrowed ones.
    private(set) var count = 0
    /// Borrowed spans in order, each written after the first `ownedOffset` bytes of `base`.
    private var borrowed: [(ownedOffset: Int, span: UnsafeRawBufferPointer)] = []
    /// Reused by `withSpans`.
    private var spans: [iovec] = []

    /// Spans shorter than this are copied: below a few hundred bytes an `iovec` (an entry to build, a
    /// step in the kernel's copy) costs more than the copy itself.
    static let borrowThreshold = 1024

    init(capacity: Int) {
        self.capacity = max(capacity, 64)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    @inline(__always)
    func append(_ bytes: UnsafePointer<UInt8>, count length: Int) {
        guard length > 0 else { return }
        reserve(length)
        (base + ownedCount).update(from: bytes, count: length)
        ownedCount += length
        count += length
    }

    /// Appends `length` bytes at `bytes` without copying them when there are many: they must stay as
    /// they are until this buffer is written or emptied.
    @inline(__always)
    func append(borrowing bytes: UnsafePointer<UInt8>, count length: Int) {
        guard length >= Self.borrowThreshold else { return append(bytes, count: length) }
        borrowed.append((ownedCount, UnsafeRawBufferPointer(start: bytes, count: length)))
        count += length
    }

    @inline(__always)
    func append(_ byte: UInt8) {
        reserve(1)
        base[ownedCount] = byte
        ownedCount += 1
        count += 1
    }

    func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { append($0.baseAddress!, count: $0.count) }
    }

    func append(repeating byte: UInt8, count length: Int) {
        guard length > 0 else { return }
        reserve(length)
        (base + ownedCount).update(repeating: byte, count: length)
        ownedCount += length
        count += length
    }

    func removeAll() {
        ownedCount = 0
        count = 0
        borrowed.removeAll(keepingCapacity: true)
    }

    /// Gives back storage grown past `limit` (by a long line), once emptied.
    func trim(toCapacity limit: Int) {
        precondition(count == 0, "trim an emptied buffer")
        guard capacity > max(limit, 64) else { return }
        base.deallocate()
        capacity = max(limit, 64)
        base = .allocate(capacity: capacity)
    }

    /// Whether some bytes are still borrowed from the input.
    var isBorrowing: Bool { !borrowed.isEmpty }

    /// Owned bytes appended after the last borrowed span: what may be read back or dropped.
    private var ownedSinceLastBorrow: Int { ownedCount - (borrowed.last?.ownedOffset ?? 0) }

    /// The bytes appended since `mark` (an earlier `count`), none of them borrowed.
    func bytes(since mark: Int) -> UnsafeBufferPointer<UInt8> {
        let length = count - mark
        precondition(length <= ownedSinceLastBorrow, "bytes since the mark are borrowed")
        return UnsafeBufferPointer(start: base + ownedCount - length, count: length)
    }

    /// Drops the last `length` bytes (a replacement rewritten in another encoding), none of them borrowed.
    func removeLast(_ length: Int) {
        let length = min(length, count)
        precondition(length <= ownedSinceLastBorrow, "the bytes to drop are borrowed")
        ownedCount -= length
        count -= length
    }

    /// Calls `body` with the bytes to write, in order, as spans that `body` may change (a partial
    /// `writev` moves them on).
    func withSpans<Failure: Error>(_ body: (UnsafeMutableBufferPointer<iovec>) throws(Failure) -> Void) throws(Failure) {
        spans.removeAll(keepingCapacity: true)
        var owned = 0
        for (offset, span) in borrowed {
            if offset > owned { spans.append(iovec(iov_base: UnsafeMutableRawPointer(base + owned), iov_len: offset - owned)) }
            spans.append(iovec(iov_base: UnsafeMutableRawPointer(mutating: span.baseAddress), iov_len: span.count))
            owned = offset
        }
        if ownedCount > owned { spans.append(iovec(iov_base: UnsafeMutableRawPointer(base + owned), iov_len: ownedCount - owned)) }
        var failure: Failure?
        spans.withUnsafeMutableBufferPointer { spans in
            do throws(Failure) { try body(spans) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    @inline(__always)
    private func reserve(_ extra: Int) {
        guard ownedCount + extra > capacity else { return }
        var newCapacity = capacity * 2
        while newCapacity < ownedCount + extra { newCapacity *= 2 }
        let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newBase.update(from: base, count: ownedCount)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }
}
