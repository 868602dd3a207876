import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadClusterAccess } from '@nimbus/kube';
import { describe, expect, it } from 'vitest';

const b64 = (s: string) => Buffer.from(s).toString('base64');

function kubeconfigDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-kubeconfig-'));
  writeFileSync(join(dir, 'ca.crt'), 'CA FROM FILE');
  writeFileSync(
    join(dir, 'config'),
    `apiVersion: v1
kind: Config
current-context: dev
clusters:
  - name: dev-cluster
    cluster: { server: "https://127.0.0.1:6443/", certificate-authority: ca.crt }
  - name: prod-cluster
    cluster: { server: https://prod.example:443, certificate-authority-data: ${b64('PROD CA')}, tls-server-name: api.prod }
users:
  - name: dev-user
    user: { client-certificate-data: ${b64('CERT')}, client-key-data: ${b64('KEY')} }
  - name: prod-user
    user: { token: s3cret }
  - name: sso-user
    user: { exec: { command: nimbus-test-no-such-plugin } }
contexts:
  - name: dev
    context: { cluster: dev-cluster, user: dev-user }
  - name: prod
    context: { cluster: prod-cluster, user: prod-user, namespace: shop }
  - name: sso
    context: { cluster: prod-cluster, user: sso-user }
`,
  );
  return dir;
}

describe('loadClusterAccess', () => {
  it('uses the current context, with files relative to the kubeconfig', async () => {
    const dir = kubeconfigDir();
    const a = await loadClusterAccess({ kubeconfig: join(dir, 'config') });
    expect(a).toMatchObject({ server: 'https://127.0.0.1:6443', contextName: 'dev', namespace: 'default' });
    expect(a.ca?.toString()).toBe('CA FROM FILE');
    expect(a.cert?.toString()).toBe('CERT');
    expect(a.key?.toString()).toBe('KEY');
  });

  it('switches context like kubectl --context, with its namespace and token', async () => {
    const a = await loadClusterAccess({ kubeconfig: join(kubeconfigDir(), 'config'), context: 'prod' });
    expect(a).toMatchObject({ server: 'https://prod.example:443', namespace: 'shop', token: 's3cret', tlsServerName: 'api.prod' });
    expect(a.ca?.toString()).toBe('PROD CA');
  });

  it('reads $KUBECONFIG as a list and takes the first file that has the context', async () => {
    const dir = kubeconfigDir();
    const env = { KUBECONFIG: `${join(dir, 'missing')}:${join(dir, 'config')}` };
    expect((await loadClusterAccess({ env, context: 'prod' })).contextName).toBe('prod');
  });

  it('fails with a typed error on a plugin that is not installed, an unknown context, a missing file', async () => {
    const path = join(kubeconfigDir(), 'config');
    await expect(loadClusterAccess({ kubeconfig: path, context: 'sso' })).rejects.toMatchObject({
      code: 'NIMBUS_KUBECONFIG',
      message: expect.stringMatching(/the credential plugin failed: nimbus-test-no-such-plugin is not installed/),
    });
    await expect(loadClusterAccess({ kubeconfig: path, context: 'nope' })).rejects.toMatchObject({ code: 'NIMBUS_KUBECONFIG' });
    await expect(loadClusterAccess({ kubeconfig: '/nonexistent/kubeconfig' })).rejects.toMatchObject({ code: 'NIMBUS_KUBECONFIG' });
  });
});
