#!/usr/bin/env bash
# A real node for the testbed's control plane: containerd + runc + CNI +
# kubelet + kube-proxy on this machine, then cluster DNS (CoreDNS) and
# metrics-server as host processes behind selector-less Services. Pods really
# run, probes really execute, Services carry traffic, HPAs see metrics.
#
#   node.sh start KUBECONFIG REGISTRY   brings it up (idempotent); prints the node name
#   node.sh stop                        tears it down and restores the host
#
# Guards go in first and come out last: with a real node the host and the pods
# have routes into the Service and pod ranges, and anything not yet programmed
# would follow the default route off the machine.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/versions.sh"
run="$NIMBUS_RUN/node"
sock="$run/containerd/containerd.sock"
node_name="$(hostname)"
bridge=nimbus0
void_bridge=nimbus-void
# An empty local bridge: the "foreign" destination tests aim at. Nothing is behind it.
VOID_CIDR=10.250.0.0/24
VOID_GATEWAY=10.250.0.1
log() { printf '[testbed] %s\n' "$*" >&2; }
die() { printf '[testbed] FAILED: %s\n' "$*" >&2; exit 1; }

# Starts a long-running process detached from this script's output (callers
# read our stdout), logs to $run/NAME.log, and records its PID: teardown stops
# exactly the processes started here, never by name.
daemon() {
  local name="$1"
  shift
  setsid "$@" </dev/null >"$run/$name.log" 2>&1 &
  echo $! >"$run/$name.pid"
}

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
stop_pid() {
  local f="$1" p
  [ -f "$f" ] || return 0
  p="$(cat "$f")"
  kill "$p" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$p" 2>/dev/null || true
  rm -f "$f"
}

# ---------------------------------------------------------------- guards
install_guards() {
  # (1) Host guard: a host connection whose original destination is in the
  # Service range must have been translated to a local or pod address;
  # otherwise (no rule programmed yet) it is rejected, never routed.
  iptables -N NIMBUS-HOST-GUARD 2>/dev/null || iptables -F NIMBUS-HOST-GUARD
  iptables -A NIMBUS-HOST-GUARD -m addrtype --dst-type LOCAL -j RETURN
  iptables -A NIMBUS-HOST-GUARD -d "$NODE_POD_CIDR" -j RETURN
  iptables -A NIMBUS-HOST-GUARD -j REJECT --reject-with icmp-net-unreachable
  iptables -C OUTPUT -m conntrack --ctorigdst "$SERVICE_CIDR" -j NIMBUS-HOST-GUARD 2>/dev/null ||
    iptables -I OUTPUT 1 -m conntrack --ctorigdst "$SERVICE_CIDR" -j NIMBUS-HOST-GUARD
  # (2) Pod-egress guard, in mangle (the CNI firewall plugin accepts all a pod
  # sends in filter): pod traffic forwarded anywhere but the pod bridge is
  # logged and dropped. Its counters are what the guard test reads.
  iptables -t mangle -N NIMBUS-POD-EGRESS 2>/dev/null || iptables -t mangle -F NIMBUS-POD-EGRESS
  iptables -t mangle -A NIMBUS-POD-EGRESS -o "$bridge" -j RETURN
  iptables -t mangle -A NIMBUS-POD-EGRESS -j LOG --log-prefix "nimbus-pod-egress-drop: " --log-level 4
  iptables -t mangle -A NIMBUS-POD-EGRESS -j DROP
  iptables -t mangle -C FORWARD -s "$NODE_POD_CIDR" -j NIMBUS-POD-EGRESS 2>/dev/null ||
    iptables -t mangle -I FORWARD 1 -s "$NODE_POD_CIDR" -j NIMBUS-POD-EGRESS
}

