import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument, type YAMLMap } from 'yaml';
import { ConditionError, compileCondition, outputFields, type Predicate } from './condition.js';
import { closest } from './suggest.js';

/**
 * Rule files: a YAML list of `list`, `macro` and `rule` items, in the shape Falco users know.
 * The built-in set is such a file; user files load after it and may append to its lists, replace
 * its macros, or override its rules field by field (`enabled: false` turns one off).
 */

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Falco priorities, accepted so Falco rules carry over. */
const FALCO_PRIORITIES: Record<string, Severity> = {
  emergency: 'critical',
  alert: 'critical',
  critical: 'critical',
  error: 'high',
  warning: 'medium',
  notice: 'low',
  informational: 'info',
  info: 'info',
  debug: 'info',
};

export interface Rule {
  name: string;
  description: string;
  condition: string;
  output: string;
  severity: Severity;
  tags: string[];
  enabled: boolean;
  /** Template of what makes two findings the same for deduplication; default the rendered output. */
  key: string | undefined;
  source: string;
}

export interface CompiledRule extends Rule {
  matches: Predicate;
  evidence: string[];
}

export class GuardRuleError extends Error {
  readonly code = 'NIMBUS_GUARD_RULE';
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    /** The fault alone, without its place or hint. */
    readonly reason: string,
    readonly hint?: string,
  ) {
    super(`${file}:${line}:${column}: ${reason}${hint ? ` (${hint})` : ''}`);
    this.name = 'GuardRuleError';
  }
}

interface Located<T> {
  value: T;
  file: string;
  node: Node | undefined;
}

interface Source {
  file: string;
  lines: LineCounter;
}

type Fail = (node: Node | undefined, message: string, hint?: string) => never;
interface Reader {
  text: (key: string, required?: boolean) => string | undefined;
  strings: (key: string) => string[] | undefined;
  field: (key: string) => Node | undefined;
  append: boolean;
}
type StoredRule = Rule & { conditionAt: Located<string> };

/** `severity`, or Falco's `priority` mapped onto it. */
function parseSeverity(read: Reader, fail: Fail): Severity | undefined {
  const text = read.text('severity') ?? read.text('priority');
  if (text === undefined) return undefined;
  const lower = text.toLowerCase();
  const severity = (SEVERITIES as readonly string[]).includes(lower) ? (lower as Severity) : FALCO_PRIORITIES[lower];
  if (!severity) fail(read.field('severity') ?? read.field('priority'), `unknown severity '${text}'`, `one of ${SEVERITIES.join(', ')}`);
  return severity;
}

function parseEnabled(node: Node | undefined, fail: Fail): boolean | undefined {
  if (node === undefined) return undefined;
  if (!(isScalar(node) && typeof node.value === 'boolean')) fail(node, '`enabled` must be true or false');
  return (node as unknown as { value: boolean }).value;
}

/** A rule item over the rule of the same name before it (if any): what the item gives replaces, the rest stays. */
function mergeRule(
  name: string,
  before: StoredRule | undefined,
  given: {
    read: Reader;
    condition: string | undefined;
    conditionAt: Located<string> | undefined;
    output: string | undefined;
    severity: Severity | undefined;
    enabled: boolean | undefined;
    file: string;
  },
): StoredRule {
  const { read } = given;
  return {
    name,
    description: read.text('desc') ?? before?.description ?? '',
    condition: given.condition ?? (before?.condition as string),
    conditionAt: given.conditionAt as Located<string>,
    output: given.output as string,
    severity: given.severity ?? before?.severity ?? 'medium',
    tags: read.strings('tags') ?? before?.tags ?? [],
    enabled: given.enabled ?? before?.enabled ?? true,
    key: read.text('key') ?? before?.key,
    source: before && given.condition === undefined ? before.source : given.file,
  };
}

export class RuleSet {
  private readonly lists = new Map<string, string[]>();
  private readonly macros = new Map<string, Located<string>>();
  private readonly rules = new Map<string, StoredRule>();
  private readonly sources = new Map<string, Source>();

  /** Adds one rule file's items in order. Throws GuardRuleError naming the file and line of a fault. */
  add(text: string, file: string): this {
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
    const source = { file, lines };
    this.sources.set(file, source);
    const fail = (node: Node | undefined, message: string, hint?: string): never => {
      const pos = lines.linePos(node?.range?.[0] ?? 0);
      throw new GuardRuleError(file, pos.line, pos.col, message, hint);
    };
    if (doc.errors.length) {
      const first = doc.errors[0];
      const pos = lines.linePos(first?.pos[0] ?? 0);
      throw new GuardRuleError(file, pos.line, pos.col, `not valid YAML: ${first?.message.split('\n')[0]}`);
    }
    if (doc.contents === null) return this;
    if (!isSeq(doc.contents)) fail(doc.contents ?? undefined, 'a rule file is a list of `list`, `macro` and `rule` items');
    for (const item of (doc.contents as { items: unknown[] }).items) {
      if (!isMap(item)) fail(item as Node, 'each item is a map with `list`, `macro` or `rule`');
      this.addItem(item as YAMLMap, file, fail);
    }
    return this;
  }

