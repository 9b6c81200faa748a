// The flows as the webview shows them: one sanitised `FlowView` per `summary.flows[i]`
// (odd or missing fields become safe defaults), and sorting/filtering over index arrays so
// that 100,000 flows never need 100,000 DOM rows or re-created objects.
import type { EndpointIdentity } from '../src/shared/annotatedSummary.js';
import { clip, num, parseIsoSeconds, str } from './format.js';

export type IdentityKind = EndpointIdentity['kind'] | 'none';

export interface EndpointView {
  ip: string;
  port: number | undefined;
  /** "10.0.0.1:80", "[::1]:80", "10.0.0.1". */
  addr: string;
  kind: IdentityKind;
  /** Identity label, or the address when the summary is not annotated. */
  label: string;
  namespace: string;
  name: string;
}

export interface FlowView {
  /** Index into summary.flows. */
  index: number;
  protocol: string;
  client: EndpointView;
  server: EndpointView;
  names: string[];
  packetsOut: number;
  packetsIn: number;
  bytesOut: number;
  bytesIn: number;
  firstSeen: number;
  lastSeen: number;
  firstSeenText: string;
  duration: number;
  alerted: boolean;
  flags: string[];
  /** Lower-case text the filter searches (built on first use: see searchText). */
  search?: string;
  activity: { firstBucket: number; packets: number[]; bytes: number[] };
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function endpoint(raw: unknown, id: unknown): EndpointView {
  const e = isObj(raw) ? raw : {};
  const ip = clip(str(e.ip, '?'), 64);
  const port = typeof e.port === 'number' && Number.isInteger(e.port) && e.port >= 0 && e.port <= 65535 ? e.port : undefined;
  const addr = port === undefined ? ip : ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
  const i = isObj(id) ? id : undefined;
  const kinds: IdentityKind[] = ['pod', 'service', 'node', 'external', 'unknown'];
  const kind = i && kinds.includes(i.kind as IdentityKind) ? (i.kind as IdentityKind) : 'none';
  const label = i ? str(i.label, ip, 4096) || ip : ip;
  return { ip, port, addr, kind, label, namespace: str(i?.namespace, '', 256), name: str(i?.name, '', 512) };
}

function numbers(v: unknown, max: number): number[] {
  if (!Array.isArray(v)) return [];
  const n = Math.min(v.length, max);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = num(v[i]);
  return out;
}

function hintNames(f: Record<string, unknown>): string[] {
  const names: string[] = [];
  if (Array.isArray(f.dns)) {
    const seen = new Set<string>();
    for (const d of f.dns.slice(0, 32)) {
      const n = isObj(d) ? str(d.name, '', 1024) : '';
      if (n && !seen.has(n)) {
        seen.add(n);
        names.push(`DNS ${n}`);
      }
    }
  }
  const sni = str(f.tlsSni, '', 1024);
  if (sni) names.push(`TLS ${sni}`);
  if (isObj(f.http)) {
    const h = f.http;
    names.push(`HTTP ${str(h.method, '?', 32)} ${str(h.host, '', 1024)}${str(h.path, '', 2048)}`);
  }
  return names;
}

/** One view per flow; never throws, whatever `flows` holds. */
export function buildFlowViews(flows: readonly unknown[], bucketLimit: number): FlowView[] {
  const out = new Array<FlowView>(flows.length);
  for (let i = 0; i < flows.length; i++) {
    const raw = flows[i];
    const f: Record<string, unknown> = isObj(raw) ? raw : {};
    const client = endpoint(f.client, f.clientIdentity);
    const server = endpoint(f.server, f.serverIdentity);
    const p: Record<string, unknown> = isObj(f.packets) ? f.packets : {};
    const b: Record<string, unknown> = isObj(f.bytes) ? f.bytes : {};
    const firstSeen = parseIsoSeconds(f.firstSeen);
    const lastSeen = parseIsoSeconds(f.lastSeen);
    const names = hintNames(f);
    const protocol = clip(str(f.protocol, '?'), 16);
    const a: Record<string, unknown> = isObj(f.activity) ? f.activity : {};
    out[i] = {
      index: i,
      protocol,
      client,
      server,
      names,
      packetsOut: num(p.fromClient),
      packetsIn: num(p.fromServer),
      bytesOut: num(b.fromClient),
      bytesIn: num(b.fromServer),
      firstSeen,
      lastSeen,
      firstSeenText: str(f.firstSeen, '', 64),
      duration: Number.isFinite(firstSeen) && Number.isFinite(lastSeen) ? Math.max(0, lastSeen - firstSeen) : NaN,
      alerted: f.alerted === true,
      flags: Array.isArray(f.flags) ? (f.flags as unknown[]).filter((x): x is string => typeof x === 'string').slice(0, 8) : [],
      activity: { firstBucket: Math.floor(num(a.firstBucket)), packets: numbers(a.packets, bucketLimit), bytes: numbers(a.bytes, bucketLimit) },
    };
  }
  return out;
}

/** Lower-case text the filter searches: protocol, addresses, identity labels, DNS/SNI/HTTP. */
export function searchText(f: FlowView): string {
  f.search ??= [f.protocol, f.client.addr, f.client.label, f.server.addr, f.server.label, ...f.names].join('\n').toLowerCase();
  return f.search;
}

export type SortKey = 'alerted' | 'protocol' | 'client' | 'server' | 'names' | 'packetsOut' | 'packetsIn' | 'bytesOut' | 'bytesIn' | 'bytes' | 'duration' | 'firstSeen';
export const SORT_KEYS: readonly SortKey[] = ['alerted', 'protocol', 'client', 'server', 'names', 'packetsOut', 'packetsIn', 'bytesOut', 'bytesIn', 'bytes', 'duration', 'firstSeen'];

export interface SortState {
  key: SortKey;
  descending: boolean;
}

export interface FilterState {
  text: string;
  protocol: string;
  alertedOnly: boolean;
  /** Alerted flows stay on top whatever the sort. */
  alertedFirst: boolean;
}

function numericKey(f: FlowView, key: SortKey): number {
  switch (key) {
    case 'alerted': return f.alerted ? 1 : 0;
    case 'packetsOut': return f.packetsOut;
    case 'packetsIn': return f.packetsIn;
    case 'bytesOut': return f.bytesOut;
    case 'bytesIn': return f.bytesIn;
    case 'bytes': return f.bytesOut + f.bytesIn;
    case 'duration': return Number.isFinite(f.duration) ? f.duration : -1;
    case 'firstSeen': return Number.isFinite(f.firstSeen) ? f.firstSeen : -1;
    default: return 0;
  }
}

function textKey(f: FlowView, key: SortKey): string {
  switch (key) {
    case 'protocol': return f.protocol;
    case 'client': return `${f.client.label.toLowerCase()}\n${f.client.addr}`;
    case 'server': return `${f.server.label.toLowerCase()}\n${f.server.addr}`;
    case 'names': return f.names.length ? f.names.join(' ').toLowerCase() : '\uffff';
    default: return '';
  }
}

const TEXT_KEYS = new Set<SortKey>(['protocol', 'client', 'server', 'names']);

/** Indices of the flows that pass `filter`, ordered by `sort` (ties by index: stable). */
export function orderFlows(views: readonly FlowView[], sort: SortState, filter: FilterState): Uint32Array {
  const text = filter.text.trim().toLowerCase();
  const terms = text ? text.split(/\s+/) : [];
  const keep: number[] = [];
  for (let i = 0; i < views.length; i++) {
    const f = views[i];
    if (filter.alertedOnly && !f.alerted) continue;
    if (filter.protocol && f.protocol !== filter.protocol) continue;
    if (terms.length) {
      const s = searchText(f);
      if (!terms.every((t) => s.includes(t))) continue;
    }
    keep.push(i);
  }
  const dir = sort.descending ? -1 : 1;
  let cmp: (a: number, b: number) => number;
  if (TEXT_KEYS.has(sort.key)) {
    const keys = new Array<string>(views.length);
    for (const i of keep) keys[i] = textKey(views[i], sort.key);
    cmp = (a, b) => {
      const x = keys[a];
      const y = keys[b];
      return x < y ? -dir : x > y ? dir : a - b;
    };
  } else {
    const keys = new Float64Array(views.length);
    for (const i of keep) keys[i] = numericKey(views[i], sort.key);
    cmp = (a, b) => (keys[a] - keys[b]) * dir || a - b;
  }
  const pinned = filter.alertedFirst;
  const out = Uint32Array.from(keep);
  out.sort((a, b) => {
    if (pinned && views[a].alerted !== views[b].alerted) return views[a].alerted ? -1 : 1;
    return cmp(a, b);
  });
  return out;
}

export function protocolsOf(views: readonly FlowView[]): string[] {
  const s = new Set<string>();
  for (const v of views) s.add(v.protocol);
  return [...s].sort();
}
