import type { KubeObject } from '@nimbus/model';
import type { ResolvedApp } from '@nimbus/render';
import { field, type PodTemplate } from './objects.js';
import { buildContext, type RuleContext } from './rule.js';

/** One piece of evidence: what was looked for, how much it weighs, how much of it was found (0–1). */
export interface Evidence {
  label: string;
  weight: number;
  score: number;
  detail: string;
}

export interface Factor {
  name: 'Scale' | 'Resilience' | 'Observability';
  /** Weighted mean of the evidence, 0–1. */
  value: number;
  evidence: Evidence[];
}

export interface ComplexityTerm {
  label: string;
  count: number;
  cost: number;
}

export interface Scorecard {
  scale: Factor;
  resilience: Factor;
  observability: Factor;
  complexity: { value: number; terms: ComplexityTerm[] };
  /** E = Scale × Resilience × Observability / Complexity, ×100 for reading. */
  elasticity: number;
  formula: string;
}

/** Signals that only other parts of Nimbus can supply (mesh, dashboards, alerts…); absent means not found. */
export interface ScorecardSignals {
  retriesAndTimeouts?: number;
  canary?: number;
  dashboards?: number;
  alerts?: number;
  /** Share of services shown to log JSON lines, with what showed it. */
  structuredLogs?: { score: number; detail: string };
}

const SERVING = new Set(['Deployment', 'StatefulSet']);

function fraction<T>(items: readonly T[], test: (t: T) => boolean): { score: number; of: string } {
  if (items.length === 0) return { score: 0, of: '0 of 0' };
  const n = items.filter(test).length;
  return { score: n / items.length, of: `${n} of ${items.length}` };
}

function factor(name: Factor['name'], evidence: Evidence[]): Factor {
  const total = evidence.reduce((a, e) => a + e.weight, 0);
  const value = total ? evidence.reduce((a, e) => a + e.weight * e.score, 0) / total : 0;
  return { name, value: round(value), evidence };
}

const round = (n: number) => Math.round(n * 1000) / 1000;

/** S: autoscaling, headroom, disruption budgets and requests across the serving workloads. */
function scaleFactor(ctx: RuleContext, templates: readonly PodTemplate[]): Factor {
  const hpaOf = (t: PodTemplate) => ctx.hpaFor(t.owner);
  const hpa = fraction(templates, (t) => !!hpaOf(t));
  const range = fraction(templates, (t) => {
    const h = hpaOf(t);
    return !!h && Number(field(h, 'spec', 'maxReplicas')) >= 2 * Number(field(h, 'spec', 'minReplicas') ?? 1);
  });
  const pdb = fraction(templates, (t) => ctx.selecting('PodDisruptionBudget', t).length > 0);
  const requests = fraction(templates, (t) =>
    (t.spec.containers ?? []).every((c) => c.resources?.requests?.cpu !== undefined && c.resources?.requests?.memory !== undefined),
  );
  return factor('Scale', [
    { label: 'horizontal autoscaling', weight: 0.4, score: hpa.score, detail: `${hpa.of} workloads have an HPA` },
    { label: 'headroom to scale', weight: 0.2, score: range.score, detail: `${range.of} can grow to at least 2× their minimum` },
    { label: 'disruption budgets', weight: 0.2, score: pdb.score, detail: `${pdb.of} are covered by a PodDisruptionBudget` },
    {
      label: 'resource requests',
      weight: 0.2,
      score: requests.score,
      detail: `${requests.of} request CPU and memory (schedulable, measurable)`,
    },
  ]);
}

/** O: scraped metrics, generated dashboards and alert rules, structured logs. */
function observabilityFactor(
  ctx: RuleContext,
  templates: readonly PodTemplate[],
  app: ResolvedApp | undefined,
  signals: ScorecardSignals,
): Factor {
  const monitored = ctx.ofKind('ServiceMonitor').length + ctx.ofKind('PodMonitor').length > 0;
  const metrics = fraction(templates, (t) => {
    const a = (field(t.owner, 'spec', 'template', 'metadata', 'annotations') ?? {}) as Record<string, string>;
    return a['prometheus.io/scrape'] === 'true' || monitored;
  });
  // Dashboards and alert rules are artifacts beside the bundle (or PrometheusRules in it).
  const dashboards = signals.dashboards ?? (app?.observability.dashboards ? 1 : 0);
  const alerts = signals.alerts ?? (app?.observability.alerts || ctx.ofKind('PrometheusRule').length ? 1 : 0);
  return factor('Observability', [
    { label: 'metrics scraped', weight: 0.35, score: metrics.score, detail: `${metrics.of} workloads expose scraped metrics` },
    {
      label: 'dashboards',
      weight: 0.2,
      score: dashboards,
      detail: dashboards ? 'a Grafana dashboard is generated from the metric contract' : 'no dashboard generated',
    },
    {
      label: 'alert rules',
      weight: 0.2,
      score: alerts,
      detail: alerts ? 'alert and recording rules are generated' : 'no alert rules generated',
    },
    {
      label: 'structured logs',
      weight: 0.25,
      score: signals.structuredLogs?.score ?? 0,
      detail: signals.structuredLogs?.detail ?? 'no service shows a structured (JSON) logger',
    },
  ]);
}

