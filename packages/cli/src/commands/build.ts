import { dirname, resolve } from 'node:path';
import { buildImages, DockerManager, parseBuildArgs } from '@nimbus/docker';
import { NimbusError } from '@nimbus/model';
import { inspectBuildContexts, loadSpec } from '@nimbus/project';
import { type CliContext, note } from '../context.js';

export interface BuildCommandOptions {
  env?: string;
  push?: boolean;
  tag?: string;
  buildArg?: string[];
  dockerHost?: string;
  output?: string;
  parallel?: string;
}

/** `nimbus build`: every service with a build context, in parallel, tagged by content (or --tag), optionally pushed. */
export async function runBuild(specArgs: string[], opts: BuildCommandOptions, ctx: CliContext): Promise<number> {
  const { spec, files } = await loadSpec(specArgs, { env: opts.env, cwd: ctx.cwd });
  const buildArgs = parseBuildArgs(opts.buildArg);
  if (!Object.values(spec.spec.services).some((s) => s.build)) {
    throw new NimbusError('NIMBUS_USAGE', 'no service declares a build context', { hint: 'add build: { context: ./dir } to a service' });
  }
  const specFile = files[0] ?? 'nimbus.yaml';
  const results = await buildImages({
    spec,
    specDir: dirname(resolve(ctx.cwd, specFile)),
    detected: inspectBuildContexts(spec, specFile, ctx.cwd),
    docker: new DockerManager({ host: opts.dockerHost ?? ctx.env.DOCKER_HOST }),
    tag: opts.tag,
    buildArgs,
    parallel: Number(opts.parallel ?? 2),
    push: opts.push,
    log: (l) => note(ctx, l),
  });
  if (opts.output === 'json') ctx.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  else for (const r of results) ctx.stdout.write(`${r.service.padEnd(16)} ${r.image}  ${r.id.slice(7, 19)}\n`);
  return 0;
}
