import { spawnSync } from 'node:child_process';
import { NimbusError } from '@nimbus/model/core';
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

/** Whether a `trivy` command is on PATH. */
export function hasTrivy(env: NodeJS.ProcessEnv): boolean {
  return spawnSync('trivy', ['--version'], { env, stdio: 'ignore' }).status === 0;
}

/** Runs `trivy image` on an image of the given engine and returns its vulnerabilities through the same normaliser. */
export function trivyScan(image: string, env: NodeJS.ProcessEnv, dockerHost?: string): Vulnerability[] {
  const r = spawnSync('trivy', ['image', '--quiet', '--format', 'json', '--scanners', 'vuln', image], {
    env: { ...env, ...(dockerHost ? { DOCKER_HOST: dockerHost } : {}) },
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (r.status !== 0) throw new NimbusError('NIMBUS_DOCKER', `trivy failed on ${image}: ${(r.stderr || '').trim().split('\n').pop()}`);
  return normalizeTrivy(JSON.parse(r.stdout) as TrivyReport);
}
