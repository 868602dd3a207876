import { basename, resolve } from 'node:path';
import { type KubeObject, NimbusError } from '@nimbus/model';
import { type LoadedManifests, loadManifests, type SkippedInput } from './manifests.js';
import { loadAndRender } from './pipeline.js';

/** What a cluster command acts on: an app name, its namespace, and (for deploy/diff) its objects. */
export interface Target {
  app: string;
  namespace: string;
  objects: KubeObject[];
  /** Inputs passed over because they are not Kubernetes objects (plain manifests only). */
  skipped?: SkippedInput[];
}

export interface TargetOptions {
  cwd: string;
  /** Plain manifests (files or directories), as kubectl -f; otherwise the spec files are rendered. */
  filename?: string[];
  env?: string;
  namespace?: string;
  app?: string;
  /** Inputs that are not Kubernetes objects are errors, not skipped. */
  strict?: boolean;
  /** What `-f -` reads: standard input, read by the caller. */
  stdin?: string;
  /** The namespace used when neither -n nor the objects name one (the kubeconfig context's). */
  defaultNamespace: string;
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

/** An app name for plain manifests: --app, or the file or directory name made a valid name. */
function appNameFor(file: string, explicit: string | undefined, cwd: string): string {
  const app =
    explicit ??
    basename(resolve(cwd, file))
      .replace(/\.(ya?ml|json)$/, '')
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-');
  if (!/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(app)) {
    throw new NimbusError('NIMBUS_USAGE', `cannot derive an app name from ${file}`, { hint: 'pass --app NAME' });
  }
  return app;
}

/** A set that cannot be applied whole is refused before anything changes: unreadable files, generated names. */
function refuseUnappliable(loaded: LoadedManifests): void {
  if (loaded.unreadable.length)
    throw new NimbusError('NIMBUS_SPEC_SYNTAX', `${loaded.unreadable.length} problems in the manifests; nothing was applied`, {
      diagnostics: loaded.unreadable,
    });
  const generated = [...loaded.generated];
  if (generated.length) {
    throw new NimbusError(
      'NIMBUS_INVALID_OBJECTS',
      `${generated.map((o) => `${o.kind} ${o.metadata.name}*`).join(', ')} use metadata.generateName`,
      {
        hint: 'a release applies objects by name, idempotently: give each a fixed metadata.name (kubectl create takes generated names)',
      },
    );
  }
}

/**
 * Resolves the target from a spec (rendered) or from plain manifests (-f).
 * Plain manifests need an app name for their release history: --app, or the
 * directory name; their namespaced objects without a namespace go to the
 * target namespace, as kubectl -n does.
 */
export async function resolveTarget(specArgs: readonly string[], opts: TargetOptions): Promise<Target> {
  if (opts.filename?.length) {
    const loaded = await loadManifests(
      opts.filename.map((f) => (f === '-' ? f : resolve(opts.cwd, f))),
      { strict: opts.strict, stdin: opts.stdin },
    );
    refuseUnappliable(loaded);
    const namespace = opts.namespace ?? opts.defaultNamespace;
    return {
      app: appNameFor(opts.filename[0] as string, opts.app, opts.cwd),
      namespace,
      objects: loaded.objects.map((o) =>
        o.metadata.namespace || isClusterScoped(o) ? o : { ...o, metadata: { ...o.metadata, namespace } },
      ),
      skipped: loaded.skipped,
    };
  }
  const rendered = await loadAndRender(specArgs, { env: opts.env, namespace: opts.namespace, cwd: opts.cwd });
  return { app: rendered.app.name, namespace: rendered.app.namespace, objects: rendered.objects };
}

/** App name and namespace without keeping the objects (status, history, ...): from --app/-n, or the spec. */
export async function resolveAppRef(specArgs: readonly string[], opts: TargetOptions): Promise<Omit<Target, 'objects'>> {
  if (opts.app) return { app: opts.app, namespace: opts.namespace ?? opts.defaultNamespace };
  const t = await resolveTarget(specArgs, opts);
  return { app: t.app, namespace: t.namespace };
}
