import type { KubeObject } from '@nimbus/model';
import type { ResolvedApp } from '@nimbus/render';
import { layoutTopology, topologySvg } from './topology.js';

/** A section that a later stage (checks, scorecard) contributes to the report. */
export interface ReportSection {
  id: string;
  title: string;
  /** Trusted HTML produced by Nimbus itself. */
  html: string;
}

export interface ReportInput {
  app: ResolvedApp;
  objects: readonly KubeObject[];
  environment: string | undefined;
  sections?: readonly ReportSection[];
}

export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#0f172a;background:#f8fafc}
header{background:#0f172a;color:#f8fafc;padding:18px 28px}header h1{margin:0;font-size:20px}header p{margin:4px 0 0;color:#94a3b8}
main{padding:20px 28px;max-width:1200px}section{background:#fff;border:1px solid #e2e8f0;border-radius:10px;padding:16px 20px;margin-bottom:18px}
h2{font-size:16px;margin:0 0 12px}table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #f1f5f9;vertical-align:top}
th{font-weight:600;color:#475569;font-size:12px;text-transform:uppercase;letter-spacing:.03em}code{font:12px ui-monospace,Menlo,monospace;background:#f1f5f9;padding:1px 4px;border-radius:4px}
.svgwrap{overflow-x:auto}.node rect{fill:#eef2ff;stroke:#6366f1;stroke-width:1.5}.node.resource rect{fill:#ecfdf5;stroke:#10b981}.node.ingress rect{fill:#fff7ed;stroke:#f97316}
.node .label{font:600 14px system-ui,sans-serif;text-anchor:middle;fill:#0f172a}.node .detail{font:12px system-ui,sans-serif;text-anchor:middle;fill:#475569}
.edge{fill:none;stroke:#64748b;stroke-width:1.5}.pill{display:inline-block;padding:1px 8px;border-radius:999px;font-size:12px;background:#e2e8f0;margin:1px}
.sev-error{background:#fee2e2;color:#991b1b}.sev-warning{background:#fef3c7;color:#92400e}.sev-info{background:#e0f2fe;color:#075985}.ok{background:#dcfce7;color:#166534}
`;

function servicesTable(app: ResolvedApp): string {
  const rows = app.services
    .map((s) => {
      const scale = s.autoscaling
        ? `HPA ${s.autoscaling.min}–${s.autoscaling.max}${s.autoscaling.cpu ? `, CPU ${s.autoscaling.cpu}%` : ''}${s.autoscaling.memory ? `, memory ${s.autoscaling.memory}%` : ''}`
        : `${s.replicas} replicas`;
      const ports = s.ports.map((p) => `<code>${p.name}:${p.port}</code>`).join(' ') || '—';
      const deps =
        [...s.dependsOnServices, ...s.dependsOnResources.map((r) => r.name)]
          .map((d) => `<span class="pill">${escapeHtml(d)}</span>`)
          .join('') || '—';
      const res = `${s.requests.cpu ?? '–'} / ${s.requests.memory ?? '–'} → ${s.limits.cpu ?? 'no CPU limit'} / ${s.limits.memory ?? 'no memory limit'}`;
      return `<tr><td><b>${escapeHtml(s.name)}</b><br><code>${escapeHtml(s.image)}</code></td><td>${ports}</td><td>${escapeHtml(scale)}</td><td>${escapeHtml(res)}</td><td>${deps}</td></tr>`;
    })
    .join('');
  return `<table><thead><tr><th>service</th><th>ports</th><th>scaling</th><th>requests → limits</th><th>depends on</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function objectsTable(objects: readonly KubeObject[]): string {
  const counts = new Map<string, string[]>();
  for (const o of objects) counts.set(o.kind, [...(counts.get(o.kind) ?? []), o.metadata.name]);
  const rows = [...counts]
    .map(
      ([kind, names]) =>
        `<tr><td>${escapeHtml(kind)}</td><td>${names.length}</td><td>${names.map((n) => `<code>${escapeHtml(n)}</code>`).join(' ')}</td></tr>`,
    )
    .join('');
  return `<table><thead><tr><th>kind</th><th>count</th><th>objects</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** A self-contained HTML page (no scripts, no external assets) describing a rendered app. */
/** Marks a file as a Nimbus report, so a later run may replace it (and nothing else). */
export const REPORT_GENERATOR = 'nimbus report';

export function renderReportHtml(input: ReportInput): string {
  const { app, objects } = input;
  const title = `${app.name}${input.environment ? ` (${input.environment})` : ''}`;
  const sections: ReportSection[] = [
    { id: 'topology', title: 'Topology', html: `<div class="svgwrap">${topologySvg(layoutTopology(app))}</div>` },
    { id: 'services', title: 'Services', html: servicesTable(app) },
    ...(input.sections ?? []),
    { id: 'objects', title: `Rendered objects (${objects.length})`, html: objectsTable(objects) },
  ];
  return [
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="generator" content="${REPORT_GENERATOR}">`,
    `<meta name="viewport" content="width=device-width,initial-scale=1"><title>Nimbus report: ${escapeHtml(title)}</title><style>${STYLE}</style></head><body>`,
    `<header><h1>Nimbus report: ${escapeHtml(title)}</h1><p>namespace <code>${escapeHtml(app.namespace)}</code> · Pod Security <code>${app.podSecurity}</code> · ${app.services.length} services · ${objects.length} objects</p></header><main>`,
    ...sections.map((s) => `<section id="${s.id}"><h2>${escapeHtml(s.title)}</h2>${s.html}</section>`),
    '</main></body></html>\n',
  ].join('');
}
