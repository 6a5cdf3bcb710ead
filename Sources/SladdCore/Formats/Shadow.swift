#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Text decoded from an escaped form (a JSON string, a percent-encoded URL), with where each decoded
/// byte came from, so a detection in the decoded text masks exactly the raw bytes that spell it.
///
/// Decoding appends three values per byte, on lines made of escapes: the storage is raw memory
/// (no uniqueness check per append, as an `Array` makes) and origins are 32-bit, offsets in one
/// window of at most `maxLineBytes` (1 GiB) and a little, so a decoded 1 MiB line costs 9 MiB, not 17.
/// A copy shares the storage until `refill(reserving:_:)`, which takes a storage of its own: a shadow
/// is written only there (a copy such as `map` is only read).
struct Shadow {
    private var storage = Storage.empty
    private(set) var count = 0

    private final class Storage {
        let capacity: Int
        let bytes: UnsafeMutablePointer<UInt8>
        /// `starts[i]..<ends[i]`: the raw bytes decoded byte `i` came from.
        let starts: UnsafeMutablePointer<UInt32>
        let ends: UnsafeMutablePointer<UInt32>

        /// What a new shadow starts with: swapping a fresh one in (as `applyJSON` does per string)
        /// allocates nothing. Never written: `refill` first moves to a storage of its own.
        nonisolated(unsafe) static let empty = Storage(capacity: 0)

        /// Room past `capacity` for a whole 16-byte copy that ends beyond what it appends
        /// (`Writer.appendVerbatim`); never counted, always overwritten by the next append.
        static let slack = 16

        init(capacity: Int) {
            self.capacity = capacity
            bytes = .allocate(capacity: capacity + Self.slack)
            starts = .allocate(capacity: capacity + Self.slack)
            ends = .allocate(capacity: capacity + Self.slack)
        }

        deinit {
            bytes.deallocate()
            starts.deallocate()
            ends.deallocate()
        }
    }

    /// Empties the shadow for decoding `count` raw bytes (never more decoded): one allocation up
    /// front, and none when an earlier decode left enough room.
    private mutating func removeAll(reserving count: Int) {
        self.count = 0
        if count > storage.capacity || !isKnownUniquelyReferenced(&storage) {
            storage = Storage(capacity: max(64, count, storage.capacity))
        }
    }

    /// Empties the shadow and lets `body` append up to `capacity` bytes through a `Writer`.
    ///
    /// For the decoders, on lines made of escapes (a byte in seven): an `append` per byte checked
    /// room, counted with overflow checks and called `memmove` for each run of five bytes between
    /// escapes (three times the decode itself, callgrind). A decoded string is never longer than its
    /// raw text (`\uD800` is 6 bytes for 3), so one reservation covers the whole decode.
    mutating func refill(reserving capacity: Int, _ body: (inout Writer) -> Void) {
        removeAll(reserving: capacity)
        var writer = Writer(bytes: storage.bytes, starts: storage.starts, ends: storage.ends, capacity: capacity)
        withExtendedLifetime(storage) { body(&writer) }
        count = writer.count
    }

    /// Appends into storage reserved by `refill(reserving:_:)`.
    struct Writer {
        fileprivate let bytes: UnsafeMutablePointer<UInt8>
        fileprivate let starts: UnsafeMutablePointer<UInt32>
        fileprivate let ends: UnsafeMutablePointer<UInt32>
        fileprivate let capacity: Int
        fileprivate(set) var count = 0

        @inline(__always)
        mutating func append(_ byte: UInt8, from start: UInt32, to end: UInt32) {
            precondition(count < capacity, "a decoded string is never longer than its raw text")
            bytes[count] = byte
            starts[count] = start
            ends[count] = end
            count &+= 1
        }

        /// Appends `length` bytes from `base + at` that decode to themselves (the text between escapes),
        /// each from its own origin; `base` is readable up to `limit`.
        @inline(__always)
        mutating func appendVerbatim<Origins: DecodeOrigins>(_ base: UnsafePointer<UInt8>, at start: Int, length: Int,
                                                             limit: Int, origins: Origins) {
            precondition(length <= capacity &- count, "a decoded string is never longer than its raw text")
            guard length > 0 else { return }  // between two escapes
            if length <= 16 && start &+ 16 <= limit {
                // Escape-dense text (`\\u0040` repeated: five plain bytes between escapes): 16 bytes and
                // their origins copied whole into the storage's slack, `length` of them counted.
                // The loop below cost 5% more instructions there (callgrind, 251.0 M against 237.4 M).
                UnsafeMutableRawPointer(bytes + count)
                    .storeBytes(of: UnsafeRawPointer(base + start).loadUnaligned(as: SIMD16<UInt8>.self), as: SIMD16<UInt8>.self)
                origins.copy16(from: start, starts: starts + count, ends: ends + count)
                count &+= length
                return
            }
            // One loop for the three arrays: runs between escapes are short (five bytes in `\\u0040`),
            // where a `memmove` call for the bytes cost more than the copy.
            for offset in 0..<length {
                bytes[count &+ offset] = base[start &+ offset]
                starts[count &+ offset] = origins.start(start &+ offset)
                ends[count &+ offset] = origins.end(start &+ offset)
            }
            count &+= length
        }

