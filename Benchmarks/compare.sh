#!/usr/bin/env bash
# sladd side by side with what teams would otherwise run, on one generated input, interleaved
# (round-robin, so machine noise hits every tool alike), median of RUNS rounds:
#   cat | cat (the ceiling of a pipe), sladd (one thread), sladd --jobs $(nproc) (all cores, the
#   same pipe), both as `swift build -c release` makes it (the Swift runtime linked in; glibc,
#   PCRE2 and zlib shared; position-independent) and as the container image's fully static binary
#   (scripts/build-static.sh: no dynamic loader at start-up), sladd scrub --jobs $(nproc) (file to
#   file), ripgrep --passthru -r (regex only, no checksums), a Perl one-liner and Python `re` (both
#   with mod-11 and Luhn checks).
#   MB/s of the whole process (what the targets ask), ratio to sladd, peak RSS; and, because each
#   round also runs every tool on an empty input, its start-up and its rate once started:
#   size / (time - start-up), which is what a long-running stream sees.
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
empty = os.path.join(tempfile.mkdtemp(prefix="sladd-compare-empty-"), "empty.log")
open(empty, "wb").close()
# (name, command for an input path, whether the input goes to stdin)
tools = [
    ("cat | cat (ceiling)", lambda f: ["sh", "-c", f"cat '{f}' | cat > /dev/null"], False),
    ("sladd, 1 thread", lambda f: [".build/release/sladd"], True),
    (f"sladd --jobs {cores}", lambda f: [".build/release/sladd", "--jobs", str(cores)], True),
    ("sladd, 1 thread, static (image)", lambda f: [".build-static/sladd"], True),
    (f"sladd --jobs {cores}, static (image)", lambda f: [".build-static/sladd", "--jobs", str(cores)], True),
    (f"sladd scrub --jobs {cores}", lambda f: [".build/release/sladd", "scrub", "--jobs", str(cores), "--output-dir", scratch, f], False),
    ("ripgrep --passthru -r (no checksums)", lambda f: ["rg", "--passthru", "--no-line-number", "--no-filename", "-f", patterns, "-r", "[x]"], True),
    ("perl, with checksums", lambda f: ["perl", "Benchmarks/maskers/mask.pl"], True),
    ("python re, with checksums", lambda f: ["python3", "Benchmarks/maskers/mask.py"], True),
]
times = {name: [] for name, _, _ in tools}
startups = {name: [] for name, _, _ in tools}
rss = {name: 0 for name, _, _ in tools}

def timed(name, command, stdin, path):
    with open(path, "rb") as source, open(os.devnull, "wb") as sink:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdin=source if stdin else subprocess.DEVNULL, stdout=sink, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in (0, 1):  # rg exits 1 when nothing matched
        sys.exit(f"{name} failed with {os.waitstatus_to_exitcode(status)}")
    shutil.rmtree(scratch, ignore_errors=True); os.makedirs(scratch, exist_ok=True)
    return elapsed, usage.ru_maxrss

for _ in range(runs):
    for name, command, stdin in tools:
        elapsed, peak = timed(name, command(path), stdin, path)
        times[name].append(elapsed)
        rss[name] = max(rss[name], peak)
        startups[name].append(timed(name, command(empty), stdin, empty)[0])

def rate(name): return size / statistics.median(times[name]) / 1e6
def startup(name): return statistics.median(startups[name])
def started_rate(name): return size / max(1e-6, statistics.median(times[name]) - startup(name)) / 1e6

sladd = rate("sladd, 1 thread")
print(f"| {'tool':<38} | {'MB/s':>7} | {'sladd 1 thread / tool':>21} | {'peak RSS':>9} | {'start-up':>8} | {'MB/s once started':>17} |")
print(f"| {'-' * 38} | {'-' * 7}:| {'-' * 21}:| {'-' * 9}:| {'-' * 8}:| {'-' * 17}:|")
for name, _, _ in tools:
    memory = "-" if name.startswith("cat") else f"{rss[name] / 1024:.0f} MB"
    print(f"| {name:<38} | {rate(name):7,.0f} | {sladd / rate(name):20.2f}x | {memory:>9} | "
          f"{startup(name) * 1000:5.1f} ms | {started_rate(name):17,.0f} |")
print()
for suffix in ["", ", static (image)"]:
    for label, measure in [("whole process", rate), ("once started", started_rate)]:
        one = measure("sladd, 1 thread" + suffix)
        print(f"targets{suffix or ', release build'}, {label}: sladd --jobs {cores} = "
              f"{measure(f'sladd --jobs {cores}' + suffix) / measure('cat | cat (ceiling)'):.0%} of cat | cat (60% asked); "
              f"sladd 1 thread = {one / measure('ripgrep --passthru -r (no checksums)'):.2f}x ripgrep (5x asked), "
              f"{one:,.0f} MB/s (1,000 asked)")
shutil.rmtree(scratch, ignore_errors=True)
shutil.rmtree(os.path.dirname(empty), ignore_errors=True)
PY
