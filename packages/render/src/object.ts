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

export function compareObjects(a: KubeObject, b: KubeObject): number {
  const ka = KIND_RANK.get(a.kind) ?? KIND_ORDER.length;
  const kb = KIND_RANK.get(b.kind) ?? KIND_ORDER.length;
  if (ka !== kb) return ka - kb;
  if (a.kind !== b.kind) return a.kind < b.kind ? -1 : 1;
  const na = `${a.metadata.namespace ?? ''}/${a.metadata.name}`;
  const nb = `${b.metadata.namespace ?? ''}/${b.metadata.name}`;
  return na < nb ? -1 : na > nb ? 1 : 0;
}
