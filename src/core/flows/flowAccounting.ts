// Flow accounting, the part of the analyzer below the link layer: IP → TCP/UDP/ICMP/other,
// through IP-in-IP, GRE, VXLAN and Geneve tunnels, each IP layer accounted to its
// bidirectional flow (flow table, IP fragments, application hints). FlowAnalyzer (the capture
// sink) feeds it packet by packet; the parallel analysis's worker feeds it the packets of the
// address pairs it owns. Nothing here allocates per packet.

import { decodeEthernet, ETHERTYPE_IPV4, ETHERTYPE_IPV6, etherTypeName, LinkResult, LinkStatus } from './linkLayer.js';
import { decodeGre, ETHERTYPE_TEB } from './tunnels.js';
import { decodeIpv4, decodeIpv6, IpResult } from './ipLayer.js';
import { FlowTable, FLAG_CLIENT_BY_SYN, FLAG_CLIENT_BY_SYNACK, FLAG_FIN, FLAG_RST, FLAG_SYN, FLAG_SYNACK, type TableSnapshot } from './flowTable.js';
import { FragmentTracker } from './fragments.js';
import { DEFAULT_HINT_LIMITS, HintExtractor, HINT_DONE, isDnsPort, type HintLimits, type HintSnapshot } from './hints.js';
import { CountMap } from './countMap.js';
import { BeforeCounts, type SplitTime } from './beforeCounts.js';

export interface FlowAccountingOptions {
  /** Flows beyond this many are not created; their packets are counted as overflow. */
  maxFlows?: number;
  hintLimits?: HintLimits;
  /** Decides, for each packet's outer IP header (the scratch key holds its addresses),
   *  whether this analyzer accounts it (each thread of the parallel analysis keeps its share
   *  of the address pairs). Absent: every packet. */
  router?: PacketRouter;
  /** Record the packet number that created each flow (`table.born`). */
  trackBirth?: boolean;
  /** Count each flow's packets before this time apart (`before`; the alert's time). */
  splitAt?: SplitTime;
  /** False: what happens before the router decides (a link-layer fault, a frame that is not
   *  IP, an undecodable outer IP header) is not counted here — the parallel analysis's worker,
   *  which reads every packet as the main thread does and adds only its share to its counts. */
  countUnrouted?: boolean;
}

export interface PacketRouter {
  /** False when the packet whose outer IP addresses are in the scratch key `k` is accounted
   *  by another thread. */
  keep(k: Int32Array): boolean;
}

export interface AccountingSnapshot {
  table: TableSnapshot;
  hints: HintSnapshot;
  nonIp: [string, number][];
  undecodable: [string, number][];
  undecodablePackets: number;
  fragmentPackets: number;
  fragsCreated: number;
  fragsUnattributed: number;
  overflowPackets: number;
  overflowBytes: number;
  flowsRefused: number;
  protoPkts: Float64Array;
  protoBytes: Float64Array;
  before: Float64Array;
}

export const DEFAULT_MAX_FLOWS = 1_000_000;
const MAX_TUNNEL_DEPTH = 4;

export abstract class FlowAccounting {
  readonly table: FlowTable;
  readonly frags = new FragmentTracker();
  readonly hints: HintExtractor;
  protected readonly link = new LinkResult();
  private readonly ip = new IpResult();
  protected readonly router: PacketRouter | undefined;
  protected readonly countsUnrouted: boolean;

  readonly nonIp = new CountMap(128);
  readonly undecodable = new CountMap(256);
  undecodablePackets = 0;
  fragmentPackets = 0;
  overflowPackets = 0;
  overflowBytes = 0;
  flowsRefused = 0;
  readonly protoPkts = new Float64Array(256);
  readonly protoBytes = new Float64Array(256);
  /** Each flow's packets and bytes before `splitAt` (none without one). */
  readonly before = new BeforeCounts();
  /** The split time (−∞: none, so that no packet is before it and the test costs two compares). */
  readonly splitSec: number;
  readonly splitNs: number;
  /** Width exponent of the activity timeline at the current packet (see FlowAnalyzer). */
  activityExp: number;

  // the current packet
  protected bucket = 0;
  protected curLen = 0;
  protected curSec = 0;
  protected curNs = 0;
  private tcpFlags = 0;
  private tcpSeq = 0;
  private payOff = 0;
  private payEnd = 0;