# Removes every chain whose name starts with PREFIX from a table, with the rules that jump to them.
remove_chains() {
  local table="$1" prefix="$2" rule chain
  iptables-save -t "$table" | grep -E "^-A [A-Z]+ .*-j $prefix" | sed 's/^-A /-D /' | while read -r rule; do
    eval "iptables -t $table $rule" 2>/dev/null || true
  done
  for chain in $(iptables-save -t "$table" | sed -n "s/^:\($prefix[^ ]*\) .*/\1/p"); do iptables -t "$table" -F "$chain" 2>/dev/null || true; done
  for chain in $(iptables-save -t "$table" | sed -n "s/^:\($prefix[^ ]*\) .*/\1/p"); do iptables -t "$table" -X "$chain" 2>/dev/null || true; done
}

remove_guards() {
  iptables -D OUTPUT -m conntrack --ctorigdst "$SERVICE_CIDR" -j NIMBUS-HOST-GUARD 2>/dev/null || true
  iptables -F NIMBUS-HOST-GUARD 2>/dev/null && iptables -X NIMBUS-HOST-GUARD 2>/dev/null || true
  iptables -t mangle -D FORWARD -s "$NODE_POD_CIDR" -j NIMBUS-POD-EGRESS 2>/dev/null || true
  iptables -t mangle -F NIMBUS-POD-EGRESS 2>/dev/null && iptables -t mangle -X NIMBUS-POD-EGRESS 2>/dev/null || true
}

# ---------------------------------------------------------------- host settings
SYSCTLS="net.ipv4.ip_forward net.bridge.bridge-nf-call-iptables vm.overcommit_memory kernel.panic kernel.panic_on_oops net.ipv4.conf.all.route_localnet"
# The host's values before any real node touched them, kept machine-wide until
# a teardown has restored them: a teardown that was cut short must not make a
# later start save the node's values as the host's.
SYSCTL_SAVED=/run/nimbus-testbed-node.sysctl
save_sysctls() {
  [ -f "$SYSCTL_SAVED" ] && return 0
  for k in $SYSCTLS; do echo "$k=$(sysctl -n "$k" 2>/dev/null || echo '')"; done >"$SYSCTL_SAVED"
}
restore_sysctls() {
  [ -f "$SYSCTL_SAVED" ] || return 0
  while IFS='=' read -r k v; do [ -n "$v" ] && sysctl -qw "$k=$v" 2>/dev/null || true; done <"$SYSCTL_SAVED"
  rm -f "$SYSCTL_SAVED"
}

make_bridges() {
  ip link show "$bridge" >/dev/null 2>&1 || ip link add "$bridge" type bridge
  ip addr show dev "$bridge" | grep "$NODE_GATEWAY/" >/dev/null || ip addr add "$NODE_GATEWAY/24" dev "$bridge"
  ip link set "$bridge" up
  ip link show "$void_bridge" >/dev/null 2>&1 || ip link add "$void_bridge" type bridge
  ip addr show dev "$void_bridge" | grep "$VOID_GATEWAY/" >/dev/null || ip addr add "$VOID_GATEWAY/24" dev "$void_bridge"
  ip link set "$void_bridge" up
}

# ---------------------------------------------------------------- images
# The sandbox ("pause") image: a static program that sleeps and reaps, as uid 65535.
make_pause_image() {
  local dir="$run/pause" layer
  [ -f "$run/pause.tar" ] && return 0
  mkdir -p "$dir/rootfs"
  cat >"$dir/pause.c" <<'C'
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
static void reap(int s) { (void)s; while (waitpid(-1, 0, WNOHANG) > 0) {} }
static void quit(int s) { (void)s; _exit(0); }
int main(void) {
  signal(SIGCHLD, reap); signal(SIGINT, quit); signal(SIGTERM, quit);
  for (;;) pause();
}
C
  gcc -static -Os -o "$dir/rootfs/pause" "$dir/pause.c" || die "cannot compile the pause program (gcc, libc6-dev)"
  (cd "$dir/rootfs" && tar --owner=0 --group=0 -cf ../layer.tar pause)
  layer="$(sha256sum "$dir/layer.tar" | cut -d' ' -f1)"
  mkdir -p "$dir/image/$layer"
  mv "$dir/layer.tar" "$dir/image/$layer/layer.tar"
  cat >"$dir/image/config.json" <<JSON
{"architecture":"amd64","os":"linux","config":{"Entrypoint":["/pause"],"User":"65535:65535"},"rootfs":{"type":"layers","diff_ids":["sha256:$layer"]},"history":[{"created_by":"nimbus testbed"}]}
JSON
  echo "[{\"Config\":\"config.json\",\"RepoTags\":[\"nimbus.local/pause:1\"],\"Layers\":[\"$layer/layer.tar\"]}]" >"$dir/image/manifest.json"
  (cd "$dir/image" && tar -cf "$run/pause.tar" .)
}

