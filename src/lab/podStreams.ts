// pods/exec and pods/attach over WebSocket: the v4/v5 channel protocols (k8s-protocol.md §4).
// Frames are binary; byte 0 is the channel. Only requested channels are written; the final
// metav1.Status goes on channel 3; v5 clients close stdin with [255, 0].
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { ApiError } from './apiError.js';
import { boolParam, type RequestInfo } from './http.js';
import type { StreamName } from './logRing.js';
import type { PodRuntime, RunningContainer } from './podRuntime.js';
import { notFoundMessage, resolveCommand, spawnInNetns } from './proc.js';

const PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];

interface Session { ws: WebSocket; v5: boolean; stdin: boolean; stdout: boolean; stderr: boolean }

export class PodStreams {
  private readonly wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    handleProtocols: (offered) => {
      for (const p of offered) if (PROTOCOLS.includes(p)) return p;
      return false;
    },
  });

  constructor(private readonly rt: PodRuntime) {}

  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, info: RequestInfo): void {
    const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((s) => s.trim());
    const reject = (e: ApiError): void => {
      const body = JSON.stringify(e.toStatus());
      socket.end(`HTTP/1.1 ${e.code} ${e.reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    };
    if (!offered.some((p) => PROTOCOLS.includes(p))) {
      reject(new ApiError(400, 'BadRequest', `the lab supports only ${PROTOCOLS.join(', ')}; offered: ${offered.join(', ')}`));
      return;
    }
    const ns = info.namespace ?? '';
    const pod = info.name ?? '';
    const q = info.query;
    let c: RunningContainer;
    try {
      c = this.rt.container(ns, pod, q.get('container'));
    } catch (e) {
      reject(e instanceof ApiError ? e : new ApiError(500, 'InternalError', String(e)));
      return;
    }
    const st = this.rt.state(ns, pod);
    if (!st?.netns || (info.subresource === 'attach' && !c.child)) {
      reject(new ApiError(400, 'BadRequest', `container ${c.name} is not running`));
      return;
    }
    const netns = st.netns;
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const s: Session = { ws, v5: ws.protocol === 'v5.channel.k8s.io', stdin: boolParam(q, 'stdin'), stdout: boolParam(q, 'stdout'), stderr: boolParam(q, 'stderr') };
      const first = s.stdout ? 1 : s.stderr ? 2 : 3;
      ws.send(Buffer.from([first]));
      if (info.subresource === 'exec') this.exec(s, netns, q.getAll('command'), st.name);
      else this.attach(s, c);
    });
  }

  private sendStatus(s: Session, status: Record<string, unknown>): void {
    if (s.ws.readyState !== s.ws.OPEN) return;
    s.ws.send(Buffer.concat([Buffer.from([3]), Buffer.from(JSON.stringify(status))]), () => s.ws.close(1000));
  }

  private exec(s: Session, netns: string, command: string[], podName: string): void {
    if (command.length === 0 || !resolveCommand(command[0])) {
      const msg = command.length === 0 ? 'you must specify at least 1 command' : notFoundMessage(command[0]);
      this.sendStatus(s, { metadata: {}, status: 'Failure', message: `Internal error occurred: error executing command in container: ${msg}`, reason: 'InternalError', details: { causes: [{ message: `error executing command in container: ${msg}` }] }, code: 500 });
      return;
    }
    const child = spawnInNetns(netns, command, { stdin: s.stdin, stdout: s.stdout, stderr: s.stderr, env: { HOSTNAME: podName } });
    this.pipeOut(s, child.stdout, 1);
    this.pipeOut(s, child.stderr, 2);
    child.stdin?.on('error', () => undefined);
    this.onInput(s, (data) => child.stdin?.write(data), () => child.stdin?.end());
    s.ws.on('close', () => { if (child.exitCode === null) child.kill('SIGKILL'); });
    child.on('error', () => undefined);
    child.on('close', (code, signal) => {
      const exit = code ?? (signal === 'SIGKILL' ? 137 : 1);
      if (exit === 0) this.sendStatus(s, { metadata: {}, status: 'Success' });
      else {
        this.sendStatus(s, {
          metadata: {}, status: 'Failure',
          message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${exit}`,
          reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: String(exit) }] },
        });
      }
    });
  }

  private attach(s: Session, c: RunningContainer): void {
    const unsub = c.ring.subscribeRaw((stream: StreamName, chunk: Buffer) => {
      const ch = stream === 'stdout' ? 1 : 2;
      if ((ch === 1 && s.stdout) || (ch === 2 && s.stderr)) this.send(s, ch, chunk);
    }, () => { unsub(); this.sendStatus(s, { metadata: {}, status: 'Success' }); });
    const stdin = c.child?.stdin;
    this.onInput(s, (data) => stdin?.write(data), () => undefined);
    s.ws.on('close', unsub);
  }

  private send(s: Session, ch: number, chunk: Buffer): void {
    if (s.ws.readyState === s.ws.OPEN) s.ws.send(Buffer.concat([Buffer.from([ch]), chunk]));
  }

  private pipeOut(s: Session, stream: NodeJS.ReadableStream | null, ch: number): void {
    if (!stream) return;
    let pending = 0;
    stream.on('data', (b: Buffer) => {
      if (s.ws.readyState !== s.ws.OPEN) return;
      pending++;
      if (pending > 64) stream.pause();
      s.ws.send(Buffer.concat([Buffer.from([ch]), b]), () => { pending--; if (pending <= 16) stream.resume(); });
    });
  }

  private onInput(s: Session, data: (b: Buffer) => void, closeStdin: () => void): void {
    s.ws.on('message', (msg: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
      const b = Buffer.isBuffer(msg) ? msg : Array.isArray(msg) ? Buffer.concat(msg) : Buffer.from(msg);
      if (!isBinary || b.length === 0) return;
      const ch = b[0];
      if (ch === 0 && s.stdin) data(b.subarray(1));
      else if (ch === 255 && s.v5 && b[1] === 0) closeStdin();
    });
  }
}
