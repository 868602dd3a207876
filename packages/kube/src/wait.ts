import { NimbusError } from '@nimbus/model';
import { objectKey } from '@nimbus/render';
import type { KubeClient, ObjectRef } from './client.js';
import { type Health, healthOf } from './health.js';

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** Called with each object's health whenever it changes. */
  onChange?: (ref: ObjectRef, health: Health) => void;
  /** Clock, injectable for tests. */
  now?: () => number;
}

/**
 * Polls until every object is Healthy (or Suspended). A Degraded object fails
 * the wait at once; running out of time fails it with the objects still pending.
 */
export async function waitForHealthy(client: KubeClient, refs: readonly ObjectRef[], options: WaitOptions): Promise<void> {
  const now = options.now ?? Date.now;
  const deadline = now() + options.timeoutMs;
  const last = new Map<string, string>();
  let pending = [...refs];
  for (;;) {
    const results = await Promise.all(pending.map(async (ref) => ({ ref, health: healthOf(await client.get(ref)) })));
    const still: typeof pending = [];
    for (const { ref, health } of results) {
      const key = objectKey({ kind: ref.kind, metadata: { name: ref.name, namespace: ref.namespace } });
      const text = `${health.status}:${health.message ?? ''}`;
      if (last.get(key) !== text) {
        last.set(key, text);
        options.onChange?.(ref, health);
      }
      if (health.status === 'Degraded') {
        throw new NimbusError(
          'NIMBUS_KUBE_TIMEOUT',
          `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name} is degraded: ${health.message ?? ''}`,
        );
      }
      if (health.status !== 'Healthy' && health.status !== 'Suspended') still.push(ref);
    }
    pending = still;
    if (pending.length === 0) return;
    if (now() >= deadline) {
      const list = pending.map(
        (r) => `${r.kind}/${r.name} (${last.get(objectKey({ kind: r.kind, metadata: { name: r.name, namespace: r.namespace } }))})`,
      );
      throw new NimbusError('NIMBUS_KUBE_TIMEOUT', `timed out waiting for ${pending.length} objects: ${list.join(', ')}`);
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 500));
  }
}
