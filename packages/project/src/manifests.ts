import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { type Diagnostic, type KubeObject, NimbusError, parseYamlSource, type SourceDocument } from '@nimbus/model';

export interface LoadedManifests {
  objects: KubeObject[];
  /** Where each object came from, for file:line in findings. */
  sources: Map<KubeObject, SourceDocument>;
}

/** Files under the paths, directories walked in name order; hidden entries are skipped. */
function expand(path: string): string[] {
  let info: ReturnType<typeof statSync>;
  try {
    info = statSync(path);
  } catch (cause) {
    throw new NimbusError('NIMBUS_FILE_NOT_FOUND', `cannot read ${path}`, { cause, location: { file: path } });
  }
  if (!info.isDirectory()) return [path];
  const out: string[] = [];
  const walk = (dir: string) => {
    // Entry types come with the listing: no stat per file.
    const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const full = join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else if (['.yaml', '.yml', '.json'].includes(extname(e.name))) out.push(full);
    }
  };
  walk(path);
  return out;
}

function isObject(v: unknown): v is KubeObject {
  return (
    typeof v === 'object' && v !== null && typeof (v as KubeObject).kind === 'string' && typeof (v as KubeObject).apiVersion === 'string'
  );
}

/** Reads plain Kubernetes YAML/JSON files and directories (multi-document, `List`s flattened), like kubectl -f. */
export async function loadManifests(paths: readonly string[]): Promise<LoadedManifests> {
  // Synchronous reads: thousands of small files are read fastest without a promise per file.
  const files = paths.flatMap(expand);
  const objects: KubeObject[] = [];
  const sources = new Map<KubeObject, SourceDocument>();
  const diagnostics: Diagnostic[] = [];
  for (const file of files) {
    const parsed = parseYamlSource(readFileSync(file, 'utf8'), file);
    diagnostics.push(...parsed.diagnostics);
    for (const doc of parsed.documents) {
      const value = doc.value;
      const isList = isObject(value) && value.kind.endsWith('List') && Array.isArray(value.items);
      const items = isList ? (value.items as unknown[]) : [value];
      items.forEach((item, i) => {
        if (!isObject(item) || typeof item.metadata?.name !== 'string') {
          diagnostics.push({
            ...doc.locate(items.length > 1 ? ['items', i] : []),
            code: 'NIMBUS_SPEC_KIND',
            message: 'not a Kubernetes object (needs apiVersion, kind and metadata.name)',
          });
          return;
        }
        objects.push(item);
        sources.set(item, isList ? { ...doc, locate: (path, at) => doc.locate(['items', i, ...path], at) } : doc);
      });
    }
  }
  if (diagnostics.length) {
    throw new NimbusError(diagnostics[0]?.code ?? 'NIMBUS_SPEC_SYNTAX', `${diagnostics.length} problems in the manifests`, { diagnostics });
  }
  return { objects, sources };
}

/** Turns a dotted field path (`spec.ports[0].port`) into path segments. */
export function pathSegments(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) out.push(m[2] !== undefined ? Number(m[2]) : (m[1] as string));
  return out;
}
