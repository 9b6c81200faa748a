// What every alert source produces into its queue.
import type { FalcoAlert, NonAlertKind } from '../types.js';
import type { ProblemCode } from '../../util/problem.js';

export type SourceEvent =
  | { type: 'alert'; source: string; alert: FalcoAlert }
  /** A line or body that is not an alert (counted; `hint` says how to fix text output). */
  | { type: 'skipped'; source: string; kind: NonAlertKind; reason: string; hint?: string }
  /** Connection state and errors a person can act on; `code` says which problem it is (front-ends
   *  choose their next step by it, never by the message). */
  | { type: 'status'; source: string; level: 'info' | 'warning' | 'error'; message: string; code?: ProblemCode };

/** Counts of skipped lines by kind, with the first hint seen. */
export class SkipCounter {
  readonly byKind = new Map<NonAlertKind, number>();
  total = 0;
  hint: string | undefined;

  add(kind: NonAlertKind, hint?: string): void {
    this.byKind.set(kind, (this.byKind.get(kind) ?? 0) + 1);
    this.total++;
    this.hint ??= hint;
  }

  summary(): string {
    const parts = [...this.byKind].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${n} ${k}`);
    return `skipped ${this.total} non-alert line${this.total === 1 ? '' : 's'}${parts.length ? ` (${parts.join(', ')})` : ''}`;
  }
}
