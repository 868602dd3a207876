import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deploy } from '@nimbus/delivery';
import { ConfigManager, CustomResourceManager, crdFromDefinition, IstioManager } from '@nimbus/delivery/managers';
import { type KubeClient, type WatchEvent, watchCollection as watch } from '@nimbus/kube';
import { loadApp } from '@nimbus/model';
import { argoApplication, renderApp, resolveApp } from '@nimbus/render';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../packages/cli/test/helpers.js';
import { connectTestCluster, installUpstreamCrds, testKubeconfig, uniqueNamespace } from './testbed.js';

const root = new URL('../../', import.meta.url).pathname;
const load = (file: string, namespace: string) => {
  const spec = loadApp([{ file, text: readFileSync(join(root, file), 'utf8') }]).spec;
  return { ...spec, metadata: { ...spec.metadata, namespace } };
};
const drain = async (events: AsyncGenerator<unknown, unknown>) => {
  for (let n = await events.next(); !n.done; n = await events.next());
};

/** CRDs are cluster-scoped and outlive test namespaces: start each CRD test from none. */
async function removeCrd(client: KubeClient, name: string): Promise<void> {
  const ref = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name };
  await client.delete(ref);
  const deadline = Date.now() + 30_000;
  while ((await client.get(ref)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
}

describe('mesh, GitOps and custom resources on a real API server with the upstream CRDs', () => {
  let client: KubeClient;
  const cleanup: string[] = [];
  beforeAll(async () => {
    client = await connectTestCluster();
    expect(await installUpstreamCrds(client)).toBeGreaterThan(20);
  }, 240_000);
  afterAll(async () => {
    for (const ns of cleanup) await client.delete({ apiVersion: 'v1', kind: 'Namespace', name: ns });
    client?.close();
  });

  for (const fixture of ['mesh-istio', 'mesh-gateway-api']) {
    it(`${fixture}: every rendered object, custom resources included, is accepted by the server`, async () => {
      const ns = uniqueNamespace(fixture.replace('mesh-', ''));
      cleanup.push(ns);
      const { objects } = renderApp(load(`test/fixtures/specs/${fixture}/nimbus.yaml`, ns));
      const custom = objects.filter((o) => /istio\.io|gateway\.networking/.test(o.apiVersion));
      expect(custom.length).toBeGreaterThanOrEqual(fixture === 'mesh-istio' ? 8 : 1);
      await drain(deploy(client, { app: fixture, namespace: ns, objects, wait: false }));
      for (const o of custom)
        expect(
          await client.get({ apiVersion: o.apiVersion, kind: o.kind, namespace: ns, name: o.metadata.name }),
          `${o.kind}/${o.metadata.name}`,
        ).toBeDefined();
    });
  }

  it('the Argo CD Application is accepted by its CRD', async () => {
    await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'argocd' } });
    const application = argoApplication(resolveApp(load('test/fixtures/specs/mesh-istio/nimbus.yaml', 'store'))) as NonNullable<
      ReturnType<typeof argoApplication>
    >;
    const stored = await client.apply({
      ...application,
      metadata: { ...application.metadata, finalizers: undefined } as typeof application.metadata,
    });
    expect((stored.spec as { syncPolicy: { retry: { limit: number } } }).syncPolicy.retry.limit).toBe(5);
    await client.delete({ apiVersion: application.apiVersion, kind: 'Application', namespace: 'argocd', name: application.metadata.name });
  });

  it("the seed's Istio calls work twice in a row (v1 APIs, idempotent)", async () => {
    const ns = uniqueNamespace('istio-seed');
    cleanup.push(ns);
    await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    const istio = new IstioManager(client);
    for (let i = 0; i < 2; i++) {
      await istio.createCanary('reviews', ns, 'reviews', 90);
      await istio.createAuthorizationPolicy('reviews', ns, { app: 'reviews' }, [
        { from: [{ source: { principals: [`cluster.local/ns/${ns}/sa/productpage`] } }] },
      ]);
    }
    const vs = await client.get({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', namespace: ns, name: 'reviews' });
    expect(vs?.metadata.generation).toBe(1);
    const weights = ((vs?.spec ?? {}) as { http: { route: { weight: number }[] }[] }).http[0]?.route.map((r) => r.weight);
    expect(weights).toEqual([90, 10]);
  });

  it("creates the seed's Application CRD, waits until Established, and does create/read/update/delete/watch of its objects", async () => {
    const ns = uniqueNamespace('crd');
    cleanup.push(ns);
    await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    const schema = {
      type: 'object',
      properties: {
        spec: { type: 'object', required: ['image'], properties: { replicas: { type: 'integer', minimum: 1 }, image: { type: 'string' } } },
        status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      },
    } as Record<string, unknown>;
    await removeCrd(client, 'applications.example.com');
    const crds = new CustomResourceManager(client);
    const change = await crds.createCrd({
      group: 'example.com',
      version: 'v1',
      plural: 'applications',
      singular: 'application',
      kind: 'Application',
      schema,
    });
    expect(change.created).toBe(true);
    const events: WatchEvent[] = [];
    const abort = new AbortController();
    let synced: () => void = () => undefined;
    const ready = new Promise<void>((r) => {
      synced = r;
    });
    const watching = watch(
      client,
      { apiVersion: 'example.com/v1', kind: 'Application', namespace: ns },
      { signal: abort.signal, onEvent: (e) => events.push(e), onSynced: () => synced() },
    );
    await ready;
    const obj = {
      apiVersion: 'example.com/v1',
      kind: 'Application',
      metadata: { name: 'demo', namespace: ns },
      spec: { replicas: 2, image: 'demo:1.0.0' },
    };
    await crds.applyObject(obj);
    await crds.applyObject({ ...obj, spec: { replicas: 3, image: 'demo:1.0.0' } });
    expect((((await crds.getObject('example.com/v1', 'Application', ns, 'demo'))?.spec ?? {}) as { replicas?: number }).replicas).toBe(3);
    expect(await crds.listObjects('example.com/v1', 'Application', ns)).toHaveLength(1);
    await expect(
      crds.applyObject({ ...obj, metadata: { name: 'bad', namespace: ns }, spec: { replicas: 0, image: 'x' } }),
    ).rejects.toMatchObject({
      code: 'NIMBUS_KUBE_REJECTED',
    });
    expect(await crds.deleteObject('example.com/v1', 'Application', ns, 'demo')).toBe(true);
    const deadline = Date.now() + 10_000;
    while (!events.some((e) => e.type === 'DELETED') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    abort.abort();
    await watching;
    expect(events.filter((e) => e.object.metadata.name === 'demo').map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
  });

  it('upgrades a CRD safely: adds a version, refuses to drop one that still stores objects', async () => {
    const schema = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } as Record<string, unknown>;
    await removeCrd(client, 'widgets.nimbus-test.example.com');
    const crds = new CustomResourceManager(client);
    const base = { group: 'nimbus-test.example.com', plural: 'widgets', singular: 'widget', kind: 'Widget', schema };
    await crds.createCrd({ ...base, version: 'v1' });
    const ns = uniqueNamespace('widgets');
    cleanup.push(ns);
    await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    await crds.applyObject({
      apiVersion: 'nimbus-test.example.com/v1',
      kind: 'Widget',
      metadata: { name: 'w', namespace: ns },
      spec: { size: 1 },
    });
    // v2 becomes the storage version; v1 stays served: safe.
    const added = await crds.createCrd({ ...base, version: 'v2', extraVersions: [{ name: 'v1', schema }] });
    expect(added.addedVersions).toEqual(['v2']);
    // Dropping v1 while an object is stored as v1 would strand it: refused, nothing applied.
    await expect(crds.createCrd({ ...base, version: 'v2' })).rejects.toMatchObject({ code: 'NIMBUS_CRD_UNSAFE' });
    const live = await client.get({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      name: 'widgets.nimbus-test.example.com',
    });
    expect(((live?.spec ?? {}) as { versions: { name: string }[] }).versions.map((v) => v.name).sort()).toEqual(['v1', 'v2']);
    expect(crdFromDefinition({ ...base, version: 'v2' }).metadata.name).toBe('widgets.nimbus-test.example.com');
  });

  it('merges config updates, rolls the pods that use it, and never shows a secret value', async () => {
    const ns = uniqueNamespace('config');
    cleanup.push(ns);
    await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    const config = new ConfigManager(client);
    await client.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'empty', namespace: ns } });
    await config.updateConfigMap('empty', ns, { A: '1' });
    await config.createConfigMap('app', ns, { MODE: 'blue', LEVEL: 'info' });
    const secret = await config.createSecret('db', ns, { password: 'hunter2-very-secret' });
    expect(JSON.stringify(secret)).not.toContain('hunter2');
    expect((secret as { keys?: string[] }).keys).toEqual(['password']);
    const live = await client.get({ apiVersion: 'v1', kind: 'Secret', namespace: ns, name: 'db' });
    expect(Buffer.from((live as { data: { password: string } }).data.password, 'base64').toString()).toBe('hunter2-very-secret');
    await client.apply({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'reader', namespace: ns },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'reader' } },
        template: {
          metadata: { labels: { app: 'reader' } },
          spec: { containers: [{ name: 'c', image: 'r:1', envFrom: [{ configMapRef: { name: 'app' } }] }] },
        },
      },
    });
    const { configMap, rolled } = await config.updateConfigMap('app', ns, { MODE: 'green', LEVEL: null });
    expect((configMap as { data: Record<string, string> }).data).toEqual({ MODE: 'green' });
    expect(rolled).toEqual(['Deployment/reader']);
    const reader = await client.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'reader' });
    expect(reader?.metadata.generation).toBe(2);
    expect(
      ((await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'empty' })) as { data: Record<string, string> }).data,
    ).toEqual({ A: '1' });

    // diff output of a changed Secret shows neither the old nor the new value.
    const dir = mkdtempSync(join(tmpdir(), 'nimbus-secret-'));
    writeFileSync(
      join(dir, 'secret.yaml'),
      `apiVersion: v1\nkind: Secret\nmetadata: { name: db, namespace: ${ns} }\nstringData: { password: another-secret-value }\n`,
    );
    const diff = await runCli(['diff', '-f', 'secret.yaml', '--app', 'cfg', '-n', ns, '--kubeconfig', testKubeconfig()], dir);
    expect(diff.stdout).toContain(`update Secret/${ns}/db`);
    expect(diff.stdout + diff.stderr).not.toMatch(/hunter2|another-secret-value|aHVudGVy|YW5vdGhlci/);
  });
});
