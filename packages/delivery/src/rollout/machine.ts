/**
 * The canary state machine. Pure: `step(state, observation, now)` returns the next state and the
 * actions an executor must take (set a weight, run an analysis, call a webhook, promote, roll
 * back). Time is an input, so every path is a table test with no sleeps.
 *
 * A rollout walks the step weights; at each step it waits one interval, then judges the canary on
 * the SDK's metrics. A failed check counts toward the threshold (reached: roll back, the weight goes
 * to 0 at once); a passed one moves to the next weight; too little traffic is its own verdict —
 * inconclusive — handled by the policy (wait up to a bound, ask for load, or decide), never a
 * silent stall. After the last step come the optional manual gate and the confirm-promotion hook,
 * then promotion.
 */

export type HookName = 'pre-rollout' | 'confirm-promotion' | 'rollback' | 'post-rollout' | 'load';
export type Command = 'promote' | 'abort' | 'pause' | 'resume';

export interface InconclusivePolicy {
  /** What to do once traffic stayed too low for `maxWaitMs`. */
  onTimeout: 'rollback' | 'promote';
  maxWaitMs: number;
  /** Ask the load webhook (or load Job) for traffic while waiting. */
  generateLoad: boolean;
}

export interface RolloutPolicy {
  /** Canary weights, percent, in order. */
  steps: number[];
  /** Time at each weight before it is judged. */
  intervalMs: number;
  /** Consecutive failed analyses that roll back. */
  threshold: number;
  inconclusive: InconclusivePolicy;
  /** Wait for `nimbus release promote` before promoting. */
  manualPromotion: boolean;
  /** Which hooks are configured (the executor knows their URLs). */
  hooks: readonly HookName[];
}

export const DEFAULT_POLICY: RolloutPolicy = {
  steps: [5, 10, 25, 50],
  intervalMs: 10_000,
  threshold: 2,
  inconclusive: { onTimeout: 'rollback', maxWaitMs: 120_000, generateLoad: false },
  manualPromotion: false,
  hooks: [],
};

export type Phase =
  | 'PreRollout'
  | 'Progressing'
  | 'Paused'
  | 'AwaitingPromotion'
  | 'ConfirmingPromotion'
  | 'Promoting'
  | 'Succeeded'
  | 'RollingBack'
  | 'Failed';

export interface CheckResult {
  name: string;
  value: number | undefined;
  /** The bound it was held to, for messages: `≥ 99` or `≤ 0.5`. */
  bound: string;
  ok: boolean;
}

export interface RolloutState {
  phase: Phase;
  /** Index into the step weights (−1 before the first). */
  step: number;
  weight: number;
  failures: number;
  /** When the current weight took effect: its interval runs from here. */
  stepStartedAt: number;
  /** Since when the analyses have been inconclusive. */
  quietSince: number | undefined;
  /** Where a pause left off. */
  resumePhase?: Phase;
  reason: string;
  lastChecks: CheckResult[];
}

export type Observation =
  | { type: 'start' }
  | { type: 'tick' }
  | { type: 'analysis'; verdict: 'pass' | 'fail' | 'inconclusive'; checks: CheckResult[]; requests: number }
  | { type: 'hook'; hook: HookName; ok: boolean; message?: string }
  | { type: 'command'; command: Command }
  | { type: 'promoted' }
  | { type: 'rolled-back' }
  /** The router has put the weight on the traffic (the canary's pods are ready): the interval runs from now. */
  | { type: 'weight-applied' };

export type Action =
  | { type: 'set-weight'; weight: number }
  | { type: 'analyze'; windowMs: number }
  | { type: 'call-hook'; hook: HookName }
  | { type: 'promote' }
  | { type: 'rollback' }
  | { type: 'record'; message: string };

export interface StepResult {
  state: RolloutState;
  actions: Action[];
}

const has = (policy: RolloutPolicy, hook: HookName) => policy.hooks.includes(hook);

export function initialState(now: number): RolloutState {
  return {
    phase: 'PreRollout',
    step: -1,
    weight: 0,
    failures: 0,
    stepStartedAt: now,
    quietSince: undefined,
    reason: 'starting',
    lastChecks: [],
  };
}

