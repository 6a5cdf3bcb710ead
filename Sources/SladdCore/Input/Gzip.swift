import CZlib
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Gzip files: the first two bytes of every member.
public enum Gzip {
    public static func hasMagic(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
    }
}

/// Reads a gzip file as the bytes it holds: every member of a multi-member file (as `cat a.gz b.gz`
/// and `logrotate` make them), and an error, never a silent short read, for a truncated or corrupt one.
public final class GzipDecoder: ByteSource {
    private var source: FileDescriptorSource
    private let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
    private let input: UnsafeMutablePointer<UInt8>
    private let inputCapacity = 256 << 10
    private var inMember = false
    private var finished = false
    /// Called with the number of compressed bytes each time it reads some (for progress).
    private let onRead: (Int) -> Void

    public init(descriptor: Int32, onRead: @escaping (Int) -> Void = { _ in }) throws(StreamError) {
        source = FileDescriptorSource(descriptor: descriptor)
        self.onRead = onRead
        input = .allocate(capacity: inputCapacity)
        stream.initialize(to: z_stream())
        // 15 + 16: a gzip wrapper (not zlib, not raw deflate), with the largest window.
        guard inflateInit2_(stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw .corruptInput("zlib could not start")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
        input.deallocate()
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(StreamError) -> Int {
        guard !finished, let output = buffer.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return 0 }
        stream.pointee.next_out = output
        stream.pointee.avail_out = UInt32(clamping: buffer.count)
        while stream.pointee.avail_out == UInt32(clamping: buffer.count) {
            if stream.pointee.avail_in == 0 {
                let count = try source.read(into: UnsafeMutableRawBufferPointer(start: input, count: inputCapacity))
                if count == 0 {
                    finished = true
                    if inMember { throw .corruptInput("the gzip data ends in the middle of a member (truncated file)") }
                    break
                }
                onRead(count)
                stream.pointee.next_in = input
                stream.pointee.avail_in = UInt32(count)
            }
            if !inMember {
                // Between members: another member must start here.
                guard stream.pointee.next_in[0] == 0x1F else {
                    throw .corruptInput("bytes after the last gzip member are not gzip")
                }
                inMember = true
            }
            let status = inflate(stream, Z_NO_FLUSH)
            switch status {
            case Z_OK, Z_BUF_ERROR:
                break
            case Z_STREAM_END:
                inMember = false
                inflateReset(stream)
            default:
                let message = stream.pointee.msg.map { String(cString: $0) } ?? "error \(status)"
                throw .corruptInput("gzip: \(message)")
            }
        }
        return buffer.count - Int(stream.pointee.avail_out)
    }

    public func hasDataReady() -> Bool { true }
}

/// Compresses bytes into one complete gzip member. Blocks compressed apart and written one after the
/// other make a valid multi-member file, which is what lets several cores compress one file.
public final class GzipMemberEncoder {
    private let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)

    /// `level` as in `gzip -1` … `gzip -9`.
    public init(level: Int32 = 6) {
        stream.initialize(to: z_stream())
        let status = deflateInit2_(stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
                                   ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        precondition(status == Z_OK, "zlib deflateInit2 failed: \(status)")
    }

    deinit {
        deflateEnd(stream)
        stream.deallocate()
    }

    public func member(of bytes: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        member(of: bytes, into: &output)
        return output
    }

    /// The same into `output`, replacing what it held; its storage is reused when large enough.
    public func member(of bytes: [UInt8], into output: inout [UInt8]) {
        deflateReset(stream)
        let bound = Int(deflateBound(stream, UInt(bytes.count)))
        output.removeAll(keepingCapacity: true)
        output.append(contentsOf: repeatElement(0, count: bound))
        let written = bytes.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                stream.pointee.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
                stream.pointee.avail_in = UInt32(source.count)
                stream.pointee.next_out = target.baseAddress
                stream.pointee.avail_out = UInt32(target.count)
                let status = deflate(stream, Z_FINISH)
                precondition(status == Z_STREAM_END, "deflate into a bound-sized buffer must finish: \(status)")
                return target.count - Int(stream.pointee.avail_out)
            }
        }
        output.removeLast(output.count - written)
    }

    /// The level a gzip file was written with, as far as its header tells (the XFL byte): 9 for
    /// "maximum compression", 1 for "fastest", otherwise gzip's default 6.
    public static func level(ofHeader header: UnsafeRawBufferPointer) -> Int32 {
        guard header.count >= 10 else { return 6 }
        switch header[8] {
        case 2: return 9
        case 4: return 1
        default: return 6
        }
    }
}
