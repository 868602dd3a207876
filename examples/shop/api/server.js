// The shop API: products (cached in Redis Cluster) and checkout.
import { createServer } from 'node:http';
import { startGuardFromEnv } from '@nimbus/guard';
import {
  configFromEnv,
  createCache,
  createHealth,
  createLogger,
  createMetrics,
  createRouteMatcher,
  createShutdown,
  env,
  instrumentHandler,
} from '@nimbus/runtime';

const config = configFromEnv({
  PORT: env.port({ default: 8080 }),
  LOG_LEVEL: env.oneOf(['debug', 'info', 'warn', 'error'], { default: 'info' }),
  REDIS_URL: env.url({ optional: true }),
  CART_TTL_SECONDS: env.int({ min: 1, default: 3600 }),
  DATABASE_PASSWORD: env.secret({ optional: true }),
  SHUTDOWN_DRAIN_MS: env.int({ min: 0, default: 5000 }),
});

const logger = createLogger({ level: config.LOG_LEVEL, base: { service: 'api' } });
const metrics = createMetrics({ service: process.env.NIMBUS_SERVICE ?? 'api' });
const health = createHealth();
// The runtime guard inside this process, when the spec turns it on (security.guard.mode: in-process).
await startGuardFromEnv({ logger, metrics });
const cache = config.REDIS_URL
  ? createCache({
      nodes: [{ host: new URL(config.REDIS_URL).hostname, port: Number(new URL(config.REDIS_URL).port || 6379) }],
      keyPrefix: 'shop:api:',
      metrics,
      logger,
    })
  : undefined;
if (cache) health.addCheck('cache', () => cache.client.ping(), { critical: false });

const catalogue = new Map([
  ['1', { id: '1', name: 'Espresso cup', priceCents: 1200 }],
  ['2', { id: '2', name: 'Moka pot', priceCents: 3900 }],
  ['3', { id: '3', name: 'Grinder', priceCents: 8900 }],
]);
const loadProduct = async (id) => catalogue.get(id) ?? null;

const route = createRouteMatcher(['/products', '/products/:id', '/checkout']);
const json = (res, status, body) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

const server = createServer(
  instrumentHandler(
    { metrics, logger, health },
    async (req, res) => {
      try {
        const r = route(req.url ?? '');
        if (r === '/products' && req.method === 'GET') return json(res, 200, [...catalogue.values()]);
        if (r === '/products/:id' && req.method === 'GET') {
          const id = (req.url ?? '').split('/')[2] ?? '';
          const product = cache ? await cache.getOrLoad(`product:${id}`, () => loadProduct(id), 300) : await loadProduct(id);
          return product ? json(res, 200, product) : json(res, 404, { error: 'no such product' });
        }
        if (r === '/checkout' && req.method === 'POST') return json(res, 201, { order: Date.now().toString(36) });
        json(res, 404, { error: 'not found' });
      } catch (err) {
        logger.logError(err, { url: req.url });
        json(res, 500, { error: 'internal error' });
      }
    },
    (req) => route(req.url ?? ''),
  ),
);

createShutdown({ servers: [server], health, logger, drainDelayMs: config.SHUTDOWN_DRAIN_MS, close: cache ? [() => cache.close()] : [] });
server.listen(config.PORT, () => {
  health.markStarted();
  logger.info('listening', { port: config.PORT, config });
});
