import ArgumentParser
import Foundation
import SladdCore

/// Options shared by `scrub` and `scan`.
struct BatchOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("Files and folders (folders are walked recursively).", valueName: "path"))
    var paths: [String]

    @OptionGroup(title: "Threads and long lines") var work: WorkOptions

    @Flag(help: "Follow symbolic links found inside folders (links named on the command line are always followed).")
    var followSymlinks = false

    @Flag(help: "Never draw the progress bar (it is only drawn when stderr is a terminal).")
    var noProgress = false

    @Option(help: ArgumentHelp("Write a JSON report with counts per file and rule (never a matched value).",
                               discussion: "Example: --report scrub-2026-11.json", valueName: "file"))
    var report: String?

    @Option(help: ArgumentHelp(
        "Take only shard K of N (0-based): files are dealt out by a hash of their path, so N machines or pods given the same tree share it without overlap.",
        discussion: "Example (a Kubernetes Indexed Job): --shard $(JOB_COMPLETION_INDEX)/8", valueName: "K/N"))
    var shard: Shard?

    func validate() throws {
        guard !paths.isEmpty else { throw ValidationError("name at least one file or folder") }
    }

    /// Walks the paths, runs the job with a progress bar, writes the report; returns the reports.
    func run(mode: BatchMode, ruleSet: RuleSet, excluding: String? = nil) throws -> (reports: [FileReport], walkErrors: [String]) {
        var tree = FileTree(roots: paths, followSymlinks: followSymlinks, excluding: excluding)
        if let shard { tree.keep(where: { shard.contains($0.relativePath) }) }
        for note in tree.notes { FileHandle.standardError.write(Data("sladd: note: \(note)\n".utf8)) }
        for error in tree.errors { FileHandle.standardError.write(Data("sladd: error: \(error)\n".utf8)) }
        var filterConfiguration = StreamFilter.Configuration()
        filterConfiguration.maxLineBytes = work.maxLineBytes.value
        let jobs = work.threads(byDefault: 0)
        let job = try BatchJob(ruleSet: ruleSet, filterConfiguration: filterConfiguration,
                               options: BatchJob.Options(mode: mode, jobs: jobs))
        let progress = BatchProgress(totalBytes: tree.files.reduce(0) { $0 + $1.size }, totalFiles: tree.files.count)
        let bar = !noProgress && isatty(STDERR_FILENO) != 0 ? ProgressBar(progress) : nil
        bar?.start()
        let reports = try job.run(tree.files, progress: progress)
        bar?.stop()
        if let report {
            if let slash = report.lastIndex(of: "/") {
                try? FileManager.default.createDirectory(atPath: String(report[..<slash]), withIntermediateDirectories: true)
            }
            let json = BatchReport.json(reports, rules: ruleSet.rules, mode: mode, walkErrors: tree.errors)
            guard FileManager.default.createFile(atPath: report, contents: Data(json.utf8)) else {
                throw ExitWith(code: 2, message: "cannot write the report to \(report): check the folder exists and is writable")
            }
        }
        return (reports, tree.errors)
    }
}

/// `K/N`: the files whose path hashes to K modulo N.
struct Shard: ExpressibleByArgument {
    let index: UInt64
    let count: UInt64

    init?(argument: String) {
        let parts = argument.split(separator: "/")
        guard parts.count == 2, let index = UInt64(parts[0]), let count = UInt64(parts[1]), count > 0, index < count else {
            return nil
        }
        (self.index, self.count) = (index, count)
    }

    /// FNV-1a: the same on every machine and run (Swift's `hashValue` is seeded per process).
    func contains(_ path: String) -> Bool {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in path.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return hash % count == index
    }
}

struct ScrubCommand: SladdSubcommand {
    static let invocation = "scrub"
    static let readsWorkOptions = true

