import type { Diagnostic, SourceLocation } from './errors.js';
import { type PlaceholderProblem, PROVISIONABLE, type ResolvedResource, resolveResource, substitutePlaceholders } from './references.js';
import type { AppSpec, ServiceSpec } from './schema.js';
import { closestName } from './suggest.js';
import type { PathSegment } from './yaml-source.js';

type Locate = (path: readonly PathSegment[]) => SourceLocation;

/** Cross-field rules the schema alone cannot express. Every problem is reported, none stops the others. */
/**
 * The cycles of services through dependsOn, each once, starting at its
 * alphabetically first service. One depth-first walk (each service and edge
 * visited once): every edge back into the walk's current path closes a cycle.
 */
export function dependencyCycles(services: Readonly<Record<string, { dependsOn?: readonly string[] }>>): string[][] {
  const cycles = new Map<string, string[]>();
  const done = new Set<string>();
  const path: string[] = [];
  const onPath = new Set<string>();
  const walk = (name: string) => {
    path.push(name);
    onPath.add(name);
    for (const dep of services[name]?.dependsOn ?? []) {
      if (!(dep in services) || dep === name) continue;
      if (onPath.has(dep)) {
        const cycle = path.slice(path.indexOf(dep));
        const start = cycle.indexOf([...cycle].sort()[0] as string);
        const rotated = [...cycle.slice(start), ...cycle.slice(0, start)];
        cycles.set(rotated.join('>'), rotated);
      } else if (!done.has(dep)) walk(dep);
    }
    path.pop();
    onPath.delete(name);
    done.add(name);
  };
  for (const name of Object.keys(services).sort()) if (!done.has(name)) walk(name);
  return [...cycles.values()];
}

/** What is wrong with asking Nimbus to run a resource. */
function provisionProblems(res: NonNullable<AppSpec['spec']['resources']>[string]): { message: string; hint?: string }[] {
  if (!res.provision) return [];
  const out: { message: string; hint?: string }[] = [];
  if (!PROVISIONABLE.has(res.type.toLowerCase()))
    out.push({
      message: `Nimbus cannot run a '${res.type}'`,
      hint: `it runs ${[...PROVISIONABLE].sort().join(', ')}; bind others with host and port`,
    });
  if (res.host || res.namespace || res.cidr)
    out.push({ message: 'a provisioned resource runs in the app; it takes no host, namespace or cidr' });
  return out;
}

export function checkSemantics(app: AppSpec, locate: Locate): Diagnostic[] {
  const out: Diagnostic[] = [];
  const services = app.spec.services;
  const resources = app.spec.resources ?? {};
  const serviceNames = Object.keys(services);
  const resourceNames = Object.keys(resources);
  const at = (path: PathSegment[], code: Diagnostic['code'], message: string, hint?: string) =>
    out.push({ ...locate(path), code, message, ...(hint ? { hint } : {}) });

  if (serviceNames.length === 0) at(['spec', 'services'], 'NIMBUS_SPEC_INVALID', 'an app needs at least one service');

  for (const name of serviceNames) {
    if (resourceNames.includes(name)) {
      at(['spec', 'resources', name], 'NIMBUS_SPEC_INVALID', `'${name}' is both a service and a resource`, 'give them different names');
    }
  }

  const resolved = new Map<string, ResolvedResource>();
  for (const [name, res] of Object.entries(resources)) {
    const r = resolveResource(name, res);
    resolved.set(name, r);
    for (const problem of provisionProblems(res))
      at(['spec', 'resources', name, 'provision'], 'NIMBUS_SPEC_INVALID', problem.message, problem.hint);
    if (r.port === undefined) {
      at(
        ['spec', 'resources', name, 'type'],
        'NIMBUS_SPEC_INVALID',
        `no default port is known for resource type '${res.type}'`,
        'set spec.resources.' + name + '.port',
      );
    }
    if (res.namespace && res.cidr) {
      at(
        ['spec', 'resources', name, 'cidr'],
        'NIMBUS_SPEC_INVALID',
        'a resource is either in-cluster (namespace) or external (cidr), not both',
      );
    }
  }

  for (const [name, svc] of Object.entries(services)) {
    checkService(app, name, svc, { serviceNames, resourceNames, resolved, at });
  }
  for (const cycle of dependencyCycles(services))
    at(
      ['spec', 'services', cycle[0] as string, 'dependsOn'],
      'NIMBUS_SPEC_REFERENCE',
      `services depend on each other in a cycle: ${[...cycle, cycle[0]].join(' → ')}`,
      'nimbus up starts dependencies first and NetworkPolicies follow dependsOn; one of them should not list the other',
    );
  return out;
}

