// The flow table: bidirectional conversations in typed arrays, found through an
// open-addressing hash of the numeric key (no string per packet). Memory grows with the
// number of flows (bounded by `maxFlows`), never with the number of packets.
//
// A key is 10 int32 words: [meta, a0..a3, b0..b3, ports] where meta = protocol | ipVersion << 8,
// a/b are the two addresses (IPv4 in word 0, the rest 0) and ports = portA << 16 | portB.
// Flows store their key oriented client → server.

export const ACTIVITY_BUCKETS = 32;
const KEY_WORDS = 10;

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

function sideHash(w0: number, w1: number, w2: number, w3: number, port: number): number {
  let h = Math.imul(w0 ^ 0x2545f491, 0x9e3779b1);
  h = Math.imul(h ^ w1 ^ (h >>> 15), 0x85ebca77);
  h = Math.imul(h ^ w2 ^ (h >>> 13), 0xc2b2ae3d);
  h = Math.imul(h ^ w3 ^ (h >>> 16), 0x27d4eb2f);
  h = Math.imul(h ^ port ^ (h >>> 15), 0x165667b1);
  return h ^ (h >>> 16);
}

export class FlowTable {
  /** Scratch key of the current packet, oriented source → destination. */
  readonly k = new Int32Array(KEY_WORDS);
  /** Set by `find`: 1 when the current packet goes client → server, 0 otherwise. */
  fromClient = 1;
  count = 0;
  cap: number;

  keys: Int32Array;
  /** [fromClient, fromServer] per flow. */
  pkts: Float64Array;
  bytes: Float64Array;
  fragPkts: Float64Array;
  fragBytes: Float64Array;
  firstSec: Float64Array;
  firstNs: Int32Array;
  lastSec: Float64Array;
  lastNs: Int32Array;
  flags: Uint8Array;
  baseSeq: Uint32Array;
  depth: Uint8Array;
  /** Per-flow application-hint state (owned by the hint extractor). */
  hintState: Uint8Array;
  actExp: Int8Array;
  actPkts: Uint32Array;
  actBytes: Float32Array;

  private slots: Int32Array;
  private slotHash: Int32Array;
  private mask: number;
  private lastSlot = -1;
  private lastHash = 0;

  constructor(readonly maxFlows: number, initialCap = 1024) {
    this.cap = Math.max(16, Math.min(initialCap, maxFlows));
    const c = this.cap;
    this.keys = new Int32Array(c * KEY_WORDS);
    this.pkts = new Float64Array(c * 2);
    this.bytes = new Float64Array(c * 2);
    this.fragPkts = new Float64Array(c * 2);
    this.fragBytes = new Float64Array(c * 2);
    this.firstSec = new Float64Array(c);
    this.firstNs = new Int32Array(c);
    this.lastSec = new Float64Array(c);
    this.lastNs = new Int32Array(c);
    this.flags = new Uint8Array(c);
    this.baseSeq = new Uint32Array(c * 2);
    this.depth = new Uint8Array(c);
    this.hintState = new Uint8Array(c);
    this.actExp = new Int8Array(c);
    this.actPkts = new Uint32Array(c * ACTIVITY_BUCKETS);
    this.actBytes = new Float32Array(c * ACTIVITY_BUCKETS);
    let slotCap = 16;
    while (slotCap < c * 2) slotCap *= 2;
    this.slots = new Int32Array(slotCap);
    this.slotHash = new Int32Array(slotCap);
    this.mask = slotCap - 1;
  }

  private hashKey(): number {
    const k = this.k;
    const p = k[9];
    const h = (sideHash(k[1], k[2], k[3], k[4], p >>> 16) + sideHash(k[5], k[6], k[7], k[8], p & 0xffff)) | 0;
    return Math.imul(h ^ k[0], 0x9e3779b1) ^ (h >>> 13);
  }

