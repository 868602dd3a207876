import type { ResolvedApp } from '@nimbus/render';

export interface TopologyNode {
  id: string;
  label: string;
  detail: string;
  kind: 'ingress' | 'service' | 'resource';
  layer: number;
  x: number;
  y: number;
}

export interface TopologyEdge {
  from: string;
  to: string;
}

export interface Topology {
  nodes: TopologyNode[];
  edges: TopologyEdge[];
  width: number;
  height: number;
}

const BOX_W = 170;
const BOX_H = 54;
const GAP_X = 40;
const GAP_Y = 70;

/** Lays the app out in layers: callers above the services and resources they depend on. */
export function layoutTopology(app: ResolvedApp): Topology {
  const edges: TopologyEdge[] = [];
  const ids: string[] = [];
  const nodeInfo = new Map<string, Omit<TopologyNode, 'layer' | 'x' | 'y'>>();
  const exposed = app.services.filter((s) => s.spec.expose);
  if (exposed.length) {
    nodeInfo.set('ingress', {
      id: 'ingress',
      label: 'Ingress',
      detail: exposed.map((s) => s.spec.expose?.host).join(', '),
      kind: 'ingress',
    });
    ids.push('ingress');
    for (const s of exposed) edges.push({ from: 'ingress', to: `svc:${s.name}` });
  }
  for (const s of app.services) {
    const scale = s.autoscaling ? `${s.autoscaling.min}–${s.autoscaling.max} pods (HPA)` : `${s.replicas} pods`;
    nodeInfo.set(`svc:${s.name}`, { id: `svc:${s.name}`, label: s.name, detail: scale, kind: 'service' });
    ids.push(`svc:${s.name}`);
    for (const d of s.dependsOnServices) edges.push({ from: `svc:${s.name}`, to: `svc:${d}` });
    for (const r of s.dependsOnResources) edges.push({ from: `svc:${s.name}`, to: `res:${r.name}` });
  }
  for (const r of app.resources) {
    nodeInfo.set(`res:${r.name}`, {
      id: `res:${r.name}`,
      label: r.name,
      detail: `${r.type}${r.port ? `:${r.port}` : ''}`,
      kind: 'resource',
    });
    ids.push(`res:${r.name}`);
  }

  // Longest-path layering; dependency cycles are cut by the visiting guard.
  const layer = new Map<string, number>();
  const visiting = new Set<string>();
  const depth = (id: string): number => {
    const known = layer.get(id);
    if (known !== undefined) return known;
    if (visiting.has(id)) return 0;
    visiting.add(id);
    const parents = edges.filter((e) => e.to === id).map((e) => depth(e.from) + 1);
    visiting.delete(id);
    const d = Math.max(0, ...parents);
    layer.set(id, d);
    return d;
  };
  for (const id of ids) depth(id);

  const layers: string[][] = [];
  for (const id of ids) {
    const index = layer.get(id) ?? 0;
    layers[index] = [...(layers[index] ?? []), id];
  }
  // Order each layer by the mean position of its callers: fewer edge crossings.
  const position = new Map<string, number>();
  layers.forEach((row, li) => {
    if (li > 0) {
      const mean = (id: string) => {
        const parents = edges.filter((e) => e.to === id && position.has(e.from)).map((e) => position.get(e.from) as number);
        return parents.length ? parents.reduce((a, b) => a + b, 0) / parents.length : Number.POSITIVE_INFINITY;
      };
      row.sort((a, b) => mean(a) - mean(b) || (a < b ? -1 : 1));
    }
    row.forEach((id, i) => {
      position.set(id, i - (row.length - 1) / 2);
    });
  });
  const widest = Math.max(1, ...layers.map((l) => l?.length ?? 0));
  const width = widest * (BOX_W + GAP_X) + GAP_X;
  const nodes: TopologyNode[] = [];
  layers.forEach((row, li) => {
    const rowWidth = row.length * (BOX_W + GAP_X) - GAP_X;
    row.forEach((id, i) => {
      const info = nodeInfo.get(id) as Omit<TopologyNode, 'layer' | 'x' | 'y'>;
      nodes.push({ ...info, layer: li, x: (width - rowWidth) / 2 + i * (BOX_W + GAP_X), y: GAP_Y / 2 + li * (BOX_H + GAP_Y) });
    });
  });
  return { nodes, edges, width, height: layers.length * (BOX_H + GAP_Y) };
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function topologySvg(t: Topology): string {
  const byId = new Map(t.nodes.map((n) => [n.id, n]));
  const arrows = t.edges
    .map((e) => {
      const a = byId.get(e.from);
      const b = byId.get(e.to);
      if (!a || !b) return '';
      const x1 = a.x + BOX_W / 2;
      const y1 = a.y + BOX_H;
      const x2 = b.x + BOX_W / 2;
      const y2 = b.y;
      return `<path d="M${x1},${y1} C${x1},${(y1 + y2) / 2} ${x2},${(y1 + y2) / 2} ${x2},${y2 - 4}" class="edge" marker-end="url(#arrow)"/>`;
    })
    .join('');
  const boxes = t.nodes
    .map(
      (n) =>
        `<g class="node ${n.kind}" transform="translate(${n.x},${n.y})"><rect width="${BOX_W}" height="${BOX_H}" rx="8"/>` +
        `<text x="${BOX_W / 2}" y="22" class="label">${esc(n.label)}</text>` +
        `<text x="${BOX_W / 2}" y="41" class="detail">${esc(n.detail.length > 26 ? `${n.detail.slice(0, 25)}…` : n.detail)}</text></g>`,
    )
    .join('');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${t.width} ${t.height}" width="${t.width}" height="${t.height}" role="img" aria-label="Service topology">` +
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#64748b"/></marker></defs>' +
    `${arrows}${boxes}</svg>`
  );
}
