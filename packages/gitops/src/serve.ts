import { createServer, type Server } from 'node:http';
import type { Controller } from './controller.js';

/**
 * The controller's HTTP side: POST /hooks/git (a Git host's push webhook; `?app=NAME` syncs one
 * app, otherwise all) syncs at once instead of waiting for the next poll; /metrics for Prometheus;
 * /health and /ready for probes (both answer on standby: a waiting controller is healthy).
 */
export function serveController(controller: Controller, port: number, host?: string): Server {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'POST' && url.pathname === '/hooks/git') {
      req.resume();
      void controller.syncNow(url.searchParams.get('app') ?? undefined);
      res.writeHead(202).end(controller.isLeading() ? 'sync started\n' : 'standby: the leading controller syncs\n');
      return;
    }
    if (url.pathname === '/metrics') {
      void controller.registry.metrics().then((text) => {
        res.writeHead(200, { 'content-type': controller.registry.contentType });
        res.end(text);
      });
      return;
    }
    if (url.pathname === '/health' || url.pathname === '/ready') {
      res.writeHead(200).end(controller.isLeading() ? 'leading\n' : 'standby\n');
      return;
    }
    res.writeHead(404).end();
  });
  server.listen(port, host);
  return server;
}
