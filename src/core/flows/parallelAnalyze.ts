// A capture file analysed by two threads (see partition.ts for the split): each thread reads
// the file and decodes every packet's link and outer IP layer; the main thread keeps the
// capture's totals and timeline and accounts its share of the address pairs, a worker accounts
// the rest; the halves are merged (mergedFlows.ts). The result is the one-thread analysis:
// whenever the split could have changed it, `analyzeFileParallel` returns undefined and the
// caller analyses the file in one thread. Memory: each thread's read buffer and its share of
// the flows (the worker's isolate besides), bounded by the flows and not by the packets.

import { open } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { CaptureReader } from '../pcap/captureReader.js';
import { fileChunks } from '../pcap/readCaptureFile.js';
import { CaptureFormatError, type ReaderEnd } from '../pcap/types.js';
import { FlowAnalyzer } from './flowAnalyzer.js';
import { DEFAULT_HINT_LIMITS, type HintLimits } from './hints.js';
import { mergeCounters, MergedFlows, mergedOrder, mergeRefusal, partFromSnapshot } from './mergedFlows.js';
import type { FlowWorkerReply } from './flowWorker.js';
import type { SplitTime } from './beforeCounts.js';
import { C_ABORT, C_WORDS, FLOW_WORKER_KIND, ShareRouter, type FlowWorkerData } from './partition.js';

export interface ParallelOptions {
  /** The worker's script (a file whose worker-thread entry runs runFlowWorker). */
  workerScript: string;
  execArgv?: string[];
  /** Files smaller than this are analysed in one thread (default PARALLEL_MIN_BYTES). */
  minBytes?: number;
  /** Of 256 address-pair hash values, how many the worker accounts (default 128: both threads
   *  read and decode every packet; the main thread also keeps the totals). */
  workerShare?: number;
  /** Told why the analysis went back to one thread (tests, diagnostics). */
  onFallback?: (reason: string) => void;
  /** Bytes read at a time by each thread (default 1 MiB: a chunk stays in the core's cache
   *  while it is decoded); tests make them small to exercise the chunk seams. */
  chunkBytes?: number;
  /** CPUs needed for the second thread (default 2). */
  minCpus?: number;
}

export interface ParallelRun {
  main: FlowAnalyzer;
  flows: MergedFlows;
  end: ReaderEnd;
  fileBytes: number;
}

/** Below this a second thread does not pay for its start (its isolate, its own read of the
 *  file): on the 2-core machine, interleaved medians (`bench/threads.ts`), two threads took
 *  1.27× one thread's time on a 112 MB pcap, 0.96× on 412 MB, 0.81× on 1.1 GB. */
export const PARALLEL_MIN_BYTES = 512 * 1024 * 1024;
const DEFAULT_CHUNK_BYTES = 1024 * 1024;
/** Chunks read between two turns of the event loop. */
const YIELD_CHUNKS = 16;

function halved(l: HintLimits): HintLimits {
  return { ...l, maxBufferedBytes: Math.floor(l.maxBufferedBytes / 2), maxHintChars: Math.floor(l.maxHintChars / 2) };
}

export async function analyzeFileParallel(path: string, opts: ParallelOptions & { maxFlows?: number; signal?: AbortSignal;
  onProgress?: (bytesRead: number, totalBytes: number) => void; splitAt?: SplitTime; }): Promise<ParallelRun | undefined> {
  const maxFlows = Math.floor(opts.maxFlows ?? 1_000_000);
  const limits = halved(DEFAULT_HINT_LIMITS);
  const share = Math.max(0, Math.min(256, Math.floor(opts.workerShare ?? 128)));
  const main = new FlowAnalyzer({ maxFlows, hintLimits: limits, trackBirth: true, router: new ShareRouter(share, false), splitAt: opts.splitAt });
  const chunkBytes = Math.max(64, Math.floor(opts.chunkBytes ?? DEFAULT_CHUNK_BYTES));
  const fh = await open(path, 'r');
  const ctrl = new Int32Array(new SharedArrayBuffer(C_WORDS * 4));
  let worker: Worker | undefined;
  try {
    // Both threads read this many bytes: a file still being written is read as it was now.
    const total = (await fh.stat()).size;
    const data: FlowWorkerData = {
      kind: FLOW_WORKER_KIND, ctrl: ctrl.buffer as SharedArrayBuffer, path, bytes: total, chunkBytes, workerShare: share,
      maxFlows, hintLimits: limits, ...(opts.splitAt ? { splitAt: opts.splitAt } : {}),
    };
    worker = new Worker(opts.workerScript, { workerData: data, ...(opts.execArgv ? { execArgv: opts.execArgv } : {}) });
    const w = worker;
    const reply = new Promise<FlowWorkerReply>((resolve) => {
      w.once('message', (m: FlowWorkerReply) => resolve(m));
      w.once('error', (e) => resolve({ type: 'failed', message: e.message }));
      w.once('exit', (code) => resolve({ type: 'failed', message: `the flow worker exited with code ${code}` }));
    });
    const reader = new CaptureReader(main);
    // Read here, synchronously, as the worker does: the bytes are decoded by the core that
    // copied them in (reads by the thread pool, on the other core, cost more than they save
    // here). The event loop runs between slices, for the signal and the progress.
    let fileBytes = 0;
    let err: unknown;
    let slice = 0;
    for (const chunk of fileChunks(fh.fd, total, chunkBytes)) {
      if (++slice % YIELD_CHUNKS === 0) await new Promise((r) => setImmediate(r));
      opts.signal?.throwIfAborted();
      fileBytes += chunk.length;
      try {
        reader.push(chunk);
      } catch (e) {
        err = e;
        break;
      }
      opts.onProgress?.(fileBytes, total);
    }
    if (err !== undefined && !(err instanceof CaptureFormatError)) throw err;
    if (err !== undefined && reader.sections === 0 && reader.stats.packets === 0) throw err;
    main.finish();
    const r = await reply;
    if (r.type === 'failed') throw new Error(`the flow worker failed: ${r.message}`);
    if (r.type === 'aborted') throw new Error('the flow worker stopped');
    if (r.packets !== reader.stats.packets) {
      // The file changed between the two reads: the halves are not of the same packets.
      opts.onFallback?.(`the worker read ${r.packets} packets, the main thread ${reader.stats.packets}`);
      return undefined;
    }
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
    await fh.close();
    void worker?.terminate();
  }
}
