import Foundation
import Testing
@testable import SladdCore

/// The batch job bounds the blocks in flight for the whole job (`BlockBudget`), so a file that
/// fails with blocks in flight must give them back, or the files after it wait for ever.
@Suite("Batch job")
struct BatchJobTests {
    @Test("Files that fail with blocks in flight give them back: the other files finish, masked as a stream masks them")
    func failedFilesReleaseTheirBlocks() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sladd-batch-\(UUID().uuidString)")
        let input = folder.appendingPathComponent("in")
        try FileManager.default.createDirectory(at: input, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }

        // 160 KiB of lines, 40 blocks of 4 KiB each, with an identifier on every fourth line.
        var text: [UInt8] = []
        var line = 0
        while text.count < 160 << 10 {
            let entry: String = line % 4 == 0 ? "request \(line) for 01019012480 done\n" : "request \(line) served in 3 ms\n"
            text += Array(entry.utf8)
            line += 1
        }
        let member = GzipMemberEncoder().member(of: text)
        for index in 0..<6 {  // cut in the middle: the read fails after about half the blocks
            try Data(member.prefix(member.count / 2)).write(to: input.appendingPathComponent("broken-\(index).log.gz"))
        }
        for index in 0..<3 {
            try Data(member).write(to: input.appendingPathComponent("good-\(index).log.gz"))
            try Data(text).write(to: input.appendingPathComponent("good-\(index).log"))
        }

        let ruleSet = try RuleSet(packs: RuleSet.builtinPacks())
        let output = folder.appendingPathComponent("out").path
        var options = BatchJob.Options(mode: .scrubTo(output), jobs: 2)
        options.blockSize = 4096
        let job = try BatchJob(ruleSet: ruleSet, options: options)
        let files = FileTree(roots: [input.path], followSymlinks: false).files
        #expect(files.count == 12)
        // On a thread of its own, so that a hang fails this test instead of stopping the run.
        final class Outcome: @unchecked Sendable { var reports: [FileReport] = [] }
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        Thread {
            outcome.reports = (try? job.run(files, progress: BatchProgress(totalBytes: 0, totalFiles: files.count))) ?? []
            done.signal()
        }.start()
        guard done.wait(timeout: .now() + 60) == .success else {
            Issue.record("the job hangs: a failed file kept its blocks in flight")
            return
        }
        let reports = outcome.reports
        #expect(reports.count == 12)

        let expected = try StreamFilter(ruleSet: ruleSet).mask(text)
        #expect(expected != text)
        for report in reports {
            let name = report.file.relativePath
            if name.contains("broken") {
                #expect(report.status == .failed, "\(name): \(report.status)")
                continue
            }
            #expect(report.status == .masked, "\(name): \(report.status) \(report.message ?? "")")
            let written = try Self.contents(of: output + "/" + name, gzip: name.hasSuffix(".gz"))
            #expect(written == expected, "\(name)")
        }
    }

    /// A file's bytes, decompressed when `gzip`.
    static func contents(of path: String, gzip: Bool) throws -> [UInt8] {
        guard gzip else { return try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))) }
        let descriptor = open(path, O_RDONLY)
        #expect(descriptor >= 0)
        defer { close(descriptor) }
        var source = try GzipDecoder(descriptor: descriptor)
        var bytes: [UInt8] = []
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 1)
        defer { chunk.deallocate() }
        while true {
            let count = try source.read(into: chunk)
            if count == 0 { return bytes }
            bytes += chunk.prefix(count)
        }
    }
}
