/** Debian's character order for version parts: `~` sorts before everything, even the end; letters before the rest. */
function order(c: string | undefined): number {
  if (c === undefined) return 0;
  if (c === '~') return -1;
  if (/[A-Za-z]/.test(c)) return c.charCodeAt(0);
  return c.charCodeAt(0) + 256;
}

/** A version fragment as alternating runs: non-digits, digits, non-digits, … (each possibly empty). */
function runs(s: string): string[] {
  const out: string[] = [];
  for (const m of s.matchAll(/(\D*)(\d*)/g)) {
    if (m[0] === '' && m.index === s.length && out.length) break;
    out.push(m[1] as string, m[2] as string);
  }
  return out;
}

/** dpkg's comparison of non-digit runs: character by character in `order`, the end sorting after `~` only. */
function compareLexical(a: string, b: string): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const diff = order(a[i]) - order(b[i]);
    if (diff !== 0) return diff;
  }
  return 0;
}

/** Digit runs as numbers of any length: leading zeros ignored, then longer is larger, then the first differing digit. */
function compareNumeric(a: string, b: string): number {
  const x = a.replace(/^0+/, '');
  const y = b.replace(/^0+/, '');
  if (x.length !== y.length) return x.length - y.length;
  return x < y ? -1 : x > y ? 1 : 0;
}

function compareFragment(a: string, b: string): number {
  const ra = runs(a);
  const rb = runs(b);
  for (let k = 0; k < Math.max(ra.length, rb.length); k += 2) {
    const diff = compareLexical(ra[k] ?? '', rb[k] ?? '') || compareNumeric(ra[k + 1] ?? '', rb[k + 1] ?? '');
    if (diff !== 0) return diff;
  }
  return 0;
}

function splitDebian(v: string): [number, string, string] {
  const colon = v.indexOf(':');
  const epoch = colon >= 0 ? Number(v.slice(0, colon)) : 0;
  const rest = colon >= 0 ? v.slice(colon + 1) : v;
  const dash = rest.lastIndexOf('-');
  return dash >= 0 ? [epoch, rest.slice(0, dash), rest.slice(dash + 1)] : [epoch, rest, ''];
}

/** Compares Debian package versions as dpkg does (epoch, upstream, revision; `~` sorts first). */
export function compareDebian(a: string, b: string): number {
  const [ea, ua, ra] = splitDebian(a);
  const [eb, ub, rb] = splitDebian(b);
  if (ea !== eb) return ea - eb;
  return compareFragment(ua, ub) || compareFragment(ra, rb);
}

/** One pre-release identifier against another: numeric ones by value and before alphanumeric ones. */
function compareIdentifier(p: string, q: string): number {
  const np = /^\d+$/.test(p);
  const nq = /^\d+$/.test(q);
  if (np && nq) return Number(p) - Number(q);
  if (np !== nq) return np ? -1 : 1;
  return p < q ? -1 : p > q ? 1 : 0;
}

/** Pre-release lists: none ranks above any; otherwise identifier by identifier, the shorter list first on a tie. */
function comparePrerelease(x: readonly string[], y: readonly string[]): number {
  if (!x.length || !y.length) return (x.length ? -1 : 0) - (y.length ? -1 : 0);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if (x[i] === undefined) return -1;
    if (y[i] === undefined) return 1;
    const diff = compareIdentifier(x[i] as string, y[i] as string);
    if (diff !== 0) return diff;
  }
  return 0;
}

function parseSemver(v: string): { core: number[]; pre: string[] } {
  const [core, pre] = v.replace(/^v/, '').split('+')[0]?.split(/-(.*)/s) ?? [v];
  return { core: (core ?? '').split('.').map((n) => Number(n) || 0), pre: pre ? pre.split('.') : [] };
}

/** Semantic versions (npm): numeric core, then pre-release (lower than the release). */
export function compareSemver(a: string, b: string): number {
  const x = parseSemver(a);
  const y = parseSemver(b);
  for (let i = 0; i < 3; i++) if ((x.core[i] ?? 0) !== (y.core[i] ?? 0)) return (x.core[i] ?? 0) - (y.core[i] ?? 0);
  return comparePrerelease(x.pre, y.pre);
}

/** Alpine's versions (1.2.3-r4) compare closely enough to Debian's rules for range checks. Go modules are semver (`v` optional). */
export function compareFor(ecosystem: string): (a: string, b: string) => number {
  if (/^(npm|go)$/i.test(ecosystem.split(':')[0] ?? '')) return compareSemver;
  return compareDebian;
}
