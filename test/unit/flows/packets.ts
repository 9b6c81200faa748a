// Test helpers: frames built byte by byte, fed straight to a FlowAnalyzer.

import { FlowAnalyzer, type FlowAnalyzerOptions } from '../../../src/core/flows/flowAnalyzer.js';
import { buildSummary } from '../../../src/core/flows/buildSummary.js';
import type { PacketRecord } from '../../../src/core/pcap/types.js';
import type { FlowSummary } from '../../../src/shared/flowSummary.js';

export function cat(...parts: (Uint8Array | number[])[]): Uint8Array {
  const n = parts.reduce((a, p) => a + p.length, 0);
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export const u16 = (v: number): number[] => [(v >> 8) & 255, v & 255];
export const u32 = (v: number): number[] => [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
export const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

export function ip4(a: string): number[] {
  return a.split('.').map(Number);
}

export function ip6(a: string): number[] {
  const [head, tail] = a.includes('::') ? a.split('::') : [a, undefined];
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t].map((g) => parseInt(g, 16));
  return groups.flatMap((g) => u16(g));
}

const MAC_A = [2, 0, 0, 0, 0, 1];
const MAC_B = [2, 0, 0, 0, 0, 2];

export function eth(type: number, payload: Uint8Array, vlans: { tpid: number; vid: number }[] = []): Uint8Array {
  return cat(MAC_B, MAC_A, ...vlans.map((v) => [...u16(v.tpid), ...u16(v.vid)]), u16(type), payload);
}

export interface Ip4Opts {
  src: string;
  dst: string;
  proto: number;
  payload: Uint8Array;
  id?: number;
  /** fragment offset in bytes (multiple of 8) */
  fragOffset?: number;
  more?: boolean;
  /** header length in 32-bit words (default 5; > 5 adds NOP options) */
  ihl?: number;
  /** total length field override */
  totalLength?: number;
  /** data length the header declares (for fragments: the fragment's data length) */
}

export function ipv4(o: Ip4Opts): Uint8Array {
  const ihl = o.ihl ?? 5;
  const hlen = Math.max(ihl, 5) * 4;
  const total = o.totalLength ?? hlen + o.payload.length;
  const ffo = ((o.more ? 0x2000 : 0) | ((o.fragOffset ?? 0) >> 3)) & 0xffff;
  const h = [0x40 | (ihl & 15), 0, ...u16(total), ...u16(o.id ?? 1), ...u16(ffo), 64, o.proto, 0, 0, ...ip4(o.src), ...ip4(o.dst)];
  while (h.length < hlen) h.push(1); // NOP options
  return cat(h, o.payload);
}

export function ipv6(src: string, dst: string, nh: number, payload: Uint8Array, payloadLength?: number): Uint8Array {
  return cat([0x60, 0, 0, 0], u16(payloadLength ?? payload.length), [nh, 64], ip6(src), ip6(dst), payload);
}

/** An IPv6 extension header (HBH 0, routing 43, dest opts 60): next header, 8·(len+1) bytes. */
export function ext6(nh: number, lenUnits = 0): number[] {
  const b = new Array<number>(8 * (lenUnits + 1)).fill(0);
  b[0] = nh;
  b[1] = lenUnits;
  if (b.length >= 8) { b[2] = 1; b[3] = 4; } // PadN
  return b;
}

export function frag6(nh: number, offset: number, more: boolean, id: number): number[] {
  return [nh, 0, ...u16((offset & 0xfff8) | (more ? 1 : 0)), ...u32(id)];
}

export const FIN = 0x01;
export const SYN = 0x02;
export const RST = 0x04;
export const PSH = 0x08;
export const ACK = 0x10;

export function tcp(sport: number, dport: number, flags: number, payload: Uint8Array = new Uint8Array(0), seq = 1000, doff = 5): Uint8Array {
  const h = [...u16(sport), ...u16(dport), ...u32(seq), ...u32(0), (doff & 15) << 4, flags, ...u16(65535), 0, 0, 0, 0];
  while (h.length < doff * 4) h.push(1);
  return cat(h, payload);
}

export function udp(sport: number, dport: number, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  return cat(u16(sport), u16(dport), u16(8 + payload.length), [0, 0], payload);
}

/** IPv4/Ethernet TCP frame. */
export function tcp4(src: string, sport: number, dst: string, dport: number, flags: number, payload?: Uint8Array, seq?: number): Uint8Array {
  return eth(0x0800, ipv4({ src, dst, proto: 6, payload: tcp(sport, dport, flags, payload, seq) }));
}

export function udp4(src: string, sport: number, dst: string, dport: number, payload?: Uint8Array): Uint8Array {
  return eth(0x0800, ipv4({ src, dst, proto: 17, payload: udp(sport, dport, payload) }));
}

export interface Frame {
  data: Uint8Array;
  linkType?: number;
  tsSec?: number;
  tsNsec?: number;
  origLen?: number;
}

/** Feeds frames (one reused record, as the reader does) and returns the summary. */
export function analyze(frames: (Frame | Uint8Array)[], opts: FlowAnalyzerOptions = {}): FlowSummary {
  const a = new FlowAnalyzer(opts);
  const rec: PacketRecord = {
    buf: new Uint8Array(0), offset: 0, capLen: 0, origLen: 0, linkType: 1, tsSec: 0, tsNsec: 0,
    interfaceId: 0, sectionIndex: 0, index: 0, comments: [],
  };
  frames.forEach((fr, i) => {
    const f: Frame = fr instanceof Uint8Array ? { data: fr } : fr;
    // place the frame at a non-zero offset of a larger buffer, as a reader's chunk would
    const buf = new Uint8Array(f.data.length + 7);
    buf.set(f.data, 3);
    rec.buf = buf;
    rec.offset = 3;
    rec.capLen = f.data.length;
    rec.origLen = f.origLen ?? f.data.length;
    rec.linkType = f.linkType ?? 1;
    rec.tsSec = f.tsSec ?? 1_700_000_000 + i;
    rec.tsNsec = f.tsNsec ?? 0;
    rec.index = i;
    a.packet(rec);
  });
  return buildSummary(a);
}

// ------------------------------------------------------------------------------ app data

/** A DNS message: questions [name, type], answers [name, type, rdata bytes]. */
export function dnsMessage(o: {
  id?: number;
  response?: boolean;
  rcode?: number;
  questions: [string, number][];
  answers?: [string, number, number[]][];
}): Uint8Array {
  const name = (n: string): number[] => [...n.split('.').filter(Boolean).flatMap((l) => [l.length, ...ascii(l)]), 0];
  const flags = (o.response ? 0x8180 : 0x0100) | (o.rcode ?? 0);
  const parts: number[] = [...u16(o.id ?? 0x1234), ...u16(flags), ...u16(o.questions.length), ...u16(o.answers?.length ?? 0), 0, 0, 0, 0];
  for (const [n, t] of o.questions) parts.push(...name(n), ...u16(t), 0, 1);
  for (const [n, t, rd] of o.answers ?? []) parts.push(...name(n), ...u16(t), 0, 1, ...u32(300), ...u16(rd.length), ...rd);
  return new Uint8Array(parts);
}

export function dnsName(n: string): number[] {
  return [...n.split('.').filter(Boolean).flatMap((l) => [l.length, ...ascii(l)]), 0];
}

/** A TLS ClientHello record (one record) with a server_name extension. */
export function clientHello(sni: string | undefined, extraExtensionBytes = 0): Uint8Array {
  const exts: number[] = [];
  // a GREASE extension first, then padding, then SNI
  exts.push(0x0a, 0x0a, 0, 0);
  if (extraExtensionBytes > 0) exts.push(0x00, 0x15, ...u16(extraExtensionBytes), ...new Array<number>(extraExtensionBytes).fill(0));
  if (sni !== undefined) {
    const name = [...ascii(sni)];
    const entry = [0, ...u16(name.length), ...name];
    exts.push(0, 0, ...u16(entry.length + 2), ...u16(entry.length), ...entry);
  }
  const body = [3, 3, ...new Array<number>(32).fill(7), 32, ...new Array<number>(32).fill(9), 0, 4, 0x13, 0x01, 0x13, 0x02, 1, 0, ...u16(exts.length), ...exts];
  const hs = [1, (body.length >> 16) & 255, ...u16(body.length & 0xffff), ...body];
  return new Uint8Array([0x16, 3, 1, ...u16(hs.length), ...hs]);
}
