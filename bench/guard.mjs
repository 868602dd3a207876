// The runtime guard's cost and speed (issue goals: ≤ 1 % of one core at 1 Hz with 200 processes
// and 1,000 sockets; detection p95 ≤ 2 s). The watched "service" is a child process with 200
// child processes and 1,000 sockets (500 loopback connections, both ends its own). The peer is the
// usual shell-style monitor the seed sketches: `ps` and `ss` run once a second.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGuard } from '../packages/guard/dist/index.js';

const SECONDS = Number(process.env.GUARD_BENCH_SECONDS ?? 20);
const PROCESSES = 200;
const CONNECTIONS = 500;

const serviceDir = mkdtempSync(join(tmpdir(), 'nimbus-guard-bench-'));
const serviceSource = `
const net = require('net');
const { spawn } = require('child_process');
const kids = [];
for (let i = 0; i < ${PROCESSES}; i++) kids.push(spawn('sleep', ['600'], { stdio: 'ignore' }));
const sockets = [];
const server = net.createServer((s) => sockets.push(s)).listen(0, '127.0.0.1', async () => {
  const port = server.address().port;
  for (let i = 0; i < ${CONNECTIONS}; i++) await new Promise((r) => sockets.push(net.connect(port, '127.0.0.1', r)));
  process.send({ ready: true, port });
});
process.on('message', (m) => {
  if (m === 'shell') spawn('sh', ['-c', 'sleep 0.4'], { stdio: 'ignore' });
  // A connection to a port nobody declared: a fresh listener each time, so each is its own finding.
  if (m === 'connect') { const s = net.createServer().listen(0, '127.0.0.1', () => { sockets.push(net.connect(s.address().port, '127.0.0.1')); process.send({ connected: s.address().port }); }); }
  if (m === 'exit') { for (const k of kids) k.kill('SIGKILL'); process.exit(0); }
});
`;