  constructor(opts: FlowAccountingOptions, activityExp: number) {
    const max = opts.maxFlows ?? DEFAULT_MAX_FLOWS;
    if (!(max >= 1) || !Number.isFinite(max)) throw new RangeError(`maxFlows must be a positive number, got ${max}`);
    this.table = new FlowTable(Math.floor(max), 1024, opts.trackBirth === true);
    this.hints = new HintExtractor(this.table, opts.hintLimits ?? DEFAULT_HINT_LIMITS);
    this.router = opts.router;
    this.countsUnrouted = opts.countUnrouted !== false;
    this.activityExp = activityExp;
    const sp = opts.splitAt;
    if (sp !== undefined && !(Number.isFinite(sp.sec) && Number.isInteger(sp.ns) && sp.ns >= 0 && sp.ns < 1e9)) {
      throw new RangeError(`splitAt must be whole seconds and nanoseconds, got ${JSON.stringify(sp)}`);
    }
    this.splitSec = sp === undefined ? -Infinity : sp.sec;
    this.splitNs = sp === undefined ? 0 : sp.ns;
  }

  /** Whether the analysis counts packets before a split time. */
  get hasSplit(): boolean {
    return this.splitSec !== -Infinity;
  }

  /** What this analyzer found, to hand to another thread (its arrays are transferred). */
  snapshotAccounting(): AccountingSnapshot {
    return {
      table: this.table.snapshot(), hints: this.hints.snapshot(),
      nonIp: this.nonIp.entries(), undecodable: this.undecodable.entries(), undecodablePackets: this.undecodablePackets,
      fragmentPackets: this.fragmentPackets, fragsCreated: this.frags.created, fragsUnattributed: this.frags.pendingUnattributed(),
      overflowPackets: this.overflowPackets, overflowBytes: this.overflowBytes, flowsRefused: this.flowsRefused,
      protoPkts: this.protoPkts, protoBytes: this.protoBytes, before: this.before.snapshot(),
    };
  }

  /** An undecodable IP header: at the outer layer, before any router decided on the packet. */
  private unrouted(depth: number, reason: string): void {
    if (depth > 0 || this.countsUnrouted) this.bad(reason);
  }

  protected bad(reason: string): void {
    this.undecodablePackets++;
    this.undecodable.add(reason, 1);
  }

  protected network(buf: Uint8Array, off: number, end: number, type: number, depth: number): void {
    const ip = this.ip;
    const k = this.table.k;
    if (type === ETHERTYPE_IPV4) {
      if (!decodeIpv4(buf, off, end, ip, k)) return this.unrouted(depth, ip.reason);
    } else if (type === ETHERTYPE_IPV6) {
      if (!decodeIpv6(buf, off, end, ip, k)) return this.unrouted(depth, ip.reason);
    } else {
      if (depth > 0 || this.countsUnrouted) this.nonIp.add(etherTypeName(type), 1);
      return;
    }
    if (depth === 0 && this.router !== undefined && !this.router.keep(k)) return;
    if (ip.isFragment) this.fragment(buf, depth);
    else this.transport(buf, depth);
  }

  /** Decodes the upper-layer header into the scratch key's meta and ports words. Returns
   *  false (counted as undecodable) when it is malformed. */
  private decodeL4(buf: Uint8Array): boolean {
    const ip = this.ip;
    const k = this.table.k;
    const p = ip.l4Off;
    const proto = ip.proto;
    k[0] = proto | (ip.version << 8);
    if (proto === 6) {
      if (p + 20 > ip.l4End) {
        this.bad('truncated tcp header');
        return false;
      }
      const doff = buf[p + 12] >> 4;
      if (doff < 5) {
        this.bad(`tcp data offset ${doff} < 5`);
        return false;
      }
      if (doff * 4 > ip.l4DeclaredLen) {
        this.bad('tcp header longer than segment');
        return false;
      }
      k[9] = (buf[p] << 24) | (buf[p + 1] << 16) | (buf[p + 2] << 8) | buf[p + 3];
      this.tcpSeq = ((buf[p + 4] << 24) | (buf[p + 5] << 16) | (buf[p + 6] << 8) | buf[p + 7]) >>> 0;
      this.tcpFlags = buf[p + 13];
      this.payOff = p + doff * 4;
    } else if (proto === 17) {
      if (p + 8 > ip.l4End) {
        this.bad('truncated udp header');
        return false;
      }
      k[9] = (buf[p] << 24) | (buf[p + 1] << 16) | (buf[p + 2] << 8) | buf[p + 3];
      this.payOff = p + 8;
    } else {
      k[9] = 0;
      this.payOff = p;
    }
    this.payEnd = ip.l4End;
    return true;
  }

