import { type Health, healthOf, type KubeClient, worstHealth } from '@nimbus/kube';
import { type KubeObject, LABELS, mapConcurrent, refOf } from '@nimbus/model';
import { ReleaseStore } from './releases.js';

export interface ObjectStatus {
  kind: string;
  name: string;
  health: Health;
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
  const groups = new Map<string, ObjectStatus[]>();
  for (const { o, health } of live)
    groups.set(serviceOf(o), [...(groups.get(serviceOf(o)) ?? []), { kind: o.kind, name: o.metadata.name, health }]);
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