        /// Appends the UTF-8 of `scalar`, every byte from `start..<end`; a lone surrogate becomes
        /// U+FFFD (it is not text, and not an identifier).
        @inline(__always)
        mutating func append(scalar: UInt32, from start: UInt32, to end: UInt32) {
            switch scalar {
            case ..<0x80:
                append(UInt8(truncatingIfNeeded: scalar), from: start, to: end)
            case ..<0x800:
                append(UInt8(truncatingIfNeeded: 0xC0 | scalar >> 6), from: start, to: end)
                append(UInt8(truncatingIfNeeded: 0x80 | scalar & 0x3F), from: start, to: end)
            case 0xD800...0xDFFF:
                append(0xEF, from: start, to: end)
                append(0xBF, from: start, to: end)
                append(0xBD, from: start, to: end)
            case ..<0x10000:
                append(UInt8(truncatingIfNeeded: 0xE0 | scalar >> 12), from: start, to: end)
                append(UInt8(truncatingIfNeeded: 0x80 | scalar >> 6 & 0x3F), from: start, to: end)
                append(UInt8(truncatingIfNeeded: 0x80 | scalar & 0x3F), from: start, to: end)
            default:
                append(UInt8(truncatingIfNeeded: 0xF0 | scalar >> 18), from: start, to: end)
                append(UInt8(truncatingIfNeeded: 0x80 | scalar >> 12 & 0x3F), from: start, to: end)
                append(UInt8(truncatingIfNeeded: 0x80 | scalar >> 6 & 0x3F), from: start, to: end)
                append(UInt8(truncatingIfNeeded: 0x80 | scalar & 0x3F), from: start, to: end)
            }
        }
    }

    /// This shadow as the origins of text decoded from it, valid during `body`.
    func withOrigins<Result>(_ body: (ShadowOrigins) -> Result) -> Result {
        withExtendedLifetime(storage) { body(ShadowOrigins(starts: storage.starts, ends: storage.ends)) }
    }

    /// The decoded text, valid during `body` (the storage is the shadow's).
    func withBytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result {
        try withExtendedLifetime(storage) { try body(UnsafeBufferPointer(start: storage.bytes, count: count)) }
    }

    /// Where decoded byte `index` starts, and where it ends, in the raw text.
    func sourceStart(_ index: Int) -> Int {
        precondition(index < count)
        return Int(storage.starts[index])
    }

    func sourceEnd(_ index: Int) -> Int {
        precondition(index < count)
        return Int(storage.ends[index])
    }

    /// The raw span of decoded `start..<end`.
    func source(of start: Int, _ end: Int) -> (start: Int, end: Int) {
        (sourceStart(start), sourceEnd(end - 1))
    }

    /// Whether decoded `start..<end` was written with any escape.
    func isEscaped(_ start: Int, _ end: Int) -> Bool {
        sourceEnd(end - 1) - sourceStart(start) != end - start
    }
}

/// Where the text a decoder reads came from: the decoder is generic over it, so that it is
/// specialised for raw window text (an offset is its own origin) and for text that is itself
/// decoded (a JSON document inside Docker's `log`), with no branch per byte.
protocol DecodeOrigins {
    /// Where byte `index` of the text starts, and where it ends, in the raw window.
    func start(_ index: Int) -> UInt32
    func end(_ index: Int) -> UInt32
    /// Writes the origins of bytes `index..<index + 16` (all in the text).
    func copy16(from index: Int, starts: UnsafeMutablePointer<UInt32>, ends: UnsafeMutablePointer<UInt32>)
}

extension DecodeOrigins {
    /// Where the text's `start..<end` came from.
    @inline(__always)
    func span(_ start: Int, _ end: Int) -> (start: UInt32, end: UInt32) { (self.start(start), self.end(end &- 1)) }
}

