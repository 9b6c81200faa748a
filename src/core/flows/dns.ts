// A small bounded DNS message parser: questions and A/AAAA/CNAME/PTR/NS/MX answers, decoded
// into a reused `DnsView` of typed arrays with every name and value interned in a NameTable
// (no object or string per message: a busy node's capture has hundreds of thousands).
// Every read is bounds-checked; compression pointers are followed at most MAX_JUMPS times and
// only backwards, so a pointer loop (td_dns-zlip-1.pcap) ends; names stop at 255 wire bytes.
// Malformed input gives `false` (or a partial message, see decodeDns): no exceptions escape.
//
// Why ours and not the npm package dns-packet (5.6.1)? `npm run bench` decodes the same
// messages with both (bench/dnsCompare.ts: every DNS payload of the many-flows capture, in
// memory, best of 3). 2026-12-01, this 2-core machine otherwise idle (load 1.0), 642,207
// messages: decodeDns (this, what the analyzer runs) 263 ms = 410 ns a message; our parseDns
// making plain objects 431 ms (1.6×); dns-packet's decode 1010 ms = 1573 ns a message (3.8×),
// no message refused by either and the same questions for all. dns-packet also builds an
// object tree per message, throws on malformed input (the pointer loop of td_dns-zlip-1.pcap),
// and gives raw label text where the summary needs the presentation form (\DDD escapes) and
// interned names: it would be slower and need the same work on top.

import type { DnsAnswer } from '../../shared/flowSummary.js';
import { formatIpv4, formatIpv6Bytes } from './format.js';
import { ddd, NameTable } from './nameTable.js';

const MAX_JUMPS = 32;
export const MAX_QUESTIONS = 8;
export const MAX_ANSWERS = 32;

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

/** Set in `aType` when the answer's value is an IPv4 address held as an int32 in `aValue`
 *  (an A record: no text is made or interned for it). */
export const A_VALUE = 0x10000;

/** The IPv4 address value `v` of an A answer as text. */
export function ipv4ValueText(v: number): string {
  return formatIpv4(v >>> 0);
}

/** Characters of the dotted-quad text of `v`. */
export function ipv4ValueLength(v: number): number {
  let n = 3;
  for (let s = 0; s < 32; s += 8) {
    const o = (v >>> s) & 255;
    n += o >= 100 ? 3 : o >= 10 ? 2 : 1;
  }
  return n;
}

/** One decoded message (reused from message to message). Names and values are NameTable
 *  ids (A answers: see A_VALUE); `aValue` is -1 for record types whose data is not kept. */
export class DnsView {
  response = false;
  rcode = 0;
  qCount = 0;
  readonly qName = new Int32Array(MAX_QUESTIONS);
  readonly qType = new Int32Array(MAX_QUESTIONS);
  aCount = 0;
  readonly aName = new Int32Array(MAX_ANSWERS);
  readonly aType = new Int32Array(MAX_ANSWERS);
  readonly aTtl = new Float64Array(MAX_ANSWERS);
  readonly aValue = new Int32Array(MAX_ANSWERS);
}

/** Where the name just read ends in the record (set by readName). */
let nameNext = 0;

/** Names already read in the current message, by where they start: a compression pointer to
 *  one of them (an answer's owner pointing at the question, at a CNAME's target) is that name
 *  again, read once. Valid for a read whose end is past `seenHi` (the name's last byte) and
 *  with room for its jumps. */
const SEEN = 16;
const seenAt = new Int32Array(SEEN);
const seenId = new Int32Array(SEEN);
const seenHi = new Int32Array(SEEN);
const seenJumps = new Int32Array(SEEN);
let seenCount = 0;

/** Reads a (possibly compressed) name at `p` of the message `buf[msg .. end)` and interns
 *  its presentation form (labels joined by ".", bytes outside 0x21..0x7e and "." and "\"
 *  as \DDD; the root as "."). Returns the id, or -1 when the name is malformed. */
function readName(buf: Uint8Array, msg: number, end: number, p: number, names: NameTable): number {
  const start = p;
  if (p + 1 < end && (buf[p] & 0xc0) === 0xc0) {
    const target = msg + (((buf[p] & 0x3f) << 8) | buf[p + 1]);
    for (let i = 0; i < seenCount; i++) {
      if (seenAt[i] === target && target < p && seenHi[i] < end && seenJumps[i] < MAX_JUMPS) {
        nameNext = p + 2;
        return seenId[i];
      }
    }
  }
  const out = names.scratch;
  let n = 0;
  let wire = 0;
  let jumps = 0;
  let next = -1;
  let hi = p;
  let limit = p; // pointers must go strictly before the lowest point reached so far
  while (true) {
    if (p >= end) return -1;
    const len = buf[p];
    if (len === 0) {
      if (next < 0) next = p + 1;
      if (p > hi) hi = p;
      break;
    }
    if ((len & 0xc0) === 0xc0) {
      if (p + 1 >= end) return -1;
      const target = msg + (((len & 0x3f) << 8) | buf[p + 1]);
      if (next < 0) next = p + 2;
      if (p + 1 > hi) hi = p + 1;
      if (++jumps > MAX_JUMPS || target >= limit) return -1;
      limit = target;
      p = target;
      continue;
    }
    if (len & 0xc0) return -1; // 0x40/0x80: extended label types, not supported
    if (p + 1 + len > end) return -1;
    if (p + len > hi) hi = p + len;
    wire += len + 1;
    if (wire > 255) return -1;
    if (n > 0) out[n++] = 0x2e;
    for (let i = p + 1; i <= p + len; i++) {
      const c = buf[i];
      if (c > 0x20 && c < 0x7f && c !== 0x2e && c !== 0x5c) out[n++] = c;
      else n = ddd(c, out, n);
    }
    p += 1 + len;
  }
  if (n === 0) out[n++] = 0x2e;
  nameNext = next;
  const id = names.intern(n);
  if (seenCount < SEEN) {
    seenAt[seenCount] = start;
    seenId[seenCount] = id;
    seenHi[seenCount] = hi;
    seenJumps[seenCount++] = jumps;
  }
  return id;
}

