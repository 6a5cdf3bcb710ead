import ArgumentParser
import Foundation
import SladdCore
import SladdSidecar

@main
struct Sladd: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "sladd",
        abstract: "Mask personal data and secrets in a log stream: stdin to stdout, line for line.",
        discussion: """
            sladd reads log lines on standard input and writes them to standard output with Norwegian \
            fødselsnummer (also D-, H- and synthetic numbers), emails, +47 phone numbers, payment cards, \
            IBANs, Norwegian account numbers and secrets (JWTs, bearer tokens, cloud keys, passwords) \
            replaced. Checksums decide: an 11-digit order id that fails mod-11 is left alone. Every other \
            byte comes out unchanged.

            Examples:
              app 2>&1 | sladd | shipper
              sladd --summary text < app.log > app.masked.log
              zcat big.log.gz | sladd --jobs 0 > big.masked.log
              sladd --action no.fnr=hash --hmac-key-file key < app.log
              sladd patterns list
              sladd patterns test my-rules.yaml
              sladd --metrics-listen 0.0.0.0:9464 --drain-timeout 25 < /var/run/app/log.fifo
            Signals: SIGTERM or SIGINT drains (reads on until the input ends or --drain-timeout \
            passes, writes everything, exits 0; a second one stops reading at once); SIGHUP reloads the \
            packs (a broken pack keeps the old rules); SIGUSR1 prints the counters to stderr.

            Exit status: 0 success (also when the reader of the output goes away), 1 input or output \
            failure, 2 usage or configuration error.
            """,
        version: version,
        subcommands: [PatternsCommand.self, ScrubCommand.self, ScanCommand.self]
    )

    @OptionGroup(title: "Rules")
    var rules: RuleOptions

    @Option(help: ArgumentHelp("Print counters to stderr at exit: text, json or none.",
                               discussion: "Example: --summary json 2> counts.json", valueName: "format"))
    var summary: SummaryFormat = .none

    @Option(help: ArgumentHelp(
        "How lines are structured: auto (decided per line), text, json, docker, cri or logfmt.",
        discussion: """
            JSON values are scanned as what they mean after unescaping; keys and the CRI and Docker \
            wrappers are never changed; a masked JSON number becomes a string. Example: --format cri
            """, valueName: "format"))
    var format: LineFormat = .auto

    @OptionGroup(title: "Threads and long lines")
    var work: WorkOptions

    @OptionGroup(title: "Running as a sidecar or shipper stage")
    var service: ServiceOptions

    /// What was asked, as plain values.
    var settings: StreamSettings {
        StreamSettings(rules: rules.selection, summary: summary, format: format, jobs: work.jobs,
                       maxLineBytes: work.maxLineBytes.value, service: service.settings)
    }

    func run() throws { try Self.stream(settings) }

    /// The stream: stdin (or `--input`) to stdout, masked, until the input ends or a drain stops it.
    static func stream(_ settings: StreamSettings) throws {
        let serviceSettings = settings.service
        try serviceSettings.validate(summary: settings.summary)
        let ruleSet = try settings.rules.ruleSet(compilingNext: true)
        var configuration = StreamFilter.Configuration()
        configuration.maxLineBytes = settings.maxLineBytes
        configuration.format = settings.format
        let threads = WorkOptions.threads(jobs: settings.jobs, byDefault: 1)
        if threads > 1 && serviceSettings.protocol == .mmexternal {
            throw ConfigurationError("--protocol mmexternal answers one message at a time; leave out --jobs")
        }
        let filter: any LogFilter = threads > 1
            ? try ParallelStreamFilter(ruleSet: ruleSet, configuration: configuration, jobs: threads)
            : try StreamFilter(ruleSet: ruleSet, configuration: configuration)
        // A closed downstream must surface as EPIPE, not kill us before the summary.
        signal(SIGPIPE, SIG_IGN)
        let input = try serviceSettings.openInput()
        // Before any thread starts: the metrics server's threads inherit the blocked signals.
        try LiveInput.installSignalHandlers()
        let rules = settings.rules
        let service = try Service(options: serviceSettings, filter: filter, ruleSet: ruleSet, reload: { try rules.ruleSet() },
                                  version: version)
        var source = LiveInput(descriptor: input, tickMilliseconds: 1000,
                               drainMilliseconds: Int(serviceSettings.drainTimeout * 1000), events: service.events)
        var failure: StreamError?
        do {
            if serviceSettings.protocol == .mmexternal {
                var sink = MMExternalSink(FileDescriptorSink(descriptor: STDOUT_FILENO))
                try filter.run(from: &source, to: &sink)
                try sink.finish()
            } else {
                var sink = FileDescriptorSink(descriptor: STDOUT_FILENO)
                try filter.run(from: &source, to: &sink)
            }
        } catch {
            failure = error
        }
        var errors = Counters(ruleCount: 0)
        switch failure {
        case .read?: errors.errors[.input] = 1
        case .write?: errors.errors[.output] = 1
        default: break
        }
        let (totals, allRules) = service.finish(extra: errors)
        if let text = settings.summary.render(totals, rules: allRules) {
            FileHandle.standardError.write(Data(text.utf8))
        }
        switch failure {
        case nil, .downstreamClosed?: return
        case let error?: throw ExitWith(code: 1, message: error.description)
        }
    }

    /// Maps errors to the documented exit statuses: 2 for usage and configuration, 1 for I/O.
    static func main() {
        do {
            // The usual start, a sidecar's and a pipeline's, has no arguments: it needs none of
            // ArgumentParser's work, which is 20 M of the 47 M instructions from exec to the first
            // read (callgrind; reflecting every option and scanning conformance records). A test
            // keeps `StreamSettings()` equal to what parsing no arguments gives.
            if CommandLine.arguments.count == 1 { return try stream(StreamSettings()) }
            var command = try parseAsRoot()
            // `is Sladd` first: a cast to a protocol the stream does not conform to scans every
            // conformance record of every library, a cost each start-up would pay.
            if !(command is Sladd), let subcommand = command as? any SladdSubcommand {
                try StreamOnlyOptions.reject(in: Array(CommandLine.arguments.dropFirst()), for: type(of: subcommand))
            }
            try command.run()
        } catch let error as ConfigurationError {
            fail("\(error)", code: 2)
        } catch let error as ExitWith {
            fail(error.message, code: error.code)
        } catch {
            let arguments = Array(CommandLine.arguments.dropFirst())
            if let subcommand = StreamOnlyOptions.subcommand(in: arguments) {
                do throws(ExitWith) { try StreamOnlyOptions.reject(in: arguments, for: subcommand) } catch {
                    fail(error.message, code: error.code)
                }
            }
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            if let exit = error as? ExitCode {
                Foundation.exit(exit.rawValue)
            }
            var message = fullMessage(for: error)
            if message.hasPrefix("Error: ") { message.removeFirst("Error: ".count) }  // fail() says "error:"
            fail(message.contains("--help") ? message : message + "\nSee 'sladd --help'.", code: 2)
        }
    }

    static func fail(_ message: String, code: Int32) -> Never {
        FileHandle.standardError.write(Data("sladd: error: \(message)\n".utf8))
        Foundation.exit(code)
    }
}

