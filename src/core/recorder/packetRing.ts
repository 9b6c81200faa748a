// The flight recorder's memory: packets held per source (one pod interface each), in segments
// taken from one fixed budget. Bounds, whichever is hit first:
//   - time: a source's oldest segment goes once its newest packet is older than the window;
//   - bytes: segments (in use and pooled for reuse) never total more than the budget; when a new
//     one would cross it, the oldest segment of the source holding the most goes — a flooding
//     pod loses its own oldest packets, a quiet pod keeps its whole window.
// Segments are reused from a pool rather than left to the garbage collector, so the memory held
// is the budget's, not the budget plus whatever a collection has not yet returned.
//
// A record in a segment: tsSec u32, tsNsec u32, origLen u32, capLen u32, then capLen bytes,
// padded to 4.

export interface RingLimits {
  windowSeconds: number;
  budgetBytes: number;
  /** The largest segment (a source's first segments are smaller, doubling up to this). */
  maxSegmentBytes?: number;
}

export interface HeldPacket { tsSec: number; tsNsec: number; origLen: number; data: Uint8Array }

export interface HeldIteration extends Iterable<HeldPacket> { lost: number }

export interface SourceStats { heldBytes: number; packets: number; droppedByBudget: number; droppedByWindow: number; oldestSec?: number }

interface Segment { buf: Buffer; used: number; count: number; firstNs: bigint; lastNs: bigint; released: boolean }
interface Source { segments: Segment[]; allocated: number; droppedByBudget: number; droppedByWindow: number }

const HEADER = 16;
const MIN_SEGMENT = 64 * 1024;
const ns = (sec: number, nsec: number): bigint => BigInt(sec) * 1_000_000_000n + BigInt(nsec);

export class PacketRing {
  /** Bytes of segments allocated (in use + pooled): never more than the budget. */
  allocated = 0;
  packetsHeld = 0;
  droppedByBudget = 0;
  droppedByWindow = 0;
  /** Packets refused outright (larger than a segment). */
  refused = 0;
  private readonly sources = new Map<number, Source>();
  private readonly pool = new Map<number, Buffer[]>();
  private readonly maxSegment: number;

  constructor(readonly limits: RingLimits) {
    this.maxSegment = Math.min(limits.maxSegmentBytes ?? 1024 * 1024, Math.max(MIN_SEGMENT, Math.floor(limits.budgetBytes / 8)));
    if (limits.budgetBytes < MIN_SEGMENT) throw new RangeError(`a byte budget of ${limits.budgetBytes} is less than one segment (${MIN_SEGMENT})`);
  }

  /** Holds a packet of `key`; false when it could not be held (bigger than a segment). */
  append(key: number, tsSec: number, tsNsec: number, origLen: number, data: Uint8Array): boolean {
    const need = HEADER + ((data.length + 3) & ~3);
    if (need > this.maxSegment) { this.refused++; return false; }
    let src = this.sources.get(key);
    if (!src) { src = { segments: [], allocated: 0, droppedByBudget: 0, droppedByWindow: 0 }; this.sources.set(key, src); }
    let seg = src.segments[src.segments.length - 1];
    if (!seg || seg.used + need > seg.buf.length) {
      const size = Math.min(this.maxSegment, Math.max(MIN_SEGMENT, need, seg ? seg.buf.length * 2 : MIN_SEGMENT));
      seg = this.newSegment(src, size);
      src.segments.push(seg);
    }
    const t = ns(tsSec, tsNsec);
    const b = seg.buf;
    let o = seg.used;
    b.writeUInt32LE(tsSec >>> 0, o); b.writeUInt32LE(tsNsec >>> 0, o + 4); b.writeUInt32LE(origLen >>> 0, o + 8); b.writeUInt32LE(data.length, o + 12);
    o += HEADER;
    b.set(data, o);
    seg.used += need;
    if (seg.count === 0) seg.firstNs = t;
    seg.lastNs = t;
    seg.count++;
    this.packetsHeld++;
    return true;
  }

