import ArgumentParser
import Foundation

/// How the work is cut: threads and line windows. One type for the stream and for `scrub` and
/// `scan`, because ArgumentParser lets the root command's options follow a subcommand's name and
/// gives them to the root: while `scrub` declared a `--jobs` of its own, `sladd scrub --jobs 1`
/// set the stream's `--jobs` and scrub ran on every core. Sharing the type shares the parsed value.
struct WorkOptions: ParsableArguments {
    @Option(name: [.short, .long], help: ArgumentHelp(
        "Threads that mask, output in input order; 0 uses every core. Default: 1 for a stream (it suits a sidecar), every core for scrub and scan.",
        discussion: """
            A stream is cut into blocks of whole lines (256 KiB, or less when the input pauses, so \
            latency stays low); scrub and scan mask files side by side and cut a large file into \
            blocks of 512 KiB. The output is the same byte for byte. Each thread adds about 2 MiB of \
            memory. Examples: zcat big.log.gz | sladd --jobs 0 > masked.log; sladd scrub --jobs 4 ...
            """, valueName: "n"))
    var jobs: Int?

    @Option(help: ArgumentHelp("Lines longer than this are masked in overlapping windows, never held whole (K and M suffixes).",
                               discussion: "Example: --max-line-bytes 4M", valueName: "bytes"))
    var maxLineBytes: ByteCount = ByteCount(StreamSettings().maxLineBytes)  // the no-argument run's too

    func validate() throws {
        if let jobs, jobs < 0 { throw ValidationError("--jobs must be 0 (every core) or more") }
    }

    /// The threads to run on, given what a command does without `--jobs`.
    func threads(byDefault fallback: Int) -> Int { Self.threads(jobs: jobs, byDefault: fallback) }

    static func threads(jobs: Int?, byDefault fallback: Int) -> Int {
        let asked = jobs ?? fallback
        return asked == 0 ? ProcessInfo.processInfo.activeProcessorCount : asked
    }
}
