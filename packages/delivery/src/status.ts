import { diagnosePods, type Health, healthOf, type KubeClient, type PodProblem, podSelectorOf, worstHealth } from '@nimbus/kube';
import { type KubeObject, LABELS, mapConcurrent, refOf } from '@nimbus/model';
import { ReleaseStore } from './releases.js';

export interface ObjectStatus {
  kind: string;
  name: string;
  health: Health;
  /** Why its pods are not progressing, for a workload that is not healthy. */
  problem?: PodProblem;
}

export interface ServiceStatus {
  service: string;
  health: Health['status'];
  objects: ObjectStatus[];
}

export interface AppStatus {
  app: string;
  revision: number | undefined;
  health: Health['status'];
  services: ServiceStatus[];
}

const serviceOf = (o: KubeObject) => o.metadata.labels?.[LABELS.service] ?? '(app)';

/** Health of every object of the app's current release, grouped by service. */
export async function appStatus(client: KubeClient, app: string, namespace: string): Promise<AppStatus> {
  const release = await new ReleaseStore(client, namespace, app).lastDeployed();
  const objects = release?.objects ?? [];
  const live = await mapConcurrent(objects, 16, async (o) => ({ o, health: healthOf(await client.get(refOf(o))) }));
  const problems = await workloadProblems(client, namespace, live);
  const groups = new Map<string, ObjectStatus[]>();
  for (const { o, health } of live) {
    const problem = problems.get(o);
    const entry = { kind: o.kind, name: o.metadata.name, health, ...(problem ? { problem } : {}) };
    groups.set(serviceOf(o), [...(groups.get(serviceOf(o)) ?? []), entry]);
  }
  const services = [...groups].map(([service, list]) => ({
    service,
    health: worstHealth(list.map((x) => x.health.status)),
    objects: list,
  }));
  return {
    app,
    revision: release?.revision,
    health: release ? worstHealth(services.map((s) => s.health)) : 'Missing',
    services: services.sort((a, b) => (a.service < b.service ? -1 : 1)),
  };
}

/** The same pod diagnosis a deploy's wait gives, for the workloads that are not healthy now. */
async function workloadProblems(
  client: KubeClient,
  namespace: string,
  live: readonly { o: KubeObject; health: Health }[],
): Promise<Map<KubeObject, PodProblem>> {
  const out = new Map<KubeObject, PodProblem>();
  const unhealthy = live.filter((x) => x.health.status !== 'Healthy' && x.health.status !== 'Suspended' && podSelectorOf(x.o));
  if (unhealthy.length === 0) return out;
  const events = await client.list({ apiVersion: 'v1', kind: 'Event', namespace }, { fieldSelector: 'involvedObject.kind=Pod' });
  await mapConcurrent(unhealthy, 8, async ({ o }) => {
    const pods = await client.list(
      { apiVersion: 'v1', kind: 'Pod', namespace: o.metadata.namespace ?? namespace },
      { labelSelector: podSelectorOf(o) },
    );
    const [first] = diagnosePods(pods, events, { now: Date.now() });
    if (first) out.set(o, first);
  });
  return out;
}
