import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { computeScorecard, reviewTwelveFactors, runChecks } from '@nimbus/check';
import { type AppSpec, loadApp } from '@nimbus/model';
import { type RenderResult, renderApp } from '@nimbus/render';
import { sdkServices, structuredLogEvidence } from './build-contexts.js';
import { type CheckResult, lintDockerfiles } from './check-files.js';
import { readCheckConfig } from './check-settings.js';
import { readSpecInputs, resolveSpecPaths, scoreFileReader } from './files.js';

export interface LoadOptions {
  /** Working directory paths are resolved against. */
  cwd: string;
  env?: string;
  namespace?: string;
  name?: string;
  imageTag?: string;
}

export type Rendered = RenderResult & { spec: AppSpec; environment: string | undefined; files: string[] };

/** Loads the spec files (a directory's nimbus.yaml or Score files, or those named) and renders them. */
export async function loadAndRender(specArgs: readonly string[], opts: LoadOptions): Promise<Rendered> {
  const { spec, environment, files } = await loadSpec(specArgs, opts);
  const specDir = dirname(resolve(opts.cwd, files[0] ?? '.'));
  return { ...renderApp(spec, { imageTag: opts.imageTag, sdkServices: sdkServices(spec, specDir) }), spec, environment, files };
}

/** Loads the spec only (build, up, down need no rendered objects). */
export async function loadSpec(
  specArgs: readonly string[],
  opts: LoadOptions,
): Promise<{ spec: AppSpec; environment: string | undefined; files: string[] }> {
  const paths = await resolveSpecPaths(specArgs, opts.cwd);
  const loaded = loadApp(await readSpecInputs(paths, opts.cwd), {
    environment: opts.env,
    appName: opts.name,
    readFile: scoreFileReader(opts.cwd),
  });
  const spec = opts.namespace ? { ...loaded.spec, metadata: { ...loaded.spec.metadata, namespace: opts.namespace } } : loaded.spec;
  return { spec, environment: loaded.environment, files: loaded.files };
}

/**
 * Checks an app that is already rendered: its objects, the Dockerfiles of its
 * build contexts, the twelve-factor review and the scorecard, with the build
 * contexts' evidence gathered once.
 */
export async function checkRendered(rendered: Rendered, opts: { cwd: string; config?: string }): Promise<CheckResult> {
  const specDir = dirname(resolve(opts.cwd, rendered.files[0] ?? '.'));
  const config = await readCheckConfig(opts.config && resolve(opts.cwd, opts.config), [specDir, opts.cwd]);
  const dockerfiles = Object.values(rendered.spec.spec.services)
    .filter((svc) => svc.build)
    .map((svc) => join(specDir, svc.build?.context ?? '.', svc.build?.dockerfile ?? 'Dockerfile'))
    .filter((f) => existsSync(f));
  const logEvidence = structuredLogEvidence(rendered.spec, specDir);
  return {
    findings: [...(await lintDockerfiles(dockerfiles, opts.cwd, config)), ...runChecks(rendered.objects, { config })],
    twelveFactor: reviewTwelveFactors(rendered.app, rendered.objects, rendered.spec, logEvidence),
    scorecard: computeScorecard(rendered.objects, rendered.app, { structuredLogs: logEvidence }),
    objects: rendered.objects,
  };
}
