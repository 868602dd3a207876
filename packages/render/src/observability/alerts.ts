import { appLabels } from '../kubernetes/meta.js';
import type { KubeObject } from '../object.js';
import type { ResolvedApp } from '../resolve.js';
import { serviceQueries } from './queries.js';

export interface AlertRule {
  alert: string;
  /** The measured quantity; `expr` compares it with the threshold. */
  query: string;
  threshold: string;
  for: string;
  severity: 'page' | 'ticket';
  summary: string;
}

/** Alert and recording rules per service, from the same queries as the dashboard. */
export function serviceRules(app: ResolvedApp): { groups: Record<string, unknown>[]; alerts: AlertRule[] } {
  const alerts: AlertRule[] = [];
  const groups: Record<string, unknown>[] = [];
  for (const svc of app.services.filter((s) => s.metrics)) {
    const q = serviceQueries(svc.name);
    const svcAlerts: AlertRule[] = [
      {
        alert: 'HighErrorRatio',
        query: q.errorRatio,
        threshold: '> 0.05',
        for: '5m',
        severity: 'page',
        summary: `more than 5 % of ${svc.name} requests fail`,
      },
      {
        alert: 'HighLatencyP99',
        query: q.p99,
        threshold: '> 0.5',
        for: '10m',
        severity: 'ticket',
        summary: `${svc.name} p99 latency above 500 ms`,
      },
      {
        alert: 'FrequentRestarts',
        query: q.restarts,
        threshold: '> 3',
        for: '0m',
        severity: 'ticket',
        summary: `${svc.name} processes restarted more than 3 times in 15 minutes`,
      },
    ];
    alerts.push(...svcAlerts);
    groups.push({
      name: `${app.name}.${svc.name}`,
      rules: [
        { record: 'service:http_requests:rate5m', expr: q.requestRate, labels: { service: svc.name } },
        { record: 'service:http_request_errors:ratio5m', expr: q.errorRatio, labels: { service: svc.name } },
        { record: 'service:http_request_duration_seconds:p99_5m', expr: q.p99, labels: { service: svc.name } },
        ...svcAlerts.map((a) => ({
          alert: `${a.alert}`,
          expr: `${a.query} ${a.threshold}`,
          for: a.for,
          labels: { severity: a.severity, service: svc.name, app: app.name },
          annotations: { summary: a.summary },
        })),
      ],
    });
  }
  return { groups, alerts };
}

/** The same rules for the Prometheus Operator. */
export function prometheusRule(app: ResolvedApp): KubeObject | undefined {
  const { groups } = serviceRules(app);
  if (groups.length === 0) return undefined;
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name: `${app.name}-rules`, namespace: app.namespace, labels: appLabels(app) },
    spec: { groups },
  };
}

/** A ServiceMonitor per scraped service, as an alternative to scrape annotations. */
export function serviceMonitors(app: ResolvedApp): KubeObject[] {
  return app.services
    .filter((s) => s.metrics)
    .map((s) => ({
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: { name: s.name, namespace: app.namespace, labels: appLabels(app) },
      spec: {
        selector: { matchLabels: { 'app.kubernetes.io/instance': app.name, 'nimbus.dev/service': s.name } },
        endpoints: [{ port: s.metrics?.port.name, path: s.metrics?.path, interval: '30s' }],
      },
    }));
}
