// Flow records: a flow's key, counters, times, flags and hint state in one 128-byte record of
// a typed-array buffer (flowTable.ts adds the hash index over the keys). The records are one
// buffer reserved for `maxFlows` up front (untouched pages cost no memory): no copy as flows
// are added. The key (10 int32 words) is described in flowTable.ts.
//
// Each flow's hot data is one 128-byte record (two adjacent cache lines): a packet touches
// its hash slot and its record, and the activity buckets only when its bucket changes (the
// reader streams megabytes through the cache between two packets of a flow, so every
// separate array touched per packet costs a cache miss).
//
//   int32 words 0..9   key
//   word 10, 11        first TCP sequence number client → server, server → client
//   word 12            current activity bucket (-1: none), in the flow's `actExp` timeline
//   word 13            its packets
//   float64 7          its bytes (bytes 56..63)
//   float64 8..11      packets c→s, s→c, bytes c→s, s→c
//   float64 12, 13     first sec, last sec
//   word 28, 29        first ns, last ns
//   bytes 120..123     flags, hint state, activity exponent (int8), tunnel depth
//   uint16 62          DNS messages parsed (owned by the hint extractor; saturates at 65535)
// The small per-flow fields live in the record (not in arrays of their own) because a
// packet reads them: a separate array is one more cache line per packet.

import { ActivityStore, ACTIVITY_BUCKETS } from './activityStore.js';

export { ACTIVITY_BUCKETS };
/** Records are reserved for up to this many flows at once (512 MiB of address space); a
 *  larger `maxFlows` grows the buffer by doubling. */
export const RESERVE_FLOWS = 1 << 22;
export const KEY_WORDS = 10;
export const REC_WORDS = 32; // int32 words per record
const REC_DOUBLES = 16;
const W_BASE_C = 10;
const W_CUR_BUCKET = 12;
const W_CUR_PKTS = 13;
const D_CUR_BYTES = 7;
const D_STATS = 8;
export const S_PKTS = 0;
export const S_BYTES = 2;
const S_FIRST_SEC = 4;
const S_LAST_SEC = 5;
const W_FIRST_NS = 28;
const W_LAST_NS = 29;
export const REC_BYTES = REC_WORDS * 4;
const B_FLAGS = 120;
const B_HINT = 121;
const B_ACT_EXP = 122;
const B_DEPTH = 123;
const H_DNS = 62; // uint16 index in the record
const REC_HALVES = REC_WORDS * 2;

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

/** The records of a flow table and everything read or written per flow. */
export class FlowRecords {
  /** The file's number of the current packet (set by the analyzer; see `born`). */
  birth = 0;
  /** Flow → the number of the packet that created it, when asked for (the parallel analysis
   *  merges two tables in that order). */
  born: Float64Array | undefined;
  count = 0;
  cap: number;

  /** The records (see the top of this file), as int32 words and as float64s. */
  protected rec: Int32Array;
  protected recF: Float64Array;
  protected recB: Uint8Array;
  protected recI8: Int8Array;
  protected recH: Uint16Array;
  /** Flow → [packets c→s, s→c, bytes c→s, s→c] of IP fragments not counted in the flow's
   *  packets (fragments are rare: kept apart, only for flows that have some). */
  protected readonly frag = new Map<number, Float64Array>();
  /** Buckets of the flows that have more than one (up to date after `finalizeActivity`). */
  readonly act = new ActivityStore();

  constructor(readonly maxFlows: number, initialCap: number, trackBirth: boolean) {
    this.cap = maxFlows <= RESERVE_FLOWS ? Math.max(16, maxFlows) : Math.max(16, Math.min(initialCap, maxFlows));
    const buf = new ArrayBuffer(this.cap * REC_BYTES);
    this.rec = new Int32Array(buf);
    this.recF = new Float64Array(buf);
    this.recB = new Uint8Array(buf);
    this.recI8 = new Int8Array(buf);
    this.recH = new Uint16Array(buf);
    if (trackBirth) this.born = new Float64Array(this.cap);
  }

  /** Starts flow `count` with key `k` (oriented client → server). */
  protected newFlow(k: Int32Array, sec: number, ns: number, depth: number, actExp: number): number {
    const f = this.count++;
    if (this.born !== undefined) this.born[f] = this.birth;
    this.rec.set(k, f * REC_WORDS);
    this.rec[f * REC_WORDS + W_CUR_BUCKET] = -1;
    const d = f * REC_DOUBLES + D_STATS;
    this.recF[d + S_FIRST_SEC] = sec;
    this.recF[d + S_LAST_SEC] = sec;
    this.rec[f * REC_WORDS + W_FIRST_NS] = ns;
    this.rec[f * REC_WORDS + W_LAST_NS] = ns;
    this.recB[f * REC_BYTES + B_DEPTH] = depth;
    this.recI8[f * REC_BYTES + B_ACT_EXP] = actExp;
    return f;
  }

