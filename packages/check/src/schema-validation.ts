import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Script } from 'node:vm';
import { type KubeObject, refOf } from '@nimbus/model/core';
import type { Ajv, ErrorObject, ValidateFunction } from 'ajv';
import { type CrdSchemaBundle, type CustomKindSchema, customKindsOf } from './crd-schema.js';
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

/** Keywords whose subschemas only judge values (a CRD's "one of these fields"), never declare the object's fields. */
const VALUE_ONLY = new Set(['oneOf', 'anyOf', 'not']);

/**
 * Makes object schemas strict: a field the API does not define is an error,
 * as kubeconform --strict reports it (the API server would silently drop it).
 * Objects that preserve unknown fields, or are maps, stay open; so do the
 * branches of oneOf/anyOf/not, which name some fields only to constrain them.
 * A null is accepted wherever a value is, as the server decodes it.
 */
function strictify(node: unknown, valueOnly = false): unknown {
  if (Array.isArray(node)) return node.map((n) => strictify(n, valueOnly));
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === 'properties') out[k] = Object.fromEntries(Object.entries(v as object).map(([p, s]) => [p, strictify(s)]));
    else out[k] = strictify(v, VALUE_ONLY.has(k) || (valueOnly && k === 'allOf'));
  }
  if (!valueOnly && out.properties && out.additionalProperties === undefined && out['x-kubernetes-preserve-unknown-fields'] !== true)
    out.additionalProperties = false;
  // The API server reads an explicit null as the field left out (`creationTimestamp: null` from kubectl's dry runs).
  if (typeof out.type === 'string') out.nullable = true;
  return out;
}

let ajv: Ajv | undefined;
const compiled = new Map<string, ValidateFunction | null>();

const KUBERNETES_KEYWORDS = ['x-kubernetes-preserve-unknown-fields', 'x-kubernetes-int-or-string', 'x-kubernetes-embedded-resource'];

/** The schema compiler, loaded only when a validator was not precompiled (sources, a CRD in the input). */
const AjvClass = (): typeof Ajv => (createRequire(import.meta.url)('ajv') as { Ajv: typeof Ajv }).Ajv;

function newAjv(source: boolean): Ajv {
  const instance = new (AjvClass())({ allErrors: true, strict: false, validateFormats: false, code: { optimize: 1, source } });
  for (const k of KUBERNETES_KEYWORDS) instance.addKeyword(k);
  instance.addSchema({ $id: 'k8s', definitions: strictify(bundle.definitions) as Record<string, unknown> });
  return instance;
}

const validatorId = (key: string) => `kind_${key.replace(/[^A-Za-z0-9]/g, '_')}`;

/**
 * The kinds most manifests hold. Their validators are precompiled into a file of their own,
 * about a third of the whole, so checking ordinary manifests loads only that; the file of
 * the other kinds loads on the first object of one of them.
 */
export const COMMON_KINDS: ReadonlySet<string> = new Set([
  'v1|Pod',
  'v1|Service',
  'v1|ConfigMap',
  'v1|Secret',
  'v1|ServiceAccount',
  'v1|Namespace',
  'v1|PersistentVolumeClaim',
  'apps/v1|Deployment',
  'apps/v1|StatefulSet',
  'apps/v1|DaemonSet',
  'apps/v1|ReplicaSet',
  'batch/v1|Job',
  'batch/v1|CronJob',
  'networking.k8s.io/v1|Ingress',
  'networking.k8s.io/v1|NetworkPolicy',
  'policy/v1|PodDisruptionBudget',
  'autoscaling/v1|HorizontalPodAutoscaler',
  'autoscaling/v2|HorizontalPodAutoscaler',
  'rbac.authorization.k8s.io/v1|Role',
  'rbac.authorization.k8s.io/v1|RoleBinding',
  'rbac.authorization.k8s.io/v1|ClusterRole',
  'rbac.authorization.k8s.io/v1|ClusterRoleBinding',
]);
const COMMON_VALIDATORS = './kubernetes-validators.cjs';
const OTHER_VALIDATORS = './kubernetes-validators-other.cjs';
const validatorFileOf = (key: string) => (COMMON_KINDS.has(key) ? COMMON_VALIDATORS : OTHER_VALIDATORS);