    static let configuration = CommandConfiguration(
        commandName: "scrub",
        abstract: "Mask archived logs: plain and gzip files, to a new tree or in place.",
        discussion: """
            Gzip files (recognised by their content, any name) are read through zlib, every member, and \
            written back as gzip at the level their header names. Binary files are skipped with a note.

            With --in-place each file that had something to mask is replaced atomically: the masked copy \
            is written next to it, synced, given the original's mode, owner and times, and renamed over it. \
            A failure or a kill leaves the original untouched; run the same command again to finish the job \
            (masked text is never masked again). With --output-dir the tree is mirrored below that folder.

            Examples:
              sladd scrub --output-dir /srv/clean /var/log/app
              sladd scrub --in-place --jobs 4 --report scrub.json /var/log/app/*.gz

            Exit status: 0 every file done, 1 a file failed (the others are done), 2 usage or configuration error.
            """)

    @OptionGroup var batch: BatchOptions
    @OptionGroup(title: "Rules") var rules: RuleOptions

    @Option(help: ArgumentHelp("Write masked files below this folder, mirroring the input tree.", valueName: "dir"))
    var outputDir: String?

    @Flag(help: "Replace each file atomically instead of writing a new tree.")
    var inPlace = false

    func validate() throws {
        guard (outputDir != nil) != inPlace else {
            throw ValidationError("choose where masked files go: --output-dir DIR or --in-place")
        }
    }

    mutating func run() throws {
        let ruleSet = try rules.ruleSet()
        let mode: BatchMode = inPlace ? .scrubInPlace : .scrubTo(outputDir!)
        let (reports, walkErrors) = try batch.run(mode: mode, ruleSet: ruleSet, excluding: outputDir)
        var failed = walkErrors.count
        for report in reports where report.status == .failed || report.status == .skippedBinary {
            let kind = report.status == .failed ? "error" : "note"
            FileHandle.standardError.write(Data("sladd: \(kind): \(report.file.path): \(report.message ?? "")\n".utf8))
            if report.status == .failed { failed += 1 }
        }
        let masked = reports.filter { $0.status == .masked }.count
        let matches = reports.reduce(0) { $0 + $1.counters.totalMatches }
        FileHandle.standardError.write(Data(
            "sladd: \(reports.count) files, \(masked) masked, \(matches) matches, \(failed) failed\n".utf8))
        if failed > 0 { throw ExitCode(1) }
    }
}

struct ScanCommand: SladdSubcommand {
    static let invocation = "scan"
    static let readsWorkOptions = true

    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Count personal data and secrets in files without changing them: an audit or CI gate.",
        discussion: """
            Prints, per file and rule, how many identifiers were found, never the values.

            Examples:
              sladd scan /var/log/app
              sladd scan --json /srv/archive > audit.json

            Exit status: 0 nothing found, 1 something found, 2 a file could not be read or a usage error.
            """)

    @OptionGroup var batch: BatchOptions
    @OptionGroup(title: "Rules") var rules: RuleOptions

    @Flag(help: "Print the counts as JSON (the same document --report writes).")
    var json = false

    mutating func run() throws {
        let ruleSet = try rules.ruleSet()
        let (reports, walkErrors) = try batch.run(mode: .scan, ruleSet: ruleSet)
        if json {
            print(BatchReport.json(reports, rules: ruleSet.rules, mode: .scan, walkErrors: walkErrors), terminator: "")
        } else {
            print(BatchReport.table(reports, rules: ruleSet.rules), terminator: "")
        }
        let failures = reports.filter { $0.status == .failed }
        for report in failures {
            FileHandle.standardError.write(Data("sladd: error: \(report.file.path): \(report.message ?? "")\n".utf8))
        }
        if !failures.isEmpty || !walkErrors.isEmpty { throw ExitCode(2) }
        if reports.contains(where: { $0.status == .found }) { throw ExitCode(1) }
    }
}

/// Per-file counts as a table or JSON. Rule ids and numbers only.
enum BatchReport {
    static func table(_ reports: [FileReport], rules: [Rule]) -> String {
        let width = max(20, reports.map(\.file.path.count).max() ?? 0)
        var text = "file".padding(width) + "  status          rule                       count  rejected\n"
        for report in reports {
            let found = rules.indices.filter { report.counters.matches[$0] > 0 }
            let head = report.file.path.padding(width) + "  " + report.status.rawValue.padding(16)
            if found.isEmpty {
                text += head + "\n"
                continue
            }
            for (position, index) in found.enumerated() {
                text += (position == 0 ? head : String(repeating: " ", count: width + 18))
                    + rules[index].id.padding(24) + String(report.counters.matches[index]).leftPadding(8)
                    + String(report.counters.rejected[index]).leftPadding(10) + "\n"
            }
        }
        let total = reports.reduce(0) { $0 + $1.counters.totalMatches }
        text += "\(reports.count) files, \(reports.filter { $0.status == .found }.count) with findings, \(total) identifiers\n"
        return text
    }

