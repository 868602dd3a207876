import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { KubeApiError, type KubeClient } from '@nimbus/kube';
import { NimbusError } from '@nimbus/model';
import type { KubeObject } from '@nimbus/render';

export interface LockOptions {
  /** How long a holder's claim lasts without renewal. */
  leaseSeconds?: number;
  /** Clock, for tests. */
  now?: () => Date;
}

export interface HeldLock {
  holder: string;
  /** Stops renewing and deletes the lease. */
  release(): Promise<void>;
}

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  renewTime?: string;
  acquireTime?: string;
}

const micro = (d: Date) => d.toISOString().replace('Z', '000Z');

/**
 * A per-app deploy lock on a coordination.k8s.io Lease. The holder renews it
 * while working; a holder that died stops renewing, and the next deploy takes
 * the expired lease over — no lock is ever stuck.
 */
export async function acquireLock(client: KubeClient, namespace: string, app: string, options: LockOptions = {}): Promise<HeldLock> {
  const leaseSeconds = options.leaseSeconds ?? 30;
  const now = options.now ?? (() => new Date());
  const holder = `${hostname()}/${process.pid}/${randomBytes(3).toString('hex')}`;
  const name = `nimbus-lock-${app}`;
  const path = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/leases`;
  const spec = (): LeaseSpec => ({
    holderIdentity: holder,
    leaseDurationSeconds: leaseSeconds,
    acquireTime: micro(now()),
    renewTime: micro(now()),
  });

  let current: KubeObject & { spec?: LeaseSpec };
  try {
    current = (
      await client.http.send<KubeObject>({
        method: 'POST',
        path,
        body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace }, spec: spec() },
      })
    ).body;
  } catch (err) {
    if (!(err instanceof KubeApiError && err.status === 409)) throw err;
    const existing = (await client.http.send<KubeObject & { spec?: LeaseSpec }>({ method: 'GET', path: `${path}/${name}` })).body;
    const renewed = Date.parse(existing.spec?.renewTime ?? existing.spec?.acquireTime ?? '1970-01-01T00:00:00Z');
    const expiresAt = renewed + 1000 * (existing.spec?.leaseDurationSeconds ?? leaseSeconds);
    if (expiresAt > now().getTime()) {
      throw new NimbusError(
        'NIMBUS_LOCKED',
        `another deploy of ${app} holds the lock (${existing.spec?.holderIdentity}, lease renewed ${new Date(renewed).toISOString()}, expires in ${Math.ceil((expiresAt - now().getTime()) / 1000)}s)`,
      );
    }
    // Expired: take it over. The resourceVersion makes two takers race safely: one gets 409.
    try {
      current = (await client.http.send<KubeObject>({ method: 'PUT', path: `${path}/${name}`, body: { ...existing, spec: spec() } })).body;
    } catch (e) {
      if (e instanceof KubeApiError && e.status === 409)
        throw new NimbusError('NIMBUS_LOCKED', `another deploy of ${app} took over the expired lock first`);
      throw e;
    }
  }

  let stopped = false;
  const renew = async () => {
    try {
      current = (
        await client.http.send<KubeObject>({
          method: 'PUT',
          path: `${path}/${name}`,
          body: { ...current, spec: { ...current.spec, renewTime: micro(now()) } },
        })
      ).body;
    } catch {
      // A missed renewal is retried on the next tick; the lease outlives several.
    }
  };
  const timer = setInterval(() => void (stopped || renew()), (leaseSeconds * 1000) / 3);
  timer.unref();
  return {
    holder,
    async release() {
      stopped = true;
      clearInterval(timer);
      await client.delete({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace, name }).catch(() => undefined);
    },
  };
}
