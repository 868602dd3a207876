import { isPlainObject } from './environments.js';
import type { Diagnostic } from './errors.js';
import { DEFAULT_RESOURCE_PORTS, PROVISIONABLE } from './references.js';
import { API_VERSION } from './schema.js';
import type { PathSegment, SourceDocument } from './yaml-source.js';

export const SCORE_API_VERSION = 'score.dev/v1b1';

/** Backing-service types Nimbus knows the outputs of (host, port, name, database, username, password, url). */
const BACKING_TYPES = new Set([...Object.keys(DEFAULT_RESOURCE_PORTS), 's3', 'amqp', 'elasticsearch', 'mssql', 'cassandra', 'zookeeper']);

export interface ScoreConversion {
  name: string;
  service: Record<string, unknown>;
  resources: Record<string, Record<string, unknown>>;
  diagnostics: Diagnostic[];
  /** Where a field of the converted service came from in the Score file (`env.KEY` → its variable), for error locations. */
  origins: Map<string, PathSegment[]>;
  /** Resources of a type Nimbus does not provision: an error unless the App binds them. */
  unbound: { resource: string; diagnostic: Diagnostic }[];
}

type Report = (path: PathSegment[], message: string, hint?: string) => void;
type Obj = Record<string, unknown>;

const objectOr = (v: unknown): Obj => (isPlainObject(v) ? v : {});

/** Score's `${metadata.*}` placeholders name the workload's own metadata. */
function withMetadata(value: string, metadata: Obj): string {
  return value.replace(/(?<!\$)\$\{metadata\.([^}]+)\}/g, (whole, path: string) => {
    const v = path.split('.').reduce<unknown>((cur, k) => (isPlainObject(cur) ? cur[k] : undefined), metadata);
    return typeof v === 'string' || typeof v === 'number' ? String(v) : whole;
  });
}

/** The container that becomes the service: the one named like the workload, else the first. */
function mainContainerName(w: Obj, name: string): string | undefined {
  const names = Object.keys(objectOr(w.containers));
  return names.includes(name) ? name : names[0];
}

/** Kinds of Score resource and how each converts. */
interface ResourcePlan {
  unbound: { resource: string; path: PathSegment[]; type: string }[];
  /** `${resources.NAME.KEY}` rewritten: other workloads become `${services.NAME.KEY}`, DNS hosts literal values. */
  rewrite: Map<string, (key: string) => string | undefined>;
  resources: Record<string, Obj>;
  dependsOn: string[];
  volumes: Map<string, Obj>;
  expose?: Obj;
}

/** A DNS name for a `dns` resource that nobody bound: under .localhost, which resolves to this machine (RFC 6761). */
const localDnsHost = (workload: string, resource: string) => `${resource === 'dns' ? workload : `${workload}-${resource}`}.localhost`;

function planResources(w: Obj, workload: string, metadata: Obj): ResourcePlan {
  const plan: ResourcePlan = { unbound: [], rewrite: new Map(), resources: {}, dependsOn: [], volumes: new Map() };
  const entries = Object.entries(objectOr(w.resources)).map(([name, raw]) => [name, objectOr(raw)] as const);
  // dns first: routes name its host.
  for (const [resName, res] of entries)
    if (res.type === 'dns') plan.rewrite.set(resName, dnsOutputs(workload, resName, objectOr(res.params)));
  for (const [resName, res] of entries) planResource(plan, resName, res, metadata);
  return plan;
}

function dnsOutputs(workload: string, resName: string, params: Obj): (key: string) => string | undefined {
  const host = typeof params.host === 'string' ? params.host : localDnsHost(workload, resName);
  return (key) => (key === 'host' ? host : undefined);
}

function planResource(plan: ResourcePlan, resName: string, res: Obj, metadata: Obj): void {
  const type = typeof res.type === 'string' ? res.type : '';
  const params = objectOr(res.params);
  switch (type) {
    case 'dns':
      return;
    case 'route':
      plan.expose = routeExposure(params, (v) => substitute(v, plan, metadata));
      return;
    case 'service':
      plan.rewrite.set(resName, (key) => `\${services.${resName}.${key}}`);
      plan.dependsOn.push(resName);
      return;
    case 'volume':
      plan.volumes.set(resName, { emptyDir: {} });
      return;
    default:
      // What Nimbus cannot run must be bound in nimbus.yaml (its outputs are known, its address is not).
      if (!PROVISIONABLE.has(type.toLowerCase())) plan.unbound.push({ resource: resName, path: ['resources', resName, 'type'], type });
      // As Score's reference implementations do: what Nimbus can run, it runs, unless nimbus.yaml binds it.
      plan.resources[resName] = {
        type,
        ...(Object.keys(params).length ? { params: stringifyValues(params) } : {}),
        ...(PROVISIONABLE.has(type.toLowerCase()) ? { provision: true } : {}),
      };
      plan.dependsOn.push(resName);
  }
}

