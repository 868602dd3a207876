// Real-node benchmark: the example shop to all-Ready on the testbed's real node,
// `nimbus deploy` versus `helm upgrade --install --wait --wait-for-jobs` (Helm
// built from its Go module by bench/peers.sh) with a chart holding the same
// rendered manifests, same run, same node, clean namespaces. Then the time from a
// crash loop's first restart to the failed deploy (Helm waits out its timeout,
// 5 minutes by default). Needs the testbed with its real node (testbed/up.sh).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadApp } from '@nimbus/model';
import { objectsToYaml, renderApp } from '@nimbus/render';

const root = new URL('../', import.meta.url).pathname;
const env = Object.fromEntries(
  readFileSync(join(root, '.test-results/testbed.env'), 'utf8')
    .split('\n')
    .filter((l) => l.includes('='))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
);
const kubeconfig = env.NIMBUS_TEST_KUBECONFIG;
const registry = env.NIMBUS_TEST_REGISTRY;
const dockerHost = env.NIMBUS_TEST_DOCKER_HOST;
if (!kubeconfig || !env.NIMBUS_TEST_NODE)
  throw new Error('start the testbed with its real node first: bash testbed/up.sh --env-file .test-results/testbed.env');
const peers = process.env.NIMBUS_PEERS ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'nimbus-testbed/peers');
spawnSync('bash', [join(root, 'bench/peers.sh')], { stdio: 'inherit' });
const helm = join(peers, 'helm');
const cli = join(root, 'packages/cli/bin/nimbus.cjs');
const kubectl = (...args) => spawnSync('kubectl', ['--kubeconfig', kubeconfig, ...args], { encoding: 'utf8' });
const run = (cmd, args, opts = {}) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.slice(0, 3).join(' ')} failed: ${(r.stderr || r.stdout).slice(-2000)}`);
  return r.stdout;
};
const seconds = (t0) => Number(process.hrtime.bigint() - t0) / 1e9;
const PLACEMENT =
  'placement: { nodeSelector: { nimbus.dev/testbed-node: real }, tolerations: [{ key: nimbus.dev/testbed-node, operator: Equal, value: real, effect: NoSchedule }] }';

const dir = mkdtempSync(join(tmpdir(), 'nimbus-bench-node-'));
const stamp = Date.now().toString(36);
const namespaces = [];
try {
  // The example's images, built by Nimbus and pushed to the registry the node pulls from.
  execFileSync(process.execPath, [join(root, 'examples/shop/bundle.mjs')], { stdio: 'pipe' });
  const spec = readFileSync(join(root, 'examples/shop/nimbus.yaml'), 'utf8')
    .replaceAll('registry.local:5000', registry)
    .replaceAll(':1.4.2', `:${stamp}`)
    .replace('  defaults:\n', `  defaults:\n    ${PLACEMENT}\n`);
  writeFileSync(join(root, 'examples/shop/.bench-nimbus.yaml'), spec);
  try {
    run(
      process.execPath,
      [
        cli,
        'build',
        'examples/shop/.bench-nimbus.yaml',
        '--push',
        '--tag',
        stamp,
        '--build-arg',
        'RUNTIME_IMAGE=nimbus-test/node:20',
        '--docker-host',
        dockerHost,
      ],
      {
        cwd: root,
      },
    );
  } finally {
    rmSync(join(root, 'examples/shop/.bench-nimbus.yaml'), { force: true });
  }
  const rendered = (namespace) => {
    const app = loadApp([{ text: spec }]).spec;
    return renderApp({ ...app, metadata: { ...app.metadata, namespace } }).objects;
  };
  // The same objects Nimbus applies: an autoscaled Deployment starts at its HPA's minimum (a chart
  // author writes that replica count into the template; without it Kubernetes starts one pod).
  const asHelmChartObjects = (objects) =>
    objects
      .filter((o) => o.kind !== 'Namespace')
      .map((o) => {
        const hpa = objects.find((h) => h.kind === 'HorizontalPodAutoscaler' && h.spec.scaleTargetRef.name === o.metadata.name);
        return o.kind === 'Deployment' && o.spec.replicas === undefined && hpa
          ? { ...o, spec: { ...o.spec, replicas: hpa.spec.minReplicas } }
          : o;
      });
  const prepare = (namespace) => {
    namespaces.push(namespace);
    kubectl('create', 'namespace', namespace);
    kubectl('label', 'namespace', namespace, 'pod-security.kubernetes.io/enforce=restricted');
    kubectl('-n', namespace, 'create', 'secret', 'generic', 'shop-db', '--from-literal=password=local');
  };

  // The images are pulled once before anything is timed: neither tool pays for the first pull.
  const warm = `bench-node-warm-${stamp}`;
  prepare(warm);
  writeFileSync(join(dir, 'warm.yaml'), objectsToYaml(rendered(warm)));
  run(process.execPath, [
    cli,
    'deploy',
    '-f',
    join(dir, 'warm.yaml'),
    '--app',
    'shop',
    '-n',
    warm,
    '--timeout',
    '5m',
    '--kubeconfig',
    kubeconfig,
  ]);
  kubectl('delete', 'namespace', warm, '--wait=true', '--timeout=120s');
  const results = [];
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
  for (let round = 0; round < rounds; round++) {
    const nsOurs = `bench-node-nimbus-${stamp}-${round}`;
    const nsPeer = `bench-node-helm-${stamp}-${round}`;
    prepare(nsOurs);
    prepare(nsPeer);
    writeFileSync(join(dir, 'ours.yaml'), objectsToYaml(rendered(nsOurs)));
    const chart = join(dir, `chart-${round}`);
    mkdirSync(join(chart, 'templates'), { recursive: true });
    writeFileSync(join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: shop\nversion: 1.4.2\n');
    // The same objects; the Namespace already exists (Helm does not own it).
    writeFileSync(join(chart, 'templates/shop.yaml'), objectsToYaml(asHelmChartObjects(rendered(nsPeer))));

    const ourArgs = [
      cli,
      'deploy',
      '-f',
      join(dir, 'ours.yaml'),
      '--app',
      'shop',
      '-n',
      nsOurs,
      '--timeout',
      '5m',
      '--kubeconfig',
      kubeconfig,
    ];
    const peerArgs = [
      'upgrade',
      '--install',
      'shop',
      chart,
      '-n',
      nsPeer,
      '--wait',
      '--wait-for-jobs',
      '--timeout',
      '5m',
      '--kubeconfig',
      kubeconfig,
    ];
    const timedRun = (cmd, args) => {
      const t0 = process.hrtime.bigint();
      run(cmd, args);
      return seconds(t0);
    };
    // Alternate who goes first: the first deploy of a round may find the node busier.
    let ours;
    let peer;
    if (round % 2 === 0) {
      ours = timedRun(process.execPath, ourArgs);
      peer = timedRun(helm, peerArgs);
    } else {
      peer = timedRun(helm, peerArgs);
      ours = timedRun(process.execPath, ourArgs);
    }
    results.push({ ours, peer });
    console.log(
      `  round ${round + 1}: nimbus deploy ${ours.toFixed(2)} s, helm upgrade --install --wait ${peer.toFixed(2)} s (${(ours / peer).toFixed(2)}x)`,
    );
    // The node has two cores: each round starts on an empty node.
    kubectl('delete', 'namespace', nsOurs, nsPeer, '--wait=true', '--timeout=120s');
  }
  const best = (k) => Math.min(...results.map((r) => r[k]));
  console.log('node: the example shop to all-Ready on the real node (8 pods, a Job), whole processes');
  console.log(`  nimbus deploy:                            best ${best('ours').toFixed(2)} s`);
  console.log(`  helm upgrade --install --wait-for-jobs:   best ${best('peer').toFixed(2)} s`);
  console.log(`  nimbus / helm wall time: ${(best('ours') / best('peer')).toFixed(2)}x (goal <= 0.7x)`);

  // A crash loop: the time from the first restart of the new pod to the failed deploy.
  const ns = `bench-node-crash-${stamp}`;
  namespaces.push(ns);
  kubectl('create', 'namespace', ns);
  const busybox = `${registry}/nimbus-test/busybox:1.35`;
  run('docker', ['-H', dockerHost, 'tag', 'nimbus-test/busybox:1.35', busybox]);
  run('docker', ['-H', dockerHost, 'push', busybox]);
  writeFileSync(
    join(dir, 'crash.yaml'),
    `apiVersion: apps/v1
