// Generates the many-flows bench capture: a busy Kubernetes node during an incident, with
// hundreds of thousands of short flows. About half the flows are DNS (UDP, a few over TCP):
// cluster names with search-path NXDOMAINs, external names behind CNAME chains asked for A and
// AAAA, and a DNS tunnel (long random labels, TXT answers); the rest is a TCP port scan
// (SYN → RST), HTTPS (handshake, ClientHello with SNI, data, FIN), HTTP/1.1 requests,
// long-lived small-packet flows, NTP/QUIC-like UDP, and a share of IPv6. Every flow has its
// own 5-tuple; flows start evenly over `seconds` and their packets interleave by time (a heap
// of next-packet times). Deterministic for a seed. Written as pcap (µs) or pcapng (EPB) into
// bench/data/ (git-ignored); nothing here is committed.
import { open } from 'node:fs/promises';
import { base32, clientHello, dnsMessage, httpRequest, rng, type DnsAnswerSpec, type Rand } from './payloads.js';

export interface ManyFlowsOptions {
  flows: number;
  seed: number;
  /** Capture duration over which flows start. */
  seconds: number;
}

export interface ManyFlowsResult {
  packets: number;
  flows: number;
  dnsFlows: number;
  bytes: number;
}

const enum Kind { DnsUdp, DnsTcp, Udp, Scan, Https, Http, Long }
/** Cumulative shares of the flow kinds, in Kind order. */
const SHARES = [0.455, 0.46, 0.5, 0.69, 0.89, 0.97, 1];
const SYN = 0x02, RST = 0x04, PSH = 0x08, ACK = 0x10, FIN = 0x01;

interface Step { fromClient: boolean; flags: number; payload: Uint8Array | number; gapUs: number }

interface Flow {
  kind: Kind;
  v6: boolean;
  cIp: number[];
  sIp: number[];
  cPort: number;
  sPort: number;
  seqC: number;
  seqS: number;
  steps: Step[];
  at: number;
}

const ip4 = (a: number, b: number, c: number, d: number): number[] => [a, b, c, d];
const ip6 = (prefix: number[], x: number): number[] => [...prefix, 0, 0, 0, 0, (x >>> 24) & 255, (x >>> 16) & 255, (x >>> 8) & 255, x & 255];
const V6_PODS = [0xfd, 0, 0x10, 0xa4, 0, 0, 0, 0];
const V6_SVC = [0xfd, 0, 0x10, 0x96, 0, 0, 0, 0];

function dnsSteps(rand: Rand, id: number): Step[] {
  const r = rand();
  const q = (qname: string, qtype: number, answers: DnsAnswerSpec[] | undefined, rcode = 0): Step[] => {
    const qid = Math.floor(rand() * 65536);
    const out: Step[] = [{ fromClient: true, flags: 0, payload: dnsMessage({ id: qid, response: false, qname, qtype, edns: true }), gapUs: 200 + rand() * 3000 }];
    if (answers) out.push({ fromClient: false, flags: 0, payload: dnsMessage({ id: qid, response: true, rcode, qname, qtype, answers, edns: true }), gapUs: 500 + rand() * 5000 });
    return out;
  };
  const lost = rand() < 0.04 ? undefined : [];
  if (r < 0.3) {
    // the tunnel: unique long names, data in TXT answers
    const qname = `${base32(rand, 52)}.${base32(rand, 20)}.${(id % 7).toString(36)}.t.exfil-cdn.example`;
    return q(qname, 16, lost && [{ type: 16, ttl: 0, data: base32(rand, 120) }]);
  }
  if (r < 0.8) {
    const svc = Math.floor(2000 * rand() * rand());
    const ns = svc % 40;
    const name = `svc${svc}.ns${ns}.svc.cluster.local`;
    if (rand() < 0.25) return q(`${name}.ns${ns}.svc.cluster.local`, 1, lost && [], 3); // search-path miss
    return q(name, 1, lost && [{ type: 1, ttl: 30, data: ip4(10, 96, svc >> 8, svc & 255) }]);
  }
  const k = Math.floor(500 * rand() * rand());
  const qname = `cdn${k}.example${k % 13}.com`;
  const edge = `edge${k % 50}.cdn-provider.net`;
  const a: DnsAnswerSpec[] = [{ type: 5, ttl: 300, data: edge }, { owner: edge, type: 1, ttl: 60, data: ip4(198, 51, 100, k & 255) },
    { owner: edge, type: 1, ttl: 60, data: ip4(203, 0, 113, k & 255) }];
  const aaaa: DnsAnswerSpec[] = [{ type: 5, ttl: 300, data: edge }, { owner: edge, type: 28, ttl: 60, data: [0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, k >> 8, k & 255] }];
  return [...q(qname, 1, lost && a), ...q(qname, 28, lost && aaaa)];
}