/** Placeholders as Nimbus reads them: metadata resolved, other workloads as services, DNS hosts as values. */
function substitute(value: string, plan: ResourcePlan, metadata: Obj): string {
  return withMetadata(value, metadata).replace(/(?<!\$)\$\{resources\.([^.}]+)\.([^}]+)\}/g, (whole, res: string, key: string) => {
    return plan.rewrite.get(res)?.(key) ?? whole;
  });
}

const routeExposure = (params: Obj, sub: (v: string) => string): Obj => ({
  ...(typeof params.host === 'string' ? { host: sub(params.host) } : {}),
  ...(params.path !== undefined ? { path: sub(String(params.path)) } : {}),
  ...(params.port !== undefined ? { port: Number(params.port) } : {}),
});

/** What a Score port speaks, read from its name as meshes do (grpc-*, http-*), else plain TCP or UDP. */
function portProtocol(name: string, port: Obj): string {
  if (String(port.protocol ?? '').toUpperCase() === 'UDP') return 'udp';
  if (/^grpc([-_].*)?$/i.test(name)) return 'grpc';
  if (/^(http|https|web|h2c)([-_].*)?$/i.test(name)) return 'http';
  return 'tcp';
}

function convertPorts(w: Obj): Obj[] {
  return Object.entries(objectOr(objectOr(w.service).ports)).map(([name, p]) => {
    const port = objectOr(p);
    const containerPort = port.targetPort ?? port.port;
    return {
      name: name.toLowerCase().slice(0, 15),
      port: containerPort,
      ...(port.port !== undefined && port.port !== containerPort ? { servicePort: port.port } : {}),
      protocol: portProtocol(name, port),
    };
  });
}

/** A Score probe as a Nimbus probe; undefined (with a finding) for a shape that has none. */
function convertProbe(probe: Obj, at: PathSegment[], report: Report): Obj | undefined {
  if (isPlainObject(probe.httpGet)) {
    const http = probe.httpGet;
    const headers = Array.isArray(http.httpHeaders)
      ? Object.fromEntries(http.httpHeaders.filter(isPlainObject).map((h) => [String(h.name), String(h.value)]))
      : undefined;
    return {
      path: http.path ?? '/',
      ...(http.port !== undefined ? { port: http.port } : {}),
      ...(headers && Object.keys(headers).length ? { headers } : {}),
    };
  }
  if (isPlainObject(probe.exec)) return { command: probe.exec.command };
  report(at, 'a Score probe is httpGet or exec');
  return undefined;
}

/**
 * Probes as Score means them: the ones declared, and no others. Nimbus's own
 * defaults (its SDK's /health and /ready) are not assumed of an arbitrary
 * image: where Score declares none, the pod is probed by TCP on its first port.
 */
function convertProbes(main: Obj, cpath: PathSegment[], hasPorts: boolean, report: Report): Obj {
  const liveness = isPlainObject(main.livenessProbe) ? convertProbe(main.livenessProbe, [...cpath, 'livenessProbe'], report) : undefined;
  const readiness = isPlainObject(main.readinessProbe)
    ? convertProbe(main.readinessProbe, [...cpath, 'readinessProbe'], report)
    : undefined;
  const fallback = hasPorts ? { tcp: true } : false;
  return {
    startup: readiness ?? liveness ?? fallback,
    liveness: liveness ?? fallback,
    readiness: readiness ?? fallback,
  };
}