interface ServiceContext {
  serviceNames: string[];
  resourceNames: string[];
  resolved: Map<string, ResolvedResource>;
  at: (path: PathSegment[], code: Diagnostic['code'], message: string, hint?: string) => void;
}

/** One service as a rule sees it: its spec, where it is, and the app around it. */
interface ServiceSubject {
  app: AppSpec;
  name: string;
  svc: ServiceSpec;
  base: PathSegment[];
  ctx: ServiceContext;
}

/** A semantic rule over one service: reports through `ctx.at`, never throws. */
type ServiceRule = (s: ServiceSubject) => void;

const needsImage: ServiceRule = ({ svc, name, base, ctx }) => {
  if (!svc.image && !svc.build) ctx.at(base, 'NIMBUS_SPEC_INVALID', `service '${name}' needs an 'image' or a 'build'`);
};

const scalingIsConsistent: ServiceRule = ({ svc, base, ctx }) => {
  if (svc.replicas !== undefined && svc.autoscaling) {
    ctx.at(
      [...base, 'replicas'],
      'NIMBUS_SPEC_INVALID',
      "'replicas' and 'autoscaling' both set: the autoscaler owns the replica count",
      "remove 'replicas'",
    );
  }
  if (svc.autoscaling && svc.autoscaling.min > svc.autoscaling.max) {
    ctx.at(
      [...base, 'autoscaling', 'min'],
      'NIMBUS_SPEC_INVALID',
      `autoscaling.min (${svc.autoscaling.min}) exceeds autoscaling.max (${svc.autoscaling.max})`,
    );
  }
};

const portsAreDistinct: ServiceRule = ({ svc, base, ctx }) => {
  const seenPorts = new Set<number>();
  const seenNames = new Set<string>();
  (svc.ports ?? []).forEach((p, i) => {
    if (seenPorts.has(p.port)) ctx.at([...base, 'ports', i, 'port'], 'NIMBUS_SPEC_INVALID', `port ${p.port} is listed twice`);
    seenPorts.add(p.port);
    if (p.name && seenNames.has(p.name))
      ctx.at([...base, 'ports', i, 'name'], 'NIMBUS_SPEC_INVALID', `port name '${p.name}' is used twice`);
    if (p.name) seenNames.add(p.name);
  });
};

/** Whether a port reference (number or name) names one of the service's ports. */
function hasPort(svc: ServiceSpec, ref: number | string | undefined): boolean {
  const ports = svc.ports ?? [];
  if (ref === undefined) return true;
  return typeof ref === 'number'
    ? ports.some((p) => p.port === ref || p.servicePort === ref)
    : ports.some((p, i) => portName(p.name, i, p.protocol) === ref);
}

