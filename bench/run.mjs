// Runs every benchmark, each in its own process so peak RSS is its own.
import { spawnSync } from 'node:child_process';

// The deploy benchmark runs last: the control plane keeps deleting its namespaces (and simulating their
// pods) for a while after it ends, which would load the CPU the per-request SDK measurement reads.
const benches = process.argv.slice(2).length
  ? process.argv.slice(2)
  : ['render', 'check', 'agreement', 'sdk', 'cache', 'guard', 'containers', 'node', 'gitops', 'canary', 'deploy'];
let failed = 0;
for (const name of benches) {
  const r = spawnSync(process.execPath, [new URL(`./${name}.mjs`, import.meta.url).pathname], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
