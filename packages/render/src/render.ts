import type { AppSpec } from '@nimbus/model';
import { namespace } from './kubernetes/namespace.js';
import { defaultDenyPolicy, ingress, service, servicePolicy } from './kubernetes/networking.js';
import { autoscaler, disruptionBudget } from './kubernetes/scaling.js';
import { adminJob, configMap, deployment, serviceAccount } from './kubernetes/workload.js';
import { compareObjects, type KubeObject } from './object.js';
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
  for (const svc of app.services) {
    const parts = [
      serviceAccount(app, svc),
      configMap(app, svc),
      deployment(app, svc),
      service(app, svc),
      ingress(app, svc),
      autoscaler(app, svc),
      disruptionBudget(app, svc),
      servicePolicy(app, svc, app.services),
      ...svc.jobs.map((job) => adminJob(app, svc, job)),
    ];
    for (const o of parts) if (o) objects.push(o);
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
