/**
 * Pass/fail YAML for every rule. `fail` must produce at least one finding of
 * the rule; `pass` (when given) must produce none. The rendered minimal bundle
 * (test/golden/minimal) is a passing case for every rule as well.
 */
export const POD = (spec: string, meta = '') => `apiVersion: v1
kind: Pod
metadata:
  name: p
  namespace: ns
  labels: { app.kubernetes.io/name: p }
${meta}spec:
${spec}`;

const GOOD_SC = `      securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: [ALL] }, seccompProfile: { type: RuntimeDefault } }`;
const RES = `      resources: { requests: { cpu: 100m, memory: 64Mi }, limits: { cpu: 200m, memory: 128Mi } }`;
const container = (extra = '', sc = GOOD_SC, res = RES) => `  automountServiceAccountToken: false
  containers:
    - name: c
      image: app:1.0.0
${res}
${sc}
${extra}`;

const deployment = (name: string, replicas: string, podExtra = '', labels = 'app: x') => `apiVersion: apps/v1
kind: Deployment
metadata: { name: ${name}, namespace: ns, labels: { app.kubernetes.io/name: ${name} } }
spec:
${replicas}
  selector: { matchLabels: { ${labels} } }
  template:
    metadata: { labels: { ${labels} } }
    spec:
${podExtra}      containers:
        - name: c
          image: app:1.0.0
          ports: [{ name: http, containerPort: 8080 }]
          resources: { requests: { cpu: 100m, memory: 64Mi }, limits: { cpu: 200m, memory: 128Mi } }
`;

const ROLE = (rules: string) => `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: r, namespace: ns }
rules:
${rules}`;

