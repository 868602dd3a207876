import { z } from 'zod';
import { cronProblem, isTimeZone } from './cron.js';

/**
 * The Nimbus app spec, `nimbus.dev/v1alpha1`. This schema is the single source
 * of the TypeScript types, the published JSON Schema and the reference page.
 * Objects are strict: an unknown field is an error, never silently dropped.
 */

export const API_VERSION = 'nimbus.dev/v1alpha1';

const DNS_LABEL = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const QUANTITY = /^[0-9]+(\.[0-9]+)?(m|k|Ki|Mi|Gi|Ti|Pi|Ei|M|G|T|P|E)?$/;

const dnsLabel = (what: string) =>
  z
    .string()
    .regex(DNS_LABEL, `${what} must be a DNS label: lower-case letters, digits and '-', starting with a letter, at most 63 characters`);

const quantity = z.union([
  z.string().regex(QUANTITY, "a Kubernetes quantity such as '250m', '0.5', '128Mi' or '1Gi'"),
  z.number().nonnegative(),
]);

export const ResourceListSchema = z
  .strictObject({
    cpu: quantity.nullable().optional().describe('CPU, e.g. `100m`. `null` removes a default.'),
    memory: quantity.nullable().optional().describe('Memory, e.g. `128Mi`. `null` removes a default.'),
  })
  .describe('A CPU and memory amount.');

export const ResourcesSchema = z
  .strictObject({
    requests: ResourceListSchema.optional(),
    limits: ResourceListSchema.optional(),
  })
  .describe('Resource requests and limits of the container.');

export const ProbeSchema = z
  .strictObject({
    path: z.string().startsWith('/').optional().describe('HTTP path probed with GET.'),
    headers: z.record(z.string().min(1), z.string()).optional().describe('HTTP headers sent with the probe.'),
    grpc: z
      .union([z.literal(true), z.strictObject({ service: z.string().optional().describe('Service name for the gRPC health protocol.') })])
      .optional()
      .describe('gRPC health checking protocol (grpc.health.v1) instead of HTTP.'),
    tcp: z.literal(true).optional().describe('Only open a TCP connection to the port.'),
    port: z
      .union([z.number().int().min(1).max(65535), z.string()])
      .optional()
      .describe('Port number or name; defaults to the first port.'),
    command: z.array(z.string()).min(1).optional().describe('Exec probe instead of HTTP.'),
    initialDelaySeconds: z.number().int().min(0).optional(),
    periodSeconds: z.number().int().min(1).optional(),
    timeoutSeconds: z.number().int().min(1).optional(),
    failureThreshold: z.number().int().min(1).optional(),
    successThreshold: z.number().int().min(1).optional(),
  })
  .describe('A container probe: HTTP GET (`path`), gRPC health (`grpc`), TCP connect (`tcp`) or a command (`command`).');

const probeOrOff = z.union([ProbeSchema, z.literal(false)]);

export const ProbesSchema = z
  .strictObject({
    startup: probeOrOff.optional().describe('Holds liveness back until the app has started.'),
    liveness: probeOrOff.optional().describe('Restarts a container that stops answering.'),
    readiness: probeOrOff.optional().describe('Takes a pod out of the Service while it cannot serve.'),
  })
  .describe('Startup, liveness and readiness probes; `false` turns one off.');

export const SecurityDefaultsSchema = z
  .strictObject({
    runAsUser: z.number().int().min(1).optional().describe('Non-root UID the containers run as.'),
    runAsGroup: z.number().int().min(0).optional(),
    fsGroup: z.number().int().min(0).optional(),
    readOnlyRootFilesystem: z.boolean().optional().describe('Mount the root filesystem read-only (an emptyDir is mounted at /tmp).'),
  })
  .describe(
    'Container security settings. Nimbus always runs as non-root, drops ALL capabilities, forbids privilege escalation and uses the RuntimeDefault seccomp profile.',
  );

