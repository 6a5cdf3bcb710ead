# Sourced by the benchmark scripts: work from the package root, keep outputs in Benchmarks/out, and
# measure an up-to-date release binary (an incremental build takes seconds; a stale one lies).
cd "$(dirname "${BASH_SOURCE[1]}")/.."
out=Benchmarks/out
mkdir -p "$out"
command -v hyperfine >/dev/null || apt-get install -y -qq hyperfine >/dev/null
swift build -c release --product sladd >/dev/null
bin=$PWD/.build/release/sladd

# 8 rotated logs of 8 MiB, gzip -6, cut from the 64 MiB 3% corpus: the input of scrub.sh and memory.sh.
archive=$out/archive
make_archive() {
  local corpus="$out/corpus-64-0.03.log"
  [ -s "$corpus" ] || python3 Benchmarks/gen_corpus.py --mb 64 --pii 0.03 > "$corpus"
  [ -d "$archive" ] && return
  mkdir -p "$archive"
  split -n l/8 -d "$corpus" "$archive/app.log."
  for f in "$archive"/app.log.*; do gzip -6 "$f"; done
}