/// What a stream run was asked, as plain values: from the parsed options, or the defaults when
/// there are no arguments, so that start skips ArgumentParser.
struct StreamSettings: Equatable {
    var rules = RuleSelection()
    var summary = SummaryFormat.none
    var format = LineFormat.auto
    var jobs: Int?
    var maxLineBytes = 1 << 20
    var service = ServiceSettings()
}

extension LineFormat: ExpressibleByArgument {}

/// An error that ends the process with a given status.
struct ExitWith: Error {
    let code: Int32
    let message: String
}

/// A byte count with an optional K or M suffix.
struct ByteCount: ExpressibleByArgument {
    let value: Int

    init(_ value: Int) { self.value = value }

    init?(argument: String) {
        var text = argument.uppercased()
        var multiplier = 1
        if text.hasSuffix("K") || text.hasSuffix("KB") || text.hasSuffix("KIB") {
            multiplier = 1 << 10
        } else if text.hasSuffix("M") || text.hasSuffix("MB") || text.hasSuffix("MIB") {
            multiplier = 1 << 20
        }
        while let last = text.last, last.isLetter { text.removeLast() }
        guard let number = Int(text), number > 0, number <= (1 << 30) / multiplier else { return nil }
        value = number * multiplier
    }

    var defaultValueDescription: String { value % (1 << 20) == 0 ? "\(value >> 20)M" : "\(value)" }
}
