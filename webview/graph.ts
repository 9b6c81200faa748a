// d3-force graph of who talked to whom. The layout is computed up front (a fixed number of
// ticks, no animation) so that it costs nothing once drawn. Nodes are focusable, with
// aria-labels; Enter or a click filters the table to a node's flows. The alerted edge is
// drawn in the theme's red, thicker, with a label.
import { forceCenter, forceCollide, forceLink, forceManyBody, forceSimulation, forceX, forceY, max, scaleSqrt, select, zoom, type SimulationLinkDatum, type SimulationNodeDatum } from 'd3';
import type { FlowModel } from './flowModel.js';
import { moveFocus } from './dom.js';
import { buildGraph, type GraphEdge, type GraphNode, OTHER } from './graphModel.js';
import { clip, formatBytes, formatCount, shorten } from './format.js';

export interface GraphEvents {
  /** Filter the table to this node's flows ('' clears). */
  filter(text: string): void;
}

type SimNode = GraphNode & SimulationNodeDatum;
type SimEdge = Omit<GraphEdge, 'source' | 'target'> & SimulationLinkDatum<SimNode> & { source: SimNode; target: SimNode };

const MAX_LABELS = 30;

const KIND_TEXT: Record<GraphNode['kind'], string> = { pod: 'pod', service: 'service', node: 'node', external: 'external', unknown: 'address', none: 'address', other: 'other' };

