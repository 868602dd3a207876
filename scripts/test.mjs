#!/usr/bin/env node
// The one test command (`npm test`), also run by .ci/run: build and type-check,
// lint, start the real backends the integration tests need, run every test,
// and end with one line `N passed, N failed` for the whole run.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('../', import.meta.url).pathname;
const ci = process.env.CI === 'true' || process.env.CI === '1';
const resultsDir = join(root, '.test-results');
mkdirSync(resultsDir, { recursive: true });

function step(title, cmd, args, options = {}) {
  console.log(`\n== ${title}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...options.env } });
  return r.status ?? 1;
}

let failedSteps = 0;
if (step('build and type-check', 'npx', ['tsc', '-b', 'packages/cli', 'packages/runtime']) !== 0) failedSteps++;
else if (step('precompile schema validators', 'node', ['scripts/build-validators.mjs']) !== 0) failedSteps++;
else if (step('one-file CLI and its code cache', 'node', ['scripts/bundle-cli.mjs']) !== 0) failedSteps++;
if (step('lint', 'npx', ['biome', 'ci', '.']) !== 0) failedSteps++;

const hasIntegration = ['test/integration', 'e2e'].some((d) => existsSync(join(root, d)) && readdirSync(join(root, d)).length > 0);
let backendEnv = {};
if (hasIntegration) {
  // Integration tests run against real backends; if one cannot start, the run fails loudly.
  const up = spawnSync('bash', ['testbed/up.sh', '--env-file', join(resultsDir, 'testbed.env')], { cwd: root, stdio: 'inherit' });
  if (up.status !== 0) {
    console.error('\nthe testbed did not start: integration tests cannot run');
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
  backendEnv = Object.fromEntries(
    readFileSync(join(resultsDir, 'testbed.env'), 'utf8')
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

const report = join(resultsDir, 'vitest.json');
const projects = hasIntegration ? [] : ['--project', 'unit'];
const vitestStatus = step(
  'tests',
  'npx',
  ['vitest', 'run', ...projects, '--reporter=default', '--reporter=json', `--outputFile.json=${report}`],
  {
    env: { ...backendEnv, NIMBUS_REQUIRE_BACKENDS: ci ? '1' : (process.env.NIMBUS_REQUIRE_BACKENDS ?? '') },
  },
);
if (hasIntegration) spawnSync('bash', ['testbed/down.sh'], { cwd: root, stdio: 'inherit' });

let passed = 0;
let failed = 0;
let skipped = 0;
if (existsSync(report)) {
  const r = JSON.parse(readFileSync(report, 'utf8'));
  passed = r.numPassedTests;
  failed = r.numFailedTests + (r.numFailedTestSuites ?? 0);
  skipped = r.numPendingTests + r.numTodoTests;
} else {
  failed = 1;
}
// A skipped test proves nothing: in CI it counts as a failure.
if (ci && skipped > 0) failed += skipped;
failed += failedSteps;
const exit = failed > 0 || vitestStatus !== 0 ? 1 : 0;
console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(exit);
