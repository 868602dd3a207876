import { FIELDS, type FieldValue, fieldValue, type GuardEvent } from '../events.js';
import { closest } from './suggest.js';

/**
 * The condition language of guard rules, in the manner of Falco's:
 *
 *   evt.type = spawn and not evt.initial and proc.program in (shell_binaries)
 *
 * `and`, `or`, `not` and parentheses; comparisons `=`, `!=`, `<`, `<=`, `>`, `>=`, `in (...)`,
 * `startswith`, `endswith`, `contains`, `glob`; `exists`; a boolean field alone. Bare words and
 * quoted strings are values; a name inside `in (...)` that is a declared list expands to its items;
 * a bare name where a condition belongs is a macro. A comparison on a field the event does not
 * have is false. Conditions compile to closures once, when the rules load.
 */

export type Predicate = (event: GuardEvent) => boolean;

export class ConditionError extends Error {
  constructor(
    message: string,
    /** Offset in the condition text. */
    readonly offset: number,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'ConditionError';
  }
}

export interface Definitions {
  lists: ReadonlyMap<string, readonly string[]>;
  macros: ReadonlyMap<string, string>;
}

type Token = { kind: 'word' | 'string' | 'op' | 'paren' | 'comma'; text: string; offset: number };

const OPERATORS = ['<=', '>=', '!=', '=', '<', '>'];

