import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadClusterAccess } from '../src/kubeconfig.js';

/** Exec credential plugins (EKS, GKE, AKS, OIDC logins), run for real as small scripts. */
function setup(plugin: string, extraUser = '') {
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-exec-'));
  const script = join(dir, 'plugin.mjs');
  writeFileSync(script, `#!/usr/bin/env node\n${plugin}`);
  chmodSync(script, 0o755);
  const kubeconfig = join(dir, 'config');
  writeFileSync(
    kubeconfig,
    `apiVersion: v1
kind: Config
current-context: cloud
clusters: [{ name: c, cluster: { server: https://cloud.example.com } }]
contexts: [{ name: cloud, context: { cluster: c, user: u } }]
users:
  - name: u
    user:
      exec:
        apiVersion: client.authentication.k8s.io/v1
        command: ./plugin.mjs
        args: [get-token]
        env: [{ name: PLUGIN_DIR, value: ${dir} }]
        provideClusterInfo: true
        installHint: install the cloud CLI
${extraUser}`,
  );
  return { dir, kubeconfig };
}

describe('exec credential plugins', () => {
  it('are run with the ExecCredential request, and their token is used', async () => {
    const { dir, kubeconfig } = setup(`
import { writeFileSync } from 'node:fs';
const info = JSON.parse(process.env.KUBERNETES_EXEC_INFO);
writeFileSync(process.env.PLUGIN_DIR + '/seen.json', JSON.stringify({ argv: process.argv.slice(2), info }));
console.log(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: 'token-1' } }));`);
    const access = await loadClusterAccess({ kubeconfig });
    expect(access.token).toBe('token-1');
    const seen = JSON.parse(readFileSync(join(dir, 'seen.json'), 'utf8'));
    expect(seen.argv).toEqual(['get-token']);
    expect(seen.info).toMatchObject({
      kind: 'ExecCredential',
      spec: { interactive: false, cluster: { server: 'https://cloud.example.com' } },
    });
  });

  it('fetch the token again before it expires', async () => {
    const { kubeconfig } = setup(`
import { existsSync, writeFileSync } from 'node:fs';
const marker = process.env.PLUGIN_DIR + '/called';
const again = existsSync(marker);
writeFileSync(marker, '1');
const expires = new Date(Date.now() + 61_000).toISOString();
console.log(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: again ? 'token-2' : 'token-1', expirationTimestamp: expires } }));`);
    const access = await loadClusterAccess({ kubeconfig });
    expect(access.token).toBe('token-1');
    await new Promise((r) => setTimeout(r, 2500));
    expect(access.token).toBe('token-2');
  });

  it('say which context and plugin failed, with the install hint', async () => {
    const missing = setup('', '');
    writeFileSync(missing.kubeconfig, readFileSync(missing.kubeconfig, 'utf8').replace('./plugin.mjs', 'no-such-cloud-cli'));
    await expect(loadClusterAccess({ kubeconfig: missing.kubeconfig })).rejects.toMatchObject({
      code: 'NIMBUS_KUBECONFIG',
      message: "context 'cloud': the credential plugin failed: no-such-cloud-cli is not installed",
      hint: 'install the cloud CLI',
    });
    const broken = setup("process.stderr.write('token expired, run: cloud login\\n'); process.exit(1);");
    await expect(loadClusterAccess({ kubeconfig: broken.kubeconfig })).rejects.toThrow(
      /credential plugin failed: token expired, run: cloud login/,
    );
    const garbage = setup("console.log('not json');");
    await expect(loadClusterAccess({ kubeconfig: garbage.kubeconfig })).rejects.toThrow(/did not print an ExecCredential/);
    const interactive = setup('', '        interactiveMode: Always\n');
    await expect(loadClusterAccess({ kubeconfig: interactive.kubeconfig })).rejects.toThrow(/needs a terminal/);
  });
});
