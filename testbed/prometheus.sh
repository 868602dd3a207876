#!/usr/bin/env bash
# Starts Debian's Prometheus on 127.0.0.1 with the given config file:
#   prometheus.sh start CONFIG PORT    prints the base URL once ready
#   prometheus.sh stop PORT
# PROMETHEUS names another binary (the upstream build with Kubernetes discovery).
# Installs the package (prometheus, with promtool) when missing.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/versions.sh"
log() { printf '[testbed] %s\n' "$*" >&2; }
ensure() {
  command -v prometheus >/dev/null && command -v promtool >/dev/null && return
  log "installing prometheus (Debian)"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus; } >/dev/null || { log "FAILED: cannot install prometheus"; exit 1; }
  (service prometheus stop; service prometheus-node-exporter stop) >/dev/null 2>&1 || true
}
case "${1:-}" in
  ensure) ensure ;;
  start)
    ensure
    config="$2"; port="$3"; dir="$NIMBUS_RUN/prometheus-$port"
    rm -rf "$dir"; mkdir -p "$dir"
    "${PROMETHEUS:-prometheus}" --config.file="$config" --storage.tsdb.path="$dir/data" --web.listen-address="127.0.0.1:$port" \
      --web.enable-lifecycle >"$dir/prometheus.log" 2>&1 &
    echo $! >"$dir/pid"
    for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/-/ready" >/dev/null 2>&1 && break; sleep 0.1; done
    curl -fsS "http://127.0.0.1:$port/-/ready" >/dev/null || { tail -20 "$dir/prometheus.log" >&2; log "FAILED: prometheus did not start"; exit 1; }
    echo "http://127.0.0.1:$port"
    ;;
  stop)
    dir="$NIMBUS_RUN/prometheus-$2"
    [ -f "$dir/pid" ] && kill "$(cat "$dir/pid")" 2>/dev/null || true
    ;;
  *) echo "usage: $0 ensure | start CONFIG PORT | stop PORT" >&2; exit 2 ;;
esac
