#!/usr/bin/env bash
# Builds the real node's cluster add-ons from the Go module proxy, once per
# version, cached beside the control plane: CoreDNS (cluster DNS) and
# metrics-server (resource metrics for HPAs and `kubectl top`) and upstream Prometheus with
# Kubernetes discovery (canary analysis of the real node's pods).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/versions.sh"
export CGO_ENABLED=0 GOWORK=off GOTOOLCHAIN=local GOFLAGS=-mod=mod
log() { printf '[testbed] %s\n' "$*" >&2; }

# Each add-on is built through a wrapper module of its own (a go.mod that
# requires it as a tool), so their dependency versions never meet.
build_tool() {
  local name="$1" dir="$2" module="$3" version="$4" package="$5" out="$6" tags="${7:-}"
  if [ -x "$out/$name" ]; then log "$name $version: cached"; return; fi
  mkdir -p "$dir"
  if [ ! -f "$dir/go.mod" ]; then
    (cd "$dir" && printf 'module nimbus.dev/testbed/%s\n\ngo 1.25.0\n' "$name" > go.mod && go get -tool "$module@$version")
  fi
  log "$name $version: building"
  mkdir -p "$out.tmp"
  (cd "$dir" && go build -trimpath -ldflags "-s -w" ${tags:+-tags "$tags"} -o "$out.tmp/$name" "$package")
  rm -rf "$out"; mv "$out.tmp" "$out"
}

start=$(date +%s)
build_tool coredns "$here/coredns" github.com/coredns/coredns "$COREDNS_VERSION" github.com/coredns/coredns "$COREDNS_BIN"
build_tool metrics-server "$here/metrics-server" sigs.k8s.io/metrics-server "$METRICS_SERVER_VERSION" sigs.k8s.io/metrics-server/cmd/metrics-server "$METRICS_SERVER_BIN"
build_tool prometheus "$here/prometheus-k8s" github.com/prometheus/prometheus/cmd/prometheus "$PROMETHEUS_MODULE_VERSION" \
  github.com/prometheus/prometheus/cmd/prometheus "$PROMETHEUS_K8S_BIN" "remove_all_sd,enable_kubernetes_sd"
log "add-ons ready in $(( $(date +%s) - start ))s"
