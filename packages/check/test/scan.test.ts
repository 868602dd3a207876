import { spawnSync } from 'node:child_process';
import { compareDebian, compareSemver, cycloneDx, matchAdvisories, type OsvAdvisory, parseDpkgStatus } from '@nimbus/check';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const dpkgAvailable = spawnSync('dpkg', ['--version']).status === 0;
const dpkgSays = (a: string, op: 'lt' | 'eq' | 'gt', b: string) => spawnSync('dpkg', ['--compare-versions', a, op, b]).status === 0;

describe('Debian version order', () => {
  it('agrees with dpkg --compare-versions on known tricky cases', () => {
    const cases: [string, string][] = [
      ['1.0~rc1', '1.0'],
      ['1.0', '1.0+b1'],
      ['2.0', '1:0.9'],
      ['3.0.11-1~deb12u1', '3.0.11-1~deb12u2'],
      ['3.0.11-1~deb12u2', '3.0.13-1~deb12u1'],
      ['1.2', '1.2a'],
      ['2.4-1', '2.30-1'],
      ['0.9', '0.10'],
    ];
    for (const [a, b] of cases) {
      expect(Math.sign(compareDebian(a, b)), `${a} vs ${b}`).toBe(-1);
      expect(Math.sign(compareDebian(b, a))).toBe(1);
      if (dpkgAvailable) expect(dpkgSays(a, 'lt', b), `dpkg: ${a} < ${b}`).toBe(true);
    }
  });

  it.runIf(dpkgAvailable)('agrees with dpkg on 300 generated pairs', () => {
    const part = fc.stringMatching(/^[0-9]{1,3}([.~+][0-9a-z]{1,3}){0,3}$/);
    const version = fc
      .tuple(
        fc.option(fc.integer({ min: 0, max: 2 }), { nil: undefined }),
        fc.stringMatching(/^[0-9][0-9a-z.+~]{0,6}$/),
        fc.option(part, { nil: undefined }),
      )
      .map(([epoch, upstream, revision]) => `${epoch !== undefined ? `${epoch}:` : ''}${upstream}${revision ? `-${revision}` : ''}`);
    fc.assert(
      fc.property(version, version, (a, b) => {
        const ours = Math.sign(compareDebian(a, b));
        const op = ours < 0 ? 'lt' : ours > 0 ? 'gt' : 'eq';
        expect(dpkgSays(a, op, b), `${a} ${op} ${b}`).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe('semver order', () => {
  it('orders releases, pre-releases and numeric identifiers', () => {
    const sorted = [
      '1.0.0-alpha',
      '1.0.0-alpha.1',
      '1.0.0-alpha.beta',
      '1.0.0-beta.2',
      '1.0.0-beta.11',
      '1.0.0-rc.1',
      '1.0.0',
      '1.2.0',
      '1.10.0',
      '4.17.21',
    ];
    for (let i = 1; i < sorted.length; i++)
      expect(Math.sign(compareSemver(sorted[i - 1] as string, sorted[i] as string)), `${sorted[i - 1]} < ${sorted[i]}`).toBe(-1);
  });
});

const ADVISORIES: OsvAdvisory[] = [
  {
    id: 'DSA-0001-1',
    summary: 'openssl: a test advisory',
    aliases: ['CVE-2024-0001'],
    database_specific: { severity: 'HIGH' },
    affected: [
      {
        package: { ecosystem: 'Debian:12', name: 'openssl' },
        ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '3.0.13-1~deb12u1' }] }],
      },
    ],
  },
  {
    id: 'GHSA-test-lodash',
    summary: 'Prototype pollution in lodash',
    database_specific: { severity: 'MODERATE' },
    affected: [
      {
        package: { ecosystem: 'npm', name: 'lodash' },
        ranges: [{ type: 'SEMVER', events: [{ introduced: '4.0.0' }, { fixed: '4.17.21' }] }],
      },
    ],
  },
];

describe('advisory matching', () => {
  it('finds affected versions, names the fix, and leaves fixed ones alone', () => {
    const found = matchAdvisories(
      [
        { ecosystem: 'Debian', name: 'openssl', version: '3.0.11-1~deb12u2' },
        { ecosystem: 'Debian', name: 'zlib1g', version: '1:1.2.13.dfsg-1' },
        { ecosystem: 'npm', name: 'lodash', version: '4.17.20' },
        { ecosystem: 'npm', name: 'lodash', version: '4.17.21' },
        { ecosystem: 'npm', name: 'lodash', version: '3.10.1' },
      ],
      ADVISORIES,
    );
    expect(found.map((v) => `${v.id} ${v.package.name}@${v.package.version} ${v.severity} -> ${v.fixedVersion}`)).toEqual([
      'DSA-0001-1 openssl@3.0.11-1~deb12u2 HIGH -> 3.0.13-1~deb12u1',
      'GHSA-test-lodash lodash@4.17.20 MEDIUM -> 4.17.21',
    ]);
  });
});

describe('SBOM', () => {
  it('reads installed dpkg packages and writes CycloneDX with purls', () => {
    const pkgs = parseDpkgStatus(
      'Package: openssl\nStatus: install ok installed\nVersion: 3.0.11-1~deb12u2\n\nPackage: removed\nStatus: deinstall ok config-files\nVersion: 1.0\n',
    );
    expect(pkgs.map((p) => p.name)).toEqual(['openssl']);
    const bom = cycloneDx('shop/api:1', [...pkgs, { ecosystem: 'npm', name: '@scope/pkg', version: '1.0.0' }], {
      serialNumber: 'urn:uuid:00000000-0000-4000-8000-000000000000',
      timestamp: '2026-01-01T00:00:00Z',
      toolVersion: '0.1.0',
    }) as {
      specVersion: string;
      components: { purl: string }[];
    };
    expect(bom.specVersion).toBe('1.5');
    expect(bom.components.map((c) => c.purl)).toEqual(['pkg:deb/debian/openssl@3.0.11-1~deb12u2', 'pkg:npm/%40scope/pkg@1.0.0']);
  });
});

describe('Trivy reports', () => {
  it('become the same vulnerabilities the offline matcher produces', async () => {
    const { normalizeTrivy } = await import('@nimbus/check');
    const vulns = normalizeTrivy({
      Results: [
        {
          Target: 'shop/api:1 (debian 12.5)',
          Type: 'debian',
          Vulnerabilities: [
            {
              VulnerabilityID: 'CVE-2024-0001',
              PkgName: 'openssl',
              InstalledVersion: '3.0.11-1~deb12u2',
              FixedVersion: '3.0.13-1~deb12u1',
              Severity: 'HIGH',
              Title: 'openssl: a flaw',
            },
          ],
        },
        {
          Target: 'app/package-lock.json',
          Type: 'npm',
          Vulnerabilities: [{ VulnerabilityID: 'GHSA-x', PkgName: 'lodash', InstalledVersion: '4.17.20', Severity: 'moderate' }],
        },
        { Target: 'app/go-binary', Type: 'gobinary' },
      ],
    });
    expect(vulns).toEqual([
      {
        id: 'CVE-2024-0001',
        package: { ecosystem: 'Debian', name: 'openssl', version: '3.0.11-1~deb12u2', location: 'shop/api:1 (debian 12.5)' },
        severity: 'HIGH',
        summary: 'openssl: a flaw',
        fixedVersion: '3.0.13-1~deb12u1',
        aliases: [],
      },
      {
        id: 'GHSA-x',
        package: { ecosystem: 'npm', name: 'lodash', version: '4.17.20', location: 'app/package-lock.json' },
        severity: 'UNKNOWN',
        summary: 'GHSA-x',
        aliases: [],
      },
    ]);
  });
});
