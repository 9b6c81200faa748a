// `node bench/hot.mjs FILE [RUNS]` (bundled first: see hot.mjs): the analysis alone, in one process, over a
// capture already in memory (4 MiB chunks, as the CLI reads): reader only (a sink that does
// nothing), then reader + flow analysis, then the flows' JSON bytes (as `analyze --json` writes them). Best of RUNS (default 5), for comparing hot-path
// changes on a busy machine without the process start and the file I/O.
import { readFileSync } from 'node:fs';
import { CaptureReader } from '../src/core/pcap/captureReader.js';
import { FlowAnalyzer } from '../src/core/flows/flowAnalyzer.js';
import type { CaptureSink } from '../src/core/pcap/types.js';
import { summaryHead } from '../src/core/flows/buildSummary.js';
import { streamedOf } from '../src/core/flows/analyzeFile.js';
import { ByteWriter } from '../src/core/flows/byteWriter.js';

const file = process.argv[2];
const runs = Number(process.argv[3] ?? 5);
if (!file) throw new Error('usage: hotLoop.ts FILE [RUNS]');
const data = readFileSync(file);
const CHUNK = 4 * 1024 * 1024;

function feed(sink: CaptureSink): void {
  const r = new CaptureReader(sink);
  for (let p = 0; p < data.length; p += CHUNK) r.push(data.subarray(p, Math.min(p + CHUNK, data.length)));
}

function best(name: string, once: () => number): void {
  let b = Infinity;
  let packets = 0;
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    packets = once();
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    b = Math.min(b, ms);
  }
  console.log(`${name.padEnd(10)} ${b.toFixed(0).padStart(6)} ms  ${(packets / b / 1e3).toFixed(2)} M items/s (best of ${runs})`);
}

best('read', () => {
  let n = 0;
  feed({ packet: () => { n++; } });
  return n;
});
best('analyze', () => {
  const a = new FlowAnalyzer();
  feed(a);
  a.finish();
  return a.packets;
});
const analyzed = new FlowAnalyzer();
feed(analyzed);
const streamed = streamedOf(analyzed, summaryHead(analyzed));
best('json', () => {
  let bytes = 0;
  const w = new ByteWriter(1 << 20, (chunk) => { bytes += chunk.length; });
  for (let f = 0; f < streamed.count; f++) {
    if (f > 0) w.ascii(',');
    streamed.writeFlowOpen(f, w);
    w.ascii('}');
  }
  w.flush();
  return bytes > 0 ? streamed.count : 0;
});
