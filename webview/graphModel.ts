// Who talked to whom: endpoints grouped by identity (pod, service, node, external or unknown
// IP), flows aggregated into edges, bounded to the busiest nodes (the rest become "other").
import type { EndpointView, FlowModel } from './flowModel.js';

export type NodeKind = EndpointView['kind'] | 'other';

export interface GraphNode {
  id: string;
  kind: NodeKind;
  label: string;
  /** Text the table filter uses to find this node's flows. */
  filter: string;
  bytes: number;
  flows: number;
  alerted: boolean;
}

export interface GraphEdge {
  source: string;
  target: string;
  bytes: number;
  flows: number;
  alerted: boolean;
  /** "4444/tcp", "53/udp, 5140/udp", … (first few). */
  services: string[];
}

export interface GraphData {
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** Nodes merged into "other". */
  merged: number;
}

export const OTHER = 'other';

function identityOf(e: EndpointView): Omit<GraphNode, 'bytes' | 'flows' | 'alerted'> {
  switch (e.kind) {
    case 'pod': {
      const name = e.namespace && e.name ? `${e.namespace}/${e.name}` : e.label;
      return { id: `pod:${name}`, kind: 'pod', label: name, filter: name };
    }
    case 'service': {
      const name = e.namespace && e.name ? `${e.namespace}/${e.name}` : e.label;
      return { id: `svc:${name}`, kind: 'service', label: `svc ${name}`, filter: `svc ${name}` };
    }
    case 'node':
      return { id: `node:${e.name || e.ip}`, kind: 'node', label: `node ${e.name || e.ip}`, filter: e.name || e.ip };
    case 'external':
      return { id: `ext:${e.ip}`, kind: 'external', label: e.ip, filter: e.ip };
    default:
      return { id: `ip:${e.ip}`, kind: e.kind === 'none' ? 'unknown' : e.kind, label: e.ip, filter: e.ip };
  }
}

/** The graph of every flow of `m`: endpoints grouped by identity, the busiest `maxNodes`
 *  kept. Read from the columns (each distinct endpoint's node is worked out once). */
export function buildGraph(m: FlowModel, maxNodes = 200, maxEdges = 600): GraphData {
  const c = m.cols;
  const nodes: GraphNode[] = [];
  const nodeIndex = new Map<string, number>();
  /** (identity + 1, address id) → node index. */
  const byEndpoint = new Map<number, number>();
  const ends = new Int32Array(2 * m.count);
  for (let i = 0; i < m.count; i++) {
    const bytes = m.totalBytes(i);
    const alerted = c.alerted[i] === 1;
    for (let side = 0 as 0 | 1; side < 2; side = (side + 1) as 0 | 1) {
      const key = (c.identity[2 * i + side] + 1) * 4294967296 + c.ip[2 * i + side];
      let n = byEndpoint.get(key);
      if (n === undefined) {
        const id = identityOf(m.endpoint(i, side));
        n = nodeIndex.get(id.id);
        if (n === undefined) {
          n = nodes.push({ ...id, bytes: 0, flows: 0, alerted: false }) - 1;
          nodeIndex.set(id.id, n);
        }
        byEndpoint.set(key, n);
      }
      const node = nodes[n];
      node.bytes += bytes;
      node.flows++;
      node.alerted ||= alerted;
      ends[2 * i + side] = n;
    }
  }
  const ranked = [...nodes].sort((a, b) => Number(b.alerted) - Number(a.alerted) || b.bytes - a.bytes || (a.id < b.id ? -1 : 1));
  const keep = new Set<string>();
  const limit = ranked.length > maxNodes ? maxNodes - 1 : maxNodes;
  for (const n of ranked.slice(0, limit)) keep.add(n.id);
  const merged = ranked.length - keep.size;
  const kept: GraphNode[] = ranked.filter((n) => keep.has(n.id));
  if (merged > 0) {
    const other: GraphNode = { id: OTHER, kind: 'other', label: `${merged} other endpoints`, filter: '', bytes: 0, flows: 0, alerted: false };
    for (const n of ranked) if (!keep.has(n.id)) { other.bytes += n.bytes; other.flows += n.flows; }
    kept.push(other);
  }
  const nameOf = nodes.map((n) => (keep.has(n.id) ? n.id : OTHER));
  const edges = new Map<string, GraphEdge>();
  for (let i = 0; i < m.count; i++) {
    const s = nameOf[ends[2 * i]];
    const t = nameOf[ends[2 * i + 1]];
    if (s === t && s === OTHER) continue;
    const k = `${s}\u0000${t}`;
    let e = edges.get(k);
    if (!e) edges.set(k, (e = { source: s, target: t, bytes: 0, flows: 0, alerted: false, services: [] }));
    e.bytes += m.totalBytes(i);
    e.flows++;
    e.alerted ||= c.alerted[i] === 1;
    if (e.services.length < 4) {
      const port = c.port[2 * i + 1];
      const proto = c.strings[c.protocol[i]];
      const svc = port < 0 ? proto : `${port}/${proto}`;
      if (!e.services.includes(svc)) e.services.push(svc);
    }
  }
  const allEdges = [...edges.values()].sort((a, b) => Number(b.alerted) - Number(a.alerted) || b.bytes - a.bytes);
  return { nodes: kept, edges: allEdges.slice(0, maxEdges), merged };
}
