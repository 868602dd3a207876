// The server side of the SDK benchmark: one process, modes switched every
// 250 ms, CPU time and requests counted per mode (a paired A/B, so machine
// noise hits all modes alike). Prints a JSON summary on SIGTERM.
import { createServer } from 'node:http';
import { Writable } from 'node:stream';
import { createHealth, createLogger, createMetrics, createRouteMatcher, instrumentHandler } from '@nimbus/runtime';
import pino from 'pino';
import { Counter, Histogram, Registry } from 'prom-client';

const modes = (process.env.MODES ?? 'bare,sdk').split(',');
const workUs = Number(process.env.WORK_US ?? 0);
const sink = new Writable({ write: (_c, _e, done) => done() });

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

// Nimbus SDK: metrics with bound children, request log (sampled), health.
const sdk = instrumentHandler(
  {
    metrics: createMetrics({ service: 'bench', processMetrics: false }),
    logger: createLogger({ stream: sink, requestSampleRate: Number(process.env.LOG_SAMPLE ?? 0.1) }),
    health: createHealth(),
  },
  bare,
  (req) => route(req.url ?? ''),
);

// The naive build: label objects and a full pino line on every request.
const registry = new Registry();
const counter = new Counter({ name: 'http_requests_total', help: 'x', labelNames: ['method', 'route', 'status'], registers: [registry] });
const histogram = new Histogram({
  name: 'http_request_duration_seconds',
  help: 'x',
  labelNames: ['method', 'route', 'status'],
  registers: [registry],
});
const log = pino({ base: null }, sink);
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

const handlers = { bare, bare2: bare, sdk, naive };
const stats = Object.fromEntries(modes.map((m) => [m, { requests: 0, cpuUs: 0, ms: 0 }]));
let current = 0;
let windowStart = { cpu: process.cpuUsage(), at: performance.now(), requests: 0 };
let requests = 0;
setInterval(() => {
  const cpu = process.cpuUsage(windowStart.cpu);
  const s = stats[modes[current]];
  s.requests += requests - windowStart.requests;
  s.cpuUs += cpu.user + cpu.system;
  s.ms += performance.now() - windowStart.at;
  current = (current + 1) % modes.length;
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
  process.stdout.write(`${JSON.stringify({ stats })}\n`);
  process.exit(0);
});
