import { readFileSync } from 'node:fs';
import { type KubeClient, waitForHealthy } from '@nimbus/kube';
import { loadApp, refOf } from '@nimbus/model';
import { sdkServices } from '@nimbus/project';
import { renderApp } from '@nimbus/render';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTestCluster, uniqueNamespace } from './testbed.js';

const root = new URL('../../', import.meta.url);

describe('the rendered example on a real control plane', () => {
  let client: KubeClient;
  const namespace = uniqueNamespace('shop');
  const spec = loadApp([{ file: 'nimbus.yaml', text: readFileSync(new URL('examples/shop/nimbus.yaml', root), 'utf8') }], {
    environment: 'prod',
  }).spec;
  // Rendered as the CLI renders it: the example's services use the runtime SDK (seen in their build contexts).
  const sdk = sdkServices(spec, new URL('examples/shop/', root).pathname);
  const { objects } = renderApp({ ...spec, metadata: { ...spec.metadata, namespace } }, { sdkServices: sdk });

  beforeAll(async () => {
    client = await connectTestCluster();
  });
  afterAll(async () => {
    await client?.delete({ apiVersion: 'v1', kind: 'Namespace', name: namespace });
    client?.close();
  });

  it('is admitted under Pod Security "restricted" and every workload becomes healthy', async () => {
    for (const o of objects) await client.apply(o);
    const ns = await client.get({ apiVersion: 'v1', kind: 'Namespace', name: namespace });
    expect(ns?.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');

    const workloads = objects.filter((o) => ['Deployment', 'Job'].includes(o.kind)).map(refOf);
    await waitForHealthy(client, workloads, { timeoutMs: 120_000 });

    // prod: web min 3, api min 4, worker 2 replicas. Deployments without `replicas` start at one pod;
    // the HPA controller raises them to minReplicas on its next sync, even with no metrics pipeline.
    const runningPods = async () =>
      (await client.list({ apiVersion: 'v1', kind: 'Pod', namespace })).filter(
        (p) => (p.status as { phase?: string }).phase === 'Running' && !p.metadata.name.includes('migrate'),
      ).length;
    const deadline = Date.now() + 90_000;
    while ((await runningPods()) < 9 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1000));
    expect(await runningPods()).toBe(9);
    const events = await client.list({ apiVersion: 'v1', kind: 'Event', namespace }, { fieldSelector: 'type=Warning' });
    expect(events.filter((e) => String((e as { message?: string }).message).includes('violates PodSecurity'))).toEqual([]);
  });

  it('re-applying the same bundle changes nothing (server-side apply is idempotent)', async () => {
    const before = await Promise.all(objects.map((o) => client.get(refOf(o))));
    for (const o of objects) await client.apply(o);
    const after = await Promise.all(objects.map((o) => client.get(refOf(o))));
    expect(after.map((o) => o?.metadata.resourceVersion)).toEqual(before.map((o) => o?.metadata.resourceVersion));
  });

  it('rejects a privileged pod in the same namespace: the server enforces the profile', async () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'intruder', namespace },
      spec: { containers: [{ name: 'c', image: 'busybox:1.36', securityContext: { privileged: true } }] },
    };
    await expect(client.apply(pod)).rejects.toMatchObject({ code: 'NIMBUS_KUBE_REJECTED', status: 403 });
  });
});
