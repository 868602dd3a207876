// Render benchmark: load + render + serialise a generated app of 1,000 services.
// Prints objects/s and peak RSS, and the YAML writer against `yaml`'s stringify
// (the peer) on the same objects in the same process.
import { loadApp } from '@nimbus/model';
import { objectsToYaml, renderApp } from '@nimbus/render';
import { stringify } from 'yaml';
import { generateAppText } from './generate.mjs';

const SERVICES = Number(process.env.BENCH_SERVICES ?? 1000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const text = generateAppText(SERVICES);

function best(fn) {
  let min = Number.POSITIVE_INFINITY;
  let result;
  for (let i = 0; i < ROUNDS; i++) {
    const t0 = process.hrtime.bigint();
    result = fn();
    min = Math.min(min, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return { seconds: min, result };
}

const load = best(() => loadApp([{ file: 'bench.yaml', text }]));
const render = best(() => renderApp(load.result.spec));
const objects = render.result.objects;
const ours = best(() => objectsToYaml(objects));
const peer = best(() => objects.map((o) => `---\n${stringify(o)}`).join(''));
const total = load.seconds + render.seconds + ours.seconds;
const rssMiB = process.resourceUsage().maxRSS / 1024;

const rate = (n, s) => Math.round(n / s).toLocaleString('en-US');
console.log(`render: ${SERVICES} services -> ${objects.length} objects (best of ${ROUNDS})`);
console.log(
  `  load+validate ${(load.seconds * 1000).toFixed(0)} ms, render ${(render.seconds * 1000).toFixed(0)} ms, YAML ${(ours.seconds * 1000).toFixed(0)} ms`,
);
console.log(`  end to end: ${rate(objects.length, total)} objects/s; peak RSS ${rssMiB.toFixed(0)} MiB`);
console.log(
  `  YAML writer: ${rate(objects.length, ours.seconds)} objects/s vs yaml.stringify ${rate(objects.length, peer.seconds)} objects/s -> ${(peer.seconds / ours.seconds).toFixed(2)}x`,
);
