import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { NimbusError } from '@nimbus/model';
import { checkRendered, inspectBuildContexts, loadAndRender, type Rendered, writeFilesAtomically } from '@nimbus/project';
import { bundleFiles, objectsToJson, objectsToYaml, renderArtifacts } from '@nimbus/render';
import type { CliContext } from '../context.js';
import { renderReportHtml } from '../report/html.js';

export interface RenderCommandOptions {
  env?: string;
  imageTag?: string;
  artifacts?: string;
  out?: string;
  output?: string;
  report?: string;
  namespace?: string;
  name?: string;
}

async function writeArtifacts(result: Rendered, dir: string, ctx: CliContext): Promise<void> {
  const specFile = result.files[0] ?? 'nimbus.yaml';
  const files = renderArtifacts(result.spec, {
    specPath: relative(ctx.cwd, resolve(ctx.cwd, specFile)) || 'nimbus.yaml',
    buildContexts: inspectBuildContexts(result.spec, specFile, ctx.cwd),
  });
  for (const f of files) {
    const path = resolve(ctx.cwd, dir, f.path);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, f.content);
  }
  ctx.stderr.write(`wrote ${files.length} artifacts to ${dir}${files.length ? `: ${files.map((f) => f.path).join(', ')}` : ''}\n`);
}

async function writeReport(result: Rendered, file: string, ctx: CliContext): Promise<void> {
  const path = resolve(ctx.cwd, file);
  await mkdir(dirname(path), { recursive: true });
  const { findingsSection, scorecardSection, twelveFactorSection } = await import('../report/sections.js');
  const checked = await checkRendered(result, { cwd: ctx.cwd });
  const sections = [findingsSection(checked.findings)];
  if (checked.scorecard) sections.push(scorecardSection(checked.scorecard));
  if (checked.twelveFactor) sections.push(twelveFactorSection(checked.twelveFactor));
  await writeFile(path, renderReportHtml({ app: result.app, objects: result.objects, environment: result.environment, sections }));
  ctx.stderr.write(`wrote report to ${file}\n`);
}

export async function runRender(specArgs: string[], opts: RenderCommandOptions, ctx: CliContext): Promise<number> {
  const format = opts.output ?? 'yaml';
  if (format !== 'yaml' && format !== 'json') {
    throw new NimbusError('NIMBUS_USAGE', `unknown output format '${format}'`, { hint: 'use -o yaml or -o json' });
  }
  const result = await loadAndRender(specArgs, { ...opts, cwd: ctx.cwd });
  if (opts.out) {
    await writeFilesAtomically(resolve(ctx.cwd, opts.out), bundleFiles(result.objects));
    ctx.stderr.write(`wrote ${result.objects.length} objects to ${opts.out}\n`);
  } else {
    ctx.stdout.write(format === 'json' ? objectsToJson(result.objects) : objectsToYaml(result.objects));
  }
  if (opts.artifacts) await writeArtifacts(result, opts.artifacts, ctx);
  if (opts.report) await writeReport(result, opts.report, ctx);
  return 0;
}
