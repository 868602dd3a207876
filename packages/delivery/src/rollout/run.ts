import { KubeApiError, type KubeClient } from '@nimbus/kube';
import { type KubeObject, LABELS, MANAGED_BY, NimbusError } from '@nimbus/model';
import { analysisQueries, type CheckSpec, verdictOf } from './analysis.js';
import {
  type Action,
  type Command,
  type HookName,
  initialState,
  isDone,
  nextDueAt,
  type Observation,
  type RolloutPolicy,
  type RolloutState,
  step,
} from './machine.js';
import { queryPrometheus } from './prometheus.js';
import { canaryReplicas, httpRouteWeights, type RouterSpec, virtualServiceWeights } from './routers.js';

export type RolloutEvent =
  | { type: 'state'; state: RolloutState }
  | { type: 'weight'; weight: number; detail?: string }
  | { type: 'analysis'; verdict: 'pass' | 'fail' | 'inconclusive'; requests: number; checks: RolloutState['lastChecks'] }
  | { type: 'hook'; hook: HookName; ok: boolean; message?: string }
  | { type: 'record'; message: string };

export interface CanaryRun {
  client: KubeClient;
  /** Base URL of the Prometheus that scrapes the service. */
  prometheus: string;
  namespace: string;
  service: string;
  router: RouterSpec;
  policy: RolloutPolicy;
  checks: readonly CheckSpec[];
  /** Fewer requests than this in an interval is inconclusive. */
  minRequests: number;
  hooks?: Partial<Record<HookName, string>>;
  /** The stable version becomes the new one; the canary goes. */
  promote: () => Promise<void>;
  /** The canary goes; the stable version stays. */
  rollback: () => Promise<void>;
  now?: () => number;
  /** How often commands (`nimbus release promote|abort|pause|resume`) are looked for. */
  pollMs?: number;
  signal?: AbortSignal;
}

/** The record of a rollout in the cluster: its state (so an interrupted run resumes) and a command inbox. */
export const rolloutRecordName = (service: string) => `nimbus-rollout.${service}`;

export async function readRollout(
  client: KubeClient,
  namespace: string,
  service: string,
): Promise<{ state?: RolloutState; command?: Command; log: string[] }> {
  try {
    const cm = (await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name: rolloutRecordName(service) })) as
      | { data?: Record<string, string> }
      | undefined;
    const data = cm?.data ?? {};
    return {
      state: data.state ? (JSON.parse(data.state) as RolloutState) : undefined,
      command: (data.command || undefined) as Command | undefined,
      log: data.log ? (JSON.parse(data.log) as string[]) : [],
    };
  } catch (err) {
    if (err instanceof KubeApiError && err.status === 404) return { log: [] };
    throw err;
  }
}

function record(namespace: string, service: string, data: Record<string, string>): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: rolloutRecordName(service),
      namespace,
      labels: { [LABELS.managedBy]: MANAGED_BY, [LABELS.service]: service, 'nimbus.dev/record': 'rollout' },
    },
    data,
  };
}

/** `nimbus release promote|abort|pause|resume`: leaves a command for the running rollout. */
export async function sendRolloutCommand(client: KubeClient, namespace: string, service: string, command: Command): Promise<boolean> {
  const current = await readRollout(client, namespace, service);
  if (!current.state || isDone(current.state)) return false;
  await client.applyAs('nimbus-release-command', record(namespace, service, { command }));
  return true;
}

async function callHook(url: string, payload: unknown): Promise<{ ok: boolean; message?: string }> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload),
      signal: AbortSignal.timeout(10_000),
    });
    return { ok: res.ok, message: res.ok ? undefined : `${res.status} ${(await res.text()).slice(0, 200)}` };
  } catch (err) {
    return { ok: false, message: (err as Error).message };
  }
}

/**
 * Runs a canary to its end: applies the machine's actions (weights through the router, analyses
 * against Prometheus, hooks, promotion, rollback), reads commands left in the record, and keeps the
 * state in the cluster after every step. Yields what happens; returns the final state.
 */
export async function* runCanary(run: CanaryRun): AsyncGenerator<RolloutEvent, RolloutState> {
  const now = run.now ?? Date.now;
  const saved = await readRollout(run.client, run.namespace, run.service);
  const resuming = saved.state !== undefined && !isDone(saved.state);
  let state = resuming ? (saved.state as RolloutState) : initialState(now());
  const log = resuming ? saved.log : [];
  // The command key belongs to the command sender's field manager: saving the state never erases a command.
  const save = () =>
    run.client.apply(record(run.namespace, run.service, { state: JSON.stringify(state), log: JSON.stringify(log.slice(-200)) }));
  const queue: Observation[] = resuming ? [] : [{ type: 'start' }];
  // A resumed run puts the weight back where the record says it was.
  if (resuming) yield* applyWeight(run, state.weight);
  await save();
  while (!isDone(state) && !run.signal?.aborted) {
    const observation = queue.shift() ?? (await nextObservation(run, state, now));
    const result = step(state, observation, now(), run.policy);
    const changed = result.state !== state;
    state = result.state;
    yield* performAll(run, result.actions, state, queue, (message) => log.push(`${new Date(now()).toISOString()} ${message}`));
    // A tick that changed nothing is not worth a write.
    if (!changed && result.actions.length === 0) continue;
    yield { type: 'state', state };
    await save();
  }
  return state;
}

