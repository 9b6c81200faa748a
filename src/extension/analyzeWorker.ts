// Worker thread entry (dist/analyzeWorker.js): analyses one capture file and annotates it with
// its sidecar, off the extension host's thread, and sends the flows back as columns (their
// buffers transferred; see analysisSummary.ts). The sidecar is read first: its alert time (a
// recorded window's, else the alert's) is where the analysis splits each flow's counts into
// before and after the alert. Messages are plain data (see analysis.ts).
// The same script is the parallel analysis's second thread (core/flows/flowWorker.ts) when
// its workerData says so: for the CLI and for the analysis started here.
import { parentPort, workerData } from 'node:worker_threads';
import { analyzeFileStreamed, type StreamedSummary } from '../core/flows/analyzeFile.js';
import type { AnnotatedSummary } from '../shared/annotatedSummary.js';
import { isFlowWorkerData } from '../core/flows/partition.js';
import { buffersOf, runFlowWorker } from '../core/flows/flowWorker.js';
import { alertTimeOf, annotateSummary, FlowAnnotator } from '../core/annotate/annotateSummary.js';
import { newFlowParts } from '../shared/flowParts.js';
import { parseIsoTime } from '../core/flows/format.js';
import { ColumnsBuilder } from '../../webview/flowColumns.js';
import { readSidecar, type CaptureSidecar } from '../core/capture/captureSidecar.js';
import type { WorkerReply, WorkerRequest } from './analysisMessages.js';

/** The flows as columns, made from the analyzer's fields one flow at a time (no record object,
 *  no time text per flow): the summary never exists as objects. Returns the builder unfinished:
 *  the analysis is no longer reachable when `finish` makes the columns' last arrays. */
function columnsOf(streamed: StreamedSummary, sidecar: CaptureSidecar | undefined): { head: AnnotatedSummary; b: ColumnsBuilder } {
  const head = annotateSummary(streamed.head, sidecar);
  const b = new ColumnsBuilder(streamed.count, head.activity.buckets, true);
  const parts = newFlowParts();
  const annotator = sidecar ? new FlowAnnotator(sidecar, streamed.endpoints) : undefined;
  parts.wantIpText = annotator !== undefined; // names endpoints by their text
  for (let f = 0; f < streamed.count; f++) {
    streamed.parts(f, parts);
    if (annotator) {
      parts.clientIdentity = annotator.identity(parts.clientIp);
      parts.serverIdentity = annotator.identity(parts.serverIp);
      parts.alerted = annotator.alerted(f);
      parts.capturedOn = annotator.capturedOnFlow(f);
    }
    b.addParts(parts);
  }
  return { head, b };
}

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('analyzeWorker must run in a worker thread');
  const req = workerData as WorkerRequest;
  let last = 0;
  const post = (m: WorkerReply): void => port.postMessage(m);
  try {
    let sidecarProblem: string | undefined;
    let sidecar;
    try { sidecar = await readSidecar(req.file); } catch (e) { sidecarProblem = (e as Error).message; }
    // A time that is not one (the sidecar only checks that it is a string) splits nothing.
    const alertTime = alertTimeOf(sidecar);
    const { head, b } = columnsOf(await analyzeFileStreamed(req.file, {
      ...(alertTime !== undefined && parseIsoTime(alertTime) ? { alertTime } : {}),
      parallel: { workerScript: __filename },
      onProgress: (bytesRead, totalBytes) => {
        const now = Date.now();
        if (now - last < 100) return;
        last = now;
        post({ type: 'progress', bytesRead, totalBytes: totalBytes ?? 0 });
      },
    }), sidecar);
    const columns = b.finish();
    const reply: WorkerReply = { type: 'done', head, columns, ...(sidecarProblem ? { sidecarProblem } : {}) };
    port.postMessage(reply, buffersOf(columns));
  } catch (e) {
    post({ type: 'failed', message: e instanceof Error ? e.message : String(e) });
  }
}

if (isFlowWorkerData(workerData) && parentPort) runFlowWorker(workerData, parentPort);
else void main();
