#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A strict, allocation-free JSON tokenizer for one line: the spans of keys, string values and
/// numbers, or nil when the line is not one JSON document (then it is masked as text).
///
/// Spans are of the raw bytes: a string's span is its content between the quotes, escapes as written.
struct JSONLine {
    enum Kind { case key, string, number }

    /// 12 bytes (32-bit offsets in one window, as `Match`): a line of 20,000 keys holds 40,000.
    struct Token {
        var kind: Kind
        var hasEscapes: Bool
        private var storedStart: Int32
        private var storedEnd: Int32

        init(kind: Kind, start: Int, end: Int, hasEscapes: Bool) {
            self.kind = kind
            self.hasEscapes = hasEscapes
            storedStart = Int32(truncatingIfNeeded: start)
            storedEnd = Int32(truncatingIfNeeded: end)
        }

        var start: Int { Int(storedStart) }
        var end: Int { Int(storedEnd) }
    }

    static let maximumDepth = 64

    /// Appends each token to `tokens` in order; returns false (having maybe appended some) when
    /// `start..<end` is not exactly one JSON value with optional surrounding whitespace.
    ///
    /// An `inout` array rather than a visitor closure: the closure's context was retained and
    /// released at every token (7.1 M of 318.5 M instructions on 8 MB with PII on every line).
    static func parse(_ base: UnsafePointer<UInt8>, from start: Int, to end: Int, into tokens: inout [Token]) -> Bool {
        var parser = Parser(base: base, cursor: start, end: end)
        parser.skipSpace()
        guard parser.value(depth: 0, into: &tokens) else { return false }
        parser.skipSpace()
        return parser.cursor == end
    }

    /// JSON's whitespace between tokens: space, tab, line feed, carriage return.
    @inline(__always)
    static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }

    private struct Parser {
        let base: UnsafePointer<UInt8>
        var cursor: Int
        let end: Int

        mutating func skipSpace() {
            while cursor < end, JSONLine.isSpace(base[cursor]) { cursor += 1 }
        }

        mutating func value(depth: Int, into tokens: inout [Token]) -> Bool {
            guard cursor < end, depth < JSONLine.maximumDepth else { return false }
            switch base[cursor] {
            case 0x7B: // {
                cursor += 1
                skipSpace()
                if cursor < end && base[cursor] == 0x7D { cursor += 1; return true }
                while true {
                    guard cursor < end, base[cursor] == 0x22, let key = string(kind: .key) else { return false }
                    tokens.append(key)
                    skipSpace()
                    guard cursor < end, base[cursor] == 0x3A else { return false }
                    cursor += 1
                    skipSpace()
                    guard value(depth: depth + 1, into: &tokens) else { return false }
                    skipSpace()
                    guard cursor < end else { return false }
                    if base[cursor] == 0x2C { cursor += 1; skipSpace(); continue }
                    guard base[cursor] == 0x7D else { return false }
                    cursor += 1
                    return true
                }
            case 0x5B: // [
                cursor += 1
                skipSpace()
                if cursor < end && base[cursor] == 0x5D { cursor += 1; return true }
                while true {
                    guard value(depth: depth + 1, into: &tokens) else { return false }
                    skipSpace()
                    guard cursor < end else { return false }
                    if base[cursor] == 0x2C { cursor += 1; skipSpace(); continue }
                    guard base[cursor] == 0x5D else { return false }
                    cursor += 1
                    return true
                }
            case 0x22:
                guard let token = string(kind: .string) else { return false }
                tokens.append(token)
                return true
            case 0x74: return literal("true")
            case 0x66: return literal("false")
            case 0x6E: return literal("null")
            default:
                guard let token = number() else { return false }
                tokens.append(token)
                return true
            }
        }

        mutating func literal(_ word: StaticString) -> Bool {
            let count = word.utf8CodeUnitCount
            guard end - cursor >= count, memcmp(base + cursor, word.utf8Start, count) == 0 else { return false }
            cursor += count
            return true
        }

        /// At the opening quote.
        mutating func string(kind: Kind) -> Token? {
            // A local cursor, stored back once: the field was written to memory on every step.
            var cursor = self.cursor + 1
            defer { self.cursor = cursor }
            let start = cursor
            var hasEscapes = false
            while cursor < end {
                // Sixteen bytes at a time up to the next quote, backslash or control byte: the rest
                // needs no look (a byte loop here was 8% of a stream of JSON lines, callgrind).
                // An escape right after an escape (`\u0040\u0040`) goes straight to the byte path.
                if cursor &+ 16 <= end && base[cursor] != 0x5C {
                    // Vector operands, not scalars: `chunk .== 0x22` compiles to a loop over the lanes.
                    let chunk = UnsafeRawPointer(base + cursor).loadUnaligned(as: SIMD16<UInt8>.self)
                    let special = ByteClassMasks.bits(chunk .== SIMD16(repeating: 0x22))
                        | ByteClassMasks.bits(chunk .== SIMD16(repeating: 0x5C))
                        | ByteClassMasks.bits(chunk & SIMD16(repeating: 0xE0) .== SIMD16())
                    if special == 0 {
                        cursor &+= 16
                        continue
                    }
                    cursor &+= special.trailingZeroBitCount
                }
                let byte = base[cursor]
                if byte == 0x22 {
                    cursor += 1
                    return Token(kind: kind, start: start, end: cursor - 1, hasEscapes: hasEscapes)
                }
                if byte == 0x5C {
                    hasEscapes = true
                    guard cursor + 1 < end else { return nil }
                    let escaped = base[cursor + 1]
                    if escaped == 0x75 { // u
                        guard cursor + 6 <= end, JSONEscapes.isHexDigit(base[cursor + 2]), JSONEscapes.isHexDigit(base[cursor + 3]),
                              JSONEscapes.isHexDigit(base[cursor + 4]), JSONEscapes.isHexDigit(base[cursor + 5]) else { return nil }
                        cursor += 6
                        continue
                    }
                    switch escaped {
                    case 0x22, 0x5C, 0x2F, 0x62, 0x66, 0x6E, 0x72, 0x74: break  // " \ / b f n r t
                    default: return nil
                    }
                    cursor += 2
                    continue
                }
                guard byte >= 0x20 else { return nil }  // raw control characters are not JSON
                cursor += 1
            }
            return nil
        }

        mutating func number() -> Token? {
            let start = cursor
            if cursor < end && base[cursor] == 0x2D { cursor += 1 }
            let digitsStart = cursor
            while cursor < end && ByteClass.isDigit(base[cursor]) { cursor += 1 }
            guard cursor > digitsStart else { return nil }
            if cursor < end && base[cursor] == 0x2E {
                cursor += 1
                let fraction = cursor
                while cursor < end && ByteClass.isDigit(base[cursor]) { cursor += 1 }
                guard cursor > fraction else { return nil }
            }
            if cursor < end && (base[cursor] | 0x20) == 0x65 {
                cursor += 1
                if cursor < end && (base[cursor] == 0x2B || base[cursor] == 0x2D) { cursor += 1 }
                let exponent = cursor
                while cursor < end && ByteClass.isDigit(base[cursor]) { cursor += 1 }
                guard cursor > exponent else { return nil }
            }
            return Token(kind: .number, start: start, end: cursor, hasEscapes: false)
        }
    }
}
