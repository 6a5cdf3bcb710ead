import Foundation
import Testing

/// `sladd scrub` and `sladd scan` on real trees in a temporary folder. Each test is a bash script
/// (the binary is `$SLADD`) that prints what it checks; `fail:` lines are failures.
@Suite("scrub and scan, the binary")
struct BatchTests {
    /// A tree with every kind of file a log archive holds, in `$T/in`, and the expected masked text
    /// of each readable file from the stream filter in `$T/expected`.
    static let setUp = #"""
        set -u
        T=$(mktemp -d)
        trap 'rm -rf "$T"' EXIT
        mkdir -p "$T/in/sub" "$T/expected"
        printf 'user ola.nordmann@example.no logged in\nfnr 01019012480 ok\norder 12345678901\n' > "$T/in/a.log"
        for i in $(seq 1 40000); do echo "$i GET /api/orders/$i fnr=01019012480 took=${i}ms"; done > "$T/in/sub/big.log"
        gzip -c "$T/in/sub/big.log" > "$T/in/sub/big.log.gz"
        { printf 'first member kari@example.com\n' | gzip; printf 'second member 01019012480\n' | gzip; } > "$T/in/multi.gz"
        head -c 2000 "$T/in/sub/big.log.gz" > "$T/in/truncated.gz"
        printf 'bin\0ary 01019012480\n' > "$T/in/image.bin"
        printf 'nothing to see\n' > "$T/in/clean.txt"
        ln -s a.log "$T/in/link.log"
        for f in a.log sub/big.log clean.txt; do mkdir -p "$T/expected/$(dirname $f)"; "$SLADD" < "$T/in/$f" > "$T/expected/$f"; done
        printf 'first member [email]\nsecond member [fnr]\n' > "$T/expected/multi.gz"
        cp "$T/expected/sub/big.log" "$T/expected/sub/big.log.gz"
        # same FILE EXPECTED: the file's text (decompressed when gzip) equals the expected text
        same() { if cmp -s <(gzip -dcf "$1") "$2"; then echo "ok: $1"; else echo "fail: $1 differs from $2"; fi; }
        """#

    static func run(_ script: String) throws {
        let result = try Binary.shell(setUp + "\n" + script)
        let failures = result.output.split(separator: "\n").filter { $0.hasPrefix("fail:") }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))\n\(result.stderr)")
        #expect(result.output.contains("ok:"), "the script checked nothing: \(result.output) \(result.stderr)")
    }

    @Test("Scrub to a new tree: plain, gzip and multi-member gzip masked; truncated, binary and links left out")
    func scrubToNewTree() throws {
        try Self.run(#"""
            for jobs in 1 3; do
              rm -rf "$T/out"
              "$SLADD" scrub --jobs $jobs --output-dir "$T/out" --report "$T/report.json" "$T/in" 2> "$T/err"
              status=$?
              [ $status = 1 ] && echo "ok: exit 1 for the truncated file" || echo "fail: exit $status"
              for f in a.log sub/big.log sub/big.log.gz multi.gz clean.txt; do same "$T/out/in/$f" "$T/expected/$f"; done
              gzip -t "$T/out/in/sub/big.log.gz" && echo "ok: valid gzip" || echo "fail: invalid gzip out"
              for f in truncated.gz image.bin link.log; do
                [ -e "$T/out/in/$f" ] && echo "fail: $f written" || echo "ok: $f not written"
              done
              grep -q 'truncated' "$T/err" && echo "ok: truncation reported" || echo "fail: no report of truncation"
              grep -q 'image.bin: binary' "$T/err" && echo "ok: binary noted" || echo "fail: binary not noted"
              ls -A "$T/out/in" | grep -q sladd- && echo "fail: temporary file left" || echo "ok: no temporary file"
            done
            # The report counts what the stream filter counts for the same input.
            stream=$("$SLADD" --summary json < "$T/in/sub/big.log" 2>&1 >/dev/null)
            python3 - "$T/report.json" "$stream" <<'PY'
            import json, sys
            report = json.load(open(sys.argv[1])); stream = json.loads(sys.argv[2])
            files = {f["path"].split("/in/")[1]: f for f in report["files"]}
            for name in ["sub/big.log", "sub/big.log.gz"]:
                got = {k: v["matches"] for k, v in files[name]["rules"].items() if v["matches"]}
                want = {k: v["matches"] for k, v in stream["rules"].items() if v["matches"]}
                print("ok:" if got == want and files[name]["lines"] == stream["lines"] else "fail:", name, got, want)
            print("ok:" if files["truncated.gz"]["status"] == "failed" else "fail: truncated status", files["truncated.gz"]["status"])
            PY
            """#)
    }

    @Test("Scrub in place: atomic, keeps mode and times, leaves clean and broken files alone, idempotent")
    func scrubInPlace() throws {
        try Self.run(#"""
            cp "$T/in/truncated.gz" "$T/truncated.orig"
            chmod 640 "$T/in/a.log"; touch -d '2021-03-04 05:06:07' "$T/in/a.log" "$T/in/sub/big.log.gz"
            clean_inode=$(stat -c %i "$T/in/clean.txt")
            "$SLADD" scrub --in-place "$T/in" 2> "$T/err"; status=$?
            [ $status = 1 ] && echo "ok: exit 1" || echo "fail: exit $status"
            for f in a.log sub/big.log sub/big.log.gz multi.gz clean.txt; do same "$T/in/$f" "$T/expected/$f"; done
            [ "$(stat -c %a "$T/in/a.log")" = 640 ] && echo "ok: mode kept" || echo "fail: mode $(stat -c %a "$T/in/a.log")"
            [ "$(stat -c %Y "$T/in/a.log")" = "$(date -d '2021-03-04 05:06:07' +%s)" ] && echo "ok: mtime kept" || echo "fail: mtime changed"
            [ "$(stat -c %Y "$T/in/sub/big.log.gz")" = "$(date -d '2021-03-04 05:06:07' +%s)" ] && echo "ok: gz mtime kept" || echo "fail: gz mtime"
            [ "$(stat -c %i "$T/in/clean.txt")" = "$clean_inode" ] && echo "ok: clean file not rewritten" || echo "fail: clean file rewritten"
            cmp -s "$T/in/truncated.gz" "$T/truncated.orig" && echo "ok: truncated original untouched" || echo "fail: truncated file changed"
            [ "$(readlink "$T/in/link.log")" = a.log ] && echo "ok: link kept" || echo "fail: link changed"
            before=$(cd "$T/in" && find . -type f -exec md5sum {} + | sort)
            "$SLADD" scrub --in-place --report "$T/again.json" "$T/in" 2>/dev/null
            after=$(cd "$T/in" && find . -type f -exec md5sum {} + | sort)
            [ "$before" = "$after" ] && echo "ok: a second run changes nothing" || echo "fail: second run changed files"
            grep -q '"status":"masked"' "$T/again.json" && echo "fail: second run masked again" || echo "ok: nothing masked twice"
            """#)
    }

    @Test("A scrub killed mid-way leaves every original intact; a second run finishes the job")
    func killedScrubResumes() throws {
        try Self.run(#"""
            mkdir -p "$T/many"
            for i in $(seq 1 30); do cp "$T/in/sub/big.log" "$T/many/f$i.log"; cp "$T/in/sub/big.log.gz" "$T/many/g$i.log.gz"; done
            "$SLADD" scrub --in-place --jobs 1 "$T/many" 2>/dev/null &
            pid=$!
            sleep 1.5
            kill -9 $pid 2>/dev/null && echo "ok: killed mid-way" || echo "ok: finished before the kill (slow machine check skipped)"
            wait $pid 2>/dev/null
            for f in "$T"/many/*; do
              if cmp -s <(gzip -dcf "$f") "$T/in/sub/big.log" || cmp -s <(gzip -dcf "$f") "$T/expected/sub/big.log"; then :; else echo "fail: $f is neither original nor masked"; fi
            done
            echo "ok: every file whole"
            "$SLADD" scrub --in-place "$T/many" 2> "$T/err"; status=$?
            [ $status = 0 ] && echo "ok: second run exit 0" || echo "fail: second run exit $status: $(cat "$T/err")"
            for f in "$T"/many/*; do cmp -s <(gzip -dcf "$f") "$T/expected/sub/big.log" || echo "fail: $f not masked after the second run"; done
            ls -A "$T/many" | grep -q sladd- && echo "fail: temporary file left" || echo "ok: no temporary file left"
            """#)
    }

    @Test("scan exit codes: 0 clean, 1 found, 2 unreadable; never prints a value")
    func scanExitCodes() throws {
        try Self.run(#"""
            "$SLADD" scan "$T/in/clean.txt" > "$T/o1"; s=$?; [ $s = 0 ] && echo "ok: clean 0" || echo "fail: clean $s"
            "$SLADD" scan "$T/in/a.log" "$T/in/sub" > "$T/o2"; s=$?; [ $s = 1 ] && echo "ok: found 1" || echo "fail: found $s"
            grep -q '01019012480\|ola.nordmann' "$T/o2" && echo "fail: a value was printed" || echo "ok: no value printed"
            grep -q 'no.fnr' "$T/o2" && echo "ok: rule named" || echo "fail: rule not named"
            "$SLADD" scan "$T/in/truncated.gz" > /dev/null 2>&1; s=$?; [ $s = 2 ] && echo "ok: corrupt 2" || echo "fail: corrupt $s"
            "$SLADD" scan "$T/nowhere" > /dev/null 2>&1; s=$?; [ $s = 2 ] && echo "ok: missing 2" || echo "fail: missing $s"
            "$SLADD" scan --json "$T/in/a.log" | python3 -c 'import json,sys; d=json.load(sys.stdin); print("ok: json" if d["files"][0]["rules"]["email"]["matches"] == 1 else "fail: json")'
            cmp -s "$T/in/a.log" <(printf 'user ola.nordmann@example.no logged in\nfnr 01019012480 ok\norder 12345678901\n') && echo "ok: scan wrote nothing" || echo "fail: scan changed a file"
            """#)
    }

    @Test("A line longer than a block is masked whole, as the stream masks it")
    func longLineInBatch() throws {
        try Self.run(#"""
            mkdir -p "$T/long"
            { printf 'head 01019012480\n'; yes 'abcdefgh 01019012480 ' | tr -d '\n' | head -c $((9 << 20)); printf '\ntail kari@example.com\n'; } > "$T/long/x.log"
            "$SLADD" < "$T/long/x.log" > "$T/long.expected"
            "$SLADD" scrub --output-dir "$T/out" "$T/long" 2>/dev/null
            same "$T/out/long/x.log" "$T/long.expected"
            grep -c 01019012480 "$T/out/long/x.log" | grep -qx 0 && echo "ok: nothing left" || echo "fail: identifiers left"
            """#)
    }

    @Test("--shard K/N deals every file to exactly one of N shards")
    func shardsPartitionTheTree() throws {
        try Self.run(#"""
            for k in 0 1 2; do "$SLADD" scan --json --shard $k/3 "$T/in" 2>/dev/null; done | python3 -c '
            import json, sys
            docs = [json.loads(d) for d in sys.stdin.read().replace("}\n{", "}\x00{").split("\x00")]
            paths = [f["path"] for d in docs for f in d["files"]]
            print("ok: partition" if len(paths) == len(set(paths)) == 7 else f"fail: {sorted(paths)}")
            print("ok: spread" if sum(1 for d in docs if d["files"]) >= 2 else "fail: one shard took all")'
            "$SLADD" scan --shard 3/3 "$T/in" > /dev/null 2>&1; s=$?
            [ $s = 2 ] && echo "ok: bad shard is a usage error" || echo "fail: bad shard exit $s"
            """#)
    }

    static let sparkAvailable = (try? Binary.shell("python3 -c 'import pyspark' && command -v java").status) == 0

    @Test("The Spark example masks an archive through RDD.pipe (local mode)",
          .enabled(if: sparkAvailable, "pyspark and Java are not installed; the example is not run"))
    func sparkExample() throws {
        let script = Binary.packageRoot.appendingPathComponent("examples/spark/test_scrub_with_spark.py").path
        let result = try Binary.shell("python3 '\(script)'")
        #expect(result.status == 0, "\(result.output)\(result.stderr)")
    }
}
