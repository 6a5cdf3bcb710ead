#!/usr/bin/env bash
# Scrub throughput on gzip archives: `sladd scrub` with 1 and 2 jobs against `zcat | sladd | gzip`
# file by file, on the same files (8 rotated logs of 8 MiB, 3% of lines with PII).
#
#   Benchmarks/scrub.sh
set -euo pipefail
source "$(dirname "$0")/common.sh"
make_archive
corpus="$out/corpus-64-0.03.log"
raw=$(stat -c %s "$corpus")
gz=$(du -cb "$archive"/*.gz | tail -1 | cut -f1)
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "input:   8 gzip files, $((gz >> 20)) MiB compressed, $((raw >> 20)) MiB of log text"
hyperfine --warmup 1 --runs 3 --export-json "$out/scrub.json" \
  -n 'zcat | sladd | gzip, file by file' \
  "rm -rf $out/pipe && mkdir -p $out/pipe && for f in $archive/*.gz; do zcat \$f | $bin | gzip -6 > $out/pipe/\$(basename \$f); done" \
  -n 'sladd scrub --jobs 1' "rm -rf $out/s1 && $bin scrub --jobs 1 --output-dir $out/s1 $archive 2>/dev/null" \
  -n 'sladd scrub --jobs 2' "rm -rf $out/s2 && $bin scrub --jobs 2 --output-dir $out/s2 $archive 2>/dev/null" >/dev/null
python3 - "$out/scrub.json" "$raw" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["results"]; raw = int(sys.argv[2])
base = results[0]["median"]
for r in results:
    print(f'{r["command"]:<36} {r["median"]:6.2f} s  {raw / r["median"] / 1e6:6.0f} MB/s of log text  {base / r["median"]:4.2f}x')
PY
# Same text either way.
for f in "$archive"/*.gz; do cmp -s <(zcat "$out/pipe/$(basename "$f")") <(zcat "$out/s2/archive/$(basename "$f")") || echo "DIFFERENT: $f"; done
