// The flows of a summary as columns: typed arrays of numbers and indexes into one table of
// distinct strings and one of distinct endpoint identities, instead of a tree of objects per
// flow. A summary of 600,000 flows is ~1 GB as objects and ~400 MB as JSON text; as columns it
// is a few tens of MB, travels from the analysis worker to the extension host and on to the
// webview as binary buffers (VS Code posts typed arrays without JSON), and sorts on typed
// arrays. Both ends fill them with ColumnsBuilder, from plain flow records (the worker, or the
// webview given an older message with objects); every value is sanitised as it goes in (the
// webview's rules: odd or missing fields become safe defaults).
//
// No DOM and no Node: imported by the webview and by the extension's worker and host. Reading
// columns back (a flow's record, the check of columns received) is flowColumnsRead.ts.
import type { EndpointIdentity } from '../src/shared/annotatedSummary.js';
import type { FlowParts, NameTexts } from '../src/shared/flowParts.js';
import { clip, num, parseIsoSeconds, str } from './format.js';
import { formatIpv4, isoTime } from '../src/core/flows/format.js';
import { canonical, CLIENT_BY, exactTime, hintName, hintNames, httpName, isObj, sameNamesAsZero } from './flowRecordText.js';
import { ExtraBytes, IdValues, U32Ids } from './columnStores.js';

export const COLUMNS_KIND = 'falcoshark-flow-columns';

export type IdentityKind = EndpointIdentity['kind'] | 'none';
export const KINDS: IdentityKind[] = ['pod', 'service', 'node', 'external', 'unknown'];

/** An endpoint identity as the webview shows it (sanitised), with the raw object kept for the
 *  record (`raw`, absent for an endpoint without identity). */
export interface IdentityView {
  kind: IdentityKind;
  label: string;
  namespace: string;
  name: string;
  raw?: unknown;
}

export interface FlowColumns {
  kind: typeof COLUMNS_KIND;
  count: number;
  strings: string[];
  identities: IdentityView[];
  protocol: Uint32Array;
  /** Per flow, client then server: address (string id), port (-1: none), identity (-1: none). */
  ip: Uint32Array;
  port: Int32Array;
  identity: Int32Array;
  /** Per flow: packets and bytes, client → server then server → client. */
  packets: Float64Array;
  bytes: Float64Array;
  /** Per flow: first and last seen, epoch seconds (NaN when unknown). */
  seen: Float64Array;
  /** Per flow: packets and bytes before the alert's time (the record's `beforeAlert`; 0
   *  without). Absent when no flow has any (columns of a summary without `alertSplit`). */
  before?: Float64Array;
  alerted: Uint8Array;
  actFirst: Uint16Array;
  /** Pools with per-flow ranges [start[i], start[i + 1]). */
  actStart: Uint32Array;
  actPackets: Float64Array;
  actBytes: Float64Array;
  nameStart: Uint32Array;
  names: Uint32Array;
  flagStart: Uint32Array;
  flags: Uint32Array;
  /** Workload captures: the pods ("ns/name") a flow was captured on (its `capturedOn`), a
   *  pool like `names` (string ids). Absent when no flow has any. */
  podStart?: Uint32Array;
  pods?: Uint32Array;
  /** What else a record has, for its full form (`recordAt`): clientBy, tunnel depth, the exact
   *  times (whole seconds, nanoseconds) and the record's other keys (ipFragments, dns, tlsSni,
   *  http) as UTF-8 JSON. Absent when the columns were made from records kept beside them. */
  wire?: Wire;
}

export interface Wire {
  clientBy: Uint8Array;
  depth: Uint8Array;
  sec: Float64Array;
  ns: Uint32Array;
  /** Flows whose times are not the analyzer's canonical text: index → [first, last]. */
  oddTimes: Record<number, [string, string]>;
  /** Flow i's other keys are bytes [extraStart[i], extraStart[i + 1]) of the `extra` chunks
   *  laid end to end, never across two (chunks, not one array: no copy of ~100 MB at the end
   *  of a 600,000-flow capture; see extraBytesOf in flowColumnsRead.ts). A DNS answer for its
   *  question's own name has `"name":0` there (a tunnel's names are long: each kept once). */
  extraStart: Uint32Array;
  extra: Uint8Array[];
}