  /** Finds or creates the flow of the scratch key; -1 when the table is full. */
  private resolveFlow(depth: number): number {
    const t = this.table;
    let f = t.find();
    const tcp = (t.k[0] & 0xff) === 6;
    const fl = this.tcpFlags & 0x12;
    if (f < 0) {
      const synAck = tcp && fl === 0x12; // SYN-ACK first: its receiver is the client
      if (synAck) t.reverseKey();
      f = t.insert(this.curSec, this.curNs, depth, this.activityExp);
      if (synAck) t.reverseKey();
      if (f < 0) return this.overflow();
      if (tcp) {
        if (fl === 0x02) t.addFlags(f, FLAG_CLIENT_BY_SYN);
        else if (synAck) {
          t.addFlags(f, FLAG_CLIENT_BY_SYNACK);
          t.fromClient = 0;
        }
        t.tcpSeq(f, t.fromClient, this.tcpSeq, false);
      }
    } else if (tcp) {
      const dir = t.fromClient;
      if (t.tcpSeq(f, dir, this.tcpSeq, fl === 0x02)) {
        f = t.replace(this.curSec, this.curNs, depth, this.activityExp);
        if (f < 0) return this.overflow();
        t.addFlags(f, FLAG_CLIENT_BY_SYN);
        t.tcpSeq(f, 1, this.tcpSeq, false);
      } else if ((fl === 0x02 || fl === 0x12) && !(t.flagsOf(f) & (FLAG_CLIENT_BY_SYN | FLAG_CLIENT_BY_SYNACK))) {
        // The flow began with a packet that named no client (joined mid-stream, or a stray
        // packet before the handshake): the handshake decides now.
        const senderIsClient = fl === 0x02;
        if ((dir === 1) !== senderIsClient) {
          t.swapSides(f);
          t.fromClient = dir ? 0 : 1;
        }
        t.addFlags(f, senderIsClient ? FLAG_CLIENT_BY_SYN : FLAG_CLIENT_BY_SYNACK);
      }
    }
    return f;
  }

  private overflow(): number {
    this.flowsRefused++;
    return -1;
  }

  private account(f: number, fromClient: number): void {
    const t = this.table;
    const len = this.curLen;
    const sec = this.curSec;
    t.count1(f, fromClient, len, sec, this.curNs);
    t.activity(f, this.bucket, this.activityExp, len);
    if (sec < this.splitSec || (sec === this.splitSec && this.curNs < this.splitNs)) this.before.add(f, len);
    const proto = t.k[0] & 0xff;
    this.protoPkts[proto]++;
    this.protoBytes[proto] += len;
  }

  private tcpFlagsSeen(f: number): void {
    const x = this.tcpFlags;
    let add = 0;
    if (x & 0x02) add |= x & 0x10 ? FLAG_SYNACK : FLAG_SYN;
    if (x & 0x01) add |= FLAG_FIN;
    if (x & 0x04) add |= FLAG_RST;
    if (add) this.table.addFlags(f, add);
  }