/** The token at offset i, and where the next one starts. */
function tokenAt(text: string, i: number): [Token, number] {
  const c = text[i] as string;
  if (c === '(' || c === ')') return [{ kind: 'paren', text: c, offset: i }, i + 1];
  if (c === ',') return [{ kind: 'comma', text: c, offset: i }, i + 1];
  if (c === '"' || c === "'") {
    const end = text.indexOf(c, i + 1);
    if (end < 0) throw new ConditionError('unterminated string', i, `close it with ${c}`);
    return [{ kind: 'string', text: text.slice(i + 1, end), offset: i }, end + 1];
  }
  const op = OPERATORS.find((o) => text.startsWith(o, i));
  if (op) return [{ kind: 'op', text: op, offset: i }, i + op.length];
  let end = i;
  while (end < text.length && !/[\s(),"'=<>!]/.test(text[end] as string)) end++;
  if (end === i) throw new ConditionError(`unexpected '${c}'`, i);
  return [{ kind: 'word', text: text.slice(i, end), offset: i }, end];
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    if (/\s/.test(text[i] as string)) {
      i++;
      continue;
    }
    const [token, next] = tokenAt(text, i);
    tokens.push(token);
    i = next;
  }
  return tokens;
}

const WORD_OPERATORS = new Set(['in', 'startswith', 'endswith', 'contains', 'glob']);

function globPattern(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

class Parser {
  private at = 0;
  private readonly tokens: Token[];

  constructor(
    private readonly text: string,
    private readonly defs: Definitions,
    private readonly expanding: readonly string[],
  ) {
    this.tokens = tokenize(text);
  }

  parse(): Predicate {
    if (this.tokens.length === 0) throw new ConditionError('the condition is empty', 0);
    const predicate = this.or();
    const extra = this.peek();
    if (extra) throw new ConditionError(`unexpected '${extra.text}'`, extra.offset, 'join conditions with `and` or `or`');
    return predicate;
  }

  private peek(): Token | undefined {
    return this.tokens[this.at];
  }

  private next(what: string): Token {
    const token = this.tokens[this.at++];
    if (!token) throw new ConditionError(`the condition ends where ${what} belongs`, this.text.length);
    return token;
  }

  private isWord(text: string): boolean {
    const t = this.peek();
    return t?.kind === 'word' && t.text === text;
  }

  private or(): Predicate {
    let left = this.and();
    while (this.isWord('or')) {
      this.at++;
      const a = left;
      const b = this.and();
      left = (e) => a(e) || b(e);
    }
    return left;
  }

  private and(): Predicate {
    let left = this.not();
    while (this.isWord('and')) {
      this.at++;
      const a = left;
      const b = this.not();
      left = (e) => a(e) && b(e);
    }
    return left;
  }

  private not(): Predicate {
    if (this.isWord('not')) {
      this.at++;
      const inner = this.not();
      return (e) => !inner(e);
    }
    return this.primary();
  }

  private primary(): Predicate {
    const token = this.next('a condition');
    if (token.kind === 'paren' && token.text === '(') {
      const inner = this.or();
      const close = this.next("')'");
      if (close.text !== ')') throw new ConditionError(`expected ')' but found '${close.text}'`, close.offset);
      return inner;
    }
    if (token.kind !== 'word') throw new ConditionError(`expected a field or macro but found '${token.text}'`, token.offset);
    if (token.text === 'true' || token.text === 'false') {
      const value = token.text === 'true';
      return () => value;
    }
    if (FIELDS[token.text]) return this.comparison(token);
    const macro = this.defs.macros.get(token.text);
    if (macro !== undefined) return this.expandMacro(token, macro);
    const known = [...Object.keys(FIELDS), ...this.defs.macros.keys()];
    const suggestion = closest(token.text, known);
    throw new ConditionError(
      `unknown field or macro '${token.text}'`,
      token.offset,
      suggestion ? `did you mean '${suggestion}'?` : 'fields are listed by `nimbus guard --fields`',
    );
  }

  private expandMacro(token: Token, body: string): Predicate {
    if (this.expanding.includes(token.text))
      throw new ConditionError(`macro '${token.text}' refers to itself (${[...this.expanding, token.text].join(' → ')})`, token.offset);
    try {
      return new Parser(body, this.defs, [...this.expanding, token.text]).parse();
    } catch (err) {
      if (err instanceof ConditionError) throw new ConditionError(`in macro '${token.text}': ${err.message}`, token.offset, err.hint);
      throw err;
    }
  }

  private comparison(fieldToken: Token): Predicate {
    const field = fieldToken.text;
    const spec = FIELDS[field] as (typeof FIELDS)[string];
    const op = this.peek();
    const isOperator = op && (op.kind === 'op' || (op.kind === 'word' && (WORD_OPERATORS.has(op.text) || op.text === 'exists')));
    if (!isOperator) {
      if (spec.type !== 'boolean')
        throw new ConditionError(`'${field}' is a ${spec.type}; compare it with an operator`, fieldToken.offset, `e.g. ${field} = ...`);
      return (e) => fieldValue(e, field) === true;
    }
    this.at++;
    if (op.text === 'exists') return (e) => fieldValue(e, field) !== undefined;
    if (op.text === 'in') return this.membership(field, spec.type);
    const valueToken = this.next(`a value after '${op.text}'`);
    if (valueToken.kind !== 'word' && valueToken.kind !== 'string')
      throw new ConditionError(`expected a value after '${op.text}' but found '${valueToken.text}'`, valueToken.offset);
    const value = this.typed(valueToken, spec.type);
    return compare(field, spec.type, op, value);
  }

  private membership(field: string, type: string): Predicate {
    const open = this.next("'('");
    if (open.text !== '(')
      throw new ConditionError(`expected '(' after 'in' but found '${open.text}'`, open.offset, 'e.g. proc.program in (sh, bash)');
    const values: (string | number | boolean)[] = [];
    for (let item = this.next("a value or ')'"); item.text !== ')' || item.kind !== 'paren'; item = this.next("a value or ')'"))
      if (item.kind !== 'comma') values.push(...this.listItem(item, type));
    const set = new Set(values);
    return (e) => {
      const v = fieldValue(e, field);
      return v !== undefined && set.has(v);
    };
  }

  /** One item of an `in (...)` list: a value, or a declared list's values. */
  private listItem(item: Token, type: string): (string | number | boolean)[] {
    if (item.kind !== 'word' && item.kind !== 'string') throw new ConditionError(`unexpected '${item.text}' in a list`, item.offset);
    const list = item.kind === 'word' ? this.defs.lists.get(item.text) : undefined;
    return list ? list.map((v) => this.typed({ ...item, kind: 'string', text: v }, type)) : [this.typed(item, type)];
  }

  private typed(token: Token, type: string): string | number | boolean {
    if (type === 'number') {
      const n = Number(token.text);
      if (token.text === '' || Number.isNaN(n)) throw new ConditionError(`'${token.text}' is not a number`, token.offset);
      return n;
    }
    if (type === 'boolean') {
      if (token.text !== 'true' && token.text !== 'false') throw new ConditionError(`'${token.text}' is not true or false`, token.offset);
      return token.text === 'true';
    }
    return token.text;
  }
}

function compare(field: string, type: string, op: Token, value: string | number | boolean): Predicate {
  const get = (e: GuardEvent): FieldValue => fieldValue(e, field);
  const text = String(value);
  switch (op.text) {
    case '=':
      return (e) => get(e) === value;
    case '!=':
      return (e) => {
        const v = get(e);
        return v !== undefined && v !== value;
      };
    case 'startswith':
      return (e) => get(e) !== undefined && String(get(e)).startsWith(text);
    case 'endswith':
      return (e) => get(e) !== undefined && String(get(e)).endsWith(text);
    case 'contains':
      return (e) => get(e) !== undefined && String(get(e)).includes(text);
    case 'glob': {
      const pattern = globPattern(text);
      return (e) => get(e) !== undefined && pattern.test(String(get(e)));
    }
    default: {
      if (type !== 'number') throw new ConditionError(`'${op.text}' compares numbers, and '${field}' is a ${type}`, op.offset);
      const n = value as number;
      const test = { '<': (a: number) => a < n, '<=': (a: number) => a <= n, '>': (a: number) => a > n, '>=': (a: number) => a >= n }[
        op.text as '<' | '<=' | '>' | '>='
      ];
      return (e) => {
        const v = get(e);
        return typeof v === 'number' && test(v);
      };
    }
  }
}

/** Compiles a condition into a predicate; throws ConditionError with the offset of the fault. */
export function compileCondition(text: string, defs: Definitions): Predicate {
  return new Parser(text, defs, []).parse();
}

/** Fills `%field` references of an output template with the event's values (`<NA>` when absent). */
export function renderOutput(template: string, event: GuardEvent): string {
  return template.replace(/%([a-z]+\.[a-z0-9_]+)/g, (whole, field: string) => {
    if (!FIELDS[field]) return whole;
    const v = fieldValue(event, field);
    return v === undefined || v === '' ? '<NA>' : String(v);
  });
}

/** The fields an output template names, so a finding carries them as evidence. */
export function outputFields(template: string): string[] {
  return [...template.matchAll(/%([a-z]+\.[a-z0-9_]+)/g)].map((m) => m[1] as string).filter((f) => FIELDS[f]);
}