export const RULE_CASES: Record<string, { fail: string; pass?: string }> = {
  'rbac-wildcard': {
    fail: ROLE('  - { apiGroups: [""], resources: ["*"], verbs: [get] }'),
    pass: ROLE('  - { apiGroups: [""], resources: [configmaps], verbs: [get] }'),
  },
  'rbac-secrets-read': {
    fail: ROLE('  - { apiGroups: [""], resources: [secrets], verbs: [list] }'),
    pass: ROLE('  - { apiGroups: [""], resources: [configmaps], verbs: [list] }'),
  },
  'rbac-pod-exec': {
    fail: ROLE('  - { apiGroups: [""], resources: [pods/exec], verbs: [create] }'),
    pass: ROLE('  - { apiGroups: [""], resources: [pods], verbs: [get] }'),
  },
  'rbac-escalation': {
    fail: ROLE('  - { apiGroups: [rbac.authorization.k8s.io], resources: [roles], verbs: [bind] }'),
    pass: ROLE('  - { apiGroups: [rbac.authorization.k8s.io], resources: [roles], verbs: [get] }'),
  },
  'rbac-risky-binding': {
    fail: `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: b }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin }
subjects: [{ kind: ServiceAccount, name: app, namespace: ns }]
`,
    pass: `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: b, namespace: ns }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader }
subjects: [{ kind: ServiceAccount, name: app, namespace: ns }]
`,
  },
  'ingress-tls': {
    fail: `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: i, namespace: ns }
spec: { rules: [{ host: a.example.com }] }
`,
    pass: `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: i, namespace: ns }
spec: { tls: [{ hosts: [a.example.com], secretName: a-tls }], rules: [{ host: a.example.com }] }
`,
  },
  'job-ttl': {
    fail: `apiVersion: batch/v1
kind: Job
metadata: { name: j, namespace: ns }
spec: { template: { spec: { restartPolicy: Never, containers: [{ name: c, image: app:1.0.0 }] } } }
`,
    pass: `apiVersion: batch/v1
kind: Job
metadata: { name: j, namespace: ns }
spec: { ttlSecondsAfterFinished: 600, template: { spec: { restartPolicy: Never, containers: [{ name: c, image: app:1.0.0 }] } } }
`,
  },
  'workload-single-replica': {
    fail: deployment('one', '  replicas: 1'),
    pass: deployment('two', '  replicas: 2'),
  },
  'container-resource-requests': { fail: POD(container('', GOOD_SC, '      resources: { limits: { memory: 1Gi } }')) },
  'container-memory-limit': { fail: POD(container('', GOOD_SC, '      resources: { requests: { cpu: 1, memory: 1Gi } }')) },
  'container-cpu-limit': {
    fail: POD(container('', GOOD_SC, '      resources: { requests: { cpu: 1, memory: 1Gi }, limits: { memory: 1Gi } }')),
  },
  'container-requests-exceed-limits': {
    fail: POD(container('', GOOD_SC, '      resources: { requests: { cpu: 500m, memory: 2Gi }, limits: { cpu: "0.5", memory: 1Gi } }')),
    pass: POD(container('', GOOD_SC, '      resources: { requests: { cpu: 500m, memory: 1Gi }, limits: { cpu: "0.5", memory: 1024Mi } }')),
  },
  'container-resource-quantity': {
    fail: POD(container('', GOOD_SC, '      resources: { requests: { cpu: 100m, memory: 64Mi }, limits: { cpu: 200m, memory: 1Gb } }')),
    pass: POD(container('', GOOD_SC, '      resources: { requests: { cpu: "0.5", memory: 64M }, limits: { cpu: 2, memory: 1Gi } }')),
  },
  'container-image-tag': {
    fail: POD(container().replace('app:1.0.0', 'registry:5000/app:latest')),
    pass: POD(
      container().replace('app:1.0.0', 'registry:5000/app@sha256:4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945'),
    ),
  },
  'container-pull-policy': {
    fail: POD(container('      imagePullPolicy: IfNotPresent').replace('app:1.0.0', 'app:latest')),
    pass: POD(container('      imagePullPolicy: IfNotPresent')),
  },
  'container-privileged-port': {
    fail: POD(container('      ports: [{ containerPort: 80 }]')),
    pass: POD(container('      ports: [{ containerPort: 8080 }]')),
  },
  'container-ephemeral-storage': {
    fail: POD(container('', GOOD_SC.replace('readOnlyRootFilesystem: true', 'readOnlyRootFilesystem: false'))),
    pass: POD(
      container(
        '',
        GOOD_SC.replace('readOnlyRootFilesystem: true', 'readOnlyRootFilesystem: false'),
        RES.replace('limits: { cpu: 200m,', "limits: { 'ephemeral-storage': 1Gi, cpu: 200m,"),
      ),
    ),
  },
  'container-env-duplicate': {
    fail: POD(container('      env: [{ name: MODE, value: a }, { name: LEVEL, value: b }, { name: MODE, value: c }]')),
    pass: POD(container('      env: [{ name: MODE, value: a }, { name: LEVEL, value: b }]')),
  },
  'network-policy-selects-pods': {
    fail: `${deployment('d', '  replicas: 2')}---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: np, namespace: ns }
spec: { podSelector: { matchLabels: { app: renamed } }, policyTypes: [Ingress] }
`,
    pass: `${deployment('d', '  replicas: 2')}---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: np, namespace: ns }
spec: { podSelector: { matchLabels: { app: x } }, policyTypes: [Ingress] }
`,
  },
  'container-readiness-probe': {
    fail: `${deployment('d', '  replicas: 1')}---
apiVersion: v1
kind: Service
metadata: { name: d, namespace: ns }
spec: { selector: { app: x }, ports: [{ port: 80, targetPort: http }] }
`,
    pass: deployment('d', '  replicas: 1'),
  },
  'container-liveness-probe': { fail: deployment('d', '  replicas: 1') },
  'container-probes-identical': {
    fail: POD(
      container(
        '      livenessProbe: { httpGet: { path: /health, port: 8080 } }\n      readinessProbe: { httpGet: { path: /health, port: 8080 } }',
      ),
    ),
    pass: POD(
      container(
        '      livenessProbe: { httpGet: { path: /health, port: 8080 } }\n      readinessProbe: { httpGet: { path: /ready, port: 8080 } }',
      ),
    ),
  },
  'container-startup-probe': {
    fail: POD(container('      livenessProbe: { httpGet: { path: /health, port: 8080 }, initialDelaySeconds: 120 }')),
    pass: POD(
      container(
        '      livenessProbe: { httpGet: { path: /health, port: 8080 } }\n      startupProbe: { httpGet: { path: /health, port: 8080 }, failureThreshold: 60 }',
      ),
    ),
  },
  'pod-run-as-non-root': {
    fail: POD(container('', '      securityContext: { runAsUser: 0, allowPrivilegeEscalation: false }')),
    pass: POD(`  securityContext: { runAsUser: 1000 }\n${container('', '      securityContext: { allowPrivilegeEscalation: false }')}`),
  },
  'container-privilege-escalation': { fail: POD(container('', '      securityContext: { runAsNonRoot: true }')) },
  'container-privileged': { fail: POD(container('', '      securityContext: { runAsNonRoot: true, privileged: true }')) },
  'container-capabilities-drop-all': {
    fail: POD(container('', '      securityContext: { runAsNonRoot: true, capabilities: { drop: [NET_RAW] } }')),
  },
  'container-dangerous-capabilities': {
    fail: POD(container('', '      securityContext: { runAsNonRoot: true, capabilities: { drop: [ALL], add: [SYS_ADMIN] } }')),
    pass: POD(container('', '      securityContext: { runAsNonRoot: true, capabilities: { drop: [ALL], add: [NET_BIND_SERVICE] } }')),
  },
  'container-read-only-root-fs': {
    fail: POD(container('', '      securityContext: { runAsNonRoot: true, readOnlyRootFilesystem: false }')),
  },
  'pod-seccomp-profile': {
    fail: POD(container('', '      securityContext: { runAsNonRoot: true, seccompProfile: { type: Unconfined } }')),
    pass: POD(
      `  securityContext: { seccompProfile: { type: RuntimeDefault } }\n${container('', '      securityContext: { runAsNonRoot: true }')}`,
    ),
  },
  'pod-host-namespaces': { fail: POD(`  hostNetwork: true\n${container()}`) },
  'pod-host-path': { fail: POD(`  volumes: [{ name: h, hostPath: { path: /var/run/docker.sock } }]\n${container()}`) },
  'container-host-port': { fail: POD(container('      ports: [{ containerPort: 8080, hostPort: 8080 }]')) },
  'container-secret-in-env': {
    fail: POD(container('      env: [{ name: DB_PASSWORD, value: hunter2 }]')),
    pass: POD(
      container(
        '      env: [{ name: DB_PASSWORD, valueFrom: { secretKeyRef: { name: db, key: password } } }, { name: TOKEN_TTL_SECONDS_HINT, value: "" }]',
      ),
    ),
  },
  'pod-service-account-token': { fail: POD(container().replace('  automountServiceAccountToken: false\n', '')) },
  'workload-pdb': {
    fail: deployment('d', '  replicas: 3'),
    pass: `${deployment('d', '  replicas: 3')}---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: { name: d, namespace: ns }
spec: { maxUnavailable: 1, selector: { matchLabels: { app: x } } }
`,
  },
  'pdb-blocks-eviction': {
    fail: `${deployment('d', '  replicas: 2')}---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: { name: d, namespace: ns }
spec: { minAvailable: 2, selector: { matchLabels: { app: x } } }
`,
    pass: `${deployment('d', '  replicas: 3')}---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: { name: d, namespace: ns }
spec: { minAvailable: 2, selector: { matchLabels: { app: x } } }
`,
  },
  'workload-spread': {
    fail: deployment('d', '  replicas: 3'),
    pass: deployment(
      'd',
      '  replicas: 3',
      '      topologySpreadConstraints: [{ maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: ScheduleAnyway, labelSelector: { matchLabels: { app: x } } }]\n',
    ),
  },
  'hpa-and-replicas': {
    fail: `${deployment('d', '  replicas: 3')}---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: { name: d, namespace: ns }
spec: { scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: d }, minReplicas: 2, maxReplicas: 5 }
`,
  },
  'hpa-target': {
    fail: `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: { name: h, namespace: ns }
spec: { scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: nope }, minReplicas: 2, maxReplicas: 5 }
`,
  },
  'hpa-requests': {
    fail: `${deployment('d', '').replace(/ {10}resources: .*\n/, '          resources: { requests: { memory: 64Mi } }\n')}---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: { name: d, namespace: ns }
spec:
  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: d }
  minReplicas: 2
  maxReplicas: 5
  metrics: [{ type: Resource, resource: { name: cpu, target: { type: Utilization, averageUtilization: 70 } } }]
`,
  },
  'workload-selector-labels': {
    fail: deployment('d', '  replicas: 1').replace('selector: { matchLabels: { app: x } }', 'selector: { matchLabels: { app: y } }'),
  },
  'workload-network-policy': {
    fail: deployment('d', '  replicas: 1'),
    pass: `${deployment('d', '  replicas: 1')}---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: deny, namespace: ns }
spec: { podSelector: {}, policyTypes: [Ingress] }
`,
  },
  'network-policy-dns': {
    fail: `${deployment('d', '  replicas: 1')}---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: d, namespace: ns }
spec:
  podSelector: { matchLabels: { app: x } }
  policyTypes: [Egress]
  egress: [{ to: [{ namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: db } } }], ports: [{ port: 5432 }] }]
`,
    pass: `${deployment('d', '  replicas: 1')}---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: d, namespace: ns }
spec:
  podSelector: { matchLabels: { app: x } }
  policyTypes: [Egress]
  egress: [{ ports: [{ port: 53, protocol: UDP }] }, { ports: [{ port: 5432 }] }]
`,
  },
  'service-selector': {
    fail: `apiVersion: v1
kind: Service
metadata: { name: s, namespace: ns }
spec: { selector: { app: nothing }, ports: [{ port: 80 }] }
`,
  },
  'service-target-port': {
    fail: `${deployment('d', '  replicas: 1')}---
apiVersion: v1
kind: Service
metadata: { name: d, namespace: ns }
spec: { selector: { app: x }, ports: [{ port: 80, targetPort: grpc }] }
`,
    pass: `${deployment('d', '  replicas: 1')}---
apiVersion: v1
kind: Service
metadata: { name: d, namespace: ns }
spec: { selector: { app: x }, ports: [{ port: 80, targetPort: 8080 }] }
`,
  },
  'service-node-port': {
    fail: `apiVersion: v1
kind: Service
metadata: { name: s, namespace: ns }
spec: { type: NodePort, ports: [{ port: 80 }] }
`,
  },
  'ingress-backend': {
    fail: `apiVersion: v1
kind: Service
metadata: { name: web, namespace: ns }
spec: { ports: [{ name: http, port: 80 }] }
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: i, namespace: ns }
spec:
  rules:
    - host: a.example.com
      http: { paths: [{ path: /, pathType: Prefix, backend: { service: { name: web, port: { number: 8080 } } } }] }
`,
    pass: `apiVersion: v1
kind: Service
metadata: { name: web, namespace: ns }
spec: { ports: [{ name: http, port: 80 }] }
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: i, namespace: ns }
spec:
  rules:
    - host: a.example.com
      http: { paths: [{ path: /, pathType: Prefix, backend: { service: { name: web, port: { name: http } } } }] }
`,
  },
  'deprecated-api': {
    fail: `apiVersion: policy/v1beta1
kind: PodDisruptionBudget
metadata: { name: p, namespace: ns }
spec: { maxUnavailable: 1 }
`,
  },
  'namespace-pod-security': {
    fail: `apiVersion: v1
kind: Namespace
metadata: { name: ns, labels: { pod-security.kubernetes.io/enforce: privileged } }
`,
  },
  'label-recommended': { fail: POD(container()).replace('  labels: { app.kubernetes.io/name: p }\n', '') },
  'mesh-subset-defined': {
    fail: `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: r, namespace: ns }
spec:
  hosts: [reviews]
  http: [{ route: [{ destination: { host: reviews, subset: v3 } }] }]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: r, namespace: ns }
spec: { host: reviews.ns.svc.cluster.local, subsets: [{ name: v1, labels: { version: v1 } }] }
`,
    pass: `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: r, namespace: ns }
spec:
  hosts: [reviews]
  http: [{ route: [{ destination: { host: reviews, subset: v1 } }] }]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: r, namespace: ns }
spec: { host: reviews.ns.svc.cluster.local, subsets: [{ name: v1, labels: { version: v1 } }] }
`,
  },
  'mesh-route-weights': {
    fail: `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: r, namespace: ns }
spec:
  hosts: [reviews]
  http: [{ route: [{ destination: { host: reviews }, weight: 90 }, { destination: { host: reviews-canary }, weight: 20 }] }]
`,
    pass: `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: r, namespace: ns }
spec:
  hosts: [reviews]
  http: [{ route: [{ destination: { host: reviews }, weight: 90 }, { destination: { host: reviews-canary }, weight: 10 }] }]
`,
  },
  'mesh-authz-selects-pods': {
    fail: `${deployment('d', '  replicas: 1')}---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: a, namespace: ns }
spec: { selector: { matchLabels: { app: typo } }, action: ALLOW, rules: [] }
`,
    pass: `${deployment('d', '  replicas: 1')}---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: a, namespace: ns }
spec: { selector: { matchLabels: { app: x } }, action: ALLOW, rules: [] }
`,
  },
  'argocd-app-source': {
    fail: `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: { name: app, namespace: argocd }
spec: { project: default, source: { repoURL: https://git.example.com/x.git }, destination: { server: https://kubernetes.default.svc, namespace: shop } }
`,
    pass: `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: { name: app, namespace: argocd }
spec: { project: default, source: { repoURL: https://git.example.com/x.git, path: deploy }, destination: { server: https://kubernetes.default.svc, namespace: shop } }
`,
  },
  schema: {
    fail: deployment('d', '  replicas: "three"').replace('image: app:1.0.0', 'image: app:1.0.0\n          imagePullPolcy: Always'),
  },
};
