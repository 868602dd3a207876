import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import { type Diagnostic, type KubeObject, NimbusError, parseYamlSource, type SourceDocument } from '@nimbus/model/core';

/** A file or document that is not a Kubernetes object, and why it was passed over. */
export interface SkippedInput {
  file: string;
  line?: number;
  reason: string;
}

export interface LoadedManifests {
  objects: KubeObject[];
  /** Where each object came from, for file:line in findings. */
  sources: Map<KubeObject, SourceDocument>;
  /** Files and documents that are not Kubernetes objects (kustomizations, Helm files, app config, empty documents). */
  skipped: SkippedInput[];
  /** Files that are not valid YAML or JSON: their objects could not be read. */
  unreadable: Diagnostic[];
  /** Objects named by `generateName`: checkable, but not appliable idempotently. */
  generated: Set<KubeObject>;
}

export interface LoadManifestOptions {
  /** Every skipped file or document is an error (NIMBUS_SPEC_KIND), as is an unreadable file. */
  strict?: boolean;
  /** What the path `-` reads (standard input, as kubectl -f -), read by the caller. */
  stdin?: string;
}

/** The name standard input goes by in findings and errors. */
export const STDIN_NAME = '<stdin>';

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

type Plain = Record<string, unknown>;
const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);

const KUSTOMIZATION_NAMES = new Set(['kustomization.yaml', 'kustomization.yml', 'Kustomization']);

/** The patch files a kustomization lists (patches, patchesStrategicMerge, patchesJson6902), as absolute paths. */
function kustomizePatches(file: string): string[] {
  let doc: unknown;
  try {
    doc = parseYamlSource(readFileSync(file, 'utf8'), file).documents[0]?.value;
  } catch {
    return [];
  }
  if (!isPlain(doc)) return [];
  const paths: unknown[] = [
    ...(Array.isArray(doc.patches) ? doc.patches.map((p) => (isPlain(p) ? p.path : undefined)) : []),
    ...(Array.isArray(doc.patchesJson6902) ? doc.patchesJson6902.map((p) => (isPlain(p) ? p.path : undefined)) : []),
    // patchesStrategicMerge entries are file paths or inline patches; only paths name files.
    ...(Array.isArray(doc.patchesStrategicMerge) ? doc.patchesStrategicMerge : []),
  ];
  return paths.filter((p): p is string => typeof p === 'string' && !p.includes('\n')).map((p) => resolve(dirname(file), p));
}

/** Files that kustomizations among the inputs use as patches, with the kustomization that lists each. */
function patchFiles(files: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const file of files) if (KUSTOMIZATION_NAMES.has(basename(file))) for (const patch of kustomizePatches(file)) out.set(patch, file);
  return out;
}

