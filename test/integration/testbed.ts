import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { KubeClient } from '@nimbus/kube';

/**
 * Access to the real backends that testbed/up.sh started. There is no fallback
 * and no skipping: without a backend, integration tests fail with this message.
 */
export function testKubeconfig(): string {
  const path = process.env.NIMBUS_TEST_KUBECONFIG;
  if (!path) throw new Error('NIMBUS_TEST_KUBECONFIG is not set: start the backends with `bash testbed/up.sh` or run `npm test`');
  return path;
}

export async function connectTestCluster(): Promise<KubeClient> {
  return KubeClient.connect({ kubeconfig: testKubeconfig() });
}

/** A namespace name no other test uses. */
export function uniqueNamespace(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString('hex')}`;
}

/** Installs the upstream Istio, Gateway API and Argo CD CRDs (testbed/crds.sh) and waits until they are Established. */
export async function installUpstreamCrds(client: KubeClient): Promise<number> {
  const { execFileSync } = await import('node:child_process');
  const { readFileSync } = await import('node:fs');
  const { parseAllDocuments } = await import('yaml');
  const { CustomResourceManager } = await import('@nimbus/delivery/managers');
  const root = new URL('../../', import.meta.url).pathname;
  const files = execFileSync('bash', ['testbed/crds.sh'], { cwd: root, encoding: 'utf8' }).trim().split('\n');
  const crds = files.flatMap((f) =>
    parseAllDocuments(readFileSync(f, 'utf8'))
      .flatMap((d) => (Array.isArray(d) ? [] : [d.toJS()]))
      .filter((o) => o?.kind === 'CustomResourceDefinition'),
  );
  const manager = new CustomResourceManager(client);
  await Promise.all(crds.map((crd) => manager.applyCrd(crd)));
  return crds.length;
}

/** Startup nodes of the testbed's Redis Cluster. */
export function testRedisNodes(): { host: string; port: number }[] {
  const list = process.env.NIMBUS_TEST_REDIS_NODES;
  if (!list) throw new Error('NIMBUS_TEST_REDIS_NODES is not set: start the backends with `bash testbed/up.sh` or run `npm test`');
  return list.split(',').map((hp) => ({ host: hp.split(':')[0] as string, port: Number(hp.split(':')[1]) }));
}

/** The testbed's Docker engine (testbed/docker.sh), with base image nimbus-test/busybox:1.35. */
export function testDockerHost(): string {
  const host = process.env.NIMBUS_TEST_DOCKER_HOST;
  if (!host) throw new Error('NIMBUS_TEST_DOCKER_HOST is not set: start the backends with `bash testbed/up.sh` or run `npm test`');
  return host;
}

/** The file every simulated container logs (CRI format); kwok streams what is appended to it. */
export function testContainerLog(): string {
  const file = process.env.NIMBUS_TEST_CONTAINER_LOG;
  if (!file) throw new Error('NIMBUS_TEST_CONTAINER_LOG is not set: start the backends with `bash testbed/up.sh` or run `npm test`');
  return file;
}

/** The testbed's registry (testbed/registry.sh), `127.0.0.1:<port>`. */
export function testRegistry(): string {
  const r = process.env.NIMBUS_TEST_REGISTRY;
  if (!r) throw new Error('NIMBUS_TEST_REGISTRY is not set: start the backends with `bash testbed/up.sh` or run `npm test`');
  return r;
}

/** The testbed's real node (testbed/node.sh): its name, and the placement that puts pods on it (it is tainted so nothing else lands there). */
export function testNode(): { name: string; placement: string } {
  const name = process.env.NIMBUS_TEST_NODE;
  if (!name)
    throw new Error('NIMBUS_TEST_NODE is not set: start the backends (with the real node) with `bash testbed/up.sh` or run `npm test`');
  return {
    name,
    placement:
      'placement: { nodeSelector: { nimbus.dev/testbed-node: real }, tolerations: [{ key: nimbus.dev/testbed-node, operator: Equal, value: real, effect: NoSchedule }] }',
  };
}

/** The testbed's Docker engine, as the docker CLI; throws with the engine's words on failure. */
export const testDocker = (args: string[]) =>
  execFileSync('docker', ['-H', testDockerHost(), ...args], { encoding: 'utf8', stdio: 'pipe' });

/** kubectl against the testbed's cluster. */
export const testKubectl = (args: string[]) => spawnSync('kubectl', ['--kubeconfig', testKubeconfig(), ...args], { encoding: 'utf8' });

/** Pushes a local image to the testbed registry; the real node's containerd pulls it from there. */
export function pushedToTestRegistry(local: string, name: string): string {
  const ref = `${testRegistry()}/${name}`;
  testDocker(['tag', local, ref]);
  testDocker(['push', ref]);
  return ref;
}
