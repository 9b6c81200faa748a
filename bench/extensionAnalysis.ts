// `node dist/bench/extensionAnalysis.cjs FILE` (bundled by bench/run.ts, as the extension is
// bundled): the extension's analysis of a capture as the flow panel gets it — analyzeInWorker
// (src/extension/analysis.ts) running dist/analyzeWorker.js, the flows coming back as columns
// of typed arrays — then, as the panel does first, the summary's first and last flow made
// from the columns. Prints the counts (the bench checks them) and the columns' size; the bench
// times the process and takes its peak RSS (the extension host's side and the worker's).
import { resolve } from 'node:path';
import { analyzeInWorker } from '../src/extension/analysis.js';
import type { FlowColumns } from '../webview/flowColumns.js';

function columnsBytes(c: FlowColumns): number {
  let n = 0;
  for (const v of Object.values(c)) {
    if (ArrayBuffer.isView(v)) n += v.byteLength;
    else if (Array.isArray(v)) for (const s of v) n += typeof s === 'string' ? s.length : 64;
  }
  return n;
}

async function main(): Promise<void> {
  const file = process.argv[2];
  if (!file) throw new Error('usage: node dist/bench/extensionAnalysis.cjs FILE');
  const { summary } = await analyzeInWorker(resolve('dist/analyzeWorker.js'), file);
  const columns = (summary as unknown as { columns?: FlowColumns }).columns;
  if (!columns) throw new Error('the worker sent no columns');
  const n = summary.flows.length;
  const first = summary.flows[0];
  const last = summary.flows[n - 1];
  if (n > 0 && (!first || !last)) throw new Error('a flow could not be made from the columns');
  const mb = (columnsBytes(columns) / 1e6).toFixed(0);
  console.log(`${summary.totals.packets.toLocaleString('en')} packets, ${n.toLocaleString('en')} flows; columns ~${mb} MB`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
