// A workload capture's pods as the header lists them (capturePods.ts draws them): the summary
// context's `pods`, checked and cut, and the words of their outcomes. No DOM (unit-tested).
import { clip, formatCount, num, str } from './format.js';

export interface PodRow {
  pod: string;
  node: string;
  outcome: string;
  reason: string;
  packets: number;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The context's pods, sanitised (undefined when it has none: not a workload capture). */
export function podRows(pods: unknown): PodRow[] | undefined {
  if (!Array.isArray(pods) || pods.length === 0) return undefined;
  return pods.filter(isObj).map((p) => ({
    pod: str(p.pod, '?', 1024), node: str(p.node, '', 256), outcome: str(p.outcome, '?', 64), reason: str(p.reason, '', 4096), packets: num(p.packets),
  }));
}

/** 'ok' (captured to the end), 'warn' (ended or stopped early), 'fail' (no capture). */
export function outcomeClass(outcome: string): 'ok' | 'warn' | 'fail' {
  return outcome === 'complete' ? 'ok' : outcome === 'failed' || outcome === 'skipped' ? 'fail' : 'warn';
}

/** "3 pods: 2 complete, 1 failed". */
export function podsCaption(rows: readonly PodRow[]): string {
  const by = new Map<string, number>();
  for (const r of rows) by.set(r.outcome, (by.get(r.outcome) ?? 0) + 1);
  const parts = [...by].map(([o, n]) => `${formatCount(n)} ${clip(o, 24)}`);
  return `${formatCount(rows.length)} pod${rows.length === 1 ? '' : 's'}: ${parts.join(', ')}`;
}
