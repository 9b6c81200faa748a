// Capture file (or byte stream) → FlowSummary: the pcap/pcapng reader feeding the flow
// analyzer. A file unreadable from its first bytes throws the reader's CaptureFormatError;
// a file that breaks part-way gives the summary of what was read, with `truncated` set.

import type { FlowRecord, FlowSummary } from '../../shared/flowSummary.js';
import { readCaptureFile, readCaptureStream, type ReadCaptureResult } from '../pcap/readCaptureFile.js';
import { FlowAnalyzer } from './flowAnalyzer.js';
import { buildSummary, flowJsonTexts, flowRecords, summaryHead } from './buildSummary.js';

export interface AnalyzeOptions {
  signal?: AbortSignal;
  /** Called after each chunk read; totalBytes is undefined for streams. */
  onProgress?: (bytesRead: number, totalBytes: number | undefined) => void;
  /** Flow table bound (default 1,000,000). */
  maxFlows?: number;
}

function finish(analyzer: FlowAnalyzer, r: ReadCaptureResult): FlowSummary {
  return buildSummary(analyzer, { end: r.end, fileBytes: r.fileBytes });
}

export async function analyzeFile(path: string, opts: AnalyzeOptions = {}): Promise<FlowSummary> {
  const analyzer = new FlowAnalyzer({ maxFlows: opts.maxFlows });
  const r = await readCaptureFile(path, analyzer, { signal: opts.signal, onProgress: opts.onProgress });
  return finish(analyzer, r);
}

export async function analyzeStream(stream: AsyncIterable<Uint8Array>, opts: AnalyzeOptions = {}): Promise<FlowSummary> {
  const analyzer = new FlowAnalyzer({ maxFlows: opts.maxFlows });
  const r = await readCaptureStream(stream, analyzer, { signal: opts.signal, onProgress: opts.onProgress });
  return finish(analyzer, r);
}

/** The summary without its flows (`head.flows` is empty) and the flows one at a time, made
 *  from the flow table as they are consumed: for output that streams (`analyze --json`), so
 *  a summary of many flows never exists whole in memory. */
export interface StreamedSummary {
  head: FlowSummary;
  flows(): Generator<FlowRecord, void, undefined>;
  /** The same flows as JSON text (each equal to `JSON.stringify` of its record). */
  flowTexts(): Generator<string, void, undefined>;
}

export async function analyzeFileStreamed(path: string, opts: AnalyzeOptions = {}): Promise<StreamedSummary> {
  const analyzer = new FlowAnalyzer({ maxFlows: opts.maxFlows });
  const r = await readCaptureFile(path, analyzer, { signal: opts.signal, onProgress: opts.onProgress });
  const head = summaryHead(analyzer, { end: r.end, fileBytes: r.fileBytes });
  return { head, flows: () => flowRecords(analyzer), flowTexts: () => flowJsonTexts(analyzer) };
}
