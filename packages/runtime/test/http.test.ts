import { createServer, type Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  createHealth,
  createLogger,
  createMetrics,
  createRouteMatcher,
  createShutdown,
  instrumentHandler,
  requestContext,
} from '@nimbus/runtime';
import { afterEach, describe, expect, it } from 'vitest';
import { captureLines } from './capture.js';

const servers: Server[] = [];
async function serve(handler: Parameters<typeof createServer>[0]): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address() as { port: number };
  return `http://127.0.0.1:${addr.port}`;
}
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

describe('instrumented node:http service', () => {
  it('labels requests by method, route template and status, never by raw path', async () => {
    const metrics = createMetrics({ processMetrics: false });
    const route = createRouteMatcher(['/users/:id', '/orders']);
    const base = await serve(
      instrumentHandler(
        { metrics },
        (req, res) => {
          res.statusCode = req.url?.startsWith('/users/404') ? 404 : 200;
          res.end('ok');
        },
        (req) => route(req.url ?? ''),
      ),
    );
    for (const id of ['1', '2', '3']) await fetch(`${base}/users/${id}`);
    await fetch(`${base}/users/404`);
    await fetch(`${base}/orders`, { method: 'POST' });
    await fetch(`${base}/nope/123`);
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toContain('http_requests_total{method="GET",route="/users/:id",status="200"} 3');
    expect(text).toContain('http_requests_total{method="GET",route="/users/:id",status="404"} 1');
    expect(text).toContain('http_requests_total{method="POST",route="/orders",status="200"} 1');
    expect(text).toContain('http_requests_total{method="GET",route="unmatched",status="200"} 1');
    expect(text).toContain('http_request_duration_seconds_bucket{le="0.005",method="GET",route="/users/:id",status="200"}');
    expect(text).toContain('http_requests_in_flight 0');
    expect(text).toContain('http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/users/:id",status="200"} 3');
    expect(text).toContain('http_request_duration_seconds_count{method="POST",route="/orders",status="200"} 1');
    expect(text).toMatch(/http_request_duration_seconds_sum\{method="GET",route="\/users\/:id",status="200"\} \d/);
    expect(text).toContain('# TYPE http_request_duration_seconds histogram');
    expect(text).toContain('# TYPE http_requests_total counter');
    expect(text).not.toMatch(/route="\/users\/1"/);
  });

  it('writes one valid JSON line per request with request and trace ids propagated', async () => {
    const { lines, stream } = captureLines();
    const logger = createLogger({ stream, base: { service: 'api' } });
    let seen: unknown;
    const base = await serve(
      instrumentHandler(
        { logger, echoRequestId: true },
        (req, res) => {
          seen = requestContext(req);
          res.end('hi');
        },
        () => '/hello',
      ),
    );
    const res = await fetch(`${base}/hello?x=1`, {
      headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', 'x-request-id': 'req-42' },
    });
    await sleep(20);
    expect(res.headers.get('x-request-id')).toBe('req-42');
    expect(seen).toMatchObject({ requestId: 'req-42', trace: { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', sampled: true } });
    // This hop gets its own span under the caller's trace.
    expect((seen as { trace: { spanId: string } }).trace.spanId).toMatch(/^(?!00f067aa0ba902b7)[0-9a-f]{16}$/);
    const line = lines.find((l) => l.message === 'request') as Record<string, unknown>;
    expect(line).toMatchObject({
      level: 'info',
      service: 'api',
      method: 'GET',
      path: '/hello',
      route: '/hello',
      status: 200,
      requestId: 'req-42',
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    });
    expect(typeof line.timestamp).toBe('string');
    expect(typeof line.durationMs).toBe('number');
  });

  it('keeps request lines valid JSON whatever the path holds, with child bindings and secret-looking keys censored', () => {
    const { lines, stream } = captureLines();
    const logger = createLogger({ stream, base: { service: 'api' } }).child({ tenant: 't"1', token: 'abc' });
    const path = '/a"b\\c\u0001d\ud800é';
    logger.logRequest({ method: 'GET', path, status: 503, durationMs: 1.23456 });
    logger.logRequest({ method: 'GET', path: '/ok', status: 200, durationMs: 1 });
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ level: 'error', service: 'api', tenant: 't"1', token: '[redacted]', status: 503, durationMs: 1.235 });
    expect(lines[0]?.path).toBe(JSON.parse(JSON.stringify(path)));
    expect(lines[1]).toMatchObject({ level: 'info', path: '/ok' });
  });

  it('samples successful request lines but always logs failures', () => {
    const { lines, stream } = captureLines();
    const logger = createLogger({ stream, requestSampleRate: 0.1 });
    for (let i = 0; i < 2000; i++) logger.logRequest({ method: 'GET', path: '/x', status: 200, durationMs: 1 });
    for (let i = 0; i < 50; i++) logger.logRequest({ method: 'GET', path: '/x', status: 500, durationMs: 1 });
    const ok = lines.filter((l) => l.status === 200).length;
    expect(ok).toBeGreaterThan(100);
    expect(ok).toBeLessThan(320);
    expect(lines.filter((l) => l.status === 500)).toHaveLength(50);
  });

  it('redacts secrets and logs errors with type and stack, never throwing', () => {
    const { lines, stream } = captureLines();
    const logger = createLogger({ stream });
    logger.info('login', { user: 'ana', password: 'hunter2', headers: { authorization: 'Bearer abc' } });
    logger.logError(new TypeError('boom'), { orderId: 7 });
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(() => logger.info('circular', circular)).not.toThrow();
    return sleep(20).then(() => {
      const text = JSON.stringify(lines);
      expect(text).not.toContain('hunter2');
      expect(text).not.toContain('Bearer abc');
      const err = lines.find((l) => l.message === 'boom') as { error: { type: string; stack: string }; orderId: number };
      expect(err.error.type).toBe('TypeError');
      expect(err.error.stack).toContain('TypeError: boom');
      expect(err.orderId).toBe(7);
    });
  });
});

describe('health and shutdown', () => {
  it('answers the rendered probe paths: starting, ready, unready on a failing critical check, stopping', async () => {
    const health = createHealth();
    let dbUp = true;
    health.addCheck('db', () => {
      if (!dbUp) throw new Error('connection refused');
    });
    health.addCheck('recommendations', () => Promise.reject(new Error('down')), { critical: false });
    const base = await serve(
      instrumentHandler(
        { health },
        (_q, r) => r.end(),
        () => '/',
      ),
    );
    expect((await fetch(`${base}/health`)).status).toBe(503);
    expect((await fetch(`${base}/ready`)).status).toBe(503);
    health.markStarted();
    expect((await fetch(`${base}/health`)).status).toBe(200);
    const ready = await fetch(`${base}/ready`);
    expect(ready.status).toBe(200);
    expect((await ready.json()).checks.recommendations.ok).toBe(false);
    dbUp = false;
    const unready = await fetch(`${base}/ready`);
    expect(unready.status).toBe(503);
    expect((await unready.json()).checks.db.error).toBe('connection refused');
    dbUp = true;
    health.beginShutdown();
    expect((await fetch(`${base}/ready`)).status).toBe(503);
    expect((await fetch(`${base}/health`)).status).toBe(200);
  });

  it('on shutdown fails readiness, finishes in-flight requests, refuses new ones, closes resources', async () => {
    const health = createHealth();
    health.markStarted();
    const closed: string[] = [];
    const server = createServer(
      instrumentHandler(
        { health },
        (_req, res) => {
          setTimeout(() => res.end('slow done'), 400);
        },
        () => '/slow',
      ),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const shutdown = createShutdown({
      servers: [server],
      health,
      gracePeriodMs: 10_000,
      drainDelayMs: 200,
      exit: false,
      signals: [],
      close: [() => closed.push('cache')],
    });
    const slow = fetch(`${base}/slow`).then((r) => r.text());
    await sleep(50);
    const done = shutdown.run('test');
    await sleep(50);
    expect((await fetch(`${base}/ready`)).status).toBe(503);
    expect(await slow).toBe('slow done');
    await done;
    expect(closed).toEqual(['cache']);
    await expect(fetch(`${base}/slow`)).rejects.toThrow();
  });
});
