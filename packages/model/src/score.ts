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

type Report = (path: PathSegment[], message: string, hint?: string) => void;
type Obj = Record<string, unknown>;

const objectOr = (v: unknown): Obj => (isPlainObject(v) ? v : {});

/** The one container a Nimbus service has: the workload's first, with a finding when there are more. */
function mainContainer(w: Obj, unsupported: Report): { main: Obj; path: PathSegment[] } {
  const containers = objectOr(w.containers);
  const names = Object.keys(containers);
  if (names.length !== 1) {
    unsupported(
      ['containers'],
      `a Score workload converts to one Nimbus service with one container; this one has ${names.length}`,
      'split the sidecars into their own workloads',
    );
  }
  return { main: objectOr(names[0] ? containers[names[0]] : {}), path: ['containers', names[0] ?? ''] };
}

/** Image, command, args, variables and resources map one to one. */
function containerFields(main: Obj): Obj {
  const out: Obj = {};
  for (const [from, to] of [
    ['image', 'image'],
    ['command', 'command'],
    ['args', 'args'],
  ] as const)
    if (main[from] !== undefined) out[to] = main[from];
  if (isPlainObject(main.variables)) out.env = main.variables;
  if (isPlainObject(main.resources)) out.resources = main.resources;
  return out;
}

function convertProbes(main: Obj, cpath: PathSegment[], unsupported: Report): Obj | undefined {
  const probes: Obj = {};
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
  return Object.keys(probes).length ? probes : undefined;
}

function convertPorts(w: Obj): Obj[] {
  const svcPorts = objectOr(objectOr(w.service).ports);
  return Object.entries(svcPorts).map(([portNameKey, p]) => {
    const port = objectOr(p);
    return {
      name: portNameKey,
      port: port.targetPort ?? port.port,
      ...(port.targetPort !== undefined && port.targetPort !== port.port ? { servicePort: port.port } : {}),
      ...(port.protocol !== undefined ? { protocol: port.protocol } : {}),
    };
  });
}

const routeExposure = (params: Obj): Obj => ({
  host: params.host,
  ...(params.path !== undefined ? { path: params.path } : {}),
  ...(params.port !== undefined ? { port: params.port } : {}),
});

/** Backing resources and the route a workload declares: resources become dependencies, a route its exposure. */
function convertResources(w: Obj, unsupported: Report): { resources: Record<string, Obj>; dependsOn: string[]; expose?: Obj } {
  const resources: Record<string, Obj> = {};
  const dependsOn: string[] = [];
  let expose: Obj | undefined;
  for (const [resName, raw] of Object.entries(objectOr(w.resources))) {
    const res = objectOr(raw);
    const type = typeof res.type === 'string' ? res.type : '';
    const params = objectOr(res.params);
    if (type === 'route') expose = routeExposure(params);
    if (ROUTE_TYPES.has(type)) continue;
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
  return { resources, dependsOn, ...(expose ? { expose } : {}) };
}

/**
 * Converts a Score workload into a Nimbus service (plus the backing resources it
 * declares). The result is validated by the Nimbus schema afterwards, so this
 * step only reshapes and reports what has no Nimbus equivalent.
 */
export function convertScoreWorkload(doc: SourceDocument): ScoreConversion {
  const diagnostics: Diagnostic[] = [];
  const w = objectOr(doc.value);
  const unsupported: Report = (path, message, hint) =>
    diagnostics.push({ ...doc.locate(path), code: 'NIMBUS_SCORE_UNSUPPORTED', message, ...(hint ? { hint } : {}) });

  const metadata = objectOr(w.metadata);
  const name = typeof metadata.name === 'string' ? metadata.name : '';
  if (!name)
    diagnostics.push({ ...doc.locate(['metadata']), code: 'NIMBUS_SPEC_INVALID', message: "required field 'metadata.name' is missing" });

  const { main, path: cpath } = mainContainer(w, unsupported);
  const service = containerFields(main);
  const files = scoreFiles(main.files);
  for (const p of files.problems) unsupported([...cpath, 'files'], p);
  if (Object.keys(files.entries).length) service.config = { files: files.entries };
  const probes = convertProbes(main, cpath, unsupported);
  if (probes) service.probes = probes;
  const ports = convertPorts(w);
  if (ports.length) service.ports = ports;
  const { resources, dependsOn, expose } = convertResources(w, unsupported);
  if (expose) service.expose = expose;
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