/// Text read in place: offsets in a window of at most 1 GiB and a little fit 32 bits.
struct RawOrigins: DecodeOrigins {
    @inline(__always) func start(_ index: Int) -> UInt32 { UInt32(truncatingIfNeeded: index) }
    @inline(__always) func end(_ index: Int) -> UInt32 { UInt32(truncatingIfNeeded: index &+ 1) }

    @inline(__always)
    func copy16(from index: Int, starts: UnsafeMutablePointer<UInt32>, ends: UnsafeMutablePointer<UInt32>) {
        let first = SIMD16<UInt32>(repeating: UInt32(truncatingIfNeeded: index))
        let steps = SIMD16<UInt32>(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
        UnsafeMutableRawPointer(starts).storeBytes(of: first &+ steps, as: SIMD16<UInt32>.self)
        UnsafeMutableRawPointer(ends).storeBytes(of: first &+ steps &+ 1, as: SIMD16<UInt32>.self)
    }
}

/// Text decoded once already: each byte comes from where its shadow says.
struct ShadowOrigins: DecodeOrigins {
    fileprivate let starts: UnsafeMutablePointer<UInt32>
    fileprivate let ends: UnsafeMutablePointer<UInt32>
    @inline(__always) func start(_ index: Int) -> UInt32 { starts[index] }
    @inline(__always) func end(_ index: Int) -> UInt32 { ends[index] }

