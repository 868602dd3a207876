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
  /** Name of an environment under `spec.environments` to apply. */
  environment?: string;
  /** App name when the inputs are Score workloads only; defaults to the first workload's name. */
  appName?: string;
}

export interface LoadedApp {
  spec: AppSpec;
  environment: string | undefined;
  /** Files the app was read from, in input order. */
  files: string[];
}

type Locate = (path: readonly PathSegment[], at?: 'key' | 'value') => SourceLocation;

/**
 * Reads a Nimbus app from one or more YAML texts (a nimbus.yaml, Score
 * workloads, or both). Pure: the caller reads the files. Every problem is
 * collected; if there is any, one NimbusError carries all of them.
 */
export function loadApp(inputs: readonly SpecInput[], options: LoadOptions = {}): LoadedApp {
  const diagnostics: Diagnostic[] = [];
  const apps: SourceDocument[] = [];
  const scores: { doc: SourceDocument; conversion: ScoreConversion }[] = [];

  for (const input of inputs) {
    const parsed = parseYamlSource(input.text, input.file);
    diagnostics.push(...parsed.diagnostics);
    for (const doc of parsed.documents) {
      const apiVersion = isPlainObject(doc.value) ? doc.value.apiVersion : undefined;
      if (apiVersion === API_VERSION) apps.push(doc);
      else if (apiVersion === SCORE_API_VERSION) scores.push({ doc, conversion: convertScoreWorkload(doc) });
      else {
        diagnostics.push({
          ...doc.locate(isPlainObject(doc.value) && 'apiVersion' in doc.value ? ['apiVersion'] : []),
          code: 'NIMBUS_SPEC_KIND',
          message: apiVersion === undefined ? 'the document has no apiVersion' : `unsupported apiVersion '${String(apiVersion)}'`,
        });
      }
    }
  }
  if (apps.length > 1) {
    const second = apps[1] as SourceDocument;
    diagnostics.push({
      ...second.locate([]),
      code: 'NIMBUS_SPEC_KIND',
      message: 'more than one Nimbus App document',
      hint: 'keep one App per spec; pass Score workloads beside it',
    });
  }
  for (const s of scores) diagnostics.push(...s.conversion.diagnostics);
  if (apps.length === 0 && scores.length === 0 && diagnostics.length === 0) {
    diagnostics.push({ file: inputs[0]?.file, code: 'NIMBUS_SPEC_KIND', message: 'the input holds no document' });
  }
  throwIfAny(diagnostics);

  const { raw, locate } = assemble(apps[0], scores, options.appName, diagnostics);
  throwIfAny(diagnostics);

  const base = AppSpecSchema.safeParse(raw);
  if (!base.success) throwIfAny(zodIssuesToDiagnostics(base.error.issues, AppSpecSchema, { locate }, raw));
  let spec = (base as { data: AppSpec }).data;

  const environment = options.environment;
  let finalLocate = locate;
  if (environment !== undefined) {
    const envs = spec.spec.environments ?? {};
    const overlay = envs[environment];
    if (overlay === undefined) {
      const guess = closestName(environment, Object.keys(envs));
      throw new NimbusError('NIMBUS_ENV_UNKNOWN', `environment '${environment}' is not declared`, {
        hint: guess ? `did you mean '${guess}'?` : `declared environments: ${Object.keys(envs).sort().join(', ') || '(none)'}`,
        location: locate(['spec', 'environments']),
      });
    }
    const { environments: _drop, ...body } = spec.spec;
    const merged = { ...spec, spec: mergeOverlay(body, overlay) };
    finalLocate = (path, at) => {
      // A field the overlay sets is reported where the overlay sets it.
      const overlayPath = ['spec', 'environments', environment, ...path.slice(1)];
      if (path[0] === 'spec' && apps[0]?.has(overlayPath)) {
        return { ...locate(overlayPath, at), path: `${formatPath(path)} (environment '${environment}')` };
      }
      return locate(path, at);
    };
    const parsed = AppSpecSchema.safeParse(merged);
    if (!parsed.success) throwIfAny(zodIssuesToDiagnostics(parsed.error.issues, AppSpecSchema, { locate: finalLocate }, merged));
    spec = (parsed as { data: AppSpec }).data;
  }

  throwIfAny(checkSemantics(spec, finalLocate));
  return { spec, environment, files: inputs.map((i) => i.file ?? '<stdin>') };
}

function assemble(
  appDoc: SourceDocument | undefined,
  scores: { doc: SourceDocument; conversion: ScoreConversion }[],
  appName: string | undefined,
  diagnostics: Diagnostic[],
): { raw: unknown; locate: Locate } {
  const scoreByService = new Map(scores.map((s) => [s.conversion.name, s.doc]));
  const scoreLocate: Locate = (path, at) => {
    const doc = path[0] === 'spec' && path[1] === 'services' ? scoreByService.get(String(path[2])) : undefined;
    if (doc) return { ...doc.locate(['metadata', 'name']), path: formatPath(path) };
    return appDoc ? appDoc.locate(path, at) : { path: formatPath(path) };
  };
  const conversions = scores.map((s) => s.conversion);
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

function throwIfAny(diagnostics: Diagnostic[]): void {
  if (diagnostics.length === 0) return;
  const sorted = [...diagnostics].sort(
    (a, b) => (a.file ?? '').localeCompare(b.file ?? '') || (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0),
  );
  const first = sorted[0] as Diagnostic;
  const summary = sorted.length === 1 ? first.message : `${sorted.length} problems in the spec`;
  throw new NimbusError(first.code, summary, { diagnostics: sorted, location: first });
}
