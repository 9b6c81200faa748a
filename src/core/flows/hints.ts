// Application hints per flow: DNS questions/answers (UDP and TCP), TLS SNI and the first
// HTTP/1.x request. DNS names and values and SNIs are interned in one NameTable and DNS
// hints kept in a DnsStore (typed arrays, no objects per flow); a flow's first HTTP request
// is four interned texts (method, target, version, Host). Client bytes are buffered (bounded per flow and overall)
// only until the ClientHello or request head is complete.

import type { DnsRecordHint, HttpRequestHint } from '../../shared/flowSummary.js';
import type { FlowTable } from './flowTable.js';
import { EXT_HTTP, EXT_SNI } from './flowRecords.js';
import { decodeDns, DnsView } from './dns.js';
import { DnsStore, HintBudget } from './dnsStore.js';
import { NameTable, safeBytes, type NameSnapshot } from './nameTable.js';
import { MAX_SNI_CHARS, parseClientHello, sniBuf, sniEnd, sniStart, SNIFF_DONE, SNIFF_NEED_MORE, SNIFF_NO_MATCH } from './tls.js';
import { lastHttp, parseHttpRequest } from './http.js';

export const HINT_NONE = 0;
export const HINT_BUFFERING = 1;
export const HINT_DONE = 2;
export const HINT_DNS_TCP = 3;

export interface FlowHints {
  dns?: DnsRecordHint[];
  tlsSni?: string;
  http?: HttpRequestHint;
}

export interface HintLimits {
  /** Client bytes kept per flow while a ClientHello / request head is incomplete. */
  maxStreamBytes: number;
  /** All such buffers together. */
  maxBufferedBytes: number;
  /** Characters of hint text kept over the whole capture. */
  maxHintChars: number;
  maxDnsPerFlow: number;
  maxAnswersPerName: number;
  /** DNS messages parsed per flow (after that, packets are only counted). */
  maxDnsMessagesPerFlow: number;
}

export const DEFAULT_HINT_LIMITS: HintLimits = {
  maxStreamBytes: 16384,
  maxBufferedBytes: 32 * 1024 * 1024,
  maxHintChars: 64 * 1024 * 1024,
  maxDnsPerFlow: 16,
  maxAnswersPerName: 16,
  maxDnsMessagesPerFlow: 64,
};

interface StreamBuf {
  data: Uint8Array;
  len: number;
  nextSeq: number;
}

export interface HintSnapshot {
  names: NameSnapshot;
  dns: { heap: Int32Array; used: number };
  requests: Int32Array;
  requestCount: number;
  dropped: number;
  spent: boolean;
}

export function isDnsPort(p: number): boolean {
  return p === 53 || p === 5353 || p === 5355;
}

export class HintExtractor {
  readonly names = new NameTable();
  private readonly budget: HintBudget;
  readonly dnsStore: DnsStore;
  private readonly view = new DnsView();
  /** A flow's SNI (name id + 1) and HTTP request (index + 1 in `requests`) are in its
   *  record's extension entry. A request: method, path, version, host name ids (-1: none). */
  private requests: Int32Array = new Int32Array(4 * 256);
  private requestCount = 0;
  private readonly streams = new Map<number, StreamBuf>();
  private bufferedBytes = 0;

  constructor(private readonly table: FlowTable, private readonly limits: HintLimits = DEFAULT_HINT_LIMITS) {
    this.budget = new HintBudget(limits.maxHintChars);
    this.dnsStore = new DnsStore(this.names, this.budget, limits.maxDnsPerFlow, limits.maxAnswersPerName, table);
  }

  /** Hints (names, answers, buffered hellos) not kept because a bound was reached. */
  get dropped(): number {
    return this.budget.dropped;
  }

  /** True when a capture-wide bound (hint text, buffered bytes) refused something. */
  get budgetSpent(): boolean {
    return this.budget.spent;
  }

  /** The extractor's results, to hand to another thread (transferred: this one is done). */
  snapshot(): HintSnapshot {
    return { names: this.names.snapshot(), dns: this.dnsStore.snapshot(), requests: this.requests, requestCount: this.requestCount,
      dropped: this.budget.dropped, spent: this.budget.spent };
  }

  restore(s: HintSnapshot): void {
    this.names.restore(s.names);
    this.dnsStore.restore(s.dns);
    this.requests = s.requests;
    this.requestCount = s.requestCount;
    this.budget.dropped = s.dropped;
    this.budget.spent = s.spent;
  }

  /** Counts `n` more dropped hints (those of the parallel analysis's other half). */
  addDropped(n: number): void {
    this.budget.dropped += n;
  }

