// Deploy benchmark: ~1,000 objects applied by `nimbus deploy` and by
// `kubectl apply --server-side` (the peer), both as whole processes from a clean
// namespace, on the same testbed in the same run. Starts the testbed if needed.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadApp } from '@nimbus/model';
import { objectsToYaml, renderApp } from '@nimbus/render';
import { generateAppText } from './generate.mjs';

const root = new URL('../', import.meta.url).pathname;
const SERVICES = Number(process.env.BENCH_SERVICES ?? 150);
const kubeconfig =
  process.env.NIMBUS_TEST_KUBECONFIG ??
  spawnSync('bash', ['testbed/up.sh'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).stdout.trim();
if (!kubeconfig) throw new Error('the testbed did not start');

function objectsFor(namespace) {
  const spec = loadApp([{ text: generateAppText(SERVICES) }]).spec;
  return renderApp({ ...spec, metadata: { ...spec.metadata, name: 'bench', namespace } }).objects;
}

function timed(cmd, args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr.slice(0, 2000)}`);
  return seconds;
}

const kubectl = (...args) => spawnSync('kubectl', ['--kubeconfig', kubeconfig, ...args], { encoding: 'utf8' });
const dir = mkdtempSync(join(tmpdir(), 'nimbus-bench-deploy-'));
const stamp = Date.now().toString(36);
try {
  const nsOurs = `bench-nimbus-${stamp}`;
  const nsPeer = `bench-kubectl-${stamp}`;
  const ours = objectsFor(nsOurs);
  const peer = objectsFor(nsPeer);
  writeFileSync(join(dir, 'ours.yaml'), objectsToYaml(ours));
  writeFileSync(join(dir, 'peer.yaml'), objectsToYaml(peer));
  const cli = join(root, 'packages/cli/bin/nimbus.cjs');
  const tOurs = timed(process.execPath, [
    cli,
    'deploy',
    '-f',
    join(dir, 'ours.yaml'),
    '--app',
    'bench',
    '-n',
    nsOurs,
    '--no-wait',
    '--kubeconfig',
    kubeconfig,
  ]);
  const tPeer = timed('kubectl', ['--kubeconfig', kubeconfig, 'apply', '--server-side', '-f', join(dir, 'peer.yaml')]);
  const n = ours.length;
  console.log(`deploy: ${n} objects (${SERVICES} services) into a clean namespace, whole processes`);
  console.log(`  nimbus deploy (validate + server dry run + apply + release): ${tOurs.toFixed(2)} s -> ${Math.round(n / tOurs)} objects/s`);
  console.log(`  kubectl apply --server-side:                              ${tPeer.toFixed(2)} s -> ${Math.round(n / tPeer)} objects/s`);
  console.log(`  nimbus is ${(tPeer / tOurs).toFixed(2)}x kubectl`);
  kubectl('delete', 'namespace', nsOurs, nsPeer, '--wait=false');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
