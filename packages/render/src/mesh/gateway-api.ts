import { LABELS, meta, serviceLabels } from '../kubernetes/meta.js';
import type { KubeObject } from '../object.js';
import type { ResolvedApp, ResolvedService } from '../resolve.js';
import { meshDuration } from './duration.js';

/**
 * With the Gateway API, a weighted split is between Services: the stable and
 * canary pods each get a Service, and an HTTPRoute attached to the main Service
 * (GAMMA, east-west) splits its traffic.
 */
export function trackServices(app: ResolvedApp, svc: ResolvedService): KubeObject[] {
  if (!svc.spec.traffic?.canary) return [];
  return (['stable', 'canary'] as const).map((track) => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(app, `${svc.name}-${track}`, serviceLabels(app, svc)),
    spec: {
      type: 'ClusterIP',
      selector: { [LABELS.instance]: app.name, [LABELS.name]: track === 'stable' ? svc.name : `${svc.name}-canary` },
      ports: svc.ports.map((p) => ({ name: p.name, port: p.servicePort, targetPort: p.name, protocol: p.protocol })),
    },
  }));
}

export function httpRoute(app: ResolvedApp, svc: ResolvedService): KubeObject | undefined {
  const t = svc.spec.traffic;
  const port = svc.ports[0];
  if (!t || !port) return undefined;
  const backend = (name: string, weight?: number) => ({ name, port: port.servicePort, ...(weight !== undefined ? { weight } : {}) });
  const backendRefs = t.canary
    ? [backend(`${svc.name}-stable`, 100 - t.canary.weight), backend(`${svc.name}-canary`, t.canary.weight)]
    : [backend(svc.name)];
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: meta(app, svc.name, serviceLabels(app, svc)),
    spec: {
      parentRefs: [{ group: '', kind: 'Service', name: svc.name, port: port.servicePort }],
      rules: [{ backendRefs, timeouts: t.timeout ? { request: meshDuration(t.timeout) } : undefined }],
    },
  };
}
