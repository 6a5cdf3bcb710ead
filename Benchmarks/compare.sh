#!/usr/bin/env bash
# sladd side by side with what teams would otherwise run, on one generated input, interleaved
# (round-robin, so machine noise hits every tool alike), median of RUNS rounds:
#   cat | cat (the ceiling of a pipe), sladd (one thread), sladd --jobs $(nproc) (all cores, the
#   same pipe), both again as the container image's static binary (scripts/build-static.sh: no
#   dynamic linking at start-up), sladd scrub --jobs $(nproc) (file to file), ripgrep --passthru -r
#   (regex only, no checksums), a Perl one-liner and Python `re` (both with mod-11 and Luhn checks).
#   MB/s, ratio to sladd, peak RSS.
#
#   Benchmarks/compare.sh [MB] [RUNS]        default: 32 MiB, 5 rounds
set -euo pipefail
source "$(dirname "$0")/common.sh"
mb=${1:-32}
runs=${2:-5}
command -v rg >/dev/null || apt-get install -y -qq ripgrep >/dev/null
scripts/build-static.sh >/dev/null
input="$out/compare-$mb.log"
[ -s "$input" ] || python3 Benchmarks/gen_corpus.py --mb "$mb" --pii 0.03 > "$input"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(date -u +%Y-%m-%d)"
echo "input:   $input ($(( $(stat -c %s "$input") / 1048576 )) MiB, 3% of lines with PII), median of $runs interleaved rounds"
python3 - "$input" "$runs" "$(nproc)" <<'PY'
import os, resource, shutil, statistics, subprocess, sys, tempfile, time

path, runs, cores = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
size = os.path.getsize(path)
scratch = tempfile.mkdtemp(prefix="sladd-compare-")
patterns = "Benchmarks/maskers/patterns.txt"
tools = [
    ("cat | cat (ceiling)", ["sh", "-c", f"cat '{path}' | cat > /dev/null"], False),
    ("sladd, 1 thread", [".build/release/sladd"], True),
    (f"sladd --jobs {cores}", [".build/release/sladd", "--jobs", str(cores)], True),
    ("sladd, 1 thread, static (image)", [".build-static/sladd"], True),
    (f"sladd --jobs {cores}, static (image)", [".build-static/sladd", "--jobs", str(cores)], True),
    (f"sladd scrub --jobs {cores}", [".build/release/sladd", "scrub", "--jobs", str(cores), "--output-dir", scratch, path], False),
    ("ripgrep --passthru -r (no checksums)", ["rg", "--passthru", "--no-line-number", "--no-filename", "-f", patterns, "-r", "[x]"], True),
    ("perl, with checksums", ["perl", "Benchmarks/maskers/mask.pl"], True),
    ("python re, with checksums", ["python3", "Benchmarks/maskers/mask.py"], True),
]
times = {name: [] for name, _, _ in tools}
rss = {name: 0 for name, _, _ in tools}
for _ in range(runs):
    for name, command, stdin in tools:
        with open(path, "rb") as source, open(os.devnull, "wb") as sink:
            start = time.perf_counter()
            process = subprocess.Popen(command, stdin=source if stdin else subprocess.DEVNULL, stdout=sink, stderr=subprocess.DEVNULL)
            _, status, usage = os.wait4(process.pid, 0)
            elapsed = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode not in (0, 1):  # rg exits 1 when nothing matched
            sys.exit(f"{name} failed with {process.returncode}")
        times[name].append(elapsed)
        rss[name] = max(rss[name], usage.ru_maxrss)
        shutil.rmtree(scratch, ignore_errors=True); os.makedirs(scratch, exist_ok=True)
sladd = size / statistics.median(times["sladd, 1 thread"]) / 1e6
print(f"| {'tool':<38} | {'MB/s':>7} | {'sladd 1 thread / tool':>21} | {'peak RSS':>9} |")
print(f"| {'-' * 38} | {'-' * 7}:| {'-' * 21}:| {'-' * 9}:|")
for name, _, _ in tools:
    mbps = size / statistics.median(times[name]) / 1e6
    memory = "-" if name.startswith("cat") else f"{rss[name] / 1024:.0f} MB"
    print(f"| {name:<38} | {mbps:7,.0f} | {sladd / mbps:20.2f}x | {memory:>9} |")
def rate(name): return size / statistics.median(times[name]) / 1e6
print()
for suffix in ["", ", static (image)"]:
    one = rate("sladd, 1 thread" + suffix)
    print(f"targets{suffix or ', dynamic build'}: sladd --jobs {cores} = "
          f"{rate(f'sladd --jobs {cores}' + suffix) / rate('cat | cat (ceiling)'):.0%} of cat | cat (60% asked); "
          f"sladd 1 thread = {one / rate('ripgrep --passthru -r (no checksums)'):.2f}x ripgrep (5x asked), "
          f"{one:,.0f} MB/s (1,000 asked)")
shutil.rmtree(scratch, ignore_errors=True)
PY
