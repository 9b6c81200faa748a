// Who talked to whom: endpoints grouped by identity (pod, service, node, external or unknown
// IP), flows aggregated into edges, bounded to the busiest nodes (the rest become "other").
import type { EndpointView, FlowView } from './flowModel.js';

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

export function buildGraph(views: readonly FlowView[], maxNodes = 200, maxEdges = 600): GraphData {
  const nodes = new Map<string, GraphNode>();
  const ends: [string, string][] = new Array(views.length);
  const touch = (e: EndpointView, f: FlowView): string => {
    const id = identityOf(e);
    let n = nodes.get(id.id);
    if (!n) nodes.set(id.id, (n = { ...id, bytes: 0, flows: 0, alerted: false }));
    n.bytes += f.bytesIn + f.bytesOut;
    n.flows++;
    n.alerted ||= f.alerted;
    return id.id;
  };
  views.forEach((f, i) => {
    ends[i] = [touch(f.client, f), touch(f.server, f)];
  });
  const ranked = [...nodes.values()].sort((a, b) => Number(b.alerted) - Number(a.alerted) || b.bytes - a.bytes || (a.id < b.id ? -1 : 1));
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
  const edges = new Map<string, GraphEdge>();
  views.forEach((f, i) => {
    const s = keep.has(ends[i][0]) ? ends[i][0] : OTHER;
    const t = keep.has(ends[i][1]) ? ends[i][1] : OTHER;
    if (s === t && s === OTHER) return;
    const k = `${s}\u0000${t}`;
    let e = edges.get(k);
    if (!e) edges.set(k, (e = { source: s, target: t, bytes: 0, flows: 0, alerted: false, services: [] }));
    e.bytes += f.bytesIn + f.bytesOut;
    e.flows++;
    e.alerted ||= f.alerted;
    const svc = f.server.port === undefined ? f.protocol : `${f.server.port}/${f.protocol}`;
    if (e.services.length < 4 && !e.services.includes(svc)) e.services.push(svc);
  });
  const allEdges = [...edges.values()].sort((a, b) => Number(b.alerted) - Number(a.alerted) || b.bytes - a.bytes);
  return { nodes: kept, edges: allEdges.slice(0, maxEdges), merged };
}
