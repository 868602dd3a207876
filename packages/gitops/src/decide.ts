import type { SyncState } from './status.js';

/**
 * Whether to apply Git's commit now. Pure: the controller observes (state record, Git's commit,
 * the clock) and does what this says.
 */
export type SyncDecision =
  | { action: 'apply'; reason: 'first sync' | 'new commit' | 'retry' | 'resumed' | 'forced' }
  | { action: 'hold'; reason: 'in sync' | 'pinned' | 'backing off'; retryAt?: number };

export interface DecideInput {
  state: SyncState | undefined;
  latest: string;
  now: number;
  /** `nimbus sync --resume`: lift a rollback's pin. */
  resume?: boolean;
  /** Apply even when Git has not moved (a webhook asking for a sync, `--once`). */
  force?: boolean;
  /** Failed attempts at `latest` so far. */
  failures: number;
  lastAttemptAt: number | undefined;
}

/** Waiting time after the n-th failure at one commit: 5 s, 10 s, 20 s … at most 5 minutes. */
export function backoffMs(failures: number): number {
  return Math.min(5000 * 2 ** Math.max(0, failures - 1), 300_000);
}

/** A rollback holds until Git moves past the commit it was made at, or until resumed. */
function decidePinned(input: DecideInput, pinned: NonNullable<SyncState['pinned']>): SyncDecision {
  if (input.resume) return { action: 'apply', reason: 'resumed' };
  if (!pinned.commit || pinned.commit === input.latest) return { action: 'hold', reason: 'pinned' };
  return { action: 'apply', reason: 'new commit' };
}

/** The same commit failed before: try again once its backoff has passed. */
function decideRetry(input: DecideInput, lastAttemptAt: number): SyncDecision {
  const retryAt = lastAttemptAt + backoffMs(input.failures);
  if (input.now < retryAt && !input.force) return { action: 'hold', reason: 'backing off', retryAt };
  return { action: 'apply', reason: 'retry' };
}

export function decideSync(input: DecideInput): SyncDecision {
  const { state, latest } = input;
  if (!state?.commit && state?.phase !== 'Failed') return { action: 'apply', reason: 'first sync' };
  if (state.pinned) return decidePinned(input, state.pinned);
  const failedHere = state.phase === 'Failed' && state.latestCommit === latest && input.failures > 0;
  if (failedHere && input.lastAttemptAt !== undefined) return decideRetry(input, input.lastAttemptAt);
  if (state.commit === latest && state.phase === 'Synced')
    return input.force ? { action: 'apply', reason: 'forced' } : { action: 'hold', reason: 'in sync' };
  // Git moved, a sync was cut short (Progressing), or a pin was lifted (Unknown).
  return { action: 'apply', reason: state.commit === latest ? 'resumed' : 'new commit' };
}
