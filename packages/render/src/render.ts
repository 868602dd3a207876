import type { AppSpec } from '@nimbus/model';
import { namespace } from './kubernetes/namespace.js';
import { defaultDenyPolicy, ingress, service, servicePolicy } from './kubernetes/networking.js';
import { autoscaler, disruptionBudget } from './kubernetes/scaling.js';
import { adminJob, configMap, deployment, serviceAccount } from './kubernetes/workload.js';
import { httpRoute, trackServices } from './mesh/gateway-api.js';
import { authorizationPolicy, destinationRule, ingressGateway, peerAuthentication, virtualService } from './mesh/istio.js';
import { compareObjects, type KubeObject } from './object.js';
import { prometheusRule, serviceMonitors } from './observability/alerts.js';
import { type ResolvedApp, type ResolveOptions, resolveApp } from './resolve.js';

export interface RenderOptions extends ResolveOptions {}

export interface RenderResult {
  app: ResolvedApp;
  objects: KubeObject[];
}

/**
 * Renders an app into Kubernetes objects. Pure and deterministic: the same
 * spec and options always give the same objects in the same order.
 */
export function renderApp(spec: AppSpec, options: RenderOptions = {}): RenderResult {
  const app = resolveApp(spec, options);
  const objects: KubeObject[] = [namespace(app), defaultDenyPolicy(app)];
  const istio = app.mesh?.provider === 'istio';
  const gatewayApi = app.mesh?.provider === 'gateway-api';
  if (istio) objects.push(peerAuthentication(app), ...[ingressGateway(app)].filter((o): o is KubeObject => o !== undefined));
  for (const svc of app.services) {
    const canary = app.mesh && svc.spec.traffic?.canary ? true : undefined;
    const parts = [
      serviceAccount(app, svc),
      configMap(app, svc),
      deployment(app, svc, canary && 'stable'),
      canary && deployment(app, svc, 'canary'),
      ...(istio && svc.ports.length ? [destinationRule(app, svc), virtualService(app, svc)] : []),
      istio ? authorizationPolicy(app, svc) : undefined,
      ...(gatewayApi && canary ? trackServices(app, svc) : []),
      gatewayApi ? httpRoute(app, svc) : undefined,
      service(app, svc),
      // With Istio, the mesh's Gateway and VirtualService expose the service instead.
      istio ? undefined : ingress(app, svc),
      autoscaler(app, svc),
      disruptionBudget(app, svc),
      servicePolicy(app, svc, app.services),
      ...svc.jobs.map((job) => adminJob(app, svc, job)),
    ];
    for (const o of parts) if (o) objects.push(o);
  }
  if (app.observability.prometheusOperator) {
    objects.push(...serviceMonitors(app));
    const rules = app.observability.alerts ? prometheusRule(app) : undefined;
    if (rules) objects.push(rules);
  }
  objects.sort(compareObjects);
  return { app, objects: objects.map(prune) };
}

/** Drops undefined fields so objects compare and serialise cleanly. */
function prune<T>(value: T): T {
  if (Array.isArray(value)) return value.map(prune) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = prune(v);
    return out as T;
  }
  return value;
}
