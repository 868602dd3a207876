import { hostname } from 'node:os';
import { join } from 'node:path';
import type { DeployEvent } from '@nimbus/delivery';
import { acquireLease, type HeldLease, type KubeClient, LeaseTakenError } from '@nimbus/kube';
import { mapConcurrent } from '@nimbus/model';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { SyncApp } from './apps.js';
import { type DriftRepair, DriftWatch } from './drift.js';
import { GitMirror } from './git.js';
import { readSyncState, recordEvent, writeSyncState } from './status.js';
import { AppSync, type SyncOutcome } from './sync.js';

export type ControllerEvent =
  | { type: 'leading'; identity: string }
  | { type: 'standby'; holder: string | undefined; retryInMs: number }
  | { type: 'lost-lease' }
  | { type: 'outcome'; outcome: SyncOutcome }
  | { type: 'repair'; repair: DriftRepair }
  | { type: 'deploy'; app: string; event: DeployEvent }
  | { type: 'error'; app?: string; message: string };

export interface ControllerOptions {
  client: KubeClient;
  apps: readonly SyncApp[];
  /** Mirrors and checkouts of the Git sources. */
  cacheDir: string;
  /** Git is polled this often (default 30 s); a webhook syncs at once. */
  pollMs?: number;
  /** The lease that makes one controller of several the active one. */
  lease?: { namespace: string; name?: string; seconds?: number };
  identity?: string;
  /** Health wait of each release. */
  timeoutMs?: number;
  /** Apps reconciled at the same time (default 16). */
  concurrency?: number;
  registry?: Registry;
  onEvent?: (e: ControllerEvent) => void;
}

export interface Controller {
  readonly registry: Registry;
  /** Reconciles now: one app, or all; `resume` lifts a rollback's pin. */
  syncNow(app?: string, options?: { resume?: boolean; force?: boolean }): Promise<SyncOutcome[]>;
  isLeading(): boolean;
  /**
   * Stops acting. The lease is released so another controller takes over at once; with
   * `release: false` it is left to expire, as when a controller dies.
   */
  stop(options?: { release?: boolean }): Promise<void>;
}

function metricsOf(registry: Registry) {
  const registers = [registry];
  return {
    syncs: new Counter({
      name: 'nimbus_sync_total',
      help: 'Reconciles, by app and result (applied, held, failed).',
      labelNames: ['app', 'result'],
      registers,
    }),
    repairs: new Counter({
      name: 'nimbus_sync_drift_repairs_total',
      help: 'Live changes put back, by app, kind and change.',
      labelNames: ['app', 'kind', 'change'],
      registers,
    }),
    repairSeconds: new Histogram({
      name: 'nimbus_sync_drift_repair_seconds',
      help: 'From seeing a live change to having put it back.',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5],
      registers,
    }),
    lastSync: new Gauge({
      name: 'nimbus_sync_last_success_timestamp_seconds',
      help: 'When each app last synced successfully.',
      labelNames: ['app'],
      registers,
    }),
    errors: new Counter({ name: 'nimbus_sync_errors_total', help: 'Failed syncs and repairs, by app.', labelNames: ['app'], registers }),
    leader: new Gauge({ name: 'nimbus_sync_leader', help: '1 while this controller holds the lease and acts.', registers }),
    tracked: new Gauge({ name: 'nimbus_sync_tracked_objects', help: 'Objects the drift watch holds to Git.', registers }),
  };
}

/**
 * The GitOps controller: many apps, one process, one active instance. It takes a Lease (a second
 * controller stays on standby until the lease expires), reconciles every app now and on every poll
 * or webhook, and keeps a drift watch that puts live changes back within the time of one apply.
 */
