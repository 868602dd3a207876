import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { main } from '@nimbus/cli';
import { acquireLock, ReleaseStore } from '@nimbus/delivery';
import { KubernetesManager } from '@nimbus/delivery/managers';
import type { KubeClient } from '@nimbus/kube';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../packages/cli/test/helpers.js';
import { connectTestCluster, testContainerLog, testKubeconfig, uniqueNamespace } from './testbed.js';

const root = new URL('../../', import.meta.url).pathname;
const shopSpec = readFileSync(join(root, 'examples/shop/nimbus.yaml'), 'utf8');

/** A copy of the example spec with edits, in its own directory. */
function specDir(edit: (text: string) => string = (t) => t): string {
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-deploy-'));
  writeFileSync(join(dir, 'nimbus.yaml'), edit(shopSpec));
  return dir;
}

describe('nimbus deploy on a real control plane', () => {
  let client: KubeClient;
  const ns = uniqueNamespace('deploy');
  const kube = ['--kubeconfig', testKubeconfig()];
  const nimbus = (args: string[], cwd = root) => runCli([...args, ...kube], cwd);

  beforeAll(async () => {
    client = await connectTestCluster();
  });
  afterAll(async () => {
    await client?.delete({ apiVersion: 'v1', kind: 'Namespace', name: ns });
    client?.close();
  });

  it('deploys the example into a restricted namespace and waits until every workload is healthy', async () => {
    const r = await nimbus(['deploy', specDir(), '--env', 'prod', '-n', ns, '--timeout', '2m']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('revision 1 deployed');
    expect(r.stdout).toMatch(/healthy\s+Deployment .*\/api Healthy/);
    // Autoscaled services start at their HPA minimum, not at one pod.
    const api = await client.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'api' });
    expect(((api?.status ?? {}) as { readyReplicas?: number }).readyReplicas).toBe(4);
  });

  it('sees no drift right after a deploy (server defaults are not changes)', async () => {
    const r = await nimbus(['diff', specDir(), '--env', 'prod', '-n', ns]);
    expect(r.stdout).toContain('no changes');
    expect(r.code).toBe(0);
  });

  it('redeploying keeps the HPA-owned replica count', async () => {
    const r = await nimbus(['deploy', specDir(), '--env', 'prod', '-n', ns]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\d+ objects unchanged/);
    const api = await client.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'api' });
    expect(((api?.spec ?? {}) as { replicas?: number }).replicas).toBe(4);
  });

  it('diff shows exactly a changed value; deploy prunes what the spec dropped and leaves foreign objects alone', async () => {
    await client.apply({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'foreign', namespace: ns },
      data: { owner: 'someone else' },
    });
    const changed = specDir((t) =>
      t
        .replace('LOG_LEVEL: info', 'LOG_LEVEL: debug')
        .replace(/ {6}cronJobs:\n {8}expire-carts:\n {10}schedule: .*\n {10}command: .*\n/, ''),
    );
    const diff = await nimbus(['diff', changed, '--env', 'prod', '-n', ns]);
    expect(diff.code).toBe(1);
    expect(diff.stdout).toContain(`update Deployment/${ns}/api`);
    expect(diff.stdout).toContain('-          value: info');
    expect(diff.stdout).toContain('+          value: debug');
    expect(diff.stdout).toContain(`delete CronJob/${ns}/api-expire-carts`);
    // The migrate Job's template carries the env too: a new Job replaces the old one.
    expect(diff.stdout).toMatch(new RegExp(`create Job/${ns}/api-migrate-`));
    expect(diff.stdout).toMatch(new RegExp(`delete Job/${ns}/api-migrate-`));
    expect(diff.stdout).toMatch(/^4 objects would change$/m);

    const r = await nimbus(['deploy', changed, '--env', 'prod', '-n', ns]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`pruned   CronJob ${ns}/api-expire-carts`);
    expect(await client.get({ apiVersion: 'batch/v1', kind: 'CronJob', namespace: ns, name: 'api-expire-carts' })).toBeUndefined();
    expect(await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'foreign' })).toBeDefined();
  });

  it('rollback restores the previous revision as a new one', async () => {
    const r = await nimbus(['rollback', '--app', 'shop', '-n', ns]);
    expect(r.code).toBe(0);
    const cron = await client.get({ apiVersion: 'batch/v1', kind: 'CronJob', namespace: ns, name: 'api-expire-carts' });
    expect(cron).toBeDefined();
    const api = await client.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'api' });
    const env =
      ((api?.spec ?? {}) as { template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } }).template.spec
        .containers[0]?.env ?? [];
    expect(env.find((e) => e.name === 'LOG_LEVEL')?.value).toBe('info');
    const history = await nimbus(['history', '--app', 'shop', '-n', ns, '-o', 'json']);
    const revisions = JSON.parse(history.stdout) as { revision: number; status: string; description: string }[];
    expect(revisions.map((x) => `${x.revision}:${x.status}`)).toEqual(['1:superseded', '2:superseded', '3:superseded', '4:deployed']);
    expect(revisions[3]?.description).toBe('rollback to 2');
  });

  it('lets only one of two concurrent deploys run; the other gets a clear lock error and history stays intact', async () => {
    const dir = specDir();
    const [a, b] = await Promise.all([
      nimbus(['deploy', dir, '--env', 'prod', '-n', ns]),
      nimbus(['deploy', dir, '--env', 'prod', '-n', ns]),
    ]);
    const codes = [a.code, b.code].sort();
    expect(codes).toEqual([0, 1]);
    const loser = a.code === 1 ? a : b;
    expect(loser.stderr).toContain('NIMBUS_LOCKED');
    expect(loser.stderr).toContain('another deploy of shop');
    const releases = await new ReleaseStore(client, ns, 'shop').list();
    expect(releases.filter((x) => x.status === 'deployed')).toHaveLength(1);
    expect(releases.every((x) => x.status !== 'pending')).toBe(true);
  });

  it('recovers a lock left by a dead holder once its lease expires', async () => {
    // A holder that died mid-deploy: its lease was last renewed a minute ago and nobody renews it.
    const minuteAgo = new Date(Date.now() - 60_000).toISOString().replace('Z', '000Z');
    await client.create({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'nimbus-lock-shop', namespace: ns },
      spec: { holderIdentity: 'crashed-ci-runner/4242', leaseDurationSeconds: 30, acquireTime: minuteAgo, renewTime: minuteAgo },
    });
    const live = await acquireLock(client, ns, 'shop').catch((e: Error) => e);
    expect(live).not.toBeInstanceOf(Error);
    if (!(live instanceof Error)) await live.release();
    // And a live holder still blocks.
    const holder = await acquireLock(client, ns, 'shop');
    await expect(acquireLock(client, ns, 'shop')).rejects.toMatchObject({ code: 'NIMBUS_LOCKED' });
    await holder.release();
    const r = await nimbus(['deploy', specDir(), '--env', 'prod', '-n', ns]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('shows health per service', async () => {
    const r = await nimbus(['status', '--app', 'shop', '-n', ns, '-o', 'json']);
    const status = JSON.parse(r.stdout);
    expect(status.health).toBe('Healthy');
    expect(status.services.map((s: { service: string }) => s.service)).toEqual(['(app)', 'api', 'web', 'worker']);
  });

  it('prints status and history as YAML too, as kubectl -o yaml', async () => {
    const status = await nimbus(['status', '--app', 'shop', '-n', ns, '-o', 'yaml']);
    expect(status.stdout).toMatch(/^app: shop$/m);
    expect(status.stdout).toMatch(/^health: Healthy$/m);
    const history = await nimbus(['history', '--app', 'shop', '-n', ns, '--output=yaml']);
    expect(history.stdout).toMatch(/revision: 1/);
  });

  it('scales a service and reports the HPA that owns it', async () => {
    const r = await nimbus(['scale', 'worker', '--replicas', '3', '--app', 'shop', '-n', ns]);
    expect(r.code).toBe(0);
    const worker = await client.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'worker' });
    expect(((worker?.spec ?? {}) as { replicas: number }).replicas).toBe(3);
  });

  it("prints a service's pod logs", async () => {
    const r = await nimbus(['logs', 'web', '--app', 'shop', '-n', ns, '--tail', '2']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.length).toBe(2 * 3);
    expect(lines[0]).toMatch(/^\[web-[a-z0-9-]+\] \{"level":"info","msg":"ready"\}$/);
  });

  it("follows a service's pod logs: new lines of every pod as they come, until interrupted", async () => {
    const file = testContainerLog();
    const original = readFileSync(file, 'utf8');
    const cli = spawn(
      process.execPath,
      [join(root, 'packages/cli/bin/nimbus.cjs'), 'logs', 'web', '-f', '--tail', '1', '--app', 'shop', '-n', ns, ...kube],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    cli.stdout.on('data', (c) => (out += c));
    cli.stderr.on('data', (c) => (err += c));
    const lines = (re: RegExp) => out.split('\n').filter((l) => re.test(l));
    const until = async (what: () => boolean, label: string) => {
      const deadline = Date.now() + 20_000;
      while (!what()) {
        if (Date.now() > deadline) throw new Error(`${label}; output:\n${out}\n${err}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    const marker = `followed-${Date.now()}`;
    try {
      await until(() => lines(/"slow request"/).length === 3, 'no history line from each of the 3 pods');
      appendFileSync(file, `2026-01-01T00:00:03.000000000Z stdout F {"level":"info","msg":"${marker}"}\n`);
      await until(() => lines(new RegExp(marker)).length === 3, 'the appended line did not reach every pod stream');
      expect(new Set(lines(new RegExp(marker)).map((l) => l.split(']')[0])).size).toBe(3);
    } finally {
      cli.kill('SIGINT');
      writeFileSync(file, original);
    }
    const [code] = await once(cli, 'exit');
    expect(code).toBe(0);
  });

  it('destroys what the releases applied, and only that', async () => {
    const r = await nimbus(['destroy', '--app', 'shop', '-n', ns]);
    expect(r.code).toBe(0);
    expect(await client.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'api' })).toBeUndefined();
    expect(await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'foreign' })).toBeDefined();
    expect(await new ReleaseStore(client, ns, 'shop').list()).toEqual([]);
  });
});

describe('deploy safety', () => {
  let client: KubeClient;
  const kube = ['--kubeconfig', testKubeconfig()];
  beforeAll(async () => {
    client = await connectTestCluster();
  });
  afterAll(() => client?.close());

  it('rejects invalid objects before applying anything', async () => {
    const ns = uniqueNamespace('invalid');
    const dir = mkdtempSync(join(tmpdir(), 'nimbus-invalid-'));
    mkdirSync(join(dir, 'm'));
    writeFileSync(
      join(dir, 'm/all.yaml'),
      `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: fine }\ndata: { a: b }\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: { name: broken }\nspec:\n  replicas: lots\n  selector: { matchLabels: { a: b } }\n  template: { metadata: { labels: { a: b } }, spec: { containers: [{ name: c, image: x:1 }] } }\n`,
    );
    const r = await runCli(['deploy', '-f', 'm', '-n', ns, '--app', 'broken', ...kube], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('NIMBUS_INVALID_OBJECTS');
    expect(r.stderr).toContain('Deployment broken');
    expect(await client.get({ apiVersion: 'v1', kind: 'Namespace', name: ns })).toBeUndefined();
    // kubectl's dry runs: =server validates with the server (and refuses), =client only plans.
    const server = await runCli(['deploy', '-f', 'm', '-n', ns, '--app', 'broken', '--dry-run=server', ...kube], dir);
    expect(server.stderr).toContain('NIMBUS_INVALID_OBJECTS');
    const clientOnly = await runCli(['deploy', '-f', 'm', '-n', ns, '--app', 'broken', '--dry-run=client', ...kube], dir);
    expect(clientOnly.code, clientOnly.stderr).toBe(0);
    expect(clientOnly.stdout).toMatch(/plan\s+revision 1: apply 2 objects/);
    expect(await client.get({ apiVersion: 'v1', kind: 'Namespace', name: ns })).toBeUndefined();
  });

  it('--atomic rolls a failed revision back to the previous one', async () => {
    const ns = uniqueNamespace('atomic');
    const dir = mkdtempSync(join(tmpdir(), 'nimbus-atomic-'));
    mkdirSync(join(dir, 'app'));
    const deployment = (extra: string) =>
      `apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: hello }\nspec:\n  replicas: 2\n  selector: { matchLabels: { app: hello } }\n  template:\n    metadata: { labels: { app: hello } }\n    spec: { ${extra}containers: [{ name: hello, image: hello:1.0.0 }] }\n`;
    await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    try {
      writeFileSync(join(dir, 'app/deploy.yaml'), deployment(''));
      expect((await runCli(['deploy', '-f', 'app', '-n', ns, ...kube], dir)).code).toBe(0);
      // Revision 2 cannot schedule (no node has that label) and brings a new ConfigMap.
      writeFileSync(join(dir, 'app/deploy.yaml'), deployment('nodeSelector: { disktype: none }, '));
      writeFileSync(join(dir, 'app/extra.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: extra }\ndata: { a: b }\n');
      const r = await runCli(['deploy', '-f', 'app', '-n', ns, '--atomic', '--timeout', '4s', ...kube], dir);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('NIMBUS_KUBE_TIMEOUT');
      expect(r.stdout).toContain('rollback to revision 1');
      const live = await client.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'hello' });
      expect(((live?.spec ?? {}) as { template: { spec: { nodeSelector?: unknown } } }).template.spec.nodeSelector).toBeUndefined();
      expect(await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'extra' })).toBeUndefined();
      const releases = await new ReleaseStore(client, ns, 'app').list();
      expect(releases.map((x) => `${x.revision}:${x.status}`)).toEqual(['1:superseded', '2:failed', '3:deployed']);
    } finally {
      await client.delete({ apiVersion: 'v1', kind: 'Namespace', name: ns });
    }
  });

  it('deploys plain Kubernetes YAML directories too', async () => {
    const ns = uniqueNamespace('plain');
    const dir = mkdtempSync(join(tmpdir(), 'nimbus-plain-'));
    mkdirSync(join(dir, 'manifests'));
    writeFileSync(join(dir, 'manifests/cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: settings }\ndata: { mode: "on" }\n');
    writeFileSync(
      join(dir, 'manifests/deploy.yaml'),
      `apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: hello }\nspec:\n  replicas: 2\n  selector: { matchLabels: { app: hello } }\n  template:\n    metadata: { labels: { app: hello } }\n    spec: { containers: [{ name: hello, image: hello:1.0.0 }] }\n`,
    );
    await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    try {
      const r = await runCli(['deploy', '-f', 'manifests', '-n', ns, ...kube], dir);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const cm = await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'settings' });
      expect((cm as { data?: Record<string, string> }).data?.mode).toBe('on');
      const history = await runCli(['history', '--app', 'manifests', '-n', ns, ...kube], dir);
      expect(history.stdout).toMatch(/^1\s+\S+\s+deployed/m);
    } finally {
      await client.delete({ apiVersion: 'v1', kind: 'Namespace', name: ns });
    }
  });

  it('prints health while it waits, not only once the wait is over', async () => {
    const ns2 = uniqueNamespace('live');
    const dir = mkdtempSync(join(tmpdir(), 'nimbus-live-'));
    mkdirSync(join(dir, 'app'));
    // No node has this label: the Deployment stays Progressing until the timeout.
    writeFileSync(
      join(dir, 'app/deploy.yaml'),
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: waits }\nspec:\n  replicas: 1\n  selector: { matchLabels: { app: waits } }\n  template:\n    metadata: { labels: { app: waits } }\n    spec: { nodeSelector: { disktype: none }, containers: [{ name: waits, image: waits:1.0.0 }] }\n',
    );
    const lines: { at: number; text: string }[] = [];
    const started = Date.now();
    const sink = new Writable({
      write(chunk, _enc, done) {
        for (const text of String(chunk).split('\n').filter(Boolean)) lines.push({ at: Date.now() - started, text });
        done();
      },
    });
    try {
      const code = await main(['deploy', '-f', 'app', '-n', ns2, '--timeout', '6s', ...kube], {
        stdout: sink,
        stderr: sink,
        cwd: dir,
        env: { NO_COLOR: '1' },
      });
      const ended = Date.now() - started;
      expect(code).toBe(1);
      const health = lines.find((l) => l.text.startsWith('health') && l.text.includes('Deployment'));
      expect(health?.text).toContain('Progressing');
      // The first health line arrives seconds before the 6 s wait gives up.
      expect(ended - (health?.at ?? ended)).toBeGreaterThan(3000);
    } finally {
      await client.delete({ apiVersion: 'v1', kind: 'Namespace', name: ns2 });
    }
  });

  it("the seed's KubernetesManager calls are idempotent: twice in a row gives the same objects", async () => {
    const ns = uniqueNamespace('seed');
    const m = new KubernetesManager(client);
    try {
      for (let i = 0; i < 2; i++) {
        await m.createNamespace(ns, { team: 'shop' });
        await m.createDeployment('api', ns, 'shop/api:1.0.0', 3, [8080, 9090]);
        await m.createService('api', ns, { 'app.kubernetes.io/name': 'api' }, [{ port: 80, targetPort: 8080 }]);
        await m.createIngress('api', ns, [{ host: 'api.example.com', paths: [{ path: '/', serviceName: 'api', servicePort: 80 }] }]);
      }
      const d = await client.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'api' });
      const containers = ((d?.spec ?? {}) as { template: { spec: { containers: { ports: unknown[] }[] } } }).template.spec.containers;
      expect(containers).toHaveLength(1);
      expect(containers[0]?.ports).toHaveLength(2);
      expect(d?.metadata.generation).toBe(1);
      await m.scaleDeployment('api', ns, 5);
      const scaled = await client.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'api' });
      expect(((scaled?.spec ?? {}) as { replicas: number }).replicas).toBe(5);
      await expect(m.getPodLogs('no-such-pod', ns)).rejects.toMatchObject({ code: 'NIMBUS_KUBE_NOT_FOUND' });
    } finally {
      await client.delete({ apiVersion: 'v1', kind: 'Namespace', name: ns });
    }
  });
});
