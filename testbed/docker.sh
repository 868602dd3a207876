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

if ! command -v dockerd >/dev/null || [ ! -x /bin/busybox ] || ! command -v redis-server >/dev/null; then
  log "installing docker.io and busybox-static (Debian)"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io busybox-static redis-server; } >/dev/null || { log "FAILED: cannot install docker.io"; exit 1; }
fi
DOCKER() { docker -H "$host" "$@"; }

if ! DOCKER version >/dev/null 2>&1; then
  mkdir -p "$run" "$NIMBUS_DATA_ROOT/docker"
  dockerd --host "$host" --data-root "$NIMBUS_DATA_ROOT/docker" --exec-root "$run/exec" \
    --pidfile "$run/docker.pid" --ip 127.0.0.1 >"$run/dockerd.log" 2>&1 &
  for _ in $(seq 1 60); do DOCKER version >/dev/null 2>&1 && break; sleep 0.5; done
  DOCKER version >/dev/null 2>&1 || { tail -20 "$run/dockerd.log" >&2; log "FAILED: dockerd did not start"; exit 1; }
fi

# A root filesystem with busybox, a passwd with root and uid 10001, and /tmp.
new_rootfs() {
  local rootfs
  rootfs="$(mktemp -d)"
  mkdir -p "$rootfs/bin" "$rootfs/tmp" "$rootfs/etc" "$rootfs/data"
  chmod 1777 "$rootfs/tmp" "$rootfs/data"
  cp /bin/busybox "$rootfs/bin/"
  for applet in sh echo cat ls sleep wget nc httpd env id true false mkdir; do ln -s busybox "$rootfs/bin/$applet"; done
  printf 'root:x:0:0:root:/:/bin/sh\napp:x:10001:10001:app:/tmp:/bin/sh\n' >"$rootfs/etc/passwd"
  echo "$rootfs"
}

# Copies host binaries and every shared library they load, at the same paths.
add_binaries() {
  local rootfs="$1" bin lib
  shift
  for bin in "$@"; do
    mkdir -p "$rootfs$(dirname "$bin")"
    cp -L "$bin" "$rootfs$bin"
    for lib in $(ldd "$bin" | grep -o '/[^ ]*'); do
      mkdir -p "$rootfs$(dirname "$lib")"
      cp -Ln "$lib" "$rootfs$lib"
    done
  done
}

import_rootfs() {
  local rootfs="$1" image="$2"
  shift 2
  tar -C "$rootfs" -c . | DOCKER import "$@" - "$image" >/dev/null
  rm -rf "$rootfs"
}

if ! DOCKER image inspect nimbus-test/busybox:1.35 >/dev/null 2>&1; then
  import_rootfs "$(new_rootfs)" nimbus-test/busybox:1.35 -c 'ENV PATH=/bin'
fi

# Node for the example services' images, from the host's own Node.
node_bin="$(readlink -f "$(command -v node)")"
node_tag="nimbus-test/node:$(node -p 'process.versions.node')"
if ! DOCKER image inspect "$node_tag" >/dev/null 2>&1; then
  rootfs="$(new_rootfs)"
  add_binaries "$rootfs" "$node_bin"
  [ "$node_bin" = /usr/bin/node ] || { mkdir -p "$rootfs/usr/bin" && ln -s "$node_bin" "$rootfs/usr/bin/node"; }
  import_rootfs "$rootfs" "$node_tag" -c 'ENV PATH=/usr/bin:/bin'
fi
DOCKER tag "$node_tag" nimbus-test/node:20

# Redis for backing services: `redis:7` is the image `nimbus up` runs a redis resource with.
if ! DOCKER image inspect redis:7 >/dev/null 2>&1; then
  rootfs="$(new_rootfs)"
  add_binaries "$rootfs" "$(command -v redis-server)" "$(command -v redis-cli)"
  import_rootfs "$rootfs" redis:7 -c 'ENV PATH=/usr/bin:/bin' -c 'WORKDIR /data' -c 'CMD ["redis-server"]'
fi
# Postgres for the example's database on the real node, from Debian's postgresql: the server,
# initdb and pg_isready with their libraries, share files and time zones; it initialises an
# empty trusting cluster in /tmp at start, as a non-root user.
pg_tag=nimbus-test/postgres:15
if ! DOCKER image inspect "$pg_tag" >/dev/null 2>&1; then
  if [ ! -x /usr/lib/postgresql/15/bin/postgres ]; then
    log "installing postgresql (Debian)"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; } >/dev/null || { log "FAILED: cannot install postgresql"; exit 1; }
    (service postgresql stop) >/dev/null 2>&1 || true
  fi
  rootfs="$(new_rootfs)"
  pgbin=/usr/lib/postgresql/15/bin
  add_binaries "$rootfs" "$pgbin/postgres" "$pgbin/initdb" "$pgbin/pg_isready" "$pgbin/pg_ctl"
  mkdir -p "$rootfs/usr/lib/postgresql/15" "$rootfs/usr/share/postgresql" "$rootfs/usr/share"
  cp -a /usr/lib/postgresql/15/lib "$rootfs/usr/lib/postgresql/15/"
  cp -a /usr/share/postgresql/15 "$rootfs/usr/share/postgresql/"
  cp -a /usr/share/zoneinfo "$rootfs/usr/share/"
  import_rootfs "$rootfs" "$pg_tag" -c "ENV PATH=$pgbin:/usr/bin:/bin" -c 'USER 10001:10001' \
    -c 'CMD ["/bin/sh", "-c", "initdb -D /tmp/pg -U postgres --auth=trust --locale=C >/tmp/initdb.log && exec postgres -D /tmp/pg -c listen_addresses=* -k /tmp"]'
fi
log "docker engine ready: $host"
echo "$host"
