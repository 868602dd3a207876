import {
  type AppStatus,
  appStatus,
  compactDiff,
  destroyApp,
  diffObjects,
  type ObjectDiff,
  type ObjectStatus,
  ReleaseStore,
} from '@nimbus/delivery';
import { readSyncState, type SyncState } from '@nimbus/gitops';
import type { KubeClient } from '@nimbus/kube';
import { NimbusError, serviceSelector } from '@nimbus/model';
import { toYaml } from '@nimbus/render';
import { type CliContext, painterFor } from '../context.js';
import type { Painter } from '../format-error.js';
import { type ClusterOptions, connect, resolveAppRef, resolveTarget, type TargetOptions } from '../target.js';

type Opts = TargetOptions & ClusterOptions & { output?: string };

async function withClient<T>(opts: ClusterOptions, ctx: CliContext, work: (client: KubeClient) => Promise<T>): Promise<T> {
  const client = await connect(opts, ctx);
  try {
    return await work(client);
  } finally {
    client.close();
  }
}

/** `-o json` or `-o yaml`, as kubectl prints them. */
function structured(value: unknown, format: 'json' | 'yaml'): string {
  return format === 'json' ? `${JSON.stringify(value, null, 2)}\n` : toYaml(value);
}

/** `nimbus diff`: exit 0 when nothing would change, 1 when something would (like kubectl diff). */
export function runDiff(specArgs: string[], opts: Opts, ctx: CliContext): Promise<number> {
  return withClient(opts, ctx, async (client) => {
    const target = await resolveTarget(specArgs, opts, ctx, client);
    const diffs = await diffObjects(client, target.app, target.namespace, target.objects);
    const paint = await painterFor(ctx.stdout, ctx.env);
    if (opts.output === 'json' || opts.output === 'yaml') {
      ctx.stdout.write(structured(diffs, opts.output));
      return diffs.length ? 1 : 0;
    }
    for (const d of diffs) ctx.stdout.write(describeDiff(d, paint));
    ctx.stdout.write(diffs.length ? `${diffs.length} objects would change\n` : 'no changes\n');
    return diffs.length ? 1 : 0;
  });
}

function describeDiff(d: ObjectDiff, paint: Painter): string {
  const lines = d.change === 'update' ? compactDiff(d.lines) : d.lines;
  const colored = lines.map((l) => (l.startsWith('+') ? paint.green(l) : l.startsWith('-') ? paint.red(l) : paint.dim(l)));
  return `${paint.bold(`${d.change} ${d.key}`)}\n${colored.map((l) => `${l}\n`).join('')}`;
}

function describeStatus(status: AppStatus, paint: Painter): string {
  const color = (h: string) =>
    h === 'Healthy' ? paint.green(h) : h === 'Progressing' || h === 'Suspended' ? paint.yellow(h) : paint.red(h);
  const object = (o: ObjectStatus) =>
    `    ${`${o.kind}/${o.name}`.padEnd(44)} ${color(o.health.status)}${o.health.message ? paint.dim(` ${o.health.message}`) : ''}\n${
      o.problem ? `      ${paint.yellow(o.problem.reason)} ${o.problem.pod}: ${o.problem.message}\n` : ''
    }`;
  const services = status.services.map((s) => `  ${s.service.padEnd(20)} ${color(s.health)}\n${s.objects.map(object).join('')}`);
  return `${paint.bold(status.app)} revision ${status.revision ?? '-'}: ${color(status.health)}\n${services.join('')}`;
}

/** The sync line of `nimbus status`, for apps a `nimbus sync` controller keeps. */
function describeSync(sync: SyncState, paint: Painter): string {
  const phase =
    sync.phase === 'Synced' ? paint.green(sync.phase) : sync.phase === 'Failed' ? paint.red(sync.phase) : paint.yellow(sync.phase);
  const commit = sync.commit ? ` ${sync.commit.slice(0, 8)}${sync.subject ? ` "${sync.subject}"` : ''}` : '';
  const repairs = sync.driftRepairs ? paint.dim(`, ${sync.driftRepairs} drift repairs`) : '';
  return `sync: ${phase}${commit}${repairs}\n  ${paint.dim(sync.message)}\n`;
}

export function runStatus(specArgs: string[], opts: Opts, ctx: CliContext): Promise<number> {
  return withClient(opts, ctx, async (client) => {
    const ref = await resolveAppRef(specArgs, opts, ctx, client);
    const status = await appStatus(client, ref.app, ref.namespace);
    const sync = await readSyncState(client, ref.namespace, ref.app);
    if (opts.output === 'json' || opts.output === 'yaml') {
      ctx.stdout.write(structured(sync ? { ...status, sync } : status, opts.output));
      return status.health === 'Healthy' ? 0 : 1;
    }
    const paint = await painterFor(ctx.stdout, ctx.env);
    ctx.stdout.write(describeStatus(status, paint));
    if (sync) ctx.stdout.write(describeSync(sync, paint));
    return status.health === 'Healthy' ? 0 : 1;
  });
}

