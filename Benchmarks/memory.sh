#!/usr/bin/env bash
# Peak memory (RSS) of sladd on the inputs that stress it, for the release build (`swift build -c
# release`: the Swift runtime linked in, glibc, PCRE2 and zlib shared) and for the fully static
# binary the container image ships (when built: scripts/build-static.sh).
#
#   Benchmarks/memory.sh [MB]      MB: size of the 3% corpus streamed 1 GiB worth (default 64)
#
# RSS counts every page the process touched, its libraries' code included. The release build maps
# glibc, libstdc++ and the pages its relocations write, about 15 MiB before it reads a byte; the static
# binary touches only what it runs. So each case prints the peak and, after it, how far above the
# binary's own peak on an empty input it went: that part is what the input costs.
set -euo pipefail
source "$(dirname "$0")/common.sh"
mb=${1:-64}
jobs=$(nproc)
corpus="$out/corpus-$mb-0.03.log"
[ -s "$corpus" ] || python3 Benchmarks/gen_corpus.py --mb "$mb" --pii 0.03 > "$corpus"

# Long lines for --jobs: 40 lines of 0.9-1.5 MB (mixed-corpus lines joined by spaces), each followed
# by 2,000 ordinary lines, so blocks in flight hold long and short lines at once.
long="$out/long-lines.log"
[ -s "$long" ] || python3 - "$corpus" "$long" <<'PY'
import random, sys
lines = open(sys.argv[1], "rb").read().splitlines()
rng = random.Random(1)
with open(sys.argv[2], "wb") as out:
    position = 0
    for _ in range(40):
        size, parts = rng.randrange(900_000, 1_500_000), []
        while size > 0:
            parts.append(lines[position % len(lines)]); size -= len(parts[-1]) + 1; position += 1
        out.write(b" ".join(parts) + b"\n")
        for _ in range(2000):
            out.write(lines[position % len(lines)] + b"\n"); position += 1
PY

binaries=("$bin")
static=$PWD/.build-static/sladd
if [ -x "$static" ]; then binaries+=("$static"); else echo "(no $static: run scripts/build-static.sh to measure the image's binary too)"; fi

peak() {  # binary, shell command that writes the input to stdout, sladd arguments... -> KiB
  local binary=$1 source=$2; shift 2
  set +o pipefail
  bash -c "$source" | /usr/bin/time -f '%M' "$binary" "$@" 2>&1 >/dev/null | tail -1
  set -o pipefail
}

reps=$(( (1024 + mb - 1) / mb ))
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
printf '| %-38s |' "input"
for binary in "${binaries[@]}"; do printf ' %-27s |' "$( [ "$binary" = "$bin" ] && echo release || echo 'static (image)')"; done
printf '\n| --- |'
for _ in "${binaries[@]}"; do printf ' ---: |'; done
echo
declare -A rest
row() {  # name, shell command that writes the input, sladd arguments...
  local name=$1 source=$2; shift 2
  printf '| %-38s |' "$name"
  for binary in "${binaries[@]}"; do
    kib=$(peak "$binary" "$source" "$@")
    [ -n "${rest[$binary]:-}" ] || rest[$binary]=$kib
    printf ' %7.1f MiB (+%5.1f input) |' "$(bc -l <<<"$kib / 1024")" "$(bc -l <<<"($kib - ${rest[$binary]}) / 1024")"
  done
  echo
}
stream="for _ in \$(seq $reps); do cat '$corpus'; done"
row "empty input" "true"
row "$((reps * mb)) MiB stream, 1 thread" "$stream"
row "$((reps * mb)) MiB stream, --jobs $jobs" "$stream" --jobs "$jobs"
row "256 MiB line without a newline" "yes 'abcdefghij 01019012480 ' | tr -d '\n' | head -c $((256 << 20))"
row "lines of 0.9-1.5 MB, 1 thread" "cat '$long'"
row "lines of 0.9-1.5 MB, --jobs $jobs" "cat '$long'" --jobs "$jobs"
[ -s "$out/hostile-json-20000-keys" ] && row "JSON of 20,000 keys, --jobs $jobs" "cat '$out/hostile-json-20000-keys'" --jobs "$jobs"
make_archive
rm -rf "$out/memory-scrub"
row "scrub --jobs $jobs, 8 gzip files of 8 MiB" "true" scrub --jobs "$jobs" --output-dir "$out/memory-scrub" "$archive"
rm -rf "$out/memory-scrub"

# The long line is masked, not just survived: no identifier may be left in it.
set +o pipefail
left=$(yes 'abcdefghij 01019012480 ' | tr -d '\n' | head -c $((256 << 20)) | "$bin" | grep -c 01019012480 || true)
set -o pipefail
echo "identifiers left in the 256 MiB line: $left"
