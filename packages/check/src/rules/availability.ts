import { containersOf, field, type PodTemplate, selectorMatches } from '../objects.js';
import { parseQuantity } from '../quantity.js';
import { type Rule, type RuleContext, type RuleHit, SERVING_KINDS } from '../rule.js';

/** How many replicas a workload runs at most: its HPA's max, or its replica count (default 1). */
function maxReplicas(ctx: RuleContext, t: PodTemplate): number {
  const hpa = ctx.hpaFor(t.owner);
  if (hpa) return Number(field(hpa, 'spec', 'maxReplicas') ?? 1);
  return Number(field(t.owner, 'spec', 'replicas') ?? 1);
}

const replicated = (ctx: RuleContext) =>
  ctx.templates.filter((t) => (t.owner.kind === 'Deployment' || t.owner.kind === 'StatefulSet') && maxReplicas(ctx, t) > 1);

export const pdbPresent: Rule = {
  id: 'workload-pdb',
  category: 'availability',
  severity: 'warning',
  title: 'Replicated workloads have a PodDisruptionBudget',
  why: 'Without a PDB a node drain or cluster upgrade may evict every replica at once.',
  fix: 'Add a PodDisruptionBudget selecting the pods, e.g. maxUnavailable: 1 (Nimbus renders one per service).',
  check: (ctx) =>
    replicated(ctx)
      .filter((t) => ctx.selecting('PodDisruptionBudget', t).length === 0)
      .map((t) => ({
        object: t.owner,
        message: `${t.owner.kind} ${t.owner.metadata.name} runs up to ${maxReplicas(ctx, t)} replicas with no PodDisruptionBudget`,
      })),
};

export const pdbBlocks: Rule = {
  id: 'pdb-blocks-eviction',
  category: 'availability',
  severity: 'error',
  title: 'PodDisruptionBudgets allow at least one eviction',
  why: 'A PDB with maxUnavailable 0, or minAvailable equal to the replica count, blocks every node drain and stalls cluster upgrades.',
  fix: 'Use maxUnavailable: 1 (or a percentage), or a minAvailable below the replica count.',
  check: (ctx) =>
    ctx.ofKind('PodDisruptionBudget').flatMap((p): RuleHit[] => {
      const maxUnavailable = field(p, 'spec', 'maxUnavailable');
      if (maxUnavailable === 0 || maxUnavailable === '0%')
        return [{ object: p, path: 'spec.maxUnavailable', message: 'maxUnavailable 0 allows no voluntary eviction' }];
      const minAvailable = field(p, 'spec', 'minAvailable');
      if (minAvailable === '100%')
        return [{ object: p, path: 'spec.minAvailable', message: 'minAvailable 100% allows no voluntary eviction' }];
      if (typeof minAvailable !== 'number') return [];
      const targets = ctx.selectTemplates(p.metadata.namespace, field(p, 'spec', 'selector'));
      const blocked = targets.filter((t) => !ctx.hpaFor(t.owner) && Number(field(t.owner, 'spec', 'replicas') ?? 1) <= minAvailable);
      return blocked.map((t) => ({
        object: p,
        path: 'spec.minAvailable',
        message: `minAvailable ${minAvailable} ≥ the ${field(t.owner, 'spec', 'replicas') ?? 1} replicas of ${t.owner.metadata.name}`,
      }));
    }),
};

export const spread: Rule = {
  id: 'workload-spread',
  category: 'availability',
  severity: 'warning',
  title: 'Replicas are spread across nodes',
  why: 'Without anti-affinity or topology spread, the scheduler may put every replica on one node, and one node failure takes the service down.',
  fix: 'Add topologySpreadConstraints over kubernetes.io/hostname (Nimbus renders one) or a preferred podAntiAffinity.',
  check: (ctx) =>
    replicated(ctx)
      .filter((t) => !t.spec.affinity?.podAntiAffinity && !(t.spec.topologySpreadConstraints?.length ?? 0))
      .map((t) => ({ object: t.owner, path: t.path, message: `${t.owner.metadata.name}'s replicas may all land on one node` })),
};

export const hpaAndReplicas: Rule = {
  id: 'hpa-and-replicas',
  category: 'availability',
  severity: 'warning',
  title: 'Autoscaled workloads do not set replicas',
  why: 'Every apply resets spec.replicas to the manifest’s value, fighting the HPA: a scaled-out service drops back on each deploy.',
  fix: 'Remove spec.replicas from the workload (Nimbus omits it when autoscaling is set).',
  check: (ctx) =>
    ctx.templates
      .filter((t) => SERVING_KINDS.has(t.owner.kind) && field(t.owner, 'spec', 'replicas') !== undefined && ctx.hpaFor(t.owner))
      .map((t) => ({
        object: t.owner,
        path: 'spec.replicas',
        message: `${t.owner.metadata.name} sets replicas although an HPA scales it`,
      })),
};

