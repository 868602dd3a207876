import {
  countFindings,
  formatFindingsJson,
  formatFindingsSarif,
  formatFindingsText,
  formatScorecardText,
  formatTwelveFactorsText,
  RULES,
} from '@nimbus/check';
import { type CheckResult, checkFiles } from '@nimbus/project/check-files';
import { type CliContext, painterFor, stdinFor } from '../context.js';
import { VERSION } from '../version.js';

export interface CheckCommandOptions {
  filename?: string[];
  output?: string;
  config?: string;
  env?: string;
  strict?: boolean;
  complete?: boolean;
  scorecard?: boolean;
  name?: string;
}

/** Checks a Nimbus spec (as rendered) or plain manifests (-f). */
export async function performCheck(specArgs: string[], opts: CheckCommandOptions, ctx: CliContext): Promise<CheckResult> {
  if (opts.filename?.length)
    return checkFiles(opts.filename, {
      cwd: ctx.cwd,
      config: opts.config,
      strict: opts.strict,
      complete: opts.complete,
      scorecard: opts.scorecard && ctx.verbosity !== 'quiet',
      stdin: await stdinFor(opts.filename, ctx),
    });
  // The spec pipeline (schema, renderer) loads only for a spec.
  const { checkRendered, loadAndRender } = await import('@nimbus/project');
  return checkRendered(await loadAndRender(specArgs, { env: opts.env, cwd: ctx.cwd, name: opts.name }), {
    cwd: ctx.cwd,
    config: opts.config,
  });
}

export async function runCheck(specArgs: string[], opts: CheckCommandOptions, ctx: CliContext): Promise<number> {
  const format = opts.output ?? 'text';
  const full = await performCheck(specArgs, opts, ctx);
  // --quiet: the findings alone.
  const result = ctx.verbosity === 'quiet' ? { ...full, twelveFactor: undefined, scorecard: undefined } : full;
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
