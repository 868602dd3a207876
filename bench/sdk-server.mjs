// The server side of the SDK benchmark: one process, modes switched every
// 250 ms, CPU time and requests counted per mode (a paired A/B, so machine
// noise hits all modes alike). Prints a JSON summary on SIGTERM.
import { createServer } from 'node:http';
import { createHealth, createLogger, createMetrics, createRouteMatcher, instrumentHandler } from '@nimbus/runtime';
import pino from 'pino';
import { Counter, Histogram, Registry } from 'prom-client';

const modes = (process.env.MODES ?? 'bare,sdk').split(',');
const workUs = Number(process.env.WORK_US ?? 0);
// Log lines go to /dev/null: the SDK through its own buffered writer, the naive build through pino's default one.
const sdkLog = () => ({ destination: '/dev/null', requestSampleRate: Number(process.env.LOG_SAMPLE ?? 0.1) });

function burn(us) {
  if (!us) return;
  const end = process.hrtime.bigint() + BigInt(us * 1000);
  while (process.hrtime.bigint() < end);
}
const bare = (_req, res) => {
  burn(workUs);
  res.end('ok');
};
const route = createRouteMatcher(['/products/:id']);

// Nimbus SDK with its defaults: metrics, request log (sampled), health.
const sdk = instrumentHandler(
  {
    metrics: createMetrics({ service: 'bench', processMetrics: false }),
    logger: createLogger(sdkLog()),
    health: createHealth(),
  },
  bare,
  (req) => route(req.url ?? ''),
);

const sdkEcho = instrumentHandler(
  {
    metrics: createMetrics({ service: 'bench', processMetrics: false }),
    logger: createLogger(sdkLog()),
    health: createHealth(),
    echoRequestId: true,
  },
  bare,
  (req) => route(req.url ?? ''),
);

// Diagnostic modes: the middleware with only its 'close' hook and route match, then metrics only, then the log only.
const hookOnly = instrumentHandler({}, bare, (req) => route(req.url ?? ''));
const metricsOnly = instrumentHandler({ metrics: createMetrics({ service: 'bench', processMetrics: false }) }, bare, (req) =>
  route(req.url ?? ''),
);
const logOnly = instrumentHandler({ logger: createLogger(sdkLog()) }, bare, (req) => route(req.url ?? ''));

// The naive build: label objects and a full pino line on every request.
const registry = new Registry();
const counter = new Counter({ name: 'http_requests_total', help: 'x', labelNames: ['method', 'route', 'status'], registers: [registry] });
const histogram = new Histogram({
  name: 'http_request_duration_seconds',
  help: 'x',
  labelNames: ['method', 'route', 'status'],
  registers: [registry],
});
const log = pino({ base: null }, pino.destination('/dev/null'));
const naive = (req, res) => {
  const t0 = process.hrtime.bigint();
  res.once('finish', () => {
    const labels = { method: req.method, route: route(req.url ?? ''), status: String(res.statusCode) };
    counter.inc(labels);
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    histogram.observe(labels, s);
    log.info({ method: req.method, path: req.url, status: res.statusCode, durationMs: s * 1000 }, 'request');
  });
  bare(req, res);
};

// Diagnostic modes: what one response header, or one 'close' listener, costs on its own.
const header = (req, res) => {
  res.setHeader('x-request-id', '0123456789abcdef01234567');
  bare(req, res);
};
const listener = (req, res) => {
  res.on('close', () => {});
  bare(req, res);
};
const handlers = { bare, bare2: bare, sdk, sdkEcho, naive, header, listener, hookOnly, metricsOnly, logOnly };
const stats = Object.fromEntries(modes.map((m) => [m, { requests: 0, cpuUs: 0, userUs: 0, ms: 0 }]));
// Modes run in a fresh random order each cycle so none always follows the
// same neighbour, and the young generation is collected at every switch so a
// mode pays for its own garbage (run with --expose-gc).
const shuffled = () => modes.map((_, i) => i).sort(() => Math.random() - 0.5);
let order = shuffled();
let slot = 0;
let current = order[0];
let windowStart = { cpu: process.cpuUsage(), at: performance.now(), requests: 0 };
let requests = 0;
// Each complete cycle (every mode once) is also kept on its own, for paired per-cycle comparisons.
const cycles = [];
let cycle = {};
setInterval(() => {
  globalThis.gc?.({ type: 'minor', execution: 'sync' });
  const cpu = process.cpuUsage(windowStart.cpu);
  const s = stats[modes[current]];
  s.requests += requests - windowStart.requests;
  s.cpuUs += cpu.user + cpu.system;
  s.userUs += cpu.user;
  s.ms += performance.now() - windowStart.at;
  cycle[modes[current]] = {
    requests: requests - windowStart.requests,
    cpuUs: cpu.user + cpu.system,
    ms: performance.now() - windowStart.at,
  };
  slot++;
  if (slot === order.length) {
    cycles.push(cycle);
    cycle = {};
    order = shuffled();
    slot = 0;
  }
  current = order[slot];
  windowStart = { cpu: process.cpuUsage(), at: performance.now(), requests };
}, 250).unref();

const server = createServer((req, res) => {
  requests++;
  handlers[modes[current]](req, res);
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
process.on('SIGTERM', () => {
  process.stdout.write(`${JSON.stringify({ stats, cycles })}\n`);
  process.exit(0);
});
