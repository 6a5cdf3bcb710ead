import CPCRE2

/// A PCRE2 pattern compiled once (with JIT where the platform has it) and matched on raw bytes.
///
/// Patterns run in 8-bit, non-UTF mode: they match bytes, so invalid UTF-8 in a log cannot make a match
/// fail. Every match runs under a match limit, a depth limit and a bounded JIT stack, so a pattern that
/// backtracks catastrophically ends with `.limitExceeded` instead of hanging the stream.
///
/// One instance per thread: its match data and JIT stack are reused from call to call. Threads with
/// the same rules share the compiled pattern and its JIT code (`init(sharing:)`), which PCRE2 allows.
final class CompiledRegex {
    enum Outcome: Equatable {
        case match(start: Int, end: Int)
        case noMatch
        case limitExceeded
        case failure(code: Int32)
    }

    struct Limits: Equatable, Sendable {
        var matchLimit: UInt32 = 10_000_000
        var depthLimit: UInt32 = 10_000
        var jitStackBytes: Int = 1 << 20
    }

    let pattern: String
    let usesJIT: Bool
    /// Compiled for `nextMatch(...startingBy:...)` (PCRE2_USE_OFFSET_LIMIT).
    let boundedStarts: Bool
    /// The capture group whose bytes are masked (0 is the whole match).
    let group: Int
    private let limits: Limits
    private let compiled: Code
    private var code: OpaquePointer { compiled.pointer }
    private let matchData: OpaquePointer
    private let matchContext: OpaquePointer
    private let jitStack: OpaquePointer?

    /// Compiles `pattern`; `group` is a group number or name, nil for the whole match. Without `jit`
    /// the pattern is only checked and interpreted (a JIT failure is never an error either).
    /// `boundedStarts`: matched with `nextMatch(...startingBy:...)`, which needs its own compiled code.
    init(pattern: String, group: String?, limits: Limits = Limits(), jit: Bool = true,
         boundedStarts: Bool = false) throws(RegexCompileError) {
        self.pattern = pattern
        var errorCode: Int32 = 0
        var errorOffset = 0
        let bytes = Array(pattern.utf8)
        let options = boundedStarts ? UInt32(PCRE2_USE_OFFSET_LIMIT) : 0
        guard let compiled = bytes.withUnsafeBufferPointer({ buffer in
            pcre2_compile_8(buffer.baseAddress, buffer.count, options, &errorCode, &errorOffset, nil)
        }) else {
            throw RegexCompileError(message: Self.message(for: errorCode), offset: errorOffset)
        }
        self.compiled = Code(compiled)  // frees it, also when a check below throws
        self.boundedStarts = boundedStarts
        self.limits = limits

        var resolvedGroup = 0
        if let group {
            var captureCount: UInt32 = 0
            pcre2_pattern_info_8(compiled, UInt32(PCRE2_INFO_CAPTURECOUNT), &captureCount)
            if let number = Int(group) {
                resolvedGroup = number
            } else {
                let number = pcre2_substring_number_from_name_8(compiled, group)
                guard number > 0 else {
                    throw RegexCompileError(message: "the pattern has no group named '\(group)'", offset: nil)
                }
                resolvedGroup = Int(number)
            }
            guard resolvedGroup >= 0 && resolvedGroup <= Int(captureCount) else {
                throw RegexCompileError(
                    message: "group \(resolvedGroup) does not exist (the pattern has \(captureCount) groups)",
                    offset: nil)
            }
        }
        self.group = resolvedGroup

        usesJIT = jit && pcre2_jit_compile_8(compiled, UInt32(PCRE2_JIT_COMPLETE)) == 0
        (matchData, matchContext, jitStack) = Self.matchState(for: compiled, limits: limits, jit: usesJIT)
    }

    /// The same pattern for another thread: the compiled code and its JIT code are shared, the match
    /// data, limits and JIT stack are its own. Compiling and JIT-compiling the default rules again
    /// for each `--jobs` worker cost about 1.6 M instructions per worker at start-up.
    init(sharing other: CompiledRegex) {
        pattern = other.pattern
        usesJIT = other.usesJIT
        boundedStarts = other.boundedStarts
        group = other.group
        limits = other.limits
        compiled = other.compiled
        (matchData, matchContext, jitStack) = Self.matchState(for: other.compiled.pointer, limits: other.limits, jit: other.usesJIT)
    }

