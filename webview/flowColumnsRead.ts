// Reading flow columns (flowColumns.ts) back: a flow's record in full, its times as text, its
// pods, and the check the webview makes of columns it was sent before it uses them.
//
// No DOM and no Node: imported by the webview and by the extension's host.
import type { AnnotatedFlow, EndpointIdentity } from '../src/shared/annotatedSummary.js';
import { isoTime } from '../src/core/flows/format.js';
import { COLUMNS_KIND, KINDS, type FlowColumns, type IdentityKind, type Wire } from './flowColumns.js';
import { CLIENT_BY, isObj } from './flowRecordText.js';

/** The pods flow i was captured on (string ids; empty without). */
export function podsOf(c: FlowColumns, i: number): Uint32Array {
  return c.podStart && c.pods ? c.pods.subarray(c.podStart[i], c.podStart[i + 1]) : new Uint32Array(0);
}

/** First (side 0) or last (1) seen of flow i as the record's text ('' without `wire`). */
export function seenText(c: FlowColumns, i: number, side: 0 | 1): string {
  const w = c.wire;
  if (!w) return '';
  const odd = w.oddTimes[i];
  return odd ? odd[side] : isoTime(w.sec[2 * i + side], w.ns[2 * i + side]);
}

/** Flow i's other keys as UTF-8 JSON (empty: none): its range of the chunks laid end to end. */
export function extraBytesOf(w: Wire, i: number): Uint8Array {
  const x0 = w.extraStart[i];
  const x1 = w.extraStart[i + 1];
  if (!(x1 > x0)) return new Uint8Array(0);
  let at = 0;
  for (const chunk of w.extra) {
    if (x0 < at + chunk.length) return chunk.subarray(x0 - at, x1 - at);
    at += chunk.length;
  }
  return new Uint8Array(0);
}

/** The columns' `dns` with each answer's name back (0: its question's name). */
function withAnswerNames(dns: NonNullable<AnnotatedFlow['dns']>): NonNullable<AnnotatedFlow['dns']> {
  if (!Array.isArray(dns)) return dns;
  for (const d of dns as unknown[]) {
    if (!isObj(d) || !Array.isArray(d.answers)) continue;
    for (const a of d.answers as unknown[]) if (isObj(a) && a.name === 0) a.name = d.name;
  }
  return dns;
}

/** Flow i's record in full (columns made with `wire`): the keys and values of the record the
 *  columns were made from. */
export function recordAt(c: FlowColumns, i: number, decoder = new TextDecoder()): AnnotatedFlow {
  const w = c.wire as Wire;
  const end = (side: number): AnnotatedFlow['client'] => {
    const port = c.port[2 * i + side];
    return port < 0 ? { ip: c.strings[c.ip[2 * i + side]] } : { ip: c.strings[c.ip[2 * i + side]], port };
  };
  const r: AnnotatedFlow = {
    protocol: c.strings[c.protocol[i]],
    client: end(0),
    server: end(1),
    packets: { fromClient: c.packets[2 * i], fromServer: c.packets[2 * i + 1] },
    bytes: { fromClient: c.bytes[2 * i], fromServer: c.bytes[2 * i + 1] },
    firstSeen: seenText(c, i, 0),
    lastSeen: seenText(c, i, 1),
    clientBy: CLIENT_BY[w.clientBy[i]],
    activity: {
      firstBucket: c.actFirst[i],
      packets: Array.from(c.actPackets.subarray(c.actStart[i], c.actStart[i + 1])),
      bytes: Array.from(c.actBytes.subarray(c.actStart[i], c.actStart[i + 1])),
    },
  };
  if (c.before && c.before[2 * i] > 0) r.beforeAlert = { packets: c.before[2 * i], bytes: c.before[2 * i + 1] };
  const bytes = extraBytesOf(w, i);
  const extra = bytes.length > 0 ? (JSON.parse(decoder.decode(bytes)) as Partial<AnnotatedFlow>) : {};
  if (extra.ipFragments) r.ipFragments = extra.ipFragments;
  if (c.flagStart[i + 1] > c.flagStart[i] || r.protocol === 'tcp') {
    r.flags = Array.from(c.flags.subarray(c.flagStart[i], c.flagStart[i + 1]), (id) => c.strings[id] as NonNullable<AnnotatedFlow['flags']>[number]);
  }
  if (w.depth[i] > 0) r.tunnelDepth = w.depth[i];
  if (extra.dns) r.dns = withAnswerNames(extra.dns);
  if (extra.tlsSni !== undefined) r.tlsSni = extra.tlsSni;
  if (extra.http) r.http = extra.http;
  const ci = c.identity[2 * i];
  const si = c.identity[2 * i + 1];
  if (ci >= 0) r.clientIdentity = c.identities[ci].raw as EndpointIdentity;
  if (si >= 0) r.serverIdentity = c.identities[si].raw as EndpointIdentity;
  if (c.alerted[i]) r.alerted = true;
  const pods = podsOf(c, i);
  if (pods.length) r.capturedOn = Array.from(pods, (id) => c.strings[id]);
  return r;
}

