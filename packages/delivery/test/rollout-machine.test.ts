import { describe, expect, it } from 'vitest';
import {
  type Action,
  type CheckResult,
  DEFAULT_POLICY,
  initialState,
  type Observation,
  type RolloutPolicy,
  type RolloutState,
  step,
} from '../src/rollout/machine.js';

const ok: CheckResult[] = [{ name: 'success rate', value: 100, bound: '≥ 99', ok: true }];
const bad: CheckResult[] = [{ name: 'success rate', value: 80, bound: '≥ 99', ok: false }];
const pass: Observation = { type: 'analysis', verdict: 'pass', checks: ok, requests: 500 };
const fail: Observation = { type: 'analysis', verdict: 'fail', checks: bad, requests: 500 };
const quiet: Observation = { type: 'analysis', verdict: 'inconclusive', checks: [], requests: 2 };

/** Runs observations at the given times; returns every state and action. */
function run(script: [number, Observation][], policy: RolloutPolicy = DEFAULT_POLICY) {
  let state: RolloutState = initialState(0);
  const actions: Action[] = [];
  const phases: string[] = [];
  for (const [at, o] of script) {
    const r = step(state, o, at, policy);
    state = r.state;
    actions.push(...r.actions);
    phases.push(state.phase);
  }
  return { state, actions, phases, weights: actions.filter((a) => a.type === 'set-weight').map((a) => (a as { weight: number }).weight) };
}

