import { readFileSync } from 'node:fs';
import { runChecks } from '@nimbus/check';
import { type KubeObject, loadApp } from '@nimbus/model';
import { renderApp } from '@nimbus/render';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const root = new URL('../../../', import.meta.url).pathname;
const example = renderApp(loadApp([{ text: readFileSync(`${root}examples/shop/nimbus.yaml`, 'utf8') }]).spec).objects;

/** Every path to a value inside an object, e.g. ['spec', 'template', 'spec', 'containers', 0, 'ports']. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value)) return [prefix, ...value.flatMap((v, i) => paths(v, [...prefix, i]))];
  if (value && typeof value === 'object') return [prefix, ...Object.entries(value).flatMap(([k, v]) => paths(v, [...prefix, k]))];
  return [prefix];
}

function replaced(o: KubeObject, path: (string | number)[], value: unknown): KubeObject {
  const copy = structuredClone(o) as Record<string | number, unknown>;
  let cur = copy;
  for (const seg of path.slice(0, -1)) cur = cur[seg] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (last !== undefined) cur[last] = value;
  return copy as KubeObject;
}

// Shapes the API server rejects: maps where lists belong, lists where maps belong, numbers for names, nulls.
const wrongShape = fc.oneof(
  fc.constant(null),
  fc.integer(),
  fc.string({ maxLength: 8 }),
  fc.constant({ web: { image: 'x:1' } }),
  fc.constant([{ a: 1 }, 'b']),
  fc.constant([]),
  fc.constant({}),
);

describe('checks on manifests of every shape', () => {
  it('never throw and never give up a rule, whatever field holds whatever value', () => {
    const candidates = example.flatMap((o, i) =>
      paths(o)
        .filter((p) => p.length > 1 && p[0] !== 'metadata')
        .map((p) => ({ i, p })),
    );
    fc.assert(
      fc.property(fc.constantFrom(...candidates), wrongShape, ({ i, p }, value) => {
        const objects = example.map((o, j) => (j === i ? replaced(o, p, value) : o));
        const findings = runChecks(objects);
        const gaveUp = findings.filter((f) => f.message.includes('could not read these objects'));
        expect(gaveUp, `${example[i]?.kind} ${p.join('.')} = ${JSON.stringify(value)}`).toEqual([]);
      }),
      { numRuns: 1500 },
    );
  });
});
