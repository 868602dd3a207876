import type { KubeObject } from '@nimbus/model';

/** Argo CD's health order, best first: a set of objects is as healthy as its worst member. */
export const HEALTH_ORDER = ['Healthy', 'Suspended', 'Progressing', 'Missing', 'Degraded', 'Unknown'] as const;
export type HealthStatus = (typeof HEALTH_ORDER)[number];

export interface Health {
  status: HealthStatus;
  message?: string;
}

type Condition = { type?: string; status?: string; reason?: string; message?: string };
type Obj = KubeObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };

const num = (v: unknown, fallback = 0) => (typeof v === 'number' ? v : fallback);
const conditions = (o: Obj) => (Array.isArray(o.status?.conditions) ? (o.status?.conditions as Condition[]) : []);
const condition = (o: Obj, type: string) => conditions(o).find((c) => c.type === type);

function observed(o: Obj): Health | undefined {
  const generation = num(o.metadata.generation, 0);
  const seen = num(o.status?.observedGeneration, -1);
  return generation > 0 && seen < generation
    ? { status: 'Progressing', message: 'waiting for the controller to observe the new generation' }
    : undefined;
}

function deploymentHealth(o: Obj): Health {
  if (o.spec?.paused === true) return { status: 'Suspended', message: 'rollout is paused' };
  const pending = observed(o);
  if (pending) return pending;
  const progressing = condition(o, 'Progressing');
  if (progressing?.status === 'False' && progressing.reason === 'ProgressDeadlineExceeded') {
    return { status: 'Degraded', message: progressing.message ?? 'rollout exceeded its progress deadline' };
  }
  const want = num(o.spec?.replicas, 1);
  const updated = num(o.status?.updatedReplicas);
  const total = num(o.status?.replicas);
  const available = num(o.status?.availableReplicas);
  if (updated < want) return { status: 'Progressing', message: `${updated} of ${want} replicas updated` };
  if (total > updated) return { status: 'Progressing', message: `${total - updated} old replicas pending termination` };
  if (available < updated) return { status: 'Progressing', message: `${available} of ${updated} updated replicas available` };
  return { status: 'Healthy' };
}

function statefulSetHealth(o: Obj): Health {
  const pending = observed(o);
  if (pending) return pending;
  const want = num(o.spec?.replicas, 1);
  const ready = num(o.status?.readyReplicas);
  const updated = num(o.status?.updatedReplicas);
  if (updated < want) return { status: 'Progressing', message: `${updated} of ${want} replicas updated` };
  if (ready < want) return { status: 'Progressing', message: `${ready} of ${want} replicas ready` };
  return { status: 'Healthy' };
}

function daemonSetHealth(o: Obj): Health {
  const pending = observed(o);
  if (pending) return pending;
  const want = num(o.status?.desiredNumberScheduled);
  const updated = num(o.status?.updatedNumberScheduled);
  const available = num(o.status?.numberAvailable);
  if (updated < want) return { status: 'Progressing', message: `${updated} of ${want} pods updated` };
  if (available < want) return { status: 'Progressing', message: `${available} of ${want} pods available` };
  return { status: 'Healthy' };
}

function jobHealth(o: Obj): Health {
  const failed = conditions(o).find((c) => c.type === 'Failed' && c.status === 'True');
  if (failed) return { status: 'Degraded', message: failed.message ?? failed.reason ?? 'job failed' };
  if (conditions(o).some((c) => c.type === 'Complete' && c.status === 'True')) return { status: 'Healthy' };
  if (o.spec?.suspend === true) return { status: 'Suspended', message: 'job is suspended' };
  return { status: 'Progressing', message: `${num(o.status?.active)} active, ${num(o.status?.succeeded)} succeeded` };
}

function podHealth(o: Obj): Health {
  const phase = o.status?.phase;
  if (phase === 'Succeeded') return { status: 'Healthy' };
  if (phase === 'Failed') return { status: 'Degraded', message: String(o.status?.message ?? o.status?.reason ?? 'pod failed') };
  if (phase === 'Running' && condition(o, 'Ready')?.status === 'True') return { status: 'Healthy' };
  return { status: 'Progressing', message: `pod is ${String(phase ?? 'Pending')}` };
}

function serviceHealth(o: Obj): Health {
  if (o.spec?.type !== 'LoadBalancer') return { status: 'Healthy' };
  const ingress = (o.status?.loadBalancer as { ingress?: unknown[] } | undefined)?.ingress;
  return ingress?.length ? { status: 'Healthy' } : { status: 'Progressing', message: 'waiting for a load balancer address' };
}

function pvcHealth(o: Obj): Health {
  const phase = o.status?.phase;
  if (phase === 'Bound') return { status: 'Healthy' };
  if (phase === 'Lost') return { status: 'Degraded', message: 'volume lost' };
  return { status: 'Progressing', message: `claim is ${String(phase ?? 'Pending')}` };
}

function hpaHealth(o: Obj): Health {
  const able = condition(o, 'AbleToScale');
  if (able?.status === 'False') return { status: 'Degraded', message: able.message ?? 'cannot scale' };
  // Missing metrics (no metrics pipeline yet) must not block a deploy; the HPA keeps min replicas.
  return { status: 'Healthy' };
}

function conditionsHealth(o: Obj): Health {
  const ready = condition(o, 'Ready') ?? condition(o, 'Available') ?? condition(o, 'Established');
  if (!ready) return { status: 'Healthy' };
  if (ready.status === 'True') return { status: 'Healthy' };
  const stalled = condition(o, 'Stalled');
  if (stalled?.status === 'True') return { status: 'Degraded', message: stalled.message ?? 'stalled' };
  return { status: 'Progressing', message: ready.message ?? `${ready.type} is ${ready.status}` };
}

/**
 * The health of one live object, a pure function of its fields (as Argo CD and
 * kstatus compute it). `undefined` means the object does not exist.
 */
export function healthOf(o: KubeObject | undefined): Health {
  if (!o) return { status: 'Missing' };
  const obj = o as Obj;
  if (obj.metadata.deletionTimestamp) return { status: 'Progressing', message: 'being deleted' };
  switch (o.kind) {
    case 'Deployment':
      return deploymentHealth(obj);
    case 'StatefulSet':
      return statefulSetHealth(obj);
    case 'DaemonSet':
      return daemonSetHealth(obj);
    case 'Job':
      return jobHealth(obj);
    case 'CronJob':
      return obj.spec?.suspend === true ? { status: 'Suspended' } : { status: 'Healthy' };
    case 'Pod':
      return podHealth(obj);
    case 'Service':
      return serviceHealth(obj);
    case 'PersistentVolumeClaim':
      return pvcHealth(obj);
    case 'HorizontalPodAutoscaler':
      return hpaHealth(obj);
    case 'Namespace':
      return obj.status?.phase === 'Terminating' ? { status: 'Progressing', message: 'terminating' } : { status: 'Healthy' };
    default:
      return conditionsHealth(obj);
  }
}

/** The worst of several health statuses. */
export function worstHealth(statuses: readonly HealthStatus[]): HealthStatus {
  let worst: HealthStatus = 'Healthy';
  for (const s of statuses) if (HEALTH_ORDER.indexOf(s) > HEALTH_ORDER.indexOf(worst)) worst = s;
  return worst;
}
