import { countFindings } from './engine.js';
import type { Finding, Severity } from './finding.js';
import type { Rule } from './rule.js';
import type { Scorecard } from './scorecard.js';
import type { FactorResult } from './twelve-factor.js';

export interface Paint {
  red(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
  green(s: string): string;
}

const plain: Paint = { red: String, yellow: String, cyan: String, dim: String, bold: String, green: String };

const resourceLabel = (f: Finding) =>
  f.resource ? `${f.resource.kind} ${f.resource.namespace ? `${f.resource.namespace}/` : ''}${f.resource.name}` : (f.file ?? 'input');

const severityLabel = (s: Severity, paint: Paint) =>
  s === 'error' ? paint.red('error  ') : s === 'warning' ? paint.yellow('warning') : paint.cyan('info   ');

/** One finding: severity, message, rule and where, then its fix on a line of its own. */
function findingLines(f: Finding, paint: Paint): string[] {
  const at = [f.path ? `at ${f.path}` : '', f.line ? `line ${f.line}` : ''].filter(Boolean).join(', ');
  const head = `  ${severityLabel(f.severity, paint)} ${f.message} ${paint.dim(`[${f.ruleId}]`)}${at ? paint.dim(` ${at}`) : ''}`;
  return f.fix ? [head, `          ${paint.dim('fix:')} ${f.fix}`] : [head];
}

/** Findings grouped by resource, worst first, one line each with its fix. */
export function formatFindingsText(findings: readonly Finding[], paint: Paint = plain): string {
  const groups = new Map<string, Finding[]>();
  for (const f of findings) groups.set(resourceLabel(f), [...(groups.get(resourceLabel(f)) ?? []), f]);
  const lines: string[] = [];
  for (const [label, list] of groups) {
    const where = list[0]?.file && list[0].resource ? paint.dim(` (${list[0].file})`) : '';
    lines.push(paint.bold(label) + where, ...list.flatMap((f) => findingLines(f, paint)));
  }
  const c = countFindings(findings);
  lines.push(`${findings.length ? '' : paint.green('no findings. ')}${c.error} errors, ${c.warning} warnings, ${c.info} info`);
  return `${lines.join('\n')}\n`;
}

export function formatFindingsJson(findings: readonly Finding[], extra: Record<string, unknown> = {}): string {
  return `${JSON.stringify({ findings, summary: countFindings(findings), ...extra }, null, 2)}\n`;
}

const SARIF_LEVEL: Record<Severity, string> = { error: 'error', warning: 'warning', info: 'note' };

/** SARIF 2.1.0, for code-scanning dashboards. */
export function formatFindingsSarif(findings: readonly Finding[], rules: readonly Rule[], toolVersion: string): string {
  const used = [...new Set(findings.map((f) => f.ruleId))].sort();
  const byId = new Map(rules.map((r) => [r.id, r]));
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'nimbus',
            version: toolVersion,
            informationUri: 'https://nimbus.dev',
            rules: used.map((id) => {
              const r = byId.get(id);
              return {
                id,
                shortDescription: { text: r?.title ?? id },
                fullDescription: { text: r?.why ?? id },
                help: { text: r?.fix ?? '' },
                defaultConfiguration: { level: SARIF_LEVEL[r?.severity ?? 'error'] },
              };
            }),
          },
        },
        results: findings.map((f) => ({
          ruleId: f.ruleId,
          ruleIndex: used.indexOf(f.ruleId),
          level: SARIF_LEVEL[f.severity],
          message: { text: `${resourceLabel(f)}: ${f.message}${f.fix ? ` (fix: ${f.fix})` : ''}` },
          locations: [
            {
              ...(f.file
                ? { physicalLocation: { artifactLocation: { uri: f.file }, ...(f.line ? { region: { startLine: f.line } } : {}) } }
                : {}),
              logicalLocations: [{ fullyQualifiedName: `${resourceLabel(f)}${f.path ? `#${f.path}` : ''}`, kind: 'resource' }],
            },
          ],
        })),
      },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}

export function formatTwelveFactorsText(results: readonly FactorResult[], paint: Paint = plain): string {
  const mark = (v: FactorResult['verdict']) =>
    v === 'met'
      ? paint.green('met          ')
      : v === 'not met'
        ? paint.red('not met      ')
        : v === 'unknown'
          ? paint.yellow('unknown      ')
          : paint.dim('n/a          ');
  return `${results
    .map(
      (r) =>
        `${String(r.number).padStart(2)}. ${r.name.padEnd(20)} ${mark(r.verdict)}${r.evidence.map((e, i) => `${i ? `\n${' '.repeat(38)}` : ''}${e}`).join('')}`,
    )
    .join('\n')}\n`;
}

export function formatScorecardText(s: Scorecard, paint: Paint = plain): string {
  const lines = [paint.bold(`Elasticity ${s.elasticity}`) + paint.dim(`   ${s.formula}`)];
  for (const f of [s.scale, s.resilience, s.observability]) {
    lines.push(`  ${paint.bold(f.name.padEnd(14))} ${f.value.toFixed(2)}`);
    for (const e of f.evidence)
      lines.push(`    ${(e.score * 100).toFixed(0).padStart(3)}% × ${e.weight.toFixed(2)}  ${e.label.padEnd(22)} ${paint.dim(e.detail)}`);
  }
  lines.push(`  ${paint.bold('Complexity'.padEnd(14))} ${s.complexity.value.toFixed(2)}  ${paint.dim('= 1 + Σ cost')}`);
  for (const t of s.complexity.terms) lines.push(`    ${String(t.count).padStart(4)} ${t.label.padEnd(24)} +${t.cost}`);
  return `${lines.join('\n')}\n`;
}

/** `nimbus explain RULE`. */
export function explainRule(rule: Pick<Rule, 'id' | 'severity' | 'category' | 'title' | 'why' | 'fix'>): string {
  return `${rule.id} (${rule.severity}, ${rule.category})\n${rule.title}\n\nWhy: ${rule.why}\n\nFix: ${rule.fix}\n\nDisable for one object:  metadata.annotations["nimbus.dev/ignore"]: "${rule.id}"\nDisable or re-level:     rules: { ${rule.id}: off | info | warning | error }  in .nimbus-check.yaml\n`;
}
