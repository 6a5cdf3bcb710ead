/// What replaces a detected identifier. Independent of what found it (a rule pairs the two).
///
/// No action ever writes a quote, a backslash or a control character, so a JSON string stays a valid
/// JSON string; and no action writes anything a default rule detects, so masking twice equals masking once.
public enum MaskAction: Equatable, Sendable, CustomStringConvertible {
    /// A fixed text such as `[fnr]`.
    case token(String)
    /// One `*` per character: the line keeps its length and shape.
    case mask
    /// `[label:` and 16 letters `]`: the first 8 bytes of HMAC-SHA256 over the normalised value with a
    /// secret key: the same value gives the same pseudonym, so logs stay joinable without the identity.
    case pseudonym
    /// Masks letters and digits except the last `keepLast` of them; separators stay.
    case partial(keepLast: Int)

    /// Parses the command-line and pack spelling: `token`, `token:[x]`, `mask`, `hash`, `partial:4`.
    public init(parsing text: String, label: String) throws(ActionParseError) {
        let name = text.prefix { $0 != ":" }
        let argument = text.count > name.count ? String(text.dropFirst(name.count + 1)) : nil
        switch name {
        case "token":
            let token = argument ?? "[\(label)]"
            try Self.checkToken(token)
            self = .token(token)
        case "mask":
            self = .mask
        case "hash", "pseudonym":
            self = .pseudonym
        case "partial", "keep-last":
            guard let argument, let keep = Int(argument), keep >= 0, keep <= 8 else {
                throw ActionParseError(message: "'\(text)': partial needs how many characters to keep, 0 to 8, e.g. partial:4")
            }
            self = .partial(keepLast: keep)
        default:
            throw ActionParseError(message: "unknown action '\(text)'; use token, token:TEXT, mask, hash or partial:N")
        }
    }

    static func checkToken(_ token: String) throws(ActionParseError) {
        for scalar in token.unicodeScalars where scalar == "\"" || scalar == "\\" || scalar.value < 0x20 || scalar.value == 0x7F {
            throw ActionParseError(message: "token '\(token)' contains a quote, backslash or control character, which would break JSON lines; choose another token")
        }
        if token.unicodeScalars.contains(where: { ("0"..."9").contains($0) || $0 == "@" }) {
            throw ActionParseError(message: "token '\(token)' contains a digit or '@', which a rule could detect again; choose a token of letters and punctuation")
        }
    }

    public var description: String {
        switch self {
        case .token(let token): "token:\(token)"
        case .mask: "mask"
        case .pseudonym: "hash"
        case .partial(let keep): "partial:\(keep)"
        }
    }

    public var needsKey: Bool { self == .pseudonym }
}

public struct ActionParseError: Error, Equatable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
