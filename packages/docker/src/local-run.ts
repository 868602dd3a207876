import { mkdtempSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseQuantity } from '@nimbus/check';
import { type AppSpec, type BackingResource, NimbusError } from '@nimbus/model';
import type { ResolvedService } from '@nimbus/render';
import { assignAllSlots, singleNodeClusterArgs } from './local-redis.js';
import type { DockerManager, RunOptions } from './manager.js';

/** Label marking every container and network of a locally running app. */
export const APP_LABEL = 'dev.nimbus.app';

/** Images the engine may already hold for backing-service types (nothing is ever pulled). */
export const LOCAL_RESOURCE_IMAGES: Readonly<Record<string, string>> = { postgres: 'postgres:16', redis: 'redis:7' };

export const networkOf = (app: string) => `nimbus-${app}`;
export const containerOf = (app: string, name: string) => `${app}-${name}`;

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

export interface LocalResource {
  name: string;
  type: string;
  /** The local image it runs on; undefined when the engine has none (the resource is then not started). */
  image: string | undefined;
  run?: RunOptions;
  /** Redis runs as a one-node cluster whose slots are assigned once it answers. */
  cluster: boolean;
}

/** The container of one backing service: Redis as a one-node cluster, Postgres trusting local connections. */
function resourceContainer(app: string, name: string, image: string, res: BackingResource): RunOptions {
  const redis = res.type === 'redis';
  const database = typeof res.params?.database === 'string' ? res.params.database : undefined;
  return {
    image,
    name: containerOf(app, name),
    command: redis ? singleNodeClusterArgs(name) : undefined,
    environment: redis ? {} : { POSTGRES_HOST_AUTH_METHOD: 'trust', ...(database ? { POSTGRES_DB: database } : {}) },
    ports: redis ? { '6379/tcp': 0 } : {},
    network: networkOf(app),
    networkAliases: [name],
    labels: { [APP_LABEL]: app },
    restartPolicy: 'no',
  };
}

/**
 * Backing services that can run locally: those whose image the engine holds.
 * Returns them and the spec with each started resource's host pointing at its
 * container (so services resolve it by its network alias). Pure.
 */
export function planLocalResources(source: AppSpec, localImages: ReadonlySet<string>): { resources: LocalResource[]; spec: AppSpec } {
  const spec: AppSpec = structuredClone(source);
  const app = spec.metadata.name;
  const resources: LocalResource[] = [];
  for (const [name, res] of Object.entries(spec.spec.resources ?? {})) {
    const candidate = LOCAL_RESOURCE_IMAGES[res.type];
    const image = candidate && localImages.has(candidate) ? candidate : undefined;
    const redis = res.type === 'redis';
    if (!image) {
      resources.push({ name, type: res.type, image: undefined, cluster: redis });
      continue;
    }
    resources.push({ name, type: res.type, image, cluster: redis, run: resourceContainer(app, name, image, res) });
    res.host = name;
    delete res.namespace;
  }
  return { resources, spec };
}

const portKey = (p: ResolvedService['ports'][number]) => `${p.port}/${p.protocol.toLowerCase()}`;

/** CPU as the engine counts it (billionths of a core), from a Kubernetes quantity. */
const nanoCpus = (q: string | number | undefined) => {
  const cores = parseQuantity(q);
  return cores === undefined ? undefined : Math.round(cores * 1e9);
};

/**
 * The container of one service, hardened as its rendered pod is: the same
 * non-root user, a read-only root filesystem with a writable /tmp, every
 * capability dropped, no privilege escalation, the same memory and CPU limits.
 * What fails here would fail in the cluster too. Pure.
 */
