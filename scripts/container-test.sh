#!/usr/bin/env bash
# Builds the container image from the Dockerfile with podman and checks it for real: `--version`,
# `doctor`, an MPTCP download inside the container's own network namespace, `podman stop` mid-download
# then `-C -` in a second container, and https with a private CA added the way the README says.
#
#   sudo scripts/container-test.sh          (root: podman, nsenter, apt-get)
#
# Prints one "PASS name" / "FAIL name: why" line per check and exits non-zero if any failed.
# Works from a fresh clone: builds dist/fetchx-linux-x64 if missing, installs podman/runc/nginx/mptcpize/
# openssl with apt-get if missing, and needs no registry: the base image is a local stand-in for
# gcr.io/distroless/base-nossl-debian12:nonroot made from Debian packages (apt-get download, dpkg -x).
# Everything it makes lives in .container/ (git-ignored): podman's storage and config, the base image,
# the test file, certificates. A second run reuses the base image and only rebuilds fetchx's layers.
#
# Podman settings (each answers a failure seen on a daemon-less CI host without systemd): runc (crun
# refuses hybrid cgroups), cgroupfs, file events, vfs storage, small default ulimits (podman asks for
# nofile=1048576, which an unprivileged-looking root may not set), and `--network none` everywhere: the
# tests need only loopback, and the default network would add a CNI bridge and firewall rules.
#
# Environment: FETCHX_CONTAINER_WORK (default .container), FETCHX_CONTAINER_ARM64=1 to also build the
# arm64 image and run it under qemu (needs binfmt_misc; see the arm64 check below).
set -uo pipefail

cd "$(dirname "$0")/.."
ROOT="$PWD"
W="${FETCHX_CONTAINER_WORK:-$ROOT/.container}"
IMAGE=localhost/fetchx:test
BASE=gcr.io/distroless/base-nossl-debian12:nonroot
export CONTAINERS_CONF="$W/containers.conf" CONTAINERS_STORAGE_CONF="$W/storage.conf"
export DEBIAN_FRONTEND=noninteractive

passed=0
failed=0
# One line per check: "PASS id: what was seen" or "FAIL id: why". The ids are stable (the bun test
# test/e2e/container.test.ts asserts each one).
pass() { echo "PASS $1: $2"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }
note() { echo "  $*"; }
finish() {
  echo "container checks: $passed passed, $failed failed"
  [[ $failed -eq 0 && $passed -gt 0 ]]
  exit $?
}
# A failure that makes the remaining checks meaningless.
abort() {
  fail "$1" "$2"
  finish
}

