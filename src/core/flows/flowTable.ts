// The flow table: bidirectional conversations in typed arrays (flowRecords.ts), found through
// an open-addressing hash of the numeric key (no string per packet). Memory grows with the
// number of flows (bounded by `maxFlows`), never with the number of packets: per flow its
// 88-byte record, 5–11 bytes of hash slots (4-byte slots, at most 3/4 full), and what it
// needs beyond (hints, an activity
// block when it spans more than one activity bucket).
//
// The scratch key of a packet is 10 int32 words: [meta, a0..a3, b0..b3, ports] where meta =
// protocol | ipVersion << 8, a/b are the two addresses (IPv4 in word 0, the rest 0) and
// ports = portA << 16 | portB. A record keeps it compact (meta, a, b, ports), an IPv6 address
// as its number in the table's V6Addresses. Flows store their key oriented client → server.

import { REC_WORDS, W_PORTS, type RecordsSnapshot } from './flowRecords.js';
import { ActivityRecords } from './flowActivity.js';

export { ACTIVITY_BUCKETS, FLAG_CLIENT_BY_SYN, FLAG_CLIENT_BY_SYNACK, FLAG_FIN, FLAG_RST, FLAG_SYN, FLAG_SYNACK, S_BYTES, S_PKTS } from './flowRecords.js';

const KEY_WORDS = 10;

/** Symmetric hash of a compact key: the two sides are hashed alike and added, so both
 *  directions of a conversation find the same slot; then the murmur3 finalizer. */
