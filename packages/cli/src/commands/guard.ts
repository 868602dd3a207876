import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  BUILTIN_RULES,
  ContractError,
  FIELDS,
  type Finding,
  type GuardContract,
  GuardRuleError,
  loadRules,
  parseContract,
  RuleSet,
  startGuard,
} from '@nimbus/guard';
import { NimbusError } from '@nimbus/model';
import { loadSpec } from '@nimbus/project';
import { guardContractFor } from '@nimbus/render';
import { type CliContext, painterFor } from '../context.js';
import { parseDuration } from '../duration.js';
import type { Painter } from '../format-error.js';
import { untilInterrupted } from '../interrupt.js';

export interface GuardCommandOptions {
  pid?: string;
  contract?: string;
  file?: string[];
  service?: string;
  env?: string;
  rules?: string[];
  builtin?: boolean;
  watch?: string[];
  interval?: string;
  webhook?: string;
  once?: boolean;
  output?: string;
  listRules?: boolean;
  fields?: boolean;
}

/** Guard library errors as the CLI's coded errors, with the file and line they name. */
function asNimbusError(err: unknown): unknown {
  if (err instanceof GuardRuleError)
    return new NimbusError('NIMBUS_GUARD_RULE', err.reason, {
      location: { file: err.file, line: err.line, column: err.column },
      hint: err.hint,
    });
  if (err instanceof ContractError) return new NimbusError('NIMBUS_GUARD_CONTRACT', err.message);
  return err;
}

async function readRuleFiles(files: string[] | undefined, cwd: string): Promise<{ text: string; file: string }[]> {
  return Promise.all(
    (files ?? []).map(async (file) => {
      try {
        return { text: await readFile(resolve(cwd, file), 'utf8'), file };
      } catch {
        throw new NimbusError('NIMBUS_FILE_NOT_FOUND', `rule file ${file} cannot be read`);
      }
    }),
  );
}

async function contractOf(opts: GuardCommandOptions, ctx: CliContext): Promise<GuardContract | undefined> {
  if (opts.contract) {
    let text: string;
    try {
      text = await readFile(resolve(ctx.cwd, opts.contract), 'utf8');
    } catch {
      throw new NimbusError('NIMBUS_FILE_NOT_FOUND', `contract ${opts.contract} cannot be read`);
    }
    return parseContract(text, opts.contract);
  }
  if (!opts.service) return undefined;
  const { spec } = await loadSpec(opts.file ?? [], { cwd: ctx.cwd, env: opts.env });
  const contract = guardContractFor(spec, opts.service);
  if (!contract)
    throw new NimbusError('NIMBUS_USAGE', `--service: the spec has no service '${opts.service}'`, {
      hint: `Services: ${Object.keys(spec.spec.services).join(', ')}.`,
    });
  return parseContract(JSON.stringify(contract), `service ${opts.service}`);
}

function describeFinding(f: Finding, paint: Painter): string {
  const colour = f.severity === 'critical' || f.severity === 'high' ? paint.red : f.severity === 'medium' ? paint.yellow : paint.dim;
  return `${paint.dim(f.time)} ${colour(f.severity.toUpperCase().padEnd(8))} ${paint.bold(f.rule)}  ${f.output}`;
}

/** `nimbus guard --list-rules` and `--fields`: what the rule language offers. */
async function describeRules(opts: GuardCommandOptions, ctx: CliContext): Promise<number> {
  if (opts.fields) {
    for (const [name, spec] of Object.entries(FIELDS))
      ctx.stdout.write(
        `${name.padEnd(32)} ${spec.type.padEnd(8)} ${spec.events === 'all' ? 'all events' : spec.events.join(',')}  ${spec.doc}\n`,
      );
    return 0;
  }
  const set = new RuleSet();
  if (opts.builtin !== false) set.add(BUILTIN_RULES, '<built-in rules>');
  for (const f of await readRuleFiles(opts.rules, ctx.cwd)) set.add(f.text, f.file);
  set.compile();
  for (const r of set.all())
    ctx.stdout.write(`${r.name.padEnd(32)} ${r.severity.padEnd(9)}${r.enabled ? '' : '(disabled) '}${r.description || r.output}\n`);
  return 0;
}

/**
 * `nimbus guard --pid N`: the runtime guard on a host, watching a process and its children
 * (or, given a container's process, its whole network) until Ctrl-C. Findings print as they come;
 * with `--once` it takes the baseline and one sample, and exits 1 when anything was found.
 */
export async function runGuard(opts: GuardCommandOptions, ctx: CliContext): Promise<number> {
  try {
    if (opts.listRules || opts.fields) return await describeRules(opts, ctx);
    if (!opts.pid)
      throw new NimbusError('NIMBUS_USAGE', 'nimbus guard needs --pid', {
        hint: 'e.g. nimbus guard --pid 4242 -f nimbus.yaml --service api',
      });
    const pid = Number(opts.pid);
    if (!Number.isInteger(pid) || pid <= 0) throw new NimbusError('NIMBUS_USAGE', `--pid: '${opts.pid}' is not a process id`);
    try {
      await readFile(`/proc/${pid}/status`);
    } catch {
      throw new NimbusError('NIMBUS_GUARD_TARGET', `process ${pid} does not exist or cannot be read`);
    }
    const rules = await readRuleFiles(opts.rules, ctx.cwd);
    loadRules(rules, opts.builtin !== false); // faults in rule files are reported before anything starts
    const contract = await contractOf(opts, ctx);
    const paint = await painterFor(ctx.stdout, ctx.env);
    const json = opts.output === 'json';
    const found: Finding[] = [];
    const guard = await startGuard({
      target: { pid },
      contract,
      rules,
      builtin: opts.builtin !== false,
      watchPaths: opts.watch,
      intervalMs: parseDuration(opts.interval, 1000, '--interval'),
      webhook: opts.webhook,
      io: 'sync',
      onFinding: (f) => {
        found.push(f);
        ctx.stdout.write(json ? `${JSON.stringify(f)}\n` : `${describeFinding(f, paint)}\n`);
      },
    });
    if (!contract) ctx.stderr.write('no contract (--contract, or -f SPEC --service NAME): connection and listener rules are off\n');
    if (opts.once) {
      await guard.sampleNow();
      await guard.stop();
      return found.length > 0 ? 1 : 0;
    }
    ctx.stderr.write(`guarding process ${pid} with ${guard.rules.length} rules; Ctrl-C to stop\n`);
    await untilInterrupted((stop) => void watchTarget(pid, stop));
    await guard.stop();
    return 0;
  } catch (err) {
    throw asNimbusError(err);
  }
}

/** Ends the watch when the guarded process exits. */
async function watchTarget(pid: number, stop: () => void): Promise<void> {
  for (;;) {
    await new Promise((r) => setTimeout(r, 1000).unref());
    try {
      await readFile(`/proc/${pid}/status`);
    } catch {
      stop();
      return;
    }
  }
}
