// The sink of a capture with several sources (a workload: one capture tool per pod): one
// pcapng, packets merged by timestamp, one interface block per source interface named after
// its pod ("shop/api-7d9c:any"), one set of caps for the file and a per-source share of them.
//
// Merging: each source's packets are copied (the reader reuses its buffers) into a hold. A
// held packet is written, oldest timestamp first, once every live source has delivered
// something at least as late (nothing older can come), or once it has been held `holdMs`
// (a quiet or slow source does not stop the others), or when the hold exceeds `maxHeldBytes`
// (memory is bounded whatever the sources do). A packet that arrives older than one already
// written is still written (a capture keeps its packets) and counted in `lateWritten`.
//
// Caps, counted when a packet arrives: the file's total (maxPackets, maxBytes: reaching it
// stops the whole capture through `onCapReached`) and each live source's share of what the
// sources that ended left: share = (total − used by ended sources) / live sources, so a noisy
// pod stops at its share (its further packets are counted, not written) while the quiet ones
// go on, and a pod that ends gives what it did not use back to the others. Pods that join
// later lower the share of those already running (which stop if they are above it).
import type { CaptureSink, InterfaceInfo, PacketRecord, SectionInfo } from '../pcap/types.js';
import type { CaptureCaps } from './capturePlan.js';
import type { CapReason } from './captureWriter.js';
import { enhancedPacketBlock, interfaceDescriptionBlock, sectionHeaderBlock } from './pcapngWriter.js';

export interface MergeWriterOptions {
  caps: Pick<CaptureCaps, 'maxPackets' | 'maxBytes'>;
  sectionComments: string[];
  userApplication: string;
  isAlerted?: (rec: PacketRecord) => boolean;
  alertedComment?: string;
  write(bytes: Uint8Array): void;
  onCapReached(reason: CapReason): void;
  /** How long a packet may wait for slower sources (default 1000 ms). */
  holdMs?: number;
  /** Bytes held at most before the oldest are written regardless (default 8 MiB). */
  maxHeldBytes?: number;
  /** Every source is history (a flight recorder's cut, delivered as fast as it is sent, in any
   *  order across sources): nothing is written before every source has ended, except beyond
   *  `maxHeldBytes` — the file is then in timestamp order whatever the sources' timing. */
  holdUntilEnd?: boolean;
  /** Wall clock in ms (tests). */
  now?: () => number;
}

/** How the merge waits for its sources (passed through the workload capture as they are). */
export type MergeTuning = Pick<MergeWriterOptions, 'holdMs' | 'maxHeldBytes' | 'holdUntilEnd'>;

/** What one source did, as the sidecar reports it. */
export interface MergeSourceStats {
  packets: number;
  /** Bytes of its packet blocks in the file (interface blocks not counted). */
  bytes: number;
  alertedPackets: number;
  /** Packets not written because the source was at its share of the caps. */
  overSharePackets: number;
  /** Interface names written for it. */
  interfaces: string[];
  firstPacketAt?: { sec: number; nsec: number };
  lastPacketAt?: { sec: number; nsec: number };
}

interface Held {
  sec: number;
  nsec: number;
  arrived: number;
  block: Uint8Array;
  src: Source;
  seq: number;
}

interface Source {
  key: string;
  describe: (info: InterfaceInfo | undefined) => { name: string; description: string };
  ended: boolean;
  /** Latest timestamp delivered (its watermark), as one comparable number pair. */
  lastSec: number;
  lastNsec: number;
  stats: MergeSourceStats;
  ifMap: Map<string, number>;
  pending: Map<string, InterfaceInfo>;
}

const before = (aSec: number, aNsec: number, bSec: number, bNsec: number): boolean => aSec < bSec || (aSec === bSec && aNsec < bNsec);

export class MergeWriter {
  packets = 0;
  alertedPackets = 0;
  /** Bytes of the file written so far (headers included). */
  bytes = 0;
  /** Packets written out of time order (arrived after a later packet had been written). */
  lateWritten = 0;
  capReached: CapReason | undefined;
  firstPacketAt: { sec: number; nsec: number } | undefined;
  lastPacketAt: { sec: number; nsec: number } | undefined;
  private readonly sources = new Map<string, Source>();
  /** Held packets, a binary heap on (timestamp, arrival order). */
  private heap: Held[] = [];
  private heldBytes = 0;
  private seq = 0;
  private nextIf = 0;
  private headerWritten = false;
  /** Packets and bytes admitted (held or written): what the caps count. */
  private admittedPackets = 0;
  private admittedBytes = 0;
  private endedPackets = 0;
  private endedBytes = 0;
  private writtenPacketBytes = 0;
  private lastOutSec = -Infinity;
  private lastOutNsec = 0;
  /** The current share (recomputed when a source joins or ends, or an interface is added). */
  private level: { packets: number; bytes: number } | undefined;
  private readonly holdMs: number;
  private readonly maxHeld: number;
  private readonly now: () => number;

