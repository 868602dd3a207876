import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { acquireLease, type HeldLease, type KubeClient, LeaseTakenError } from '@nimbus/kube';
import { NimbusError } from '@nimbus/model';

export interface LockOptions {
  /** How long a holder's claim lasts without renewal. */
  leaseSeconds?: number;
  /** Clock, for tests. */
  now?: () => Date;
}

export type HeldLock = HeldLease;

/**
 * A per-app deploy lock on a Lease. The holder renews it while working; a
 * holder that died stops renewing, and the next deploy takes the expired lease
 * over — no lock is ever stuck.
 */
export async function acquireLock(client: KubeClient, namespace: string, app: string, options: LockOptions = {}): Promise<HeldLock> {
  const holder = `${hostname()}/${process.pid}/${randomBytes(3).toString('hex')}`;
  try {
    return await acquireLease(client, {
      namespace,
      name: `nimbus-lock-${app}`,
      holder,
      leaseSeconds: options.leaseSeconds ?? 30,
      now: options.now,
    });
  } catch (err) {
    if (err instanceof LeaseTakenError) throw new NimbusError('NIMBUS_LOCKED', `another deploy of ${app} holds the lock: ${err.message}`);
    throw err;
  }
}
