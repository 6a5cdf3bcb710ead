/// The root command's options that only the stream reads. ArgumentParser accepts a root option
/// anywhere on the line, also after a subcommand's name, and gives it to the root, whose `run()` a
/// subcommand never calls: `sladd scan --format cri logs/` ran and ignored `--format`. `scrub` and
/// `scan` refuse them instead. A test compares this list with `sladd --help`.
enum StreamOnlyOptions {
    static let names = [
        "--summary", "--format", "--metrics-listen", "--stats-file", "--stats-interval",
        "--drain-timeout", "--protocol", "--input", "--make-fifo",
    ]

    /// Throws a usage error naming the first stream option in `arguments`.
    static func reject(in arguments: [String], command: String) throws {
        for argument in arguments {
            if argument == "--" { return }
            let name = argument.split(separator: "=", maxSplits: 1).first.map(String.init) ?? argument
            guard names.contains(name) else { continue }
            throw ExitWith(code: 2, message: """
                \(name) is an option of the stream (sladd < in > out), which \(command) does not read; \
                see 'sladd \(command) --help'
                """)
        }
    }
}
