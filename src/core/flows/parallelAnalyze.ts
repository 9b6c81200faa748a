// A capture file analysed by two threads (see partition.ts for the split): the main thread
// reads the file into shared chunks, decodes every packet's link and outer IP layer and
// accounts its share of the address pairs; a worker accounts the rest from the same bytes;
// the halves are merged (mergedFlows.ts). The result is the one-thread analysis: whenever the
// split could have changed it, `analyzeFileParallel` returns undefined and the caller analyses
// the file in one thread. Memory: SLOTS chunks with their descriptors, as before bounded by
// the flows and not by the packets.

import { open } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { CaptureReader } from '../pcap/captureReader.js';
import { CaptureFormatError, type ReaderEnd } from '../pcap/types.js';
import { FlowAnalyzer } from './flowAnalyzer.js';
import { DEFAULT_HINT_LIMITS, type HintLimits } from './hints.js';
import { mergeCounters, MergedFlows, mergedOrder, mergeRefusal, partFromSnapshot } from './mergedFlows.js';
import type { FlowWorkerReply } from './flowWorker.js';
import type { SplitTime } from './beforeCounts.js';
import {
  C_ABORT, C_CONSUMED, C_COUNT, C_END, C_FINAL_EXP, C_PUBLISHED, C_WORDS, DESC_FLOATS, DESC_INTS, FLOW_WORKER_KIND, PartitionRouter,
  SLOTS, SPILL_BYTES, type FlowWorkerData,
} from './partition.js';

export interface ParallelOptions {
  /** The worker's script (a file whose worker-thread entry runs runFlowWorker). */
  workerScript: string;
  execArgv?: string[];
  /** Files smaller than this are analysed in one thread (default 32 MiB). */
  minBytes?: number;
  /** Of 256 address-pair hash values, how many the worker accounts (default 150: the main
   *  thread also reads and decodes every packet). */
  workerShare?: number;
  /** Told why the analysis went back to one thread (tests, diagnostics). */
  onFallback?: (reason: string) => void;
  /** Bytes read at a time (default 4 MiB) and of the spill area for records that straddle
   *  two chunks (default 1 MiB): tests make them small to exercise the chunk seams. */
  chunkBytes?: number;
  spillBytes?: number;
  /** CPUs needed for the second thread (default 3: on two, the file read and the two threads
   *  share them, and the bench measured it slower than one thread). */
  minCpus?: number;
}

export interface ParallelRun {
  main: FlowAnalyzer;
  flows: MergedFlows;
  end: ReaderEnd;
  fileBytes: number;
}

export const PARALLEL_MIN_BYTES = 32 * 1024 * 1024;
const DEFAULT_CHUNK_BYTES = 4 * 1024 * 1024;

interface WaitAsync { waitAsync(a: Int32Array, i: number, v: number, t: number): { async: boolean; value: Promise<string> | string } }

/** Resolves once ctrl[C_CONSUMED] ≥ want (the worker is done with those chunks). */
async function consumed(ctrl: Int32Array, want: number, failed: () => Error | undefined): Promise<void> {
  for (;;) {
    const now = Atomics.load(ctrl, C_CONSUMED);
    if (now >= want) return;
    const err = failed();
    if (err) throw err;
    const r = (Atomics as unknown as WaitAsync).waitAsync(ctrl, C_CONSUMED, now, 200);
    if (r.async) await r.value;
  }
}

function halved(l: HintLimits): HintLimits {
  return { ...l, maxBufferedBytes: Math.floor(l.maxBufferedBytes / 2), maxHintChars: Math.floor(l.maxHintChars / 2) };
}