export async function startController(o: ControllerOptions): Promise<Controller> {
  const registry = o.registry ?? new Registry();
  const metrics = metricsOf(registry);
  const emit = (e: ControllerEvent) => o.onEvent?.(e);
  const identity = o.identity ?? `${hostname()}-${process.pid}`;
  const mirrors = new Map<string, GitMirror>();
  const mirrorOf = (url: string) => {
    let m = mirrors.get(url);
    if (!m) {
      m = new GitMirror(url, o.cacheDir);
      mirrors.set(url, m);
    }
    return m;
  };
  const repairCounts = new Map<string, number>();
  const drift: DriftWatch = new DriftWatch({
    client: o.client,
    onRepair: (repair) => {
      metrics.repairs.inc({ app: repair.app, kind: repair.object.kind, change: repair.change });
      metrics.repairSeconds.observe(repair.latencyMs / 1000);
      repairCounts.set(repair.app, (repairCounts.get(repair.app) ?? 0) + 1);
      emit({ type: 'repair', repair });
      void recordEvent(
        o.client,
        {
          apiVersion: repair.object.apiVersion,
          kind: repair.object.kind,
          namespace: repair.object.metadata.namespace,
          name: repair.object.metadata.name,
        },
        { type: 'Normal', reason: 'DriftRepaired', message: `${repair.change === 'deleted' ? 'recreated' : 'restored'} to match Git` },
        appsByName.get(repair.app)?.namespace ?? 'default',
      );
    },
    onError: (err, object) =>
      emit({ type: 'error', message: `repairing ${object.kind} ${object.metadata.name}: ${(err as Error).message}` }),
    // Only the app's current release is held: a rollback's or another actor's newer release is adopted, never undone.
    allowRepair: async (name): Promise<boolean> => {
      const app = appsByName.get(name);
      const state = app && (await readSyncState(o.client, app.namespace, name).catch(() => undefined));
      return (await syncs.get(name)?.mayRepair(state)) ?? false;
    },
  });
  const appsByName = new Map(o.apps.map((a) => [a.name, a]));
  const syncs: Map<string, AppSync> = new Map(
    o.apps.map((app) => [
      app.name,
      new AppSync(app, {
        client: o.client,
        mirror: mirrorOf(app.repo),
        cacheDir: o.cacheDir,
        // selfHeal: false keeps the app out of the drift watch: live changes stay until the next commit.
        drift: app.selfHeal ? drift : undefined,
        timeoutMs: o.timeoutMs,
        onDeployEvent: (name, event) => emit({ type: 'deploy', app: name, event }),
      }),
    ]),
  );

  let leading = !o.lease;
  let stopped = false;
  let lease: HeldLease | undefined;
  let poll: NodeJS.Timeout | undefined;
  const persistRepairs = setInterval(() => void flushRepairCounts(), 1000);
  persistRepairs.unref();

  async function flushRepairCounts(): Promise<void> {
    const counts = [...repairCounts];
    repairCounts.clear();
    for (const [name, n] of counts) {
      const app = appsByName.get(name);
      const state = app && (await readSyncState(o.client, app.namespace, name).catch(() => undefined));
      if (app && state)
        await writeSyncState(o.client, app.namespace, name, {
          ...state,
          driftRepairs: state.driftRepairs + n,
          lastDriftRepairAt: new Date().toISOString(),
        }).catch(() => undefined);
    }
  }

  async function reconcileAll(names: string[], options: { resume?: boolean; force?: boolean } = {}): Promise<SyncOutcome[]> {
    if (!leading) return [];
    const outcomes = await mapConcurrent(names, o.concurrency ?? 16, async (name) => {
      const sync = syncs.get(name);
      if (!sync) return undefined;
      try {
        return await sync.reconcile(options);
      } catch (err) {
        emit({ type: 'error', app: name, message: (err as Error).message });
        metrics.errors.inc({ app: name });
        return undefined;
      }
    });
    const done = outcomes.filter((x): x is SyncOutcome => x !== undefined);
    for (const outcome of done) {
      metrics.syncs.inc({ app: outcome.app, result: outcome.result });
      if (outcome.result === 'applied') metrics.lastSync.set({ app: outcome.app }, Date.now() / 1000);
      if (outcome.result === 'failed') metrics.errors.inc({ app: outcome.app });
      emit({ type: 'outcome', outcome });
    }
    metrics.tracked.set(drift.size);
    return done;
  }

  const schedulePoll = () => {
    poll = setTimeout(async () => {
      await reconcileAll([...syncs.keys()]).catch((err) => emit({ type: 'error', message: (err as Error).message }));
      if (!stopped) schedulePoll();
    }, o.pollMs ?? 30_000);
    poll.unref();
  };

  const becomeLeader = async () => {
    leading = true;
    metrics.leader.set(1);
    emit({ type: 'leading', identity });
    await reconcileAll([...syncs.keys()]);
    schedulePoll();
  };

  const standDown = () => {
    leading = false;
    metrics.leader.set(0);
    clearTimeout(poll);
    drift.stop();
    emit({ type: 'lost-lease' });
  };

  /** Tries the lease until it is ours; a taken lease is tried again when it could have expired. */
  const contend = async (): Promise<void> => {
    const spec = o.lease as NonNullable<ControllerOptions['lease']>;
    const seconds = spec.seconds ?? 15;
    while (!stopped) {
      try {
        lease = await acquireLease(o.client, {
          namespace: spec.namespace,
          name: spec.name ?? 'nimbus-sync',
          holder: identity,
          leaseSeconds: seconds,
          onLost: () => {
            standDown();
            void contend();
          },
        });
        await becomeLeader();
        return;
      } catch (err) {
        if (!(err instanceof LeaseTakenError)) throw err;
        const retryInMs = Math.max(250, Math.min(err.expiresInMs + 100, (seconds * 1000) / 3));
        emit({ type: 'standby', holder: err.holder, retryInMs });
        await new Promise((r) => setTimeout(r, retryInMs));
      }
    }
  };

  if (o.lease) void contend().catch((err) => emit({ type: 'error', message: `lease: ${(err as Error).message}` }));
  else await becomeLeader();

  return {
    registry,
    isLeading: () => leading,
    syncNow: (app, options) => reconcileAll(app ? [app] : [...syncs.keys()], { force: true, ...options }),
    stop: async (options = {}) => {
      stopped = true;
      leading = false;
      clearTimeout(poll);
      clearInterval(persistRepairs);
      drift.stop();
      await flushRepairCounts();
      if (options.release !== false) await lease?.release();
      else await lease?.abandon();
      metrics.leader.set(0);
    },
  };
}

/** Where mirrors and checkouts live by default. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CACHE_HOME ?? join(env.HOME ?? '/tmp', '.cache'), 'nimbus', 'gitops');
}