  /** Counts a packet of `len` bytes in flow f, direction `fromClient`, at sec/ns. */
  count1(f: number, fromClient: number, len: number, sec: number, ns: number): void {
    const st = this.recF;
    const w = this.rec;
    const b = f * REC_DOUBLES + D_STATS;
    const wb = f * REC_WORDS;
    const d = fromClient ? 0 : 1;
    if (st[b + S_PKTS] + st[b + S_PKTS + 1] === 0) {
      // The first counted packet sets the times (a flow named by a first IP fragment
      // starts when its datagram completes, as tshark's conversations do).
      st[b + S_FIRST_SEC] = st[b + S_LAST_SEC] = sec;
      w[wb + W_FIRST_NS] = w[wb + W_LAST_NS] = ns;
    }
    st[b + S_PKTS + d]++;
    st[b + S_BYTES + d] += len;
    const ls = st[b + S_LAST_SEC];
    if (sec > ls || (sec === ls && ns >= w[wb + W_LAST_NS])) {
      st[b + S_LAST_SEC] = sec;
      w[wb + W_LAST_NS] = ns;
    } else {
      const fs = st[b + S_FIRST_SEC];
      if (sec < fs || (sec === fs && ns < w[wb + W_FIRST_NS])) {
        st[b + S_FIRST_SEC] = sec;
        w[wb + W_FIRST_NS] = ns;
      }
    }
  }

  /** Packets (S_PKTS + direction) or bytes (S_BYTES + direction) of flow f. */
  stat(f: number, i: number): number {
    return this.recF[f * REC_DOUBLES + D_STATS + i];
  }

  firstSec(f: number): number { return this.recF[f * REC_DOUBLES + D_STATS + S_FIRST_SEC]; }
  firstNs(f: number): number { return this.rec[f * REC_WORDS + W_FIRST_NS]; }
  lastSec(f: number): number { return this.recF[f * REC_DOUBLES + D_STATS + S_LAST_SEC]; }
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

  /** TCP: does a SYN (without ACK) with sequence number `seq` start a new connection on
   *  flow f? As tshark 4.0 decides a new stream: yes when the sender's direction already had
   *  a first sequence number and this one differs (a SYN repeating it is a retransmission,
   *  even after FIN/RST). Records the first sequence number of each direction. */
  tcpSeq(f: number, dirClient: number, seq: number, synOnly: boolean): boolean {
    const bit = dirClient ? FLAG_BASE_C : FLAG_BASE_S;
    const fl = this.recB[f * REC_BYTES + B_FLAGS];
    const w = f * REC_WORDS + W_BASE_C + (dirClient ? 0 : 1);
    if (!(fl & bit)) {
      this.recB[f * REC_BYTES + B_FLAGS] = fl | bit;
      this.rec[w] = seq;
      return false;
    }
    return synOnly && this.rec[w] >>> 0 !== seq >>> 0;
  }

  /** Counts `bytes` in activity bucket `bucket` of the timeline whose width exponent is
   *  `exp`. The flow's current bucket is in its record (consecutive packets in one bucket only
   *  touch the record); a flow gets an activity block when a second bucket comes. */
  activity(f: number, bucket: number, exp: number, bytes: number): void {
    const w = f * REC_WORDS;
    const rec = this.rec;
    if (this.recI8[f * REC_BYTES + B_ACT_EXP] !== exp) this.rescale(f, exp);
    if (rec[w + W_CUR_BUCKET] === bucket && rec[w + W_CUR_PKTS] < 0x40000000) {
      rec[w + W_CUR_PKTS]++;
      this.recF[f * REC_DOUBLES + D_CUR_BYTES] += bytes;
      return;
    }
    this.flushActivity(f);
    rec[w + W_CUR_BUCKET] = bucket;
    rec[w + W_CUR_PKTS] = 1;
    this.recF[f * REC_DOUBLES + D_CUR_BYTES] = bytes;
  }

  /** Moves flow f's current bucket into its activity block. */
  private flushActivity(f: number): void {
    const w = f * REC_WORDS;
    const b = this.rec[w + W_CUR_BUCKET];
    if (b < 0) return;
    this.act.add(f, b, this.rec[w + W_CUR_PKTS], this.recF[f * REC_DOUBLES + D_CUR_BYTES]);
    this.rec[w + W_CUR_BUCKET] = -1;
  }

