import type { KubeObject } from '../object.js';
import type { ResolvedApp, ResolvedService } from '../resolve.js';
import { meta, selectorLabels, serviceLabels } from './meta.js';

export function autoscaler(app: ResolvedApp, svc: ResolvedService): KubeObject | undefined {
  const a = svc.autoscaling;
  if (!a) return undefined;
  const metric = (name: string, target: number | undefined) =>
    target === undefined ? [] : [{ type: 'Resource', resource: { name, target: { type: 'Utilization', averageUtilization: target } } }];
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: meta(app, svc.name, serviceLabels(app, svc)),
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: svc.name },
      minReplicas: a.min,
      maxReplicas: a.max,
      metrics: [...metric('cpu', a.cpu), ...metric('memory', a.memory)],
    },
  };
}

/** Voluntary disruptions (drains, upgrades) take at most one pod at a time. */
export function disruptionBudget(app: ResolvedApp, svc: ResolvedService): KubeObject | undefined {
  if (svc.replicas === 0) return undefined;
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: meta(app, svc.name, serviceLabels(app, svc)),
    spec: {
      maxUnavailable: 1,
      selector: { matchLabels: selectorLabels(app, svc) },
      // Pods that never became ready must not block a node drain.
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
    },
  };
}