# ---------------------------------------------------------------- containerd
start_containerd() {
  local registry="$1"
  pid_alive "$run/containerd.pid" && return 0
  mkdir -p "$run/containerd" $NIMBUS_DATA_ROOT/containerd "$run/cni/net.d"
  cat >"$run/containerd.toml" <<TOML
version = 2
root = "$NIMBUS_DATA_ROOT/containerd"
state = "$run/containerd/state"
[grpc]
  address = "$sock"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "nimbus.local/pause:1"
  restrict_oom_score_adj = true
  enable_unprivileged_ports = false
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$run/cni/net.d"
  [plugins."io.containerd.grpc.v1.cri".registry.mirrors."$registry"]
    endpoint = ["http://$registry"]
TOML
  cat >"$run/cni/net.d/10-nimbus.conflist" <<JSON
{
  "cniVersion": "1.0.0",
  "name": "nimbus",
  "plugins": [
    { "type": "bridge", "bridge": "$bridge", "isGateway": true, "ipMasq": false, "hairpinMode": true,
      "ipam": { "type": "host-local", "ranges": [[{ "subnet": "$NODE_POD_CIDR", "gateway": "$NODE_GATEWAY" }]], "routes": [{ "dst": "0.0.0.0/0" }] } },
    { "type": "portmap", "capabilities": { "portMappings": true } },
    { "type": "firewall" }
  ]
}
JSON
  daemon containerd containerd --config "$run/containerd.toml"
  for _ in $(seq 1 100); do ctr -a "$sock" version >/dev/null 2>&1 && break; sleep 0.1; done
  ctr -a "$sock" version >/dev/null 2>&1 || { tail -20 "$run/containerd.log" >&2; die "containerd did not start"; }
  ctr -a "$sock" -n k8s.io images import "$run/pause.tar" >/dev/null || die "cannot import the pause image"
}

# ---------------------------------------------------------------- kubelet, kube-proxy
start_kubelet() {
  local kubeconfig="$1"
  pid_alive "$run/kubelet.pid" && return 0
  mkdir -p "$run/kubelet" "$run/pki"
  cat >"$run/kubelet.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: 127.0.0.1
port: 10250
healthzBindAddress: 127.0.0.1
healthzPort: 10248
readOnlyPort: 0
failCgroupV1: false
cgroupDriver: cgroupfs
containerRuntimeEndpoint: unix://$sock
# Nothing in a pod may reach a resolver off the machine: cluster DNS only.
resolvConf: ""
clusterDNS: [$CLUSTER_DNS]
clusterDomain: cluster.local
authentication:
  anonymous: { enabled: true }
  webhook: { enabled: false }
authorization:
  mode: AlwaysAllow
# The disk is shared with everything else on this machine: do not evict or collect for it.
evictionHard: { memory.available: "100Mi", nodefs.available: "1%", imagefs.available: "1%" }
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
serializeImagePulls: false
maxPods: 110
podPidsLimit: 4096
tlsCertFile: ""
protectKernelDefaults: false
makeIPTablesUtilChains: true
localStorageCapacityIsolation: true
staticPodPath: ""
YAML
  daemon kubelet "$KUBE_BIN/kubelet" --config "$run/kubelet.yaml" --kubeconfig "$kubeconfig" --root-dir "$run/kubelet" \
    --cert-dir "$run/pki" --hostname-override "$node_name" --node-ip "$NODE_GATEWAY" \
    --node-labels "nimbus.dev/testbed-node=real" --register-with-taints "nimbus.dev/testbed-node=real:NoSchedule" -v 1
}

