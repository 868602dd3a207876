import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeClient } from '@nimbus/kube';
import autocannon from 'autocannon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../packages/cli/test/helpers.js';
import {
  connectTestCluster,
  pushedToTestRegistry,
  testDocker,
  testDockerHost,
  testKubeconfig,
  testKubectl,
  testNode,
  testRegistry,
  uniqueNamespace,
} from './testbed.js';

const root = new URL('../../', import.meta.url).pathname;

/** One HTTP GET to this machine or to a Service of this testbed. */
function get(url: string, timeoutMs = 3000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { timeout: timeoutMs }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/**
 * GET through a Service that was just deployed: kube-proxy programs its endpoints a moment after the
 * pods turn Ready (the same lag every client of a fresh Service sees), so a refusal is retried briefly.
 */
async function getService(url: string, timeoutMs = 15_000): Promise<{ status: number; body: string }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await get(url);
    } catch (err) {
      if (Date.now() > deadline || !/ECONNREFUSED|ECONNRESET/.test((err as Error).message)) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

const docker = testDocker;
const kubectl = testKubectl;
const pushed = pushedToTestRegistry;

async function clusterIp(client: KubeClient, namespace: string, name: string): Promise<string> {
  const svc = await client.get({ apiVersion: 'v1', kind: 'Service', namespace, name });
  return String((svc?.spec as { clusterIP?: string } | undefined)?.clusterIP);
}

const ON_REAL_NODE = `nodeSelector: { nimbus.dev/testbed-node: real }
      tolerations: [{ key: nimbus.dev/testbed-node, operator: Equal, value: real, effect: NoSchedule }]`;

/** A Deployment (and its Service) of busybox on the real node, hardened for Pod Security "restricted". */
function boxManifest(image: string, container: string, options: { replicas?: number; resources?: string } = {}): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata: { name: box }
spec:
  replicas: ${options.replicas ?? 1}
  selector: { matchLabels: { app: box } }
  template:
    metadata: { labels: { app: box } }
    spec:
      ${ON_REAL_NODE}
      securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: RuntimeDefault } }
      containers:
        - name: box
          image: ${image}
          ${container}
          resources: ${options.resources ?? '{ requests: { cpu: 10m, memory: 16Mi }, limits: { memory: 64Mi } }'}
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: [ALL] }, readOnlyRootFilesystem: true }
          volumeMounts: [{ name: tmp, mountPath: /tmp }]
      volumes: [{ name: tmp, emptyDir: {} }]
---
apiVersion: v1
kind: Service
metadata: { name: box }
spec: { selector: { app: box }, ports: [{ port: 80, targetPort: 8080 }] }
`;
}

/**
 * A readiness probe on a port nothing listens on: as with every service Nimbus
 * renders, a pod that dies at once is never counted available in between.
 */
const NEVER_READY = 'readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 }';

/** A backing service of the example (Deployment and Service) on the real node, hardened like the services. */
function backingService(name: string, port: number, c: { name: string; image: string; lines: string; readOnlyRoot: boolean }): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata: { name: ${name} }
spec:
  replicas: 1
  selector: { matchLabels: { app: ${name} } }
  template:
    metadata: { labels: { app: ${name} } }
    spec:
      ${ON_REAL_NODE}
      securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: RuntimeDefault } }
      containers:
        - name: ${c.name}
          image: ${c.image}
          ports: [{ containerPort: ${port} }]
          ${c.lines}
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: [ALL] }${c.readOnlyRoot ? ', readOnlyRootFilesystem: true' : ''} }
          volumeMounts: [{ name: tmp, mountPath: /tmp }]
      volumes: [{ name: tmp, emptyDir: {} }]
---
apiVersion: v1
kind: Service
metadata: { name: ${name} }
spec: { selector: { app: ${name} }, ports: [{ port: ${port} }] }
`;
}

/** Serves VERSION on :8080, ready once it answers. */
const serving = (
  version: string,
) => `command: [/bin/sh, -c, 'mkdir -p /tmp/w && echo ${version} > /tmp/w/index.html && exec httpd -f -p 8080 -h /tmp/w']
          ports: [{ containerPort: 8080 }]
          readinessProbe: { httpGet: { path: /index.html, port: 8080 }, periodSeconds: 1 }`;

