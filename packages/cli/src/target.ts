import { KubeClient } from '@nimbus/kube';
import { resolveTarget as resolveFrom, resolveAppRef as resolveRef, type Target } from '@nimbus/project';
import type { CliContext } from './context.js';

export interface ClusterOptions {
  kubeconfig?: string;
  context?: string;
}

export interface TargetOptions {
  filename?: string[];
  env?: string;
  namespace?: string;
  app?: string;
}

export function connect(opts: ClusterOptions, ctx: CliContext): Promise<KubeClient> {
  return KubeClient.connect({ kubeconfig: opts.kubeconfig, context: opts.context, env: ctx.env });
}

/** The target of a cluster command, with the connected context's namespace as the default. */
export function resolveTarget(specArgs: string[], opts: TargetOptions, ctx: CliContext, client: KubeClient): Promise<Target> {
  return resolveFrom(specArgs, { ...opts, cwd: ctx.cwd, defaultNamespace: client.defaultNamespace });
}

export function resolveAppRef(
  specArgs: string[],
  opts: TargetOptions,
  ctx: CliContext,
  client: KubeClient,
): Promise<Omit<Target, 'objects'>> {
  return resolveRef(specArgs, { ...opts, cwd: ctx.cwd, defaultNamespace: client.defaultNamespace });
}
