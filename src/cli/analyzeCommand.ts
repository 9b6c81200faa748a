// `falcoshark analyze <file> [--json] [--top N]`: the flow summary of a pcap/pcapng capture.
import { parseArgs } from 'node:util';
import { stat } from 'node:fs/promises';
import type { CliCommand } from './command.js';
import { analyzeFile, analyzeFileStreamed, type StreamedSummary } from '../core/flows/analyzeFile.js';
import { CaptureFormatError } from '../core/pcap/types.js';
import { renderSummary } from './flowTable.js';
import { annotateFlow, annotateSummary } from '../core/annotate/annotateSummary.js';
import { readSidecar, type CaptureSidecar } from '../core/capture/captureSidecar.js';
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
      let truncated;
      if (values.json) {
        // Streamed from the flow table: the whole flow list never exists at once.
        const streamed = await analyzeFileStreamed(file, { signal: ac.signal, onProgress });
        bar.done();
        truncated = streamed.head.truncated;
        await writeJson(streamed, sidecar);
      } else {
        const plain = await analyzeFile(file, { signal: ac.signal, onProgress });
        const summary = annotateSummary(plain, sidecar);
        bar.done();
        truncated = summary.truncated;
        process.stdout.write(renderSummary(summary, file, top));
      }
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

function* mapIter<T, U>(it: Iterable<T>, fn: (x: T) => U): Generator<U, void, undefined> {
  for (const x of it) yield fn(x);
}

/** Streams the JSON out flow by flow, each record made from the flow table as it is written:
 *  a summary of 1 M flows never becomes one giant string nor one giant array. */
async function writeJson(streamed: StreamedSummary, sidecar: CaptureSidecar | undefined): Promise<void> {
  const { flows: _none, ...rest } = annotateSummary(streamed.head, sidecar);
  const head = JSON.stringify({ ...rest, flows: [] }, null, 0);
  const out = process.stdout;
  const write = (s: string): Promise<void> => new Promise((resolve, reject) => {
    if (out.write(s)) resolve();
    else out.once('drain', resolve).once('error', reject);
  });
  await write(head.slice(0, -2));
  let chunk = '';
  let first = true;
  // Without a sidecar each flow's text comes straight from the table (no record object).
  const texts = sidecar ? mapIter(streamed.flows(), (f) => JSON.stringify(annotateFlow(f, sidecar))) : streamed.flowTexts();
  for (const text of texts) {
    chunk += (first ? '' : ',') + text;
    first = false;
    if (chunk.length > 1 << 16) { await write(chunk); chunk = ''; }
  }
  await write(`${chunk}]}\n`);
}
