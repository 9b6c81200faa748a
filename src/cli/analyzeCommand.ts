// `falcoshark analyze <file> [--json] [--top N]`: the flow summary of a pcap/pcapng capture.
import { parseArgs } from 'node:util';
import { stat } from 'node:fs/promises';
import { existsSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import type { CliCommand } from './command.js';
import { analyzeFileStreamed, type StreamedSummary } from '../core/flows/analyzeFile.js';
import { ByteWriter } from '../core/flows/byteWriter.js';
import { CaptureFormatError } from '../core/pcap/types.js';
import { renderTable } from './summaryTable.js';
import { alertTimeOf, annotateFlow, annotateSummary, FlowAnnotator } from '../core/annotate/annotateSummary.js';
import { readSidecar, type CaptureSidecar } from '../core/capture/captureSidecar.js';
import type { AnnotatedFlow } from '../shared/annotatedSummary.js';
import { ProgressBar } from './progressBar.js';

/** Exit codes: 0 ok; 1 the input cannot be read as a capture; 2 usage; 3 the summary was
 *  printed but the input was truncated or corrupt part-way (see `truncated`). */
export const EXIT_PARTIAL = 3;

const HELP = `usage: falcoshark analyze <file> [--json] [--top N]

  Summarises the flows of a pcap or pcapng capture (format found from its magic number).
  --json     print the JSON summary (schema: docs/flow-summary.schema.json)
  --top N    rows in the table (default 30; --json always has every flow)

exit codes: 0 ok, 1 unreadable input, 2 usage, 3 printed but the input was cut short or corrupt
`;

export const analyzeCommand: CliCommand = {
  name: 'analyze',
  usage: 'analyze <file> [--json] [--top N]',
  summary: 'summarise the flows of a pcap or pcapng capture',
  async run(argv) {
    let parsed;
    try {
      parsed = parseArgs({ args: argv, allowPositionals: true, options: {
        json: { type: 'boolean', default: false },
        top: { type: 'string', default: '30' },
        help: { type: 'boolean', short: 'h', default: false },
      } });
    } catch (e) {
      process.stderr.write(`falcoshark analyze: ${(e as Error).message}\n${HELP}`);
      return 2;
    }
    const { values, positionals } = parsed;
    if (values.help) { process.stdout.write(HELP); return 0; }
    const top = Number(values.top);
    if (positionals.length !== 1 || !Number.isInteger(top) || top < 0) {
      process.stderr.write(HELP);
      return 2;
    }
    const file = positionals[0];
    let size: number;
    try {
      const st = await stat(file);
      if (!st.isFile()) throw new Error(`${file} is not a regular file`);
      size = st.size;
    } catch (e) {
      process.stderr.write(`falcoshark analyze: cannot read ${file}: ${(e as Error).message}\n`);
      return 1;
    }
    const bar = new ProgressBar('analyzing');
    const ac = new AbortController();
    const onSig = (): void => ac.abort();
    process.once('SIGINT', onSig);
    try {
      const sidecar = await readSidecar(file).catch((e: unknown) => {
        process.stderr.write(`falcoshark analyze: ignoring the sidecar: ${(e as Error).message}\n`);
        return undefined;
      });
      const onProgress = size > 32 * 1024 * 1024 && bar.enabled
        ? (done: number, total: number | undefined) => bar.update(done, total ?? size) : undefined;
      // Both outputs come from the flow table as they are written: the flow list never
      // exists whole in memory (a capture of a busy node has hundreds of thousands).
      const workerScript = flowWorkerScript();
      // (the CPU rule is applied above: the core is told that two are enough)
      // The alert's time (a recorded capture's window, a live capture's alert) splits each flow's
      // packets into before and after it, as in the extension's summary.
      const alertTime = alertTimeOf(sidecar);
      const streamed = await analyzeFileStreamed(file, { signal: ac.signal, onProgress, ...(alertTime ? { alertTime } : {}),
        ...(workerScript ? { parallel: { workerScript, minCpus: 2 } } : {}) });
      bar.done();
      const truncated = streamed.head.truncated;
      if (values.json) writeJson(streamed, sidecar);
      else writeText(table(streamed, sidecar, file, top));
      if (truncated) {
        if (values.json) process.stderr.write(`falcoshark analyze: input cut short at byte ${truncated.offset}: ${truncated.reason}\n`);
        return EXIT_PARTIAL;
      }
      return 0;
    } catch (e) {
      bar.done();
      if (e instanceof CaptureFormatError) {
        process.stderr.write(`falcoshark analyze: ${file} is not a readable capture: ${e.message}\n`);
        return 1;
      }
      if (ac.signal.aborted) { process.stderr.write('falcoshark analyze: interrupted\n'); return 130; }
      throw e;
    } finally {
      process.off('SIGINT', onSig);
    }
  },
};

/** The script of the parallel analysis's second thread: dist/analyzeWorker.js beside the
 *  bundled CLI (or its source when run from source). Used with 2 or more CPUs (each thread
 *  reads and decodes the file itself: 18–23% faster on two, see the README's bench) or when
 *  FALCOSHARK_THREADS=2; FALCOSHARK_THREADS=1: never. */
function flowWorkerScript(): string | undefined {
  const threads = process.env.FALCOSHARK_THREADS;
  if (threads === '1' || (threads !== '2' && availableParallelism() < 2)) return undefined;
  for (const p of [join(__dirname, 'analyzeWorker.js'), join(__dirname, '..', 'extension', 'analyzeWorker.ts')]) if (existsSync(p)) return p;
  return undefined;
}

/** Writes all of `bytes` to stdout, synchronously. stdout is a file, a tty or a pipe that Node
 *  made non-blocking (its `process.stdout` was touched): a full pipe then refuses the write
 *  (EAGAIN), and the rest goes through a second, blocking descriptor of the same pipe
 *  (/proc/self/fd/1 reopened: O_NONBLOCK belongs to the first one), or, where there is none,
 *  after 1 ms pauses. False when the reader is gone. */
function writeOut(bytes: Uint8Array): boolean {
  let off = 0;
  while (off < bytes.length) {
    try {
      off += writeSync(blockingFd ?? 1, bytes, off, bytes.length - off);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EPIPE') return false;
      if (code !== 'EAGAIN') throw e;
      if (blockingFd === undefined && !triedReopen) {
        triedReopen = true;
        try { blockingFd = openSync('/proc/self/fd/1', 'a'); } catch { /* a socket, not Linux: pause and retry */ }
      }
      if (blockingFd === undefined) Atomics.wait(PAUSE, 0, 0, 1);
    }
  }
  return true;
}

let blockingFd: number | undefined;
let triedReopen = false;
const PAUSE = new Int32Array(new SharedArrayBuffer(4));

function writeText(text: string): void {
  writeOut(Buffer.from(text, 'utf8'));
}

/** Streams the JSON out flow by flow, each flow's text written from the flow table into one
 *  reused buffer: a summary of 1 M flows never becomes a string, an array or a record. */
function writeJson(streamed: StreamedSummary, sidecar: CaptureSidecar | undefined): void {
  const { flows: _none, ...rest } = annotateSummary(streamed.head, sidecar);
  const head = JSON.stringify({ ...rest, flows: [] }, null, 0);
  let open = true;
  const w = new ByteWriter(1 << 20, (chunk) => { if (open) open = writeOut(chunk); });
  w.raw(Buffer.from(head.slice(0, -2), 'utf8'));
  const ann = sidecar ? new FlowAnnotator(sidecar, streamed.endpoints) : undefined;
  const raw = (b: Uint8Array): void => w.raw(b);
  for (let f = 0; f < streamed.count && open; f++) {
    if (f > 0) w.ascii(',');
    streamed.writeFlowOpen(f, w);
    ann?.keysJson(f, raw);
    w.ascii('}');
  }
  w.ascii(']}\n');
  w.flush();
}

/** The table: the alerted flows first, then by bytes (ties in flow order), the first `top`;
 *  records are made for those rows only. */
function table(streamed: StreamedSummary, sidecar: CaptureSidecar | undefined, file: string, top: number): string {
  const ann = sidecar ? new FlowAnnotator(sidecar, streamed.endpoints) : undefined;
  const n = streamed.count;
  const alerted = new Uint8Array(n);
  let anyAlerted = false;
  if (ann) for (let f = 0; f < n; f++) if (ann.alerted(f)) { alerted[f] = 1; anyAlerted = true; }
  const before = (a: number, b: number): boolean => alerted[a] !== alerted[b] ? alerted[a] > alerted[b]
    : streamed.totalBytes(a) !== streamed.totalBytes(b) ? streamed.totalBytes(a) > streamed.totalBytes(b) : a < b;
  // The best `top` in order: one comparison with the last kept row rejects most flows.
  const best: number[] = [];
  const k = Math.min(top, n);
  for (let f = 0; f < n && k > 0; f++) {
    if (best.length === k && !before(f, best[k - 1])) continue;
    let lo = 0;
    let hi = best.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (before(f, best[mid])) hi = mid;
      else lo = mid + 1;
    }
    best.splice(lo, 0, f);
    if (best.length > k) best.pop();
  }
  const rows: AnnotatedFlow[] = best.map((f) => (sidecar ? annotateFlow(streamed.record(f), sidecar) : streamed.record(f)));
  return renderTable(annotateSummary(streamed.head, sidecar), rows, n, anyAlerted, file);
}
