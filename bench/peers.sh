#!/usr/bin/env bash
# Builds the peer tools the benchmarks compare against, from their Go modules,
# into a cache outside the repository. Safe to rerun; skips what is built.
set -euo pipefail
dir="${NIMBUS_PEERS:-${XDG_CACHE_HOME:-$HOME/.cache}/nimbus-testbed/peers}"
mkdir -p "$dir"
build() {
  local name="$1" module="$2"
  if [ -x "$dir/$name" ]; then echo "[peers] $name: cached"; return; fi
  echo "[peers] $name: building $module"
  GOBIN="$dir" GOFLAGS=-mod=mod CGO_ENABLED=0 go install "$module"
}
build kube-score github.com/zegl/kube-score/cmd/kube-score@v1.20.0
build helm helm.sh/helm/v3/cmd/helm@v3.22.0
