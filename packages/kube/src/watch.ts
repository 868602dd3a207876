import type { IncomingMessage } from 'node:http';
import type { KubeObject, ObjectRef } from '@nimbus/model';
import { type KubeClient, transportOf } from './client.js';
import { resourcePath } from './discovery.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface WatchEvent {
  type: WatchEventType | 'RELISTED';
  object: KubeObject;
}

export interface WatchOptions {
  labelSelector?: string;
  /** Start from this version; omitted, the watch starts with a list. */
  resourceVersion?: string;
  signal: AbortSignal;
  onEvent: (e: WatchEvent) => void;
  /** Called once, when the first stream is open: changes after this are seen. */
  onSynced?: () => void;
  /** Watch a namespaced kind in every namespace (one stream for the whole cluster). */
  allNamespaces?: boolean;
}

/**
 * Watches a collection and keeps watching: when the server closes the stream
 * the watch resumes from the last version seen, and when that version is too
 * old (410 Gone) it re-lists and reports every current object as RELISTED.
 */
export async function watchCollection(client: KubeClient, ref: Omit<ObjectRef, 'name'>, options: WatchOptions): Promise<void> {
  const { http, mapper } = transportOf(client);
  const info = await mapper.resolve(ref.apiVersion, ref.kind);
  const path = options.allNamespaces
    ? resourcePath({ ...info, namespaced: false })
    : resourcePath(info, ref.namespace ?? client.defaultNamespace);
  let version = options.resourceVersion;
  const relist = async () => {
    const res = await http.send<{ metadata: { resourceVersion: string }; items: KubeObject[] }>({
      method: 'GET',
      path,
      query: { labelSelector: options.labelSelector },
    });
    for (const item of res.body.items)
      options.onEvent({ type: 'RELISTED', object: { ...item, apiVersion: ref.apiVersion, kind: ref.kind } });
    version = res.body.metadata.resourceVersion;
  };
  if (!version) await relist();
  let synced = false;
  const markSynced = () => {
    if (!synced) {
      synced = true;
      options.onSynced?.();
    }
  };
  while (!options.signal.aborted) {
    const outcome = await streamOnce(client, path, { ...options, resourceVersion: version as string }, markSynced, (v) => {
      version = v;
    });
    if (outcome === 'gone') await relist();
    else if (outcome === 'error') await new Promise((r) => setTimeout(r, 500));
  }
}

async function streamOnce(
  client: KubeClient,
  path: string,
  options: WatchOptions & { resourceVersion: string },
  opened: () => void,
  seen: (version: string) => void,
): Promise<'closed' | 'gone' | 'error'> {
  let res: IncomingMessage;
  try {
    res = await transportOf(client).http.openStream(
      path,
      {
        watch: true,
        resourceVersion: options.resourceVersion,
        allowWatchBookmarks: true,
        timeoutSeconds: 300,
        labelSelector: options.labelSelector,
      },
      options.signal,
    );
  } catch {
    return options.signal.aborted ? 'closed' : 'error';
  }
  if (res.statusCode !== 200) {
    res.resume();
    return res.statusCode === 410 ? 'gone' : 'error';
  }
  opened();
  return new Promise((resolve) => {
    let buffer = '';
    let gone = false;
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buffer += chunk;
      for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
        const line = buffer.slice(0, nl).trim();
        buffer = buffer.slice(nl + 1);
        if (!line) continue;
        const event = JSON.parse(line) as { type: string; object: KubeObject & { code?: number } };
        if (event.type === 'ERROR') {
          // An expired version arrives as an ERROR event carrying a 410 Status.
          gone = event.object.code === 410;
          continue;
        }
        seen(event.object.metadata.resourceVersion as string);
        if (event.type !== 'BOOKMARK') options.onEvent({ type: event.type as WatchEventType, object: event.object });
      }
    });
    res.on('end', () => resolve(gone ? 'gone' : 'closed'));
    res.on('error', () => resolve(options.signal.aborted ? 'closed' : 'error'));
  });
}
