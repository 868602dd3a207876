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
# kube-linter's module path (golang.stackrox.io/kube-linter) is not served by the module proxy this
# machine may use; it is built from a source checkout given in NIMBUS_KUBE_LINTER_SRC (its
# dependencies still come from the proxy).
if [ -x "$dir/kube-linter" ]; then
  echo "[peers] kube-linter: cached"
elif [ -n "${NIMBUS_KUBE_LINTER_SRC:-}" ]; then
  echo "[peers] kube-linter: building from $NIMBUS_KUBE_LINTER_SRC"
  (cd "$NIMBUS_KUBE_LINTER_SRC" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -o "$dir/kube-linter" ./cmd/kube-linter)
else
  echo "[peers] kube-linter: set NIMBUS_KUBE_LINTER_SRC to a checkout of stackrox/kube-linter to build it"
fi
