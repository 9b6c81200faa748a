// Worker thread entry (dist/analyzeWorker.js): analyses one capture file and annotates it with
// its sidecar, off the extension host's thread, and sends the flows back as columns (their
// buffers transferred; see analysisSummary.ts). The sidecar is read first: its alert time (a
// recorded window's, else the alert's) is where the analysis splits each flow's counts into
// before and after the alert. Messages are plain data (see analysis.ts).
// The same script is the parallel analysis's second thread (core/flows/flowWorker.ts) when
// its workerData says so: for the CLI and for the analysis started here.
import { parentPort, workerData } from 'node:worker_threads';
import { analyzeFileStreamed } from '../core/flows/analyzeFile.js';
import { isFlowWorkerData } from '../core/flows/partition.js';
import { buffersOf, runFlowWorker } from '../core/flows/flowWorker.js';
import { alertTimeOf } from '../core/annotate/annotateSummary.js';
import { parseIsoTime } from '../core/flows/format.js';
import { readSidecar } from '../core/capture/captureSidecar.js';
import { columnsOfAnalysis } from './analysisColumns.js';
import type { WorkerReply, WorkerRequest } from './analysisMessages.js';

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
    const { head, builder } = columnsOfAnalysis(await analyzeFileStreamed(req.file, {
      ...(alertTime !== undefined && parseIsoTime(alertTime) ? { alertTime } : {}),
      parallel: { workerScript: __filename },
      onProgress: (bytesRead, totalBytes) => {
        const now = Date.now();
        if (now - last < 100) return;
        last = now;
        post({ type: 'progress', bytesRead, totalBytes: totalBytes ?? 0 });
      },
    }), sidecar);
    const columns = builder.finish();
    const reply: WorkerReply = { type: 'done', head, columns, ...(sidecarProblem ? { sidecarProblem } : {}) };
    port.postMessage(reply, buffersOf(columns));
  } catch (e) {
    post({ type: 'failed', message: e instanceof Error ? e.message : String(e) });
  }
}

if (isFlowWorkerData(workerData) && parentPort) runFlowWorker(workerData, parentPort);
else void main();
