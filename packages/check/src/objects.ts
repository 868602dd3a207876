import type { KubeObject } from '@nimbus/model';

export interface Container {
  name?: string;
  image?: string;
  imagePullPolicy?: string;
  command?: string[];
  ports?: { name?: string; containerPort?: number; hostPort?: number; protocol?: string }[];
  env?: { name: string; value?: string; valueFrom?: unknown }[];
  resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
  livenessProbe?: Record<string, unknown>;
  readinessProbe?: Record<string, unknown>;
  startupProbe?: Record<string, unknown>;
  securityContext?: {
    runAsNonRoot?: boolean;
    runAsUser?: number;
    privileged?: boolean;
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    capabilities?: { add?: string[]; drop?: string[] };
    seccompProfile?: { type?: string };
  };
}

export interface PodSpec {
  containers?: Container[];
  initContainers?: Container[];
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  volumes?: { name: string; hostPath?: unknown }[];
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; seccompProfile?: { type?: string } };
  automountServiceAccountToken?: boolean;
  affinity?: { podAntiAffinity?: unknown };
  topologySpreadConstraints?: unknown[];
}

/** A pod template found in a workload, with where it sits. */
export interface PodTemplate {
  owner: KubeObject;
  /** Field path of the pod spec inside the owner. */
  path: string;
  labels: Record<string, string>;
  spec: PodSpec;
}

/** The value at a field path, or undefined where the path leaves the objects. */
function getPath(o: unknown, path: readonly string[]): unknown {
  let cur = o;
  for (const k of path) {
    if (!cur || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

const get = (o: unknown, ...keys: string[]): unknown => getPath(o, keys);
const CONTAINERS_OF_TEMPLATE = ['spec', 'template', 'spec', 'containers'];
const LABELS_OF_TEMPLATE = ['metadata', 'labels'];

export const WORKLOAD_KINDS = new Set([
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'ReplicaSet',
  'ReplicationController',
  'Job',
  'CronJob',
  'Pod',
]);

/** Where each workload kind keeps its pod template. */
const TEMPLATE_AT: Readonly<Record<string, readonly string[]>> = {
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
  Deployment: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  ReplicationController: ['spec', 'template'],
  Job: ['spec', 'template'],
};

const asLabels = (v: unknown): Record<string, string> =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, string>) : {};

/** A pod spec as rules may read it: list fields that are not lists are left out (schema validation reports them). */
function podSpecOf(v: unknown): PodSpec {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return {};
  const out: Record<string, unknown> = { ...(v as Record<string, unknown>) };
  for (const f of ['containers', 'initContainers', 'volumes', 'topologySpreadConstraints', 'tolerations'])
    if (out[f] !== undefined) out[f] = Array.isArray(out[f]) ? (out[f] as unknown[]).filter(isRecord) : undefined;
  for (const f of ['securityContext', 'affinity', 'nodeSelector'])
    if (out[f] !== undefined && (typeof out[f] !== 'object' || out[f] === null || Array.isArray(out[f]))) delete out[f];
  return out as PodSpec;
}

/**
 * The pod template of a workload, wherever its kind keeps it; a custom
 * resource that carries one at spec.template (Argo Rollouts, Knative, ...)
 * counts too.
 */
export function podTemplateOf(o: KubeObject): PodTemplate | undefined {
  if (o.kind === 'Pod') return { owner: o, path: 'spec', labels: asLabels(o.metadata.labels), spec: podSpecOf(get(o, 'spec')) };
  const at = TEMPLATE_AT[o.kind] ?? (Array.isArray(getPath(o, CONTAINERS_OF_TEMPLATE)) ? ['spec', 'template'] : undefined);
  if (!at) return undefined;
  const template = getPath(o, at);
  return {
    owner: o,
    path: `${at.join('.')}.spec`,
    labels: asLabels(getPath(template, LABELS_OF_TEMPLATE)),
    spec: podSpecOf(get(template, 'spec')),
  };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const LIST_FIELDS = ['ports', 'env', 'command', 'args', 'volumeMounts', 'envFrom'] as const;
const MAP_FIELDS = ['resources', 'securityContext', 'livenessProbe', 'readinessProbe', 'startupProbe'] as const;

/**
 * A container as rules may read it: list fields that are not lists and map
 * fields that are not maps are left out (schema validation reports the shape),
 * so a malformed manifest gets findings, never a crash.
 */
function wellShaped(c: unknown): Container | undefined {
  if (!isRecord(c)) return undefined;
  const out: Record<string, unknown> = { ...c };
  for (const f of LIST_FIELDS) {
    if (out[f] === undefined) continue;
    const keep = f === 'command' || f === 'args' ? (x: unknown) => typeof x === 'string' : isRecord;
    out[f] = Array.isArray(out[f]) ? (out[f] as unknown[]).filter(keep) : undefined;
  }
  for (const f of MAP_FIELDS) if (out[f] !== undefined && !isRecord(out[f])) delete out[f];
  const res = out.resources as Record<string, unknown> | undefined;
  if (res) out.resources = Object.fromEntries(Object.entries(res).filter(([, v]) => isRecord(v)));
  return out as Container;
}

const containerList = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

type ContainerEntries = { container: Container; path: string; init: boolean }[];
const containerCache = new WeakMap<PodTemplate, ContainerEntries>();

/** Every container of a pod template, with its field path (shaped once per template, whichever rule asks). */
export function containersOf(t: PodTemplate): ContainerEntries {
  const cached = containerCache.get(t);
  if (cached) return cached;
  const entries = (list: unknown, field: string, init: boolean) =>
    containerList(list).flatMap((c, i) => {
      const container = wellShaped(c);
      return container ? [{ container, path: `${t.path}.${field}[${i}]`, init }] : [];
    });
  const all = [...entries(t.spec.initContainers, 'initContainers', true), ...entries(t.spec.containers, 'containers', false)];
  containerCache.set(t, all);
  return all;
}

type Requirement = { key: string; operator: string; values?: string[] };

/** One matchExpressions requirement against a pod's labels. */
function requirementHolds(e: Requirement, labels: Record<string, string>): boolean {
  const has = e.key in labels;
  const listed = has && (e.values?.includes(labels[e.key] as string) ?? false);
  switch (e.operator) {
    case 'In':
      return listed;
    case 'NotIn':
      return !listed;
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    default:
      return true;
  }
}

/** Whether a label selector (matchLabels/matchExpressions) selects these labels. */
export function selectorMatches(selector: unknown, labels: Record<string, string>): boolean {
  if (!selector || typeof selector !== 'object') return false;
  const s = selector as { matchLabels?: Record<string, string>; matchExpressions?: Requirement[] };
  return (
    Object.entries(s.matchLabels ?? {}).every(([k, v]) => labels[k] === v) &&
    (s.matchExpressions ?? []).every((e) => requirementHolds(e, labels))
  );
}

/** Plain map selectors (Service.spec.selector) match when every pair matches; an empty one matches nothing. */
export function mapSelectorMatches(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

export { get as field };
