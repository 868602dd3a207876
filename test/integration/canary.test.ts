import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type CanaryRun,
  DEFAULT_CHECKS,
  DEFAULT_POLICY,
  httpRouteWeights,
  type RolloutEvent,
  type RolloutState,
  readRollout,
  runCanary,
} from '@nimbus/delivery';
import type { KubeClient } from '@nimbus/kube';
import type { KubeObject } from '@nimbus/model';
import autocannon from 'autocannon';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../packages/cli/test/helpers.js';
import {
  connectTestCluster,
  installUpstreamCrds,
  testDockerHost,
  testKubeconfig,
  testNode,
  testRegistry,
  uniqueNamespace,
} from './testbed.js';

/**
 * Canaries on the real node, judged by a real Prometheus that discovers the node's pods through the
 * Kubernetes API and scrapes the SDK's metrics with their `service` and `track`: a good version is
 * promoted, a failing one and a slow one are rolled back, and with no traffic the verdict is
 * inconclusive and handled as configured. Traffic goes through a Service and kube-proxy; the weight
 * is carried by the replica ratio.
 */

const root = new URL('../../', import.meta.url).pathname;
const docker = (args: string[]) => execFileSync('docker', ['-H', testDockerHost(), ...args], { encoding: 'utf8', stdio: 'pipe' });

function startPrometheus(dir: string): { url: string; stop: () => void } {
  const config = join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    `global: { scrape_interval: 1s, evaluation_interval: 1s }
scrape_configs:
  - job_name: pods
    kubernetes_sd_configs:
      - role: pod
        kubeconfig_file: ${testKubeconfig()}
        # Only the real node's pods: kwok's simulated addresses route off the machine.
        selectors: [{ role: pod, field: spec.nodeName=${testNode().name} }]
    relabel_configs:
      - { source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_scrape], regex: "true", action: keep }
      - { source_labels: [__meta_kubernetes_pod_ip, __meta_kubernetes_pod_annotation_prometheus_io_port], regex: "(.+);(.+)", replacement: "$1:$2", target_label: __address__ }
      - { source_labels: [__meta_kubernetes_pod_label_nimbus_dev_service], target_label: service }
      - { source_labels: [__meta_kubernetes_pod_label_nimbus_dev_track], target_label: track }
      - { source_labels: [__meta_kubernetes_pod_name], target_label: pod }
    metric_relabel_configs:
      # The SDK labels its series with the service; the pod's track comes from discovery.
      - { regex: exported_service, action: labeldrop }
`,
  );
  const port = String(19090 + Math.floor(Math.random() * 500));
  const url = execFileSync('bash', ['testbed/prometheus.sh', 'start', config, port], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, PROMETHEUS: process.env.NIMBUS_TEST_PROMETHEUS_K8S ?? 'prometheus' },
  }).trim();
  return { url, stop: () => execFileSync('bash', ['testbed/prometheus.sh', 'stop', port], { cwd: root }) };
}

/** The canary test service's image, built from this checkout on the testbed's Node base and pushed to its registry. */
async function canaryImage(dir: string): Promise<string> {
  await build({
    entryPoints: [join(root, 'test/fixtures/canary-app/server.mjs')],
    outfile: join(dir, 'server.bundle.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    alias: { '@nimbus/runtime': join(root, 'packages/runtime/src/index.ts') },
    banner: {
      js: "import { createRequire as nimbusCreateRequire } from 'node:module'; const require = nimbusCreateRequire(import.meta.url);",
    },
    logLevel: 'warning',
  });
  execFileSync('cp', [join(root, 'test/fixtures/canary-app/Dockerfile'), dir]);
  const tag = Date.now().toString(36);
  docker(['build', '-q', '--build-arg', 'RUNTIME_IMAGE=nimbus-test/node:20', '-t', `nimbus-test/canary-app:${tag}`, dir]);
  const image = `${testRegistry()}/nimbus-test/canary-app:${tag}`;
  docker(['tag', `nimbus-test/canary-app:${tag}`, image]);
  docker(['push', image]);
  return image;
}

/** A Deployment of the test service on the real node: one track, one behaviour, one version. */
function podsOf(ns: string, image: string, name: string, track: string, behaviour: string, version: string, replicas: number): KubeObject {
  const labels = { 'app.kubernetes.io/name': 'web', 'nimbus.dev/service': 'web', 'nimbus.dev/track': track };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns, labels },
    spec: {
      replicas,
      selector: { matchLabels: { 'app.kubernetes.io/name': 'web', 'nimbus.dev/track': track } },
      template: {
        metadata: { labels, annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '8080' } },
        spec: {
          nodeSelector: { 'nimbus.dev/testbed-node': 'real' },
          tolerations: [{ key: 'nimbus.dev/testbed-node', operator: 'Equal', value: 'real', effect: 'NoSchedule' }],
          securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name: 'web',
              image,
              env: [
                { name: 'BEHAVIOUR', value: behaviour },
                { name: 'VERSION', value: version },
                { name: 'NIMBUS_SERVICE', value: 'web' },
              ],
              ports: [{ containerPort: 8080 }],
              readinessProbe: { httpGet: { path: '/ready', port: 8080 }, periodSeconds: 1 },
              resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '128Mi' } },
              securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true },
            },
          ],
        },
      },
    },
  };
}

