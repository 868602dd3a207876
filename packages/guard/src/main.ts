#!/usr/bin/env node
import { createServer } from 'node:http';
import { createLogger, createMetrics } from '@nimbus/runtime';
import { guardSettingsFromEnv, optionsFromSettings } from './environment.js';
import { startGuard } from './guard.js';

/**
 * The guard sidecar: a container beside the service, sharing the pod's process namespace, that
 * watches every process of the pod but itself. Findings are JSON lines on stdout (the pod's log
 * stream); /metrics serves their counters and /health says the guard runs. Read-only root, no
 * capabilities, the service's own user: it needs nothing Pod Security "restricted" forbids.
 */
async function main(): Promise<void> {
  const service = process.env.NIMBUS_SERVICE ?? 'unknown';
  const logger = createLogger({ base: { service, component: 'guard' } });
  const metrics = createMetrics({ service, processMetrics: true });
  let settings: ReturnType<typeof guardSettingsFromEnv>;
  try {
    settings = guardSettingsFromEnv();
  } catch (err) {
    logger.error(`guard: ${(err as Error).message}`, { code: (err as { code?: string }).code });
    process.exitCode = 2;
    return;
  }
  const guard = await startGuard({ ...optionsFromSettings(settings, 'pod'), logger, metrics, io: 'sync' });
  const server = createServer((req, res) => {
    if (req.url === '/metrics') {
      metrics.render().then((text) => {
        res.writeHead(200, { 'content-type': metrics.contentType });
        res.end(text);
      });
      return;
    }
    if (req.url === '/health' || req.url === '/ready') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'ok', ...guard.stats() }));
      return;
    }
    res.writeHead(404).end();
  });
  server.listen(settings.port);
  const stop = () => {
    void guard.stop().then(() => server.close(() => process.exit(0)));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err) => {
  process.stderr.write(
    `${JSON.stringify({ level: 'fatal', message: `guard: ${(err as Error).message}`, code: (err as { code?: string }).code })}\n`,
  );
  process.exit(1);
});
