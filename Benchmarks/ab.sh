#!/usr/bin/env bash
# Two binaries on one input, run alternately so that the machine's drift hits both alike: the median
# MB/s of each over N runs, whole process (start-up included), output to /dev/null. For comparing
# a change against the build before it, or the release build against the static one.
#
#   Benchmarks/ab.sh N INPUT BINARY_A BINARY_B [SLADD ARGS...]
#   e.g. Benchmarks/ab.sh 7 Benchmarks/out/corpus-64-1.0.log .build/release/sladd .build-static/sladd
set -euo pipefail
[ $# -ge 4 ] || { sed -n '2,7p' "$0" | cut -c3- >&2; exit 2; }
runs=$1 input=$2 a=$3 b=$4
shift 4
size=$(stat -c %s "$input")
times_a=() times_b=()
for _ in $(seq "$runs"); do
  for side in a b; do
    binary=$a; [ "$side" = b ] && binary=$b
    start=$(date +%s%N)
    "$binary" "$@" < "$input" > /dev/null
    elapsed=$(( $(date +%s%N) - start ))
    if [ "$side" = a ]; then times_a+=("$elapsed"); else times_b+=("$elapsed"); fi
  done
done
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
echo "A $(( size * 1000 / $(median "${times_a[@]}") )) MB/s   B $(( size * 1000 / $(median "${times_b[@]}") )) MB/s   ($runs runs each, $a vs $b)"
