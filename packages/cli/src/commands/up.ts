import { mkdtempSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerManager } from '@nimbus/docker';
import { type AppSpec, loadApp, NimbusError } from '@nimbus/model';
import { type ResolvedService, resolveApp } from '@nimbus/render';
import type { CliContext } from '../context.js';
import { readSpecInputs, resolveSpecPaths } from '../io.js';
import { assignAllSlots, singleNodeClusterArgs } from '../local-redis.js';
import { buildImages, parseBuildArgs } from './build.js';

export interface UpOptions {
  env?: string;
  dockerHost?: string;
  timeout?: string;
  output?: string;
  buildArg?: string[];
  /** Stay attached and print every service's output until interrupted. */
  follow?: boolean;
}

/** Label marking every container and network of a locally running app. */
export const APP_LABEL = 'dev.nimbus.app';

/** Images the engine may already hold for backing-service types (nothing is ever pulled). */
const LOCAL_RESOURCE_IMAGES: Readonly<Record<string, string>> = { postgres: 'postgres:16', redis: 'redis:7' };

/** Dependencies first: services in an order where each one's dependencies start before it. */
export function startOrder(services: readonly ResolvedService[]): ResolvedService[] {
  const byName = new Map(services.map((s) => [s.name, s]));
  const out: ResolvedService[] = [];
  const seen = new Set<string>();
  const visit = (s: ResolvedService, path: string[]) => {
    if (seen.has(s.name)) return;
    if (path.includes(s.name)) throw new NimbusError('NIMBUS_SPEC_REFERENCE', `dependency cycle: ${[...path, s.name].join(' -> ')}`);
    for (const d of s.dependsOnServices) {
      const dep = byName.get(d);
      if (dep) visit(dep, [...path, s.name]);
    }
    seen.add(s.name);
    out.push(s);
  };
  for (const s of services) visit(s, []);
  return out;
}

