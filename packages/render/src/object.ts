import type { KubeObject } from '@nimbus/model';

export { type KubeObject, type ObjectMeta, objectKey } from '@nimbus/model';

/** Apply order: what others depend on first, as Helm and Flux order kinds. */
export const KIND_ORDER = [
  'CustomResourceDefinition',
  'Namespace',
  'NetworkPolicy',
  'ResourceQuota',
  'LimitRange',
  'ServiceAccount',
  'Secret',
  'ConfigMap',
  'PersistentVolumeClaim',
  'Role',
  'RoleBinding',
  'Service',
  'PeerAuthentication',
  'DestinationRule',
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'HorizontalPodAutoscaler',
  'PodDisruptionBudget',
  'Ingress',
  'Gateway',
  'VirtualService',
  'HTTPRoute',
  'AuthorizationPolicy',
  'ServiceMonitor',
  'PrometheusRule',
  'Job',
  'CronJob',
];

const KIND_RANK = new Map(KIND_ORDER.map((k, i) => [k, i]));

/**
 * The objects in compareObjects' order, each object's keys made once instead of at every
 * comparison (a render sorts thousands). A new array; ties keep their order, as sort does.
 */
export function sortObjects(objects: readonly KubeObject[]): KubeObject[] {
  const keyed = objects.map((o) => ({
    o,
    rank: KIND_RANK.get(o.kind) ?? KIND_ORDER.length,
    name: `${o.metadata.namespace ?? ''}/${o.metadata.name}`,
  }));
  keyed.sort((a, b) => {
    if (a.rank !== b.rank) return a.rank - b.rank;
    if (a.o.kind !== b.o.kind) return a.o.kind < b.o.kind ? -1 : 1;
    return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  });
  return keyed.map((k) => k.o);
}

export function compareObjects(a: KubeObject, b: KubeObject): number {
  const ka = KIND_RANK.get(a.kind) ?? KIND_ORDER.length;
  const kb = KIND_RANK.get(b.kind) ?? KIND_ORDER.length;
  if (ka !== kb) return ka - kb;
  if (a.kind !== b.kind) return a.kind < b.kind ? -1 : 1;
  const na = `${a.metadata.namespace ?? ''}/${a.metadata.name}`;
  const nb = `${b.metadata.namespace ?? ''}/${b.metadata.name}`;
  return na < nb ? -1 : na > nb ? 1 : 0;
}
