// Runs every benchmark, each in its own process so peak RSS is its own.
import { spawnSync } from 'node:child_process';

const benches = process.argv.slice(2).length ? process.argv.slice(2) : ['render', 'check', 'deploy', 'sdk', 'cache', 'containers'];
let failed = 0;
for (const name of benches) {
  const r = spawnSync(process.execPath, [new URL(`./${name}.mjs`, import.meta.url).pathname], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
