import { NimbusError } from '@nimbus/model';
import type { KubeClient } from './client.js';
import { KubeApiError } from './http.js';

export interface LeaseOptions {
  namespace: string;
  name: string;
  /** Who holds it: shown to whoever finds it taken. */
  holder: string;
  /** How long a claim lasts without renewal. */
  leaseSeconds: number;
  /** Clock, for tests. */
  now?: () => Date;
  /** Called once if the lease is lost: someone else took it, or renewals failed for its whole duration. */
  onLost?: () => void;
}

export interface HeldLease {
  holder: string;
  /** Stops renewing and deletes the lease. */
  release(): Promise<void>;
  /** Stops renewing and leaves the lease to expire (what a holder that dies does). */
  abandon(): Promise<void>;
}

/** Someone else holds the lease and it has not expired. */
export class LeaseTakenError extends NimbusError {
  constructor(
    message: string,
    readonly holder: string | undefined,
    readonly expiresInMs: number,
  ) {
    super('NIMBUS_LOCKED', message);
  }
}

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  renewTime?: string;
  acquireTime?: string;
}

type LeaseObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [k: string]: unknown };
  spec?: LeaseSpec;
};

const micro = (d: Date) => d.toISOString().replace('Z', '000Z');

/**
 * Takes a coordination.k8s.io Lease and renews it every third of its duration
 * until released. An expired lease (its holder died) is taken over with a
 * compare-and-swap, so of two takers exactly one wins; a live one fails with
 * LeaseTakenError.
 */
export async function acquireLease(client: KubeClient, options: LeaseOptions): Promise<HeldLease> {
  const now = options.now ?? (() => new Date());
  const ref = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: options.namespace, name: options.name };
  const claim = (): LeaseSpec => ({
    holderIdentity: options.holder,
    leaseDurationSeconds: options.leaseSeconds,
    acquireTime: micro(now()),
    renewTime: micro(now()),
  });
  let current: LeaseObject;
  try {
    current = (await client.create({
      ...ref,
      metadata: { name: options.name, namespace: options.namespace },
      spec: claim(),
    })) as LeaseObject;
  } catch (err) {
    if (!(err instanceof KubeApiError && err.status === 409)) throw err;
    current = await takeOver(client, ref, options, claim, now);
  }

  let stopped = false;
  let renewedAt = now().getTime();
  const lost = () => {
    stopped = true;
    clearInterval(timer);
    options.onLost?.();
  };
  const renew = async () => {
    try {
      current = (await client.replace({ ...current, spec: { ...current.spec, renewTime: micro(now()) } })) as LeaseObject;
      renewedAt = now().getTime();
    } catch (err) {
      // A conflict means another holder replaced it; other failures are retried while the lease lasts.
      if (err instanceof KubeApiError && err.status === 409) lost();
      else if (now().getTime() - renewedAt > options.leaseSeconds * 1000) lost();
    }
  };
  const timer = setInterval(() => void (stopped || renew()), (options.leaseSeconds * 1000) / 3);
  timer.unref();
  return {
    holder: options.holder,
    async release() {
      stopped = true;
      clearInterval(timer);
      await client.delete(ref).catch(() => undefined);
    },
    async abandon() {
      stopped = true;
      clearInterval(timer);
    },
  };
}

async function takeOver(
  client: KubeClient,
  ref: { apiVersion: string; kind: string; namespace: string; name: string },
  options: LeaseOptions,
  claim: () => LeaseSpec,
  now: () => Date,
): Promise<LeaseObject> {
  const existing = (await client.get(ref)) as LeaseObject | undefined;
  if (!existing)
    return (await client.create({ ...ref, metadata: { name: ref.name, namespace: ref.namespace }, spec: claim() })) as LeaseObject;
  const renewed = Date.parse(existing.spec?.renewTime ?? existing.spec?.acquireTime ?? '1970-01-01T00:00:00Z');
  const expiresAt = renewed + 1000 * (existing.spec?.leaseDurationSeconds ?? options.leaseSeconds);
  const left = expiresAt - now().getTime();
  if (left > 0) {
    throw new LeaseTakenError(
      `${existing.spec?.holderIdentity} holds it (renewed ${new Date(renewed).toISOString()}, expires in ${Math.ceil(left / 1000)}s)`,
      existing.spec?.holderIdentity,
      left,
    );
  }
  // Expired: take it over. The resourceVersion makes two takers race safely: one gets 409.
  try {
    return (await client.replace({ ...existing, spec: claim() })) as LeaseObject;
  } catch (e) {
    if (e instanceof KubeApiError && e.status === 409)
      throw new LeaseTakenError('another holder took over the expired lease first', undefined, 0);
    throw e;
  }
}
