// Activity buckets of the flows that need more than one: a flow's current bucket lives in its
// flow-table record, and only when a second bucket comes does the flow get a block of
// ACTIVITY_BUCKETS counters here (packets u32, bytes f32: 256 bytes). Most flows of a busy
// capture (a DNS exchange, a port-scan probe, a short request) stay in one bucket and cost
// nothing here. Blocks are handed out from pages of PAGE_BLOCKS, allocated as needed.

export const ACTIVITY_BUCKETS = 32;
const PAGE_SHIFT = 10;
const PAGE_BLOCKS = 1 << PAGE_SHIFT;
const PAGE_MASK = PAGE_BLOCKS - 1;
const BLOCK = ACTIVITY_BUCKETS * 2;

export interface ActivitySnapshot {
  ref: Int32Array;
  pages: Uint32Array[];
  blocks: number;
}

export class ActivityStore {
  /** flow → its block + 1 (0: none). */
  private ref: Int32Array = new Int32Array(1024);
  private pkts: Uint32Array[] = [];
  private bytes: Float32Array[] = [];
  /** Blocks handed out. */
  blocks = 0;

  /** Bytes held, for the memory figures. */
  get memoryBytes(): number {
    return this.pkts.length * PAGE_BLOCKS * BLOCK * 4 + this.ref.length * 4;
  }

  has(f: number): boolean {
    return f < this.ref.length && this.ref[f] !== 0;
  }

  private blockOf(f: number): number {
    if (f >= this.ref.length) {
      let n = this.ref.length * 2;
      while (n <= f) n *= 2;
      const r = new Int32Array(n);
      r.set(this.ref);
      this.ref = r;
    }
    let b = this.ref[f] - 1;
    if (b < 0) {
      b = this.blocks++;
      if ((b & PAGE_MASK) === 0) {
        const page = new ArrayBuffer(PAGE_BLOCKS * BLOCK * 4);
        this.pkts.push(new Uint32Array(page));
        this.bytes.push(new Float32Array(page));
      }
      this.ref[f] = b + 1;
    }
    return b;
  }

  /** Adds `pkts` packets and `bytes` bytes to bucket `bucket` of flow f. */
  add(f: number, bucket: number, pkts: number, bytes: number): void {
    const b = this.blockOf(f);
    const i = ((b & PAGE_MASK) * ACTIVITY_BUCKETS + bucket) * 2;
    this.pkts[b >> PAGE_SHIFT][i] += pkts;
    this.bytes[b >> PAGE_SHIFT][i + 1] += bytes;
  }

  /** Merges flow f's buckets for a timeline `shift` times coarser. */
  rescale(f: number, shift: number): void {
    if (shift <= 0 || !this.has(f)) return;
    const b = this.ref[f] - 1;
    const base = (b & PAGE_MASK) * ACTIVITY_BUCKETS;
    const p = this.pkts[b >> PAGE_SHIFT];
    const y = this.bytes[b >> PAGE_SHIFT];
    for (let i = 0; i < ACTIVITY_BUCKETS; i++) {
      const j = shift >= 31 ? 0 : i >> shift;
      if (j === i) continue;
      const from = (base + i) * 2;
      const to = (base + j) * 2;
      p[to] += p[from];
      y[to + 1] += y[from + 1];
      p[from] = 0;
      y[from + 1] = 0;
    }
  }

  /** The store's arrays, to hand to another thread (transferred: this store is done). */
  snapshot(): ActivitySnapshot {
    return { ref: this.ref, pages: this.pkts, blocks: this.blocks };
  }

  restore(s: ActivitySnapshot): void {
    this.ref = s.ref;
    this.pkts = s.pages;
    this.bytes = s.pages.map((p) => new Float32Array(p.buffer));
    this.blocks = s.blocks;
  }

  /** Packets in bucket `bucket` of flow f (which has a block). */
  packets(f: number, bucket: number): number {
    const b = this.ref[f] - 1;
    return this.pkts[b >> PAGE_SHIFT][((b & PAGE_MASK) * ACTIVITY_BUCKETS + bucket) * 2];
  }

  bytesOf(f: number, bucket: number): number {
    const b = this.ref[f] - 1;
    return this.bytes[b >> PAGE_SHIFT][((b & PAGE_MASK) * ACTIVITY_BUCKETS + bucket) * 2 + 1];
  }
}
