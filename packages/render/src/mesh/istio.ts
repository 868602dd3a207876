import { appLabels, LABELS, meta, serviceLabels, TRACK_LABEL } from '../kubernetes/meta.js';
import { exposedPort } from '../kubernetes/networking.js';
import type { KubeObject } from '../object.js';
import type { ResolvedApp, ResolvedService } from '../resolve.js';
import { meshDuration } from './duration.js';

const NETWORKING = 'networking.istio.io/v1';
const SECURITY = 'security.istio.io/v1';
const DEFAULT_RETRY_ON = '5xx,reset,connect-failure,retriable-4xx';

const host = (app: ResolvedApp, svc: ResolvedService) => `${svc.name}.${app.namespace}.svc.cluster.local`;
const gatewayName = (app: ResolvedApp) => `${app.name}-gateway`;
const gatewayNamespace = (app: ResolvedApp) => app.mesh?.ingressGateway?.namespace ?? 'istio-system';
const principal = (app: ResolvedApp, serviceAccount: string) => `cluster.local/ns/${app.namespace}/sa/${serviceAccount}`;

/** Peer authentication for the namespace (mTLS between every pod). */
export function peerAuthentication(app: ResolvedApp): KubeObject {
  return {
    apiVersion: SECURITY,
    kind: 'PeerAuthentication',
    metadata: meta(app, 'default', appLabels(app)),
    spec: { mtls: { mode: app.mesh?.mtls ?? 'STRICT' } },
  };
}

/** Subsets by track when there is a canary; traffic policy with mTLS from Istio. */
export function destinationRule(app: ResolvedApp, svc: ResolvedService): KubeObject {
  const canary = svc.spec.traffic?.canary;
  return {
    apiVersion: NETWORKING,
    kind: 'DestinationRule',
    metadata: meta(app, svc.name, serviceLabels(app, svc)),
    spec: {
      host: host(app, svc),
      trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } },
      subsets: canary
        ? [
            { name: 'stable', labels: { [TRACK_LABEL]: 'stable' } },
            { name: 'canary', labels: { [TRACK_LABEL]: 'canary' } },
          ]
        : undefined,
    },
  };
}

/** Routes for mesh traffic (and the gateway when exposed): weighted canary split, retries, timeout. */
export function virtualService(app: ResolvedApp, svc: ResolvedService): KubeObject {
  const t = svc.spec.traffic;
  const canary = t?.canary;
  // No destination port: each request stays on the port it came in on (multi-port services).
  const destination = (subset?: string) => ({ host: host(app, svc), ...(subset ? { subset } : {}) });
  const route = canary
    ? [
        { destination: destination('stable'), weight: 100 - canary.weight },
        { destination: destination('canary'), weight: canary.weight },
      ]
    : [{ destination: destination() }];
  const exposed = svc.spec.expose ? exposedPort(svc) : undefined;
  return {
    apiVersion: NETWORKING,
    kind: 'VirtualService',
    metadata: meta(app, svc.name, serviceLabels(app, svc)),
    spec: {
      hosts: [host(app, svc), ...(exposed && svc.spec.expose ? [svc.spec.expose.host] : [])],
      gateways: ['mesh', ...(exposed ? [`${gatewayNamespace(app) === app.namespace ? '' : `${app.namespace}/`}${gatewayName(app)}`] : [])],
      http: [
        {
          name: 'default',
          route,
          timeout: t?.timeout ? meshDuration(t.timeout) : undefined,
          retries: t?.retries
            ? {
                attempts: t.retries.attempts,
                perTryTimeout: t.retries.perTryTimeout ? meshDuration(t.retries.perTryTimeout) : undefined,
                retryOn: t.retries.on ?? DEFAULT_RETRY_ON,
              }
            : undefined,
        },
      ],
    },
  };
}

/** The Istio ingress Gateway for the app's exposed hosts. */
export function ingressGateway(app: ResolvedApp): KubeObject | undefined {
  const exposed = app.services.filter((s) => s.spec.expose);
  if (exposed.length === 0) return undefined;
  return {
    apiVersion: NETWORKING,
    kind: 'Gateway',
    metadata: meta(app, gatewayName(app), appLabels(app)),
    spec: {
      selector: app.mesh?.ingressGateway?.selector ?? { istio: 'ingressgateway' },
      servers: exposed.map((s) => {
        const expose = s.spec.expose as NonNullable<typeof s.spec.expose>;
        return expose.tls
          ? {
              hosts: [expose.host],
              port: { number: 443, name: `https-${s.name}`, protocol: 'HTTPS' },
              tls: { mode: 'SIMPLE', credentialName: expose.tls.secretName },
            }
          : { hosts: [expose.host], port: { number: 80, name: `http-${s.name}`, protocol: 'HTTP' } };
      }),
    },
  };
}

/**
 * Only the service's declared callers (by service account), the ingress
 * gateway when exposed, and the metrics scraper on the metrics port may call
 * it. An ALLOW policy with no matching rule denies.
 */
export function authorizationPolicy(app: ResolvedApp, svc: ResolvedService): KubeObject {
  const rules: Record<string, unknown>[] = [];
  const appPorts = svc.ports.filter((p) => p !== svc.metrics?.port || p === svc.ports[0]).map((p) => String(p.port));
  if (svc.dependents.length)
    rules.push({
      from: [{ source: { principals: svc.dependents.map((d) => principal(app, d)) } }],
      to: [{ operation: { ports: appPorts } }],
    });
  if (svc.spec.expose)
    rules.push({ from: [{ source: { namespaces: [gatewayNamespace(app)] } }], to: [{ operation: { ports: appPorts } }] });
  if (svc.metrics) {
    rules.push({
      from: [{ source: { namespaces: [app.scraperNamespace] } }],
      to: [{ operation: { ports: [String(svc.metrics.port.port)], methods: ['GET'], paths: [svc.metrics.path] } }],
    });
  }
  return {
    apiVersion: SECURITY,
    kind: 'AuthorizationPolicy',
    metadata: meta(app, svc.name, serviceLabels(app, svc)),
    spec: {
      selector: { matchLabels: { [LABELS.instance]: app.name, [LABELS.service]: svc.name } },
      action: 'ALLOW',
      rules,
    },
  };
}
