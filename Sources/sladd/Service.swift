import ArgumentParser
import Foundation
import Metrics
import Prometheus
import SladdCore
import SladdSidecar

enum ReplyProtocol: String, ExpressibleByArgument, CaseIterable {
    /// Masked lines, as read.
    case lines
    /// rsyslog `mmexternal`: one `{"msg":"…"}` reply per message line, nothing on stderr.
    case mmexternal
}

struct ServiceOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Serve GET /metrics (Prometheus) and GET /healthz on HOST:PORT. Off by default; a bare PORT listens on 127.0.0.1 only.",
        discussion: "Example: --metrics-listen 0.0.0.0:9464 (in a pod, for the scrape), --metrics-listen 9464", valueName: "host:port"))
    var metricsListen: String?

    @Option(help: ArgumentHelp(
        "Write the metrics to this file every --stats-interval seconds, atomically (node_exporter textfile collector).",
        discussion: "Example: --stats-file /var/lib/node_exporter/textfile/sladd.prom", valueName: "path"))
    var statsFile: String?

    // Defaults from `ServiceSettings`, so that a run without arguments, which never parses, starts
    // from the same ones.
    @Option(help: ArgumentHelp("Seconds between writes of --stats-file.", valueName: "seconds"))
    var statsInterval: Double = ServiceSettings().statsInterval

    @Option(help: ArgumentHelp(
        "After SIGTERM or SIGINT, keep reading for at most this many seconds until the input ends.",
        discussion: "Set it a little below the pod's terminationGracePeriodSeconds. Example: --drain-timeout 25", valueName: "seconds"))
    var drainTimeout: Double = ServiceSettings().drainTimeout

    @Option(name: .customLong("protocol"), help: ArgumentHelp(
        "What to write: lines (the masked lines) or mmexternal (rsyslog's message-modification replies).",
        discussion: #"Example, in rsyslog.conf: action(type="mmexternal" binary="/usr/local/bin/sladd --protocol mmexternal")"#,
        valueName: "protocol"))
    var `protocol`: ReplyProtocol = ServiceSettings().protocol

    @Option(help: ArgumentHelp(
        "Read this file or FIFO instead of standard input (a sidecar cannot redirect its stdin).",
        discussion: "Example: --input /var/run/sladd/app.log --make-fifo (the app writes its log to that FIFO)", valueName: "path"))
    var input: String?

    @Flag(help: "Create --input as a FIFO (mode 0600) when it does not exist.")
    var makeFifo = false

    /// What was asked, as plain values.
    var settings: ServiceSettings {
        ServiceSettings(metricsListen: metricsListen, statsFile: statsFile, statsInterval: statsInterval,
                        drainTimeout: drainTimeout, protocol: `protocol`, input: input, makeFifo: makeFifo)
    }
}

/// How a long-running filter meets its surroundings: `ServiceOptions` parsed, or the defaults of a
/// run without arguments (see `StreamSettings`).
struct ServiceSettings: Equatable {
    var metricsListen: String?
    var statsFile: String?
    var statsInterval: Double = 5
    var drainTimeout: Double = 20
    var `protocol`: ReplyProtocol = .lines
    var input: String?
    var makeFifo = false

    /// The descriptor to read: stdin, or `--input` opened (for a FIFO this waits for its writer).
    /// Opened before the signal handlers exist, so a SIGTERM while waiting simply ends the process.
    func openInput() throws -> Int32 {
        guard let input else { return STDIN_FILENO }
        if makeFifo && access(input, F_OK) != 0 && mkfifo(input, 0o600) != 0 && errno != EEXIST {
            throw ConfigurationError("cannot create the FIFO '\(input)': \(String(cString: strerror(errno))); is its folder a writable volume (an emptyDir)?")
        }
        let descriptor = open(input, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw ExitWith(code: 1, message: "cannot open '\(input)': \(String(cString: strerror(errno)))")
        }
        return descriptor
    }

    /// rsyslog reads `mmexternal` replies from the pipe that also carries stderr: nothing may go there.
    var quiet: Bool { `protocol` == .mmexternal }