function mixKey(meta: number, a: number, b: number, ports: number): number {
  const ha = Math.imul(a, 0x9e3779b1) ^ Math.imul((ports >>> 16) + 0x165667b1, 0x2545f491);
  const hb = Math.imul(b, 0x9e3779b1) ^ Math.imul((ports & 0xffff) + 0x165667b1, 0x2545f491);
  let h = (ha + hb + meta) | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

export interface TableSnapshot {
  records: RecordsSnapshot;
  slots: Int32Array;
  mask: number;
}

export class FlowTable extends ActivityRecords {
  /** Scratch key of the current packet, oriented source → destination. */
  readonly k = new Int32Array(KEY_WORDS);
  /** Set by `find`: 1 when the current packet goes client → server, 0 otherwise. */
  fromClient = 1;

  /** One int32 per slot: flow index + 1 in the low `idxBits` bits (0 = empty), the same
   *  high bits as its key's hash above them (a tag: most slots of other keys are passed over
   *  without reading their record). */
  private slots: Int32Array;
  private mask: number;
  private readonly idxMask: number;
  private readonly tagMask: number;
  private lastSlot = -1;

  constructor(maxFlows: number, initialCap = 1024, trackBirth = false) {
    super(maxFlows, initialCap, trackBirth);
    const slotCap = 1024;
    this.slots = new Int32Array(slotCap);
    this.mask = slotCap - 1;
    const idxBits = Math.min(31, 32 - Math.clz32(this.maxFlows));
    this.idxMask = idxBits === 31 ? 0x7fffffff : (1 << idxBits) - 1;
    this.tagMask = ~this.idxMask;
  }

  /** Looks up the scratch key (either direction). Returns the flow index and sets
   *  `fromClient`, or -1 (then `insert` may create it). */
  find(): number {
    const k = this.k;
    const meta = k[0];
    let a = k[1];
    let b = k[5];
    if (((meta >> 8) & 0xff) === 6) {
      a = this.v6.lookup(k[1], k[2], k[3], k[4]);
      b = this.v6.lookup(k[5], k[6], k[7], k[8]);
      if (a < 0 || b < 0) return -1; // an address no flow has
    }
    const p = k[9];
    const h = mixKey(meta, a, b, p);
    const rp = ((p & 0xffff) << 16) | (p >>> 16);
    const keys = this.rec;
    const slots = this.slots;
    const mask = this.mask;
    const tag = h & this.tagMask;
    let i = h & mask;
    while (true) {
      const sv = slots[i];
      if (sv === 0) break;
      if ((sv & this.tagMask) === tag) {
        const f1 = sv & this.idxMask;
        const r = (f1 - 1) * REC_WORDS;
        if (keys[r] === meta) {
          const kp = keys[r + 3];
          if (kp === p && keys[r + 1] === a && keys[r + 2] === b) {
            this.fromClient = 1;
            this.lastSlot = i;
            return f1 - 1;
          }
          if (kp === rp && keys[r + 1] === b && keys[r + 2] === a) {
            this.fromClient = 0;
            this.lastSlot = i;
            return f1 - 1;
          }
        }
      }
      i = (i + 1) & mask;
    }
    return -1;
  }

  /** Protocol number of flow f. */
  protocol(f: number): number {
    return this.rec[f * REC_WORDS] & 0xff;
  }

  ipVersion(f: number): number {
    return (this.rec[f * REC_WORDS] >> 8) & 0xff;
  }

  /** Word `w` of flow f's key as the scratch key has it (0 meta, 1..4 client address, 5..8
   *  server address, 9 ports), oriented client → server. */
  keyWord(f: number, w: number): number {
    const r = f * REC_WORDS;
    if (w === 0) return this.rec[r];
    if (w === 9) return this.rec[r + W_PORTS];
    const side = w <= 4 ? 1 : 2;
    const i = w <= 4 ? w - 1 : w - 5;
    if (((this.rec[r] >> 8) & 0xff) !== 6) return i === 0 ? this.rec[r + side] : 0;
    return this.v6.word(this.rec[r + side], i);
  }

  /** Looks up, in this table, the key of flow f of table `other` (either orientation). */
  findKeyOf(other: FlowTable, f: number): number {
    for (let i = 0; i < KEY_WORDS; i++) this.k[i] = other.keyWord(f, i);
    return this.find();
  }

  /** The table's arrays, to hand to another thread (transferred: this table is done). */
  snapshot(): TableSnapshot {
    return { records: this.snapshotRecords(), slots: this.slots, mask: this.mask };
  }

  restore(s: TableSnapshot): void {
    this.restoreRecords(s.records);
    this.slots = s.slots;
    this.mask = s.mask;
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
    if ((this.count + 1) * 4 > (this.mask + 1) * 3) this.rehash((this.mask + 1) * 2);
    const k = this.k;
    const meta = k[0];
    let a = k[1];
    let b = k[5];
    if (((meta >> 8) & 0xff) === 6) {
      a = this.v6.add(k[1], k[2], k[3], k[4]);
      b = this.v6.add(k[5], k[6], k[7], k[8]);
    }
    const h = mixKey(meta, a, b, k[9]);
    let i = h & this.mask;
    while (this.slots[i] !== 0) i = (i + 1) & this.mask;
    const f = this.newFlow(meta, a, b, k[9], sec, ns, depth, actExp);
    this.slots[i] = (h & this.tagMask) | (f + 1);
    this.fromClient = 1;
    return f;
  }

  /** Starts a new flow with the scratch key in place of the one found by the last `find`
   *  (a TCP 4-tuple reused after the old connection). Returns -1 at `maxFlows`. */
  replace(sec: number, ns: number, depth: number, actExp: number): number {
    if (this.count >= this.maxFlows) return -1;
    const slot = this.lastSlot;
    if (this.count >= this.cap) this.grow();
    const k = this.k;
    const v6 = ((k[0] >> 8) & 0xff) === 6;
    const a = v6 ? this.v6.lookup(k[1], k[2], k[3], k[4]) : k[1];
    const b = v6 ? this.v6.lookup(k[5], k[6], k[7], k[8]) : k[5];
    const f = this.newFlow(k[0], a, b, k[9], sec, ns, depth, actExp);
    this.slots[slot] = (this.slots[slot] & this.tagMask) | (f + 1); // same key, same hash: the slot now names the new flow
    this.fromClient = 1;
    return f;
  }

  /** Doubles the slots: each flow's hash is made again from its record's key. */
  private rehash(slotCap: number): void {
    const old = this.slots;
    const r = this.rec;
    this.slots = new Int32Array(slotCap);
    this.mask = slotCap - 1;
    for (let i = 0; i < old.length; i++) {
      const sv = old[i];
      if (sv === 0) continue;
      const w = ((sv & this.idxMask) - 1) * REC_WORDS;
      const h = mixKey(r[w], r[w + 1], r[w + 2], r[w + 3]);
      let j = h & this.mask;
      while (this.slots[j] !== 0) j = (j + 1) & this.mask;
      this.slots[j] = sv;
    }
  }
}
