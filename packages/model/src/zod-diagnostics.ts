import type { z } from 'zod';
import type { Diagnostic } from './errors.js';
import { closestName } from './suggest.js';
import type { PathSegment, SourceDocument } from './yaml-source.js';

type AnySchema = z.core.$ZodType;

interface SchemaDef {
  type: string;
  shape?: Record<string, AnySchema>;
  innerType?: AnySchema;
  valueType?: AnySchema;
  element?: AnySchema;
  options?: AnySchema[];
}

function defOf(schema: AnySchema): SchemaDef {
  return (schema as unknown as { _zod: { def: SchemaDef } })._zod.def;
}

/** Object schemas reachable at a path (unions may give several). */
function objectShapesAt(schema: AnySchema, path: readonly PathSegment[]): Record<string, AnySchema>[] {
  const def = defOf(schema);
  if (def.innerType) return objectShapesAt(def.innerType, path);
  if (def.type === 'union' && def.options) return def.options.flatMap((o) => objectShapesAt(o, path));
  if (path.length === 0) return def.type === 'object' && def.shape ? [def.shape] : [];
  const [head, ...rest] = path;
  if (def.type === 'object' && def.shape && typeof head === 'string') {
    const child = def.shape[head];
    return child ? objectShapesAt(child, rest) : [];
  }
  if (def.type === 'record' && def.valueType) return objectShapesAt(def.valueType, rest);
  if (def.type === 'array' && def.element) return objectShapesAt(def.element, rest);
  return [];
}

/** Where a key misplaced at `path` belongs: a field of one of the objects just below (`spec.services` for a top-level `services`). */
function nestedPlace(schema: AnySchema, path: readonly PathSegment[], key: string): string | undefined {
  for (const shape of objectShapesAt(schema, path))
    for (const child of Object.keys(shape))
      if (objectShapesAt(schema, [...path, child]).some((s) => key in s)) return [...path, child, key].join('.');
  return undefined;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}

const COUNTED: Readonly<Record<string, string>> = { string: 'characters', array: 'entries', set: 'entries' };

/** The bound a number or length broke, in words. */
function bound(issue: z.core.$ZodIssue & { code: 'too_small' | 'too_big' }, input: unknown): string {
  const small = issue.code === 'too_small';
  const limit = Number(small ? issue.minimum : issue.maximum);
  const inclusive = (issue as { inclusive?: boolean }).inclusive !== false;
  const what = COUNTED[issue.origin];
  if (what) {
    const has = typeof input === 'string' || Array.isArray(input) ? `, has ${input.length}` : '';
    return `${small ? 'needs at least' : 'takes at most'} ${limit} ${what}${has}`;
  }
  const relation = small ? (inclusive ? 'at least' : 'more than') : inclusive ? 'at most' : 'less than';
  return `must be ${relation} ${limit}, got ${typeName(input)}`;
}

function describe(issue: z.core.$ZodIssue, input: unknown): string {
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${issue.expected === 'int' ? 'a whole number' : issue.expected}, got ${typeName(input)}`;
    case 'invalid_value':
      return `${issue.message}, got ${typeName(input)}`;
    case 'too_small':
    case 'too_big':
      return bound(issue, input);
    case 'invalid_key':
      return `'${String(issue.path.at(-1) ?? '')}' is not a valid key here`;
    default:
      return issue.message;
  }
}

function valueAt(root: unknown, path: readonly PathSegment[]): unknown {
  let cur = root;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[seg];
  }
  return cur;
}

type Source = Pick<SourceDocument, 'locate'>;

/** Unknown keys, each with the closest known field of the object as a hint. */
function unknownKeys(issue: z.core.$ZodIssue & { code: 'unrecognized_keys' }, schema: AnySchema, source: Source): Diagnostic[] {
  const path = issue.path as PathSegment[];
  const known = objectShapesAt(schema, path).flatMap((s) => Object.keys(s));
  return issue.keys.map((key) => {
    const guess = closestName(key, known);
    const deeper = guess ? undefined : nestedPlace(schema, path, key);
    return {
      ...source.locate([...path, key], 'key'),
      code: 'NIMBUS_SPEC_UNKNOWN_FIELD',
      message: `unknown field '${key}'`,
      hint: guess
        ? `did you mean '${guess}'?`
        : deeper
          ? `did you mean '${deeper}'? '${key}' belongs one level down`
          : `known fields here: ${[...new Set(known)].sort().join(', ') || '(none)'}`,
    };
  });
}

/** A union failing on every branch reports the branch that got furthest; undefined when no branch says anything. */
function furthestBranch(issue: z.core.$ZodIssue & { code: 'invalid_union' }): z.core.$ZodIssue[] | undefined {
  const best = [...issue.errors].sort((a, b) => maxDepth(b) - maxDepth(a))[0];
  if (!best || best.length === 0) return undefined;
  return best.map((i) => ({ ...i, path: [...issue.path, ...i.path] })) as z.core.$ZodIssue[];
}

/** A record key that breaks the key's rule: the key itself, and the rule in the schema's own words. */
function invalidKey(issue: z.core.$ZodIssue & { code: 'invalid_key' }, source: Source): Diagnostic {
  const path = issue.path as PathSegment[];
  const rule = issue.issues.map((i) => i.message).find((m) => m && !/^Invalid/.test(m));
  return {
    ...source.locate(path, 'key'),
    code: 'NIMBUS_SPEC_INVALID',
    message: `'${String(path.at(-1))}' is not a valid key here${rule ? `: it must be ${rule}` : ''}`,
  };
}

function invalidValue(issue: z.core.$ZodIssue, source: Source, input: unknown): Diagnostic {
  const path = issue.path as PathSegment[];
  const value = valueAt(input, path);
  const missing = issue.code === 'invalid_type' && value === undefined;
  return {
    ...source.locate(path),
    code: 'NIMBUS_SPEC_INVALID',
    message: missing ? `required field '${String(path[path.length - 1])}' is missing` : describe(issue, value),
  };
}

/** Turns zod issues into diagnostics that point into the user's file, with hints. */
export function zodIssuesToDiagnostics(
  issues: readonly z.core.$ZodIssue[],
  schema: AnySchema,
  source: Source,
  input: unknown,
): Diagnostic[] {
  return issues.flatMap((issue): Diagnostic[] => {
    if (issue.code === 'unrecognized_keys') return unknownKeys(issue, schema, source);
    if (issue.code === 'invalid_key') return [invalidKey(issue, source)];
    const branch = issue.code === 'invalid_union' ? furthestBranch(issue) : undefined;
    if (branch) return zodIssuesToDiagnostics(branch, schema, source, input);
    return [invalidValue(issue, source, input)];
  });
}

function maxDepth(issues: readonly z.core.$ZodIssue[]): number {
  return Math.max(0, ...issues.map((i) => i.path.length + (i.code === 'invalid_type' ? 0 : 0.5)));
}
