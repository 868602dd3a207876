import type { KubeObject } from '@nimbus/model';
import { describe, expect, it } from 'vitest';
import { planCanaries } from '../src/rollout/progressive.js';

const policy = JSON.stringify({
  steps: [10, 50],
  intervalMs: 5000,
  threshold: 2,
  checks: [{ kind: 'success-rate', minPercent: 99 }],
  minRequests: 20,
  inconclusive: { onTimeout: 'rollback', maxWaitMs: 60_000, generateLoad: false },
  manualPromotion: false,
  hooks: { 'pre-rollout': 'http://hooks.example.com/pre' },
});

function web(image: string, withPolicy = true): KubeObject {
  const labels = {
    'app.kubernetes.io/name': 'web',
    'app.kubernetes.io/instance': 'shop',
    'nimbus.dev/service': 'web',
    'nimbus.dev/track': 'stable',
  };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'shop', labels, ...(withPolicy ? { annotations: { 'nimbus.dev/rollout': policy } } : {}) },
    spec: {
      replicas: 3,
      selector: { matchLabels: { 'app.kubernetes.io/name': 'web', 'app.kubernetes.io/instance': 'shop' } },
      template: { metadata: { labels }, spec: { containers: [{ name: 'web', image }] } },
    },
  };
}
const service: KubeObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop' } };

describe('which Deployments go out as canaries', () => {
  it('none on a first install', () => {
    const r = planCanaries([web('web:2'), service], undefined);
    expect(r.canaries).toEqual([]);
    expect(r.objects).toHaveLength(2);
  });

  it('none when the pod template did not change, or without a rollout policy', () => {
    expect(planCanaries([web('web:1')], [web('web:1')]).canaries).toEqual([]);
    expect(planCanaries([web('web:2', false)], [web('web:1', false)]).canaries).toEqual([]);
  });

  it('a changed template: stable keeps the running version, a canary twin carries the new one at no pods', () => {
    const r = planCanaries([web('web:2'), service], [web('web:1'), service]);
    expect(r.canaries).toMatchObject([
      {
        service: 'web',
        namespace: 'shop',
        stable: 'web',
        canary: 'web-canary',
        stableReplicas: 3,
        policy: { steps: [10, 50], hooks: ['pre-rollout'] },
      },
    ]);
    type Spec = {
      replicas: number;
      selector: { matchLabels: Record<string, string> };
      template: { metadata: { labels: Record<string, string> }; spec: { containers: { image: string }[] } };
    };
    const [stable, canary] = r.objects as [KubeObject & { spec: Spec }, KubeObject & { spec: Spec }];
    expect(stable.spec.template.spec.containers[0]?.image).toBe('web:1');
    expect(canary.metadata.name).toBe('web-canary');
    expect(canary.spec.replicas).toBe(0);
    expect(canary.spec.template.spec.containers[0]?.image).toBe('web:2');
    // Its own selector, so the stable Deployment never adopts its pods; the Service's labels stay.
    expect(canary.spec.selector.matchLabels['app.kubernetes.io/name']).toBe('web-canary');
    expect(canary.spec.template.metadata.labels).toMatchObject({
      'nimbus.dev/track': 'canary',
      'nimbus.dev/service': 'web',
      'app.kubernetes.io/instance': 'shop',
    });
    expect(canary.metadata.annotations).toBeUndefined();
  });
});
