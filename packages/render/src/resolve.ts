import {
  type AppSpec,
  type CiSpec,
  type CronJobSpec,
  type GitOpsSpec,
  type GuardSpec,
  type JobSpec,
  type MeshSpec,
  type ProbeSpec,
  portName,
  type ResolvedResource,
  resolveResource,
  type SecretOutputRef,
  type SecurityDefaults,
  type ServiceSpec,
  secretOutputsIn,
  substitutePlaceholders,
} from '@nimbus/model';

import { DEFAULT_SECURITY } from './kubernetes/pod.js';
/**
 * Nimbus's own defaults. An app's `spec.defaults` overrides them globally and a
 * service's fields override both; `null` in a resource quantity removes it.
 */
export const NIMBUS_DEFAULTS = {
  replicas: 2,
  resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '200m', memory: '256Mi' } },
  probes: {
    // Checked every second for up to a minute: a pod serves as soon as it can, not up to a period later.
    startup: { path: '/health', periodSeconds: 1, timeoutSeconds: 2, failureThreshold: 60 },
    liveness: { path: '/health', periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3 },
    readiness: { path: '/ready', periodSeconds: 2, timeoutSeconds: 2, failureThreshold: 3 },
  },
  securityContext: { ...DEFAULT_SECURITY },
  podSecurity: 'restricted',
  terminationGracePeriodSeconds: 30,
  metricsPath: '/metrics',
  ingressControllerNamespace: 'ingress-nginx',
  scraperNamespace: 'monitoring',
  autoscalingCpu: 70,
  guardImage: 'nimbus/guard:0.1.0',
} as const;

export interface ResolvedPort {
  name: string;
  port: number;
  servicePort: number;
  /** Transport, as Kubernetes names it. */
  protocol: 'TCP' | 'UDP' | 'SCTP';
  /** What the port speaks: decides default probes, metrics scraping and mesh routes. */
  appProtocol: 'http' | 'grpc' | 'tcp' | 'udp';
}

type PortProtocol = NonNullable<ServiceSpec['ports']>[number]['protocol'];

/** Transport and application protocol of a declared port; HTTP over TCP unless said otherwise. */
function portProtocols(protocol: PortProtocol): Pick<ResolvedPort, 'protocol' | 'appProtocol'> {
  switch (protocol) {
    case 'grpc':
      return { protocol: 'TCP', appProtocol: 'grpc' };
    case 'tcp':
    case 'TCP':
      return { protocol: 'TCP', appProtocol: protocol === 'tcp' ? 'tcp' : 'http' };
    case 'udp':
    case 'UDP':
      return { protocol: 'UDP', appProtocol: 'udp' };
    case 'SCTP':
      return { protocol: 'SCTP', appProtocol: 'tcp' };
    default:
      return { protocol: 'TCP', appProtocol: 'http' };
  }
}

export interface ResolvedProbe extends ProbeSpec {
  /** Resolved to a port name or number the container has. */
  port?: number | string;
}

export interface ResolvedQuantities {
  cpu?: string | number;
  memory?: string | number;
}

export interface ResolvedJob {
  name: string;
  spec: JobSpec | CronJobSpec;
  schedule: string | undefined;
}

export interface ResolvedService {
  name: string;
  spec: ServiceSpec;
  image: string;
  ports: ResolvedPort[];
  env: [string, string][];
  secretEnv: [string, { secret: string; key: string }][];
  configData: [string, string][];
  configFiles: [string, string][];
  requests: ResolvedQuantities;
  limits: ResolvedQuantities;
  probes: { startup?: ResolvedProbe; liveness?: ResolvedProbe; readiness?: ResolvedProbe };
  security: Required<Pick<SecurityDefaults, 'runAsUser' | 'runAsGroup' | 'fsGroup' | 'readOnlyRootFilesystem'>>;
  replicas: number | undefined;
  autoscaling: { min: number; max: number; cpu: number | undefined; memory: number | undefined } | undefined;
  dependsOnServices: string[];
  dependsOnResources: ResolvedResource[];
  dependents: string[];
  metrics: { port: ResolvedPort; path: string } | undefined;
  terminationGracePeriodSeconds: number;
  placement: {
    nodeSelector: Record<string, string>;
    tolerations: Record<string, unknown>[];
    affinity: Record<string, unknown> | undefined;
    priorityClassName: string | undefined;
  };
  automountToken: boolean;
  jobs: ResolvedJob[];
  /** The runtime guard, when turned on. */
  guard: ResolvedGuard | undefined;
  /** Credentials the env reads from resources' Secrets (`$(NIMBUS_SECRET_...)` in values), defined before the env that uses them. */
  secretOutputs: SecretOutputRef[];
  /** Extra containers in name order, placeholders in their env resolved. */
  sidecars: [string, ExtraContainerSpec][];
  initContainers: [string, ExtraContainerSpec][];
}

