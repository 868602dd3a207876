import { createHash } from 'node:crypto';

/**
 * Schemas of custom resources, derived from CustomResourceDefinitions: the
 * bundled ones (Istio, Gateway API, Argo CD, Prometheus Operator, made by
 * scripts/update-crd-schemas.mjs) and any CRD found beside the objects checked.
 * Pure: the same conversion serves the script, its drift test and `check`.
 */

export type JsonSchema = Record<string, unknown>;

/** One served version of one custom kind, as a JSON schema. */
export interface CustomKindSchema {
  apiVersion: string;
  kind: string;
  schema: JsonSchema;
}

/** Where a bundle's CRDs came from. */
export interface CrdSource {
  module: string;
  version: string;
  files: string[];
}

export interface CrdSchemaBundle {
  sources: CrdSource[];
  /** `apiVersion|Kind` → definition name. */
  kinds: Record<string, string>;
  definitions: Record<string, JsonSchema>;
}

/** Where ObjectMeta lives in the Kubernetes bundle the custom schemas refer to. */
export const OBJECT_META_REF = 'k8s#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

// Structural-schema keywords that decide validity; descriptions, defaults and
// CEL rules (x-kubernetes-validations, judged by the server) are left out.
const KEEP = new Set([
  'type',
  'properties',
  'additionalProperties',
  'items',
  'required',
  'enum',
  'oneOf',
  'anyOf',
  'allOf',
  'not',
  'nullable',
  'pattern',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
  'minProperties',
  'maxProperties',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-int-or-string',
  'x-kubernetes-embedded-resource',
]);

const isPlain = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Whether a pattern means the same to the validator as to the API server (RE2); others are left to the server. */
function portablePattern(p: unknown): p is string {
  if (typeof p !== 'string') return false;
  try {
    new RegExp(p, 'u');
    return true;
  } catch {
    return false;
  }
}

const kept = (k: string, v: unknown) => KEEP.has(k) && (k !== 'pattern' || portablePattern(v));

function trimNode(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(trimNode);
  if (!isPlain(node)) return node;
  const out: JsonSchema = {};
  for (const [k, v] of Object.entries(node)) {
    if (!kept(k, v)) continue;
    out[k] = k === 'properties' && isPlain(v) ? Object.fromEntries(Object.entries(v).map(([p, s]) => [p, trimNode(s)])) : trimNode(v);
  }
  const defaults = defaultsOf(node);
  for (const k of ['oneOf', 'anyOf'] as const)
    if (Array.isArray(out[k]) && defaults.size) out[k] = (out[k] as unknown[]).map((b) => withDefaultsRequired(b, defaults));
  return out;
}

/** The defaults the server fills into a node's properties before it validates. */
function defaultsOf(node: Record<string, unknown>): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (isPlain(node.properties))
    for (const [p, s] of Object.entries(node.properties)) if (isPlain(s) && s.default !== undefined) out.set(p, s.default);
  return out;
}

/** Whether a value passes a branch's property schema, for the simple forms branches use; undefined when unsure. */
function accepts(schema: unknown, value: unknown): boolean | undefined {
  if (!isPlain(schema)) return undefined;
  const keys = Object.keys(schema);
  if (keys.length === 1 && Array.isArray(schema.enum)) return schema.enum.includes(value);
  if (keys.length === 1 && schema.not !== undefined) {
    const inner = accepts(schema.not, value);
    return inner === undefined ? undefined : !inner;
  }
  return undefined;
}

/**
 * A oneOf/anyOf branch as the server judges it: an absent property holds its
 * default there, so a branch that the default fails must fail when the
 * property is absent (it is required in the branch). Defaults themselves are
 * not bundled: the validator never changes the object it reads.
 */
function withDefaultsRequired(branch: unknown, defaults: Map<string, unknown>): unknown {
  if (!isPlain(branch) || !isPlain(branch.properties)) return branch;
  const required = Array.isArray(branch.required) ? [...(branch.required as string[])] : [];
  for (const [p, s] of Object.entries(branch.properties))
    if (defaults.has(p) && !required.includes(p) && accepts(s, defaults.get(p)) === false) required.push(p);
  return required.length ? { ...branch, required } : branch;
}

/** A CRD version's openAPIV3Schema as a validation schema; metadata is the real ObjectMeta. */
export function trimCrdSchema(openAPIV3Schema: unknown): JsonSchema {
  const out = trimNode(openAPIV3Schema) as JsonSchema;
  const properties = isPlain(out.properties) ? { ...out.properties } : {};
  // The server fills these in from the CRD; many CRDs leave them undeclared.
  properties.apiVersion = { type: 'string' };
  properties.kind = { type: 'string' };
  properties.metadata = { $ref: OBJECT_META_REF };
  return { ...out, type: 'object', properties };
}

