import type { AppSpec } from '@nimbus/model';
import { namespace } from './kubernetes/namespace.js';
import { defaultDenyPolicy, ingress, service, servicePolicy } from './kubernetes/networking.js';
import { provisionedResource } from './kubernetes/provisioned.js';
import { autoscaler, disruptionBudget } from './kubernetes/scaling.js';
import { adminJob, configMap, deployment, headlessService, serviceAccount, statefulSet } from './kubernetes/workload.js';
import { httpRoute, trackServices } from './mesh/gateway-api.js';
import { authorizationPolicy, destinationRule, ingressGateway, peerAuthentication, virtualService } from './mesh/istio.js';
import { type KubeObject, sortObjects } from './object.js';
import { prometheusRule, serviceMonitors } from './observability/alerts.js';
import { type ResolvedApp, type ResolvedService, type ResolveOptions, resolveApp } from './resolve.js';

export interface RenderOptions extends ResolveOptions {}

export interface RenderResult {
  app: ResolvedApp;
  objects: KubeObject[];
}

type Part = KubeObject | undefined | false;

/** What the mesh adds for one service: Istio routing and policy, or Gateway API routes and track Services. */
function meshParts(app: ResolvedApp, svc: ResolvedService, canary: boolean): Part[] {
  // HTTP routes (retries, timeouts, weights) only where HTTP or gRPC is spoken: a TCP or UDP port gets none.
  const routed = svc.ports[0]?.appProtocol === 'http' || svc.ports[0]?.appProtocol === 'grpc';
  if (app.mesh?.provider === 'istio') {
    return [...(routed ? [destinationRule(app, svc), virtualService(app, svc)] : []), authorizationPolicy(app, svc)];
  }
  if (app.mesh?.provider === 'gateway-api') return routed ? [...(canary ? trackServices(app, svc) : []), httpRoute(app, svc)] : [];
  return [];
}

/** Every object of one service. */
function serviceParts(app: ResolvedApp, svc: ResolvedService): Part[] {
  const canary = Boolean(app.mesh && svc.spec.traffic?.canary);
  return [
    serviceAccount(app, svc),
    configMap(app, svc),
    svc.spec.stateful ? statefulSet(app, svc) : deployment(app, svc, canary ? 'stable' : undefined),
    svc.spec.stateful && headlessService(app, svc),
    canary && deployment(app, svc, 'canary'),
    ...meshParts(app, svc, canary),
    service(app, svc),
    // With Istio, the mesh's Gateway and VirtualService expose the service instead.
    app.mesh?.provider === 'istio' ? undefined : ingress(app, svc),
    autoscaler(app, svc),
    disruptionBudget(app, svc),
    servicePolicy(app, svc, app.services),
    ...svc.jobs.map((job) => adminJob(app, svc, job)),
  ];
}

/** The app-wide objects: namespace, default-deny policy, the mesh's namespace objects, monitoring. */
function appParts(app: ResolvedApp): Part[] {
  const istio = app.mesh?.provider === 'istio';
  const operator = app.observability.prometheusOperator;
  return [
    namespace(app),
    defaultDenyPolicy(app),
    istio && peerAuthentication(app),
    istio && ingressGateway(app),
    ...(operator ? serviceMonitors(app) : []),
    operator && app.observability.alerts && prometheusRule(app),
    ...app.resources
      .filter((r) => r.provision)
      .flatMap((r) =>
        provisionedResource(
          app,
          r,
          app.services.filter((s) => s.dependsOnResources.some((d) => d.name === r.name)).map((s) => s.name),
        ),
      ),
  ];
}

/**
 * Renders an app into Kubernetes objects. Pure and deterministic: the same
 * spec and options always give the same objects in the same order.
 */
export function renderApp(spec: AppSpec, options: RenderOptions = {}): RenderResult {
  const app = resolveApp(spec, options);
  const parts = [...appParts(app), ...app.services.flatMap((svc) => serviceParts(app, svc))];
  const objects = parts.filter((o): o is KubeObject => Boolean(o));
  return { app, objects: sortObjects(objects).map(prune) };
}

/** Drops undefined fields so objects compare and serialise cleanly; a full copy, so the result shares nothing with the spec or itself. */
function prune<T>(value: T): T {
  if (Array.isArray(value)) return value.map(prune) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    // for...in over plain objects: no entries array per object (render builds only plain objects).
    for (const k in value) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = prune(v);
    }
    return out as T;
  }
  return value;
}