export const PortSchema = z
  .strictObject({
    name: dnsLabel('port name').max(15).optional().describe('Port name; defaults to `http` for the first port, `port-<n>` after.'),
    port: z.number().int().min(1).max(65535).describe('Container port the process binds.'),
    servicePort: z.number().int().min(1).max(65535).optional().describe('Port on the Service; defaults to `port`.'),
    protocol: z
      .enum(['http', 'grpc', 'tcp', 'udp', 'TCP', 'UDP', 'SCTP'])
      .optional()
      .describe(
        'What the port speaks: `http` (the default), `grpc`, `tcp` or `udp`. It chooses the default probes, whether metrics are scraped and the mesh routes (none for tcp/udp). `TCP`, `UDP`, `SCTP` name the transport only.',
      ),
  })
  .describe('A port the service listens on.');

export const SecretRefSchema = z
  .strictObject({
    secret: dnsLabel('secret name').describe('Name of an existing Secret in the namespace.'),
    key: z.string().min(1).describe('Key inside the Secret.'),
  })
  .describe('A reference to a key of a Secret; Nimbus never handles the value.');

export const ConfigSchema = z
  .strictObject({
    data: z
      .record(z.string().regex(ENV_NAME, 'a config key must be a valid environment variable name'), z.string())
      .optional()
      .describe('Literal settings, injected as environment variables.'),
    files: z
      .record(z.string().startsWith('/', 'a config file key is an absolute path in the container'), z.string())
      .optional()
      .describe('Files mounted read-only into the container, keyed by absolute path.'),
  })
  .describe('Configuration stored in a ConfigMap whose name carries a content hash, so a change rolls the pods.');

export const AutoscalingSchema = z
  .strictObject({
    min: z.number().int().min(1).describe('Fewest replicas.'),
    max: z.number().int().min(1).describe('Most replicas.'),
    cpu: z.number().int().min(1).max(1000).optional().describe('Target average CPU utilisation, percent of request.'),
    memory: z.number().int().min(1).max(1000).optional().describe('Target average memory utilisation, percent of request.'),
  })
  .describe('A HorizontalPodAutoscaler (autoscaling/v2). The Deployment then carries no replica count.');

export const ExposeSchema = z
  .strictObject({
    host: z
      .string()
      .regex(/^(\*\.)?[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'a DNS host name')
      .describe('Public host name.'),
    path: z.string().startsWith('/').optional().describe('Path prefix; defaults to `/`.'),
    pathType: z.enum(['Prefix', 'Exact', 'ImplementationSpecific']).optional(),
    port: z
      .union([z.number().int().min(1).max(65535), z.string()])
      .optional()
      .describe('Service port to route to; defaults to the first.'),
    tls: z
      .strictObject({ secretName: dnsLabel('TLS secret name') })
      .optional()
      .describe('Terminate TLS with this certificate Secret.'),
    annotations: z.record(z.string(), z.string()).optional(),
  })
  .describe('Exposure through an Ingress (networking.k8s.io/v1).');

export const JobSchema = z
  .strictObject({
    command: z.array(z.string()).min(1).optional().describe('Command; defaults to the image entrypoint.'),
    args: z.array(z.string()).optional(),
    backoffLimit: z.number().int().min(0).optional(),
    activeDeadlineSeconds: z.number().int().min(1).optional(),
  })
  .describe('A one-off admin process run as a Job with the service image and config.');

export const CronJobSchema = JobSchema.extend({
  schedule: z
    .string()
    .min(1)
    .superRefine((v, ctx) => {
      const problem = cronProblem(v);
      if (problem) ctx.addIssue({ code: 'custom', message: `not a cron schedule: ${problem}` });
    })
    .describe('Cron schedule, e.g. `0 3 * * *`.'),
  timeZone: z
    .string()
    .refine(isTimeZone, 'an IANA time zone such as Europe/Berlin or UTC')
    .optional()
    .describe('IANA time zone of the schedule; default: the controller manager’s.'),
  concurrencyPolicy: z.enum(['Allow', 'Forbid', 'Replace']).optional(),
  suspend: z.boolean().optional(),
}).describe('A recurring admin process run as a CronJob.');

export const BuildSchema = z
  .strictObject({
    context: z.string().min(1).describe('Build context directory, relative to the spec.'),
    dockerfile: z.string().optional().describe('Dockerfile path inside the context; generated when absent.'),
    args: z.record(z.string(), z.string()).optional().describe('Build arguments.'),
    target: z.string().optional(),
  })
  .describe('How to build the image.');

const envValue = z.union([z.string(), z.number(), z.boolean()]);

const duration = z.string().regex(/^\d+(\.\d+)?(ms|s|m|h)$/, "a duration such as '250ms', '2s' or '1m'");

export const TrafficSchema = z
  .strictObject({
    timeout: duration.optional().describe('Request timeout applied by the mesh.'),
    retries: z
      .strictObject({
        attempts: z.number().int().min(0).max(10).describe('Retries after the first try.'),
        perTryTimeout: duration.optional(),
        on: z.string().optional().describe('Conditions to retry on (Istio retryOn), default `5xx,reset,connect-failure,retriable-4xx`.'),
      })
      .optional(),
    canary: z
      .strictObject({
        image: z.string().min(1).describe('Image of the canary version.'),
        weight: z.number().int().min(0).max(100).describe('Percent of traffic sent to the canary.'),
        replicas: z.number().int().min(1).optional().describe('Canary pods; default 1.'),
      })
      .optional()
      .describe('A canary Deployment beside the stable one, with a weighted traffic split.'),
  })
  .describe('Mesh traffic settings: timeouts, retries, canary split. Rendered when spec.mesh is set.');

export const TolerationSchema = z
  .strictObject({
    key: z.string().optional(),
    operator: z.enum(['Equal', 'Exists']).optional(),
    value: z.string().optional(),
    effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).optional(),
    tolerationSeconds: z.number().int().min(0).optional(),
  })
  .describe('A node taint the pods tolerate.');

