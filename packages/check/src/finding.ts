/**
 * A check result as a value, never an exception. Policy rules, schema
 * validation, Dockerfile lint and image scans all report findings, so one gate
 * and one set of output formats serve them all.
 */
export type Severity = 'error' | 'warning' | 'info';

export const SEVERITY_RANK: Readonly<Record<Severity, number>> = { error: 3, warning: 2, info: 1 };

export interface ResourceRef {
  apiVersion?: string;
  kind: string;
  name: string;
  namespace?: string;
}

export interface Finding {
  ruleId: string;
  severity: Severity;
  message: string;
  resource?: ResourceRef;
  /** Field path inside the object, e.g. `spec.template.spec.containers[0].resources`. */
  path?: string;
  /** Source position, when the object came from a file. */
  file?: string;
  line?: number;
  /** What to change to resolve it. */
  fix?: string;
}

/** Code-unit order: the same on every machine (no locale), and cheap enough to sort many thousands of findings. */
const byText = (a = '', b = '') => (a < b ? -1 : a > b ? 1 : 0);

export function compareFindings(a: Finding, b: Finding): number {
  return (
    SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] ||
    byText(a.file, b.file) ||
    (a.line ?? 0) - (b.line ?? 0) ||
    byText(a.resource?.kind, b.resource?.kind) ||
    byText(a.resource?.name, b.resource?.name) ||
    byText(a.ruleId, b.ruleId) ||
    byText(a.path, b.path)
  );
}

/** The highest severity present, or undefined for no findings. */
export function worstSeverity(findings: readonly Finding[]): Severity | undefined {
  let worst: Severity | undefined;
  for (const f of findings) if (!worst || SEVERITY_RANK[f.severity] > SEVERITY_RANK[worst]) worst = f.severity;
  return worst;
}
