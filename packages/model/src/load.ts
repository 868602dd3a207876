import { isPlainObject, mergeOverlay } from './environments.js';
import { type Diagnostic, NimbusError, type SourceLocation } from './errors.js';
import { API_VERSION, type AppSpec, AppSpecSchema } from './schema.js';
import { appFromScore, convertScoreWorkload, SCORE_API_VERSION, type ScoreConversion } from './score.js';
import { checkSemantics } from './semantics.js';
import { closestName } from './suggest.js';
import { formatPath, type PathSegment, parseYamlSource, type SourceDocument } from './yaml-source.js';
import { zodIssuesToDiagnostics } from './zod-diagnostics.js';

export interface SpecInput {
  /** File name shown in diagnostics. */
  file?: string;
  text: string;
}

export interface LoadOptions {
  /** Name of an environment under `spec.environments` to apply; several, comma-separated, are layered in order. */
  environment?: string;
  /** App name when the inputs are Score workloads only; defaults to the first workload's name. */
  appName?: string;
  /** Reads a file a Score workload names (`files[].source`), relative to the Score file; the caller does the I/O. */
  readFile?: (fromFile: string | undefined, path: string) => string | undefined;
}

export interface LoadedApp {
  spec: AppSpec;
  environment: string | undefined;
  /** Files the app was read from, in input order. */
  files: string[];
}

type Locate = (path: readonly PathSegment[], at?: 'key' | 'value') => SourceLocation;

type ScoreDoc = { doc: SourceDocument; conversion: ScoreConversion };

/** Sorts every document of the inputs into App documents and Score workloads; anything else is a finding. */
function classify(
  inputs: readonly SpecInput[],
  diagnostics: Diagnostic[],
  readFile: LoadOptions['readFile'],
): { apps: SourceDocument[]; scores: ScoreDoc[] } {
  const apps: SourceDocument[] = [];
  const scores: ScoreDoc[] = [];
  const documents = inputs.flatMap((input) => {
    const parsed = parseYamlSource(input.text, input.file);
    diagnostics.push(...parsed.diagnostics);
    return parsed.documents;
  });
  for (const doc of documents) {
    const apiVersion = isPlainObject(doc.value) ? doc.value.apiVersion : undefined;
    if (apiVersion === API_VERSION) apps.push(doc);
    else if (apiVersion === SCORE_API_VERSION) scores.push({ doc, conversion: convertScoreWorkload(doc, readFile) });
    else diagnostics.push(unknownDocument(doc, apiVersion));
  }
  if (apps.length > 1) {
    diagnostics.push({
      ...(apps[1] as SourceDocument).locate([]),
      code: 'NIMBUS_SPEC_KIND',
      message: 'more than one Nimbus App document',
      hint: 'keep one App per spec; pass Score workloads beside it',
    });
  }
  for (const s of scores) diagnostics.push(...s.conversion.diagnostics);
  if (apps.length === 0 && scores.length === 0 && diagnostics.length === 0) {
    diagnostics.push({ file: inputs[0]?.file, code: 'NIMBUS_SPEC_KIND', message: 'the input holds no document' });
  }
  return { apps, scores };
}

function unknownDocument(doc: SourceDocument, apiVersion: unknown): Diagnostic {
  return {
    ...doc.locate(isPlainObject(doc.value) && 'apiVersion' in doc.value ? ['apiVersion'] : []),
    code: 'NIMBUS_SPEC_KIND',
    message: apiVersion === undefined ? 'the document has no apiVersion' : `unsupported apiVersion '${String(apiVersion)}'`,
  };
}

/**
 * Parsed without zod's generated code: a spec is parsed once per command, and the code zod
 * generates is compiled anew in every process (no code cache holds it), which costs more than
 * it saves on a single pass.
 */
const ONE_PASS = { jitless: true } as const;

function validated(raw: unknown, locate: Locate): AppSpec {
  const parsed = AppSpecSchema.safeParse(raw, ONE_PASS);
  if (!parsed.success) {
    const diagnostics = zodIssuesToDiagnostics(parsed.error.issues, AppSpecSchema, { locate }, raw);
    // The rest of the spec is judged too, so fixing these does not reveal the next batch.
    throwIfAny(distinct([...diagnostics, ...semanticsOfTheRest(raw, parsed.error.issues as SchemaIssue[], locate)]));
  }
  return (parsed as { data: AppSpec }).data;
}

/**
 * The semantic problems of a spec that breaks its schema: the fields the
 * schema refuses are left out (a few rounds, as leaving one out can reveal
 * a required field behind it) and, if what remains is valid, judged as a
 * spec. Problems about a field that was left out are not repeated.
 */
