import { readFileSync } from 'node:fs';
import { runChecks } from '@nimbus/check';
import { type KubeObject, loadApp, PROVISIONABLE } from '@nimbus/model';
import { renderApp } from '@nimbus/render';
import { describe, expect, it } from 'vitest';
import { provisionRecipe } from '../src/kubernetes/provisioned.js';

const root = new URL('../../../', import.meta.url).pathname;
const text = readFileSync(`${root}test/fixtures/specs/grpc-shop/nimbus.yaml`, 'utf8');
const { objects } = renderApp(loadApp([{ file: 'nimbus.yaml', text }]).spec);
const find = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name) as KubeObject;
type Container = Record<string, unknown> & { name: string; env?: { name: string; value?: string; valueFrom?: unknown }[] };
const pod = (name: string) =>
  (find('Deployment', name).spec as { template: { metadata: Record<string, unknown>; spec: Record<string, unknown> } }).template;
const containers = (name: string) => pod(name).spec.containers as Container[];

describe('services as real workloads are written (grpc-shop fixture)', () => {
  it('probes a gRPC port with the gRPC health protocol and scrapes no /metrics from it', () => {
    const [cart] = containers('cart');
    expect(cart?.readinessProbe).toMatchObject({ grpc: { port: 7070 } });
    expect(cart?.livenessProbe).toMatchObject({ grpc: { port: 7070 } });
    expect(pod('cart').metadata.annotations).toBeUndefined();
    expect((find('Service', 'cart').spec as { ports: unknown[] }).ports).toEqual([
      { name: 'grpc', appProtocol: 'grpc', port: 7070, protocol: 'TCP', targetPort: 'grpc' },
    ]);
  });

  it('probes a plain TCP port by connecting, and HTTP probes send their headers', () => {
    expect(containers('catalog')[0]?.readinessProbe).toMatchObject({ tcpSocket: { port: 'tcp' } });
    expect(containers('frontend')[0]?.readinessProbe).toMatchObject({
      httpGet: { path: '/_healthz', port: 'http', httpHeaders: [{ name: 'Cookie', value: 'session=probe' }] },
    });
  });

  it('runs sidecars beside the service and init containers before it, hardened and sharing declared volumes', () => {
    const [cart, shipper] = containers('cart');
    expect(shipper).toMatchObject({
      name: 'log-shipper',
      securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
      volumeMounts: [
        { name: 'tmp', mountPath: '/tmp' },
        { name: 'vol-var-log-cart', mountPath: '/var/log/cart' },
      ],
    });
    expect(cart?.volumeMounts).toEqual(
      expect.arrayContaining([
        { name: 'vol-etc-cart-tls', mountPath: '/etc/cart/tls', readOnly: true },
        { name: 'vol-var-log-cart', mountPath: '/var/log/cart' },
      ]),
    );
    expect(pod('cart').spec.initContainers).toEqual([expect.objectContaining({ name: 'wait-for-schema', args: ['--check'] })]);
    expect(pod('cart').spec.volumes).toEqual(
      expect.arrayContaining([
        { name: 'vol-etc-cart-tls', secret: { secretName: 'cart-tls' } },
        { name: 'vol-var-log-cart', emptyDir: { sizeLimit: '256Mi' } },
      ]),
    );
  });

  it("resolves other services' addresses, and credentials only as references to the resource's Secret", () => {
    const env = Object.fromEntries((containers('frontend')[0]?.env ?? []).map((e) => [e.name, e.value ?? e.valueFrom]));
    expect(env.CART_ADDR).toBe('cart:7070');
    expect(env.CATALOG_URL).toBe('tcp://catalog:3550');
    expect(env.DATABASE_URL).toBe(
      'postgres://$(NIMBUS_SECRET_ORDERS_DB_USERNAME):$(NIMBUS_SECRET_ORDERS_DB_PASSWORD)@orders-db:5432/orders-db',
    );
    expect(env.NIMBUS_SECRET_ORDERS_DB_PASSWORD).toEqual({ secretKeyRef: { name: 'orders-db-credentials', key: 'password' } });
    // Kubernetes expands $(NAME) only to variables defined earlier in the list.
    const names = (containers('frontend')[0]?.env ?? []).map((e) => e.name);
    expect(names.indexOf('NIMBUS_SECRET_ORDERS_DB_PASSWORD')).toBeLessThan(names.indexOf('DATABASE_URL'));
  });

  it('carries pod labels and annotations', () => {
    expect(pod('frontend').metadata).toMatchObject({
      labels: expect.objectContaining({ tier: 'web' }),
      annotations: { 'team.example.com/owner': 'storefront' },
    });
  });

  it('runs a stateful store as a StatefulSet: one replica, a claim per replica, a headless Service, ordered rollout', () => {
    const set = find('StatefulSet', 'store') as KubeObject & { spec: Record<string, unknown> };
    expect(find('Deployment', 'store')).toBeUndefined();
    expect(set.spec).toMatchObject({
      replicas: 1,
      serviceName: 'store-headless',
      podManagementPolicy: 'OrderedReady',
      updateStrategy: { type: 'RollingUpdate' },
      volumeClaimTemplates: [
        { metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Gi' } } } },
      ],
    });
    const [store] = (set.spec.template as { spec: { containers: Container[] } }).spec.containers;
    expect(store?.volumeMounts).toEqual(expect.arrayContaining([{ name: 'data', mountPath: '/var/lib/store' }]));
    expect(find('Service', 'store-headless').spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true });
    // One replica and a budget that still lets a node drain.
    expect(find('PodDisruptionBudget', 'store').spec).toMatchObject({ maxUnavailable: 1 });
  });

  it('opens a LoadBalancer Service with its annotations to clients outside the cluster', () => {
    const svc = find('Service', 'gateway');
    expect(svc.spec).toMatchObject({ type: 'LoadBalancer' });
    expect(svc.metadata.annotations).toEqual({ 'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb' });
    const rules = (find('NetworkPolicy', 'gateway').spec as { ingress: { from?: unknown; ports: unknown }[] }).ingress;
    expect(rules).toContainEqual({ ports: [{ port: 8443, protocol: 'TCP' }] });
  });

  it('takes envFrom, image pull secrets, affinity and a priority class', () => {
    const spec = pod('gateway').spec;
    expect(spec).toMatchObject({
      imagePullSecrets: [{ name: 'registry-credentials' }],
      priorityClassName: 'edge-critical',
      affinity: { nodeAffinity: expect.any(Object) },
    });
    expect(containers('gateway')[0]?.envFrom).toEqual([
      { configMapRef: { name: 'gateway-settings' } },
      { secretRef: { name: 'gateway-keys' }, prefix: 'KEY_' },
    ]);
  });

  it('refuses what a stateful service cannot do, and a probe or volume that says two things', () => {
    const bad = text
      .replace('stateful: { storage: 2Gi, mountPath: /var/lib/store }', 'stateful: { storage: 2Gi }\n      autoscaling: { min: 1, max: 3 }')
      .replace('/etc/cart/tls: { secret: cart-tls }', '/etc/cart/tls: { secret: cart-tls, claim: certs }')
      .replace('liveness: { path: /_healthz }', 'liveness: { path: /_healthz, tcp: true }');
    let messages: string[] = [];
    try {
      loadApp([{ file: 'nimbus.yaml', text: bad }]);
    } catch (err) {
      messages = (err as { diagnostics: { message: string }[] }).diagnostics.map((d) => d.message);
    }
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringContaining('a stateful service is scaled by `replicas`'),
        expect.stringContaining("volume '/etc/cart/tls' needs exactly one of"),
        expect.stringContaining('a probe does one thing'),
      ]),
    );
  });

  it('passes nimbus check with no error: restricted, schema-valid, no literal secret', () => {
    const errors = runChecks(objects).filter((f) => f.severity === 'error');
    expect(errors).toEqual([]);
  });

  it('refuses a ${services.*} placeholder for a service not in dependsOn, at its own line', () => {
    const broken = text.replace('dependsOn: [cart, catalog, orders-db, store]', 'dependsOn: [catalog, orders-db, store]');
    expect(() => loadApp([{ file: 'nimbus.yaml', text: broken }])).toThrowError(
      expect.objectContaining({
        diagnostics: [
          expect.objectContaining({
            line: 12,
            message: expect.stringContaining("uses 'cart' that the service does not list in dependsOn"),
          }),
        ],
      }),
    );
  });
});