start_kube_proxy() {
  local kubeconfig="$1"
  pid_alive "$run/kube-proxy.pid" && return 0
  cat >"$run/kube-proxy.yaml" <<YAML
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: { kubeconfig: $kubeconfig }
hostnameOverride: $node_name
mode: iptables
clusterCIDR: 10.244.0.0/16
bindAddress: 127.0.0.1
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
nodePortAddresses: [$NODE_GATEWAY/32]
iptables: { localhostNodePorts: false }
# Zero: leave the host's conntrack sysctls as they are.
conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s }
YAML
  daemon kube-proxy "$KUBE_BIN/kube-proxy" --config "$run/kube-proxy.yaml" -v 1
}

# ---------------------------------------------------------------- add-ons
kc() { kubectl --kubeconfig "$KUBECONFIG_PATH" "$@"; }

# A selector-less Service whose endpoint is a process on the bridge gateway.
host_service() {
  local name="$1" ip="$2" ports_yaml="$3" ep_ports_yaml="$4"
  kc apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Service
metadata: { name: $name, namespace: kube-system, labels: { nimbus.dev/testbed: addon } }
spec:
  ${ip:+clusterIP: $ip}
  ports:
$ports_yaml
---
apiVersion: v1
kind: Endpoints
metadata: { name: $name, namespace: kube-system, labels: { nimbus.dev/testbed: addon } }
subsets:
  - addresses: [{ ip: $NODE_GATEWAY }]
    ports:
$ep_ports_yaml
YAML
}

# Whether kube-proxy has written the rules of a Service's cluster IP.
programmed() { iptables-save -t nat | grep -- "-d $1/32 .*KUBE-SVC" >/dev/null; }

start_coredns() {
  pid_alive "$run/coredns.pid" && return 0
  # cluster.local from the API server; every other name is NXDOMAIN: no forwarder anywhere.
  cat >"$run/Corefile" <<COREFILE
cluster.local:53 in-addr.arpa:53 {
  bind $NODE_GATEWAY
  kubernetes cluster.local in-addr.arpa {
    kubeconfig $KUBECONFIG_PATH
    pods insecure
    fallthrough in-addr.arpa
  }
  cache 30
  errors
}
.:53 {
  bind $NODE_GATEWAY
  template ANY ANY {
    rcode NXDOMAIN
  }
}
COREFILE
  daemon coredns "$COREDNS_BIN/coredns" -conf "$run/Corefile"
  host_service kube-dns "$CLUSTER_DNS" "    - { name: dns, port: 53, protocol: UDP }
    - { name: dns-tcp, port: 53, protocol: TCP }" "      - { name: dns, port: 53, protocol: UDP }
      - { name: dns-tcp, port: 53, protocol: TCP }"
}

