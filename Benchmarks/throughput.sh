#!/usr/bin/env bash
# Whole-process throughput of the release binary on a generated container-log mix (peak memory:
# Benchmarks/memory.sh).
#
#   Benchmarks/throughput.sh [MB] [PII-SHARE]      e.g. Benchmarks/throughput.sh 64 0.03
#
# Prints MB/s (median of 5 runs, hyperfine) for 1%, PII-SHARE and 100% PII lines, and the `cat` ceiling.
set -euo pipefail
source "$(dirname "$0")/common.sh"
mb=${1:-64}
share=${2:-0.03}

for pii in 0.01 "$share" 1.0; do
  [ -s "$out/corpus-$mb-$pii.log" ] || python3 Benchmarks/gen_corpus.py --mb "$mb" --pii "$pii" > "$out/corpus-$mb-$pii.log"
done
corpus="$out/corpus-$mb-$share.log"
bytes=$(stat -c %s "$corpus")

mbps() {  # command, input file -> MB/s from the median of 5 runs
  hyperfine --warmup 1 --runs 5 --export-json "$out/h.json" "$1 < $2 > /dev/null" >/dev/null 2>&1
  python3 -c "import json,sys; m=json.load(open('$out/h.json'))['results'][0]['median']; print(f'{$(stat -c %s "$2")/m/1e6:8.0f} MB/s  (median {m:.3f} s)')"
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "input:   $corpus, $((bytes / 1048576)) MiB"
printf '%-40s %s\n' "cat (ceiling)" "$(mbps 'cat' "$corpus")"
for pii in 0.01 "$share" 1.0; do
  printf '%-40s %s\n' "sladd, PII in $pii of lines" "$(mbps "$bin" "$out/corpus-$mb-$pii.log")"
done

