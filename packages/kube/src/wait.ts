import { describeRef, type KubeObject, NimbusError, type ObjectRef, refKey } from '@nimbus/model';
import type { KubeClient } from './client.js';
import { diagnosePods, type PodProblem, podSelectorOf, type WorkloadCounts, workloadCounts } from './diagnose.js';
import { type Health, healthOf } from './health.js';

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** Called with each object's health whenever it changes. */
  onChange?: (ref: ObjectRef, health: Health) => void;
  /** Clock, injectable for tests. */
  now?: () => number;
  /** Stops waiting early (the generator returns, nothing is thrown). */
  signal?: AbortSignal;
  /** Look at the pods of workloads still progressing and explain them; fail at once on what will not heal. */
  diagnose?: boolean;
  /** Restarts after which a crash loop fails the wait (default 2). */
  crashLoopRestarts?: number;
  /** How long pods may stay unschedulable before that fails the wait (default 15 s). */
  unschedulableGraceMs?: number;
}

export interface HealthUpdate {
  ref: ObjectRef;
  health: Health;
  /** Replica counts of a workload, when it has them. */
  counts?: WorkloadCounts;
  /** Why its pods are not progressing, when the wait diagnoses. */
  problem?: PodProblem;
}

const settled = (h: Health) => h.status === 'Healthy' || h.status === 'Suspended';

interface Observed {
  ref: ObjectRef;
  object: KubeObject | undefined;
  health: Health;
}

/** Why each still-progressing workload's pods are stuck: one pod list per workload, one event list per namespace. */
async function diagnoseAll(
  client: KubeClient,
  observed: readonly Observed[],
  options: WaitOptions,
  now: number,
): Promise<Map<string, PodProblem>> {
  const out = new Map<string, PodProblem>();
  const stuck = observed.filter((o) => o.object && !settled(o.health) && podSelectorOf(o.object));
  if (stuck.length === 0) return out;
  const namespaces = [...new Set(stuck.map((o) => o.object?.metadata.namespace ?? client.defaultNamespace))];
  const events = new Map<string, KubeObject[]>();
  await Promise.all(
    namespaces.map(async (ns) =>
      events.set(ns, await client.list({ apiVersion: 'v1', kind: 'Event', namespace: ns }, { fieldSelector: 'involvedObject.kind=Pod' })),
    ),
  );
  await Promise.all(
    stuck.map(async (o) => {
      const object = o.object as KubeObject;
      const ns = object.metadata.namespace ?? client.defaultNamespace;
      const pods = await client.list({ apiVersion: 'v1', kind: 'Pod', namespace: ns }, { labelSelector: podSelectorOf(object) });
      const [first] = diagnosePods(pods, events.get(ns) ?? [], {
        now,
        crashLoopRestarts: options.crashLoopRestarts,
        unschedulableGraceMs: options.unschedulableGraceMs,
      });
      if (first) out.set(refKey(o.ref), first);
    }),
  );
  return out;
}

/** The failure of a problem that will not heal, with the crashed container's last lines when it has them. */
async function failure(client: KubeClient, ref: ObjectRef, problem: PodProblem, startedAt: number, now: number): Promise<NimbusError> {
  let tail = '';
  if (problem.wantsPreviousLog && problem.container) {
    const ns = ref.namespace ?? client.defaultNamespace;
    const read = (previous: boolean) =>
      client
        .podLogs(ns, problem.pod, { container: problem.container, tailLines: 10, previous })
        // The kubelet answers with this line when the instance's log is already gone.
        .then((t) => (t.startsWith('unable to retrieve container logs') ? '' : t))
        .catch(() => '');
    // The instance that crashed last: the current one when it has ended, else the previous (the current is waiting).
    const text = (await read(false)) || (await read(true));
    const lines = text.split('\n').filter(Boolean).slice(-10);
    if (lines.length) tail = `\nlast lines of ${problem.pod}/${problem.container} before it exited:\n  ${lines.join('\n  ')}`;
  }
  const seconds = ((now - startedAt) / 1000).toFixed(1);
  return new NimbusError(
    'NIMBUS_KUBE_DEGRADED',
    `${describeRef(ref)} will not become ready: ${problem.reason}: ${problem.message} (pod ${problem.pod}${problem.container ? `, container ${problem.container}` : ''}; failed after ${seconds}s of waiting)${tail}`,
  );
}

