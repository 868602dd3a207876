#!/usr/bin/env bash
# Stops everything up.sh started. Safe to run when nothing is running.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/versions.sh"
export KWOK_WORKDIR="$NIMBUS_RUN/kwok"
# The real node first: it restores iptables, sysctls, mounts and cgroups.
bash "$here/node.sh" stop "$KWOK_WORKDIR/clusters/nimbus/kubeconfig.yaml" 2>/dev/null || true
if [ -x "$KWOK_BIN/kwokctl" ]; then
  "$KWOK_BIN/kwokctl" delete cluster --name nimbus >/dev/null 2>&1 || true
fi
bash "$here/redis.sh" stop 2>/dev/null || true
bash "$here/docker.sh" stop 2>/dev/null || true
bash "$here/registry.sh" stop 2>/dev/null || true
# Anything still running from the cluster's binaries (e.g. restarted by a test) goes too.
pkill -9 -f "^$NIMBUS_RUN/kwok/clusters/" 2>/dev/null || true
rm -rf "$NIMBUS_RUN"
echo "[testbed] stopped" >&2
