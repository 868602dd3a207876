import { readdir } from 'node:fs/promises';
import { type DeployEvent, deploy, ReleaseStore } from '@nimbus/delivery';
import type { KubeClient } from '@nimbus/kube';
import { ERROR_CATALOG, type KubeObject, NimbusError } from '@nimbus/model';
import { resolveTarget } from '@nimbus/project';
import type { SyncApp } from './apps.js';
import { decideSync, type SyncDecision } from './decide.js';
import { type DriftWatch, SYNC_APP_LABEL } from './drift.js';
import type { GitMirror } from './git.js';
import { refuseUnbuilt } from './source.js';
import { readSyncState, recordEvent, type SyncState, syncStatusName, writeSyncState } from './status.js';

/** What happened in one reconcile of one app, for the CLI and metrics. */
export type SyncOutcome =
  | { app: string; result: 'applied'; commit: string; revision: number; reason: string }
  | { app: string; result: 'held'; reason: SyncDecision['reason']; commit: string }
  | { app: string; result: 'failed'; commit: string | undefined; error: string };

export interface AppSyncOptions {
  client: KubeClient;
  mirror: GitMirror;
  cacheDir: string;
  drift: DriftWatch | undefined;
  /** Health wait of each release (default 5 minutes); a release that is not healthy by then is rolled back. */
  timeoutMs?: number;
  onDeployEvent?: (app: string, e: DeployEvent) => void;
}

const short = (commit: string | undefined) => commit?.slice(0, 8) ?? 'none';

/** The objects with the label that ties them to their app (what the drift watches select on). */
function labelled(objects: readonly KubeObject[], app: string): KubeObject[] {
  return objects.map((o) => ({ ...o, metadata: { ...o.metadata, labels: { ...o.metadata.labels, [SYNC_APP_LABEL]: app } } }));
}

/**
 * One app kept equal to Git. `reconcile` fetches, decides, and applies through the deploy engine
 * (a release with its inventory prune, lock, health wait, and a rollback to the last good release
 * when the new one does not become healthy); the drift watch then holds the cluster to what was
 * applied. A commit that cannot be rendered, validated or made healthy leaves the last good
 * release running, and the state record says why.
 */
export class AppSync {
  private failures = 0;
  private failedCommit: string | undefined;
  private lastAttemptAt: number | undefined;
  /** The drift watch holds this app's objects (after a sync, or after a restart found it in sync). */
  private watching = false;
  /** The release the drift watch holds the cluster to. */
  private trackedRevision: number | undefined;
  /** A release of this controller's is being applied or waited for. */
  private applying = false;

  /**
   * Asked before each drift repair. The repair goes ahead only when the release this controller
   * holds the cluster to is the app's current one: while someone applies (a sync elsewhere, a
   * rollback: Progressing, or pinned before its release exists) nothing is put back, and a newer
   * release made elsewhere (`nimbus rollback`, `nimbus sync --once`) is adopted instead of undone.
   */
  async mayRepair(state: SyncState | undefined): Promise<boolean> {
    if (!state) return true;
    // Our own release, past its apply phase and waiting for health: its objects are the ones held.
    if (this.applying) return true;
    if (state.phase === 'Progressing') return false;
    const revision = state.pinned ? state.pinned.revision : state.revision;
    if (revision === undefined) return false;
    if (this.trackedRevision === revision) return true;
    const release = await new ReleaseStore(this.o.client, this.app.namespace, this.app.name).get(revision).catch(() => undefined);
    if (release) {
      await this.o.drift?.track(this.app.name, release.objects);
      this.trackedRevision = revision;
    }
    return false;
  }

  constructor(
    readonly app: SyncApp,
    private readonly o: AppSyncOptions,
  ) {}