    func validate(summary: SummaryFormat) throws {
        if quiet && summary != .none {
            throw ConfigurationError("--summary writes to stderr, which rsyslog reads as replies in --protocol mmexternal; use --stats-file for counts")
        }
        if makeFifo && input == nil { throw ConfigurationError("--make-fifo needs --input PATH") }
        if let metricsListen, MetricsServer.Address(metricsListen) == nil {
            throw ConfigurationError("--metrics-listen '\(metricsListen)' is not HOST:PORT, [IPv6]:PORT or PORT (0 to 65535)")
        }
        guard drainTimeout >= 0, drainTimeout <= 86_400 else { throw ConfigurationError("--drain-timeout must be 0 to 86400 seconds") }
        guard statsInterval >= 0.1 else { throw ConfigurationError("--stats-interval must be at least 0.1 seconds") }
    }
}

/// Everything around the stream of a long-running filter: counters into swift-metrics and out to
/// /metrics and the stats file, reloads, reports and drain messages on stderr.
final class Service {
    private let options: ServiceSettings
    private let filter: any LogFilter
    private let reload: () throws -> RuleSet
    private let publisher: CounterPublisher
    private let server: MetricsServer?
    private let statsFile: StatsFile?
    private var rules: [Rule]
    private var lastStatsWrite = Date.distantPast
    private var statsFileFailed = false

    init(options: ServiceSettings, filter: any LogFilter, ruleSet: RuleSet, reload: @escaping () throws -> RuleSet,
         version: String) throws {
        self.options = options
        self.filter = filter
        self.reload = reload
        rules = ruleSet.rules
        let registry = PrometheusCollectorRegistry()
        // Only when something reads the registry: making its ~50 series costs about 1 ms of start-up
        // (2.1 M instructions), and without a reader swift-metrics' no-op handlers do. The summary
        // reads the publisher's own totals either way.
        if options.metricsListen != nil || options.statsFile != nil {
            MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        }
        publisher = CounterPublisher(rules: ruleSet.rules, version: version)
        statsFile = options.statsFile.map { StatsFile(path: $0, registry: registry) }
        if let listen = options.metricsListen, let address = MetricsServer.Address(listen) {
            do {
                server = try MetricsServer(address: address, registry: registry)
            } catch {
                throw ConfigurationError("cannot listen on \(address) for --metrics-listen (\(error)); is the port taken? pick another one")
            }
            if address.port == 0 { say("sladd: metrics on http://\(address.host):\(server!.port)/metrics") }
        } else {
            server = nil
        }
        writeStats(force: true)
    }

    var events: LiveInput.Events {
        var events = LiveInput.Events()
        events.onTick = { [self] in
            publish()
            writeStats(force: false)
        }
        events.onReload = { [self] in reloadRules() }
        events.onReport = { [self] in
            publish()
            if let text = SummaryFormat.text.render(publisher.totals, rules: publisher.rules) { say(text, newline: false) }
        }
        events.onDrain = { [self] started, reason in
            say(started ? "sladd: draining: reading on until the input ends (at most \(options.drainTimeout) s)"
                        : "sladd: stopped reading: \(reason); writing what was read")
        }
        return events
    }

    /// The last counts out, the stats file written, the server stopped; the totals of the run.
    func finish(extra: Counters) -> (Counters, [Rule]) {
        publish()
        publisher.publish(extra, rules: [])
        writeStats(force: true)
        server?.shutdown()
        return (publisher.totals, publisher.rules)
    }

    private func publish() {
        publisher.publish(filter.takeCounters(), rules: rules)
    }

    private func reloadRules() {
        do {
            let ruleSet = try reload()
            // The counts so far, under the rules they were counted by.
            publisher.publish(try filter.replaceRules(ruleSet), rules: rules)
            rules = ruleSet.rules
            publisher.adopt(ruleSet.rules)
            say("sladd: reloaded the packs: \(ruleSet.enabledRules.count) rules in force")
        } catch {
            publisher.countReloadFailure()
            say("sladd: error: reload failed, the previous rules stay in force: \(error)")
        }
    }

    private func writeStats(force: Bool) {
        guard let statsFile, force || Date().timeIntervalSince(lastStatsWrite) >= options.statsInterval else { return }
        lastStatsWrite = Date()
        if let problem = statsFile.write() {
            if !statsFileFailed { say("sladd: error: \(problem)") }  // once, not every few seconds
            statsFileFailed = true
        } else {
            statsFileFailed = false
        }
    }

    private func say(_ message: String, newline: Bool = true) {
        guard !options.quiet else { return }
        FileHandle.standardError.write(Data((newline ? message + "\n" : message).utf8))
    }
}
