// SDK per-request cost: the server (bench/sdk-server.mjs) and the load
// generator (autocannon) run in separate processes pinned to separate cores
// when taskset exists. Prints CPU µs per request per mode and the ratios.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';

const hasTaskset = spawnSync('taskset', ['-c', '0', 'true']).status === 0;
const pin = (core, cmd, args) => (hasTaskset ? ['taskset', ['-c', String(core), cmd, ...args]] : [cmd, args]);
const here = new URL('.', import.meta.url).pathname;

async function run(modes, env = {}, seconds = Number(process.env.SDK_BENCH_SECONDS ?? 30)) {
  const [cmd, args] = pin(0, process.execPath, ['--expose-gc', `${here}sdk-server.mjs`]);
  const server = spawn(cmd, args, { env: { ...process.env, MODES: modes.join(','), ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  let buffer = '';
  server.stdout.on('data', (c) => (buffer += c));
  while (!buffer.includes('\n')) await once(server.stdout, 'data');
  const { port } = JSON.parse(buffer.split('\n')[0]);
  const [lc, largs] = pin(1, process.execPath, [
    `${here}../node_modules/autocannon/autocannon.js`,
    '-c',
    process.env.CONNECTIONS ?? '16',
    '-d',
    String(seconds),
    '-p',
    process.env.PIPELINE ?? '16',
    '--json',
    `http://127.0.0.1:${port}/products/42`,
  ]);
  const load = spawnSync(lc, largs, { encoding: 'utf8' });
  if (load.status !== 0) throw new Error(load.stderr);
  server.kill('SIGTERM');
  await once(server, 'exit');
  const { cycles } = JSON.parse(buffer.trim().split('\n').pop());
  // Paired per cycle: each cycle ran every mode for one window in a row, so machine noise that lasts
  // longer than a cycle cancels in the per-cycle comparison; the median discards cycles a burst hit.
  // The first cycle (JIT warm-up) and any cycle with a nearly idle window (load starting or ending) are left out.
  const usable = cycles.slice(1).filter((c) => modes.every((m) => (c[m]?.requests ?? 0) >= 200));
  const us = (c, m) => c[m].cpuUs / c[m].requests;
  return {
    cycles: usable.length,
    usPerReq: (m) => median(usable.map((c) => us(c, m))),
    added: (m, base = 'bare') => median(usable.map((c) => us(c, m) - us(c, base))),
    ratio: (m, base = 'bare') => median(usable.map((c) => us(c, m) / us(c, base))),
    reqPerSec: (m) => median(usable.map((c) => (c[m].requests / c[m].ms) * 1000)),
    // Pooled over the same cycles: total CPU over total requests.
    pooled: (m) => usable.reduce((a, c) => a + c[m].cpuUs, 0) / usable.reduce((a, c) => a + c[m].requests, 0),
  };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const f = (n) => n.toFixed(2);
console.log(`sdk: per-request CPU cost, paired A/B in one server process${hasTaskset ? ', server and load on separate cores' : ''}`);
const control = await run(['bare', 'bare2']);
console.log(
  `  control bare vs bare: ${f(control.usPerReq('bare'))} vs ${f(control.usPerReq('bare2'))} µs/req -> ratio ${control.ratio('bare2').toFixed(3)} (median of ${control.cycles} paired cycles)`,
);
const ab = await run(['bare', 'sdk', 'naive']);
const added = ab.added('sdk');
const naiveAdded = ab.added('naive');
console.log(
  `  bare ${f(ab.usPerReq('bare'))} µs/req; Nimbus SDK (metrics + request log sampled 10% + health) +${f(added)} µs; naive prom-client + pino +${f(naiveAdded)} µs -> SDK is ${(naiveAdded / added).toFixed(2)}x cheaper`,
);
console.log(
  `  pooled over the same cycles instead of paired medians: SDK +${f(ab.pooled('sdk') - ab.pooled('bare'))} µs, naive +${f(ab.pooled('naive') - ab.pooled('bare'))} µs`,
);
// Separate runs: one configuration per process, as in a service.
const echo = await run(['bare', 'sdkEcho']);
console.log(`  with the request id echoed in a response header (echoRequestId): SDK +${f(echo.added('sdkEcho'))} µs/req`);
const full = await run(['bare', 'sdk'], { LOG_SAMPLE: '1' });
console.log(`  with every request logged: SDK +${f(full.added('sdk'))} µs/req`);
const work = await run(['bare', 'sdk'], { WORK_US: '250' });
// The server is CPU-bound here, so its capacity is the inverse of CPU per request;
// the raw req/s is printed too, but it also moves with the load generator's scheduling.
console.log(
  `  handler with 250 µs of work: SDK keeps ${((1 / work.ratio('sdk')) * 100).toFixed(1)} % of bare capacity (${f(work.usPerReq('bare'))} vs ${f(work.usPerReq('sdk'))} µs/req; ${Math.round(work.reqPerSec('bare'))} vs ${Math.round(work.reqPerSec('sdk'))} req/s)`,
);
