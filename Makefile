# Two commands do all set-up on a fresh Debian/Ubuntu machine:
#   make run    build sladd and mask examples/sample.log
#   make test   build and run the whole test suite (what CI runs)
SWIFT ?= swift
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: deps shippers run release static test bench hostile patterns

# PCRE2 (with JIT) and zlib through pkg-config; installed when missing.
deps:
	@if ! pkg-config --exists libpcre2-8 zlib 2>/dev/null; then \
		echo "installing libpcre2-dev, zlib1g-dev and pkg-config"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq libpcre2-dev zlib1g-dev pkg-config >/dev/null; \
	fi

# rsyslog, syslog-ng (extracted: it conflicts with rsyslog in apt) and the deployment linters, for
# the end-to-end tests that run sladd inside real shippers.
shippers:
	@$(SUDO) scripts/install-shippers.sh

run: deps
	$(SWIFT) build --product sladd
	.build/debug/sladd --summary text < examples/sample.log

release: deps
	$(SWIFT) build -c release --product sladd

# The static binary the container image ships (what the Dockerfile's build stage runs).
static: deps
	scripts/build-static.sh

test: deps shippers
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	.build/debug/sladd patterns test

# Throughput and peak memory on the release build (see Benchmarks/).
bench: release
	Benchmarks/throughput.sh 64 0.03
	Benchmarks/hostile.sh

# Re-embed Patterns/*.yaml into the binary after editing them.
patterns:
	scripts/embed-patterns.sh