  private transport(buf: Uint8Array, depth: number): void {
    if (!this.decodeL4(buf)) return;
    const f = this.resolveFlow(depth);
    const t = this.table;
    const ip = this.ip;
    const proto = ip.proto;
    if (f < 0) {
      this.overflowPackets++;
      this.overflowBytes += this.curLen;
    } else {
      const dir = t.fromClient;
      this.account(f, dir);
      if (proto === 6) {
        this.tcpFlagsSeen(f);
        if (this.payEnd > this.payOff && t.hintOf(f) !== HINT_DONE) {
          this.hints.tcp(f, dir, this.tcpSeq, buf, this.payOff, this.payEnd);
        }
      } else if (proto === 17) {
        const ports = t.k[9];
        if (isDnsPort(ports >>> 16) || isDnsPort(ports & 0xffff)) this.hints.dns(f, buf, this.payOff, this.payEnd);
      }
    }
    if (depth >= MAX_TUNNEL_DEPTH) return;
    // Tunnels: the outer layer was accounted above; now the inner one.
    if (proto === 4 || proto === 41) {
      this.network(buf, ip.l4Off, ip.l4End, proto === 4 ? ETHERTYPE_IPV4 : ETHERTYPE_IPV6, depth + 1);
    } else if (proto === 47) {
      this.gre(buf, ip.l4Off, ip.l4End, depth + 1);
    } else if (proto === 17) {
      const ports = t.k[9];
      const sp = ports >>> 16;
      const dp = ports & 0xffff;
      const off = this.payOff;
      const end = this.payEnd;
      if ((dp === 4789 || sp === 4789) && off + 8 <= end) {
        this.ethernet(buf, off + 8, end, depth + 1); // VXLAN
      } else if ((dp === 6081 || sp === 6081) && off + 8 <= end) {
        const hl = 8 + (buf[off] & 0x3f) * 4; // Geneve
        const type = (buf[off + 2] << 8) | buf[off + 3];
        if (off + hl <= end) this.inner(buf, off + hl, end, type, depth + 1);
      }
    }
  }

  private ethernet(buf: Uint8Array, off: number, end: number, depth: number): void {
    const link = this.link;
    const st = decodeEthernet(buf, off, end, link);
    if (st === LinkStatus.Ok) this.network(buf, link.netOff, end, link.netType, depth);
    else if (st === LinkStatus.NonIp) this.nonIp.add(link.reason, 1);
    else this.bad(`tunnelled: ${link.reason}`);
  }

  private inner(buf: Uint8Array, off: number, end: number, type: number, depth: number): void {
    if (type === ETHERTYPE_TEB) this.ethernet(buf, off, end, depth);
    else this.network(buf, off, end, type, depth);
  }

  private gre(buf: Uint8Array, off: number, end: number, depth: number): void {
    const link = this.link;
    const st = decodeGre(buf, off, end, link);
    if (st === LinkStatus.Ok) {
      if (link.netOff < end) this.inner(buf, link.netOff, end, link.netType, depth);
    } else if (st === LinkStatus.NonIp) this.nonIp.add(link.reason, 1);
    else this.bad(link.reason);
  }

  private fragment(buf: Uint8Array, depth: number): void {
    const ip = this.ip;
    const t = this.table;
    const fr = this.frags;
    this.fragmentPackets++;
    const fk = fr.key;
    const k = t.k;
    fk[0] = ip.version;
    for (let i = 1; i <= 8; i++) fk[i] = k[i];
    fk[9] = ip.fragId;
    fk[10] = ip.proto;
    const e = fr.lookup();
    const len = this.curLen;
    if (ip.fragOffset === 0 && e.flow < 0) {
      // The first fragment carries the upper-layer header: name the flow now.
      const offset = ip.fragOffset;
      const fragLen = ip.fragLen;
      const more = ip.moreFragments;
      if (this.decodeL4(buf)) {
        const f = this.resolveFlow(depth);
        if (f >= 0) {
          e.flow = f;
          e.fromClient = t.fromClient;
          if (e.pendingPkts > 0) t.addFrag(f, e.fromClient, e.pendingPkts, e.pendingBytes);
          e.pendingPkts = 0;
          e.pendingBytes = 0;
          if (ip.proto === 6) this.tcpFlagsSeen(f);
        } else {
          this.overflowPackets++;
          this.overflowBytes += len;
        }
      }
      ip.fragOffset = offset;
      ip.fragLen = fragLen;
      ip.moreFragments = more;
    }
    const complete = fr.add(e, ip.fragOffset, ip.fragLen, ip.moreFragments);
    const f = e.flow;
    if (f < 0) {
      e.pendingPkts++;
      e.pendingBytes += len;
      return;
    }
    if (complete) {
      // The datagram counts once, on the frame that completes it (as tshark counts it).
      t.k[0] = t.keyWord(f, 0);
      this.account(f, e.fromClient);
    } else {
      t.addFrag(f, e.fromClient, 1, len);
      t.activity(f, this.bucket, this.activityExp, len);
    }
  }
}
