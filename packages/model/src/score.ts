import { isPlainObject } from './environments.js';
import type { Diagnostic } from './errors.js';
import { API_VERSION } from './schema.js';
import type { PathSegment, SourceDocument } from './yaml-source.js';

export const SCORE_API_VERSION = 'score.dev/v1b1';

/** Score resource types that describe exposure rather than a backing service. */
const ROUTE_TYPES = new Set(['route', 'dns']);

export interface ScoreConversion {
  name: string;
  service: Record<string, unknown>;
  resources: Record<string, Record<string, unknown>>;
  diagnostics: Diagnostic[];
}

/**
 * Converts a Score workload into a Nimbus service (plus the backing resources it
 * declares). The result is validated by the Nimbus schema afterwards, so this
 * step only reshapes and reports what has no Nimbus equivalent.
 */
export function convertScoreWorkload(doc: SourceDocument): ScoreConversion {
  const diagnostics: Diagnostic[] = [];
  const w = isPlainObject(doc.value) ? doc.value : {};
  const unsupported = (path: PathSegment[], message: string, hint?: string) =>
    diagnostics.push({ ...doc.locate(path), code: 'NIMBUS_SCORE_UNSUPPORTED', message, ...(hint ? { hint } : {}) });

  const metadata = isPlainObject(w.metadata) ? w.metadata : {};
  const name = typeof metadata.name === 'string' ? metadata.name : '';
  if (!name)
    diagnostics.push({ ...doc.locate(['metadata']), code: 'NIMBUS_SPEC_INVALID', message: "required field 'metadata.name' is missing" });

  const containers = isPlainObject(w.containers) ? w.containers : {};
  const containerNames = Object.keys(containers);
  if (containerNames.length !== 1) {
    unsupported(
      ['containers'],
      `a Score workload converts to one Nimbus service with one container; this one has ${containerNames.length}`,
      'split the sidecars into their own workloads',
    );
  }
  const main = (containerNames[0] ? containers[containerNames[0]] : {}) as Record<string, unknown>;
  const cpath: PathSegment[] = ['containers', containerNames[0] ?? ''];

  const service: Record<string, unknown> = {};
  if (main.image !== undefined) service.image = main.image;
  if (main.command !== undefined) service.command = main.command;
  if (main.args !== undefined) service.args = main.args;
  if (isPlainObject(main.variables)) service.env = main.variables;
  if (isPlainObject(main.resources)) service.resources = main.resources;

  const files = scoreFiles(main.files);
  if (files.problems.length) for (const p of files.problems) unsupported([...cpath, 'files'], p);
  if (Object.keys(files.entries).length) service.config = { files: files.entries };

  const probes: Record<string, unknown> = {};
  for (const [scoreKey, nimbusKey] of [
    ['livenessProbe', 'liveness'],
    ['readinessProbe', 'readiness'],
  ] as const) {
    const probe = main[scoreKey];
    if (!isPlainObject(probe)) continue;
    if (isPlainObject(probe.httpGet)) probes[nimbusKey] = { path: probe.httpGet.path, port: probe.httpGet.port };
    else if (isPlainObject(probe.exec)) probes[nimbusKey] = { command: probe.exec.command };
    else unsupported([...cpath, scoreKey], 'only httpGet and exec probes convert');
  }
  if (Object.keys(probes).length) service.probes = probes;

  const svcPorts = isPlainObject(w.service) && isPlainObject(w.service.ports) ? w.service.ports : {};
  const ports = Object.entries(svcPorts).map(([portNameKey, p]) => {
    const port = isPlainObject(p) ? p : {};
    return {
      name: portNameKey,
      port: port.targetPort ?? port.port,
      ...(port.targetPort !== undefined && port.targetPort !== port.port ? { servicePort: port.port } : {}),
      ...(port.protocol !== undefined ? { protocol: port.protocol } : {}),
    };
  });
  if (ports.length) service.ports = ports;

  const resources: Record<string, Record<string, unknown>> = {};
  const dependsOn: string[] = [];
  const declared = isPlainObject(w.resources) ? w.resources : {};
  for (const [resName, raw] of Object.entries(declared)) {
    const res = isPlainObject(raw) ? raw : {};
    const type = typeof res.type === 'string' ? res.type : '';
    const params = isPlainObject(res.params) ? res.params : {};
    if (ROUTE_TYPES.has(type)) {
      if (type === 'route') {
        service.expose = {
          host: params.host,
          ...(params.path !== undefined ? { path: params.path } : {}),
          ...(params.port !== undefined ? { port: params.port } : {}),
        };
      }
      continue;
    }
    if (type === 'volume') {
      unsupported(
        ['resources', resName],
        'volume resources are not supported: Nimbus services are stateless (12-factor VI)',
        'keep state in a backing service such as postgres or an object store',
      );
      continue;
    }
    resources[resName] = { type, ...(Object.keys(params).length ? { params: stringifyValues(params) } : {}) };
    dependsOn.push(resName);
  }
  if (dependsOn.length) service.dependsOn = dependsOn;
  return { name, service, resources, diagnostics };
}

function stringifyValues(obj: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, String(v)]));
}

function scoreFiles(raw: unknown): { entries: Record<string, string>; problems: string[] } {
  const entries: Record<string, string> = {};
  const problems: string[] = [];
  const add = (target: unknown, spec: unknown) => {
    const f = isPlainObject(spec) ? spec : {};
    if (typeof target !== 'string') return;
    if (typeof f.content === 'string') entries[target] = f.content;
    else problems.push(`file '${target}': only inline 'content' converts (not 'source' or 'binaryContent')`);
  };
  if (Array.isArray(raw)) for (const f of raw) add(isPlainObject(f) ? f.target : undefined, f);
  else if (isPlainObject(raw)) for (const [target, f] of Object.entries(raw)) add(target, f);
  return { entries, problems };
}

/** Wraps converted Score workloads into a Nimbus App document. */
export function appFromScore(appName: string, conversions: ScoreConversion[]): Record<string, unknown> {
  const services: Record<string, unknown> = {};
  const resources: Record<string, unknown> = {};
  for (const c of conversions) {
    services[c.name] = c.service;
    Object.assign(resources, c.resources);
  }
  return {
    apiVersion: API_VERSION,
    kind: 'App',
    metadata: { name: appName },
    spec: { services, ...(Object.keys(resources).length ? { resources } : {}) },
  };
}
