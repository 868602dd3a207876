import { appLabels } from '../kubernetes/meta.js';
import type { KubeObject } from '../object.js';
import type { ResolvedApp } from '../resolve.js';

/**
 * The Argo CD Application that keeps the cluster at the rendered manifests in
 * Git: automated sync with prune and self-heal, the namespace created by Argo
 * CD, server-side apply, and retries backing off 5 s × 2 up to 3 min, 5 times.
 */
export function argoApplication(app: ResolvedApp): KubeObject | undefined {
  const g = app.gitops;
  if (!g) return undefined;
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: {
      name: app.name,
      namespace: g.namespace ?? 'argocd',
      labels: appLabels(app),
      // Deleting the Application deletes what it deployed, as users expect from `kubectl delete app`.
      finalizers: ['resources-finalizer.argocd.argoproj.io'],
    },
    spec: {
      project: g.project ?? 'default',
      source: { repoURL: g.repoURL, targetRevision: g.targetRevision ?? 'HEAD', path: g.path },
      destination: { server: g.destinationServer ?? 'https://kubernetes.default.svc', namespace: app.namespace },
      syncPolicy: {
        automated: { prune: g.prune ?? true, selfHeal: g.selfHeal ?? true },
        syncOptions: ['CreateNamespace=true', 'ServerSideApply=true', 'PruneLast=true'],
        retry: { limit: 5, backoff: { duration: '5s', factor: 2, maxDuration: '3m' } },
      },
    },
  } as KubeObject;
}