const portReferencesResolve: ServiceRule = ({ svc, base, ctx }) => {
  if (svc.expose && (svc.ports ?? []).length === 0)
    ctx.at([...base, 'expose'], 'NIMBUS_SPEC_INVALID', 'an exposed service needs at least one port');
  else if (svc.expose && !hasPort(svc, svc.expose.port))
    ctx.at([...base, 'expose', 'port'], 'NIMBUS_SPEC_REFERENCE', `port '${svc.expose.port}' is not one of the service's ports`);
  for (const kind of ['startup', 'liveness', 'readiness'] as const) {
    const probe = svc.probes?.[kind];
    // A probe may name any port number the container listens on (Kubernetes does not ask that it be declared); a name must be declared.
    if (probe && typeof probe.port === 'string' && !hasPort(svc, probe.port))
      ctx.at([...base, 'probes', kind, 'port'], 'NIMBUS_SPEC_REFERENCE', `probe port '${probe.port}' is not one of the service's ports`);
  }
};

const trafficNeedsMesh: ServiceRule = ({ app, svc, base, ctx }) => {
  if (svc.traffic && !app.spec.mesh) {
    ctx.at([...base, 'traffic'], 'NIMBUS_SPEC_INVALID', 'traffic settings need a mesh', 'set spec.mesh.provider to istio or gateway-api');
  }
  if (svc.traffic?.canary && (svc.ports ?? []).length === 0)
    ctx.at([...base, 'traffic', 'canary'], 'NIMBUS_SPEC_INVALID', 'a canary needs a port to split traffic on');
  if (app.spec.mesh?.provider === 'gateway-api' && svc.traffic?.retries)
    ctx.at(
      [...base, 'traffic', 'retries'],
      'NIMBUS_SPEC_INVALID',
      'the standard Gateway API channel has no retries',
      'use provider istio, or drop retries',
    );
};

const dependenciesExist: ServiceRule = ({ svc, name, base, ctx }) => {
  const targets = [...ctx.serviceNames, ...ctx.resourceNames];
  (svc.dependsOn ?? []).forEach((dep, i) => {
    if (dep === name) ctx.at([...base, 'dependsOn', i], 'NIMBUS_SPEC_REFERENCE', `service '${name}' depends on itself`);
    else if (!targets.includes(dep)) {
      const guess = closestName(dep, targets);
      ctx.at(
        [...base, 'dependsOn', i],
        'NIMBUS_SPEC_REFERENCE',
        `'${dep}' is neither a service nor a resource of this app`,
        guess ? `did you mean '${guess}'?` : 'declare it under spec.services or spec.resources',
      );
    }
  });
};

const envNamesAreUnique: ServiceRule = ({ svc, base, ctx }) => {
  const envKeys = new Set(Object.keys(svc.env ?? {}));
  for (const key of Object.keys(svc.secrets ?? {}))
    if (envKeys.has(key)) ctx.at([...base, 'secrets', key], 'NIMBUS_SPEC_INVALID', `'${key}' is set both in env and in secrets`);
  for (const key of Object.keys(svc.config?.data ?? {}))
    if (envKeys.has(key)) ctx.at([...base, 'config', 'data', key], 'NIMBUS_SPEC_INVALID', `'${key}' is set both in env and in config.data`);
};

const placeholdersResolve: ServiceRule = ({ app, svc, name, base, ctx }) => {
  for (const [key, value] of Object.entries(svc.env ?? {})) {
    if (typeof value !== 'string') continue;
    const problems: PlaceholderProblem[] = [];
    substitutePlaceholders(value, { app, resources: ctx.resolved }, problems);
    for (const p of problems) ctx.at([...base, 'env', key], 'NIMBUS_SPEC_REFERENCE', `${p.expression}: ${p.reason}`);
    const used = [...new Set([...value.matchAll(/\$\{(?:resources|services)\.([^.}]+)\./g)].map((m) => m[1] as string))];
    const known = (r: string) => ctx.resourceNames.includes(r) || r in app.spec.services;
    for (const res of used.filter((r) => known(r) && r !== name && !(svc.dependsOn ?? []).includes(r))) {
      ctx.at(
        [...base, 'env', key],
        'NIMBUS_SPEC_REFERENCE',
        `env '${key}' uses '${res}' that the service does not list in dependsOn`,
        `add '${res}' to spec.services.${name}.dependsOn so its network access is allowed`,
      );
    }
  }
};

