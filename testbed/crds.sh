#!/usr/bin/env bash
# Fetches the upstream CRDs Nimbus renders custom resources for (Istio, Gateway
# API, Argo CD) from their Go modules, pinned, and prints one YAML file path per
# line. The files stay in the Go module cache; nothing is committed.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/versions.sh"
export GOFLAGS=-mod=mod GOTOOLCHAIN=local
dir_of() { go mod download -json "$1" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p'; }
istio="$(dir_of "istio.io/api@$ISTIO_API_VERSION")"
gateway="$(dir_of "sigs.k8s.io/gateway-api@$GATEWAY_API_VERSION")"
argocd="$(dir_of "github.com/argoproj/argo-cd/v3@$ARGOCD_VERSION")"
echo "$istio/kubernetes/customresourcedefinitions.gen.yaml"
ls "$gateway"/config/crd/standard/*.yaml
echo "$argocd/manifests/crds/application-crd.yaml"
echo "$argocd/manifests/crds/appproject-crd.yaml"
