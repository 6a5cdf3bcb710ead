import Foundation

/// Runs the built `sladd` executable, feeding stdin from bytes and collecting stdout and stderr.
enum Binary {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The binary next to the test bundle (swift test builds it, the test target depends on it),
    /// or SLADD_BINARY when set (e.g. to test a release build).
    static let url: URL = {
        if let path = ProcessInfo.processInfo.environment["SLADD_BINARY"] { return URL(fileURLWithPath: path) }
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var folder = executable.deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = folder.appendingPathComponent("sladd")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            folder = folder.deletingLastPathComponent()
        }
        return packageRoot.appendingPathComponent(".build/debug/sladd")
    }()

    struct Result {
        let status: Int32
        let stdout: Data
        let stderr: String
        var output: String { String(decoding: stdout, as: UTF8.self) }
    }

    static func run(_ arguments: [String], input: Data = Data(), environment: [String: String] = [:]) throws -> Result {
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "SLADD_HMAC_KEY")
        for (key, value) in environment { env[key] = value }
        return try launch(url, arguments, input: input, environment: env)
    }

    /// Runs a shell pipeline with the binary as `$SLADD`.
    static func shell(_ script: String) throws -> Result {
        var env = ProcessInfo.processInfo.environment
        env["SLADD"] = url.path
        return try launch(URL(fileURLWithPath: "/bin/bash"), ["-c", script], input: Data(), environment: env)
    }

    /// stdin and stderr go through files, stdout through a pipe read to its end: no thread, no deadlock.
    private static func launch(_ executable: URL, _ arguments: [String], input: Data, environment: [String: String]) throws -> Result {
        let folder = FileManager.default.temporaryDirectory
        let inputFile = folder.appendingPathComponent("sladd-in-\(UUID().uuidString)")
        let errorFile = folder.appendingPathComponent("sladd-err-\(UUID().uuidString)")
        try input.write(to: inputFile)
        _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: inputFile)
            try? FileManager.default.removeItem(at: errorFile)
        }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = environment
        let stdout = Pipe()
        process.standardInput = try FileHandle(forReadingFrom: inputFile)
        process.standardOutput = stdout
        process.standardError = try FileHandle(forWritingTo: errorFile)
        try process.run()
        let outputData = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let errorData = try Data(contentsOf: errorFile)
        return Result(status: process.terminationStatus, stdout: outputData, stderr: String(decoding: errorData, as: UTF8.self))
    }
}