export const PlacementSchema = z
  .strictObject({
    nodeSelector: z.record(z.string(), z.string()).optional().describe('Node labels the pods must run on.'),
    tolerations: z.array(TolerationSchema).optional().describe('Node taints the pods tolerate.'),
    affinity: z
      .strictObject({
        nodeAffinity: z.record(z.string(), z.unknown()).optional(),
        podAffinity: z.record(z.string(), z.unknown()).optional(),
        podAntiAffinity: z.record(z.string(), z.unknown()).optional(),
      })
      .optional()
      .describe('Kubernetes affinity rules, as in a pod spec (nodeAffinity, podAffinity, podAntiAffinity).'),
    priorityClassName: z.string().min(1).optional().describe('PriorityClass of the pods.'),
  })
  .describe('Which nodes the pods may run on.');

export const GuardSchema = z
  .strictObject({
    mode: z
      .enum(['sidecar', 'in-process', 'off'])
      .describe(
        "`sidecar`: a guard container sharing the pod's process namespace; `in-process`: the service starts it with the runtime SDK (`startGuardFromEnv`); `off`.",
      ),
    image: z.string().min(1).optional().describe('Image of the guard sidecar; default `nimbus/guard:<version>`.'),
    watch: z
      .array(z.string().startsWith('/', 'a watched path is absolute'))
      .optional()
      .describe(
        "Paths whose files are watched for world-writable and new executable files; default the service's working directory and /tmp.",
      ),
    webhook: z.string().url().optional().describe('Findings are also POSTed here as JSON.'),
  })
  .describe('The runtime guard: rules over processes, sockets and files, judged against the ports and dependencies the spec declares.');

