import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { layoutTopology, topologySvg } from '@nimbus/cli';
import { loadApp } from '@nimbus/model';
import { resolveApp } from '@nimbus/render';
import { describe, expect, it } from 'vitest';

const root = new URL('../../../', import.meta.url).pathname;
const BOX_W = 170;

describe('topology layout', () => {
  const spec = loadApp([{ path: 'nimbus.yaml', text: readFileSync(join(root, 'examples/shop/nimbus.yaml'), 'utf8') }]).spec;
  const topology = layoutTopology(resolveApp(spec));

  it('puts callers above what they call, and routes an edge that skips layers through slots of its own', () => {
    const node = (id: string) => topology.nodes.find((n) => n.id === id);
    for (const e of topology.edges) expect((node(e.from)?.layer ?? 0) < (node(e.to)?.layer ?? 0)).toBe(true);
    // The worker calls the database and the cache from the top layer: its edges cross two layers between.
    const long = topology.edges.filter((e) => e.from === 'svc:worker');
    expect(long.map((e) => e.via?.length)).toEqual([2, 2]);
    for (const e of topology.edges) {
      for (const p of e.via ?? []) {
        const boxesInLayer = topology.nodes.filter((n) => n.y < p.y && p.y < n.y + 54);
        for (const n of boxesInLayer) expect(p.x < n.x || p.x > n.x + BOX_W, `${e.from}->${e.to} crosses ${n.id}`).toBe(true);
      }
    }
  });

  it('draws every node and edge deterministically', () => {
    const svg = topologySvg(topology);
    expect(svg).toBe(topologySvg(layoutTopology(resolveApp(spec))));
    expect(svg.match(/class="edge"/g)).toHaveLength(topology.edges.length);
    expect(svg.match(/<g class="node /g)).toHaveLength(topology.nodes.length);
  });
});