  /** Looks up the scratch key (either direction). Returns the flow index and sets
   *  `fromClient`, or -1 (then `insert` may create it). */
  find(): number {
    const k = this.k;
    const h = this.hashKey();
    const keys = this.keys;
    const slots = this.slots;
    const mask = this.mask;
    let i = h & mask;
    while (true) {
      const f1 = slots[i];
      if (f1 === 0) break;
      if (this.slotHash[i] === h) {
        const b = (f1 - 1) * KEY_WORDS;
        if (keys[b] === k[0]) {
          if (keys[b + 1] === k[1] && keys[b + 2] === k[2] && keys[b + 3] === k[3] && keys[b + 4] === k[4] &&
              keys[b + 5] === k[5] && keys[b + 6] === k[6] && keys[b + 7] === k[7] && keys[b + 8] === k[8] &&
              keys[b + 9] === k[9]) {
            this.fromClient = 1;
            this.lastSlot = i;
            return f1 - 1;
          }
          const rp = ((k[9] & 0xffff) << 16) | (k[9] >>> 16);
          if (keys[b + 1] === k[5] && keys[b + 2] === k[6] && keys[b + 3] === k[7] && keys[b + 4] === k[8] &&
              keys[b + 5] === k[1] && keys[b + 6] === k[2] && keys[b + 7] === k[3] && keys[b + 8] === k[4] &&
              keys[b + 9] === rp) {
            this.fromClient = 0;
            this.lastSlot = i;
            return f1 - 1;
          }
        }
      }
      i = (i + 1) & mask;
    }
    this.lastSlot = i;
    this.lastHash = h;
    return -1;
  }

  /** Swaps the scratch key's two sides (the hash is symmetric: `find` state stays valid). */
  reverseKey(): void {
    const k = this.k;
    for (let i = 1; i <= 4; i++) {
      const x = k[i];
      k[i] = k[i + 4];
      k[i + 4] = x;
    }
    k[9] = ((k[9] & 0xffff) << 16) | (k[9] >>> 16);
  }

  /** Creates a flow for the scratch key (oriented as the key: source = client) after a
   *  `find` that returned -1. Returns -1 when `maxFlows` is reached. */
  insert(sec: number, ns: number, depth: number, actExp: number): number {
    if (this.count >= this.maxFlows) return -1;
    if (this.count >= this.cap) this.grow();
    if ((this.count + 1) * 2 > this.slots.length) {
      this.rehash(this.slots.length * 2);
      this.find();
    }
    const f = this.newFlow(sec, ns, depth, actExp);
    this.slots[this.lastSlot] = f + 1;
    this.slotHash[this.lastSlot] = this.lastHash;
    this.fromClient = 1;
    return f;
  }

  /** Starts a new flow with the scratch key in place of flow `old` (found by the last
   *  `find`): a TCP 4-tuple reused after the old connection. Returns -1 at `maxFlows`. */
  replace(old: number, sec: number, ns: number, depth: number, actExp: number): number {
    if (this.count >= this.maxFlows) return -1;
    const slot = this.lastSlot;
    if (this.count >= this.cap) this.grow();
    const f = this.newFlow(sec, ns, depth, actExp);
    this.slots[slot] = f + 1; // same key, same hash: the slot now names the new flow
    this.fromClient = 1;
    void old;
    return f;
  }

  private newFlow(sec: number, ns: number, depth: number, actExp: number): number {
    const f = this.count++;
    this.keys.set(this.k, f * KEY_WORDS);
    this.firstSec[f] = sec;
    this.firstNs[f] = ns;
    this.lastSec[f] = sec;
    this.lastNs[f] = ns;
    this.depth[f] = depth;
    this.actExp[f] = actExp;
    return f;
  }

  /** Seen a packet of flow f (direction from `fromClient`). */
  touch(f: number, sec: number, ns: number): void {
    if (sec < this.firstSec[f] || (sec === this.firstSec[f] && ns < this.firstNs[f])) {
      this.firstSec[f] = sec;
      this.firstNs[f] = ns;
    }
    if (sec > this.lastSec[f] || (sec === this.lastSec[f] && ns > this.lastNs[f])) {
      this.lastSec[f] = sec;
      this.lastNs[f] = ns;
    }
  }

