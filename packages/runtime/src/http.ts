import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Health } from './health.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import { childContext, parseTraceparent, type TraceContext } from './trace.js';

export interface Observability {
  metrics?: Metrics;
  logger?: Logger;
  health?: Health;
  /** Path of the metrics endpoint Nimbus scrapes (default /metrics). */
  metricsPath?: string;
  /**
   * Echo the request id in an `x-request-id` response header (default false:
   * it makes every request pay for an id, where otherwise only logged or
   * traced requests do).
   */
  echoRequestId?: boolean;
}

export interface RequestContext {
  requestId: string;
  trace: TraceContext;
}

// Cached on the request under a symbol rather than in a WeakMap: every request
// takes the same shape transition, and a WeakMap keyed by requests makes each GC trace ephemerons.
const CONTEXT = Symbol('nimbus.requestContext');
type WithContext = IncomingMessage & { [CONTEXT]?: RequestContext };

/**
 * The request id and trace of a request: the caller's `x-request-id` and
 * `traceparent` when sent, new ids otherwise. Made on first use and kept for
 * the request, so requests nobody logs or traces never pay for ids.
 */
export function requestContext(req: IncomingMessage): RequestContext {
  const cached = (req as WithContext)[CONTEXT];
  if (cached) return cached;
  const headers = tracingHeaders(req);
  const trace = childContext(parseTraceparent(headers.traceparent));
  // Without a caller-supplied id the trace id serves as the request id: one id to search logs and traces by.
  const requestId = headers.requestId && headers.requestId.length <= 128 ? headers.requestId : trace.traceId;
  const ctx = { requestId, trace };
  (req as WithContext)[CONTEXT] = ctx;
  return ctx;
}

/** The path of a request URL without its query string. */
export function pathOf(url: string | undefined): string {
  if (!url) return '';
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

/**
 * The two headers the middleware reads, found in `rawHeaders`: touching
 * `req.headers` makes Node build the whole header object, which costs more
 * than the rest of the instrumentation together.
 */
function tracingHeaders(req: IncomingMessage): { requestId?: string; traceparent?: string } {
  const raw = req.rawHeaders;
  let requestId: string | undefined;
  let traceparent: string | undefined;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as string;
    if (name.length === 12 && requestId === undefined && name.toLowerCase() === 'x-request-id') requestId = raw[i + 1];
    else if (name.length === 11 && traceparent === undefined && name.toLowerCase() === 'traceparent') traceparent = raw[i + 1];
  }
  return { requestId, traceparent };
}

/**
 * The options in one fixed shape: every middleware instance then shares one
 * hidden class, so the per-request code stays monomorphic even when a process
 * runs several differently configured servers.
 */
interface Settings {
  metrics: Metrics | undefined;
  logger: Logger | undefined;
  health: Health | undefined;
  metricsPath: string;
  echoRequestId: boolean;
}

function settings(o: Observability): Settings {
  return {
    metrics: o.metrics,
    logger: o.logger,
    health: o.health,
    metricsPath: o.metricsPath ?? '/metrics',
    echoRequestId: o.echoRequestId === true,
  };
}

/** Serves probes and /metrics; true when the request was one of those. */
function serveOperational(s: Settings, req: IncomingMessage, res: ServerResponse): boolean {
  if (s.health?.handle(req, res)) return true;
  const metrics = s.metrics;
  if (metrics && req.method === 'GET' && pathOf(req.url) === s.metricsPath) {
    void metrics.render().then(
      (text) => {
        res.writeHead(200, { 'content-type': metrics.contentType });
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
  const s = settings(o);
  return (req, res) => {
    if (serveOperational(s, req, res)) return;
    track(s, req, res, route, req);
    handler(req, res);
  };
}

type ExpressRequest = IncomingMessage & { baseUrl?: string; route?: { path?: string } };
const expressRoute = (req: ExpressRequest) => (req.route?.path !== undefined ? `${req.baseUrl ?? ''}${req.route.path}` : 'unmatched');

/** Express middleware (mount it first). The route is `req.baseUrl + req.route.path`, known once routing ran. */
export function expressMiddleware(o: Observability) {
  const s = settings(o);
  return (req: ExpressRequest, res: ServerResponse, next: () => void) => {
    if (serveOperational(s, req, res)) return;
    track(s, req, res, expressRoute, req);
    next();
  };
}

interface FastifyRequest {
  raw: IncomingMessage;
  routeOptions?: { url?: string };
}

interface FastifyLike {
  addHook(
    name: 'onRequest',
    hook: (request: FastifyRequest, reply: { raw: ServerResponse; hijack?: () => void }, done: () => void) => void,
  ): unknown;
}

const fastifyRoute = (request: FastifyRequest) => request.routeOptions?.url ?? 'unmatched';

/** Fastify: call `fastifyHooks(app, o)` before routes are registered. The route is Fastify's route URL. */
export function fastifyHooks(app: FastifyLike, o: Observability): void {
  const s = settings(o);
  app.addHook('onRequest', (request, reply, done) => {
    if (serveOperational(s, request.raw, reply.raw)) {
      reply.hijack?.();
      return;
    }
    track(s, request.raw, reply.raw, fastifyRoute, request);
    done();
  });
}

/** Counts, times and logs one request; `routeOf(routeArg)` names its route once it is known (at the end). */
function track<R>(s: Settings, req: IncomingMessage, res: ServerResponse, routeOf: (arg: R) => string, routeArg: R): void {
  // Echoed so callers can quote it; `traceparent` is a request header only (W3C Trace Context).
  if (s.echoRequestId) res.setHeader('x-request-id', requestContext(req).requestId);
  const method = req.method ?? 'GET';
  const start = performance.now();
  const { metrics, logger } = s;
  metrics?.inFlight.inc();
  // 'close' fires exactly once, after 'finish' or on an aborted connection, so a plain listener is enough.
  res.on('close', () => {
    const durationMs = performance.now() - start;
    const r = routeOf(routeArg);
    const status = res.writableFinished ? res.statusCode : 499;
    if (metrics) {
      metrics.inFlight.dec();
      metrics.record(method, r, status, durationMs / 1000);
    }
    if (!logger?.requestLineWanted(status)) return;
    const ctx = requestContext(req);
    logger.writeRequestLine({
      method,
      path: pathOf(req.url),
      route: r,
      status,
      durationMs,
      requestId: ctx.requestId,
      traceId: ctx.trace.traceId,
      spanId: ctx.trace.spanId,
    });
  });
}