describe('the real node', () => {
  let client: KubeClient;
  let busybox: string;
  const kube = () => ['--kubeconfig', testKubeconfig()];
  const namespaces: string[] = [];

  beforeAll(async () => {
    testNode();
    client = await connectTestCluster();
    busybox = pushed('nimbus-test/busybox:1.35', 'nimbus-test/busybox:1.35');
  });
  afterAll(async () => {
    for (const ns of namespaces) await client.delete({ apiVersion: 'v1', kind: 'Namespace', name: ns });
    client?.close();
  });

  /** A fresh namespace (deleted after the suite) and a working directory with an `app/` folder. */
  function scratch(prefix: string): { dir: string; ns: string } {
    const ns = uniqueNamespace(prefix);
    namespaces.push(ns);
    const dir = mkdtempSync(join(tmpdir(), `nimbus-${prefix}-`));
    mkdirSync(join(dir, 'app'));
    return { dir, ns };
  }

  const deployBox = (dir: string, ns: string, extra: string[] = []) =>
    runCli(['deploy', '-f', 'app', '-n', ns, '--timeout', '90s', ...extra, ...kube()], dir);

  it('keeps every packet on the machine: an unprogrammed Service address is refused, pod egress off the bridge is dropped and counted', async () => {
    // No Service has this address, so nothing translates it: the host guard rejects it at once, nothing is routed.
    const t0 = Date.now();
    await expect(get('http://10.96.251.251/', 5000)).rejects.toThrow(/ENETUNREACH|ECONNREFUSED|EHOSTUNREACH/);
    expect(Date.now() - t0).toBeLessThan(2000);

    const { dir, ns } = scratch('guard');
    writeFileSync(join(dir, 'app/deploy.yaml'), boxManifest(busybox, serving('guard')));
    const r = await deployBox(dir, ns);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const [pod] = await client.list({ apiVersion: 'v1', kind: 'Pod', namespace: ns }, { labelSelector: 'app=box' });
    const dropped = () => {
      const out = execFileSync('iptables', ['-t', 'mangle', '-L', 'NIMBUS-POD-EGRESS', '-v', '-n', '-x'], { encoding: 'utf8' });
      return Number((out.split('\n').find((l) => /\sDROP\s/.test(l)) ?? '0').trim().split(/\s+/)[0]);
    };
    const before = dropped();
    // The "foreign" destination is an empty bridge on this machine (10.250.0.0/24): nothing is behind it.
    const nc = kubectl(['-n', ns, 'exec', String(pod?.metadata.name), '--', 'nc', '-w', '1', '10.250.0.2', '8080']);
    expect(nc.status).not.toBe(0);
    expect(dropped()).toBeGreaterThan(before);
    // Traffic inside the pod network still flows: the Service answers through kube-proxy.
    expect((await getService(`http://${await clusterIp(client, ns, 'box')}/index.html`)).body.trim()).toBe('guard');
  }, 120_000);

  it('fails a release whose image does not exist at once, with the pull error and the time it took', async () => {
    const { dir, ns } = scratch('pull');
    writeFileSync(join(dir, 'app/deploy.yaml'), boxManifest(busybox, serving('one')));
    expect((await deployBox(dir, ns)).code).toBe(0);
    writeFileSync(join(dir, 'app/deploy.yaml'), boxManifest(`${testRegistry()}/nimbus-test/does-not-exist:1`, serving('x')));
    const t0 = Date.now();
    const r = await deployBox(dir, ns);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('NIMBUS_KUBE_DEGRADED');
    expect(r.stderr).toMatch(/ImagePull: .*(not found|manifest unknown)/);
    expect(r.stderr).toMatch(/failed after \d+\.\ds of waiting/);
    expect(Date.now() - t0).toBeLessThan(60_000);
    // Without --atomic the failed rollout stays, and status says why.
    const status = await runCli(['status', '--app', 'app', '-n', ns, ...kube()], dir);
    expect(status.code).toBe(1);
    expect(status.stdout).toMatch(/ImagePull box-[a-z0-9-]+: .*(not found|manifest unknown)/);
  }, 120_000);

  it('fails a crash loop within seconds with the exit code and the log tail; --atomic restores the previous revision, which answers', async () => {
    const { dir, ns } = scratch('crash');
    writeFileSync(join(dir, 'app/deploy.yaml'), boxManifest(busybox, serving('one')));
    expect((await deployBox(dir, ns)).code).toBe(0);
    writeFileSync(
      join(dir, 'app/deploy.yaml'),
      boxManifest(
        busybox,
        `command: [/bin/sh, -c, 'echo "loading settings"; echo "settings file missing" >&2; exit 3']
          ${NEVER_READY}`,
      ),
    );
    const t0 = Date.now();
    const r = await deployBox(dir, ns, ['--atomic']);
    const seconds = (Date.now() - t0) / 1000;
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/CrashLoop: exited with code 3/);
    expect(r.stderr).toContain('settings file missing');
    expect(r.stdout).toContain('rollback to revision 1');
    expect(seconds).toBeLessThan(60);
    // Revision 1 serves again through its Service.
    const ip = await clusterIp(client, ns, 'box');
    let body = '';
    for (let i = 0; i < 60 && body !== 'one'; i++) {
      body = await get(`http://${ip}/index.html`).then(
        (x) => x.body.trim(),
        () => '',
      );
      if (body !== 'one') await new Promise((res) => setTimeout(res, 500));
    }
    expect(body).toBe('one');
    const history = await runCli(['history', '--app', 'app', '-n', ns, '-o', 'json', ...kube()], dir);
    expect((JSON.parse(history.stdout) as { status: string }[]).map((h) => h.status)).toEqual(['superseded', 'failed', 'deployed']);
  }, 180_000);

  it('fails a pod no node can hold with the scheduler message', async () => {
    const { dir, ns } = scratch('sched');
    writeFileSync(
      join(dir, 'app/deploy.yaml'),
      boxManifest(busybox, serving('x'), { resources: '{ requests: { cpu: "64", memory: 16Mi } }' }),
    );
    const r = await deployBox(dir, ns);
    expect(r.code).toBe(1);
    expect(r.stderr, r.stdout).toMatch(/Unschedulable: 0\/\d+ nodes are available: .*Insufficient cpu/);
  }, 120_000);

  it('names an out-of-memory kill as such', async () => {
    const { dir, ns } = scratch('oom');
    // The string doubles until the 16 MiB limit kills the shell.
    writeFileSync(
      join(dir, 'app/deploy.yaml'),
      boxManifest(
        busybox,
        `command: [/bin/sh, -c, 'a=x; while true; do a="$a$a"; done']
          ${NEVER_READY}`,
        {
          resources: '{ requests: { cpu: 10m, memory: 16Mi }, limits: { memory: 16Mi } }',
        },
      ),
    );
    const r = await deployBox(dir, ns);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('OOMKilled');
  }, 120_000);

  describe('the example shop', () => {
    let dir: string;
    let ns: string;

    beforeAll(async () => {
      execFileSync(process.execPath, [join(root, 'examples/shop/bundle.mjs')], { stdio: 'pipe' });
      ns = uniqueNamespace('shop');
      namespaces.push(ns, `${ns}-redis`, `${ns}-db`);
      dir = mkdtempSync(join(tmpdir(), 'nimbus-shop-'));
      cpSync(join(root, 'examples/shop'), dir, { recursive: true });
      const tag = `t${Date.now().toString(36)}`;
      // The guard sidecar's image, from this checkout, on the same Node base as the services.
      execFileSync(process.execPath, [join(root, 'scripts/bundle-guard.mjs')], { stdio: 'pipe' });
      docker([
        'build',
        '-q',
        '--build-arg',
        'RUNTIME_IMAGE=nimbus-test/node:20',
        '-t',
        `nimbus-test/guard:${tag}`,
        join(root, 'packages/guard'),
      ]);
      const guardImage = pushed(`nimbus-test/guard:${tag}`, `nimbus/guard:${tag}`);
      const spec = readFileSync(join(dir, 'nimbus.yaml'), 'utf8')
        .replace('guard: { mode: sidecar }', `guard: { mode: sidecar, image: ${guardImage} }`)
        .replaceAll('registry.local:5000', testRegistry())
        .replaceAll(':1.4.2', `:${tag}`)
        .replace('namespace: redis', `namespace: ${ns}-redis`)
        .replace('namespace: database', `namespace: ${ns}-db`)
        .replace('  defaults:\n', `  defaults:\n    ${testNode().placement}\n`);
      writeFileSync(join(dir, 'nimbus.yaml'), spec);
      const build = await runCli(
        ['build', '--push', '--tag', tag, '--build-arg', 'RUNTIME_IMAGE=nimbus-test/node:20', '--docker-host', testDockerHost()],
        dir,
      );
      expect(build.code, build.stderr).toBe(0);
      // The cache the example declares, in its own namespace: a one-node Redis Cluster announcing its Service name.
      const redis = pushed('redis:7', 'nimbus-test/redis:7');
      const host = `cache.${ns}-redis.svc.cluster.local`;
      mkdirSync(join(dir, 'redis'));
      writeFileSync(
        join(dir, 'redis/cache.yaml'),
        backingService('cache', 6379, {
          name: 'redis',
          image: redis,
          lines: `command: [/bin/sh, -c, 'redis-server --port 6379 --dir /tmp --protected-mode no --save "" --appendonly no --cluster-enabled yes --cluster-config-file /tmp/nodes.conf --cluster-announce-hostname ${host} --cluster-preferred-endpoint-type hostname & until redis-cli CLUSTER ADDSLOTSRANGE 0 16383 >/dev/null 2>&1; do sleep 0.2; done; wait']
          readinessProbe: { tcpSocket: { port: 6379 }, periodSeconds: 1 }`,
          readOnlyRoot: false,
        }),
      );
      const cache = await runCli(['deploy', '-f', 'redis', '-n', `${ns}-redis`, '--timeout', '90s', ...kube()], dir);
      expect(cache.code, cache.stdout + cache.stderr).toBe(0);
      // The database the example declares: Postgres from Debian's packages, hardened like the services.
      const postgres = pushed('nimbus-test/postgres:15', 'nimbus-test/postgres:15');
      mkdirSync(join(dir, 'database'));
      writeFileSync(
        join(dir, 'database/db.yaml'),
        backingService('db', 5432, {
          name: 'postgres',
          image: postgres,
          lines: 'readinessProbe: { exec: { command: [pg_isready, -h, 127.0.0.1] }, periodSeconds: 1 }',
          readOnlyRoot: true,
        }),
      );
      const db = await runCli(['deploy', '-f', 'database', '-n', `${ns}-db`, '--timeout', '90s', ...kube()], dir);
      expect(db.code, db.stdout + db.stderr).toBe(0);
      // The Secret the services read their database password from.
      await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
      await client.apply({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'shop-db', namespace: ns },
        stringData: { password: 'local' },
      });
    }, 240_000);

    it('deploys into a restricted namespace and every pod becomes Ready through the SDK probes', async () => {
      const r = await runCli(['deploy', '-n', ns, '--timeout', '3m', ...kube()], dir);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      const namespace = await client.get({ apiVersion: 'v1', kind: 'Namespace', name: ns });
      expect(namespace?.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
      const pods = await client.list({ apiVersion: 'v1', kind: 'Pod', namespace: ns }, { labelSelector: 'app.kubernetes.io/part-of=shop' });
      const running = pods.filter((p) => (p as { status?: { phase?: string } }).status?.phase === 'Running');
      expect(running.length).toBeGreaterThanOrEqual(6);
      for (const p of running) {
        expect((p.spec as { nodeName?: string }).nodeName).toBe(testNode().name);
        const ready = (p as { status?: { conditions?: { type: string; status: string }[] } }).status?.conditions?.find(
          (c) => c.type === 'Ready',
        );
        expect(ready?.status).toBe('True');
      }
      // The migrate Job ran the real admin process in the same image.
      const jobs = await client.list({ apiVersion: 'batch/v1', kind: 'Job', namespace: ns });
      expect(jobs.some((j) => ((j as { status?: { succeeded?: number } }).status?.succeeded ?? 0) >= 1)).toBe(true);
    }, 240_000);

    it('web reaches the api by service name, and the api caches through the Redis in the cluster', async () => {
      const web = await getService(`http://${await clusterIp(client, ns, 'web')}:8080/`);
      expect(web.status).toBe(200);
      expect(web.body).toContain('Espresso cup');
      const api = `http://${await clusterIp(client, ns, 'api')}:8080`;
      expect((await getService(`${api}/products/2`)).body).toContain('Moka pot');
      expect((await getService(`${api}/products/2`)).body).toContain('Moka pot');
      // Each api pod counts its own hits: sum them over the pods.
      let hits = 0;
      for (let i = 0; i < 20 && hits === 0; i++) {
        await get(`${api}/products/2`);
        const metrics = (await get(`${api}/metrics`)).body;
        hits = Number(/cache_requests_total\{[^}]*result="hit"[^}]*\} (\d+)/.exec(metrics)?.[1] ?? 0);
      }
      expect(hits).toBeGreaterThan(0);
      // From an api pod, the database's name resolves across namespaces and its Service connects.
      const [apiPod] = await client.list({ apiVersion: 'v1', kind: 'Pod', namespace: ns }, { labelSelector: 'app.kubernetes.io/name=api' });
      const probe = kubectl([
        '-n',
        ns,
        'exec',
        String(apiPod?.metadata.name),
        '--',
        'node',
        '-e',
        `require('net').connect(5432, 'db.${ns}-db.svc.cluster.local').on('connect', () => { console.log('connected'); process.exit(0); }).on('error', (e) => { console.log(e.message); process.exit(1); })`,
      ]);
      expect(probe.stdout.trim(), probe.stderr).toBe('connected');
      const logs = await runCli(['logs', 'api', '-n', ns, '--app', 'shop', ...kube()], dir);
      expect(logs.code, logs.stderr).toBe(0);
      expect(logs.stdout).toMatch(/\{"level":"info"/);
    }, 120_000);

    it('guards see nothing wrong in normal work; the web sidecar reports a shell and nc started with kubectl exec', async () => {
      const podsOf = (name: string) =>
        client.list({ apiVersion: 'v1', kind: 'Pod', namespace: ns }, { labelSelector: `app.kubernetes.io/name=${name}` });
      const running = (pods: Awaited<ReturnType<typeof podsOf>>) =>
        pods.filter((p) => (p as { status?: { phase?: string } }).status?.phase === 'Running').map((p) => p.metadata.name);
      const findingsIn = (log: string) =>
        log
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map(
            (l) =>
              JSON.parse(l) as {
                message: string;
                time?: string;
                timestamp?: string;
                guard?: { rule?: string; evidence?: Record<string, unknown> };
              },
          )
          .filter((l) => l.guard?.rule);
      // The api guards itself in-process; web has the sidecar. After the traffic of the tests above: no finding.
      for (const pod of running(await podsOf('api'))) {
        const log = await client.podLogs(ns, pod, { container: 'api' });
        expect(log).toContain('"message":"guard started"');
        expect(findingsIn(log).map((f) => f.message)).toEqual([]);
      }
      const [webPod] = running(await podsOf('web'));
      expect(webPod).toBeDefined();
      const before = await client.podLogs(ns, String(webPod), { container: 'guard' });
      expect(before).toContain('"message":"guard started"');
      // kubectl's habits: a container of the pods, lines since a time, pods narrowed by label.
      const cli = await runCli(
        ['logs', 'web', '-c', 'guard', '--since', '30m', '-l', 'nimbus.dev/service=web', '-n', ns, '--app', 'shop', ...kube()],
        dir,
      );
      expect(cli.code, cli.stderr).toBe(0);
      expect(cli.stdout).toContain('"message":"guard started"');
      expect(findingsIn(before).map((f) => f.message)).toEqual([]);
      // Someone opens a shell in the web container and talks to the cache, which web never declared.
      const cacheIp = await clusterIp(client, `${ns}-redis`, 'cache');
      const execAt = Date.now();
      const exec = kubectl(['-n', ns, 'exec', String(webPod), '-c', 'web', '--', 'sh', '-c', `sleep 3 | nc ${cacheIp} 6379`]);
      expect(exec.status, exec.stderr).toBe(0);
      let found: ReturnType<typeof findingsIn> = [];
      for (let i = 0; i < 20; i++) {
        found = findingsIn(await client.podLogs(ns, String(webPod), { container: 'guard' }));
        if (
          ['shell_spawned', 'network_tool_spawned', 'undeclared_outbound_connection'].every((r) => found.some((f) => f.guard?.rule === r))
        )
          break;
        await new Promise((r) => setTimeout(r, 500));
      }
      const shell = found.find((f) => f.guard?.rule === 'shell_spawned');
      expect(shell?.guard?.evidence?.['proc.cmdline']).toBe(`sh -c sleep 3 | nc ${cacheIp} 6379`);
      expect(Date.parse(String(shell?.timestamp)) - execAt).toBeLessThan(2000);
      expect(found.find((f) => f.guard?.rule === 'network_tool_spawned')?.guard?.evidence?.['proc.program']).toBe('nc');
      const connection = found.find((f) => f.guard?.rule === 'undeclared_outbound_connection');
      expect(connection?.guard?.evidence).toMatchObject({ 'fd.rip': cacheIp, 'fd.rport': 6379 });
    }, 120_000);

    it('scales the api above its HPA minimum under a bounded load, through metrics-server', async () => {
      const hpa = () => client.get({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', namespace: ns, name: 'api' });
      const min = ((await hpa())?.spec as { minReplicas?: number } | undefined)?.minReplicas ?? 2;
      const url = `http://${await clusterIp(client, ns, 'api')}:8080/products`;
      const deadline = Date.now() + 150_000;
      let replicas = min;
      // Bounded: rounds of 10 s of load, stopping as soon as the HPA has scaled or the deadline passes.
      while (replicas <= min && Date.now() < deadline) {
        await autocannon({ url, connections: 32, duration: 10 });
        replicas = ((await hpa())?.status as { desiredReplicas?: number } | undefined)?.desiredReplicas ?? min;
      }
      expect(replicas).toBeGreaterThan(min);
    }, 240_000);
  });
});
