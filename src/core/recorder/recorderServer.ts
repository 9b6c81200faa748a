// The recorder's HTTP API. It answers only authenticated requests (its token, as a bearer token
// or in X-Falcoshark-Token — what passes the API server's pod proxy), except /healthz, which
// says "ok" and nothing else (for the kubelet's probes):
//   POST /api/v1/cut     {namespace, pod, alertTime, beforeSeconds, afterSeconds, filter} → pcapng stream
//   GET  /api/v1/pods    the pods recorded here, with what is held of each
//   GET  /metrics        Prometheus counters (held bytes, drops by reason, per pod)
// The recorder sends nothing anywhere on its own.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { nsToIso } from '../alerts/alertTime.js';
import { promText } from '../serve/captureApi.js';
import { BearerToken } from '../util/bearerToken.js';
import { checkCutRequest, CutError, startCut } from './cut.js';
import type { FlightRecorder } from './flightRecorder.js';

export interface RecorderServerOptions {
  port: number;
  host: string;
  token: string;
  node: string;
  recorder: FlightRecorder;
  maxConcurrentCuts?: number;
  log: (level: 'info' | 'warning' | 'error', message: string) => void;
}

const MAX_BODY = 16 * 1024;

export interface RecordedPodInfo { namespace: string; pod: string; uid: string; ips: string[]; gone: boolean; interfaces: string[]; heldBytes: number; heldPackets: number; heldFrom?: string; droppedByBudget: number }

export class RecorderServer {
  private readonly server: Server;
  private readonly token: BearerToken;
  private cuts = 0;
  cutsServed = 0;
  cutsRefused = 0;
  unauthorized = 0;

  constructor(private readonly o: RecorderServerOptions) {
    if (o.token.length < 16) throw new Error('the recorder token must have at least 16 characters');
    this.token = new BearerToken(o.token);
    this.server = createServer({ requestTimeout: 30_000, headersTimeout: 15_000 }, (req, res) => {
      this.handle(req, res).catch((e: unknown) => {
        if (!res.headersSent) send(res, 500, { error: 'internal', reason: (e as Error).message });
        else res.destroy();
      });
    });
  }

