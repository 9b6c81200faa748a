// Flow records: a flow's key, counters, times, flags and hint state in one 88-byte record of
// a typed-array buffer (flowTable.ts adds the hash index over the keys). The records are one
// buffer reserved for `maxFlows` up front (untouched pages cost no memory): no copy as flows
// are added. What only some flows have (DNS hints, SNI, HTTP request, activity block) hangs
// off a per-flow extension entry (`ext`), made on first use.
//
// The key in the record is compact: protocol and IP version, the client and server
// addresses (IPv4 itself; IPv6 as the number of the address in `v6`, each address once),
// the two ports. A packet touches its hash slot and its record (two cache lines), and the
// activity block only when its bucket changes.
//
//   word 0             meta: protocol | ipVersion << 8
//   words 1, 2, 3      client address (or IPv6 address number), server address, ports c << 16 | s
//   words 4, 5         first TCP sequence number client → server, server → client
//   word 6             packets in the current activity bucket
//   bytes 28..31       current activity bucket (int8, -1: none), flags, hint state,
//                      activity exponent (int8) of the flow's timeline
//   float64 4          bytes in the current activity bucket
//   float64 5, 6       bytes c→s, s→c
//   words 14, 15       first sec, last sec, as int32 seconds from the table's first flow
//                      (a flow whose times do not fit keeps them apart, byte 81 set)
//   words 16, 17       first ns, last ns
//   words 18, 19       packets c→s, s→c (uint32; a carry kept apart past 2^32)
//   byte 80            tunnel depth
//   uint16 41          DNS messages parsed (owned by the hint extractor; saturates at 65535)
//   word 21            extension entry + 1 (0: none)

import { ActivityStore, ACTIVITY_BUCKETS } from './activityStore.js';
import { V6Addresses } from './v6Addresses.js';

export { ACTIVITY_BUCKETS };
/** Records are reserved for up to this many flows at once (352 MiB of address space); a
 *  larger `maxFlows` grows the buffer by doubling. */
export const RESERVE_FLOWS = 1 << 22;
export const REC_WORDS = 22;
export const REC_BYTES = REC_WORDS * 4;
export const REC_DOUBLES = 11;
export const W_PORTS = 3;
const W_SEQ_C = 4;
export const W_CUR_PKTS = 6;
export const B_CUR_BUCKET = 28;
const B_FLAGS = 29;
const B_HINT = 30;
export const B_ACT_EXP = 31;
export const D_CUR_BYTES = 4;
const D_BYTES = 5;
const W_FIRST_SEC = 14;
const W_LAST_SEC = 15;
const W_FIRST_NS = 16;
const W_LAST_NS = 17;
export const W_PKTS = 18;
const B_DEPTH = 80;
const B_WIDE = 81;
const H_DNS = 41;
const W_EXT = 21;
const REC_HALVES = REC_WORDS * 2;
/** Extension entry words: DNS hint, SNI, HTTP request, activity block (each + 1, 0: none). */
export const EXT_DNS = 0;
export const EXT_SNI = 1;
export const EXT_HTTP = 2;
export const EXT_ACT = 3;
const EXT_WORDS = 4;
const TWO32 = 4294967296;

/** stat(): packets (+ direction) and bytes (+ direction). */
export const S_PKTS = 0;
export const S_BYTES = 2;

export const FLAG_SYN = 1;
export const FLAG_SYNACK = 2;
export const FLAG_FIN = 4;
export const FLAG_RST = 8;
/** The client was chosen because it sent a SYN without ACK. */
export const FLAG_CLIENT_BY_SYN = 16;
/** The client was chosen as the receiver of a SYN-ACK seen before any SYN. */
export const FLAG_CLIENT_BY_SYNACK = 128;
const FLAG_BASE_C = 32;
const FLAG_BASE_S = 64;

export interface RecordsSnapshot {
  count: number;
  cap: number;
  rec: Int32Array;
  born: Float64Array | undefined;
  ext: Int32Array;
  extCount: number;
  frag: [number, Float64Array][];
  carry: [number, Float64Array][];
  secBase: number;
  wide: [number, Float64Array][];
  v6: { words: Int32Array; slots: Int32Array; count: number; mask: number };
  act: { pages: Uint32Array[]; blocks: number };
}

/** The records of a flow table and everything read or written per flow. */
export class FlowRecords {
  /** The file's number of the current packet (set by the analyzer; see `born`). */
  birth = 0;
  /** Flow → the number of the packet that created it, when asked for (the parallel analysis
   *  merges two tables in that order). */
  born: Float64Array | undefined;
  count = 0;
  cap: number;
  readonly v6 = new V6Addresses();