/** Whether the state is final: nothing more will happen. */
export const isDone = (s: RolloutState) => s.phase === 'Succeeded' || s.phase === 'Failed';

/** When the executor should next look: the end of the current interval (ticks before it do nothing). */
export function nextDueAt(state: RolloutState, policy: RolloutPolicy): number | undefined {
  return state.phase === 'Progressing' ? state.stepStartedAt + policy.intervalMs : undefined;
}

function advance(state: RolloutState, policy: RolloutPolicy, now: number, why: string): StepResult {
  const next = state.step + 1;
  if (next < policy.steps.length) {
    const weight = policy.steps[next] as number;
    return {
      state: { ...state, phase: 'Progressing', step: next, weight, failures: 0, stepStartedAt: now, quietSince: undefined, reason: why },
      actions: [
        { type: 'set-weight', weight },
        { type: 'record', message: `${why}: canary at ${weight}%` },
      ],
    };
  }
  return towardPromotion(state, policy, why);
}

function towardPromotion(state: RolloutState, policy: RolloutPolicy, why: string): StepResult {
  if (policy.manualPromotion)
    return {
      state: { ...state, phase: 'AwaitingPromotion', reason: 'every step passed; waiting for `nimbus release promote`' },
      actions: [{ type: 'record', message: `${why}; awaiting manual promotion` }],
    };
  if (has(policy, 'confirm-promotion'))
    return {
      state: { ...state, phase: 'ConfirmingPromotion', reason: 'asking confirm-promotion' },
      actions: [{ type: 'call-hook', hook: 'confirm-promotion' }],
    };
  return promote(state, `${why}; promoting`);
}

function promote(state: RolloutState, why: string): StepResult {
  return { state: { ...state, phase: 'Promoting', reason: why }, actions: [{ type: 'promote' }, { type: 'record', message: why }] };
}

/** Abort: the canary's weight goes to 0 at once, before anything else. */
function rollback(state: RolloutState, policy: RolloutPolicy, why: string): StepResult {
  return {
    state: { ...state, phase: 'RollingBack', weight: 0, reason: why },
    actions: [
      { type: 'set-weight', weight: 0 },
      { type: 'rollback' },
      ...(has(policy, 'rollback') ? [{ type: 'call-hook', hook: 'rollback' } as const] : []),
      { type: 'record', message: `rolling back: ${why}` },
    ],
  };
}

function describeFailure(checks: CheckResult[]): string {
  const failed = checks
    .filter((c) => !c.ok)
    .map((c) => `${c.name} ${c.value === undefined ? 'no data' : round(c.value)} (needs ${c.bound})`);
  return failed.join(', ') || 'a check failed';
}

const round = (n: number) => Math.round(n * 1000) / 1000;

function onAnalysis(state: RolloutState, policy: RolloutPolicy, o: Extract<Observation, { type: 'analysis' }>, now: number): StepResult {
  if (state.phase !== 'Progressing') return { state, actions: [] };
  if (o.verdict === 'pass') return advance({ ...state, lastChecks: o.checks }, policy, now, `step ${state.step + 1} passed`);
  if (o.verdict === 'fail') {
    const failures = state.failures + 1;
    const why = describeFailure(o.checks);
    if (failures >= policy.threshold)
      return rollback({ ...state, failures, lastChecks: o.checks }, policy, `${failures} failed checks at ${state.weight}%: ${why}`);
    return {
      state: {
        ...state,
        failures,
        stepStartedAt: now,
        quietSince: undefined,
        lastChecks: o.checks,
        reason: `check failed (${failures}/${policy.threshold}): ${why}`,
      },
      actions: [{ type: 'record', message: `check failed at ${state.weight}% (${failures}/${policy.threshold}): ${why}` }],
    };
  }
  // Inconclusive: too little traffic to judge.
  const quietSince = state.quietSince ?? now - policy.intervalMs;
  const waited = now - quietSince;
  if (waited >= policy.inconclusive.maxWaitMs) {
    const why = `no conclusive traffic for ${Math.round(waited / 1000)} s (${o.requests} requests in the last interval)`;
    if (policy.inconclusive.onTimeout === 'promote')
      return advance({ ...state, quietSince: undefined }, policy, now, `${why}; advancing as configured`);
    return rollback(state, policy, why);
  }
  const load = policy.inconclusive.generateLoad && has(policy, 'load') ? [{ type: 'call-hook', hook: 'load' } as const] : [];
  return {
    state: {
      ...state,
      quietSince,
      stepStartedAt: now,
      reason: `inconclusive: ${o.requests} requests; waiting up to ${Math.round(policy.inconclusive.maxWaitMs / 1000)} s`,
    },
    actions: [...load, { type: 'record', message: `inconclusive at ${state.weight}%: only ${o.requests} requests` }],
  };
}

