// Application payloads for the generated bench captures, as real wire formats: DNS queries and
// responses (compressed names, CNAME chains, A/AAAA/TXT answers, NXDOMAIN, EDNS OPT), TLS 1.3
// ClientHellos with SNI, HTTP/1.1 requests. Deterministic for a given PRNG.

export type Rand = () => number;

/** Small deterministic PRNG (mulberry32). */
export function rng(seed: number): Rand {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const B32 = 'abcdefghijklmnopqrstuvwxyz234567';

export function base32(rand: Rand, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += B32[Math.floor(rand() * 32)];
  return s;
}

/** Growable byte builder. */
class Bytes {
  b = new Uint8Array(512);
  n = 0;
  private room(k: number): void {
    if (this.n + k <= this.b.length) return;
    const x = new Uint8Array(Math.max(this.b.length * 2, this.n + k));
    x.set(this.b.subarray(0, this.n));
    this.b = x;
  }
  u8(v: number): this { this.room(1); this.b[this.n++] = v & 255; return this; }
  u16(v: number): this { return this.u8(v >> 8).u8(v); }
  u32(v: number): this { return this.u16(v >>> 16).u16(v & 0xffff); }
  raw(a: ArrayLike<number>): this { this.room(a.length); this.b.set(a, this.n); this.n += a.length; return this; }
  ascii(s: string): this { this.room(s.length); for (let i = 0; i < s.length; i++) this.b[this.n++] = s.charCodeAt(i); return this; }
  /** Reserves a 16-bit length at the current position; returns a function that fills it. */
  len16(): () => void { const at = this.n; this.u16(0); return () => { const l = this.n - at - 2; this.b[at] = l >> 8; this.b[at + 1] = l & 255; }; }
  len24(): () => void { const at = this.n; this.u8(0).u16(0); return () => { const l = this.n - at - 3; this.b[at] = l >> 16; this.b[at + 1] = (l >> 8) & 255; this.b[at + 2] = l & 255; }; }
  done(): Uint8Array { return this.b.slice(0, this.n); }
}

function name(w: Bytes, n: string): void {
  for (const l of n.split('.')) if (l) w.u8(l.length).ascii(l);
  w.u8(0);
}

export interface DnsAnswerSpec {
  /** Owner name; undefined: the question name (written as a pointer to offset 12). */
  owner?: string;
  type: number;
  ttl: number;
  /** A: 4 bytes; AAAA: 16 bytes; CNAME/NS/PTR: a name; TXT: text. */
  data: number[] | string;
}

export interface DnsSpec {
  id: number;
  response: boolean;
  rcode?: number;
  qname: string;
  qtype: number;
  answers?: DnsAnswerSpec[];
  edns?: boolean;
}

export function dnsMessage(s: DnsSpec): Uint8Array {
  const w = new Bytes();
  const flags = (s.response ? 0x8180 : 0x0100) | (s.rcode ?? 0);
  const an = s.answers?.length ?? 0;
  w.u16(s.id).u16(flags).u16(1).u16(an).u16(0).u16(s.edns ? 1 : 0);
  name(w, s.qname);
  w.u16(s.qtype).u16(1);
  for (const a of s.answers ?? []) {
    if (a.owner === undefined) w.u16(0xc00c);
    else name(w, a.owner);
    w.u16(a.type).u16(1).u32(a.ttl);
    const fill = w.len16();
    if (typeof a.data === 'string') {
      if (a.type === 16) w.u8(a.data.length).ascii(a.data);
      else name(w, a.data);
    } else w.raw(a.data);
    fill();
  }
  if (s.edns) w.u8(0).u16(41).u16(1232).u32(0).u16(0);
  return w.done();
}

/** A TLS 1.3-style ClientHello record with server_name `sni` and the usual extensions. */
export function clientHello(rand: Rand, sni: string): Uint8Array {
  const w = new Bytes();
  w.u8(0x16).u16(0x0301);
  const rec = w.len16();
  w.u8(1);
  const hs = w.len24();
  w.u16(0x0303);
  for (let i = 0; i < 32; i++) w.u8(rand() * 256);
  w.u8(32);
  for (let i = 0; i < 32; i++) w.u8(rand() * 256);
  const cs = w.len16();
  for (const c of [0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8]) w.u16(c);
  cs();
  w.u8(1).u8(0);
  const exts = w.len16();
  w.u16(0); // server_name
  const sn = w.len16();
  const list = w.len16();
  w.u8(0).u16(sni.length).ascii(sni);
  list();
  sn();
  w.u16(10).u16(8).u16(6).u16(0x1d).u16(0x17).u16(0x18); // supported_groups
  w.u16(16).u16(14).u16(12).u8(2).ascii('h2').u8(8).ascii('http/1.1'); // ALPN
  w.u16(43).u16(3).u8(2).u16(0x0304); // supported_versions
  w.u16(51).u16(38).u16(36).u16(0x1d).u16(32); // key_share x25519
  for (let i = 0; i < 32; i++) w.u8(rand() * 256);
  exts();
  hs();
  rec();
  return w.done();
}

export function httpRequest(method: string, path: string, host: string): Uint8Array {
  return new Bytes().ascii(`${method} ${path} HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: bench/1.0\r\nAccept: */*\r\n\r\n`).done();
}
