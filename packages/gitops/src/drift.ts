import { createHash } from 'node:crypto';
import { type KubeClient, type WatchEvent, watchCollection } from '@nimbus/kube';
import { type KubeObject, objectKey } from '@nimbus/model';

/** The label sync puts on every object it applies: which app owns it. Watches select on it. */
export const SYNC_APP_LABEL = 'nimbus.dev/sync-app';

export interface DriftRepair {
  app: string;
  object: KubeObject;
  /** 'deleted': it was recreated; 'modified': its fields were put back. */
  change: 'deleted' | 'modified';
  /** From the watch event's arrival to the repair's answer. */
  latencyMs: number;
}

export interface DriftWatchOptions {
  client: KubeClient;
  onRepair: (repair: DriftRepair) => void;
  onError?: (err: unknown, object: KubeObject) => void;
  /** Events for one object within this window are handled once (a burst of writes, one repair). */
  coalesceMs?: number;
  /** Asked before each repair: false while the app must not be put back (a rollback pinned it). */
  allowRepair?: (app: string) => Promise<boolean>;
}

/** Controller bookkeeping that changes without anyone editing the object. */
const VOLATILE_ANNOTATIONS = new Set(['deployment.kubernetes.io/revision', 'kubectl.kubernetes.io/last-applied-configuration']);

/**
 * What an object is, apart from its status and bookkeeping: two events with the same fingerprint
 * differ only in status (a controller's report), never in anything an apply sets.
 */
export function fingerprint(o: KubeObject): string {
  const { status: _status, metadata, ...rest } = o as KubeObject & { status?: unknown };
  const annotations = Object.entries(metadata.annotations ?? {}).filter(([k]) => !VOLATILE_ANNOTATIONS.has(k));
  const body = JSON.stringify([metadata.labels ?? {}, annotations, rest, (metadata as { finalizers?: unknown }).finalizers ?? []]);
  return createHash('sha1').update(body).digest('base64');
}

interface Tracked {
  app: string;
  desired: KubeObject;
  /** Fingerprint of the last state seen; undefined until the first event. */
  seen?: string;
  /** resourceVersions our own writes produced: their events are not drift. */
  ours: Set<string>;
  timer?: NodeJS.Timeout;
  pending?: { type: WatchEvent['type']; object: KubeObject; at: number };
}

/**
 * Watches every object sync applied and puts it back when someone else changes or deletes it.
 * One watch per kind for the whole cluster (selected by SYNC_APP_LABEL), shared by every app, so
 * a thousand apps cost as many streams as they have kinds. A change is repaired by applying the
 * desired object again (server-side apply, Nimbus's field manager): fields the server defaulted
 * or other managers own (an HPA's replicas, through the scale subresource) are not Nimbus's, so
 * they are never "drift" and never fought over.
 */
export class DriftWatch {
  private readonly tracked = new Map<string, Tracked>();
  private readonly watches = new Map<string, AbortController>();
  private readonly synced = new Map<string, Promise<void>>();
  private readonly paused = new Set<string>();

  constructor(private readonly o: DriftWatchOptions) {}

  /** Makes `objects` the desired state of `app`: watched from now on, any earlier set of the app forgotten. */
  async track(app: string, objects: readonly KubeObject[], written: ReadonlyMap<string, string> = new Map()): Promise<void> {
    const before = new Map<string, Tracked>();
    for (const [key, t] of this.tracked)
      if (t.app === app) {
        before.set(key, t);
        this.tracked.delete(key);
        clearTimeout(t.timer);
      }
    for (const desired of objects) {
      const key = objectKey(desired);
      const ours = new Set<string>();
      const rv = written.get(key);
      if (rv) ours.add(rv);
      // A change seen while the app was paused is still to be checked, against the new desired state.
      const earlier = before.get(key);
      this.tracked.set(key, { app, desired, ours, seen: earlier?.seen, pending: earlier?.pending });
    }
    await Promise.all([...new Set(objects.map((o) => `${o.apiVersion}|${o.kind}`))].map((kind) => this.watchKind(kind)));
  }

