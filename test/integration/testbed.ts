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
