// Turns the analyzer's typed arrays into the JSON summary (strings are made here, once per
// flow, not per packet).

import {
  FLOW_SUMMARY_SCHEMA_VERSION,
  type FlowRecord,
  type FlowSummary,
  type ProtocolTotals,
  type TcpFlagName,
  type FlowEndpoint,
} from '../../shared/flowSummary.js';
import type { FlowParts } from '../../shared/flowParts.js';
import { ByteWriter } from './byteWriter.js';
import { FlowJsonWriter } from './flowJson.js';
import type { ReaderEnd } from '../pcap/types.js';
import type { FlowAnalyzer } from './flowAnalyzer.js';
import type { FlowAccounting } from './flowAccounting.js';
import { ACTIVITY_BUCKETS, S_BYTES, S_PKTS, FLAG_CLIENT_BY_SYN, FLAG_CLIENT_BY_SYNACK, FLAG_FIN, FLAG_RST, FLAG_SYN, FLAG_SYNACK } from './flowTable.js';
import { formatIpv4, formatIpv6Words, isoTime } from './format.js';

export function protocolName(p: number): string {
  switch (p) {
    case 6: return 'tcp';
    case 17: return 'udp';
    case 1: return 'icmp';
    case 58: return 'icmpv6';
    default: return `ip-${p}`;
  }
}

function hasPorts(p: number): boolean {
  return p === 6 || p === 17;
}

/** How the flow's client was chosen (the record's `clientBy`), from its FLAG_* bits. */
function clientByOf(flags: number): FlowRecord['clientBy'] {
  return flags & FLAG_CLIENT_BY_SYN ? 'syn' : flags & FLAG_CLIENT_BY_SYNACK ? 'syn-ack' : 'first-packet';
}

/** The names of a TCP flow's FLAG_* bits (the record's `flags`) into `out`; how many. */
function tcpFlagNames(flags: number, out: TcpFlagName[] | string[]): number {
  let n = 0;
  if (flags & FLAG_SYN) out[n++] = 'SYN';
  if (flags & FLAG_SYNACK) out[n++] = 'SYN-ACK';
  if (flags & FLAG_FIN) out[n++] = 'FIN';
  if (flags & FLAG_RST) out[n++] = 'RST';
  return n;
}

/** The same number, as a small integer when it is one (V8 then stores it unboxed: a
 *  summary holds millions of counts). */
function small(x: number): number {
  return x >= 0 && x <= 0x3fffffff ? x | 0 : x;
}

const V4_CACHE = 1 << 16;
const EXTRA_CHUNK = 256 * 1024;

/** The flows of a summary, in order (one table's, or a parallel analysis's merged). */
export interface FlowList {
  readonly count: number;
  protocolNumber(f: number): number;
}

function tableList(a: FlowAccounting): FlowList {
  const t = a.table;
  return { count: t.count, protocolNumber: (f) => t.protocol(f) };
}

/** What the annotator needs of a flow, without its record. */
export interface FlowEndpoints {
  protocol(f: number): string;
  /** Address text of the client (side 0) or the server (side 1). */
  ip(f: number, side: 0 | 1): string;
  port(f: number, side: 0 | 1): number | undefined;
}

export interface SummaryInput {
  end?: ReaderEnd;
  fileBytes?: number;
}

/** Turns flow f of the analyzer into its JSON record (strings made here). `v4` caches one
 *  string per IPv4 address (servers recur in many flows), up to V4_CACHE of them. */
export class FlowRecordMaker implements FlowEndpoints {
  private readonly v4 = new Map<number, string>();
  private json: FlowJsonWriter | undefined;
  private extraWriter: ByteWriter | undefined;
  private readonly extraSpill: Uint8Array[] = [];

  constructor(private readonly a: FlowAccounting) {}

  private ipv4Text(x: number): string {
    let s = this.v4.get(x);
    if (s === undefined) {
      s = formatIpv4(x);
      if (this.v4.size >= V4_CACHE) this.v4.clear();
      this.v4.set(x, s);
    }
    return s;
  }

