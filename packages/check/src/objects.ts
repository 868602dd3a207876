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

const get = (o: unknown, ...keys: string[]): unknown =>
  keys.reduce<unknown>((cur, k) => (cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[k] : undefined), o);

export const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob', 'Pod']);

/** The pod template of a workload, wherever its kind keeps it. */
export function podTemplateOf(o: KubeObject): PodTemplate | undefined {
  switch (o.kind) {
    case 'Pod':
      return { owner: o, path: 'spec', labels: o.metadata.labels ?? {}, spec: (get(o, 'spec') ?? {}) as PodSpec };
    case 'CronJob':
      return {
        owner: o,
        path: 'spec.jobTemplate.spec.template.spec',
        labels: (get(o, 'spec', 'jobTemplate', 'spec', 'template', 'metadata', 'labels') ?? {}) as Record<string, string>,
        spec: (get(o, 'spec', 'jobTemplate', 'spec', 'template', 'spec') ?? {}) as PodSpec,
      };
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'ReplicaSet':
    case 'Job':
      return {
        owner: o,
        path: 'spec.template.spec',
        labels: (get(o, 'spec', 'template', 'metadata', 'labels') ?? {}) as Record<string, string>,
        spec: (get(o, 'spec', 'template', 'spec') ?? {}) as PodSpec,
      };
    default:
      return undefined;
  }
}

/** Every container of a pod template, with its field path. */
export function containersOf(t: PodTemplate): { container: Container; path: string; init: boolean }[] {
  return [
    ...(t.spec.initContainers ?? []).map((c, i) => ({ container: c, path: `${t.path}.initContainers[${i}]`, init: true })),
    ...(t.spec.containers ?? []).map((c, i) => ({ container: c, path: `${t.path}.containers[${i}]`, init: false })),
  ];
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
