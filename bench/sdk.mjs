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
  const stats = JSON.parse(buffer.trim().split('\n').pop()).stats;
  return Object.fromEntries(
    Object.entries(stats).map(([m, s]) => [m, { usPerReq: s.cpuUs / s.requests, reqPerSec: (s.requests / s.ms) * 1000 }]),
  );
}

const f = (n) => n.toFixed(2);
console.log(`sdk: per-request CPU cost, paired A/B in one server process${hasTaskset ? ', server and load on separate cores' : ''}`);
const control = await run(['bare', 'bare2']);
console.log(
  `  control bare vs bare: ${f(control.bare.usPerReq)} vs ${f(control.bare2.usPerReq)} µs/req -> ratio ${(control.bare2.usPerReq / control.bare.usPerReq).toFixed(3)}`,
);
const ab = await run(['bare', 'sdk', 'naive']);
const added = ab.sdk.usPerReq - ab.bare.usPerReq;
const naiveAdded = ab.naive.usPerReq - ab.bare.usPerReq;
console.log(
  `  bare ${f(ab.bare.usPerReq)} µs/req; Nimbus SDK (metrics + request log sampled 10% + health) +${f(added)} µs; naive prom-client + pino +${f(naiveAdded)} µs -> SDK is ${(naiveAdded / added).toFixed(2)}x cheaper`,
);
// Separate runs: one configuration per process, as in a service.
const echo = await run(['bare', 'sdkEcho']);
console.log(
  `  with the request id echoed in a response header (echoRequestId): SDK +${f(echo.sdkEcho.usPerReq - echo.bare.usPerReq)} µs/req`,
);
const full = await run(['bare', 'sdk'], { LOG_SAMPLE: '1' });
console.log(`  with every request logged: SDK +${f(full.sdk.usPerReq - full.bare.usPerReq)} µs/req`);
const work = await run(['bare', 'sdk'], { WORK_US: '250' });
// The server is CPU-bound here, so its capacity is the inverse of CPU per request;
// the raw req/s is printed too, but it also moves with the load generator's scheduling.
console.log(
  `  handler with 250 µs of work: SDK keeps ${((work.bare.usPerReq / work.sdk.usPerReq) * 100).toFixed(1)} % of bare capacity (${f(work.bare.usPerReq)} vs ${f(work.sdk.usPerReq)} µs/req; ${Math.round(work.bare.reqPerSec)} vs ${Math.round(work.sdk.reqPerSec)} req/s)`,
);
