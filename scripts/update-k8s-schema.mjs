// Derives the Kubernetes object schemas `nimbus check` validates against from a
// live API server's OpenAPI v3 (the testbed's, so the version is pinned):
// descriptions dropped, every group merged, refs rewritten to one definitions map.
// Usage: node scripts/update-k8s-schema.mjs KUBECONFIG
import { writeFileSync } from 'node:fs';
import { KubeClient } from '@nimbus/kube';

const kubeconfig = process.argv[2] ?? process.env.NIMBUS_TEST_KUBECONFIG;
if (!kubeconfig) throw new Error('usage: update-k8s-schema.mjs KUBECONFIG');
const client = await KubeClient.connect({ kubeconfig });
const http = client.http;

const KEEP = new Set([
  'type',
  'format',
  'properties',
  'additionalProperties',
  'items',
  'required',
  'enum',
  'allOf',
  'oneOf',
  'anyOf',
  '$ref',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-int-or-string',
  'x-kubernetes-embedded-resource',
  'x-kubernetes-group-version-kind',
]);

function trim(node) {
  if (Array.isArray(node)) return node.map(trim);
  if (node === null || typeof node !== 'object') return node;
  const out = {};
  for (const [k, v] of Object.entries(node)) {
    if (!KEEP.has(k)) continue;
    if (k === '$ref') out.$ref = v.replace('#/components/schemas/', '#/definitions/');
    else if (k === 'properties') out.properties = Object.fromEntries(Object.entries(v).map(([p, s]) => [p, trim(s)]));
    else out[k] = trim(v);
  }
  // OpenAPI v3 wraps a lone $ref in allOf to attach a description; unwrap it.
  if (out.allOf?.length === 1 && Object.keys(out).length === 1) return out.allOf[0];
  return out;
}

const version = (await http.send({ method: 'GET', path: '/version' })).body.gitVersion;
const index = (await http.send({ method: 'GET', path: '/openapi/v3' })).body.paths;
const definitions = {};
const gvk = {};
for (const path of Object.keys(index).sort()) {
  if (!/^(api\/v1|apis\/[^/]+\/[^/]+)$/.test(path)) continue;
  const doc = (await http.send({ method: 'GET', path: `/openapi/v3/${path}` })).body;
  for (const [name, schema] of Object.entries(doc.components?.schemas ?? {})) {
    const t = trim(schema);
    for (const g of schema['x-kubernetes-group-version-kind'] ?? []) {
      const apiVersion = g.group ? `${g.group}/${g.version}` : g.version;
      if (t.properties?.metadata && t.properties?.apiVersion) gvk[`${apiVersion}|${g.kind}`] ??= name;
    }
    delete t['x-kubernetes-group-version-kind'];
    definitions[name] = t;
  }
}
client.close();
const sorted = (o) =>
  Object.fromEntries(
    Object.keys(o)
      .sort()
      .map((k) => [k, o[k]]),
  );
const out = { kubernetesVersion: version, kinds: sorted(gvk), definitions: sorted(definitions) };
const file = new URL(`../packages/check/src/kubernetes-schema.json`, import.meta.url);
writeFileSync(file, `${JSON.stringify(out)}\n`);
console.log(`wrote ${Object.keys(gvk).length} kinds, ${Object.keys(definitions).length} definitions for ${version} to ${file.pathname}`);
