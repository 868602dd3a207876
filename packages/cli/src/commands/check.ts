import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import {
  applyRuleLevels,
  type CheckConfig,
  computeScorecard,
  countFindings,
  DOCKERFILE_RULES,
  type FactorResult,
  type Finding,
  formatFindingsJson,
  formatFindingsSarif,
  formatFindingsText,
  formatScorecardText,
  formatTwelveFactorsText,
  lintDockerfile,
  RULES,
  reviewTwelveFactors,
  runChecks,
  type Scorecard,
} from '@nimbus/check';
import { type KubeObject, NimbusError, parseYamlSource } from '@nimbus/model';
import { structuredLogEvidence } from '../build-context.js';
import { type CliContext, painterFor } from '../context.js';
import { loadManifests, pathSegments } from '../manifests.js';
import { VERSION } from '../version.js';
import { loadAndRender, type Rendered } from './render.js';

export interface CheckCommandOptions {
  filename?: string[];
  output?: string;
  config?: string;
  env?: string;
}

export const CHECK_CONFIG_FILE = '.nimbus-check.yaml';

const isDockerfile = (path: string) => /(^|\/)(Dockerfile(\.[\w-]+)?|[\w.-]+\.Dockerfile)$/.test(path);

async function lintDockerfiles(paths: readonly string[], cwd: string, config: CheckConfig): Promise<Finding[]> {
  const all = await Promise.all(paths.map(async (p) => lintDockerfile(await readFile(p, 'utf8'), relative(cwd, p))));
  return applyRuleLevels(all.flat(), config);
}

/** Reads the check config: the named file, or `.nimbus-check.yaml` beside the spec or in the working directory. */
export async function loadCheckConfig(explicit: string | undefined, searchDirs: readonly string[]): Promise<CheckConfig> {
  const candidates = explicit ? [explicit] : searchDirs.map((d) => join(d, CHECK_CONFIG_FILE));
  for (const path of candidates) {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (cause) {
      if (explicit) throw new NimbusError('NIMBUS_FILE_NOT_FOUND', `cannot read check config ${path}`, { cause, location: { file: path } });
      continue;
    }
    const parsed = parseYamlSource(text, path);
    if (parsed.diagnostics.length)
      throw new NimbusError('NIMBUS_SPEC_SYNTAX', `${path} is not valid YAML`, { diagnostics: parsed.diagnostics });
    const doc = parsed.documents[0];
    const value = (doc?.value ?? {}) as { rules?: Record<string, string>; skipSchema?: boolean };
    const known = new Set([...RULES.map((r) => r.id), ...DOCKERFILE_RULES.map((r) => r.id), 'schema', 'schema-unknown-kind']);
    for (const [id, level] of Object.entries(value.rules ?? {})) {
      if (!known.has(id)) {
        throw new NimbusError('NIMBUS_SPEC_INVALID', `unknown rule '${id}' in ${path}`, {
          location: doc?.locate(['rules', id], 'key'),
          hint: 'nimbus explain lists the rules',
        });
      }
      if (!['off', 'info', 'warning', 'error'].includes(String(level))) {
        throw new NimbusError('NIMBUS_SPEC_INVALID', `rule '${id}' has level '${String(level)}'`, {
          location: doc?.locate(['rules', id]),
          hint: 'use off, info, warning or error',
        });
      }
    }
    return value as CheckConfig;
  }
  return {};
}

export interface CheckResult {
  findings: Finding[];
  twelveFactor?: FactorResult[];
  scorecard?: Scorecard;
  objects: KubeObject[];
}

/** Checks a Nimbus spec (as rendered) or plain manifests; pure work happens in @nimbus/check. */
export async function performCheck(specArgs: string[], opts: CheckCommandOptions, ctx: CliContext): Promise<CheckResult> {
  if (opts.filename?.length) {
    const dockerfiles = opts.filename.filter(isDockerfile);
    const manifests = opts.filename.filter((f) => !isDockerfile(f));
    const { objects, sources } = manifests.length
      ? await loadManifests(manifests.map((f) => resolve(ctx.cwd, f)))
      : { objects: [], sources: new Map() };
    const config = await loadCheckConfig(opts.config && resolve(ctx.cwd, opts.config), [ctx.cwd]);
    const dockerFindings = await lintDockerfiles(
      dockerfiles.map((f) => resolve(ctx.cwd, f)),
      ctx.cwd,
      config,
    );
    const findings = [
      ...dockerFindings,
      ...runChecks(objects, {
        config,
        locate: (o, path) => {
          const src = sources.get(o);
          if (!src) return undefined;
          const loc = src.locate(path ? pathSegments(path) : []);
          return { file: src.file ? relative(ctx.cwd, src.file) : undefined, line: loc.line };
        },
      }),
    ];
    return { findings, objects, scorecard: objects.length ? computeScorecard(objects) : undefined };
  }
  return checkRendered(await loadAndRender(specArgs, { env: opts.env }, ctx), opts.config, ctx);
}

/** Checks an app that is already rendered (render --report reuses it). */
export async function checkRendered(rendered: Rendered, configFile: string | undefined, ctx: CliContext): Promise<CheckResult> {
  const specDir = dirname(resolve(ctx.cwd, rendered.files[0] ?? '.'));
  const config = await loadCheckConfig(configFile && resolve(ctx.cwd, configFile), [specDir, ctx.cwd]);
  const dockerfiles = Object.values(rendered.spec.spec.services)
    .filter((svc) => svc.build)
    .map((svc) => join(specDir, svc.build?.context ?? '.', svc.build?.dockerfile ?? 'Dockerfile'))
    .filter((f) => existsSync(f));
  const logEvidence = structuredLogEvidence(rendered.spec, specDir);
  return {
    findings: [...(await lintDockerfiles(dockerfiles, ctx.cwd, config)), ...runChecks(rendered.objects, { config })],
    twelveFactor: reviewTwelveFactors(rendered.app, rendered.objects, rendered.spec, logEvidence),
    scorecard: computeScorecard(rendered.objects, rendered.app, { structuredLogs: logEvidence }),
    objects: rendered.objects,
  };
}

export async function runCheck(specArgs: string[], opts: CheckCommandOptions, ctx: CliContext): Promise<number> {
  const format = opts.output ?? 'text';
  const result = await performCheck(specArgs, opts, ctx);
  if (format === 'json') {
    ctx.stdout.write(formatFindingsJson(result.findings, { twelveFactor: result.twelveFactor, scorecard: result.scorecard }));
  } else if (format === 'sarif') {
    ctx.stdout.write(formatFindingsSarif(result.findings, RULES, VERSION));
  } else {
    const paint = await painterFor(ctx.stdout, ctx.env);
    ctx.stdout.write(formatFindingsText(result.findings, paint));
    if (result.twelveFactor)
      ctx.stdout.write(`\n${paint.bold('Twelve-factor review')}\n${formatTwelveFactorsText(result.twelveFactor, paint)}`);
    if (result.scorecard) ctx.stdout.write(`\n${formatScorecardText(result.scorecard, paint)}`);
  }
  return countFindings(result.findings).error > 0 ? 1 : 0;
}
