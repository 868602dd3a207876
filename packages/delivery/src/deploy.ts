import { type Health, KubeApiError, type KubeClient, type ObjectRef, refOf, waitForHealthy } from '@nimbus/kube';
import { NimbusError } from '@nimbus/model';
import { type KubeObject, objectKey } from '@nimbus/render';
import { acquireLock, type HeldLock } from './lock.js';
import { type Plan, planDeploy, prunesEverything, refOfObject } from './plan.js';
import { mapConcurrent } from './pool.js';
import { type Release, ReleaseStore } from './releases.js';
import { validateBeforeApply } from './validate.js';

export interface DeployOptions {
  app: string;
  /** Namespace holding the app's releases and lock. */
  namespace: string;
  objects: readonly KubeObject[];
  /** Wait for every object to become healthy (default true). */
  wait?: boolean;
  timeoutMs?: number;
  /** On failure, roll back to the previous revision (or remove a first install). */
  atomic?: boolean;
  /** Allow pruning everything, Namespaces included. */
  force?: boolean;
  /** Plan and validate only; change nothing. */
  dryRun?: boolean;
  description?: string;
  concurrency?: number;
  leaseSeconds?: number;
}

export type DeployEvent =
  | { type: 'plan'; plan: Plan; revision: number }
  | { type: 'lock'; holder: string }
  | { type: 'stage'; name: string; count: number }
  | { type: 'applied'; ref: ObjectRef; action: 'created' | 'configured' | 'unchanged' }
  | { type: 'pruned'; ref: ObjectRef; existed: boolean }
  | { type: 'health'; ref: ObjectRef; health: Health }
  | { type: 'release'; revision: number; status: Release['status'] }
  | { type: 'rollback'; toRevision: number | undefined; reason: string };

export interface DeployResult {
  revision: number;
  applied: number;
  pruned: number;
  plan: Plan;
}

/** Field manager that co-owns spec.replicas handed to an HPA, so Nimbus's later applies leave it alone. */
export const HANDOVER_MANAGER = 'nimbus-replicas-handover';

const WAIT_KINDS = new Set([
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'Job',
  'PersistentVolumeClaim',
  'CustomResourceDefinition',
  'Namespace',
  'Service',
]);

/**
 * Deploys a set of objects as one release: validate everything, lock, apply in
 * stages, record the release, prune what the previous release had and this one
 * does not, wait for health, and on failure roll back when atomic. Yields
 * events as it goes; the return value summarises.
 */
export async function* deploy(client: KubeClient, options: DeployOptions): AsyncGenerator<DeployEvent, DeployResult> {
  const concurrency = options.concurrency ?? 24;
  const store = new ReleaseStore(client, options.namespace, options.app);
  await validateBeforeApply(client, options.objects, concurrency);
  const history = await store.list();
  const previous = history.filter((r) => r.status === 'deployed').pop();
  const revision = (history[history.length - 1]?.revision ?? 0) + 1;
  const plan = planDeploy({ desired: options.objects, previous: previous?.objects ?? [], force: options.force });
  yield { type: 'plan', plan, revision };
  if (prunesEverything(plan, previous?.objects ?? []) && !options.force) {
    throw new NimbusError(
      'NIMBUS_PRUNE_REFUSED',
      `deploying this set would delete all ${previous?.objects.length} objects of revision ${previous?.revision}`,
    );
  }
  if (options.dryRun) return { revision, applied: 0, pruned: 0, plan };

  // The namespace must exist to hold the lock and the release records.
  const nsObject = options.objects.find((o) => o.kind === 'Namespace' && o.metadata.name === options.namespace);
  await client.apply(nsObject ?? { apiVersion: 'v1', kind: 'Namespace', metadata: { name: options.namespace } });
  const lock = await acquireLock(client, options.namespace, options.app, { leaseSeconds: options.leaseSeconds });
  yield { type: 'lock', holder: lock.holder };
  try {
    return yield* run(client, options, { plan, revision, previous, store, lock, concurrency });
  } finally {
    await lock.release();
  }
}

