// Follows one container's log (`Log.log` with follow and timestamps) and resumes exactly after a
// reconnect: it asks for `sinceTime` (the last seen line's second) and drops every line at or
// before the last seen (timestamp, line hash), so nothing is lost or repeated.
import { Writable } from 'node:stream';
import { createHash } from 'node:crypto';
import { Log, type KubeConfig } from '@kubernetes/client-node';
import type { BoundedQueue } from '../boundedQueue.js';
import type { SourceEvent } from './sourceEvents.js';
import { LineSplitter, type SplitLine } from '../lineSplitter.js';
import { ingestLines } from './lineIngest.js';
import { parseRfc3339Nano } from '../alertTime.js';
import { Backoff, sleep } from '../backoff.js';
import { describeKubeError, statusOf } from '../../k8s/kubeAccess.js';
import { DEFAULT_MAX_BYTES } from '../alertParser.js';
import type { ProblemCode } from '../../util/problem.js';

export interface FollowerOptions {
  namespace: string;
  pod: string;
  container: string;
  /** For pods present at start-up: only the last N seconds of their log (undefined = all). */
  sinceSeconds?: number;
  /** Reconnect after this long without a byte (a silently dead connection). Default 5 min. */
  idleReconnectMs?: number;
  backoff?: { initialMs?: number; maxMs?: number };
  maxLineBytes?: number;
  context: string;
}

/** Resume position: the newest line timestamp seen and the hashes of the lines carrying it. */
export class ResumePoint {
  lastNs: bigint | null = null;
  lastRaw: string | null = null;
  private hashes = new Set<string>();

  /** True if the line is new (and records it); false if it was already delivered. */
  accept(tsRaw: string, ns: bigint, content: Buffer): boolean {
    if (this.lastNs !== null && ns < this.lastNs) return false;
    const h = createHash('sha1').update(content).digest('base64');
    if (this.lastNs !== null && ns === this.lastNs) {
      if (this.hashes.has(h)) return false;
      this.hashes.add(h);
      return true;
    }
    this.lastNs = ns;
    this.lastRaw = tsRaw;
    this.hashes = new Set([h]);
    return true;
  }

