import type { RolloutSpec } from '@nimbus/model';

const MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** '250ms', '10s', '2m' → milliseconds (the schema has checked the form). */
export function durationMs(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text);
  return m ? Number(m[1]) * MS[m[2] as keyof typeof MS] : Number.NaN;
}

/**
 * The rollout policy a Deployment carries in its `nimbus.dev/rollout` annotation, with every
 * default filled in, so the deploy engine needs nothing but the objects to run the canary
 * (rendered from a spec or not).
 */
export function rolloutPolicy(spec: RolloutSpec): Record<string, unknown> {
  const checks: Record<string, unknown>[] = [
    { kind: 'success-rate', minPercent: spec.successRate ?? 99 },
    { kind: 'latency', quantile: 0.95, maxMs: durationMs(spec.p95 ?? '500ms') },
    ...(spec.p99 ? [{ kind: 'latency', quantile: 0.99, maxMs: durationMs(spec.p99) }] : []),
    ...(spec.checks ?? []).map((c) => ({ kind: 'promql', ...c })),
  ];
  const hooks = Object.fromEntries(
    Object.entries(spec.hooks ?? {}).map(([k, v]) => [k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`), v]),
  );
  return {
    steps: spec.steps ?? [5, 10, 25, 50],
    intervalMs: durationMs(spec.interval ?? '10s'),
    threshold: spec.threshold ?? 2,
    checks,
    minRequests: spec.minRequests ?? 20,
    inconclusive: {
      onTimeout: spec.inconclusive?.onTimeout ?? 'rollback',
      maxWaitMs: durationMs(spec.inconclusive?.maxWait ?? '2m'),
      generateLoad: spec.inconclusive?.generateLoad ?? false,
    },
    manualPromotion: spec.manualPromotion ?? false,
    hooks,
    ...(spec.prometheus ? { prometheus: spec.prometheus } : {}),
  };
}
