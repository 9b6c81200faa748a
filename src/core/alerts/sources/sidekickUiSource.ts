// Polls Falcosidekick-UI's event search API (GET /api/v1/events/search, basic auth) and
// de-duplicates events across polls. Results come newest first, `limit` per page.
import type { BoundedQueue } from '../boundedQueue.js';
import type { SourceEvent } from './sourceEvents.js';
import { normalizeAlert } from '../normalizeAlert.js';
import { scanJson, sidekickUiResults, DEFAULT_MAX_DEPTH } from '../alertParser.js';
import { Backoff, sleep } from '../backoff.js';
import { CodedError, codeOfStatus, problemCode, type ProblemCode } from '../../util/problem.js';

export interface SidekickUiOptions {
  /** Base URL, e.g. http://localhost:2802 (user:password@ in it is used for basic auth). */
  url: string;
  username?: string;
  password?: string;
  pollMs?: number;
  /** How far back the first poll looks, in Falcosidekick-UI's syntax (default "1h"). */
  initialSince?: string;
  /** Page size (default 200); at most `maxPages` pages per poll. */
  limit?: number;
  maxPages?: number;
  /** Remembered event fingerprints (default 100,000). */
  dedupeCapacity?: number;
  maxBodyBytes?: number;
  name?: string;
  fetchImpl?: typeof fetch;
}

export class SidekickUiError extends CodedError {
  override readonly name = 'SidekickUiError';
  readonly code: ProblemCode;
  /** `status`: Falcosidekick-UI's answer (none: not reached); `code` defaults from it. */
  constructor(message: string, readonly status?: number, code?: ProblemCode) {
    super(message);
    this.code = code ?? (status === 403 ? 'unauthorized' : codeOfStatus(status));
  }
}

/** Insertion-ordered set with a capacity: the oldest fingerprints are forgotten first. */
class SeenSet {
  private readonly set = new Set<string>();
  constructor(private readonly cap: number) {}
  has(k: string): boolean { return this.set.has(k); }
  add(k: string): void {
    this.set.add(k);
    if (this.set.size > this.cap) this.set.delete(this.set.values().next().value as string);
  }
}

export function sidekickUiSearchUrl(base: string, since: string, limit: number, page: number): URL {
  const u = new URL(base);
  u.username = '';
  u.password = '';
  u.pathname = `${u.pathname.replace(/\/+$/, '')}/api/v1/events/search`;
  u.search = '';
  u.searchParams.set('since', since);
  u.searchParams.set('limit', String(limit));
  u.searchParams.set('page', String(page));
  return u;
}

export async function pollSidekickUi(opts: SidekickUiOptions, queue: BoundedQueue<SourceEvent>, signal: AbortSignal): Promise<void> {
  const name = opts.name ?? 'sidekick-ui';
  const base = new URL(opts.url);
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new SidekickUiError(`the Falcosidekick-UI address must be an http(s) URL, not ${base.protocol}`, undefined, 'plan');
  const user = opts.username ?? decodeURIComponent(base.username);
  const pass = opts.password ?? decodeURIComponent(base.password);
  const auth = user || pass ? `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` : undefined;
  const pollMs = opts.pollMs ?? 5000;
  const limit = opts.limit ?? 200;
  const maxPages = opts.maxPages ?? 50;
  const maxBody = opts.maxBodyBytes ?? 64 * 1024 * 1024;
  const doFetch = opts.fetchImpl ?? fetch;
  const seen = new SeenSet(opts.dedupeCapacity ?? 100_000);
  const backoff = new Backoff({ initialMs: pollMs, maxMs: 60_000 });
  const status = (level: 'info' | 'warning' | 'error', message: string, code?: ProblemCode) => queue.offer({ type: 'status', source: name, level, message, ...(code ? { code } : {}) });
  let since = opts.initialSince ?? '1h';
  let healthy = false;
  let lastOk = 0;

  const fetchPage = async (page: number): Promise<unknown[]> => {
    const url = sidekickUiSearchUrl(base.toString(), since, limit, page);
    let res: Response;
    try {
      res = await doFetch(url, { headers: { Accept: 'application/json', ...(auth ? { Authorization: auth } : {}) }, signal });
    } catch (err) {
      if (signal.aborted) throw err;
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new SidekickUiError(`cannot reach falcosidekick-ui at ${base.origin}: ${cause?.code ?? cause?.message ?? (err as Error).message}`);
    }
    if (res.status === 401 || res.status === 403) {
      throw new SidekickUiError(`falcosidekick-ui at ${base.origin} refused the credentials (${res.status}): pass them as http://USER:PASSWORD@host:2802 or set FALCOSHARK_SIDEKICK_UI_USER/PASSWORD`, res.status);
    }
    if (res.status === 404) throw new SidekickUiError(`${url.origin}${url.pathname} not found (404): is ${base.origin} a falcosidekick-ui 2.x?`, 404);
    if (res.status !== 200) throw new SidekickUiError(`falcosidekick-ui search answered ${res.status} ${res.statusText}`, res.status);
    const len = Number(res.headers.get('content-length') ?? NaN);
    if (Number.isFinite(len) && len > maxBody) throw new SidekickUiError(`falcosidekick-ui response of ${len} bytes exceeds the ${maxBody}-byte limit`, res.status, 'server-error');
    const text = await res.text();
    if (text.length > maxBody) throw new SidekickUiError(`falcosidekick-ui response exceeds the ${maxBody}-byte limit`, res.status, 'server-error');
    const scan = scanJson(text, DEFAULT_MAX_DEPTH);
    if (scan.depth > DEFAULT_MAX_DEPTH) throw new SidekickUiError('falcosidekick-ui response is nested too deeply');
    let value: unknown;
    try { value = JSON.parse(scan.text); } catch { throw new SidekickUiError('falcosidekick-ui search did not return JSON'); }
    const results = sidekickUiResults(value);
    if (results === null) throw new SidekickUiError('falcosidekick-ui search returned JSON without "results"/"statistics"');
    return results;
  };

  while (!signal.aborted) {
    try {
      // Look back over the whole time since the last good poll (plus slack), so an outage leaves no gap.
      if (lastOk > 0) since = `${Math.max(60, Math.ceil((Date.now() - lastOk + pollMs * 2) / 1000))}s`;
      const started = Date.now();
      const fresh: SourceEvent[] = [];
      for (let page = 1; page <= maxPages; page++) {
        const results = await fetchPage(page);
        let newOnPage = 0;
        for (const e of results) {
          const r = normalizeAlert(e, 'falcosidekick-ui');
          if (!r.ok) { fresh.push({ type: 'skipped', source: name, kind: r.kind, reason: r.reason }); continue; }
          const key = r.alert.uuid ?? r.alert.fingerprint;
          if (seen.has(key)) continue;
          seen.add(key);
          newOnPage++;
          fresh.push({ type: 'alert', source: name, alert: r.alert });
        }
        // Newest first: a page with nothing new, or a short page, means we have caught up.
        if (results.length < limit || newOnPage === 0) break;
      }
      // Deliver oldest first.
      for (let i = fresh.length - 1; i >= 0; i--) if (!queue.offer(fresh[i])) await queue.push(fresh[i]);
      if (!healthy) { status('info', `polling ${base.origin} every ${pollMs} ms`); healthy = true; }
      backoff.reset();
      lastOk = started;
      await sleep(pollMs, signal);
    } catch (err) {
      if (signal.aborted) break;
      healthy = false;
      const delay = backoff.next();
      status('error', `${(err as Error).message}; retrying in ${Math.round(delay / 1000)} s`, problemCode(err));
      await sleep(delay, signal);
    }
  }
}
