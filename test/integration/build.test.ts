import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../packages/cli/test/helpers.js';
import { testDockerHost, testRegistry } from './testbed.js';

describe('nimbus build', () => {
  it('builds every service with a build context, tags by content, pushes to the registry', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nimbus-build-'));
    const app = `b${Date.now().toString(36)}`;
    for (const svc of ['front', 'back']) {
      mkdirSync(join(dir, svc));
      writeFileSync(
        join(dir, svc, 'Dockerfile'),
        `FROM nimbus-test/busybox:1.35\nARG FLAVOUR=plain\nRUN echo "$FLAVOUR ${svc}" > /flavour\nUSER 10001\nCMD ["/bin/cat", "/flavour"]\n`,
      );
    }
    writeFileSync(
      join(dir, 'nimbus.yaml'),
      `apiVersion: nimbus.dev/v1alpha1\nkind: App\nmetadata: { name: ${app} }\nspec:\n  ci: { registry: ${testRegistry()}/acme }\n  services:\n    front:\n      build: { context: ./front, args: { FLAVOUR: spicy } }\n      ports: [{ port: 8080 }]\n    back:\n      build: { context: ./back }\n      ports: [{ port: 8080 }]\n`,
    );
    const r = await runCli(['build', '--push', '-o', 'json', '--docker-host', testDockerHost()], dir);
    expect(r.code, r.stderr).toBe(0);
    const built = JSON.parse(r.stdout) as { service: string; image: string }[];
    expect(built.map((b) => b.service)).toEqual(['back', 'front']);
    for (const b of built) expect(b.image).toMatch(new RegExp(`^${testRegistry()}/acme/${app}-${b.service}:[0-9a-f]{12}$`));
    const tags = await (await fetch(`http://${testRegistry()}/v2/acme/${app}-front/tags/list`)).json();
    expect(tags.tags).toEqual([
      built
        .find((b) => b.service === 'front')
        ?.image.split(':')
        .pop(),
    ]);
    // Same inputs, same tag: a rebuild is a no-op for the registry.
    const again = await runCli(['build', '-o', 'json', '--docker-host', testDockerHost()], dir);
    expect(JSON.parse(again.stdout).map((b: { image: string }) => b.image)).toEqual(built.map((b) => b.image));
  });

  it('explains a service with neither a Dockerfile nor a known language', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nimbus-build-'));
    mkdirSync(join(dir, 'odd'));
    writeFileSync(join(dir, 'odd', 'README'), 'nothing to build');
    writeFileSync(
      join(dir, 'nimbus.yaml'),
      'apiVersion: nimbus.dev/v1alpha1\nkind: App\nmetadata: { name: odd }\nspec:\n  services:\n    odd: { build: { context: ./odd } }\n',
    );
    const r = await runCli(['build', '--docker-host', testDockerHost()], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("service 'odd' has no Dockerfile");
  });
});