export function runHistory(specArgs: string[], opts: Opts, ctx: CliContext): Promise<number> {
  return withClient(opts, ctx, async (client) => {
    const ref = await resolveAppRef(specArgs, opts, ctx, client);
    const releases = await new ReleaseStore(client, ref.namespace, ref.app).list();
    if (opts.output === 'json' || opts.output === 'yaml') {
      ctx.stdout.write(
        structured(
          releases.map(({ objects, ...r }) => ({ ...r, objects: objects.length })),
          opts.output,
        ),
      );
      return 0;
    }
    ctx.stdout.write(`${'REVISION'.padEnd(9)}${'UPDATED'.padEnd(26)}${'STATUS'.padEnd(12)}${'OBJECTS'.padEnd(9)}DESCRIPTION\n`);
    for (const r of releases)
      ctx.stdout.write(
        `${String(r.revision).padEnd(9)}${r.createdAt.padEnd(26)}${r.status.padEnd(12)}${String(r.objects.length).padEnd(9)}${r.description}\n`,
      );
    return 0;
  });
}

export function runScale(specArgs: string[], service: string, replicas: string, opts: Opts, ctx: CliContext): Promise<number> {
  return withClient(opts, ctx, async (client) => {
    const count = Number(replicas);
    if (!Number.isInteger(count) || count < 0) throw new NimbusError('NIMBUS_USAGE', `replicas must be a whole number, got '${replicas}'`);
    const ref = await resolveAppRef(specArgs, opts, ctx, client);
    const hpa = await client.get({
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      namespace: ref.namespace,
      name: service,
    });
    await client.scale({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ref.namespace, name: service }, count);
    ctx.stdout.write(`deployment ${ref.namespace}/${service} scaled to ${count}\n`);
    if (hpa) ctx.stderr.write(`warning: an HPA manages ${service}; it will move the count back within its range\n`);
    return 0;
  });
}

export function runLogs(
  specArgs: string[],
  service: string,
  opts: Opts & { tail?: string; follow?: boolean; container?: string; since?: string; previous?: boolean; selector?: string },
  ctx: CliContext,
): Promise<number> {
  return withClient(opts, ctx, async (client) => {
    const ref = await resolveAppRef(specArgs, opts, ctx, client);
    // kubectl's -l narrows the service's pods further (e.g. -l nimbus.dev/track=canary).
    const selector = [serviceSelector(ref.app, service), opts.selector].filter(Boolean).join(',');
    const pods = await client.list({ apiVersion: 'v1', kind: 'Pod', namespace: ref.namespace }, { labelSelector: selector });
    if (pods.length === 0)
      throw new NimbusError(
        'NIMBUS_KUBE_NOT_FOUND',
        `no pods of service '${service}' in ${ref.namespace}${opts.selector ? ` with ${opts.selector}` : ''}`,
      );
    const names = pods.map((p) => p.metadata.name).sort();
    const { tailLines, container, sinceSeconds } = logOptions(service, opts);
    if (opts.follow) {
      await followPods(names, ctx, (name, onLine, signal) =>
        client.followPodLogs(ref.namespace, name, onLine, { container, tailLines, signal }),
      );
      return 0;
    }
    for (const name of names) {
      const text = await client.podLogs(ref.namespace, name, { container, tailLines, previous: opts.previous, sinceSeconds });
      for (const line of text.split('\n').filter(Boolean)) ctx.stdout.write(`[${name}] ${line}\n`);
    }
    return 0;
  });
}

function logOptions(service: string, opts: { tail?: string; container?: string; since?: string }) {
  const tailLines = opts.tail ? Number(opts.tail) : 100;
  if (!Number.isInteger(tailLines) || tailLines < 0) throw new NimbusError('NIMBUS_USAGE', `--tail: '${opts.tail}' is not a line count`);
  return {
    tailLines,
    container: opts.container ?? service,
    sinceSeconds: opts.since ? Math.max(1, Math.ceil(parseSince(opts.since) / 1000)) : undefined,
  };
}

/** kubectl's --since: 30s, 5m, 2h. */
function parseSince(text: string): number {
  const m = /^(\d+)(s|m|h)$/.exec(text.trim());
  if (!m) throw new NimbusError('NIMBUS_USAGE', `--since: '${text}' is not a duration`, { hint: 'e.g. 30s, 5m, 2h' });
  return Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 's' | 'm' | 'h'];
}

/** Streams every pod's log, each line prefixed with its pod, until all end or Ctrl-C / SIGTERM. */
async function followPods(
  pods: string[],
  ctx: CliContext,
  follow: (pod: string, onLine: (line: string) => void, signal: AbortSignal) => Promise<void>,
): Promise<void> {
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await Promise.all(pods.map((pod) => follow(pod, (line) => line && ctx.stdout.write(`[${pod}] ${line}\n`), stop.signal)));
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}

export function runDestroy(specArgs: string[], opts: Opts & { includeNamespace?: boolean }, ctx: CliContext): Promise<number> {
  return withClient(opts, ctx, async (client) => {
    const ref = await resolveAppRef(specArgs, opts, ctx, client);
    const deleted = await destroyApp(client, ref.app, ref.namespace, { includeNamespace: opts.includeNamespace });
    for (const d of deleted) ctx.stdout.write(`deleted  ${d.kind} ${d.namespace ? `${d.namespace}/` : ''}${d.name}\n`);
    ctx.stdout.write(`${ref.app}: ${deleted.length} objects deleted\n`);
    return 0;
  });
}
