import type { Package } from './osv.js';

const PURL_TYPE: Record<string, string> = { debian: 'deb', alpine: 'apk', npm: 'npm', go: 'golang' };

export function purlOf(p: Package): string {
  const eco = p.ecosystem.split(':')[0]?.toLowerCase() ?? '';
  const type = PURL_TYPE[eco] ?? eco;
  const ns = eco === 'debian' ? 'debian/' : eco === 'alpine' ? 'alpine/' : '';
  const name = p.name.startsWith('@') ? `%40${p.name.slice(1)}` : p.name;
  return `pkg:${type}/${ns}${name}@${encodeURIComponent(p.version)}`;
}

/** A CycloneDX 1.5 SBOM of an image's packages. Pure: the caller supplies the serial number and time. */
export function cycloneDx(
  image: string,
  packages: readonly Package[],
  meta: { serialNumber: string; timestamp: string; toolVersion: string },
): Record<string, unknown> {
  return {
    bomFormat: 'CycloneDX',
    specVersion: '1.5',
    serialNumber: meta.serialNumber,
    version: 1,
    metadata: {
      timestamp: meta.timestamp,
      tools: { components: [{ type: 'application', name: 'nimbus', version: meta.toolVersion }] },
      component: { type: 'container', name: image, 'bom-ref': image },
    },
    components: [...packages]
      .sort((a, b) => purlOf(a).localeCompare(purlOf(b)))
      .map((p) => ({
        type: 'library',
        'bom-ref': purlOf(p),
        name: p.name,
        version: p.version,
        purl: purlOf(p),
        ...(p.location ? { properties: [{ name: 'nimbus:location', value: p.location }] } : {}),
      })),
  };
}

/** Packages from a dpkg status database (installed ones only). */
export function parseDpkgStatus(text: string, release = 'Debian'): Package[] {
  return text
    .split(/\n\n+/)
    .map((stanza) =>
      Object.fromEntries(
        stanza
          .split('\n')
          .filter((l) => /^[A-Za-z-]+: /.test(l))
          .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]),
      ),
    )
    .filter((f) => f.Package && f.Version && (f.Status ?? 'install ok installed').endsWith(' installed'))
    .map((f) => ({ ecosystem: release, name: f.Package as string, version: f.Version as string, location: 'var/lib/dpkg/status' }));
}

/** Packages from an apk installed database (P: name, V: version). */
export function parseApkInstalled(text: string): Package[] {
  return text
    .split(/\n\n+/)
    .map((block) =>
      Object.fromEntries(
        block
          .split('\n')
          .filter((l) => /^[A-Za-z]:/.test(l))
          .map((l) => [l[0], l.slice(2)]),
      ),
    )
    .filter((f) => f.P && f.V)
    .map((f) => ({ ecosystem: 'Alpine', name: f.P as string, version: f.V as string, location: 'lib/apk/db/installed' }));
}