start_metrics_server() {
  pid_alive "$run/metrics-server.pid" && return 0
  mkdir -p "$run/metrics-server"
  # The API server's aggregator calls it with the cluster's proxy client certificate (signed by the cluster CA).
  daemon metrics-server "$METRICS_SERVER_BIN/metrics-server" --kubeconfig "$KUBECONFIG_PATH" \
    --authentication-kubeconfig "$KUBECONFIG_PATH" --authorization-kubeconfig "$KUBECONFIG_PATH" \
    --bind-address "$NODE_GATEWAY" --secure-port 4443 --cert-dir "$run/metrics-server" \
    --kubelet-insecure-tls --kubelet-preferred-address-types Hostname \
    --node-selector "kubernetes.io/hostname=$node_name" \
    --metric-resolution 15s --kubelet-request-timeout 5s \
    --requestheader-client-ca-file "$(dirname "$KUBECONFIG_PATH")/pki/ca.crt" \
    --requestheader-username-headers X-Remote-User --requestheader-group-headers X-Remote-Group \
    --requestheader-extra-headers-prefix X-Remote-Extra-
  host_service metrics-server "" "    - { name: https, port: 443, protocol: TCP, targetPort: 4443 }" \
    "      - { name: https, port: 4443, protocol: TCP }"
  # The API server dials an APIService's Service address: only once kube-proxy has programmed it.
  local ip
  ip="$(kc -n kube-system get service metrics-server -o jsonpath='{.spec.clusterIP}')"
  for _ in $(seq 1 600); do programmed "$ip" && break; sleep 0.1; done
  programmed "$ip" || die "kube-proxy did not program the metrics-server Service ($ip)"
  kc apply -f - >/dev/null <<YAML
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata: { name: v1beta1.metrics.k8s.io, labels: { nimbus.dev/testbed: addon } }
spec:
  group: metrics.k8s.io
  version: v1beta1
  service: { name: metrics-server, namespace: kube-system, port: 443 }
  insecureSkipTLSVerify: true
  groupPriorityMinimum: 100
  versionPriority: 100
YAML
}