export const RolloutSchema = z
  .strictObject({
    steps: z
      .array(z.number().int().min(1).max(100))
      .min(1)
      .optional()
      .describe('Canary weights in percent, in order; default 5, 10, 25, 50.'),
    interval: duration.optional().describe('Time at each weight before it is judged; default 10s.'),
    threshold: z.number().int().min(1).optional().describe('Consecutive failed checks that roll back; default 2.'),
    successRate: z.number().min(0).max(100).optional().describe('Least percent of non-5xx responses; default 99.'),
    p95: duration.optional().describe('Most p95 latency; default 500ms.'),
    p99: duration.optional().describe('Most p99 latency; no default.'),
    checks: z
      .array(
        z.strictObject({
          name: z.string().min(1),
          query: z.string().min(1).describe('PromQL; `$service`, `$track` and `$window` are filled in.'),
          min: z.number().optional(),
          max: z.number().optional(),
        }),
      )
      .optional()
      .describe('Custom PromQL checks beside success rate and latency.'),
    minRequests: z.number().int().min(1).optional().describe('Fewer canary requests than this in an interval is inconclusive; default 20.'),
    inconclusive: z
      .strictObject({
        onTimeout: z.enum(['rollback', 'promote']).describe('What to do once traffic stayed too low for `maxWait`.'),
        maxWait: duration.describe('How long to wait for traffic.'),
        generateLoad: z.boolean().optional().describe('Call the `load` hook while waiting.'),
      })
      .optional()
      .describe('Too little traffic to judge: default wait 2m, then roll back.'),
    manualPromotion: z.boolean().optional().describe('Wait for `nimbus release promote` after the last step.'),
    hooks: z
      .strictObject({
        preRollout: z.string().url().optional(),
        confirmPromotion: z.string().url().optional(),
        rollback: z.string().url().optional(),
        postRollout: z.string().url().optional(),
        load: z.string().url().optional(),
      })
      .optional()
      .describe("Webhooks (POST, JSON) at the rollout's moments; a non-2xx answer is a no."),
    prometheus: z.string().url().optional().describe('The Prometheus that scrapes the service; `nimbus deploy --prometheus` overrides.'),
  })
  .describe('Progressive delivery: a new version runs as a canary, judged on its metrics at each weight, then promoted or rolled back.');

export const ServiceSecuritySchema = z.strictObject({ guard: GuardSchema.optional() }).describe('Runtime security of the service.');

export const ContainerSchema = z
  .strictObject({
    image: z.string().min(1).describe('Image reference.'),
    command: z.array(z.string()).optional(),
    args: z.array(z.string()).optional(),
    env: z.record(z.string().regex(ENV_NAME, 'an environment variable name'), envValue).optional(),
    ports: z.array(PortSchema).optional().describe('Ports of this container (not exposed by the Service).'),
    resources: ResourcesSchema.optional(),
    probes: ProbesSchema.optional(),
    volumes: z.array(z.string().startsWith('/')).optional().describe("Mount paths of the service's volumes this container mounts too."),
  })
  .describe('An extra container of the pod: a sidecar beside the service, or an init container before it.');

export const VolumeSchema = z
  .strictObject({
    emptyDir: z
      .strictObject({
        sizeLimit: z.string().regex(QUANTITY, "a Kubernetes quantity such as '1Gi'").optional(),
        medium: z.enum(['Memory']).optional(),
      })
      .optional()
      .describe('Scratch space that lives as long as the pod.'),
    claim: dnsLabel('PersistentVolumeClaim name').optional().describe('An existing PersistentVolumeClaim.'),
    configMap: dnsLabel('ConfigMap name').optional().describe('Files from an existing ConfigMap.'),
    secret: dnsLabel('Secret name').optional().describe('Files from an existing Secret.'),
    readOnly: z.boolean().optional(),
  })
  .describe('A volume mounted into the container; exactly one source.');

export const PodSchema = z
  .strictObject({
    labels: z.record(z.string(), z.string()).optional().describe('Extra labels of the pods.'),
    annotations: z.record(z.string(), z.string()).optional().describe('Annotations of the pods.'),
  })
  .describe('Pod metadata.');

