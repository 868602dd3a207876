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

const NORMAL_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
const STATUS_TEXT: string[] = Array.from({ length: 600 }, (_, i) => String(i));

/** One (method, route, status) series: a count, a sum and per-bucket (not yet cumulative) counts. */
interface Series {
  readonly labels: { method: string; route: string; status: string };
  count: number;
  sum: number;
  readonly buckets: Float64Array;
}

interface MetricValue {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

/**
 * The request counter and histogram, kept as plain numbers and handed to
 * prom-client's registry only when scraped. prom-client re-validates and
 * re-hashes the label set on every observation, even through a bound child;
 * here an observation is two map lookups and three additions.
 */
class RequestSeries {
  private readonly byRoute = new Map<string, Map<number, Series>>();
  readonly all: Series[] = [];

  constructor(readonly bounds: readonly number[]) {}

  observe(method: string, route: string, status: number, seconds: number): void {
    if (!(seconds >= 0 && seconds < Number.POSITIVE_INFINITY)) return;
    let byCode = this.byRoute.get(route);
    if (!byCode) {
      byCode = new Map();
      this.byRoute.set(route, byCode);
    }
    let m = NORMAL_METHODS.indexOf(method);
    if (m < 0) m = NORMAL_METHODS.length;
    const code = m * 1000 + (status > 0 && status < 1000 ? status : 0);
    let s = byCode.get(code);
    if (!s) {
      s = {
        labels: { method: NORMAL_METHODS[m] ?? 'OTHER', route, status: STATUS_TEXT[status] ?? String(status) },
        count: 0,
        sum: 0,
        buckets: new Float64Array(this.bounds.length + 1),
      };
      byCode.set(code, s);
      this.all.push(s);
    }
    s.count++;
    s.sum += seconds;
    let i = 0;
    while (i < this.bounds.length && seconds > (this.bounds[i] as number)) i++;
    (s.buckets[i] as number)++;
  }

  /** A collector prom-client's registry can scrape like its own metric. */
  counter(name: string, help: string) {
    return {
      name,
      help,
      type: 'counter' as const,
      aggregator: 'sum' as const,
      get: async () => ({
        name,
        help,
        type: 'counter',
        aggregator: 'sum',
        values: this.all.map((s): MetricValue => ({ labels: { ...s.labels }, value: s.count })),
      }),
      reset: () => this.reset(),
    };
  }

  histogram(name: string, help: string) {
    return {
      name,
      help,
      type: 'histogram' as const,
      aggregator: 'sum' as const,
      get: async () => {
        const values: MetricValue[] = [];
        for (const s of this.all) {
          let cumulative = 0;
          for (let i = 0; i <= this.bounds.length; i++) {
            cumulative += s.buckets[i] as number;
            const le = i < this.bounds.length ? (this.bounds[i] as number) : '+Inf';
            values.push({ labels: { le, ...s.labels }, value: cumulative, metricName: `${name}_bucket` });
          }
          values.push({ labels: { ...s.labels }, value: s.sum, metricName: `${name}_sum` });
          values.push({ labels: { ...s.labels }, value: s.count, metricName: `${name}_count` });
        }
        return { name, help, type: 'histogram', aggregator: 'sum', values };
      },
      reset: () => this.reset(),
    };
  }

  private reset(): void {
    for (const s of this.all) {
      s.count = 0;
      s.sum = 0;
      s.buckets.fill(0);
    }
  }
}

/**
 * Request metrics on a registry of their own (never the global one), so two
 * instances in one process never collide.
 */
export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  const service = options.service ?? process.env.NIMBUS_SERVICE;
  const labels = { ...(service ? { service } : {}), ...options.defaultLabels };
  if (Object.keys(labels).length) registry.setDefaultLabels(labels);
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry });
  const bounds = [...(options.buckets ?? DEFAULT_BUCKETS)].sort((a, b) => a - b);
  const series = new RequestSeries(bounds);
  // The registry only needs name/help/type/get(); the casts bridge to its Metric type.
  registry.registerMetric(series.counter(METRIC_NAMES.requests, 'HTTP requests handled, by method, route template and status.') as never);
  registry.registerMetric(
    series.histogram(METRIC_NAMES.duration, 'HTTP request duration in seconds, by method, route template and status.') as never,
  );
  let active = 0;
  new Gauge({
    name: METRIC_NAMES.inFlight,
    help: 'HTTP requests being handled now.',
    registers: [registry],
    collect() {
      this.set(active);
    },
  });

  return {
    registry,
    contentType: registry.contentType,
    startRequest(method, route) {
      const start = performance.now();
      active++;
      let done = false;
      return {
        end(status) {
          if (done) return;
          done = true;
          active--;
          series.observe(method, route, status, (performance.now() - start) / 1000);
        },
      };
    },
    record: (method, route, status, seconds) => series.observe(method, route, status, seconds),
    inFlight: {
      inc: () => {
        active++;
      },
      dec: () => {
        active--;
      },
    },
    render: () => registry.metrics(),
    counter: (name, help, labelNames) => new Counter({ name, help, labelNames: [...labelNames], registers: [registry] }),
    histogram: (name, help, labelNames, buckets) =>
      new Histogram({ name, help, labelNames: [...labelNames], buckets: buckets ?? DEFAULT_BUCKETS, registers: [registry] }),
  };
}