/** TCP handshake, then the client's `first` payload and `rounds` exchanges, then FIN both ways. */
function tcpSteps(rand: Rand, first: Uint8Array | undefined, rounds: number, serverMax: number, gapUs: number, handshake = true): Step[] {
  const g = (): number => gapUs * (0.2 + rand() * 1.6);
  const s: Step[] = [];
  if (handshake) {
    s.push({ fromClient: true, flags: SYN, payload: 0, gapUs: 300 + rand() * 2000 }, { fromClient: false, flags: SYN | ACK, payload: 0, gapUs: 100 + rand() * 500 },
      { fromClient: true, flags: ACK, payload: 0, gapUs: 50 + rand() * 300 });
  }
  if (first) s.push({ fromClient: true, flags: PSH | ACK, payload: first, gapUs: g() });
  for (let i = 0; i < rounds; i++) {
    s.push({ fromClient: false, flags: PSH | ACK, payload: 40 + Math.floor(rand() * serverMax), gapUs: 100 + rand() * 1000 });
    if (rand() < 0.5) s.push({ fromClient: true, flags: ACK, payload: 0, gapUs: g() });
    else s.push({ fromClient: true, flags: PSH | ACK, payload: 20 + Math.floor(rand() * 120), gapUs: g() });
  }
  s.push({ fromClient: true, flags: FIN | ACK, payload: 0, gapUs: 100 + rand() * 800 }, { fromClient: false, flags: FIN | ACK, payload: 0, gapUs: 100 + rand() * 800 },
    { fromClient: true, flags: ACK, payload: 0, gapUs: 0 });
  return s;
}

function newFlow(rand: Rand, i: number, at: number): Flow {
  const r = rand();
  let kind = Kind.DnsUdp;
  while (r >= SHARES[kind]) kind++;
  const v6 = (kind === Kind.DnsUdp || kind === Kind.Udp || kind === Kind.Https) && rand() < 0.06;
  const pod = 1 + Math.floor(rand() * 4000);
  const cIp = v6 ? ip6(V6_PODS, pod) : ip4(10, 244, pod >> 8, pod & 255);
  const f: Flow = { kind, v6, cIp, sIp: cIp, cPort: 1024 + (i % 64000), sPort: 53, seqC: Math.floor(rand() * 2 ** 32), seqS: Math.floor(rand() * 2 ** 32), steps: [], at };
  switch (kind) {
    case Kind.DnsUdp:
    case Kind.DnsTcp: {
      f.sIp = v6 ? ip6(V6_SVC, 10) : rand() < 0.9 ? ip4(10, 96, 0, 10) : ip4(8, 8, (i >> 8) & 3, 8);
      const msgs = dnsSteps(rand, i);
      if (kind === Kind.DnsUdp) f.steps = msgs;
      else {
        // DNS over TCP: each message with its 2-byte length, in one segment
        const framed = msgs.map((m) => { const p = m.payload as Uint8Array; const b = new Uint8Array(p.length + 2); b[0] = p.length >> 8; b[1] = p.length & 255; b.set(p, 2); return b; });
        f.steps = tcpSteps(rand, framed[0], 0, 0, 1000);
        if (framed[1]) f.steps.splice(4, 0, { fromClient: false, flags: PSH | ACK, payload: framed[1], gapUs: 500 });
      }
      break;
    }
    case Kind.Udp: {
      f.sIp = v6 ? ip6(V6_SVC, 200 + (i % 50)) : ip4(192, 0, 2, i % 250);
      f.sPort = rand() < 0.5 ? 123 : 4433;
      const n = 2 + Math.floor(rand() * 10);
      for (let k = 0; k < n; k++) f.steps.push({ fromClient: k % 2 === 0, flags: 0, payload: f.sPort === 123 ? 48 : 100 + Math.floor(rand() * 1100), gapUs: 1000 + rand() * 50000 });
      break;
    }
    case Kind.Scan: {
      const t = Math.floor(rand() * 60000);
      f.cIp = ip4(10, 244, 66, 6); // the scanner pod
      f.sIp = ip4(10, 244, t >> 8, t & 255);
      f.sPort = 1 + Math.floor(rand() * 65535);
      f.cPort = 40000 + (i % 20000);
      f.steps = rand() < 0.9
        ? [{ fromClient: true, flags: SYN, payload: 0, gapUs: 50 + rand() * 400 }, { fromClient: false, flags: RST | ACK, payload: 0, gapUs: 0 }]
        : [{ fromClient: true, flags: SYN, payload: 0, gapUs: 50 + rand() * 400 }, { fromClient: false, flags: SYN | ACK, payload: 0, gapUs: 50 }, { fromClient: true, flags: RST, payload: 0, gapUs: 0 }];
      break;
    }
    case Kind.Https: {
      const k = Math.floor(400 * rand() * rand());
      f.sIp = v6 ? ip6([0x20, 1, 0xd, 0xb8, 0, 0, 0, 0], k) : ip4(198, 18, k >> 8, k & 255);
      f.sPort = 443;
      f.steps = tcpSteps(rand, clientHello(rand, `api${k}.service${k % 17}.example.com`), 2 + Math.floor(rand() * 16), 240, 20000);
      break;
    }
    case Kind.Http: {
      const k = Math.floor(100 * rand());
      f.sIp = ip4(10, 96, 1, k);
      f.sPort = 8080;
      f.steps = tcpSteps(rand, httpRequest(rand() < 0.8 ? 'GET' : 'POST', `/api/v1/items/${i}?q=${base32(rand, 8)}`, `web${k}.shop.svc.cluster.local:8080`), 1 + Math.floor(rand() * 5), 600, 5000);
      break;
    }
    default: {
      f.sIp = ip4(10, 96, 2, i % 200);
      f.sPort = 6379;
      f.steps = tcpSteps(rand, undefined, 20 + Math.floor(rand() * 100), 120, 400000, rand() < 0.5);
    }
  }
  return f;
}