    static func json(_ reports: [FileReport], rules: [Rule], mode: BatchMode, walkErrors: [String]) -> String {
        func string(_ text: String) -> String {
            let data = try! JSONSerialization.data(withJSONObject: [text], options: [.withoutEscapingSlashes])
            return String(decoding: data.dropFirst().dropLast(), as: UTF8.self)
        }
        var totals = Counters(ruleCount: rules.count)
        let files = reports.map { report -> String in
            totals.add(report.counters)
            let counts = rules.indices.filter { report.counters.matches[$0] > 0 || report.counters.rejected[$0] > 0 }.map {
                "\(string(rules[$0].id)):{\"matches\":\(report.counters.matches[$0]),\"rejected\":\(report.counters.rejected[$0])}"
            }
            var fields = ["\"path\":\(string(report.file.path))", "\"status\":\"\(report.status.rawValue)\"",
                          "\"gzip\":\(report.gzip)", "\"bytes\":\(report.file.size)",
                          "\"lines\":\(report.counters.lines)", "\"lines_masked\":\(report.counters.linesMasked)",
                          "\"rules\":{\(counts.joined(separator: ","))}"]
            if let output = report.output { fields.append("\"output\":\(string(output))") }
            if let message = report.message { fields.append("\"message\":\(string(message))") }
            return "{" + fields.joined(separator: ",") + "}"
        }
        let modeName = switch mode {
        case .scan: "scan"
        case .scrubInPlace: "scrub-in-place"
        case .scrubTo: "scrub"
        }
        let totalRules = rules.indices.filter { totals.matches[$0] > 0 }.map {
            "\(string(rules[$0].id)):\(totals.matches[$0])"
        }
        return "{\"mode\":\"\(modeName)\",\"files\":[\n  " + files.joined(separator: ",\n  ") + "\n],"
            + "\"totals\":{\"files\":\(reports.count),\"lines\":\(totals.lines),\"matches\":{\(totalRules.joined(separator: ","))}},"
            + "\"errors\":[\(walkErrors.map(string).joined(separator: ","))]}\n"
    }
}

/// Files, bytes, rate and time left on one line of stderr, redrawn five times a second.
final class ProgressBar: @unchecked Sendable {
    private let progress: BatchProgress
    private let started = Date()
    private var timer: DispatchSourceTimer?

    init(_ progress: BatchProgress) { self.progress = progress }

    func start() {
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "sladd.progress"))
        timer.schedule(deadline: .now(), repeating: .milliseconds(200))
        timer.setEventHandler { [self] in draw() }
        timer.resume()
        self.timer = timer
    }

    func stop() {
        timer?.cancel()
        draw()
        FileHandle.standardError.write(Data("\n".utf8))
    }

    private func draw() {
        let (bytes, files) = progress.snapshot
        let total = max(1, progress.totalBytes)
        let fraction = min(1, Double(bytes) / Double(total))
        let elapsed = max(0.001, Date().timeIntervalSince(started))
        let rate = Double(bytes) / elapsed
        let remaining = rate > 0 ? Double(total - bytes) / rate : 0
        let width = 24
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "=", count: filled) + String(repeating: " ", count: width - filled)
        let line = String(format: "\r[%@] %d/%d files  %@/%@  %@/s  ETA %@ ", bar, files, progress.totalFiles,
                          Self.size(bytes), Self.size(total), Self.size(Int(rate)), Self.duration(remaining))
        FileHandle.standardError.write(Data(line.utf8))
    }

    static func size(_ bytes: Int) -> String {
        let units = ["B", "KB", "MB", "GB", "TB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1000 && unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
    }

    static func duration(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded())
        return String(format: "%d:%02d:%02d", whole / 3600, whole / 60 % 60, whole % 60)
    }
}
