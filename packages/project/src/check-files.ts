import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import {
  applyRuleLevels,
  type CheckConfig,
  computeScorecard,
  type FactorResult,
  type Finding,
  lintDockerfile,
  runChecks,
  type Scorecard,
} from '@nimbus/check';
import { type KubeObject, NimbusError } from '@nimbus/model/core';
import { readCheckConfig } from './check-settings.js';
import { type LoadedManifests, loadManifests, pathSegments } from './manifests.js';

// `nimbus check -f`: plain manifests and Dockerfiles. Kept apart from the spec
// pipeline so checking files never loads the spec schema or the renderer.

export interface CheckResult {
  findings: Finding[];
  twelveFactor?: FactorResult[];
  scorecard?: Scorecard;
  objects: KubeObject[];
}

const isDockerfile = (path: string) => /(^|\/)(Dockerfile(\.[\w-]+)?|[\w.-]+\.Dockerfile)$/.test(path);

export async function lintDockerfiles(paths: readonly string[], cwd: string, config: CheckConfig): Promise<Finding[]> {
  const all = paths.flatMap((p) => lintDockerfile(readFileSync(p, 'utf8'), relative(cwd, p)));
  return applyRuleLevels(all, config);
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