/** A flow's pods: one or two (more for host-network pods); "ns/pod" is 63 + 1 + 253 characters. */
const MAX_PODS = 16;
const POD_MAX = 320;
const IDENTITY_REFS = 1 << 16;

/** A growing array of numbers: Float64Array (counts) or Uint32Array (string ids). */
class Pool<A extends Float64Array | Uint32Array> {
  a: A;
  n = 0;
  constructor(private readonly make: (n: number) => A, size: number) {
    this.a = make(Math.max(16, size));
  }
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = this.make(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
}

const f64 = (n: number): Float64Array => new Float64Array(n);
const u32 = (n: number): Uint32Array => new Uint32Array(n);

export class ColumnsBuilder {
  private i = 0;
  private readonly stringIds = new Map<string, number>();
  private readonly strings: string[] = [];
  private readonly identityIds = new Map<string, number>();
  private readonly identities: IdentityView[] = [];
  /** Identity objects seen, with their id and the address they were labelled for. */
  private readonly identityRefs = new Map<object, [number, string]>();
  /** IPv4 address (uint32) → its string id (addParts). */
  private readonly v4Ids = new U32Ids();
  /** Name-table id → string id of "DNS name" / "TLS name", -1 for an empty name (addParts). */
  private readonly dnsIds = new IdValues();
  private readonly tlsIds = new IdValues();
  /** Small tables of few texts (protocols, TCP flags): a lookup that stays in the cache. */
  private readonly fewIds = new Map<string, number>();
  private readonly c: FlowColumns;
  private readonly actP: Pool<Float64Array>;
  private readonly actB: Pool<Float64Array>;
  private readonly nameP: Pool<Uint32Array>;
  private readonly flagP: Pool<Uint32Array>;
  private podP: Pool<Uint32Array> | undefined;
  private readonly extra = new ExtraBytes();
  private readonly putName = (name: string): void => this.nameP.push(this.sid(name));

  /** Room for `count` flows; `wire`: keep what a full record needs (the worker does). */
  constructor(readonly count: number, private readonly bucketLimit: number, private readonly wire: boolean) {
    const n = count;
    this.c = {
      kind: COLUMNS_KIND, count: n, strings: this.strings, identities: this.identities,
      protocol: new Uint32Array(n), ip: new Uint32Array(2 * n), port: new Int32Array(2 * n), identity: new Int32Array(2 * n),
      packets: new Float64Array(2 * n), bytes: new Float64Array(2 * n), seen: new Float64Array(2 * n), alerted: new Uint8Array(n),
      actFirst: new Uint16Array(n), actStart: new Uint32Array(n + 1), actPackets: new Float64Array(0), actBytes: new Float64Array(0),
      nameStart: new Uint32Array(n + 1), names: new Uint32Array(0), flagStart: new Uint32Array(n + 1), flags: new Uint32Array(0),
      ...(wire ? { wire: { clientBy: new Uint8Array(n), depth: new Uint8Array(n), sec: new Float64Array(2 * n), ns: new Uint32Array(2 * n), oddTimes: {},
        extraStart: new Uint32Array(n + 1), extra: [] } } : {}),
    };
    this.actP = new Pool(f64, n * 2);
    this.actB = new Pool(f64, n * 2);
    this.nameP = new Pool(u32, n);
    this.flagP = new Pool(u32, n);
  }

  private sid(s: string): number {
    let id = this.stringIds.get(s);
    if (id === undefined) {
      id = this.strings.push(s) - 1;
      this.stringIds.set(s, id);
    }
    return id;
  }

