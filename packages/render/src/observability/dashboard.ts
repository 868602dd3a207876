import type { ResolvedApp } from '../resolve.js';
import { serviceQueries } from './queries.js';

interface Panel {
  title: string;
  expr: string;
  unit: string;
  legend?: string;
}

/**
 * A Grafana dashboard (schemaVersion 39, `timeseries` panels — the seed's
 * `graph` panels no longer load in current Grafana): one row per service with
 * request rate, error ratio, p50/p95/p99 latency, in-flight, memory and cache
 * hit ratio, all from the SDK's metric names.
 */
export function grafanaDashboard(app: ResolvedApp): Record<string, unknown> {
  let id = 0;
  const panels: Record<string, unknown>[] = [];
  let y = 0;
  for (const svc of app.services.filter((s) => s.metrics)) {
    const q = serviceQueries(svc.name);
    panels.push({ id: ++id, type: 'row', title: svc.name, collapsed: false, gridPos: { h: 1, w: 24, x: 0, y: y++ } });
    const list: Panel[][] = [
      [
        { title: 'Requests per second', expr: q.requestRateByRoute, unit: 'reqps', legend: '{{route}}' },
        { title: 'Error ratio (5xx)', expr: q.errorRatio, unit: 'percentunit' },
      ],
      [
        { title: 'Latency p50 / p95 / p99', expr: '', unit: 's' },
        { title: 'In-flight requests', expr: q.inFlight, unit: 'short' },
      ],
      [
        { title: 'Memory (resident)', expr: q.memory, unit: 'bytes' },
        { title: 'Cache hit ratio', expr: q.cacheHitRatio, unit: 'percentunit' },
      ],
    ];
    for (const row of list) {
      row.forEach((p, i) => {
        const targets = p.title.startsWith('Latency')
          ? [
              { refId: 'A', expr: q.p50, legendFormat: 'p50' },
              { refId: 'B', expr: q.p95, legendFormat: 'p95' },
              { refId: 'C', expr: q.p99, legendFormat: 'p99' },
            ]
          : [{ refId: 'A', expr: p.expr, legendFormat: p.legend ?? p.title }];
        panels.push({
          id: ++id,
          type: 'timeseries',
          title: p.title,
          datasource: { type: 'prometheus', uid: '${datasource}' },
          gridPos: { h: 8, w: 12, x: i * 12, y },
          fieldConfig: { defaults: { unit: p.unit, custom: { drawStyle: 'line', lineWidth: 1, fillOpacity: 10 } }, overrides: [] },
          options: { legend: { displayMode: 'list', placement: 'bottom' }, tooltip: { mode: 'multi' } },
          targets: targets.map((t) => ({ ...t, datasource: { type: 'prometheus', uid: '${datasource}' } })),
        });
      });
      y += 8;
    }
  }
  return {
    uid: `nimbus-${app.name}`.slice(0, 40),
    title: `${app.name} (Nimbus)`,
    tags: ['nimbus', app.name],
    timezone: 'browser',
    schemaVersion: 39,
    refresh: '30s',
    time: { from: 'now-1h', to: 'now' },
    templating: { list: [{ name: 'datasource', type: 'datasource', query: 'prometheus', current: {} }] },
    panels,
  };
}