type ExtraContainerSpec = NonNullable<ServiceSpec['sidecars']>[string];

export interface ResolvedGuard {
  mode: 'sidecar' | 'in-process';
  image: string;
  watch: string[] | undefined;
  webhook: string | undefined;
}

export interface ResolvedApp {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  podSecurity: 'restricted' | 'baseline' | 'privileged';
  /** spec.defaults.placement, for pods that belong to no service (provisioned backing services). */
  placement: ResolvedService['placement'];
  ingressClassName: string | undefined;
  ingressControllerNamespace: string;
  scraperNamespace: string;
  observability: { dashboards: boolean; alerts: boolean; prometheusOperator: boolean };
  mesh: MeshSpec | undefined;
  gitops: GitOpsSpec | undefined;
  ci: CiSpec | undefined;
  resources: ResolvedResource[];
  services: ResolvedService[];
}

const byKey = <T>(a: [string, T], b: [string, T]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

export interface ResolveOptions {
  /** Image references to use for services that are built, by service name. */
  images?: Readonly<Record<string, string>>;
  /** Tag for every built service's image (CI passes the commit SHA). */
  imageTag?: string;
  /** Services whose build context shows the Nimbus runtime SDK (the caller looks; a service's own `sdk` wins). */
  sdkServices?: ReadonlySet<string>;
}

/** The repository a service's image lives in: its own image's, or `<registry>/<app>-<service>` for built ones. */
export function imageRepository(app: AppSpec, name: string, svc: ServiceSpec): string {
  if (svc.image) {
    const at = svc.image.indexOf('@');
    const ref = at >= 0 ? svc.image.slice(0, at) : svc.image;
    const slash = ref.lastIndexOf('/');
    const colon = ref.lastIndexOf(':');
    return colon > slash ? ref.slice(0, colon) : ref;
  }
  const registry = app.spec.ci?.registry?.replace(/\/+$/, '');
  return `${registry ? `${registry}/` : ''}${app.metadata.name}-${name}`;
}

/** Applies every default and resolves every reference. Pure. */
export function resolveApp(app: AppSpec, options: ResolveOptions = {}): ResolvedApp {
  const body = app.spec;
  const resources = Object.entries(body.resources ?? {})
    .map(([n, r]) => resolveResource(n, r))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  const resourceMap = new Map(resources.map((r) => [r.name, r]));
  const names = Object.keys(body.services).sort();
  const dependents = new Map<string, string[]>(names.map((n) => [n, []]));
  for (const n of names) for (const d of body.services[n]?.dependsOn ?? []) dependents.get(d)?.push(n);

  const services = names.map((name) =>
    resolveService(app, name, body.services[name] as ServiceSpec, {
      resourceMap,
      dependents: [...new Set(dependents.get(name) ?? [])].sort(),
      sdk: usesSdk(body, name, options.sdkServices),
      image:
        options.images?.[name] ??
        (options.imageTag && body.services[name]?.build
          ? `${imageRepository(app, name, body.services[name] as ServiceSpec)}:${options.imageTag}`
          : undefined),
    }),
  );
  return {
    name: app.metadata.name,
    namespace: app.metadata.namespace ?? app.metadata.name,
    labels: Object.fromEntries(Object.entries(app.metadata.labels ?? {}).sort(byKey)),
    podSecurity: body.defaults?.podSecurity ?? NIMBUS_DEFAULTS.podSecurity,
    placement: resolvePlacement({} as ServiceSpec, body.defaults ?? {}),
    ingressClassName: body.ingress?.className,
    ingressControllerNamespace: body.ingress?.controllerNamespace ?? NIMBUS_DEFAULTS.ingressControllerNamespace,
    scraperNamespace: body.observability?.scraperNamespace ?? NIMBUS_DEFAULTS.scraperNamespace,
    observability: {
      dashboards: body.observability?.dashboards ?? false,
      alerts: body.observability?.alerts ?? false,
      prometheusOperator: body.observability?.prometheusOperator ?? false,
    },
    mesh: body.mesh,
    gitops: body.gitops,
    ci: body.ci,
    resources,
    services,
  };
}

interface ServiceContext {
  /** Whether the service serves the runtime SDK's endpoints. */
  sdk: boolean;
  resourceMap: Map<string, ResolvedResource>;
  dependents: string[];
  image: string | undefined;
}

function resolveService(app: AppSpec, name: string, svc: ServiceSpec, ctx: ServiceContext): ResolvedService {
  const defaults = app.spec.defaults ?? {};
  const ports: ResolvedPort[] = (svc.ports ?? []).map((p, i) => ({
    name: portName(p.name, i, p.protocol),
    port: p.port,
    servicePort: p.servicePort ?? p.port,
    ...portProtocols(p.protocol),
  }));

  const env = Object.entries({ NIMBUS_APP: app.metadata.name, NIMBUS_SERVICE: name, ...svc.env })
    .map(([k, v]): [string, string] => [k, substitutePlaceholders(String(v), { app, resources: ctx.resourceMap }, [])])
    .sort(byKey);

  const metrics = resolveMetrics(svc, defaults, ports, ctx.sdk);
  if (metrics && !ports.some((p) => p.port === metrics.port.port)) ports.push(metrics.port);

  const security = { ...NIMBUS_DEFAULTS.securityContext, ...defaults.securityContext, ...svc.securityContext };
  const deps = svc.dependsOn ?? [];
  return {
    name,
    spec: svc,
    image: ctx.image ?? svc.image ?? `${imageRepository(app, name, svc)}:dev`,
    ports,
    env,
    secretEnv: Object.entries(svc.secrets ?? {}).sort(byKey),
    configData: Object.entries(svc.config?.data ?? {}).sort(byKey),
    configFiles: Object.entries(svc.config?.files ?? {}).sort(byKey),
    requests: quantities(NIMBUS_DEFAULTS.resources.requests, defaults.resources?.requests, svc.resources?.requests),
    limits: quantities(NIMBUS_DEFAULTS.resources.limits, defaults.resources?.limits, svc.resources?.limits),
    probes: resolveProbes(svc, defaults.probes, ports, ctx.sdk),
    security,
    replicas: replicasOf(svc),
    autoscaling: resolveAutoscaling(svc),
    dependsOnServices: deps.filter((d) => d in app.spec.services).sort(),
    dependsOnResources: deps
      .map((d) => ctx.resourceMap.get(d))
      .filter((r): r is ResolvedResource => r !== undefined)
      .sort((a, b) => (a.name < b.name ? -1 : 1)),
    dependents: ctx.dependents,
    metrics,
    terminationGracePeriodSeconds:
      svc.terminationGracePeriodSeconds ?? defaults.terminationGracePeriodSeconds ?? NIMBUS_DEFAULTS.terminationGracePeriodSeconds,
    placement: resolvePlacement(svc, defaults),
    automountToken: svc.serviceAccount?.automountToken ?? false,
    jobs: [
      ...Object.entries(svc.jobs ?? {}).map(([n, spec]) => ({ name: n, spec, schedule: undefined })),
      ...Object.entries(svc.cronJobs ?? {}).map(([n, spec]) => ({ name: n, spec, schedule: spec.schedule })),
    ].sort((a, b) => (a.name < b.name ? -1 : 1)),
    guard: resolveGuard(svc, defaults),
    secretOutputs: uniqueSecretOutputs(
      env.map(([, v]) => v),
      ctx.resourceMap,
    ),
    sidecars: resolveExtras(svc.sidecars, (v) => substitutePlaceholders(v, { app, resources: ctx.resourceMap }, [])),
    initContainers: resolveExtras(svc.initContainers, (v) => substitutePlaceholders(v, { app, resources: ctx.resourceMap }, [])),
  };
}

function uniqueSecretOutputs(values: string[], resources: Map<string, ResolvedResource>): SecretOutputRef[] {
  const byEnv = new Map<string, SecretOutputRef>();
  for (const v of values) for (const ref of secretOutputsIn(v, resources)) byEnv.set(ref.env, ref);
  return [...byEnv.values()].sort((a, b) => (a.env < b.env ? -1 : 1));
}

/** Declared, detected in the build context, or implied by the in-process guard (which runs on the SDK). */
function usesSdk(body: AppSpec['spec'], name: string, detected: ReadonlySet<string> | undefined): boolean {
  const svc = body.services[name];
  if (svc?.sdk !== undefined) return svc.sdk;
  const guard = svc?.security?.guard ?? body.defaults?.security?.guard;
  return detected?.has(name) === true || guard?.mode === 'in-process';
}

/** None when an HPA owns the count; a stateful service starts with one replica (more are a decision about its data). */
function replicasOf(svc: ServiceSpec): number | undefined {
  if (svc.autoscaling) return undefined;
  return svc.replicas ?? (svc.stateful ? 1 : NIMBUS_DEFAULTS.replicas);
}

function resolveExtras(
  map: Record<string, ExtraContainerSpec> | undefined,
  substitute: (v: string) => string,
): [string, ExtraContainerSpec][] {
  return Object.entries(map ?? {})
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, c]) => [
      name,
      { ...c, ...(c.env ? { env: Object.fromEntries(Object.entries(c.env).map(([k, v]) => [k, substitute(String(v))])) } : {}) },
    ]);
}