  private identityOf(id: unknown, ip: string): number {
    if (!isObj(id)) return -1;
    const known = this.identityRefs.get(id);
    // the same object again (the worker's annotator keeps one per address): same label
    if (known !== undefined && known[1] === ip) return known[0];
    const key = JSON.stringify(id);
    let n = this.identityIds.get(key);
    if (n === undefined) {
      const kind = KINDS.includes(id.kind as IdentityKind) ? (id.kind as IdentityKind) : 'none';
      n = this.identities.push({ kind, label: str(id.label, ip, 4096) || ip, namespace: str(id.namespace, '', 256), name: str(id.name, '', 512), raw: id }) - 1;
      this.identityIds.set(key, n);
    }
    if (this.identityRefs.size < IDENTITY_REFS) this.identityRefs.set(id, [n, ip]);
    return n;
  }

  /** The string id of an address: an IPv4 one (`v4` ≥ 0) by its number, its text made once. */
  private v4Sid(v4: number, text: string): number {
    if (v4 < 0) return this.sid(clip(text, 64));
    let id = this.v4Ids.get(v4);
    if (id < 0) {
      // not in stringIds: no other string of the columns is a dotted quad (names have a
      // "DNS "/"TLS "/"HTTP " prefix, IPv6 texts a colon, pods a slash), so it is new
      id = this.strings.push(formatIpv4(v4)) - 1;
      this.v4Ids.set(v4, id);
    }
    return id;
  }

  private fewSid(s: string): number {
    let id = this.fewIds.get(s);
    if (id === undefined) {
      id = this.sid(s);
      this.fewIds.set(s, id);
    }
    return id;
  }

  /** The names `eachName` gives for these parts, by name id (one lookup per name). */
  private putNameIds(p: FlowParts, i: number): void {
    const t = p.names;
    if (t) {
      const from = this.c.nameStart[i];
      for (let k = 0; k < p.dnsNameCount && k < 32; k++) {
        const s = this.nameSid(this.dnsIds, t, p.dnsNameIds[k], 'DNS');
        if (s < 0) continue;
        // a name seen before in this flow: once (the same text is the same string id)
        let dup = false;
        for (let j = from; j < this.nameP.n && !dup; j++) dup = this.nameP.a[j] === s;
        if (!dup) this.nameP.push(s);
      }
      if (p.tlsSniId >= 0) {
        const s = this.nameSid(this.tlsIds, t, p.tlsSniId, 'TLS');
        if (s >= 0) this.nameP.push(s);
      }
    }
    if (p.httpMethod !== undefined) this.putName(httpName(p.httpMethod, p.httpHost, p.httpPath));
  }

  /** The string id of hintName(kind, the text of name `id` of table `t`), -1 for an empty
   *  name: made at the id's first flow, then looked up by the id. */
  private nameSid(ids: IdValues, t: NameTexts, id: number, kind: 'DNS' | 'TLS'): number {
    let s = ids.get(t, id);
    if (s === undefined) {
      const name = hintName(kind, t.text(id));
      s = name ? this.sid(name) : -1;
      ids.set(t, id, s);
    }
    return s;
  }

