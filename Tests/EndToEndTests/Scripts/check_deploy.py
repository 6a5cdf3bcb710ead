"""Checks the hardening the deployment files promise, and lints them with what is installed.

    python3 check_deploy.py REPO_ROOT SLADD_BINARY

Prints ok:/fail:/skip: lines. The properties are checked here in any case; the linters
(hadolint, yamllint, kubernetes-validate, promtool) run when installed (`make test` installs them).
"""
import glob, os, re, shutil, subprocess, sys
import yaml

root, binary = sys.argv[1], sys.argv[2]
results = []


def check(condition, what, detail=""):
    results.append(("ok: " if condition else "fail: ") + what + ("" if condition else f" ({detail})"))


manifests = sorted(glob.glob(os.path.join(root, "deploy/kubernetes/*.yaml")))
documents = [(os.path.basename(path), doc) for path in manifests for doc in yaml.safe_load_all(open(path)) if doc]
check(len(documents) >= 4, "manifests found", manifests)
help_text = subprocess.run([binary, "--help"], capture_output=True, text=True).stdout

workloads = [(name, doc) for name, doc in documents if doc["kind"] in ("Deployment", "DaemonSet", "StatefulSet", "Job")]
check(any("initContainers" in doc["spec"]["template"]["spec"] for _, doc in workloads), "a native-sidecar variant exists")
for name, doc in workloads:
    pod = doc["spec"]["template"]["spec"]
    where = f"{name}/{doc['metadata']['name']}"
    check(pod.get("securityContext", {}).get("seccompProfile", {}).get("type") == "RuntimeDefault", f"{where}: pod seccomp RuntimeDefault")
    check(pod.get("automountServiceAccountToken") is False, f"{where}: no service account token")
    containers = pod.get("containers", []) + pod.get("initContainers", [])
    for container in containers:
        label = f"{where}/{container['name']}"
        context = container.get("securityContext", {})
        check(context.get("runAsNonRoot") is True, f"{label}: runAsNonRoot")
        check(isinstance(context.get("runAsUser"), int) and context["runAsUser"] > 0, f"{label}: numeric non-root runAsUser")
        check(context.get("readOnlyRootFilesystem") is True, f"{label}: readOnlyRootFilesystem")
        check(context.get("allowPrivilegeEscalation") is False, f"{label}: allowPrivilegeEscalation false")
        check(context.get("capabilities", {}).get("drop") == ["ALL"], f"{label}: capabilities drop ALL")
        check(context.get("seccompProfile", {}).get("type") == "RuntimeDefault", f"{label}: seccomp RuntimeDefault")
        resources = container.get("resources", {})
        check(all(k in resources.get(kind, {}) for kind in ("requests", "limits") for k in ("cpu", "memory")),
              f"{label}: cpu and memory requests and limits")
        if container["name"] == "sladd":
            options = [a for a in container.get("args", []) if a.startswith("--")]
            check(all(option in help_text for option in options), f"{label}: every option exists in sladd --help", options)
            if "initContainers" in pod and container in pod["initContainers"]:
                check(container.get("restartPolicy") == "Always", f"{label}: native sidecar restartPolicy Always")

policies = [doc for _, doc in documents if doc["kind"] == "NetworkPolicy"]
check(len(policies) == 1, "one NetworkPolicy")
for policy in policies:
    spec = policy["spec"]
    ports = [p for rule in spec.get("ingress", []) for p in rule.get("ports", [])]
    check("Ingress" in spec.get("policyTypes", []), "NetworkPolicy governs ingress")
    check(ports == [{"protocol": "TCP", "port": 9464}], "ingress only to the metrics port", ports)
    check(all(rule.get("from") for rule in spec.get("ingress", [])), "ingress only from named peers")
    labels = [doc["spec"]["template"]["metadata"]["labels"] for _, doc in workloads]
    check(all(all(labels_.get(k) == v for k, v in spec["podSelector"]["matchLabels"].items()) for labels_ in labels),
          "the policy selects every workload")

dockerfile = open(os.path.join(root, "Dockerfile")).read()
for line in re.findall(r"^FROM\s+(\S+)", dockerfile, re.M):
    check(line == "scratch" or re.search(r"@sha256:[0-9a-f]{64}$", line), f"Dockerfile: {line} pinned by digest")
check(re.search(r"^USER\s+\d+:\d+\s*$", dockerfile, re.M), "Dockerfile: numeric non-root USER")
check(re.search(r"^FROM scratch", dockerfile, re.M), "Dockerfile: runtime image has no shell (scratch)")


def lint(tool, arguments, what):
    if not shutil.which(tool):
        results.append(f"skip: {what} ({tool} is not installed; make test installs it)")
        return
    run = subprocess.run([tool, *arguments], capture_output=True, text=True, cwd=root)
    check(run.returncode == 0, what, (run.stdout + run.stderr)[-1500:])


lint("hadolint", ["Dockerfile"], "hadolint Dockerfile")
lint("yamllint", ["-d", "{extends: relaxed, rules: {line-length: {max: 200}}}", "deploy/"], "yamllint deploy/")
lint("kubernetes-validate", ["--strict", *[m for m in manifests if "podmonitor" not in m]], "kubernetes-validate (schemas)")
lint("promtool", ["check", "config", "deploy/prometheus/scrape-sladd.yml"], "promtool check config (optional: Debian package prometheus)")
print("\n".join(results))
