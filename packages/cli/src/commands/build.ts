import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { DockerManager } from '@nimbus/docker';
import { loadApp, NimbusError } from '@nimbus/model';
import { dockerfileFor, imageRepository } from '@nimbus/render';
import { inspectBuildContexts } from '../build-context.js';
import type { CliContext } from '../context.js';
import { readSpecInputs, resolveSpecPaths } from '../io.js';

export interface BuildCommandOptions {
  env?: string;
  push?: boolean;
  tag?: string;
  buildArg?: string[];
  dockerHost?: string;
  output?: string;
  parallel?: string;
}

const IGNORED = new Set(['node_modules', '.git', '.nimbus.Dockerfile']);

/** A content hash of a build context: the tag changes exactly when the inputs do. */
export function contextHash(dir: string): string {
  const hash = createHash('sha256');
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      if (IGNORED.has(name)) continue;
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else hash.update(relative(dir, full)).update('\0').update(readFileSync(full)).update('\0');
    }
  };
  walk(dir);
  return hash.digest('hex').slice(0, 12);
}

async function inParallel<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

/** `nimbus build`: every service with a build context, in parallel, tagged by content (or --tag), optionally pushed. */
export async function runBuild(specArgs: string[], opts: BuildCommandOptions, ctx: CliContext): Promise<number> {
  const paths = await resolveSpecPaths(specArgs, ctx.cwd);
  const loaded = loadApp(await readSpecInputs(paths, ctx.cwd), { environment: opts.env });
  const spec = loaded.spec;
  const specDir = dirname(resolve(ctx.cwd, paths[0] ?? '.'));
  const extraArgs = Object.fromEntries(
    (opts.buildArg ?? []).map((a) => {
      const i = a.indexOf('=');
      if (i <= 0) throw new NimbusError('NIMBUS_USAGE', `--build-arg takes KEY=VALUE, got '${a}'`);
      return [a.slice(0, i), a.slice(i + 1)];
    }),
  );
  const services = Object.entries(spec.spec.services).filter(([, s]) => s.build);
  if (services.length === 0)
    throw new NimbusError('NIMBUS_USAGE', 'no service declares a build context', { hint: 'add build: { context: ./dir } to a service' });
  const docker = new DockerManager({ host: opts.dockerHost ?? ctx.env.DOCKER_HOST });
  const detected = inspectBuildContexts(spec, paths[0] ?? 'nimbus.yaml', ctx.cwd);
  const results: { service: string; image: string; id: string; seconds: number }[] = [];
  await inParallel(services, Number(opts.parallel ?? 2), async ([name, svc]) => {
    const context = resolve(specDir, svc.build?.context ?? '.');
    let dockerfile = svc.build?.dockerfile;
    let generated: string | undefined;
    if (!dockerfile) {
      try {
        statSync(join(context, 'Dockerfile'));
        dockerfile = 'Dockerfile';
      } catch {
        const info = detected[name];
        if (!info)
          throw new NimbusError('NIMBUS_USAGE', `service '${name}' has no Dockerfile and its context is not Node, Go or Python`, {
            hint: `add ${relative(ctx.cwd, join(context, 'Dockerfile'))}`,
          });
        generated = join(context, '.nimbus.Dockerfile');
        writeFileSync(generated, dockerfileFor(info, svc.ports?.[0]?.port));
        dockerfile = '.nimbus.Dockerfile';
      }
    }
    const image = `${imageRepository(spec, name, svc)}:${opts.tag ?? contextHash(context)}`;
    ctx.stderr.write(`building ${name} -> ${image}\n`);
    const t0 = performance.now();
    try {
      const id = await docker.buildImage({
        context,
        tag: image,
        dockerfile,
        buildArgs: { ...svc.build?.args, ...extraArgs },
        target: svc.build?.target,
      });
      if (opts.push) await docker.push(image);
      results.push({ service: name, image, id, seconds: (performance.now() - t0) / 1000 });
      ctx.stderr.write(`built ${name} in ${((performance.now() - t0) / 1000).toFixed(1)}s${opts.push ? ', pushed' : ''}\n`);
    } finally {
      if (generated) rmSync(generated, { force: true });
    }
  });
  results.sort((a, b) => a.service.localeCompare(b.service));
  if (opts.output === 'json') ctx.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  else for (const r of results) ctx.stdout.write(`${r.service.padEnd(16)} ${r.image}  ${r.id.slice(7, 19)}\n`);
  return 0;
}
