import type { IncomingMessage } from 'node:http';
import { type KubeObject, type ObjectRef, refOf } from '@nimbus/model';
import { type ResourceInfo, RestMapper, resourcePath, UnknownKindError } from './discovery.js';
import { KubeApiError, KubeHttp, type RetryPolicy } from './http.js';
import { type ClusterAccess, type KubeconfigOptions, loadClusterAccess } from './kubeconfig.js';

/** The one field manager Nimbus applies with. Never change it: ownership of live fields hangs on it. */
export const FIELD_MANAGER = 'nimbus';

export interface ApplyOptions {
  /** Server-side dry run: validated and defaulted by the server, nothing stored. */
  dryRun?: boolean;
  /** Take fields other managers own (kubectl's --force-conflicts). Default true. */
  force?: boolean;
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
}

interface Transport {
  http: KubeHttp;
  mapper: RestMapper;
}

const transports = new WeakMap<KubeClient, Transport>();

/** The client's HTTP layer and discovery, for this package's own modules only (not exported from the package). */
export function transportOf(client: KubeClient): Transport {
  return transports.get(client) as Transport;
}

/** The Kubernetes adapter: talks to the API server; knows nothing of Nimbus specs. */
export class KubeClient {
  private readonly http: KubeHttp;
  private readonly mapper: RestMapper;

  constructor(access: ClusterAccess, options: { maxSockets?: number; retry?: RetryPolicy } = {}) {
    this.http = new KubeHttp(access, options);
    this.mapper = new RestMapper(this.http);
    transports.set(this, { http: this.http, mapper: this.mapper });
  }

  static async connect(options: KubeconfigOptions = {}): Promise<KubeClient> {
    return new KubeClient(await loadClusterAccess(options));
  }

  get defaultNamespace(): string {
    return this.http.access.namespace;
  }

  close(): void {
    this.http.close();
  }

  /** Forgets the discovered API resources, e.g. after CRDs were installed, so new kinds resolve. */
  refreshDiscovery(): void {
    this.mapper.invalidate();
  }

  /** Whether the server serves this kind (false when, say, its CRD is not installed). */
  async serves(apiVersion: string, kind: string): Promise<boolean> {
    try {
      await this.mapper.resolve(apiVersion, kind);
      return true;
    } catch (err) {
      if (err instanceof UnknownKindError) return false;
      throw err;
    }
  }

  private async locate(ref: ObjectRef, withName = true): Promise<{ info: ResourceInfo; path: string }> {
    const info = await this.mapper.resolve(ref.apiVersion, ref.kind);
    const namespace = info.namespaced ? (ref.namespace ?? this.defaultNamespace) : undefined;
    return { info, path: resourcePath(info, namespace, withName ? ref.name : undefined) };
  }

  /** Server-side apply: idempotent create-or-update, owned by the Nimbus field manager. */
  async apply(obj: KubeObject, options: ApplyOptions = {}): Promise<KubeObject> {
    const { path } = await this.locate(refOf(obj));
    const res = await this.http.send<KubeObject>({
      method: 'PATCH',
      path,
      query: { fieldManager: FIELD_MANAGER, force: options.force ?? true, dryRun: options.dryRun ? 'All' : undefined },
      body: obj,
      contentType: 'application/apply-patch+yaml',
    });
    return res.body;
  }

  /** Server-side apply under another field manager (for ownership hand-overs). */
  async applyAs(fieldManager: string, obj: KubeObject): Promise<KubeObject> {
    const { path } = await this.locate(refOf(obj));
    const res = await this.http.send<KubeObject>({
      method: 'PATCH',
      path,
      query: { fieldManager, force: true },
      body: obj,
      contentType: 'application/apply-patch+yaml',
    });
    return res.body;
  }

  /** Creates an object; a 409 (already exists) surfaces as a KubeApiError with status 409. */
  async create(obj: KubeObject): Promise<KubeObject> {
    const { path } = await this.locate(refOf(obj), false);
    return (await this.http.send<KubeObject>({ method: 'POST', path, body: obj })).body;
  }

