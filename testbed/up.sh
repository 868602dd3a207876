#!/usr/bin/env bash
# Starts the real backends the integration tests use, all on loopback:
# a Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler) with kwok's simulated nodes. Builds the binaries first if the
# cache is cold. Prints the kubeconfig path; with --env-file F, also writes
# KEY=VALUE lines the test runner passes to the tests.
# Exits non-zero, loudly, if anything cannot start.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/versions.sh"

env_file=""
nodes="${NIMBUS_TESTBED_NODES:-3}"
while [ $# -gt 0 ]; do
  case "$1" in
    --env-file) env_file="$2"; shift 2 ;;
    --nodes) nodes="$2"; shift 2 ;;
    *) echo "usage: $0 [--env-file FILE] [--nodes N]" >&2; exit 2 ;;
  esac
done

log() { printf '[testbed] %s\n' "$*" >&2; }
die() { printf '[testbed] FAILED: %s\n' "$*" >&2; exit 1; }

command -v go >/dev/null || die "Go is needed once to build the control plane (apt-get install golang, or use the machine's Go)"
bash "$here/build-k8s.sh" || die "building the control plane failed"

export KWOK_WORKDIR="$NIMBUS_RUN/kwok"
cluster=nimbus
kubeconfig="$KWOK_WORKDIR/clusters/$cluster/kubeconfig.yaml"
kwokctl="$KWOK_BIN/kwokctl"

healthy() { [ -f "$kubeconfig" ] && kubectl --kubeconfig "$kubeconfig" get --raw /readyz >/dev/null 2>&1; }

start=$(date +%s)
if healthy; then
  log "control plane already running"
else
  "$kwokctl" delete cluster --name "$cluster" >/dev/null 2>&1 || true
  mkdir -p "$KWOK_WORKDIR"
  # Lines every simulated container logs, in the CRI log format kubelet writes.
  logs="$NIMBUS_RUN/container.log"
  {
    echo '2026-01-01T00:00:00.000000000Z stdout F {"level":"info","msg":"listening","port":8080}'
    echo '2026-01-01T00:00:01.000000000Z stdout F {"level":"info","msg":"ready"}'
    echo '2026-01-01T00:00:02.000000000Z stderr F {"level":"warn","msg":"slow request","ms":812}'
  } >"$logs"
  sed "s#\${NIMBUS_TESTBED_LOGS}#$logs#" "$here/kwokctl.yaml" >"$NIMBUS_RUN/kwokctl.yaml"
  log "starting control plane (Kubernetes $KUBE_VERSION, etcd $ETCD_VERSION, kwok $KWOK_VERSION)"
  "$kwokctl" create cluster --name "$cluster" --runtime binary --config "$NIMBUS_RUN/kwokctl.yaml" --kubeconfig= \
    --etcd-binary "$ETCD_BIN/etcd" \
    --kube-apiserver-binary "$KUBE_BIN/kube-apiserver" \
    --kube-controller-manager-binary "$KUBE_BIN/kube-controller-manager" \
    --kube-scheduler-binary "$KUBE_BIN/kube-scheduler" \
    --kwok-controller-binary "$KWOK_BIN/kwok" \
    --wait 3m >"$NIMBUS_RUN/kwokctl-create.log" 2>&1 || { tail -20 "$NIMBUS_RUN/kwokctl-create.log" >&2; die "kwokctl could not create the cluster"; }
  # Simulated nodes advertise what real nodes do, or valid hardened workloads stay Pending on them.
  "$kwokctl" scale node --name "$cluster" --replicas "$nodes" \
    --param '.allocatable["ephemeral-storage"]="100Gi"' >>"$NIMBUS_RUN/kwokctl-create.log" 2>&1 || die "could not add $nodes kwok nodes"
  i=0
  for n in $(kubectl --kubeconfig "$kubeconfig" get nodes -l type=kwok -o name); do
    kubectl --kubeconfig "$kubeconfig" label --overwrite "$n" "topology.kubernetes.io/zone=zone-$(( i % 3 ))" \
      topology.kubernetes.io/region=testbed >/dev/null
    i=$((i + 1))
  done
fi
for _ in $(seq 1 60); do healthy && break; sleep 1; done
healthy || die "kube-apiserver does not answer /readyz"
# The default ServiceAccount appears asynchronously; pods cannot be created before it.
for _ in $(seq 1 60); do kubectl --kubeconfig "$kubeconfig" -n default get serviceaccount default >/dev/null 2>&1 && break; sleep 1; done
log "control plane ready in $(( $(date +%s) - start ))s: $(kubectl --kubeconfig "$kubeconfig" get nodes --no-headers | wc -l) nodes"

redis_nodes="$(bash "$here/redis.sh")" || die "the Redis Cluster did not start"
bash "$here/prometheus.sh" ensure || die "Prometheus is not available"
docker_host="$(bash "$here/docker.sh")" || die "the Docker engine did not start"
registry="$(bash "$here/registry.sh")" || die "the registry did not start"
real_node=""
if [ "${NIMBUS_TESTBED_REAL_NODE:-1}" != 0 ]; then
  real_node="$(bash "$here/node.sh" start "$kubeconfig" "$registry")" || die "the real node did not start"
fi

if [ -n "$env_file" ]; then
  {
    echo "NIMBUS_TEST_REDIS_NODES=$redis_nodes"
    echo "NIMBUS_TEST_DOCKER_HOST=$docker_host"
    echo "NIMBUS_TEST_REGISTRY=$registry"
    echo "NIMBUS_TEST_KUBECONFIG=$kubeconfig"
    echo "NIMBUS_TEST_CONTAINER_LOG=$NIMBUS_RUN/container.log"
    echo "NIMBUS_TESTBED_KWOK_WORKDIR=$KWOK_WORKDIR"
    echo "NIMBUS_TESTBED_CLUSTER=$cluster"
    echo "NIMBUS_TESTBED_KUBE_BIN=$KUBE_BIN"
    echo "NIMBUS_TEST_NODE=$real_node"
    echo "NIMBUS_TEST_PROMETHEUS_K8S=$PROMETHEUS_K8S_BIN/prometheus"
    echo "NIMBUS_TEST_TRAEFIK=$TRAEFIK_BIN/traefik"
    echo "NIMBUS_TESTBED_RUN=$NIMBUS_RUN"
  } >"$env_file"
fi
echo "$kubeconfig"