interface RunState {
  plan: Plan;
  revision: number;
  previous: Release | undefined;
  store: ReleaseStore;
  lock: HeldLock;
  concurrency: number;
}

async function* run(client: KubeClient, options: DeployOptions, s: RunState): AsyncGenerator<DeployEvent, DeployResult> {
  const release: Release = {
    app: options.app,
    namespace: options.namespace,
    revision: s.revision,
    status: 'pending',
    createdAt: new Date().toISOString(),
    description: options.description ?? 'deploy',
    objects: [...options.objects],
  };
  await s.store.save(release);
  yield { type: 'release', revision: s.revision, status: 'pending' };
  let applied = 0;
  let pruned = 0;
  try {
    for (const stage of s.plan.stages) {
      yield { type: 'stage', name: stage.name, count: stage.objects.length };
      const events = await applyStage(client, stage.objects, options.objects, s.concurrency);
      for (const e of events) yield e;
      applied += events.length;
      if (stage.name === 'namespaces and CRDs') {
        client.mapper.invalidate();
        await waitForHealthy(client, stage.objects.map(refOf), { timeoutMs: 60_000, intervalMs: 250 });
      }
    }
    for (const ref of s.plan.prune) {
      const existed = await client.delete(ref);
      pruned++;
      yield { type: 'pruned', ref, existed };
    }
    if (options.wait !== false) {
      const refs = options.objects.filter((o) => WAIT_KINDS.has(o.kind)).map(refOf);
      const healthEvents: DeployEvent[] = [];
      await waitForHealthy(client, refs, {
        timeoutMs: options.timeoutMs ?? 300_000,
        onChange: (ref, health) => healthEvents.push({ type: 'health', ref, health }),
      });
      for (const e of healthEvents) yield e;
    }
    await s.store.save({ ...release, status: 'deployed' });
    await s.store.settle(s.revision);
    yield { type: 'release', revision: s.revision, status: 'deployed' };
    return { revision: s.revision, applied, pruned, plan: s.plan };
  } catch (err) {
    await s.store.save({ ...release, status: 'failed', description: `${release.description}: ${(err as Error).message}`.slice(0, 500) });
    yield { type: 'release', revision: s.revision, status: 'failed' };
    if (options.atomic) yield* rollbackAfterFailure(client, options, s, err as Error);
    throw err;
  }
}

async function* rollbackAfterFailure(client: KubeClient, options: DeployOptions, s: RunState, err: Error): AsyncGenerator<DeployEvent> {
  yield { type: 'rollback', toRevision: s.previous?.revision, reason: err.message };
  if (s.previous) {
    await applyStage(client, s.previous.objects, s.previous.objects, s.concurrency);
    const keep = new Set(s.previous.objects.map(objectKey));
    for (const o of options.objects) if (!keep.has(objectKey(o)) && o.kind !== 'Namespace') await client.delete(refOfObject(o));
    await s.store.save({
      ...s.previous,
      revision: s.revision + 1,
      status: 'deployed',
      createdAt: new Date().toISOString(),
      description: `rollback to ${s.previous.revision} after failed revision ${s.revision}`,
    });
    await s.store.settle(s.revision + 1);
  } else {
    for (const o of [...options.objects].reverse()) if (o.kind !== 'Namespace') await client.delete(refOfObject(o));
  }
}

