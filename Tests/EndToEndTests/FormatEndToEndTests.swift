import Foundation
import Testing

/// Realistic container log lines through the built binary: masked inside their structure, wrappers
/// byte-identical, the same output whether the format is given or found per line.
@Suite("Container log formats, the binary", .serialized)
struct FormatEndToEndTests {
    static let fixtures = Binary.packageRoot.appendingPathComponent("Tests/EndToEndTests/Fixtures/formats")

    @Test("Each format comes out as reviewed, with --format auto, with the format named and with --jobs 2",
          arguments: ["docker", "cri", "json", "logfmt"])
    func fixtureIsMaskedAsReviewed(_ name: String) throws {
        let input = try Data(contentsOf: Self.fixtures.appendingPathComponent("\(name).log"))
        let expected = try Data(contentsOf: Self.fixtures.appendingPathComponent("\(name).expected"))
        for arguments in [["--summary", "none"], ["--summary", "none", "--format", name], ["--summary", "none", "--jobs", "2"]] {
            let result = try Binary.run(arguments, input: input)
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
            if result.stdout != expected {
                let got = result.output.split(separator: "\n", omittingEmptySubsequences: false)
                let want = String(decoding: expected, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
                let first = zip(got, want).first { $0 != $1 }
                Issue.record("\(arguments): first differing line \(String(describing: first))")
            }
        }
    }

    /// The reviewed outputs themselves are checked against the properties the issue asks for, so a
    /// careless re-generation of `*.expected` cannot slip a leak or a broken wrapper in.
    @Test("Wrappers are byte-identical, JSON stays JSON with the same keys, no planted value is left")
    func reviewedOutputsKeepStructure() throws {
        let script = #"""
            import json, re, sys
            folder = sys.argv[1]
            def lines(name, ext):
                return open(f"{folder}/{name}.{ext}", "rb").read().split(b"\n")
            def keys(value):
                if isinstance(value, dict):
                    return [(k, keys(v)) for k, v in value.items()]
                if isinstance(value, list):
                    return [keys(v) for v in value]
                return None
            planted = [b"ola@example.no", b"kari", b"01019012480", b"0101901", b"2480 done", b"15076500565", b"4111", b"912 34 567",
                       b"8601.11.17947", b"hunter2", b"123-45-6789", b"eyJ", b"\\u0030\\u0031"]
            failures = []
            for name in ["docker", "cri", "json", "logfmt"]:
                for number, (raw, masked) in enumerate(zip(lines(name, "log"), lines(name, "expected")), 1):
                    where = f"{name}:{number}"
                    if name == "cri" and raw[:1].isdigit():
                        prefix = re.match(rb"\S+ (stdout|stderr) [PF] ", raw).group(0)
                        if not masked.startswith(prefix): failures.append(f"{where}: CRI prefix changed")
                        raw, masked = raw[len(prefix):], masked[len(prefix):]
                    try:
                        document = json.loads(raw)
                    except ValueError:
                        document = None
                    if isinstance(document, dict):
                        try:
                            out = json.loads(masked)
                        except ValueError:
                            failures.append(f"{where}: valid JSON in, invalid out"); continue
                        if keys(out) != keys(document): failures.append(f"{where}: keys changed")
                        if name == "docker":
                            for key in ("stream", "time"):
                                if out[key] != document[key]: failures.append(f"{where}: {key} changed")
                            if out["log"].endswith("\n") != document["log"].endswith("\n"):
                                failures.append(f"{where}: log lost its line end")
                        masked = json.dumps(out, ensure_ascii=False).encode()
                        # Keys may hold anything: only values must be clean.
                        masked = re.sub(rb'"[^"]*": ', b"", masked)
                    for value in planted:
                        if value in masked: failures.append(f"{where}: {value!r} left")
            print("\n".join(failures) or "ok")
            """#
        let result = try Binary.shell("python3 -c '\(script.replacingOccurrences(of: "'", with: "'\\''"))' '\(Self.fixtures.path)'")
        #expect(result.output == "ok\n", "\(result.output)\(result.stderr)")
    }

    /// `--jobs` cuts the stream into blocks of 256 KiB: each fixture repeated over several blocks must
    /// come out as one core writes it, with the same counts.
    @Test("--jobs 3 writes the bytes and counts of one core", arguments: ["docker", "cri", "json", "logfmt"])
    func parallelStreamEqualsOneCore(_ name: String) throws {
        let fixture = try Data(contentsOf: Self.fixtures.appendingPathComponent("\(name).log"))
        var input = Data()
        while input.count < 900_000 { input.append(fixture) }
        let one = try Binary.run(["--summary", "json"], input: input)
        let many = try Binary.run(["--summary", "json", "--jobs", "3"], input: input)
        #expect(one.status == 0 && many.status == 0, "\(one.stderr)\(many.stderr)")
        #expect(many.stdout == one.stdout)
        #expect(many.stderr == one.stderr, "the summaries differ")
        #expect(one.stdout != input, "the fixture holds identifiers, so the comparison means something")
    }

    @Test("A CRI partial record waits at most the latency bound for its rest")
    func partialRecordIsNotHeldForever() throws {
        // The P record is written, then nothing for a second: it must come out well before.
        let result = try Binary.shell(#"""
            python3 - "$SLADD" <<'PY'
            import subprocess, sys, time, select
            p = subprocess.Popen([sys.argv[1], "--summary", "none"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
            p.stdin.write(b"2025-11-02T10:15:33.000000001Z stdout P payment for ola@example.no and\n"); p.stdin.flush()
            start = time.monotonic()
            ready, _, _ = select.select([p.stdout], [], [], 1.0)
            waited = time.monotonic() - start
            line = p.stdout.readline() if ready else b""
            p.stdin.write(b"2025-11-02T10:15:33.000000002Z stdout F  more\n"); p.stdin.close()
            rest = p.stdout.read(); p.wait()
            print("ok: out in time" if ready and waited < 0.5 else f"fail: held {waited:.3f} s")
            print("ok: masked" if line.endswith(b"stdout P payment for [email] and\n") else f"fail: {line!r}")
            print("ok: rest" if rest == b"2025-11-02T10:15:33.000000002Z stdout F  more\n" else f"fail: {rest!r}")
            PY
            """#)
        #expect(!result.output.contains("fail") && result.output.contains("ok: rest"), "\(result.output)\(result.stderr)")
    }
}
