import type { KubeObject } from '@nimbus/model';
import { containersOf, field, type PodTemplate } from '../objects.js';
import { type Rule, type RuleContext, type RuleHit, SERVING_KINDS } from '../rule.js';

const policiesFor = (ctx: RuleContext, t: PodTemplate) => ctx.selecting('NetworkPolicy', t);
const policyTypes = (p: KubeObject) =>
  (field(p, 'spec', 'policyTypes') as string[] | undefined) ?? (field(p, 'spec', 'egress') ? ['Ingress', 'Egress'] : ['Ingress']);

export const networkPolicy: Rule = {
  id: 'workload-network-policy',
  category: 'networking',
  severity: 'warning',
  title: 'Pods are covered by a NetworkPolicy',
  why: 'Without a policy every pod in the cluster can reach these pods, and they can reach anything: one compromised pod reaches all.',
  fix: 'Add a NetworkPolicy selecting the pods (Nimbus renders a default-deny policy and one per service from its declared dependencies).',
  check: (ctx) =>
    ctx.templates
      .filter((t) => policiesFor(ctx, t).length === 0)
      .map((t) => ({ object: t.owner, message: `no NetworkPolicy selects the pods of ${t.owner.kind} ${t.owner.metadata.name}` })),
};

function allowsDns(rule: { ports?: { port?: number | string; protocol?: string }[] }): boolean {
  return !rule.ports?.length || rule.ports.some((p) => p.port === 53 || p.port === 'dns' || p.port === 'dns-tcp' || p.port === undefined);
}

export const dnsEgress: Rule = {
  id: 'network-policy-dns',
  category: 'networking',
  severity: 'warning',
  title: 'Restricted egress still allows DNS',
  why: 'Once any policy restricts a pod’s egress, everything not allowed is denied — DNS included; the pod can then resolve no service name at all.',
  fix: 'Allow egress to kube-dns on port 53 over UDP and TCP (Nimbus adds it to every policy it renders).',
  check: (ctx) =>
    ctx.templates.flatMap((t) => {
      const egress = policiesFor(ctx, t).filter((p) => policyTypes(p).includes('Egress'));
      if (egress.length === 0) return [];
      const ok = egress.some((p) =>
        ((field(p, 'spec', 'egress') as { ports?: { port?: number | string }[] }[] | undefined) ?? []).some(allowsDns),
      );
      return ok
        ? []
        : [{ object: t.owner, message: `egress of ${t.owner.metadata.name} is restricted and no policy allows DNS (port 53)` }];
    }),
};

/** The pod templates a Service sends traffic to: long-running workloads and bare Pods (not Jobs). */
function servedTemplates(ctx: RuleContext, svc: KubeObject): PodTemplate[] {
  return ctx
    .selectTemplates(svc.metadata.namespace, field(svc, 'spec', 'selector'), true)
    .filter((t) => SERVING_KINDS.has(t.owner.kind) || t.owner.kind === 'Pod');
}

export const serviceSelector: Rule = {
  id: 'service-selector',
  crossReference: true,
  category: 'networking',
  severity: 'warning',
  title: 'A Service selects some pods',
  why: 'A Service whose selector matches no pod has no endpoints: clients get connection refused.',
  fix: 'Make spec.selector match the pod template labels of the workload behind it.',
  check: (ctx) =>
    ctx.ofKind('Service').flatMap((s) => {
      const selector = field(s, 'spec', 'selector') as Record<string, string> | undefined;
      if (!selector || Object.keys(selector).length === 0 || field(s, 'spec', 'type') === 'ExternalName') return [];
      return servedTemplates(ctx, s).length
        ? []
        : [{ object: s, path: 'spec.selector', message: 'the selector matches no workload in the set' }];
    }),
};

export const serviceTargetPort: Rule = {
  id: 'service-target-port',
  category: 'networking',
  severity: 'error',
  title: 'Service target ports exist on the pods',
  why: 'A targetPort the container does not declare (by name) or listen on routes traffic nowhere.',
  fix: 'Set targetPort to a containerPort name or number of the selected pods.',
  check: (ctx) =>
    ctx.ofKind('Service').flatMap((s) => {
      const templates = servedTemplates(ctx, s);
      if (templates.length === 0) return [];
      const ports = (field(s, 'spec', 'ports') as { name?: string; port?: number; targetPort?: number | string }[] | undefined) ?? [];
      return ports.flatMap((p, i): RuleHit[] => {
        const target = p.targetPort ?? p.port;
        const ok = templates.every((t) =>
          containersOf(t).some(({ container }) =>
            (container.ports ?? []).some((cp) => (typeof target === 'string' ? cp.name === target : cp.containerPort === target)),
          ),
        );
        return ok
          ? []
          : [
              {
                object: s,
                path: `spec.ports[${i}].targetPort`,
                message: `target port ${target} is not a container port of the selected pods`,
              },
            ];
      });
    }),
};

