import { KubeApiError, type KubeClient } from '@nimbus/kube';
import { type KubeObject, LABELS, MANAGED_BY } from '@nimbus/model';

/**
 * The sync state of an app, kept in a ConfigMap beside its release records so `nimbus status`
 * (any machine, no controller needed) can show it, and a restarted controller resumes from it.
 */
export type SyncPhase = 'Synced' | 'Progressing' | 'Failed' | 'Pinned' | 'Unknown';

export interface SyncState {
  phase: SyncPhase;
  /** The commit the cluster runs (the last one applied successfully, or the pinned release's). */
  commit?: string;
  subject?: string;
  /** The commit Git has now, when it differs (a failed or pending sync). */
  latestCommit?: string;
  revision?: number;
  message: string;
  lastSyncAt?: string;
  lastAttemptAt?: string;
  driftRepairs: number;
  lastDriftRepairAt?: string;
  /** Set by `nimbus rollback`: sync keeps this release until a new commit or `nimbus sync --resume`. */
  pinned?: { revision?: number; commit?: string; at: string };
}

export const syncStatusName = (app: string) => `nimbus-sync.${app}`;
const KEY = 'state.json';

export async function readSyncState(client: KubeClient, namespace: string, app: string): Promise<SyncState | undefined> {
  try {
    const cm = await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name: syncStatusName(app) });
    const text = (cm as { data?: Record<string, string> } | undefined)?.data?.[KEY];
    return text ? (JSON.parse(text) as SyncState) : undefined;
  } catch (err) {
    if (err instanceof KubeApiError && err.status === 404) return undefined;
    throw err;
  }
}

export function syncStateObject(namespace: string, app: string, state: SyncState): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: syncStatusName(app),
      namespace,
      labels: { [LABELS.release]: app, [LABELS.managedBy]: MANAGED_BY, 'nimbus.dev/record': 'sync' },
    },
    data: { [KEY]: JSON.stringify(state) },
  };
}

export async function writeSyncState(client: KubeClient, namespace: string, app: string, state: SyncState): Promise<void> {
  await client.apply(syncStateObject(namespace, app, state));
}

/**
 * Pins an app that sync keeps, for `nimbus rollback`: called before the rollback applies (no
 * revision yet: the controller stops repairing the app's objects back to Git) and after it (the
 * rollback's revision: the controller holds the cluster to that release). Sync keeps the pin until
 * Git has a new commit or `nimbus sync --resume`. Does nothing for an app no controller syncs.
 */
export async function pinApp(client: KubeClient, namespace: string, app: string, revision?: number): Promise<boolean> {
  const state = await readSyncState(client, namespace, app);
  if (!state) return false;
  await writeSyncState(client, namespace, app, {
    ...state,
    phase: 'Pinned',
    ...(revision !== undefined ? { revision } : {}),
    pinned: {
      ...(revision !== undefined ? { revision } : {}),
      commit: state.pinned?.commit ?? state.latestCommit ?? state.commit,
      at: new Date().toISOString(),
    },
    message:
      revision !== undefined
        ? `pinned to revision ${revision} by a rollback; a new commit or \`nimbus sync --resume ${app}\` resumes`
        : 'a rollback is in progress',
  });
  return true;
}

/** Lifts a pin: the next reconcile applies what Git has. */
export async function resumeApp(client: KubeClient, namespace: string, app: string): Promise<boolean> {
  const state = await readSyncState(client, namespace, app);
  if (!state?.pinned) return false;
  await writeSyncState(client, namespace, app, {
    ...state,
    pinned: undefined,
    phase: 'Unknown',
    message: 'resumed: the next sync applies Git',
  });
  return true;
}

/** A core/v1 Event about an object, as controllers write them (`kubectl get events`, `kubectl describe`). */
export async function recordEvent(
  client: KubeClient,
  about: { apiVersion: string; kind: string; namespace?: string; name: string },
  event: { type: 'Normal' | 'Warning'; reason: string; message: string },
  fallbackNamespace: string,
): Promise<void> {
  const namespace = about.namespace ?? fallbackNamespace;
  const now = new Date().toISOString();
  await client
    .create({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${about.name}.${Date.now().toString(16)}${Math.floor(Math.random() * 4096).toString(16)}`, namespace },
      involvedObject: { apiVersion: about.apiVersion, kind: about.kind, namespace: about.namespace, name: about.name },
      reason: event.reason,
      message: event.message.slice(0, 1000),
      type: event.type,
      source: { component: 'nimbus-sync' },
      reportingComponent: 'nimbus-sync',
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    })
    .catch(() => undefined); // an Event is a courtesy: never a reason for a sync to fail
}