describe('backing services Nimbus runs itself (provision: true)', () => {
  const spec = `apiVersion: nimbus.dev/v1alpha1
kind: App
metadata: { name: shop }
spec:
  services:
    api:
      image: registry.local/shop/api:1.0.0
      ports: [{ port: 8080 }]
      env: { DB: "\${resources.orders.url}" }
      dependsOn: [orders]
  resources:
    orders: { type: postgres, provision: true, storage: 5Gi }
`;
  const rendered = renderApp(loadApp([{ file: 'nimbus.yaml', text: spec }]).spec).objects;
  const get = (kind: string, name: string) => rendered.find((o) => o.kind === kind && o.metadata.name === name) as KubeObject;

  it('runs the upstream image as a StatefulSet with its volume, told its credentials from the Secret', () => {
    const set = get('StatefulSet', 'orders') as KubeObject & { spec: { template: { spec: { containers: Container[] } } } };
    expect(set.metadata.annotations).toEqual({ 'nimbus.dev/credentials': JSON.stringify({ secret: 'orders', username: 'orders' }) });
    const [c] = set.spec.template.spec.containers;
    expect(c?.image).toBe('postgres:16');
    expect(c?.env).toEqual(
      expect.arrayContaining([{ name: 'POSTGRES_PASSWORD', valueFrom: { secretKeyRef: { name: 'orders', key: 'password' } } }]),
    );
    expect(set.spec).toMatchObject({ volumeClaimTemplates: [{ spec: { resources: { requests: { storage: '5Gi' } } } }] });
    expect(get('Service', 'orders').spec).toMatchObject({ ports: [{ port: 5432 }] });
  });

  it('lets in only the services that use it, and lets them out to it', () => {
    const inbound = get('NetworkPolicy', 'orders').spec as { ingress: { from: unknown[] }[] };
    expect(inbound.ingress[0]?.from).toEqual([
      { podSelector: { matchLabels: { 'app.kubernetes.io/instance': 'shop', 'nimbus.dev/service': 'api' } } },
    ]);
    const outbound = (get('NetworkPolicy', 'api').spec as { egress: { to?: unknown[]; ports?: unknown[] }[] }).egress;
    expect(outbound).toContainEqual({
      to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'orders', 'app.kubernetes.io/instance': 'shop' } } }],
      ports: [{ port: 5432, protocol: 'TCP' }],
    });
  });

  it('has a recipe for every type the spec lets one provision (the list lives in the model, the recipes here)', () => {
    for (const type of PROVISIONABLE) expect(provisionRecipe(type), type).toBeDefined();
  });

  it('passes nimbus check with no error, and refuses what it cannot run', () => {
    expect(runChecks(rendered).filter((f) => f.severity === 'error')).toEqual([]);
    expect(() => loadApp([{ file: 'nimbus.yaml', text: spec.replace('type: postgres', 'type: kafka') }])).toThrowError(
      expect.objectContaining({ diagnostics: [expect.objectContaining({ message: "Nimbus cannot run a 'kafka'" })] }),
    );
  });
});

describe('mesh routes follow what a port speaks', () => {
  it('gives a TCP service no HTTP route, an HTTP one its VirtualService', () => {
    const text = `apiVersion: nimbus.dev/v1alpha1
kind: App
metadata: { name: meshy }
spec:
  mesh: { provider: istio }
  services:
    web: { image: web:1.0.0, ports: [{ port: 8080 }] }
    store: { image: store:1.0.0, ports: [{ port: 6379, protocol: tcp }] }
`;
    const objects = renderApp(loadApp([{ file: 'nimbus.yaml', text }]).spec).objects;
    const routes = objects.filter((o) => o.kind === 'VirtualService').map((o) => o.metadata.name);
    expect(routes).toContain('web');
    expect(routes).not.toContain('store');
    expect(objects.some((o) => o.kind === 'AuthorizationPolicy' && o.metadata.name === 'store')).toBe(true);
  });
});
