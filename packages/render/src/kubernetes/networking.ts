import type { KubeObject } from '../object.js';
import type { ResolvedApp, ResolvedPort, ResolvedService } from '../resolve.js';
import { GUARD_PORT } from './guard.js';
import { appLabels, LABELS, meta, serviceLabels, trafficSelector } from './meta.js';

export function service(app: ResolvedApp, svc: ResolvedService): KubeObject | undefined {
  if (svc.ports.length === 0) return undefined;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(app, svc.name, serviceLabels(app, svc), svc.spec.serviceAnnotations),
    spec: {
      type: svc.spec.serviceType ?? 'ClusterIP',
      selector: trafficSelector(app, svc),
      ports: svc.ports.map((p) => ({
        name: p.name,
        port: p.servicePort,
        targetPort: p.name,
        protocol: p.protocol,
        ...(p.appProtocol === 'grpc' ? { appProtocol: 'grpc' } : {}),
      })),
    },
  };
}

export function exposedPort(svc: ResolvedService): ResolvedPort | undefined {
  const ref = svc.spec.expose?.port;
  if (ref === undefined) return svc.ports[0];
  return svc.ports.find((p) => p.name === ref || p.servicePort === ref || p.port === ref);
}

export function ingress(app: ResolvedApp, svc: ResolvedService): KubeObject | undefined {
  const expose = svc.spec.expose;
  const port = exposedPort(svc);
  if (!expose || !port) return undefined;
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: meta(app, svc.name, serviceLabels(app, svc), expose.annotations),
    spec: {
      ingressClassName: app.ingressClassName,
      rules: [
        {
          host: expose.host,
          http: {
            paths: [
              {
                path: expose.path ?? '/',
                pathType: expose.pathType ?? 'Prefix',
                backend: { service: { name: svc.name, port: { number: port.servicePort } } },
              },
            ],
          },
        },
      ],
      tls: expose.tls ? [{ hosts: [expose.host], secretName: expose.tls.secretName }] : undefined,
    },
  };
}

/** Everything in the namespace is denied until a service's own policy allows it. */
export function defaultDenyPolicy(app: ResolvedApp): KubeObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: meta(app, 'default-deny', appLabels(app)),
    spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
  };
}

const namespacePeer = (ns: string) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } } });
const portsOf = (ports: readonly ResolvedPort[]) => ports.map((p) => ({ port: p.port, protocol: p.protocol }));

/** Pods of a service and of its admin jobs. */
function policySelector(app: ResolvedApp, svc: ResolvedService) {
  return { matchLabels: { [LABELS.instance]: app.name, [LABELS.service]: svc.name } };
}

/** In: from the services that depend on it, from the ingress controller when exposed, from the scraper when it has metrics. */
function ingressRulesOf(app: ResolvedApp, svc: ResolvedService): Record<string, unknown>[] {
  const rules: Record<string, unknown>[] = [];
  if (svc.dependents.length && svc.ports.length) {
    rules.push({
      from: svc.dependents.map((d) => ({ podSelector: { matchLabels: { [LABELS.instance]: app.name, [LABELS.service]: d } } })),
      ports: portsOf(svc.ports.filter((p) => p !== svc.metrics?.port || svc.ports.indexOf(p) === 0)),
    });
  }
  const exposed = svc.spec.expose ? exposedPort(svc) : undefined;
  if (exposed) rules.push({ from: [namespacePeer(app.ingressControllerNamespace)], ports: portsOf([exposed]) });
  // A LoadBalancer or NodePort Service brings clients from outside the cluster, whose addresses no rule can list.
  if (svc.spec.serviceType === 'LoadBalancer' || svc.spec.serviceType === 'NodePort')
    rules.push({ ports: portsOf(svc.ports.filter((p) => p !== svc.metrics?.port || svc.ports.indexOf(p) === 0)) });
  if (svc.metrics) rules.push({ from: [namespacePeer(app.scraperNamespace)], ports: portsOf([svc.metrics.port]) });
  if (svc.guard?.mode === 'sidecar')
    rules.push({ from: [namespacePeer(app.scraperNamespace)], ports: [{ port: GUARD_PORT, protocol: 'TCP' }] });
  return rules;
}

/** Egress to one backing resource: its namespace, its address range, or (neither declared) anywhere on its port. */
function resourceEgress(app: ResolvedApp, res: ResolvedService['dependsOnResources'][number]): Record<string, unknown> {
  const ports = res.port !== undefined ? [{ port: res.port, protocol: 'TCP' }] : undefined;
  if (res.provision) return { to: [{ podSelector: { matchLabels: { [LABELS.name]: res.name, [LABELS.instance]: app.name } } }], ports };
  if (res.namespace) return { to: [namespacePeer(res.namespace)], ports };
  if (res.cidr) return { to: [{ ipBlock: { cidr: res.cidr } }], ports };
  return { ports };
}

/** Out: to DNS, to the services it depends on, to its backing resources. */
/** Services by name, indexed once per app's list: every service looks up its dependencies. */
const servicesByName = new WeakMap<readonly ResolvedService[], Map<string, ResolvedService>>();
function serviceNamed(all: readonly ResolvedService[], name: string): ResolvedService | undefined {
  let index = servicesByName.get(all);
  if (!index) {
    index = new Map(all.map((s) => [s.name, s]));
    servicesByName.set(all, index);
  }
  return index.get(name);
}

function egressRulesOf(app: ResolvedApp, svc: ResolvedService, all: readonly ResolvedService[]): Record<string, unknown>[] {
  const dns = {
    to: [{ ...namespacePeer('kube-system'), podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
    ports: [
      { port: 53, protocol: 'UDP' },
      { port: 53, protocol: 'TCP' },
    ],
  };
  const services = svc.dependsOnServices
    .map((name) => serviceNamed(all, name))
    .filter((dep): dep is ResolvedService => dep !== undefined && dep.ports.length > 0)
    .map((dep) => ({
      to: [{ podSelector: { matchLabels: { [LABELS.instance]: app.name, [LABELS.service]: dep.name } } }],
      ports: portsOf(dep.ports),
    }));
  return [dns, ...services, ...svc.dependsOnResources.map((r) => resourceEgress(app, r))];
}

/**
 * A service's traffic, derived from declared dependencies: in from the services
 * that depend on it, the ingress controller and the metrics scraper; out to its
 * dependencies and to DNS, which every pod needs to resolve those names.
 */
export function servicePolicy(app: ResolvedApp, svc: ResolvedService, all: readonly ResolvedService[]): KubeObject {
  const ingressRules = ingressRulesOf(app, svc);
  const egressRules = egressRulesOf(app, svc, all);
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: meta(app, svc.name, serviceLabels(app, svc)),
    spec: {
      podSelector: policySelector(app, svc),
      policyTypes: ['Ingress', 'Egress'],
      ingress: ingressRules,
      egress: egressRules,
    },
  };
}
