"""Runs a real log shipper, unprivileged, with sladd as its masking stage; prints ok:/fail:/skip: lines.

    python3 shippers.py rsyslog|syslog-ng SLADD_BINARY REPO_ROOT

rsyslog: imtcp on a loopback port -> mmexternal (sladd --protocol mmexternal) -> omfile.
syslog-ng: network() on a loopback port -> program("sladd >> FILE").
"""
import os, shutil, signal, socket, subprocess, sys, tempfile, time

FNR = "01019012480"
results = []


def check(condition, what, detail=""):
    results.append(("ok: " if condition else "fail: ") + what + ("" if condition else f" ({detail})"))


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.1)
    return False


MESSAGES = [f"user {FNR} logged in", "mail from ola@example.no\tvia smtp", "order 12345678901 shipped",
            'json {"fnr":"' + FNR + '","n":1}', "card 4111 1111 1111 1111 declined"]
EXPECTED = ["user [fnr] logged in", "mail from [email]\tvia smtp", "order 12345678901 shipped",
            'json {"fnr":"[fnr]","n":1}', "card [card] declined"]
COUNT = 200  # rounds of the five messages


def send(port):
    with socket.create_connection(("127.0.0.1", port)) as connection:
        for round_ in range(COUNT):
            for index, message in enumerate(MESSAGES):
                connection.sendall(f"<13>Nov 22 10:00:00 testhost app[42]: {round_}:{index} {message}\n".encode())


def check_output(path, name):
    deadline = time.monotonic() + 20
    lines = []
    while time.monotonic() < deadline:
        if os.path.exists(path):
            lines = open(path, encoding="utf-8", errors="replace").read().splitlines()
            if len(lines) >= COUNT * len(MESSAGES):
                break
        time.sleep(0.2)
    got = {}
    for line in lines:
        head, _, rest = line.strip().partition(" ")
        got[head] = rest
    wanted = {f"{r}:{i}": EXPECTED[i] for r in range(COUNT) for i in range(len(MESSAGES))}
    missing = [k for k in wanted if k not in got]
    wrong = [(k, got[k]) for k in wanted if k in got and got[k] != wanted[k]]
    check(not missing, f"{name}: every message arrived", f"{len(missing)} missing of {len(wanted)}, e.g. {missing[:3]}")
    check(not wrong, f"{name}: every message masked as expected", wrong[:3])
    text = "\n".join(lines)
    check(FNR not in text and "ola@example.no" not in text and "4111 1111" not in text, f"{name}: nothing leaked")


def run_daemon(command, name, port, out, environment=None):
    """Starts the shipper in the foreground, sends the messages, checks its output, stops it."""
    daemon = subprocess.Popen(command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        listening = wait_for_port(port)
        check(listening, f"{name}: listening", daemon.poll() is not None and daemon.stdout.read()[-500:])
        if listening:
            send(port)
            check_output(out, name)
    finally:
        daemon.send_signal(signal.SIGTERM)
        try:
            daemon.wait(15)
        except subprocess.TimeoutExpired:
            daemon.kill()


def run_rsyslog(sladd, root):
    rsyslogd = shutil.which("rsyslogd") or ("/usr/sbin/rsyslogd" if os.path.exists("/usr/sbin/rsyslogd") else None)
    if not rsyslogd:
        results.append("skip: rsyslog is not installed (make test installs it: apt-get install rsyslog)")
        return
    folder = tempfile.mkdtemp(prefix="sladd-rsyslog-")
    port = free_port()
    out = os.path.join(folder, "masked.log")
    # rsyslog starts the program with an empty environment and splits binary= on spaces.
    # Control characters must reach sladd as they are: escaped to #011 they would glue to an identifier.
    config = f"""
global(workDirectory="{folder}" parser.escapeControlCharactersOnReceive="off")
module(load="imtcp")
module(load="mmexternal")
template(name="message" type="string" string="%msg%\\n")
ruleset(name="mask") {{
  action(type="mmexternal" binary="{sladd} --protocol mmexternal" interface.input="msg")
  action(type="omfile" file="{out}" template="message")
}}
input(type="imtcp" address="127.0.0.1" port="{port}" ruleset="mask")
"""
    open(os.path.join(folder, "rsyslog.conf"), "w").write(config)
    run_daemon([rsyslogd, "-n", "-f", os.path.join(folder, "rsyslog.conf"), "-i", os.path.join(folder, "pid")],
               "rsyslog", port, out)
    shutil.rmtree(folder, ignore_errors=True)


def run_syslog_ng(sladd, root):
    base = os.path.join(root, ".build-shippers/syslog-ng")
    binary = os.path.join(base, "usr/sbin/syslog-ng")
    if not os.path.exists(binary):
        results.append("skip: syslog-ng is not extracted (make test runs scripts/install-shippers.sh)")
        return
    folder = tempfile.mkdtemp(prefix="sladd-syslog-ng-")
    port = free_port()
    out = os.path.join(folder, "masked.log")
    config = f"""@version: 3.38
options {{ stats_freq(0); }};
source s_net {{ network(ip("127.0.0.1") port({port}) transport("tcp") flags(no-multi-line)); }};
destination d_mask {{ program("{sladd} >> {out}" template("$MSG\\n")); }};
log {{ source(s_net); destination(d_mask); }};
"""
    open(os.path.join(folder, "syslog-ng.conf"), "w").write(config)
    environment = dict(os.environ, LD_LIBRARY_PATH=os.path.join(base, "usr/lib/syslog-ng"))
    run_daemon([binary, "-F", "-f", os.path.join(folder, "syslog-ng.conf"),
                "--module-path", os.path.join(base, "usr/lib/syslog-ng/3.38"),
                "--persist-file", os.path.join(folder, "persist"), "--pidfile", os.path.join(folder, "pid"),
                "--control", os.path.join(folder, "ctl")],
               "syslog-ng", port, out, environment)
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    shipper, sladd, root = sys.argv[1], os.path.abspath(sys.argv[2]), os.path.abspath(sys.argv[3])
    {"rsyslog": run_rsyslog, "syslog-ng": run_syslog_ng}[shipper](sladd, root)
    print("\n".join(results))
