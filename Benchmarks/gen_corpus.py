#!/usr/bin/env python3
"""Writes a realistic container-log mix for benchmarks: real LogHub lines (when ../shared is there)
and synthetic JSON, logfmt, CRI and Docker json-file lines, with valid PII in a given share of lines.

  gen_corpus.py --mb 64 --pii 0.03 --seed 1 > corpus.log
"""
import argparse, json, os, random, sys

HERE = os.path.dirname(os.path.abspath(__file__))
LOGHUB = os.path.join(HERE, "..", "..", "shared", "corpus", "loghub")

def fnr(rng):
    while True:
        y = rng.randint(1940, 2020); m = rng.randint(1, 12); d = rng.randint(1, 28)
        iii = rng.randint(0, 499) if y < 2000 else rng.randint(500, 999)
        stem = [int(c) for c in f"{d:02d}{m:02d}{y % 100:02d}{iii:03d}"]
        k1 = (11 - sum(a * b for a, b in zip(stem, [3, 7, 6, 1, 8, 9, 4, 5, 2])) % 11) % 11
        if k1 == 10: continue
        k2 = (11 - sum(a * b for a, b in zip(stem + [k1], [5, 4, 3, 2, 7, 6, 5, 4, 3, 2])) % 11) % 11
        if k2 == 10: continue
        return "".join(map(str, stem + [k1, k2]))

def card(rng):
    body = [4] + [rng.randint(0, 9) for _ in range(14)]
    for check in range(10):
        digits = body + [check]
        total = 0
        for i, v in enumerate(reversed(digits)):
            if i % 2: v = v * 2 - 9 if v * 2 > 9 else v * 2
            total += v
        if total % 10 == 0: return "".join(map(str, digits))

def pii(rng):
    return rng.choice([
        lambda: fnr(rng),
        lambda: f"{rng.choice(['ola', 'kari.nordmann', 'per+logs'])}{rng.randint(1, 999)}@example.no",
        lambda: f"+47 {rng.randint(400, 999)} {rng.randint(10, 99)} {rng.randint(100, 999)}",
        lambda: card(rng),
        lambda: "NO9386011117947",
        lambda: "password=hunter" + str(rng.randint(1, 99)),
        lambda: "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    ])()

# "python": JSON as Python's json.dumps writes it by default, every non-ASCII character escaped
# (`Troms\u00f8`); only generated when asked for, so the mixed corpus stays as it was.
KINDS = {"json": 0, "logfmt": 1, "cri": 2, "docker": 3, "python": 4}
NORWEGIAN = ["Bruker", "logget", "inn", "fra", "Tromsø", "på", "mobil", "betaling", "godkjent", "Ålesund",
             "kvittering", "sendt", "ærend", "søknad", "behandlet", "vedtak", "fattet", "status=ok"]

def synthetic(rng, value, kind=None):
    ts = f"2025-11-02T10:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}.{rng.randint(0, 999999999):09d}Z"
    msg = rng.choice(["GET /api/v1/orders/%d 200 %dms" % (rng.randint(1, 10**6), rng.randint(1, 900)),
                      "payment accepted order_id=%d amount=%d.%02d" % (rng.randint(10**10, 10**11), rng.randint(1, 9999), rng.randint(0, 99)),
                      "cache miss key=user:%x ttl=%d" % (rng.getrandbits(64), rng.randint(1, 3600)),
                      "request_id=%08x-%04x-%04x-%04x-%012x done" % (rng.getrandbits(32), rng.getrandbits(16), rng.getrandbits(16), rng.getrandbits(16), rng.getrandbits(48))])
    if value: msg += " user " + value
    kind = rng.randint(0, 3) if kind is None else kind
    if kind == 0:
        return json.dumps({"@timestamp": ts, "level": "INFO", "logger": "no.nav.app.Service", "thread": "http-nio-8080-exec-%d" % rng.randint(1, 200), "message": msg}, ensure_ascii=False)
    if kind == 1:
        return f'time={ts} level=info msg="{msg}" span_id={rng.getrandbits(64):016x}'
    if kind == 2:
        return f"{ts} stdout F {msg}"
    if kind == 4:
        words = " ".join(rng.choice(NORWEGIAN) for _ in range(8))
        return json.dumps({"timestamp": ts, "level": "INFO", "logger": "app.saksbehandling", "message": words + " " + msg})
    return json.dumps({"log": f"{ts} INFO {msg}\n", "stream": "stdout", "time": ts})

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=float, default=64)
    parser.add_argument("--pii", type=float, default=0.03, help="share of lines carrying PII")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--format", choices=["mixed", *KINDS], default="mixed",
                        help="mixed: half LogHub, half synthetic lines of every format; otherwise only that format")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    real = []
    if os.path.isdir(LOGHUB):
        for name in sorted(os.listdir(LOGHUB)):
            if name.endswith(".log"):
                with open(os.path.join(LOGHUB, name), encoding="utf-8", errors="replace") as f:
                    real += [line.rstrip("\n") for line in f if "@" not in line]
    target = int(args.mb * 1024 * 1024)
    out = sys.stdout.buffer
    written = 0
    batch = []
    while written < target:
        value = pii(rng) if rng.random() < args.pii else None
        if args.format != "mixed":
            line = synthetic(rng, value, KINDS[args.format])
        elif real and rng.random() < 0.5:
            line = rng.choice(real)
            if value: line += " " + value
        else:
            line = synthetic(rng, value)
        data = (line + "\n").encode()
        batch.append(data)
        written += len(data)
        if len(batch) >= 10000:
            out.write(b"".join(batch)); batch = []
    out.write(b"".join(batch))

if __name__ == "__main__":
    main()
