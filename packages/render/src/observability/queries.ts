/**
 * The metric contract shared with @nimbus/runtime (a test keeps the names in
 * sync): every series carries `service`, set by the SDK from NIMBUS_SERVICE.
 */
export const CONTRACT = {
  requests: 'http_requests_total',
  duration: 'http_request_duration_seconds',
  inFlight: 'http_requests_in_flight',
  cacheRequests: 'cache_requests_total',
  memory: 'process_resident_memory_bytes',
  startTime: 'process_start_time_seconds',
  serviceLabel: 'service',
} as const;

const sel = (service: string, extra = '') => `{${CONTRACT.serviceLabel}="${service}"${extra}}`;

/** PromQL for one service, used by dashboards, rules and canary analysis alike. */
export function serviceQueries(service: string, window = '5m') {
  const rate = (extra = '') => `sum(rate(${CONTRACT.requests}${sel(service, extra)}[${window}]))`;
  const quantile = (q: number) => `histogram_quantile(${q}, sum by (le) (rate(${CONTRACT.duration}_bucket${sel(service)}[${window}])))`;
  return {
    requestRate: rate(),
    requestRateByRoute: `sum by (route) (rate(${CONTRACT.requests}${sel(service)}[${window}]))`,
    errorRatio: `${rate(',status=~"5.."')} / ${rate()}`,
    p50: quantile(0.5),
    p95: quantile(0.95),
    p99: quantile(0.99),
    inFlight: `sum(${CONTRACT.inFlight}${sel(service)})`,
    memory: `sum(${CONTRACT.memory}${sel(service)})`,
    cacheHitRatio: `sum(rate(${CONTRACT.cacheRequests}${sel(service, ',op="get",result="hit"')}[${window}])) / sum(rate(${CONTRACT.cacheRequests}${sel(service, ',op="get"')}[${window}]))`,
    restarts: `sum(changes(${CONTRACT.startTime}${sel(service)}[15m]))`,
  };
}