  private take(n: number): boolean {
    return this.budget.take(n);
  }

  /** Flow f's hints as the summary's objects (an empty object when it has none). */
  hintsOf(f: number): FlowHints {
    const h: FlowHints = {};
    const dns = this.dnsStore.hints(f);
    if (dns) h.dns = dns;
    const sni = this.sniOf(f);
    if (sni >= 0) h.tlsSni = this.names.text(sni);
    const http = this.httpOf(f);
    if (http) h.http = http;
    return h;
  }

  /** False when flow f has no hint at all (most flows of a busy capture). */
  any(f: number): boolean {
    return this.dnsStore.has(f) || this.table.extOf(f, EXT_SNI) !== 0 || this.table.extOf(f, EXT_HTTP) !== 0;
  }

  /** Name id of flow f's SNI, or -1. */
  sniOf(f: number): number {
    return this.table.extOf(f, EXT_SNI) - 1;
  }

  httpOf(f: number): HttpRequestHint | undefined {
    const r = this.requestOf(f);
    if (r < 0) return undefined;
    const q = this.requests;
    const n = this.names;
    const h: HttpRequestHint = { method: n.text(q[r]), path: n.text(q[r + 1]), version: n.text(q[r + 2]) };
    if (q[r + 3] >= 0) h.host = n.text(q[r + 3]);
    return h;
  }

  /** Where flow f's HTTP request is in `requestIds` (method, path, version, host; -1: none),
   *  or -1 when it has none. */
  requestOf(f: number): number {
    const i = this.table.extOf(f, EXT_HTTP);
    return i === 0 ? -1 : (i - 1) * 4;
  }

  get requestIds(): Int32Array {
    return this.requests;
  }

  private setSni(f: number, id: number): void {
    this.table.setExt(f, EXT_SNI, id + 1);
  }

  private setHttp(f: number, h: HttpRequestHint): void {
    let i = this.table.extOf(f, EXT_HTTP);
    if (i === 0) {
      if ((this.requestCount + 1) * 4 > this.requests.length) {
        const q = new Int32Array(this.requests.length * 2);
        q.set(this.requests);
        this.requests = q;
      }
      i = ++this.requestCount;
      this.table.setExt(f, EXT_HTTP, i);
    }
    const r = (i - 1) * 4;
    const n = this.names;
    this.requests[r] = n.internText(h.method);
    this.requests[r + 1] = n.internText(h.path);
    this.requests[r + 2] = n.internText(h.version);
    this.requests[r + 3] = h.host === undefined ? -1 : n.internText(h.host);
  }

  /** A TCP segment with payload `buf[off .. end)` of flow f, direction `fromClient`. */
  tcp(f: number, fromClient: number, seq: number, buf: Uint8Array, off: number, end: number): void {
    const t = this.table;
    let st = t.hintOf(f);
    if (st === HINT_NONE) {
      const ports = t.keyWord(f, 9);
      if (isDnsPort(ports & 0xffff) || isDnsPort(ports >>> 16)) {
        st = HINT_DNS_TCP;
        t.setHint(f, st);
      }
    }
    if (st === HINT_DNS_TCP) return this.dnsTcp(f, fromClient, seq, buf, off, end);
    if (!fromClient) {
      // The server spoke first (or we joined mid-stream): no ClientHello / request head to find.
      if (st === HINT_NONE) t.setHint(f, HINT_DONE);
      return;
    }
    const key = f * 2;
    if (st === HINT_NONE) {
      const tooBig = end - off >= this.limits.maxStreamBytes;
      const r = this.sniff(f, buf, off, end, tooBig);
      if (r === SNIFF_NEED_MORE && !tooBig) {
        const s = this.newStream(key, end - off);
        if (!s) {
          t.setHint(f, HINT_DONE);
          return;
        }
        s.data.set(buf.subarray(off, end));
        s.len = end - off;
        s.nextSeq = (seq + (end - off)) >>> 0;
        t.setHint(f, HINT_BUFFERING);
      } else {
        t.setHint(f, HINT_DONE);
      }
      return;
    }
    const s = this.streams.get(key);
    if (!s) {
      t.setHint(f, HINT_DONE);
      return;
    }
    const app = this.append(s, seq, buf, off, end);
    if (app < 0) return; // retransmission
    const full = app === 0;
    const r = this.sniff(f, s.data, 0, s.len, full);
    if (r !== SNIFF_NEED_MORE || full) {
      this.dropStream(key);
      t.setHint(f, HINT_DONE);
    }
  }

