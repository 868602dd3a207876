import { dirname, relative, resolve } from 'node:path';
import { NimbusError } from '@nimbus/model';
import {
  checkRendered,
  inspectBuildContexts,
  loadAndRender,
  type Rendered,
  sdkServices,
  writeFilesAtomically,
  writeOutputFile,
} from '@nimbus/project';
import { bundleFiles, objectsToJson, objectsToYaml, renderArtifacts } from '@nimbus/render';
import { type CliContext, note } from '../context.js';
import { REPORT_GENERATOR, renderReportHtml } from '../report/html.js';

export interface RenderCommandOptions {
  env?: string;
  imageTag?: string;
  artifacts?: string;
  out?: string;
  output?: string;
  report?: string;
  namespace?: string;
  name?: string;
  force?: boolean;
}

/** Records which artifacts Nimbus wrote into a directory that is usually the user's (the repository root). */
const ARTIFACTS_RECORD = '.nimbus-artifacts';

async function writeArtifacts(result: Rendered, dir: string, ctx: CliContext, force: boolean | undefined): Promise<void> {
  const specFile = result.files[0] ?? 'nimbus.yaml';
  const files = renderArtifacts(result.spec, {
    specPath: relative(ctx.cwd, resolve(ctx.cwd, specFile)) || 'nimbus.yaml',
    buildContexts: inspectBuildContexts(result.spec, specFile, ctx.cwd),
    sdkServices: sdkServices(result.spec, dirname(resolve(ctx.cwd, specFile))),
  });
  await writeFilesAtomically(resolve(ctx.cwd, dir), files, { force, shared: true, record: ARTIFACTS_RECORD });
  ctx.stderr.write(`wrote ${files.length} artifacts to ${dir}${files.length ? `: ${files.map((f) => f.path).join(', ')}` : ''}\n`);
}

/** A file is an earlier Nimbus report when its head carries the generator mark the report writes. */
const isNimbusReport = (head: string) => head.includes(REPORT_GENERATOR);

async function writeReport(result: Rendered, file: string, ctx: CliContext, force: boolean | undefined): Promise<void> {
  const path = resolve(ctx.cwd, file);
  const { findingsSection, scorecardSection, twelveFactorSection } = await import('../report/sections.js');
  const checked = await checkRendered(result, { cwd: ctx.cwd });
  const sections = [findingsSection(checked.findings)];
  if (checked.scorecard) sections.push(scorecardSection(checked.scorecard));
  if (checked.twelveFactor) sections.push(twelveFactorSection(checked.twelveFactor));
  const html = renderReportHtml({ app: result.app, objects: result.objects, environment: result.environment, sections });
  await writeOutputFile(path, html, isNimbusReport, { force });
  note(ctx, `wrote report to ${file}`);
}

export async function runRender(specArgs: string[], opts: RenderCommandOptions, ctx: CliContext): Promise<number> {
  const format = opts.output ?? 'yaml';
  if (format !== 'yaml' && format !== 'json') {
    throw new NimbusError('NIMBUS_USAGE', `unknown output format '${format}'`, { hint: 'use -o yaml or -o json' });
  }
  const result = await loadAndRender(specArgs, { ...opts, cwd: ctx.cwd });
  if (opts.out) {
    await writeFilesAtomically(resolve(ctx.cwd, opts.out), bundleFiles(result.objects), { force: opts.force });
    note(ctx, `wrote ${result.objects.length} objects to ${opts.out}`);
  } else {
    ctx.stdout.write(format === 'json' ? objectsToJson(result.objects) : objectsToYaml(result.objects));
  }
  if (opts.artifacts) await writeArtifacts(result, opts.artifacts, ctx, opts.force);
  if (opts.report) await writeReport(result, opts.report, ctx, opts.force);
  return 0;
}
