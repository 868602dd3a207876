import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  type AdvisorySeverity,
  cycloneDx,
  type Finding,
  formatFindingsJson,
  formatFindingsSarif,
  formatFindingsText,
  matchAdvisories,
  normalizeTrivy,
  type OsvAdvisory,
  SEVERITY_ORDER,
  type Vulnerability,
} from '@nimbus/check';
import { DockerManager, inventoryImage } from '@nimbus/docker';
import { NimbusError } from '@nimbus/model';
import { type CliContext, painterFor } from '../context.js';
import { VERSION } from '../version.js';

export interface ScanOptions {
  advisories?: string;
  sbom?: string;
  failOn?: string;
  output?: string;
  dockerHost?: string;
}

const FINDING_SEVERITY: Record<AdvisorySeverity, Finding['severity']> = {
  CRITICAL: 'error',
  HIGH: 'error',
  MEDIUM: 'warning',
  LOW: 'info',
  UNKNOWN: 'info',
};

/** Reads every OSV advisory (*.json, nested directories too) under a directory. */
async function readAdvisories(dir: string): Promise<OsvAdvisory[]> {
  let entries: string[];
  try {
    entries = (await readdir(dir, { recursive: true })) as string[];
  } catch (cause) {
    throw new NimbusError('NIMBUS_FILE_NOT_FOUND', `cannot read the advisory directory ${dir}`, {
      cause,
      hint: 'pass --advisories DIR with OSV JSON files (one advisory per file)',
    });
  }
  const files = entries.filter((e) => e.endsWith('.json')).sort();
  return Promise.all(files.map(async (f) => JSON.parse(await readFile(join(dir, f), 'utf8')) as OsvAdvisory));
}

export function vulnerabilityFinding(v: Vulnerability, image: string): Finding {
  return {
    ruleId: v.id,
    severity: FINDING_SEVERITY[v.severity],
    message: `${v.package.name} ${v.package.version}: ${v.summary} [${v.severity}${v.aliases.length ? `, ${v.aliases.join(', ')}` : ''}]`,
    resource: { kind: 'Image', name: image },
    ...(v.package.location ? { path: v.package.location } : {}),
    fix: v.fixedVersion
      ? `upgrade ${v.package.name} to ${v.fixedVersion} or later`
      : 'no fixed version is known yet: mitigate or accept the risk',
  };
}

/**
 * `nimbus scan IMAGE`: an SBOM of the image's packages, matched offline
 * against OSV advisories, with a gate that sets the exit code (Trivy's default
 * exit code on findings is 0; this one fails by default on HIGH and above).
 */
export async function runScan(image: string, opts: ScanOptions, ctx: CliContext): Promise<number> {
  const failOn = (opts.failOn ?? 'high').toUpperCase();
  if (failOn !== 'NONE' && !(SEVERITY_ORDER as readonly string[]).includes(failOn)) {
    throw new NimbusError('NIMBUS_USAGE', `--fail-on must be none, low, medium, high or critical, got '${opts.failOn}'`);
  }
  // With no advisory directory and Trivy installed, Trivy's findings go through the same gate and formats.
  if (!opts.advisories && !opts.sbom && hasTrivy(ctx.env))
    return report(image, normalizeTrivy(runTrivy(image, opts, ctx)), undefined, failOn, opts, ctx);
  const docker = new DockerManager({ host: opts.dockerHost ?? ctx.env.DOCKER_HOST });
  const packages = await inventoryImage(docker.docker, image);
  if (opts.sbom) {
    const bom = cycloneDx(image, packages, {
      serialNumber: `urn:uuid:${randomUUID()}`,
      timestamp: new Date().toISOString(),
      toolVersion: VERSION,
    });
    await writeFile(resolve(ctx.cwd, opts.sbom), `${JSON.stringify(bom, null, 2)}\n`);
    ctx.stderr.write(`wrote an SBOM of ${packages.length} packages to ${opts.sbom}\n`);
  }
  const advisories = opts.advisories ? await readAdvisories(resolve(ctx.cwd, opts.advisories)) : [];
  if (!opts.advisories) ctx.stderr.write('no --advisories directory given: only the inventory was taken\n');
  return report(image, matchAdvisories(packages, advisories), packages.length, failOn, opts, ctx);
}

function hasTrivy(env: NodeJS.ProcessEnv): boolean {
  return spawnSync('trivy', ['--version'], { env, stdio: 'ignore' }).status === 0;
}

function runTrivy(image: string, opts: ScanOptions, ctx: CliContext): Parameters<typeof normalizeTrivy>[0] {
  const host = opts.dockerHost ?? ctx.env.DOCKER_HOST;
  const r = spawnSync('trivy', ['image', '--quiet', '--format', 'json', '--scanners', 'vuln', image], {
    env: { ...ctx.env, ...(host ? { DOCKER_HOST: host } : {}) },
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (r.status !== 0) throw new NimbusError('NIMBUS_DOCKER', `trivy failed on ${image}: ${(r.stderr || '').trim().split('\n').pop()}`);
  return JSON.parse(r.stdout);
}

async function report(
  image: string,
  vulns: Vulnerability[],
  packageCount: number | undefined,
  failOn: string,
  opts: ScanOptions,
  ctx: CliContext,
): Promise<number> {
  const findings = vulns.map((v) => vulnerabilityFinding(v, image));
  const format = opts.output ?? 'text';
  if (format === 'json') ctx.stdout.write(formatFindingsJson(findings, { image, packages: packageCount, vulnerabilities: vulns }));
  else if (format === 'sarif') ctx.stdout.write(formatFindingsSarif(findings, [], VERSION));
  else {
    const paint = await painterFor(ctx.stdout, ctx.env);
    ctx.stdout.write(
      `${image}: ${packageCount === undefined ? 'scanned by trivy' : `${packageCount} packages`}, ${vulns.length} known vulnerabilities\n`,
    );
    if (findings.length) ctx.stdout.write(formatFindingsText(findings, paint));
  }
  const threshold = SEVERITY_ORDER.indexOf(failOn as AdvisorySeverity);
  const gated = failOn !== 'NONE' && vulns.some((v) => SEVERITY_ORDER.indexOf(v.severity) >= threshold);
  if (gated) ctx.stderr.write(`gate: vulnerabilities at ${failOn} or above\n`);
  return gated ? 1 : 0;
}
