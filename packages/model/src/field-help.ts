import { appJsonSchema } from './schema.js';

type JsonSchema = {
  type?: string | string[];
  description?: string;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  $ref?: string;
  definitions?: Record<string, JsonSchema>;
};

/** What `nimbus explain spec.services.NAME.ports` prints about a field of the spec. */
export interface FieldHelp {
  path: string;
  description: string | undefined;
  type: string;
  values: string[];
  fields: string[];
}

const variants = (s: JsonSchema): JsonSchema[] => [s, ...(s.anyOf ?? []), ...(s.oneOf ?? [])];

function typeOf(s: JsonSchema): string {
  const types = variants(s)
    .flatMap((v) => (v.type === undefined ? (v.const !== undefined ? [JSON.stringify(v.const)] : []) : [v.type].flat()))
    .filter((t, i, all) => all.indexOf(t) === i);
  return types.join(' or ') || 'any';
}

/** The schema one step below: a named field, or any key of a map (`services.web`), or a list's item (`ports.0`). */
function child(s: JsonSchema, key: string): JsonSchema | undefined {
  for (const v of variants(s)) {
    if (v.properties?.[key]) return v.properties[key];
    if (/^\d+$/.test(key) && v.items) return v.items;
    if (typeof v.additionalProperties === 'object') return v.additionalProperties;
  }
  return undefined;
}

/**
 * The spec's own description of a field, from the JSON schema editors use:
 * `spec.services.*.probes.readiness` (any service name or `*` for a map key).
 * Undefined when the path names no field.
 */
export function fieldHelp(path: string): FieldHelp | undefined {
  let node: JsonSchema | undefined = appJsonSchema() as JsonSchema;
  const segments = path.split('.').filter(Boolean);
  for (const seg of segments) {
    node = node && child(node, seg === '*' ? '__any__' : seg);
    if (!node) return undefined;
  }
  const all = variants(node);
  const item = all.find((v) => v.items)?.items;
  return {
    path,
    description: all.find((v) => v.description)?.description,
    type: typeOf(node),
    values: all.flatMap((v) => (v.enum ?? []).map((e) => JSON.stringify(e))),
    fields: [...new Set([...all, ...(item ? variants(item) : [])].flatMap((v) => Object.keys(v.properties ?? {})))].sort(),
  };
}