  /** Protocol name of flow f ("tcp", "udp", "icmp", "icmpv6", "ip-<n>"). */
  protocol(f: number): string {
    return protocolName(this.a.table.protocol(f));
  }

  /** Address text of flow f's client (side 0) or server (side 1). */
  ip(f: number, side: 0 | 1): string {
    return this.ipText(f, side === 0 ? 1 : 5);
  }

  /** Port of flow f's client (side 0) or server (side 1); undefined without ports. */
  port(f: number, side: 0 | 1): number | undefined {
    if (!hasPorts(this.a.table.protocol(f))) return undefined;
    const ports = this.a.table.keyWord(f, 9);
    return side === 0 ? ports >>> 16 : ports & 0xffff;
  }

  private endpoint(f: number, side: 0 | 1, proto: number): FlowEndpoint {
    const e: FlowEndpoint = { ip: this.ipText(f, side === 0 ? 1 : 5) };
    if (hasPorts(proto)) {
      const ports = this.a.table.keyWord(f, 9);
      e.port = side === 0 ? ports >>> 16 : ports & 0xffff;
    }
    return e;
  }

  record(f: number): FlowRecord {
    const a = this.a;
    const t = a.table;
    const proto = t.protocol(f);
    const fl = t.flagsOf(f);
    const lo = t.activityStart(f);
    const hi = t.activityEnd(f);
    const actPkts = new Array<number>(hi - lo); // exact size: a summary holds many of these
    const actBytes = new Array<number>(hi - lo);
    for (let i = lo; i < hi; i++) {
      actPkts[i - lo] = small(t.activityPackets(f, i));
      actBytes[i - lo] = small(t.activityBytes(f, i));
    }
    const rec: FlowRecord = {
      protocol: protocolName(proto),
      client: this.endpoint(f, 0, proto),
      server: this.endpoint(f, 1, proto),
      packets: { fromClient: small(t.stat(f, S_PKTS)), fromServer: small(t.stat(f, S_PKTS + 1)) },
      bytes: { fromClient: small(t.stat(f, S_BYTES)), fromServer: small(t.stat(f, S_BYTES + 1)) },
      firstSeen: isoTime(t.firstSec(f), t.firstNs(f)),
      lastSeen: isoTime(t.lastSec(f), t.lastNs(f)),
      clientBy: clientByOf(fl),
      activity: { firstBucket: lo, packets: actPkts, bytes: actBytes },
    };
    const before = a.before.packets(f);
    if (before > 0) rec.beforeAlert = { packets: small(before), bytes: small(a.before.bytes(f)) };
    const fragC = t.fragPkts(f, 0);
    const fragS = t.fragPkts(f, 1);
    if (fragC || fragS) {
      rec.ipFragments = {
        packets: { fromClient: fragC, fromServer: fragS },
        bytes: { fromClient: t.fragBytes(f, 0), fromServer: t.fragBytes(f, 1) },
      };
    }
    if (proto === 6) {
      const flags: TcpFlagName[] = [];
      tcpFlagNames(fl, flags);
      rec.flags = flags;
    }
    const depth = t.depthOf(f);
    if (depth > 0) rec.tunnelDepth = depth;
    const h = a.hints.hintsOf(f);
    if (h.dns) rec.dns = h.dns;
    if (h.tlsSni !== undefined) rec.tlsSni = h.tlsSni;
    if (h.http) rec.http = h.http;
    return rec;
  }
  /** Flow f's fields as its record has them, into `out` (reused: no record, no time text). */
  parts(f: number, out: FlowParts): void {
    const a = this.a;
    const t = a.table;
    const proto = t.protocol(f);
    const fl = t.flagsOf(f);
    out.protocol = protocolName(proto);
    const v4 = t.ipVersion(f) === 4;
    out.clientV4 = v4 ? t.keyWord(f, 1) >>> 0 : -1;
    out.serverV4 = v4 ? t.keyWord(f, 5) >>> 0 : -1;
    out.clientIp = v4 && !out.wantIpText ? '' : this.ipText(f, 1);
    out.serverIp = v4 && !out.wantIpText ? '' : this.ipText(f, 5);
    const ports = hasPorts(proto) ? t.keyWord(f, 9) : -1;
    out.clientPort = ports === -1 ? -1 : ports >>> 16;
    out.serverPort = ports === -1 ? -1 : ports & 0xffff;
    out.packetsFromClient = t.stat(f, S_PKTS);
    out.packetsFromServer = t.stat(f, S_PKTS + 1);
    out.bytesFromClient = t.stat(f, S_BYTES);
    out.bytesFromServer = t.stat(f, S_BYTES + 1);
    out.firstSec = t.firstSec(f);
    out.firstNs = t.firstNs(f);
    out.lastSec = t.lastSec(f);
    out.lastNs = t.lastNs(f);
    out.clientBy = clientByOf(fl);
    const lo = t.activityStart(f);
    const hi = t.activityEnd(f);
    out.actFirst = lo;
    out.actCount = hi - lo;
    for (let i = lo; i < hi; i++) {
      out.actPackets[i - lo] = t.activityPackets(f, i);
      out.actBytes[i - lo] = t.activityBytes(f, i);
    }
    const before = a.before.packets(f);
    out.beforePackets = before > 0 ? before : 0;
    out.beforeBytes = before > 0 ? a.before.bytes(f) : 0;
    out.flagCount = proto === 6 ? tcpFlagNames(fl, out.flags) : 0;
    out.tunnelDepth = t.depthOf(f);
    // its names, and the record's other keys as JSON text
    const hints = a.hints;
    const any = hints.any(f);
    out.names = hints.names;
    out.dnsNameCount = any ? hints.dnsStore.entryNameIds(f, out.dnsNameIds, 32) : 0;
    out.tlsSniId = any ? hints.sniOf(f) : -1;
    const r = any ? hints.requestOf(f) : -1;
    if (r >= 0) {
      const q = hints.requestIds;
      out.httpMethod = hints.names.text(q[r]);
      out.httpPath = hints.names.text(q[r + 1]);
      out.httpHost = q[r + 3] >= 0 ? hints.names.text(q[r + 3]) : undefined;
    } else out.httpMethod = out.httpPath = out.httpHost = undefined;
    out.extraLength = 0;
    if (any || t.hasFrags(f)) {
      const w = (this.extraWriter ??= new ByteWriter(EXTRA_CHUNK, (chunk) => { this.extraSpill.push(chunk.slice()); }));
      w.pos = 0;
      this.extraSpill.length = 0;
      (this.json ??= new FlowJsonWriter(a)).extraKeys(f, w);
      if (this.extraSpill.length === 0) {
        out.extraJson = w.buf;
        out.extraLength = w.pos;
      } else {
        // longer than a chunk (bounded hints make this rare): one buffer of all of it
        this.extraSpill.push(w.buf.subarray(0, w.pos));
        out.extraJson = Buffer.concat(this.extraSpill);
        out.extraLength = out.extraJson.length;
      }
    }
  }