/** Min-heap of flows by next packet time. */
class Heap {
  private a: Flow[] = [];
  get size(): number { return this.a.length; }
  peek(): Flow { return this.a[0]; }
  push(f: Flow): void {
    const a = this.a;
    let i = a.push(f) - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p].at <= f.at) break;
      a[i] = a[p];
      i = p;
    }
    a[i] = f;
  }
  pop(): Flow {
    const a = this.a;
    const top = a[0];
    const last = a.pop() as Flow;
    if (a.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= a.length) break;
        const c = l + 1 < a.length && a[l + 1].at < a[l].at ? l + 1 : l;
        if (a[c].at >= last.at) break;
        a[i] = a[c];
        i = c;
      }
      a[i] = last;
    }
    return top;
  }
}

export async function generateManyFlows(path: string, format: 'pcap' | 'pcapng', opts: ManyFlowsOptions): Promise<ManyFlowsResult> {
  const rand = rng(opts.seed);
  const fh = await open(path, 'w');
  const BUF = 8 * 1024 * 1024;
  const out = Buffer.alloc(BUF + 65536);
  let pos = 0;
  let total = 0;
  const flush = async (): Promise<void> => { if (pos > 0) await fh.write(out, 0, pos); total += pos; pos = 0; };
  if (format === 'pcap') {
    out.writeUInt32LE(0xa1b2c3d4, 0); out.writeUInt16LE(2, 4); out.writeUInt16LE(4, 6); out.writeUInt32LE(262144, 16); out.writeUInt32LE(1, 20);
    pos = 24;
  } else {
    out.writeUInt32LE(0x0a0d0d0a, 0); out.writeUInt32LE(28, 4); out.writeUInt32LE(0x1a2b3c4d, 8); out.writeUInt16LE(1, 12);
    out.writeInt32LE(-1, 16); out.writeInt32LE(-1, 20); out.writeUInt32LE(28, 24);
    out.writeUInt32LE(1, 28); out.writeUInt32LE(20, 32); out.writeUInt16LE(1, 36); out.writeUInt32LE(262144, 40); out.writeUInt32LE(20, 44);
    pos = 48;
  }
  const t0 = 1_764_000_000e6;
  const spacing = (opts.seconds * 1e6) / opts.flows;
  const heap = new Heap();
  let started = 0;
  let dnsFlows = 0;
  let packets = 0;
  let ipId = 1;
  while (started < opts.flows || heap.size > 0) {
    const nextStart = started < opts.flows ? started * spacing : Infinity;
    if (heap.size === 0 || nextStart <= heap.peek().at) {
      const f = newFlow(rand, started, nextStart + rand() * spacing);
      if (f.kind === Kind.DnsUdp || f.kind === Kind.DnsTcp) dnsFlows++;
      started++;
      heap.push(f);
      continue;
    }
    const f = heap.pop();
    const s = f.steps.shift() as Step;
    const tcp = f.kind !== Kind.DnsUdp && f.kind !== Kind.Udp;
    const payLen = typeof s.payload === 'number' ? s.payload : s.payload.length;
    const l4 = tcp ? 20 : 8;
    const l3 = f.v6 ? 40 : 20;
    const frame = 14 + l3 + l4 + payLen;
    const padded = (frame + 3) & ~3;
    const recLen = format === 'pcap' ? 16 + frame : 28 + padded + 4;
    if (pos + recLen > BUF) await flush();
    const ts = Math.floor(t0 + f.at);
    let p = pos;
    if (format === 'pcap') {
      const sec = Math.floor(ts / 1e6);
      out.writeUInt32LE(sec, p); out.writeUInt32LE(ts - sec * 1e6, p + 4); out.writeUInt32LE(frame, p + 8); out.writeUInt32LE(frame, p + 12);
      p += 16;
    } else {
      out.writeUInt32LE(6, p); out.writeUInt32LE(recLen, p + 4); out.writeUInt32LE(0, p + 8);
      out.writeUInt32LE(Math.floor(ts / 4294967296), p + 12); out.writeUInt32LE(ts % 4294967296, p + 16);
      out.writeUInt32LE(frame, p + 20); out.writeUInt32LE(frame, p + 24);
      p += 28;
    }
    const c = s.fromClient;
    out.fill(0x02, p, p + 12);
    out[p + 5] = c ? 1 : 2;
    out[p + 11] = c ? 2 : 1;
    out.writeUInt16BE(f.v6 ? 0x86dd : 0x0800, p + 12);
    p += 14;
    const src = c ? f.cIp : f.sIp;
    const dst = c ? f.sIp : f.cIp;
    if (f.v6) {
      out.writeUInt32BE(0x60000000, p); out.writeUInt16BE(l4 + payLen, p + 4); out[p + 6] = tcp ? 6 : 17; out[p + 7] = 64;
      out.set(src, p + 8); out.set(dst, p + 24);
    } else {
      out[p] = 0x45; out[p + 1] = 0; out.writeUInt16BE(20 + l4 + payLen, p + 2); out.writeUInt16BE(ipId++ & 0xffff, p + 4);
      out.writeUInt16BE(0x4000, p + 6); out[p + 8] = 64; out[p + 9] = tcp ? 6 : 17; out.writeUInt16BE(0, p + 10);
      out.set(src, p + 12); out.set(dst, p + 16);
    }
    p += l3;
    out.writeUInt16BE(c ? f.cPort : f.sPort, p);
    out.writeUInt16BE(c ? f.sPort : f.cPort, p + 2);
    if (tcp) {
      const seq = c ? f.seqC : f.seqS;
      out.writeUInt32BE(seq >>> 0, p + 4);
      out.writeUInt32BE((c ? f.seqS : f.seqC) >>> 0, p + 8);
      out[p + 12] = 0x50; out[p + 13] = s.flags; out.writeUInt16BE(65535, p + 14); out.writeUInt32BE(0, p + 16);
      const adv = payLen + (s.flags & (SYN | FIN) ? 1 : 0);
      if (c) f.seqC = (f.seqC + adv) % 2 ** 32;
      else f.seqS = (f.seqS + adv) % 2 ** 32;
    } else {
      out.writeUInt16BE(8 + payLen, p + 4); out.writeUInt16BE(0, p + 6);
    }
    p += l4;
    if (typeof s.payload === 'number') out.fill(0x41 + (packets % 26), p, p + payLen);
    else out.set(s.payload, p);
    p += payLen;
    if (format === 'pcapng') {
      out.fill(0, p, pos + 28 + padded);
      out.writeUInt32LE(recLen, pos + recLen - 4);
    }
    pos += recLen;
    packets++;
    if (f.steps.length > 0) {
      f.at += s.gapUs;
      heap.push(f);
    }
  }
  await flush();
  await fh.close();
  return { packets, flows: started, dnsFlows, bytes: total };
}

// `node --import tsx bench/genManyFlows.ts OUT [FLOWS] [pcap|pcapng]`: one file, for trying it out.
if (process.argv[1]?.endsWith('genManyFlows.ts')) {
  const [out, flows = '600000', fmt = 'pcap'] = process.argv.slice(2);
  const t = Date.now();
  void generateManyFlows(out, fmt as 'pcap' | 'pcapng', { flows: Number(flows), seed: 7, seconds: 600 }).then((r) => {
    console.log(JSON.stringify(r), `${((Date.now() - t) / 1000).toFixed(1)} s`);
  });
}
