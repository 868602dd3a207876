import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerManager } from '@nimbus/docker';
import { type AppSpec, loadApp, NimbusError } from '@nimbus/model';
import { type ResolvedService, resolveApp } from '@nimbus/render';
import type { CliContext } from '../context.js';
import { readSpecInputs, resolveSpecPaths } from '../io.js';
import { buildImages } from './build.js';

export interface UpOptions {
  env?: string;
  dockerHost?: string;
  timeout?: string;
  output?: string;
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

async function waitReady(port: number, path: string, deadline: number): Promise<boolean> {
  while (Date.now() < deadline) {
    const ok = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(1000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return true;
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

  // Backing services run as containers when their image is on the engine; their host becomes the container.
  const spec: AppSpec = structuredClone(loaded.spec);
  for (const [name, res] of Object.entries(spec.spec.resources ?? {})) {
    const image = LOCAL_RESOURCE_IMAGES[res.type];
    if (!image || !(await docker.imageExists(image))) {
      log(`resource ${name} (${res.type}) not started: no local image; its host stays ${res.host ?? name}`);
      continue;
    }
    await docker.runContainer({
      image,
      name: `${appName}-${name}`,
      network,
      networkAliases: [name],
      labels: { [APP_LABEL]: appName },
      restartPolicy: 'no',
    });
    res.host = name;
    delete res.namespace;
    log(`started resource ${name} (${image})`);
  }

  const built = new Map(
    (await buildImages({ spec, specPath: paths[0] ?? 'nimbus.yaml', cwd: ctx.cwd, docker, log })).map((b) => [b.service, b.image]),
  );
  const app = resolveApp(spec, { images: Object.fromEntries(built) });
  const deadline = Date.now() + Number((opts.timeout ?? '60').replace(/s$/, '')) * 1000;
  const table: { service: string; image: string; ports: string[]; ready: boolean }[] = [];
  for (const svc of startOrder(app.services)) {
    const configDir = mkdtempSync(join(tmpdir(), `nimbus-${svc.name}-`));
    const volumes: Record<string, { bind: string; mode: 'ro' }> = {};
    svc.configFiles.forEach(([path, content], i) => {
      const host = join(configDir, `file-${i}`);
      writeFileSync(host, content);
      volumes[host] = { bind: path, mode: 'ro' };
    });
    if (svc.secretEnv.length) log(`${svc.name}: secrets ${svc.secretEnv.map(([k]) => k).join(', ')} are not set locally`);
    const container = await docker.runContainer({
      image: svc.image,
      name: `${appName}-${svc.name}`,
      command: svc.spec.command ? [...svc.spec.command, ...(svc.spec.args ?? [])] : undefined,
      environment: Object.fromEntries([...svc.env, ...svc.configData]),
      ports: Object.fromEntries(svc.ports.map((p) => [`${p.port}/${p.protocol.toLowerCase()}`, 0])),
      volumes,
      network,
      networkAliases: [svc.name],
      labels: { [APP_LABEL]: appName },
      restartPolicy: 'no',
    });
    const published = await Promise.all(
      svc.ports.map(async (p) => ({ p, host: await docker.publishedPort(container, `${p.port}/${p.protocol.toLowerCase()}`) })),
    );
    const readiness = svc.probes.readiness;
    const first = published[0]?.host;
    const running = ((await container.inspect()) as { State: { Running: boolean } }).State.Running;
    // A service with ports whose port was never published has exited: that is not ready.
    const ready =
      !running || (svc.ports.length && !first) ? false : readiness?.path && first ? await waitReady(first, readiness.path, deadline) : true;
    log(`${ready ? 'ready' : 'NOT READY'} ${svc.name}${first ? ` on http://127.0.0.1:${first}` : ''}`);
    table.push({ service: svc.name, image: svc.image, ports: published.map((x) => `127.0.0.1:${x.host}->${x.p.port}`), ready });
    if (!ready) {
      ctx.stdout.write(`${JSON.stringify(table, null, 2)}\n`);
      throw new NimbusError('NIMBUS_DOCKER', `${svc.name} did not become ready in time`, { hint: `docker logs ${appName}-${svc.name}` });
    }
  }
  if (opts.output === 'json') ctx.stdout.write(`${JSON.stringify(table, null, 2)}\n`);
  else for (const t of table) ctx.stdout.write(`${t.service.padEnd(16)} ${t.ports.join(', ') || '-'}  ${t.image}\n`);
  return 0;
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
