import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { type KubeObject, loadApp } from '@nimbus/model';
import { renderApp } from '@nimbus/render';
import type { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { COMMON_KINDS, crdValidatorSource, validatorSource } from '../src/schema-validation.js';

const root = new URL('../../../', import.meta.url).pathname;
const dist = `${root}packages/check/dist/`;
type Validator = ((o: unknown) => boolean) & { errors?: unknown };

describe('precompiled schema validators (the build writes them; the CLI loads them instead of compiling)', () => {
  it('judge every object exactly as the validators compiled at run time do, common kinds and the others', () => {
    const { ajv, files } = validatorSource();
    const precompiled: Record<string, Validator> = {};
    for (const [file, refs] of Object.entries(files)) {
      expect(existsSync(dist + file), 'run `npm run build` first: it precompiles the validators').toBe(true);
      const loaded = createRequire(import.meta.url)(dist + file) as Record<string, Validator>;
      // Each file holds its own kinds: the common ones apart, so ordinary manifests load only those.
      expect(Object.keys(loaded).sort()).toEqual(Object.keys(refs).sort());
      Object.assign(precompiled, loaded);
    }
    const ids = (keys: Iterable<string>) => [...keys].map((k) => `kind_${k.replace(/[^A-Za-z0-9]/g, '_')}`);
    for (const id of ids(COMMON_KINDS)) expect(precompiled[id], `${id} is a kind of the schema`).toBeTypeOf('function');
    const objects: KubeObject[] = renderApp(loadApp([{ text: readFileSync(`${root}examples/shop/nimbus.yaml`, 'utf8') }]).spec).objects;
    const others: KubeObject[] = [
      {
        apiVersion: 'v1',
        kind: 'ReplicationController',
        metadata: { name: 'rc' },
        spec: { template: { spec: { containers: [{ name: 'a' }] } } },
      },
      { apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'l' }, spec: { limits: [{ type: 'Container', max: { cpu: 2 } }] } },
      { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'p' }, value: 'high' },
    ];
    const broken = [...objects, ...others].map((o) => ({ ...o, spec: { ...(o.spec as object), bogus: 1, replicas: 'two' } }) as KubeObject);
    let judged = 0;
    for (const o of [...objects, ...others, ...broken]) {
      const [id] = ids([`${o.apiVersion}|${o.kind}`]);
      const fast = precompiled[id as string];
      if (!fast) continue;
      const slow = (ajv as Ajv).getSchema(id as string) as Validator;
      expect(fast(o), `${o.kind} ${o.metadata.name}`).toBe(slow(o));
      expect(fast.errors ?? null).toEqual(slow.errors ?? null);
      judged++;
    }
    expect(judged).toBeGreaterThan(2 * objects.length);
  });

  it('judge custom resources exactly as the bundled CRD schemas compiled at run time do', () => {
    const file = `${root}packages/check/dist/crd-validators.cjs`;
    expect(existsSync(file), 'run `npm run build` first: it precompiles the validators').toBe(true);
    const precompiled = createRequire(import.meta.url)(file) as Record<string, Validator>;
    const { ajv, files } = crdValidatorSource();
    const refs = Object.assign({}, ...Object.values(files)) as Record<string, string>;
    const samples = [
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: { name: 'v' },
        spec: { hosts: ['a'], http: [{ route: [{ destination: { host: 'a' } }] }] },
      },
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: { name: 'v' },
        spec: { hosts: 'a', http: [{ match: [{ uri: { exact: '/', prefix: '/' } }] }] },
      },
      {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: { name: 'r' },
        spec: { rules: [{ matches: [{ path: { type: 'Prefix' } }] }] },
      },
      {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'ServiceMonitor',
        metadata: { name: 's' },
        spec: { selector: {}, endpoints: [{ port: 'http' }] },
      },
    ];
    for (const o of samples) {
      const id = `crd_${`${o.apiVersion}|${o.kind}`.replace(/[^A-Za-z0-9]/g, '_')}`;
      expect(refs[id], id).toBeTruthy();
      const fast = precompiled[id] as Validator;
      const slow = (ajv as Ajv).getSchema(id) as Validator;
      expect(fast(o), `${o.kind}`).toBe(slow(o));
      expect(fast.errors ?? null).toEqual(slow.errors ?? null);
    }
  });
});