  protected rec: Int32Array;
  protected recU: Uint32Array;
  protected recF: Float64Array;
  protected recB: Uint8Array;
  protected recI8: Int8Array;
  protected recH: Uint16Array;
  private ext: Int32Array;
  private extCount = 0;
  /** Flow → [packets c→s, s→c, bytes c→s, s→c] of IP fragments not counted in the flow's
   *  packets (fragments are rare: kept apart, only for flows that have some). */
  protected readonly frag = new Map<number, Float64Array>();
  /** Flow → packets c→s, s→c beyond 2^32 (in units of 2^32). */
  private readonly carry = new Map<number, Float64Array>();
  /** The first flow's creation second: record times are int32 seconds from it. */
  private secBase = NaN;
  /** Flow → [first sec, last sec] of the flows whose times do not fit (byte B_WIDE set). */
  private readonly wide = new Map<number, Float64Array>();
  /** Buckets of the flows that have more than one (up to date after `finalizeActivity`). */
  readonly act = new ActivityStore(this);

  constructor(readonly maxFlows: number, initialCap: number, trackBirth: boolean) {
    this.cap = maxFlows <= RESERVE_FLOWS ? Math.max(16, maxFlows) : Math.max(16, Math.min(initialCap, maxFlows));
    this.rec = new Int32Array(new ArrayBuffer(this.cap * REC_BYTES));
    this.recU = new Uint32Array(this.rec.buffer);
    this.recF = new Float64Array(this.rec.buffer);
    this.recB = new Uint8Array(this.rec.buffer);
    this.recI8 = new Int8Array(this.rec.buffer);
    this.recH = new Uint16Array(this.rec.buffer);
    if (trackBirth) this.born = new Float64Array(this.cap);
    // reserved for every flow (address space only until used), grown past RESERVE_FLOWS
    this.ext = new Int32Array(EXT_WORDS * Math.min(this.cap, RESERVE_FLOWS));
  }

  private views(rec: Int32Array): void {
    this.rec = rec;
    this.recU = new Uint32Array(rec.buffer);
    this.recF = new Float64Array(rec.buffer);
    this.recB = new Uint8Array(rec.buffer);
    this.recI8 = new Int8Array(rec.buffer);
    this.recH = new Uint16Array(rec.buffer);
  }

  /** Starts flow `count` with the compact key (meta, a, b, ports), oriented client → server. */
  protected newFlow(meta: number, a: number, b: number, ports: number, sec: number, ns: number, depth: number, actExp: number): number {
    const f = this.count++;
    if (this.born !== undefined) this.born[f] = this.birth;
    const w = f * REC_WORDS;
    const r = this.rec;
    r[w] = meta;
    r[w + 1] = a;
    r[w + 2] = b;
    r[w + 3] = ports;
    this.recI8[f * REC_BYTES + B_CUR_BUCKET] = -1;
    if (this.secBase !== this.secBase) this.secBase = sec;
    const rel = sec - this.secBase;
    if ((rel | 0) === rel) {
      r[w + W_FIRST_SEC] = rel;
      r[w + W_LAST_SEC] = rel;
    } else {
      this.recB[f * REC_BYTES + B_WIDE] = 1;
      this.wide.set(f, Float64Array.of(sec, sec));
    }
    r[w + W_FIRST_NS] = ns;
    r[w + W_LAST_NS] = ns;
    this.recB[f * REC_BYTES + B_DEPTH] = depth;
    this.recI8[f * REC_BYTES + B_ACT_EXP] = actExp;
    return f;
  }

  /** Counts a packet of `len` bytes in flow f, direction `fromClient`, at sec/ns. */
  count1(f: number, fromClient: number, len: number, sec: number, ns: number): void {
    const w = this.rec;
    const u = this.recU;
    const wb = f * REC_WORDS;
    const d = fromClient ? 0 : 1;
    // The first counted packet sets the times (a flow named by a first IP fragment starts
    // when its datagram completes, as tshark's conversations do).
    const first = u[wb + W_PKTS] === 0 && u[wb + W_PKTS + 1] === 0 && (this.carry.size === 0 || !this.carry.has(f));
    const p = (u[wb + W_PKTS + d] + 1) >>> 0;
    u[wb + W_PKTS + d] = p;
    if (p === 0) this.carryOver(f, d);
    this.recF[f * REC_DOUBLES + D_BYTES + d] += len;
    const rel = sec - this.secBase;
    if ((rel | 0) !== rel || this.recB[f * REC_BYTES + B_WIDE] !== 0) {
      this.timesWide(f, sec, ns, first);
      return;
    }
    if (first) {
      w[wb + W_FIRST_SEC] = w[wb + W_LAST_SEC] = rel;
      w[wb + W_FIRST_NS] = w[wb + W_LAST_NS] = ns;
      return;
    }
    const ls = w[wb + W_LAST_SEC];
    if (rel > ls || (rel === ls && ns >= w[wb + W_LAST_NS])) {
      w[wb + W_LAST_SEC] = rel;
      w[wb + W_LAST_NS] = ns;
    } else {
      const fs = w[wb + W_FIRST_SEC];
      if (rel < fs || (rel === fs && ns < w[wb + W_FIRST_NS])) {
        w[wb + W_FIRST_SEC] = rel;
        w[wb + W_FIRST_NS] = ns;
      }
    }
  }

