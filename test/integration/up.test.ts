import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerManager } from '@nimbus/docker';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../packages/cli/test/helpers.js';
import { testDockerHost } from './testbed.js';

const HTTPD = 'FROM nimbus-test/busybox:1.35\nCOPY www /www\nUSER 10001\n';

describe('nimbus up / down on the local engine', () => {
  it('starts dependencies first on one network, with env, config files and readiness, then removes everything', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nimbus-up-'));
    const app = `up${Date.now().toString(36)}`;
    for (const svc of ['front', 'back']) {
      mkdirSync(join(dir, svc, 'www'), { recursive: true });
      writeFileSync(join(dir, svc, 'www', 'health'), 'ok');
      writeFileSync(join(dir, svc, 'www', 'ready'), 'ok');
      writeFileSync(join(dir, svc, 'Dockerfile'), HTTPD);
    }
    writeFileSync(join(dir, 'back', 'www', 'data'), 'from back');
    writeFileSync(
      join(dir, 'front', 'Dockerfile'),
      'FROM nimbus-test/busybox:1.35\nCOPY www /www\nRUN mkdir -p /tmp/w && chmod 777 /tmp/w\nUSER 10001\n',
    );
    writeFileSync(
      join(dir, 'nimbus.yaml'),
      `apiVersion: nimbus.dev/v1alpha1
kind: App
metadata: { name: ${app} }
spec:
  services:
    back:
      build: { context: ./back }
      command: [/bin/httpd, -f, -p, "8080", -h, /www]
      ports: [{ port: 8080 }]
    front:
      build: { context: ./front }
      # Copies back's data at start (over the network alias), then serves it with its env and a config file.
      command: [/bin/sh, -c, 'mkdir -p /tmp/w && cp /www/* /tmp/w/ && wget -qO /tmp/w/fromback http://back:8080/data && echo "$GREETING" > /tmp/w/env && cp /etc/front/settings.ini /tmp/w/settings && exec /bin/httpd -f -p 8080 -h /tmp/w']
      ports: [{ port: 8080 }]
      env: { GREETING: hello-local }
      config:
        files:
          /etc/front/settings.ini: "mode=dev"
      dependsOn: [back]
`,
    );
    const up = await runCli(['up', '-o', 'json', '--docker-host', testDockerHost(), '--timeout', '60'], dir);
    expect(up.code, up.stderr).toBe(0);
    const table = JSON.parse(up.stdout) as { service: string; ports: string[]; ready: boolean }[];
    expect(table.map((t) => t.service)).toEqual(['back', 'front']);
    expect(table.every((t) => t.ready)).toBe(true);
    const frontPort = (table[1]?.ports[0] ?? '').split(':')[1]?.split('-')[0];
    const get = (path: string) => fetch(`http://127.0.0.1:${frontPort}${path}`).then((r) => r.text());
    expect(await get('/fromback')).toBe('from back');
    expect((await get('/env')).trim()).toBe('hello-local');
    expect(await get('/settings')).toBe('mode=dev');
    // Dev/prod parity: hardened as the rendered pod is.
    const inspected = (await new DockerManager({ host: testDockerHost() }).docker.getContainer(`${app}-front`).inspect()) as unknown as {
      Config: { User: string };
      HostConfig: { ReadonlyRootfs: boolean; CapDrop: string[]; SecurityOpt: string[]; Tmpfs: Record<string, string>; Memory: number };
    };
    expect(inspected.Config.User).toBe('10001:10001');
    expect(inspected.HostConfig.ReadonlyRootfs).toBe(true);
    expect(inspected.HostConfig.CapDrop).toEqual(['ALL']);
    expect(inspected.HostConfig.SecurityOpt).toContain('no-new-privileges');
    expect(Object.keys(inspected.HostConfig.Tmpfs)).toEqual(['/tmp']);
    expect(inspected.HostConfig.Memory).toBeGreaterThan(0);

    const down = await runCli(['down', '--docker-host', testDockerHost()], dir);
    expect(down.code).toBe(0);
    expect(down.stdout).toContain(`${app}: removed 2 containers`);
    await expect(fetch(`http://127.0.0.1:${frontPort}/fromback`)).rejects.toThrow();
  });
});