  /** Adds the next flow from the analyzer's fields (the worker): the columns its record (with
   *  its annotation) gives to `add`, without the record. */
  addParts(p: FlowParts): void {
    if (this.i >= this.count) throw new RangeError(`more than the ${this.count} flows announced`);
    const i = this.i++;
    const c = this.c;
    c.protocol[i] = this.fewSid(clip(p.protocol, 16));
    c.ip[2 * i] = this.v4Sid(p.clientV4, p.clientIp);
    c.ip[2 * i + 1] = this.v4Sid(p.serverV4, p.serverIp);
    const cip = this.strings[c.ip[2 * i]];
    const sip = this.strings[c.ip[2 * i + 1]];
    c.port[2 * i] = p.clientPort;
    c.port[2 * i + 1] = p.serverPort;
    c.identity[2 * i] = this.identityOf(p.clientIdentity, cip);
    c.identity[2 * i + 1] = this.identityOf(p.serverIdentity, sip);
    c.packets[2 * i] = num(p.packetsFromClient);
    c.packets[2 * i + 1] = num(p.packetsFromServer);
    c.bytes[2 * i] = num(p.bytesFromClient);
    c.bytes[2 * i + 1] = num(p.bytesFromServer);
    const exact = canonical(p.firstSec, p.firstNs) && canonical(p.lastSec, p.lastNs);
    const firstText = exact ? '' : isoTime(p.firstSec, p.firstNs);
    const lastText = exact ? '' : isoTime(p.lastSec, p.lastNs);
    c.seen[2 * i] = exact ? p.firstSec + p.firstNs / 1e9 : parseIsoSeconds(firstText);
    c.seen[2 * i + 1] = exact ? p.lastSec + p.lastNs / 1e9 : parseIsoSeconds(lastText);
    c.alerted[i] = p.alerted ? 1 : 0;
    if (num(p.beforePackets) > 0) {
      const before = (c.before ??= new Float64Array(2 * this.count));
      before[2 * i] = num(p.beforePackets);
      before[2 * i + 1] = num(p.beforeBytes);
    }
    c.actFirst[i] = Math.min(0xffff, Math.floor(num(p.actFirst)));
    const n = Math.min(p.actCount, this.bucketLimit);
    for (let k = 0; k < n; k++) {
      this.actB.push(num(p.actBytes[k]));
      this.actP.push(num(p.actPackets[k]));
    }
    c.actStart[i + 1] = this.actB.n;
    this.putNameIds(p, i);
    c.nameStart[i + 1] = this.nameP.n;
    for (let k = 0; k < p.flagCount && k < 8; k++) this.flagP.push(this.fewSid(p.flags[k]));
    c.flagStart[i + 1] = this.flagP.n;
    this.addPods(i, p.capturedOn);
    const w = c.wire;
    if (w) {
      w.clientBy[i] = Math.max(0, CLIENT_BY.indexOf(p.clientBy));
      w.depth[i] = Math.min(255, Math.floor(num(p.tunnelDepth)));
      if (exact) setTimes(w, i, p.firstSec, p.firstNs, p.lastSec, p.lastNs);
      else textTimes(w, i, firstText, lastText);
      if (p.extraLength > 0) this.extra.putKeys(p.extraJson, p.extraLength);
      w.extraStart[i + 1] = this.extra.length;
    }
  }

  /** Adds the next flow (a record, however odd). */
  add(raw: unknown): void {
    if (this.i >= this.count) throw new RangeError(`more than the ${this.count} flows announced`);
    const i = this.i++;
    const c = this.c;
    const f: Record<string, unknown> = isObj(raw) ? raw : {};
    c.protocol[i] = this.sid(clip(str(f.protocol, '?'), 16));
    const a: Record<string, unknown> = isObj(f.activity) ? f.activity : {};
    for (const [side, e, id] of [[0, f.client, f.clientIdentity], [1, f.server, f.serverIdentity]] as const) {
      const ep = isObj(e) ? e : {};
      const ip = clip(str(ep.ip, '?'), 64);
      c.ip[2 * i + side] = this.sid(ip);
      c.port[2 * i + side] = typeof ep.port === 'number' && Number.isInteger(ep.port) && ep.port >= 0 && ep.port <= 65535 ? ep.port : -1;
      c.identity[2 * i + side] = this.identityOf(id, ip);
    }
    const p: Record<string, unknown> = isObj(f.packets) ? f.packets : {};
    const b: Record<string, unknown> = isObj(f.bytes) ? f.bytes : {};
    c.packets[2 * i] = num(p.fromClient);
    c.packets[2 * i + 1] = num(p.fromServer);
    c.bytes[2 * i] = num(b.fromClient);
    c.bytes[2 * i + 1] = num(b.fromServer);
    c.seen[2 * i] = parseIsoSeconds(f.firstSeen);
    c.seen[2 * i + 1] = parseIsoSeconds(f.lastSeen);
    c.alerted[i] = f.alerted === true ? 1 : 0;
    if (isObj(f.beforeAlert) && num(f.beforeAlert.packets) > 0) {
      const before = (c.before ??= new Float64Array(2 * this.count));
      before[2 * i] = num(f.beforeAlert.packets);
      before[2 * i + 1] = num(f.beforeAlert.bytes);
    }
    c.actFirst[i] = Math.min(0xffff, Math.floor(num(a.firstBucket)));
    const ap = Array.isArray(a.packets) ? a.packets : [];
    const ab = Array.isArray(a.bytes) ? a.bytes : [];
    const n = Math.min(ab.length, this.bucketLimit);
    for (let k = 0; k < n; k++) {
      this.actB.push(num(ab[k]));
      this.actP.push(k < ap.length ? num(ap[k]) : 0);
    }
    c.actStart[i + 1] = this.actB.n;
    for (const name of hintNames(f)) this.putName(name);
    c.nameStart[i + 1] = this.nameP.n;
    if (Array.isArray(f.flags)) for (const x of (f.flags as unknown[]).filter((x): x is string => typeof x === 'string').slice(0, 8)) this.flagP.push(this.sid(x));
    c.flagStart[i + 1] = this.flagP.n;
    this.addPods(i, f.capturedOn);
    const w = c.wire;
    if (w) {
      w.clientBy[i] = Math.max(0, CLIENT_BY.indexOf(f.clientBy as (typeof CLIENT_BY)[number]));
      w.depth[i] = Math.min(255, Math.floor(num(f.tunnelDepth)));
      textTimes(w, i, f.firstSeen, f.lastSeen);
      const rest: Record<string, unknown> = {};
      let any = false;
      for (const key of ['ipFragments', 'dns', 'tlsSni', 'http']) {
        if (f[key] !== undefined) {
          rest[key] = key === 'dns' ? sameNamesAsZero(f[key]) : f[key];
          any = true;
        }
      }
      if (any) this.extra.put(JSON.stringify(rest));
      w.extraStart[i + 1] = this.extra.length;
    }
  }

