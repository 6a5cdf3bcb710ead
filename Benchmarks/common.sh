# Sourced by the benchmark scripts: work from the package root, keep outputs in Benchmarks/out, and
# measure an up-to-date release binary (an incremental build takes seconds; a stale one lies).
cd "$(dirname "${BASH_SOURCE[1]}")/.."
out=Benchmarks/out
mkdir -p "$out"
command -v hyperfine >/dev/null || apt-get install -y -qq hyperfine >/dev/null
swift build -c release --product sladd >/dev/null
bin=$PWD/.build/release/sladd
