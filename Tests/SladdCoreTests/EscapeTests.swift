import Foundation
import Testing
@testable import SladdCore

/// Decoding decides what the detectors read in a JSON string and which raw bytes a match masks:
/// the text must be what the string says, and each decoded byte must point at exactly the raw bytes
/// that spell it (a span too short leaks part of an escape, one too long masks a neighbour).
@Suite("Escape decoding")
struct EscapeTests {
    static let alphabet: [Unicode.Scalar] = ["a", "Z", "0", "9", "@", ".", " ", "\"", "\\", "/", "\n", "\t", "\u{1}", "\u{7F}",
                                             "ø", "€", "😀", "\u{ABCD}", "\u{EEEE}"]

    /// `scalar` as JSON string content, spelled one of the ways JSON allows.
    static func spell(_ scalar: Unicode.Scalar, _ random: inout SeededRandom) -> String {
        let short: [Unicode.Scalar: String] = ["\"": #"\""#, "\\": #"\\"#, "/": #"\/"#, "\n": #"\n"#, "\t": #"\t"#]
        let mustEscape = scalar == "\"" || scalar == "\\" || scalar.value < 0x20
        switch Int.random(in: 0..<3, using: &random) {
        case 0 where !mustEscape:
            return String(scalar)
        case 1 where short[scalar] != nil:
            return short[scalar]!
        default:
            let format = Bool.random(using: &random) ? #"\u%04x"# : #"\u%04X"#  // hex digits of either case
            return String(scalar).utf16.map { String(format: format, $0) }.joined()
        }
    }

    static func spellAll(_ text: String, _ random: inout SeededRandom) -> String {
        text.unicodeScalars.map { spell($0, &random) }.joined()
    }

    /// The decoded bytes and each one's raw span.
    static func decoded(_ raw: [UInt8]) -> (bytes: [UInt8], spans: [Range<Int>]) {
        var shadow = Shadow()
        raw.withUnsafeBufferPointer { JSONEscapes.decode($0.baseAddress!, from: 0, to: $0.count, into: &shadow) }
        return (shadow.withBytes { Array($0) }, (0..<shadow.count).map { shadow.sourceStart($0)..<shadow.sourceEnd($0) })
    }

    /// Spans of consecutive bytes are equal (one escape) or adjacent, and together cover `count` raw bytes.
    static func expectTiling(_ spans: [Range<Int>], count: Int, _ context: String) {
        guard let first = spans.first, let last = spans.last else { return #expect(count == 0, "\(context)") }
        #expect(first.lowerBound == 0 && last.upperBound == count, "\(context)")
        for (previous, next) in zip(spans, spans.dropFirst()) where next != previous {
            #expect(next.lowerBound == previous.upperBound, "\(context): \(previous) then \(next)")
        }
    }

    @Test("Decodes as Foundation does; each byte's span spells exactly its character", arguments: 0..<3)
    func jsonStrings(seed: UInt64) throws {
        var random = SeededRandom(seed: seed)
        for _ in 0..<300 {
            let text = String(String.UnicodeScalarView((0..<Int.random(in: 0..<40, using: &random)).map { _ in
                Self.alphabet.randomElement(using: &random)!
            }))
            let raw = Array(Self.spellAll(text, &random).utf8)
            let (bytes, spans) = Self.decoded(raw)
            let context = String(decoding: raw, as: UTF8.self).debugDescription
            #expect(bytes == Array(text.utf8), "\(context)")
            Self.expectTiling(spans, count: raw.count, context)
            // Each run of bytes with one escape's span is what that escape says on its own.
            var index = 0
            while index < spans.count {
                var next = index
                while next < spans.count && spans[next] == spans[index] { next += 1 }
                guard raw[spans[index].lowerBound] == 0x5C else {
                    // Verbatim text (a byte of `ø` too): one byte for one byte.
                    #expect(spans[index].count == 1 && next == index + 1 && bytes[index] == raw[spans[index].lowerBound], "\(context)")
                    index = next
                    continue
                }
                let spelled = try JSONSerialization.jsonObject(with: Data(#"[""#.utf8 + raw[spans[index]] + #""]"#.utf8)) as? [String]
                #expect(spelled?.first.map { Array($0.utf8) } == Array(bytes[index..<next]), "\(context) at \(spans[index])")
                index = next
            }
        }
    }

    @Test("A document in a string: decoded twice, spans in the outer raw text still tile it", arguments: 0..<3)
    func nestedStrings(seed: UInt64) {
        var random = SeededRandom(seed: seed)
        for _ in 0..<300 {
            let text = String(String.UnicodeScalarView((0..<Int.random(in: 0..<30, using: &random)).map { _ in
                Self.alphabet.randomElement(using: &random)!
            }))
            let outer = Array(Self.spellAll(Self.spellAll(text, &random), &random).utf8)
            var once = Shadow(), twice = Shadow()
            outer.withUnsafeBufferPointer { JSONEscapes.decode($0.baseAddress!, from: 0, to: $0.count, into: &once) }
            once.withBytes { JSONEscapes.decode($0.baseAddress!, from: 0, to: $0.count, into: &twice, map: once) }
            let context = String(decoding: outer, as: UTF8.self).debugDescription
            #expect(twice.withBytes { Array($0) } == Array(text.utf8), "\(context)")
            Self.expectTiling((0..<twice.count).map { twice.sourceStart($0)..<twice.sourceEnd($0) }, count: outer.count, context)
        }
    }

    @Test("A lone surrogate decodes to U+FFFD over its six bytes")
    func loneSurrogate() {
        let (bytes, spans) = Self.decoded(Array(#"a\uD800b"#.utf8))
        #expect(bytes == Array("a\u{FFFD}b".utf8))
        #expect(spans == [0..<1, 1..<7, 1..<7, 1..<7, 7..<8])
    }

    /// A named input: the test log shows the name, not 250 KB of text.
    struct Input: CustomTestStringConvertible, Sendable {
        let name: String
        let text: String
        var testDescription: String { name }
    }

    /// A window's separator escapes are blanked for the detectors in the window itself when its
    /// memory may be written, and put back before the output borrows from it. Either way the output
    /// must be what blanking a copy gives, and the window must come back as it was: a byte left
    /// blank would corrupt the output, and a byte left blank in a block would corrupt the text the
    /// output borrows. The last two inputs hold more escapes than are blanked in place
    /// (`Masker.blankedInPlaceLimit`), so they are put back and a copy is blanked instead.
    @Test("Escapes blanked in place give the output of a blanked copy, and are put back", arguments: [
        Input(name: "Docker lines with \\n, \\u003c, \\\\ and \\/",
              text: #"{"log":"fnr 01019012480\n","stream":"stdout"}"# + "\n"
                  + #"{"log":"\u003ckari@example.com\u003e \\ \/ \t+47 41234567\n"}"# + "\n"),
        Input(name: "an escaped key and \\t, \\r\\n",
              text: #"{"msg":"konto\t1234.56.78903\r\n","f\u00f8dselsnummer":"01019012480"}"# + "\n"),
        Input(name: "one line with more escapes than the limit",
              text: #"{"log":""# + String(repeating: #"\n"#, count: Masker.blankedInPlaceLimit + 10) + #"\t01019012480"}"# + "\n"),
        Input(name: "lines with more escapes than the limit in all",
              text: String(repeating: #"{"log":"\t01019012480 \u003cola@example.no\u003e\n"}"# + "\n",
                           count: Masker.blankedInPlaceLimit / 2)),
    ])
    func blankedInPlace(input: Input) throws {
        let bytes = Array(input.text.utf8)
        var results: [[UInt8]] = []
        for writable in [true, false] {
            let filter = try Fixture.filter()
            let output = OutputBuffer(capacity: 1 << 16)
            var window = bytes
            var masked: [UInt8] = []
            window.withUnsafeMutableBufferPointer { block in
                filter.mask(block.baseAddress!, count: block.count, writable: writable, into: output)
                output.withSpans { spans in
                    for span in spans { masked += UnsafeRawBufferPointer(start: span.iov_base, count: span.iov_len) }
                }
            }
            #expect(Bytes.firstDifference(window, bytes) == nil, "writable \(writable): the window was not put back as it was")
            results.append(masked)
        }
        #expect(Bytes.firstDifference(results[0], results[1]) == nil, "in place and in a copy differ")
        let text = String(decoding: results[0], as: UTF8.self)
        for value in ["01019012480", "kari@example.com", "41234567", "1234.56.78903", "ola@example.no"] {
            #expect(!text.contains(value), "\(value) left in \(text.prefix(300))")
        }
    }
}
