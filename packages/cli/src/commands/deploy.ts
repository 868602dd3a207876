import {
  type DeployEvent,
  deployProgressively,
  type ProgressiveEvent,
  type RolloutCommand,
  type RolloutEvent,
  readRollout,
  rollback,
  sendRolloutCommand,
} from '@nimbus/delivery';
import { pinApp, resumeApp } from '@nimbus/gitops';
import { NimbusError, type ObjectRef } from '@nimbus/model';
import { type CliContext, painterFor } from '../context.js';
import { parseDuration } from '../duration.js';
import type { Painter } from '../format-error.js';
import { type ClusterOptions, connect, resolveAppRef, resolveTarget, type TargetOptions } from '../target.js';

export interface DeployCommandOptions extends TargetOptions, ClusterOptions {
  /** kubectl's --dry-run[=client|server]. */
  dryRun?: boolean | string;
  wait?: boolean;
  timeout?: string;
  atomic?: boolean;
  force?: boolean;
  prometheus?: string;
}

/**
 * `nimbus release status|promote|abort|pause|resume SERVICE`: the canary of a running progressive
 * deploy. Commands are left in the rollout's record in the cluster; the deploy that runs the canary
 * (wherever it runs) reads them within a second.
 */
export async function runRelease(
  action: string,
  service: string,
  opts: ClusterOptions & { namespace?: string; app?: string; output?: string },
  ctx: CliContext,
): Promise<number> {
  const client = await connect(opts, ctx);
  try {
    const target = await resolveAppRef([], opts, ctx, client);
    if (action === 'status') {
      const record = await readRollout(client, target.namespace, service);
      if (!record.state) throw new NimbusError('NIMBUS_NO_RELEASE', `${service} has no rollout in ${target.namespace}`);
      if (opts.output === 'json') ctx.stdout.write(`${JSON.stringify(record, null, 2)}\n`);
      else
        ctx.stdout.write(
          `${service}: ${record.state.phase} at ${record.state.weight}% (step ${record.state.step + 1})\n  ${record.state.reason}\n${record.log.map((l) => `  ${l}\n`).join('')}`,
        );
      return 0;
    }
    if (!['promote', 'abort', 'pause', 'resume'].includes(action))
      throw new NimbusError('NIMBUS_USAGE', `unknown release action '${action}'`, { hint: 'status, promote, abort, pause or resume' });
    const sent = await sendRolloutCommand(client, target.namespace, service, action as RolloutCommand);
    if (!sent) throw new NimbusError('NIMBUS_NO_RELEASE', `${service} has no rollout in progress in ${target.namespace}`);
    ctx.stdout.write(`${action} sent to the rollout of ${service}\n`);
    return 0;
  } finally {
    client.close();
  }
}

const ref = (r: ObjectRef) => `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`;

function describeHealth(e: Extract<DeployEvent, { type: 'health' }>, paint: Painter): string {
  const head = `${e.health.status === 'Healthy' ? paint.green('healthy') : paint.dim('health ')}  ${ref(e.ref)} ${e.health.status}`;
  const counts = e.counts
    ? ` ready ${e.counts.ready}/${e.counts.desired}, updated ${e.counts.updated}, available ${e.counts.available}`
    : '';
  const detail = e.health.message && !e.counts ? paint.dim(` (${e.health.message})`) : paint.dim(counts);
  const problem = e.problem
    ? `\n         ${e.problem.fatal ? paint.red(e.problem.reason) : paint.yellow(e.problem.reason)} ${e.problem.pod}${e.problem.container ? `/${e.problem.container}` : ''}: ${e.problem.message}`
    : '';
  return `${head}${detail}${problem}`;
}

function describeRollout(service: string, e: RolloutEvent, paint: Painter): string | undefined {
  const head = `${paint.bold('canary')}   ${service}`;
  switch (e.type) {
    case 'weight':
      return `${head} at ${e.weight}%${e.detail ? paint.dim(` (${e.detail})`) : ''}`;
    case 'analysis': {
      const checks = e.checks
        .map((c) => `${c.name} ${c.value === undefined ? '-' : Math.round(c.value * 10) / 10} ${c.ok ? '✓' : `✗ ${c.bound}`}`)
        .join(', ');
      const verdict = e.verdict === 'pass' ? paint.green('pass') : e.verdict === 'fail' ? paint.red('fail') : paint.yellow('inconclusive');
      return `${head} ${verdict} over ${e.requests} requests: ${checks}`;
    }
    case 'hook':
      return `${head} hook ${e.hook} ${e.ok ? 'ok' : paint.red(`refused${e.message ? `: ${e.message}` : ''}`)}`;
    case 'record':
      return `${head} ${paint.dim(e.message)}`;
    default:
      return undefined;
  }
}

/** An object applied, pruned, or a credentials Secret made. */
function describeChange(e: Extract<DeployEvent, { type: 'applied' | 'pruned' | 'credentials' }>, paint: Painter): string | undefined {
  if (e.type === 'credentials')
    return e.created ? `${paint.green('secret')}   ${ref(e.ref)} created with a generated password (not shown)` : undefined;
  if (e.type === 'pruned') return `${paint.yellow('pruned')}   ${ref(e.ref)}${e.existed ? '' : paint.dim(' (already gone)')}`;
  return e.action === 'unchanged'
    ? `${paint.dim('applied')}  ${ref(e.ref)} ${paint.dim('unchanged')}`
    : `${paint.green('applied')}  ${ref(e.ref)} ${e.action}`;
}

