import { canonicalJson, contentHash } from '../hash.js';
import type { KubeObject } from '../object.js';
import type { ResolvedApp, ResolvedJob, ResolvedService } from '../resolve.js';
import { guardEnv, guardSidecar } from './guard.js';
import { ANNOTATIONS, LABELS, meta, selectorLabels, serviceLabels, TRACK_LABEL } from './meta.js';
import { configFileKeys, configHash, configMapName, container, envOrder, podSpec } from './pod.js';
import { rolloutPolicy } from './rollout.js';

export function serviceAccount(app: ResolvedApp, svc: ResolvedService): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: meta(app, svc.name, serviceLabels(app, svc)),
    automountServiceAccountToken: svc.automountToken,
  };
}

export function configMap(app: ResolvedApp, svc: ResolvedService): KubeObject | undefined {
  const name = configMapName(svc);
  if (!name) return undefined;
  const data: Record<string, string> = Object.fromEntries(svc.configData);
  for (const [, key, content] of configFileKeys(svc)) data[key] = content;
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: meta(app, name, serviceLabels(app, svc)),
    // Immutable: a change makes a new name, so nothing edits a live one by mistake.
    immutable: true,
    data,
  };
}

function podAnnotations(svc: ResolvedService): Record<string, string> {
  const a: Record<string, string> = { ...svc.spec.pod?.annotations };
  if (configMapName(svc)) a[ANNOTATIONS.configHash] = configHash(svc);
  if (svc.metrics) {
    a['prometheus.io/scrape'] = 'true';
    a['prometheus.io/port'] = String(svc.metrics.port.port);
    a['prometheus.io/path'] = svc.metrics.path;
  }
  return a;
}

/** The pod with the guard sidecar last, when the service has one. */
function withGuard(sidecar: Record<string, unknown> | undefined, pod: ReturnType<typeof podSpec>) {
  return sidecar ? { ...pod, containers: [...pod.containers, sidecar] } : pod;
}

export function deployment(app: ResolvedApp, svc: ResolvedService, track?: 'stable' | 'canary'): KubeObject {
  const canary = track === 'canary';
  const name = canary ? `${svc.name}-canary` : svc.name;
  const image = canary ? (svc.spec.traffic?.canary?.image ?? svc.image) : svc.image;
  const version = svc.image === image ? svc : { ...svc, image };
  // A service delivered progressively runs its pods as the stable track; the canary is made at deploy time.
  const progressive = !canary && svc.spec.rollout !== undefined;
  const podTrack = track ?? (progressive ? 'stable' : undefined);
  const labels = {
    ...svc.spec.pod?.labels,
    ...serviceLabels(app, version),
    [LABELS.name]: name,
    ...(podTrack ? { [TRACK_LABEL]: podTrack } : {}),
  };
  const selector = { ...selectorLabels(app, svc), [LABELS.name]: name };
  const c = container(version, { command: svc.spec.command, args: svc.spec.args, withProbes: true, withPorts: true });
  if (svc.guard?.mode === 'in-process') {
    c.env = [...((c.env as { name: string }[] | undefined) ?? []), ...guardEnv(app, svc)].sort(envOrder);
  }
  const sidecar = guardSidecar(app, svc);
  const annotations = podAnnotations(svc);
  const rollout = progressive
    ? { [ANNOTATIONS.rollout]: JSON.stringify(rolloutPolicy(svc.spec.rollout as NonNullable<typeof svc.spec.rollout>)) }
    : undefined;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta(app, name, labels, rollout),
    spec: {
      // Absent when an HPA owns the count, so an apply never fights the autoscaler.
      replicas: canary ? (svc.spec.traffic?.canary?.replicas ?? 1) : svc.replicas,
      revisionHistoryLimit: 10,
      selector: { matchLabels: selector },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
      template: {
        metadata: { labels, ...(Object.keys(annotations).length ? { annotations } : {}) },
        spec: withGuard(
          sidecar,
          podSpec(svc, c, {
            terminationGracePeriodSeconds: svc.terminationGracePeriodSeconds,
            topologySpreadConstraints: [
              {
                maxSkew: 1,
                topologyKey: 'kubernetes.io/hostname',
                whenUnsatisfiable: 'ScheduleAnyway',
                labelSelector: { matchLabels: selector },
              },
            ],
            // The guard sidecar sees the service's processes only in a shared process namespace.
            ...(sidecar ? { shareProcessNamespace: true } : {}),
          }),
        ),
      },
    },
  };
}

