import Foundation
import Testing
@testable import SladdCore

/// The JSON reader decides whether a line is read as JSON, so it must accept exactly the valid
/// documents: the strings it skips 16 bytes at a time are checked against Foundation's parser.
@Suite("JSON reader")
struct JSONLineTests {
    static let pieces: [[UInt8]] = [
        Array("plain text ".utf8), Array("æøå".utf8), Array(#"\""#.utf8), Array(#"\\"#.utf8), Array(#"\n"#.utf8),
        Array(#"\u00e6"#.utf8), Array(#"\/"#.utf8), [0x22], [0x01], [0x1F], [0x7F], Array(#"\x"#.utf8), Array(#"\u12"#.utf8),
        Array("0123456789abcdef".utf8),
    ]

    @Test("Accepts a document exactly when Foundation does, with strings cut anywhere", arguments: 0..<4)
    func agreesWithFoundation(seed: UInt64) throws {
        var random = SeededRandom(seed: seed)
        for _ in 0..<500 {
            var value: [UInt8] = []
            for _ in 0..<Int.random(in: 0..<12, using: &random) {
                // Mostly valid pieces, so that valid documents of every length come up too.
                let piece = Int.random(in: 0..<10, using: &random) < 8
                    ? Self.pieces[[0, 1, 2, 3, 4, 5, 6, 13][Int.random(in: 0..<8, using: &random)]]
                    : Self.pieces.randomElement(using: &random)!
                value += piece
            }
            let document = Array(#"{"key":""#.utf8) + value + Array(#"","n":[1,"x"]}"#.utf8)
            var tokens: [JSONLine.Token] = []
            let ours = document.withUnsafeBufferPointer { JSONLine.parse($0.baseAddress!, from: 0, to: $0.count, into: &tokens) }
            let foundation = (try? JSONSerialization.jsonObject(with: Data(document))) != nil
            #expect(ours == foundation, "\(String(decoding: document, as: UTF8.self).debugDescription)")
        }
    }
}
