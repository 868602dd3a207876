import { describe, expect, it } from 'vitest';
import { isMap, isScalar, isSeq, LineCounter, type Node, parseAllDocuments } from 'yaml';
import { parseYamlSource } from '../src/yaml-source.js';

const TEXT = `# leading comment
apiVersion: v1
kind: Pod
metadata:
  name: a   # trailing
  labels: { app: x, tier: [web, "edge"] }
spec:
  containers:
    - name: c
      # a comment before a value
      image: b:1
      args:
        - --flag
        -   spaced
      script: |
        echo hi
---
---
kind: Service
metadata: {name: s}
spec:
  ports: [{port: 80}, {port: 81, name: two}]
`;

/** Every path of a value, leaves and collections. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out = [prefix];
  if (Array.isArray(value)) for (const [i, v] of value.entries()) out.push(...paths(v, [...prefix, i]));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
  return out;
}

/** Where the position-tracking parser puts a path (value or key), 1-based. */
function reference(
  doc: ReturnType<typeof parseAllDocuments>[number],
  counter: LineCounter,
  path: (string | number)[],
  at: 'key' | 'value',
) {
  let node: unknown = doc.contents;
  let start = (node as Node | null)?.range?.[0];
  for (const [i, seg] of path.entries()) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === seg);
      if (!pair) break;
      const chosen = i === path.length - 1 && at === 'key' ? pair.key : pair.value;
      start = (chosen as Node).range?.[0];
      node = pair.value;
    } else if (isSeq(node)) {
      node = node.items[seg as number];
      start = (node as Node).range?.[0];
    }
  }
  const pos = counter.linePos(start ?? 0);
  return { line: pos.line, column: pos.col };
}

describe('positions read with js-yaml, as the position-tracking parser reads them', () => {
  it('puts every value and key of every document where the full parser does', () => {
    const counter = new LineCounter();
    const docs = parseAllDocuments(TEXT, { lineCounter: counter }).filter((d) => d.toJS() !== null);
    const ours = parseYamlSource(TEXT, 'x.yaml').documents;
    expect(ours).toHaveLength(docs.length);
    ours.forEach((doc, d) => {
      for (const path of paths(doc.value))
        for (const at of ['value', 'key'] as const) {
          const { line, column } = doc.locate(path, at);
          expect({ path, at, line, column }).toEqual({ path, at, ...reference(docs[d] as (typeof docs)[number], counter, path, at) });
        }
    });
  });

  it('reports the deepest part of a path the document spells out', () => {
    const [pod] = parseYamlSource(TEXT, 'x.yaml').documents;
    expect(pod?.locate(['spec', 'containers', 0, 'resources', 'limits'])).toMatchObject({ line: 9, column: 7 });
    expect(pod?.has(['spec', 'containers', 0, 'image'])).toBe(true);
    expect(pod?.has(['spec', 'containers', 0, 'resources'])).toBe(false);
  });
});