export function describeEvent(e: ProgressiveEvent, paint: Painter): string | undefined {
  switch (e.type) {
    case 'rollout':
      return describeRollout(e.service, e.event, paint);
    case 'plan': {
      const count = e.plan.stages.reduce((a, s) => a + s.objects.length, 0);
      const lines = [
        `${paint.bold('plan')}     revision ${e.revision}: apply ${count} objects in ${e.plan.stages.length} stages, prune ${e.plan.prune.length}`,
      ];
      for (const s of e.plan.stages) lines.push(`         ${s.name}: ${s.objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
      if (e.plan.prune.length) lines.push(`         prune: ${e.plan.prune.map(ref).join(', ')}`);
      if (e.plan.keep.length) lines.push(`         kept (use --force to delete): ${e.plan.keep.map(ref).join(', ')}`);
      return lines.join('\n');
    }
    case 'lock':
      return `${paint.dim('lock')}     held by ${e.holder}`;
    case 'stage':
      return `${paint.bold('stage')}    ${e.name} (${e.count})`;
    case 'applied':
    case 'pruned':
    case 'credentials':
      return describeChange(e, paint);
    case 'health':
      return describeHealth(e, paint);
    case 'release':
      return `${e.status === 'failed' ? paint.red('release') : paint.bold('release')}  revision ${e.revision} ${e.status}`;
    case 'rollback':
      return `${paint.red('rollback')} ${e.toRevision ? `to revision ${e.toRevision}` : 'removing the failed first install'}: ${e.reason}`;
  }
}

/** What `--quiet` still prints: the outcome and what went wrong. */
function worthSayingQuietly(e: ProgressiveEvent): boolean {
  switch (e.type) {
    case 'release':
    case 'rollback':
      return true;
    case 'health':
      return e.problem !== undefined;
    case 'rollout':
      return e.event.type === 'analysis' && e.event.verdict === 'fail';
    default:
      return false;
  }
}

async function stream<T>(events: AsyncGenerator<ProgressiveEvent, T>, ctx: CliContext, quietUnchanged: boolean): Promise<T> {
  const paint = await painterFor(ctx.stdout, ctx.env);
  let unchanged = 0;
  let result: T;
  for (;;) {
    const next = await events.next();
    if (next.done) {
      result = next.value;
      break;
    }
    const e = next.value;
    if (ctx.verbosity === 'quiet' && !worthSayingQuietly(e)) continue;
    if (quietUnchanged && ctx.verbosity !== 'verbose' && e.type === 'applied' && e.action === 'unchanged') {
      unchanged++;
      continue;
    }
    const line = describeEvent(e, paint);
    if (line) ctx.stdout.write(`${line}\n`);
  }
  if (unchanged && ctx.verbosity !== 'quiet') ctx.stdout.write(`${paint.dim(`${unchanged} objects unchanged`)}\n`);
  return result;
}

function dryRunMode(value: boolean | string | undefined): 'client' | 'server' | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true || value === 'server') return 'server';
  if (value === 'client') return 'client';
  throw new NimbusError('NIMBUS_USAGE', `--dry-run: '${value}' is not client or server`);
}

export async function runDeploy(specArgs: string[], opts: DeployCommandOptions, ctx: CliContext): Promise<number> {
  const client = await connect(opts, ctx);
  try {
    const target = await resolveTarget(specArgs, opts, ctx, client);
    await stream(
      deployProgressively(client, {
        ...target,
        prometheus: opts.prometheus,
        wait: opts.wait,
        timeoutMs: parseDuration(opts.timeout, 300_000),
        atomic: opts.atomic,
        force: opts.force,
        dryRun: dryRunMode(opts.dryRun) !== undefined,
        validate: dryRunMode(opts.dryRun) !== 'client',
      }),
      ctx,
      true,
    );
    return 0;
  } finally {
    client.close();
  }
}

export async function runRollback(
  specArgs: string[],
  revision: string | undefined,
  opts: DeployCommandOptions,
  ctx: CliContext,
): Promise<number> {
  const client = await connect(opts, ctx);
  try {
    const target = await resolveAppRef(specArgs, opts, ctx, client);
    const toRevision = revision === undefined ? undefined : Number(revision);
    // An app that `nimbus sync` keeps is pinned first, so its controller does not put the rollback back to Git.
    const synced = await pinApp(client, target.namespace, target.app);
    try {
      const result = await stream(
        rollback(client, { ...target, toRevision, wait: opts.wait, timeoutMs: parseDuration(opts.timeout, 300_000) }),
        ctx,
        true,
      );
      if (synced) {
        await pinApp(client, target.namespace, target.app, result.revision);
        ctx.stdout.write(`pinned: sync keeps revision ${result.revision} until a new commit or \`nimbus sync --resume ${target.app}\`\n`);
      }
    } catch (err) {
      if (synced) await resumeApp(client, target.namespace, target.app);
      throw err;
    }
    return 0;
  } finally {
    client.close();
  }
}