export const hpaTarget: Rule = {
  id: 'hpa-target',
  crossReference: true,
  category: 'availability',
  severity: 'error',
  title: 'An HPA targets an existing workload',
  why: 'An HPA whose target is missing does nothing, silently.',
  fix: 'Fix spec.scaleTargetRef (kind and name) or add the workload.',
  check: (ctx) =>
    ctx.ofKind('HorizontalPodAutoscaler').flatMap((h) => {
      const ref = field(h, 'spec', 'scaleTargetRef') as { kind?: string; name?: string } | undefined;
      const found = ctx.find(ref?.kind ?? '', h.metadata.namespace, ref?.name) !== undefined;
      return found ? [] : [{ object: h, path: 'spec.scaleTargetRef', message: `target ${ref?.kind}/${ref?.name} is not in the set` }];
    }),
};

export const hpaRequests: Rule = {
  id: 'hpa-requests',
  category: 'availability',
  severity: 'error',
  title: 'Resource-based autoscaling has requests to measure against',
  why: 'Utilisation is usage ÷ request: with no request for the metric’s resource the HPA cannot compute it and never scales.',
  fix: 'Set resources.requests for the resource the HPA targets, on every container.',
  check: (ctx) =>
    ctx.ofKind('HorizontalPodAutoscaler').flatMap((h) => {
      const ref = field(h, 'spec', 'scaleTargetRef') as { kind?: string; name?: string } | undefined;
      const owner = ctx.find(ref?.kind ?? '', h.metadata.namespace, ref?.name);
      const target = owner ? ctx.templates.find((t) => t.owner === owner) : undefined;
      if (!target) return [];
      const metrics =
        (field(h, 'spec', 'metrics') as { type?: string; resource?: { name?: string; target?: { type?: string } } }[] | undefined) ?? [];
      return metrics
        .filter((m) => m.type === 'Resource' && m.resource?.target?.type === 'Utilization')
        .flatMap((m) => {
          const res = m.resource?.name ?? '';
          const lacking = containersOf(target).filter(
            ({ container, init }) => !init && parseQuantity(container.resources?.requests?.[res]) === undefined,
          );
          return lacking.length
            ? [
                {
                  object: h,
                  path: 'spec.metrics',
                  message: `scales on ${res} utilisation but ${lacking.map((l) => l.container.name).join(', ')} request no ${res}`,
                },
              ]
            : [];
        });
    }),
};

export const selectorLabels: Rule = {
  id: 'workload-selector-labels',
  category: 'availability',
  severity: 'error',
  title: 'A workload’s selector matches its own pods',
  why: 'The API server rejects a selector that does not match the template labels; a too-broad one adopts other workloads’ pods.',
  fix: 'Make spec.selector.matchLabels a subset of spec.template.metadata.labels.',
  check: (ctx) =>
    ctx.templates
      .filter((t) => ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'].includes(t.owner.kind))
      .filter((t) => !selectorMatches(field(t.owner, 'spec', 'selector'), t.labels))
      .map((t) => ({ object: t.owner, path: 'spec.selector', message: 'the selector does not match the pod template labels' })),
};

export const singleReplica: Rule = {
  id: 'workload-single-replica',
  category: 'availability',
  severity: 'info',
  title: 'Serving workloads run more than one replica',
  why: 'One replica means downtime on every rollout, node drain and crash.',
  fix: 'Run at least 2 replicas (or an HPA with minReplicas ≥ 2) for anything that serves requests.',
  check: (ctx) =>
    ctx.templates
      .filter((t) => (t.owner.kind === 'Deployment' || t.owner.kind === 'StatefulSet') && maxReplicas(ctx, t) === 1)
      .filter((t) => field(t.owner, 'spec', 'replicas') !== 0)
      .map((t) => ({ object: t.owner, path: 'spec.replicas', message: `${t.owner.kind} ${t.owner.metadata.name} runs a single replica` })),
};

export const AVAILABILITY_RULES: Rule[] = [
  pdbPresent,
  pdbBlocks,
  spread,
  hpaAndReplicas,
  hpaTarget,
  hpaRequests,
  selectorLabels,
  singleReplica,
];