/** Admin processes (12-factor XII): the same image, env and config as the service. */
export function adminJob(app: ResolvedApp, svc: ResolvedService, job: ResolvedJob): KubeObject {
  const labels = { ...serviceLabels(app, svc, job.schedule ? 'cronjob' : 'job'), 'app.kubernetes.io/name': `${svc.name}-${job.name}` };
  const c = container(svc, { command: job.spec.command, args: job.spec.args, withProbes: false, withPorts: false });
  const pod = { metadata: { labels }, spec: podSpec(svc, c, { restartPolicy: 'Never' }, { sidecars: false }) };
  const jobSpec = {
    backoffLimit: job.spec.backoffLimit ?? 2,
    activeDeadlineSeconds: job.spec.activeDeadlineSeconds,
    template: pod,
  };
  if (!job.schedule) {
    // A Job's template is immutable, so its name carries the template's hash: a change runs a new Job.
    const name = boundedName(`${svc.name}-${job.name}`, contentHash(canonicalJson(jobSpec)).slice(0, 6));
    return { apiVersion: 'batch/v1', kind: 'Job', metadata: meta(app, name, labels), spec: jobSpec };
  }
  const cron = job.spec as { timeZone?: string; concurrencyPolicy?: string; suspend?: boolean };
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: meta(app, `${svc.name}-${job.name}`, labels),
    spec: {
      schedule: job.schedule,
      timeZone: cron.timeZone,
      concurrencyPolicy: cron.concurrencyPolicy ?? 'Forbid',
      suspend: cron.suspend,
      startingDeadlineSeconds: 300,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 1,
      jobTemplate: { metadata: { labels }, spec: jobSpec },
    },
  };
}

/** `<base>-<suffix>`, shortened to the 63 characters a DNS label allows. */
function boundedName(base: string, suffix: string): string {
  const room = 63 - suffix.length - 1;
  return `${base.length > room ? base.slice(0, room).replace(/-+$/, '') : base}-${suffix}`;
}

/** The per-replica volume of a stateful service. */
const DATA_VOLUME = 'data';

/**
 * A stateful service: the same pod as a Deployment's, run by a StatefulSet
 * with a volume claim per replica, a headless Service for stable pod names,
 * ordered start and rollout, and claims kept when the set shrinks or goes.
 */
export function statefulSet(app: ResolvedApp, svc: ResolvedService): KubeObject {
  const stateful = svc.spec.stateful as NonNullable<ResolvedService['spec']['stateful']>;
  const d = deployment(app, svc) as KubeObject & {
    spec: Record<string, unknown> & { template: { spec: { containers: Record<string, unknown>[] } } };
  };
  const { strategy: _strategy, ...spec } = d.spec;
  const [main, ...rest] = d.spec.template.spec.containers;
  const mounts = [
    ...(((main as { volumeMounts?: unknown[] }).volumeMounts ?? []) as unknown[]),
    { name: DATA_VOLUME, mountPath: stateful.mountPath ?? '/data' },
  ];
  return {
    ...d,
    kind: 'StatefulSet',
    spec: {
      ...spec,
      serviceName: headlessName(svc),
      podManagementPolicy: 'OrderedReady',
      updateStrategy: { type: 'RollingUpdate' },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
      template: { ...d.spec.template, spec: { ...d.spec.template.spec, containers: [{ ...main, volumeMounts: mounts }, ...rest] } },
      volumeClaimTemplates: [
        {
          metadata: { name: DATA_VOLUME },
          spec: {
            accessModes: [stateful.accessMode ?? 'ReadWriteOnce'],
            ...(stateful.storageClass ? { storageClassName: stateful.storageClass } : {}),
            resources: { requests: { storage: stateful.storage } },
          },
        },
      ],
    },
  };
}

/** The governing Service of a StatefulSet: pod-name DNS records (NAME-0.NAME-headless), ready or not. */
export const headlessName = (svc: ResolvedService) => `${svc.name}-headless`;

export function headlessService(app: ResolvedApp, svc: ResolvedService): KubeObject {
  const labels = serviceLabels(app, svc);
  const selector = { ...selectorLabels(app, svc), [LABELS.name]: svc.name };
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(app, headlessName(svc), labels),
    spec: {
      clusterIP: 'None',
      publishNotReadyAddresses: true,
      selector,
      ports: svc.ports.map((p) => ({ name: p.name, port: p.servicePort, targetPort: p.name, protocol: p.protocol })),
    },
  };
}
