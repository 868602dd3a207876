#!/usr/bin/env bash
# Starts the CNCF distribution registry (Debian docker-registry) on
# 127.0.0.1:${NIMBUS_REGISTRY_PORT:-5055} with storage under the run directory,
# and prints its address. `registry.sh stop` stops it.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/versions.sh"
port="${NIMBUS_REGISTRY_PORT:-5055}"
dir="$NIMBUS_RUN/registry"
log() { printf '[testbed] %s\n' "$*" >&2; }
if [ "${1:-}" = "stop" ]; then
  [ -f "$dir/pid" ] && kill "$(cat "$dir/pid")" 2>/dev/null || true
  exit 0
fi
if ! command -v docker-registry >/dev/null; then
  log "installing docker-registry (Debian)"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-registry; } >/dev/null || { log "FAILED: cannot install docker-registry"; exit 1; }
  (service docker-registry stop) >/dev/null 2>&1 || true
fi
if curl -fsS "http://127.0.0.1:$port/v2/" >/dev/null 2>&1; then echo "127.0.0.1:$port"; exit 0; fi
mkdir -p "$dir/data"
cat >"$dir/config.yml" <<YAML
version: 0.1
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
log:
  level: warn
YAML
docker-registry serve "$dir/config.yml" >"$dir/registry.log" 2>&1 &
echo $! >"$dir/pid"
for _ in $(seq 1 50); do curl -fsS "http://127.0.0.1:$port/v2/" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fsS "http://127.0.0.1:$port/v2/" >/dev/null || { tail -20 "$dir/registry.log" >&2; log "FAILED: the registry did not start"; exit 1; }
log "registry ready: 127.0.0.1:$port"
echo "127.0.0.1:$port"