/**
 * Every kind's validator for the build to precompile (scripts/build-validators.mjs), by the
 * file it goes to: the same schemas and options the fallback compiles with.
 */
export function validatorSource(): { ajv: Ajv; files: Record<string, Record<string, string>> } {
  const instance = newAjv(true);
  const files: Record<string, Record<string, string>> = { [COMMON_VALIDATORS]: {}, [OTHER_VALIDATORS]: {} };
  for (const [key, def] of Object.entries(bundle.kinds)) {
    instance.addSchema({ $id: validatorId(key), $ref: `k8s#/definitions/${def}` });
    (files[validatorFileOf(key)] as Record<string, string>)[validatorId(key)] = validatorId(key);
  }
  return { ajv: instance, files };
}

/**
 * Loads validators the build precompiled next to this module (null when
 * running from sources). The build also leaves V8's code cache for them
 * (`.cache`), which spares parsing megabytes of generated code at each start;
 * a cache from another Node version is rejected by V8 and the code compiles
 * as usual.
 */
function loadPrecompiled(file: string): Record<string, ValidateFunction> | null {
  const url = new URL(file, import.meta.url);
  let source: string;
  try {
    // The build writes them ASCII only: Latin-1 gives V8 a one-byte string without decoding.
    source = readFileSync(url, 'latin1');
  } catch {
    return null;
  }
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(new URL(`${file}.cache`, import.meta.url));
  } catch {
    cachedData = undefined;
  }
  const script = new Script(wrapCommonJs(source), { filename: url.pathname, cachedData });
  const module = { exports: {} as Record<string, ValidateFunction> };
  const require = createRequire(url);
  (script.runInThisContext() as CommonJsWrapper)(module.exports, require, module);
  return module.exports;
}

type CommonJsWrapper = (exports: object, require: NodeJS.Require, module: { exports: object }) => void;

/** The generated CommonJS module as one function expression, as Node itself wraps it. */
export const wrapCommonJs = (source: string) => `(function (exports, require, module) {${source}\n})`;

const precompiled = new Map<string, Record<string, ValidateFunction> | null>();
function precompiledIn(file: string): Record<string, ValidateFunction> | null {
  let validators = precompiled.get(file);
  if (validators === undefined) {
    validators = loadPrecompiled(file);
    precompiled.set(file, validators);
  }
  return validators;
}

/** Where the Kubernetes validators come from in this installation: the build's precompiled files, or compiled at start. */
export const schemaValidatorsOrigin = (): 'precompiled' | 'compiled' =>
  precompiledIn(COMMON_VALIDATORS) && precompiledIn(OTHER_VALIDATORS) ? 'precompiled' : 'compiled';

function kubernetesValidator(key: string): ValidateFunction | null {
  const cached = compiled.get(key);
  if (cached !== undefined) return cached;
  const def = bundle.kinds[key];
  if (!def) {
    compiled.set(key, null);
    return null;
  }
  const ready = precompiledIn(validatorFileOf(key))?.[validatorId(key)];
  ajv ??= ready ? undefined : newAjv(false);
  const fn = ready ?? (ajv as Ajv).compile({ $ref: `k8s#/definitions/${def}` });
  compiled.set(key, fn);
  return fn;
}

/** The bundled custom resource schemas, read on the first custom kind (most runs never need them). */
let crdBundle: CrdSchemaBundle | undefined;
const bundledCrds = (): CrdSchemaBundle => {
  crdBundle ??= createRequire(import.meta.url)('./crd-schemas.json') as CrdSchemaBundle;
  return crdBundle;
};

/** Where a kind's schema comes from, for the reader of a finding. */
type SchemaOrigin = 'kubernetes' | 'input-crd' | 'bundled-crd';

interface KindSchema {
  validate: ValidateFunction;
  root: Record<string, unknown>;
  definitions: Record<string, Record<string, unknown>>;
  origin: SchemaOrigin;
}

function customAjv(definitions: Record<string, unknown>, source = false): Ajv {
  const instance = newAjv(source);
  instance.addSchema({ $id: 'crd', definitions: strictify(definitions) as Record<string, unknown> });
  return instance;
}

