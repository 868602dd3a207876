import type { KubeObject } from '@nimbus/model';
import { describe, expect, it } from 'vitest';
import { analysisQueries, DEFAULT_CHECKS, verdictOf } from '../src/rollout/analysis.js';
import { canaryReplicas, effectiveWeight, httpRouteWeights, virtualServiceWeights } from '../src/rollout/routers.js';

describe('canary analysis', () => {
  const q = analysisQueries('api', DEFAULT_CHECKS, 10_000);

  it('queries the SDK metrics of the canary track, over the interval', () => {
    expect(q.requests).toBe('sum(increase(http_requests_total{service="api",track="canary"}[10s]))');
    expect(q.checks[0]?.query).toContain('status!~"5.."');
    expect(q.checks[1]?.query).toBe(
      '1000 * histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{service="api",track="canary"}[10s])))',
    );
  });

  it('fills $service, $track and $window in custom checks', () => {
    const custom = analysisQueries(
      'api',
      [{ kind: 'promql', name: 'saturation', query: 'max(x{service="$service",track="$track"}[$window])', max: 0.8 }],
      30_000,
    );
    expect(custom.checks[0]?.query).toBe('max(x{service="api",track="canary"}[30s])');
  });

  it.each([
    [{ requests: 500, checks: [99.5, 120] }, 'pass'],
    [{ requests: 500, checks: [97, 120] }, 'fail'],
    [{ requests: 500, checks: [100, 900] }, 'fail'],
    [{ requests: 500, checks: [undefined, 100] }, 'fail'],
    [{ requests: 3, checks: [50, 900] }, 'inconclusive'],
    [{ requests: undefined, checks: [undefined, undefined] }, 'inconclusive'],
  ])('judges %o as %s', (values, verdict) => {
    expect(verdictOf(q, values, 20).verdict).toBe(verdict);
  });

  it('names what failed and its bound', () => {
    const r = verdictOf(q, { requests: 500, checks: [97, 120] }, 20);
    expect(r.checks[0]).toEqual({ name: 'success rate %', value: 97, bound: '≥ 99', ok: false });
  });
});

describe('traffic routers', () => {
  it('approximate a weight with canary pods beside the stable ones', () => {
    expect([0, 5, 10, 25, 50, 100].map((w) => canaryReplicas(4, w))).toEqual([0, 1, 1, 1, 4, 4]);
    expect(effectiveWeight(4, 1)).toBe(20);
    expect(effectiveWeight(3, 0)).toBe(0);
  });

  it('weight the backends of an HTTPRoute', () => {
    const route = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'web' },
      spec: {
        rules: [
          {
            backendRefs: [
              { name: 'web', port: 80, weight: 100 },
              { name: 'web-canary', port: 80, weight: 0 },
            ],
          },
        ],
      },
    } as KubeObject;
    const weighted = httpRouteWeights(route, 'web', 'web-canary', 25) as { spec: { rules: { backendRefs: { weight: number }[] }[] } };
    expect(weighted.spec.rules[0]?.backendRefs.map((b) => b.weight)).toEqual([75, 25]);
    expect((route as unknown as typeof weighted).spec.rules[0]?.backendRefs[0]?.weight).toBe(100);
  });

  it('weight the subsets of a VirtualService', () => {
    const vs = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'web' },
      spec: {
        http: [
          {
            route: [
              { destination: { host: 'web', subset: 'stable' }, weight: 100 },
              { destination: { host: 'web', subset: 'canary' }, weight: 0 },
            ],
          },
        ],
      },
    } as KubeObject;
    const weighted = virtualServiceWeights(vs, 10) as { spec: { http: { route: { weight: number }[] }[] } };
    expect(weighted.spec.http[0]?.route.map((r) => r.weight)).toEqual([90, 10]);
  });
});
