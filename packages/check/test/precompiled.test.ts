import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { type KubeObject, loadApp } from '@nimbus/model';
import { renderApp } from '@nimbus/render';
import type { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { crdValidatorSource, validatorSource } from '../src/schema-validation.js';

const root = new URL('../../../', import.meta.url).pathname;
const built = `${root}packages/check/dist/kubernetes-validators.cjs`;

describe('precompiled schema validators (the build writes them; the CLI loads them instead of compiling)', () => {
  it('judge every object exactly as the validators compiled at run time do', () => {
    expect(existsSync(built), 'run `npm run build` first: it precompiles the validators').toBe(true);
    const precompiled = createRequire(import.meta.url)(built) as Record<string, (o: unknown) => boolean> &
      Record<string, { errors?: unknown }>;
    const { ajv, refs } = validatorSource();
    const objects: KubeObject[] = renderApp(loadApp([{ text: readFileSync(`${root}examples/shop/nimbus.yaml`, 'utf8') }]).spec).objects;
    const broken = objects.map((o) => ({ ...o, spec: { ...(o.spec as object), bogus: 1, replicas: 'two' } }) as KubeObject);
    for (const o of [...objects, ...broken]) {
      const id = `kind_${`${o.apiVersion}|${o.kind}`.replace(/[^A-Za-z0-9]/g, '_')}`;
      if (!refs[id]) continue;
      const fast = precompiled[id] as ((o: unknown) => boolean) & { errors?: unknown };
      const slow = (ajv as Ajv).getSchema(id) as ((o: unknown) => boolean) & { errors?: unknown };
      expect(fast(o), `${o.kind} ${o.metadata.name}`).toBe(slow(o));
      expect(fast.errors ?? null).toEqual(slow.errors ?? null);
    }
  });

  it('judge custom resources exactly as the bundled CRD schemas compiled at run time do', () => {
    const file = `${root}packages/check/dist/crd-validators.cjs`;
    expect(existsSync(file), 'run `npm run build` first: it precompiles the validators').toBe(true);
    const precompiled = createRequire(import.meta.url)(file) as Record<string, ((o: unknown) => boolean) & { errors?: unknown }>;
    const { ajv, refs } = crdValidatorSource();
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
      const fast = precompiled[id] as ((o: unknown) => boolean) & { errors?: unknown };
      const slow = (ajv as Ajv).getSchema(id) as ((o: unknown) => boolean) & { errors?: unknown };
      expect(fast(o), `${o.kind}`).toBe(slow(o));
      expect(fast.errors ?? null).toEqual(slow.errors ?? null);
    }
  });
});