  /** Address text of the side whose key words start at `w` (1 client, 5 server); no quotes
   *  or backslashes can occur in it. */
  private ipText(f: number, w: number): string {
    const t = this.a.table;
    return t.ipVersion(f) === 4
      ? this.ipv4Text(t.keyWord(f, w) >>> 0)
      : formatIpv6Words(t.keyWord(f, w), t.keyWord(f, w + 1), t.keyWord(f, w + 2), t.keyWord(f, w + 3));
  }
}

/** Every flow's record, in flow order, made one at a time (for streaming output: the whole
 *  list never exists at once). Call `summaryHead` first (it finishes the analysis). */
export function* flowRecords(a: FlowAnalyzer): Generator<FlowRecord, void, undefined> {
  const m = new FlowRecordMaker(a);
  const n = a.table.count;
  for (let f = 0; f < n; f++) yield m.record(f);
}

/** The summary without its flows (`flows: []`): totals, timeline, interfaces, end state.
 *  Finishes the analysis (call once, after the last packet). */
export function summaryHead(a: FlowAnalyzer, input: SummaryInput = {}, flows: FlowList = tableList(a)): FlowSummary {
  a.finish();
  const t = a.table;
  const protocols: Record<string, ProtocolTotals> = {};
  // flows per protocol, keys in order of each protocol's first flow (as the flow list has them)
  const flowsPerProto = new Float64Array(256);
  for (let f = 0; f < flows.count; f++) {
    const p = flows.protocolNumber(f);
    if (flowsPerProto[p]++ === 0) protocols[protocolName(p)] = { flows: 0, packets: 0, bytes: 0 };
  }
  for (let p = 0; p < 256; p++) if (flowsPerProto[p] > 0) protocols[protocolName(p)].flows = flowsPerProto[p];
  for (let p = 0; p < 256; p++) {
    if (a.protoPkts[p] === 0) continue;
    const pt = (protocols[protocolName(p)] ??= { flows: 0, packets: 0, bytes: 0 });
    pt.packets += a.protoPkts[p];
    pt.bytes += a.protoBytes[p];
  }
  const duration = a.packets > 1 ? a.lastSec - a.firstSec + (a.lastNs - a.firstNs) / 1e9 : 0;
  const bucketSeconds = 2 ** a.activityExp;
  const comments: string[] = [];
  for (const s of a.sections) comments.push(...s.comments);
  const summary: FlowSummary = {
    schemaVersion: FLOW_SUMMARY_SCHEMA_VERSION,
    comments,
    interfaces: a.interfaces.map((i) => {
      const o: FlowSummary['interfaces'][number] = { section: i.sectionIndex, id: i.interfaceId, linkType: i.linkType };
      if (i.name !== undefined) o.name = i.name;
      if (i.description !== undefined) o.description = i.description;
      if (i.comments.length) o.comments = i.comments;
      return o;
    }),
    totals: {
      packets: a.packets,
      bytes: a.bytes,
      durationSeconds: Math.round(duration * 1e9) / 1e9,
      flows: flows.count,
      protocols,
      linkTypes: a.linkTypes.toRecord(),
      unknownLinkTypes: a.unknownLinkTypes.toRecord(),
      nonIp: a.nonIp.toRecord(),
      undecodable: { packets: a.undecodablePackets, reasons: a.undecodable.toRecord() },
      ipFragments: { packets: a.fragmentPackets, unattributed: a.frags.pendingUnattributed() },
      overflow: { maxFlows: t.maxFlows, flowsRefused: a.flowsRefused, packets: a.overflowPackets, bytes: a.overflowBytes },
      hintsDropped: a.hints.dropped,
    },
    activity: { start: isoTime(a.activitySec, a.activityNs), bucketSeconds, buckets: ACTIVITY_BUCKETS },
    flows: [],
  };
  if (a.packets > 0) {
    summary.totals.firstPacket = isoTime(a.firstSec, a.firstNs);
    summary.totals.lastPacket = isoTime(a.lastSec, a.lastNs);
  }
  if (input.end?.format) summary.format = input.end.format;
  if (input.end?.truncated) summary.truncated = { offset: input.end.truncated.offset, reason: input.end.truncated.reason };
  if (input.fileBytes !== undefined) summary.fileBytes = input.fileBytes;
  if (a.hasSplit) summary.alertSplit = { time: isoTime(a.splitSec, a.splitNs), packetsBefore: a.packetsBefore, bytesBefore: a.bytesBefore };
  return summary;
}

/** The whole summary, every flow in it. */
export function buildSummary(a: FlowAnalyzer, input: SummaryInput = {}): FlowSummary {
  const summary = summaryHead(a, input);
  const flows = summary.flows;
  for (const r of flowRecords(a)) flows.push(r);
  return summary;
}
