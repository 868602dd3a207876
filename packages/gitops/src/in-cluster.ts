import { type KubeObject, LABELS, MANAGED_BY } from '@nimbus/model';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext, toYamlStream } from '@nimbus/render';
import type { SyncApp } from './apps.js';

export interface InClusterOptions {
  /** Namespace the controller runs in (and holds its lease). */
  namespace: string;
  image: string;
  apps: readonly SyncApp[];
  pollSeconds?: number;
  /** Two replicas: one acts, one waits on the lease. */
  replicas?: number;
}

export const CONTROLLER_PORT = 9465;

/** The SyncApp documents, as the controller reads them from its ConfigMap. */
function appsYaml(apps: readonly SyncApp[]): string {
  return toYamlStream(
    apps.map((a) => ({
      apiVersion: 'nimbus.dev/v1alpha1',
      kind: 'SyncApp',
      metadata: { name: a.name },
      spec: {
        namespace: a.namespace,
        prune: a.prune,
        selfHeal: a.selfHeal,
        source: { repo: a.repo, revision: a.revision, path: a.path, ...(a.environment ? { environment: a.environment } : {}) },
      },
    })) as unknown as KubeObject[],
  );
}

/**
 * The controller in the cluster, least privilege: it may read every kind (its drift watches span
 * the cluster, one stream per kind), write only in the namespaces of its apps (a RoleBinding each)
 * and create those namespaces, and hold its lease and write Events only in its own namespace.
 */
export function renderController(o: InClusterOptions): KubeObject[] {
  const name = 'nimbus-sync';
  const labels = { [LABELS.name]: name, [LABELS.managedBy]: MANAGED_BY, [LABELS.component]: 'gitops-controller' };
  const meta = (n: string, namespaced = true) => ({ name: n, ...(namespaced ? { namespace: o.namespace } : {}), labels });
  const appNamespaces = [...new Set(o.apps.map((a) => a.namespace))].sort();
  const subject = [{ kind: 'ServiceAccount', name, namespace: o.namespace }];
  return [
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: o.namespace, labels: { ...labels, 'pod-security.kubernetes.io/enforce': 'restricted' } },
    },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(name), automountServiceAccountToken: true },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(`${name}-apps`), data: { 'apps.yaml': appsYaml(o.apps) } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: meta(`${name}-read`, false),
      rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['get', 'list', 'watch'] }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: meta(`${name}-write`, false),
      rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['create', 'update', 'patch', 'delete'] }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: meta(`${name}-namespaces`, false),
      rules: [{ apiGroups: [''], resources: ['namespaces'], verbs: ['create', 'patch'] }],
    },
    ...[`${name}-read`, `${name}-namespaces`].map((role) => ({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: meta(role, false),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
      subjects: subject,
    })),
    ...appNamespaces.map((ns) => ({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: `${name}-write`, namespace: ns, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `${name}-write` },
      subjects: subject,
    })),
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: meta(`${name}-lease`),
      rules: [
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update', 'delete'] },
        { apiGroups: [''], resources: ['events'], verbs: ['create'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: meta(`${name}-lease`),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: `${name}-lease` },
      subjects: subject,
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: meta(name),
      spec: {
        replicas: o.replicas ?? 2,
        selector: { matchLabels: { [LABELS.name]: name } },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: name,
            securityContext: restrictedPodSecurityContext(),
            containers: [
              {
                name: 'controller',
                image: o.image,
                args: [
                  'sync',
                  '--apps',
                  '/etc/nimbus/apps.yaml',
                  '--lease-namespace',
                  o.namespace,
                  '--port',
                  String(CONTROLLER_PORT),
                  '--poll',
                  `${o.pollSeconds ?? 30}s`,
                  '--cache-dir',
                  '/cache',
                ],
                ports: [{ name: 'http', containerPort: CONTROLLER_PORT }],
                livenessProbe: { httpGet: { path: '/health', port: 'http' }, periodSeconds: 10 },
                readinessProbe: { httpGet: { path: '/ready', port: 'http' }, periodSeconds: 5 },
                resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } },
                securityContext: restrictedContainerSecurityContext(true),
                volumeMounts: [
                  { name: 'apps', mountPath: '/etc/nimbus', readOnly: true },
                  { name: 'cache', mountPath: '/cache' },
                  { name: 'tmp', mountPath: '/tmp' },
                ],
              },
            ],
            volumes: [
              { name: 'apps', configMap: { name: `${name}-apps` } },
              { name: 'cache', emptyDir: { sizeLimit: '2Gi' } },
              { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta(name),
      spec: { selector: { [LABELS.name]: name }, ports: [{ name: 'http', port: CONTROLLER_PORT, targetPort: 'http' }] },
    },
  ] as KubeObject[];
}
