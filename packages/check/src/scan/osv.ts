import { compareFor } from './versions.js';

/** The OSV schema's parts Nimbus reads. */
export interface OsvAdvisory {
  id: string;
  summary?: string;
  details?: string;
  aliases?: string[];
  database_specific?: { severity?: string };
  affected?: {
    package?: { ecosystem?: string; name?: string };
    ranges?: { type?: string; events?: { introduced?: string; fixed?: string; last_affected?: string }[] }[];
    versions?: string[];
  }[];
}

export interface Package {
  /** OSV ecosystem: `Debian`, `Alpine`, `npm`, `Go`. */
  ecosystem: string;
  name: string;
  version: string;
  /** Where in the image it was found. */
  location?: string;
}

export type AdvisorySeverity = 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW' | 'UNKNOWN';

export interface Vulnerability {
  id: string;
  package: Package;
  severity: AdvisorySeverity;
  summary: string;
  fixedVersion?: string;
  aliases: string[];
}

export const SEVERITY_ORDER: readonly AdvisorySeverity[] = ['UNKNOWN', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];

function normalizeSeverity(s: string | undefined): AdvisorySeverity {
  const v = (s ?? '').toUpperCase();
  if (v === 'MODERATE') return 'MEDIUM';
  return (SEVERITY_ORDER as readonly string[]).includes(v) ? (v as AdvisorySeverity) : 'UNKNOWN';
}

/** `Debian:12` and `Debian` both mean Debian; versions within one ecosystem are compared by its rules. */
const baseEcosystem = (e: string) => e.split(':')[0]?.toLowerCase() ?? '';

/** Whether a version falls inside an OSV affected range (introduced ≤ v < fixed, or ≤ last_affected). */
export function inRange(
  version: string,
  events: { introduced?: string; fixed?: string; last_affected?: string }[],
  cmp: (a: string, b: string) => number,
): boolean {
  let affected = false;
  const sorted = [...events].sort((a, b) => {
    const va = a.introduced ?? a.fixed ?? a.last_affected ?? '0';
    const vb = b.introduced ?? b.fixed ?? b.last_affected ?? '0';
    return va === '0' ? -1 : vb === '0' ? 1 : cmp(va, vb);
  });
  for (const e of sorted) {
    if (e.introduced !== undefined && (e.introduced === '0' || cmp(version, e.introduced) >= 0)) affected = true;
    if (e.fixed !== undefined && cmp(version, e.fixed) >= 0) affected = false;
    if (e.last_affected !== undefined && cmp(version, e.last_affected) > 0) affected = false;
  }
  return affected;
}

type Affected = NonNullable<OsvAdvisory['affected']>[number];
type Compare = (a: string, b: string) => number;

const affectedKey = (ecosystem: string, name: string | undefined) => `${baseEcosystem(ecosystem)}|${name}`;

/** Advisories by the packages they affect (ecosystem and name). */
function indexAdvisories(advisories: readonly OsvAdvisory[]): Map<string, OsvAdvisory[]> {
  const byName = new Map<string, OsvAdvisory[]>();
  for (const adv of advisories) {
    for (const a of adv.affected ?? []) {
      const key = affectedKey(a.package?.ecosystem ?? '', a.package?.name);
      byName.set(key, [...(byName.get(key) ?? []), adv]);
    }
  }
  return byName;
}

/** Whether an affected entry lists the package's version or has a range holding it. */
function affects(a: Affected, pkg: Package, cmp: Compare): boolean {
  if (affectedKey(a.package?.ecosystem ?? '', a.package?.name) !== affectedKey(pkg.ecosystem, pkg.name)) return false;
  const listed = a.versions?.includes(pkg.version) ?? false;
  return listed || (a.ranges ?? []).some((r) => r.type !== 'GIT' && inRange(pkg.version, r.events ?? [], cmp));
}

/** The lowest fixed version above the package's, if any range names one. */
function fixedVersion(a: Affected, pkg: Package, cmp: Compare): string | undefined {
  return (a.ranges ?? [])
    .flatMap((r) => r.events ?? [])
    .map((e) => e.fixed)
    .filter((f): f is string => !!f && cmp(f, pkg.version) > 0)
    .sort(cmp)[0];
}

function vulnerability(adv: OsvAdvisory, pkg: Package, fixed: string | undefined): Vulnerability {
  return {
    id: adv.id,
    package: pkg,
    severity: normalizeSeverity(adv.database_specific?.severity),
    summary: adv.summary ?? adv.details?.split('\n')[0] ?? adv.id,
    ...(fixed ? { fixedVersion: fixed } : {}),
    aliases: adv.aliases ?? [],
  };
}

/** Matches packages against advisories. Pure. */
export function matchAdvisories(packages: readonly Package[], advisories: readonly OsvAdvisory[]): Vulnerability[] {
  const byName = indexAdvisories(advisories);
  const out: Vulnerability[] = [];
  for (const pkg of packages) {
    const cmp = compareFor(pkg.ecosystem);
    for (const adv of byName.get(affectedKey(pkg.ecosystem, pkg.name)) ?? []) {
      const hit = (adv.affected ?? []).find((a) => affects(a, pkg, cmp));
      if (hit) out.push(vulnerability(adv, pkg, fixedVersion(hit, pkg, cmp)));
    }
  }
  return out.sort((x, y) => SEVERITY_ORDER.indexOf(y.severity) - SEVERITY_ORDER.indexOf(x.severity) || x.id.localeCompare(y.id));
}
