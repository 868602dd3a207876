import { dirname, resolve } from 'node:path';
import {
  APP_LABEL,
  buildImages,
  containerOf,
  DockerManager,
  LOCAL_RESOURCE_IMAGES,
  type LocalRunEvent,
  networkOf,
  parseBuildArgs,
  planLocalResources,
  type ServiceRow,
  serviceContainer,
  startOrder,
  startResources,
  startServices,
  writeConfigVolumes,
} from '@nimbus/docker';
import { inspectBuildContexts, loadSpec } from '@nimbus/project';
import { resolveApp } from '@nimbus/render';
import type { CliContext } from '../context.js';

export interface UpOptions {
  env?: string;
  dockerHost?: string;
  timeout?: string;
  output?: string;
  buildArg?: string[];
  /** Stay attached and print every service's output until interrupted. */
  follow?: boolean;
}

function describe(e: LocalRunEvent): string {
  switch (e.type) {
    case 'resource':
      if (!e.image) return `resource ${e.name} (${e.resourceType}) not started: no local image`;
      return `started resource ${e.name} (${e.image}${e.resourceType === 'redis' ? ', one-node cluster' : ''})`;
    case 'service': {
      const first = e.row.ports[0]?.split('->')[0];
      return `${e.row.ready ? 'ready' : 'NOT READY'} ${e.row.service}${first ? ` on http://${first}` : ''}`;
    }
    case 'warning':
      return e.message;
  }
}

/**
 * `nimbus up`: the whole app on the local engine from the same spec (dev/prod
 * parity): one network, images built, backing services the engine can run,
 * each service hardened as its pod is, dependencies first, readiness waited for.
 */
export async function runUp(specArgs: string[], opts: UpOptions, ctx: CliContext): Promise<number> {
  const loaded = await loadSpec(specArgs, { env: opts.env, cwd: ctx.cwd });
  const docker = new DockerManager({ host: opts.dockerHost ?? ctx.env.DOCKER_HOST });
  const log = (l: string) => ctx.stderr.write(`${l}\n`);
  const app = loaded.spec.metadata.name;
  await docker.cleanupContainers({ label: [`${APP_LABEL}=${app}`] });
  await docker.createNetwork(networkOf(app));
  const deadline = Date.now() + Number((opts.timeout ?? '60').replace(/s$/, '')) * 1000;

  const local = new Set<string>();
  for (const image of Object.values(LOCAL_RESOURCE_IMAGES)) if (await docker.imageExists(image)) local.add(image);
  const { resources, spec } = planLocalResources(loaded.spec, local);
  for await (const e of startResources(docker, resources, deadline)) log(describe(e));

  const specFile = loaded.files[0] ?? 'nimbus.yaml';
  const built = await buildImages({
    spec,
    specDir: dirname(resolve(ctx.cwd, specFile)),
    detected: inspectBuildContexts(spec, specFile, ctx.cwd),
    docker,
    log,
    buildArgs: parseBuildArgs(opts.buildArg),
  });
  const resolved = resolveApp(spec, { images: Object.fromEntries(built.map((b) => [b.service, b.image])) });
  const services = startOrder(resolved.services).map((svc) => ({ svc, run: serviceContainer(app, svc, writeConfigVolumes(svc)) }));
  const table = await startAll(startServices(docker, app, services, deadline), log, ctx);
  if (opts.output === 'json') ctx.stdout.write(`${JSON.stringify(table, null, 2)}\n`);
  else for (const t of table) ctx.stdout.write(`${t.service.padEnd(16)} ${t.ports.join(', ') || '-'}  ${t.image}\n`);
  if (opts.follow)
    await followAll(
      docker,
      app,
      table.map((t) => t.service),
      ctx,
    );
  return 0;
}

/** Prints each service as it starts; on a failure, the table so far goes to stdout before the error. */
async function startAll(events: AsyncGenerator<LocalRunEvent>, log: (l: string) => void, ctx: CliContext): Promise<ServiceRow[]> {
  const table: ServiceRow[] = [];
  try {
    for await (const e of events) {
      if (e.type === 'service') table.push(e.row);
      log(describe(e));
    }
  } catch (err) {
    ctx.stdout.write(`${JSON.stringify(table, null, 2)}\n`);
    throw err;
  }
  return table;
}

/**
 * Every service's output, prefixed by its name, until Ctrl-C (or SIGTERM) or
 * until every container has stopped; the app keeps running afterwards.
 */
async function followAll(docker: DockerManager, app: string, services: string[], ctx: CliContext): Promise<void> {
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const width = Math.max(...services.map((s) => s.length));
  try {
    await Promise.all(
      services.map((svc) =>
        docker.followLogs(containerOf(app, svc), (line) => ctx.stdout.write(`${svc.padEnd(width)} | ${line}\n`), {
          tail: 20,
          signal: stop.signal,
        }),
      ),
    );
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
  ctx.stderr.write(`stopped following; the app keeps running (nimbus down removes it)\n`);
}

export async function runDown(specArgs: string[], opts: UpOptions, ctx: CliContext): Promise<number> {
  const app = (await loadSpec(specArgs, { env: opts.env, cwd: ctx.cwd })).spec.metadata.name;
  const docker = new DockerManager({ host: opts.dockerHost ?? ctx.env.DOCKER_HOST });
  const removed = await docker.cleanupContainers({ label: [`${APP_LABEL}=${app}`] });
  await docker.removeNetwork(networkOf(app));
  ctx.stdout.write(`${app}: removed ${removed.length} containers and its network\n`);
  return 0;
}
