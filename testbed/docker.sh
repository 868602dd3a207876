#!/usr/bin/env bash
# Starts a Docker engine of the testbed's own (Debian docker.io) on a private
# socket, and makes the base image tests build on — `nimbus-test/busybox:1.35`,
# imported from Debian's static busybox, since no image can be pulled.
# Prints the DOCKER_HOST value. `docker.sh stop` stops the engine.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/versions.sh"
run="$NIMBUS_RUN/docker"
sock="$run/docker.sock"
host="unix://$sock"
log() { printf '[testbed] %s\n' "$*" >&2; }

if [ "${1:-}" = "stop" ]; then
  [ -f "$run/docker.pid" ] && kill "$(cat "$run/docker.pid")" 2>/dev/null || true
  for _ in $(seq 1 50); do [ -S "$sock" ] || break; sleep 0.1; done
  exit 0
fi

if ! command -v dockerd >/dev/null || [ ! -x /bin/busybox ]; then
  log "installing docker.io and busybox-static (Debian)"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io busybox-static; } >/dev/null || { log "FAILED: cannot install docker.io"; exit 1; }
fi
DOCKER() { docker -H "$host" "$@"; }

if ! DOCKER version >/dev/null 2>&1; then
  mkdir -p "$run" /var/lib/nimbus-testbed-docker
  dockerd --host "$host" --data-root /var/lib/nimbus-testbed-docker --exec-root "$run/exec" \
    --pidfile "$run/docker.pid" --ip 127.0.0.1 >"$run/dockerd.log" 2>&1 &
  for _ in $(seq 1 60); do DOCKER version >/dev/null 2>&1 && break; sleep 0.5; done
  DOCKER version >/dev/null 2>&1 || { tail -20 "$run/dockerd.log" >&2; log "FAILED: dockerd did not start"; exit 1; }
fi

if ! DOCKER image inspect nimbus-test/busybox:1.35 >/dev/null 2>&1; then
  rootfs="$(mktemp -d)"
  mkdir -p "$rootfs/bin" "$rootfs/tmp" "$rootfs/etc"
  chmod 1777 "$rootfs/tmp"
  cp /bin/busybox "$rootfs/bin/"
  for applet in sh echo cat ls sleep wget nc httpd env id true false mkdir; do ln -s busybox "$rootfs/bin/$applet"; done
  printf 'root:x:0:0:root:/:/bin/sh\napp:x:10001:10001:app:/tmp:/bin/sh\n' >"$rootfs/etc/passwd"
  tar -C "$rootfs" -c . | DOCKER import -c 'ENV PATH=/bin' - nimbus-test/busybox:1.35 >/dev/null
  rm -rf "$rootfs"
fi
log "docker engine ready: $host"
echo "$host"