const PROBE_ACTIONS = ['path', 'command', 'grpc', 'tcp'] as const;
const VOLUME_SOURCES = ['emptyDir', 'claim', 'configMap', 'secret'] as const;

/** One action per probe. */
const probesDoOneThing: ServiceRule = ({ svc, base, ctx }) => {
  for (const kind of ['startup', 'liveness', 'readiness'] as const) {
    const probe = svc.probes?.[kind];
    const actions = probe ? PROBE_ACTIONS.filter((a) => probe[a] !== undefined) : [];
    if (actions.length > 1)
      ctx.at(
        [...base, 'probes', kind],
        'NIMBUS_SPEC_INVALID',
        `a probe does one thing; this one sets ${actions.join(' and ')}`,
        `keep one of ${PROBE_ACTIONS.join(', ')}`,
      );
  }
};

/** One source per volume; extra containers mount only declared volumes. */
const volumesAreWellFormed: ServiceRule = ({ svc, base, ctx }) => {
  for (const [path, v] of Object.entries(svc.volumes ?? {})) {
    const sources = VOLUME_SOURCES.filter((k) => v[k] !== undefined);
    if (sources.length !== 1)
      ctx.at(
        [...base, 'volumes', path],
        'NIMBUS_SPEC_INVALID',
        `volume '${path}' needs exactly one of ${VOLUME_SOURCES.join(', ')}${sources.length ? ` (it sets ${sources.join(' and ')})` : ''}`,
      );
  }
  for (const group of ['sidecars', 'initContainers'] as const)
    for (const [cName, c] of Object.entries(svc[group] ?? {}))
      (c.volumes ?? []).forEach((path, i) => {
        if (!(path in (svc.volumes ?? {})))
          ctx.at(
            [...base, group, cName, 'volumes', i],
            'NIMBUS_SPEC_REFERENCE',
            `'${path}' is not one of the service's volumes`,
            `declare it under spec.services.<name>.volumes`,
          );
      });
};

/** A stateful service keeps its data per replica: no autoscaling, no canary twin. */
const statefulIsConsistent: ServiceRule = ({ svc, base, ctx }) => {
  if (!svc.stateful) return;
  if (svc.autoscaling)
    ctx.at(
      [...base, 'autoscaling'],
      'NIMBUS_SPEC_INVALID',
      'a stateful service is scaled by `replicas`, not autoscaling',
      'each replica owns a volume; set replicas deliberately',
    );
  if (svc.rollout || svc.traffic?.canary)
    ctx.at(
      [...base, svc.rollout ? 'rollout' : 'traffic'],
      'NIMBUS_SPEC_INVALID',
      'a stateful service rolls out in order, one pod at a time; canaries apply to stateless services',
      'drop the rollout or canary settings',
    );
};

/** The service rules, in the order their findings are reported. */
const SERVICE_RULES: readonly ServiceRule[] = [
  needsImage,
  scalingIsConsistent,
  portsAreDistinct,
  portReferencesResolve,
  trafficNeedsMesh,
  dependenciesExist,
  envNamesAreUnique,
  placeholdersResolve,
  probesDoOneThing,
  volumesAreWellFormed,
  statefulIsConsistent,
];

function checkService(app: AppSpec, name: string, svc: ServiceSpec, ctx: ServiceContext): void {
  const subject = { app, name, svc, base: ['spec', 'services', name] as PathSegment[], ctx };
  for (const rule of SERVICE_RULES) rule(subject);
}

/** The port name Nimbus gives a port: its own, `http` for the first, `port-N` after. */
export function portName(name: string | undefined, index: number, protocol?: string): string {
  if (name) return name;
  // Istio and others read the protocol from the name's prefix.
  const lower = protocol?.toLowerCase();
  if (index === 0) return lower === 'grpc' ? 'grpc' : lower === 'tcp' || lower === 'udp' ? lower : 'http';
  return `port-${index}`;
}
