/**
 * A secret value. It prints as [redacted] everywhere — JSON, String(),
 * util.inspect, loggers — and only `reveal()` returns it.
 */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return '[redacted]';
  }
  toJSON(): string {
    return '[redacted]';
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return '[redacted]';
  }
}

/** One environment variable: how to read it and whether it is a secret. */
export interface EnvVar<T> {
  parse(raw: string): T;
  describe: string;
  default?: T;
  optional?: boolean;
  secret?: boolean;
}

type Opts<T> = { default?: T; optional?: boolean; secret?: boolean };

export const env = {
  string: (o: Opts<string> = {}): EnvVar<string> => ({ parse: (r) => r, describe: 'a string', ...o }),
  int: (o: Opts<number> & { min?: number; max?: number } = {}): EnvVar<number> => ({
    describe: `an integer${o.min !== undefined ? ` ≥ ${o.min}` : ''}${o.max !== undefined ? ` ≤ ${o.max}` : ''}`,
    parse: (r) => {
      const n = Number(r);
      if (!/^-?\d+$/.test(r.trim()) || (o.min !== undefined && n < o.min) || (o.max !== undefined && n > o.max)) throw new Error();
      return n;
    },
    ...o,
  }),
  port: (o: Opts<number> = {}): EnvVar<number> => ({ ...env.int({ min: 1, max: 65535 }), describe: 'a port (1–65535)', ...o }),
  bool: (o: Opts<boolean> = {}): EnvVar<boolean> => ({
    describe: 'true or false',
    parse: (r) => {
      if (/^(true|1|yes|on)$/i.test(r)) return true;
      if (/^(false|0|no|off)$/i.test(r)) return false;
      throw new Error();
    },
    ...o,
  }),
  url: (o: Opts<string> = {}): EnvVar<string> => ({ describe: 'a URL', parse: (r) => new URL(r).toString(), ...o }),
  oneOf: <const T extends string>(values: readonly T[], o: Opts<T> = {}): EnvVar<T> => ({
    describe: `one of ${values.join(', ')}`,
    parse: (r) => {
      if (!values.includes(r as T)) throw new Error();
      return r as T;
    },
    ...o,
  }),
  secret: (o: { optional?: boolean } = {}): EnvVar<Secret> => ({ parse: (r) => new Secret(r), describe: 'a secret', ...o, secret: true }),
};

export type ConfigOf<S extends Record<string, EnvVar<unknown>>> = {
  readonly [K in keyof S]: S[K] extends EnvVar<infer T> ? (S[K] extends { optional: true } ? T | undefined : T) : never;
};

/** Every problem with the environment at once, never a value of a secret. */
export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** One variable: its parsed value, its default, nothing (optional and unset), or the problem with it. */
function readVariable(name: string, spec: EnvVar<unknown>, raw: string | undefined): { value: unknown } | { problem: string } {
  if (raw === undefined || raw === '') {
    if (spec.default !== undefined || spec.optional) return { value: spec.default };
    return { problem: `${name} is not set (expected ${spec.describe})` };
  }
  try {
    return { value: spec.parse(raw) };
  } catch {
    const shown = spec.secret ? '' : `, got ${JSON.stringify(raw.length > 60 ? `${raw.slice(0, 60)}…` : raw)}`;
    return { problem: `${name} must be ${spec.describe}${shown}` };
  }
}

/**
 * Typed 12-factor configuration from the environment, checked at start-up:
 * all missing or invalid variables are reported together; secrets never
 * appear in errors, `toJSON` or `String()` (they print as [redacted]).
 */
export function configFromEnv<S extends Record<string, EnvVar<unknown>>>(schema: S, source: NodeJS.ProcessEnv = process.env): ConfigOf<S> {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, spec] of Object.entries(schema)) {
    const read = readVariable(name, spec, source[name]);
    if ('problem' in read) problems.push(read.problem);
    else if (read.value !== undefined) out[name] = read.value;
  }
  if (problems.length) throw new ConfigError(problems);
  return Object.freeze(out) as ConfigOf<S>;
}
