#!/usr/bin/env bash
# Hostile inputs on the release binary: each must finish in linear time with bounded memory.
# Prints MB/s and peak RSS per case.
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
for f in "$out"/hostile-*; do
  [ -s "$f" ] || continue
  size=$(stat -c %s "$f")
  read -r secs rss < <( { /usr/bin/time -f '%e %M' "$bin" < "$f" > /dev/null; } 2>&1 | tail -1)
  python3 -c "print(f'{\"$(basename "$f")\":28} {$size/1e6:7.1f} MB  {$size/max($secs,0.01)/1e6:7.0f} MB/s  peak RSS {$rss} KiB')"
done