/** The service's own guard settings replace the app's defaults whole. */
function resolveGuard(svc: ServiceSpec, defaults: Defaults): ResolvedGuard | undefined {
  const guard: GuardSpec | undefined = svc.security?.guard ?? defaults.security?.guard;
  if (!guard || guard.mode === 'off') return undefined;
  return { mode: guard.mode, image: guard.image ?? NIMBUS_DEFAULTS.guardImage, watch: guard.watch, webhook: guard.webhook };
}

type Defaults = NonNullable<AppSpec['spec']['defaults']>;

/** Where Prometheus scrapes the service, when it has metrics: the spec's port (added when not declared) or the first. */
function resolveMetrics(svc: ServiceSpec, defaults: Defaults, ports: ResolvedPort[], sdk: boolean): ResolvedService['metrics'] {
  const spec = svc.metrics === false ? undefined : { ...defaults.metrics, ...svc.metrics };
  if (!spec || (ports.length === 0 && spec.port === undefined)) return undefined;
  // Scraped unasked only where the SDK serves /metrics over HTTP: another image, or a gRPC or TCP port, never answers it.
  const asked = svc.metrics !== undefined || defaults.metrics !== undefined;
  if (!asked && (!sdk || ports[0]?.appProtocol !== 'http')) return undefined;
  return { port: metricsPort(ports, spec.port), path: spec.path ?? NIMBUS_DEFAULTS.metricsPath };
}