export function renderGraph(container: HTMLElement, model: FlowModel, events: GraphEvents, maxNodes = 120): void {
  const root = select(container);
  root.selectAll('*').remove();
  const data = buildGraph(model, maxNodes);
  if (data.nodes.length === 0) {
    root.append('p').attr('class', 'muted').text('No endpoints to draw.');
    return;
  }
  const width = Math.max(360, container.clientWidth || 520);
  const height = Math.max(340, Math.min(560, 200 + data.nodes.length * 6));
  const byId = new Map<string, SimNode>();
  const nodes: SimNode[] = data.nodes.map((n) => {
    const s: SimNode = { ...n };
    byId.set(n.id, s);
    return s;
  });
  const edges: SimEdge[] = data.edges.map((e) => ({ ...e, source: byId.get(e.source) as SimNode, target: byId.get(e.target) as SimNode }));
  const maxBytes = Math.max(1, max(nodes, (n) => n.bytes) ?? 1);
  const radius = scaleSqrt().domain([0, maxBytes]).range([4, 18]);
  const stroke = scaleSqrt().domain([0, Math.max(1, max(edges, (e) => e.bytes) ?? 1)]).range([1, 7]);

  // Fewer nodes spread out more; many nodes pack closer so that they stay in view.
  const linkBase = Math.max(16, 90 - nodes.length / 2);
  // Labels for the busiest nodes and the alerted ones; every node has its title and aria-label.
  const labelled = new Set(nodes.filter((n) => n.alerted).map((n) => n.id));
  for (const n of [...nodes].sort((a, b) => b.bytes - a.bytes).slice(0, MAX_LABELS)) labelled.add(n.id);
  const sim = forceSimulation<SimNode>(nodes)
    .force('link', forceLink<SimNode, SimEdge>(edges).id((d) => d.id).distance((e) => linkBase + radius(e.source.bytes) + radius(e.target.bytes)).strength(0.4))
    .force('charge', forceManyBody<SimNode>().strength(-Math.min(320, 20000 / nodes.length)))
    .force('center', forceCenter(width / 2, height / 2))
    .force('x', forceX<SimNode>(width / 2).strength(0.06))
    .force('y', forceY<SimNode>(height / 2).strength(0.1))
    .force('collide', forceCollide<SimNode>((d) => radius(d.bytes) + 6))
    .stop();
  sim.tick(Math.min(300, 60 + nodes.length * 2));
  const pad = 30;
  for (const n of nodes) {
    n.x = Math.max(pad, Math.min(width - pad, n.x ?? width / 2));
    n.y = Math.max(pad, Math.min(height - pad, n.y ?? height / 2));
  }

  const svg = root.append('svg').attr('class', 'graph').attr('width', width).attr('height', height)
    .attr('viewBox', `0 0 ${width} ${height}`).attr('role', 'group').attr('aria-label', 'Who talked to whom: arrow keys move between endpoints, Enter filters the table');
  const defs = svg.append('defs');
  for (const [id, cls] of [['fs-arrow', 'arrow'], ['fs-arrow-alert', 'arrow alerted']]) {
    defs.append('marker').attr('id', id).attr('class', cls).attr('viewBox', '0 -4 8 8').attr('refX', 8).attr('refY', 0)
      .attr('markerWidth', 6).attr('markerHeight', 6).attr('markerUnits', 'userSpaceOnUse').attr('orient', 'auto')
      .append('path').attr('d', 'M0,-4L8,0L0,4Z');
  }
  const layer = svg.append('g').attr('class', 'layer');
  svg.call(zoom<SVGSVGElement, unknown>().scaleExtent([0.3, 5]).filter((e: Event) => e.type !== 'dblclick').on('zoom', (e: { transform: { toString(): string } }) => layer.attr('transform', e.transform.toString())));

  const edgeTitle = (e: SimEdge): string =>
    `${e.source.label} → ${e.target.label}\n${formatBytes(e.bytes)} in ${formatCount(e.flows)} flow${e.flows === 1 ? '' : 's'} (${e.services.join(', ')})${e.alerted ? '\nthe alerted flow' : ''}`;
  const ends = (e: SimEdge): { x1: number; y1: number; x2: number; y2: number } => {
    const sx = e.source.x ?? 0, sy = e.source.y ?? 0, tx = e.target.x ?? 0, ty = e.target.y ?? 0;
    const d = Math.hypot(tx - sx, ty - sy) || 1;
    const rs = radius(e.source.bytes) + 1, rt = radius(e.target.bytes) + 3;
    return { x1: sx + ((tx - sx) * rs) / d, y1: sy + ((ty - sy) * rs) / d, x2: tx - ((tx - sx) * rt) / d, y2: ty - ((ty - sy) * rt) / d };
  };
  const edgeSel = layer.append('g').attr('class', 'edges').selectAll('path').data([...edges].reverse()).join('path')
    .attr('class', (e) => `edge${e.alerted ? ' alerted' : ''}${edges.length > 80 && !e.alerted ? ' faint' : ''}`)
    .attr('d', (e) => {
      const p = ends(e);
      return `M${p.x1},${p.y1}L${p.x2},${p.y2}`;
    })
    .attr('stroke-width', (e) => (e.alerted ? Math.max(stroke(e.bytes) + 3, 6) : stroke(e.bytes)))
    .attr('marker-end', (e) => `url(#${e.alerted ? 'fs-arrow-alert' : 'fs-arrow'})`);
  edgeSel.append('title').text(edgeTitle);

  const alertedEdges = edges.filter((e) => e.alerted);
  // The label sits past the target end of the edge (the far side from the busy source).
  const labelAt = (e: SimEdge): { x: number; y: number } => {
    const sx = e.source.x ?? 0, sy = e.source.y ?? 0, tx = e.target.x ?? 0, ty = e.target.y ?? 0;
    const d = Math.hypot(tx - sx, ty - sy) || 1;
    const r = radius(e.target.bytes) + 6;
    return { x: Math.max(4, Math.min(width - 4, tx + ((tx - sx) / d) * r)), y: Math.max(12, Math.min(height - 4, ty + ((ty - sy) / d) * r + 14)) };
  };
  layer.append('g').attr('class', 'edge-labels').selectAll('text').data(alertedEdges).join('text')
    .attr('class', 'edge-label alerted')
    .attr('x', (e) => labelAt(e).x)
    .attr('y', (e) => labelAt(e).y)
    .attr('text-anchor', (e) => (labelAt(e).x < width / 2 ? 'start' : 'end'))
    .text((e) => `⚑ alert ${shorten(e.services.join(', '), 40)} · ${formatBytes(e.bytes)}`);

  const nodeSel = layer.append('g').attr('class', 'nodes').selectAll<SVGGElement, SimNode>('g').data(nodes).join('g')
    .attr('class', (n) => `node kind-${n.kind}${n.alerted ? ' alerted' : ''}`)
    .attr('transform', (n) => `translate(${n.x ?? 0},${n.y ?? 0})`)
    .attr('tabindex', (_n, i) => (i === 0 ? 0 : -1))
    .attr('role', 'button')
    .attr('aria-label', (n) => clip(`${KIND_TEXT[n.kind]} ${n.label}: ${formatBytes(n.bytes)} in ${formatCount(n.flows)} flows${n.alerted ? ', part of the alerted flow' : ''}${n.id === OTHER ? '' : '. Enter filters the table to its flows'}`, 400));
  nodeSel.append('circle').attr('r', (n) => radius(n.bytes));
  const places = placeLabels(nodes.filter((n) => labelled.has(n.id)), radius, width, height);
  nodeSel.filter((n) => places.has(n.id)).append('text').attr('class', 'node-label')
    .attr('x', (n) => places.get(n.id)?.dx ?? 0).attr('y', (n) => places.get(n.id)?.dy ?? 0).attr('dy', '0.35em')
    .attr('text-anchor', (n) => places.get(n.id)?.anchor ?? 'start')
    .text((n) => shorten(n.label, 34));
  nodeSel.append('title').text((n) => `${KIND_TEXT[n.kind]} ${n.label}\n${formatBytes(n.bytes)} in ${formatCount(n.flows)} flows`);

  const highlight = (n: SimNode | null): void => {
    svg.classed('focused', n !== null);
    edgeSel.classed('hl', (e) => n !== null && (e.source === n || e.target === n));
    nodeSel.classed('hl', (m) => n !== null && (m === n || edges.some((e) => (e.source === n && e.target === m) || (e.target === n && e.source === m))));
  };
  const choose = (n: SimNode): void => events.filter(n.id === OTHER ? '' : n.filter);
  nodeSel
    .on('focus', (_e: FocusEvent, n) => highlight(n))
    .on('blur', () => highlight(null))
    .on('mouseenter', (_e: MouseEvent, n) => highlight(n))
    .on('mouseleave', () => highlight(null))
    .on('click', (_e: MouseEvent, n) => choose(n))
    .on('keydown', function (e: KeyboardEvent, n) {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        choose(n);
      } else if (moveFocus(nodeSel.nodes(), this, e.key)) {
        e.preventDefault();
      }
    });

  const legend = root.append('div').attr('class', 'legend');
  for (const [cls, text] of [['kind-pod', 'pod'], ['kind-service', 'service'], ['kind-node', 'node'], ['kind-external', 'external'], ['kind-unknown', 'unknown address'], ['kind-other', 'other']]) {
    const item = legend.append('span').attr('class', `item ${cls}`);
    item.append('span').attr('class', 'swatch');
    item.append('span').text(text);
  }
  legend.append('span').attr('class', 'item edge-alerted').call((s) => s.append('span').attr('class', 'swatch'))
    .append('span').text('alerted flow');
  if (data.merged > 0) legend.append('span').attr('class', 'item note').text(`${formatCount(data.merged)} smaller endpoints merged into "other"`);
}