  /** While an app deploys, its objects change by design: seen, not repaired. */
  pause(app: string): void {
    this.paused.add(app);
  }

  /** Ends a pause: objects that changed meanwhile are checked against the (now current) desired state. */
  resume(app: string): void {
    this.paused.delete(app);
    for (const [key, t] of this.tracked) if (t.app === app && t.pending) this.schedule(key, t);
  }

  /** Stops watching an app's objects. */
  forget(app: string): void {
    for (const [key, t] of this.tracked) if (t.app === app) this.tracked.delete(key);
  }

  get size(): number {
    return this.tracked.size;
  }

  stop(): void {
    for (const c of this.watches.values()) c.abort();
    this.watches.clear();
    for (const t of this.tracked.values()) clearTimeout(t.timer);
  }

  /** Starts the kind's watch once; resolves when its stream is open (changes after that are seen). */
  private watchKind(kindKey: string): Promise<void> {
    const existing = this.synced.get(kindKey);
    if (existing) return existing;
    const [apiVersion, kind] = kindKey.split('|') as [string, string];
    const controller = new AbortController();
    this.watches.set(kindKey, controller);
    const synced = new Promise<void>((resolve, reject) => {
      watchCollection(
        this.o.client,
        { apiVersion, kind },
        {
          labelSelector: SYNC_APP_LABEL,
          allNamespaces: true,
          signal: controller.signal,
          onSynced: resolve,
          onEvent: (e) => this.onEvent({ ...e, object: { ...e.object, apiVersion, kind } }),
        },
      ).catch(reject);
    });
    this.synced.set(kindKey, synced);
    return synced;
  }

  private onEvent(e: WatchEvent): void {
    const key = objectKey(e.object);
    const t = this.tracked.get(key);
    if (!t) return;
    const rv = e.object.metadata.resourceVersion as string | undefined;
    if (e.type === 'DELETED' && this.paused.has(t.app)) {
      t.pending = { type: e.type, object: e.object, at: performance.now() };
      return;
    }
    if (e.type !== 'DELETED') {
      const print = fingerprint(e.object);
      const first = t.seen === undefined;
      const unchanged = print === t.seen;
      t.seen = print;
      if (this.paused.has(t.app)) {
        t.pending = { type: e.type, object: e.object, at: performance.now() };
        return;
      }
      // Our own write, a status report, or the first sight of an object we just applied: nothing to repair.
      if ((rv && t.ours.has(rv)) || unchanged || (first && e.type !== 'MODIFIED')) return;
    }
    t.pending = { type: e.type, object: e.object, at: performance.now() };
    this.schedule(key, t);
  }

  private schedule(key: string, t: Tracked): void {
    if (t.timer) return;
    t.timer = setTimeout(() => {
      t.timer = undefined;
      void this.repair(key, t);
    }, this.o.coalesceMs ?? 10);
  }

  private async repair(key: string, t: Tracked): Promise<void> {
    const pending = t.pending;
    t.pending = undefined;
    if (!pending || this.tracked.get(key) !== t) return;
    try {
      const allowed = !this.o.allowRepair || (await this.o.allowRepair(t.app));
      const current = this.tracked.get(key);
      if (current !== t) {
        // Re-tracked meanwhile (a newer release adopted): judge the same change against that one.
        if (current) {
          current.pending = pending;
          this.schedule(key, current);
        }
        return;
      }
      if (!allowed) return;
      const result = await this.o.client.apply(t.desired);
      const rv = result.metadata.resourceVersion as string;
      t.ours.add(rv);
      if (t.ours.size > 8) t.ours.delete(t.ours.values().next().value as string);
      t.seen = fingerprint(result);
      // Re-applying something unchanged writes nothing: same version, no drift.
      if (pending.type === 'DELETED' || rv !== pending.object.metadata.resourceVersion)
        this.o.onRepair({
          app: t.app,
          object: t.desired,
          change: pending.type === 'DELETED' ? 'deleted' : 'modified',
          latencyMs: performance.now() - pending.at,
        });
    } catch (err) {
      this.o.onError?.(err, t.desired);
    }
  }
}
