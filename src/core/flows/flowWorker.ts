// The parallel analysis's worker thread: reads the capture file itself (the bytes the main
// thread reads, up to the size it saw), decodes every packet as the main thread does and
// accounts the address pairs it owns (partition.ts), then hands its flow table, hints and
// counters back (transferred, not copied).

import { closeSync, openSync } from 'node:fs';
import type { MessagePort } from 'node:worker_threads';
import { FlowAccounting, type AccountingSnapshot } from './flowAccounting.js';
import { FlowAnalyzer } from './flowAnalyzer.js';
import { CaptureReader } from '../pcap/captureReader.js';
import { fileChunks } from '../pcap/readCaptureFile.js';
import { CaptureFormatError } from '../pcap/types.js';
import { C_ABORT, ShareRouter, type FlowWorkerData } from './partition.js';

/** The worker's share restored on the main thread (accounting only: no link layer, no totals). */
export class PartFlows extends FlowAccounting {}

export type FlowWorkerReply =
  | { type: 'done'; state: AccountingSnapshot; packets: number }
  | { type: 'aborted' }
  | { type: 'failed'; message: string };

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
    const reply = accountShare(data);
    port.postMessage(reply, reply.type === 'done' ? buffersOf(reply.state) : []);
  } catch (e) {
    port.postMessage({ type: 'failed', message: e instanceof Error ? e.stack ?? e.message : String(e) } satisfies FlowWorkerReply);
  }
}

function accountShare(data: FlowWorkerData): FlowWorkerReply {
  const ctrl = new Int32Array(data.ctrl);
  const acc = new FlowAnalyzer({
    maxFlows: data.maxFlows, hintLimits: data.hintLimits, trackBirth: true, splitAt: data.splitAt,
    router: new ShareRouter(data.workerShare, true), countUnrouted: false,
  });
  const reader = new CaptureReader(acc);
  // Read here, synchronously: the bytes are decoded by the core that copied them in.
  const fd = openSync(data.path, 'r');
  try {
    for (const chunk of fileChunks(fd, data.bytes, data.chunkBytes)) {
      if (Atomics.load(ctrl, C_ABORT) === 1) return { type: 'aborted' };
      try {
        reader.push(chunk);
      } catch (e) {
        if (!(e instanceof CaptureFormatError)) throw e;
        break; // the main thread meets the same bytes and reports them
      }
    }
  } finally {
    closeSync(fd);
  }
  acc.finish();
  return { type: 'done', state: acc.snapshotAccounting(), packets: reader.stats.packets };
}