function resolveAutoscaling(svc: ServiceSpec): ResolvedService['autoscaling'] {
  const a = svc.autoscaling;
  if (!a) return undefined;
  return { min: a.min, max: a.max, cpu: a.cpu ?? (a.memory === undefined ? NIMBUS_DEFAULTS.autoscalingCpu : undefined), memory: a.memory };
}

function resolvePlacement(svc: ServiceSpec, defaults: Defaults): ResolvedService['placement'] {
  return {
    nodeSelector: { ...defaults.placement?.nodeSelector, ...svc.placement?.nodeSelector },
    tolerations: [...(svc.placement?.tolerations ?? defaults.placement?.tolerations ?? [])],
    affinity: svc.placement?.affinity ?? defaults.placement?.affinity,
    priorityClassName: svc.placement?.priorityClassName ?? defaults.placement?.priorityClassName,
  };
}

function metricsPort(ports: ResolvedPort[], ref: number | string | undefined): ResolvedPort {
  if (ref === undefined) return ports[0] as ResolvedPort;
  const found = ports.find((p) => p.name === ref || p.port === ref);
  if (found) return found;
  const num = typeof ref === 'number' ? ref : 9090;
  return { name: 'metrics', port: num, servicePort: num, protocol: 'TCP', appProtocol: 'http' };
}

