// The parallel analysis's worker thread: accounts the packets of the address pairs it owns,
// chunk by chunk as the main thread publishes their descriptors (partition.ts), then hands
// its flow table, hints and counters back (transferred, not copied).

import type { MessagePort } from 'node:worker_threads';
import { FlowAccounting, type AccountingSnapshot } from './flowAccounting.js';
import { MIN_ACTIVITY_EXP } from './flowAnalyzer.js';
import { C_ABORT, C_CONSUMED, C_COUNT, C_END, C_FINAL_EXP, C_PUBLISHED, DESC_FLOATS, DESC_INTS, SLOTS, type FlowWorkerData } from './partition.js';

/** The accounting of one thread's share (no link layer, no capture totals). */
export class PartFlows extends FlowAccounting {}

export type FlowWorkerReply = { type: 'done'; state: AccountingSnapshot } | { type: 'failed'; message: string };

/** Every ArrayBuffer under `v` (each once), to transfer rather than copy. */
export function buffersOf(v: unknown, out = new Set<ArrayBuffer>()): ArrayBuffer[] {
  if (ArrayBuffer.isView(v)) {
    if (v.buffer instanceof ArrayBuffer) out.add(v.buffer);
  } else if (Array.isArray(v)) {
    for (const x of v) buffersOf(x, out);
  } else if (typeof v === 'object' && v !== null) {
    for (const x of Object.values(v)) buffersOf(x, out);
  }
  return [...out];
}

export function runFlowWorker(data: FlowWorkerData, port: MessagePort): void {
  try {
    const state = accountShare(data);
    if (state) port.postMessage({ type: 'done', state } satisfies FlowWorkerReply, buffersOf(state));
  } catch (e) {
    port.postMessage({ type: 'failed', message: e instanceof Error ? e.stack ?? e.message : String(e) } satisfies FlowWorkerReply);
  }
}

function accountShare(data: FlowWorkerData): AccountingSnapshot | undefined {
  const ctrl = new Int32Array(data.ctrl);
  const acc = new PartFlows({ maxFlows: data.maxFlows, hintLimits: data.hintLimits, trackBirth: true, splitAt: data.splitAt }, MIN_ACTIVITY_EXP);
  const chunks = data.chunks.map((b) => new Uint8Array(b));
  const spills = data.spills.map((b) => new Uint8Array(b));
  const ints = data.descInts.map((b) => new Int32Array(b));
  const floats = data.descFloats.map((b) => new Float64Array(b));
  let n = 0;
  for (;;) {
    if (Atomics.load(ctrl, C_ABORT) === 1) return undefined;
    const published = Atomics.load(ctrl, C_PUBLISHED);
    if (published > n) {
      const slot = n % SLOTS;
      const count = Atomics.load(ctrl, C_COUNT + slot);
      const w = ints[slot];
      const f = floats[slot];
      const chunk = chunks[slot];
      const spill = spills[slot];
      for (let i = 0; i < count; i++) {
        const b = i * DESC_INTS;
        acc.accountRouted(w[b] === 0 ? chunk : spill, w[b + 1], w[b + 2], w[b + 3], w[b + 4] >>> 0, f[i * DESC_FLOATS], w[b + 5],
          w[b + 6], w[b + 7], f[i * DESC_FLOATS + 1]);
      }
      n++;
      Atomics.store(ctrl, C_CONSUMED, n);
      Atomics.notify(ctrl, C_CONSUMED);
      continue;
    }
    if (Atomics.load(ctrl, C_END) === 1 && Atomics.load(ctrl, C_PUBLISHED) === n) break;
    Atomics.wait(ctrl, C_PUBLISHED, published, 100);
  }
  acc.activityExp = Atomics.load(ctrl, C_FINAL_EXP);
  acc.table.finalizeActivity(acc.activityExp);
  return acc.snapshotAccounting();
}
