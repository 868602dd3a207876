import { createRequire } from 'node:module';
import { type KubeObject, refOf } from '@nimbus/model';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { Finding } from './finding.js';
import kubernetesSchema from './kubernetes-schema.json' with { type: 'json' };
import { shapedObjectOf } from './schema-shape.js';

interface SchemaBundle {
  kubernetesVersion: string;
  kinds: Record<string, string>;
  definitions: Record<string, Record<string, unknown>>;
}

const bundle = kubernetesSchema as unknown as SchemaBundle;

/** The Kubernetes version whose OpenAPI the schemas come from (scripts/update-k8s-schema.mjs). */
export const KUBERNETES_SCHEMA_VERSION = bundle.kubernetesVersion;

/**
 * Makes object schemas strict: a field the API does not define is an error,
 * as kubeconform --strict reports it (the API server would silently drop it).
 * Objects that preserve unknown fields, or are maps, stay open.
 */
function strictify(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(strictify);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node))
    out[k] = k === 'properties' ? Object.fromEntries(Object.entries(v as object).map(([p, s]) => [p, strictify(s)])) : strictify(v);
  if (out.properties && out.additionalProperties === undefined && out['x-kubernetes-preserve-unknown-fields'] !== true)
    out.additionalProperties = false;
  return out;
}

let ajv: Ajv | undefined;
const compiled = new Map<string, ValidateFunction | null>();

function newAjv(source: boolean): Ajv {
  const instance = new Ajv({ allErrors: true, strict: false, validateFormats: false, code: { optimize: 1, source } });
  for (const k of ['x-kubernetes-preserve-unknown-fields', 'x-kubernetes-int-or-string', 'x-kubernetes-embedded-resource'])
    instance.addKeyword(k);
  instance.addSchema({ $id: 'k8s', definitions: strictify(bundle.definitions) as Record<string, unknown> });
  return instance;
}

const validatorId = (key: string) => `kind_${key.replace(/[^A-Za-z0-9]/g, '_')}`;

/**
 * Every kind's validator for the build to precompile (scripts/build-validators.mjs):
 * the same schemas and options the fallback compiles with.
 */
export function validatorSource(): { ajv: Ajv; refs: Record<string, string> } {
  const instance = newAjv(true);
  const refs: Record<string, string> = {};
  for (const [key, def] of Object.entries(bundle.kinds)) {
    instance.addSchema({ $id: validatorId(key), $ref: `k8s#/definitions/${def}` });
    refs[validatorId(key)] = validatorId(key);
  }
  return { ajv: instance, refs };
}

/** The validators the build precompiled next to this module, when there (not when running from sources). */
let precompiled: Record<string, ValidateFunction> | null | undefined;
function precompiledValidators(): Record<string, ValidateFunction> | null {
  if (precompiled === undefined) {
    try {
      precompiled = createRequire(import.meta.url)('./kubernetes-validators.cjs') as Record<string, ValidateFunction>;
    } catch {
      precompiled = null;
    }
  }
  return precompiled;
}

function validatorFor(apiVersion: string, kind: string): ValidateFunction | null {
  const key = `${apiVersion}|${kind}`;
  const cached = compiled.get(key);
  if (cached !== undefined) return cached;
  const def = bundle.kinds[key];
  if (!def) {
    compiled.set(key, null);
    return null;
  }
  const ready = precompiledValidators()?.[validatorId(key)];
  ajv ??= ready ? undefined : newAjv(false);
  const fn = ready ?? (ajv as Ajv).compile({ $ref: `k8s#/definitions/${def}` });
  compiled.set(key, fn);
  return fn;
}

const validity = new WeakMap<KubeObject, boolean | undefined>();

/** Whether an object matches its schema (undefined when the kind has none); validated once per object. */
function isValid(o: KubeObject): boolean | undefined {
  if (validity.has(o)) return validity.get(o);
  const validate = validatorFor(o.apiVersion, o.kind);
  const result = validate ? (validate as (data: unknown) => boolean)(o) : undefined;
  validity.set(o, result);
  return result;
}

/**
 * The object as rules may read it: when it breaks its schema, a copy with
 * every wrongly typed value left out (the schema findings report them), so
 * a malformed manifest gets findings, never a crash.
 */
export function wellTyped(o: KubeObject): KubeObject {
  if (isValid(o) !== false) return o;
  const def = bundle.kinds[`${o.apiVersion}|${o.kind}`] as string;
  const definitions = bundle.definitions as Parameters<typeof shapedObjectOf>[2];
  return shapedObjectOf(o, definitions[def], definitions);
}

/** Whether the bundled schemas know this kind. */
export function hasSchema(apiVersion: string, kind: string): boolean {
  return bundle.kinds[`${apiVersion}|${kind}`] !== undefined;
}

function pointerToPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, seg) => (/^\d+$/.test(seg) ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg), '');
}

function describeError(e: ErrorObject): { path: string; message: string } {
  const base = pointerToPath(e.instancePath);
  switch (e.keyword) {
    case 'additionalProperties': {
      const field = String((e.params as { additionalProperty: string }).additionalProperty);
      return { path: base ? `${base}.${field}` : field, message: `unknown field '${field}'` };
    }
    case 'required': {
      const field = String((e.params as { missingProperty: string }).missingProperty);
      return { path: base ? `${base}.${field}` : field, message: `required field '${field}' is missing` };
    }
    case 'enum':
      return {
        path: base,
        message: `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`,
      };
    default:
      return { path: base, message: e.message ?? e.keyword };
  }
}

function unknownKind(o: KubeObject): Finding {
  return {
    ruleId: 'schema-unknown-kind',
    severity: 'info',
    message: `no schema for ${o.kind} in ${o.apiVersion} (Kubernetes ${KUBERNETES_SCHEMA_VERSION}); not validated`,
    resource: refOf(o),
    fix: 'check the apiVersion and kind; custom resources are validated against their CRD on the server',
  };
}

/** The schema errors of one object, each problem once. */
function schemaFindings(o: KubeObject, errors: readonly ErrorObject[]): Finding[] {
  const seen = new Set<string>();
  const out: Finding[] = [];
  // A oneOf (int-or-string, quantity) reports each branch; the summary line is enough.
  for (const e of errors.filter((x) => !(x.keyword === 'type' && x.schemaPath.includes('oneOf')))) {
    const { path, message } = describeError(e);
    if (seen.has(`${path}|${message}`)) continue;
    seen.add(`${path}|${message}`);
    out.push({
      ruleId: 'schema',
      severity: 'error',
      message,
      resource: refOf(o),
      path,
      fix: `see the ${o.kind} API reference for ${path || 'the object'}`,
    });
  }
  return out;
}

/** One object's schema findings: none when it matches its kind's schema. */
export function schemaFindingsOf(o: KubeObject): Finding[] {
  const valid = isValid(o);
  if (valid === undefined) return [unknownKind(o)];
  if (valid) return [];
  // Validated again for its errors: only objects that break their schema pay for this.
  const validate = validatorFor(o.apiVersion, o.kind) as ValidateFunction;
  (validate as (data: unknown) => boolean)(o);
  return schemaFindings(o, validate.errors ?? []);
}

/** Validates objects against the Kubernetes OpenAPI schemas; one finding per problem. */
export function validateSchemas(objects: readonly KubeObject[]): Finding[] {
  return objects.flatMap(schemaFindingsOf);
}
