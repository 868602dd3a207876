import { NimbusError } from '@nimbus/model/core';
import type { Finding } from '../finding.js';
import { type AdvisorySeverity, SEVERITY_ORDER, type Vulnerability } from './osv.js';

const FINDING_SEVERITY: Record<AdvisorySeverity, Finding['severity']> = {
  CRITICAL: 'error',
  HIGH: 'error',
  MEDIUM: 'warning',
  LOW: 'info',
  UNKNOWN: 'info',
};

/** A vulnerability as a finding on its image, so scans print and gate like `nimbus check`. */
export function vulnerabilityFinding(v: Vulnerability, image: string): Finding {
  return {
    ruleId: v.id,
    severity: FINDING_SEVERITY[v.severity],
    message: `${v.package.name} ${v.package.version}: ${v.summary} [${v.severity}${v.aliases.length ? `, ${v.aliases.join(', ')}` : ''}]`,
    resource: { kind: 'Image', name: image },
    ...(v.package.location ? { path: v.package.location } : {}),
    fix: v.fixedVersion
      ? `upgrade ${v.package.name} to ${v.fixedVersion} or later`
      : 'no fixed version is known yet: mitigate or accept the risk',
  };
}

/** The gate's threshold from `--fail-on` (none, low, medium, high, critical). */
export type GateThreshold = AdvisorySeverity | 'NONE';

export function parseGateThreshold(text: string | undefined): GateThreshold {
  const value = (text ?? 'high').toUpperCase();
  if (value === 'NONE' || (SEVERITY_ORDER as readonly string[]).includes(value)) return value as GateThreshold;
  throw new NimbusError('NIMBUS_USAGE', `--fail-on must be none, low, medium, high or critical, got '${text}'`);
}

/** Whether any vulnerability is at or above the threshold: the scan then fails (Trivy's default would exit 0). */
export function gateFails(vulns: readonly Vulnerability[], threshold: GateThreshold): boolean {
  if (threshold === 'NONE') return false;
  const at = SEVERITY_ORDER.indexOf(threshold);
  return vulns.some((v) => SEVERITY_ORDER.indexOf(v.severity) >= at);
}
