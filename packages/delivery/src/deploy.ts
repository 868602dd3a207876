import { type Health, healthUpdates, type KubeClient, type PodProblem, UnknownKindError, type WorkloadCounts } from '@nimbus/kube';
import { type KubeObject, mapConcurrent, NimbusError, type ObjectRef, objectKey, refOf } from '@nimbus/model';
import { ensureCredentials } from './credentials.js';
import { acquireLock } from './lock.js';
import { type Plan, planRelease, type Stage } from './plan.js';
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
  /** Delete what the previous release had and this one lacks (default true). */
  prune?: boolean;
  /** Plan and validate only; change nothing. */
  dryRun?: boolean;
  /** Validate every object with the server (a server-side dry run) before anything is applied; default true. */
  validate?: boolean;
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
  | { type: 'health'; ref: ObjectRef; health: Health; counts?: WorkloadCounts; problem?: PodProblem }
  | { type: 'release'; revision: number; status: Release['status'] }
  | { type: 'rollback'; toRevision: number | undefined; reason: string }
  /** A provisioned backing service's credentials Secret: made now with a generated password, or already there. */
  | { type: 'credentials'; ref: ObjectRef; created: boolean };

export interface DeployResult {
  revision: number;
  applied: number;
  pruned: number;
  plan: Plan;
}

/** Field manager that co-owns spec.replicas handed to an HPA, so Nimbus's later applies leave it alone. */
export const HANDOVER_MANAGER = 'nimbus-replicas-handover';

/** How execution behaves; what it does is in the plan. */
export type ExecuteOptions = Pick<
  DeployOptions,
  'wait' | 'timeoutMs' | 'atomic' | 'dryRun' | 'description' | 'concurrency' | 'leaseSeconds'
>;

/**
 * Deploys a set of objects as one release: validate everything, read the
 * history, plan, then execute the plan. Yields events as they happen; the
 * return value summarises.
 */
export async function* deploy(client: KubeClient, options: DeployOptions): AsyncGenerator<DeployEvent, DeployResult> {
  if (options.validate !== false) await validateBeforeApply(client, options.objects, options.concurrency ?? 24);
  const history = await new ReleaseStore(client, options.namespace, options.app).list();
  const plan = planRelease({
    app: options.app,
    namespace: options.namespace,
    desired: options.objects,
    history,
    force: options.force,
    prune: options.prune,
  });
  return yield* executePlan(client, plan, options);
}

/**
 * Executes a release plan: lock, record the release as pending, apply stage by
 * stage, prune, wait for health (each change yielded as it is seen), record the
 * outcome, and on failure roll back when atomic.
 */
export async function* executePlan(
  client: KubeClient,
  plan: Plan,
  options: ExecuteOptions = {},
): AsyncGenerator<DeployEvent, DeployResult> {
  yield { type: 'plan', plan, revision: plan.revision };
  if (plan.refusal) throw new NimbusError('NIMBUS_PRUNE_REFUSED', plan.refusal);
  if (options.dryRun) return { revision: plan.revision, applied: 0, pruned: 0, plan };
  // The namespace must exist to hold the lock and the release records.
  await client.apply(plan.namespaceObject);
  const lock = await acquireLock(client, plan.namespace, plan.app, { leaseSeconds: options.leaseSeconds });
  yield { type: 'lock', holder: lock.holder };
  try {
    return yield* run(client, plan, options);
  } finally {
    await lock.release();
  }
}

/** Every stage in order: the credentials its objects ask for, then the objects, then the settle wait. Returns how many were applied. */
async function* applyStages(client: KubeClient, plan: Plan, concurrency: number): AsyncGenerator<DeployEvent, number> {
  let applied = 0;
  for (const stage of plan.stages) {
    yield { type: 'stage', name: stage.name, count: stage.objects.length };
    for (const c of await ensureCredentials(client, stage.objects)) yield { type: 'credentials', ...c };
    const events = await applyStage(client, stage.objects, plan.objects, concurrency);
    for (const e of events) yield e;
    applied += events.length;
    if (stage.settle) await settleStage(client, stage);
  }
  return applied;
}