export function serviceContainer(app: string, svc: ResolvedService, configVolumes: RunOptions['volumes']): RunOptions {
  const memory = parseQuantity(svc.limits.memory);
  return {
    image: svc.image,
    name: containerOf(app, svc.name),
    command: svc.spec.command ? [...svc.spec.command, ...(svc.spec.args ?? [])] : undefined,
    environment: Object.fromEntries([...svc.env, ...svc.configData]),
    ports: Object.fromEntries(svc.ports.map((p) => [portKey(p), 0])),
    volumes: configVolumes,
    network: networkOf(app),
    networkAliases: [svc.name],
    labels: { [APP_LABEL]: app },
    restartPolicy: 'no',
    user: `${svc.security.runAsUser}:${svc.security.runAsGroup}`,
    hardening: {
      readOnlyRootFilesystem: svc.security.readOnlyRootFilesystem,
      tmpfs: svc.security.readOnlyRootFilesystem ? { '/tmp': 'rw,nosuid,nodev,size=64m' } : {},
      dropAllCapabilities: true,
      noNewPrivileges: true,
      ...(memory !== undefined ? { memoryBytes: Math.round(memory) } : {}),
      ...(nanoCpus(svc.limits.cpu) !== undefined ? { nanoCpus: nanoCpus(svc.limits.cpu) } : {}),
    },
  };
}

/** Writes a service's config files to a private directory, to be mounted read-only at their paths. */
export function writeConfigVolumes(svc: ResolvedService): NonNullable<RunOptions['volumes']> {
  const configDir = mkdtempSync(join(tmpdir(), `nimbus-${svc.name}-`));
  const volumes: NonNullable<RunOptions['volumes']> = {};
  svc.configFiles.forEach(([path, content], i) => {
    const host = join(configDir, `file-${i}`);
    writeFileSync(host, content);
    volumes[host] = { bind: path, mode: 'ro' };
  });
  return volumes;
}

export interface ServiceRow {
  service: string;
  image: string;
  ports: string[];
  ready: boolean;
}

export type LocalRunEvent =
  | { type: 'resource'; name: string; resourceType: string; image: string | undefined }
  | { type: 'service'; row: ServiceRow }
  | { type: 'warning'; message: string };

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

/** Starts the planned resources; yields each as it starts (or is skipped for want of a local image). */
export async function* startResources(
  docker: DockerManager,
  resources: readonly LocalResource[],
  deadline: number,
): AsyncGenerator<LocalRunEvent> {
  for (const r of resources) {
    if (r.run) {
      const container = await docker.runContainer(r.run);
      if (r.cluster) {
        const port = await docker.publishedPort(container, '6379/tcp');
        const hint = `docker logs ${r.run.name}`;
        if (!port) throw new NimbusError('NIMBUS_DOCKER', `resource ${r.name}: redis exited at start`, { hint });
        await assignAllSlots(port, deadline).catch((err: Error) => {
          throw new NimbusError('NIMBUS_DOCKER', `resource ${r.name}: ${err.message}`, { hint });
        });
      }
    }
    yield { type: 'resource', name: r.name, resourceType: r.type, image: r.image };
  }
}

/**
 * Starts services in dependency order, each waited for through its readiness
 * probe on its published port before the next starts. Yields each service's
 * row; one that does not become ready ends the run with NIMBUS_DOCKER.
 */
export async function* startServices(
  docker: DockerManager,
  app: string,
  services: readonly { svc: ResolvedService; run: RunOptions }[],
  deadline: number,
): AsyncGenerator<LocalRunEvent> {
  for (const { svc, run } of services) {
    if (svc.secretEnv.length)
      yield { type: 'warning', message: `${svc.name}: secrets ${svc.secretEnv.map(([k]) => k).join(', ')} are not set locally` };
    const container = await docker.runContainer(run);
    const published = await Promise.all(svc.ports.map(async (p) => ({ p, host: await docker.publishedPort(container, portKey(p)) })));
    const readiness = svc.probes.readiness;
    const probePort = published.find((x) => x.p.port === readiness?.port || x.p.name === readiness?.port)?.host ?? published[0]?.host;
    const running = ((await container.inspect()) as { State: { Running: boolean } }).State.Running;
    // A service with ports whose port was never published has exited: that is not ready.
    const exited = !running || (svc.ports.length > 0 && !published[0]?.host);
    const ready = exited ? false : readiness?.path && probePort ? await waitReady(probePort, readiness.path, deadline) : true;
    const row = { service: svc.name, image: svc.image, ports: published.map((x) => `127.0.0.1:${x.host}->${x.p.port}`), ready };
    yield { type: 'service', row };
    if (!ready)
      throw new NimbusError('NIMBUS_DOCKER', `${svc.name} did not become ready in time`, {
        hint: `docker logs ${containerOf(app, svc.name)}`,
      });
  }
}
