import { METRIC_CONTRACT } from '@nimbus/render';
import type { CheckResult } from './machine.js';

/**
 * Canary analysis on the metric contract Nimbus owns end to end: the runtime SDK's
 * `http_requests_total` and `http_request_duration_seconds`, labelled by `service`, and by `track`
 * (stable or canary) through the scrape configuration's relabelling of the pod label. No per-app
 * query is written; custom PromQL checks add to these.
 */
export type CheckSpec =
  | { kind: 'success-rate'; minPercent: number }
  | { kind: 'latency'; quantile: number; maxMs: number }
  | { kind: 'promql'; name: string; query: string; min?: number; max?: number };

export const DEFAULT_CHECKS: CheckSpec[] = [
  { kind: 'success-rate', minPercent: 99 },
  { kind: 'latency', quantile: 0.95, maxMs: 500 },
];

/** The label the scrape configuration copies from the pods' `nimbus.dev/track`. */
export const TRACK_LABEL = 'track';

export interface AnalysisQueries {
  requests: string;
  checks: { spec: CheckSpec; query: string }[];
}

const seconds = (ms: number) => `${Math.max(1, Math.round(ms / 1000))}s`;

/** The PromQL of one analysis of `service`'s canary over the last `windowMs`. */
export function analysisQueries(service: string, checks: readonly CheckSpec[], windowMs: number, track = 'canary'): AnalysisQueries {
  const w = seconds(windowMs);
  const sel = (extra = '') => `{${METRIC_CONTRACT.serviceLabel}="${service}",${TRACK_LABEL}="${track}"${extra}}`;
  const queryOf = (c: CheckSpec): string => {
    if (c.kind === 'success-rate')
      return `100 * sum(increase(${METRIC_CONTRACT.requests}${sel(',status!~"5.."')}[${w}])) / sum(increase(${METRIC_CONTRACT.requests}${sel()}[${w}]))`;
    if (c.kind === 'latency')
      return `1000 * histogram_quantile(${c.quantile}, sum by (le) (rate(${METRIC_CONTRACT.duration}_bucket${sel()}[${w}])))`;
    return c.query.replaceAll('$service', service).replaceAll('$track', track).replaceAll('$window', w);
  };
  return {
    requests: `sum(increase(${METRIC_CONTRACT.requests}${sel()}[${w}]))`,
    checks: checks.map((spec) => ({ spec, query: queryOf(spec) })),
  };
}

function judge(spec: CheckSpec, value: number | undefined): CheckResult {
  if (spec.kind === 'success-rate')
    return { name: 'success rate %', value, bound: `≥ ${spec.minPercent}`, ok: value !== undefined && value >= spec.minPercent };
  if (spec.kind === 'latency')
    return {
      name: `p${Math.round(spec.quantile * 100)} latency ms`,
      value,
      bound: `≤ ${spec.maxMs}`,
      ok: value !== undefined && value <= spec.maxMs,
    };
  const bounds = [spec.min !== undefined ? `≥ ${spec.min}` : '', spec.max !== undefined ? `≤ ${spec.max}` : '']
    .filter(Boolean)
    .join(' and ');
  const ok = value !== undefined && (spec.min === undefined || value >= spec.min) && (spec.max === undefined || value <= spec.max);
  return { name: spec.name, value, bound: bounds || 'a value', ok };
}

/**
 * The verdict of one analysis: inconclusive when the canary served fewer than `minRequests` in the
 * window (its metrics would judge noise), otherwise pass only when every check holds.
 */
export function verdictOf(
  queries: AnalysisQueries,
  values: { requests: number | undefined; checks: (number | undefined)[] },
  minRequests: number,
): { verdict: 'pass' | 'fail' | 'inconclusive'; checks: CheckResult[]; requests: number } {
  const requests = Math.round(values.requests ?? 0);
  const checks = queries.checks.map((c, i) => judge(c.spec, values.checks[i]));
  if (requests < minRequests) return { verdict: 'inconclusive', checks, requests };
  return { verdict: checks.every((c) => c.ok) ? 'pass' : 'fail', checks, requests };
}
