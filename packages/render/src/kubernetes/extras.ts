import type { ResolvedService } from '../resolve.js';
import { restrictedContainerSecurityContext } from './pod.js';

// What a service's pod carries beside its own container: sidecars, init
// containers and volumes, each held to the same restricted security context.

type ExtraContainer = ResolvedService['sidecars'][number][1];
type VolumeSpec = NonNullable<ResolvedService['spec']['volumes']>[string];

/** A volume's name in the pod: derived from its mount path, stable across renders. */
export const volumeName = (mountPath: string) =>
  `vol-${
    mountPath
      .replace(/^\/+|\/+$/g, '')
      .replace(/[^a-z0-9]+/gi, '-')
      .toLowerCase()
      .replace(/^-+|-+$/g, '')
      .slice(0, 50) || 'root'
  }`;

function volumeSource(v: VolumeSpec): Record<string, unknown> {
  if (v.claim) return { persistentVolumeClaim: { claimName: v.claim, ...(v.readOnly ? { readOnly: true } : {}) } };
  if (v.configMap) return { configMap: { name: v.configMap } };
  if (v.secret) return { secret: { secretName: v.secret } };
  return { emptyDir: { ...(v.emptyDir?.medium ? { medium: v.emptyDir.medium } : {}), sizeLimit: v.emptyDir?.sizeLimit ?? '1Gi' } };
}

/** The pod volumes of the service's declared volumes, in mount-path order. */
export function declaredVolumes(svc: ResolvedService): Record<string, unknown>[] {
  return Object.entries(svc.spec.volumes ?? {})
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([path, v]) => ({ name: volumeName(path), ...volumeSource(v) }));
}

/** Mounts of declared volumes, for the service's container (all) or an extra container (those it lists). */
export function declaredMounts(svc: ResolvedService, only?: readonly string[]): Record<string, unknown>[] {
  return Object.entries(svc.spec.volumes ?? {})
    .filter(([path]) => !only || only.includes(path))
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([path, v]) => ({
      name: volumeName(path),
      mountPath: path,
      ...(v.readOnly || v.configMap || v.secret ? { readOnly: true } : {}),
    }));
}

function quantityList(q: { cpu?: string | number | null; memory?: string | number | null } | undefined) {
  if (!q) return undefined;
  const out: Record<string, string> = {};
  if (q.cpu !== undefined && q.cpu !== null) out.cpu = String(q.cpu);
  if (q.memory !== undefined && q.memory !== null) out.memory = String(q.memory);
  return Object.keys(out).length ? out : undefined;
}

/** An extra container: its own image and settings, the service's user and a read-only root with a /tmp of its own. */
function extraContainer(svc: ResolvedService, name: string, c: ExtraContainer) {
  const env = Object.entries(c.env ?? {})
    .map(([k, v]) => ({ name: k, value: String(v) }))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  const requests = quantityList(c.resources?.requests) ?? { cpu: '10m', memory: '32Mi' };
  const limits = quantityList(c.resources?.limits) ?? { memory: '128Mi' };
  return {
    name,
    image: c.image,
    imagePullPolicy: 'IfNotPresent',
    command: c.command,
    args: c.args,
    ports: c.ports?.length
      ? c.ports.map((p) => ({
          name: p.name,
          containerPort: p.port,
          protocol: p.protocol === 'udp' || p.protocol === 'UDP' ? 'UDP' : 'TCP',
        }))
      : undefined,
    env: env.length ? env : undefined,
    resources: { requests, limits },
    securityContext: restrictedContainerSecurityContext(true),
    volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }, ...declaredMounts(svc, c.volumes ?? [])],
  };
}

/** Sidecars and init containers of a service, in name order. */
export function extraContainers(svc: ResolvedService): { sidecars: Record<string, unknown>[]; initContainers: Record<string, unknown>[] } {
  const build = (list: [string, ExtraContainer][]) => list.map(([name, c]) => extraContainer(svc, name, c));
  return { sidecars: build(svc.sidecars), initContainers: build(svc.initContainers) };
}
