#!/usr/bin/env bash
# What reading the structure costs: per format, `--format auto` against the format named and against
# `--format text` (bytes only), on 32 MiB of that format with 3% PII lines. Median of 5 (hyperfine).
# `python` is JSON as Python's json.dumps writes it (every æøå escaped); its format is json.
# Wall time on a shared 2-core VM drifts by 20% between runs, so the instructions callgrind counts on
# the first 8 MB (stable to 0.1%) are printed too when valgrind is installed.
#
#   Benchmarks/formats.sh
set -euo pipefail
source "$(dirname "$0")/common.sh"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
printf '%-8s %10s %10s %10s %8s\n' format text named auto "auto/named"
for format in json docker cri logfmt python; do
  input="$out/format-$format.log"
  named=${format/python/json}
  [ -s "$input" ] || python3 Benchmarks/gen_corpus.py --mb 32 --pii 0.03 --format "$format" > "$input"
  hyperfine --warmup 1 --runs 5 --export-json "$out/formats.json" \
    "$bin --format text < $input > /dev/null" "$bin --format $named < $input > /dev/null" \
    "$bin --format auto < $input > /dev/null" > /dev/null 2>&1
  python3 - "$out/formats.json" "$(stat -c %s "$input")" "$format" <<'PY'
import json, sys
r = [x["median"] for x in json.load(open(sys.argv[1]))["results"]]; size = int(sys.argv[2])
mbps = [size / t / 1e6 for t in r]
print(f"{sys.argv[3]:<8} {mbps[0]:7.0f} MB/s {mbps[1]:5.0f} MB/s {mbps[2]:5.0f} MB/s {mbps[2] / mbps[1]:7.2f}")
PY
done

command -v valgrind >/dev/null || exit 0
echo
printf '%-8s %14s %14s %10s\n' format "named (instr)" "auto (instr)" "auto/named"
stripped="$out/sladd-stripped"
strip -g -o "$stripped" "$bin"
count() { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$stripped" --format "$1" < "$2" 2>&1 >/dev/null | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'; }
for format in json docker cri logfmt python; do
  head -c 8000000 "$out/format-$format.log" > "$out/format-slice.log"
  named=$(count "${format/python/json}" "$out/format-slice.log"); auto=$(count auto "$out/format-slice.log")
  python3 -c "print(f'{\"$format\":<8} {$named:14,} {$auto:14,} {$auto / $named:10.3f}')"
done