  /** Reconciles once; calls for one app never overlap (a poll and a webhook at once run one after the other). */
  reconcile(options: { resume?: boolean; force?: boolean } = {}): Promise<SyncOutcome> {
    const run = this.queue.then(() => this.reconcileNow(options));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private queue: Promise<unknown> = Promise.resolve();

  private async reconcileNow(options: { resume?: boolean; force?: boolean }): Promise<SyncOutcome> {
    const { client, mirror } = this.o;
    const app = this.app;
    let latest: string;
    try {
      await mirror.fetch();
      latest = await mirror.resolve(app.revision);
    } catch (err) {
      return this.fail(undefined, err, await readSyncState(client, app.namespace, app.name));
    }
    const state = await readSyncState(client, app.namespace, app.name);
    if (this.failedCommit !== latest) this.failures = 0;
    const decision = decideSync({
      state,
      latest,
      now: Date.now(),
      resume: options.resume,
      force: options.force,
      failures: this.failures,
      lastAttemptAt: this.lastAttemptAt,
    });
    if (decision.action === 'hold') {
      await this.holdState(state, decision, latest);
      return { app: app.name, result: 'held', reason: decision.reason, commit: latest };
    }
    return this.apply(latest, decision.reason, state);
  }

  /** Keeps watching what runs while nothing is applied (after a restart, while pinned). */
  private async holdState(
    state: SyncState | undefined,
    decision: Extract<SyncDecision, { action: 'hold' }>,
    latest: string,
  ): Promise<void> {
    if (state?.revision && this.o.drift && !this.watching) {
      const store = new ReleaseStore(this.o.client, this.app.namespace, this.app.name);
      const release = await store.get(state.revision).catch(() => undefined);
      if (release) {
        await this.o.drift.track(this.app.name, release.objects);
        this.watching = true;
        this.trackedRevision = release.revision;
      }
    }
    if (decision.reason === 'pinned' && state && state.latestCommit !== latest)
      await writeSyncState(this.o.client, this.app.namespace, this.app.name, { ...state, latestCommit: latest });
  }

  private async apply(latest: string, reason: string, before: SyncState | undefined): Promise<SyncOutcome> {
    const { client } = this.o;
    const app = this.app;
    this.lastAttemptAt = Date.now();
    const progressing: SyncState = {
      ...(before ?? { driftRepairs: 0 }),
      phase: 'Progressing',
      latestCommit: latest,
      pinned: undefined,
      lastAttemptAt: new Date().toISOString(),
      message: `applying ${short(latest)} (${reason})`,
    };
    let objects: KubeObject[];
    let subject: string;
    try {
      ({ objects, subject } = await this.desiredAt(latest));
      // The state record lives in the app's namespace, which a first sync may have to create.
      if (!before) await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: app.namespace } });
      await writeSyncState(client, app.namespace, app.name, progressing);
    } catch (err) {
      return this.fail(latest, err, before);
    }
    this.o.drift?.pause(app.name);
    this.applying = true;
    let outcome: SyncOutcome;
    try {
      const { revision, held } = await this.release(objects, latest, subject);
      if (!held) await this.o.drift?.track(app.name, objects);
      this.watching = true;
      this.trackedRevision = revision;
      this.failures = 0;
      const state: SyncState = {
        ...progressing,
        phase: 'Synced',
        commit: latest,
        subject,
        revision,
        lastSyncAt: new Date().toISOString(),
        message: `synced ${short(latest)} as revision ${revision}`,
      };
      await writeSyncState(client, app.namespace, app.name, state);
      await recordEvent(
        client,
        this.statusRef(),
        { type: 'Normal', reason: 'Synced', message: `${short(latest)} ${subject}: revision ${revision}` },
        app.namespace,
      );
      outcome = { app: app.name, result: 'applied', commit: latest, revision, reason };
    } catch (err) {
      // The deploy rolled back (atomic): the last good release runs again; watch that.
      const last = await new ReleaseStore(client, app.namespace, app.name).lastDeployed().catch(() => undefined);
      if (last) {
        await this.o.drift?.track(app.name, last.objects);
        this.trackedRevision = last.revision;
      }
      outcome = await this.fail(latest, err, before);
    } finally {
      this.applying = false;
      this.o.drift?.resume(app.name);
    }
    return outcome;
  }

  /** The app's objects at a commit: its nimbus.yaml rendered with the app's environment, or its plain manifests. */
  private async desiredAt(commit: string): Promise<{ objects: KubeObject[]; subject: string }> {
    const app = this.app;
    const dir = await this.o.mirror.checkout(commit, app.path, this.o.cacheDir);
    const subject = await this.o.mirror.subject(commit);
    const spec = await hasSpec(dir);
    const target = await resolveTarget(spec ? [dir] : [], {
      cwd: dir,
      filename: spec ? undefined : [dir],
      env: app.environment,
      namespace: app.namespace,
      app: app.name,
      defaultNamespace: app.namespace,
    });
    if (!spec) refuseUnbuilt(dir, target.objects.length, target.skipped ?? []);
    return { objects: labelled(target.objects, app.name), subject };
  }

  /**
   * One release through the deploy engine. Once its objects are applied (the first health report),
   * the drift watch holds them while the release waits; a rollback pauses it again.
   */
  private async release(objects: KubeObject[], latest: string, subject: string): Promise<{ revision: number; held: boolean }> {
    const app = this.app;
    const run = deploy(this.o.client, {
      app: app.name,
      namespace: app.namespace,
      objects,
      wait: true,
      atomic: true,
      prune: app.prune,
      timeoutMs: this.o.timeoutMs ?? 300_000,
      description: `sync ${short(latest)}: ${subject}`.slice(0, 200),
    });
    let step = await run.next();
    let held = false;
    while (!step.done) {
      const e = step.value;
      this.o.onDeployEvent?.(app.name, e);
      if (e.type === 'health' && !held) {
        held = true;
        await this.o.drift?.track(app.name, objects);
        this.o.drift?.resume(app.name);
      }
      if (e.type === 'rollback') this.o.drift?.pause(app.name);
      step = await run.next();
    }
    return { revision: step.value.revision, held };
  }

  private statusRef() {
    return { apiVersion: 'v1', kind: 'ConfigMap', namespace: this.app.namespace, name: syncStatusName(this.app.name) };
  }

  private async fail(latest: string | undefined, err: unknown, before: SyncState | undefined): Promise<SyncOutcome> {
    const reason = describeError(err);
    if (latest) {
      this.failures = this.failedCommit === latest ? this.failures + 1 : 1;
      this.failedCommit = latest;
    }
    const keeping = before?.commit ? `; revision ${before.revision} (${short(before.commit)}) keeps running` : '';
    const state: SyncState = {
      ...(before ?? { driftRepairs: 0 }),
      phase: 'Failed',
      latestCommit: latest ?? before?.latestCommit,
      lastAttemptAt: new Date().toISOString(),
      message: `${latest ? `commit ${short(latest)} not applied` : 'Git not reachable'}: ${reason}${keeping}`.slice(0, 2000),
    };
    await writeSyncState(this.o.client, this.app.namespace, this.app.name, state).catch(() => undefined);
    await recordEvent(
      this.o.client,
      this.statusRef(),
      { type: 'Warning', reason: 'SyncFailed', message: state.message },
      this.app.namespace,
    );
    return { app: this.app.name, result: 'failed', commit: latest, error: state.message };
  }
}

async function hasSpec(dir: string): Promise<boolean> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.some((n) => n === 'nimbus.yaml' || n === 'nimbus.yml' || /^score.*\.ya?ml$/.test(n));
}

/** An error with its first problems spelled out: what the status record and the Event say. */
function describeError(err: unknown): string {
  if (!(err instanceof NimbusError)) return (err as Error).message;
  const details = err.diagnostics
    .slice(0, 3)
    .map((d) => `${d.file ? `${d.file.split('/').pop()}${d.line ? `:${d.line}` : ''} ` : ''}${d.path ? `${d.path}: ` : ''}${d.message}`);
  const more = err.diagnostics.length > 3 ? `; ${err.diagnostics.length - 3} more` : '';
  const hint = err.hint !== ERROR_CATALOG[err.code].hint ? `; ${err.hint}` : '';
  return `${err.code}: ${err.message}${details.length ? ` (${details.join('; ')}${more})` : ''}${hint}`;
}
