import { ANNOTATIONS, LABELS, type ResolvedResource } from '@nimbus/model';
import type { KubeObject } from '../object.js';
import type { ResolvedApp } from '../resolve.js';
import { appLabels, meta } from './meta.js';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from './pod.js';

/**
 * Backing services Nimbus runs itself (`provision: true`): the upstream image
 * of each type, told its credentials through the environment variables it
 * reads, its data on a volume per replica.
 */
interface Recipe {
  image: string;
  dataPath: string;
  /** The user name the instance is set up with (redis knows one: default). */
  username: (res: ResolvedResource) => string;
  env: (res: ResolvedResource, secret: (key: string) => Record<string, unknown>) => Record<string, unknown>[];
  args?: string[];
}

const RECIPES: Readonly<Record<string, Recipe>> = {
  postgres: {
    image: 'postgres:16',
    dataPath: '/var/lib/postgresql/data',
    username: (r) => r.params.username ?? r.name.replace(/-/g, '_'),
    env: (r, s) => [
      { name: 'POSTGRES_USER', ...s('username') },
      { name: 'POSTGRES_PASSWORD', ...s('password') },
      { name: 'POSTGRES_DB', value: r.params.database ?? r.name },
      { name: 'PGDATA', value: '/var/lib/postgresql/data/pgdata' },
    ],
  },
  mysql: {
    image: 'mysql:8.4',
    dataPath: '/var/lib/mysql',
    username: (r) => r.params.username ?? r.name.replace(/-/g, '_'),
    env: (r, s) => [
      { name: 'MYSQL_USER', ...s('username') },
      { name: 'MYSQL_PASSWORD', ...s('password') },
      { name: 'MYSQL_DATABASE', value: r.params.database ?? r.name },
      { name: 'MYSQL_RANDOM_ROOT_PASSWORD', value: 'yes' },
    ],
  },
  redis: {
    image: 'redis:7',
    dataPath: '/data',
    username: () => 'default',
    env: (_r, s) => [{ name: 'REDIS_PASSWORD', ...s('password') }],
    args: ['redis-server', '--dir', '/data', '--appendonly', 'yes', '--requirepass', '$(REDIS_PASSWORD)'],
  },
  mongodb: {
    image: 'mongo:7',
    dataPath: '/data/db',
    username: (r) => r.params.username ?? r.name,
    env: (_r, s) => [
      { name: 'MONGO_INITDB_ROOT_USERNAME', ...s('username') },
      { name: 'MONGO_INITDB_ROOT_PASSWORD', ...s('password') },
    ],
  },
  rabbitmq: {
    image: 'rabbitmq:3.13',
    dataPath: '/var/lib/rabbitmq',
    username: (r) => r.params.username ?? r.name,
    env: (_r, s) => [
      { name: 'RABBITMQ_DEFAULT_USER', ...s('username') },
      { name: 'RABBITMQ_DEFAULT_PASS', ...s('password') },
    ],
  },
};
const ALIASES: Readonly<Record<string, string>> = { postgresql: 'postgres', mariadb: 'mysql', amqp: 'rabbitmq' };

/** The recipe for a type Nimbus can run, or undefined. */
export function provisionRecipe(type: string): Recipe | undefined {
  const t = type.toLowerCase();
  return RECIPES[ALIASES[t] ?? t];
}

/** The upstream images run as their own unprivileged user (999), never root. */
const DATA_USER = 999;

/** Where the app's pods go by default (spec.defaults.placement). */
function placementOf(app: ResolvedApp): Record<string, unknown> {
  const p = app.placement;
  return {
    ...(Object.keys(p.nodeSelector).length ? { nodeSelector: p.nodeSelector } : {}),
    ...(p.tolerations.length ? { tolerations: p.tolerations } : {}),
    ...(p.affinity ? { affinity: p.affinity } : {}),
    ...(p.priorityClassName ? { priorityClassName: p.priorityClassName } : {}),
  };
}

function labelsOf(app: ResolvedApp, res: ResolvedResource): Record<string, string> {
  return { ...appLabels(app), [LABELS.name]: res.name, [LABELS.instance]: app.name, [LABELS.component]: 'backing-service' };
}

/** A provisioned backing service: StatefulSet, Service, PodDisruptionBudget and a NetworkPolicy letting in the services that use it. */
export function provisionedResource(app: ResolvedApp, res: ResolvedResource, users: readonly string[]): KubeObject[] {
  const recipe = provisionRecipe(res.type) as Recipe;
  const labels = labelsOf(app, res);
  const selector = { [LABELS.name]: res.name, [LABELS.instance]: app.name };
  const port = res.port as number;
  const secret = (key: string) => ({ valueFrom: { secretKeyRef: { name: res.secret, key } } });
  const credentials = JSON.stringify({ secret: res.secret, username: recipe.username(res) });
  const statefulSet: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: meta(app, res.name, labels, { [ANNOTATIONS.credentials]: credentials }),
    spec: {
      replicas: 1,
      serviceName: res.name,
      selector: { matchLabels: selector },
      podManagementPolicy: 'OrderedReady',
      updateStrategy: { type: 'RollingUpdate' },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
      template: {
        metadata: { labels },
        spec: {
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: restrictedPodSecurityContext({ runAsUser: DATA_USER, runAsGroup: DATA_USER, fsGroup: DATA_USER }),
          ...placementOf(app),
          containers: [
            {
              name: res.name,
              image: res.image ?? recipe.image,
              imagePullPolicy: 'IfNotPresent',
              ...(recipe.args ? { args: recipe.args } : {}),
              env: recipe.env(res, secret),
              ports: [{ name: 'data', containerPort: port, protocol: 'TCP' }],
              readinessProbe: { tcpSocket: { port: 'data' }, periodSeconds: 2, timeoutSeconds: 2, failureThreshold: 3 },
              startupProbe: { tcpSocket: { port: 'data' }, periodSeconds: 2, timeoutSeconds: 2, failureThreshold: 90 },
              resources: {
                requests: { cpu: '100m', memory: '256Mi', 'ephemeral-storage': '256Mi' },
                limits: { cpu: '1', memory: '512Mi', 'ephemeral-storage': '1Gi' },
              },
              // The upstream images write beside their data (sockets, temporary files): the root stays writable, bounded.
              securityContext: restrictedContainerSecurityContext(false),
              volumeMounts: [{ name: 'data', mountPath: recipe.dataPath }],
            },
          ],
        },
      },
      volumeClaimTemplates: [
        {
          metadata: { name: 'data' },
          spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: res.storage ?? '1Gi' } } },
        },
      ],
    },
  };
  const service: KubeObject = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(app, res.name, labels),
    spec: { type: 'ClusterIP', selector, ports: [{ name: 'data', port, targetPort: 'data', protocol: 'TCP' }] },
  };
  const budget: KubeObject = {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: meta(app, res.name, labels),
    spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
  };
  const policy: KubeObject = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: meta(app, res.name, labels),
    spec: {
      podSelector: { matchLabels: selector },
      policyTypes: ['Ingress', 'Egress'],
      ingress: users.length
        ? [
            {
              from: users.map((u) => ({ podSelector: { matchLabels: { [LABELS.instance]: app.name, [LABELS.service]: u } } })),
              ports: [{ port, protocol: 'TCP' }],
            },
          ]
        : [],
      // Answers its clients; reaches out only for names (DNS).
      egress: [
        {
          to: [
            {
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
              podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
            },
          ],
          ports: [
            { port: 53, protocol: 'UDP' },
            { port: 53, protocol: 'TCP' },
          ],
        },
      ],
    },
  };
  return [statefulSet, service, budget, policy];
}