/** One GET on 127.0.0.1; true on a 2xx. node:http rather than fetch: its timeout keeps the process alive while it waits. */
function probe(port: number, path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = httpGet({ host: '127.0.0.1', port, path, timeout: 1000 }, (res) => {
      res.resume();
      resolve((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

async function waitReady(port: number, path: string, deadline: number): Promise<boolean> {
  while (Date.now() < deadline) {
    if (await probe(port, path)) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

/**
 * `nimbus up`: the whole app on the local engine from the same spec (dev/prod
 * parity): one network, images built, backing services the engine can run,
 * each service with its env, config and ports (published on 127.0.0.1),
 * dependencies first, readiness waited for.
 */
export async function runUp(specArgs: string[], opts: UpOptions, ctx: CliContext): Promise<number> {
  const paths = await resolveSpecPaths(specArgs, ctx.cwd);
  const loaded = loadApp(await readSpecInputs(paths, ctx.cwd), { environment: opts.env });
  const docker = new DockerManager({ host: opts.dockerHost ?? ctx.env.DOCKER_HOST });
  const log = (l: string) => ctx.stderr.write(`${l}\n`);
  const appName = loaded.spec.metadata.name;
  const network = `nimbus-${appName}`;
  await docker.cleanupContainers({ label: [`${APP_LABEL}=${appName}`] });
  await docker.createNetwork(network);

  const deadline = Date.now() + Number((opts.timeout ?? '60').replace(/s$/, '')) * 1000;
  const spec = await startResources(loaded.spec, { docker, appName, network, deadline, log });
  const built = new Map(
    (
      await buildImages({ spec, specPath: paths[0] ?? 'nimbus.yaml', cwd: ctx.cwd, docker, log, buildArgs: parseBuildArgs(opts.buildArg) })
    ).map((b) => [b.service, b.image]),
  );
  const app = resolveApp(spec, { images: Object.fromEntries(built) });
  const table: ServiceRow[] = [];
  for (const svc of startOrder(app.services)) {
    const row = await startService(svc, { docker, appName, network, deadline, log });
    table.push(row);
    if (!row.ready) {
      ctx.stdout.write(`${JSON.stringify(table, null, 2)}\n`);
      throw new NimbusError('NIMBUS_DOCKER', `${svc.name} did not become ready in time`, { hint: `docker logs ${appName}-${svc.name}` });
    }
  }
  if (opts.output === 'json') ctx.stdout.write(`${JSON.stringify(table, null, 2)}\n`);
  else for (const t of table) ctx.stdout.write(`${t.service.padEnd(16)} ${t.ports.join(', ') || '-'}  ${t.image}\n`);
  if (opts.follow)
    await followAll(
      docker,
      appName,
      table.map((t) => t.service),
      ctx,
    );
  return 0;
}

interface ServiceRow {
  service: string;
  image: string;
  ports: string[];
  ready: boolean;
}

interface LocalRun {
  docker: DockerManager;
  appName: string;
  network: string;
  deadline: number;
  log: (l: string) => void;
}

/** Config files written to a private directory and mounted read-only at their paths. */
function configVolumes(svc: ResolvedService): Record<string, { bind: string; mode: 'ro' }> {
  const configDir = mkdtempSync(join(tmpdir(), `nimbus-${svc.name}-`));
  const volumes: Record<string, { bind: string; mode: 'ro' }> = {};
  svc.configFiles.forEach(([path, content], i) => {
    const host = join(configDir, `file-${i}`);
    writeFileSync(host, content);
    volumes[host] = { bind: path, mode: 'ro' };
  });
  return volumes;
}

/** Runs one service with its env, config and ports, and waits for its readiness probe. */
async function startService(svc: ResolvedService, run: LocalRun): Promise<ServiceRow> {
  const { docker, appName } = run;
  if (svc.secretEnv.length) run.log(`${svc.name}: secrets ${svc.secretEnv.map(([k]) => k).join(', ')} are not set locally`);
  const portKey = (p: ResolvedService['ports'][number]) => `${p.port}/${p.protocol.toLowerCase()}`;
  const container = await docker.runContainer({
    image: svc.image,
    name: `${appName}-${svc.name}`,
    command: svc.spec.command ? [...svc.spec.command, ...(svc.spec.args ?? [])] : undefined,
    environment: Object.fromEntries([...svc.env, ...svc.configData]),
    ports: Object.fromEntries(svc.ports.map((p) => [portKey(p), 0])),
    volumes: configVolumes(svc),
    network: run.network,
    networkAliases: [svc.name],
    labels: { [APP_LABEL]: appName },
    restartPolicy: 'no',
  });
  const published = await Promise.all(svc.ports.map(async (p) => ({ p, host: await docker.publishedPort(container, portKey(p)) })));
  const readiness = svc.probes.readiness;
  const first = published[0]?.host;
  const running = ((await container.inspect()) as { State: { Running: boolean } }).State.Running;
  // A service with ports whose port was never published has exited: that is not ready.
  const exited = !running || (svc.ports.length > 0 && !first);
  const ready = exited ? false : readiness?.path && first ? await waitReady(first, readiness.path, run.deadline) : true;
  run.log(`${ready ? 'ready' : 'NOT READY'} ${svc.name}${first ? ` on http://127.0.0.1:${first}` : ''}`);
  return { service: svc.name, image: svc.image, ports: published.map((x) => `127.0.0.1:${x.host}->${x.p.port}`), ready };
}

/**
 * Every service's output, prefixed by its name, until Ctrl-C (or SIGTERM) or
 * until every container has stopped; the app keeps running afterwards.
 */
async function followAll(docker: DockerManager, appName: string, services: string[], ctx: CliContext): Promise<void> {
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const width = Math.max(...services.map((s) => s.length));
  try {
    await Promise.all(
      services.map((svc) =>
        docker.followLogs(`${appName}-${svc}`, (line) => ctx.stdout.write(`${svc.padEnd(width)} | ${line}\n`), {
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

/**
 * Backing services run as containers when their image is on the engine (none
 * is ever pulled); the spec returned points each started resource's host at
 * its container. Redis runs as a one-node cluster so services' cluster
 * clients work as in production; Postgres trusts local connections.
 */
async function startResources(
  source: AppSpec,
  run: { docker: DockerManager; appName: string; network: string; deadline: number; log: (l: string) => void },
): Promise<AppSpec> {
  const spec: AppSpec = structuredClone(source);
  for (const [name, res] of Object.entries(spec.spec.resources ?? {})) {
    const image = LOCAL_RESOURCE_IMAGES[res.type];
    if (!image || !(await run.docker.imageExists(image))) {
      run.log(`resource ${name} (${res.type}) not started: no local image; its host stays ${res.host ?? name}`);
      continue;
    }
    const redis = res.type === 'redis';
    const database = typeof res.params?.database === 'string' ? res.params.database : undefined;
    const container = await run.docker.runContainer({
      image,
      name: `${run.appName}-${name}`,
      command: redis ? singleNodeClusterArgs(name) : undefined,
      environment: redis ? {} : { POSTGRES_HOST_AUTH_METHOD: 'trust', ...(database ? { POSTGRES_DB: database } : {}) },
      ports: redis ? { '6379/tcp': 0 } : {},
      network: run.network,
      networkAliases: [name],
      labels: { [APP_LABEL]: run.appName },
      restartPolicy: 'no',
    });
    if (redis) {
      const port = await run.docker.publishedPort(container, '6379/tcp');
      if (!port)
        throw new NimbusError('NIMBUS_DOCKER', `resource ${name}: redis exited at start`, { hint: `docker logs ${run.appName}-${name}` });
      await assignAllSlots(port, run.deadline).catch((err: Error) => {
        throw new NimbusError('NIMBUS_DOCKER', `resource ${name}: ${err.message}`, { hint: `docker logs ${run.appName}-${name}` });
      });
    }
    res.host = name;
    delete res.namespace;
    run.log(`started resource ${name} (${image}${redis ? ', one-node cluster' : ''})`);
  }
  return spec;
}

export async function runDown(specArgs: string[], opts: UpOptions, ctx: CliContext): Promise<number> {
  const paths = await resolveSpecPaths(specArgs, ctx.cwd);
  const app = loadApp(await readSpecInputs(paths, ctx.cwd), { environment: opts.env }).spec.metadata.name;
  const docker = new DockerManager({ host: opts.dockerHost ?? ctx.env.DOCKER_HOST });
  const removed = await docker.cleanupContainers({ label: [`${APP_LABEL}=${app}`] });
  await docker.removeNetwork(`nimbus-${app}`);
  ctx.stdout.write(`${app}: removed ${removed.length} containers and its network\n`);
  return 0;
}