  /** count1's times for a flow whose seconds do not fit in int32 from the base: kept apart. */
  private timesWide(f: number, sec: number, ns: number, first: boolean): void {
    const w = this.rec;
    const wb = f * REC_WORDS;
    let t = this.wide.get(f);
    if (!t) {
      t = Float64Array.of(this.secBase + w[wb + W_FIRST_SEC], this.secBase + w[wb + W_LAST_SEC]);
      this.wide.set(f, t);
      this.recB[f * REC_BYTES + B_WIDE] = 1;
    }
    if (first) {
      t[0] = t[1] = sec;
      w[wb + W_FIRST_NS] = w[wb + W_LAST_NS] = ns;
      return;
    }
    if (sec > t[1] || (sec === t[1] && ns >= w[wb + W_LAST_NS])) {
      t[1] = sec;
      w[wb + W_LAST_NS] = ns;
    } else if (sec < t[0] || (sec === t[0] && ns < w[wb + W_FIRST_NS])) {
      t[0] = sec;
      w[wb + W_FIRST_NS] = ns;
    }
  }

  private carryOver(f: number, d: number): void {
    let c = this.carry.get(f);
    if (!c) this.carry.set(f, (c = new Float64Array(2)));
    c[d]++;
  }

  /** Packets (S_PKTS + direction) or bytes (S_BYTES + direction) of flow f. */
  stat(f: number, i: number): number {
    if (i >= S_BYTES) return this.recF[f * REC_DOUBLES + D_BYTES + i - S_BYTES];
    const n = this.recU[f * REC_WORDS + W_PKTS + i];
    return this.carry.size > 0 && this.carry.has(f) ? n + (this.carry.get(f) as Float64Array)[i] * TWO32 : n;
  }

  firstSec(f: number): number {
    return this.recB[f * REC_BYTES + B_WIDE] ? (this.wide.get(f) as Float64Array)[0] : this.secBase + this.rec[f * REC_WORDS + W_FIRST_SEC];
  }

  firstNs(f: number): number { return this.rec[f * REC_WORDS + W_FIRST_NS]; }

  lastSec(f: number): number {
    return this.recB[f * REC_BYTES + B_WIDE] ? (this.wide.get(f) as Float64Array)[1] : this.secBase + this.rec[f * REC_WORDS + W_LAST_SEC];
  }

  lastNs(f: number): number { return this.rec[f * REC_WORDS + W_LAST_NS]; }

  /** FLAG_* bits of flow f. */
  flagsOf(f: number): number { return this.recB[f * REC_BYTES + B_FLAGS]; }
  addFlags(f: number, bits: number): void { this.recB[f * REC_BYTES + B_FLAGS] |= bits; }
  /** Tunnel depth of flow f (0: not tunnelled). */
  depthOf(f: number): number { return this.recB[f * REC_BYTES + B_DEPTH]; }
  /** Application-hint state of flow f (owned by the hint extractor). */
  hintOf(f: number): number { return this.recB[f * REC_BYTES + B_HINT]; }
  setHint(f: number, state: number): void { this.recB[f * REC_BYTES + B_HINT] = state; }
  /** DNS messages parsed in flow f (owned by the hint extractor; kept up to 65535). */
  dnsCount(f: number): number { return this.recH[f * REC_HALVES + H_DNS]; }
  setDnsCount(f: number, n: number): void { this.recH[f * REC_HALVES + H_DNS] = n; }

  /** Word `slot` (EXT_*) of flow f's extension entry (0 when it has none). */
  extOf(f: number, slot: number): number {
    const e = this.rec[f * REC_WORDS + W_EXT];
    return e === 0 ? 0 : this.ext[(e - 1) * EXT_WORDS + slot];
  }

  setExt(f: number, slot: number, v: number): void {
    let e = this.rec[f * REC_WORDS + W_EXT];
    if (e === 0) {
      if ((this.extCount + 1) * EXT_WORDS > this.ext.length) {
        const x = new Int32Array(this.ext.length * 2);
        x.set(this.ext);
        this.ext = x;
      }
      e = ++this.extCount;
      this.rec[f * REC_WORDS + W_EXT] = e;
    }
    this.ext[(e - 1) * EXT_WORDS + slot] = v;
  }