  /** Appends in-order bytes. Returns 1 appended, 0 buffer full or gap (give up), -1 old data. */
  private append(s: StreamBuf, seq: number, buf: Uint8Array, off: number, end: number): number {
    const delta = (seq - s.nextSeq) | 0;
    if (delta < 0) return -1;
    if (delta > 0) return 0;
    let n = end - off;
    if (s.len + n > s.data.length) {
      const want = Math.min(this.limits.maxStreamBytes, Math.max(s.data.length * 2, s.len + n));
      if (want > s.data.length && this.bufferedBytes + (want - s.data.length) > this.limits.maxBufferedBytes) this.budget.spent = true;
      else if (want > s.data.length) {
        const d = new Uint8Array(want);
        d.set(s.data.subarray(0, s.len));
        this.bufferedBytes += want - s.data.length;
        s.data = d;
      }
      n = Math.min(n, s.data.length - s.len);
    }
    s.data.set(buf.subarray(off, off + n), s.len);
    s.len += n;
    s.nextSeq = (s.nextSeq + n) >>> 0;
    return s.len >= this.limits.maxStreamBytes || n < end - off ? 0 : 1;
  }

  private newStream(key: number, first: number): StreamBuf | undefined {
    const size = Math.min(this.limits.maxStreamBytes, Math.max(2048, first));
    // Over budget: give up on the oldest unfinished buffers (a capture full of hellos that
    // never complete must not starve the flows after them).
    for (const [oldKey] of this.streams) {
      if (this.bufferedBytes + size <= this.limits.maxBufferedBytes) break;
      this.budget.spent = true;
      this.dropStream(oldKey);
      this.table.setHint(oldKey >> 1, HINT_DONE);
      this.budget.dropped++;
    }
    if (this.bufferedBytes + size > this.limits.maxBufferedBytes) {
      this.budget.dropped++;
      this.budget.spent = true;
      return undefined;
    }
    this.bufferedBytes += size;
    const s: StreamBuf = { data: new Uint8Array(size), len: 0, nextSeq: 0 };
    this.streams.set(key, s);
    return s;
  }

  private dropStream(key: number): void {
    const s = this.streams.get(key);
    if (!s) return;
    this.bufferedBytes -= s.data.length;
    this.streams.delete(key);
  }

  private sniff(f: number, buf: Uint8Array, off: number, end: number, final: boolean): number {
    const r = parseClientHello(buf, off, end);
    if (r === SNIFF_DONE) {
      if (sniBuf !== undefined) {
        const n = safeBytes(sniBuf, sniStart, sniEnd, this.names.scratch, 0, MAX_SNI_CHARS);
        if (this.take(n)) this.setSni(f, this.names.intern(n));
      }
      return r;
    }
    if (r === SNIFF_NEED_MORE) return r;
    const h = parseHttpRequest(buf, off, end, final);
    if (h === SNIFF_DONE && lastHttp) {
      const x = lastHttp;
      if (this.take(x.method.length + x.path.length + (x.host?.length ?? 0))) this.setHttp(f, x);
    }
    return h === SNIFF_NO_MATCH ? SNIFF_NO_MATCH : h;
  }

  /** DNS over TCP: 2-byte length-prefixed messages in both directions. */
  private dnsTcp(f: number, fromClient: number, seq: number, buf: Uint8Array, off: number, end: number): void {
    const key = f * 2 + (fromClient ? 0 : 1);
    let s = this.streams.get(key);
    if (!s) {
      s = this.newStream(key, end - off);
      if (!s) return;
      s.nextSeq = seq;
    }
    const app = this.append(s, seq, buf, off, end);
    if (app < 0) return;
    let p = 0;
    while (p + 2 <= s.len) {
      const mlen = (s.data[p] << 8) | s.data[p + 1];
      if (p + 2 + mlen > s.len) break;
      this.dns(f, s.data, p + 2, p + 2 + mlen);
      p += 2 + mlen;
    }
    if (p > 0) {
      s.data.copyWithin(0, p, s.len);
      s.len -= p;
    }
    if (app === 0) {
      // a gap or a message larger than the buffer: stop following this direction
      this.dropStream(key);
      this.table.setHint(f, HINT_DONE);
    }
  }

  /** One DNS message of flow f at `buf[off .. end)`. */
  dns(f: number, buf: Uint8Array, off: number, end: number): void {
    const t = this.table; // the count is in the flow record, not a map: this runs per DNS packet
    const n = t.dnsCount(f);
    if (n >= this.limits.maxDnsMessagesPerFlow) return;
    if (n < 0xffff) t.setDnsCount(f, n + 1);
    if (decodeDns(buf, off, end, this.names, this.view)) this.dnsStore.record(f, this.view);
  }
}
