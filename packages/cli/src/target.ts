import { relative } from 'node:path';
import { KubeClient } from '@nimbus/kube';
import { resolveTarget as resolveFrom, resolveAppRef as resolveRef, type Target } from '@nimbus/project';
import { type CliContext, stdinFor } from './context.js';

export interface ClusterOptions {
  kubeconfig?: string;
  context?: string;
}

export interface TargetOptions {
  filename?: string[];
  env?: string;
  namespace?: string;
  app?: string;
  strict?: boolean;
}

export function connect(opts: ClusterOptions, ctx: CliContext): Promise<KubeClient> {
  return KubeClient.connect({ kubeconfig: opts.kubeconfig, context: opts.context, env: ctx.env });
}

/** The target of a cluster command, with the connected context's namespace as the default. */
export async function resolveTarget(specArgs: string[], opts: TargetOptions, ctx: CliContext, client: KubeClient): Promise<Target> {
  const stdin = await stdinFor(opts.filename, ctx);
  const target = await resolveFrom(specArgs, { ...opts, stdin, cwd: ctx.cwd, defaultNamespace: client.defaultNamespace });
  // Passed-over inputs are said, one line each, so nothing is dropped silently.
  for (const s of target.skipped ?? [])
    ctx.stderr.write(`skipped  ${s.file.startsWith('<') ? s.file : relative(ctx.cwd, s.file)}${s.line ? `:${s.line}` : ''}: ${s.reason}\n`);
  return target;
}

export function resolveAppRef(
  specArgs: string[],
  opts: TargetOptions,
  ctx: CliContext,
  client: KubeClient,
): Promise<Omit<Target, 'objects'>> {
  return resolveRef(specArgs, { ...opts, cwd: ctx.cwd, defaultNamespace: client.defaultNamespace });
}