/** Live resourceVersions of the objects' kinds, one LIST per kind and namespace instead of a GET per object. */
async function liveVersions(client: KubeClient, objects: readonly KubeObject[]): Promise<Map<string, string | undefined>> {
  const groups = new Map<string, ObjectRef>();
  for (const o of objects) groups.set(`${o.apiVersion}|${o.kind}|${o.metadata.namespace ?? ''}`, { ...refOf(o), name: '' });
  const versions = new Map<string, string | undefined>();
  await mapConcurrent([...groups.values()], 8, async (g) => {
    try {
      const items = await client.list({ apiVersion: g.apiVersion, kind: g.kind, namespace: g.namespace });
      for (const item of items)
        versions.set(
          objectKey({ kind: g.kind, metadata: { name: item.metadata.name, namespace: g.namespace } }),
          item.metadata.resourceVersion as string | undefined,
        );
    } catch (err) {
      // A namespace or kind that does not exist yet simply has no live objects.
      if (!(err instanceof KubeApiError && err.status === 404)) throw err;
    }
  });
  return versions;
}

/** Applies objects concurrently and tells, per object, whether it was created, changed or left as it was. */
export async function applyStage(
  client: KubeClient,
  objects: readonly KubeObject[],
  all: readonly KubeObject[],
  concurrency: number,
): Promise<DeployEvent[]> {
  const live = await liveVersions(client, objects);
  return mapConcurrent(objects, concurrency, async (o): Promise<DeployEvent> => {
    const before = live.get(objectKey(o));
    const exists = live.has(objectKey(o));
    const toApply = exists ? o : withInitialReplicas(o, all);
    const after = await client.apply(toApply);
    if (!exists && toApply !== o) await handOverReplicas(client, toApply);
    const action = !exists ? 'created' : before === after.metadata.resourceVersion ? 'unchanged' : 'configured';
    return { type: 'applied', ref: refOf(o), action };
  });
}

/**
 * A new autoscaled Deployment starts at its HPA's minimum rather than at one
 * replica. Kubernetes defaults an absent `replicas` to 1 and the HPA would only
 * catch up on its next sync.
 */
function withInitialReplicas(o: KubeObject, all: readonly KubeObject[]): KubeObject {
  if (o.kind !== 'Deployment' && o.kind !== 'StatefulSet') return o;
  if ((o.spec as { replicas?: number } | undefined)?.replicas !== undefined) return o;
  const hpa = all.find((h) => {
    const ref = (h.spec as { scaleTargetRef?: { kind?: string; name?: string } } | undefined)?.scaleTargetRef;
    return (
      h.kind === 'HorizontalPodAutoscaler' &&
      ref?.kind === o.kind &&
      ref?.name === o.metadata.name &&
      h.metadata.namespace === o.metadata.namespace
    );
  });
  const min = (hpa?.spec as { minReplicas?: number } | undefined)?.minReplicas;
  return min === undefined ? o : { ...o, spec: { ...(o.spec as object), replicas: min } };
}

/** Co-owns spec.replicas under a second manager, so Nimbus's next apply (without replicas) does not reset it. */
async function handOverReplicas(client: KubeClient, o: KubeObject): Promise<void> {
  const replicas = (o.spec as { replicas?: number }).replicas;
  await client.applyAs(HANDOVER_MANAGER, {
    apiVersion: o.apiVersion,
    kind: o.kind,
    metadata: { name: o.metadata.name, namespace: o.metadata.namespace },
    spec: { replicas },
  });
}

/** Re-applies a kept revision as a new one (Helm's rollback). */
export async function* rollback(
  client: KubeClient,
  options: Omit<DeployOptions, 'objects'> & { toRevision?: number },
): AsyncGenerator<DeployEvent, DeployResult> {
  const store = new ReleaseStore(client, options.namespace, options.app);
  const history = await store.list();
  const current = history.filter((r) => r.status === 'deployed').pop();
  const target =
    options.toRevision !== undefined
      ? await store.get(options.toRevision)
      : history.filter((r) => r.revision < (current?.revision ?? 0) && r.status !== 'failed' && r.status !== 'pending').pop();
  if (!target) throw new NimbusError('NIMBUS_NO_RELEASE', `${options.app} has no earlier revision to roll back to`);
  return yield* deploy(client, { ...options, objects: target.objects, description: `rollback to ${target.revision}`, force: true });
}
