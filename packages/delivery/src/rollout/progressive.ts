import type { KubeClient } from '@nimbus/kube';
import { ANNOTATIONS, type KubeObject, LABELS, NimbusError, objectKey } from '@nimbus/model';
import { type DeployEvent, type DeployOptions, type DeployResult, deploy } from '../deploy.js';
import { ReleaseStore } from '../releases.js';
import type { CheckSpec } from './analysis.js';
import type { HookName, RolloutPolicy } from './machine.js';
import { type RolloutEvent, runCanary } from './run.js';

/** A Deployment whose new version goes out as a canary. */
export interface CanaryPlan {
  /** The `service` its metrics carry. */
  service: string;
  namespace: string;
  stable: string;
  canary: string;
  stableReplicas: number;
  policy: RolloutPolicy;
  checks: CheckSpec[];
  minRequests: number;
  hooks: Partial<Record<HookName, string>>;
  prometheus: string | undefined;
}

interface AnnotatedPolicy {
  steps: number[];
  intervalMs: number;
  threshold: number;
  checks: CheckSpec[];
  minRequests: number;
  inconclusive: RolloutPolicy['inconclusive'];
  manualPromotion: boolean;
  hooks: Partial<Record<HookName, string>>;
  prometheus?: string;
}

type Deployment = KubeObject & {
  spec: {
    replicas?: number;
    selector: { matchLabels: Record<string, string> };
    template: { metadata: { labels: Record<string, string>; [k: string]: unknown }; [k: string]: unknown };
    [k: string]: unknown;
  };
};

function policyOf(d: KubeObject): AnnotatedPolicy | undefined {
  const text = d.metadata.annotations?.[ANNOTATIONS.rollout];
  if (!text) return undefined;
  try {
    return JSON.parse(text) as AnnotatedPolicy;
  } catch {
    throw new NimbusError('NIMBUS_INVALID_OBJECTS', `Deployment ${d.metadata.name}: annotation ${ANNOTATIONS.rollout} is not JSON`);
  }
}

/** The canary twin of a Deployment: its own name and selector, the canary track, no pods yet. */
function canaryOf(d: Deployment): Deployment {
  const c = structuredClone(d);
  const name = `${d.metadata.name}-canary`;
  const relabel = (labels: Record<string, string>) => ({ ...labels, [LABELS.name]: name, [LABELS.track]: 'canary' });
  c.metadata = { ...c.metadata, name, labels: relabel(c.metadata.labels ?? {}), annotations: undefined };
  c.spec.replicas = 0;
  c.spec.selector = { matchLabels: { ...c.spec.selector.matchLabels, [LABELS.name]: name } };
  c.spec.template.metadata = { ...c.spec.template.metadata, labels: relabel(c.spec.template.metadata.labels) };
  return c;
}

/**
 * Which Deployments deliver their new version as a canary, and the objects of the release that
 * starts it: the stable Deployment keeps the version that runs now, and the canary twin carries
 * the new one with no pods (the rollout gives it its weight). Pure. A Deployment is delivered
 * progressively when it carries a rollout policy and its pod template changed since the last
 * release; a first install goes out whole.
 */