function quantities(...layers: (Record<string, string | number | null | undefined> | undefined)[]): ResolvedQuantities {
  const out: Record<string, string | number | null | undefined> = {};
  for (const layer of layers) if (layer) for (const [k, v] of Object.entries(layer)) if (v !== undefined) out[k] = v;
  const result: ResolvedQuantities = {};
  if (out.cpu !== null && out.cpu !== undefined) result.cpu = out.cpu;
  if (out.memory !== null && out.memory !== undefined) result.memory = out.memory;
  return result;
}

/** The probe actions a spec can name; the first one set wins over the layers below it. */
const PROBE_ACTIONS = ['command', 'grpc', 'tcp', 'path'] as const;
const hasAction = (p: ProbeSpec | undefined) => p !== undefined && PROBE_ACTIONS.some((a) => p[a] !== undefined);

/**
 * Nimbus's default probe for a service, by what it serves: the SDK's HTTP
 * endpoints when it uses the SDK, gRPC health on a gRPC port, else a TCP
 * connect to the first TCP port for startup and readiness (never an endpoint
 * an ordinary image lacks).
 */
function defaultProbe(kind: 'startup' | 'liveness' | 'readiness', ports: ResolvedPort[], sdk: boolean): ProbeSpec | undefined {
  const first = ports.find((p) => p.protocol === 'TCP');
  if (!first) return undefined;
  const { path: _path, ...timing } = NIMBUS_DEFAULTS.probes[kind];
  if (first.appProtocol === 'grpc') return { ...timing, grpc: true, port: first.port };
  if (first.appProtocol === 'http' && sdk) return NIMBUS_DEFAULTS.probes[kind];
  // A port that accepts connections says the process started and can take traffic; it says nothing about
  // being stuck, so no liveness probe restarts pods on that guess.
  return kind === 'liveness' ? undefined : { ...timing, tcp: true, port: first.name };
}

/**
 * One probe: timing layered the service's own over the app's defaults over
 * Nimbus's; the action (command, gRPC, TCP, HTTP path) is the first layer's
 * that names one; `false` turns the probe off.
 */
function resolveProbe(
  kind: 'startup' | 'liveness' | 'readiness',
  own: ProbeSpec | false | undefined,
  app: ProbeSpec | false | undefined,
  ports: ResolvedPort[],
  sdk: boolean,
): ResolvedProbe | undefined {
  if (own === false || (own === undefined && app === false)) return undefined;
  const appLayer = app === false ? undefined : app;
  const base = defaultProbe(kind, ports, sdk);
  const actionFrom = [own, appLayer, base].find(hasAction);
  if (!actionFrom) return undefined;
  const merged: ResolvedProbe = { ...base, ...appLayer, ...own };
  for (const a of PROBE_ACTIONS) if (actionFrom[a] === undefined) delete merged[a];
  return merged.command ? merged : withProbePort(merged, ports);
}

/** The port a network probe targets: its own, else the first port (by number for gRPC, which takes numbers only). */
function withProbePort(probe: ResolvedProbe, ports: ResolvedPort[]): ResolvedProbe | undefined {
  const first = ports[0];
  if (!first && probe.port === undefined) return undefined;
  const port = probe.port ?? (probe.grpc ? (first as ResolvedPort).port : (first as ResolvedPort).name);
  return { ...probe, port: probe.grpc && typeof port === 'string' ? (ports.find((p) => p.name === port)?.port ?? port) : port };
}

function resolveProbes(
  svc: ServiceSpec,
  appDefaults: ServiceSpec['probes'],
  ports: ResolvedPort[],
  sdk: boolean,
): ResolvedService['probes'] {
  const out: ResolvedService['probes'] = {};
  for (const kind of ['startup', 'liveness', 'readiness'] as const) {
    const probe = resolveProbe(kind, svc.probes?.[kind], appDefaults?.[kind], ports, sdk);
    if (probe) out[kind] = probe;
  }
  return out;
}
