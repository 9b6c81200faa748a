// The messages between analysis.ts and the analysis worker thread.
import type { AnnotatedSummary } from '../shared/annotatedSummary.js';

export interface WorkerRequest { file: string }

export type WorkerReply =
  | { type: 'progress'; bytesRead: number; totalBytes: number }
  | { type: 'done'; summary: AnnotatedSummary; sidecarProblem?: string }
  | { type: 'failed'; message: string };
