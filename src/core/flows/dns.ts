// A small bounded DNS message parser: questions and A/AAAA/CNAME/PTR/NS/MX answers.
// Every read is bounds-checked; compression pointers are followed at most MAX_JUMPS times
// and only backwards, so a pointer loop (td_dns-zlip-1.pcap) ends; names stop at 255 bytes.
// Returns undefined for anything malformed: no exceptions escape.

import type { DnsAnswer } from '../../shared/flowSummary.js';
import { formatIpv4, formatIpv6Bytes } from './format.js';
import { flat } from './text.js';

export interface DnsMessage {
  response: boolean;
  rcode: number;
  questions: { name: string; type: number }[];
  answers: (DnsAnswer & { typeNum: number })[];
}

const MAX_JUMPS = 32;
const MAX_QUESTIONS = 8;
const MAX_ANSWERS = 32;

const TYPE_NAMES: Record<number, string> = {
  1: 'A', 2: 'NS', 5: 'CNAME', 6: 'SOA', 12: 'PTR', 15: 'MX', 16: 'TXT', 28: 'AAAA', 33: 'SRV',
  41: 'OPT', 43: 'DS', 46: 'RRSIG', 47: 'NSEC', 48: 'DNSKEY', 64: 'SVCB', 65: 'HTTPS', 255: 'ANY',
};

export function dnsTypeName(t: number): string {
  return TYPE_NAMES[t] ?? `TYPE${t}`;
}

const RCODES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'];

export function dnsRcodeName(r: number): string {
  return RCODES[r] ?? `RCODE${r}`;
}

/** Name reader state: the name and where the record continues. */
let nameOut = '';
let nameNext = 0;

function label(buf: Uint8Array, p: number, n: number): string {
  let s = '';
  for (let i = p; i < p + n; i++) {
    const c = buf[i];
    if (c > 0x20 && c < 0x7f && c !== 0x2e && c !== 0x5c) s += String.fromCharCode(c);
    else s += '\\' + String(c).padStart(3, '0');
  }
  return s;
}

/** Reads a (possibly compressed) name at `p` of the message `buf[msg .. end)`. */
function readName(buf: Uint8Array, msg: number, end: number, p: number): boolean {
  let s = '';
  let wire = 0;
  let jumps = 0;
  let next = -1;
  let limit = p; // pointers must go strictly before the lowest point reached so far
  while (true) {
    if (p >= end) return false;
    const n = buf[p];
    if (n === 0) {
      if (next < 0) next = p + 1;
      break;
    }
    if ((n & 0xc0) === 0xc0) {
      if (p + 1 >= end) return false;
      const target = msg + (((n & 0x3f) << 8) | buf[p + 1]);
      if (next < 0) next = p + 2;
      if (++jumps > MAX_JUMPS || target >= limit) return false;
      limit = target;
      p = target;
      continue;
    }
    if (n & 0xc0) return false; // 0x40/0x80: extended label types, not supported
    if (p + 1 + n > end) return false;
    wire += n + 1;
    if (wire > 255) return false;
    s += (s ? '.' : '') + label(buf, p + 1, n);
    p += 1 + n;
  }
  nameOut = s ? flat(s) : '.';
  nameNext = next;
  return true;
}

/** Parses the DNS message at `buf[off .. end)`. */
export function parseDns(buf: Uint8Array, off: number, end: number): DnsMessage | undefined {
  if (off + 12 > end) return undefined;
  const flags = (buf[off + 2] << 8) | buf[off + 3];
  if (flags & 0x7800) return undefined; // opcode other than QUERY
  const qd = (buf[off + 4] << 8) | buf[off + 5];
  const an = (buf[off + 6] << 8) | buf[off + 7];
  const msg: DnsMessage = { response: (flags & 0x8000) !== 0, rcode: flags & 0xf, questions: [], answers: [] };
  let p = off + 12;
  for (let i = 0; i < qd; i++) {
    if (!readName(buf, off, end, p)) return msg.questions.length ? msg : undefined;
    p = nameNext;
    if (p + 4 > end) return msg.questions.length ? msg : undefined;
    const type = (buf[p] << 8) | buf[p + 1];
    p += 4;
    if (msg.questions.length < MAX_QUESTIONS) msg.questions.push({ name: nameOut, type });
  }
  for (let i = 0; i < an && msg.answers.length < MAX_ANSWERS; i++) {
    if (!readName(buf, off, end, p)) break;
    const owner = nameOut;
    p = nameNext;
    if (p + 10 > end) break;
    const type = (buf[p] << 8) | buf[p + 1];
    const ttl = ((buf[p + 4] << 24) | (buf[p + 5] << 16) | (buf[p + 6] << 8) | buf[p + 7]) >>> 0;
    const rdlen = (buf[p + 8] << 8) | buf[p + 9];
    const rd = p + 10;
    if (rd + rdlen > end) break;
    p = rd + rdlen;
    let value: string | undefined;
    if (type === 1 && rdlen === 4) value = formatIpv4(((buf[rd] << 24) | (buf[rd + 1] << 16) | (buf[rd + 2] << 8) | buf[rd + 3]) >>> 0);
    else if (type === 28 && rdlen === 16) value = formatIpv6Bytes(buf, rd);
    else if (type === 5 || type === 12 || type === 2) value = readName(buf, off, rd + rdlen, rd) ? nameOut : undefined;
    else if (type === 15 && rdlen > 2) value = readName(buf, off, rd + rdlen, rd + 2) ? nameOut : undefined;
    const a: DnsAnswer & { typeNum: number } = { name: owner, type: dnsTypeName(type), ttl, typeNum: type };
    if (value !== undefined) a.value = value;
    msg.answers.push(a);
  }
  return msg;
}