  /** Brings flow f to the coarser timeline of exponent `exp`: its buckets merge. */
  private rescale(f: number, exp: number): void {
    const shift = exp - this.recI8[f * REC_BYTES + B_ACT_EXP];
    if (shift <= 0) return;
    const w = f * REC_WORDS;
    const cur = this.rec[w + W_CUR_BUCKET];
    if (cur >= 0) this.rec[w + W_CUR_BUCKET] = shift >= 31 ? 0 : cur >> shift;
    this.act.rescale(f, shift);
    this.recI8[f * REC_BYTES + B_ACT_EXP] = exp;
  }

  /** Brings every flow's activity up to date on the timeline of exponent `exp`. */
  finalizeActivity(exp: number): void {
    const act = this.act;
    for (let f = 0; f < this.count; f++) {
      this.rescale(f, exp);
      if (act.has(f)) this.flushActivity(f);
    }
  }

  /** First bucket with packets of flow f, and one past the last (after `finalizeActivity`;
   *  both ACTIVITY_BUCKETS when it has none). */
  activityStart(f: number): number {
    if (this.act.has(f)) {
      let lo = 0;
      while (lo < ACTIVITY_BUCKETS && this.act.packets(f, lo) === 0) lo++;
      return lo;
    }
    const b = this.rec[f * REC_WORDS + W_CUR_BUCKET];
    return b >= 0 && this.rec[f * REC_WORDS + W_CUR_PKTS] > 0 ? b : ACTIVITY_BUCKETS;
  }

  activityEnd(f: number): number {
    if (this.act.has(f)) {
      let hi = ACTIVITY_BUCKETS;
      while (hi > 0 && this.act.packets(f, hi - 1) === 0) hi--;
      return Math.max(hi, this.activityStart(f));
    }
    const lo = this.activityStart(f);
    return lo < ACTIVITY_BUCKETS ? lo + 1 : lo;
  }

  /** Packets in activity bucket `bucket` of flow f (after `finalizeActivity`). */
  activityPackets(f: number, bucket: number): number {
    if (this.act.has(f)) return this.act.packets(f, bucket);
    const w = f * REC_WORDS;
    return this.rec[w + W_CUR_BUCKET] === bucket ? this.rec[w + W_CUR_PKTS] : 0;
  }

  /** Bytes in activity bucket `bucket` of flow f, as a 32-bit float (see FlowActivity). */
  activityBytes(f: number, bucket: number): number {
    if (this.act.has(f)) return this.act.bytesOf(f, bucket);
    return this.rec[f * REC_WORDS + W_CUR_BUCKET] === bucket ? Math.fround(this.recF[f * REC_DOUBLES + D_CUR_BYTES]) : 0;
  }

  /** Swaps the client and server sides of flow f (its key orientation and every
   *  per-direction counter). The hash is symmetric, so its slot stays valid. */
  swapSides(f: number): void {
    const w = f * REC_WORDS;
    const k = this.rec;
    for (let i = 1; i <= 4; i++) {
      const x = k[w + i];
      k[w + i] = k[w + i + 4];
      k[w + i + 4] = x;
    }
    k[w + 9] = ((k[w + 9] & 0xffff) << 16) | (k[w + 9] >>> 16);
    const sw = (a: Float64Array | Int32Array, i: number): void => {
      const x = a[i];
      a[i] = a[i + 1];
      a[i + 1] = x;
    };
    sw(this.recF, f * REC_DOUBLES + D_STATS + S_PKTS);
    sw(this.recF, f * REC_DOUBLES + D_STATS + S_BYTES);
    const fr = this.frag.get(f);
    if (fr) {
      sw(fr, 0);
      sw(fr, 2);
    }
    sw(this.rec, w + W_BASE_C);
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

  /** Protocol number of flow f. */
  protocol(f: number): number {
    return this.rec[f * REC_WORDS] & 0xff;
  }

  ipVersion(f: number): number {
    return (this.rec[f * REC_WORDS] >> 8) & 0xff;
  }

  /** Word `w` (0..9) of flow f's key, oriented client → server. */
  keyWord(f: number, w: number): number {
    return this.rec[f * REC_WORDS + w];
  }

  protected grow(): void {
    const c = Math.min(this.cap * 2, this.maxFlows);
    const buf = new ArrayBuffer(c * REC_BYTES);
    new Int32Array(buf).set(this.rec);
    this.rec = new Int32Array(buf);
    this.recF = new Float64Array(buf);
    this.recB = new Uint8Array(buf);
    this.recI8 = new Int8Array(buf);
    this.recH = new Uint16Array(buf);
    if (this.born !== undefined) {
      const b = new Float64Array(c);
      b.set(this.born);
      this.born = b;
    }
    this.cap = c;
  }
}
