import type { AppSpec, KubeObject } from '@nimbus/model';
import type { ResolvedApp } from '@nimbus/render';

export type FactorVerdict = 'met' | 'not met' | 'unknown' | 'not applicable';

export interface FactorResult {
  number: number;
  name: string;
  verdict: FactorVerdict;
  /** The facts the verdict rests on. */
  evidence: string[];
}

const SECRETISH = /(PASSWORD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY)/i;
const BACKING_URL = /^(postgres(ql)?|mysql|redis|rediss|mongodb(\+srv)?|amqps?|kafka|nats):\/\//i;
const MUTABLE_TAG = (image: string) => !image.includes('@sha256:') && /(:latest$|^[^:]+$)/.test(image.slice(image.lastIndexOf('/') + 1));

/** What the review reads. */
interface ReviewInput {
  app: ResolvedApp;
  svcs: ResolvedApp['services'];
  objects: readonly KubeObject[];
  spec: AppSpec | undefined;
  logEvidence: { score: number; detail: string } | undefined;
}

/** One factor's verdict with its evidence, from the same input every factor reads. */
type Factor = (input: ReviewInput) => FactorResult;

const factor = (number: number, name: string, verdict: FactorVerdict, evidence: string[]): FactorResult => ({
  number,
  name,
  verdict,
  evidence,
});

const mutableImages = (svcs: ReviewInput['svcs']) => svcs.filter((s) => MUTABLE_TAG(s.image));