  /** `sinceTime` for the next request: the last second seen (the API truncates to seconds). */
  sinceTime(): string | undefined {
    if (this.lastNs === null) return undefined;
    return new Date(Number(this.lastNs / 1_000_000_000n) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
}

export class PodLogFollower {
  readonly resume = new ResumePoint();
  /** Set when the watch reports the pod deleted: finish the current stream, then stop. */
  podGone = false;
  linesDelivered = 0;
  duplicatesDropped = 0;
  private current: AbortController | null = null;
  private readonly stop = new AbortController();
  private readonly name: string;

  constructor(private readonly kc: KubeConfig, private readonly opts: FollowerOptions, private readonly queue: BoundedQueue<SourceEvent>) {
    this.name = `pod:${opts.namespace}/${opts.pod}`;
  }

  /** Stops now (the source is shutting down). */
  abort(): void {
    this.stop.abort();
    this.current?.abort();
  }

  /** Marks the pod deleted; the stream is allowed `graceMs` to deliver its last lines. */
  markGone(graceMs = 10_000): void {
    this.podGone = true;
    setTimeout(() => this.abort(), graceMs).unref();
  }

  private status(level: 'info' | 'warning' | 'error', message: string, code?: ProblemCode): void {
    this.queue.offer({ type: 'status', source: this.name, level, message, ...(code ? { code } : {}) });
  }

  async run(parent: AbortSignal): Promise<void> {
    const signal = AbortSignal.any([parent, this.stop.signal]);
    const log = new Log(this.kc);
    const backoff = new Backoff(this.opts.backoff);
    const maxLine = this.opts.maxLineBytes ?? DEFAULT_MAX_BYTES;
    const idleMs = this.opts.idleReconnectMs ?? 300_000;
    let firstConnect = true;
    const windowStart = this.opts.sinceSeconds === undefined ? undefined
      : new Date(Math.floor(Date.now() / 1000 - this.opts.sinceSeconds) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    while (!signal.aborted) {
      const splitter = new LineSplitter(maxLine);
      const before = this.linesDelivered;
      let lastData = Date.now();
      let finish: (how: string) => void = () => undefined;
      const ended = new Promise<string>((resolve) => { finish = resolve; });
      const sink = new Writable({
        highWaterMark: 256 * 1024,
        write: (chunk: Buffer, _enc, cb) => {
          lastData = Date.now();
          this.deliver(splitter.push(chunk), maxLine).then(() => cb(), (e: unknown) => cb(e as Error));
        },
        final: (cb) => {
          const last = splitter.end();
          (last ? this.deliver([last], maxLine) : Promise.resolve()).then(() => { cb(); finish('end'); }, (e: unknown) => { cb(e as Error); finish('end'); });
        },
      });
      sink.on('error', () => finish('error'));
      // Resume from the last line seen; before any line, keep the start-up window (not the whole log).
      const since = firstConnect ? undefined : this.resume.sinceTime() ?? windowStart;
      const options = since !== undefined ? { follow: true, timestamps: true, sinceTime: since }
        : this.opts.sinceSeconds !== undefined ? { follow: true, timestamps: true, sinceSeconds: this.opts.sinceSeconds }
          : { follow: true, timestamps: true };
      try {
        this.current = await log.log(this.opts.namespace, this.opts.pod, this.opts.container, sink, options);
      } catch (err) {
        const status = statusOf(err);
        if (signal.aborted) break;
        if (status === 404 || this.podGone) { this.podGone = true; this.status('info', `pod ${this.opts.namespace}/${this.opts.pod} is gone; stopped following it`); break; }
        const e = describeKubeError(err, 'get', 'pods/log', this.opts.namespace, this.opts.context);
        const delay = backoff.next();
        const why = status === 400 ? `container "${this.opts.container}" of ${this.opts.namespace}/${this.opts.pod} is not running yet (400)` : e.message;
        this.status(status === 400 ? 'warning' : 'error', `${why}; retrying in ${(delay / 1000).toFixed(1)} s`, status === 400 ? undefined : e.code);
        await sleep(delay, signal);
        continue;
      }
      if (firstConnect) this.status('info', `following ${this.opts.namespace}/${this.opts.pod} container ${this.opts.container}`);
      else this.status('info', `reconnected to ${this.opts.namespace}/${this.opts.pod}${since ? ` (since ${since})` : ''}`);
      firstConnect = false;
      const onAbort = () => { this.current?.abort(); finish('aborted'); };
      signal.addEventListener('abort', onAbort, { once: true });
      const idle = setInterval(() => {
        if (Date.now() - lastData > idleMs) { this.current?.abort(); finish('idle'); }
      }, Math.min(idleMs, 10_000));
      const how = await ended;
      clearInterval(idle);
      signal.removeEventListener('abort', onAbort);
      this.current?.abort();
      if (signal.aborted || this.podGone) break;
      // Back off only when the connection brought nothing new (a crash loop, a closing proxy).
      if (this.linesDelivered > before) backoff.reset();
      const delay = backoff.next();
      if (how !== 'idle') this.status('info', `log stream of ${this.opts.namespace}/${this.opts.pod} ended (${how}); reconnecting in ${(delay / 1000).toFixed(1)} s`);
      await sleep(delay, signal);
    }
  }

  private async deliver(lines: SplitLine[], maxLine: number): Promise<void> {
    const fresh: SplitLine[] = [];
    for (const l of lines) {
      if (!l.ok) { fresh.push(l); continue; }
      const sp = l.line.indexOf(0x20);
      const tsRaw = sp > 0 ? l.line.subarray(0, sp).toString('latin1') : '';
      const t = parseRfc3339Nano(tsRaw);
      if (!t.ok) { fresh.push(l); continue; } // no timestamp: cannot be resumed on, pass it on
      const content = l.line.subarray(sp + 1);
      if (!this.resume.accept(tsRaw, t.value.ns, content)) { this.duplicatesDropped++; continue; }
      this.linesDelivered++;
      fresh.push({ ok: true, line: content });
    }
    await ingestLines(fresh, this.name, this.queue, maxLine);
  }
}
