# Pinned versions of every testbed component. Sourced by the other scripts.
# Changing a version changes the cache key, so the next run rebuilds.
KUBE_VERSION=v1.35.4
KUBE_STAGING_VERSION=v0.35.4
ETCD_VERSION=v3.6.16
KWOK_VERSION=v0.8.0
PROTOBUF_PIN=v1.36.12

NIMBUS_CACHE="${NIMBUS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nimbus-testbed}"
KUBE_BIN="$NIMBUS_CACHE/k8s-$KUBE_VERSION"
ETCD_BIN="$NIMBUS_CACHE/etcd-$ETCD_VERSION"
KWOK_BIN="$NIMBUS_CACHE/kwok-$KWOK_VERSION"
NIMBUS_RUN="${NIMBUS_RUN:-/dev/shm/nimbus-testbed}"
ISTIO_API_VERSION=v1.32.0
GATEWAY_API_VERSION=v1.6.3
ARGOCD_VERSION=v3.5.7
ACTIONLINT_VERSION=v1.7.12