describe('the canary state machine', () => {
  it('walks the default steps 5, 10, 25, 50 and promotes', () => {
    const r = run([
      [0, { type: 'start' }],
      [10_000, pass],
      [20_000, pass],
      [30_000, pass],
      [40_000, pass],
      [40_100, { type: 'promoted' }],
    ]);
    expect(r.weights).toEqual([5, 10, 25, 50]);
    expect(r.actions.some((a) => a.type === 'promote')).toBe(true);
    expect(r.state.phase).toBe('Succeeded');
  });

  it('asks for an analysis only once the interval at a weight has passed', () => {
    const started = step(initialState(0), { type: 'start' }, 0).state;
    expect(step(started, { type: 'tick' }, 9_999).actions).toEqual([]);
    expect(step(started, { type: 'tick' }, 10_000).actions).toEqual([{ type: 'analyze', windowMs: 10_000 }]);
  });

  it('runs the interval from when the weight reached the traffic (the canary pods ready)', () => {
    const started = step(initialState(0), { type: 'start' }, 0).state;
    const applied = step(started, { type: 'weight-applied' }, 7_000).state;
    expect(step(applied, { type: 'tick' }, 10_000).actions).toEqual([]);
    expect(step(applied, { type: 'tick' }, 17_000).actions).toEqual([{ type: 'analyze', windowMs: 10_000 }]);
  });

  it('rolls back at the threshold of consecutive failed checks, the weight at 0 first', () => {
    const r = run([
      [0, { type: 'start' }],
      [10_000, pass],
      [20_000, fail],
      [30_000, fail],
    ]);
    expect(r.state.phase).toBe('RollingBack');
    const last = r.actions.slice(-3);
    expect(last[0]).toEqual({ type: 'set-weight', weight: 0 });
    expect(last[1]).toEqual({ type: 'rollback' });
    expect(r.state.reason).toMatch(/2 failed checks at 10%: success rate 80 \(needs ≥ 99\)/);
    expect(step(r.state, { type: 'rolled-back' }, 30_100).state.phase).toBe('Failed');
  });

  it('forgives a failed check followed by a passing one', () => {
    const r = run([
      [0, { type: 'start' }],
      [10_000, fail],
      [20_000, pass],
      [30_000, fail],
      [40_000, pass],
    ]);
    expect(r.state.phase).toBe('Progressing');
    expect(r.weights).toEqual([5, 10, 25]);
  });

  it('treats too little traffic as inconclusive and, past the bound, decides as configured', () => {
    const policy = { ...DEFAULT_POLICY, inconclusive: { onTimeout: 'rollback' as const, maxWaitMs: 30_000, generateLoad: false } };
    const waiting = run(
      [
        [0, { type: 'start' }],
        [10_000, quiet],
        [20_000, quiet],
      ],
      policy,
    );
    expect(waiting.state.phase).toBe('Progressing');
    expect(waiting.state.reason).toMatch(/inconclusive: 2 requests; waiting up to 30 s/);
    const decided = run(
      [
        [0, { type: 'start' }],
        [10_000, quiet],
        [20_000, quiet],
        [30_000, quiet],
      ],
      policy,
    );
    expect(decided.state.phase).toBe('RollingBack');
    expect(decided.state.reason).toMatch(/no conclusive traffic for 30 s/);
    const onward = run(
      [
        [0, { type: 'start' }],
        [10_000, quiet],
        [20_000, quiet],
        [30_000, quiet],
      ],
      { ...policy, inconclusive: { ...policy.inconclusive, onTimeout: 'promote' } },
    );
    expect(onward.weights).toEqual([5, 10]);
  });

  it('asks the load hook for traffic while inconclusive, when configured', () => {
    const policy: RolloutPolicy = {
      ...DEFAULT_POLICY,
      hooks: ['load'],
      inconclusive: { onTimeout: 'rollback', maxWaitMs: 60_000, generateLoad: true },
    };
    const r = run(
      [
        [0, { type: 'start' }],
        [10_000, quiet],
      ],
      policy,
    );
    expect(r.actions).toContainEqual({ type: 'call-hook', hook: 'load' });
  });

  it('runs the pre-rollout hook first and stops when it fails', () => {
    const policy: RolloutPolicy = { ...DEFAULT_POLICY, hooks: ['pre-rollout', 'rollback'] };
    const begun = run([[0, { type: 'start' }]], policy);
    expect(begun.actions).toEqual([{ type: 'call-hook', hook: 'pre-rollout' }]);
    const refused = run(
      [
        [0, { type: 'start' }],
        [50, { type: 'hook', hook: 'pre-rollout', ok: false, message: 'freeze window' }],
      ],
      policy,
    );
    expect(refused.state.phase).toBe('RollingBack');
    expect(refused.actions).toContainEqual({ type: 'call-hook', hook: 'rollback' });
  });

  it('holds at the manual gate until promoted', () => {
    const policy = { ...DEFAULT_POLICY, steps: [50], manualPromotion: true };
    const r = run(
      [
        [0, { type: 'start' }],
        [10_000, pass],
      ],
      policy,
    );
    expect(r.state.phase).toBe('AwaitingPromotion');
    expect(step(r.state, { type: 'tick' }, 99_000, policy).actions).toEqual([]);
    const promoted = step(r.state, { type: 'command', command: 'promote' }, 100_000, policy);
    expect(promoted.actions).toContainEqual({ type: 'promote' });
  });

  it('waits for confirm-promotion when that hook is configured', () => {
    const policy: RolloutPolicy = { ...DEFAULT_POLICY, steps: [50], hooks: ['confirm-promotion', 'post-rollout'] };
    const r = run(
      [
        [0, { type: 'start' }],
        [10_000, pass],
        [10_100, { type: 'hook', hook: 'confirm-promotion', ok: false }],
      ],
      policy,
    );
    expect(r.state.phase).toBe('ConfirmingPromotion');
    const yes = step(r.state, { type: 'hook', hook: 'confirm-promotion', ok: true }, 11_000, policy);
    expect(yes.actions).toContainEqual({ type: 'promote' });
    expect(step(yes.state, { type: 'promoted' }, 11_100, policy).actions).toContainEqual({ type: 'call-hook', hook: 'post-rollout' });
  });

  it('aborts at once from any live phase, and pauses and resumes', () => {
    const started = run([
      [0, { type: 'start' }],
      [10_000, pass],
    ]).state;
    const aborted = step(started, { type: 'command', command: 'abort' }, 12_000);
    expect(aborted.actions[0]).toEqual({ type: 'set-weight', weight: 0 });
    const paused = step(started, { type: 'command', command: 'pause' }, 12_000).state;
    expect(paused.phase).toBe('Paused');
    expect(step(paused, { type: 'tick' }, 90_000).actions).toEqual([]);
    expect(step(paused, pass, 90_000).actions).toEqual([]);
    const resumed = step(paused, { type: 'command', command: 'resume' }, 90_000).state;
    expect(resumed).toMatchObject({ phase: 'Progressing', weight: 10, stepStartedAt: 90_000 });
  });

  it('ignores everything once finished', () => {
    const done = run([
      [0, { type: 'start' }],
      [10_000, fail],
      [20_000, fail],
      [20_100, { type: 'rolled-back' }],
    ]).state;
    for (const o of [pass, { type: 'command', command: 'promote' }, { type: 'tick' }] as Observation[])
      expect(step(done, o, 99_000)).toEqual({ state: done, actions: [] });
  });
});