  /** Drops what is older than the window, measured back from `nowSec`. */
  expire(nowSec: number): void {
    const limit = ns(Math.max(0, nowSec - this.limits.windowSeconds), 0);
    for (const [key, src] of this.sources) {
      while (src.segments.length > 0 && src.segments[0].lastNs < limit) {
        const seg = src.segments.shift()!;
        src.droppedByWindow += seg.count;
        this.droppedByWindow += seg.count;
        this.release(src, seg);
      }
      if (src.segments.length === 0 && src.droppedByBudget === 0 && src.droppedByWindow === 0) this.sources.delete(key);
    }
  }

  /** Forgets a source (its pod is not recorded, or it is gone and its window has passed). */
  forget(key: number): void {
    const src = this.sources.get(key);
    if (!src) return;
    for (const seg of src.segments) this.release(src, seg);
    this.sources.delete(key);
  }

  keys(): number[] { return [...this.sources.keys()]; }

  stats(key: number): SourceStats | undefined {
    const src = this.sources.get(key);
    if (!src) return undefined;
    const packets = src.segments.reduce((n, s) => n + s.count, 0);
    const first = src.segments[0];
    return { heldBytes: src.allocated, packets, droppedByBudget: src.droppedByBudget, droppedByWindow: src.droppedByWindow,
      ...(first && first.count > 0 ? { oldestSec: Number(first.firstNs / 1_000_000_000n) } : {}) };
  }

  /** The oldest packet time held for `key` (ns since the epoch). */
  oldest(key: number): bigint | undefined {
    const s = this.sources.get(key)?.segments[0];
    return s && s.count > 0 ? s.firstNs : undefined;
  }

  /** The packets of `key` held now with fromNs ≤ time ≤ toNs, oldest first. What is held is
   *  fixed when this is called (later packets are not part of it); a segment the bounds drop
   *  while the iteration pauses ends early and its remaining packets count in `lost`. The data
   *  views are valid until the iteration moves on (copy what you keep). */
  packets(key: number, fromNs: bigint, toNs: bigint): HeldIteration {
    const src = this.sources.get(key);
    const parts = (src?.segments ?? []).filter((s) => s.count > 0 && s.lastNs >= fromNs && s.firstNs <= toNs).map((seg) => ({ seg, count: seg.count }));
    const it: HeldIteration = { lost: 0, [Symbol.iterator]: () => gen() };
    function* gen(): Generator<HeldPacket> {
      for (const { seg, count } of parts) {
        const b = seg.buf;
        for (let o = 0, i = 0; i < count; i++) {
          if (seg.released) { it.lost += count - i; break; }
          const tsSec = b.readUInt32LE(o);
          const tsNsec = b.readUInt32LE(o + 4);
          const origLen = b.readUInt32LE(o + 8);
          const capLen = b.readUInt32LE(o + 12);
          const t = ns(tsSec, tsNsec);
          if (t >= fromNs && t <= toNs) yield { tsSec, tsNsec, origLen, data: b.subarray(o + HEADER, o + HEADER + capLen) };
          o += HEADER + ((capLen + 3) & ~3);
        }
      }
    }
    return it;
  }

  private newSegment(src: Source, size: number): Segment {
    while (this.allocated + size > this.limits.budgetBytes) {
      // A pooled buffer of another size is given back first; then the biggest holder's oldest.
      const pooled = [...this.pool.entries()].find(([s, list]) => s !== size && list.length > 0);
      if (pooled) { pooled[1].pop(); this.allocated -= pooled[0]; continue; }
      const same = this.pool.get(size);
      if (same && same.length > 0) break; // reuse it below: the total does not change
      let victim: Source | undefined;
      for (const s of this.sources.values()) if (s.segments.length > 0 && (!victim || s.allocated > victim.allocated)) victim = s;
      if (!victim) break;
      const seg = victim.segments.shift()!;
      victim.droppedByBudget += seg.count;
      this.droppedByBudget += seg.count;
      this.release(victim, seg);
    }
    let buf = this.pool.get(size)?.pop();
    if (!buf) { buf = Buffer.allocUnsafeSlow(size); this.allocated += size; }
    src.allocated += size;
    return { buf, used: 0, count: 0, firstNs: 0n, lastNs: 0n, released: false };
  }

  private release(src: Source, seg: Segment): void {
    seg.released = true;
    src.allocated -= seg.buf.length;
    this.packetsHeld -= seg.count;
    const list = this.pool.get(seg.buf.length) ?? [];
    list.push(seg.buf);
    this.pool.set(seg.buf.length, list);
  }
}
