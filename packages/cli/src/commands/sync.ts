import { resolve } from 'node:path';
import {
  type ControllerEvent,
  defaultCacheDir,
  exportToGit,
  loadSyncApps,
  parseAuthor,
  parseSyncApp,
  renderController,
  resumeApp,
  type SyncApp,
  type SyncOutcome,
  serveController,
  startController,
} from '@nimbus/gitops';
import { NimbusError } from '@nimbus/model';
import { objectsToYaml } from '@nimbus/render';
import { type CliContext, painterFor } from '../context.js';
import { parseDuration } from '../duration.js';
import type { Painter } from '../format-error.js';
import { untilInterrupted } from '../interrupt.js';
import { type ClusterOptions, connect } from '../target.js';

export interface SyncCommandOptions extends ClusterOptions {
  apps?: string;
  repo?: string;
  revision?: string;
  path?: string;
  env?: string;
  app?: string;
  namespace?: string;
  once?: boolean;
  resume?: string;
  poll?: string;
  port?: string;
  leaseNamespace?: string;
  cacheDir?: string;
  timeout?: string;
  identity?: string;
  printController?: boolean;
  image?: string;
  output?: string;
}

/** The apps to keep: a file or directory of SyncApp documents, or one app from the flags. */
async function appsOf(opts: SyncCommandOptions, ctx: CliContext): Promise<SyncApp[]> {
  if (opts.apps) return loadSyncApps(resolve(ctx.cwd, opts.apps));
  if (!opts.repo || !opts.app)
    throw new NimbusError('NIMBUS_USAGE', 'nimbus sync needs --apps FILE, or --repo URL with --app NAME', {
      hint: 'e.g. nimbus sync --repo https://git.example.com/deploy.git --path shop/prod --app shop -n shop',
    });
  const repo = /^[a-z]+:\/\//.test(opts.repo) || opts.repo.includes('@') ? opts.repo : resolve(ctx.cwd, opts.repo);
  return [
    parseSyncApp(
      {
        kind: 'SyncApp',
        metadata: { name: opts.app },
        spec: {
          namespace: opts.namespace,
          source: { repo, revision: opts.revision, path: opts.path, environment: opts.env },
        },
      },
      'the command line',
    ),
  ];
}

const short = (c: string | undefined) => c?.slice(0, 8) ?? '-';

function describeOutcome(o: SyncOutcome, paint: Painter): string {
  if (o.result === 'applied') return `${paint.green('synced ')} ${o.app} ${short(o.commit)} as revision ${o.revision} (${o.reason})`;
  if (o.result === 'held') return `${paint.dim('held   ')} ${o.app} ${short(o.commit)}: ${o.reason}`;
  return `${paint.red('failed ')} ${o.app}: ${o.error}`;
}

function describeEvent(e: ControllerEvent, paint: Painter): string | undefined {
  switch (e.type) {
    case 'leading':
      return `${paint.bold('leading')} as ${e.identity}`;
    case 'standby':
      return `${paint.dim('standby')} the lease is held by ${e.holder ?? 'another controller'}; trying again in ${Math.ceil(e.retryInMs / 1000)}s`;
    case 'lost-lease':
      return `${paint.yellow('lost the lease')}: acting stopped`;
    case 'outcome':
      return describeOutcome(e.outcome, paint);
    case 'repair':
      return `${paint.yellow('repaired')} ${e.repair.app} ${e.repair.object.kind}/${e.repair.object.metadata.name} (${e.repair.change}) in ${Math.round(e.repair.latencyMs)} ms`;
    case 'error':
      return `${paint.red('error  ')} ${e.app ?? ''} ${e.message}`;
    default:
      return undefined;
  }
}

/**
 * `nimbus sync`: keeps the cluster equal to Git. Long-running by default (a lease makes one of
 * several controllers act; Git is polled and a webhook syncs at once; live changes are put back as
 * they are seen); `--once` reconciles every app once and exits 1 if any failed.
 */
export async function runSync(opts: SyncCommandOptions, ctx: CliContext): Promise<number> {
  const apps = await appsOf(opts, ctx);
  if (opts.printController) {
    ctx.stdout.write(
      objectsToYaml(renderController({ namespace: opts.leaseNamespace ?? 'nimbus-system', image: opts.image ?? 'nimbus/cli:0.1.0', apps })),
    );
    return 0;
  }
  const client = await connect(opts, ctx);
  const paint = await painterFor(ctx.stdout, ctx.env);
  let failed = false;
  const print = (e: ControllerEvent) => {
    const line = opts.output === 'json' ? JSON.stringify(e, (k, v) => (k === 'object' ? undefined : v)) : describeEvent(e, paint);
    if (line) ctx.stdout.write(`${line}\n`);
  };
  try {
    if (opts.resume) {
      const app = apps.find((a) => a.name === opts.resume);
      if (!app) throw new NimbusError('NIMBUS_USAGE', `--resume: no app '${opts.resume}' among ${apps.map((a) => a.name).join(', ')}`);
      await resumeApp(client, app.namespace, app.name);
    }
    const controller = await startController({
      client,
      apps,
      cacheDir: opts.cacheDir ? resolve(ctx.cwd, opts.cacheDir) : defaultCacheDir(ctx.env),
      pollMs: parseDuration(opts.poll, 30_000, '--poll'),
      timeoutMs: parseDuration(opts.timeout, 300_000),
      identity: opts.identity,
      // --once: no lease (the deploy lock still keeps it from racing a running controller); the first reconcile is the run.
      lease: opts.once ? undefined : { namespace: opts.leaseNamespace ?? 'default' },
      onEvent: (e) => {
        if (e.type === 'outcome' && e.outcome.result === 'failed') failed = true;
        print(e);
      },
    });
    if (opts.once) {
      await controller.stop();
      return failed ? 1 : 0;
    }
    const server = opts.port ? serveController(controller, Number(opts.port)) : undefined;
    await untilInterrupted();
    server?.close();
    await controller.stop();
    return 0;
  } finally {
    client.close();
  }
}

export interface ExportCommandOptions {
  repo: string;
  path?: string;
  env?: string[];
  message?: string;
  author?: string;
  push?: boolean;
  imageTag?: string;
}

/** `nimbus gitops export`: each environment rendered into the manifests repository, committed. */
export async function runExport(specArgs: string[], opts: ExportCommandOptions, ctx: CliContext): Promise<number> {
  const result = await exportToGit({
    cwd: ctx.cwd,
    spec: specArgs,
    repo: opts.repo,
    path: opts.path,
    environments: opts.env?.flatMap((e) => e.split(',')).filter(Boolean),
    message: opts.message,
    author: opts.author ? parseAuthor(opts.author) : undefined,
    push: opts.push,
    imageTag: opts.imageTag,
  });
  ctx.stdout.write(
    result.commit
      ? `committed ${result.commit.slice(0, 8)}: ${result.objects} objects in ${result.directories.join(', ')}\n`
      : `nothing to commit: ${result.directories.join(', ')} already hold exactly this\n`,
  );
  return 0;
}
