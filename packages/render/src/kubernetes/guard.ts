import type { AppSpec } from '@nimbus/model';
import { type ResolvedApp, type ResolvedService, resolveApp } from '../resolve.js';
import { restrictedContainerSecurityContext } from './pod.js';

/** The port of the guard sidecar's /metrics and /health. */
export const GUARD_PORT = 9464;
export const GUARD_PORT_NAME = 'guard-metrics';
/** Istio's proxy runs as this user; its own sockets are the mesh's, not the service's. */
const ISTIO_PROXY_UID = 1337;

/**
 * What the guard is told the service may do, derived from the same spec the NetworkPolicies come
 * from: the ports it listens on, and each dependency with the names and ports that reach it.
 * A Service dependency is reached at its ClusterIP on its service ports — what the client's socket
 * shows, before kube-proxy translates it.
 */
export function guardContract(app: ResolvedApp, svc: ResolvedService): Record<string, unknown> {
  const byName = new Map(app.services.map((s) => [s.name, s]));
  const services = svc.dependsOnServices
    .map((name) => byName.get(name))
    .filter((dep): dep is ResolvedService => dep !== undefined && dep.ports.length > 0)
    .map((dep) => ({
      name: dep.name,
      hosts: [
        dep.name,
        `${dep.name}.${app.namespace}`,
        `${dep.name}.${app.namespace}.svc`,
        `${dep.name}.${app.namespace}.svc.cluster.local`,
      ],
      ports: [...new Set(dep.ports.map((p) => p.servicePort))],
    }));
  const resources = svc.dependsOnResources.map((r) => ({
    name: r.name,
    ...(r.cidr ? { cidrs: [r.cidr] } : { hosts: [r.host] }),
    ...(r.port !== undefined ? { ports: [r.port] } : {}),
  }));
  return {
    service: svc.name,
    namespace: app.namespace,
    listen: svc.ports.map((p) => ({ port: p.port, protocol: p.protocol, name: p.name })),
    connect: [...services, ...resources],
    ...(app.mesh?.provider === 'istio' ? { ignoreUids: [ISTIO_PROXY_UID] } : {}),
  };
}

/** The variables that configure the guard, for the service's container (in-process) or the sidecar. */
export function guardEnv(app: ResolvedApp, svc: ResolvedService): { name: string; value: string }[] {
  const guard = svc.guard;
  if (!guard) return [];
  return [
    { name: 'NIMBUS_GUARD', value: guard.mode },
    { name: 'NIMBUS_GUARD_CONTRACT', value: JSON.stringify(guardContract(app, svc)) },
    ...(guard.watch ? [{ name: 'NIMBUS_GUARD_WATCH', value: guard.watch.join(':') }] : []),
    ...(guard.webhook ? [{ name: 'NIMBUS_GUARD_WEBHOOK', value: guard.webhook }] : []),
  ];
}

/**
 * The guard sidecar: shares the pod's process namespace (set on the pod), runs as the pod's user
 * with a read-only root and no capabilities — reading /proc of processes of its own user needs
 * nothing more, so Pod Security "restricted" admits it.
 */
export function guardSidecar(app: ResolvedApp, svc: ResolvedService): Record<string, unknown> | undefined {
  if (svc.guard?.mode !== 'sidecar') return undefined;
  const probe = (path: string) => ({ httpGet: { path, port: GUARD_PORT_NAME } });
  return {
    name: 'guard',
    image: svc.guard.image,
    imagePullPolicy: 'IfNotPresent',
    env: [
      ...guardEnv(app, svc),
      { name: 'NIMBUS_GUARD_PORT', value: String(GUARD_PORT) },
      { name: 'NIMBUS_GUARD_TARGET', value: 'pod' },
      { name: 'NIMBUS_SERVICE', value: svc.name },
    ].sort((a, b) => (a.name < b.name ? -1 : 1)),
    ports: [{ name: GUARD_PORT_NAME, containerPort: GUARD_PORT, protocol: 'TCP' }],
    resources: { requests: { cpu: '10m', memory: '48Mi' }, limits: { cpu: '100m', memory: '96Mi' } },
    livenessProbe: { ...probe('/health'), periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3 },
    readinessProbe: { ...probe('/ready'), periodSeconds: 5, timeoutSeconds: 2 },
    securityContext: restrictedContainerSecurityContext(true),
  };
}

/** The contract of one service of a spec, for a guard run outside the cluster (`nimbus guard --pid N -f nimbus.yaml --service api`). */
export function guardContractFor(spec: AppSpec, service: string): Record<string, unknown> | undefined {
  const app = resolveApp(spec);
  const svc = app.services.find((s) => s.name === service);
  return svc && guardContract(app, svc);
}
