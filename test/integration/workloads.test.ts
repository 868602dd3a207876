// An ordinary microservices app on the real node: a gRPC service probed with the
// gRPC health protocol (a sidecar and an init container beside it), a stateful
// store with its own volume, and an HTTP service probed by TCP — images that
// know nothing of the Nimbus SDK. `nimbus deploy` succeeds only once all are Ready.
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeClient } from '@nimbus/kube';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../packages/cli/test/helpers.js';
import { connectTestCluster, pushedToTestRegistry, testKubeconfig, testKubectl, testNode, uniqueNamespace } from './testbed.js';

const kubectl = testKubectl;
const pushed = pushedToTestRegistry;

/**
 * A gRPC server that answers the standard health protocol (grpc.health.v1.Health/Check → SERVING) over
 * cleartext HTTP/2, with Node's own http2 module: the length-prefixed message 0x08 0x01 is
 * HealthCheckResponse{status: SERVING}.
 */
const GRPC_HEALTH_SERVER = [
  "const h2 = require('node:http2');",
  'const server = h2.createServer();',
  "server.on('stream', (stream, headers) => {",
  "  const serving = headers[':path'] === '/grpc.health.v1.Health/Check';",
  "  stream.on('data', () => {});",
  "  stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });",
  "  stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': serving ? '0' : '12' }));",
  '  stream.end(serving ? Buffer.from([0, 0, 0, 0, 2, 8, 1]) : undefined);',
  '});',
  'server.listen(7070);',
].join('\n');