/** Decodes the DNS message at `buf[off .. end)` into `m`. False when it is no usable
 *  message: too short, not a QUERY, or its questions break before one could be read. A
 *  message whose questions break later keeps those read (and no answers); one whose answers
 *  break keeps its questions and the answers before the break. */
export function decodeDns(buf: Uint8Array, off: number, end: number, names: NameTable, m: DnsView): boolean {
  m.qCount = 0;
  m.aCount = 0;
  seenCount = 0;
  if (off + 12 > end) return false;
  const flags = (buf[off + 2] << 8) | buf[off + 3];
  if (flags & 0x7800) return false; // opcode other than QUERY
  const qd = (buf[off + 4] << 8) | buf[off + 5];
  const an = (buf[off + 6] << 8) | buf[off + 7];
  m.response = (flags & 0x8000) !== 0;
  m.rcode = flags & 0xf;
  let p = off + 12;
  for (let i = 0; i < qd; i++) {
    const id = readName(buf, off, end, p, names);
    if (id < 0) return m.qCount > 0;
    p = nameNext;
    if (p + 4 > end) return m.qCount > 0;
    if (m.qCount < MAX_QUESTIONS) {
      m.qName[m.qCount] = id;
      m.qType[m.qCount++] = (buf[p] << 8) | buf[p + 1];
    }
    p += 4;
  }
  for (let i = 0; i < an && m.aCount < MAX_ANSWERS; i++) {
    const owner = readName(buf, off, end, p, names);
    if (owner < 0) break;
    p = nameNext;
    if (p + 10 > end) break;
    const type = (buf[p] << 8) | buf[p + 1];
    const ttl = ((buf[p + 4] << 24) | (buf[p + 5] << 16) | (buf[p + 6] << 8) | buf[p + 7]) >>> 0;
    const rdlen = (buf[p + 8] << 8) | buf[p + 9];
    const rd = p + 10;
    if (rd + rdlen > end) break;
    p = rd + rdlen;
    let value = -1;
    let kind = type;
    if (type === 1 && rdlen === 4) {
      value = (buf[rd] << 24) | (buf[rd + 1] << 16) | (buf[rd + 2] << 8) | buf[rd + 3];
      kind = type | A_VALUE;
    } else if (type === 28 && rdlen === 16) value = names.internText(formatIpv6Bytes(buf, rd));
    else if (type === 5 || type === 12 || type === 2) value = readName(buf, off, rd + rdlen, rd, names);
    else if (type === 15 && rdlen > 2) value = readName(buf, off, rd + rdlen, rd + 2, names);
    const k = m.aCount++;
    m.aName[k] = owner;
    m.aType[k] = kind;
    m.aTtl[k] = ttl;
    m.aValue[k] = value;
  }
  return true;
}

export interface DnsMessage {
  response: boolean;
  rcode: number;
  questions: { name: string; type: number }[];
  answers: (DnsAnswer & { typeNum: number })[];
}

const scratchNames = new NameTable();
const scratchView = new DnsView();

/** The DNS message at `buf[off .. end)` as plain objects (tests, the bench's comparison with
 *  dns-packet); undefined when decodeDns finds no usable message. */
export function parseDns(buf: Uint8Array, off: number, end: number): DnsMessage | undefined {
  const m = scratchView;
  if (!decodeDns(buf, off, end, scratchNames, m)) return undefined;
  const msg: DnsMessage = { response: m.response, rcode: m.rcode, questions: [], answers: [] };
  for (let i = 0; i < m.qCount; i++) msg.questions.push({ name: scratchNames.text(m.qName[i]), type: m.qType[i] });
  for (let i = 0; i < m.aCount; i++) {
    const t = m.aType[i];
    const a: DnsAnswer & { typeNum: number } = { name: scratchNames.text(m.aName[i]), type: dnsTypeName(t & 0xffff), ttl: m.aTtl[i], typeNum: t & 0xffff };
    if (t & A_VALUE) a.value = ipv4ValueText(m.aValue[i]);
    else if (m.aValue[i] >= 0) a.value = scratchNames.text(m.aValue[i]);
    msg.answers.push(a);
  }
  return msg;
}
