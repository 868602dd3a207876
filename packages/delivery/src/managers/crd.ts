import { type KubeClient, waitForHealthy } from '@nimbus/kube';
import { type KubeObject, NimbusError } from '@nimbus/model';

export interface CrdDefinition {
  group: string;
  version: string;
  plural: string;
  singular: string;
  kind: string;
  scope?: 'Namespaced' | 'Cluster';
  /** OpenAPI v3 schema of the object (its `spec` and `status` properties at least). */
  schema: Record<string, unknown>;
  /** Further versions served beside `version` (which is the storage version). */
  extraVersions?: { name: string; schema: Record<string, unknown>; served?: boolean }[];
}

/** A CustomResourceDefinition from a definition. Pure. */
export function crdFromDefinition(d: CrdDefinition): KubeObject {
  const version = (name: string, schema: Record<string, unknown>, storage: boolean, served = true) => ({
    name,
    served,
    storage,
    schema: { openAPIV3Schema: schema },
    subresources: { status: {} },
  });
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${d.plural}.${d.group}` },
    spec: {
      group: d.group,
      scope: d.scope ?? 'Namespaced',
      names: { plural: d.plural, singular: d.singular, kind: d.kind, listKind: `${d.kind}List` },
      versions: [version(d.version, d.schema, true), ...(d.extraVersions ?? []).map((v) => version(v.name, v.schema, false, v.served))],
    },
  };
}

export interface CrdChange {
  created: boolean;
  addedVersions: string[];
  removedVersions: string[];
  storageVersion: { from: string | undefined; to: string | undefined };
  /** Versions still holding objects in etcd that the change would stop serving or remove. */
  stranded: string[];
}

type Versions = { name: string; served?: boolean; storage?: boolean }[];

/** What applying `desired` over `live` changes, and whether it strands stored objects. Pure. */
export function planCrdChange(live: KubeObject | undefined, desired: KubeObject): CrdChange {
  const liveVersions = ((live?.spec as { versions?: Versions } | undefined)?.versions ?? []) as Versions;
  const nextVersions = ((desired.spec as { versions?: Versions }).versions ?? []) as Versions;
  const stored = ((live?.status as { storedVersions?: string[] } | undefined)?.storedVersions ?? []) as string[];
  const served = new Set(nextVersions.filter((v) => v.served !== false).map((v) => v.name));
  return {
    created: !live,
    addedVersions: nextVersions.filter((v) => !liveVersions.some((l) => l.name === v.name)).map((v) => v.name),
    removedVersions: liveVersions.filter((l) => !nextVersions.some((v) => v.name === l.name)).map((l) => l.name),
    storageVersion: { from: liveVersions.find((v) => v.storage)?.name, to: nextVersions.find((v) => v.storage)?.name },
    stranded: stored.filter((v) => !served.has(v)),
  };
}

/**
 * The seed's custom-resource operations, done safely: a CRD is created or
 * upgraded with server-side apply and waited for until Established; an upgrade
 * that would stop serving a version objects are still stored in is refused
 * (Helm never upgrades CRDs at all; this upgrades them when it is safe).
 */
export class CustomResourceManager {
  constructor(private readonly client: KubeClient) {}

  async applyCrd(crd: KubeObject, options: { timeoutMs?: number } = {}): Promise<CrdChange> {
    const live = await this.client.get({ apiVersion: crd.apiVersion, kind: crd.kind, name: crd.metadata.name });
    const change = planCrdChange(live, crd);
    if (change.stranded.length) {
      throw new NimbusError(
        'NIMBUS_CRD_UNSAFE',
        `${crd.metadata.name}: objects are stored as ${change.stranded.join(', ')}, which this change no longer serves`,
      );
    }
    await this.client.apply(crd);
    await waitForHealthy(this.client, [{ apiVersion: crd.apiVersion, kind: crd.kind, name: crd.metadata.name }], {
      timeoutMs: options.timeoutMs ?? 60_000,
      intervalMs: 200,
    });
    this.client.refreshDiscovery();
    return change;
  }

  createCrd(definition: CrdDefinition): Promise<CrdChange> {
    return this.applyCrd(crdFromDefinition(definition));
  }

  /** Creates or updates a custom object (server-side apply; validated by the CRD's schema on the server). */
  applyObject(obj: KubeObject): Promise<KubeObject> {
    return this.client.apply(obj);
  }

  getObject(apiVersion: string, kind: string, namespace: string, name: string): Promise<KubeObject | undefined> {
    return this.client.get({ apiVersion, kind, namespace, name });
  }

  listObjects(apiVersion: string, kind: string, namespace: string, labelSelector?: string): Promise<KubeObject[]> {
    return this.client.list({ apiVersion, kind, namespace }, { labelSelector });
  }

  deleteObject(apiVersion: string, kind: string, namespace: string, name: string): Promise<boolean> {
    return this.client.delete({ apiVersion, kind, namespace, name });
  }
}