  constructor(private readonly opts: MergeWriterOptions) {
    this.holdMs = opts.holdMs ?? 1000;
    this.maxHeld = opts.maxHeldBytes ?? 8 * 1024 * 1024;
    this.now = opts.now ?? Date.now;
    this.ensureHeader();
  }

  /** A new source (one pod's tool). `describe` names each of its interfaces. */
  addSource(key: string, describe: Source['describe']): CaptureSink {
    if (this.sources.has(key)) throw new Error(`source ${key} added twice`);
    const src: Source = { key, describe, ended: false, lastSec: -Infinity, lastNsec: 0, ifMap: new Map(), pending: new Map(),
      stats: { packets: 0, bytes: 0, alertedPackets: 0, overSharePackets: 0, interfaces: [] } };
    this.sources.set(key, src);
    this.level = undefined;
    return {
      section: (_s: SectionInfo) => {},
      interface: (info) => { src.pending.set(`${info.sectionIndex}/${info.interfaceId}`, info); },
      packet: (rec) => this.packet(src, rec),
    };
  }

  /** The source has stopped (its tool exited, its pod is gone): it no longer holds others back
   *  and what it did not use of its share goes to the others. */
  endSource(key: string): void {
    const src = this.sources.get(key);
    if (!src || src.ended) return;
    src.ended = true;
    this.endedPackets += src.stats.packets;
    this.endedBytes += src.stats.bytes;
    this.level = undefined;
    this.drain();
  }

  stats(key: string): MergeSourceStats | undefined {
    const s = this.sources.get(key)?.stats;
    return s ? { ...s, interfaces: [...s.interfaces] } : undefined;
  }

  /** The share of the caps a live source below it has now: what the ended sources left, split
   *  equally among the live ones, except that a source already above that level keeps what it
   *  wrote (and writes no more) and the others split the rest (water filling). */
  share(): { packets: number; bytes: number } {
    this.level ??= this.computeLevel();
    return { ...this.level };
  }

  private computeLevel(): { packets: number; bytes: number } {
    const live = [...this.sources.values()].filter((s) => !s.ended);
    const fill = (pool: number, used: number[]): number => {
      const u = [...used].sort((x, y) => y - x);
      let n = u.length;
      let i = 0;
      while (n > 0 && u[i] > Math.floor(pool / n)) { pool -= u[i]; i++; n--; }
      return n > 0 ? Math.floor(pool / n) : 0;
    };
    return {
      packets: fill(this.opts.caps.maxPackets - this.endedPackets, live.map((s) => s.stats.packets)),
      bytes: fill(this.opts.caps.maxBytes - this.bytesOutsideSources() - this.endedBytes, live.map((s) => s.stats.bytes)),
    };
  }

  /** Writes what may be written now (call it on a timer: held packets age out by the clock). */
  tick(): void {
    this.drain();
  }

  /** Writes every held packet, in timestamp order. */
  finish(): void {
    while (this.heap.length) this.emitTop();
  }

  get held(): number {
    return this.heap.length;
  }

  /** Section and interface headers: the file's bytes that no source's share pays for. */
  private bytesOutsideSources(): number {
    return this.bytes - this.writtenPacketBytes;
  }

