/// ASCII classes the detectors test bytes against. Bytes of 0x80 and above (UTF-8 sequences) belong
/// to no class, so a non-ASCII letter next to a number counts as a boundary: it masks rather than leaks.
enum ByteClass {
    @inline(__always) static func isDigit(_ byte: UInt8) -> Bool { byte &- 0x30 < 10 }
    @inline(__always) static func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) &- 0x61 < 26 }
    @inline(__always) static func isAlphanumeric(_ byte: UInt8) -> Bool { isDigit(byte) || isLetter(byte) }
    @inline(__always) static func uppercased(_ byte: UInt8) -> UInt8 { isLetter(byte) ? byte & 0xDF : byte }
    @inline(__always) static func lowercased(_ byte: UInt8) -> UInt8 {
        byte &- 0x41 < 26 ? byte | 0x20 : byte
    }

    static let space: UInt8 = 0x20
    static let dash: UInt8 = 0x2D
    static let dot: UInt8 = 0x2E
    static let plus: UInt8 = 0x2B
    static let at: UInt8 = 0x40
    static let newline: UInt8 = 0x0A
    static let escape: UInt8 = 0x1B
    static let openBracket: UInt8 = 0x5B
}
