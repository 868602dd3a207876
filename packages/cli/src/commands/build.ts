import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { DockerManager } from '@nimbus/docker';
import { type AppSpec, loadApp, NimbusError } from '@nimbus/model';
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

export interface BuiltImage {
  service: string;
  image: string;
  id: string;
  seconds: number;
}

/** Builds the images of every service with a build context; shared by `nimbus build` and `nimbus up`. */
export async function buildImages(args: {
  spec: AppSpec;
  specPath: string;
  cwd: string;
  docker: DockerManager;
  tag?: string;
  buildArgs?: Record<string, string>;
  parallel?: number;
  push?: boolean;
  log: (line: string) => void;
}): Promise<BuiltImage[]> {
  const { spec, docker } = args;
  const specDir = dirname(resolve(args.cwd, args.specPath));
  const services = Object.entries(spec.spec.services).filter(([, s]) => s.build);
  const detected = inspectBuildContexts(spec, args.specPath, args.cwd);
  const results: BuiltImage[] = [];
  await inParallel(services, args.parallel ?? 2, async ([name, svc]) => {
    const context = resolve(specDir, svc.build?.context ?? '.');
    let dockerfile = svc.build?.dockerfile;
    let generated: string | undefined;
    if (!dockerfile) {
      try {
        statSync(join(context, 'Dockerfile'));
        dockerfile = 'Dockerfile';
      } catch {
        const info = detected[name];
        if (!info) {
          throw new NimbusError('NIMBUS_USAGE', `service '${name}' has no Dockerfile and its context is not Node, Go or Python`, {
            hint: `add ${relative(args.cwd, join(context, 'Dockerfile'))}`,
          });
        }
        generated = join(context, '.nimbus.Dockerfile');
        writeFileSync(generated, dockerfileFor(info, svc.ports?.[0]?.port));
        dockerfile = '.nimbus.Dockerfile';
      }
    }
    const image = `${imageRepository(spec, name, svc)}:${args.tag ?? contextHash(context)}`;
    args.log(`building ${name} -> ${image}`);
    const t0 = performance.now();
    try {
      const id = await docker.buildImage({
        context,
        tag: image,
        dockerfile,
        buildArgs: { ...svc.build?.args, ...args.buildArgs },
        target: svc.build?.target,
      });
      if (args.push) await docker.push(image);
      const seconds = (performance.now() - t0) / 1000;
      results.push({ service: name, image, id, seconds });
      args.log(`built ${name} in ${seconds.toFixed(1)}s${args.push ? ', pushed' : ''}`);
    } finally {
      if (generated) rmSync(generated, { force: true });
    }
  });
  return results.sort((a, b) => a.service.localeCompare(b.service));
}

/** `--build-arg KEY=VALUE` options as a map. */
export function parseBuildArgs(values: readonly string[] | undefined): Record<string, string> {
  return Object.fromEntries(
    (values ?? []).map((a) => {
      const i = a.indexOf('=');
      if (i <= 0) throw new NimbusError('NIMBUS_USAGE', `--build-arg takes KEY=VALUE, got '${a}'`);
      return [a.slice(0, i), a.slice(i + 1)];
    }),
  );
}

/** `nimbus build`: every service with a build context, in parallel, tagged by content (or --tag), optionally pushed. */
export async function runBuild(specArgs: string[], opts: BuildCommandOptions, ctx: CliContext): Promise<number> {
  const paths = await resolveSpecPaths(specArgs, ctx.cwd);
  const spec = loadApp(await readSpecInputs(paths, ctx.cwd), { environment: opts.env }).spec;
  const buildArgs = parseBuildArgs(opts.buildArg);
  if (!Object.values(spec.spec.services).some((s) => s.build)) {
    throw new NimbusError('NIMBUS_USAGE', 'no service declares a build context', { hint: 'add build: { context: ./dir } to a service' });
  }
  const results = await buildImages({
    spec,
    specPath: paths[0] ?? 'nimbus.yaml',
    cwd: ctx.cwd,
    docker: new DockerManager({ host: opts.dockerHost ?? ctx.env.DOCKER_HOST }),
    tag: opts.tag,
    buildArgs,
    parallel: Number(opts.parallel ?? 2),
    push: opts.push,
    log: (l) => ctx.stderr.write(`${l}\n`),
  });
  if (opts.output === 'json') ctx.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  else for (const r of results) ctx.stdout.write(`${r.service.padEnd(16)} ${r.image}  ${r.id.slice(7, 19)}\n`);
  return 0;
}