async function waitReady(client: KubeClient, ns: string, name: string, replicas: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const d = await client.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name });
    if (((d?.status as { readyReplicas?: number } | undefined)?.readyReplicas ?? 0) >= replicas) return;
    if (Date.now() > deadline) throw new Error(`${name} not ready`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('canaries judged by Prometheus on the real node', () => {
  let client: KubeClient;
  let prometheus: { url: string; stop: () => void };
  let image: string;
  const namespaces: string[] = [];

  beforeAll(async () => {
    client = await connectTestCluster();
    const dir = mkdtempSync(join(tmpdir(), 'nimbus-canary-'));
    image = await canaryImage(dir);
    prometheus = startPrometheus(dir);
  }, 120_000);

  afterAll(async () => {
    prometheus?.stop();
    for (const ns of namespaces) await client.delete({ apiVersion: 'v1', kind: 'Namespace', name: ns });
    client?.close();
  });

  /** A stable version serving, a canary of `behaviour` waiting at 0 pods, and a canary run over them. */
  async function canary(behaviour: string, options: { traffic: boolean; inconclusive?: 'rollback' | 'promote' }) {
    const ns = uniqueNamespace('canary');
    namespaces.push(ns);
    await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    await client.apply(podsOf(ns, image, 'web', 'stable', 'ok', 'v1', 2));
    await client.apply(podsOf(ns, image, 'web-canary', 'canary', behaviour, 'v2', 0));
    await client.apply({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: ns },
      spec: { selector: { 'app.kubernetes.io/name': 'web' }, ports: [{ port: 80, targetPort: 8080 }] },
    });
    await waitReady(client, ns, 'web', 2);
    const svc = await client.get({ apiVersion: 'v1', kind: 'Service', namespace: ns, name: 'web' });
    const url = `http://${(svc?.spec as { clusterIP?: string } | undefined)?.clusterIP}/work`;
    const events: RolloutEvent[] = [];
    const run: CanaryRun = {
      client,
      prometheus: prometheus.url,
      namespace: ns,
      service: 'web',
      router: { kind: 'replicas', namespace: ns, stable: 'web', canary: 'web-canary', stableReplicas: 2 },
      policy: {
        ...DEFAULT_POLICY,
        steps: [34, 50],
        intervalMs: 5000,
        threshold: 2,
        // With traffic, a scrape or two of slack before a quiet canary counts as inconclusive for good.
        inconclusive: { onTimeout: options.inconclusive ?? 'rollback', maxWaitMs: options.traffic ? 20_000 : 10_000, generateLoad: false },
      },
      checks: DEFAULT_CHECKS,
      minRequests: 10,
      promote: async () => {
        await client.apply(podsOf(ns, image, 'web', 'stable', behaviour, 'v2', 2));
        await client.scale({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'web-canary' }, 0);
      },
      rollback: async () => {
        await client.scale({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'web-canary' }, 0);
      },
      pollMs: 250,
    };
    // Bounded load through the Service while the canary runs. kube-proxy spreads connections, not
    // requests, over the pods: enough connections that the canary's share is near its weight.
    const stopLoad = new AbortController();
    const load = options.traffic
      ? (async () => {
          while (!stopLoad.signal.aborted) await autocannon({ url, connections: 12, duration: 2, overallRate: 60 });
        })()
      : Promise.resolve();
    const started = Date.now();
    let final: RolloutState | undefined;
    const gen = runCanary(run);
    for (;;) {
      const next = await gen.next();
      if (next.done) {
        final = next.value;
        break;
      }
      events.push(next.value);
    }
    stopLoad.abort();
    await load;
    return { ns, final: final as RolloutState, events, seconds: (Date.now() - started) / 1000 };
  }

  it('promotes a good version after every step passes', async () => {
    const r = await canary('ok', { traffic: true });
    expect(r.final.phase, r.final.reason).toBe('Succeeded');
    const weights = r.events.filter((e) => e.type === 'weight').map((e) => (e as { weight: number }).weight);
    expect(weights).toEqual([34, 50]);
    const analyses = r.events.filter((e) => e.type === 'analysis') as Extract<RolloutEvent, { type: 'analysis' }>[];
    // A canary pod Prometheus has not scraped yet can make a first analysis inconclusive; none fails.
    expect(analyses.map((a) => a.verdict)).not.toContain('fail');
    expect(analyses.filter((a) => a.verdict === 'pass')).toHaveLength(2);
    expect(analyses.find((a) => a.verdict === 'pass')?.requests).toBeGreaterThanOrEqual(10);
    const record = await readRollout(client, r.ns, 'web');
    expect(record.state?.phase).toBe('Succeeded');
    expect(record.log.some((l) => l.includes('promoted'))).toBe(true);
  }, 180_000);

  it('rolls back a version that answers 5xx, on its success rate, within a minute', async () => {
    const r = await canary('error', { traffic: true });
    expect(r.final.phase).toBe('Failed');
    expect(r.final.reason).toMatch(/2 failed checks at 34%: success rate % 0 \(needs ≥ 99\)/);
    expect(r.seconds).toBeLessThan(60);
    const canaryPods = await client.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: r.ns, name: 'web-canary' });
    expect((canaryPods?.spec as { replicas?: number } | undefined)?.replicas).toBe(0);
  }, 180_000);

  it('rolls back a slow version on its p95 latency', async () => {
    const r = await canary('slow', { traffic: true });
    expect(r.final.phase).toBe('Failed');
    expect(r.final.reason).toMatch(/p95 latency ms \d+(\.\d+)? \(needs ≤ 500\)/);
  }, 180_000);

  it('delivers a spec with a rollout block through nimbus deploy: a failing version rolled back, a good one promoted', async () => {
    const ns = uniqueNamespace('rollout');
    namespaces.push(ns);
    const dir = mkdtempSync(join(tmpdir(), 'nimbus-rollout-'));
    const spec = (version: string, behaviour: string) => `apiVersion: nimbus.dev/v1alpha1
kind: App
metadata: { name: shop, namespace: ${ns} }
spec:
  services:
    web:
      image: ${image}
      ports: [{ port: 8080 }]
      sdk: true
      replicas: 2
      resources: { requests: { cpu: 10m, memory: 32Mi }, limits: { memory: 128Mi } }
      env: { BEHAVIOUR: ${behaviour}, VERSION: ${version} }
      ${testNode().placement}
      rollout: { steps: [34, 50], interval: 5s, threshold: 2, minRequests: 10, prometheus: "${prometheus.url}" }
`;
    const kube = ['--kubeconfig', testKubeconfig()];
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'nimbus.yaml'), spec('v1', 'ok'));
    const first = await runCli(['deploy', '--timeout', '90s', ...kube], dir);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(first.stdout).not.toContain('canary');
    const svc = await client.get({ apiVersion: 'v1', kind: 'Service', namespace: ns, name: 'web' });
    const url = `http://${(svc?.spec as { clusterIP?: string } | undefined)?.clusterIP}:8080/work`;
    const stop = new AbortController();
    const load = (async () => {
      while (!stop.signal.aborted) await autocannon({ url, connections: 12, duration: 2, overallRate: 60 });
    })();
    type Env = { template: { spec: { containers: { env?: { name: string; value: string }[] }[] } } };
    const envOf = async () => {
      const d = await client.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'web' });
      const env = (d?.spec as Env | undefined)?.template.spec.containers[0]?.env ?? [];
      return env.filter((e) => e.name === 'VERSION').map((e) => e.value);
    };
    try {
      writeFileSync(join(dir, 'nimbus.yaml'), spec('v2', 'error'));
      const bad = await runCli(['deploy', '--timeout', '90s', ...kube], dir);
      expect(bad.code).toBe(1);
      expect(bad.stdout).toMatch(/canary\s+web at 34%/);
      expect(bad.stdout).toMatch(/canary\s+web fail over \d+ requests: success rate % 0 ✗ ≥ 99/);
      expect(bad.stderr).toContain('error[NIMBUS_ROLLOUT]');
      expect(await envOf()).toEqual(['v1']);
      writeFileSync(join(dir, 'nimbus.yaml'), spec('v3', 'ok'));
      const good = await runCli(['deploy', '--timeout', '90s', ...kube], dir);
      expect(good.code, good.stdout + good.stderr).toBe(0);
      expect(good.stdout).toMatch(/canary\s+web pass/);
      expect(await envOf()).toEqual(['v3']);
      const canaryLeft = await client.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'web-canary' });
      expect(canaryLeft).toBeUndefined();
      const history = await runCli(['history', '--app', 'shop', '-n', ns, ...kube], dir);
      expect(history.stdout).toContain('canary of web rolled back');
      expect(history.stdout).toContain('canary of web promoted');
    } finally {
      stop.abort();
      await load;
    }
  }, 300_000);

  it('calls no traffic inconclusive, and decides as configured once the bound has passed', async () => {
    const r = await canary('ok', { traffic: false, inconclusive: 'rollback' });
    expect(r.final.phase).toBe('Failed');
    expect(r.final.reason).toMatch(/no conclusive traffic for \d+ s/);
    expect(r.events.some((e) => e.type === 'analysis' && e.verdict === 'inconclusive')).toBe(true);
  }, 180_000);
});

