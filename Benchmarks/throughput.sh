#!/usr/bin/env bash
# Whole-process throughput and peak memory of the release binary on a generated container-log mix.
#
#   Benchmarks/throughput.sh [MB] [PII-SHARE]      e.g. Benchmarks/throughput.sh 64 0.03
#
# Prints MB/s (median of 5 runs, hyperfine) for 1%, PII-SHARE and 100% PII lines, the `cat` ceiling,
# and peak RSS for a 1 GiB stream and for a 256 MiB line without a newline.
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

# Peak memory: a 1 GiB stream, and a 256 MiB line without a newline.
reps=$(( (1024 + mb - 1) / mb ))
rss=$( { for _ in $(seq "$reps"); do cat "$corpus"; done; } | /usr/bin/time -f '%M' "$bin" 2>&1 >/dev/null | tail -1)
printf '%-40s %s KiB\n' "peak RSS, $((reps * mb)) MiB stream" "$rss"
set +o pipefail
rss=$( { yes 'abcdefghij 01019012480 ' | tr -d '\n' | head -c $((256 << 20)); } | /usr/bin/time -f '%M' "$bin" 2>&1 >"$out/longline.out" | tail -1)
left=$(grep -c 01019012480 "$out/longline.out" || true)
printf '%-40s %s KiB (identifiers left: %s)\n' "peak RSS, 256 MiB line, no newline" "$rss" "$left"
