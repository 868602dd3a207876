import { canonicalJson, contentHash } from '../hash.js';
import type { ResolvedProbe, ResolvedService } from '../resolve.js';
import { declaredMounts, declaredVolumes, extraContainers } from './extras.js';

/** Name of the ConfigMap holding a service's config; the hash makes a change roll the pods. */
export function configMapName(svc: ResolvedService): string | undefined {
  if (svc.configData.length === 0 && svc.configFiles.length === 0) return undefined;
  return `${svc.name}-config-${configHash(svc)}`;
}

/** Hashes once per service: its ConfigMap, its pods' annotation and its volumes all name it. */
const configHashes = new WeakMap<ResolvedService, string>();

export function configHash(svc: ResolvedService): string {
  let hash = configHashes.get(svc);
  if (hash === undefined) {
    hash = contentHash(canonicalJson({ data: svc.configData, files: svc.configFiles }));
    configHashes.set(svc, hash);
  }
  return hash;
}

/** ConfigMap keys for mounted files: derived from the path, unique, valid key syntax. */
export function configFileKeys(svc: ResolvedService): [string, string, string][] {
  const used = new Set(svc.configData.map(([k]) => k));
  return svc.configFiles.map(([path, content]) => {
    const base = path.replace(/^\/+/, '').replace(/[^-._a-zA-Z0-9]/g, '_') || 'file';
    let key = base;
    for (let i = 2; used.has(key); i++) key = `${base}-${i}`;
    used.add(key);
    return [path, key, content];
  });
}

function probeAction(p: ResolvedProbe): Record<string, unknown> {
  if (p.command) return { exec: { command: p.command } };
  if (p.grpc) return { grpc: { port: p.port, ...(p.grpc !== true && p.grpc.service ? { service: p.grpc.service } : {}) } };
  if (p.tcp) return { tcpSocket: { port: p.port } };
  const httpHeaders = Object.entries(p.headers ?? {}).map(([name, value]) => ({ name, value }));
  return { httpGet: { path: p.path, port: p.port, ...(httpHeaders.length ? { httpHeaders } : {}) } };
}

function probe(p: ResolvedProbe): Record<string, unknown> {
  const action = probeAction(p);
  return {
    ...action,
    initialDelaySeconds: p.initialDelaySeconds,
    periodSeconds: p.periodSeconds,
    timeoutSeconds: p.timeoutSeconds,
    failureThreshold: p.failureThreshold,
    successThreshold: p.successThreshold,
  };
}

function resourceList(q: { cpu?: string | number; memory?: string | number }): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  if (q.cpu !== undefined) out.cpu = String(q.cpu);
  if (q.memory !== undefined) out.memory = String(q.memory);
  return Object.keys(out).length ? out : undefined;
}

export interface ContainerOverrides {
  command?: string[];
  args?: string[];
  withProbes: boolean;
  withPorts: boolean;
}

/**
 * The order of a container's variables: credentials read from resources'
 * Secrets first (Kubernetes expands $(NAME) only to variables defined earlier
 * in the list), then by name.
 */
export function envOrder(a: { name: string }, b: { name: string }): number {
  const ac = a.name.startsWith('NIMBUS_SECRET_');
  const bc = b.name.startsWith('NIMBUS_SECRET_');
  if (ac !== bc) return ac ? -1 : 1;
  return a.name < b.name ? -1 : 1;
}

function containerEnv(svc: ResolvedService): Record<string, unknown>[] {
  return [
    ...svc.secretOutputs.map((r) => ({ name: r.env, valueFrom: { secretKeyRef: { name: r.secret, key: r.key } } })),
    ...svc.env.map(([name, value]) => ({ name, value })),
    ...svc.secretEnv.map(([name, ref]) => ({ name, valueFrom: { secretKeyRef: { name: ref.secret, key: ref.key } } })),
  ].sort(envOrder);
}

/** The service's own config, then the ConfigMaps and Secrets it takes whole. */
function envSources(svc: ResolvedService, cm: string | undefined): Record<string, unknown>[] | undefined {
  const own = cm && svc.configData.length ? [{ configMapRef: { name: cm } }] : [];
  const declared = (svc.spec.envFrom ?? []).map((e) => ({
    ...('configMap' in e ? { configMapRef: { name: e.configMap } } : { secretRef: { name: e.secret } }),
    ...(e.prefix ? { prefix: e.prefix } : {}),
  }));
  const all = [...own, ...declared];
  return all.length ? all : undefined;
}