  /** TCP: does a SYN (without ACK) with sequence number `seq` start a new connection on
   *  flow f? As tshark 4.0 decides a new stream: yes when the sender's direction already had
   *  a first sequence number and this one differs (a SYN repeating it is a retransmission,
   *  even after FIN/RST). Records the first sequence number of each direction. */
  tcpSeq(f: number, dirClient: number, seq: number, synOnly: boolean): boolean {
    const bit = dirClient ? FLAG_BASE_C : FLAG_BASE_S;
    const fl = this.recB[f * REC_BYTES + B_FLAGS];
    const w = f * REC_WORDS + W_SEQ_C + (dirClient ? 0 : 1);
    if (!(fl & bit)) {
      this.recB[f * REC_BYTES + B_FLAGS] = fl | bit;
      this.rec[w] = seq;
      return false;
    }
    return synOnly && this.rec[w] >>> 0 !== seq >>> 0;
  }

  /** Swaps the client and server sides of flow f (its key orientation and every
   *  per-direction counter). The hash is symmetric, so its slot stays valid. */
  swapSides(f: number): void {
    const w = f * REC_WORDS;
    const sw = (a: Float64Array | Int32Array | Uint32Array, i: number): void => {
      const x = a[i];
      a[i] = a[i + 1];
      a[i + 1] = x;
    };
    sw(this.rec, w + 1);
    this.rec[w + W_PORTS] = ((this.rec[w + W_PORTS] & 0xffff) << 16) | (this.rec[w + W_PORTS] >>> 16);
    sw(this.recU, w + W_PKTS);
    sw(this.recF, f * REC_DOUBLES + D_BYTES);
    const c = this.carry.get(f);
    if (c) sw(c, 0);
    const fr = this.frag.get(f);
    if (fr) {
      sw(fr, 0);
      sw(fr, 2);
    }
    sw(this.rec, w + W_SEQ_C);
    const fl = this.recB[f * REC_BYTES + B_FLAGS];
    const bc = fl & FLAG_BASE_C ? FLAG_BASE_S : 0;
    const bs = fl & FLAG_BASE_S ? FLAG_BASE_C : 0;
    this.recB[f * REC_BYTES + B_FLAGS] = (fl & ~(FLAG_BASE_C | FLAG_BASE_S)) | bc | bs;
  }

  /** Counts IP fragments (not in the flow's packets) of flow f, direction `fromClient`. */
  addFrag(f: number, fromClient: number, pkts: number, bytes: number): void {
    let fr = this.frag.get(f);
    if (fr === undefined) {
      fr = new Float64Array(4);
      this.frag.set(f, fr);
    }
    const d = fromClient ? 0 : 1;
    fr[d] += pkts;
    fr[2 + d] += bytes;
  }

  /** True when flow f has IP fragments not counted in its packets. */
  hasFrags(f: number): boolean {
    return this.frag.size > 0 && this.frag.has(f);
  }

  /** IP fragment packets of flow f not counted in its packets; side 0 client, 1 server. */
  fragPkts(f: number, side: number): number {
    return this.frag.get(f)?.[side] ?? 0;
  }

  fragBytes(f: number, side: number): number {
    return this.frag.get(f)?.[2 + side] ?? 0;
  }

  protected grow(): void {
    const c = Math.min(this.cap * 2, this.maxFlows);
    const rec = new Int32Array(new ArrayBuffer(c * REC_BYTES));
    rec.set(this.rec);
    this.views(rec);
    if (this.born !== undefined) {
      const b = new Float64Array(c);
      b.set(this.born);
      this.born = b;
    }
    this.cap = c;
  }

  /** The records' arrays, to hand to another thread (transferred: these records are done). */
  snapshotRecords(): RecordsSnapshot {
    return { count: this.count, cap: this.cap, rec: this.rec, born: this.born, ext: this.ext, extCount: this.extCount, frag: [...this.frag],
      carry: [...this.carry], secBase: this.secBase, wide: [...this.wide], v6: this.v6.snapshot(), act: this.act.snapshot() };
  }

  restoreRecords(s: RecordsSnapshot): void {
    this.count = s.count;
    this.cap = s.cap;
    this.views(s.rec);
    this.born = s.born;
    this.ext = s.ext;
    this.extCount = s.extCount;
    this.frag.clear();
    for (const [f, v] of s.frag) this.frag.set(f, v);
    this.carry.clear();
    for (const [f, v] of s.carry) this.carry.set(f, v);
    this.secBase = s.secBase;
    this.wide.clear();
    for (const [f, v] of s.wide) this.wide.set(f, v);
    this.v6.restore(s.v6);
    this.act.restore(s.act);
  }
}
