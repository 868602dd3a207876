import { createRequire } from 'node:module';
import { CORE_SCHEMA, loadAll } from 'js-yaml';
import type { Document, Node } from 'yaml';

/**
 * The position-tracking YAML library, loaded on first use: most documents are
 * read by js-yaml alone, and only a located problem needs positions.
 */
let yamlLibrary: typeof import('yaml') | undefined;
const yaml = (): typeof import('yaml') => {
  yamlLibrary ??= createRequire(import.meta.url)('yaml') as typeof import('yaml');
  return yamlLibrary;
};

import type { Diagnostic, SourceLocation } from './errors.js';
import { lineStarts, locateIn, type PositionIndex, positionIndexes, spells } from './yaml-positions.js';

export type PathSegment = string | number;

/** A parsed YAML document that can say where any field path came from. */
export interface SourceDocument {
  file: string | undefined;
  value: unknown;
  /** Position of the field's value, or of its key with `at: 'key'`; a missing field reports its parent. */
  locate(path: readonly PathSegment[], at?: 'key' | 'value'): SourceLocation;
  /** Whether the document spells out this exact path. */
  has(path: readonly PathSegment[]): boolean;
}

export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

function child(node: unknown, seg: PathSegment): { key?: Node; value?: Node } | undefined {
  const { isMap, isNode, isScalar, isSeq } = yaml();
  if (isMap(node)) {
    const pair = node.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === seg);
    return pair ? { key: isNode(pair.key) ? pair.key : undefined, value: isNode(pair.value) ? pair.value : undefined } : undefined;
  }
  if (isSeq(node) && typeof seg === 'number') {
    const item = node.items[seg];
    return isNode(item) ? { value: item } : undefined;
  }
  return undefined;
}

/** The source offset of the deepest node of the path that exists (the key or the value at its end). */
function deepestOffset(doc: Document, path: readonly PathSegment[], at: 'key' | 'value'): number | undefined {
  let node: Node | undefined = yaml().isNode(doc.contents) ? doc.contents : undefined;
  let best = node?.range?.[0];
  for (let i = 0; i < path.length && node; i++) {
    const next = child(node, path[i] as PathSegment);
    if (!next) break;
    const chosen = i === path.length - 1 && at === 'key' ? (next.key ?? next.value) : (next.value ?? next.key);
    if (chosen?.range) best = chosen.range[0];
    node = next.value;
  }
  return best;
}

function makeLocator(doc: Document, counter: InstanceType<typeof import('yaml').LineCounter>, file: string | undefined) {
  return (path: readonly PathSegment[], at: 'key' | 'value' = 'value'): SourceLocation => {
    const best = deepestOffset(doc, path, at);
    if (best === undefined) return { file, path: formatPath(path) };
    const pos = counter.linePos(best);
    return { file, line: pos.line, column: pos.col, path: formatPath(path) };
  };
}

export interface ParsedYaml {
  documents: SourceDocument[];
  diagnostics: Diagnostic[];
}

/**
 * Parses one or more YAML documents. The common case (valid YAML) is read with
 * js-yaml's fast loader; the position-tracking parse runs only when a location
 * is asked for, or when the text is not valid YAML, for exact diagnostics.
 * Both read the YAML 1.2 core schema and reject duplicate keys.
 */
export function parseYamlSource(text: string, file?: string): ParsedYaml {
  let values: unknown[];
  try {
    values = loadAll(text, undefined, { schema: CORE_SCHEMA, json: false });
  } catch {
    return parseWithPositions(text, file);
  }
  const located = lazyLocator(text, file, values.length);
  const documents: SourceDocument[] = [];
  values.forEach((value, index) => {
    if (value === null || value === undefined) return;
    documents.push({
      file,
      value,
      locate: (path, at) => located.locate(index, path, at ?? 'value') ?? { file, path: formatPath(path) },
      has: (path) => located.has(index, path) ?? hasPath(value, path),
    });
  });
  return { documents, diagnostics: [] };
}

/**
 * Positions read on the first question: js-yaml again with its node
 * listener, or (when its documents do not line up) the position-tracking parse.
 */
function lazyLocator(text: string, file: string | undefined, count: number) {
  let indexes: PositionIndex[] | undefined;
  let starts: number[] | undefined;
  let fallback: (SourceDocument | undefined)[] | undefined;
  const load = () => {
    if (indexes || fallback) return;
    const read = positionIndexes(text);
    if (read && read.length === count) {
      indexes = read;
      starts = lineStarts(text);
      return;
    }
    const detailed = parseWithPositions(text, file, true);
    // Documents line up one to one when both parsers saw the same stream.
    fallback = detailed.documents.length === count ? detailed.documents : [];
  };
  return {
    locate(index: number, path: readonly PathSegment[], at: 'key' | 'value'): SourceLocation | undefined {
      load();
      if (fallback) return fallback[index]?.locate(path, at);
      const where = locateIn(text, starts as number[], (indexes as PositionIndex[])[index] as PositionIndex, path, at);
      return where ? { file, ...where, path: formatPath(path) } : undefined;
    },
    has(index: number, path: readonly PathSegment[]): boolean | undefined {
      load();
      if (fallback) return fallback[index]?.has(path);
      return spells((indexes as PositionIndex[])[index] as PositionIndex, path);
    },
  };
}

function hasPath(value: unknown, path: readonly PathSegment[]): boolean {
  let cur = value;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object' || !(seg in (cur as object))) return false;
    cur = (cur as Record<string | number, unknown>)[seg];
  }
  return true;
}

/** A YAML error in words: a duplicate key is named (the parser only says keys must be unique). */
function syntaxMessage(err: { code: string; message: string; pos: [number, number] }, text: string): string {
  if (err.code === 'DUPLICATE_KEY') {
    const key = /^\s*("[^"]*"|'[^']*'|[^:#\n]+?)\s*:/.exec(text.slice(err.pos[0], err.pos[0] + 200))?.[1];
    if (key)
      return `the key '${key.replace(/^["']|["']$/g, '')}' appears twice in one mapping; the second would silently replace the first`;
  }
  return err.message.split('\n')[0] ?? err.message;
}

/** The position-tracking parse; `keepEmpty` keeps empty documents so indexes match js-yaml's. */
function parseWithPositions(text: string, file: string | undefined, keepEmpty = false): ParsedYaml {
  const { LineCounter, parseAllDocuments } = yaml();
  const counter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true, merge: false });
  const diagnostics: Diagnostic[] = [];
  const documents: SourceDocument[] = [];
  const list = Array.isArray(docs) ? docs : [];
  for (const doc of list) {
    for (const err of doc.errors) {
      const pos = counter.linePos(err.pos[0]);
      diagnostics.push({ code: 'NIMBUS_SPEC_SYNTAX', message: syntaxMessage(err, text), file, line: pos.line, column: pos.col });
    }
    if (doc.errors.length > 0) continue;
    if (doc.contents === null && !keepEmpty) continue;
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      // Unresolvable aliases and alias bombs only surface when the value is built.
      const pos = counter.linePos(doc.contents?.range?.[0] ?? 0);
      diagnostics.push({ code: 'NIMBUS_SPEC_SYNTAX', message: (err as Error).message, file, line: pos.line, column: pos.col });
      continue;
    }
    documents.push({
      file,
      value,
      locate: makeLocator(doc, counter, file),
      has: (path) => doc.hasIn(path),
    });
  }
  return { documents, diagnostics };
}
