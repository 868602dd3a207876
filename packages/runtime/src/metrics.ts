import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Metric names: the contract between this SDK, the rendered dashboards and
 * alert rules, and canary analysis. Changing one breaks all of them.
 */
export const METRIC_NAMES = {
  requests: 'http_requests_total',
  duration: 'http_request_duration_seconds',
  inFlight: 'http_requests_in_flight',
  cacheRequests: 'cache_requests_total',
  cacheDuration: 'cache_operation_duration_seconds',
} as const;

/** Latency buckets (seconds) covering fast APIs through slow pages. */
export const DEFAULT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface MetricsOptions {
  /** The `service` label on every series; default NIMBUS_SERVICE, which Nimbus sets in each container. */
  service?: string;
  /** Further labels added to every series. */
  defaultLabels?: Record<string, string>;
  buckets?: number[];
  /** Process and event-loop metrics (default true). */
  processMetrics?: boolean;
}

export interface RequestTimer {
  /** Records the request's outcome; call once. */
  end(status: number): void;
}

export interface Metrics {
  readonly registry: Registry;
  /** Starts timing a request; `route` must be the route template (`/users/:id`), never the raw path. */
  startRequest(method: string, route: string): RequestTimer;
  /** Records a finished request whose route was only known at the end. */
  record(method: string, route: string, status: number, seconds: number): void;
  readonly inFlight: { inc(): void; dec(): void };
  /** Prometheus text exposition of every metric. */
  render(): Promise<string>;
  readonly contentType: string;
  /** For the cache and other components that add their own series. */
  counter(name: string, help: string, labelNames: readonly string[]): Counter<string>;
  histogram(name: string, help: string, labelNames: readonly string[], buckets?: number[]): Histogram<string>;
}

type Child = { inc(v?: number): void };
type HistChild = { observe(v: number): void };

const NORMAL_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const STATUS_TEXT: string[] = Array.from({ length: 600 }, (_, i) => String(i));

/**
 * Request metrics on a registry of their own (never the global one), so two
 * instances in one process never collide. The hot path does no label hashing:
 * children are bound once per (method, route, status) and reused.
 */
export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  const service = options.service ?? process.env.NIMBUS_SERVICE;
  const labels = { ...(service ? { service } : {}), ...options.defaultLabels };
  if (Object.keys(labels).length) registry.setDefaultLabels(labels);
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: METRIC_NAMES.requests,
    help: 'HTTP requests handled, by method, route template and status.',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: METRIC_NAMES.duration,
    help: 'HTTP request duration in seconds, by method, route template and status.',
    labelNames: ['method', 'route', 'status'],
    buckets: options.buckets ?? DEFAULT_BUCKETS,
    registers: [registry],
  });
  const inFlight = new Gauge({ name: METRIC_NAMES.inFlight, help: 'HTTP requests being handled now.', registers: [registry] });
  const bound = new Map<string, { count: Child; time: HistChild }>();

  const childFor = (method: string, route: string, status: number) => {
    const key = `${method} ${status} ${route}`;
    let c = bound.get(key);
    if (!c) {
      const labels = { method, route, status: STATUS_TEXT[status] ?? String(status) };
      c = { count: requests.labels(labels), time: duration.labels(labels) };
      bound.set(key, c);
    }
    return c;
  };

  return {
    registry,
    contentType: registry.contentType,
    startRequest(rawMethod, route) {
      const method = NORMAL_METHODS.has(rawMethod) ? rawMethod : 'OTHER';
      const start = process.hrtime.bigint();
      inFlight.inc();
      let done = false;
      return {
        end(status) {
          if (done) return;
          done = true;
          inFlight.dec();
          const c = childFor(method, route, status);
          c.count.inc();
          c.time.observe(Number(process.hrtime.bigint() - start) / 1e9);
        },
      };
    },
    record(rawMethod, route, status, seconds) {
      const c = childFor(NORMAL_METHODS.has(rawMethod) ? rawMethod : 'OTHER', route, status);
      c.count.inc();
      c.time.observe(seconds);
    },
    inFlight: { inc: () => inFlight.inc(), dec: () => inFlight.dec() },
    render: () => registry.metrics(),
    counter: (name, help, labelNames) => new Counter({ name, help, labelNames: [...labelNames], registers: [registry] }),
    histogram: (name, help, labelNames, buckets) =>
      new Histogram({ name, help, labelNames: [...labelNames], buckets: buckets ?? DEFAULT_BUCKETS, registers: [registry] }),
  };
}
