# syntax=docker/dockerfile:1
# sladd as a container image: a static binary on an empty base, as a numeric non-root user. It needs
# no shell and no writable path (logs go to stdout; --stats-file, if used, goes to a mounted volume),
# so it runs with readOnlyRootFilesystem. Build: docker build -t sladd .
#
# The build image is pinned by digest; deploy/README.md says how to refresh the pin.
FROM swift:6.3.2-bookworm@sha256:de037fec606b26cee2bf7f93dba8eab7a617f067f94cf78669f929e5a0c6146a AS build
WORKDIR /src
COPY . .
# The same script the test suite runs (no Docker engine there): static build, then a smoke test.
RUN scripts/build-static.sh /out/sladd

# scratch has no tag and no digest: it is the empty image, nothing to pull.
FROM scratch
COPY --from=build /out/sladd /sladd
USER 65532:65532
EXPOSE 9464
ENTRYPOINT ["/sladd"]