    @inline(__always)
    func copy16(from index: Int, starts: UnsafeMutablePointer<UInt32>, ends: UnsafeMutablePointer<UInt32>) {
        UnsafeMutableRawPointer(starts).storeBytes(of: UnsafeRawPointer(self.starts + index).loadUnaligned(as: SIMD16<UInt32>.self),
                                                   as: SIMD16<UInt32>.self)
        UnsafeMutableRawPointer(ends).storeBytes(of: UnsafeRawPointer(self.ends + index).loadUnaligned(as: SIMD16<UInt32>.self),
                                                 as: SIMD16<UInt32>.self)
    }
}

enum JSONEscapes {
    @inline(__always)
    static func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case 0x30...0x39: UInt32(byte - 0x30)
        case 0x41...0x46: UInt32(byte - 0x41 + 10)
        case 0x61...0x66: UInt32(byte - 0x61 + 10)
        default: nil
        }
    }

    /// `0-9 a-f A-F`, without branches (the parser asks four times per `\\u` escape).
    @inline(__always)
    static func isHexDigit(_ byte: UInt8) -> Bool {
        (byte &- 0x30 < 10) || ((byte | 0x20) &- 0x61 < 6)
    }

    /// Decodes the content of a JSON string (`start..<end`, already validated by `JSONLine`) into
    /// `shadow`, mapping through `map` when the content itself lies in a shadow.
    static func decode(_ base: UnsafePointer<UInt8>, from start: Int, to end: Int, into shadow: inout Shadow,
                       map: Shadow? = nil) {
        shadow.refill(reserving: end - start) { writer in
            if let map {
                map.withOrigins { decode(base, from: start, to: end, into: &writer, origins: $0) }
            } else {
                decode(base, from: start, to: end, into: &writer, origins: RawOrigins())
            }
        }
    }

    /// A key written with escapes and its scalar value, as `readEscapedKeys` reads them.
    struct KeyAndValue {
        /// The key's content, inside its quotes.
        let keyStart: Int, keyEnd: Int
        /// The value as written: a string from its content (after the quote) to after its closing quote.
        let valueStart: Int, valueEnd: Int
    }

    /// Each `"key": value` of `pairs` on a line of its own, from the key's opening quote to `valueEnd`,
    /// with the key decoded and the rest as written (a value's own escapes stay as they are, quotes
    /// included). The line breaks come from nowhere (an empty span): no match reaches past a line end.
    static func decodeKeys(_ base: UnsafePointer<UInt8>, _ pairs: [KeyAndValue], into shadow: inout Shadow) {
        var capacity = 0
        for pair in pairs { capacity += pair.valueEnd - pair.keyStart + 2 }
        shadow.refill(reserving: capacity) { writer in
            for pair in pairs {
                let quote = UInt32(truncatingIfNeeded: pair.keyStart - 1)
                writer.append(base[pair.keyStart - 1], from: quote, to: quote + 1)
                decode(base, from: pair.keyStart, to: pair.keyEnd, into: &writer, origins: RawOrigins())
                writer.appendVerbatim(base, at: pair.keyEnd, length: pair.valueEnd - pair.keyEnd, limit: pair.valueEnd,
                                      origins: RawOrigins())
                let end = UInt32(truncatingIfNeeded: pair.valueEnd)
                writer.append(0x0A, from: end, to: end)
            }
        }
    }

    private static func decode<Origins: DecodeOrigins>(_ base: UnsafePointer<UInt8>, from start: Int, to end: Int,
                                                       into output: inout Shadow.Writer, origins: Origins) {
        // A local copy keeps the writer's pointers and count in registers (through `inout` they were
        // reloaded and stored on every escape).
        var writer = output
        defer { output = writer }
        var cursor = start
        while cursor < end {
            let next = base[cursor] == 0x5C ? cursor : nextBackslash(base, from: cursor, to: end)
            writer.appendVerbatim(base, at: cursor, length: next &- cursor, limit: end, origins: origins)
            cursor = next
            guard cursor < end else { break }
            let escaped = base[cursor &+ 1]
            if escaped != 0x75 {
                let decoded: UInt8 = switch escaped {
                case 0x62: 0x08
                case 0x66: 0x0C
                case 0x6E: 0x0A
                case 0x72: 0x0D
                case 0x74: 0x09
                default: escaped  // \" \\ \/
                }
                let span = origins.span(cursor, cursor &+ 2)
                writer.append(decoded, from: span.start, to: span.end)
                cursor &+= 2
                continue
            }
            var scalar = hex4(base, cursor &+ 2)
            var length = 6
            // A surrogate pair spells one scalar in two escapes.
            if scalar & 0xFC00 == 0xD800, cursor &+ 12 <= end, base[cursor &+ 6] == 0x5C, base[cursor &+ 7] == 0x75 {
                let low = hex4(base, cursor &+ 8)
                if low & 0xFC00 == 0xDC00 {
                    scalar = 0x10000 &+ ((scalar &- 0xD800) << 10) &+ (low &- 0xDC00)
                    length = 12
                }
            }
            let span = origins.span(cursor, cursor &+ length)
            writer.append(scalar: scalar, from: span.start, to: span.end)
            cursor &+= length
        }
    }

    /// The offset of the first `\\` in `start..<end`, or `end`. Escape-dense text (a nested document)
    /// finds it in the first 16 bytes without a call; a long plain run goes on with `memchr`.
    @inline(__always)
    static func nextBackslash(_ base: UnsafePointer<UInt8>, from start: Int, to end: Int) -> Int {
        if start &+ 16 <= end {
            let chunk = UnsafeRawPointer(base + start).loadUnaligned(as: SIMD16<UInt8>.self)
            let found = ByteClassMasks.bits(chunk .== SIMD16(repeating: 0x5C))
            if found != 0 { return start &+ found.trailingZeroBitCount }
            guard start &+ 16 < end, let next = memchr(base + start + 16, 0x5C, end &- start &- 16) else { return end }
            return UnsafeRawPointer(next) - UnsafeRawPointer(base)
        }
        var cursor = start
        while cursor < end && base[cursor] != 0x5C { cursor &+= 1 }
        return cursor
    }

    /// The length of the escape at `at` when it stands for a separator: `\n \r \t \b \f`, `\\`,
    /// `\/`, or `\uXXXX` of ASCII punctuation that cannot be part of an identifier (Docker's `\u003c`,
    /// `\u003e`, `\u0026`) or of a non-ASCII character (a boundary for every built-in detector, as
    /// in raw text; a regex rule's word may run through it, see `spellsNonASCII`); 0 for one that may
    /// spell part of an identifier (`\u0040`, `\u0031`, `\"`) or is not an escape.
    @inline(__always)
    static func separatorEscapeLength(_ base: UnsafePointer<UInt8>, at cursor: Int, end: Int) -> Int {
        guard cursor + 1 < end else { return 0 }
        switch base[cursor + 1] {
        case 0x6E, 0x72, 0x74, 0x62, 0x66, 0x5C, 0x2F: return 2
        case 0x75:
            guard cursor + 6 <= end else { return 0 }
            var scalar: UInt32 = 0
            for offset in 2..<6 {
                guard let value = hexValue(base[cursor + offset]) else { return 0 }
                scalar = scalar << 4 | value
            }
            if scalar >= 0x80 { return 6 }
            let byte = UInt8(scalar)
            return ByteClass.isAlphanumeric(byte) || identifierPunctuation.contains(byte) || byte == 0x0A ? 0 : 6
        default:
            return 0
        }
    }

    /// Whether the separator escape at `cursor` (six bytes, `\uXXXX`) spells a non-ASCII character.
    /// Python's `json.dumps` writes every one so, `fødselsnummer` as `f\u00f8dselsnummer`: blanked,
    /// the key word is lost to the rule that names it.
    @inline(__always)
    static func spellsNonASCII(_ base: UnsafePointer<UInt8>, at cursor: Int) -> Bool {
        base[cursor + 1] == 0x75 && (base[cursor + 2] != 0x30 || base[cursor + 3] != 0x30 || base[cursor + 4] >= 0x38)
    }

    /// Whether a JSON string's content (`start..<end`, validated) holds a `\uXXXX` of a non-ASCII character.
    static func hasNonASCIIEscape(_ base: UnsafePointer<UInt8>, from start: Int, to end: Int) -> Bool {
        var cursor = start
        while cursor < end {
            cursor = nextBackslash(base, from: cursor, to: end)
            guard cursor < end else { return false }
            if spellsNonASCII(base, at: cursor) { return true }  // validated: `\u` has four hex digits
            cursor += base[cursor + 1] == 0x75 ? 6 : 2
        }
        return false
    }

    /// Whether every escape of a JSON string's content is a separator escape.
    static func hasOnlySeparatorEscapes(_ base: UnsafePointer<UInt8>, from start: Int, to end: Int) -> Bool {
        var cursor = start
        while cursor < end {
            cursor = nextBackslash(base, from: cursor, to: end)
            guard cursor < end else { return true }
            let length = separatorEscapeLength(base, at: cursor, end: end)
            guard length > 0 else { return false }
            cursor += length
        }
        return true
    }

    /// Bytes that may sit inside an identifier or a key=value secret.
    private static let identifierPunctuation: Set<UInt8> = Set("@.-+_%: =/'\"".utf8)

    /// Four hex digits already validated by `JSONLine`, all at once: a digit's low nibble is its
    /// value, a letter's (bit 6 set, either case) is its value less 9. Then the nibbles, first byte
    /// first, are gathered into one number.
    @inline(__always)
    private static func hex4(_ base: UnsafePointer<UInt8>, _ at: Int) -> UInt32 {
        let raw = UInt32(littleEndian: UnsafeRawPointer(base + at).loadUnaligned(as: UInt32.self))
        let nibbles = (raw & 0x0F0F_0F0F) &+ ((raw >> 6) & 0x0101_0101) &* 9  // d0 | d1 << 8 | d2 << 16 | d3 << 24
        let pairs = ((nibbles & 0x000F_000F) << 4) | ((nibbles >> 8) & 0x000F_000F)  // d0d1 | d2d3 << 16
        return (pairs & 0xFF) << 8 | pairs >> 16
    }
}

