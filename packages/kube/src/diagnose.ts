import type { KubeObject } from '@nimbus/model';

/**
 * Why a workload's pods are not progressing, read from what the cluster
 * reports: pod conditions, container states and events. Pure: the caller
 * lists the pods and events.
 */
export interface PodProblem {
  pod: string;
  container?: string;
  /** A short, stable word: Unschedulable, ImagePull, CrashLoop, OOMKilled, ProbeFailed, Evicted, CreateFailed. */
  reason: string;
  message: string;
  /** Waiting will not heal it: the deploy fails now instead of waiting out its timeout. */
  fatal: boolean;
  /** Set for crash loops: the caller fetches the previous container's last log lines. */
  wantsPreviousLog?: boolean;
  /** When the problem began (ms since epoch), when known. */
  since?: number;
}

export interface DiagnoseOptions {
  now: number;
  /** Restarts after which a crashing container is a failure (default 2; Kubernetes backs off 10 s, 20 s, 40 s… between them). */
  crashLoopRestarts?: number;
  /** How long a pod may stay unschedulable before that is a failure (default 15 s). */
  unschedulableGraceMs?: number;
}

type ContainerStatus = {
  name: string;
  restartCount?: number;
  state?: { waiting?: { reason?: string; message?: string }; terminated?: { reason?: string; exitCode?: number; finishedAt?: string } };
  lastState?: { terminated?: { reason?: string; exitCode?: number; message?: string; finishedAt?: string } };
};
type Condition = { type?: string; status?: string; reason?: string; message?: string; lastTransitionTime?: string };
type Pod = KubeObject & {
  status?: {
    phase?: string;
    reason?: string;
    message?: string;
    conditions?: Condition[];
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
  };
};
type Event = KubeObject & {
  involvedObject?: { kind?: string; name?: string };
  reason?: string;
  message?: string;
  type?: string;
  count?: number;
};

/** Pull failures that name an image that does not exist or cannot be used as written. */
const IMAGE_GONE =
  /not found|manifest unknown|name unknown|repository does not exist|invalid reference format|pull access denied|ErrImageNeverPull/i;
const PULL_REASONS = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull']);
const CONFIG_REASONS = new Set(['CreateContainerConfigError', 'CreateContainerError', 'RunContainerError']);

const time = (iso: string | undefined) => (iso ? Date.parse(iso) : undefined);

function unschedulable(pod: Pod, o: Required<DiagnoseOptions>): PodProblem | undefined {
  const c = pod.status?.conditions?.find((x) => x.type === 'PodScheduled' && x.status === 'False');
  if (c?.reason !== 'Unschedulable') return undefined;
  const since = time(c.lastTransitionTime) ?? time(pod.metadata.creationTimestamp as string | undefined);
  return {
    pod: pod.metadata.name,
    reason: 'Unschedulable',
    message: c.message ?? 'no node fits the pod',
    fatal: since !== undefined && o.now - since >= o.unschedulableGraceMs,
    ...(since !== undefined ? { since } : {}),
  };
}

function containerProblem(pod: Pod, cs: ContainerStatus, o: Required<DiagnoseOptions>): PodProblem | undefined {
  const base = { pod: pod.metadata.name, container: cs.name };
  const waiting = cs.state?.waiting;
  if (waiting?.reason && PULL_REASONS.has(waiting.reason)) {
    const message = waiting.message ?? waiting.reason;
    return { ...base, reason: 'ImagePull', message, fatal: waiting.reason !== 'ErrImagePull' || IMAGE_GONE.test(message) };
  }
  if (waiting?.reason && CONFIG_REASONS.has(waiting.reason)) {
    return { ...base, reason: 'CreateFailed', message: waiting.message ?? waiting.reason, fatal: true };
  }
  return crashProblem(base, cs, o);
}

function exitDescription(t: { reason?: string; exitCode?: number }): string {
  if (t.reason === 'OOMKilled') return 'OOMKilled (out of memory: raise its memory limit)';
  return `exited with code ${t.exitCode ?? '?'}${t.reason ? ` (${t.reason})` : ''}`;
}

/**
 * A container that keeps exiting. Its failures are the restarts so far plus
 * the current run when that has ended too (the kubelet shows a second crash as
 * a terminated state seconds before it reports CrashLoopBackOff).
 */
