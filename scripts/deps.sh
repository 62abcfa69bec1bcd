#!/usr/bin/env bash
# The Debian 12 packages the test suite needs: the ONE list, used by .ci/run and pointed to by the README.
#   sudo scripts/deps.sh          install them (apt-get)
#   scripts/deps.sh --list        print them
# Why each is here:
#   nginx-light, aria2, tinyproxy, squid, curl, wget2   reference servers/clients and HTTP proxies for e2e tests
#   mptcpize        runs an unmodified server over MPTCP (LD_PRELOAD)
#   tmux            drives the progress display in a real terminal
#   zsh, fish       shells whose Tab completion of the generated scripts is tested
#   openssl         makes throwaway TLS certificates for HTTPS tests
#   qemu-user-static, libc6-arm64-cross   run the arm64 binary on an x86_64 host
#   iproute2        ip netns / ip mptcp for multipath tests
#   file, binutils  read the ELF interpreter of the musl builds (file, readelf)
#   ca-certificates, git   TLS trust store for npm; the commit id embedded in the binaries
#   podman, runc    build and run the container image (scripts/container-test.sh, test/e2e/container.test.ts)
#   strace, time    what fetchx syncs and renames (commit-durability), peak RSS of the binary (binary-memory)
set -euo pipefail

DEB_PACKAGES="nginx-light mptcpize aria2 tinyproxy squid tmux openssl qemu-user-static libc6-arm64-cross iproute2 file binutils curl wget2 ca-certificates git zsh fish podman runc strace time"

if [[ "${1:-}" == "--list" ]]; then
  echo "$DEB_PACKAGES"
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
# Tests start their own servers on port 0; keep packaged daemons (nginx, tinyproxy) from starting and from
# failing the install when port 80 is taken. policy-rc.d exit 101 = "action forbidden" (Debian policy).
if [[ ! -e /usr/sbin/policy-rc.d ]]; then
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get update -q
# shellcheck disable=SC2086 # word splitting of the list is intended
apt-get install -y -q --no-install-recommends $DEB_PACKAGES
