import type { KubeClient } from '@nimbus/kube';
import { type ObjectRef, objectKey, refOf } from '@nimbus/model';
import { ReleaseStore } from './releases.js';

/**
 * Removes what the app's releases applied (newest inventory first), then the
 * release records. The namespace stays unless asked for: it may hold more.
 */
export async function destroyApp(
  client: KubeClient,
  app: string,
  namespace: string,
  options: { includeNamespace?: boolean } = {},
): Promise<ObjectRef[]> {
  const store = new ReleaseStore(client, namespace, app);
  const releases = await store.list();
  const seen = new Set<string>();
  const deleted: ObjectRef[] = [];
  for (const r of [...releases].reverse()) {
    for (const o of [...r.objects].reverse()) {
      const key = objectKey(o);
      if (seen.has(key) || (o.kind === 'Namespace' && !options.includeNamespace)) continue;
      seen.add(key);
      if (await client.delete(refOf(o))) deleted.push(refOf(o));
    }
  }
  await store.deleteAll();
  return deleted;
}
