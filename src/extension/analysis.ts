// Analyses a capture in a worker thread (dist/analyzeWorker.js) so that the extension host
// never freezes on a large file. Cancel terminates the worker. No `vscode` import.
import { Worker } from 'node:worker_threads';
import type { AnnotatedSummary } from '../shared/annotatedSummary.js';
import type { WorkerReply, WorkerRequest } from './analysisMessages.js';
import { summaryOfColumns } from './analysisSummary.js';

export class AnalysisCancelledError extends Error {
  override readonly name = 'AnalysisCancelledError';
}

export interface AnalysisResult { summary: AnnotatedSummary; sidecarProblem?: string }

export function analyzeInWorker(workerScript: string, file: string, opts: { signal?: AbortSignal; onProgress?: (bytesRead: number, totalBytes: number) => void;
  /** Node options of the worker (tests run it from source: ['--require', 'tsx/cjs']). */
  execArgv?: string[]; } = {}): Promise<AnalysisResult> {
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) { reject(new AnalysisCancelledError('analysis cancelled')); return; }
    const req: WorkerRequest = { file };
    const worker = new Worker(workerScript, { workerData: req, resourceLimits: { maxOldGenerationSizeMb: 4096 }, ...(opts.execArgv ? { execArgv: opts.execArgv } : {}) });
    let settled = false;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      opts.signal?.removeEventListener('abort', onAbort);
      fn();
      void worker.terminate();
    };
    const onAbort = (): void => finish(() => reject(new AnalysisCancelledError('analysis cancelled')));
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (m: WorkerReply) => {
      switch (m.type) {
        case 'progress': opts.onProgress?.(m.bytesRead, m.totalBytes); break;
        case 'done': {
          const summary = summaryOfColumns(m.head, m.columns);
          finish(() => resolve(m.sidecarProblem ? { summary, sidecarProblem: m.sidecarProblem } : { summary }));
          break;
        }
        case 'failed': finish(() => reject(new Error(m.message))); break;
        default: { const never: never = m; void never; }
      }
    });
    worker.on('error', (e) => finish(() => reject(e)));
    worker.on('exit', (code) => finish(() => reject(new Error(`the analysis worker exited with code ${code}`))));
  });
}