  async listen(): Promise<{ url: string; port: number }> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.o.port, this.o.host, () => { this.server.off('error', reject); resolve(); });
    });
    const a = this.server.address() as AddressInfo;
    const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
    return { url: `http://${host}:${a.port}/`, port: a.port };
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }

  pods(): RecordedPodInfo[] {
    const rec = this.o.recorder;
    const out: RecordedPodInfo[] = [];
    for (const p of rec.recordedPods()) {
      const ifs = rec.interfacesOf(p);
      const stats = ifs.map((i) => rec.ring.stats(i.ifindex)).filter((s) => s !== undefined);
      const oldest = ifs.map((i) => rec.ring.oldest(i.ifindex)).filter((x): x is bigint => x !== undefined).sort((a, b) => (a < b ? -1 : 1))[0];
      out.push({ namespace: p.namespace, pod: p.name, uid: p.uid, ips: p.ips, gone: p.goneAt !== undefined, interfaces: ifs.map((i) => i.name),
        heldBytes: stats.reduce((n, s) => n + s.heldBytes, 0), heldPackets: stats.reduce((n, s) => n + s.packets, 0),
        droppedByBudget: stats.reduce((n, s) => n + s.droppedByBudget, 0), ...(oldest !== undefined ? { heldFrom: nsToIso(oldest) } : {}) });
    }
    return out;
  }

  metrics(): string {
    const rec = this.o.recorder;
    const r = rec.ring;
    const c = rec.counters;
    const pods = this.pods();
    return promText([
      { name: 'falcoshark_recorder_budget_bytes', help: 'The byte budget of the rolling capture.', type: 'gauge', values: [{ value: r.limits.budgetBytes }] },
      { name: 'falcoshark_recorder_window_seconds', help: 'The time window of the rolling capture.', type: 'gauge', values: [{ value: r.limits.windowSeconds }] },
      { name: 'falcoshark_recorder_held_bytes', help: 'Bytes of memory holding packets (never more than the budget).', type: 'gauge', values: [{ value: r.allocated }] },
      { name: 'falcoshark_recorder_held_packets', help: 'Packets held now.', type: 'gauge', values: [{ value: r.packetsHeld }] },
      { name: 'falcoshark_recorder_captured_packets_total', help: 'Packets the node capture delivered.', type: 'counter', values: [{ value: c.captured }] },
      { name: 'falcoshark_recorder_dropped_packets_total', help: 'Held packets dropped, by bound (budget: the oldest of the biggest holder; window: older than the window).', type: 'counter',
        values: [{ labels: { reason: 'budget' }, value: r.droppedByBudget }, { labels: { reason: 'window' }, value: r.droppedByWindow }, { labels: { reason: 'too-big' }, value: r.refused }] },
      { name: 'falcoshark_recorder_ignored_packets_total', help: 'Packets not held, by reason.', type: 'counter',
        values: [{ labels: { reason: 'not-recorded' }, value: c.notRecorded }, { labels: { reason: 'shared-interface' }, value: c.sharedInterface }, { labels: { reason: 'not-cooked' }, value: c.notCooked }] },
      { name: 'falcoshark_recorder_capture_restarts_total', help: 'Times the node capture ended and was started again.', type: 'counter', values: [{ value: c.captureRestarts }] },
      { name: 'falcoshark_recorder_capturing', help: '1 while the node capture runs.', type: 'gauge', values: [{ value: rec.capturing ? 1 : 0 }] },
      { name: 'falcoshark_recorder_pod_held_bytes', help: 'Bytes held for a pod.', type: 'gauge', values: pods.map((p) => ({ labels: { namespace: p.namespace, pod: p.pod }, value: p.heldBytes })) },
      { name: 'falcoshark_recorder_pod_dropped_packets_total', help: 'A pod\'s held packets dropped for the byte budget.', type: 'counter',
        values: pods.map((p) => ({ labels: { namespace: p.namespace, pod: p.pod }, value: p.droppedByBudget })) },
      { name: 'falcoshark_recorder_cuts_total', help: 'Cuts served, and refused (bad request, not recorded here, too many at once).', type: 'counter',
        values: [{ labels: { result: 'served' }, value: this.cutsServed }, { labels: { result: 'refused' }, value: this.cutsRefused }] },
      { name: 'falcoshark_recorder_unauthorized_total', help: 'Requests without the token.', type: 'counter', values: [{ value: this.unauthorized }] },
    ]);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://recorder');
    if (url.pathname === '/healthz' && req.method === 'GET') { res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n'); return; }
    const viaHeader = req.headers['x-falcoshark-token'];
    if (!this.token.matches(req.headers.authorization) && !(typeof viaHeader === 'string' && this.token.matches(`Bearer ${viaHeader}`))) {
      this.unauthorized++;
      send(res, 401, { error: 'unauthorized', reason: 'a bearer token is required' }, { 'www-authenticate': 'Bearer' });
      return;
    }
    if (url.pathname === '/metrics' && req.method === 'GET') { res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(this.metrics()); return; }
    if (url.pathname === '/api/v1/pods' && req.method === 'GET') { send(res, 200, { node: this.o.node, hostMode: this.o.recorder.hostMode, items: this.pods() }); return; }
    if (url.pathname === '/api/v1/cut' && req.method === 'POST') { await this.cut(req, res); return; }
    send(res, 404, { error: 'not-found', reason: `no ${req.method} ${url.pathname}` });
  }

  private async cut(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const refuse = (status: number, error: string, reason: string): void => { this.cutsRefused++; send(res, status, { error, reason }); };
    if (this.cuts >= (this.o.maxConcurrentCuts ?? 4)) { refuse(429, 'too-many', `${this.cuts} cuts are running: try again when one ends`); return; }
    let body: unknown;
    try {
      body = JSON.parse(await readBody(req));
    } catch (e) {
      if (e instanceof BodyTooLarge) res.setHeader('connection', 'close');
      refuse(e instanceof BodyTooLarge ? 413 : 400, 'bad-request', (e as Error).message);
      return;
    }
    this.cuts++;
    try {
      let cut;
      try {
        cut = await startCut(this.o.recorder, checkCutRequest(body, this.o.recorder.hostMode), { node: this.o.node });
      } catch (e) {
        if (e instanceof CutError) { refuse(e.status, e.code, e.message); return; }
        throw e;
      }
      const i = cut.info;
      res.writeHead(200, { 'content-type': 'application/x-pcapng', 'x-falcoshark-window': `${nsToIso(i.fromNs)}/${nsToIso(i.toNs)}`,
        ...(i.heldFromNs !== undefined ? { 'x-falcoshark-held-from': nsToIso(i.heldFromNs) } : {}),
        'x-falcoshark-interfaces': i.interfaces.map((x) => x.name).join(',') });
      const onClose = (): void => cut.cancel();
      res.once('close', onClose);
      for await (const chunk of cut.stream) {
        if (res.destroyed) break;
        if (!res.write(chunk)) await new Promise<void>((r) => { res.once('drain', r); res.once('close', r); });
      }
      res.end();
      this.cutsServed++;
      const who = i.pod ? `${i.pod.namespace}/${i.pod.name}` : 'the host';
      this.o.log('info', `cut for ${who}: ${nsToIso(i.fromNs)} → ${nsToIso(i.toNs)}${cut.lost ? `, ${cut.lost} packets lost meanwhile` : ''}`);
    } finally {
      this.cuts--;
    }
  }
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(`${JSON.stringify(body)}\n`);
}

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const parts: Buffer[] = [];
    req.on('data', (b: Buffer) => {
      size += b.length;
      if (size > MAX_BODY) {
        // Answered (413), the rest read and thrown away (the server's request timeout bounds it).
        parts.length = 0;
        reject(new BodyTooLarge(`the request body is over ${MAX_BODY} bytes`)); // once: later calls are no-ops
        return;
      }
      parts.push(b);
    });
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}