enum PercentEscapes {
    /// Whether `start..<end` holds a `%XX` escape.
    /// Asked of every string of every JSON line with a match: `memchr` skips to the rare `%`.
    static func contains(_ base: UnsafePointer<UInt8>, from start: Int, to end: Int) -> Bool {
        var cursor = start
        while cursor + 2 < end, let found = memchr(base + cursor, 0x25, end - 2 - cursor) {
            cursor = UnsafeRawPointer(found) - UnsafeRawPointer(base)
            if JSONEscapes.hexValue(base[cursor + 1]) != nil, JSONEscapes.hexValue(base[cursor + 2]) != nil { return true }
            cursor += 1
        }
        return false
    }

    /// Decodes `%XX` everywhere and `+` as a space after the first `?` (a query string or form body).
    static func decode(_ base: UnsafePointer<UInt8>, from start: Int, to end: Int, into shadow: inout Shadow,
                       map: Shadow? = nil) {
        shadow.refill(reserving: end - start) { writer in
            if let map {
                map.withOrigins { decode(base, from: start, to: end, into: &writer, origins: $0) }
            } else {
                decode(base, from: start, to: end, into: &writer, origins: RawOrigins())
            }
        }
    }

    private static func decode<Origins: DecodeOrigins>(_ base: UnsafePointer<UInt8>, from start: Int, to end: Int,
                                                       into writer: inout Shadow.Writer, origins: Origins) {
        var inQuery = false
        var cursor = start
        while cursor < end {
            let byte = base[cursor]
            if byte == 0x25, cursor + 2 < end, let high = JSONEscapes.hexValue(base[cursor + 1]),
               let low = JSONEscapes.hexValue(base[cursor + 2]) {
                let span = origins.span(cursor, cursor + 3)
                writer.append(UInt8(high << 4 | low), from: span.start, to: span.end)
                cursor += 3
                continue
            }
            if byte == 0x3F { inQuery = true }
            writer.append(inQuery && byte == 0x2B ? 0x20 : byte, from: origins.start(cursor), to: origins.end(cursor))
            cursor += 1
        }
    }
}
