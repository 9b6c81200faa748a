// The messages between analysis.ts and the analysis worker thread.
import type { AnnotatedSummary } from '../shared/annotatedSummary.js';
import type { FlowColumns } from '../../webview/flowColumns.js';

export interface WorkerRequest { file: string }

export type WorkerReply =
  | { type: 'progress'; bytesRead: number; totalBytes: number }
  /** The summary without its flows (`head.flows` is empty) and the flows as columns (their
   *  typed arrays transferred, not copied). */
  | { type: 'done'; head: AnnotatedSummary; columns: FlowColumns; sidecarProblem?: string }
  | { type: 'failed'; message: string };
