// The messages between the extension host and the flow-summary webview. Each message is a
// declared type; a guard narrows `unknown` to it; both sides handle them with an exhaustive
// switch. No runtime dependencies: the webview bundle imports this file.
import type { AnnotatedSummary } from './annotatedSummary.js';

/** Host → webview. */
export type HostMessage =
  | { type: 'summary'; summary: AnnotatedSummary; file: string; wiresharkAvailable: boolean }
  | { type: 'progress'; file: string; bytesRead: number; totalBytes: number }
  | { type: 'error'; message: string };

/** Webview → host. */
export type WebviewMessage =
  | { type: 'ready' }
  /** Open the capture in Wireshark with this flow's display filter (index into summary.flows),
   *  or the alerted flow's when `flowIndex` is absent. */
  | { type: 'openInWireshark'; flowIndex?: number }
  | { type: 'revealFile' }
  | { type: 'copyText'; text: string };

const MAX_TEXT = 64 * 1024;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Narrows a message from the webview; anything else (wrong shape, extra size) is rejected. */
export function isWebviewMessage(v: unknown): v is WebviewMessage {
  if (!isObject(v) || typeof v.type !== 'string') return false;
  switch (v.type) {
    case 'ready':
    case 'revealFile':
      return Object.keys(v).length === 1;
    case 'openInWireshark':
      return v.flowIndex === undefined || (typeof v.flowIndex === 'number' && Number.isInteger(v.flowIndex) && v.flowIndex >= 0);
    case 'copyText':
      return typeof v.text === 'string' && v.text.length <= MAX_TEXT;
    default:
      return false;
  }
}

/** Narrows a message from the host (the webview checks what it receives too). */
export function isHostMessage(v: unknown): v is HostMessage {
  if (!isObject(v) || typeof v.type !== 'string') return false;
  switch (v.type) {
    case 'summary':
      return isObject(v.summary) && Array.isArray(v.summary.flows) && typeof v.file === 'string' && typeof v.wiresharkAvailable === 'boolean';
    case 'progress':
      return typeof v.file === 'string' && typeof v.bytesRead === 'number' && typeof v.totalBytes === 'number';
    case 'error':
      return typeof v.message === 'string';
    default:
      return false;
  }
}
