import { basename, resolve } from 'node:path';
import { KubeClient } from '@nimbus/kube';
import { type KubeObject, NimbusError } from '@nimbus/model';
import { loadAndRender, loadManifests } from '@nimbus/project';
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

/** What a cluster command acts on: an app name, its namespace, and (for deploy/diff) its objects. */
export interface Target {
  app: string;
  namespace: string;
  objects: KubeObject[];
}

export function connect(opts: ClusterOptions, ctx: CliContext): Promise<KubeClient> {
  return KubeClient.connect({ kubeconfig: opts.kubeconfig, context: opts.context, env: ctx.env });
}

/**
 * Resolves the target from a spec (rendered) or from plain manifests (-f).
 * Plain manifests need an app name for their release history: --app, or the
 * directory name.
 */
export async function resolveTarget(specArgs: string[], opts: TargetOptions, ctx: CliContext, client: KubeClient): Promise<Target> {
  if (opts.filename?.length) {
    const { objects } = await loadManifests(opts.filename.map((f) => resolve(ctx.cwd, f)));
    const namespace = opts.namespace ?? client.defaultNamespace;
    const app =
      opts.app ??
      basename(resolve(ctx.cwd, opts.filename[0] as string))
        .replace(/\.(ya?ml|json)$/, '')
        .toLowerCase()
        .replace(/[^a-z0-9-]+/g, '-');
    if (!/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(app)) {
      throw new NimbusError('NIMBUS_USAGE', `cannot derive an app name from ${opts.filename[0]}`, { hint: 'pass --app NAME' });
    }
    // Namespaced objects without a namespace go to the target namespace, as kubectl -n does.
    return {
      app,
      namespace,
      objects: objects.map((o) => (o.metadata.namespace || isClusterScoped(o) ? o : { ...o, metadata: { ...o.metadata, namespace } })),
    };
  }
  const rendered = await loadAndRender(specArgs, { env: opts.env, namespace: opts.namespace, cwd: ctx.cwd });
  return { app: rendered.app.name, namespace: rendered.app.namespace, objects: rendered.objects };
}

/** App name and namespace without rendering objects (status, history, ...): from the spec, or --app/-n. */
export async function resolveAppRef(
  specArgs: string[],
  opts: TargetOptions,
  ctx: CliContext,
  client: KubeClient,
): Promise<Omit<Target, 'objects'>> {
  if (opts.app) return { app: opts.app, namespace: opts.namespace ?? client.defaultNamespace };
  const t = await resolveTarget(specArgs, opts, ctx, client);
  return { app: t.app, namespace: t.namespace };
}

const CLUSTER_SCOPED = new Set([
  'Namespace',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleBinding',
  'PersistentVolume',
  'StorageClass',
  'IngressClass',
  'PriorityClass',
]);
const isClusterScoped = (o: KubeObject) => CLUSTER_SCOPED.has(o.kind);