export function planCanaries(
  desired: readonly KubeObject[],
  previous: readonly KubeObject[] | undefined,
): { objects: KubeObject[]; canaries: CanaryPlan[] } {
  const before = new Map((previous ?? []).map((o) => [objectKey(o), o]));
  const canaries: CanaryPlan[] = [];
  const objects: KubeObject[] = [];
  for (const o of desired) {
    const policy = o.kind === 'Deployment' ? policyOf(o) : undefined;
    const old = before.get(objectKey(o)) as Deployment | undefined;
    const d = o as Deployment;
    if (!policy || !old || JSON.stringify(old.spec.template) === JSON.stringify(d.spec.template)) {
      objects.push(o);
      continue;
    }
    const stable = structuredClone(d);
    stable.spec.template = structuredClone(old.spec.template);
    objects.push(stable, canaryOf(d));
    canaries.push({
      service: d.metadata.labels?.[LABELS.service] ?? (d.metadata.name as string),
      namespace: d.metadata.namespace as string,
      stable: d.metadata.name as string,
      canary: `${d.metadata.name}-canary`,
      stableReplicas: d.spec.replicas ?? old.spec.replicas ?? 1,
      policy: {
        steps: policy.steps,
        intervalMs: policy.intervalMs,
        threshold: policy.threshold,
        inconclusive: policy.inconclusive,
        manualPromotion: policy.manualPromotion,
        hooks: Object.keys(policy.hooks ?? {}) as HookName[],
      },
      checks: policy.checks,
      minRequests: policy.minRequests,
      hooks: policy.hooks ?? {},
      prometheus: policy.prometheus,
    });
  }
  return { objects, canaries };
}

export type ProgressiveEvent = DeployEvent | { type: 'rollout'; service: string; event: RolloutEvent };

/**
 * `nimbus deploy` with progressive delivery: a release that starts the canaries (stable as it is,
 * canary at no pods), each canary run to its verdict, then a second release — the new version
 * everywhere (promoted) or the old one for every canary that failed (rolled back, and the deploy
 * fails with the reason). Both releases are in the history, with what happened in their
 * descriptions. Without canaries it is a plain deploy.
 */
export async function* deployProgressively(
  client: KubeClient,
  options: DeployOptions & { prometheus?: string },
): AsyncGenerator<ProgressiveEvent, DeployResult> {
  const previous = await new ReleaseStore(client, options.namespace, options.app).lastDeployed();
  const { objects, canaries } = planCanaries(options.objects, previous?.objects);
  if (canaries.length === 0) return yield* deploy(client, options);
  const names = canaries.map((c) => c.service).join(', ');
  yield* deploy(client, { ...options, objects, description: `canary of ${names} started` });
  const failed: { plan: CanaryPlan; reason: string }[] = [];
  for (const plan of canaries) {
    const prometheus = options.prometheus ?? plan.prometheus;
    if (!prometheus)
      throw new NimbusError('NIMBUS_USAGE', `the rollout of ${plan.service} needs a Prometheus`, {
        hint: 'pass --prometheus URL, or set rollout.prometheus in the spec',
      });
    const run = runCanary({
      client,
      prometheus,
      namespace: plan.namespace,
      service: plan.service,
      router: {
        kind: 'replicas',
        namespace: plan.namespace,
        stable: plan.stable,
        canary: plan.canary,
        stableReplicas: plan.stableReplicas,
      },
      policy: plan.policy,
      checks: plan.checks,
      minRequests: plan.minRequests,
      hooks: plan.hooks,
      // The second release does the promotion or the rollback; the canary's pods go with it.
      promote: async () => {},
      rollback: async () => {},
    });
    let step = await run.next();
    while (!step.done) {
      yield { type: 'rollout', service: plan.service, event: step.value };
      step = await run.next();
    }
    if (step.value.phase !== 'Succeeded') failed.push({ plan, reason: step.value.reason });
  }
  if (failed.length === 0) return yield* deploy(client, { ...options, description: `canary of ${names} promoted` });
  // Roll back: every failed service keeps its stable version; promoted ones take the new one.
  const failedNames = new Set(failed.map((f) => f.plan.stable));
  const keepOld = new Map(
    objects.filter((o) => o.kind === 'Deployment' && failedNames.has(o.metadata.name as string)).map((o) => [objectKey(o), o]),
  );
  const rolledBack = options.objects.map((o) => keepOld.get(objectKey(o)) ?? o);
  yield* deploy(client, {
    ...options,
    objects: rolledBack,
    description: `canary of ${failed.map((f) => f.plan.service).join(', ')} rolled back`,
  });
  throw new NimbusError('NIMBUS_ROLLOUT', failed.map((f) => `${f.plan.service}: ${f.reason}`).join('; '));
}