async function* performAll(
  run: CanaryRun,
  actions: Action[],
  state: RolloutState,
  queue: Observation[],
  note: (m: string) => void,
): AsyncGenerator<RolloutEvent> {
  for (const action of actions)
    for await (const e of perform(run, action, state, queue)) {
      if (e.type === 'record') note(e.message);
      yield e;
    }
}

/** Waits for the next thing to observe: a command, or the end of the current interval. */
async function nextObservation(run: CanaryRun, state: RolloutState, now: () => number): Promise<Observation> {
  const { command } = await readRollout(run.client, run.namespace, run.service);
  if (command) {
    await run.client.applyAs('nimbus-release-command', record(run.namespace, run.service, { command: '' }));
    return { type: 'command', command };
  }
  const due = nextDueAt(state, run.policy);
  const wait = Math.max(0, Math.min(run.pollMs ?? 1000, due === undefined ? Number.POSITIVE_INFINITY : due - now()));
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  return { type: 'tick' };
}

async function* perform(run: CanaryRun, action: Action, state: RolloutState, queue: Observation[]): AsyncGenerator<RolloutEvent> {
  switch (action.type) {
    case 'set-weight':
      yield* applyWeight(run, action.weight);
      queue.push({ type: 'weight-applied' });
      return;
    case 'analyze': {
      const queries = analysisQueries(run.service, run.checks, action.windowMs);
      const [requests, ...checks] = await Promise.all(
        [queries.requests, ...queries.checks.map((c) => c.query)].map((q) => queryPrometheus(run.prometheus, q)),
      );
      const result = verdictOf(queries, { requests, checks }, run.minRequests);
      yield { type: 'analysis', ...result };
      queue.push({ type: 'analysis', ...result });
      return;
    }
    case 'call-hook': {
      const url = run.hooks?.[action.hook];
      const outcome = url
        ? await callHook(url, {
            hook: action.hook,
            service: run.service,
            namespace: run.namespace,
            weight: state.weight,
            phase: state.phase,
          })
        : { ok: true };
      yield { type: 'hook', hook: action.hook, ...outcome };
      queue.push({ type: 'hook', hook: action.hook, ...outcome });
      return;
    }
    case 'promote':
      await run.promote();
      queue.push({ type: 'promoted' });
      return;
    case 'rollback':
      await run.rollback();
      queue.push({ type: 'rolled-back' });
      return;
    case 'record':
      yield { type: 'record', message: action.message };
  }
}

/** Waits (up to two minutes) until `replicas` pods of the canary are ready. */
async function canaryReady(run: CanaryRun, namespace: string, name: string, replicas: number): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline && !run.signal?.aborted) {
    const d = await run.client.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace, name });
    if (((d?.status as { readyReplicas?: number } | undefined)?.readyReplicas ?? 0) >= replicas) return;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Puts a weight on the traffic through the configured router. */
async function* applyWeight(run: CanaryRun, weight: number): AsyncGenerator<RolloutEvent> {
  const r = run.router;
  if (r.kind === 'replicas') {
    const canary = canaryReplicas(r.stableReplicas, weight);
    await run.client.scale({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: r.namespace, name: r.canary }, canary);
    // The weight is on the traffic only once the canary's pods serve: judging before would judge nothing.
    await canaryReady(run, r.namespace, r.canary, canary);
    yield { type: 'weight', weight, detail: `${canary} canary pods beside ${r.stableReplicas} stable` };
    return;
  }
  const ref =
    r.kind === 'http-route'
      ? { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', namespace: r.namespace, name: r.name }
      : { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', namespace: r.namespace, name: r.name };
  const live = await run.client.get(ref);
  if (!live)
    throw new NimbusError('NIMBUS_KUBE_NOT_FOUND', `${ref.kind} ${r.namespace}/${r.name} does not exist`, {
      hint: 'the canary router is rendered with the service',
    });
  const weighted =
    r.kind === 'http-route' ? httpRouteWeights(live, r.stableService, r.canaryService, weight) : virtualServiceWeights(live, weight);
  await run.client.replace(weighted);
  yield { type: 'weight', weight };
}
