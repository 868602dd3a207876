// Time to roll back a bad release and to promote a good one with the default rollout settings, on
// the same observations, beside Flagger's time for its documented defaults (interval 1 m; the
// threshold and step weight its examples use: 5 failed checks, steps of 10 % up to 50 %). The
// canary state machine runs on a simulated clock: every analysis sees a failing (or passing) canary.
import { DEFAULT_POLICY, initialState, isDone, rolloutStep } from '../packages/delivery/dist/index.js';

function simulate(verdict, policy = DEFAULT_POLICY) {
  let state = initialState(0);
  let now = 0;
  const checks = [{ name: 'success rate %', value: verdict === 'pass' ? 100 : 50, bound: '≥ 99', ok: verdict === 'pass' }];
  const pending = [{ type: 'start' }];
  // What each action leads to, as the executor would observe it.
  const outcomes = {
    analyze: { type: 'analysis', verdict, checks, requests: 1000 },
    promote: { type: 'promoted' },
    rollback: { type: 'rolled-back' },
  };
  for (let guard = 0; guard < 10_000 && !isDone(state); guard++) {
    const o = pending.shift() ?? { type: 'tick' };
    const r = rolloutStep(state, o, now, policy);
    state = r.state;
    pending.push(...r.actions.map((a) => outcomes[a.type]).filter(Boolean));
    if (!pending.length) now += 100; // the executor looks again a tenth of a second later
  }
  return { seconds: now / 1000, phase: state.phase };
}

const flagger = { interval: 60, threshold: 5, steps: 5 };
const bad = simulate('fail');
const good = simulate('pass');
console.log(
  `canary (defaults: steps ${DEFAULT_POLICY.steps.join(', ')} %, interval ${DEFAULT_POLICY.intervalMs / 1000} s, threshold ${DEFAULT_POLICY.threshold})`,
);
console.log(
  `  bad release rolled back after ${bad.seconds} s (${bad.phase}); Flagger: ${flagger.interval * flagger.threshold} s (interval × threshold) → ${((flagger.interval * flagger.threshold) / bad.seconds).toFixed(1)}x sooner   goal ≤ 60 s`,
);
console.log(
  `  good release promoted after ${good.seconds} s (${good.phase}); Flagger: ${flagger.interval * flagger.steps} s (${flagger.steps} steps × interval) → ${((flagger.interval * flagger.steps) / good.seconds).toFixed(1)}x sooner`,
);
if (bad.seconds > 60 || bad.phase !== 'Failed' || good.phase !== 'Succeeded') process.exitCode = 1;
