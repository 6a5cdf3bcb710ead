"""Runs the sladd binary as a sidecar would and checks what it does; prints ok:/fail: lines.

    python3 sidecar.py SCENARIO SLADD_BINARY [SLADD ARGUMENTS...]   (e.g. sigterm .build/debug/sladd --jobs 2)

Scenarios: metrics, scrapes, sigterm, deadline, sighup, sigusr1, statsfile, mmexternal, fifo.
"""
import json, os, re, signal, socket, subprocess, sys, tempfile, threading, time, urllib.request

FNR = "01019012480"
results = []


def check(condition, what, detail=""):
    results.append(("ok: " if condition else "fail: ") + what + ("" if condition else f" ({detail})"))


EXTRA = []  # arguments after the binary on the command line, given to every sladd started


def start(binary, *arguments, stdin=subprocess.PIPE):
    return subprocess.Popen([binary, *arguments, *EXTRA], stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def metrics_port(process):
    """Reads the 'metrics on http://HOST:PORT/metrics' line sladd prints for port 0."""
    line = process.stderr.readline().decode()
    match = re.search(r":(\d+)/metrics", line)
    if not match:
        raise SystemExit(f"fail: no metrics address on stderr: {line!r}")
    return int(match.group(1))


def scrape(port, path="/metrics"):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
        return response.status, response.read().decode()


def value(text, name, labels=""):
    match = re.search(rf"^{re.escape(name + labels)} (\S+)$", text, re.M)
    return float(match.group(1)) if match else None


def read_lines(process, count, timeout=20):
    lines = []
    deadline = time.monotonic() + timeout
    while len(lines) < count and time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
    return lines


def wait_until(predicate, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def scenario_metrics(binary):
    process = start(binary, "--metrics-listen", "127.0.0.1:0")
    port = metrics_port(process)
    lines = [f"line {i} fnr {FNR}\n" if i % 4 == 0 else f"line {i} order 12345678901\n" for i in range(400)]
    data = "".join(lines).encode()
    process.stdin.write(data); process.stdin.flush()
    out = read_lines(process, 400)
    check(len(out) == 400, "every line came out", len(out))
    # Counters are handed to the registry once a second, also while the input is idle.
    expected = {"sladd_lines_total": 400, 'sladd_matches_total{rule="no.fnr"}': 100,
                'sladd_bytes_total{direction="in"}': len(data), "sladd_lines_masked_total": 100,
                'sladd_rejected_candidates_total{rule="no.fnr"}': 300}
    def counted():
        text = scrape(port)[1]
        return all(value(text, name) == number for name, number in expected.items())
    check(wait_until(counted, 5), "/metrics counts equal what went through", scrape(port)[1][:2000])
    text = scrape(port)[1]
    out_bytes = sum(len(line) for line in out)
    check(value(text, "sladd_bytes_total", '{direction="out"}') == out_bytes, "bytes out counted", out_bytes)
    check(value(text, "sladd_build_info", '{version="0.1.0"}') == 1, "build info")
    check(FNR not in text and "12345678901" not in text, "no value in the metrics")
    names = set(re.findall(r"^# TYPE (\S+) counter$", text, re.M))
    check(names and all(n.endswith("_total") for n in names), "counter names end in _total", names)
    status, body = scrape(port, "/healthz")
    check(status == 200 and body == "ok\n", "healthz")
    process.stdin.close()
    check(process.wait(10) == 0, "exit 0 at the end of the input")


def raw_request(port, payload):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(payload)
        try:
            connection.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        answer = b""
        while True:
            try:
                chunk = connection.recv(65536)
            except (ConnectionResetError, socket.timeout):
                break
            if not chunk:
                break
            answer += chunk
        return answer


def scenario_scrapes(binary):
    """200 parallel scrapes and garbage requests while lines stream through."""
    process = start(binary, "--metrics-listen", "127.0.0.1:0")
    port = metrics_port(process)
    statuses, garbage_answers = [], []
    def scraper():
        try:
            statuses.append(scrape(port)[0])
        except Exception as error:  # noqa: BLE001 - any failure is a failed scrape
            statuses.append(repr(error))
    garbage = [b"GARBAGE\r\n\r\n", b"GET /metrics HTTP/9.9\r\n\r\n", b"\x00\xff" * 500, b"GET " + b"a" * 100000 + b" HTTP/1.1\r\n\r\n",
               b"POST /metrics HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello", b"GET /../../etc/passwd HTTP/1.1\r\n\r\n",
               b"GET /metrics HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"]
    def garbler(payload):
        try:
            garbage_answers.append(raw_request(port, payload)[:12])
        except Exception as error:  # noqa: BLE001
            garbage_answers.append(repr(error).encode())
    threads = [threading.Thread(target=scraper) for _ in range(200)] + [threading.Thread(target=garbler, args=(g,)) for g in garbage * 5]
    def feeder():
        for i in range(20000):
            process.stdin.write(f"request {i} from {FNR} ok\n".encode())
        process.stdin.flush()
        # The input ends only when every request is answered: at the end of its input sladd exits,
        # and the kernel resets connections still waiting to be accepted.
        for thread in threads: thread.join()
        process.stdin.close()
    for thread in threads: thread.start()
    feed = threading.Thread(target=feeder); feed.start()
    out = process.stdout.read()
    feed.join()
    check(statuses.count(200) == 200, "200 parallel scrapes answered", [s for s in statuses if s != 200][:3])
    check(all(a.startswith(b"HTTP/1.1 4") or a == b"" for a in garbage_answers), "garbage gets a 4xx or a close",
          [a for a in garbage_answers if not a.startswith(b"HTTP/1.1 4")][:3])
    lines = out.decode().splitlines()
    check(len(lines) == 20000 and all(line == f"request {i} from [fnr] ok" for i, line in enumerate(lines)),
          "the stream is whole and masked", len(lines))
    check(process.wait(10) == 0, "exit 0")


def scenario_sigterm(binary):
    """SIGTERM mid-stream: reading goes on until the input ends; nothing is lost."""
    process = start(binary)
    for i in range(1000):
        process.stdin.write(f"before {i} {FNR}\n".encode())
    process.stdin.flush()
    time.sleep(0.3)
    process.send_signal(signal.SIGTERM)
    time.sleep(0.3)
    for i in range(1000):
        process.stdin.write(f"after {i} {FNR}\n".encode())
    process.stdin.write(b"last line without newline " + FNR.encode())
    process.stdin.close()
    out = process.stdout.read().decode()
    lines = out.split("\n")
    check(process.wait(10) == 0, "exit 0 after SIGTERM")
    check(len(lines) == 2001 and lines[999] == "before 999 [fnr]" and lines[1999] == "after 999 [fnr]", "all 2001 lines written", len(lines))
    check(lines[-1] == "last line without newline [fnr]", "the unterminated last line too", lines[-1:])
    check(FNR not in out, "none unmasked")


def scenario_deadline(binary):
    """The input never ends: the drain deadline (or a second SIGTERM) stops reading; what was read is written."""
    for second_signal in (False, True):
        process = start(binary, "--drain-timeout", "30" if second_signal else "0.5")
        process.stdin.write(f"one {FNR}\ntwo half a line {FNR}".encode()); process.stdin.flush()
        time.sleep(0.3)
        began = time.monotonic()
        process.send_signal(signal.SIGTERM)
        if second_signal:
            time.sleep(0.2); process.send_signal(signal.SIGTERM)
        try:
            code = process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill(); code = "hung"
        took = time.monotonic() - began
        out = process.stdout.read().decode()
        what = "second SIGTERM" if second_signal else "deadline"
        check(code == 0 and took < 3, f"{what}: exits 0 in time", (code, took))
        check(out == "one [fnr]\ntwo half a line [fnr]", f"{what}: what was read is written", out)
        process.stdin.close()


def scenario_sighup(binary):
    folder = tempfile.mkdtemp()
    pack = os.path.join(folder, "team.yaml")
    good = "pack: team\nrules:\n  - id: team.customer\n    label: customer\n    regex: 'CUST-[0-9]{6}'\n    prefilter: [cust-]\n"
    open(pack, "w").write(good)
    process = start(binary, "--patterns", pack, "--metrics-listen", "127.0.0.1:0")
    port = metrics_port(process)
    def roundtrip(line):
        process.stdin.write(line.encode()); process.stdin.flush()
        return process.stdout.readline().decode()
    check(roundtrip("a CUST-123456\n") == "a [customer]\n", "pack rule in force")
    open(pack, "w").write("pack: team\nrules:\n  - id: team.customer\n    regex: 'CUST-(['\n")
    process.send_signal(signal.SIGHUP)
    message = process.stderr.readline().decode()
    check("reload failed" in message and "team.yaml:3" in message, "a broken pack is reported with its line", message)
    check(roundtrip(f"b CUST-123456 {FNR}\n") == "b [customer] [fnr]\n", "the old rules stay in force")
    check(wait_until(lambda: value(scrape(port)[1], "sladd_errors_total", '{kind="reload"}') == 1, 3), "counted as a reload error")
    open(pack, "w").write(good.replace("CUST-", "KUNDE-").replace("[cust-]", "[kunde-]"))
    process.send_signal(signal.SIGHUP)
    message = process.stderr.readline().decode()
    check("reloaded" in message, "a fixed pack is loaded", message)
    check(roundtrip("c KUNDE-123456 CUST-123456\n") == "c [customer] CUST-123456\n", "the new rules are in force")
    process.stdin.close()
    check(process.wait(10) == 0, "exit 0")


def scenario_sigusr1(binary):
    process = start(binary)
    process.stdin.write(f"x {FNR}\n".encode()); process.stdin.flush()
    process.stdout.readline()
    process.send_signal(signal.SIGUSR1)
    report = b""
    while b"errors:" not in report:
        line = process.stderr.readline()
        if not line: break
        report += line
    check(b"1 lines" in report and re.search(rb"no\.fnr +1 ", report), "SIGUSR1 prints the counters", report[:300])
    check(FNR.encode() not in report, "no value in the report")
    process.stdin.close(); process.wait(10)


def scenario_statsfile(binary):
    folder = tempfile.mkdtemp()
    path = os.path.join(folder, "sladd.prom")
    process = start(binary, "--stats-file", path, "--stats-interval", "0.2")
    check(wait_until(lambda: os.path.exists(path), 3), "the stats file is written at start")
    process.stdin.write(f"x {FNR}\ny\n".encode()); process.stdin.flush()
    check(wait_until(lambda: value(open(path).read(), "sladd_lines_total") == 2, 5), "and refreshed while running")
    process.stdin.close(); process.wait(10)
    text = open(path).read()
    check(value(text, "sladd_matches_total", '{rule="no.fnr"}') == 1, "final counts at exit")
    check(sorted(os.listdir(folder)) == ["sladd.prom"], "no temporary file left", os.listdir(folder))


def scenario_mmexternal(binary):
    process = start(binary, "--protocol", "mmexternal")
    replies = []
    for message in [f' user {FNR} "quoted" \\ back', "clean\ttab", "ola@example.no"]:
        process.stdin.write((message + "\n").encode()); process.stdin.flush()
        replies.append(process.stdout.readline().decode())  # one reply per message, before the next
    process.stdin.close()
    check(process.wait(10) == 0, "exit 0")
    check(process.stderr.read() == b"", "nothing on stderr (rsyslog reads it as replies)")
    decoded = [json.loads(reply)["msg"] for reply in replies]
    check(decoded == [' user [fnr] "quoted" \\ back', "clean\ttab", "[email]"], "replies are {\"msg\": masked}", decoded)


def scenario_fifo(binary):
    """The sidecar layout: sladd makes the FIFO, the app writes into it, closes it, sladd drains and exits."""
    folder = tempfile.mkdtemp()
    path = os.path.join(folder, "app.log")
    process = start(binary, "--input", path, "--make-fifo", stdin=subprocess.DEVNULL)
    check(wait_until(lambda: os.path.exists(path) and stat_is_fifo(path), 5), "the FIFO is made")
    with open(path, "w") as writer:
        for i in range(500):
            writer.write(f"app line {i} {FNR}\n")
    out = process.stdout.read().decode().splitlines()
    check(process.wait(10) == 0, "exit 0 when the writer closes")
    check(len(out) == 500 and out[-1] == "app line 499 [fnr]", "every line of the FIFO, masked", out[-1:])


def stat_is_fifo(path):
    import stat
    return stat.S_ISFIFO(os.stat(path).st_mode)


if __name__ == "__main__":
    EXTRA.extend(sys.argv[3:])
    globals()["scenario_" + sys.argv[1]](sys.argv[2])
    print("\n".join(results))
