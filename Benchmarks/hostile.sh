#!/usr/bin/env bash
# Hostile inputs on the release binary: each must finish in linear time with bounded memory.
# Prints MB/s (median of 5 runs) and peak RSS per case.
set -euo pipefail
source "$(dirname "$0")/common.sh"
python3 - "$out" <<'PY'
import sys
o = sys.argv[1]
cases = {
    "digits-100MiB": b"1" * (100 << 20),
    "a-at-16MiB": b"a@" * (8 << 20),
    "at-16MiB": b"@" * (16 << 20),
    "spaced-digits-16MiB": b"1 " * (8 << 20),
    "near-miss-fnr": b"0101901248 " * (1 << 20),
    "iban-prefixes": b"NO93 " * (2 << 20),
    "password-keys": b"password=" * (1 << 20),
    "near-miss-lines": (b"order 01019012481 card 4111111111111112 mail a@b " * 200 + b"\n") * 1000,
    # JSON: one document of 20,000 keys, each holding an identifier; Docker lines of nested escapes.
    "json-20000-keys": (b"{" + b", ".join(b'"k%d": "01019012480"' % i for i in range(20000)) + b"}\n") * 20,
    "json-nested-escapes": (b'{"log":"{\\"a\\":\\"' + b"\\\\u0040" * 4000 + b'\\"}\\n","stream":"stdout","time":"t"}\n') * 500,
    # Python's json.dumps: 50 keys a line with a key word written with an escape, each read decoded.
    "json-escaped-keys": (b"{" + b", ".join(b'"f\\u00f8dselsnummer_%d": "v%d"' % (i, i) for i in range(50)) + b"}\n") * 20000,
}
for name, data in cases.items():
    open(f"{o}/hostile-{name}", "wb").write(data)
PY
# Median of 5 runs, timed in Python (a single run with /usr/bin/time's 10 ms clock read a 0.14 s run
# as 100 or 108 MB/s); peak RSS is the largest of the 5.
for f in "$out"/hostile-*; do
  [ -s "$f" ] || continue
  python3 - "$bin" "$f" <<'PY'
import os, statistics, subprocess, sys, time
binary, path = sys.argv[1], sys.argv[2]
size = os.path.getsize(path)
times, rss = [], 0
for _ in range(5):
    with open(path, "rb") as source, open(os.devnull, "wb") as sink:
        start = time.perf_counter()
        run = subprocess.run(["/usr/bin/time", "-f", "%M", binary], stdin=source, stdout=sink,
                             stderr=subprocess.PIPE, check=True)
        times.append(time.perf_counter() - start)
    rss = max(rss, int(run.stderr.split()[-1]))
name = os.path.basename(path)
print(f"{name:28} {size / 1e6:7.1f} MB  {size / statistics.median(times) / 1e6:7.0f} MB/s  peak RSS {rss} KiB")
PY
done
