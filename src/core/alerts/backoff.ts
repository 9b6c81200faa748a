// Exponential backoff with full jitter, and an abortable sleep.
export interface BackoffOptions { initialMs?: number; maxMs?: number; factor?: number; random?: () => number }

export class Backoff {
  private attempt = 0;
  constructor(private readonly opts: BackoffOptions = {}) {}

  /** The delay before the next attempt; grows with each call until `reset`. */
  next(): number {
    const initial = this.opts.initialMs ?? 500;
    const max = this.opts.maxMs ?? 30_000;
    const cap = Math.min(max, initial * (this.opts.factor ?? 2) ** this.attempt);
    this.attempt++;
    const r = (this.opts.random ?? Math.random)();
    return Math.round(cap / 2 + (cap / 2) * r);
  }

  get attempts(): number { return this.attempt; }
  reset(): void { this.attempt = 0; }
}

/** Resolves after `ms`, or early (false) when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) { resolve(false); return; }
    const t = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(true); }, ms);
    const onAbort = () => { clearTimeout(t); resolve(false); };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
