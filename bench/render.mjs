// Render benchmark: load + render + serialise a generated app of 1,000 services.
// Prints objects/s and peak RSS, and the YAML writer against `yaml`'s stringify
// (the peer) on the same objects in the same process.
import { loadApp } from '@nimbus/model';
import { objectsToYaml, renderApp } from '@nimbus/render';
import { stringify } from 'yaml';
import { generateAppText } from './generate.mjs';
import { best as bestOf, rate } from './timing.mjs';

const best = (fn) => bestOf(fn, ROUNDS);

const SERVICES = Number(process.env.BENCH_SERVICES ?? 1000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const text = generateAppText(SERVICES);

const load = best(() => loadApp([{ file: 'bench.yaml', text }]));
const render = best(() => renderApp(load.result.spec));
const objects = render.result.objects;
const ours = best(() => objectsToYaml(objects));
const peer = best(() => objects.map((o) => `---\n${stringify(o)}`).join(''));
const total = load.seconds + render.seconds + ours.seconds;
const rssMiB = process.resourceUsage().maxRSS / 1024;

console.log(`render: ${SERVICES} services -> ${objects.length} objects (best of ${ROUNDS})`);
console.log(
  `  load+validate ${(load.seconds * 1000).toFixed(0)} ms, render ${(render.seconds * 1000).toFixed(0)} ms, YAML ${(ours.seconds * 1000).toFixed(0)} ms`,
);
console.log(`  end to end: ${rate(objects.length, total)} objects/s; peak RSS ${rssMiB.toFixed(0)} MiB`);
console.log(
  `  YAML writer: ${rate(objects.length, ours.seconds)} objects/s vs yaml.stringify ${rate(objects.length, peer.seconds)} objects/s -> ${(peer.seconds / ours.seconds).toFixed(2)}x`,
);
