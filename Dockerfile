# A small image around the prebuilt glibc binaries. Build those first, then one image per architecture
# (scripts/container-test.sh runs exactly this with podman, and checks the result):
#
#   bun build.ts --target x64 --target arm64
#   (cd dist && sha256sum --check --ignore-missing SHA256SUMS)
#   docker build --platform linux/amd64 \
#     --build-arg VERSION=0.1.0 --build-arg REVISION="$(git rev-parse HEAD)" \
#     --build-arg SOURCE=https://github.com/OWNER/fetchx -t fetchx:0.1.0 .
#   docker run --rm --sysctl net.mptcp.enabled=1 -v "$PWD:/data" -u "$(id -u):$(id -g)" \
#     fetchx:0.1.0 --mptcp -O https://example.org/file.iso
#
# `docker buildx build --platform linux/amd64,linux/arm64` builds both from this same file.
#
# Base: distroless base-nossl (glibc, CA certificates, tzdata, /etc/passwd with nonroot 65532; no shell,
# no package manager, no libssl: fetchx links only libc, libm, libpthread, libdl and brings its own TLS).
# Measured with local stand-ins: 128 MB on base-nossl, 115 MB on scratch plus the five glibc files. The
# ~107 MiB binary dominates; base-nossl is kept because it is a maintained image for both architectures
# that gets glibc fixes, while scratch would need glibc copied out of some other image per architecture.
#
# No `# syntax=` line (it makes BuildKit pull the frontend image even offline), and no stage that needs a
# shell: the checksums are verified before the build (above), and every stage works for any target
# architecture without emulation or --platform=$BUILDPLATFORM (which buildah 1.28 mishandles).
# MPTCP in containers: net.mptcp.enabled and the MPTCP endpoints belong to the container's network
# namespace, not the host's; see README "Container".

ARG BASE=gcr.io/distroless/base-nossl-debian12:nonroot

# Both binaries under the architecture names Docker uses (TARGETARCH: amd64, arm64); the files say
# x64/arm64. The [4] patterns let a build succeed when only one binary was built, and SHA256SUMS (always
# there) keeps each COPY from matching nothing. Only the chosen binary reaches the image.
FROM scratch AS binaries
COPY dist/SHA256SUMS dist/fetchx-linux-x6[4] /amd64/
COPY dist/SHA256SUMS dist/fetchx-linux-arm6[4] /arm64/

FROM ${BASE} AS base

FROM base
ARG TARGETARCH
ARG VERSION=dev
ARG REVISION=unknown
# Set by whoever builds: the repository URL, the version and the full commit.
ARG SOURCE=
LABEL org.opencontainers.image.title="fetchx" \
      org.opencontainers.image.description="HTTP(S) downloader with Multipath TCP (--mptcp), resumable segmented transfers" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.licenses="MIT"
COPY --from=binaries --chown=0:0 --chmod=0755 /${TARGETARCH}/fetchx-linux-* /usr/local/bin/fetchx
# /data owned by the image's user, whatever a builder does with a directory that WORKDIR creates
# (buildah makes it root's): copy an empty directory there with explicit owner and mode. Mounting a host
# directory over it (-v "$PWD:/data" -u "$(id -u):$(id -g)") is the usual way to use it.
COPY --from=base --chown=65532:65532 --chmod=0755 /home/nonroot /data
# Trust store: Debian's Mozilla bundle, /etc/ssl/certs/ca-certificates.crt. To trust a private CA, mount a
# bundle that holds it and point SSL_CERT_FILE at that file (README "Container"), or pass --cacert.
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
USER 65532:65532
# Relative output paths (-o, -O) land in /data: mount a directory there.
WORKDIR /data
ENTRYPOINT ["/usr/local/bin/fetchx"]
CMD ["--help"]