export const ServiceSchema = z
  .strictObject({
    image: z.string().min(1).optional().describe('Image reference. Required unless `build` is given.'),
    build: BuildSchema.optional(),
    command: z.array(z.string()).optional(),
    args: z.array(z.string()).optional(),
    ports: z.array(PortSchema).optional().describe('Ports of the one container; all are exposed by one Service.'),
    env: z
      .record(z.string().regex(ENV_NAME, 'an environment variable name'), envValue)
      .optional()
      .describe('Environment variables. `${resources.NAME.host}` and similar placeholders resolve against declared resources.'),
    secrets: z
      .record(z.string().regex(ENV_NAME, 'an environment variable name'), SecretRefSchema)
      .optional()
      .describe('Environment variables read from Secrets.'),
    config: ConfigSchema.optional(),
    resources: ResourcesSchema.optional(),
    probes: ProbesSchema.optional(),
    replicas: z.number().int().min(0).optional().describe('Fixed replica count; do not combine with `autoscaling`.'),
    autoscaling: AutoscalingSchema.optional(),
    expose: ExposeSchema.optional(),
    dependsOn: z
      .array(z.string().min(1))
      .optional()
      .describe('Services and resources this service calls. Drives NetworkPolicies, start order and authorisation.'),
    jobs: z.record(dnsLabel('job name'), JobSchema).optional(),
    cronJobs: z.record(dnsLabel('cron job name'), CronJobSchema).optional(),
    securityContext: SecurityDefaultsSchema.optional(),
    security: ServiceSecuritySchema.optional(),
    rollout: RolloutSchema.optional(),
    serviceAccount: z.strictObject({ automountToken: z.boolean().optional() }).optional(),
    terminationGracePeriodSeconds: z.number().int().min(0).optional(),
    placement: PlacementSchema.optional(),
    traffic: TrafficSchema.optional(),
    metrics: z
      .union([
        z.strictObject({
          port: z.union([z.number().int().min(1).max(65535), z.string()]).optional(),
          path: z.string().startsWith('/').optional(),
        }),
        z.literal(false),
      ])
      .optional()
      .describe('Where Prometheus scrapes the service; `false` when it exposes no metrics.'),
    sdk: z
      .boolean()
      .optional()
      .describe(
        "Whether the service serves the Nimbus runtime SDK's /health, /ready and /metrics. Detected from the build context (a dependency on @nimbus/runtime) when not set; without the SDK, probes connect by TCP and nothing is scraped unless `probes` or `metrics` say so.",
      ),
    sidecars: z.record(dnsLabel('container name'), ContainerSchema).optional().describe('Containers running beside the service.'),
    initContainers: z
      .record(dnsLabel('container name'), ContainerSchema)
      .optional()
      .describe('Containers that run to completion, in name order, before the service starts.'),
    volumes: z
      .record(z.string().startsWith('/', 'a volume key is an absolute mount path'), VolumeSchema)
      .optional()
      .describe('Volumes mounted into the container, keyed by mount path.'),
    pod: PodSchema.optional(),
    imagePullSecrets: z.array(dnsLabel('Secret name')).optional().describe('Secrets with credentials for private registries.'),
    envFrom: z
      .array(
        z.union([
          z.strictObject({ configMap: dnsLabel('ConfigMap name'), prefix: z.string().optional() }),
          z.strictObject({ secret: dnsLabel('Secret name'), prefix: z.string().optional() }),
        ]),
      )
      .optional()
      .describe('Every key of an existing ConfigMap or Secret as environment variables.'),
    stateful: z
      .strictObject({
        storage: z.string().regex(QUANTITY, "a Kubernetes quantity such as '10Gi'").describe('Size of each replica’s volume.'),
        mountPath: z.string().startsWith('/').optional().describe('Where the volume is mounted; default /data.'),
        storageClass: z.string().min(1).optional().describe('StorageClass of the volumes; default: the cluster’s default.'),
        accessMode: z.enum(['ReadWriteOnce', 'ReadWriteOncePod', 'ReadWriteMany']).optional(),
      })
      .optional()
      .describe(
        'Run as a StatefulSet: stable pod names, a volume per replica (kept when scaled down), a headless Service, ordered rollout, one replica unless `replicas` says more.',
      ),
    serviceType: z
      .enum(['ClusterIP', 'NodePort', 'LoadBalancer'])
      .optional()
      .describe('Type of the Kubernetes Service; `LoadBalancer` asks the cloud for an external address.'),
    serviceAnnotations: z
      .record(z.string(), z.string())
      .optional()
      .describe("Annotations of the Service (a cloud load balancer's settings, for instance)."),
  })
  .describe('One service of the app: a Deployment with its Service, policies and scaling.');

