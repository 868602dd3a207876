import type { KubeClient } from '@nimbus/kube';
import type { KubeObject } from '@nimbus/model';

const NETWORKING = 'networking.istio.io/v1';
const SECURITY = 'security.istio.io/v1';

export interface RouteSpec {
  match?: Record<string, unknown>[];
  route: { destination: { host: string; subset?: string; port?: { number: number } }; weight?: number }[];
  retries?: { attempts: number; perTryTimeout?: string; retryOn?: string };
  timeout?: string;
}

/**
 * The seed's Istio operations on Istio's `v1` APIs (the seed used `v1beta1`),
 * each a server-side apply: calling twice leaves one unchanged object.
 */
export class IstioManager {
  constructor(private readonly client: KubeClient) {}

  createVirtualService(name: string, namespace: string, hosts: string[], gateways: string[], routes: RouteSpec[]): Promise<KubeObject> {
    return this.client.apply({
      apiVersion: NETWORKING,
      kind: 'VirtualService',
      metadata: { name, namespace },
      spec: { hosts, ...(gateways.length ? { gateways } : {}), http: routes },
    });
  }

  createDestinationRule(
    name: string,
    namespace: string,
    host: string,
    subsets: { name: string; labels: Record<string, string> }[],
  ): Promise<KubeObject> {
    return this.client.apply({ apiVersion: NETWORKING, kind: 'DestinationRule', metadata: { name, namespace }, spec: { host, subsets } });
  }

  createAuthorizationPolicy(
    name: string,
    namespace: string,
    selector: Record<string, string>,
    rules: Record<string, unknown>[],
  ): Promise<KubeObject> {
    return this.client.apply({
      apiVersion: SECURITY,
      kind: 'AuthorizationPolicy',
      metadata: { name, namespace },
      spec: { selector: { matchLabels: selector }, action: 'ALLOW', rules },
    });
  }

  /** The seed's canary: `stableWeight` % to subset v1, the rest to v2. */
  createCanary(name: string, namespace: string, host: string, stableWeight: number): Promise<[KubeObject, KubeObject]> {
    return Promise.all([
      this.createDestinationRule(name, namespace, host, [
        { name: 'v1', labels: { version: 'v1' } },
        { name: 'v2', labels: { version: 'v2' } },
      ]),
      this.createVirtualService(
        name,
        namespace,
        [host],
        [],
        [
          {
            route: [
              { destination: { host, subset: 'v1' }, weight: stableWeight },
              { destination: { host, subset: 'v2' }, weight: 100 - stableWeight },
            ],
          },
        ],
      ),
    ]);
  }
}