/** Every served version of a CustomResourceDefinition that carries a schema (v1 CRDs). */
export function customKindsOf(crd: unknown): CustomKindSchema[] {
  if (!isPlain(crd) || crd.kind !== 'CustomResourceDefinition' || !isPlain(crd.spec)) return [];
  const { group, names, versions } = crd.spec as { group?: unknown; names?: unknown; versions?: unknown };
  const kind = isPlain(names) ? names.kind : undefined;
  if (typeof group !== 'string' || typeof kind !== 'string' || !Array.isArray(versions)) return [];
  const out: CustomKindSchema[] = [];
  for (const v of versions) {
    if (!isPlain(v) || typeof v.name !== 'string' || v.served === false) continue;
    const schema = isPlain(v.schema) ? v.schema.openAPIV3Schema : undefined;
    if (!isPlain(schema)) continue;
    out.push({ apiVersion: `${group}/${v.name}`, kind, schema: trimCrdSchema(schema) });
  }
  return out;
}

/** Subtrees smaller than this stay inline: a reference would cost more than it saves. */
const SHARE_AT = 256;

const digest = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 12);

/**
 * Gathers custom kinds into one bundle. Subtrees that occur more than once
 * (a PodSpec inside Prometheus, Alertmanager and ThanosRuler; a route match in
 * every route kind) become one shared definition, so the bundle stays small
 * and each is compiled once.
 */
export function bundleCustomKinds(kinds: readonly CustomKindSchema[], sources: CrdSource[]): CrdSchemaBundle {
  const sorted = [...kinds].sort((a, b) => `${a.apiVersion}|${a.kind}`.localeCompare(`${b.apiVersion}|${b.kind}`));
  const sharing = new SubtreeSharing(sorted.map((k) => k.schema));
  const kindNames: Record<string, string> = {};
  for (const k of sorted) {
    const name = `${k.apiVersion.replace('/', '.')}.${k.kind}`;
    kindNames[`${k.apiVersion}|${k.kind}`] = name;
    sharing.definitions[name] = sharing.rewrite(k.schema, true) as JsonSchema;
  }
  return { sources, kinds: kindNames, definitions: sortedKeys(sharing.definitions) };
}

/** Finds the subtrees that repeat across schemas and rewrites schemas to refer to one copy of each. */
class SubtreeSharing {
  readonly definitions: Record<string, JsonSchema> = {};
  private readonly text = new Map<unknown, string>();
  private readonly counts = new Map<string, number>();

  constructor(schemas: readonly JsonSchema[]) {
    for (const s of schemas) this.count(s);
  }

  /** A canonical text of a node (keys sorted), memoised per node. */
  private canonical(node: unknown): string {
    if (!isPlain(node) && !Array.isArray(node)) return JSON.stringify(node);
    const known = this.text.get(node);
    if (known !== undefined) return known;
    const s = Array.isArray(node)
      ? `[${node.map((n) => this.canonical(n)).join(',')}]`
      : `{${Object.keys(node)
          .sort()
          .map((k) => `${JSON.stringify(k)}:${this.canonical(node[k])}`)
          .join(',')}}`;
    this.text.set(node, s);
    return s;
  }

  private count(node: unknown): void {
    if (!isPlain(node) && !Array.isArray(node)) return;
    const s = this.canonical(node);
    if (isPlain(node) && s.length >= SHARE_AT) this.counts.set(s, (this.counts.get(s) ?? 0) + 1);
    for (const child of Array.isArray(node) ? node : Object.values(node)) this.count(child);
  }

  /** The node with keys sorted and every repeated subtree below it (itself too, unless `top`) replaced by a reference. */
  rewrite(node: unknown, top: boolean): unknown {
    if (Array.isArray(node)) return node.map((n) => this.rewrite(n, false));
    if (!isPlain(node)) return node;
    const s = this.canonical(node);
    if (!top && (this.counts.get(s) ?? 0) > 1) return { $ref: `#/definitions/${this.share(node, s)}` };
    const out: JsonSchema = {};
    for (const key of Object.keys(node).sort()) {
      const v = node[key];
      out[key] = key === 'properties' && isPlain(v) ? mapValues(v, (p) => this.rewrite(p, false)) : this.rewrite(v, false);
    }
    return out;
  }

  private share(node: JsonSchema, text: string): string {
    const name = `shared.${digest(text)}`;
    if (!this.definitions[name]) {
      this.definitions[name] = {};
      this.definitions[name] = this.rewrite(node, true) as JsonSchema;
    }
    return name;
  }
}

const mapValues = (o: Record<string, unknown>, fn: (v: unknown) => unknown) =>
  Object.fromEntries(
    Object.keys(o)
      .sort()
      .map((k) => [k, fn(o[k])]),
  );

const sortedKeys = <T>(o: Record<string, T>): Record<string, T> =>
  Object.fromEntries(
    Object.keys(o)
      .sort()
      .map((k) => [k, o[k] as T]),
  );