/** Why a file as a whole is not Kubernetes manifests, judged by its name and text; undefined when it may be. */
function notManifestFile(file: string, text: string): string | undefined {
  const name = basename(file);
  // Never parsed, never echoed: a binary's bytes would only garble the terminal.
  if (text.includes('\u0000')) return 'a binary file, not YAML or JSON';
  if (KUSTOMIZATION_NAMES.has(name)) return 'a kustomization: build it (kubectl kustomize DIR) to check what it produces';
  if (/\{\{[-\s]*[.$\w]/.test(text)) return 'a template (Helm or Go): render it first (helm template) and check the output';
  if (name === 'Chart.yaml' || name === 'Chart.lock') return 'a Helm chart file';
  if (/^values([.-].*)?\.ya?ml$/.test(name)) return 'Helm values';
  return undefined;
}

/** Why one document is not a Kubernetes object; undefined when it is one. */
function notAnObject(value: unknown): string | undefined {
  if (value === null || value === undefined) return 'an empty document';
  if (!isPlain(value) || typeof value.apiVersion !== 'string' || typeof value.kind !== 'string')
    return 'not a Kubernetes object (no apiVersion and kind)';
  if (value.apiVersion.startsWith('kustomize.config.k8s.io/'))
    return 'a kustomization: build it (kubectl kustomize DIR) to check what it produces';
  if (value.apiVersion.startsWith('config.kubernetes.io/') || value.kind === 'Config') return 'tool configuration, not a cluster object';
  return undefined;
}

/** The object to check: metadata is made a map, and a `generateName` stands in for the name it will get. */
function identified(value: Plain): { object: KubeObject; generated: boolean } {
  const metadata = isPlain(value.metadata) ? value.metadata : {};
  if (typeof metadata.name === 'string' && metadata.name) return { object: value as KubeObject, generated: false };
  if (typeof metadata.generateName === 'string') {
    return { object: { ...value, metadata: { ...metadata, name: metadata.generateName } } as KubeObject, generated: true };
  }
  // A name of the wrong type (a number) or none: kept under a readable stand-in; schema validation reports the field.
  const name = metadata.name === undefined ? '(unnamed)' : String(metadata.name);
  return { object: { ...value, metadata: { ...metadata, name } } as KubeObject, generated: false };
}

/** Items of a `List` (any kind ending in List with an items array), or the document itself. */
function itemsOf(value: unknown): { items: unknown[]; isList: boolean } {
  const isList = isPlain(value) && typeof value.kind === 'string' && value.kind.endsWith('List') && Array.isArray(value.items);
  return { items: isList ? (value.items as unknown[]) : [value], isList };
}

function readFile(file: string, into: LoadedManifests, given?: string): void {
  const text = given ?? readFileSync(file, 'utf8');
  const whole = notManifestFile(file, text);
  if (whole) {
    into.skipped.push({ file, reason: whole });
    return;
  }
  const parsed = parseYamlSource(text, file);
  into.unreadable.push(...parsed.diagnostics);
  for (const doc of parsed.documents) {
    const { items, isList } = itemsOf(doc.value);
    items.forEach((item, i) => {
      const at = isList ? ['items', i] : [];
      const reason = notAnObject(item);
      if (reason) {
        into.skipped.push({ file, line: doc.locate(at).line, reason });
        return;
      }
      const { object, generated } = identified(item as Plain);
      into.objects.push(object);
      if (generated) into.generated.add(object);
      into.sources.set(object, isList ? { ...doc, locate: (path, loc) => doc.locate(['items', i, ...path], loc) } : doc);
    });
  }
}

/**
 * Reads Kubernetes YAML/JSON files and directories as people keep them, like
 * kubectl -f: multi-document, `List`s flattened; kustomizations, Helm chart
 * files and templates, application config and empty documents are passed over
 * and listed (errors with `strict`).
 */
export async function loadManifests(paths: readonly string[], options: LoadManifestOptions = {}): Promise<LoadedManifests> {
  // Synchronous reads: thousands of small files are read fastest without a promise per file.
  const loaded: LoadedManifests = { objects: [], sources: new Map(), skipped: [], unreadable: [], generated: new Set() };
  const files = paths.map((path) => (path === '-' ? [path] : expand(path)));
  const patches = patchFiles(files.flat());
  for (const file of files.flat()) {
    const patchedBy = patches.get(resolve(file));
    if (file === '-') readFile(STDIN_NAME, loaded, options.stdin ?? '');
    else if (patchedBy)
      loaded.skipped.push({
        file,
        reason: `a kustomize patch (listed in ${relative(dirname(file), patchedBy) || basename(patchedBy)}): not an object of its own`,
      });
    else readFile(file, loaded);
  }
  if (options.strict && (loaded.skipped.length || loaded.unreadable.length)) {
    const diagnostics: Diagnostic[] = [
      ...loaded.unreadable,
      ...loaded.skipped.map((s) => ({ file: s.file, line: s.line, code: 'NIMBUS_SPEC_KIND' as const, message: s.reason })),
    ];
    throw new NimbusError(diagnostics[0]?.code ?? 'NIMBUS_SPEC_KIND', `${diagnostics.length} inputs are not Kubernetes objects`, {
      diagnostics,
      hint: 'drop --strict to skip them, or pass only manifest files',
    });
  }
  return loaded;
}

/** Turns a dotted field path (`spec.ports[0].port`) into path segments. */
export function pathSegments(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) out.push(m[2] !== undefined ? Number(m[2]) : (m[1] as string));
  return out;
}