export const BackingResourceSchema = z
  .strictObject({
    type: z.string().min(1).describe('Kind of backing service, e.g. `postgres`, `redis`, `kafka`.'),
    host: z.string().optional().describe('Host name; defaults to `<name>.<namespace>.svc.cluster.local` for in-cluster resources.'),
    port: z.number().int().min(1).max(65535).optional().describe('Port; defaults by type (postgres 5432, redis 6379, ...).'),
    namespace: dnsLabel('namespace').optional().describe('Namespace the resource runs in; egress is allowed to it.'),
    cidr: z.string().optional().describe('Address range of an external resource; egress is allowed to it.'),
    params: z.record(z.string(), z.string()).optional().describe('Extra values available as `${resources.NAME.<key>}`.'),
    secret: dnsLabel('Secret name')
      .optional()
      .describe(
        'Secret holding the credentials (keys `username` and `password`) that `${resources.NAME.username}`, `.password` and `.url` read at run time; defaults to the resource name.',
      ),
    provision: z
      .boolean()
      .optional()
      .describe(
        'Run the backing service in the app’s namespace (postgres, mysql, redis, mongodb, rabbitmq/amqp): a StatefulSet with a volume, its Service and policies; `nimbus deploy` creates the credentials Secret with a generated password when it is missing, and never prints it.',
      ),
    image: z.string().min(1).optional().describe('Image of a provisioned backing service; defaults by type (postgres:16, redis:7, ...).'),
    storage: z
      .string()
      .regex(QUANTITY, "a Kubernetes quantity such as '1Gi'")
      .optional()
      .describe('Volume size of a provisioned backing service; default 1Gi.'),
  })
  .describe('A backing service the app attaches to (12-factor IV).');

export const DefaultsSchema = z
  .strictObject({
    resources: ResourcesSchema.optional(),
    probes: ProbesSchema.optional(),
    securityContext: SecurityDefaultsSchema.optional(),
    security: ServiceSecuritySchema.optional().describe("Runtime security of every service; a service's own settings replace these."),
    podSecurity: z.enum(['restricted', 'baseline', 'privileged']).optional().describe('Pod Security level enforced on the namespace.'),
    terminationGracePeriodSeconds: z.number().int().min(0).optional(),
    placement: PlacementSchema.optional().describe("Node placement of every service's pods; a service's own node labels add to these."),
    metrics: z
      .strictObject({
        port: z.union([z.number().int().min(1).max(65535), z.string()]).optional(),
        path: z.string().startsWith('/').optional(),
      })
      .optional(),
  })
  .describe("App-wide defaults that override Nimbus's own for every service.");

export const IngressSettingsSchema = z
  .strictObject({
    className: z.string().optional().describe('IngressClass name.'),
    controllerNamespace: dnsLabel('namespace').optional().describe('Namespace of the ingress controller, allowed in by NetworkPolicy.'),
  })
  .describe('Ingress controller settings.');

export const ObservabilitySchema = z
  .strictObject({
    scraperNamespace: dnsLabel('namespace').optional().describe('Namespace of Prometheus, allowed to scrape metrics ports.'),
    dashboards: z.boolean().optional().describe('Render a Grafana dashboard (artifact grafana/<app>.json).'),
    alerts: z.boolean().optional().describe('Render alert and recording rules (artifact prometheus/<app>.rules.yaml).'),
    prometheusOperator: z.boolean().optional().describe('Add ServiceMonitors (and a PrometheusRule when alerts are on) to the bundle.'),
  })
  .describe('Observability settings.');

export const MeshSchema = z
  .strictObject({
    provider: z
      .enum(['istio', 'gateway-api'])
      .describe('Istio (networking/security `v1` APIs) or the mesh-neutral Gateway API (HTTPRoute weights).'),
    mtls: z.enum(['STRICT', 'PERMISSIVE']).optional().describe('Istio peer authentication for the namespace; default STRICT.'),
    ingressGateway: z
      .strictObject({
        namespace: dnsLabel('namespace').optional().describe('Namespace of the ingress gateway; default istio-system.'),
        selector: z.record(z.string(), z.string()).optional().describe('Labels of the gateway pods; default istio: ingressgateway.'),
      })
      .optional(),
  })
  .describe('Service mesh: routes, retries, canary splits and authorisation derived from dependencies.');

