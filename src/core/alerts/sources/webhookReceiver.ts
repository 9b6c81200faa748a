// An HTTP endpoint for Falco's http_output (one alert JSON per POST) and Falcosidekick's webhook
// output. Loopback by default; optional bearer token (constant-time compare); a body size limit;
// 400 with the reason for a bad body; 429 when the queue is full; 202 when queued.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { BearerToken } from '../../util/bearerToken.js';
import { gunzip } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import type { BoundedQueue } from '../boundedQueue.js';
import type { SourceEvent } from './sourceEvents.js';
import { parseAlert } from '../alertParser.js';

export interface WebhookOptions {
  /** 0 picks a free port. */
  port: number;
  /** Default 127.0.0.1. Binding elsewhere exposes the receiver to the network: set a token. */
  host?: string;
  /** When set, requests must carry `Authorization: Bearer <token>`. */
  token?: string;
  /** Default 1 MiB. */
  maxBodyBytes?: number;
  name?: string;
}

export interface WebhookStats { accepted: number; badRequest: number; unauthorized: number; tooLarge: number; tooMany: number }

export class WebhookReceiver {
  readonly stats: WebhookStats = { accepted: 0, badRequest: 0, unauthorized: 0, tooLarge: 0, tooMany: 0 };
  private readonly server: Server;
  private readonly token: BearerToken | null;
  private readonly maxBody: number;
  private readonly name: string;

  constructor(private readonly opts: WebhookOptions, private readonly queue: BoundedQueue<SourceEvent>) {
    this.token = opts.token ? new BearerToken(opts.token) : null;
    this.maxBody = opts.maxBodyBytes ?? 1024 * 1024;
    this.name = opts.name ?? 'webhook';
    this.server = createServer({ requestTimeout: 30_000, headersTimeout: 15_000, keepAliveTimeout: 65_000 }, (req, res) => this.handle(req, res));
    this.server.maxConnections = 1024;
  }

  /** Starts listening; resolves with the bound address. Closes by itself when `signal` aborts. */
  listen(signal?: AbortSignal): Promise<{ host: string; port: number; url: string }> {
    const host = this.opts.host ?? '127.0.0.1';
    signal?.addEventListener('abort', () => { void this.close(); }, { once: true });
    return new Promise((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException) => {
        reject(new Error(err.code === 'EADDRINUSE' ? `cannot listen on ${host}:${this.opts.port}: the port is in use by another program: choose another port`
          : err.code === 'EACCES' ? `cannot listen on ${host}:${this.opts.port}: permission denied (ports below 1024 need privileges)`
            : `cannot listen on ${host}:${this.opts.port}: ${err.message}`));
      };
      this.server.once('error', onError);
      this.server.listen(this.opts.port, host, () => {
        this.server.off('error', onError);
        const a = this.server.address() as AddressInfo;
        const h = a.family === 'IPv6' ? `[${a.address}]` : a.address;
        resolve({ host: a.address, port: a.port, url: `http://${h}:${a.port}/` });
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.server.listening) { resolve(); return; }
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    if (req.method === 'GET' && (req.url === '/healthz' || req.url === '/health')) {
      reply(res, 200, { status: 'ok', queued: this.queue.size, capacity: this.queue.capacity });
      req.resume();
      return;
    }
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      reply(res, 405, { error: 'method-not-allowed', reason: 'POST one Falco alert as JSON' });
      req.resume();
      return;
    }
    if (this.token && !this.authorized(req)) {
      this.stats.unauthorized++;
      res.setHeader('WWW-Authenticate', 'Bearer realm="falcoshark"');
      reply(res, 401, { error: 'unauthorized', reason: 'missing or wrong bearer token' });
      req.resume();
      return;
    }
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (Number.isFinite(declared) && declared > this.maxBody) {
      this.stats.tooLarge++;
      reply(res, 413, { error: 'too-large', reason: `body of ${declared} bytes exceeds the ${this.maxBody}-byte limit` }, true);
      req.resume();
      return;
    }
    if (this.queue.isFull) {
      this.tooMany(res);
      req.resume();
      return;
    }
    const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
    if (encoding !== 'identity' && encoding !== 'gzip') {
      this.stats.badRequest++;
      reply(res, 415, { error: 'unsupported-encoding', reason: `content-encoding ${encoding} is not supported (use identity or gzip)` });
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let aborted = false;
    req.on('data', (c: Buffer) => {
      if (aborted) return;
      size += c.length;
      if (size > this.maxBody) {
        aborted = true;
        this.stats.tooLarge++;
        reply(res, 413, { error: 'too-large', reason: `body exceeds the ${this.maxBody}-byte limit` }, true);
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (aborted) return;
      const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
      if (encoding === 'gzip') {
        gunzip(body, { maxOutputLength: this.maxBody }, (err, out) => {
          if (err) {
            this.stats.badRequest++;
            reply(res, 400, { error: 'bad-gzip', reason: `body is not gzip within the ${this.maxBody}-byte limit: ${err.message}` });
          } else this.accept(out, res);
        });
      } else this.accept(body, res);
    });
    req.on('error', () => { aborted = true; });
  }

  private accept(body: Buffer, res: ServerResponse): void {
    const r = parseAlert(body, { maxBytes: this.maxBody });
    if (!r.ok) {
      this.stats.badRequest++;
      this.queue.offer({ type: 'skipped', source: this.name, kind: r.kind, reason: r.reason, ...(r.hint !== undefined ? { hint: r.hint } : {}) });
      reply(res, 400, { error: r.kind, reason: r.reason, ...(r.hint !== undefined ? { hint: r.hint } : {}) });
      return;
    }
    if (!this.queue.offer({ type: 'alert', source: this.name, alert: r.alert })) {
      this.tooMany(res);
      return;
    }
    this.stats.accepted++;
    reply(res, 202, { status: 'accepted' });
  }

  private tooMany(res: ServerResponse): void {
    this.stats.tooMany++;
    res.setHeader('Retry-After', '1');
    reply(res, 429, { error: 'queue-full', reason: `the receive queue is full (${this.queue.capacity} alerts); retry later` });
  }

  private authorized(req: IncomingMessage): boolean {
    return this.token !== null && this.token.matches(req.headers.authorization);
  }
}

function reply(res: ServerResponse, status: number, body: Record<string, unknown>, close = false): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...(close ? { Connection: 'close' } : {}) });
  res.end(text);
}
