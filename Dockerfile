# syntax=docker/dockerfile:1
# A small multi-arch image around the prebuilt glibc binaries (build them first: `bun build.ts`).
#
#   bun build.ts --target x64 --target arm64
#   docker buildx build --platform linux/amd64,linux/arm64 -t fetchx:0.1.0 .
#   docker run --rm --sysctl net.mptcp.enabled=1 -v "$PWD:/data" -u "$(id -u):$(id -g)" \
#     fetchx:0.1.0 --mptcp -O https://example.org/file.iso
#
# Why glibc on distroless (docs/RELEASE.md): the glibc builds are the ones the test suite runs (x64
# natively, arm64 under qemu); the musl builds are only checked by their ELF interpreter. The glibc
# binary needs nothing but glibc (readelf -d: libc, libm, libpthread, libdl), which distroless/base has,
# with CA certificates, and without a shell or package manager. The ~100 MiB binary dominates either way.
# MPTCP in containers: net.mptcp.enabled and the MPTCP endpoints belong to the container's network
# namespace, not the host's; see docs/RELEASE.md.

# Runs on the build machine's own platform (no emulation): checks the binaries against SHA256SUMS and
# picks the one for the target. BuildKit names architectures amd64/arm64; our files say x64/arm64.
FROM --platform=$BUILDPLATFORM debian:12-slim AS pick
ARG TARGETARCH
COPY dist/SHA256SUMS dist/fetchx-linux-x64 dist/fetchx-linux-arm64 /dist/
RUN cd /dist \
 && sha256sum --check --strict --ignore-missing SHA256SUMS \
 && case "$TARGETARCH" in \
      amd64) arch=x64 ;; \
      arm64) arch=arm64 ;; \
      *) echo "no fetchx build for $TARGETARCH" >&2; exit 1 ;; \
    esac \
 && install -m 0755 "fetchx-linux-$arch" /fetchx

FROM gcr.io/distroless/base-debian12:nonroot
COPY --from=pick /fetchx /usr/local/bin/fetchx
# Relative output paths (-o, -O) land in /data: mount a directory there.
WORKDIR /data
ENTRYPOINT ["/usr/local/bin/fetchx"]
CMD ["--help"]
