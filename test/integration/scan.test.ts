import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerManager, inventoryImage } from '@nimbus/docker';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../packages/cli/test/helpers.js';
import { testDockerHost } from './testbed.js';

const root = new URL('../../', import.meta.url).pathname;
/** `nimbus scan IMAGE` against the test advisories, JSON out, the SBOM written to a fresh directory. */
async function scanWithSbom(image: string) {
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-scan-'));
  const r = await runCli(
    [
      'scan',
      image,
      '--advisories',
      join(root, 'test/fixtures/osv'),
      '--sbom',
      'sbom.json',
      '-o',
      'json',
      '--docker-host',
      testDockerHost(),
    ],
    dir,
  );
  return { dir, r };
}

const tag = `nimbus-test/planted:${Date.now().toString(36)}`;

describe('nimbus scan on an image built in the test', () => {
  beforeAll(async () => {
    // A vulnerable openssl and a fixed zlib in the dpkg database, a vulnerable lodash under node_modules,
    // and a package deleted in a later layer (its whiteout must hide it).
    const ctx = mkdtempSync(join(tmpdir(), 'nimbus-planted-'));
    mkdirSync(join(ctx, 'node_modules/lodash'), { recursive: true });
    mkdirSync(join(ctx, 'node_modules/left-pad'), { recursive: true });
    writeFileSync(
      join(ctx, 'status'),
      'Package: openssl\nStatus: install ok installed\nVersion: 3.0.11-1~deb12u2\n\nPackage: zlib1g\nStatus: install ok installed\nVersion: 1:1.2.13.dfsg-1\n',
    );
    writeFileSync(join(ctx, 'node_modules/lodash/package.json'), '{"name":"lodash","version":"4.17.20"}');
    writeFileSync(join(ctx, 'node_modules/left-pad/package.json'), '{"name":"left-pad","version":"1.3.0"}');
    writeFileSync(
      join(ctx, 'Dockerfile'),
      'FROM nimbus-test/busybox:1.35\nCOPY status /var/lib/dpkg/status\nCOPY node_modules /app/node_modules\nRUN rm -r /app/node_modules/left-pad\nUSER 10001\n',
    );
    await new DockerManager({ host: testDockerHost() }).buildImage({ context: ctx, tag });
  }, 120_000);

  it('inventories OS and npm packages from the layers, honouring deletions', async () => {
    const packages = await inventoryImage(new DockerManager({ host: testDockerHost() }).docker, tag);
    expect(packages.map((p) => `${p.ecosystem}:${p.name}@${p.version}`).sort()).toEqual([
      'Debian:openssl@3.0.11-1~deb12u2',
      'Debian:zlib1g@1:1.2.13.dfsg-1',
      'npm:lodash@4.17.20',
    ]);
  });

  it('finds the planted vulnerabilities, writes a CycloneDX SBOM, and gates at HIGH', async () => {
    const { dir, r } = await scanWithSbom(tag);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('gate: vulnerabilities at HIGH or above');
    const out = JSON.parse(r.stdout);
    expect(out.findings.map((f: { ruleId: string; severity: string }) => `${f.ruleId}:${f.severity}`)).toEqual([
      'DSA-9001-1:error',
      'GHSA-test-9003:warning',
    ]);
    expect(out.findings[0].fix).toBe('upgrade openssl to 3.0.13-1~deb12u1 or later');
    const sbom = JSON.parse(readFileSync(join(dir, 'sbom.json'), 'utf8'));
    expect(sbom.bomFormat).toBe('CycloneDX');
    expect(sbom.components.map((c: { purl: string }) => c.purl)).toContain('pkg:npm/lodash@4.17.20');
  });

  it('passes the gate when the threshold is above what was found', async () => {
    const r = await runCli(
      ['scan', tag, '--advisories', join(root, 'test/fixtures/osv'), '--fail-on', 'critical', '--docker-host', testDockerHost()],
      root,
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('3 packages, 2 known vulnerabilities');
  });
});

describe('nimbus scan of an image holding a Go program', () => {
  const goTag = `nimbus-test/go-program:${Date.now().toString(36)}`;
  beforeAll(async () => {
    // The testbed's own etcd, built from its Go module: a real binary with real build info.
    const versions = readFileSync(join(root, 'testbed/versions.sh'), 'utf8');
    const etcdVersion = /^ETCD_VERSION=(\S+)/m.exec(versions)?.[1] as string;
    const cache = process.env.NIMBUS_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'nimbus-testbed');
    const ctx = mkdtempSync(join(tmpdir(), 'nimbus-go-'));
    copyFileSync(join(cache, `etcd-${etcdVersion}`, 'etcd'), join(ctx, 'etcd'));
    chmodSync(join(ctx, 'etcd'), 0o755);
    writeFileSync(join(ctx, 'Dockerfile'), 'FROM nimbus-test/busybox:1.35\nCOPY etcd /usr/local/bin/etcd\nUSER 10001\n');
    await new DockerManager({ host: testDockerHost() }).buildImage({ context: ctx, tag: goTag });
  }, 120_000);

  it("lists the program's modules and toolchain from its build info and matches Go advisories by semver", async () => {
    const packages = await inventoryImage(new DockerManager({ host: testDockerHost() }).docker, goTag);
    const byName = new Map(packages.map((p) => [p.name, p]));
    expect(byName.get('go.etcd.io/etcd/server/v3')).toMatchObject({ ecosystem: 'Go', version: 'v3.6.16', location: 'usr/local/bin/etcd' });
    expect(byName.get('go.etcd.io/bbolt')?.version).toMatch(/^v1\./);
    expect(byName.get('stdlib')?.version).toMatch(/^1\.\d+/);
    // busybox is a static ELF too, but not a Go program.
    expect(packages.every((p) => p.location === 'usr/local/bin/etcd')).toBe(true);
    expect(packages.length).toBeGreaterThan(30);

    const { dir, r } = await scanWithSbom(goTag);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).findings.map((f: { ruleId: string }) => f.ruleId)).toEqual(['GO-TEST-9004']);
    const sbom = JSON.parse(readFileSync(join(dir, 'sbom.json'), 'utf8'));
    expect(sbom.components.map((c: { purl: string }) => c.purl)).toContain('pkg:golang/go.etcd.io/etcd/server/v3@v3.6.16');
  });
});