  private addItem(item: YAMLMap, file: string, fail: (node: Node | undefined, message: string, hint?: string) => never): void {
    const field = (key: string) => item.items.find((p) => isScalar(p.key) && p.key.value === key)?.value as Node | undefined;
    const text = (key: string, required = false): string | undefined => {
      const node = field(key);
      if (node === undefined || node === null) return required ? fail(item, `\`${key}\` is missing`) : undefined;
      if (!isScalar(node) || typeof node.value === 'object') fail(node, `\`${key}\` must be a string`);
      return String((node as { value: unknown }).value);
    };
    const strings = (key: string): string[] | undefined => {
      const node = field(key);
      if (node === undefined) return undefined;
      if (!isSeq(node)) return fail(node, `\`${key}\` must be a list`);
      return node.items.map((i) => (isScalar(i) ? String(i.value) : fail(i as Node, `items of \`${key}\` must be strings`)));
    };
    const known = (allowed: string[]) => {
      for (const pair of item.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : '';
        if (!allowed.includes(key)) {
          const guess = closest(key, allowed);
          fail(pair.key as Node, `unknown field \`${key}\``, guess ? `did you mean \`${guess}\`?` : `fields: ${allowed.join(', ')}`);
        }
      }
    };
    const append = field('append') !== undefined && isScalar(field('append')) && (field('append') as { value: unknown }).value === true;

    if (field('list') !== undefined) {
      known(['list', 'items', 'append']);
      const name = text('list', true) as string;
      const items = strings('items') ?? fail(item, '`items` is missing');
      this.lists.set(name, append ? [...(this.lists.get(name) ?? []), ...items] : items);
    } else if (field('macro') !== undefined) {
      known(['macro', 'condition', 'append']);
      const name = text('macro', true) as string;
      const condition = text('condition', true) as string;
      const before = this.macros.get(name);
      const value = append && before ? `(${before.value}) ${condition}` : condition;
      this.macros.set(name, { value, file, node: field('condition') });
    } else if (field('rule') !== undefined) {
      known(['rule', 'desc', 'condition', 'output', 'severity', 'priority', 'tags', 'enabled', 'key', 'append']);
      this.addRule(item, file, fail, { text, strings, field, append });
    } else {
      fail(item, 'an item needs `list`, `macro` or `rule`');
    }
  }

  private addRule(item: YAMLMap, file: string, fail: Fail, read: Reader): void {
    const name = read.text('rule', true) as string;
    const before = this.rules.get(name);
    const severity = parseSeverity(read, fail);
    const enabled = parseEnabled(read.field('enabled'), fail);
    let condition = read.text('condition');
    if (condition !== undefined && read.append && before) condition = `(${before.condition}) ${condition}`;
    const conditionAt = condition !== undefined ? { value: condition, file, node: read.field('condition') } : before?.conditionAt;
    const output = read.text('output') ?? before?.output;
    if (!before) {
      if (condition === undefined) fail(item, `rule '${name}' has no \`condition\``);
      if (output === undefined) fail(item, `rule '${name}' has no \`output\``, 'e.g. output: "Shell started (%proc.cmdline)"');
    }
    this.rules.set(name, mergeRule(name, before, { read, condition, conditionAt, output, severity, enabled, file }));
  }

  /** Compiles every enabled rule; a fault in a condition names its file, line and column. */
  compile(): CompiledRule[] {
    const macros = new Map([...this.macros].map(([k, v]) => [k, v.value]));
    const defs = { lists: this.lists, macros };
    // Macros are checked on their own too, so a broken one is reported where it is written.
    for (const [name, macro] of this.macros) this.compileAt(macro, () => compileCondition(macro.value, defs), `macro '${name}'`);
    const compiled: CompiledRule[] = [];
    for (const rule of this.rules.values()) {
      if (!rule.enabled) continue;
      const matches = this.compileAt(rule.conditionAt, () => compileCondition(rule.condition, defs), `rule '${rule.name}'`);
      const { conditionAt: _, ...plain } = rule;
      compiled.push({ ...plain, matches, evidence: outputFields(rule.output) });
    }
    return compiled;
  }

  private compileAt(at: Located<string>, compile: () => Predicate, what: string): Predicate {
    try {
      return compile();
    } catch (err) {
      if (!(err instanceof ConditionError)) throw err;
      const source = this.sources.get(at.file);
      const start = at.node?.range?.[0] ?? 0;
      const pos = source ? source.lines.linePos(start) : { line: 0, col: 0 };
      // A plain or quoted one-line condition: the fault's column is exact.
      const quoted = isScalar(at.node) && (at.node.type === 'QUOTE_DOUBLE' || at.node.type === 'QUOTE_SINGLE') ? 1 : 0;
      const oneLine = !at.value.includes('\n') && isScalar(at.node) && !String(at.node.type).startsWith('BLOCK');
      throw new GuardRuleError(at.file, pos.line, oneLine ? pos.col + quoted + err.offset : pos.col, `${what}: ${err.message}`, err.hint);
    }
  }

  /** Every rule, enabled or not, for listing. */
  all(): Rule[] {
    return [...this.rules.values()].map(({ conditionAt: _, ...rule }) => rule);
  }
}
