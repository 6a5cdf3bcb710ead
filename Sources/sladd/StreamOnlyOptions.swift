import ArgumentParser

/// A subcommand of sladd. It refuses the root command's options that it does not read: ArgumentParser
/// accepts a root option anywhere on the line, also after a subcommand's name, and gives it to the
/// root, whose `run()` a subcommand never calls, so `sladd scan --format cri logs/` ran and ignored
/// `--format`.
protocol SladdSubcommand: ParsableCommand {
    /// How it is typed, for messages: `scrub`, `patterns list`.
    static var invocation: String { get }
    /// Whether it reads `WorkOptions` (`--jobs`, `--max-line-bytes`), as scrub and scan do.
    static var readsWorkOptions: Bool { get }
}

/// The root's options that only the stream reads, and those of `WorkOptions`. A test compares the
/// first list with `sladd --help`.
enum StreamOnlyOptions {
    static let names = [
        "--summary", "--format", "--metrics-listen", "--stats-file", "--stats-interval",
        "--drain-timeout", "--protocol", "--input", "--make-fifo",
    ]
    static let workNames = ["-j", "--jobs", "--max-line-bytes"]
    /// The subcommand whose name `arguments` hold (its words in a row), read without parsing them:
    /// for a line ArgumentParser could not parse because a refused option took a subcommand's
    /// argument as its value (`sladd scan --summary logs/`), whose error would name the value.
    /// The candidates come from the command tree itself, so a new subcommand needs no list here.
    static func subcommand(in arguments: [String]) -> (any SladdSubcommand.Type)? {
        func leaves(of command: any ParsableCommand.Type) -> [any ParsableCommand.Type] {
            let children = command.configuration.subcommands
            return children.isEmpty ? [command] : children.flatMap(leaves)
        }
        return leaves(of: Sladd.self).compactMap { $0 as? any SladdSubcommand.Type }.first { command in
            let words = command.invocation.split(separator: " ").map(String.init)
            return arguments.indices.contains { start in arguments[start...].starts(with: words) }
        }
    }

    /// Throws a usage error naming the first option in `arguments` that `command` does not read.
    static func reject(in arguments: [String], for command: any SladdSubcommand.Type) throws(ExitWith) {
        let refused = command.readsWorkOptions ? names : names + workNames
        for argument in arguments {
            if argument == "--" { return }
            let name = argument.split(separator: "=", maxSplits: 1).first.map(String.init) ?? argument
            guard refused.contains(name) else { continue }
            throw ExitWith(code: 2, message: """
                sladd \(command.invocation) does not read \(name) (sladd < in > out does); \
                see 'sladd \(command.invocation) --help'
                """)
        }
    }
}