type SchemaIssue = { path: PropertyKey[]; code: string; keys?: string[] };

/** The paths a schema issue is about: the unknown keys themselves for an object with unknown keys. */
const issuePaths = (i: SchemaIssue): PropertyKey[][] =>
  i.code === 'unrecognized_keys' && i.keys ? i.keys.map((k) => [...i.path, k]) : [i.path];

function semanticsOfTheRest(raw: unknown, issues: readonly SchemaIssue[], locate: Locate): Diagnostic[] {
  let rest = structuredClone(raw);
  let pending = issues;
  const removed: string[] = [];
  for (let round = 0; round < 3; round++) {
    for (const issue of pending)
      for (const path of issuePaths(issue)) {
        removeAt(rest, path);
        removed.push(formatPath(path as PathSegment[]));
      }
    rest = compacted(rest);
    const again = AppSpecSchema.safeParse(rest, ONE_PASS);
    if (again.success) return checkSemantics(again.data, locate).filter((d) => !removed.some((r) => d.path?.startsWith(r)));
    pending = again.error.issues as SchemaIssue[];
    if (pending.some((i) => i.path.length === 0)) return [];
  }
  return [];
}

/** Lists without the entries left out (kept as holes while several removals share their indexes). */
function compacted(value: unknown): unknown {
  if (Array.isArray(value)) return value.filter((v) => v !== undefined).map(compacted);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, compacted(v)]));
}

/** Deletes the value at a path (a key of a mapping, an entry of a list), when there. */
function removeAt(root: unknown, path: readonly PropertyKey[]): void {
  if (path.length === 0) return;
  let cur: unknown = root;
  for (const seg of path.slice(0, -1)) {
    if (cur === null || typeof cur !== 'object') return;
    cur = (cur as Record<PropertyKey, unknown>)[seg];
  }
  const last = path[path.length - 1] as PropertyKey;
  if (Array.isArray(cur) && typeof last === 'number') cur.splice(last, 1, undefined);
  else if (cur !== null && typeof cur === 'object') delete (cur as Record<PropertyKey, unknown>)[last];
}

/**
 * The spec with its environments' overlays merged in, in order (`-e base-eu -e prod` layers prod
 * over base-eu), validated again, and a locator that reports a field an overlay sets where the
 * last overlay setting it sets it.
 */
function withEnvironment(
  spec: AppSpec,
  environment: string,
  appDoc: SourceDocument | undefined,
  locate: Locate,
): { spec: AppSpec; locate: Locate } {
  const envs = spec.spec.environments ?? {};
  const names = environment
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  for (const name of names) {
    if (envs[name] !== undefined) continue;
    const guess = closestName(name, Object.keys(envs));
    throw new NimbusError('NIMBUS_ENV_UNKNOWN', `environment '${name}' is not declared`, {
      hint: guess ? `did you mean '${guess}'?` : `declared environments: ${Object.keys(envs).sort().join(', ') || '(none)'}`,
      location: locate(['spec', 'environments']),
    });
  }
  const { environments: _drop, ...body } = spec.spec;
  const merged = { ...spec, spec: names.reduce<unknown>((acc, name) => mergeOverlay(acc, envs[name]), body) };
  const overlayLocate: Locate = (path, at) => {
    for (const name of [...names].reverse()) {
      const overlayPath = ['spec', 'environments', name, ...path.slice(1)];
      if (path[0] === 'spec' && appDoc?.has(overlayPath))
        return { ...locate(overlayPath, at), path: `${formatPath(path)} (environment '${name}')` };
    }
    return locate(path, at);
  };
  return { spec: validated(merged, overlayLocate), locate: overlayLocate };
}

/**
 * Reads a Nimbus app from one or more YAML texts (a nimbus.yaml, Score
 * workloads, or both). Pure: the caller reads the files. Every problem is
 * collected; if there is any, one NimbusError carries all of them.
 */
export function loadApp(inputs: readonly SpecInput[], options: LoadOptions = {}): LoadedApp {
  const diagnostics: Diagnostic[] = [];
  const { apps, scores } = classify(inputs, diagnostics, options.readFile);
  // Unreadable documents stop here; conversion problems are reported with the assembly's, in one pass.
  if (diagnostics.some((d) => d.code !== 'NIMBUS_SCORE_UNSUPPORTED')) throwIfAny(diagnostics);
  const { raw, locate } = assemble(apps[0], scores, options.appName, diagnostics);
  throwIfAny(diagnostics);
  let spec = validated(raw, locate);
  let finalLocate = locate;
  if (options.environment !== undefined) ({ spec, locate: finalLocate } = withEnvironment(spec, options.environment, apps[0], locate));
  // Every environment is judged on every load, not only the one deployed: a broken prod overlay shows up in dev's CI.
  throwIfAny(distinct([...checkSemantics(spec, finalLocate), ...otherEnvironmentProblems(spec, options.environment, apps[0], locate)]));
  return { spec, environment: options.environment, files: inputs.map((i) => i.file ?? '<stdin>') };
}

