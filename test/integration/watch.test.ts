import { type KubeClient, type WatchEvent, watchCollection } from '@nimbus/kube';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTestCluster, uniqueNamespace } from './testbed.js';

const until = async (test: () => boolean, ms = 30_000) => {
  const end = Date.now() + ms;
  while (!test() && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  return test();
};

describe('watching a collection on a real API server', () => {
  let client: KubeClient;
  const ns = uniqueNamespace('watch');
  beforeAll(async () => {
    client = await connectTestCluster();
    await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  });
  afterAll(async () => {
    await client?.delete({ apiVersion: 'v1', kind: 'Namespace', name: ns });
    client?.close();
  });

  it('streams changes, and re-lists when its resourceVersion is too old (410 Gone)', async () => {
    // Version "1" is gone once the API server has compacted etcd (the testbed does so every 15 s).
    const compacted = () =>
      client.getRaw('/api/v1/namespaces/default/configmaps', { resourceVersion: '1', resourceVersionMatch: 'Exact' }).then(
        () => false,
        (err: { status?: number }) => err.status === 410,
      );
    const deadline = Date.now() + 60_000;
    while (!(await compacted())) {
      if (Date.now() > deadline) throw new Error('resource version 1 was not compacted within 60 s');
      await new Promise((r) => setTimeout(r, 1000));
    }
    await client.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'before', namespace: ns }, data: { a: '1' } });
    const events: WatchEvent[] = [];
    const abort = new AbortController();
    // The server answers 410 for version "1" and the watch re-lists.
    let synced = false;
    const done = watchCollection(
      client,
      { apiVersion: 'v1', kind: 'ConfigMap', namespace: ns },
      {
        resourceVersion: '1',
        signal: abort.signal,
        onEvent: (e) => events.push(e),
        onSynced: () => {
          synced = true;
        },
      },
    );
    expect(await until(() => events.some((e) => e.type === 'RELISTED' && e.object.metadata.name === 'before'))).toBe(true);
    expect(await until(() => synced)).toBe(true);
    await client.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'after', namespace: ns }, data: { a: '1' } });
    await client.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'after', namespace: ns }, data: { a: '2' } });
    await client.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'after' });
    expect(await until(() => events.some((e) => e.type === 'DELETED' && e.object.metadata.name === 'after'))).toBe(true);
    abort.abort();
    await done;
    const forAfter = events.filter((e) => e.object.metadata.name === 'after').map((e) => e.type);
    expect(forAfter).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
  });
});
