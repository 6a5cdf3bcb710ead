#!/usr/bin/env python3
"""Latency of a line through sladd at a steady rate: the time from writing a line into sladd's stdin
to reading its masked form from stdout, for each line. Prints p50, p99 and max.

    python3 Benchmarks/latency.py [--rate 1000] [--lines 5000] [--binary .build/release/sladd] [-- ARGS...]
"""
import argparse, os, selectors, statistics, subprocess, time

parser = argparse.ArgumentParser()
parser.add_argument("--rate", type=float, default=1000)
parser.add_argument("--lines", type=int, default=5000)
parser.add_argument("--binary", default=".build/release/sladd")
parser.add_argument("arguments", nargs="*", help="passed to sladd, e.g. -- --jobs 2")
args = parser.parse_args()

process = subprocess.Popen([args.binary, *args.arguments], stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
selector = selectors.DefaultSelector()
selector.register(process.stdout, selectors.EVENT_READ)
sent, latencies, pending = {}, [], b""
interval = 1 / args.rate
start = time.perf_counter()
for index in range(args.lines):
    due = start + index * interval
    while True:  # read what came back while waiting for the next send time
        timeout = due - time.perf_counter()
        if timeout <= 0:
            break
        for _ in selector.select(timeout):
            pending += os.read(process.stdout.fileno(), 65536)
            now = time.perf_counter()
            *lines, pending = pending.split(b"\n")
            for line in lines:
                latencies.append(now - sent.pop(int(line.split(b" ")[1])))
    line = f"line {index} user 01019012480 logged in from ola@example.no\n".encode()
    sent[index] = time.perf_counter()
    os.write(process.stdin.fileno(), line)
process.stdin.close()
rest = process.stdout.read()
now = time.perf_counter()
for line in (pending + rest).split(b"\n"):
    if line:
        latencies.append(now - sent.pop(int(line.split(b" ")[1])))
process.wait()
latencies.sort()
ms = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000
print(f"{len(latencies)} lines at {args.rate:.0f} lines/s: p50 {ms(0.5):.3f} ms, p99 {ms(0.99):.3f} ms, max {latencies[-1] * 1000:.3f} ms")
