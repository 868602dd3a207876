// Check benchmark: render + check of a generated 1,000-service app, and check
// of the same objects as a directory of plain manifests (files read, parsed with
// positions, checked). kube-score, when built (bench/peers.sh), runs on the same
// directory in the same run for a ratio.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runChecks } from '@nimbus/check';
import { loadApp } from '@nimbus/model';
import { bundleFiles, objectsToYaml, renderApp } from '@nimbus/render';
import { generateAppText } from './generate.mjs';
import { best as bestOf, rate } from './timing.mjs';

const best = (fn) => bestOf(fn, ROUNDS);

import { peerBinary } from './peers.mjs';

const SERVICES = Number(process.env.BENCH_SERVICES ?? 1000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const text = generateAppText(SERVICES);

// 1. Spec -> render -> check, all in memory.
const pipeline = best(() => {
  const { objects } = renderApp(loadApp([{ file: 'bench.yaml', text }]).spec);
  return { objects, findings: runChecks(objects) };
});
const n = pipeline.result.objects.length;
console.log(`check: ${SERVICES} services -> ${n} objects, ${pipeline.result.findings.length} findings (best of ${ROUNDS})`);
console.log(`  render + check: ${(pipeline.seconds * 1000).toFixed(0)} ms -> ${rate(n, pipeline.seconds)} objects/s`);
const checkOnly = best(() => runChecks(pipeline.result.objects));
console.log(`  check alone (schema + ${'rules'}): ${(checkOnly.seconds * 1000).toFixed(0)} ms -> ${rate(n, checkOnly.seconds)} objects/s`);

// 2. The same spec checked by the command, whole process: read, validate, render, check, print.
const specDir = mkdtempSync(join(tmpdir(), 'nimbus-bench-spec-'));
writeFileSync(join(specDir, 'nimbus.yaml'), text);
const cli = new URL('../packages/cli/bin/nimbus.cjs', import.meta.url).pathname;
const timed = (cmd, args, opts = {}) => {
  let min = Number.POSITIVE_INFINITY;
  for (let i = 0; i < (opts.rounds ?? ROUNDS); i++) {
    const t0 = process.hrtime.bigint();
    spawnSync(cmd, args, { stdio: 'ignore', cwd: opts.cwd });
    min = Math.min(min, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return min;
};
const specWhole = timed(process.execPath, [cli, 'check', '-o', 'json'], { cwd: specDir });
console.log(
  `  nimbus check (the spec, whole process): ${(specWhole * 1000).toFixed(0)} ms -> ${rate(n, specWhole)} objects/s (goal 10,000)`,
);
rmSync(specDir, { recursive: true, force: true });

// 3. The same objects as plain manifests on disk, checked by the CLI.
const dir = mkdtempSync(join(tmpdir(), 'nimbus-bench-'));
for (const f of bundleFiles(pipeline.result.objects)) if (f.path !== 'kustomization.yaml') writeFileSync(join(dir, f.path), f.content);
const ours = timed(process.execPath, [cli, 'check', '-f', dir, '-o', 'json']);
console.log(`  nimbus check -f DIR (${n} files, whole process): ${(ours * 1000).toFixed(0)} ms -> ${rate(n, ours)} objects/s`);
const kubeScore = peerBinary('kube-score');
if (kubeScore) {
  const files = bundleFiles(pipeline.result.objects)
    .filter((f) => f.path !== 'kustomization.yaml')
    .map((f) => join(dir, f.path));
  const peer = timed(kubeScore, ['score', '--output-format', 'ci', ...files]);
  console.log(
    `  kube-score score (same files, policy only): ${(peer * 1000).toFixed(0)} ms -> ${rate(n, peer)} objects/s; nimbus is ${(peer / ours).toFixed(2)}x`,
  );
} else {
  console.log('  kube-score not built: run `bash bench/peers.sh` to measure it in the same run');
}
rmSync(dir, { recursive: true, force: true });

// 4. A 700-object directory, whole processes: the size of a real app's manifests.
const small = mkdtempSync(join(tmpdir(), 'nimbus-bench-700-'));
const smallObjects = renderApp(loadApp([{ file: 'bench.yaml', text: generateAppText(Math.round((700 / n) * SERVICES)) }]).spec).objects;
const smallFiles = bundleFiles(smallObjects).filter((f) => f.path !== 'kustomization.yaml');
for (const f of smallFiles) writeFileSync(join(small, f.path), f.content);
const nodeBare = timed(process.execPath, ['-e', '0']);
const oursSmall = timed(process.execPath, [cli, 'check', '-f', small, '-o', 'json']);
console.log(
  `  ${smallObjects.length}-object directory, whole process: nimbus check -f ${(oursSmall * 1000).toFixed(0)} ms (node -e 0: ${(nodeBare * 1000).toFixed(0)} ms)`,
);
const peers = [
  ['kube-score', (bin) => [bin, ['score', '--output-format', 'ci', ...smallFiles.map((f) => join(small, f.path))]]],
  ['kube-linter', (bin) => [bin, ['lint', small]]],
];
for (const [peerName, args] of peers) {
  const bin = peerBinary(peerName);
  if (!bin) {
    console.log(`  ${peerName} not built: run \`bash bench/peers.sh\``);
    continue;
  }
  const [cmd, argv] = args(bin);
  const t = timed(cmd, argv);
  console.log(`  ${peerName}: ${(t * 1000).toFixed(0)} ms; nimbus takes ${(oursSmall / t).toFixed(2)}x its time`);
}
rmSync(small, { recursive: true, force: true });

// 5. Start-up: what a short command costs, whole processes, beside bare Node in the same run.
const startup = mkdtempSync(join(tmpdir(), 'nimbus-bench-start-'));
const fileObjects = renderApp(loadApp([{ file: 'bench.yaml', text: generateAppText(5) }]).spec).objects;
const oneFile = join(startup, 'app.yaml');
writeFileSync(oneFile, objectsToYaml(fileObjects));
const STARTS = Math.max(ROUNDS, 10);
const bare = timed(process.execPath, ['-e', '0'], { rounds: STARTS });
const help = timed(process.execPath, [cli, '--help'], { rounds: STARTS });
const fileCheck = timed(process.execPath, [cli, 'check', '-f', oneFile], { rounds: STARTS });
const modulesCheck = timed('env', ['NIMBUS_NO_BUNDLE=1', process.execPath, cli, 'check', '-f', oneFile], { rounds: STARTS });
console.log(`start-up (best of ${STARTS}, whole processes): node -e 0 ${(bare * 1000).toFixed(0)} ms`);
console.log(`  nimbus --help ${(help * 1000).toFixed(0)} ms (goal 100)`);
console.log(
  `  nimbus check -f (one file, ${fileObjects.length} objects) ${(fileCheck * 1000).toFixed(0)} ms (goal 150); from the modules instead of the one-file build ${(modulesCheck * 1000).toFixed(0)} ms`,
);
for (const [peerName, argv] of [
  ['kube-score', ['score', '--output-format', 'ci', oneFile]],
  ['kube-linter', ['lint', oneFile]],
]) {
  const bin = peerBinary(peerName);
  if (bin) console.log(`  ${peerName} on the same file: ${(timed(bin, argv, { rounds: STARTS }) * 1000).toFixed(0)} ms`);
}
rmSync(startup, { recursive: true, force: true });
console.log(`  peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB (this process)`);
