// A small Kubernetes API double for the cluster alert source: pod list, pod watch and pod logs
// (follow + timestamps + sinceTime/sinceSeconds) as docs/k8s-protocol.md §2–3 describe them.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';

export interface FakePod { namespace: string; name: string; uid: string; lines: string[]; running: boolean; container?: string }

export interface LogRequest { pod: string; query: URLSearchParams }

export class FakeKubeApi {
  readonly pods = new Map<string, FakePod>();
  readonly logRequests: LogRequest[] = [];
  readonly watchRequests: URLSearchParams[] = [];
  listRequests = 0;
  /** Status to answer for a path prefix (e.g. 403 for logs). */
  readonly deny = new Map<string, number>();
  private rv = 100;
  private watchers = new Set<ServerResponse>();
  private logStreams = new Map<string, Set<ServerResponse>>();
  private server: Server;
  port = 0;

  constructor() {
    this.server = createServer((req, res) => this.handle(req, res));
  }

  async start(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    for (const w of this.watchers) w.destroy();
    for (const s of this.logStreams.values()) for (const r of s) r.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  kubeConfig(): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'fake', server: `http://127.0.0.1:${this.port}`, skipTLSVerify: true }],
      users: [{ name: 'u', token: 'test-token' }],
      contexts: [{ name: 'fake-ctx', cluster: 'fake', user: 'u' }],
      currentContext: 'fake-ctx',
    });
    return kc;
  }

  podJson(p: FakePod): Record<string, unknown> {
    return {
      kind: 'Pod', apiVersion: 'v1',
      metadata: { name: p.name, namespace: p.namespace, uid: p.uid, resourceVersion: String(this.rv), labels: { 'app.kubernetes.io/name': 'falco' } },
      spec: { nodeName: 'node-1', containers: [{ name: p.container ?? 'falco', image: 'falcosecurity/falco:0.41.0' }] },
      status: {
        phase: p.running ? 'Running' : 'Pending',
        containerStatuses: [{ name: p.container ?? 'falco', ready: p.running, restartCount: 0, image: 'falco', imageID: '', state: p.running ? { running: { startedAt: '2026-11-28T10:00:00Z' } } : { waiting: { reason: 'ContainerCreating' } } }],
      },
    };
  }

  addPod(p: FakePod, notify = true): void {
    this.pods.set(`${p.namespace}/${p.name}`, p);
    this.rv++;
    if (notify) this.event('ADDED', this.podJson(p));
  }

  deletePod(ns: string, name: string): void {
    const p = this.pods.get(`${ns}/${name}`);
    if (!p) return;
    this.pods.delete(`${ns}/${name}`);
    this.rv++;
    for (const r of this.logStreams.get(`${ns}/${name}`) ?? []) r.end();
    this.event('DELETED', this.podJson(p));
  }

  /** Appends a log line (already carrying its timestamp) and sends it to followers. */
  appendLine(ns: string, name: string, line: string): void {
    const p = this.pods.get(`${ns}/${name}`);
    if (!p) throw new Error('no such pod');
    p.lines.push(line);
    for (const r of this.logStreams.get(`${ns}/${name}`) ?? []) r.write(`${line}\n`);
  }

  /** Ends every open log stream of a pod (a dropped connection). */
  closeLogStreams(ns: string, name: string): void {
    for (const r of this.logStreams.get(`${ns}/${name}`) ?? []) r.end();
    this.logStreams.get(`${ns}/${name}`)?.clear();
  }

  openLogStreams(ns: string, name: string): number {
    return this.logStreams.get(`${ns}/${name}`)?.size ?? 0;
  }

  /** The watch's resourceVersion expired: an ERROR 410 event, then the server closes the stream. */
  expireWatches(): void {
    for (const w of this.watchers) {
      w.end(`${JSON.stringify({ type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `too old resource version: 1 (${this.rv})`, reason: 'Expired', code: 410 } })}\n`);
    }
    this.watchers.clear();
  }

  private event(type: string, object: Record<string, unknown>): void {
    for (const w of this.watchers) w.write(`${JSON.stringify({ type, object })}\n`);
  }

  private status(res: ServerResponse, code: number, message: string): void {
    res.writeHead(code, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: code === 403 ? 'Forbidden' : 'NotFound', code }));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    for (const [prefix, code] of this.deny) {
      if (url.pathname.startsWith(prefix)) { this.status(res, code, `forbidden: ${url.pathname}`); return; }
    }
    if (req.headers.authorization !== 'Bearer test-token') { res.writeHead(401); res.end(); return; }
    if (url.pathname === '/api/v1/pods') {
      if (url.searchParams.get('watch') === 'true') {
        this.watchRequests.push(url.searchParams);
        res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
        res.write('');
        this.watchers.add(res);
        res.on('close', () => this.watchers.delete(res));
        return;
      }
      this.listRequests++;
      const items = [...this.pods.values()].map((p) => this.podJson(p));
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: String(this.rv) }, items }));
      return;
    }
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/log$/.exec(url.pathname);
    if (m) {
      const key = `${m[1]}/${m[2]}`;
      const p = this.pods.get(key);
      this.logRequests.push({ pod: key, query: url.searchParams });
      if (!p) { this.status(res, 404, `pods "${m[2]}" not found`); return; }
      const since = url.searchParams.get('sinceTime');
      const sinceMs = since ? Date.parse(since) : -Infinity;
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' });
      for (const l of p.lines) if (Date.parse(l.slice(0, l.indexOf(' '))) >= sinceMs) res.write(`${l}\n`);
      if (url.searchParams.get('follow') !== 'true') { res.end(); return; }
      let set = this.logStreams.get(key);
      if (!set) { set = new Set(); this.logStreams.set(key, set); }
      set.add(res);
      res.on('close', () => set.delete(res));
      return;
    }
    this.status(res, 404, `no route ${url.pathname}`);
  }
}
