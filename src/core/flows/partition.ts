// The parallel analysis's split of the packets between two threads.
//
// Every packet belongs to the thread of its outer IP address pair (a symmetric hash of the two
// addresses): all packets of a flow, its IP fragments and its ICMP errors go to one thread,
// which accounts them in file order exactly as one analyzer would. Each thread reads the file
// itself (the same bytes: up to the size the main thread saw at the start), parses every
// record and decodes every link and outer IP header, and accounts only the address pairs it
// owns. Nothing crosses between the threads while they run: a packet's bytes are read where
// they are decoded (handing them over cost more than decoding them twice, see the flows
// README), and only the worker's flow table comes back, at the end.

import type { PacketRouter } from './flowAccounting.js';
import type { HintLimits } from './hints.js';
import type { SplitTime } from './beforeCounts.js';

// control words (a small SharedArrayBuffer the main thread writes)
export const C_ABORT = 0; // 1: stop (the main thread gave up)
export const C_WORDS = 4;

export const FLOW_WORKER_KIND = 'falcoshark-flow-partition';

export interface FlowWorkerData {
  kind: typeof FLOW_WORKER_KIND;
  ctrl: SharedArrayBuffer;
  /** The capture file and how many of its bytes to read (the main thread's size). */
  path: string;
  bytes: number;
  chunkBytes: number;
  /** The worker accounts the address pairs whose hash (of 256) is below this. */
  workerShare: number;
  maxFlows: number;
  hintLimits: HintLimits;
  /** The time each flow's packets before it are counted apart (FlowAccountingOptions.splitAt). */
  splitAt?: SplitTime;
}

export function isFlowWorkerData(v: unknown): v is FlowWorkerData {
  return typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === FLOW_WORKER_KIND;
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

/** Keeps one thread's address pairs: the worker's (hash below `workerShare` of 256) or the
 *  main thread's (the others). */
export class ShareRouter implements PacketRouter {
  constructor(private readonly workerShare: number, private readonly worker: boolean) {}

  keep(k: Int32Array): boolean {
    return ((pairHash(k) & 0xff) < this.workerShare) === this.worker;
  }
}
