import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import {
  cycloneDx,
  formatFindingsJson,
  formatFindingsSarif,
  formatFindingsText,
  type GateThreshold,
  gateFails,
  hasTrivy,
  matchAdvisories,
  parseGateThreshold,
  trivyScan,
  type Vulnerability,
  vulnerabilityFinding,
} from '@nimbus/check';
import { DockerManager, inventoryImage } from '@nimbus/docker';
import { readAdvisories, writeOutputFile } from '@nimbus/project';
import { type CliContext, note, painterFor } from '../context.js';
import { VERSION } from '../version.js';

export interface ScanOptions {
  advisories?: string;
  sbom?: string;
  failOn?: string;
  output?: string;
  dockerHost?: string;
}

/**
 * `nimbus scan IMAGE`: an SBOM of the image's packages, matched offline
 * against OSV advisories, with a gate that sets the exit code (Trivy's default
 * exit code on findings is 0; this one fails by default on HIGH and above).
 */
export async function runScan(image: string, opts: ScanOptions, ctx: CliContext): Promise<number> {
  const failOn = parseGateThreshold(opts.failOn);
  // With no advisory directory and Trivy installed, Trivy's findings go through the same gate and formats.
  if (!opts.advisories && !opts.sbom && hasTrivy(ctx.env))
    return report(image, trivyScan(image, ctx.env, opts.dockerHost ?? ctx.env.DOCKER_HOST), undefined, failOn, opts, ctx);
  const docker = new DockerManager({ host: opts.dockerHost ?? ctx.env.DOCKER_HOST });
  const packages = await inventoryImage(docker.docker, image);
  if (opts.sbom) {
    const bom = cycloneDx(image, packages, {
      serialNumber: `urn:uuid:${randomUUID()}`,
      timestamp: new Date().toISOString(),
      toolVersion: VERSION,
    });
    // Replaces only an earlier SBOM Nimbus wrote, never another file of the user's.
    const isOurSbom = (head: string) => head.includes('"bomFormat": "CycloneDX"') && head.includes('"name": "nimbus"');
    await writeOutputFile(resolve(ctx.cwd, opts.sbom), `${JSON.stringify(bom, null, 2)}\n`, isOurSbom);
    note(ctx, `wrote an SBOM of ${packages.length} packages to ${opts.sbom}`);
  }
  const advisories = opts.advisories ? await readAdvisories(resolve(ctx.cwd, opts.advisories)) : [];
  if (!opts.advisories) ctx.stderr.write('no --advisories directory given: only the inventory was taken\n');
  return report(image, matchAdvisories(packages, advisories), packages.length, failOn, opts, ctx);
}

async function report(
  image: string,
  vulns: Vulnerability[],
  packageCount: number | undefined,
  failOn: GateThreshold,
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
  const gated = gateFails(vulns, failOn);
  if (gated) ctx.stderr.write(`gate: vulnerabilities at ${failOn} or above\n`);
  return gated ? 1 : 0;
}
