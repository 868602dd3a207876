import { NimbusError } from '@nimbus/model';
import type { KubeHttp } from './http.js';

/** The server does not serve a kind (e.g. its CRD is not installed): known before any request for the object is sent. */
export class UnknownKindError extends NimbusError {
  constructor(
    readonly apiVersion: string,
    readonly kind: string,
  ) {
    super('NIMBUS_KUBE_NOT_FOUND', `the server does not serve ${kind} in ${apiVersion}`);
  }
}

export interface ResourceInfo {
  group: string;
  version: string;
  kind: string;
  /** Plural resource name used in URLs. */
  resource: string;
  namespaced: boolean;
  verbs: string[];
}

interface AggregatedList {
  items?: {
    metadata?: { name?: string };
    versions?: {
      version: string;
      resources?: { resource: string; responseKind?: { kind?: string }; scope?: string; verbs?: string[] }[];
    }[];
  }[];
}

const AGGREGATED = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json';

export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.indexOf('/');
  return i < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

/**
 * Maps apiVersion + kind to a REST resource, for any kind the server serves,
 * custom resources included. Two requests (aggregated discovery) load it all;
 * an unknown kind triggers one refresh, since a CRD may have just been added.
 */
export class RestMapper {
  private readonly http: KubeHttp;
  private byGvk = new Map<string, ResourceInfo>();
  private loaded: Promise<void> | undefined;

  constructor(http: KubeHttp) {
    this.http = http;
  }

  async resolve(apiVersion: string, kind: string): Promise<ResourceInfo> {
    if (!this.loaded) this.loaded = this.load();
    await this.loaded;
    let info = this.byGvk.get(`${apiVersion}|${kind}`);
    // A CRD that just became Established reaches discovery a moment later: look again for a few seconds.
    for (let attempt = 0; !info && attempt < 12; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, 250 * Math.min(attempt, 4)));
      this.loaded = this.load();
      await this.loaded;
      info = this.byGvk.get(`${apiVersion}|${kind}`);
    }
    if (!info) {
      throw new UnknownKindError(apiVersion, kind);
    }
    return info;
  }

  /** Forgets what was discovered, e.g. after CRDs were installed. */
  invalidate(): void {
    this.loaded = undefined;
  }

  private async load(): Promise<void> {
    const [core, groups] = await Promise.all([
      this.http.send<AggregatedList>({ method: 'GET', path: '/api', accept: AGGREGATED }),
      this.http.send<AggregatedList>({ method: 'GET', path: '/apis', accept: AGGREGATED }),
    ]);
    const next = new Map<string, ResourceInfo>();
    for (const info of [...resourcesOf(core.body, true), ...resourcesOf(groups.body, false)]) {
      next.set(`${info.group ? `${info.group}/${info.version}` : info.version}|${info.kind}`, info);
    }
    this.byGvk = next;
  }
}

/** The top-level resources (no subresources) of an aggregated discovery list. */
function resourcesOf(list: AggregatedList, isCore: boolean): ResourceInfo[] {
  return (list.items ?? []).flatMap((item) => {
    const group = isCore ? '' : (item.metadata?.name ?? '');
    return (item.versions ?? []).flatMap((v) =>
      (v.resources ?? [])
        .filter((r) => r.responseKind?.kind && !r.resource.includes('/'))
        .map((r) => ({
          group,
          version: v.version,
          kind: r.responseKind?.kind as string,
          resource: r.resource,
          namespaced: r.scope === 'Namespaced',
          verbs: r.verbs ?? [],
        })),
    );
  });
}

/** The URL path of a collection or of one object. */
export function resourcePath(info: ResourceInfo, namespace?: string, name?: string): string {
  const base = info.group ? `/apis/${info.group}/${info.version}` : `/api/${info.version}`;
  const ns = info.namespaced ? `/namespaces/${encodeURIComponent(namespace ?? 'default')}` : '';
  return `${base}${ns}/${info.resource}${name ? `/${encodeURIComponent(name)}` : ''}`;
}
