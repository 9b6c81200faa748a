// Generates the benchmark capture: a large, realistic-shaped Ethernet/IPv4 capture with many
// interleaved TCP and UDP flows, written as pcap (µs) and as pcapng (EPB), deterministic
// for a given seed. Nothing here is committed: files go to bench/data/ (git-ignored).
//
// Shape: `flows` conversations, about `packets / flows` packets each; at any time `active`
// flows are open and their packets interleave, so the analyzer's flow table is exercised
// as in a busy real capture. TCP flows open with SYN / SYN-ACK / ACK, carry data both ways
// and close with FIN; UDP flows are DNS-like request/response pairs.
import { open } from 'node:fs/promises';

export interface GenOptions {
  packets: number;
  flows: number;
  active: number;
  seed: number;
}

export interface GenResult {
  packets: number;
  flows: number;
  bytes: number;
}

const ETH = 14;
const IP4 = 20;
const TCP = 20;
const UDP = 8;

/** Small deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface FlowState {
  tcp: boolean;
  cIp: number;
  sIp: number;
  cPort: number;
  sPort: number;
  remaining: number;
  step: number;
}

type Format = 'pcap' | 'pcapng';

/** Writes one capture; both formats share the packet generator so they hold the same packets. */
export async function generateCapture(path: string, format: Format, opts: GenOptions): Promise<GenResult> {
  const rand = rng(opts.seed);
  const fh = await open(path, 'w');
  const BUF = 8 * 1024 * 1024;
  const out = Buffer.alloc(BUF + 4096);
  let pos = 0;
  let total = 0;
  const flush = async (): Promise<void> => {
    if (pos > 0) await fh.write(out, 0, pos);
    total += pos;
    pos = 0;
  };

  // File header.
  if (format === 'pcap') {
    out.writeUInt32LE(0xa1b2c3d4, 0);
    out.writeUInt16LE(2, 4);
    out.writeUInt16LE(4, 6);
    out.writeUInt32LE(0, 8);
    out.writeUInt32LE(0, 12);
    out.writeUInt32LE(262144, 16);
    out.writeUInt32LE(1, 20);
    pos = 24;
  } else {
    // SHB (28 bytes, no options) + IDB (20 bytes, no options).
    out.writeUInt32LE(0x0a0d0d0a, 0);
    out.writeUInt32LE(28, 4);
    out.writeUInt32LE(0x1a2b3c4d, 8);
    out.writeUInt16LE(1, 12);
    out.writeUInt16LE(0, 14);
    out.writeInt32LE(-1, 16);
    out.writeInt32LE(-1, 20);
    out.writeUInt32LE(28, 24);
    out.writeUInt32LE(1, 28);
    out.writeUInt32LE(20, 32);
    out.writeUInt16LE(1, 36);
    out.writeUInt16LE(0, 38);
    out.writeUInt32LE(262144, 40);
    out.writeUInt32LE(20, 44);
    pos = 48;
  }

  const perFlow = Math.max(4, Math.floor(opts.packets / opts.flows));
  let nextFlow = 0;
  const newFlow = (): FlowState => {
    const i = nextFlow++;
    const tcp = rand() < 0.8;
    return {
      tcp,
      cIp: (10 << 24) | (1 << 16) | (i & 0xffff), // 10.1.x.y clients
      sIp: (172 << 24) | (16 << 16) | ((i >>> 4) & 0xfff), // servers spread over 172.16/16
      cPort: 1024 + (i % 60000),
      sPort: tcp ? (rand() < 0.5 ? 443 : 80) : 53,
      remaining: Math.max(4, Math.round(perFlow * (0.5 + rand()))),
      step: 0,
    };
  };
  const active: FlowState[] = [];
  for (let i = 0; i < opts.active && nextFlow < opts.flows; i++) active.push(newFlow());

  let tsUs = 1_764_000_000 * 1e6; // fixed start, µs
  let packets = 0;
  let ipId = 1;
  while (packets < opts.packets && active.length > 0) {
    const k = Math.floor(rand() * active.length);
    const f = active[k];
    // Direction and size for this step of the flow.
    let fromClient: boolean;
    let flags = 0x10; // ACK
    let payload: number;
    if (f.tcp) {
      if (f.step === 0) { fromClient = true; flags = 0x02; payload = 0; }
      else if (f.step === 1) { fromClient = false; flags = 0x12; payload = 0; }
      else if (f.remaining <= 2) { fromClient = f.remaining === 2; flags = 0x11; payload = 0; }
      else { fromClient = rand() < 0.4; flags = 0x18; payload = 10 + Math.floor(rand() * 70); }
    } else {
      fromClient = f.step % 2 === 0;
      payload = fromClient ? 30 + Math.floor(rand() * 20) : 60 + Math.floor(rand() * 60);
    }
    const l4 = f.tcp ? TCP : UDP;
    const frameLen = ETH + IP4 + l4 + payload;
    const recHdr = format === 'pcap' ? 16 : 28;
    const padded = (frameLen + 3) & ~3;
    const recLen = format === 'pcap' ? 16 + frameLen : recHdr + padded + 4;
    if (pos + recLen > BUF) await flush();

    // Record header.
    tsUs += 50 + Math.floor(rand() * 100);
    const sec = Math.floor(tsUs / 1e6);
    const usec = tsUs - sec * 1e6;
    let p = pos;
    if (format === 'pcap') {
      out.writeUInt32LE(sec, p);
      out.writeUInt32LE(usec, p + 4);
      out.writeUInt32LE(frameLen, p + 8);
      out.writeUInt32LE(frameLen, p + 12);
      p += 16;
    } else {
      out.writeUInt32LE(6, p);
      out.writeUInt32LE(recLen, p + 4);
      out.writeUInt32LE(0, p + 8);
      out.writeUInt32LE(Math.floor(tsUs / 4294967296), p + 12);
      out.writeUInt32LE(tsUs % 4294967296, p + 16);
      out.writeUInt32LE(frameLen, p + 20);
      out.writeUInt32LE(frameLen, p + 24);
      p += 28;
    }
    // Ethernet.
    out.fill(0x02, p, p + 12);
    out[p + 5] = fromClient ? 1 : 2;
    out[p + 11] = fromClient ? 2 : 1;
    out.writeUInt16BE(0x0800, p + 12);
    p += ETH;
    // IPv4.
    const src = fromClient ? f.cIp : f.sIp;
    const dst = fromClient ? f.sIp : f.cIp;
    out[p] = 0x45;
    out[p + 1] = 0;
    out.writeUInt16BE(IP4 + l4 + payload, p + 2);
    out.writeUInt16BE(ipId++ & 0xffff, p + 4);
    out.writeUInt16BE(0x4000, p + 6);
    out[p + 8] = 64;
    out[p + 9] = f.tcp ? 6 : 17;
    out.writeUInt16BE(0, p + 10);
    out.writeUInt32BE(src >>> 0, p + 12);
    out.writeUInt32BE(dst >>> 0, p + 16);
    p += IP4;
    // TCP / UDP.
    out.writeUInt16BE(fromClient ? f.cPort : f.sPort, p);
    out.writeUInt16BE(fromClient ? f.sPort : f.cPort, p + 2);
    if (f.tcp) {
      out.writeUInt32BE((packets * 7919) >>> 0, p + 4);
      out.writeUInt32BE((packets * 104729) >>> 0, p + 8);
      out[p + 12] = 0x50;
      out[p + 13] = flags;
      out.writeUInt16BE(65535, p + 14);
      out.writeUInt32BE(0, p + 16);
    } else {
      out.writeUInt16BE(UDP + payload, p + 4);
      out.writeUInt16BE(0, p + 6);
    }
    p += l4;
    out.fill(0x61 + (packets % 26), p, p + payload);
    p += payload;
    if (format === 'pcapng') {
      out.fill(0, p, pos + recHdr + padded);
      out.writeUInt32LE(recLen, pos + recLen - 4);
    }
    pos += recLen;
    packets++;

    f.step++;
    f.remaining--;
    if (f.remaining <= 0) {
      if (nextFlow < opts.flows) active[k] = newFlow();
      else { active[k] = active[active.length - 1]; active.pop(); }
    }
  }
  await flush();
  await fh.close();
  return { packets, flows: nextFlow, bytes: total };
}