  private packet(src: Source, rec: PacketRecord): void {
    if (this.capReached) return;
    const key = `${rec.sectionIndex}/${rec.interfaceId}`;
    let ifId = src.ifMap.get(key);
    if (ifId === undefined) ifId = this.addInterface(src, key, rec.linkType);
    const alerted = this.opts.isAlerted?.(rec) === true;
    const data = rec.buf.subarray(rec.offset, rec.offset + rec.capLen);
    const block = enhancedPacketBlock(ifId, rec.tsSec, rec.tsNsec, data, rec.origLen,
      alerted && this.opts.alertedComment ? [this.opts.alertedComment] : []);
    const caps = this.opts.caps;
    if (this.admittedPackets + 1 > caps.maxPackets) { this.stop('packets'); return; }
    if (this.bytesOutsideSources() + this.admittedBytes + block.length > caps.maxBytes) { this.stop('bytes'); return; }
    const share = this.share();
    if (src.stats.packets + 1 > share.packets || src.stats.bytes + block.length > share.bytes) { src.stats.overSharePackets++; return; }
    this.admittedPackets++;
    this.admittedBytes += block.length;
    const st = src.stats;
    st.packets++;
    st.bytes += block.length;
    if (alerted) { st.alertedPackets++; this.alertedPackets++; }
    const at = { sec: rec.tsSec, nsec: rec.tsNsec };
    st.firstPacketAt ??= at;
    st.lastPacketAt = at;
    if (before(src.lastSec, src.lastNsec, rec.tsSec, rec.tsNsec)) { src.lastSec = rec.tsSec; src.lastNsec = rec.tsNsec; }
    this.push({ sec: rec.tsSec, nsec: rec.tsNsec, arrived: this.now(), block, src, seq: this.seq++ });
    this.heldBytes += block.length;
    this.drain();
    if (this.admittedPackets === caps.maxPackets) this.stop('packets');
  }

  /** Writes held packets while the oldest may go: no live source can still send an older one,
   *  it has waited long enough, or the hold is over its memory bound. */
  private drain(): void {
    const t = this.now();
    while (this.heap.length) {
      const top = this.heap[0];
      if (this.heldBytes <= this.maxHeld && (this.opts.holdUntilEnd ? this.anyLive() : t - top.arrived < this.holdMs && !this.safe(top))) break;
      this.emitTop();
    }
  }

  private anyLive(): boolean {
    for (const s of this.sources.values()) if (!s.ended) return true;
    return false;
  }

  /** True when every live source has delivered a packet at least as late as `h`. */
  private safe(h: Held): boolean {
    for (const s of this.sources.values()) {
      if (s.ended || s === h.src) continue;
      if (before(s.lastSec, s.lastNsec, h.sec, h.nsec)) return false;
    }
    return true;
  }

  private emitTop(): void {
    const h = this.pop();
    this.heldBytes -= h.block.length;
    if (before(h.sec, h.nsec, this.lastOutSec, this.lastOutNsec)) this.lateWritten++;
    else { this.lastOutSec = h.sec; this.lastOutNsec = h.nsec; }
    this.writtenPacketBytes += h.block.length;
    this.emit(h.block);
    this.packets++;
    const at = { sec: h.sec, nsec: h.nsec };
    if (!this.firstPacketAt || before(h.sec, h.nsec, this.firstPacketAt.sec, this.firstPacketAt.nsec)) this.firstPacketAt = at;
    if (!this.lastPacketAt || before(this.lastPacketAt.sec, this.lastPacketAt.nsec, h.sec, h.nsec)) this.lastPacketAt = at;
  }

  private stop(reason: CapReason): void {
    if (this.capReached) return;
    this.capReached = reason;
    this.opts.onCapReached(reason);
  }

  private ensureHeader(): void {
    if (this.headerWritten) return;
    this.headerWritten = true;
    this.emit(sectionHeaderBlock({ comments: this.opts.sectionComments, userApplication: this.opts.userApplication }));
  }

  private addInterface(src: Source, key: string, linkType: number): number {
    const info = src.pending.get(key);
    const { name, description } = src.describe(info);
    this.emit(interfaceDescriptionBlock({ linkType, snapLen: Math.min(info?.snapLen || 262144, 262144), name, description, nanosecond: true }));
    const id = this.nextIf++;
    src.ifMap.set(key, id);
    src.stats.interfaces.push(name);
    this.level = undefined;
    return id;
  }

  private emit(bytes: Uint8Array): void {
    this.bytes += bytes.length;
    this.opts.write(bytes);
  }

  // ---- the heap -------------------------------------------------------------------------

  private less(a: Held, b: Held): boolean {
    return a.sec < b.sec || (a.sec === b.sec && (a.nsec < b.nsec || (a.nsec === b.nsec && a.seq < b.seq)));
  }

  private push(h: Held): void {
    const a = this.heap;
    a.push(h);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(a[i], a[p])) break;
      [a[i], a[p]] = [a[p], a[i]];
      i = p;
    }
  }

  private pop(): Held {
    const a = this.heap;
    const top = a[0];
    const last = a.pop()!;
    if (a.length) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.less(a[l], a[m])) m = l;
        if (r < a.length && this.less(a[r], a[m])) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m], a[i]];
        i = m;
      }
    }
    return top;
  }
}
