// The HTTP API of `falcoshark serve`: health, Prometheus metrics, and (with a bearer token)
// the list of captures and their downloads. Read-only: captures are made by the policy.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { BearerToken } from '../util/bearerToken.js';
import type { AddressInfo } from 'node:net';
import { listCaptures, SIDECAR_SUFFIX } from '../capture/captureSidecar.js';
import { shortTarget } from '../capture/planText.js';

export interface CaptureApiOptions {
  port: number;
  host?: string;
  /** Required for /api/…; health and metrics stay open (as kubelet probes and Prometheus expect). */
  token: string;
  captureDir: string;
  /** Prometheus text exposition of the service's counters. */
  metrics: () => string;
}

export interface CaptureListItem {
  id: string;
  createdAt: string;
  automatic: boolean;
  bytes: number;
  outcome?: string;
  reason?: string;
  packets?: number;
  target?: string;
  rule?: string;
  priority?: string | null;
  links: { pcapng: string; sidecar: string };
}

const ID = /^[0-9A-Za-z][0-9A-Za-z-]{0,127}$/;

export class CaptureApi {
  private readonly server: Server;
  private readonly token: BearerToken;

  constructor(private readonly o: CaptureApiOptions) {
    if (o.token.length < 16) throw new Error('the API token must have at least 16 characters');
    this.token = new BearerToken(o.token);
    this.server = createServer({ requestTimeout: 60_000, headersTimeout: 15_000 }, (req, res) => {
      this.handle(req, res).catch((e: unknown) => {
        if (!res.headersSent) json(res, 500, { error: 'internal', reason: (e as Error).message });
        else res.destroy();
      });
    });
    this.server.maxConnections = 256;
  }

  listen(): Promise<{ url: string; port: number }> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.o.port, this.o.host ?? '127.0.0.1', () => {
        const a = this.server.address() as AddressInfo;
        resolve({ url: `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}/`, port: a.port });
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => { this.server.close(() => resolve()); this.server.closeAllConnections(); });
  }

  private authorized(req: IncomingMessage): boolean {
    return this.token.matches(req.headers.authorization);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    req.resume();
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method !== 'GET' && req.method !== 'HEAD') { res.setHeader('Allow', 'GET, HEAD'); json(res, 405, { error: 'method-not-allowed' }); return; }
    if (url.pathname === '/healthz') { json(res, 200, { status: 'ok' }); return; }
    if (url.pathname === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(this.o.metrics());
      return;
    }
    if (!url.pathname.startsWith('/api/')) { json(res, 404, { error: 'not-found' }); return; }
    if (!this.authorized(req)) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="falcoshark"');
      json(res, 401, { error: 'unauthorized', reason: 'send Authorization: Bearer <token>' });
      return;
    }
    if (url.pathname === '/api/v1/captures') { json(res, 200, { items: await this.list() }); return; }
    const m = /^\/api\/v1\/captures\/([^/]+?)(\.pcapng|\.falcoshark\.json)$/.exec(url.pathname);
    if (!m || !ID.test(m[1])) { json(res, 404, { error: 'not-found', reason: 'no such capture' }); return; }
    const file = join(this.o.captureDir, `${m[1]}${m[2]}`);
    let size: number;
    try { size = (await stat(file)).size; } catch { json(res, 404, { error: 'not-found', reason: `no capture ${m[1]}` }); return; }
    const pcap = m[2] === '.pcapng';
    res.writeHead(200, {
      'content-type': pcap ? 'application/vnd.tcpdump.pcap' : 'application/json',
      'content-length': size,
      'content-disposition': `attachment; filename="${m[1]}${m[2]}"`,
    });
    if (req.method === 'HEAD') { res.end(); return; }
    createReadStream(file).on('error', () => res.destroy()).pipe(res);
  }

  private async list(): Promise<CaptureListItem[]> {
    const items: CaptureListItem[] = [];
    // Ours are the captures with a readable sidecar (newest first).
    for (const c of await listCaptures(this.o.captureDir)) {
      const side = c.sidecar;
      if (!side) continue;
      const { record, plan } = side;
      items.push({
        id: c.id, createdAt: plan.createdAt, automatic: side.automatic, bytes: c.bytes,
        outcome: record.outcome, reason: record.reason, packets: record.packets,
        target: shortTarget(plan.target),
        ...(plan.alert ? { rule: plan.alert.rule, priority: plan.alert.priority ?? null } : {}),
        links: { pcapng: `/api/v1/captures/${c.id}.pcapng`, sidecar: `/api/v1/captures/${c.id}${SIDECAR_SUFFIX}` },
      });
    }
    return items;
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** Prometheus text format for a few counters. */
export function promText(metrics: Array<{ name: string; help: string; type: 'counter' | 'gauge'; values: Array<{ labels?: Record<string, string>; value: number }> }>): string {
  const esc = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
  const out: string[] = [];
  for (const m of metrics) {
    out.push(`# HELP ${m.name} ${m.help}`, `# TYPE ${m.name} ${m.type}`);
    for (const v of m.values) {
      const l = v.labels && Object.keys(v.labels).length ? `{${Object.entries(v.labels).map(([k, x]) => `${k}="${esc(x)}"`).join(',')}}` : '';
      out.push(`${m.name}${l} ${v.value}`);
    }
  }
  return `${out.join('\n')}\n`;
}