interface Place {
  dx: number;
  dy: number;
  anchor: 'start' | 'middle' | 'end';
}

/** Greedy label placement, busiest node first: right, left, below or above the circle,
 *  whichever overlaps no label and no circle placed so far (else right). Text boxes are
 *  estimated (11px font), which is enough to keep labels apart. */
function placeLabels(nodes: SimNode[], radius: (b: number) => number, width: number, height: number): Map<string, Place> {
  type Box = [number, number, number, number];
  const boxes: Box[] = nodes.map((n) => {
    const r = radius(n.bytes);
    return [(n.x ?? 0) - r, (n.y ?? 0) - r, (n.x ?? 0) + r, (n.y ?? 0) + r];
  });
  const hits = (b: Box, skip: number): boolean => b[0] < 0 || b[2] > width || b[1] < 0 || b[3] > height
    || boxes.some((o, i) => i !== skip && b[0] < o[2] && o[0] < b[2] && b[1] < o[3] && o[1] < b[3]);
  const out = new Map<string, Place>();
  const order = nodes.map((n, i) => ({ n, i })).sort((a, b) => b.n.bytes - a.n.bytes);
  for (const { n, i } of order) {
    const x = n.x ?? 0, y = n.y ?? 0, r = radius(n.bytes);
    const w = Math.min(34, n.label.length) * 6.3, h = 13;
    const candidates: [Place, Box][] = [
      [{ dx: r + 4, dy: 0, anchor: 'start' }, [x + r + 4, y - h / 2, x + r + 4 + w, y + h / 2]],
      [{ dx: -r - 4, dy: 0, anchor: 'end' }, [x - r - 4 - w, y - h / 2, x - r - 4, y + h / 2]],
      [{ dx: 0, dy: r + 9, anchor: 'middle' }, [x - w / 2, y + r + 2, x + w / 2, y + r + 2 + h]],
      [{ dx: 0, dy: -r - 9, anchor: 'middle' }, [x - w / 2, y - r - 2 - h, x + w / 2, y - r - 2]],
    ];
    const pick = candidates.find(([, b]) => !hits(b, i)) ?? candidates[0];
    out.set(n.id, pick[0]);
    boxes.push(pick[1]);
  }
  return out;
}
