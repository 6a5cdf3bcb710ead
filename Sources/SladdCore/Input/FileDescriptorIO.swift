#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a filter reads bytes from.
public protocol ByteSource {
    /// Reads up to `buffer.count` bytes; 0 means the end of the input.
    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws(StreamError) -> Int
    /// Whether a read would return at once. When it would block, the filter flushes what it has,
    /// so a sidecar passes each line on promptly while a batch run still writes large blocks.
    func hasDataReady() -> Bool
    /// Waits up to `milliseconds` for input; false when none came (a partial record is then
    /// written without waiting longer for its rest).
    func waitForData(milliseconds: Int32) -> Bool
}

extension ByteSource {
    public func waitForData(milliseconds: Int32) -> Bool { true }
}

/// Where a filter writes bytes to.
public protocol ByteSink {
    mutating func write(_ bytes: UnsafeRawBufferPointer) throws(StreamError)
    /// Writes `spans` in order; may change them (a sink that writes part of them moves them on).
    mutating func write(spans: UnsafeMutableBufferPointer<iovec>) throws(StreamError)
}

extension ByteSink {
    /// One `write` per span.
    public mutating func write(spans: UnsafeMutableBufferPointer<iovec>) throws(StreamError) {
        for span in spans where span.iov_len > 0 {
            try write(UnsafeRawBufferPointer(start: span.iov_base, count: span.iov_len))
        }
    }
}

public enum StreamError: Error, Equatable, CustomStringConvertible {
    case read(errno: Int32)
    case write(errno: Int32)
    /// The reader of our output went away (EPIPE): stop quietly, as `head` expects.
    case downstreamClosed
    /// The input is not what it claims to be (a truncated or corrupt gzip member).
    case corruptInput(String)

    public var description: String {
        switch self {
        case .corruptInput(let reason): "the input is corrupt: \(reason)"
        case .read(let code): "cannot read the input: \(String(cString: strerror(code)))"
        case .write(let code): "cannot write the output: \(String(cString: strerror(code)))"
        case .downstreamClosed: "the output was closed by its reader"
        }
    }
}

/// `read(2)` on a descriptor, retrying interrupted calls in one place.
public struct FileDescriptorSource: ByteSource {
    public let descriptor: Int32

    public init(descriptor: Int32) { self.descriptor = descriptor }

    public mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws(StreamError) -> Int {
        while true {
            let count = Glibc.read(descriptor, buffer.baseAddress, buffer.count)
            if count >= 0 { return count }
            switch errno {
            case EINTR: continue
            case EAGAIN:
                var request = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
                _ = poll(&request, 1, -1)
            default: throw .read(errno: errno)
            }
        }
    }

    public func hasDataReady() -> Bool {
        waitForData(milliseconds: 0)
    }

    public func waitForData(milliseconds: Int32) -> Bool {
        var request = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        while true {
            let ready = poll(&request, 1, milliseconds)
            if ready >= 0 || errno != EINTR { return ready != 0 }
        }
    }
}

/// `writev(2)` on a descriptor: whole buffers, retrying short and interrupted writes.
public struct FileDescriptorSink: ByteSink {
    public let descriptor: Int32

    public init(descriptor: Int32) { self.descriptor = descriptor }

    public mutating func write(_ bytes: UnsafeRawBufferPointer) throws(StreamError) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        var span = iovec(iov_base: UnsafeMutableRawPointer(mutating: base), iov_len: bytes.count)
        try withUnsafeMutablePointer(to: &span) { (span) throws(StreamError) in
            try write(spans: UnsafeMutableBufferPointer(start: span, count: 1))
        }
    }

    /// Linux's `IOV_MAX` (`UIO_MAXIOV`); the C macro does not reach Swift.
    static let maxSpansPerWrite = 1024

    /// `writev`, up to `IOV_MAX` spans a call; a partial write moves the spans on and writes the rest.
    public mutating func write(spans: UnsafeMutableBufferPointer<iovec>) throws(StreamError) {
        var first = 0
        while first < spans.count {
            let batch = min(spans.count - first, Self.maxSpansPerWrite)
            var written = writev(descriptor, spans.baseAddress! + first, Int32(batch))
            if written < 0 {
                switch errno {
                case EINTR: continue
                case EAGAIN:
                    var request = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
                    _ = poll(&request, 1, -1)
                    continue
                case EPIPE: throw .downstreamClosed
                default: throw .write(errno: errno)
                }
            }
            while first < spans.count && written >= spans[first].iov_len {
                written -= spans[first].iov_len
                first += 1
            }
            if written > 0 {
                spans[first].iov_base += written
                spans[first].iov_len -= written
            }
        }
    }
}

/// An in-memory source, for tests and for masking a value from Swift code.
public struct BytesSource: ByteSource {
    private let bytes: [UInt8]
    private var offset = 0
    /// Largest read, so tests can make lines straddle reads.
    private let chunkSize: Int

    public init(_ bytes: [UInt8], chunkSize: Int = .max) {
        self.bytes = bytes
        self.chunkSize = max(1, chunkSize)
    }

    public mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws(StreamError) -> Int {
        let count = min(buffer.count, bytes.count - offset, chunkSize)
        guard count > 0 else { return 0 }
        bytes.withUnsafeBytes { source in
            buffer.baseAddress!.copyMemory(from: source.baseAddress! + offset, byteCount: count)
        }
        offset += count
        return count
    }

    public func hasDataReady() -> Bool { true }
}

public struct BytesSink: ByteSink {
    public private(set) var bytes: [UInt8] = []
    public init() {}

    public mutating func write(_ chunk: UnsafeRawBufferPointer) throws(StreamError) {
        bytes.append(contentsOf: chunk)
    }
}