export const nodePort: Rule = {
  id: 'service-node-port',
  category: 'networking',
  severity: 'warning',
  title: 'No NodePort Services',
  why: 'A NodePort opens the port on every node, outside Ingress and its TLS and policies.',
  fix: 'Use a ClusterIP Service behind an Ingress (or a LoadBalancer where needed).',
  check: (ctx) =>
    ctx
      .ofKind('Service')
      .flatMap((s) =>
        field(s, 'spec', 'type') === 'NodePort' ? [{ object: s, path: 'spec.type', message: 'the Service is of type NodePort' }] : [],
      ),
};

export const ingressBackend: Rule = {
  id: 'ingress-backend',
  crossReference: true,
  category: 'networking',
  severity: 'error',
  title: 'Ingress backends exist',
  why: 'An Ingress rule pointing at a missing Service or port answers 503.',
  fix: 'Point backend.service at a Service in the same namespace and one of its ports.',
  check: (ctx) =>
    ctx.ofKind('Ingress').flatMap((ing) =>
      ingressBackends(ing).flatMap(({ name, port, path }): RuleHit[] => {
        const svc = ctx.find('Service', ing.metadata.namespace, name);
        if (!svc) return [{ object: ing, path, message: `backend Service ${name} is not in the set` }];
        const ports = (field(svc, 'spec', 'ports') as { name?: string; port?: number }[] | undefined) ?? [];
        const ok = port === undefined || ports.some((sp) => (typeof port === 'string' ? sp.name === port : sp.port === port));
        return ok ? [] : [{ object: ing, path: `${path}.port`, message: `Service ${name} has no port ${port}` }];
      }),
    ),
};

type IngressBackend = {
  service?: { name?: string; port?: { number?: number; name?: string } };
  // extensions/v1beta1 and networking.k8s.io/v1beta1, still found in older repositories
  serviceName?: string;
  servicePort?: number | string;
};

/** Every Service backend of an Ingress (default backend and rule paths), in the v1 and the older v1beta1 shapes. */
function ingressBackends(ing: KubeObject): { name: string; port: number | string | undefined; path: string }[] {
  const rules = (field(ing, 'spec', 'rules') as { http?: { paths?: { backend?: IngressBackend }[] } }[] | undefined) ?? [];
  const entries: { backend: IngressBackend | undefined; path: string }[] = [
    { backend: field(ing, 'spec', 'defaultBackend') as IngressBackend | undefined, path: 'spec.defaultBackend' },
    { backend: field(ing, 'spec', 'backend') as IngressBackend | undefined, path: 'spec.backend' },
    ...rules.flatMap((r, ri) =>
      (r.http?.paths ?? []).map((p, pi) => ({ backend: p.backend, path: `spec.rules[${ri}].http.paths[${pi}].backend` })),
    ),
  ];
  return entries.flatMap(({ backend, path }) => {
    if (backend?.service?.name)
      return [{ name: backend.service.name, port: backend.service.port?.name ?? backend.service.port?.number, path: `${path}.service` }];
    if (typeof backend?.serviceName === 'string') return [{ name: backend.serviceName, port: backend.servicePort, path }];
    return [];
  });
}

export const ingressTls: Rule = {
  id: 'ingress-tls',
  category: 'networking',
  severity: 'warning',
  title: 'Ingresses serve TLS',
  why: 'Without spec.tls the host is served over plain HTTP: credentials and cookies cross the network readable.',
  fix: 'Add spec.tls with the hosts and a certificate Secret (Nimbus renders it from expose.tls).',
  check: (ctx) =>
    ctx
      .ofKind('Ingress')
      .filter((i) => {
        const tls = field(i, 'spec', 'tls');
        return !Array.isArray(tls) || tls.length === 0;
      })
      .map((i) => ({ object: i, path: 'spec.tls', message: `Ingress ${i.metadata.name} has no TLS` })),
};

export const policySelectsPods: Rule = {
  id: 'network-policy-selects-pods',
  crossReference: true,
  category: 'networking',
  severity: 'warning',
  title: 'A NetworkPolicy selects some pods',
  why: 'A NetworkPolicy whose podSelector matches no pod protects nothing: the pods it was meant for stay open, usually after a label was renamed.',
  fix: 'Make spec.podSelector match the pod template labels of the workloads it is for (an empty selector selects every pod of the namespace).',
  check: (ctx) =>
    ctx.ofKind('NetworkPolicy').flatMap((np): RuleHit[] => {
      const selector = field(np, 'spec', 'podSelector') as { matchLabels?: object; matchExpressions?: unknown[] } | undefined;
      const empty = !selector || (Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0);
      if (empty || ctx.selectTemplates(np.metadata.namespace, selector).length) return [];
      return [{ object: np, path: 'spec.podSelector', message: 'the podSelector matches no workload in the set' }];
    }),
};

export const NETWORKING_RULES: Rule[] = [
  networkPolicy,
  policySelectsPods,
  dnsEgress,
  serviceSelector,
  serviceTargetPort,
  nodePort,
  ingressBackend,
  ingressTls,
];