/** Score files: inline content (placeholders expanded unless noExpand), base64 binaryContent when it is text, a source read beside the file. */
function convertFiles(
  raw: unknown,
  at: PathSegment[],
  report: Report,
  sub: (v: string) => string,
  readSource: (path: string) => string | undefined,
): Record<string, string> {
  const entries: Record<string, string> = {};
  const add = (target: unknown, spec: unknown, path: PathSegment[]) => {
    if (typeof target !== 'string') return;
    const text = fileText(objectOr(spec), target, path, report, readSource);
    if (text !== undefined) entries[target] = objectOr(spec).noExpand === true || text.binary ? text.value : sub(text.value);
  };
  if (Array.isArray(raw)) for (const [i, f] of raw.entries()) add(objectOr(f).target, f, [...at, i]);
  else if (isPlainObject(raw)) for (const [target, f] of Object.entries(raw)) add(target, f, [...at, target]);
  return entries;
}

/** One file's text, from whichever source it names; undefined (with a finding) when there is none usable. */
function fileText(
  f: Obj,
  target: string,
  path: PathSegment[],
  report: Report,
  readSource: (path: string) => string | undefined,
): { value: string; binary: boolean } | undefined {
  if (typeof f.content === 'string') return { value: f.content, binary: false };
  if (typeof f.binaryContent === 'string') {
    const text = decodeText(f.binaryContent);
    if (text === undefined)
      report([...path, 'binaryContent'], `file '${target}' is binary or not base64; Nimbus mounts text files only`, 'ship it in the image');
    return text === undefined ? undefined : { value: text, binary: true };
  }
  if (typeof f.source === 'string') {
    const text = readSource(f.source);
    if (text === undefined)
      report([...path, 'source'], `file '${target}': cannot read its source '${f.source}'`, 'the path is relative to the Score file');
    return text === undefined ? undefined : { value: text, binary: false };
  }
  return undefined;
}

/** Base64 that decodes to UTF-8 text; undefined for binary data or bad base64. */
function decodeText(base64: string): string | undefined {
  try {
    const bytes = Uint8Array.from(atob(base64.replace(/\s+/g, '')), (c) => c.charCodeAt(0));
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/** Score volumes (`source: ${resources.NAME}` of a volume resource) as the service's volumes. */
function convertVolumes(raw: unknown, at: PathSegment[], plan: ResourcePlan, report: Report): Record<string, Obj> {
  const out: Record<string, Obj> = {};
  const add = (target: unknown, spec: unknown, path: PathSegment[]) => {
    const v = objectOr(spec);
    const m = /^\$\{resources\.([^.}]+)\}$/.exec(String(v.source ?? ''));
    const source = m ? plan.volumes.get(m[1] as string) : undefined;
    if (typeof target !== 'string') return;
    if (!source) {
      report([...path, 'source'], `volume '${target}' must name a resource of type volume as \${resources.NAME}`);
      return;
    }
    out[target] = { ...source, ...(v.readOnly === true ? { readOnly: true } : {}) };
  };
  if (Array.isArray(raw)) for (const [i, v] of raw.entries()) add(objectOr(v).target, v, [...at, i]);
  else if (isPlainObject(raw)) for (const [target, v] of Object.entries(raw)) add(target, v, [...at, target]);
  return out;
}

function convertEnv(variables: unknown, sub: (v: string) => string): Obj | undefined {
  if (!isPlainObject(variables)) return undefined;
  return Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, typeof v === 'string' ? sub(v) : v]));
}

/** Another container of the workload, as a sidecar of the service. */
function convertSidecar(c: Obj, sub: (v: string) => string, volumes: Record<string, Obj>): Obj {
  const env = convertEnv(c.variables, sub);
  return {
    image: c.image,
    ...(c.command !== undefined ? { command: c.command } : {}),
    ...(c.args !== undefined ? { args: c.args } : {}),
    ...(env ? { env } : {}),
    ...(isPlainObject(c.resources) ? { resources: c.resources } : {}),
    ...(Object.keys(volumes).length ? { volumes: Object.keys(volumes).sort() } : {}),
  };
}

/** The workload's other containers as sidecars, and the volumes all its containers mount. */
function extraContainersOf(
  containers: Obj,
  mainName: string | undefined,
  cpath: PathSegment[],
  plan: ResourcePlan,
  report: Report,
  sub: (v: string) => string,
): Obj {
  const volumes: Record<string, Obj> = {
    ...convertVolumes(objectOr(containers[mainName ?? '']).volumes, [...cpath, 'volumes'], plan, report),
  };
  const sidecars: Obj = {};
  for (const [cName, raw] of Object.entries(containers)) {
    if (cName === mainName) continue;
    const c = objectOr(raw);
    const own = convertVolumes(c.volumes, ['containers', cName, 'volumes'], plan, report);
    Object.assign(volumes, own);
    sidecars[cName] = convertSidecar(c, sub, own);
  }
  return {
    ...(Object.keys(sidecars).length ? { sidecars } : {}),
    ...(Object.keys(volumes).length ? { volumes } : {}),
  };
}

