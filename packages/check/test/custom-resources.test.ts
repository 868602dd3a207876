import { readFileSync } from 'node:fs';
import { runChecks } from '@nimbus/check';
import { type KubeObject, loadApp } from '@nimbus/model';
import { renderApp } from '@nimbus/render';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

const objects = (text: string): KubeObject[] => parseAllDocuments(text).map((d) => d.toJS() as KubeObject);
const schemaFindings = (text: string) =>
  runChecks(objects(text))
    .filter((f) => f.ruleId.startsWith('schema'))
    .map((f) => ({ kind: f.resource?.kind, path: f.path, message: f.message, ruleId: f.ruleId }));

const root = new URL('../../../', import.meta.url).pathname;

describe('custom resources validated offline against the bundled CRD schemas', () => {
  it('finds misspelt fields, wrong types, bad enums and exclusive fields in Istio, Gateway API, Argo CD and Prometheus Operator objects', () => {
    const found = schemaFindings(`apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews }
spec:
  hosts: [reviews]
  http:
    - match: [{ uri: { prefix: /v1, exact: /v2 } }]
      route: [{ destination: { host: reviews }, weight: "50" }]
      timeoutt: 3s
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: r }
spec:
  parentRefs: [{ name: gw }]
  rules: [{ backendRefs: [{ name: svc, port: 80 }], matches: [{ path: { type: Prefix, value: / } }] }]
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: { name: app }
spec:
  project: default
  source: { repoURL: https://example.com/x.git, path: ., targetRevision: HEAD }
  destination: { server: https://kubernetes.default.svc, namespace: shop }
  syncPolicy: { automated: { prune: true, selfheal: true } }
---
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata: { name: sm }
spec:
  selector: { matchLabels: { app: x } }
  endpoints: { port: http }
`);
    expect(found).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          kind: 'VirtualService',
          path: 'spec.http[0].match[0].uri',
          message: expect.stringContaining('exclude each other'),
        }),
        expect.objectContaining({ kind: 'VirtualService', path: 'spec.http[0].route[0].weight', message: 'must be integer' }),
        expect.objectContaining({ kind: 'VirtualService', path: 'spec.http[0].timeoutt', message: "unknown field 'timeoutt'" }),
        expect.objectContaining({
          kind: 'HTTPRoute',
          path: 'spec.rules[0].matches[0].path.type',
          message: expect.stringContaining('"PathPrefix"'),
        }),
        expect.objectContaining({ kind: 'Application', path: 'spec.syncPolicy.automated.selfheal' }),
        expect.objectContaining({ kind: 'ServiceMonitor', path: 'spec.endpoints', message: 'must be array' }),
      ]),
    );
    expect(found.filter((f) => f.ruleId === 'schema-unknown-kind')).toEqual([]);
  });

  it('accepts well-formed objects of every bundled family', () => {
    expect(
      schemaFindings(`apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: reviews, namespace: shop }
spec: { host: reviews, subsets: [{ name: v1, labels: { version: v1 } }], trafficPolicy: { tls: { mode: ISTIO_MUTUAL } } }
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: allow, namespace: shop }
spec: { action: ALLOW, rules: [{ from: [{ source: { principals: [cluster.local/ns/shop/sa/web] } }] }] }
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: gw, namespace: shop }
spec: { gatewayClassName: traefik, listeners: [{ name: http, protocol: HTTP, port: 80 }] }
---
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata: { name: rules, namespace: shop }
spec: { groups: [{ name: g, rules: [{ alert: Down, expr: up == 0, for: 5m, labels: { severity: page } }] }] }
---
apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata: { name: p, namespace: argocd }
spec: { sourceRepos: ['*'], destinations: [{ server: https://kubernetes.default.svc, namespace: '*' }] }
`),
    ).toEqual([]);
  });

  it('validates what Nimbus renders for Istio, the Gateway API and the Prometheus Operator with no finding', () => {
    for (const fixture of ['mesh-istio', 'mesh-gateway-api']) {
      const text = readFileSync(`${root}test/fixtures/specs/${fixture}/nimbus.yaml`, 'utf8');
      const rendered = renderApp(loadApp([{ file: 'nimbus.yaml', text }]).spec).objects;
      const custom = rendered.filter((o) => /istio\.io|gateway\.networking|monitoring\.coreos/.test(o.apiVersion));
      expect(custom.length, fixture).toBeGreaterThan(0);
      const findings = runChecks(rendered).filter((f) => f.ruleId.startsWith('schema'));
      expect(findings, fixture).toEqual([]);
    }
  });

  it('reads a malformed custom object shaped after its schema, so mesh rules report and never crash', () => {
    const found = runChecks(
      objects(`apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: v }
spec: { hosts: reviews, http: { route: 1 } }
`),
    );
    expect(found.some((f) => f.ruleId === 'schema' && f.path === 'spec.hosts')).toBe(true);
    expect(found.some((f) => f.ruleId === 'schema' && f.path === 'spec.http')).toBe(true);
  });
});

describe('a CustomResourceDefinition in the checked set validates the objects beside it', () => {
  const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: { name: widgets.example.com }
spec:
  group: example.com
  names: { kind: Widget, plural: widgets }
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              required: [size]
              properties:
                size: { type: integer, minimum: 1 }
                colour: { type: string, enum: [red, blue] }
    - name: v0
      served: false
      storage: false
      schema: { openAPIV3Schema: { type: object } }
`;

  it('reports the custom object against its own CRD', () => {
    const found = schemaFindings(`${crd}---
apiVersion: example.com/v1
kind: Widget
metadata: { name: w }
spec: { colour: green, shape: round }
`);
    expect(found.map((f) => f.path).sort()).toEqual(['spec.colour', 'spec.shape', 'spec.size']);
  });

  it('without its CRD the same object is only "not validated"; an unserved version is not a schema', () => {
    expect(schemaFindings('apiVersion: example.com/v1\nkind: Widget\nmetadata: { name: w }\nspec: {}\n')).toEqual([
      expect.objectContaining({ ruleId: 'schema-unknown-kind' }),
    ]);
    expect(schemaFindings(`${crd}---\napiVersion: example.com/v0\nkind: Widget\nmetadata: { name: w }\n`)).toEqual([
      expect.objectContaining({ ruleId: 'schema-unknown-kind', kind: 'Widget' }),
    ]);
  });
});
