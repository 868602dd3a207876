#!/usr/bin/env bash
# Stops everything up.sh started. Safe to run when nothing is running.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/versions.sh"
export KWOK_WORKDIR="$NIMBUS_RUN/kwok"
if [ -x "$KWOK_BIN/kwokctl" ]; then
  "$KWOK_BIN/kwokctl" delete cluster --name nimbus >/dev/null 2>&1 || true
fi
rm -rf "$NIMBUS_RUN"
echo "[testbed] stopped" >&2