  /** TCP: does a SYN (without ACK) with sequence number `seq` start a new connection on
   *  flow f? As tshark 4.0 decides a new stream: yes when the sender's direction already had
   *  a first sequence number and this one differs (a SYN repeating it is a retransmission,
   *  even after FIN/RST). Records the first sequence number of each direction. */
  tcpSeq(f: number, dirClient: number, seq: number, synOnly: boolean): boolean {
    const bit = dirClient ? FLAG_BASE_C : FLAG_BASE_S;
    const fl = this.flags[f];
    const idx = f * 2 + (dirClient ? 0 : 1);
    if (!(fl & bit)) {
      this.flags[f] = fl | bit;
      this.baseSeq[idx] = seq;
      return false;
    }
    return synOnly && this.baseSeq[idx] !== seq >>> 0;
  }

  /** Adds to the activity bucket `bucket` of the timeline whose width exponent is `exp`. */
  activity(f: number, bucket: number, exp: number, bytes: number): void {
    const fe = this.actExp[f];
    const base = f * ACTIVITY_BUCKETS;
    if (fe !== exp) this.rescale(f, exp - fe);
    this.actExp[f] = exp;
    this.actPkts[base + bucket]++;
    this.actBytes[base + bucket] += bytes;
  }

  /** Merges flow f's buckets for a timeline `shift` times coarser. */
  rescale(f: number, shift: number): void {
    if (shift <= 0) return;
    const base = f * ACTIVITY_BUCKETS;
    const p = this.actPkts;
    const b = this.actBytes;
    for (let i = 0; i < ACTIVITY_BUCKETS; i++) {
      const j = shift >= 31 ? 0 : i >> shift;
      if (j === i) continue;
      p[base + j] += p[base + i];
      b[base + j] += b[base + i];
      p[base + i] = 0;
      b[base + i] = 0;
    }
    this.actExp[f] += shift;
  }

  private grow(): void {
    const c = Math.min(this.cap * 2, this.maxFlows);
    const g64 = (a: Float64Array, n: number): Float64Array => { const x = new Float64Array(c * n); x.set(a); return x; };
    const g32 = (a: Int32Array, n: number): Int32Array => { const x = new Int32Array(c * n); x.set(a); return x; };
    const gu8 = (a: Uint8Array): Uint8Array => { const x = new Uint8Array(c); x.set(a); return x; };
    this.keys = g32(this.keys, KEY_WORDS);
    this.pkts = g64(this.pkts, 2);
    this.bytes = g64(this.bytes, 2);
    this.fragPkts = g64(this.fragPkts, 2);
    this.fragBytes = g64(this.fragBytes, 2);
    this.firstSec = g64(this.firstSec, 1);
    this.firstNs = g32(this.firstNs, 1);
    this.lastSec = g64(this.lastSec, 1);
    this.lastNs = g32(this.lastNs, 1);
    this.flags = gu8(this.flags);
    this.depth = gu8(this.depth);
    this.hintState = gu8(this.hintState);
    const bs = new Uint32Array(c * 2); bs.set(this.baseSeq); this.baseSeq = bs;
    const ae = new Int8Array(c); ae.set(this.actExp); this.actExp = ae;
    const ap = new Uint32Array(c * ACTIVITY_BUCKETS); ap.set(this.actPkts); this.actPkts = ap;
    const ab = new Float32Array(c * ACTIVITY_BUCKETS); ab.set(this.actBytes); this.actBytes = ab;
    this.cap = c;
  }

  private rehash(slotCap: number): void {
    const old = this.slots;
    const oldHash = this.slotHash;
    this.slots = new Int32Array(slotCap);
    this.slotHash = new Int32Array(slotCap);
    this.mask = slotCap - 1;
    for (let i = 0; i < old.length; i++) {
      const f1 = old[i];
      if (f1 === 0) continue;
      const h = oldHash[i];
      let j = h & this.mask;
      while (this.slots[j] !== 0) j = (j + 1) & this.mask;
      this.slots[j] = f1;
      this.slotHash[j] = h;
    }
  }

  /** Protocol number of flow f. */
  protocol(f: number): number {
    return this.keys[f * KEY_WORDS] & 0xff;
  }

  ipVersion(f: number): number {
    return (this.keys[f * KEY_WORDS] >> 8) & 0xff;
  }

  keyWord(f: number, w: number): number {
    return this.keys[f * KEY_WORDS + w];
  }
}
