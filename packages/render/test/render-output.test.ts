import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadApp } from '@nimbus/model';
import { renderApp } from '@nimbus/render';
import { describe, expect, it } from 'vitest';

const root = new URL('../../../', import.meta.url).pathname;
const specDirs = [
  join(root, 'examples/shop'),
  ...readdirSync(join(root, 'test/fixtures/specs')).map((d) => join(root, 'test/fixtures/specs', d)),
];

/** Every object and array in the rendered objects, with the path it was met at. */
function* nodesOf(value: unknown, path: string): Generator<[object, string]> {
  if (value === null || typeof value !== 'object') return;
  yield [value, path];
  for (const [k, v] of Object.entries(value)) yield* nodesOf(v, `${path}.${k}`);
}

function renderFixture(dir: string) {
  const inputs = readdirSync(dir)
    .filter((f) => /^(nimbus|score)\b.*\.ya?ml$/.test(f))
    .map((f) => ({ file: f, text: readFileSync(join(dir, f), 'utf8') }));
  expect(inputs.length).toBeGreaterThan(0);
  const loaded = loadApp(inputs, { appName: 'fixture', readFile: () => '' });
  return { spec: loaded.spec, objects: renderApp(loaded.spec).objects };
}

/** Where each object and array of the rendered objects was met, failing on one met twice or holding undefined. */
function ownedNodes(objects: readonly { kind: string; metadata: { name?: string } }[]): Map<object, string> {
  const metAt = new Map<object, string>();
  for (const o of objects) {
    for (const [node, path] of nodesOf(o, `${o.kind}/${o.metadata.name}`)) {
      expect(metAt.get(node), `${path} is the same object as ${metAt.get(node)}`).toBeUndefined();
      metAt.set(node, path);
      if (!Array.isArray(node)) for (const [k, v] of Object.entries(node)) expect(v, `${path}.${k}`).not.toBeUndefined();
    }
  }
  return metAt;
}

describe('rendered objects', () => {
  for (const dir of specDirs) {
    it(`hold no undefined field and share no object or array (${dir.slice(root.length)})`, () => {
      const { spec, objects } = renderFixture(dir);
      const metAt = ownedNodes(objects);
      // Nor do they share anything with the spec they came from.
      for (const [node, path] of nodesOf(spec, 'spec')) expect(metAt.get(node), `${path} is in the output`).toBeUndefined();
    });
  }
});