let network = '';
function startService() {
  // Its working directory is what the guard watches for files by default: a small one, as an app's
  // is. Where this user may, it gets a network of its own, as a pod has (else it shares the host's).
  const ownNetwork = spawnSync('unshare', ['--net', 'true']).status === 0;
  const command = ownNetwork
    ? ['unshare', '--net', 'sh', '-c', 'ip link set lo up && exec "$0" -e "$1"', process.execPath, serviceSource]
    : [process.execPath, '-e', serviceSource];
  const child = spawn(command[0], command.slice(1), { cwd: serviceDir, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  network = ownNetwork ? 'its own network namespace, as a pod' : "the host's network (no permission for a namespace of its own)";
  return new Promise((resolve) => child.once('message', (m) => resolve({ child, port: m.port })));
}

const ticksOf = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8')
    .slice(readFileSync(`/proc/${pid}/stat`, 'utf8').lastIndexOf(')') + 2)
    .split(' ');
  // utime, stime, cutime, cstime: the process and the children it has reaped.
  return Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
};

async function measureGuard(io, service, spawnWatchMs) {
  const contract = { service: 'bench', listen: [{ port: service.port, protocol: 'TCP' }], connect: [] };
  const found = [];
  const started = performance.now();
  const guard = await startGuard({
    target: { pid: service.child.pid },
    io,
    contract,
    spawnWatchMs,
    perRulePerMinute: 1000,
    onFinding: (f) => found.push({ f, at: Date.now() }),
  });
  const baselineMs = performance.now() - started;
  // Steady state: after the baseline, the young-process window and the JIT's warm-up.
  await new Promise((r) => setTimeout(r, 3000));
  const stats0 = guard.stats();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const cpu = process.cpuUsage(cpu0);
  const wall = performance.now() - t0;
  const stats = guard.stats();
  // Detection latency: the service starts a shell; the time until the finding.
  const latencies = [];
  for (let i = 0; i < 40; i++) {
    const asked = Date.now();
    service.child.send('shell');
    const deadline = asked + 5000;
    while (!found.some((x) => x.at >= asked && x.f.rule === 'shell_spawned') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 2));
    const hit = found.find((x) => x.at >= asked && x.f.rule === 'shell_spawned');
    latencies.push(hit ? hit.at - asked : Number.POSITIVE_INFINITY);
    await new Promise((r) => setTimeout(r, 100));
  }
  const connectLatencies = [];
  for (let i = 0; i < 20; i++) {
    const asked = Date.now();
    service.child.send('connect');
    const port = await new Promise((r) => service.child.once('message', (m) => r(m.connected)));
    const mine = (x) => x.f.rule === 'undeclared_outbound_connection' && x.f.evidence['fd.rport'] === port;
    const deadline = asked + 5000;
    while (!found.some(mine) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    const hit = found.find(mine);
    connectLatencies.push(hit ? hit.at - asked : Number.POSITIVE_INFINITY);
  }
  await guard.stop();
  latencies.sort((a, b) => a - b);
  connectLatencies.sort((a, b) => a - b);
  return {
    percent: ((cpu.user + cpu.system) / 1000 / wall) * 100,
    processes: stats.processes,
    samples: stats.samples - stats0.samples,
    p50: latencies[Math.floor(latencies.length * 0.5)],
    p95: latencies[Math.floor(latencies.length * 0.95)],
    rss: process.memoryUsage().rss,
    baselineMs,
    connectP50: connectLatencies[Math.floor(connectLatencies.length * 0.5)],
    connectP95: connectLatencies[Math.floor(connectLatencies.length * 0.95)],
  };
}

function measurePeer(seconds) {
  const script = `
const { execFileSync } = require('child_process');
const end = Date.now() + ${seconds * 1000};
(function tick() {
  execFileSync('ps', ['-eo', 'pid,ppid,user,comm,args'], { maxBuffer: 64 << 20 });
  execFileSync('ss', ['-tanp'], { maxBuffer: 64 << 20 });
  if (Date.now() < end) setTimeout(tick, 1000); else process.exit(0);
})();`;
  const child = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
  return new Promise((resolve) => {
    let ticks = 0;
    // Read its CPU (its own and its reaped children's) just before it exits.
    const poll = setInterval(() => {
      try {
        ticks = ticksOf(child.pid);
      } catch {}
    }, 200);
    const t0 = performance.now();
    child.on('exit', () => {
      clearInterval(poll);
      resolve({ percent: ((ticks * 10) / (performance.now() - t0)) * 100 });
    });
  });
}

const service = await startService();
const sockets = Number(execFileSync('sh', ['-c', `ls /proc/${service.child.pid}/fd | wc -l`], { encoding: 'utf8' }).trim());
const sync = await measureGuard('sync', service, 100);
const async_ = await measureGuard('hybrid', service, 100);
const eager = await measureGuard('sync', service, 20);
const peer = await measurePeer(SECONDS);
service.child.send('exit');

const fmt = (n) => n.toFixed(2);
console.log(
  `guard: ${sync.processes} processes, ${sockets} fds of the service (≈${CONNECTIONS * 2} sockets) in ${network}, ${SECONDS} s at 1 Hz`,
);
console.log(
  `  sync reads (sidecar, host): ${fmt(sync.percent)} % of one core   (${sync.samples} samples, new processes looked for every 100 ms)   goal ≤ 1 %`,
);
console.log(`  hybrid reads (in-process, socket tables off the event loop): ${fmt(async_.percent)} % of one core`);
console.log(`  peer (ps + ss each second): ${fmt(peer.percent)} % of one core   → guard/peer ${fmt(sync.percent / peer.percent)}x`);
console.log(
  `  sync reads, new-process watch every 20 ms instead of 100: ${fmt(eager.percent)} % (shell p50 ${eager.p50} ms, p95 ${eager.p95} ms)`,
);
console.log(
  `  shell detection latency: p50 ${sync.p50} ms, p95 ${sync.p95} ms (sync); p50 ${async_.p50} ms, p95 ${async_.p95} ms (hybrid)   goal p95 ≤ 2000 ms`,
);
console.log(
  `  undeclared connection detection latency: p50 ${sync.connectP50} ms, p95 ${sync.connectP95} ms (sync, 1 s sampling)   goal p95 ≤ 2000 ms`,
);
console.log(
  `  baseline (start: every process, socket and watched file): ${sync.baselineMs.toFixed(0)} ms sync, ${async_.baselineMs.toFixed(0)} ms hybrid`,
);
console.log(`  bench process RSS ${(sync.rss / 2 ** 20).toFixed(0)} MiB`);
if (sync.percent > 1 || sync.p95 > 2000 || sync.connectP95 > 2000) process.exitCode = 1;
