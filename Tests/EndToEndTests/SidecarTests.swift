import Foundation
import Testing

/// The binary as a sidecar runs it: counters on /metrics and in a stats file, signals, the rsyslog
/// reply protocol. The scenarios live in `Scripts/sidecar.py` (processes, sockets and signals are
/// plainer in Python); each prints `ok:` or `fail:` lines.
@Suite("sladd as a sidecar, the binary", .serialized)
struct SidecarTests {
    static let script = Binary.packageRoot.appendingPathComponent("Tests/EndToEndTests/Scripts/sidecar.py").path

    @Test("Sidecar scenarios", arguments: [
        "metrics",     // /metrics counts equal what went through; names end in _total; no values
        "scrapes",     // 200 parallel scrapes and garbage requests while 20,000 lines stream through
        "sigterm",     // SIGTERM mid-stream: reading goes on until the input ends, no line lost
        "deadline",    // input that never ends: --drain-timeout or a second SIGTERM end it, exit 0
        "sighup",      // a broken pack on reload keeps the old rules, is reported and counted
        "sigusr1",     // the counters on stderr
        "statsfile",   // the textfile is written at start, refreshed, final at exit, atomically
        "mmexternal",  // one JSON reply per message, nothing on stderr
        "fifo",        // --input --make-fifo: the FIFO sidecar layout of deploy/kubernetes
        // The same promises on several threads: blocks in flight are written before exit.
        "sigterm --jobs 2", "deadline --jobs 2", "sighup --jobs 2", "metrics --jobs 2",
    ])
    func scenario(_ name: String) throws {
        // `NAME [SLADD ARGUMENTS...]`: the arguments go to every sladd the scenario starts.
        let words = name.split(separator: " ")
        let result = try Binary.shell("timeout 120 python3 '\(Self.script)' \(words[0]) \"$SLADD\" \(words.dropFirst().joined(separator: " "))")
        #expect(result.status == 0 && result.output.contains("ok:") && !result.output.contains("fail:"),
                "\(result.output)\(result.stderr)")
    }

    @Test("Sidecar options are checked before anything starts", arguments: [
        (["--metrics-listen", "localhost:99999"], "is not HOST:PORT"),
        (["--protocol", "mmexternal", "--summary", "text"], "use --stats-file"),
        (["--drain-timeout", "-1"], "--drain-timeout"),
    ])
    func badOptions(_ arguments: [String], _ message: String) throws {
        let result = try Binary.run(arguments, input: Data("x\n".utf8))
        #expect(result.status == 2 && result.stderr.contains(message), "\(result.stderr)")
    }

    @Test func aTakenPortIsAConfigurationError() throws {
        let result = try Binary.shell(#"""
            python3 -c 'import socket,time; s=socket.socket(); s.bind(("127.0.0.1",0)); s.listen(); print(s.getsockname()[1], flush=True); time.sleep(2)' > /tmp/sladd-port-$$ &
            sleep 0.5; port=$(cat /tmp/sladd-port-$$); rm -f /tmp/sladd-port-$$
            echo x | "$SLADD" --metrics-listen 127.0.0.1:$port; echo "exit $?"
            """#)
        #expect(result.output.hasSuffix("exit 2\n") && result.stderr.contains("pick another one"), "\(result.output)\(result.stderr)")
    }
}