/** The main container's fields; an image of `.` means "built from here", as Score's tools read it. */
function containerFields(main: Obj, sub: (v: string) => string): Obj {
  const out: Obj = main.image === '.' ? { build: { context: '.' } } : { image: main.image };
  if (main.command !== undefined) out.command = main.command;
  if (main.args !== undefined) out.args = main.args;
  const env = convertEnv(main.variables, sub);
  if (env) out.env = env;
  if (isPlainObject(main.resources)) out.resources = scoreResources(main.resources);
  return out;
}

/**
 * A Score container's requests and limits exactly as written: what it leaves
 * out stays out (null removes Nimbus's default), so a default CPU limit never
 * lands below the request the workload states.
 */
function scoreResources(r: Obj): Obj {
  const list = (v: unknown) => {
    const q = objectOr(v);
    return { cpu: q.cpu ?? null, memory: q.memory ?? null };
  };
  return { requests: list(r.requests), limits: list(r.limits) };
}

/**
 * Converts a Score workload into a Nimbus service (plus the backing resources it
 * declares). The result is validated by the Nimbus schema afterwards, so this
 * step only reshapes and reports what has no Nimbus equivalent.
 */
export function convertScoreWorkload(
  doc: SourceDocument,
  readFile: (fromFile: string | undefined, path: string) => string | undefined = () => undefined,
): ScoreConversion {
  const diagnostics: Diagnostic[] = [];
  const origins = new Map<string, PathSegment[]>();
  const w = objectOr(doc.value);
  const report: Report = (path, message, hint) =>
    diagnostics.push({ ...doc.locate(path), code: 'NIMBUS_SCORE_UNSUPPORTED', message, ...(hint ? { hint } : {}) });

  const metadata = objectOr(w.metadata);
  const name = typeof metadata.name === 'string' ? metadata.name : '';
  if (!name)
    diagnostics.push({ ...doc.locate(['metadata']), code: 'NIMBUS_SPEC_INVALID', message: "required field 'metadata.name' is missing" });

  const plan = planResources(w, name, metadata);
  const sub = (v: string) => substitute(v, plan, metadata);
  const containers = objectOr(w.containers);
  const mainName = mainContainerName(w, name);
  if (!mainName) report(['containers'], 'a Score workload needs at least one container');
  const main = objectOr(mainName ? containers[mainName] : {});
  const cpath: PathSegment[] = ['containers', mainName ?? ''];

  const service = containerFields(main, sub);
  for (const key of Object.keys(objectOr(main.variables))) origins.set(`env.${key}`, [...cpath, 'variables', key]);
  const files = convertFiles(main.files, [...cpath, 'files'], report, sub, (path) => readFile(doc.file, path));
  if (Object.keys(files).length) service.config = { files };
  const ports = convertPorts(w);
  if (ports.length) service.ports = ports;
  service.probes = convertProbes(main, cpath, ports.length > 0, report);
  // Prometheus scraping is Nimbus's SDK contract; a Score workload declares no metrics endpoint.
  service.metrics = false;

  Object.assign(service, extraContainersOf(containers, mainName, cpath, plan, report, sub));
  if (plan.expose) service.expose = plan.expose;
  if (plan.dependsOn.length) service.dependsOn = plan.dependsOn;
  if (isPlainObject(metadata.annotations) && Object.keys(metadata.annotations).length)
    service.pod = { annotations: stringifyValues(metadata.annotations) };
  const unbound = plan.unbound.map(({ resource, path, type }) => ({
    resource,
    diagnostic: {
      ...doc.locate(path),
      code: 'NIMBUS_SCORE_UNSUPPORTED' as const,
      message: `resource '${resource}' has type '${type}', which Nimbus does not provision`,
      hint: `bind it in nimbus.yaml under spec.resources.${resource} (type, host, port, params) and render both files together; Nimbus runs ${[...PROVISIONABLE].sort().join(', ')} itself and knows the outputs of ${[...BACKING_TYPES].sort().join(', ')}`,
    },
  }));
  return { name, service, resources: plan.resources, diagnostics, origins, unbound };
}

function stringifyValues(obj: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, String(v)]));
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