const crdValidatorId = (key: string) => `crd_${key.replace(/[^A-Za-z0-9]/g, '_')}`;

/** The bundled custom kinds' validators for the build to precompile, like {@link validatorSource}. */
export function crdValidatorSource(): { ajv: Ajv; files: Record<string, Record<string, string>> } {
  const crds = bundledCrds();
  const instance = customAjv(crds.definitions, true);
  const refs: Record<string, string> = {};
  for (const [key, def] of Object.entries(crds.kinds)) {
    instance.addSchema({ $id: crdValidatorId(key), $ref: `crd#/definitions/${def}` });
    refs[crdValidatorId(key)] = crdValidatorId(key);
  }
  return { ajv: instance, files: { [CRD_VALIDATORS]: refs } };
}

const CRD_VALIDATORS = './crd-validators.cjs';

let precompiledCrds: Record<string, ValidateFunction> | null | undefined;
function precompiledCrdValidators(): Record<string, ValidateFunction> | null {
  precompiledCrds ??= loadPrecompiled(CRD_VALIDATORS);
  return precompiledCrds;
}

let bundledAjv: Ajv | undefined;
const bundledKinds = new Map<string, KindSchema | null>();

function bundledCustomKind(key: string): KindSchema | null {
  const cached = bundledKinds.get(key);
  if (cached !== undefined) return cached;
  const crds = bundledCrds();
  const def = crds.kinds[key];
  let found: KindSchema | null = null;
  if (def) {
    const ready = precompiledCrdValidators()?.[crdValidatorId(key)];
    bundledAjv ??= ready ? undefined : customAjv(crds.definitions);
    const root = crds.definitions[def] as Record<string, unknown>;
    found = {
      validate: ready ?? (bundledAjv as Ajv).compile({ $ref: `crd#/definitions/${def}` }),
      root,
      definitions: { ...bundle.definitions, ...crds.definitions },
      origin: 'bundled-crd',
    };
  }
  bundledKinds.set(key, found);
  return found;
}

/**
 * The schemas one check run validates against: Kubernetes' own kinds, then
 * the CustomResourceDefinitions in the checked set (what will be installed
 * beside the objects), then the bundled custom resource schemas.
 */
export class SchemaCatalog {
  private readonly inputKinds = new Map<string, CustomKindSchema>();
  private readonly resolved = new Map<string, KindSchema | null>();
  private readonly validity = new WeakMap<KubeObject, boolean | undefined>();
  private inputAjv: Ajv | undefined;

  constructor(objects: readonly KubeObject[] = []) {
    for (const o of objects)
      if (o.kind === 'CustomResourceDefinition') for (const k of customKindsOf(o)) this.inputKinds.set(`${k.apiVersion}|${k.kind}`, k);
  }

  /** The schema of a kind, or null when none is known. */
  schemaOf(apiVersion: string, kind: string): KindSchema | null {
    const key = `${apiVersion}|${kind}`;
    const cached = this.resolved.get(key);
    if (cached !== undefined) return cached;
    const found = this.kubernetesKind(key) ?? this.inputKind(key) ?? bundledCustomKind(key);
    this.resolved.set(key, found);
    return found;
  }

  private kubernetesKind(key: string): KindSchema | null {
    const validate = kubernetesValidator(key);
    if (!validate) return null;
    const definitions = bundle.definitions;
    return { validate, root: definitions[bundle.kinds[key] as string] as Record<string, unknown>, definitions, origin: 'kubernetes' };
  }

  private inputKind(key: string): KindSchema | null {
    const custom = this.inputKinds.get(key);
    if (!custom) return null;
    this.inputAjv ??= newAjv(false);
    return {
      validate: this.inputAjv.compile(strictify(custom.schema) as Record<string, unknown>),
      root: custom.schema,
      definitions: bundle.definitions,
      origin: 'input-crd',
    };
  }

  /** Whether an object matches its schema (undefined when the kind has none); validated once per object. */
  isValid(o: KubeObject): boolean | undefined {
    if (this.validity.has(o)) return this.validity.get(o);
    const schema = this.schemaOf(o.apiVersion, o.kind);
    const result = schema ? (schema.validate as (data: unknown) => boolean)(o) : undefined;
    this.validity.set(o, result);
    return result;
  }