/**
 * The seed's elasticity formula made measurable: each factor is a weighted mean
 * of concrete evidence found in the rendered objects, and complexity grows with
 * what an operator must understand. Every number is explained.
 */
export function computeScorecard(objects: readonly KubeObject[], app?: ResolvedApp, signals: ScorecardSignals = {}): Scorecard {
  const ctx = buildContext(objects);
  const templates = ctx.templates.filter((t) => SERVING.has(t.owner.kind));
  const hpaOf = (t: PodTemplate) => ctx.hpaFor(t.owner);
  const containers = (t: PodTemplate) => t.spec.containers ?? [];

  const scale = scaleFactor(ctx, templates);

  // Mesh evidence found in the objects themselves: routes that retry or time out, and weighted (canary) splits.
  const routes = [...ctx.ofKind('VirtualService'), ...ctx.ofKind('HTTPRoute')];
  const hardened = routes.filter((r) => /"(retries|timeout|timeouts)"/.test(JSON.stringify(r.spec ?? {}))).length;
  const split = routes.filter((r) => (JSON.stringify(r.spec ?? {}).match(/"weight"/g) ?? []).length >= 2).length;
  const perService = (n: number) => (templates.length ? Math.min(1, n / templates.length) : 0);
  const retriesScore = signals.retriesAndTimeouts ?? perService(hardened);
  const canaryScore = signals.canary ?? (split > 0 ? Math.max(0.5, perService(split)) : 0);
  const readiness = fraction(templates, (t) => containers(t).every((c) => !!c.readinessProbe));
  const liveness = fraction(templates, (t) => containers(t).every((c) => !!c.livenessProbe));
  const startup = fraction(templates, (t) => containers(t).every((c) => !!c.startupProbe));
  const redundant = fraction(templates, (t) => {
    const h = hpaOf(t);
    return (h ? Number(field(h, 'spec', 'minReplicas') ?? 1) : Number(field(t.owner, 'spec', 'replicas') ?? 1)) >= 2;
  });
  const spread = fraction(templates, (t) => !!t.spec.affinity?.podAntiAffinity || !!t.spec.topologySpreadConstraints?.length);
  const resilience = factor('Resilience', [
    { label: 'readiness probes', weight: 0.2, score: readiness.score, detail: `${readiness.of} workloads gate traffic on readiness` },
    { label: 'liveness probes', weight: 0.1, score: liveness.score, detail: `${liveness.of} restart when stuck` },
    { label: 'startup probes', weight: 0.05, score: startup.score, detail: `${startup.of} protect slow starts` },
    { label: 'redundancy', weight: 0.2, score: redundant.score, detail: `${redundant.of} run at least 2 replicas` },
    { label: 'spread across nodes', weight: 0.15, score: spread.score, detail: `${spread.of} spread replicas over nodes` },
    {
      label: 'retries and timeouts',
      weight: 0.15,
      score: retriesScore,
      detail: hardened ? `${hardened} mesh routes retry or time out` : 'no mesh retries/timeouts rendered',
    },
    {
      label: 'progressive delivery',
      weight: 0.15,
      score: canaryScore,
      detail: split ? `${split} weighted canary splits` : 'no canary split configured',
    },
  ]);

  const observability = observabilityFactor(ctx, templates, app, signals);

  const services = app?.services.length ?? templates.length;
  const edges = app ? app.services.reduce((a, s) => a + s.dependsOnServices.length + s.dependsOnResources.length, 0) : 0;
  const knobs = app ? app.services.reduce((a, s) => a + Object.keys(s.spec).length, 0) : 0;
  const terms: ComplexityTerm[] = [
    { label: 'services', count: services, cost: round(0.05 * services) },
    { label: 'dependency edges', count: edges, cost: round(0.03 * edges) },
    { label: 'objects to operate', count: objects.length, cost: round(0.005 * objects.length) },
    { label: 'spec fields set (knobs)', count: knobs, cost: round(0.005 * knobs) },
  ];
  const complexity = round(1 + terms.reduce((a, t) => a + t.cost, 0));
  const elasticity = round((100 * scale.value * resilience.value * observability.value) / complexity);
  return {
    scale,
    resilience,
    observability,
    complexity: { value: complexity, terms },
    elasticity,
    formula: `E = 100 × S ${scale.value} × R ${resilience.value} × O ${observability.value} / C ${complexity} = ${elasticity}`,
  };
}
