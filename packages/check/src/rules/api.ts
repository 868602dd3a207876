import { LABELS, MANAGED_BY } from '@nimbus/model/core';
import { field } from '../objects.js';
import type { Rule } from '../rule.js';

/** API versions Kubernetes has removed, with what replaced them and when. */
export const REMOVED_APIS: Readonly<Record<string, { replacement: string; removedIn: string }>> = {
  'extensions/v1beta1|Deployment': { replacement: 'apps/v1', removedIn: '1.16' },
  'extensions/v1beta1|DaemonSet': { replacement: 'apps/v1', removedIn: '1.16' },
  'extensions/v1beta1|ReplicaSet': { replacement: 'apps/v1', removedIn: '1.16' },
  'extensions/v1beta1|Ingress': { replacement: 'networking.k8s.io/v1', removedIn: '1.22' },
  'extensions/v1beta1|NetworkPolicy': { replacement: 'networking.k8s.io/v1', removedIn: '1.16' },
  'extensions/v1beta1|PodSecurityPolicy': { replacement: 'Pod Security admission', removedIn: '1.25' },
  'apps/v1beta1|Deployment': { replacement: 'apps/v1', removedIn: '1.16' },
  'apps/v1beta2|Deployment': { replacement: 'apps/v1', removedIn: '1.16' },
  'apps/v1beta1|StatefulSet': { replacement: 'apps/v1', removedIn: '1.16' },
  'apps/v1beta2|StatefulSet': { replacement: 'apps/v1', removedIn: '1.16' },
  'apps/v1beta2|DaemonSet': { replacement: 'apps/v1', removedIn: '1.16' },
  'networking.k8s.io/v1beta1|Ingress': { replacement: 'networking.k8s.io/v1', removedIn: '1.22' },
  'networking.k8s.io/v1beta1|IngressClass': { replacement: 'networking.k8s.io/v1', removedIn: '1.22' },
  'batch/v1beta1|CronJob': { replacement: 'batch/v1', removedIn: '1.25' },
  'policy/v1beta1|PodDisruptionBudget': { replacement: 'policy/v1', removedIn: '1.25' },
  'policy/v1beta1|PodSecurityPolicy': { replacement: 'Pod Security admission', removedIn: '1.25' },
  'autoscaling/v2beta1|HorizontalPodAutoscaler': { replacement: 'autoscaling/v2', removedIn: '1.25' },
  'autoscaling/v2beta2|HorizontalPodAutoscaler': { replacement: 'autoscaling/v2', removedIn: '1.26' },
  'rbac.authorization.k8s.io/v1beta1|Role': { replacement: 'rbac.authorization.k8s.io/v1', removedIn: '1.22' },
  'rbac.authorization.k8s.io/v1beta1|RoleBinding': { replacement: 'rbac.authorization.k8s.io/v1', removedIn: '1.22' },
  'rbac.authorization.k8s.io/v1beta1|ClusterRole': { replacement: 'rbac.authorization.k8s.io/v1', removedIn: '1.22' },
  'rbac.authorization.k8s.io/v1beta1|ClusterRoleBinding': { replacement: 'rbac.authorization.k8s.io/v1', removedIn: '1.22' },
  'apiextensions.k8s.io/v1beta1|CustomResourceDefinition': { replacement: 'apiextensions.k8s.io/v1', removedIn: '1.22' },
  'storage.k8s.io/v1beta1|CSIDriver': { replacement: 'storage.k8s.io/v1', removedIn: '1.22' },
  'flowcontrol.apiserver.k8s.io/v1beta2|FlowSchema': { replacement: 'flowcontrol.apiserver.k8s.io/v1', removedIn: '1.29' },
  'flowcontrol.apiserver.k8s.io/v1beta3|FlowSchema': { replacement: 'flowcontrol.apiserver.k8s.io/v1', removedIn: '1.32' },
};

export const deprecatedApi: Rule = {
  id: 'deprecated-api',
  category: 'api',
  severity: 'error',
  title: 'No removed API versions',
  why: 'Clusters at or past the removal version reject these objects outright; upgrades break deploys.',
  fix: 'Move the object to the replacement API version (fields may have moved too).',
  check: (ctx) =>
    ctx.objects.flatMap((o) => {
      const removed = REMOVED_APIS[`${o.apiVersion}|${o.kind}`];
      return removed
        ? [
            {
              object: o,
              path: 'apiVersion',
              message: `${o.apiVersion} ${o.kind} was removed in Kubernetes ${removed.removedIn}`,
              fix: `use ${removed.replacement}`,
            },
          ]
        : [];
    }),
};

export const namespacePodSecurity: Rule = {
  id: 'namespace-pod-security',
  category: 'security',
  severity: 'warning',
  title: 'Namespaces enforce a Pod Security level',
  why: 'Without the enforce label the API server admits any pod into the namespace, privileged ones included.',
  fix: 'Label the namespace pod-security.kubernetes.io/enforce: restricted (Nimbus does by default).',
  check: (ctx) =>
    ctx.ofKind('Namespace').flatMap((n) => {
      const level = n.metadata.labels?.['pod-security.kubernetes.io/enforce'];
      if (level === 'restricted' || level === 'baseline') return [];
      return [
        {
          object: n,
          path: 'metadata.labels',
          message: level ? `namespace enforces only '${level}'` : 'namespace enforces no Pod Security level',
        },
      ];
    }),
};

export const recommendedLabels: Rule = {
  id: 'label-recommended',
  category: 'api',
  severity: 'info',
  title: 'Workloads carry the recommended app labels',
  why: 'Tools (dashboards, cost reports, Nimbus status) group objects by app.kubernetes.io/name and part-of.',
  fix: 'Add app.kubernetes.io/name (and part-of, version) to the object and its pod template.',
  check: (ctx) =>
    ctx.templates
      .filter((t) => !t.owner.metadata.labels?.['app.kubernetes.io/name'])
      .map((t) => ({
        object: t.owner,
        path: 'metadata.labels',
        message: `${t.owner.kind} ${t.owner.metadata.name} has no app.kubernetes.io/name label`,
      })),
};

export const jobTtl: Rule = {
  id: 'job-ttl',
  category: 'api',
  severity: 'info',
  title: 'Jobs clean up after themselves',
  why: 'A finished Job and its pods stay until deleted by hand; they pile up and keep their logs and quota.',
  fix: 'Set spec.ttlSecondsAfterFinished (e.g. 3600); CronJobs clean up through their history limits, and Jobs Nimbus applies through release prune.',
  check: (ctx) =>
    ctx
      .ofKind('Job')
      // Jobs Nimbus applies are removed by the next release that no longer renders them (prune by inventory).
      .filter((j) => field(j, 'spec', 'ttlSecondsAfterFinished') === undefined && j.metadata.labels?.[LABELS.managedBy] !== MANAGED_BY)
      .map((j) => ({ object: j, path: 'spec.ttlSecondsAfterFinished', message: `Job ${j.metadata.name} is never cleaned up` })),
};

export const API_RULES: Rule[] = [deprecatedApi, namespacePodSecurity, recommendedLabels, jobTtl];
