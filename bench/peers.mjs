import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where bench/peers.sh puts peer tools built from their Go modules (outside the repo). */
export const PEER_DIR =
  process.env.NIMBUS_PEERS ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'nimbus-testbed', 'peers');

export function peerBinary(name) {
  const path = join(PEER_DIR, name);
  return existsSync(path) ? path : undefined;
}