/**
 * The same canaries through a real Gateway API data plane: Traefik's Kubernetes Gateway provider
 * (testbed/build-traefik.sh) on this machine, routing an HTTPRoute's weighted backends straight to
 * the real node's pods. The weight Nimbus writes is the split the requests see.
 */
describe('canaries through a Gateway API HTTPRoute, with Traefik as the data plane', () => {
  let client: KubeClient;
  let prometheus: { url: string; stop: () => void };
  let traefik: ChildProcess | undefined;
  let image: string;
  const ns = uniqueNamespace('gateway');
  const port = 18000 + Math.floor(Math.random() * 900);

  beforeAll(async () => {
    client = await connectTestCluster();
    await installUpstreamCrds(client);
    const dir = mkdtempSync(join(tmpdir(), 'nimbus-gateway-'));
    image = await canaryImage(dir);
    prometheus = startPrometheus(dir);
    writeFileSync(
      join(dir, 'traefik.yaml'),
      `global: { checkNewVersion: false, sendAnonymousUsage: false }
entryPoints: { web: { address: "127.0.0.1:${port}" } }
providers:
  providersThrottleDuration: 100ms
  kubernetesGateway: { namespaces: [${ns}] }
log: { level: ERROR }
`,
    );
    const binary = process.env.NIMBUS_TEST_TRAEFIK;
    if (!binary) throw new Error('NIMBUS_TEST_TRAEFIK is not set: start the backends with `bash testbed/up.sh` or run `npm test`');
    traefik = spawn(binary, [`--configFile=${join(dir, 'traefik.yaml')}`], {
      env: { ...process.env, KUBECONFIG: testKubeconfig() },
      stdio: 'ignore',
    });
    await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    const gw = (kind: string, name: string, spec: Record<string, unknown>, namespaced = true): KubeObject => ({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind,
      metadata: { name, ...(namespaced ? { namespace: ns } : {}) },
      spec,
    });
    await client.apply(gw('GatewayClass', `traefik-${ns}`, { controllerName: 'traefik.io/gateway-controller' }, false));
    await client.apply(gw('Gateway', 'web', { gatewayClassName: `traefik-${ns}`, listeners: [{ name: 'web', port, protocol: 'HTTP' }] }));
    for (const track of ['stable', 'canary'])
      await client.apply({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: track === 'stable' ? 'web' : 'web-canary', namespace: ns },
        spec: { selector: { 'app.kubernetes.io/name': 'web', 'nimbus.dev/track': track }, ports: [{ port: 80, targetPort: 8080 }] },
      });
    await client.apply(
      gw('HTTPRoute', 'web', {
        parentRefs: [{ name: 'web' }],
        rules: [
          {
            backendRefs: [
              { name: 'web', port: 80, weight: 100 },
              { name: 'web-canary', port: 80, weight: 0 },
            ],
          },
        ],
      }),
    );
  }, 180_000);

  afterAll(async () => {
    traefik?.kill();
    prometheus?.stop();
    await client?.delete({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', name: `traefik-${ns}` });
    await client?.delete({ apiVersion: 'v1', kind: 'Namespace', name: ns });
    client?.close();
  });

  const route = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', namespace: ns, name: 'web' };

  /** Which versions answer `count` requests through the gateway. */
  async function split(count: number): Promise<Record<string, number>> {
    const seen: Record<string, number> = {};
    for (let i = 0; i < count; i++) {
      const res = await fetch(`http://127.0.0.1:${port}/work`).catch(() => undefined);
      const version = res ? ((await res.text()).trim().split(' ')[1] ?? '?') : 'refused';
      seen[version] = (seen[version] ?? 0) + 1;
    }
    return seen;
  }

  async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await probe();
      if (v !== undefined) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  it('routes by the HTTPRoute weights Nimbus writes, and rolls a failing canary back to weight 0', async () => {
    await client.apply(podsOf(ns, image, 'web', 'stable', 'ok', 'v1', 2));
    await client.apply(podsOf(ns, image, 'web-canary', 'canary', 'error', 'v2', 1));
    await waitReady(client, ns, 'web', 2);
    await waitReady(client, ns, 'web-canary', 1);
    await until('the gateway serving the stable version', async () => ((await split(5)).v1 === 5 ? true : undefined));
    // A weight written to the route is the split of the traffic.
    const live = await client.get(route);
    await client.replace(httpRouteWeights(live as KubeObject, 'web', 'web-canary', 25));
    const quarter = await until('25 % on the canary', async () => {
      const s = await split(200);
      return s.v2 && s.v2 >= 40 && s.v2 <= 60 ? s : undefined;
    });
    expect((quarter.v1 ?? 0) + (quarter.v2 ?? 0)).toBe(200);
    const back = await client.get(route);
    await client.replace(httpRouteWeights(back as KubeObject, 'web', 'web-canary', 0));
    await until('all on stable again', async () => ((await split(50)).v1 === 50 ? true : undefined));
    // A canary that answers 5xx, judged on what the gateway sends it, is rolled back at once to 0.
    const stopLoad = new AbortController();
    const load = (async () => {
      while (!stopLoad.signal.aborted)
        await autocannon({ url: `http://127.0.0.1:${port}/work`, connections: 4, duration: 2, overallRate: 80 });
    })();
    let final: RolloutState | undefined;
    try {
      const gen = runCanary({
        client,
        prometheus: prometheus.url,
        namespace: ns,
        service: 'web',
        router: { kind: 'http-route', namespace: ns, name: 'web', stableService: 'web', canaryService: 'web-canary' },
        policy: { ...DEFAULT_POLICY, steps: [25, 50], intervalMs: 5000, threshold: 2 },
        checks: DEFAULT_CHECKS,
        minRequests: 10,
        promote: async () => {},
        rollback: async () => {},
        pollMs: 250,
      });
      for (;;) {
        const next = await gen.next();
        if (next.done) {
          final = next.value;
          break;
        }
      }
    } finally {
      stopLoad.abort();
      await load;
    }
    expect(final?.phase).toBe('Failed');
    expect(final?.reason).toMatch(/success rate/);
    type Rules = { rules: { backendRefs: { weight: number }[] }[] };
    const weights = ((await client.get(route))?.spec as Rules | undefined)?.rules[0]?.backendRefs.map((b) => b.weight);
    expect(weights).toEqual([100, 0]);
    expect((await split(50)).v1).toBe(50);
  }, 240_000);
});
