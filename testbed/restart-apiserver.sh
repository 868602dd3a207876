#!/usr/bin/env bash
# Kills the testbed's kube-apiserver (SIGKILL, as a crash) and starts the same
# binary with the same arguments again after DOWN seconds. For resilience tests.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/versions.sh"
down="${1:-2}"
pidfile="$NIMBUS_RUN/kwok/clusters/nimbus/pids/kube-apiserver.pid"
# The process, found by its binary path: pid files can lag behind earlier restarts.
pid="$(pgrep -f "^$NIMBUS_RUN/kwok/clusters/nimbus/bin/kube-apiserver " | head -n 1)"
[ -n "$pid" ] || { echo "[testbed] no kube-apiserver running" >&2; exit 1; }
cwd="$(readlink "/proc/$pid/cwd")"
mapfile -d '' args <"/proc/$pid/cmdline"
kill -9 "$pid"
sleep "$down"
cd "$cwd"
setsid "${args[@]}" >>"$NIMBUS_RUN/apiserver-restarts.log" 2>&1 &
echo $! >"$pidfile"
echo "[testbed] kube-apiserver restarted after ${down}s down (pid $!)" >&2
