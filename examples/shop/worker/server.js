// The shop worker: processes queued work periodically; serves only probes and metrics.
import { createServer } from 'node:http';
import { configFromEnv, createHealth, createLogger, createMetrics, createShutdown, env, instrumentHandler } from '@nimbus/runtime';

const config = configFromEnv({
  PORT: env.port({ default: 8080 }),
  INTERVAL_MS: env.int({ min: 100, default: 5000 }),
  SHUTDOWN_DRAIN_MS: env.int({ min: 0, default: 5000 }),
});
const logger = createLogger({ base: { service: 'worker' } });
const metrics = createMetrics({ service: process.env.NIMBUS_SERVICE ?? 'worker' });
const processed = metrics.counter('worker_jobs_total', 'Jobs processed, by outcome.', ['outcome']);
const health = createHealth();

const timer = setInterval(() => {
  const ok = Math.random() > 0.05;
  processed.labels(ok ? 'done' : 'failed').inc();
  if (!ok) logger.warn('job failed, will retry', { queue: 'orders' });
}, config.INTERVAL_MS);

const server = createServer(
  instrumentHandler(
    { metrics, logger, health },
    (_req, res) => {
      res.writeHead(404);
      res.end();
    },
    () => 'unmatched',
  ),
);
createShutdown({ servers: [server], health, logger, drainDelayMs: config.SHUTDOWN_DRAIN_MS, close: [() => clearInterval(timer)] });
server.listen(config.PORT, () => {
  health.markStarted();
  logger.info('listening', { port: config.PORT });
});
