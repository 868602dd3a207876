/**
 * A YAML writer for JSON-shaped Kubernetes objects. Output is deterministic
 * (keys in canonical order) and safe for YAML 1.1 readers as well as 1.2:
 * any string that either might read as something else is double-quoted.
 */

const LEADING_KEYS = ['apiVersion', 'kind', 'metadata', 'name', 'namespace'];
const LEADING_RANK = new Map(LEADING_KEYS.map((k, i) => [k, i]));

/** kubectl-like key order: identity first, then alphabetical. */
export function compareKeys(a: string, b: string): number {
  const ra = LEADING_RANK.get(a);
  const rb = LEADING_RANK.get(b);
  if (ra !== undefined || rb !== undefined) return (ra ?? 99) - (rb ?? 99);
  return a < b ? -1 : a > b ? 1 : 0;
}

// Words YAML 1.1 reads as booleans or null, in every case variant it accepts.
const RESERVED = new Set(
  ['y', 'yes', 'n', 'no', 'true', 'false', 'on', 'off', 'null', '~'].flatMap((w) => [
    w,
    w.toUpperCase(),
    w.charAt(0).toUpperCase() + w.slice(1),
  ]),
);

const PLAIN = /^[A-Za-z_/][A-Za-z0-9_./@%+=-]*(?::[A-Za-z0-9_./@%+=-]+)*$/;

// Some YAML 1.1 readers take a bare exponent such as `E0` as a float.
const NUMBERISH = /^[-+]?[0-9_]*\.?[0-9_]*(?:[eE][-+]?[0-9]+)?$/;

export function isPlainSafe(s: string): boolean {
  return PLAIN.test(s) && !RESERVED.has(s) && !NUMBERISH.test(s);
}

function scalar(s: string): string {
  return isPlainSafe(s) ? s : JSON.stringify(s);
}

function blockScalar(s: string, indent: string): string | undefined {
  // Literal blocks only for clean multi-line text; anything unusual is quoted.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what must be detected here
  if (!s.includes('\n') || /[\r\t\u0000-\u0008\u000b-\u001f\u007f\u2028\u2029\ufeff]/.test(s)) return undefined;
  if (s.startsWith(' ') || s.startsWith('\n')) return undefined;
  const body = s.replace(/\n+$/, '');
  const trailing = s.length - body.length;
  if (body.split('\n').some((line) => / $/.test(line))) return undefined;
  const chomp = trailing === 0 ? '-' : trailing === 1 ? '' : '+';
  const lines = (trailing > 1 ? s.slice(0, -1) : body).split('\n');
  return `|${chomp}\n${lines.map((l) => (l === '' ? '' : indent + l)).join('\n')}`;
}

function sortedEntries(obj: Record<string, unknown>): [string, unknown][] {
  return Object.entries(obj)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => compareKeys(a, b));
}

function emit(value: unknown, indent: string, out: string[]): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`cannot write ${value} as YAML`);
      return String(value);
    case 'string':
      return blockScalar(value, indent) ?? scalar(value);
    case 'object':
      break;
    default:
      throw new TypeError(`cannot write a ${typeof value} as YAML`);
  }
  const child = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const lines: string[] = [];
    for (const item of value) lines.push(`${indent}- ${emitNested(item, child, out, true)}`);
    return `\n${lines.join('\n')}`;
  }
  const entries = sortedEntries(value as Record<string, unknown>);
  if (entries.length === 0) return '{}';
  const lines = entries.map(([k, v]) => `${indent}${scalar(k)}:${emitAfterKey(v, child, out)}`);
  return `\n${lines.join('\n')}`;
}

function emitAfterKey(v: unknown, child: string, out: string[]): string {
  if (Array.isArray(v) && v.length > 0) {
    // Sequences under a key sit at the key's indentation, as kubectl writes them.
    return emit(v, child.slice(2), out);
  }
  const s = emit(v, child, out);
  return s.startsWith('\n') ? s : ` ${s}`;
}

function emitNested(item: unknown, child: string, out: string[], inSequence: boolean): string {
  if (item !== null && typeof item === 'object' && !Array.isArray(item)) {
    const entries = sortedEntries(item as Record<string, unknown>);
    if (entries.length === 0) return '{}';
    return entries.map(([k, v], i) => `${i === 0 && inSequence ? '' : child}${scalar(k)}:${emitAfterKey(v, `${child}  `, out)}`).join('\n');
  }
  if (Array.isArray(item) && item.length > 0) return emit(item, child, out).replace(/^\n\s*/, '');
  const s = emit(item, child, out);
  return s;
}

/** One YAML document for a JSON-shaped value, ending in a newline. */
export function toYaml(value: unknown): string {
  const out: string[] = [];
  const s = emit(value, '', out);
  return `${s.startsWith('\n') ? s.slice(1) : s}\n`;
}

/** A multi-document YAML stream. */
export function toYamlStream(values: readonly unknown[]): string {
  return values.map((v) => `---\n${toYaml(v)}`).join('');
}

/** Canonical JSON text with the same key order as the YAML. */
export function toCanonicalJson(value: unknown, space = 2): string {
  return JSON.stringify(sortDeep(value), null, space);
}

function sortDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortDeep);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(sortedEntries(value as Record<string, unknown>).map(([k, v]) => [k, sortDeep(v)]));
  }
  return value;
}
