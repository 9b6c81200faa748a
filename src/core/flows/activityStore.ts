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
  pages: Uint32Array[];
  blocks: number;
}

/** Where a flow's block number is kept (its record's extension entry). */
export interface BlockRefs {
  extOf(f: number, slot: number): number;
  setExt(f: number, slot: number, v: number): void;
}

const EXT_ACT = 3; // flowRecords.ts EXT_ACT

export class ActivityStore {
  private pkts: Uint32Array[] = [];
  private bytes: Float32Array[] = [];
  /** Blocks handed out. */
  blocks = 0;

  /** `refs` keeps each flow's block + 1 (0: none). */
  constructor(private readonly refs: BlockRefs) {}

  /** Bytes held, for the memory figures. */
  get memoryBytes(): number {
    return this.pkts.length * PAGE_BLOCKS * BLOCK * 4;
  }

  has(f: number): boolean {
    return this.refs.extOf(f, EXT_ACT) !== 0;
  }

  private blockOf(f: number): number {
    let b = this.refs.extOf(f, EXT_ACT) - 1;
    if (b < 0) {
      b = this.blocks++;
      if ((b & PAGE_MASK) === 0) {
        const page = new ArrayBuffer(PAGE_BLOCKS * BLOCK * 4);
        this.pkts.push(new Uint32Array(page));
        this.bytes.push(new Float32Array(page));
      }
      this.refs.setExt(f, EXT_ACT, b + 1);
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
    const b = this.refs.extOf(f, EXT_ACT) - 1;
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
    return { pages: this.pkts, blocks: this.blocks };
  }

  restore(s: ActivitySnapshot): void {
    this.pkts = s.pages;
    this.bytes = s.pages.map((p) => new Float32Array(p.buffer));
    this.blocks = s.blocks;
  }

  /** Packets in bucket `bucket` of flow f (which has a block). */
  packets(f: number, bucket: number): number {
    const b = this.refs.extOf(f, EXT_ACT) - 1;
    return this.pkts[b >> PAGE_SHIFT][((b & PAGE_MASK) * ACTIVITY_BUCKETS + bucket) * 2];
  }

  bytesOf(f: number, bucket: number): number {
    const b = this.refs.extOf(f, EXT_ACT) - 1;
    return this.bytes[b >> PAGE_SHIFT][((b & PAGE_MASK) * ACTIVITY_BUCKETS + bucket) * 2 + 1];
  }
}