kind: Deployment
metadata: { name: crash }
spec:
  replicas: 1
  selector: { matchLabels: { app: crash } }
  template:
    metadata: { labels: { app: crash } }
    spec:
      nodeSelector: { nimbus.dev/testbed-node: real }
      tolerations: [{ key: nimbus.dev/testbed-node, operator: Equal, value: real, effect: NoSchedule }]
      containers: [{ name: crash, image: ${busybox}, command: [/bin/sh, -c, 'echo starting; exit 1'] }]
`,
  );
  let firstRestart;
  const watcher = setInterval(() => {
    const r = kubectl('-n', ns, 'get', 'pods', '-o', 'jsonpath={.items[*].status.containerStatuses[*].restartCount}');
    if (!firstRestart && r.stdout.split(' ').some((n) => Number(n) >= 1)) firstRestart = process.hrtime.bigint();
  }, 100);
  const t0 = process.hrtime.bigint();
  const failed = await new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [cli, 'deploy', '-f', join(dir, 'crash.yaml'), '--app', 'crash', '-n', ns, '--kubeconfig', kubeconfig],
      {
        stdio: 'ignore',
      },
    );
    child.on('exit', () => resolve(process.hrtime.bigint()));
  });
  clearInterval(watcher);
  const total = Number(failed - t0) / 1e9;
  const sinceRestart = firstRestart ? Number(failed - firstRestart) / 1e9 : Number.NaN;
  console.log('node: a crash-looping release');
  console.log(
    `  nimbus deploy fails ${sinceRestart.toFixed(1)} s after the first restart (${total.toFixed(1)} s after it started; goal <= 10 s)`,
  );
  console.log('  helm upgrade --install --wait waits out --timeout: 300 s by default');
} finally {
  if (namespaces.length) kubectl('delete', 'namespace', ...namespaces, '--wait=false');
  rmSync(dir, { recursive: true, force: true });
}
