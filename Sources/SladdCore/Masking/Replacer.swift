import Crypto

/// Writes the replacement for one detection according to its rule's action.
struct Replacer {
    static let maskCharacter: UInt8 = 0x2A  // "*"
    /// Pseudonyms spell each half-byte with a letter, not a hex digit: an all-digit hex string can
    /// pass Luhn or mod-11 and be masked again, which would break "masking twice equals masking once".
    static let pseudonymAlphabet: [UInt8] = Array("bcdfghjkmnpqrstv".utf8)

    private let key: SymmetricKey?

    init(pseudonymKey: [UInt8]?) {
        key = pseudonymKey.map { SymmetricKey(data: $0) }
    }

    /// Writes the replacement wrapped for where it goes (see `Match.Wrap`).
    func write(_ value: UnsafeBufferPointer<UInt8>, action: CompiledAction, wrap: Match.Wrap, to output: OutputBuffer) {
        switch wrap {
        case .none:
            write(value, action: action, to: output)
        case .quoted, .escapedQuoted:
            if wrap == .escapedQuoted { output.append(0x5C) }
            output.append(0x22)
            write(value, action: action, to: output)
            if wrap == .escapedQuoted { output.append(0x5C) }
            output.append(0x22)
        case .percentEncoded:
            let start = output.count
            write(value, action: action, to: output)
            let written = Array(output.bytes(since: start))
            output.removeLast(written.count)
            for byte in written {
                if ByteClass.isAlphanumeric(byte) || byte == 0x2D || byte == 0x2E || byte == 0x5F || byte == 0x7E || byte == 0x2A {
                    output.append(byte)
                } else {
                    output.append(0x25)
                    output.append(Self.hexDigits[Int(byte >> 4)])
                    output.append(Self.hexDigits[Int(byte & 15)])
                }
            }
        }
    }

    private static let hexDigits = Array("0123456789ABCDEF".utf8)

    func write(_ value: UnsafeBufferPointer<UInt8>, action: CompiledAction, to output: OutputBuffer) {
        switch action.action {
        case .token:
            output.append(action.token)
        case .mask:
            output.append(repeating: Self.maskCharacter, count: Self.characterCount(value))
        case .partial(let keepLast):
            writePartial(value, keepLast: keepLast, to: output)
        case .pseudonym:
            writePseudonym(value, action: action, to: output)
        }
    }

    /// Whether `value` is already what this action writes, so a second pass leaves it alone.
    func isAlreadyMasked(_ value: UnsafeBufferPointer<UInt8>, action: CompiledAction) -> Bool {
        switch action.action {
        case .token:
            // Length first: most values are not token-sized (the generic `elementsEqual` was 0.7% of
            // the instructions with PII on every line).
            return value.count == action.token.count
                && action.token.withUnsafeBufferPointer { token in token.elementsEqual(value) }
        case .mask:
            return value.allSatisfy { $0 == Self.maskCharacter }
        case .partial(let keepLast):
            // What partial writes: stars, separators and at most `keepLast` letters or digits.
            return value.contains(Self.maskCharacter) && value.filter(ByteClass.isAlphanumeric).count <= keepLast
        case .pseudonym:
            // `[label:` + 16 hex digits + `]`
            let prefix = action.token
            guard value.count == prefix.count + 17, value.starts(with: prefix), value.last == 0x5D else { return false }
            return value[prefix.count..<(prefix.count + 16)].allSatisfy(Self.pseudonymAlphabet.contains)
        }
    }

    /// Characters, not bytes: a UTF-8 sequence becomes one `*`.
    static func characterCount(_ value: UnsafeBufferPointer<UInt8>) -> Int {
        var count = 0
        for byte in value where byte & 0xC0 != 0x80 { count += 1 }
        return count
    }

    private func writePartial(_ value: UnsafeBufferPointer<UInt8>, keepLast: Int, to output: OutputBuffer) {
        var alphanumerics = 0
        for byte in value where ByteClass.isAlphanumeric(byte) { alphanumerics += 1 }
        var seen = 0
        for byte in value {
            if ByteClass.isAlphanumeric(byte) {
                seen += 1
                output.append(seen > alphanumerics - keepLast ? byte : Self.maskCharacter)
            } else if byte >= 0x80 {
                if byte & 0xC0 != 0x80 { output.append(Self.maskCharacter) }
            } else if byte == 0x22 || byte == 0x5C || byte == 0x25 {
                output.append(Self.maskCharacter)  // part of an escape: copied, it could break the escape
            } else {
                output.append(byte)
            }
        }
    }

    private func writePseudonym(_ value: UnsafeBufferPointer<UInt8>, action: CompiledAction, to output: OutputBuffer) {
        guard let key else {
            // RuleSet refuses a pseudonym rule without a key; fail closed all the same.
            output.append(action.token)
            output.append(Array("unkeyed]".utf8))
            return
        }
        var normalised: [UInt8] = []
        normalised.reserveCapacity(value.count)
        switch action.normalisation {
        case .none: normalised.append(contentsOf: value)
        case .digits: normalised.append(contentsOf: value.filter(ByteClass.isDigit))
        case .lowercase: normalised.append(contentsOf: value.map(ByteClass.lowercased))
        case .alphanumericUppercase:
            normalised.append(contentsOf: value.filter(ByteClass.isAlphanumeric).map(ByteClass.uppercased))
        }
        var hmac = HMAC<SHA256>(key: key)
        hmac.update(data: action.labelBytes)
        hmac.update(data: [0])
        hmac.update(data: normalised)
        let code = hmac.finalize()
        output.append(action.token)
        code.withUnsafeBytes { digest in
            for byte in digest.prefix(8) {
                output.append(Self.pseudonymAlphabet[Int(byte >> 4)])
                output.append(Self.pseudonymAlphabet[Int(byte & 0x0F)])
            }
        }
        output.append(0x5D)
    }
}

/// An action with its bytes prepared once, not per match. A class: handing it to the replacer per
/// match costs one reference count, not one per array inside.
final class CompiledAction: Sendable {
    let action: MaskAction
    /// The token for `.token`; the `[label:` prefix for `.pseudonym`.
    let token: [UInt8]
    let labelBytes: [UInt8]
    let normalisation: Normalisation

    init(rule: Rule) {
        action = rule.action
        labelBytes = Array(rule.label.utf8)
        switch rule.action {
        case .token(let text): token = Array(text.utf8)
        case .pseudonym: token = Array("[\(rule.label):".utf8)
        default: token = []
        }
        if case .builtin(let detector) = rule.detector {
            normalisation = detector.normalisation
        } else {
            normalisation = .none
        }
    }
}