  /** At most MAX_PODS pods a flow, each cut; the pool is made at the first flow with any. */
  private addPods(i: number, v: unknown): void {
    if (v === undefined && !this.podP) return; // most flows of most captures
    const names = Array.isArray(v) ? [...new Set(v.filter((x): x is string => typeof x === 'string' && x !== '').map((x) => clip(x, POD_MAX)))].slice(0, MAX_PODS) : [];
    if (names.length && !this.podP) {
      this.podP = new Pool(u32, this.count);
      this.c.podStart = new Uint32Array(this.count + 1);
    }
    if (!this.podP) return;
    for (const name of names) this.podP.push(this.sid(name));
    (this.c.podStart as Uint32Array)[i + 1] = this.podP.n;
  }

  finish(): FlowColumns {
    const c = this.c;
    if (this.i !== this.count) throw new RangeError(`${this.i} flows added, ${this.count} announced`);
    c.actPackets = this.actP.a.slice(0, this.actP.n);
    c.actBytes = this.actB.a.slice(0, this.actB.n);
    c.names = this.nameP.a.slice(0, this.nameP.n);
    c.flags = this.flagP.a.slice(0, this.flagP.n);
    if (c.wire) c.wire.extra = this.extra.chunks();
    if (this.podP) c.pods = this.podP.a.slice(0, this.podP.n);
    return c;
  }
}

function setTimes(w: Wire, i: number, s0: number, n0: number, s1: number, n1: number): void {
  w.sec[2 * i] = s0;
  w.ns[2 * i] = n0;
  w.sec[2 * i + 1] = s1;
  w.ns[2 * i + 1] = n1;
}

/** Flow i's exact times from its time texts, or the texts themselves when either is not the
 *  analyzer's canonical form. */
function textTimes(w: Wire, i: number, first: unknown, last: unknown): void {
  const t0 = exactTime(first);
  const t1 = exactTime(last);
  if (t0 && t1) setTimes(w, i, t0[0], t0[1], t1[0], t1[1]);
  else w.oddTimes[i] = [str(first, '', 64), str(last, '', 64)];
}

/** Columns of a list of records. */
export function columnsOf(flows: readonly unknown[], bucketLimit: number, wire = false): FlowColumns {
  const b = new ColumnsBuilder(flows.length, bucketLimit, wire);
  for (const f of flows) b.add(f);
  return b.finish();
}