export async function analyzeFileParallel(path: string, opts: ParallelOptions & { maxFlows?: number; signal?: AbortSignal;
  onProgress?: (bytesRead: number, totalBytes: number) => void; splitAt?: SplitTime; }): Promise<ParallelRun | undefined> {
  const maxFlows = Math.floor(opts.maxFlows ?? 1_000_000);
  const limits = halved(DEFAULT_HINT_LIMITS);
  const router = new PartitionRouter(opts.workerShare ?? 150);
  const main = new FlowAnalyzer({ maxFlows, hintLimits: limits, trackBirth: true, router, splitAt: opts.splitAt });
  router.analyzer = main;
  const CHUNK_BYTES = Math.max(64, Math.floor(opts.chunkBytes ?? DEFAULT_CHUNK_BYTES));
  const spillBytes = Math.max(64, Math.floor(opts.spillBytes ?? SPILL_BYTES));
  const descCap = (CHUNK_BYTES >> 4) + 16; // a record is at least 16 bytes, plus the one straddling in
  const data: FlowWorkerData = {
    kind: FLOW_WORKER_KIND,
    ctrl: new SharedArrayBuffer(C_WORDS * 4),
    chunks: Array.from({ length: SLOTS }, () => new SharedArrayBuffer(CHUNK_BYTES)),
    descInts: Array.from({ length: SLOTS }, () => new SharedArrayBuffer(descCap * DESC_INTS * 4)),
    descFloats: Array.from({ length: SLOTS }, () => new SharedArrayBuffer(descCap * DESC_FLOATS * 8)),
    spills: Array.from({ length: SLOTS }, () => new SharedArrayBuffer(spillBytes)),
    maxFlows,
    hintLimits: limits,
    ...(opts.splitAt ? { splitAt: opts.splitAt } : {}),
  };
  const ctrl = new Int32Array(data.ctrl);
  const chunks = data.chunks.map((b) => new Uint8Array(b));
  const ints = data.descInts.map((b) => new Int32Array(b));
  const floats = data.descFloats.map((b) => new Float64Array(b));
  const spills = data.spills.map((b) => new Uint8Array(b));
  const worker = new Worker(opts.workerScript, { workerData: data, ...(opts.execArgv ? { execArgv: opts.execArgv } : {}) });
  let failure: Error | undefined;
  const reply = new Promise<FlowWorkerReply>((resolve) => {
    worker.once('message', (m: FlowWorkerReply) => resolve(m));
    worker.once('error', (e) => { failure = e; resolve({ type: 'failed', message: e.message }); });
    worker.once('exit', (code) => { failure ??= new Error(`the flow worker exited with code ${code}`); resolve({ type: 'failed', message: failure.message }); });
  });
  const fh = await open(path, 'r');
  const reader = new CaptureReader(main);
  let fileBytes = 0;
  let err: unknown;
  try {
    const total = (await fh.stat()).size;
    let readPos = 0;
    const readInto = (slot: number): Promise<number> => fh.read(chunks[slot], 0, CHUNK_BYTES, readPos).then((r) => {
      readPos += r.bytesRead;
      return r.bytesRead;
    });
    let n = 0;
    let pending = readInto(0);
    for (;;) {
      opts.signal?.throwIfAborted();
      const got = await pending;
      if (got === 0) break;
      const slot = n % SLOTS;
      // the next chunk is read while this one is parsed, into a slot the worker is done with
      await consumed(ctrl, n + 2 - SLOTS, () => failure);
      pending = readInto((n + 1) % SLOTS);
      fileBytes += got;
      const view = got === CHUNK_BYTES ? chunks[slot] : chunks[slot].subarray(0, got);
      router.begin(view, ints[slot], floats[slot], spills[slot]);
      try {
        reader.push(view);
      } catch (e) {
        err = e;
      }
      Atomics.store(ctrl, C_COUNT + slot, router.count);
      Atomics.store(ctrl, C_PUBLISHED, ++n);
      Atomics.notify(ctrl, C_PUBLISHED);
      if (err !== undefined) break;
      opts.onProgress?.(fileBytes, total);
    }
    await pending.catch(() => 0);
    if (err !== undefined && !(err instanceof CaptureFormatError)) { // the split gave up (or a bug): one thread
      opts.onFallback?.(err instanceof Error ? err.message : String(err));
      return undefined;
    }
    if (err !== undefined && reader.sections === 0 && reader.stats.packets === 0) throw err;
    main.finish();
    Atomics.store(ctrl, C_FINAL_EXP, main.activityExp);
    Atomics.store(ctrl, C_END, 1);
    Atomics.notify(ctrl, C_PUBLISHED);
    const r = await reply;
    if (r.type === 'failed') throw new Error(`the flow worker failed: ${r.message}`);
    const part = partFromSnapshot(r.state, maxFlows);
    const refusal = mergeRefusal(main, part);
    if (refusal !== undefined) {
      opts.onFallback?.(refusal);
      return undefined;
    }
    mergeCounters(main, part);
    return { main, flows: new MergedFlows(main, part, mergedOrder(main, part)), end: reader.end(), fileBytes };
  } finally {
    Atomics.store(ctrl, C_ABORT, 1);
    Atomics.notify(ctrl, C_PUBLISHED);
    await fh.close();
    void worker.terminate();
  }
}