const codebase: Factor = ({ svcs }) => {
  const built = svcs.filter((s) => s.spec.build);
  return factor(1, 'Codebase', built.length === svcs.length ? 'met' : built.length > 0 ? 'unknown' : 'unknown', [
    `${built.length} of ${svcs.length} services are built from a context in this repository${built.length ? ` (${built.map((s) => s.name).join(', ')})` : ''}`,
    'one spec describes every deploy; environments are overlays of it, not copies',
  ]);
};
const dependencies: Factor = ({ svcs }) => {
  const mutable = mutableImages(svcs);
  return factor(2, 'Dependencies', mutable.length ? 'not met' : 'met', [
    mutable.length
      ? `unpinned images: ${mutable.map((s) => `${s.name} (${s.image})`).join(', ')}`
      : 'every image is pinned by tag or digest',
  ]);
};
const config: Factor = ({ svcs }) => {
  const literalSecrets = svcs.flatMap((s) => s.env.filter(([k]) => SECRETISH.test(k)).map(([k]) => `${s.name}.${k}`));
  const configured = svcs.filter((s) => s.env.length || s.configData.length || s.secretEnv.length);
  return factor(3, 'Config', literalSecrets.length ? 'not met' : 'met', [
    `${configured.length} of ${svcs.length} services take configuration from the environment (env, ConfigMaps, Secret references)`,
    literalSecrets.length
      ? `secret-like values written into the spec: ${literalSecrets.join(', ')}`
      : 'no secret value appears in the spec; secrets are referenced by name',
  ]);
};
const backingServices: Factor = ({ app, svcs }) => {
  const hardcoded = svcs.flatMap((s) =>
    s.env.filter(([, v]) => BACKING_URL.test(v) && !app.resources.some((res) => v.includes(res.host))).map(([k]) => `${s.name}.${k}`),
  );
  return factor(
    4,
    'Backing services',
    app.resources.length === 0 && hardcoded.length === 0 ? 'not applicable' : hardcoded.length ? 'not met' : 'met',
    [
      `${app.resources.length} backing services declared${app.resources.length ? `: ${app.resources.map((x) => `${x.name} (${x.type})`).join(', ')}` : ''}`,
      hardcoded.length
        ? `connection strings not derived from a declared resource: ${hardcoded.join(', ')}`
        : 'attached through declared resources and ${resources.*} placeholders',
    ],
  );
};
const buildReleaseRun: Factor = ({ svcs, objects }) => {
  const mutable = mutableImages(svcs);

  const hashed = objects.filter((o) => o.kind === 'ConfigMap' && o.immutable === true).length;
  return factor(5, 'Build, release, run', mutable.length ? 'not met' : 'met', [
    mutable.length ? 'a mutable image tag means a release is not reproducible' : 'immutable images: a release is image + rendered config',
    `${hashed} immutable, content-hashed ConfigMaps: a config change is a new release, rolled out and reversible`,
  ]);
};
const processes: Factor = ({ svcs, objects }) => {
  const stateful = objects.filter((o) => o.kind === 'StatefulSet' || o.kind === 'PersistentVolumeClaim');
  return factor(6, 'Processes', stateful.length ? 'not met' : 'met', [
    stateful.length
      ? `state kept in pods: ${stateful.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`
      : 'no volumes beyond scratch space and read-only config; state lives in backing services',
    `read-only root filesystem for ${svcs.filter((s) => s.security.readOnlyRootFilesystem).length} of ${svcs.length} services`,
  ]);
};
const portBinding: Factor = ({ svcs }) => {
  const portless = svcs.filter((s) => s.ports.length === 0);
  return factor(7, 'Port binding', portless.length === svcs.length ? 'not applicable' : 'met', [
    `${svcs.length - portless.length} services export HTTP/TCP by binding a declared port, published by a Service`,
    ...(portless.length ? [`${portless.map((s) => s.name).join(', ')} bind no port (workers)`] : []),
  ]);
};
const concurrency: Factor = ({ svcs }) => {
  const scaled = svcs.filter((s) => s.autoscaling || (s.replicas ?? 0) > 1);
  return factor(8, 'Concurrency', scaled.length === svcs.length ? 'met' : scaled.length ? 'unknown' : 'not met', [
    `${scaled.length} of ${svcs.length} services scale out by process count (${svcs.filter((s) => s.autoscaling).length} with an HPA)`,
  ]);
};
const disposability: Factor = ({ svcs }) => {
  const disposable = svcs.filter((s) => (s.probes.readiness || s.ports.length === 0) && s.terminationGracePeriodSeconds <= 60);
  return factor(9, 'Disposability', disposable.length === svcs.length ? 'met' : 'not met', [
    `${svcs.filter((s) => s.probes.startup).length} services gate on a startup probe, ${svcs.filter((s) => s.probes.readiness).length} on readiness`,
    `grace periods: ${[...new Set(svcs.map((s) => `${s.terminationGracePeriodSeconds}s`))].join(', ')} (≤ 60 s keeps rollouts and drains fast)`,
  ]);
};
const devProdParity: Factor = ({ spec }) => {
  const envs = Object.entries(spec?.spec.environments ?? {});
  const divergent = envs.flatMap(([env, overlay]) =>
    Object.entries((overlay as { services?: Record<string, { image?: unknown; build?: unknown }> }).services ?? {})
      .filter(([, o]) => o && (o.image !== undefined || o.build !== undefined))
      .map(([svc]) => `${env}: ${svc}`),
  );
  return factor(10, 'Dev/prod parity', envs.length === 0 ? 'unknown' : divergent.length ? 'not met' : 'met', [
    envs.length === 0
      ? 'no environments declared: nothing shows how dev and prod relate'
      : `${envs.length} environments (${envs.map(([e]) => e).join(', ')}) are overlays of one spec`,
    ...(divergent.length
      ? [`environments that run different code: ${divergent.join(', ')}`]
      : envs.length
        ? ['no environment changes an image: the same code runs everywhere']
        : []),
  ]);
};
const logs: Factor = ({ svcs, logEvidence }) => {
  const readOnly = svcs.filter((s) => s.security.readOnlyRootFilesystem);
  return factor(11, 'Logs', readOnly.length === svcs.length ? 'met' : 'unknown', [
    readOnly.length === svcs.length
      ? 'root filesystems are read-only: logs can only go to stdout/stderr as streams'
      : 'some services can write log files to their root filesystem',
    ...(logEvidence ? [logEvidence.detail] : []),
  ]);
};
const adminProcesses: Factor = ({ svcs }) => {
  const jobs = svcs.flatMap((s) => s.jobs.map((j) => `${s.name}/${j.name}${j.schedule ? ` (${j.schedule})` : ''}`));
  return factor(12, 'Admin processes', jobs.length ? 'met' : 'not applicable', [
    jobs.length
      ? `admin processes run as Jobs/CronJobs with the service's image and config: ${jobs.join(', ')}`
      : 'no admin processes declared',
  ]);
};

/** The twelve factors, in their order. */
const FACTORS: readonly Factor[] = [
  codebase,
  dependencies,
  config,
  backingServices,
  buildReleaseRun,
  processes,
  portBinding,
  concurrency,
  disposability,
  devProdParity,
  logs,
  adminProcesses,
];

/**
 * Reviews an app against the twelve factors. Each verdict names the evidence
 * Nimbus used; where the spec cannot tell, the verdict is "unknown", not a guess.
 */
export function reviewTwelveFactors(
  app: ResolvedApp,
  objects: readonly KubeObject[],
  spec?: AppSpec,
  /** What the build contexts showed about log format (see structuredLoggerIn), when the caller looked. */
  logEvidence?: { score: number; detail: string },
): FactorResult[] {
  const input: ReviewInput = { app, svcs: app.services, objects, spec, logEvidence };
  return FACTORS.map((f) => f(input));
}