function onHook(state: RolloutState, policy: RolloutPolicy, o: Extract<Observation, { type: 'hook' }>, now: number): StepResult {
  if (o.hook === 'pre-rollout' && state.phase === 'PreRollout')
    return o.ok
      ? advance(state, policy, now, 'pre-rollout hook passed')
      : rollback(state, policy, `pre-rollout hook failed: ${o.message ?? ''}`);
  if (o.hook === 'confirm-promotion' && state.phase === 'ConfirmingPromotion')
    return o.ok
      ? promote(state, 'promotion confirmed')
      : { state: { ...state, reason: `confirm-promotion said not yet: ${o.message ?? ''}` }, actions: [] };
  return { state, actions: [] };
}

function onCommand(state: RolloutState, policy: RolloutPolicy, command: Command, now: number): StepResult {
  if (isDone(state)) return { state, actions: [] };
  switch (command) {
    case 'abort':
      return rollback(state, policy, 'aborted by `nimbus release abort`');
    case 'promote':
      return promote(state, 'promoted by `nimbus release promote`');
    case 'pause':
      return state.phase === 'Paused'
        ? { state, actions: [] }
        : {
            state: { ...state, phase: 'Paused', resumePhase: state.phase, reason: 'paused' },
            actions: [{ type: 'record', message: 'paused' }],
          };
    case 'resume':
      if (state.phase !== 'Paused') return { state, actions: [] };
      return {
        state: { ...state, phase: state.resumePhase ?? 'Progressing', resumePhase: undefined, stepStartedAt: now, reason: 'resumed' },
        actions: [{ type: 'record', message: 'resumed' }],
      };
  }
}

function onStart(state: RolloutState, policy: RolloutPolicy, now: number): StepResult {
  if (state.phase !== 'PreRollout') return { state, actions: [] };
  return has(policy, 'pre-rollout')
    ? { state, actions: [{ type: 'call-hook', hook: 'pre-rollout' }] }
    : advance(state, policy, now, 'started');
}

function onTick(state: RolloutState, policy: RolloutPolicy, now: number): StepResult {
  const due = nextDueAt(state, policy);
  return due !== undefined && now >= due ? { state, actions: [{ type: 'analyze', windowMs: policy.intervalMs }] } : { state, actions: [] };
}

function onPromoted(state: RolloutState, policy: RolloutPolicy): StepResult {
  if (state.phase !== 'Promoting') return { state, actions: [] };
  return {
    state: { ...state, phase: 'Succeeded', weight: 0, reason: 'promoted: the stable version is the new one' },
    actions: [
      ...(has(policy, 'post-rollout') ? [{ type: 'call-hook', hook: 'post-rollout' } as const] : []),
      { type: 'record', message: 'promoted' },
    ],
  };
}

export function step(state: RolloutState, observation: Observation, now: number, policy: RolloutPolicy = DEFAULT_POLICY): StepResult {
  switch (observation.type) {
    case 'start':
      return onStart(state, policy, now);
    case 'tick':
      return onTick(state, policy, now);
    case 'analysis':
      return onAnalysis(state, policy, observation, now);
    case 'hook':
      return onHook(state, policy, observation, now);
    case 'command':
      return onCommand(state, policy, observation.command, now);
    case 'promoted':
      return onPromoted(state, policy);
    case 'weight-applied':
      return state.phase === 'Progressing' ? { state: { ...state, stepStartedAt: now }, actions: [] } : { state, actions: [] };
    case 'rolled-back':
      if (state.phase !== 'RollingBack') return { state, actions: [] };
      return { state: { ...state, phase: 'Failed' }, actions: [{ type: 'record', message: `rolled back: ${state.reason}` }] };
  }
}