    private static func matchState(for code: OpaquePointer, limits: Limits, jit: Bool)
        -> (matchData: OpaquePointer, matchContext: OpaquePointer, jitStack: OpaquePointer?) {
        let matchData = pcre2_match_data_create_from_pattern_8(code, nil)!
        let matchContext = pcre2_match_context_create_8(nil)!
        pcre2_set_match_limit_8(matchContext, limits.matchLimit)
        pcre2_set_depth_limit_8(matchContext, limits.depthLimit)
        pcre2_set_heap_limit_8(matchContext, 64 * 1024)  // KiB, for the interpreter's backtracking frames
        guard jit else { return (matchData, matchContext, nil) }
        let jitStack = pcre2_jit_stack_create_8(32 * 1024, limits.jitStackBytes, nil)
        pcre2_jit_stack_assign_8(matchContext, nil, UnsafeMutableRawPointer(jitStack))
        return (matchData, matchContext, jitStack)
    }

    /// A compiled pattern, freed with its last user.
    private final class Code: @unchecked Sendable {  // immutable once compiled: PCRE2 lets threads share it
        let pointer: OpaquePointer
        init(_ pointer: OpaquePointer) { self.pointer = pointer }
        deinit { pcre2_code_free_8(pointer) }
    }

    deinit {
        if let jitStack { pcre2_jit_stack_free_8(jitStack) }
        pcre2_match_context_free_8(matchContext)
        pcre2_match_data_free_8(matchData)
    }

    /// The next match at or after `startOffset` in `subject[0..<length]`, as offsets of `group`.
    ///
    /// `options` takes `PCRE2_NOTBOL`/`PCRE2_NOTEOL` when the subject is a window inside a longer line.
    func nextMatch(in subject: UnsafePointer<UInt8>, length: Int, from startOffset: Int, options: UInt32) -> Outcome {
        // A bounded search leaves its limit in the match context: lifted here, or this search would
        // stop at the last one's bound (PCRE2_UNSET).
        if boundedStarts { pcre2_set_offset_limit_8(matchContext, ~0) }
        return match(in: subject, length: length, from: startOffset, options: options)
    }

    /// The next match that starts in `startOffset...lastStart` (PCRE2's offset limit): the search stops
    /// there instead of running on to the end of the subject. Only for a pattern compiled with
    /// `boundedStarts`.
    func nextMatch(in subject: UnsafePointer<UInt8>, length: Int, from startOffset: Int, startingBy lastStart: Int,
                   options: UInt32) -> Outcome {
        pcre2_set_offset_limit_8(matchContext, lastStart)
        return match(in: subject, length: length, from: startOffset, options: options)
    }

    private func match(in subject: UnsafePointer<UInt8>, length: Int, from startOffset: Int, options: UInt32) -> Outcome {
        let result = usesJIT
            ? pcre2_jit_match_8(code, subject, length, startOffset, options, matchData, matchContext)
            : pcre2_match_8(code, subject, length, startOffset, options, matchData, matchContext)
        if result > 0 {
            let vector = pcre2_get_ovector_pointer_8(matchData)!
            let wholeEnd = vector[1]
            let start = vector[2 * group]
            let end = vector[2 * group + 1]
            // An unset group (-1 as PCRE2_SIZE) masks nothing; move on past the whole match.
            if start > end || end > length { return .match(start: wholeEnd, end: wholeEnd) }
            return .match(start: start, end: end)
        }
        switch result {
        case PCRE2_ERROR_NOMATCH: return .noMatch
        case PCRE2_ERROR_MATCHLIMIT, PCRE2_ERROR_DEPTHLIMIT, PCRE2_ERROR_HEAPLIMIT, PCRE2_ERROR_JIT_STACKLIMIT:
            return .limitExceeded
        default: return .failure(code: result)
        }
    }

    /// Where the whole last match ended (the group may end earlier).
    var lastMatchEnd: Int { pcre2_get_ovector_pointer_8(matchData)![1] }
    var lastMatchStart: Int { pcre2_get_ovector_pointer_8(matchData)![0] }

    static func message(for errorCode: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 256)
        let length = pcre2_get_error_message_8(errorCode, &buffer, buffer.count)
        guard length > 0 else { return "PCRE2 error \(errorCode)" }
        return String(decoding: buffer[0..<Int(length)], as: UTF8.self)
    }
}

struct RegexCompileError: Error, Equatable {
    let message: String
    /// Byte offset in the pattern where PCRE2 stopped, when it says.
    let offset: Int?
}
