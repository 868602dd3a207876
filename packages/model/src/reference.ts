import { appJsonSchema } from './schema.js';

type JsonSchema = {
  type?: string | string[];
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  const?: unknown;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  pattern?: string;
};

function typeOf(s: JsonSchema): string {
  if (s.const !== undefined) return `\`${JSON.stringify(s.const)}\``;
  if (s.enum) return s.enum.map((v) => `\`${JSON.stringify(v)}\``).join(' \\| ');
  if (s.anyOf) return s.anyOf.map(typeOf).join(' \\| ');
  if (s.type === 'array') return `list of ${s.items ? typeOf(s.items) : 'any'}`;
  if (s.type === 'object' && s.additionalProperties && typeof s.additionalProperties === 'object' && !s.properties) {
    return `map of ${typeOf(s.additionalProperties)}`;
  }
  if (s.type === 'object') return 'object';
  const base = Array.isArray(s.type) ? s.type.join(' \\| ') : (s.type ?? 'any');
  const range = s.minimum !== undefined || s.maximum !== undefined ? ` (${s.minimum ?? ''}…${s.maximum ?? ''})` : '';
  return `${base}${range}`;
}

function objectOf(s: JsonSchema): JsonSchema | undefined {
  if (s.properties) return s;
  if (s.type === 'array' && s.items) return objectOf(s.items);
  if (s.additionalProperties && typeof s.additionalProperties === 'object') return objectOf(s.additionalProperties);
  if (s.anyOf)
    for (const o of s.anyOf) {
      const found = objectOf(o);
      if (found) return found;
    }
  return undefined;
}

function walk(s: JsonSchema, path: string, rows: string[]): void {
  const obj = objectOf(s);
  if (!obj?.properties) return;
  for (const [key, child] of Object.entries(obj.properties)) {
    const isMap = child.type === 'object' && !child.properties && typeof child.additionalProperties === 'object';
    const isList = child.type === 'array';
    const here = `${path}${path ? '.' : ''}${key}${isMap ? '.<name>' : isList ? '[]' : ''}`;
    const required = obj.required?.includes(key) ? 'yes' : '';
    const desc = (child.description ?? objectOf(child)?.description ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ');
    rows.push(`| \`${here}\` | ${typeOf(child)} | ${required} | ${desc} |`);
    walk(child, here, rows);
  }
}

/** The spec reference page, generated from the same schema as the types and the JSON Schema. */
export function referenceMarkdown(): string {
  const rows: string[] = [];
  walk(appJsonSchema() as JsonSchema, '', rows);
  return [
    '# nimbus.yaml reference (`nimbus.dev/v1alpha1`)',
    '',
    'Generated from the spec schema in `packages/model/src/schema.ts`; a test fails when it is out of date (`npm run docs:update`).',
    'Editors complete and check the spec with `schema/nimbus.v1alpha1.json` (yaml-language-server: add `# yaml-language-server: $schema=<path>` at the top).',
    'Unknown fields are errors. Environment overlays under `spec.environments.<name>` may set any field under `spec`.',
    '',
    '| field | type | required | description |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}
