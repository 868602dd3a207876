import type { FactorResult, Finding, Scorecard } from '@nimbus/check';
import { escapeHtml, type ReportSection } from './html.js';

export function findingsSection(findings: readonly Finding[]): ReportSection {
  const counts = { error: 0, warning: 0, info: 0 };
  for (const f of findings) counts[f.severity]++;
  const rows = findings
    .map(
      (f) =>
        `<tr><td><span class="pill sev-${f.severity}">${f.severity}</span></td><td>${escapeHtml(f.resource ? `${f.resource.kind}/${f.resource.name}` : (f.file ?? ''))}</td>` +
        `<td>${escapeHtml(f.message)}${f.path ? `<br><code>${escapeHtml(f.path)}</code>` : ''}</td><td><code>${escapeHtml(f.ruleId)}</code></td><td>${escapeHtml(f.fix ?? '')}</td></tr>`,
    )
    .join('');
  const summary = `<p><span class="pill sev-error">${counts.error} errors</span> <span class="pill sev-warning">${counts.warning} warnings</span> <span class="pill sev-info">${counts.info} info</span></p>`;
  const body = findings.length
    ? `${summary}<table><thead><tr><th>severity</th><th>object</th><th>finding</th><th>rule</th><th>fix</th></tr></thead><tbody>${rows}</tbody></table>`
    : `<p><span class="pill ok">no findings</span> schema and policy checks pass.</p>`;
  return { id: 'findings', title: 'Checks', html: body };
}

export function scorecardSection(s: Scorecard): ReportSection {
  const factor = (f: Scorecard['scale']) =>
    `<tr><th colspan="3">${f.name} ${f.value.toFixed(2)}</th></tr>` +
    f.evidence
      .map(
        (e) =>
          `<tr><td>${(e.score * 100).toFixed(0)}% × ${e.weight.toFixed(2)}</td><td>${escapeHtml(e.label)}</td><td>${escapeHtml(e.detail)}</td></tr>`,
      )
      .join('');
  const complexity =
    `<tr><th colspan="3">Complexity ${s.complexity.value.toFixed(2)} (1 + Σ cost)</th></tr>` +
    s.complexity.terms.map((t) => `<tr><td>+${t.cost}</td><td>${escapeHtml(t.label)}</td><td>${t.count}</td></tr>`).join('');
  return {
    id: 'scorecard',
    title: `Elasticity ${s.elasticity}`,
    html: `<p><code>${escapeHtml(s.formula)}</code></p><table><tbody>${factor(s.scale)}${factor(s.resilience)}${factor(s.observability)}${complexity}</tbody></table>`,
  };
}

export function twelveFactorSection(results: readonly FactorResult[]): ReportSection {
  const cls = (v: FactorResult['verdict']) => (v === 'met' ? 'ok' : v === 'not met' ? 'sev-error' : v === 'unknown' ? 'sev-warning' : '');
  const rows = results
    .map(
      (r) =>
        `<tr><td>${r.number}. ${escapeHtml(r.name)}</td><td><span class="pill ${cls(r.verdict)}">${r.verdict}</span></td><td>${r.evidence.map(escapeHtml).join('<br>')}</td></tr>`,
    )
    .join('');
  return {
    id: 'twelve-factor',
    title: 'Twelve-factor review',
    html: `<table><thead><tr><th>factor</th><th>verdict</th><th>evidence</th></tr></thead><tbody>${rows}</tbody></table>`,
  };
}
