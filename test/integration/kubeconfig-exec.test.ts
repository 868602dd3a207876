import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeClient } from '@nimbus/kube';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runCli } from '../../packages/cli/test/helpers.js';
import { testKubeconfig } from './testbed.js';

/**
 * A kubeconfig whose user is an exec credential plugin, as cloud clusters have, against the real API
 * server: the plugin hands out the testbed's client certificate (this API server accepts
 * certificates), so commands authenticate with what the plugin printed.
 */
describe('kubeconfigs with exec credential plugins', () => {
  it('authenticate every command with what the plugin returns', async () => {
    const original = parse(readFileSync(testKubeconfig(), 'utf8'));
    const user = original.users[0].user;
    const dir = mkdtempSync(join(tmpdir(), 'nimbus-exec-'));
    const plugin = join(dir, 'cloud-login.mjs');
    writeFileSync(
      plugin,
      `#!/usr/bin/env node
import { readFileSync } from 'node:fs';
const status = { clientCertificateData: readFileSync(${JSON.stringify(user['client-certificate'])}, 'utf8'), clientKeyData: readFileSync(${JSON.stringify(user['client-key'])}, 'utf8') };
console.log(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status }));
`,
    );
    chmodSync(plugin, 0o755);
    const kubeconfig = join(dir, 'config');
    const cluster = original.clusters[0];
    writeFileSync(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        'current-context': 'cloud',
        clusters: [cluster],
        contexts: [{ name: 'cloud', context: { cluster: cluster.name, user: 'sso' } }],
        users: [
          { name: 'sso', user: { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: plugin, interactiveMode: 'Never' } } },
        ],
      }),
    );
    const client = await KubeClient.connect({ kubeconfig });
    try {
      const namespaces = await client.list({ apiVersion: 'v1', kind: 'Namespace' });
      expect(namespaces.some((n) => n.metadata.name === 'default')).toBe(true);
    } finally {
      client.close();
    }
    const status = await runCli(['status', '--app', 'nothing-here', '-n', 'default', '--kubeconfig', kubeconfig], dir);
    expect(status.stderr).not.toContain('NIMBUS_KUBECONFIG');
  });
});