/** Remembers what was last said about each object, so only changes are yielded. */
class ChangeLog {
  private readonly last = new Map<string, string>();
  private readonly shown = new Map<string, string>();

  /** The update to yield for an object, or undefined when nothing changed. */
  changed(o: Observed, problem: PodProblem | undefined): HealthUpdate | undefined {
    const { ref, object, health } = o;
    const counts = object && !settled(health) ? workloadCounts(object) : undefined;
    const text = `${health.status}:${health.message ?? ''}:${JSON.stringify(counts)}:${problem?.reason}:${problem?.message}`;
    if (this.last.get(refKey(ref)) === text) return undefined;
    this.last.set(refKey(ref), text);
    this.shown.set(refKey(ref), `${health.status}${health.message ? `: ${health.message}` : ''}`);
    return { ref, health, ...(counts ? { counts } : {}), ...(problem ? { problem } : {}) };
  }

  describe(ref: ObjectRef): string {
    return `${ref.kind}/${ref.name} (${this.shown.get(refKey(ref))})`;
  }
}

async function observe(client: KubeClient, refs: readonly ObjectRef[]): Promise<Observed[]> {
  return Promise.all(
    refs.map(async (ref) => {
      const object = await client.get(ref);
      return { ref, object, health: healthOf(object) };
    }),
  );
}

/** The error that ends the wait now, if any: a Degraded object, or a pod problem waiting will not heal. */
async function endingError(
  client: KubeClient,
  observed: readonly Observed[],
  problems: ReadonlyMap<string, PodProblem>,
  startedAt: number,
  now: number,
): Promise<NimbusError | undefined> {
  const degraded = observed.find((r) => r.health.status === 'Degraded');
  if (degraded)
    return new NimbusError('NIMBUS_KUBE_DEGRADED', `${describeRef(degraded.ref)} is degraded: ${degraded.health.message ?? ''}`);
  const fatal = observed.find((o) => problems.get(refKey(o.ref))?.fatal);
  return fatal ? failure(client, fatal.ref, problems.get(refKey(fatal.ref)) as PodProblem, startedAt, now) : undefined;
}

function timedOut(pending: readonly ObjectRef[], changes: ChangeLog): NimbusError {
  const list = pending.map((r) => changes.describe(r));
  return new NimbusError('NIMBUS_KUBE_TIMEOUT', `timed out waiting for ${pending.length} objects: ${list.join(', ')}`);
}

/**
 * Polls the objects and yields each one's health as soon as it changes, until
 * every object is Healthy (or Suspended). With `diagnose`, workloads still
 * progressing also report their replica counts and why their pods are stuck.
 * A Degraded object, or a pod problem that waiting will not heal, ends the
 * wait with NIMBUS_KUBE_DEGRADED; running out of time with NIMBUS_KUBE_TIMEOUT
 * naming the objects still pending.
 */
export async function* healthUpdates(
  client: KubeClient,
  refs: readonly ObjectRef[],
  options: Omit<WaitOptions, 'onChange'>,
): AsyncGenerator<HealthUpdate, void> {
  const now = options.now ?? Date.now;
  const startedAt = now();
  const changes = new ChangeLog();
  let pending = [...refs];
  while (pending.length > 0 && !options.signal?.aborted) {
    const observed = await observe(client, pending);
    const problems = options.diagnose ? await diagnoseAll(client, observed, options, now()) : new Map<string, PodProblem>();
    yield* observed.map((o) => changes.changed(o, problems.get(refKey(o.ref)))).filter((u): u is HealthUpdate => u !== undefined);
    const error = await endingError(client, observed, problems, startedAt, now());
    if (error) throw error;
    pending = observed.filter((r) => !settled(r.health)).map((r) => r.ref);
    if (pending.length > 0 && now() >= startedAt + options.timeoutMs) throw timedOut(pending, changes);
    if (pending.length > 0) await new Promise((r) => setTimeout(r, options.intervalMs ?? 500));
  }
}

/** Waits until every object is healthy; `onChange` hears each change as it happens. */
export async function waitForHealthy(client: KubeClient, refs: readonly ObjectRef[], options: WaitOptions): Promise<void> {
  for await (const u of healthUpdates(client, refs, options)) options.onChange?.(u.ref, u.health);
}
