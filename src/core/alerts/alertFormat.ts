// Text renderings of alerts for terminals and JSON lines. Alert strings are attacker controlled:
// every control character is escaped (no ANSI/OSC injection, no bidi reordering).
import type { FalcoAlert } from './types.js';
import { priorityLabel } from './priority.js';
import { terminalSafe } from '../util/terminalSafe.js';

const JSON_UNSAFE = /[\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** One JSON line; JSON.stringify escapes C0 controls, this also escapes DEL, C1 and bidi controls. */
export function alertJsonLine(a: FalcoAlert, extra?: Record<string, unknown>): string {
  const text = JSON.stringify(extra ? { ...extra, alert: a } : a);
  return text.replace(JSON_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function formatEndpoint(ip: string | null, port: number | null): string {
  if (ip === null && port === null) return '?';
  const host = ip === null ? '?' : ip.includes(':') ? `[${ip}]` : ip;
  return port === null ? host : `${host}:${port}`;
}

export function formatConnection(a: FalcoAlert): string {
  const n = a.network;
  if (!n) return '';
  const proto = n.l4proto ? `${n.l4proto} ` : '';
  return `${proto}${formatEndpoint(n.client.ip, n.client.port)}->${formatEndpoint(n.server.ip, n.server.port)}`;
}

export const TABLE_HEADER = ['TIME', 'PRIORITY', 'RULE', 'NAMESPACE/POD', 'CONNECTION', 'PROCESS'];
const WIDTHS = [12, 13, 40, 40, 48, 0];

function cell(s: string, w: number): string {
  if (w === 0) return s;
  const t = s.length > w ? `${s.slice(0, w - 1)}…` : s;
  return t.padEnd(w);
}

export function tableHeader(): string {
  return TABLE_HEADER.map((h, i) => cell(h, WIDTHS[i])).join(' ').trimEnd();
}

/** One table row; every value escaped for the terminal. */
export function alertTableRow(a: FalcoAlert, count?: number): string {
  const time = a.time ? a.time.slice(11, 23) : '?';
  const where = a.pod !== null ? `${a.namespace ?? '?'}/${a.pod}` : a.node !== null ? `node ${a.node}` : '';
  const proc = a.process.cmdline ?? a.process.name ?? '';
  const rule = count !== undefined && count > 1 ? `${a.rule} (x${count})` : a.rule;
  const cells = [time, a.priority ? priorityLabel(a.priority) : '?', terminalSafe(rule, 200), terminalSafe(where, 200), terminalSafe(formatConnection(a), 200), terminalSafe(proc, 120)];
  return cells.map((c, i) => cell(c, WIDTHS[i])).join(' ').trimEnd();
}