async function* run(client: KubeClient, plan: Plan, options: ExecuteOptions): AsyncGenerator<DeployEvent, DeployResult> {
  const store = new ReleaseStore(client, plan.namespace, plan.app);
  const concurrency = options.concurrency ?? 24;
  const objects = plan.objects;
  const release: Release = {
    app: plan.app,
    namespace: plan.namespace,
    revision: plan.revision,
    status: 'pending',
    createdAt: new Date().toISOString(),
    description: options.description ?? 'deploy',
    objects,
  };
  await store.save(release);
  yield { type: 'release', revision: plan.revision, status: 'pending' };
  let applied = 0;
  let pruned = 0;
  try {
    applied = yield* applyStages(client, plan, concurrency);
    for (const ref of plan.prune) {
      const existed = await client.delete(ref);
      pruned++;
      yield { type: 'pruned', ref, existed };
    }
    if (options.wait !== false) {
      for await (const u of healthUpdates(client, plan.waitFor, { timeoutMs: options.timeoutMs ?? 300_000, diagnose: true }))
        yield { type: 'health', ...u };
    }
    await store.save({ ...release, status: 'deployed' });
    await store.settle(plan.revision);
    yield { type: 'release', revision: plan.revision, status: 'deployed' };
    return { revision: plan.revision, applied, pruned, plan };
  } catch (err) {
    await store.save({ ...release, status: 'failed', description: `${release.description}: ${(err as Error).message}`.slice(0, 500) });
    yield { type: 'release', revision: plan.revision, status: 'failed' };
    if (options.atomic) yield* rollbackAfterFailure(client, plan, store, concurrency, err as Error);
    throw err;
  }
}

/** New CRDs and Namespaces must be served before the objects that use them are applied. */
async function settleStage(client: KubeClient, stage: Stage): Promise<void> {
  client.refreshDiscovery();
  for await (const _ of healthUpdates(client, stage.objects.map(refOf), { timeoutMs: 60_000, intervalMs: 250 })) {
    // Only the end of the wait matters here.
  }
}

async function* rollbackAfterFailure(
  client: KubeClient,
  plan: Plan,
  store: ReleaseStore,
  concurrency: number,
  err: Error,
): AsyncGenerator<DeployEvent> {
  yield { type: 'rollback', toRevision: plan.previous?.revision, reason: err.message };
  const objects = plan.objects;
  if (plan.previous) {
    const previous = plan.previous;
    await applyStage(client, previous.objects, previous.objects, concurrency);
    const keep = new Set(previous.objects.map(objectKey));
    for (const o of objects) if (!keep.has(objectKey(o)) && o.kind !== 'Namespace') await client.delete(refOf(o));
    await store.save({
      app: plan.app,
      namespace: plan.namespace,
      objects: previous.objects,
      revision: plan.revision + 1,
      status: 'deployed',
      createdAt: new Date().toISOString(),
      description: `rollback to ${previous.revision} after failed revision ${plan.revision}`,
    });
    await store.settle(plan.revision + 1);
  } else {
    for (const o of [...objects].reverse()) if (o.kind !== 'Namespace') await client.delete(refOf(o));
  }
}

/** Live resourceVersions of the objects' kinds, one LIST per kind and namespace instead of a GET per object. */
async function liveVersions(client: KubeClient, objects: readonly KubeObject[]): Promise<Map<string, string | undefined>> {
  const groups = new Map<string, Omit<ObjectRef, 'name'>>();
  for (const o of objects) {
    const { name: _, ...group } = refOf(o);
    groups.set(`${o.apiVersion}|${o.kind}|${o.metadata.namespace ?? ''}`, group);
  }
  const versions = new Map<string, string | undefined>();
  await mapConcurrent([...groups.values()], 8, async (g) => {
    try {
      for (const item of await client.list(g))
        versions.set(
          objectKey({ kind: g.kind, metadata: { name: item.metadata.name, namespace: g.namespace } }),
          item.metadata.resourceVersion as string,
        );
    } catch (err) {
      // A kind whose CRD is not installed yet simply has no live objects.
      if (!(err instanceof UnknownKindError)) throw err;
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