export const GitOpsSchema = z
  .strictObject({
    repoURL: z.string().min(1).describe('Git repository holding the rendered manifests.'),
    path: z.string().min(1).describe('Directory of the manifests in that repository.'),
    targetRevision: z.string().optional().describe('Branch, tag or commit; default HEAD.'),
    project: z.string().optional().describe('Argo CD project; default `default`.'),
    namespace: dnsLabel('namespace').optional().describe('Namespace Argo CD runs in; default argocd.'),
    destinationServer: z.string().optional().describe('Cluster API URL; default the cluster Argo CD runs in.'),
    prune: z.boolean().optional().describe('Delete what is no longer in Git; default true.'),
    selfHeal: z.boolean().optional().describe('Revert changes made outside Git; default true.'),
  })
  .describe('GitOps delivery through an Argo CD Application.');

export const CiSchema = z
  .strictObject({
    registry: z.string().min(1).describe('Registry images are pushed to, e.g. ghcr.io/acme.'),
    manifestsRepo: z
      .string()
      .regex(/^[\w.-]+\/[\w.-]+$/, 'owner/repository')
      .optional()
      .describe('GitHub repository the deploy job commits manifests to; default this one.'),
    environment: z.string().optional().describe('Environment overlay the deploy job renders; default prod.'),
    nodeVersion: z.string().optional().describe('Node.js version for the test job; default 20.'),
  })
  .describe('A GitHub Actions workflow: test, build and push images tagged by commit, scan gate, GitOps deploy.');

export const AppSpecBodySchema = z.strictObject({
  services: z.record(dnsLabel('service name'), ServiceSchema).describe('The services of the app, by name.'),
  resources: z.record(dnsLabel('resource name'), BackingResourceSchema).optional().describe('Backing services, by name.'),
  defaults: DefaultsSchema.optional(),
  ingress: IngressSettingsSchema.optional(),
  observability: ObservabilitySchema.optional(),
  mesh: MeshSchema.optional(),
  gitops: GitOpsSchema.optional(),
  ci: CiSchema.optional(),
  environments: z
    .record(dnsLabel('environment name'), z.record(z.string(), z.unknown()))
    .optional()
    .describe('Named overrides of any field under `spec` (deep-merged; lists replace; `null` removes).'),
});

export const AppSpecSchema = z
  .strictObject({
    apiVersion: z.literal(API_VERSION),
    kind: z.literal('App'),
    metadata: z.strictObject({
      name: dnsLabel('app name').describe('Name of the app.'),
      namespace: dnsLabel('namespace').optional().describe('Namespace; defaults to the app name.'),
      labels: z.record(z.string(), z.string()).optional().describe('Labels added to every object.'),
    }),
    spec: AppSpecBodySchema,
  })
  .describe('A Nimbus app: one spec for the whole deployment.');

export type AppSpec = z.infer<typeof AppSpecSchema>;
export type ServiceSpec = z.infer<typeof ServiceSchema>;
export type BackingResource = z.infer<typeof BackingResourceSchema>;
export type PortSpec = z.infer<typeof PortSchema>;
export type ProbeSpec = z.infer<typeof ProbeSchema>;
export type ProbesSpec = z.infer<typeof ProbesSchema>;
export type ResourcesSpec = z.infer<typeof ResourcesSchema>;
export type SecurityDefaults = z.infer<typeof SecurityDefaultsSchema>;
export type JobSpec = z.infer<typeof JobSchema>;
export type CronJobSpec = z.infer<typeof CronJobSchema>;
export type DefaultsSpec = z.infer<typeof DefaultsSchema>;
export type TrafficSpec = z.infer<typeof TrafficSchema>;
export type MeshSpec = z.infer<typeof MeshSchema>;
export type GitOpsSpec = z.infer<typeof GitOpsSchema>;
export type CiSpec = z.infer<typeof CiSchema>;
export type GuardSpec = z.infer<typeof GuardSchema>;
export type RolloutSpec = z.infer<typeof RolloutSchema>;

/** The JSON Schema published for editors (yaml-language-server). */
export function appJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(AppSpecSchema, { target: 'draft-7', unrepresentable: 'any' }) as Record<string, unknown>;
  return { ...schema, $id: 'https://nimbus.dev/schema/nimbus.v1alpha1.json', title: 'Nimbus App (nimbus.dev/v1alpha1)' };
}