function crashProblem(base: { pod: string; container: string }, cs: ContainerStatus, o: Required<DiagnoseOptions>): PodProblem | undefined {
  const waiting = cs.state?.waiting;
  const current = cs.state?.terminated;
  const failedNow = (current !== undefined && current.exitCode !== 0) || waiting?.reason === 'CrashLoopBackOff';
  const last = current && current.exitCode !== 0 ? current : cs.lastState?.terminated;
  const restarts = cs.restartCount ?? 0;
  if (last && (restarts > 0 || failedNow)) {
    const failures = restarts + (failedNow ? 1 : 0);
    const oom = last.reason === 'OOMKilled';
    const message = `${exitDescription(last)}, restarted ${restarts} times`;
    const fatal = failures >= o.crashLoopRestarts;
    const since = time(last.finishedAt);
    return {
      ...base,
      reason: oom ? 'OOMKilled' : 'CrashLoop',
      message,
      fatal,
      wantsPreviousLog: true,
      ...(since !== undefined ? { since } : {}),
    };
  }
  return undefined;
}

/** The latest probe failure or eviction the events report for a pod. */
function eventProblem(pod: Pod, events: readonly Event[]): PodProblem | undefined {
  const mine = events.filter((e) => e.involvedObject?.kind === 'Pod' && e.involvedObject.name === pod.metadata.name);
  const probe = mine.filter((e) => e.reason === 'Unhealthy').pop();
  if (probe) return { pod: pod.metadata.name, reason: 'ProbeFailed', message: probe.message ?? 'a probe failed', fatal: false };
  return undefined;
}

/**
 * The problems of a workload's pods, most telling first (fatal ones, then by
 * pod name). A pod that is merely starting has no problem.
 */
export function diagnosePods(pods: readonly KubeObject[], events: readonly KubeObject[], options: DiagnoseOptions): PodProblem[] {
  const o: Required<DiagnoseOptions> = {
    now: options.now,
    crashLoopRestarts: options.crashLoopRestarts ?? 2,
    unschedulableGraceMs: options.unschedulableGraceMs ?? 15_000,
  };
  const out: PodProblem[] = [];
  for (const p of pods as Pod[]) {
    if (p.metadata.deletionTimestamp) continue;
    if (p.status?.reason === 'Evicted') {
      out.push({ pod: p.metadata.name, reason: 'Evicted', message: p.status.message ?? 'evicted', fatal: false });
      continue;
    }
    const found =
      unschedulable(p, o) ??
      [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])]
        .map((cs) => containerProblem(p, cs, o))
        .find((x) => x !== undefined) ??
      eventProblem(p, events as Event[]);
    if (found) out.push(found);
  }
  return out.sort((a, b) => Number(b.fatal) - Number(a.fatal) || (a.pod < b.pod ? -1 : a.pod > b.pod ? 1 : 0));
}

/** Replica counts of a workload as `kubectl rollout status` reads them. */
export interface WorkloadCounts {
  desired: number;
  updated: number;
  ready: number;
  available: number;
}

export function workloadCounts(o: KubeObject): WorkloadCounts | undefined {
  const spec = (o as { spec?: { replicas?: number } }).spec;
  const s = (o as { status?: Record<string, number | undefined> }).status ?? {};
  switch (o.kind) {
    case 'Deployment':
    case 'StatefulSet':
      return {
        desired: spec?.replicas ?? 1,
        updated: s.updatedReplicas ?? 0,
        ready: s.readyReplicas ?? 0,
        available: s.availableReplicas ?? s.readyReplicas ?? 0,
      };
    case 'DaemonSet':
      return {
        desired: s.desiredNumberScheduled ?? 0,
        updated: s.updatedNumberScheduled ?? 0,
        ready: s.numberReady ?? 0,
        available: s.numberAvailable ?? 0,
      };
    default:
      return undefined;
  }
}

/** The label selector (matchLabels only) of a workload's pods, as a query string; undefined for kinds without pods. */
export function podSelectorOf(o: KubeObject): string | undefined {
  if (!['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'ReplicaSet'].includes(o.kind)) return undefined;
  const labels = (o as { spec?: { selector?: { matchLabels?: Record<string, string> } } }).spec?.selector?.matchLabels;
  if (!labels || Object.keys(labels).length === 0) return undefined;
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}