const TYPED: [keyof FlowColumns, new (n: number) => ArrayLike<number>, number, number][] = [
  ['protocol', Uint32Array, 1, 0], ['ip', Uint32Array, 2, 0], ['port', Int32Array, 2, 0], ['identity', Int32Array, 2, 0],
  ['packets', Float64Array, 2, 0], ['bytes', Float64Array, 2, 0], ['seen', Float64Array, 2, 0], ['alerted', Uint8Array, 1, 0],
  ['actFirst', Uint16Array, 1, 0], ['actStart', Uint32Array, 1, 1], ['nameStart', Uint32Array, 1, 1], ['flagStart', Uint32Array, 1, 1],
];

/** Whether `v` is well-formed columns (types, lengths, every index in range): what the webview
 *  checks before it uses columns it was sent. */
export function isFlowColumns(v: unknown): v is FlowColumns {
  if (!isObj(v) || v.kind !== COLUMNS_KIND || typeof v.count !== 'number' || !Number.isInteger(v.count) || v.count < 0) return false;
  const n = v.count;
  if (!Array.isArray(v.strings) || !v.strings.every((x) => typeof x === 'string')) return false;
  if (!Array.isArray(v.identities) || !v.identities.every((x) => isObj(x) && KINDS.concat('none').includes(x.kind as IdentityKind)
    && typeof x.label === 'string' && typeof x.namespace === 'string' && typeof x.name === 'string')) return false;
  for (const [key, type, per, extra] of TYPED) if (!(v[key] instanceof type) || (v[key] as ArrayLike<number>).length !== n * per + extra) return false;
  const c = v as unknown as FlowColumns;
  if (!(c.actPackets instanceof Float64Array) || !(c.actBytes instanceof Float64Array) || c.actPackets.length !== c.actBytes.length) return false;
  if (!(c.names instanceof Uint32Array) || !(c.flags instanceof Uint32Array)) return false;
  if (c.before !== undefined && (!(c.before instanceof Float64Array) || c.before.length !== 2 * n)) return false;
  if ((c.podStart ?? c.pods) !== undefined && (!(c.podStart instanceof Uint32Array) || c.podStart.length !== n + 1 || !(c.pods instanceof Uint32Array))) return false;
  const ns = c.strings.length;
  const ni = c.identities.length;
  const ranges: [Uint32Array, number][] = [[c.actStart, c.actBytes.length], [c.nameStart, c.names.length], [c.flagStart, c.flags.length]];
  if (c.podStart && c.pods) ranges.push([c.podStart, c.pods.length]);
  for (const [start, len] of ranges) {
    if (start[0] !== 0 || start[n] !== len) return false;
    for (let i = 0; i < n; i++) if (start[i + 1] < start[i]) return false;
  }
  for (let i = 0; i < n; i++) if (c.protocol[i] >= ns) return false;
  for (let i = 0; i < 2 * n; i++) if (c.ip[i] >= ns || c.identity[i] >= ni || c.identity[i] < -1) return false;
  for (let i = 0; i < c.names.length; i++) if (c.names[i] >= ns) return false;
  for (let i = 0; i < c.flags.length; i++) if (c.flags[i] >= ns) return false;
  for (let i = 0; c.pods && i < c.pods.length; i++) if (c.pods[i] >= ns) return false;
  return c.wire === undefined || isWire(c.wire, n);
}

/** Whether `v` is a well-formed wire part for n flows: each flow's extra bytes inside one chunk. */
function isWire(v: unknown, n: number): boolean {
  if (!isObj(v)) return false;
  const w = v as unknown as Wire;
  if (!(w.clientBy instanceof Uint8Array) || w.clientBy.length !== n || !(w.depth instanceof Uint8Array) || w.depth.length !== n) return false;
  if (!(w.sec instanceof Float64Array) || w.sec.length !== 2 * n || !(w.ns instanceof Uint32Array) || w.ns.length !== 2 * n) return false;
  if (!isObj(w.oddTimes) || !Object.values(w.oddTimes).every((t) => Array.isArray(t) && t.length === 2 && t.every((x) => typeof x === 'string'))) return false;
  if (!(w.extraStart instanceof Uint32Array) || w.extraStart.length !== n + 1 || w.extraStart[0] !== 0) return false;
  if (!Array.isArray(w.extra) || !w.extra.every((x) => x instanceof Uint8Array)) return false;
  let k = 0;
  let end = w.extra.length > 0 ? w.extra[0].length : 0;
  for (let i = 0; i < n; i++) {
    const x0 = w.extraStart[i];
    const x1 = w.extraStart[i + 1];
    if (x1 < x0) return false;
    if (x1 === x0) continue;
    while (x0 >= end && k + 1 < w.extra.length) end += w.extra[++k].length;
    if (x1 > end) return false;
  }
  return true;
}
