import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Health } from './health.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import { childContext, formatTraceparent, parseTraceparent, randomHex, type TraceContext } from './trace.js';

export interface Observability {
  metrics?: Metrics;
  logger?: Logger;
  health?: Health;
  /** Path of the metrics endpoint Nimbus scrapes (default /metrics). */
  metricsPath?: string;
}

export interface RequestContext {
  requestId: string;
  trace: TraceContext;
}

// A side table, not a property: adding fields to IncomingMessage changes its shape and slows every access.
const contexts = new WeakMap<IncomingMessage, RequestContext>();

/** The request id and trace of a request handled by the middleware. */
export function requestContext(req: IncomingMessage): RequestContext | undefined {
  return contexts.get(req);
}

/** The path of a request URL without its query string. */
export function pathOf(url: string | undefined): string {
  if (!url) return '';
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

function begin(req: IncomingMessage, res: ServerResponse): RequestContext {
  const header = req.headers['x-request-id'];
  const requestId = (typeof header === 'string' && header.length <= 128 ? header : undefined) ?? randomHex(12);
  const trace = childContext(parseTraceparent(req.headers.traceparent as string | undefined));
  const ctx = { requestId, trace };
  contexts.set(req, ctx);
  res.setHeader('x-request-id', requestId);
  res.setHeader('traceparent', formatTraceparent(trace));
  return ctx;
}

/** Serves probes and /metrics; true when the request was one of those. */
function serveOperational(o: Observability, req: IncomingMessage, res: ServerResponse): boolean {
  if (o.health?.handle(req, res)) return true;
  if (o.metrics && req.method === 'GET' && pathOf(req.url) === (o.metricsPath ?? '/metrics')) {
    void o.metrics.render().then(
      (text) => {
        res.writeHead(200, { 'content-type': o.metrics?.contentType ?? 'text/plain' });
        res.end(text);
      },
      () => {
        res.writeHead(500);
        res.end();
      },
    );
    return true;
  }
  return false;
}

/**
 * Wraps a node:http handler: probes and /metrics are answered first; every
 * other request is counted and timed under its route template and logged with
 * its request id and trace.
 */
export function instrumentHandler(o: Observability, handler: RequestListener, route: (req: IncomingMessage) => string): RequestListener {
  return (req, res) => {
    if (serveOperational(o, req, res)) return;
    track(o, req, res, () => route(req));
    handler(req, res);
  };
}

/** Express middleware (mount it first). The route is `req.baseUrl + req.route.path`, known once routing ran. */
export function expressMiddleware(o: Observability) {
  return (req: IncomingMessage & { baseUrl?: string; route?: { path?: string } }, res: ServerResponse, next: () => void) => {
    if (serveOperational(o, req, res)) return;
    track(o, req, res, () => (req.route?.path !== undefined ? `${req.baseUrl ?? ''}${req.route.path}` : 'unmatched'));
    next();
  };
}

interface FastifyLike {
  addHook(
    name: 'onRequest',
    hook: (
      request: { raw: IncomingMessage; routeOptions?: { url?: string } },
      reply: { raw: ServerResponse; hijack?: () => void },
      done: () => void,
    ) => void,
  ): unknown;
}

/** Fastify: call `fastifyHooks(app, o)` before routes are registered. The route is Fastify's route URL. */
export function fastifyHooks(app: FastifyLike, o: Observability): void {
  app.addHook('onRequest', (request, reply, done) => {
    if (serveOperational(o, request.raw, reply.raw)) {
      reply.hijack?.();
      return;
    }
    track(o, request.raw, reply.raw, () => request.routeOptions?.url ?? 'unmatched');
    done();
  });
}

function track(o: Observability, req: IncomingMessage, res: ServerResponse, route: () => string): void {
  const ctx = begin(req, res);
  const method = req.method ?? 'GET';
  const start = performance.now();
  const inFlight = o.metrics?.inFlight;
  inFlight?.inc();
  res.once('close', () => {
    inFlight?.dec();
    const r = route();
    const status = res.writableFinished ? res.statusCode : 499;
    o.metrics?.record(method, r, status, (performance.now() - start) / 1000);
    o.logger?.logRequest({
      method,
      path: pathOf(req.url),
      route: r,
      status,
      durationMs: performance.now() - start,
      requestId: ctx.requestId,
      traceId: ctx.trace.traceId,
      spanId: ctx.trace.spanId,
    });
  });
}