# ---------------------------------------------------------------- stop
stop_node() {
  # Teardown goes on past any step that fails: everything restorable is restored.
  set +e +o pipefail
  KUBECONFIG_PATH="${1:-}"
  local owner
  owner="$(cat /run/nimbus-testbed-node.owner 2>/dev/null || true)"
  # Another testbed's node is not ours to take down.
  if [ -n "$owner" ] && [ "$owner" != "$NIMBUS_RUN" ]; then rm -rf "$run"; return 0; fi
  if [ -n "$KUBECONFIG_PATH" ] && [ -f "$KUBECONFIG_PATH" ]; then
    kc delete apiservice v1beta1.metrics.k8s.io --ignore-not-found --wait=false >/dev/null 2>&1 || true
  fi
  stop_pid "$run/metrics-server.pid"
  stop_pid "$run/coredns.pid"
  stop_pid "$run/kubelet.pid"
  stop_pid "$run/kube-proxy.pid"
  [ -x "$KUBE_BIN/kube-proxy" ] && "$KUBE_BIN/kube-proxy" --cleanup >/dev/null 2>&1 || true
  # Every pod's task is ended through containerd, so each shim exits by itself.
  if pid_alive "$run/containerd.pid"; then
    for t in $(ctr -a "$sock" -n k8s.io tasks ls -q 2>/dev/null); do
      ctr -a "$sock" -n k8s.io tasks kill -s SIGKILL "$t" >/dev/null 2>&1 || true
    done
    sleep 0.5
    for t in $(ctr -a "$sock" -n k8s.io tasks ls -q 2>/dev/null); do ctr -a "$sock" -n k8s.io tasks delete -f "$t" >/dev/null 2>&1 || true; done
    for c in $(ctr -a "$sock" -n k8s.io containers ls -q 2>/dev/null); do ctr -a "$sock" -n k8s.io containers delete "$c" >/dev/null 2>&1 || true; done
  fi
  stop_pid "$run/containerd.pid"
  # Mounts left by the kubelet (secrets, projected tokens) and containerd (rootfs, shm).
  for m in $(awk -v a="$run" -v b=$NIMBUS_DATA_ROOT/containerd '$2 ~ "^"a || $2 ~ "^"b {print $2}' /proc/mounts | sort -r); do
    umount -l "$m" 2>/dev/null || true
  done
  # Pod network namespaces the CNI left behind.
  for ns in $(ip netns list 2>/dev/null | awk '/^cni-/{print $1}'); do ip netns delete "$ns" 2>/dev/null || true; done
  ip link delete "$bridge" 2>/dev/null || true
  ip link delete "$void_bridge" 2>/dev/null || true
  # What the kubelet and the CNI plugins added (kube-proxy cleaned its own up above).
  for table in filter nat mangle; do
    remove_chains "$table" KUBE-
    remove_chains "$table" CNI-
  done
  # cgroups the kubelet made under each hierarchy, deepest first.
  for h in /sys/fs/cgroup/*/; do
    [ -d "$h/kubepods" ] && find "$h/kubepods" -depth -type d -exec rmdir {} \; 2>/dev/null || true
    [ -d "$h/kubepods.slice" ] && find "$h/kubepods.slice" -depth -type d -exec rmdir {} \; 2>/dev/null || true
  done
  remove_guards
  restore_sysctls
  [ "$(cat /run/nimbus-testbed-node.owner 2>/dev/null)" = "$NIMBUS_RUN" ] && rm -f /run/nimbus-testbed-node.owner
  rm -rf "$run"
}

# ---------------------------------------------------------------- start
start_node() {
  KUBECONFIG_PATH="$1"
  local registry="$2" t0
  t0=$(date +%s)
  # One real node per machine: it owns the host's bridge, iptables chains, kubelet ports and node name.
  local owner
  owner="$(cat /run/nimbus-testbed-node.owner 2>/dev/null || true)"
  if [ -n "$owner" ] && [ "$owner" != "$NIMBUS_RUN" ] && [ -f "$owner/node/kubelet.pid" ] && kill -0 "$(cat "$owner/node/kubelet.pid")" 2>/dev/null; then
    die "the testbed in $owner already runs this machine's real node; start this one with NIMBUS_TESTBED_REAL_NODE=0, or stop that one"
  fi
  echo "$NIMBUS_RUN" >/run/nimbus-testbed-node.owner
  mkdir -p "$run"
  local need=""
  command -v containerd >/dev/null || need="$need containerd"
  command -v runc >/dev/null || need="$need runc"
  [ -x /usr/lib/cni/bridge ] || need="$need containernetworking-plugins"
  command -v conntrack >/dev/null || need="$need conntrack"
  command -v iptables >/dev/null || need="$need iptables"
  [ -f /usr/lib/x86_64-linux-gnu/libc.a ] || [ -f /usr/lib/aarch64-linux-gnu/libc.a ] || need="$need libc6-dev gcc"
  if [ -n "$need" ]; then
    log "installing$need (Debian)"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need; } >/dev/null || die "cannot install$need"
  fi
  [ -x "$KUBE_BIN/kubelet" ] && [ -x "$KUBE_BIN/kube-proxy" ] || die "kubelet/kube-proxy are not built (testbed/build-k8s.sh)"
  bash "$here/build-addons.sh" || die "building CoreDNS and metrics-server failed"
  bash "$here/build-traefik.sh" || die "building Traefik failed"

  save_sysctls
  modprobe br_netfilter 2>/dev/null || true
  sysctl -qw net.ipv4.ip_forward=1
  sysctl -qw net.bridge.bridge-nf-call-iptables=1 || die "bridge netfilter is not available (br_netfilter)"
  install_guards
  make_bridges
  make_pause_image
  start_containerd "$registry"
  start_kubelet "$KUBECONFIG_PATH"
  start_kube_proxy "$KUBECONFIG_PATH"
  for _ in $(seq 1 120); do
    [ "$(kc get node "$node_name" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ] && break
    sleep 0.5
  done
  [ "$(kc get node "$node_name" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ] ||
    { tail -30 "$run/kubelet.log" >&2; die "the node $node_name did not become Ready"; }
  log "node $node_name Ready in $(( $(date +%s) - t0 ))s"
  start_coredns
  start_metrics_server
  log "real node with DNS and metrics ready in $(( $(date +%s) - t0 ))s"
  echo "$node_name"
}

case "${1:-}" in
  start) start_node "${2:?kubeconfig}" "${3:?registry address}" ;;
  stop) stop_node "${2:-}" ;;
  *) echo "usage: $0 start KUBECONFIG REGISTRY | stop [KUBECONFIG]" >&2; exit 2 ;;
esac