/** The problems of each declared environment not selected, each located in its overlay. */
function otherEnvironmentProblems(
  spec: AppSpec,
  selected: string | undefined,
  appDoc: SourceDocument | undefined,
  locate: Locate,
): Diagnostic[] {
  const chosen = new Set((selected ?? '').split(',').map((n) => n.trim()));
  const out: Diagnostic[] = [];
  for (const name of Object.keys(spec.spec.environments ?? {})) {
    if (chosen.has(name)) continue;
    try {
      const env = withEnvironment(spec, name, appDoc, locate);
      out.push(...checkSemantics(env.spec, env.locate));
    } catch (err) {
      if (!(err instanceof NimbusError)) throw err;
      out.push(...(err.diagnostics.length ? err.diagnostics : [{ ...err.location, code: err.code, message: err.message }]));
    }
  }
  return out;
}

/** One problem of the base spec reached through several environments is one problem. */
function distinct(diagnostics: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diagnostics.filter((d) => {
    const key = `${d.file}:${d.line}:${d.column}:${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function assemble(
  appDoc: SourceDocument | undefined,
  scores: ScoreDoc[],
  appName: string | undefined,
  diagnostics: Diagnostic[],
): { raw: unknown; locate: Locate } {
  const scoreByService = new Map(scores.map((s) => [s.conversion.name, s]));
  const scoreLocate: Locate = (path, at) => {
    const score = path[0] === 'spec' && path[1] === 'services' ? scoreByService.get(String(path[2])) : undefined;
    if (score) {
      // The Score field a converted one came from (a variable's own line), else the workload's name.
      const origin = score.conversion.origins.get(path.slice(3, 5).join('.'));
      return { ...score.doc.locate(origin ?? ['metadata', 'name']), path: formatPath(path) };
    }
    return appDoc ? appDoc.locate(path, at) : { path: formatPath(path) };
  };
  const conversions = scores.map((s) => s.conversion);
  diagnostics.push(...unboundResources(appDoc, conversions));
  if (!appDoc) {
    const name = appName ?? conversions[0]?.name ?? 'app';
    return { raw: appFromScore(name, conversions), locate: scoreLocate };
  }
  if (conversions.length === 0) return { raw: appDoc.value, locate: appDoc.locate };

  const raw = structuredClone(appDoc.value) as Record<string, unknown>;
  if (!isPlainObject(raw.spec)) raw.spec = {};
  const spec = raw.spec as Record<string, unknown>;
  if (!isPlainObject(spec.services)) spec.services = {};
  const services = spec.services as Record<string, unknown>;
  const resources = (isPlainObject(spec.resources) ? spec.resources : {}) as Record<string, unknown>;
  for (const s of scores) {
    const name = s.conversion.name;
    if (name in services) {
      diagnostics.push({
        ...s.doc.locate(['metadata', 'name']),
        code: 'NIMBUS_SPEC_INVALID',
        message: `Score workload '${name}' has the name of a service already in the App`,
      });
      continue;
    }
    services[name] = s.conversion.service;
    for (const [resName, res] of Object.entries(s.conversion.resources)) if (!(resName in resources)) resources[resName] = res;
  }
  if (Object.keys(resources).length) spec.resources = resources;
  return { raw, locate: scoreLocate };
}

/** Score resources of types Nimbus does not provision that the App does not bind either. */
function unboundResources(appDoc: SourceDocument | undefined, conversions: readonly ScoreConversion[]): Diagnostic[] {
  const bound = objectAt(appDoc?.value, ['spec', 'resources']);
  return conversions.flatMap((c) => c.unbound.filter((u) => !(u.resource in bound)).map((u) => u.diagnostic));
}

const objectAt = (value: unknown, path: string[]): Record<string, unknown> => {
  const v = path.reduce<unknown>((cur, k) => (isPlainObject(cur) ? cur[k] : undefined), value);
  return isPlainObject(v) ? v : {};
};

function throwIfAny(diagnostics: Diagnostic[]): void {
  if (diagnostics.length === 0) return;
  const sorted = [...diagnostics].sort(
    (a, b) => (a.file ?? '').localeCompare(b.file ?? '') || (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0),
  );
  const first = sorted[0] as Diagnostic;
  const summary = sorted.length === 1 ? first.message : `${sorted.length} problems in the spec`;
  throw new NimbusError(first.code, summary, { diagnostics: sorted, location: first });
}
