// The parallel analysis's split of the packets between two threads, and what they share.
//
// Every packet belongs to the thread of its outer IP address pair (a symmetric hash of the two
// addresses): all packets of a flow, its IP fragments and its ICMP errors go to one thread,
// which accounts them in file order exactly as one analyzer would. The main thread reads the
// file into shared chunk buffers, parses every record, decodes the link and the outer IP
// header, keeps the capture's totals and timeline, and writes a small descriptor for each
// packet the worker owns; the worker accounts those packets from the same chunk bytes.
//
// Shared memory: SLOTS chunk buffers (each with its descriptors and a spill area for the
// records that straddle two chunks, which the reader holds in a buffer of its own), and a
// control array of counters (see C_*) that the two threads move with Atomics.

import type { PacketRouter } from './flowAccounting.js';
import type { FlowAnalyzer } from './flowAnalyzer.js';
import type { HintLimits } from './hints.js';
import type { SplitTime } from './beforeCounts.js';

export const SLOTS = 4;
/** Descriptor: Int32 words (which buffer: 0 chunk / 1 spill, start, end, network type,
 *  length on the wire, ns, activity bucket, timeline exponent), Float64s (sec, packet number). */
export const DESC_INTS = 8;
export const DESC_FLOATS = 2;
export const SPILL_BYTES = 1 << 20;

// control words
export const C_PUBLISHED = 0; // chunks whose descriptors are ready
export const C_CONSUMED = 1; // chunks the worker is done with
export const C_END = 2; // 1: no more chunks
export const C_FINAL_EXP = 3; // the timeline exponent after the last packet
export const C_ABORT = 4; // 1: stop (the main thread gave up)
export const C_COUNT = 8; // + slot: descriptors in that slot
export const C_WORDS = 16;

export const FLOW_WORKER_KIND = 'falcoshark-flow-partition';

export interface FlowWorkerData {
  kind: typeof FLOW_WORKER_KIND;
  ctrl: SharedArrayBuffer;
  chunks: SharedArrayBuffer[];
  descInts: SharedArrayBuffer[];
  descFloats: SharedArrayBuffer[];
  spills: SharedArrayBuffer[];
  maxFlows: number;
  hintLimits: HintLimits;
  /** The time each flow's packets before it are counted apart (FlowAccountingOptions.splitAt). */
  splitAt?: SplitTime;
}

export function isFlowWorkerData(v: unknown): v is FlowWorkerData {
  return typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === FLOW_WORKER_KIND;
}

/** Thrown inside the reader when the split cannot go on (a straddling record too large for
 *  the spill area): the analysis is redone in one thread. */
export class PartitionAbort extends Error {
  override readonly name = 'PartitionAbort';
}

/** Symmetric hash of the outer addresses in the scratch key (words 1..4 and 5..8). */
export function pairHash(k: Int32Array): number {
  const ha = Math.imul(k[1], 0x9e3779b1) ^ Math.imul(k[2], 0x85ebca77) ^ Math.imul(k[3], 0xc2b2ae3d) ^ Math.imul(k[4], 0x27d4eb2f);
  const hb = Math.imul(k[5], 0x9e3779b1) ^ Math.imul(k[6], 0x85ebca77) ^ Math.imul(k[7], 0xc2b2ae3d) ^ Math.imul(k[8], 0x27d4eb2f);
  let h = (ha + hb) | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The main thread's router: keeps its share of the address pairs, writes a descriptor for
 *  each packet of the others into the current slot. */
export class PartitionRouter implements PacketRouter {
  /** Descriptors written into the current slot. */
  count = 0;
  private spillUsed = 0;
  private chunk: Uint8Array = new Uint8Array(0);
  private ints: Int32Array = new Int32Array(0);
  private floats: Float64Array = new Float64Array(0);
  private spill: Uint8Array = new Uint8Array(0);
  analyzer: FlowAnalyzer | undefined;

  /** `workerShare` of 256 pair-hash values go to the worker. */
  constructor(private readonly workerShare: number) {}

  /** Starts a slot: `chunk` is the view the reader is given. */
  begin(chunk: Uint8Array, ints: Int32Array, floats: Float64Array, spill: Uint8Array): void {
    this.chunk = chunk;
    this.ints = ints;
    this.floats = floats;
    this.spill = spill;
    this.count = 0;
    this.spillUsed = 0;
  }

  keep(k: Int32Array, buf: Uint8Array, off: number, end: number, type: number): boolean {
    if ((pairHash(k) & 0xff) >= this.workerShare) return true;
    const a = this.analyzer as FlowAnalyzer;
    let which = 0;
    if (buf !== this.chunk) {
      // a record that straddled two chunks: its bytes are in the reader's own buffer
      const n = end - off;
      if (this.spillUsed + n > this.spill.length) throw new PartitionAbort(`a ${n}-byte record straddles two chunks`);
      this.spill.set(buf.subarray(off, end), this.spillUsed);
      off = this.spillUsed;
      end = off + n;
      this.spillUsed = end;
      which = 1;
    }
    const i = this.count++;
    const w = this.ints;
    const b = i * DESC_INTS;
    if (b + DESC_INTS > w.length) throw new PartitionAbort(`more than ${w.length / DESC_INTS} packets in a chunk`);
    w[b] = which;
    w[b + 1] = off;
    w[b + 2] = end;
    w[b + 3] = type;
    w[b + 4] = a.curLen | 0;
    w[b + 5] = a.curNs;
    w[b + 6] = a.bucket;
    w[b + 7] = a.activityExp;
    this.floats[i * DESC_FLOATS] = a.curSec;
    this.floats[i * DESC_FLOATS + 1] = a.table.birth;
    return false;
  }
}
