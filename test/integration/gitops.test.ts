import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Controller,
  type ControllerEvent,
  readSyncState,
  SYNC_APP_LABEL,
  type SyncApp,
  serveController,
  startController,
} from '@nimbus/gitops';
import type { KubeClient } from '@nimbus/kube';
import type { KubeObject } from '@nimbus/model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../packages/cli/test/helpers.js';
import { connectTestCluster, testKubeconfig, uniqueNamespace } from './testbed.js';

/**
 * `nimbus sync` against the real control plane and a bare Git repository on disk: commits are
 * applied as releases, live edits and deletions are put back, a bad commit leaves the last good
 * release running, a rollback pins, and of two controllers only the lease holder acts.
 */

const git = (cwd: string, args: string[]) =>
  execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'Test',
      GIT_AUTHOR_EMAIL: 't@example.com',
      GIT_COMMITTER_NAME: 'Test',
      GIT_COMMITTER_EMAIL: 't@example.com',
    },
  });
const kubectl = (args: string[]) => spawnSync('kubectl', ['--kubeconfig', testKubeconfig(), ...args], { encoding: 'utf8' });

function spec(app: string, namespace: string, image: string, extra = ''): string {
  return `apiVersion: nimbus.dev/v1alpha1
kind: App
metadata: { name: ${app}, namespace: ${namespace} }
spec:
  services:
    api:
      image: ${image}
      ports: [{ port: 8080 }]
      replicas: 2
      config:
        data: { GREETING: hello }
${extra}`;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('nimbus sync', () => {
  let client: KubeClient;
  let dir: string;
  let origin: string;
  let work: string;
  const ns = uniqueNamespace('sync');
  const app = 'ledger';
  const events: ControllerEvent[] = [];
  let controller: Controller;
  let standby: Controller | undefined;
  const deployment = () => client.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'api' });
  const imageOf = (d: KubeObject | undefined) =>
    (d?.spec as { template: { spec: { containers: { image: string }[] } } } | undefined)?.template.spec.containers[0]?.image;
  const commitSpec = async (text: string, message: string) => {
    writeFileSync(join(work, 'src/nimbus.yaml'), text);
    const r = await runCli(
      ['gitops', 'export', 'src', '--repo', '.', '--path', `deploy/${app}`, '-m', message, '--author', 'CI <ci@example.com>'],
      work,
    );
    expect(r.code, r.stderr).toBe(0);
    git(work, ['push', '-q', 'origin', 'HEAD:main']);
    return git(work, ['rev-parse', 'HEAD']).trim();
  };
  const syncApp = (): SyncApp => ({
    name: app,
    namespace: ns,
    repo: origin,
    revision: 'main',
    path: `deploy/${app}`,
    environment: undefined,
    prune: true,
    selfHeal: true,
    source: 'test',
  });

  beforeAll(async () => {
    client = await connectTestCluster();
    dir = mkdtempSync(join(tmpdir(), 'nimbus-sync-'));
    origin = join(dir, 'origin.git');
    work = join(dir, 'work');
    git(dir, ['init', '-q', '--bare', '-b', 'main', origin]);
    mkdirSync(join(work, 'src'), { recursive: true });
    git(work, ['init', '-q', '-b', 'main']);
    git(work, ['remote', 'add', 'origin', origin]);
  });

  afterAll(async () => {
    await standby?.stop();
    await controller?.stop();
    await client?.delete({ apiVersion: 'v1', kind: 'Namespace', name: ns });
    client?.close();
  });

  it('exports the rendered app to Git as a commit with the given author', async () => {
    const commit = await commitSpec(spec(app, ns, 'registry.example.com/ledger/api:1.0.0'), 'ledger 1.0.0');
    expect(git(work, ['log', '-1', '--format=%an <%ae>|%s']).trim()).toBe('CI <ci@example.com>|ledger 1.0.0');
    expect(git(work, ['show', '--name-only', '--format=', commit])).toContain(`deploy/${app}/deployment-api.yaml`);
    // Exporting the same again commits nothing.
    const again = await runCli(['gitops', 'export', 'src', '--repo', '.', '--path', `deploy/${app}`], work);
    expect(again.stdout).toContain('nothing to commit');
  });

  it('applies the commit as a release, and records the sync for nimbus status', async () => {
    controller = await startController({
      client,
      apps: [syncApp()],
      cacheDir: join(dir, 'cache'),
      pollMs: 60_000,
      timeoutMs: 60_000,
      lease: { namespace: 'default', name: `nimbus-sync-${ns}`, seconds: 4 },
      identity: 'controller-a',
      onEvent: (e) => events.push(e),
    });
    const outcome = await until(
      'the first sync',
      async () => events.find((e) => e.type === 'outcome' && e.outcome.app === app),
      30_000,
    ).catch((err) => {
      throw new Error(`${err.message}; events: ${JSON.stringify(events.filter((e) => e.type !== 'deploy'))}`);
    });
    expect(outcome).toMatchObject({ type: 'outcome', outcome: { result: 'applied', revision: 1 } });
    const live = await deployment();
    expect(imageOf(live)).toBe('registry.example.com/ledger/api:1.0.0');
    expect(live?.metadata.labels?.[SYNC_APP_LABEL]).toBe(app);
    const state = await readSyncState(client, ns, app);
    expect(state).toMatchObject({ phase: 'Synced', revision: 1, subject: 'ledger 1.0.0' });
    const status = await runCli(['status', '--app', app, '-n', ns, '--kubeconfig', testKubeconfig()], work);
    expect(status.stdout).toMatch(/sync: Synced [0-9a-f]{8} "ledger 1.0.0"/);
  }, 120_000);

  it('puts back a live edit of the image, a label and the replica count, and recreates a deleted object', async () => {
    const repairs = () => events.filter((e) => e.type === 'repair').length;
    let before = repairs();
    expect(kubectl(['-n', ns, 'set', 'image', 'deployment/api', 'api=evil.example.com/miner:latest']).status).toBe(0);
    await until('the image put back', async () =>
      imageOf(await deployment()) === 'registry.example.com/ledger/api:1.0.0' && repairs() > before ? true : undefined,
    );
    before = repairs();
    expect(kubectl(['-n', ns, 'label', '--overwrite', 'deployment/api', 'app.kubernetes.io/component=hacked']).status).toBe(0);
    await until('the label put back', async () =>
      (await deployment())?.metadata.labels?.['app.kubernetes.io/component'] === 'server' ? true : undefined,
    );
    expect(kubectl(['-n', ns, 'scale', 'deployment/api', '--replicas=5']).status).toBe(0);
    const replicasOf = (d: KubeObject | undefined) => (d?.spec as { replicas?: number } | undefined)?.replicas;
    await until('the replicas put back', async () => (replicasOf(await deployment()) === 2 ? true : undefined));
    const service = { apiVersion: 'v1', kind: 'Service', namespace: ns, name: 'api' };
    expect(kubectl(['-n', ns, 'delete', 'service', 'api', '--wait=false']).status).toBe(0);
    await until('the Service recreated', async () => ((await client.get(service)) ? true : undefined));
    const repaired = events.filter((e): e is Extract<ControllerEvent, { type: 'repair' }> => e.type === 'repair');
    expect(repaired.some((e) => e.repair.change === 'deleted' && e.repair.object.kind === 'Service')).toBe(true);
    for (const e of repaired) expect(e.repair.latencyMs).toBeLessThan(2000);
    // The repairs are counted in the metrics and in the Events of the objects.
    const metrics = await controller.registry.metrics();
    expect(metrics).toMatch(/nimbus_sync_drift_repairs_total\{app="ledger",kind="Deployment",change="modified"\} [1-9]/);
    const kubeEvents = await client.list({ apiVersion: 'v1', kind: 'Event', namespace: ns });
    expect(kubeEvents.some((e) => (e as { reason?: string }).reason === 'DriftRepaired')).toBe(true);
  }, 60_000);

  it('does not apply a bad commit: the last good release keeps running and the status says why', async () => {
    writeFileSync(
      join(work, `deploy/${app}/deployment-api.yaml`),
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: api }\nspec: { replicas: two }\n',
    );
    git(work, ['commit', '-qam', 'a broken manifest']);
    git(work, ['push', '-q', 'origin', 'HEAD:main']);
    const [outcome] = await controller.syncNow(app);
    expect(outcome?.result).toBe('failed');
    const state = await readSyncState(client, ns, app);
    expect(state?.phase).toBe('Failed');
    expect(state?.message, state?.message).toMatch(/not applied: .*replicas/);
    expect(state?.message).toMatch(/revision 1 \([0-9a-f]{8}\) keeps running/);
    expect(imageOf(await deployment())).toBe('registry.example.com/ledger/api:1.0.0');
    // Drift repair goes on against the last good release.
    expect(kubectl(['-n', ns, 'set', 'image', 'deployment/api', 'api=evil.example.com/miner:latest']).status).toBe(0);
    await until('the image put back', async () =>
      imageOf(await deployment()) === 'registry.example.com/ledger/api:1.0.0' ? true : undefined,
    );
  }, 60_000);

  it('applies the next good commit, and a rollback pins the app until resumed', async () => {
    git(work, ['checkout', '-q', 'HEAD~1', '--', `deploy/${app}`]);
    git(work, ['commit', '-qam', 'revert the broken manifest']);
    await commitSpec(spec(app, ns, 'registry.example.com/ledger/api:1.1.0'), 'ledger 1.1.0');
    const [applied] = await controller.syncNow(app);
    expect(applied).toMatchObject({ result: 'applied', revision: 2 });
    expect(imageOf(await deployment())).toBe('registry.example.com/ledger/api:1.1.0');
    // Roll back to revision 1 by hand: sync must not undo it, neither by drift repair nor by polling.
    const rollback = await runCli(['rollback', '1', '--app', app, '-n', ns, '--timeout', '60s', '--kubeconfig', testKubeconfig()], work);
    expect(rollback.code, rollback.stdout + rollback.stderr).toBe(0);
    expect(rollback.stdout).toContain('pinned: sync keeps revision 3');
    const [held] = await controller.syncNow(app);
    expect(held).toMatchObject({ result: 'held', reason: 'pinned' });
    await new Promise((r) => setTimeout(r, 500));
    expect(imageOf(await deployment())).toBe('registry.example.com/ledger/api:1.0.0');
    expect((await readSyncState(client, ns, app))?.phase).toBe('Pinned');
    // While pinned, drift is repaired against the pinned release.
    expect(kubectl(['-n', ns, 'set', 'image', 'deployment/api', 'api=evil.example.com/miner:latest']).status).toBe(0);
    await until('the pinned image put back', async () =>
      imageOf(await deployment()) === 'registry.example.com/ledger/api:1.0.0' ? true : undefined,
    );
    // Resume: Git's commit is applied again.
    const resumed = await runCli(
      [
        'sync',
        '--once',
        '--resume',
        app,
        '--repo',
        origin,
        '--revision',
        'main',
        '--path',
        `deploy/${app}`,
        '--app',
        app,
        '-n',
        ns,
        '--cache-dir',
        join(dir, 'cache-cli'),
        '--kubeconfig',
        testKubeconfig(),
      ],
      work,
    );
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    expect(resumed.stdout, resumed.stdout).toMatch(/synced\s+ledger [0-9a-f]{8} as revision 4 \(resumed\)/);
    expect(imageOf(await deployment())).toBe('registry.example.com/ledger/api:1.1.0');
  }, 120_000);

  it('keeps a second controller on standby until the first one’s lease expires', async () => {
    const standbyEvents: ControllerEvent[] = [];
    standby = await startController({
      client,
      apps: [syncApp()],
      cacheDir: join(dir, 'cache-b'),
      pollMs: 3_000,
      timeoutMs: 60_000,
      lease: { namespace: 'default', name: `nimbus-sync-${ns}`, seconds: 4 },
      identity: 'controller-b',
      onEvent: (e) => standbyEvents.push(e),
    });
    await until('standby', async () => standbyEvents.find((e) => e.type === 'standby'));
    expect(standby.isLeading()).toBe(false);
    expect(await standby.syncNow(app)).toEqual([]);
    // The first controller dies without releasing its lease: the second takes over once it expires.
    const diedAt = Date.now();
    await controller.stop({ release: false });
    await until('the second controller leading', async () => (standby?.isLeading() ? true : undefined), 15_000);
    expect(Date.now() - diedAt).toBeGreaterThan(1000);
    expect(standbyEvents.find((e) => e.type === 'leading')).toMatchObject({ identity: 'controller-b' });
    // It polls Git: a new commit is applied without anyone asking.
    await commitSpec(spec(app, ns, 'registry.example.com/ledger/api:1.2.0'), 'ledger 1.2.0');
    await until(
      'the polled commit applied',
      async () => (imageOf(await deployment()) === 'registry.example.com/ledger/api:1.2.0' ? true : undefined),
      20_000,
    );
    // A push webhook syncs at once.
    const server = serveController(standby, 0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const port = (server.address() as { port: number }).port;
    await commitSpec(spec(app, ns, 'registry.example.com/ledger/api:1.3.0'), 'ledger 1.3.0');
    const hook = await fetch(`http://127.0.0.1:${port}/hooks/git?app=${app}`, { method: 'POST' });
    expect(hook.status).toBe(202);
    await until(
      'the webhook commit applied',
      async () => (imageOf(await deployment()) === 'registry.example.com/ledger/api:1.3.0' ? true : undefined),
      20_000,
    );
    expect(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()).toMatch(
      /nimbus_sync_total\{app="ledger",result="applied"\} [1-9]/,
    );
    server.close();
    // And it repairs drift from then on.
    expect(kubectl(['-n', ns, 'set', 'image', 'deployment/api', 'api=evil.example.com/miner:latest']).status).toBe(0);
    await until('the image put back by the second controller', async () =>
      imageOf(await deployment()) === 'registry.example.com/ledger/api:1.3.0' ? true : undefined,
    ).catch((err) => {
      throw new Error(`${err.message}; events: ${JSON.stringify(standbyEvents.filter((e) => e.type !== 'deploy').slice(-8))}`);
    });
  }, 90_000);
});