  /**
   * Replaces an object whole (PUT). With `metadata.resourceVersion` set this is
   * a compare-and-swap: a concurrent change makes it fail with status 409.
   */
  async replace(obj: KubeObject): Promise<KubeObject> {
    const { path } = await this.locate(refOf(obj));
    return (await this.http.send<KubeObject>({ method: 'PUT', path, body: obj })).body;
  }

  /** Sets the replica count through the scale subresource, as `kubectl scale` does. */
  async scale(ref: ObjectRef, replicas: number): Promise<void> {
    const { path } = await this.locate(ref);
    await this.http.send({
      method: 'PATCH',
      path: `${path}/scale`,
      body: { spec: { replicas } },
      contentType: 'application/merge-patch+json',
    });
  }

  /** GETs a raw API path, as `kubectl get --raw` does. */
  async getRaw<T = unknown>(path: string, query: Record<string, string | number | boolean | undefined> = {}): Promise<T> {
    return (await this.http.send<T>({ method: 'GET', path, query })).body;
  }

  async get(ref: ObjectRef): Promise<KubeObject | undefined> {
    const { path } = await this.locate(ref);
    try {
      return (await this.http.send<KubeObject>({ method: 'GET', path })).body;
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 404) return undefined;
      throw err;
    }
  }

  async list(ref: Omit<ObjectRef, 'name'>, options: ListOptions = {}): Promise<KubeObject[]> {
    const { path } = await this.locate({ ...ref, name: '' }, false);
    const res = await this.http.send<{ items: KubeObject[] }>({ method: 'GET', path, query: { ...options } });
    return res.body.items.map((item) => ({ ...item, apiVersion: ref.apiVersion, kind: ref.kind }));
  }

  /** Deletes an object; returns false when it was already gone. */
  async delete(ref: ObjectRef, propagation: 'Foreground' | 'Background' | 'Orphan' = 'Background'): Promise<boolean> {
    const { path } = await this.locate(ref);
    try {
      await this.http.send({ method: 'DELETE', path, body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: propagation } });
      return true;
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 404) return false;
      throw err;
    }
  }

  /**
   * Streams a pod container's log line by line (`follow=true`) until the
   * container's log ends or `signal` aborts; `tailLines` of history first.
   */
  async followPodLogs(
    namespace: string,
    pod: string,
    onLine: (line: string) => void,
    options: { container?: string; tailLines?: number; signal?: AbortSignal } = {},
  ): Promise<void> {
    const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/log`;
    let res: IncomingMessage;
    try {
      res = await this.http.openStream(path, { follow: true, container: options.container, tailLines: options.tailLines }, options.signal);
    } catch (err) {
      if (options.signal?.aborted) return;
      throw err;
    }
    if (res.statusCode !== 200) throw await this.http.streamError(path, res);
    let rest = '';
    res.setEncoding('utf8');
    try {
      for await (const chunk of res) {
        const lines = (rest + (chunk as string)).split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) onLine(line);
      }
    } catch (err) {
      if (!options.signal?.aborted) throw err;
    }
    if (rest) onLine(rest);
  }

  /** Raw text of a pod container's log. */
  async podLogs(
    namespace: string,
    pod: string,
    options: { container?: string; tailLines?: number; previous?: boolean; sinceSeconds?: number } = {},
  ): Promise<string> {
    const res = await this.http.send<string>({
      method: 'GET',
      path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/log`,
      query: {
        container: options.container,
        tailLines: options.tailLines,
        previous: options.previous || undefined,
        sinceSeconds: options.sinceSeconds,
      },
      // Logs come as text, failures as a JSON Status: accept both.
      accept: 'text/plain, application/json',
    });
    return typeof res.body === 'string' ? res.body : JSON.stringify(res.body);
  }
}