  /**
   * The object as rules may read it: when it breaks its schema, a copy with
   * every wrongly typed value left out (the schema findings report them), so
   * a malformed manifest gets findings, never a crash.
   */
  wellTyped(o: KubeObject): KubeObject {
    const valid = this.isValid(o);
    // A valid object may still hold nulls (read by the server as absent): rules read them as absent too.
    if (valid === undefined || (valid && !containsNull(o))) return o;
    const schema = this.schemaOf(o.apiVersion, o.kind) as KindSchema;
    return shapedObjectOf(
      o,
      schema.root as Parameters<typeof shapedObjectOf>[1],
      schema.definitions as Parameters<typeof shapedObjectOf>[2],
    );
  }

  /** One object's schema findings: none when it matches its kind's schema. */
  findingsOf(o: KubeObject): Finding[] {
    const valid = this.isValid(o);
    if (valid === undefined) return [unknownKind(o)];
    if (valid) return [];
    // Validated again for its errors: only objects that break their schema pay for this.
    const { validate } = this.schemaOf(o.apiVersion, o.kind) as KindSchema;
    (validate as (data: unknown) => boolean)(o);
    return schemaFindings(o, validate.errors ?? []);
  }
}

function containsNull(value: unknown): boolean {
  if (value === null) return true;
  if (typeof value !== 'object') return false;
  // Walked without a values array per object: every checked object passes through here.
  if (Array.isArray(value)) {
    for (const v of value) if (containsNull(v)) return true;
    return false;
  }
  for (const k in value) if (containsNull((value as Record<string, unknown>)[k])) return true;
  return false;
}

const standardCatalog = new SchemaCatalog();

/** The catalog for a set of objects: the shared one unless the set brings its own CRDs. */
export const schemaCatalogFor = (objects: readonly KubeObject[]): SchemaCatalog =>
  objects.some((o) => o.kind === 'CustomResourceDefinition') ? new SchemaCatalog(objects) : standardCatalog;

/** Whether the bundled schemas (Kubernetes' and the bundled CRDs') know this kind. */
export function hasSchema(apiVersion: string, kind: string): boolean {
  return standardCatalog.schemaOf(apiVersion, kind) !== null;
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
    case 'oneOf':
      return {
        path: base,
        message: 'matches none, or more than one, of its allowed forms: fields that exclude each other may be set together',
      };
    case 'anyOf':
      return { path: base, message: 'matches none of its allowed forms' };
    case 'not':
      return { path: base, message: 'sets fields that are not allowed together here' };
    default:
      return { path: base, message: e.message ?? e.keyword };
  }
}

function unknownKind(o: KubeObject): Finding {
  return {
    ruleId: 'schema-unknown-kind',
    severity: 'info',
    message: `no schema for ${o.kind} in ${o.apiVersion} (Kubernetes ${KUBERNETES_SCHEMA_VERSION}, bundled: Istio, Gateway API, Argo CD, Prometheus Operator); not validated`,
    resource: refOf(o),
    fix: 'check the apiVersion and kind; to validate a custom resource offline, check its CustomResourceDefinition together with it',
  };
}

/** The schema errors of one object, each problem once. */
function schemaFindings(o: KubeObject, errors: readonly ErrorObject[]): Finding[] {
  const seen = new Set<string>();
  const out: Finding[] = [];
  // A oneOf/anyOf (int-or-string, quantity, exclusive fields) reports each branch; the summary line is enough.
  for (const e of errors.filter((x) => !/(oneOf|anyOf)\/\d/.test(x.schemaPath))) {
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

/** One object's schema findings against the standard catalog (Kubernetes and bundled CRDs). */
export function schemaFindingsOf(o: KubeObject, catalog: SchemaCatalog = standardCatalog): Finding[] {
  return catalog.findingsOf(o);
}

/** Validates objects against their schemas (CRDs among them included); one finding per problem. */
export function validateSchemas(objects: readonly KubeObject[]): Finding[] {
  const catalog = schemaCatalogFor(objects);
  return objects.flatMap((o) => catalog.findingsOf(o));
}
