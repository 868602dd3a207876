import { healthOf, worstHealth } from '@nimbus/kube';
import type { KubeObject } from '@nimbus/model';
import { describe, expect, it } from 'vitest';

const obj = (kind: string, body: Record<string, unknown>): KubeObject => ({
  apiVersion: 'v1',
  kind,
  metadata: { name: 'x', generation: 2 },
  ...body,
});

/** Input objects and the health Argo CD would report for them. */
const cases: [string, KubeObject | undefined, string][] = [
  ['missing object', undefined, 'Missing'],
  ['deployment not yet observed', obj('Deployment', { spec: { replicas: 2 }, status: { observedGeneration: 1 } }), 'Progressing'],
  [
    'deployment rolling',
    obj('Deployment', { spec: { replicas: 3 }, status: { observedGeneration: 2, updatedReplicas: 1, replicas: 3, availableReplicas: 3 } }),
    'Progressing',
  ],
  [
    'deployment old pods left',
    obj('Deployment', { spec: { replicas: 2 }, status: { observedGeneration: 2, updatedReplicas: 2, replicas: 3, availableReplicas: 2 } }),
    'Progressing',
  ],
  [
    'deployment done',
    obj('Deployment', { spec: { replicas: 2 }, status: { observedGeneration: 2, updatedReplicas: 2, replicas: 2, availableReplicas: 2 } }),
    'Healthy',
  ],
  [
    'deployment without replicas (HPA) defaults to 1',
    obj('Deployment', { spec: {}, status: { observedGeneration: 2, updatedReplicas: 1, replicas: 1, availableReplicas: 1 } }),
    'Healthy',
  ],
  ['deployment paused', obj('Deployment', { spec: { paused: true } }), 'Suspended'],
  [
    'deployment past deadline',
    obj('Deployment', {
      spec: { replicas: 1 },
      status: { observedGeneration: 2, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }] },
    }),
    'Degraded',
  ],
  ['job complete', obj('Job', { status: { conditions: [{ type: 'Complete', status: 'True' }] } }), 'Healthy'],
  ['job failed', obj('Job', { status: { conditions: [{ type: 'Failed', status: 'True', message: 'BackoffLimitExceeded' }] } }), 'Degraded'],
  ['job running', obj('Job', { status: { active: 1 } }), 'Progressing'],
  [
    'statefulset partly ready',
    obj('StatefulSet', { spec: { replicas: 3 }, status: { observedGeneration: 2, updatedReplicas: 3, readyReplicas: 2 } }),
    'Progressing',
  ],
  [
    'daemonset ready',
    obj('DaemonSet', { status: { observedGeneration: 2, desiredNumberScheduled: 2, updatedNumberScheduled: 2, numberAvailable: 2 } }),
    'Healthy',
  ],
  ['pvc pending', obj('PersistentVolumeClaim', { status: { phase: 'Pending' } }), 'Progressing'],
  ['pvc bound', obj('PersistentVolumeClaim', { status: { phase: 'Bound' } }), 'Healthy'],
  ['load balancer without address', obj('Service', { spec: { type: 'LoadBalancer' }, status: {} }), 'Progressing'],
  ['cluster ip service', obj('Service', { spec: { type: 'ClusterIP' } }), 'Healthy'],
  [
    'hpa without metrics keeps deploys moving',
    obj('HorizontalPodAutoscaler', { status: { conditions: [{ type: 'ScalingActive', status: 'False' }] } }),
    'Healthy',
  ],
  [
    'hpa unable to scale',
    obj('HorizontalPodAutoscaler', { status: { conditions: [{ type: 'AbleToScale', status: 'False' }] } }),
    'Degraded',
  ],
  ['crd established', obj('CustomResourceDefinition', { status: { conditions: [{ type: 'Established', status: 'True' }] } }), 'Healthy'],
  ['custom resource not ready', obj('Application', { status: { conditions: [{ type: 'Ready', status: 'False' }] } }), 'Progressing'],
  [
    'custom resource stalled',
    obj('Application', {
      status: {
        conditions: [
          { type: 'Ready', status: 'False' },
          { type: 'Stalled', status: 'True' },
        ],
      },
    }),
    'Degraded',
  ],
  ['terminating namespace', obj('Namespace', { status: { phase: 'Terminating' } }), 'Progressing'],
];

describe('healthOf', () => {
  for (const [name, input, expected] of cases) {
    it(`${name} -> ${expected}`, () => expect(healthOf(input).status).toBe(expected));
  }
  it('orders statuses as Argo CD does', () => {
    expect(worstHealth(['Healthy', 'Suspended'])).toBe('Suspended');
    expect(worstHealth(['Progressing', 'Degraded', 'Healthy'])).toBe('Degraded');
    expect(worstHealth([])).toBe('Healthy');
  });
});
