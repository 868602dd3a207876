import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { type AppSpec, mapConcurrent, NimbusError } from '@nimbus/model';
import { type BuildContextInfo, dockerfileFor, imageRepository } from '@nimbus/render';
import type { DockerManager } from './manager.js';

/** Where a Dockerfile Nimbus generates for a build goes: inside the context, hidden, removed after the build. */
export const GENERATED_DOCKERFILE = '.nimbus.Dockerfile';

const IGNORED = new Set(['node_modules', '.git', GENERATED_DOCKERFILE]);

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

export interface BuiltImage {
  service: string;
  image: string;
  id: string;
  seconds: number;
}

export interface BuildImagesOptions {
  spec: AppSpec;
  /** Directory the spec's build contexts are relative to. */
  specDir: string;
  /** What each context holds, for services without a Dockerfile of their own. */
  detected: Readonly<Record<string, BuildContextInfo>>;
  docker: DockerManager;
  tag?: string;
  buildArgs?: Record<string, string>;
  parallel?: number;
  push?: boolean;
  log: (line: string) => void;
}

/** The Dockerfile a service builds with: its own, the context's, or one generated from the detected language. */
function dockerfileOf(name: string, context: string, declared: string | undefined, info: BuildContextInfo | undefined, port?: number) {
  const shown = relative(process.cwd(), join(context, 'Dockerfile'));
  if (declared) return { dockerfile: declared };
  try {
    statSync(join(context, 'Dockerfile'));
    return { dockerfile: 'Dockerfile' };
  } catch {
    if (!info) {
      throw new NimbusError('NIMBUS_USAGE', `service '${name}' has no Dockerfile and its context is not Node, Go or Python`, {
        hint: `add ${shown}`,
      });
    }
    return { dockerfile: GENERATED_DOCKERFILE, generated: dockerfileFor(info, port) };
  }
}

/** Builds the images of every service with a build context, tagged by content (or `tag`); shared by `nimbus build` and `nimbus up`. */
export async function buildImages(args: BuildImagesOptions): Promise<BuiltImage[]> {
  const { spec, docker } = args;
  const services = Object.entries(spec.spec.services).filter(([, s]) => s.build);
  const results = await mapConcurrent(services, args.parallel ?? 2, async ([name, svc]): Promise<BuiltImage> => {
    const context = resolve(args.specDir, svc.build?.context ?? '.');
    const { dockerfile, generated } = dockerfileOf(name, context, svc.build?.dockerfile, args.detected[name], svc.ports?.[0]?.port);
    if (generated) writeFileSync(join(context, dockerfile), generated);
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
      args.log(`built ${name} in ${seconds.toFixed(1)}s${args.push ? ', pushed' : ''}`);
      return { service: name, image, id, seconds };
    } finally {
      if (generated) rmSync(join(context, dockerfile), { force: true });
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
