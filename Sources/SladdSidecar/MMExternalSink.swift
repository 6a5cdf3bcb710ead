import SladdCore

/// rsyslog's `mmexternal` reply protocol: for each message line read, one line of JSON that sets
/// the message, `{"msg":"…"}`. rsyslog waits for each reply, so a reply is written as soon as its
/// line is complete (the filter flushes whenever its input has nothing more ready).
public struct MMExternalSink<Inner: ByteSink>: ByteSink {
    private var inner: Inner
    private var pending: [UInt8] = []
    private var reply: [UInt8] = []

    public init(_ inner: Inner) { self.inner = inner }

    public mutating func write(_ bytes: UnsafeRawBufferPointer) throws(StreamError) {
        reply.removeAll(keepingCapacity: true)
        var lineStart = 0
        for index in 0..<bytes.count where bytes[index] == 0x0A {
            appendReply(pending, bytes[lineStart..<index])
            pending.removeAll(keepingCapacity: true)
            lineStart = index + 1
        }
        pending += bytes[lineStart...]
        try flushReply()
    }

    /// A last message without a newline still gets its reply.
    public mutating func finish() throws(StreamError) {
        guard !pending.isEmpty else { return }
        reply.removeAll(keepingCapacity: true)
        appendReply(pending, UnsafeRawBufferPointer(start: nil, count: 0)[...])
        pending.removeAll()
        try flushReply()
    }

    private mutating func flushReply() throws(StreamError) {
        guard !reply.isEmpty else { return }
        let bytes = reply  // shares the buffer; `inner` may be written while it is read
        var failure: StreamError?
        bytes.withUnsafeBytes { raw in
            do throws(StreamError) { try inner.write(raw) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    private mutating func appendReply(_ head: [UInt8], _ tail: Slice<UnsafeRawBufferPointer>) {
        reply += Array(#"{"msg":""#.utf8)
        for byte in head { escape(byte) }
        for byte in tail { escape(byte) }
        reply += Array("\"}\n".utf8)
    }

    private mutating func escape(_ byte: UInt8) {
        switch byte {
        case 0x22: reply += [0x5C, 0x22]
        case 0x5C: reply += [0x5C, 0x5C]
        case 0x0D: reply += [0x5C, 0x72]
        case 0x09: reply += [0x5C, 0x74]
        case ..<0x20:
            let hex = Array("0123456789abcdef".utf8)
            reply += [0x5C, 0x75, 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 15)]]
        default: reply.append(byte)
        }
    }
}
