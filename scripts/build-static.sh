#!/usr/bin/env bash
# Builds the release binary as the container image ships it: fully static (Swift runtime, PCRE2 with
# JIT and zlib linked in from Debian's .a files), so the image can be FROM scratch. The Dockerfile's
# build stage runs exactly this script; the test suite runs it too, since no Docker engine runs here.
#
#   scripts/build-static.sh [OUTPUT]        default OUTPUT: .build-static/sladd
set -euo pipefail
cd "$(dirname "$0")/.."
output=${1:-.build-static/sladd}

need=()
for package in libpcre2-dev zlib1g-dev pkg-config; do
  dpkg -s "$package" >/dev/null 2>&1 || need+=("$package")
done
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# A scratch path of its own: the static flags would otherwise rebuild the everyday .build.
swift build -c release --product sladd --scratch-path .build-static/work \
  -Xswiftc -static-executable -Xlinker -s
mkdir -p "$(dirname "$output")"
cp .build-static/work/release/sladd "$output"

# What the image relies on: no dynamic loader, and the binary runs with no files around it.
if readelf --program-headers "$output" | grep -q INTERP; then
  echo "error: $output is dynamically linked; the scratch image cannot run it" >&2
  exit 1
fi
printf 'ok 01019012480\n' | env -i "$output" --summary none | grep -qx 'ok \[fnr\]'
echo "built $output ($(du -h "$output" | cut -f1), static)"
