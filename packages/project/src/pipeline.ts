import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import {
  applyRuleLevels,
  type CheckConfig,
  computeScorecard,
  type FactorResult,
  type Finding,
  lintDockerfile,
  reviewTwelveFactors,
  runChecks,
  type Scorecard,
} from '@nimbus/check';
import { type AppSpec, type KubeObject, loadApp, NimbusError } from '@nimbus/model';
import { type RenderResult, renderApp } from '@nimbus/render';
import { structuredLogEvidence } from './build-contexts.js';
import { readCheckConfig } from './check-settings.js';
import { readSpecInputs, resolveSpecPaths } from './files.js';
import { type LoadedManifests, loadManifests, pathSegments } from './manifests.js';

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
  return { ...renderApp(spec, { imageTag: opts.imageTag }), spec, environment, files };
}

/** Loads the spec only (build, up, down need no rendered objects). */
export async function loadSpec(
  specArgs: readonly string[],
  opts: LoadOptions,
): Promise<{ spec: AppSpec; environment: string | undefined; files: string[] }> {
  const paths = await resolveSpecPaths(specArgs, opts.cwd);
  const loaded = loadApp(await readSpecInputs(paths, opts.cwd), { environment: opts.env, appName: opts.name });
  const spec = opts.namespace ? { ...loaded.spec, metadata: { ...loaded.spec.metadata, namespace: opts.namespace } } : loaded.spec;
  return { spec, environment: loaded.environment, files: loaded.files };
}

export interface CheckResult {
  findings: Finding[];
  twelveFactor?: FactorResult[];
  scorecard?: Scorecard;
  objects: KubeObject[];
}

const isDockerfile = (path: string) => /(^|\/)(Dockerfile(\.[\w-]+)?|[\w.-]+\.Dockerfile)$/.test(path);

async function lintDockerfiles(paths: readonly string[], cwd: string, config: CheckConfig): Promise<Finding[]> {
  const all = await Promise.all(paths.map(async (p) => lintDockerfile(await readFile(p, 'utf8'), relative(cwd, p))));
  return applyRuleLevels(all.flat(), config);
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

/** Inputs that are not Kubernetes objects, as info findings; unreadable files as errors. Nothing is dropped unsaid. */
function inputFindings(loaded: LoadedManifests, cwd: string): Finding[] {
  return [
    ...loaded.skipped.map(
      (s): Finding => ({
        ruleId: 'not-kubernetes',
        severity: 'info',
        message: `skipped: ${s.reason}`,
        file: relative(cwd, s.file),
        ...(s.line ? { line: s.line } : {}),
      }),
    ),
    ...loaded.unreadable.map(
      (d): Finding => ({
        ruleId: 'yaml-syntax',
        severity: 'error',
        message: `not valid YAML: ${d.message}`,
        ...(d.file ? { file: relative(cwd, d.file) } : {}),
        ...(d.line ? { line: d.line } : {}),
        fix: 'fix the syntax at that line; the other files were checked',
      }),
    ),
  ];
}

const NO_MANIFESTS: LoadedManifests = { objects: [], sources: new Map(), skipped: [], unreadable: [], generated: new Set() };

/** Checks plain manifests and Dockerfiles, as `nimbus check -f` does; findings carry file and line. */
export async function checkFiles(
  files: readonly string[],
  opts: {
    cwd: string;
    config?: string;
    strict?: boolean;
    stdin?: string;
    /** The files are the whole app: a missing referent is an error, not a warning. */
    complete?: boolean;
    /** Compute the elasticity scorecard (plain manifests rarely carry what it measures). */
    scorecard?: boolean;
  },
): Promise<CheckResult> {
  const dockerfiles = files.filter(isDockerfile);
  const manifests = files.filter((f) => !isDockerfile(f));
  const loaded = manifests.length
    ? await loadManifests(
        manifests.map((f) => (f === '-' ? f : resolve(opts.cwd, f))),
        { strict: opts.strict, stdin: opts.stdin },
      )
    : NO_MANIFESTS;
  // Nothing readable at all is bad input, not a check result.
  if (loaded.objects.length === 0 && loaded.unreadable.length && dockerfiles.length === 0) {
    throw new NimbusError('NIMBUS_SPEC_SYNTAX', `${loaded.unreadable.length} problems in the manifests`, {
      diagnostics: loaded.unreadable,
    });
  }
  const { objects, sources } = loaded;
  const config = await readCheckConfig(opts.config && resolve(opts.cwd, opts.config), [opts.cwd]);
  const dockerFindings = await lintDockerfiles(
    dockerfiles.map((f) => resolve(opts.cwd, f)),
    opts.cwd,
    config,
  );
  const findings = [
    ...inputFindings(loaded, opts.cwd),
    ...dockerFindings,
    ...runChecks(objects, {
      config,
      complete: opts.complete === true,
      locate: (o, path) => {
        const src = sources.get(o);
        if (!src) return undefined;
        const loc = src.locate(path ? pathSegments(path) : []);
        return { file: src.file ? relative(opts.cwd, src.file) : undefined, line: loc.line };
      },
    }),
  ];
  return { findings, objects, scorecard: opts.scorecard && objects.length ? computeScorecard(objects) : undefined };
}
