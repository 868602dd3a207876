import type { KubeObject } from '@nimbus/model';

/** The parts of an OpenAPI schema the shaping reads. */
interface Schema {
  $ref?: string;
  type?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  oneOf?: Schema[];
  anyOf?: Schema[];
  allOf?: Schema[];
}

/** `#/definitions/NAME`, `k8s#/definitions/NAME`, `crd#/definitions/NAME`: every bundle shares one namespace of names. */
const definitionName = (ref: string) => ref.slice(ref.indexOf('#/definitions/') + '#/definitions/'.length);

const isPlain = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Shapes a value after its schema: whatever has the wrong JSON type (a map
 * where a list belongs, a number where a map belongs) is left out, so rules
 * read only well-typed data. Schema validation reports what was left out.
 * Undefined means the value itself has the wrong type.
 */
export function shaped(value: unknown, schema: Schema | undefined, definitions: Record<string, Schema>, depth = 0): unknown {
  if (!schema || depth > 64) return value;
  if (schema.$ref) return shaped(value, definitions[definitionName(schema.$ref)], definitions, depth + 1);
  if (schema.allOf?.length) return shaped(value, schema.allOf[0], definitions, depth + 1);
  const alternatives = schema.type ? undefined : (schema.anyOf ?? schema.oneOf);
  if (alternatives) return alternatives.some((s) => typeMatches(value, s.type)) ? value : undefined;
  return shapedByType(value, schema, definitions, depth);
}

function shapedByType(value: unknown, schema: Schema, definitions: Record<string, Schema>, depth: number): unknown {
  switch (schema.type) {
    case 'object':
      return isPlain(value) ? shapedObject(value, schema, definitions, depth) : undefined;
    case 'array':
      return Array.isArray(value)
        ? value.map((v) => shaped(v, schema.items, definitions, depth + 1)).filter((v) => v !== undefined)
        : undefined;
    default:
      return typeMatches(value, schema.type) ? value : undefined;
  }
}

function shapedObject(value: Record<string, unknown>, schema: Schema, definitions: Record<string, Schema>, depth: number) {
  const out: Record<string, unknown> = {};
  const extra = typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined;
  for (const [k, v] of Object.entries(value)) {
    const s = schema.properties?.[k] ?? extra;
    const kept = s ? shaped(v, s, definitions, depth + 1) : v;
    if (kept !== undefined) out[k] = kept;
  }
  return out;
}

function typeMatches(value: unknown, type: string | undefined): boolean {
  switch (type) {
    case undefined:
      return true;
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    case 'object':
      return isPlain(value);
    case 'array':
      return Array.isArray(value);
    default:
      return true;
  }
}

/** An object shaped after its kind's schema; the object itself when the kind has none. */
export function shapedObjectOf(o: KubeObject, root: Schema | undefined, definitions: Record<string, Schema>): KubeObject {
  if (!root) return o;
  const out = shaped(o, root, definitions);
  if (!isPlain(out)) return o;
  // Identity stays as it was read, so findings point at the object the user wrote.
  return {
    ...out,
    apiVersion: o.apiVersion,
    kind: o.kind,
    metadata: isPlain(out.metadata) ? { ...out.metadata, name: o.metadata.name } : o.metadata,
  } as KubeObject;
}
