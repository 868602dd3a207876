import type { AdvisorySeverity, Vulnerability } from './osv.js';

interface TrivyReport {
  Results?: {
    Target?: string;
    Type?: string;
    Vulnerabilities?: {
      VulnerabilityID?: string;
      PkgName?: string;
      InstalledVersion?: string;
      FixedVersion?: string;
      Severity?: string;
      Title?: string;
      Description?: string;
    }[];
  }[];
}

const ECOSYSTEM: Record<string, string> = {
  debian: 'Debian',
  ubuntu: 'Ubuntu',
  alpine: 'Alpine',
  'node-pkg': 'npm',
  npm: 'npm',
  gobinary: 'Go',
  gomod: 'Go',
};
const SEVERITIES = new Set(['CRITICAL', 'HIGH', 'MEDIUM', 'LOW']);

/** Trivy's JSON report (`trivy image --format json`) as Nimbus vulnerabilities, so one gate and one output serve both scanners. */
export function normalizeTrivy(report: TrivyReport): Vulnerability[] {
  return (report.Results ?? []).flatMap((r) =>
    (r.Vulnerabilities ?? []).map((v) => ({
      id: v.VulnerabilityID ?? 'unknown',
      package: {
        ecosystem: ECOSYSTEM[(r.Type ?? '').toLowerCase()] ?? r.Type ?? 'unknown',
        name: v.PkgName ?? 'unknown',
        version: v.InstalledVersion ?? '',
        location: r.Target,
      },
      severity: (SEVERITIES.has((v.Severity ?? '').toUpperCase()) ? (v.Severity as string).toUpperCase() : 'UNKNOWN') as AdvisorySeverity,
      summary: v.Title ?? v.Description?.split('\n')[0] ?? v.VulnerabilityID ?? '',
      ...(v.FixedVersion ? { fixedVersion: v.FixedVersion } : {}),
      aliases: [],
    })),
  );
}