# ---------------------------------------------------------------- setup
need=()
command -v podman >/dev/null || need+=(podman)
command -v runc >/dev/null || need+=(runc)
command -v nginx >/dev/null || need+=(nginx-light)
command -v mptcpize >/dev/null || need+=(mptcpize)
command -v openssl >/dev/null || need+=(openssl)
if [[ ${#need[@]} -gt 0 ]]; then
  note "installing ${need[*]}"
  # As scripts/deps.sh: keep packaged daemons (nginx) from starting.
  made_policy=0
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && made_policy=1
  fi
  mkdir -p "$W"
  { apt-get update -q && apt-get install -y -q --no-install-recommends "${need[@]}"; } >"$W/apt.log" 2>&1
  rc=$?
  [[ $made_policy == 1 ]] && rm -f /usr/sbin/policy-rc.d
  [[ $rc -eq 0 ]] || abort setup "apt-get install ${need[*]} failed (see $W/apt.log)"
fi

mkdir -p "$W"/{storage,run,debs,www,ng/tmp,tls}
cat >"$W/containers.conf" <<'EOF'
[containers]
default_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "runc"
EOF
printf '[storage]\ndriver = "vfs"\ngraphroot = "%s/storage"\nrunroot = "%s/run"\n' "$W" "$W" >"$W/storage.conf"

# Build the binaries when missing or older than the sources (a stale binary would test old code).
targets=(x64)
[[ ${FETCHX_CONTAINER_ARM64:-0} == 1 ]] && targets+=(arm64)
for t in "${targets[@]}"; do
  if [[ ! -x dist/fetchx-linux-$t || -n "$(find src build.ts package.json -newer "dist/fetchx-linux-$t" -print -quit)" ]]; then
    note "building dist/fetchx-linux-$t"
    "$ROOT/node_modules/.bin/bun" build.ts --target "$t" >/dev/null || abort setup "bun build.ts --target $t failed"
  fi
done
# The Dockerfile runs no shell, so the checksums are verified here, before the build.
(cd dist && sha256sum --check --strict --ignore-missing --quiet SHA256SUMS) || abort setup "dist/SHA256SUMS does not match the binaries"

# The base image stand-in: what distroless base-nossl holds (glibc, CA bundle, tzdata, netbase, passwd with
# nonroot 65532), from the Debian packages apt already knows. arm64: the same, with glibc taken from
# libc6-arm64-cross (the same glibc, built for arm64). Both go into a manifest list under the upstream name,
# so `podman build --platform linux/ARCH --pull=never` picks the right one, as a registry would.
make_rootfs() { # ARCH DIR
  local arch=$1 dir=$2 deb
  rm -rf "$dir" && mkdir -p "$dir"
  if ! ls "$W"/debs/libc6_*_amd64.deb >/dev/null 2>&1; then
    (cd "$W/debs" && apt-get download libc6 ca-certificates netbase tzdata base-files) >/dev/null 2>&1 || return 1
  fi
  for deb in "$W"/debs/*.deb; do dpkg -x "$deb" "$dir" || return 1; done
  if [[ $arch == arm64 ]]; then
    rm -rf "$dir/lib/x86_64-linux-gnu" "$dir/lib64" "$dir/usr/lib/x86_64-linux-gnu"
    mkdir -p "$dir/lib/aarch64-linux-gnu"
    cp -a /usr/aarch64-linux-gnu/lib/*.so* "$dir/lib/aarch64-linux-gnu/" || return 1
    ln -s aarch64-linux-gnu/ld-linux-aarch64.so.1 "$dir/lib/ld-linux-aarch64.so.1"
  fi
  rm -rf "$dir"/usr/share/{doc,man,info,lintian}
  mkdir -p "$dir"/etc/ssl/certs "$dir"/home/nonroot "$dir"/root "$dir"/tmp
  cat "$dir"/usr/share/ca-certificates/mozilla/*.crt >"$dir/etc/ssl/certs/ca-certificates.crt"
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"$dir/etc/passwd"
  printf 'root:x:0:\nnobody:x:65534:\nnonroot:x:65532:\n' >"$dir/etc/group"
  chown 65532:65532 "$dir/home/nonroot" && chmod 0700 "$dir/home/nonroot" "$dir/root" && chmod 1777 "$dir/tmp"
}
base_image() { # ARCH: makes localhost/fetchx-base-nossl:ARCH unless it exists
  local arch=$1 ref="localhost/fetchx-base-nossl:$1"
  podman image exists "$ref" && return 0
  make_rootfs "$arch" "$W/rootfs-$arch" || return 1
  tar --numeric-owner -C "$W/rootfs-$arch" -c . |
    podman import --arch "$arch" --change 'USER=65532:65532' \
      --change 'ENV=SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt' - "$ref" >/dev/null 2>&1 || return 1
  rm -rf "$W/rootfs-$arch"
}
arches=(amd64)
[[ ${FETCHX_CONTAINER_ARM64:-0} == 1 ]] && arches+=(arm64)
listed="$(podman manifest inspect "$BASE" 2>/dev/null)"
remake=0
for arch in "${arches[@]}"; do
  base_image "$arch" || abort setup "could not make the $arch base image"
  grep -q "\"architecture\": \"$arch\"" <<<"$listed" || remake=1
done
if [[ $remake == 1 ]]; then
  podman manifest rm "$BASE" >/dev/null 2>&1
  podman manifest create "$BASE" >/dev/null || abort setup "podman manifest create failed"
  for arch in amd64 arm64; do
    if podman image exists "localhost/fetchx-base-nossl:$arch"; then
      podman manifest add "$BASE" "containers-storage:localhost/fetchx-base-nossl:$arch" >/dev/null ||
        abort setup "podman manifest add $arch failed"
    fi
  done
fi

# ---------------------------------------------------------------- image builds
version="$(node -p 'require("./package.json").version' 2>/dev/null || sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' package.json | head -n1)"
revision="$(git rev-parse HEAD 2>/dev/null || echo unknown)"
# --no-cache: buildah 1.28 reuses a cached LABEL step when only a --build-arg in it changed (seen: the
# revision label of the previous commit); the two COPY steps that it repeats cost a few seconds.
build() { # ARCH TAG
  podman build --pull=never --no-cache --network none --platform "linux/$1" \
    --build-arg VERSION="$version" --build-arg REVISION="$revision" -t "$2" . >"$W/build-$1.log" 2>&1
}
if build amd64 "$IMAGE"; then
  # Earlier runs' images (untagged now) would pile up in vfs storage, ~130 MB each.
  podman image prune -f >/dev/null 2>&1
  label="$(podman image inspect -f '{{index .Labels "org.opencontainers.image.revision"}}' "$IMAGE")"
  size="$(podman image inspect -f '{{.Size}}' "$IMAGE")"
  if [[ $label == "$revision" ]]; then
    pass image-build "$((size / 1000000)) MB, revision label $revision"
  else
    fail image-build "revision label '$label', want '$revision'"
  fi
else
  tail -n 20 "$W/build-amd64.log"
  abort image-build "podman build failed (log above)"
fi

# ---------------------------------------------------------------- --version, doctor
run() { podman run --rm --pull=never --network none "$@"; }

out="$(run "$IMAGE" --version 2>&1)"
if [[ $out == "fetchx $version "* ]]; then pass version "$out"; else fail version "got '$out'"; fi

out="$(run --sysctl net.mptcp.enabled=0 "$IMAGE" doctor 2>&1)"
rc=$?
if [[ $rc -ne 0 && $out == *"--sysctl net.mptcp.enabled=1"* && $out != *"sysctl -w"* ]]; then
  pass doctor-sysctl-0 "exit $rc, hint --sysctl net.mptcp.enabled=1"
else
  fail doctor-sysctl-0 "exit $rc; output: ${out: -600}"
fi

out="$(run --sysctl net.mptcp.enabled=1 "$IMAGE" doctor 2>&1)"
rc=$?
# The image has no iproute2: the limits and endpoints shown were read over netlink by fetchx itself.
if [[ $rc -eq 0 && $out == *"MPTCP is usable"* && $out =~ limits\ +subflows\ [0-9] ]]; then
  pass doctor-sysctl-1 "exit 0, limits and endpoints read over netlink (no ip in the image)"
else
  fail doctor-sysctl-1 "exit $rc; output: ${out: -600}"
fi

# ---------------------------------------------------------------- a server inside a container's namespace
# The container runs with --network none: its namespace has only loopback. The server (nginx made MPTCP by
# mptcpize) is started from the host inside that namespace between `podman init` (namespace made, sysctl
# applied) and `podman start` (fetchx runs).
if [[ ! -s $W/www/f.bin ]]; then head -c $((32 << 20)) /dev/urandom >"$W/www/f.bin.tmp" && mv "$W/www/f.bin.tmp" "$W/www/f.bin"; fi
want="$(sha256sum "$W/www/f.bin" | cut -d' ' -f1)"
if [[ ! -s $W/tls/server.pem ]]; then
  (
    cd "$W/tls" &&
      openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 3650 -subj "/CN=fetchx test CA" &&
      openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj "/CN=localhost" &&
      printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >ext &&
      openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 3650 -extfile ext
  ) >"$W/tls/openssl.log" 2>&1 || abort setup "openssl could not make the test CA"
fi
cat >"$W/ng/nginx.conf" <<EOF
daemon off;
worker_processes 1;
pid $W/ng/nginx.pid;
error_log $W/ng/error.log;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path $W/ng/tmp/body;
  proxy_temp_path $W/ng/tmp/proxy;
  fastcgi_temp_path $W/ng/tmp/fastcgi;
  uwsgi_temp_path $W/ng/tmp/uwsgi;
  scgi_temp_path $W/ng/tmp/scgi;
  types { application/octet-stream bin; }
  server {
    listen 127.0.0.1:8081;
    listen 127.0.0.1:8443 ssl;
    ssl_certificate $W/tls/server.pem;
    ssl_certificate_key $W/tls/server.key;
    root $W/www;
    location /slow/ { alias $W/www/; limit_rate 4m; }
  }
}
EOF

server_pid=""
# create_with_server NAME [podman create args...]: the container NAME, created and initialised, with nginx
# listening on 127.0.0.1:8081 (http) and :8443 (https) in its network namespace. Start it with `podman start`.
create_with_server() {
  local name=$1 ns i
  shift
  podman rm -f "$name" >/dev/null 2>&1
  podman create --name "$name" --pull=never --network none "$@" >/dev/null || return 1
  podman init "$name" >/dev/null || return 1
  ns="$(podman inspect -f '{{.State.Pid}}' "$name")"
  nsenter -t "$ns" -n mptcpize run nginx -c "$W/ng/nginx.conf" -e "$W/ng/error.log" &
  server_pid=$!
  for i in $(seq 100); do
    nsenter -t "$ns" -n bash -c ': </dev/tcp/127.0.0.1/8081' 2>/dev/null && return 0
    sleep 0.05
  done
  echo "nginx did not start in $name's namespace: $(tail -n 3 "$W/ng/error.log")" >&2
  return 1
}
stop_server() {
  if [[ -n $server_pid ]]; then
    kill "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
    server_pid=""
  fi
}
cleanup() {
  stop_server
  podman rm -f fx-mptcp fx-stop fx-resume fx-https fx-https-no fx-https-file >/dev/null 2>&1
}
trap cleanup EXIT

# ---------------------------------------------------------------- --mptcp download, byte-exact
user="$(id -u):$(id -g)"
rm -rf "$W/out" && mkdir -p "$W/out"
if create_with_server fx-mptcp --sysctl net.mptcp.enabled=1 -v "$W/out:/data" -u "$user" \
  "$IMAGE" --mptcp -s -O -w '%{json}\n' http://127.0.0.1:8081/f.bin; then
  json="$(podman start -a fx-mptcp 2>"$W/mptcp.err")"
  rc=$?
  stop_server
  got="$(sha256sum "$W/out/f.bin" 2>/dev/null | cut -d' ' -f1)"
  if [[ $rc -eq 0 && $got == "$want" && $json =~ \"mptcp\":\ ?\"active\" ]]; then
    pass mptcp-download "in the container's namespace, sha256 matches, \"mptcp\":\"active\""
  else
    fail mptcp-download "exit $rc, sha256 ${got:-none} (want $want), json: ${json:0:300} $(head -c 300 "$W/mptcp.err")"
  fi
else
  stop_server
  fail mptcp-download "could not start the server in the container's namespace"
fi

# ---------------------------------------------------------------- podman stop mid-download, then -C -
rm -rf "$W/out" && mkdir -p "$W/out"
if create_with_server fx-stop --sysctl net.mptcp.enabled=1 -v "$W/out:/data" -u "$user" \
  "$IMAGE" --mptcp -s -O http://127.0.0.1:8081/slow/f.bin; then
  podman start -a fx-stop >/dev/null 2>"$W/stop.err" &
  attach=$!
  partial=0
  for i in $(seq 200); do # up to 10 s for 2 MiB to arrive (the server sends 4 MiB/s per connection)
    partial="$(stat -c %s "$W/out/f.bin.part" 2>/dev/null || echo 0)"
    [[ $partial -ge $((2 << 20)) ]] && break
    sleep 0.05
  done
  t0=$(date +%s%N)
  podman stop -t 10 fx-stop >/dev/null
  t1=$(date +%s%N)
  wait "$attach"
  code="$(podman inspect -f '{{.State.ExitCode}}' fx-stop)"
  stop_server
  part="$(stat -c %s "$W/out/f.bin.part" 2>/dev/null || echo 0)"
  if [[ $code -eq 130 && $part -gt 0 && -e $W/out/f.bin.fetchx && ! -e $W/out/f.bin ]]; then
    pass stop-mid-download "exit 130 after $(((t1 - t0) / 1000000)) ms, .part and journal kept in /data"
    if create_with_server fx-resume --sysctl net.mptcp.enabled=1 -v "$W/out:/data" -u "$user" \
      "$IMAGE" --mptcp -s -C - -O http://127.0.0.1:8081/slow/f.bin; then
      podman start -a fx-resume >/dev/null 2>"$W/resume.err"
      rc=$?
      stop_server
      got="$(sha256sum "$W/out/f.bin" 2>/dev/null | cut -d' ' -f1)"
      if [[ $rc -eq 0 && $got == "$want" && ! -e $W/out/f.bin.part && ! -e $W/out/f.bin.fetchx ]]; then
        pass resume "a second container finishes it with -C -, sha256 matches"
      else
        fail resume "exit $rc, sha256 ${got:-none} (want $want); $(ls "$W/out"); $(head -c 300 "$W/resume.err")"
      fi
    else
      stop_server
      fail resume "could not start the server"
    fi
  else
    fail stop-mid-download "exit code $code, .part $part bytes after $partial seen; files: $(ls "$W/out" | tr '\n' ' ') $(head -c 300 "$W/stop.err")"
    fail resume "nothing to resume"
  fi
else
  stop_server
  fail stop-mid-download "could not start the server"
fi

# ---------------------------------------------------------------- https and the CA trust store
# Verification on: the throwaway CA is unknown to the image (exit 60). Then the README's way of adding a
# private CA: mount a bundle that holds it (the image's bundle plus the CA) and point SSL_CERT_FILE at it;
# and the other way, a bundle mounted over the image's own /etc/ssl/certs/ca-certificates.crt.
rm -rf "$W/out" && mkdir -p "$W/out"
cat "$W/tls/ca.pem" >"$W/tls/bundle.pem"
podman rm -f fx-bundle >/dev/null 2>&1
podman create --name fx-bundle --pull=never "$IMAGE" >/dev/null &&
  podman cp fx-bundle:/etc/ssl/certs/ca-certificates.crt "$W/tls/image-bundle.pem" &&
  podman rm fx-bundle >/dev/null &&
  cat "$W/tls/image-bundle.pem" "$W/tls/ca.pem" >"$W/tls/bundle.pem"
https_run() { # NAME OUTFILE [podman create args...]
  local name=$1 outfile=$2
  shift 2
  create_with_server "$name" -v "$W/out:/data" -u "$user" "$@" "$IMAGE" -s -S -o "$outfile" https://localhost:8443/f.bin || return 99
  podman start -a "$name" >/dev/null 2>"$W/$name.err"
  local rc=$?
  stop_server
  return $rc
}
https_run fx-https-no none.bin
rc=$?
if [[ $rc -eq 60 ]]; then pass https-untrusted "without the private CA: refused, exit 60"; else fail https-untrusted "exit $rc, want 60: $(head -c 300 "$W/fx-https-no.err")"; fi
https_run fx-https env.bin -v "$W/tls/bundle.pem:/etc/ssl/private/bundle.pem:ro" -e SSL_CERT_FILE=/etc/ssl/private/bundle.pem
rc=$?
got="$(sha256sum "$W/out/env.bin" 2>/dev/null | cut -d' ' -f1)"
if [[ $rc -eq 0 && $got == "$want" ]]; then pass https-ssl-cert-file "private CA in a bundle named by SSL_CERT_FILE, sha256 matches"; else fail https-ssl-cert-file "exit $rc: $(head -c 300 "$W/fx-https.err")"; fi
https_run fx-https-file file.bin -v "$W/tls/bundle.pem:/etc/ssl/certs/ca-certificates.crt:ro"
rc=$?
got="$(sha256sum "$W/out/file.bin" 2>/dev/null | cut -d' ' -f1)"
if [[ $rc -eq 0 && $got == "$want" ]]; then pass https-bundle-mount "private CA in a bundle mounted over the image's, sha256 matches"; else fail https-bundle-mount "exit $rc: $(head -c 300 "$W/fx-https-file.err")"; fi

# ---------------------------------------------------------------- arm64 (optional)
# Runs only when asked: it needs binfmt_misc to hand arm64 executables to qemu, a host-wide setting
# (the qemu-user-static package registers it where systemd-binfmt runs; see README "Container").
if [[ ${FETCHX_CONTAINER_ARM64:-0} == 1 ]]; then
  if [[ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]]; then
    fail arm64 "binfmt_misc has no qemu-aarch64 entry: mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc; cat /usr/lib/binfmt.d/qemu-aarch64.conf >/proc/sys/fs/binfmt_misc/register"
  elif ! build arm64 localhost/fetchx:test-arm64; then
    fail arm64 "$(tail -n 5 "$W/build-arm64.log")"
  else
    podman image prune -f >/dev/null 2>&1
    arch="$(podman image inspect -f '{{.Architecture}}' localhost/fetchx:test-arm64)"
    size="$(podman image inspect -f '{{.Size}}' localhost/fetchx:test-arm64)"
    out="$(run --platform linux/arm64 localhost/fetchx:test-arm64 --version 2>"$W/arm64.err")"
    rm -rf "$W/out" && mkdir -p "$W/out"
    json=""
    if create_with_server fx-arm64 --platform linux/arm64 --sysctl net.mptcp.enabled=1 -v "$W/out:/data" -u "$user" \
      localhost/fetchx:test-arm64 --mptcp -s -O -w '%{json}\n' http://127.0.0.1:8081/f.bin; then
      json="$(podman start -a fx-arm64 2>>"$W/arm64.err")"
    fi
    stop_server
    podman rm -f fx-arm64 >/dev/null 2>&1
    got="$(sha256sum "$W/out/f.bin" 2>/dev/null | cut -d' ' -f1)"
    if [[ $arch == arm64 && $out == "fetchx $version "* && $got == "$want" && $json =~ \"mptcp\":\ ?\"active\" ]]; then
      pass arm64 "$((size / 1000000)) MB; under qemu: $out; --mptcp download sha256 matches, \"mptcp\":\"active\""
    else
      fail arm64 "architecture $arch; --version said '${out:0:200}'; download sha256 ${got:-none}; json ${json:0:200}; $(head -c 300 "$W/arm64.err")"
    fi
  fi
fi
finish
