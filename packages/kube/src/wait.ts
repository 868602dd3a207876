import { describeRef, NimbusError, type ObjectRef, refKey } from '@nimbus/model';
import type { KubeClient } from './client.js';
import { type Health, healthOf } from './health.js';

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** Called with each object's health whenever it changes. */
  onChange?: (ref: ObjectRef, health: Health) => void;
  /** Clock, injectable for tests. */
  now?: () => number;
  /** Stops waiting early (the generator returns, nothing is thrown). */
  signal?: AbortSignal;
}

export interface HealthUpdate {
  ref: ObjectRef;
  health: Health;
}

const settled = (h: Health) => h.status === 'Healthy' || h.status === 'Suspended';

/**
 * Polls the objects and yields each one's health as soon as it changes, until
 * every object is Healthy (or Suspended). A Degraded object ends the wait with
 * NIMBUS_KUBE_DEGRADED; running out of time with NIMBUS_KUBE_TIMEOUT naming the
 * objects still pending.
 */
export async function* healthUpdates(
  client: KubeClient,
  refs: readonly ObjectRef[],
  options: Omit<WaitOptions, 'onChange'>,
): AsyncGenerator<HealthUpdate, void> {
  const now = options.now ?? Date.now;
  const deadline = now() + options.timeoutMs;
  const last = new Map<string, string>();
  let pending = [...refs];
  for (;;) {
    const results = await Promise.all(pending.map(async (ref) => ({ ref, health: healthOf(await client.get(ref)) })));
    for (const { ref, health } of results) {
      const text = `${health.status}:${health.message ?? ''}`;
      if (last.get(refKey(ref)) === text) continue;
      last.set(refKey(ref), text);
      yield { ref, health };
    }
    const degraded = results.find((r) => r.health.status === 'Degraded');
    if (degraded) {
      throw new NimbusError('NIMBUS_KUBE_DEGRADED', `${describeRef(degraded.ref)} is degraded: ${degraded.health.message ?? ''}`);
    }
    pending = results.filter((r) => !settled(r.health)).map((r) => r.ref);
    if (pending.length === 0 || options.signal?.aborted) return;
    if (now() >= deadline) {
      const list = pending.map((r) => `${r.kind}/${r.name} (${last.get(refKey(r))})`);
      throw new NimbusError('NIMBUS_KUBE_TIMEOUT', `timed out waiting for ${pending.length} objects: ${list.join(', ')}`);
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 500));
  }
}

/** Waits until every object is healthy; `onChange` hears each change as it happens. */
export async function waitForHealthy(client: KubeClient, refs: readonly ObjectRef[], options: WaitOptions): Promise<void> {
  for await (const u of healthUpdates(client, refs, options)) options.onChange?.(u.ref, u.health);
}
