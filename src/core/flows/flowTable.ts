// The flow table: bidirectional conversations in typed arrays (flowRecords.ts), found through
// an open-addressing hash of the numeric key (no string per packet). Memory grows with the
// number of flows (bounded by `maxFlows`), never with the number of packets: per flow its
// record, 8–16 bytes of hash slots, and an activity block only when it spans more than one
// activity bucket.
//
// A key is 10 int32 words: [meta, a0..a3, b0..b3, ports] where meta = protocol | ipVersion << 8,
// a/b are the two addresses (IPv4 in word 0, the rest 0) and ports = portA << 16 | portB.
// Flows store their key oriented client → server.

import { FlowRecords, KEY_WORDS, REC_WORDS } from './flowRecords.js';
import type { ActivitySnapshot } from './activityStore.js';

export { ACTIVITY_BUCKETS, FLAG_CLIENT_BY_SYN, FLAG_CLIENT_BY_SYNACK, FLAG_FIN, FLAG_RST, FLAG_SYN, FLAG_SYNACK, S_BYTES, S_PKTS } from './flowRecords.js';

/** Symmetric hash of a key: the two sides are hashed alike and added, so both directions
 *  of a conversation find the same slot. Independent multiplies (they run in parallel), then
 *  the murmur3 finalizer. */
function mixKey(meta: number, a0: number, a1: number, a2: number, a3: number,
  b0: number, b1: number, b2: number, b3: number, ports: number): number {
  const ha = Math.imul(a0, 0x9e3779b1) ^ Math.imul(a1, 0x85ebca77) ^ Math.imul(a2, 0xc2b2ae3d) ^
    Math.imul(a3, 0x27d4eb2f) ^ Math.imul((ports >>> 16) + 0x165667b1, 0x2545f491);
  const hb = Math.imul(b0, 0x9e3779b1) ^ Math.imul(b1, 0x85ebca77) ^ Math.imul(b2, 0xc2b2ae3d) ^
    Math.imul(b3, 0x27d4eb2f) ^ Math.imul((ports & 0xffff) + 0x165667b1, 0x2545f491);
  let h = (ha + hb + meta) | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

export interface TableSnapshot {
  count: number;
  cap: number;
  rec: Int32Array;
  slots: Int32Array;
  mask: number;
  born: Float64Array | undefined;
  frag: [number, Float64Array][];
  act: ActivitySnapshot;
}

export class FlowTable extends FlowRecords {
  /** Scratch key of the current packet, oriented source → destination. */
  readonly k = new Int32Array(KEY_WORDS);
  /** Set by `find`: 1 when the current packet goes client → server, 0 otherwise. */
  fromClient = 1;

  /** [flow index + 1 (0 = empty), hash] per slot. */
  private slots: Int32Array;
  private mask: number;
  private lastSlot = -1;
  private lastHash = 0;

  constructor(maxFlows: number, initialCap = 1024, trackBirth = false) {
    super(maxFlows, initialCap, trackBirth);
    let slotCap = 16;
    while (slotCap < this.cap * 2) slotCap *= 2;
    this.slots = new Int32Array(slotCap * 2);
    this.mask = slotCap - 1;
  }

  /** Looks up the scratch key (either direction). Returns the flow index and sets
   *  `fromClient`, or -1 (then `insert` may create it). */
  find(): number {
    const k = this.k;
    const k0 = k[0], a0 = k[1], a1 = k[2], a2 = k[3], a3 = k[4], b0 = k[5], b1 = k[6], b2 = k[7], b3 = k[8], p = k[9];
    const h = mixKey(k0, a0, a1, a2, a3, b0, b1, b2, b3, p);
    const rp = ((p & 0xffff) << 16) | (p >>> 16);
    const keys = this.rec;
    const slots = this.slots;
    const mask = this.mask;
    let i = h & mask;
    while (true) {
      const f1 = slots[i * 2];
      if (f1 === 0) break;
      if (slots[i * 2 + 1] === h) {
        const b = (f1 - 1) * REC_WORDS;
        if (keys[b] === k0) {
          const kp = keys[b + 9];
          if (kp === p && keys[b + 1] === a0 && keys[b + 5] === b0 && keys[b + 2] === a1 && keys[b + 3] === a2 &&
              keys[b + 4] === a3 && keys[b + 6] === b1 && keys[b + 7] === b2 && keys[b + 8] === b3) {
            this.fromClient = 1;
            this.lastSlot = i;
            return f1 - 1;
          }
          if (kp === rp && keys[b + 1] === b0 && keys[b + 5] === a0 && keys[b + 2] === b1 && keys[b + 3] === b2 &&
              keys[b + 4] === b3 && keys[b + 6] === a1 && keys[b + 7] === a2 && keys[b + 8] === a3) {
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

  /** Looks up, in this table, the key of flow f of table `other` (either orientation). */
  findKeyOf(other: FlowTable, f: number): number {
    for (let i = 0; i < KEY_WORDS; i++) this.k[i] = other.rec[f * REC_WORDS + i];
    return this.find();
  }

  /** The table's arrays, to hand to another thread (transferred: this table is done). */
  snapshot(): TableSnapshot {
    return { count: this.count, cap: this.cap, rec: this.rec, slots: this.slots, mask: this.mask, born: this.born,
      frag: [...this.frag], act: this.act.snapshot() };
  }

  restore(s: TableSnapshot): void {
    this.count = s.count;
    this.cap = s.cap;
    this.rec = s.rec;
    this.recF = new Float64Array(s.rec.buffer);
    this.recB = new Uint8Array(s.rec.buffer);
    this.recI8 = new Int8Array(s.rec.buffer);
    this.recH = new Uint16Array(s.rec.buffer);
    this.slots = s.slots;
    this.mask = s.mask;
    this.born = s.born;
    this.frag.clear();
    for (const [f, v] of s.frag) this.frag.set(f, v);
    this.act.restore(s.act);
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
    if ((this.count + 1) * 2 > this.mask + 1) {
      this.rehash((this.mask + 1) * 2);
      this.find();
    }
    const f = this.newFlow(this.k, sec, ns, depth, actExp);
    this.slots[this.lastSlot * 2] = f + 1;
    this.slots[this.lastSlot * 2 + 1] = this.lastHash;
    this.fromClient = 1;
    return f;
  }

  /** Starts a new flow with the scratch key in place of the one found by the last `find`
   *  (a TCP 4-tuple reused after the old connection). Returns -1 at `maxFlows`. */
  replace(sec: number, ns: number, depth: number, actExp: number): number {
    if (this.count >= this.maxFlows) return -1;
    const slot = this.lastSlot;
    if (this.count >= this.cap) this.grow();
    const f = this.newFlow(this.k, sec, ns, depth, actExp);
    this.slots[slot * 2] = f + 1; // same key, same hash: the slot now names the new flow
    this.fromClient = 1;
    return f;
  }

  private rehash(slotCap: number): void {
    const old = this.slots;
    this.slots = new Int32Array(slotCap * 2);
    this.mask = slotCap - 1;
    for (let i = 0; i < old.length; i += 2) {
      const f1 = old[i];
      if (f1 === 0) continue;
      const h = old[i + 1];
      let j = h & this.mask;
      while (this.slots[j * 2] !== 0) j = (j + 1) & this.mask;
      this.slots[j * 2] = f1;
      this.slots[j * 2 + 1] = h;
    }
  }
}
