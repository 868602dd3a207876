#!/usr/bin/env bash
# Starts a Redis Cluster of six nodes on 127.0.0.1 (3 masters, 3 replicas) from
# Debian's redis-server, and prints the startup nodes, comma-separated.
# `redis.sh stop` stops it.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/versions.sh"
base="${NIMBUS_REDIS_BASE_PORT:-7100}"
dir="$NIMBUS_RUN/redis"
ports=$(seq "$base" $((base + 5)))
log() { printf '[testbed] %s\n' "$*" >&2; }

start_node() {
  local p="$1"
  mkdir -p "$dir/$p"
  redis-server --port "$p" --bind 127.0.0.1 --protected-mode yes --cluster-enabled yes --cluster-config-file "$dir/$p/nodes.conf" \
    --cluster-node-timeout 2000 --appendonly no --save '' --dir "$dir/$p" --daemonize yes \
    --pidfile "$dir/$p/redis.pid" --logfile "$dir/$p/redis.log"
}

if [ "${1:-}" = "start-node" ]; then
  # Restarts one node after a failover test; its nodes.conf makes it rejoin the cluster.
  start_node "$2"
  exit 0
fi

if [ "${1:-}" = "stop" ]; then
  for p in $ports; do redis-cli -p "$p" shutdown nosave >/dev/null 2>&1 || true; done
  exit 0
fi

if ! command -v redis-server >/dev/null; then
  log "installing redis-server (Debian)"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server; } >/dev/null || { log "FAILED: cannot install redis-server"; exit 1; }
  # The package starts a system instance on 6379; the testbed does not need it.
  (service redis-server stop || pkill -f 'redis-server 127.0.0.1:6379') >/dev/null 2>&1 || true
fi

nodes=""
for p in $ports; do nodes="$nodes${nodes:+,}127.0.0.1:$p"; done
if redis-cli -p "$base" cluster info 2>/dev/null | grep -q 'cluster_state:ok'; then
  log "redis cluster already running"; echo "$nodes"; exit 0
fi
for p in $ports; do redis-cli -p "$p" shutdown nosave >/dev/null 2>&1 || true; done
rm -rf "$dir"
for p in $ports; do start_node "$p"; done
for p in $ports; do for _ in $(seq 1 50); do redis-cli -p "$p" ping >/dev/null 2>&1 && break; sleep 0.1; done; done
redis-cli --cluster create $(for p in $ports; do printf '127.0.0.1:%s ' "$p"; done) --cluster-replicas 1 --cluster-yes >"$dir/create.log" 2>&1 \
  || { tail -20 "$dir/create.log" >&2; log "FAILED: redis cluster create"; exit 1; }
for _ in $(seq 1 100); do redis-cli -p "$base" cluster info 2>/dev/null | grep -q 'cluster_state:ok' && break; sleep 0.1; done
redis-cli -p "$base" cluster info | grep -q 'cluster_state:ok' || { log "FAILED: cluster never became ok"; exit 1; }
# Replicas attach a moment after the slots are assigned; failover tests need them.
for _ in $(seq 1 100); do [ "$(redis-cli -p "$base" cluster nodes | grep -c slave)" = 3 ] && break; sleep 0.1; done
log "redis cluster ready: $nodes"
echo "$nodes"
