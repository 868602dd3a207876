import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Controller } from './controller.js';

function metrics(controller: Controller, res: ServerResponse): void {
  void controller.registry.metrics().then((text) => {
    res.writeHead(200, { 'content-type': controller.registry.contentType });
    res.end(text);
  });
}

function hook(controller: Controller, req: IncomingMessage, res: ServerResponse, app: string | undefined): void {
  req.resume();
  void controller.syncNow(app);
  res.writeHead(202).end(controller.isLeading() ? 'sync started\n' : 'standby: the leading controller syncs\n');
}

/**
 * The controller's HTTP side: POST /hooks/git (a Git host's push webhook; `?app=NAME` syncs one
 * app, otherwise all) syncs at once instead of waiting for the next poll; /metrics for Prometheus;
 * /health and /ready for probes (both answer on standby: a waiting controller is healthy).
 */
export function serveController(controller: Controller, port: number, host?: string): Server {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'POST' && url.pathname === '/hooks/git') return hook(controller, req, res, url.searchParams.get('app') ?? undefined);
    if (url.pathname === '/metrics') return metrics(controller, res);
    if (url.pathname === '/health' || url.pathname === '/ready') {
      res.writeHead(200).end(controller.isLeading() ? 'leading\n' : 'standby\n');
      return;
    }
    res.writeHead(404).end();
  });
  server.listen(port, host);
  return server;
}