/** A writable /tmp under a read-only root, and each config file mounted read-only at its path. */
function containerMounts(svc: ResolvedService): Record<string, unknown>[] {
  return [
    ...(svc.security.readOnlyRootFilesystem ? [{ name: 'tmp', mountPath: '/tmp' }] : []),
    ...configFileKeys(svc).map(([path, key]) => ({ name: 'config', mountPath: path, subPath: key, readOnly: true })),
    ...declaredMounts(svc),
  ];
}

/** The one container of a service (all its ports in one container), hardened for Pod Security "restricted". */
export function container(svc: ResolvedService, o: ContainerOverrides): Record<string, unknown> {
  const cm = configMapName(svc);
  const env = containerEnv(svc);
  const mounts = containerMounts(svc);
  const resources = { requests: resourceList(svc.requests), limits: resourceList(svc.limits) };
  const probes = o.withProbes ? svc.probes : {};
  return {
    name: svc.name,
    image: svc.image,
    imagePullPolicy: 'IfNotPresent',
    command: o.command,
    args: o.args,
    ports:
      o.withPorts && svc.ports.length ? svc.ports.map((p) => ({ name: p.name, containerPort: p.port, protocol: p.protocol })) : undefined,
    env: env.length ? env : undefined,
    envFrom: envSources(svc, cm),
    resources: resources.requests || resources.limits ? resources : undefined,
    startupProbe: probes.startup && probe(probes.startup),
    livenessProbe: probes.liveness && probe(probes.liveness),
    readinessProbe: probes.readiness && probe(probes.readiness),
    securityContext: restrictedContainerSecurityContext(svc.security.readOnlyRootFilesystem),
    volumeMounts: mounts.length ? mounts : undefined,
  };
}

/** The default user and group of Nimbus workloads: non-root, the same in pods, local containers and generated Dockerfiles. */
export const DEFAULT_SECURITY = { runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, readOnlyRootFilesystem: true } as const;

/** A pod security context that Pod Security "restricted" admits. */
export function restrictedPodSecurityContext(security: { runAsUser: number; runAsGroup: number; fsGroup: number } = DEFAULT_SECURITY) {
  return {
    runAsNonRoot: true,
    runAsUser: security.runAsUser,
    runAsGroup: security.runAsGroup,
    fsGroup: security.fsGroup,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** A container security context that Pod Security "restricted" admits. */
export function restrictedContainerSecurityContext(readOnlyRootFilesystem = true) {
  return {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    privileged: false,
    readOnlyRootFilesystem,
    runAsNonRoot: true,
  };
}

/** Pod-level settings shared by Deployments, Jobs and CronJobs. */
export function podSpec(
  svc: ResolvedService,
  c: Record<string, unknown>,
  extra: Record<string, unknown> = {},
  // A Job's pod runs without the service's sidecars: a sidecar that never exits would keep it from completing.
  options: { sidecars: boolean } = { sidecars: true },
) {
  const cm = configMapName(svc);
  const volumes: Record<string, unknown>[] = [];
  if (svc.security.readOnlyRootFilesystem) volumes.push({ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } });
  const files = configFileKeys(svc);
  if (cm && files.length) volumes.push({ name: 'config', configMap: { name: cm, items: files.map(([, key]) => ({ key, path: key })) } });
  volumes.push(...declaredVolumes(svc));
  const extras = extraContainers(svc);
  const sidecars = options.sidecars ? extras.sidecars : [];
  const initContainers = extras.initContainers;
  // Extra containers keep a read-only root too; they need a /tmp of their own.
  if ((sidecars.length || initContainers.length) && !volumes.some((v) => v.name === 'tmp'))
    volumes.push({ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } });
  return {
    serviceAccountName: svc.name,
    automountServiceAccountToken: svc.automountToken,
    enableServiceLinks: false,
    securityContext: restrictedPodSecurityContext(svc.security),
    containers: [c, ...sidecars],
    initContainers: initContainers.length ? initContainers : undefined,
    volumes: volumes.length ? volumes : undefined,
    nodeSelector: Object.keys(svc.placement.nodeSelector).length ? svc.placement.nodeSelector : undefined,
    tolerations: svc.placement.tolerations.length ? svc.placement.tolerations : undefined,
    affinity: svc.placement.affinity,
    priorityClassName: svc.placement.priorityClassName,
    imagePullSecrets: svc.spec.imagePullSecrets?.map((name) => ({ name })),
    ...extra,
  };
}
