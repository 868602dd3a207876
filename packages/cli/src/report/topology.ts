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
  /** Where an edge spanning several layers passes through the layers between (centres of its reserved slots). */
  via?: { x: number; y: number }[];
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
/** The slot a long edge reserves in each layer it crosses, so it never runs behind a box. */
const PASS_W = 24;

type NodeInfo = Omit<TopologyNode, 'layer' | 'x' | 'y'>;

/** The nodes (ingress, services, resources) and the call edges between them. */
function graphOf(app: ResolvedApp): { edges: TopologyEdge[]; ids: string[]; nodeInfo: Map<string, NodeInfo> } {
  const edges: TopologyEdge[] = [];
  const ids: string[] = [];
  const nodeInfo = new Map<string, NodeInfo>();
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

  return { edges, ids, nodeInfo };
}

/** Lays the app out in layers: callers above the services and resources they depend on. */
export function layoutTopology(app: ResolvedApp): Topology {
  const { edges, ids, nodeInfo } = graphOf(app);

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

  // An edge spanning several layers passes through a narrow slot of its own in each layer between.
  const passes = new Map<string, string[]>();
  const links: TopologyEdge[] = [];
  const layerOf = new Map(layer);
  edges.forEach((e, n) => {
    const from = layer.get(e.from) ?? 0;
    const to = layer.get(e.to) ?? 0;
    if (to - from <= 1) {
      links.push(e);
      return;
    }
    const chain = Array.from({ length: to - from - 1 }, (_, k) => `pass:${n}:${k}`);
    chain.forEach((id, k) => {
      layerOf.set(id, from + 1 + k);
    });
    passes.set(`${e.from}>${e.to}`, chain);
    [e.from, ...chain, e.to].forEach((id, k, all) => {
      if (k > 0) links.push({ from: all[k - 1] as string, to: id });
    });
  });

  const layers: string[][] = [];
  for (const id of [...ids, ...[...passes.values()].flat()]) {
    const index = layerOf.get(id) ?? 0;
    layers[index] = [...(layers[index] ?? []), id];
  }
  // Order each layer by the mean position of its callers: fewer edge crossings.
  const position = new Map<string, number>();
  layers.forEach((row, li) => {
    if (li > 0) {
      const mean = (id: string) => {
        const parents = links.filter((e) => e.to === id && position.has(e.from)).map((e) => position.get(e.from) as number);
        return parents.length ? parents.reduce((a, b) => a + b, 0) / parents.length : Number.POSITIVE_INFINITY;
      };
      row.sort((a, b) => mean(a) - mean(b) || (a < b ? -1 : 1));
    }
    row.forEach((id, i) => {
      position.set(id, i - (row.length - 1) / 2);
    });
  });
  const slot = (id: string) => (id.startsWith('pass:') ? PASS_W : BOX_W);
  const rowWidth = (row: string[]) => row.reduce((w, id) => w + slot(id), 0) + (row.length - 1) * GAP_X;
  const width = Math.max(BOX_W, ...layers.map((row) => rowWidth(row ?? []))) + 2 * GAP_X;
  const nodes: TopologyNode[] = [];
  const centre = new Map<string, { x: number; y: number }>();
  layers.forEach((row, li) => {
    let x = (width - rowWidth(row)) / 2;
    const y = GAP_Y / 2 + li * (BOX_H + GAP_Y);
    for (const id of row) {
      centre.set(id, { x: x + slot(id) / 2, y: y + BOX_H / 2 });
      const info = nodeInfo.get(id);
      if (info) nodes.push({ ...info, layer: li, x, y });
      x += slot(id) + GAP_X;
    }
  });
  const routed = edges.map((e) => {
    const chain = passes.get(`${e.from}>${e.to}`);
    return chain ? { ...e, via: chain.map((id) => centre.get(id) as { x: number; y: number }) } : e;
  });
  return { nodes, edges: routed, width, height: layers.length * (BOX_H + GAP_Y) };
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function topologySvg(t: Topology): string {
  const byId = new Map(t.nodes.map((n) => [n.id, n]));
  const arrows = t.edges
    .map((e) => {
      const a = byId.get(e.from);
      const b = byId.get(e.to);
      if (!a || !b) return '';
      // Bottom of the caller, through each reserved slot (straight down it), into the top of the callee.
      const points = [
        { x: a.x + BOX_W / 2, y: a.y + BOX_H },
        ...(e.via ?? []).flatMap((p) => [
          { x: p.x, y: p.y - BOX_H / 2 },
          { x: p.x, y: p.y + BOX_H / 2 },
        ]),
        { x: b.x + BOX_W / 2, y: b.y - 4 },
      ];
      let d = `M${points[0]?.x},${points[0]?.y}`;
      for (let i = 1; i < points.length; i++) {
        const p = points[i - 1] as { x: number; y: number };
        const q = points[i] as { x: number; y: number };
        const midY = (p.y + q.y) / 2;
        d += p.x === q.x ? ` L${q.x},${q.y}` : ` C${p.x},${midY} ${q.x},${midY} ${q.x},${q.y}`;
      }
      return `<path d="${d}" class="edge" marker-end="url(#arrow)"/>`;
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
