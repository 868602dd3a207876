import { spawn } from 'node:child_process';
import { type DeployEvent, deploy, ReleaseStore } from '@nimbus/delivery';
import type { KubeClient } from '@nimbus/kube';
import { loadApp, objectKey } from '@nimbus/model';
import { renderApp } from '@nimbus/render';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateAppText } from '../../bench/generate.mjs';
import { connectTestCluster, uniqueNamespace } from './testbed.js';

const root = new URL('../../', import.meta.url).pathname;

async function drain(events: AsyncGenerator<DeployEvent, unknown>, onEvent: (e: DeployEvent) => void): Promise<unknown> {
  for (;;) {
    const next = await events.next();
    if (next.done) return next.value;
    onEvent(next.value);
  }
}

describe('kube-apiserver killed in the middle of a large deploy', () => {
  let client: KubeClient;
  const ns = uniqueNamespace('crash');
  const spec = loadApp([{ text: generateAppText(60) }]).spec;
  const { objects } = renderApp({ ...spec, metadata: { ...spec.metadata, name: 'crash', namespace: ns } });

  beforeAll(async () => {
    client = await connectTestCluster();
  });
  afterAll(async () => {
    await client?.delete({ apiVersion: 'v1', kind: 'Namespace', name: ns }).catch(() => undefined);
    client?.close();
  });

  /** Keys of the app's live objects in the namespace, kind by kind. */
  async function liveKeys(): Promise<Set<string>> {
    const live = new Set<string>();
    const kinds = [...new Set(objects.filter((o) => o.kind !== 'Namespace').map((o) => `${o.apiVersion}|${o.kind}`))];
    for (const k of kinds) {
      const [apiVersion, kind] = k.split('|') as [string, string];
      const items = await client.list({ apiVersion, kind, namespace: ns });
      for (const o of items.filter((x) => x.metadata.labels?.['app.kubernetes.io/part-of'] === 'crash')) live.add(objectKey(o));
    }
    return live;
  }

  it('resumes (or fails clearly), and a rerun converges with nothing lost or duplicated', async () => {
    expect(objects.length).toBeGreaterThan(400);
    let applied = 0;
    let restart: ReturnType<typeof spawn> | undefined;
    let outcome: unknown;
    try {
      outcome = await drain(deploy(client, { app: 'crash', namespace: ns, objects, wait: false, concurrency: 8 }), (e) => {
        if (e.type === 'applied' && ++applied === 1) {
          restart = spawn('bash', ['testbed/restart-apiserver.sh', '3'], { cwd: root, stdio: 'ignore' });
        }
      });
    } catch (err) {
      // A clear, typed error is an acceptable outcome; a hang or a crash is not.
      outcome = err;
      expect((err as { code?: string }).code).toMatch(/^NIMBUS_KUBE_/);
    }
    await new Promise<void>((resolve) => (restart?.exitCode !== null ? resolve() : restart.on('exit', () => resolve())));
    expect(restart?.exitCode).toBe(0);

    // The rerun converges: every object exists exactly once, and one revision is deployed last.
    await drain(deploy(client, { app: 'crash', namespace: ns, objects, wait: false }), () => undefined);
    const live = await liveKeys();
    const expected = new Set(objects.filter((o) => o.kind !== 'Namespace').map(objectKey));
    expect([...live].sort()).toEqual([...expected].sort());
    const releases = await new ReleaseStore(client, ns, 'crash').list();
    expect(releases[releases.length - 1]?.status).toBe('deployed');
    expect(releases.filter((r) => r.status === 'deployed')).toHaveLength(1);
    expect(outcome).toBeDefined();
    console.info(
      `first deploy: ${outcome instanceof Error ? `failed clearly (${(outcome as { code?: string }).code})` : 'resumed and completed'} across the restart`,
    );
  });
});
