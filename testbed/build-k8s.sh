#!/usr/bin/env bash
# Builds the control-plane binaries from upstream Go modules, once per version.
# Binaries are cached outside the repository; a warm cache makes this a no-op.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/versions.sh"

export CGO_ENABLED=0 GOWORK=off GOTOOLCHAIN=local GOFLAGS=-mod=mod

log() { printf '[testbed] %s\n' "$*" >&2; }

have_all() { for b in "$@"; do [ -x "$b" ] || return 1; done; }

# k8s.io/kubernetes pins its staging modules at v0.0.0 with local replaces, which
# `go install` cannot follow. A wrapper module replaces each with its published
# version; the list is read from upstream's go.mod so it never drifts.
write_kube_wrapper() {
  local dir="$1"
  local src
  src="$(go mod download -json "k8s.io/kubernetes@$KUBE_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')"
  {
    echo "module nimbus.dev/testbed/k8s"
    echo
    echo "go 1.25.0"
    echo
    echo "require k8s.io/kubernetes $KUBE_VERSION"
    echo
    echo "replace ("
    grep -E '=> \./staging/src/' "$src/go.mod" | awk -v v="$KUBE_STAGING_VERSION" '{print "\t" $1 " => " $1 " " v}'
    echo ")"
  } > "$dir/go.mod"
  cat > "$dir/tools.go" <<'GO'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubelet"
	_ "k8s.io/kubernetes/cmd/kube-proxy"
)
GO
}

build_kube() {
  if have_all "$KUBE_BIN/kube-apiserver" "$KUBE_BIN/kube-controller-manager" "$KUBE_BIN/kube-scheduler" \
    "$KUBE_BIN/kubelet" "$KUBE_BIN/kube-proxy"; then
    log "kubernetes $KUBE_VERSION: cached in $KUBE_BIN"; return
  fi
  local dir="$here/k8s"
  [ -f "$dir/go.mod" ] || write_kube_wrapper "$dir"
  log "kubernetes $KUBE_VERSION: building (tens of minutes on a cold cache)"
  local minor="${KUBE_VERSION#v1.}"; minor="${minor%%.*}"
  local ld="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld="$ld -X $pkg.gitVersion=$KUBE_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
  done
  mkdir -p "$KUBE_BIN.tmp"
  (cd "$dir" && go mod tidy -e >/dev/null 2>&1 || true
   cd "$dir" && go get "google.golang.org/protobuf@$PROTOBUF_PIN" >/dev/null
   cd "$dir" && go build -trimpath -ldflags "$ld" -o "$KUBE_BIN.tmp/" \
      k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler \
      k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kube-proxy)
  rm -rf "$KUBE_BIN"; mv "$KUBE_BIN.tmp" "$KUBE_BIN"
}

build_etcd() {
  if have_all "$ETCD_BIN/etcd"; then log "etcd $ETCD_VERSION: cached"; return; fi
  local dir="$here/etcd"
  if [ ! -f "$dir/go.mod" ]; then
    (cd "$dir" && printf 'module nimbus.dev/testbed/etcd\n\ngo 1.25.0\n' > go.mod && go get -tool "go.etcd.io/etcd/server/v3@$ETCD_VERSION")
  fi
  log "etcd $ETCD_VERSION: building"
  mkdir -p "$ETCD_BIN.tmp"
  (cd "$dir" && go build -trimpath -ldflags "-s -w" -o "$ETCD_BIN.tmp/etcd" go.etcd.io/etcd/server/v3)
  rm -rf "$ETCD_BIN"; mv "$ETCD_BIN.tmp" "$ETCD_BIN"
}

build_kwok() {
  if have_all "$KWOK_BIN/kwok" "$KWOK_BIN/kwokctl"; then log "kwok $KWOK_VERSION: cached"; return; fi
  local dir="$here/kwok"
  if [ ! -f "$dir/go.mod" ]; then
    (cd "$dir" && printf 'module nimbus.dev/testbed/kwok\n\ngo 1.25.0\n' > go.mod \
      && go get -tool "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION" && go get -tool "sigs.k8s.io/kwok/cmd/kwokctl@$KWOK_VERSION")
  fi
  log "kwok $KWOK_VERSION: building"
  mkdir -p "$KWOK_BIN.tmp"
  (cd "$dir" && go build -trimpath -ldflags "-s -w" -o "$KWOK_BIN.tmp/" sigs.k8s.io/kwok/cmd/kwok sigs.k8s.io/kwok/cmd/kwokctl)
  rm -rf "$KWOK_BIN"; mv "$KWOK_BIN.tmp" "$KWOK_BIN"
}

start=$(date +%s)
build_etcd
build_kwok
build_kube
log "control plane binaries ready in $(( $(date +%s) - start ))s"
