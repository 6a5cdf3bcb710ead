#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Testing
@testable import SladdCore

/// The write stage: clean text is borrowed from the input, not copied, and written with `writev`.
/// A span out of order or a partial write not resumed would corrupt the stream, not leak: these
/// tests compare the bytes written with the bytes appended.
@Suite("Output: borrowed spans and writev")
struct OutputTests {
    @Test("Owned and borrowed bytes are written in the order they were appended", arguments: [1, 2, 3] as [UInt64])
    func spansKeepOrder(seed: UInt64) {
        var random = SeededRandom(seed: seed)
        let input = (0..<200_000).map { _ in UInt8.random(in: 0...255, using: &random) }
        input.withUnsafeBufferPointer { input in
            let output = OutputBuffer(capacity: 64)
            var expected: [UInt8] = []
            for _ in 0..<2_000 {
                let start = Int.random(in: 0..<(input.count - 5_000), using: &random)
                let length = Int.random(in: 0...(Bool.random(using: &random) ? 40 : 5_000), using: &random)
                let slice = input.baseAddress! + start
                switch Int.random(in: 0..<4, using: &random) {
                case 0:
                    output.append(slice, count: length)
                case 1:
                    // A replacement rewritten (`Replacer`, percent-encoded): only owned bytes are taken back.
                    let mark = output.count
                    output.append(slice, count: min(length, 30))
                    let written = Array(output.bytes(since: mark))
                    #expect(written == Array(UnsafeBufferPointer(start: slice, count: min(length, 30))))
                    output.removeLast(written.count)
                    output.append(repeating: 0x2A, count: written.count + 1)
                    expected += Array(repeating: 0x2A, count: written.count + 1)
                    continue
                default:
                    output.append(borrowing: slice, count: length)
                }
                expected += UnsafeBufferPointer(start: slice, count: length)
            }
            #expect(output.count == expected.count)
            #expect(output.isBorrowing)
            var written: [UInt8] = []
            output.withSpans { spans in
                for span in spans { written += UnsafeRawBufferPointer(start: span.iov_base, count: span.iov_len) }
            }
            #expect(Bytes.firstDifference(written, expected) == nil)
        }
    }

    @Test("A writev that writes part of its spans goes on where it stopped")
    func partialWritesResume() throws {
        var random = SeededRandom(seed: 7)
        // More spans than one writev takes, and more bytes than a pipe holds: on a non-blocking pipe
        // most calls write part of what they are given (or nothing: EAGAIN, then poll).
        let chunks = (0..<3_000).map { index in
            (0..<Int.random(in: 1...3_000, using: &random)).map { UInt8(truncatingIfNeeded: index &+ $0) }
        }
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        defer { close(ends[0]) }
        #expect(fcntl(ends[1], F_SETFL, fcntl(ends[1], F_GETFL) | O_NONBLOCK) == 0)
        // A thread of its own reads (a task could wait behind this test on the cooperative pool).
        let reader = ends[0]
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var received: [UInt8] = []
        Thread {
            var chunk = [UInt8](repeating: 0, count: 7_000)
            while true {
                let count = chunk.withUnsafeMutableBytes { read(reader, $0.baseAddress!, $0.count) }
                guard count > 0 else { break }
                received += chunk[..<count]
                usleep(50)  // slower than the writer: the pipe fills
            }
            done.signal()
        }.start()
        let pointers = chunks.map { chunk in
            let pointer = UnsafeMutablePointer<UInt8>.allocate(capacity: chunk.count)
            pointer.initialize(from: chunk, count: chunk.count)
            return pointer
        }
        defer { pointers.forEach { $0.deallocate() } }
        var spans = zip(pointers, chunks).map { iovec(iov_base: UnsafeMutableRawPointer($0), iov_len: $1.count) }
        var sink = FileDescriptorSink(descriptor: ends[1])
        try spans.withUnsafeMutableBufferPointer { spans in try sink.write(spans: spans) }
        close(ends[1])
        done.wait()
        #expect(Bytes.firstDifference(received, chunks.flatMap { $0 }) == nil)
    }
}