describe('an ordinary microservices app on the real node', () => {
  let client: KubeClient;
  let ns: string;

  beforeAll(async () => {
    testNode();
    client = await connectTestCluster();
    ns = uniqueNamespace('workloads');
  });

  const namespaces: string[] = [];
  const volumes: string[] = [];

  /** A PersistentVolume on a fresh directory of the node, reserved for one claim (the testbed has no dynamic provisioner). */
  async function localVolume(name: string, namespace: string, claim: string): Promise<void> {
    const path = mkdtempSync(join(tmpdir(), 'nimbus-pv-'));
    chmodSync(path, 0o777);
    await client.apply({
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name },
      spec: {
        capacity: { storage: '64Mi' },
        accessModes: ['ReadWriteOnce'],
        storageClassName: '',
        persistentVolumeReclaimPolicy: 'Delete',
        hostPath: { path, type: 'Directory' },
        claimRef: { namespace, name: claim },
      },
    });
    volumes.push(name);
  }

  afterAll(async () => {
    for (const name of [ns, ...namespaces]) await client?.delete({ apiVersion: 'v1', kind: 'Namespace', name });
    for (const name of volumes) await client?.delete({ apiVersion: 'v1', kind: 'PersistentVolume', name });
    client?.close();
  });

  it('deploys a gRPC service with a sidecar and an init container, a stateful store and a TCP-probed service until all are Ready', async () => {
    const node = pushed('nimbus-test/node:20', 'nimbus-test/node:20');
    const busybox = pushed('nimbus-test/busybox:1.35', 'nimbus-test/busybox:1.35');
    const redis = pushed('redis:7', 'nimbus-test/redis:7');
    // The store's volume: a local PersistentVolume on the node (the testbed has no dynamic provisioner).
    await localVolume(`${ns}-store`, ns, 'data-store-0');
    const dir = mkdtempSync(join(tmpdir(), 'nimbus-workloads-'));
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'nimbus.yaml'),
      `apiVersion: nimbus.dev/v1alpha1
kind: App
metadata: { name: workloads, namespace: ${ns} }
spec:
  defaults:
    ${testNode().placement}
    resources: { requests: { cpu: 10m, memory: 32Mi }, limits: { memory: 128Mi } }
  services:
    api:
      image: ${node}
      command: [node, -e, ${JSON.stringify(GRPC_HEALTH_SERVER)}]
      ports: [{ port: 7070, protocol: grpc }]
      replicas: 1
      volumes:
        /var/log/api: { emptyDir: { sizeLimit: 16Mi } }
      sidecars:
        shipper:
          image: ${busybox}
          command: [sh, -c, "while true; do ls /var/log/api > /dev/null; sleep 5; done"]
          volumes: [/var/log/api]
      initContainers:
        prepare:
          image: ${busybox}
          command: [sh, -c, "echo ready > /tmp/init-done"]
    store:
      image: ${redis}
      command: [redis-server, --dir, /data, --save, "60 1", --protected-mode, "no"]
      ports: [{ port: 6379, protocol: tcp }]
      stateful: { storage: 64Mi }
    web:
      image: ${busybox}
      command: [sh, -c, "mkdir -p /tmp/www && echo \\"api at $API\\" > /tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www"]
      ports: [{ port: 8080 }]
      replicas: 1
      env: { API: "\${services.api.host}:\${services.api.port}", STORE: "\${services.store.host}" }
      dependsOn: [api, store]
`,
    );
    const check = await runCli(['check', 'nimbus.yaml', '-o', 'json'], dir);
    const errors = (JSON.parse(check.stdout) as { findings: { severity: string; ruleId: string; message: string }[] }).findings.filter(
      (f) => f.severity === 'error',
    );
    expect(errors).toEqual([]);

    const deploy = await runCli(['deploy', '--timeout', '3m', '--kubeconfig', testKubeconfig()], dir);
    expect(deploy.code, `${deploy.stdout}\n${deploy.stderr}`).toBe(0);

    // The gRPC health protocol, the TCP connects and the store's volume all did their part.
    const pods = JSON.parse(kubectl(['get', 'pods', '-n', ns, '-o', 'json']).stdout) as {
      items: {
        metadata: { name: string };
        spec: { containers: { name: string; readinessProbe?: object }[] };
        status: { containerStatuses?: { name: string; ready: boolean }[] };
      }[];
    };
    const byPrefix = (p: string) => pods.items.find((pod) => pod.metadata.name.startsWith(p));
    const api = byPrefix('api-');
    expect(api?.spec.containers.map((c) => c.name)).toEqual(['api', 'shipper']);
    expect(api?.spec.containers[0]?.readinessProbe).toMatchObject({ grpc: { port: 7070 } });
    expect(api?.status.containerStatuses?.every((c) => c.ready)).toBe(true);
    expect(byPrefix('store-0')?.status.containerStatuses?.[0]?.ready).toBe(true);
    expect(byPrefix('web-')?.spec.containers[0]?.readinessProbe).toMatchObject({ tcpSocket: { port: 'http' } });
    const claim = await client.get({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: ns, name: 'data-store-0' });
    expect((claim?.status as { phase?: string } | undefined)?.phase).toBe('Bound');
    // The store writes into its own volume, as the non-root user the pod runs as.
    const save = kubectl(['exec', '-n', ns, 'store-0', '-c', 'store', '--', 'redis-cli', 'SAVE']);
    expect(save.stdout.trim(), save.stderr).toBe('OK');
  }, 300_000);

  it('runs a provisioned Redis with a generated password nobody sees, and keeps it across deploys', async () => {
    const redis = pushed('redis:7', 'nimbus-test/redis:7');
    const busybox = pushed('nimbus-test/busybox:1.35', 'nimbus-test/busybox:1.35');
    const app = uniqueNamespace('provisioned');
    namespaces.push(app);
    const dir = mkdtempSync(join(tmpdir(), 'nimbus-provisioned-'));
    await localVolume(`${app}-cache`, app, 'data-cache-0');
    writeFileSync(
      join(dir, 'nimbus.yaml'),
      `apiVersion: nimbus.dev/v1alpha1
kind: App
metadata: { name: provisioned, namespace: ${app} }
spec:
  defaults:
    ${testNode().placement}
    resources: { requests: { cpu: 10m, memory: 32Mi }, limits: { memory: 128Mi } }
  services:
    web:
      image: ${busybox}
      command: [sh, -c, "mkdir -p /tmp/www && exec httpd -f -p 8080 -h /tmp/www"]
      ports: [{ port: 8080 }]
      replicas: 1
      env: { CACHE_URL: "\${resources.cache.url}" }
      dependsOn: [cache]
  resources:
    cache: { type: redis, provision: true, image: ${redis}, storage: 64Mi }
`,
    );
    // The testbed has no dynamic volume provisioner: the claim binds the volume made above.
    const first = await runCli(['deploy', '--timeout', '3m', '--kubeconfig', testKubeconfig()], dir);
    expect(first.code, `${first.stdout}\n${first.stderr}`).toBe(0);
    expect(first.stdout).toContain(`Secret ${app}/cache created with a generated password (not shown)`);
    const secret = await client.get({ apiVersion: 'v1', kind: 'Secret', namespace: app, name: 'cache' });
    const password = Buffer.from(String((secret?.data as { password?: string } | undefined)?.password), 'base64').toString();
    expect(password.length).toBeGreaterThanOrEqual(24);
    expect(first.stdout + first.stderr).not.toContain(password);
    // The instance answers only with that password.
    const ping = kubectl(['exec', '-n', app, 'cache-0', '--', 'redis-cli', '--no-auth-warning', '-a', password, 'PING']);
    expect(ping.stdout.trim(), ping.stderr).toBe('PONG');
    const denied = kubectl(['exec', '-n', app, 'cache-0', '--', 'redis-cli', 'PING']);
    expect(denied.stdout).toContain('NOAUTH');
    // A second deploy leaves the Secret alone (the data already depends on it).
    const second = await runCli(['deploy', '--timeout', '3m', '--kubeconfig', testKubeconfig()], dir);
    expect(second.code, second.stderr).toBe(0);
    const again = await client.get({ apiVersion: 'v1', kind: 'Secret', namespace: app, name: 'cache' });
    expect(again?.metadata.resourceVersion).toBe(secret?.metadata.resourceVersion);
  }, 300_000);
});
