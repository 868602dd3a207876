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
COREDNS_VERSION=v1.15.0
METRICS_SERVER_VERSION=v0.8.0
COREDNS_BIN="$NIMBUS_CACHE/coredns-$COREDNS_VERSION"
METRICS_SERVER_BIN="$NIMBUS_CACHE/metrics-server-$METRICS_SERVER_VERSION"
# Upstream Prometheus (module v0.316.0 = Prometheus 3.16.0) with Kubernetes discovery, which
# Debian's build lacks: canary analysis scrapes the real node's pods through it.
PROMETHEUS_MODULE_VERSION=v0.316.0
PROMETHEUS_K8S_BIN="$NIMBUS_CACHE/prometheus-$PROMETHEUS_MODULE_VERSION"
# Traefik with its Kubernetes Gateway API provider: the data plane of HTTPRoute canary weights.
TRAEFIK_VERSION=v3.7.13
TRAEFIK_BIN="$NIMBUS_CACHE/traefik-$TRAEFIK_VERSION"
# The real node's pod network and the addresses derived from it.
NODE_POD_CIDR=10.244.0.0/24
NODE_GATEWAY=10.244.0.1
SERVICE_CIDR=10.96.0.0/16
CLUSTER_DNS=10.96.0.10
# Two testbeds on one machine must not collide: everything machine-wide (data
# roots, ports) is derived from the run directory. The default run directory
# keeps the historical ports; another one shifts them by a hash of its path.
NIMBUS_RUN_ID="$(printf '%s' "$NIMBUS_RUN" | sha256sum | cut -c1-8)"
if [ "$NIMBUS_RUN" = /dev/shm/nimbus-testbed ]; then NIMBUS_PORT_SHIFT=0; else NIMBUS_PORT_SHIFT=$(( (16#${NIMBUS_RUN_ID:0:4} % 90 + 1) * 100 )); fi
NIMBUS_DATA_ROOT="/var/lib/nimbus-testbed-$NIMBUS_RUN_ID"
NIMBUS_REDIS_BASE_PORT="${NIMBUS_REDIS_BASE_PORT:-$(( 7100 + NIMBUS_PORT_SHIFT ))}"
NIMBUS_REGISTRY_PORT="${NIMBUS_REGISTRY_PORT:-$(( 5055 + NIMBUS_PORT_SHIFT ))}"
