// One Kubernetes watch, from a resourceVersion until it ends, as a promise: the abort and
// callback plumbing of @kubernetes/client-node's Watch in one place (the recorder's pod index and
// the workload capture's pod follower loop on it: list, watch, watch again or list again).
import type { Watch } from '@kubernetes/client-node';

/** Resolves `null` when `signal` aborts, `undefined` on a clean close (watch again from the last
 *  resourceVersion), or the error (an ERROR event, 410 Gone, a broken connection: list again).
 *  `onEvent` gets every event but BOOKMARK and ERROR; `onResourceVersion` every resourceVersion seen. */
export function watchOnce(watch: Watch, path: string, query: Record<string, string | boolean | undefined>, signal: AbortSignal,
  onEvent: (type: string, obj: unknown) => void, onResourceVersion: (rv: string) => void): Promise<unknown> {
  return new Promise<unknown>((resolve) => {
    let ctl: AbortController | undefined;
    const onAbort = (): void => { ctl?.abort(); resolve(null); };
    signal.addEventListener('abort', onAbort, { once: true });
    const params = Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined && v !== ''));
    watch.watch(path, params,
      (type: string, obj: unknown) => {
        if (type === 'ERROR') { resolve(new Error(`watch error: ${JSON.stringify(obj).slice(0, 200)}`)); ctl?.abort(); return; }
        const rv = (obj as { metadata?: { resourceVersion?: string } }).metadata?.resourceVersion;
        if (rv) onResourceVersion(rv);
        if (type !== 'BOOKMARK') onEvent(type, obj);
      },
      (e: unknown) => { signal.removeEventListener('abort', onAbort); resolve(e ?? undefined); })
      .then((c) => { ctl = c; if (signal.aborted) c.abort(); }, (e: unknown) => { signal.removeEventListener('abort', onAbort); resolve(e); });
  });
}
