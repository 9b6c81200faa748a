// Two network namespaces joined by a veth pair, made by the test itself and removed after.
// Addresses live only inside these namespaces (nothing is routed anywhere else).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export interface NetnsPair {
  a: string;
  b: string;
  ipA: string;
  ipB: string;
  /** Runs `node -e script args…` inside a namespace; killed by cleanup(). */
  node(ns: string, script: string, args?: string[]): ChildProcess;
  cleanup(): void;
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

export function createNetnsPair(prefix = 'fst'): NetnsPair {
  const id = randomBytes(3).toString('hex');
  const a = `${prefix}-${id}-a`;
  const b = `${prefix}-${id}-b`;
  const va = `v${id}a`;
  const vb = `v${id}b`;
  const children: ChildProcess[] = [];
  const cleanup = (): void => {
    for (const c of children) c.kill('SIGKILL');
    for (const ns of [a, b]) {
      try { ip('netns', 'del', ns); } catch { /* already gone */ }
    }
  };
  try {
    ip('netns', 'add', a);
    ip('netns', 'add', b);
    ip('link', 'add', va, 'type', 'veth', 'peer', 'name', vb);
    ip('link', 'set', va, 'netns', a);
    ip('link', 'set', vb, 'netns', b);
    ip('-n', a, 'addr', 'add', '10.231.0.1/24', 'dev', va);
    ip('-n', b, 'addr', 'add', '10.231.0.2/24', 'dev', vb);
    for (const [ns, dev] of [[a, va], [b, vb]]) {
      ip('-n', ns, 'link', 'set', dev, 'up');
      ip('-n', ns, 'link', 'set', 'lo', 'up');
    }
  } catch (e) {
    cleanup();
    throw e;
  }
  return {
    a, b, ipA: '10.231.0.1', ipB: '10.231.0.2',
    node(ns, script, args = []) {
      const c = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(c);
      return c;
    },
    cleanup,
  };
}

/** A TCP server that echoes, a UDP sink, and clients that talk to both in a loop. */
export const TCP_ECHO_SERVER = `
const net = require('net');
net.createServer((s) => { s.on('data', (d) => s.write(d)); s.on('error', () => {}); }).listen(Number(process.argv[2]), process.argv[1]);
require('dgram').createSocket('udp4').on('message', () => {}).bind(Number(process.argv[3]), process.argv[1]);
`;
export const TRAFFIC_CLIENT = `
const net = require('net'); const dgram = require('dgram');
const [host, tcpPort, udpPort] = [process.argv[1], Number(process.argv[2]), Number(process.argv[3])];
const u = dgram.createSocket('udp4');
setInterval(() => u.send(Buffer.alloc(200, 0x75), udpPort, host), 20);
function conn() {
  const s = net.connect(tcpPort, host, () => { let n = 0; const t = setInterval(() => { s.write('x'.repeat(100)); if (++n === 5) { clearInterval(t); s.end(); } }, 20); });
  s.resume(); s.on('error', () => {}); s.on('close', () => setTimeout(conn, 30));
}
conn();
`;
