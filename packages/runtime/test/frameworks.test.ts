import type { Server } from 'node:http';
import { createHealth, createLogger, createMetrics, expressMiddleware, fastifyHooks } from '@nimbus/runtime';
import express from 'express';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { captureLines } from './capture.js';

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

describe('the SDK middleware in real frameworks', () => {
  it('Express: labels by the matched route template (mounted routers included), serves /metrics and the probes', async () => {
    const metrics = createMetrics({ processMetrics: false });
    const health = createHealth();
    health.markStarted();
    const { lines, stream } = captureLines();
    const app = express();
    app.use(expressMiddleware({ metrics, logger: createLogger({ stream }), health }));
    app.get('/users/:id', (req, res) => {
      res.json({ id: req.params.id });
    });
    const api = express.Router();
    api.get('/items/:itemId', (_req, res) => {
      res.status(201).send('made');
    });
    app.use('/api', api);
    const server: Server = await new Promise((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    closers.push(() => new Promise((r) => server.close(r)));
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;

    expect(await (await fetch(`${base}/users/7`)).json()).toEqual({ id: '7' });
    await fetch(`${base}/users/8?expand=1`);
    expect((await fetch(`${base}/api/items/x1`)).status).toBe(201);
    expect((await fetch(`${base}/nowhere/42`)).status).toBe(404);
    expect((await fetch(`${base}/health`)).status).toBe(200);
    expect((await fetch(`${base}/ready`)).status).toBe(200);
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toContain('http_requests_total{method="GET",route="/users/:id",status="200"} 2');
    expect(text).toContain('http_requests_total{method="GET",route="/api/items/:itemId",status="201"} 1');
    expect(text).toContain('http_requests_total{method="GET",route="unmatched",status="404"} 1');
    // Probes and the scrape itself are not application traffic.
    expect(text).not.toMatch(/route="\/(health|ready|metrics)"/);
    expect(lines.filter((l) => l.message === 'request').map((l) => `${l.route} ${l.status}`)).toEqual([
      '/users/:id 200',
      '/users/:id 200',
      '/api/items/:itemId 201',
      'unmatched 404',
    ]);
  });

  it('Fastify: labels by the route URL, answers /metrics and the probes from its onRequest hook', async () => {
    const metrics = createMetrics({ processMetrics: false });
    const health = createHealth();
    const { lines, stream } = captureLines();
    const app = Fastify();
    fastifyHooks(app, { metrics, logger: createLogger({ stream }), health });
    app.get('/orders/:id', async (request) => ({ id: (request.params as { id: string }).id }));
    app.post('/orders', async (_request, reply) => reply.code(202).send({ queued: true }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    closers.push(() => app.close());
    const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;

    expect(await (await fetch(`${base}/orders/5`)).json()).toEqual({ id: '5' });
    expect((await fetch(`${base}/orders`, { method: 'POST' })).status).toBe(202);
    expect((await fetch(`${base}/missing`)).status).toBe(404);
    // Not started yet: readiness fails, as the rendered startup probe expects.
    expect((await fetch(`${base}/ready`)).status).toBe(503);
    health.markStarted();
    expect((await fetch(`${base}/ready`)).status).toBe(200);
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toContain('http_requests_total{method="GET",route="/orders/:id",status="200"} 1');
    expect(text).toContain('http_requests_total{method="POST",route="/orders",status="202"} 1');
    expect(text).toContain('http_requests_total{method="GET",route="unmatched",status="404"} 1');
    expect(lines.filter((l) => l.message === 'request')).toHaveLength(3);
  });
});
