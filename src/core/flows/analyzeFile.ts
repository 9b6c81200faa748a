// Capture file (or byte stream) → FlowSummary: the pcap/pcapng reader feeding the flow
// analyzer. A file unreadable from its first bytes throws the reader's CaptureFormatError;
// a file that breaks part-way gives the summary of what was read, with `truncated` set.

import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import type { FlowRecord, FlowSummary } from '../../shared/flowSummary.js';
import { readCaptureFile, readCaptureStream, type ReadCaptureResult } from '../pcap/readCaptureFile.js';
import { FlowAnalyzer } from './flowAnalyzer.js';
import { buildSummary, FlowRecordMaker, flowRecords, summaryHead, type FlowEndpoints } from './buildSummary.js';
import type { ByteWriter } from './byteWriter.js';
import { FlowJsonWriter } from './flowJson.js';
import { S_BYTES } from './flowTable.js';
import { analyzeFileParallel, PARALLEL_MIN_BYTES, type ParallelOptions, type ParallelRun } from './parallelAnalyze.js';
import type { SplitTime } from './beforeCounts.js';
import { parseIsoTime } from './format.js';
import type { FlowParts } from '../../shared/flowParts.js';

export interface AnalyzeOptions {
  signal?: AbortSignal;
  /** Called after each chunk read; totalBytes is undefined for streams. */
  onProgress?: (bytesRead: number, totalBytes: number | undefined) => void;
  /** Flow table bound (default 1,000,000). */
  maxFlows?: number;
  /** Analyse large files with a second thread (same result; see parallelAnalyze.ts). */
  parallel?: ParallelOptions;
  /** The alert's time (ISO 8601, e.g. the capture sidecar's): each flow's packets before it are
   *  counted apart (`beforeAlert`, `alertSplit`). A text that is not such a time is an error. */
  alertTime?: string;
}

/** The analyzer options of `opts`: the flow limit and the split time. */
function analyzerOptions(opts: AnalyzeOptions): { maxFlows?: number; splitAt?: SplitTime } {
  if (opts.alertTime === undefined) return { maxFlows: opts.maxFlows };
  const splitAt = parseIsoTime(opts.alertTime);
  if (!splitAt) throw new RangeError(`alertTime is not an ISO 8601 time: ${JSON.stringify(opts.alertTime.slice(0, 80))}`);
  return { maxFlows: opts.maxFlows, splitAt };
}

/** The two-thread analysis when it applies and succeeds, else undefined (then one thread). */
async function tryParallel(path: string, opts: AnalyzeOptions): Promise<ParallelRun | undefined> {
  const p = opts.parallel;
  if (!p || availableParallelism() < (p.minCpus ?? 2)) return undefined;
  if ((await stat(path)).size < (p.minBytes ?? PARALLEL_MIN_BYTES)) return undefined;
  return analyzeFileParallel(path, { ...p, ...analyzerOptions(opts), signal: opts.signal, onProgress: opts.onProgress });
}

function finish(analyzer: FlowAnalyzer, r: ReadCaptureResult): FlowSummary {
  return buildSummary(analyzer, { end: r.end, fileBytes: r.fileBytes });
}

export async function analyzeFile(path: string, opts: AnalyzeOptions = {}): Promise<FlowSummary> {
  const par = await tryParallel(path, opts);
  if (par) {
    const s = streamedOfParallel(par);
    for (let g = 0; g < s.count; g++) s.head.flows.push(s.record(g));
    return s.head;
  }
  const analyzer = new FlowAnalyzer(analyzerOptions(opts));
  const r = await readCaptureFile(path, analyzer, { signal: opts.signal, onProgress: opts.onProgress });
  return finish(analyzer, r);
}

export async function analyzeStream(stream: AsyncIterable<Uint8Array>, opts: AnalyzeOptions = {}): Promise<FlowSummary> {
  const analyzer = new FlowAnalyzer(analyzerOptions(opts));
  const r = await readCaptureStream(stream, analyzer, { signal: opts.signal, onProgress: opts.onProgress });
  return finish(analyzer, r);
}

/** The summary without its flows (`head.flows` is empty) and the flows made from the flow
 *  table as they are asked for: for output that streams (`analyze --json` writes every flow's
 *  text straight from the table) or picks (the table's top rows), so a summary of many flows
 *  never exists whole in memory. */
export interface StreamedSummary {
  head: FlowSummary;
  /** Flows in the table (`head.totals.flows`). */
  readonly count: number;
  /** Flow f's record, made now. */
  record(f: number): FlowRecord;
  flows(): Generator<FlowRecord, void, undefined>;
  /** Writes flow f's JSON text without its closing brace (the text of `JSON.stringify` of its
   *  record, minus the last `}`: keys may be added). */
  writeFlowOpen(f: number, w: ByteWriter): void;
  /** Flow f's fields into `out` (reused), without making its record (the columns). */
  parts(f: number, out: FlowParts): void;
  /** Protocol, addresses and ports of a flow, without making its record. */
  readonly endpoints: FlowEndpoints;
  /** Bytes of flow f, both ways. */
  totalBytes(f: number): number;
}

export async function analyzeFileStreamed(path: string, opts: AnalyzeOptions = {}): Promise<StreamedSummary> {
  const par = await tryParallel(path, opts);
  if (par) return streamedOfParallel(par);
  const analyzer = new FlowAnalyzer(analyzerOptions(opts));
  const r = await readCaptureFile(path, analyzer, { signal: opts.signal, onProgress: opts.onProgress });
  return streamedOf(analyzer, summaryHead(analyzer, { end: r.end, fileBytes: r.fileBytes }));
}

/** The streamed view of a finished analysis (`head` from summaryHead). */
export function streamedOf(analyzer: FlowAnalyzer, head: FlowSummary): StreamedSummary {
  const maker = new FlowRecordMaker(analyzer);
  const json = new FlowJsonWriter(analyzer);
  const t = analyzer.table;
  return {
    head,
    count: t.count,
    record: (f) => maker.record(f),
    parts: (f, out) => maker.parts(f, out),
    flows: () => flowRecords(analyzer),
    writeFlowOpen: (f, w) => json.open(f, w),
    endpoints: maker,
    totalBytes: (f) => t.stat(f, S_BYTES) + t.stat(f, S_BYTES + 1),
  };
}

/** The streamed view of a two-thread analysis. */
function streamedOfParallel(r: ParallelRun): StreamedSummary {
  const m = r.flows;
  return {
    head: summaryHead(r.main, { end: r.end, fileBytes: r.fileBytes }, m),
    count: m.count,
    record: (g) => m.record(g),
    parts: (g, out) => m.partsOf(g, out),
    *flows() {
      for (let g = 0; g < m.count; g++) yield m.record(g);
    },
    writeFlowOpen: (g, w) => m.writeFlowOpen(g, w),
    endpoints: m,
    totalBytes: (g) => m.totalBytes(g),
  };
}
