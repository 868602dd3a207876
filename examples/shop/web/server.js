// The shop front end: renders the product list it gets from the API.
import { createServer } from 'node:http';
import { configFromEnv, createHealth, createLogger, createMetrics, createShutdown, env, instrumentHandler } from '@nimbus/runtime';

const config = configFromEnv({
  PORT: env.port({ default: 8080 }),
  API_URL: env.url({ default: 'http://api:8080' }),
  SHUTDOWN_DRAIN_MS: env.int({ min: 0, default: 5000 }),
});
const logger = createLogger({ base: { service: 'web' } });
const metrics = createMetrics({ service: process.env.NIMBUS_SERVICE ?? 'web' });
const health = createHealth();
health.addCheck(
  'api',
  async () => {
    const res = await fetch(new URL('/ready', config.API_URL), { signal: AbortSignal.timeout(500) });
    if (!res.ok) throw new Error(`api answered ${res.status}`);
  },
  { critical: false },
);

const escapeHtml = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const server = createServer(
  instrumentHandler(
    { metrics, logger, health },
    async (req, res) => {
      if (req.url !== '/') {
        res.writeHead(404);
        return res.end();
      }
      try {
        const products = await (await fetch(new URL('/products', config.API_URL), { signal: AbortSignal.timeout(2000) })).json();
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(
          `<!doctype html><title>Shop</title><ul>${products.map((p) => `<li>${escapeHtml(p.name)} — ${(p.priceCents / 100).toFixed(2)} €</li>`).join('')}</ul>`,
        );
      } catch (err) {
        logger.logError(err, { upstream: 'api' });
        res.writeHead(502);
        res.end('the catalogue is unavailable');
      }
    },
    (req) => (req.url === '/' ? '/' : 'unmatched'),
  ),
);
createShutdown({ servers: [server], health, logger, drainDelayMs: config.SHUTDOWN_DRAIN_MS });
server.listen(config.PORT, () => {
  health.markStarted();
  logger.info('listening', { port: config.PORT });
});
