#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CSladdSIMD

/// How the lines of a stream are structured. `auto` decides per line: a CRI prefix, then a JSON
/// document (which covers Docker's json-file), else text; logfmt and query strings are text with
/// `key=value` pairs, which the key rules and the URL decoding cover in every format.
public enum LineFormat: String, Sendable, CaseIterable {
    case auto, text, json, docker, cri, logfmt

    var recognisesCRI: Bool { self == .auto || self == .cri }
    /// Formats whose runtime splits long lines into records (CRI `P`/`F`, Docker's 16 KiB parts).
    var joinsSplitRecords: Bool { self == .auto || self == .cri || self == .docker }
    var recognisesJSON: Bool { self == .auto || self == .json || self == .docker || self == .cri }
    var decodesEscapes: Bool { self != .text }
}

/// CRI records (containerd, CRI-O): `<RFC 3339 time> <stdout|stderr> <P|F> <message>`.
enum CRIRecord {
    /// Where the message of a CRI record starts, or nil when the line is not one.
    static func messageStart(in base: UnsafePointer<UInt8>, from start: Int, to end: Int) -> Int? {
        // The shortest time is `2016-10-06T00:17:09Z` (20 bytes); check the date's shape first.
        guard end - start >= 30, base[start + 4] == 0x2D, base[start + 7] == 0x2D, base[start + 10] == 0x54,
              ByteClass.isDigit(base[start]) else { return nil }
        var cursor = start + 11
        let limit = min(end, start + 40)
        while cursor < limit && base[cursor] != 0x20 { cursor += 1 }
        guard cursor + 10 <= end, base[cursor] == 0x20 else { return nil }
        let stream = cursor + 1
        let isStdout = base[stream] == 0x73 && base[stream + 1] == 0x74 && base[stream + 2] == 0x64
            && (memcmp(base + stream, "stdout ", 7) == 0 || memcmp(base + stream, "stderr ", 7) == 0)
        guard isStdout, base[stream + 7] == 0x50 || base[stream + 7] == 0x46, base[stream + 8] == 0x20 else { return nil }
        return stream + 9
    }
}

extension CRIRecord {
    struct Header {
        let lineStart: Int
        let messageStart: Int
        /// The line's content end for CRI, the closing quote of Docker's `log`.
        let messageEnd: Int
        let isStdout: Bool
        let isPartial: Bool
    }

    /// The record on the line `lineStart..<lineEnd` (without its newline), if it is one: CRI, or a
    /// Docker json-file object (see `DockerRecord`).
    static func header(in base: UnsafePointer<UInt8>, lineStart: Int, lineEnd: Int) -> Header? {
        if lineEnd > lineStart && base[lineStart] == 0x7B { return DockerRecord.header(in: base, lineStart: lineStart, lineEnd: lineEnd) }
        guard let message = messageStart(in: base, from: lineStart, to: lineEnd) else { return nil }
        return Header(lineStart: lineStart, messageStart: message, messageEnd: lineEnd,
                      isStdout: base[message - 6] == 0x6F,  // "stdout P": the `o` of out
                      isPartial: base[message - 2] == 0x50)
    }

    /// Where output must wait for the rest of a partial (`P`) record: the start of the last `P`
    /// record of a stream that has no later record in `start..<end` (whole lines). Looks back at most
    /// `lineLimit` lines; nil when nothing waits.
    static func holdPoint(in base: UnsafePointer<UInt8>, from start: Int, to end: Int, lineLimit: Int = 256) -> Int? {
        var lineEnd = end - 1  // at the newline
        var seenStdout = false, seenStderr = false
        var hold: Int?
        for _ in 0..<lineLimit where lineEnd > start && !(seenStdout && seenStderr) {
            let lineStart = Masker.lastNewline(in: base, from: start, to: lineEnd).map { $0 + 1 } ?? start
            if let record = header(in: base, lineStart: lineStart, lineEnd: Masker.contentEnd(in: base, lineStart, lineEnd)) {
                let seen = record.isStdout ? seenStdout : seenStderr
                if !seen && record.isPartial { hold = lineStart }
                if record.isStdout { seenStdout = true } else { seenStderr = true }
            }
            lineEnd = lineStart - 1
        }
        return hold
    }
}

/// Docker json-file records, `{"log":"…","stream":"stdout","time":"…"}`, as records that can be split:
/// the daemon cuts a line longer than 16 KiB into several objects, and only the last `log` ends in
/// `\n`. The daemon always writes `log` first and escapes every `"` inside it, so the first raw
/// `","stream":"` after `{"log":"` is where the value ends.
enum DockerRecord {
    static let valueEnd = Array(#"","stream":""#.utf8)

    /// Whether `start..<end` opens like a record: `{"log":"` and something after it.
    static func startsRecord(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        end - start > 8 && memcmp(base + start, #"{"log":""#, 8) == 0
    }

    static func header(in base: UnsafePointer<UInt8>, lineStart: Int, lineEnd: Int) -> CRIRecord.Header? {
        let messageStart = lineStart + 8
        guard lineEnd - messageStart >= valueEnd.count + 6, startsRecord(base, lineStart, lineEnd),
              let found = valueEnd.withUnsafeBytes({ sladd_memmem(base + messageStart, lineEnd - messageStart, $0.baseAddress, $0.count) })
        else { return nil }
        let messageEnd = UnsafeRawPointer(found) - UnsafeRawPointer(base)
        let stream = messageEnd + valueEnd.count
        guard stream + 6 <= lineEnd, memcmp(base + stream, "stdout", 6) == 0 || memcmp(base + stream, "stderr", 6) == 0 else { return nil }
        return CRIRecord.Header(lineStart: lineStart, messageStart: messageStart, messageEnd: messageEnd,
                                isStdout: base[stream + 3] == 0x6F, isPartial: !endsInNewline(base, messageStart, messageEnd))
    }

    /// Whether the escaped value ends in `\n` (an odd run of backslashes before the `n`).
    static func endsInNewline(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        guard end - start >= 2, base[end - 1] == 0x6E else { return false }
        var backslashes = 0
        var cursor = end - 2
        while cursor >= start && base[cursor] == 0x5C {
            backslashes += 1
            cursor -= 1
        }
        return backslashes % 2 == 1
    }
}
