// `node --import tsx bench/dnsCompare.ts FILE [RUNS]`: our DNS parser against the npm package
// dns-packet (5.6.1) on the same messages: every UDP port-53 payload of a capture (the bench's
// many-flows capture), decoded by
//   - decodeDns: what the analyzer runs (into a reused view, names interned, no objects);
//   - parseDns: ours again, making plain objects (as a library user would get them);
//   - dns-packet's decode (objects; throws on malformed input, so in a try/catch).
// Best of RUNS (default 3) after a warm-up run, in one process, messages already in memory. Also counts the
// messages where the two parsers disagree on the questions (names and types). Prints a table
// and, last, one JSON line for bench/run.ts.
import { readFileSync } from 'node:fs';
import { decode } from 'dns-packet';
import { CaptureReader } from '../src/core/pcap/captureReader.js';
import type { PacketRecord } from '../src/core/pcap/types.js';
import { decodeLink, ETHERTYPE_IPV4, ETHERTYPE_IPV6, LinkResult, LinkStatus } from '../src/core/flows/linkLayer.js';
import { decodeIpv4, decodeIpv6, IpResult } from '../src/core/flows/ipLayer.js';
import { decodeDns, DnsView, parseDns, dnsTypeName } from '../src/core/flows/dns.js';
import { NameTable } from '../src/core/flows/nameTable.js';

const MAX_MESSAGES = 2_000_000;

/** The UDP payloads to or from port 53, copied out of the capture. */
export function dnsMessages(file: string): Buffer[] {
  const out: Buffer[] = [];
  const link = new LinkResult();
  const ip = new IpResult();
  const k = new Int32Array(10);
  const reader = new CaptureReader({
    packet(rec: PacketRecord) {
      if (out.length >= MAX_MESSAGES) return;
      const end = rec.offset + rec.capLen;
      if (decodeLink(rec.buf, rec.offset, end, rec.linkType, link) !== LinkStatus.Ok) return;
      const ok = link.netType === ETHERTYPE_IPV4 ? decodeIpv4(rec.buf, link.netOff, end, ip, k)
        : link.netType === ETHERTYPE_IPV6 ? decodeIpv6(rec.buf, link.netOff, end, ip, k) : false;
      if (!ok || ip.proto !== 17 || ip.isFragment || ip.l4Off + 8 > ip.l4End) return;
      const b = rec.buf;
      const sp = (b[ip.l4Off] << 8) | b[ip.l4Off + 1];
      const dp = (b[ip.l4Off + 2] << 8) | b[ip.l4Off + 3];
      if (sp !== 53 && dp !== 53) return;
      out.push(Buffer.from(b.subarray(ip.l4Off + 8, ip.l4End)));
    },
  });
  const data = readFileSync(file);
  for (let p = 0; p < data.length; p += 4 << 20) reader.push(data.subarray(p, Math.min(p + (4 << 20), data.length)));
  return out;
}

/** The fastest of `runs` timed runs, after one untimed run (the JIT's warm-up). */
function best(runs: number, fn: () => number): { ms: number; result: number } {
  let ms = Infinity;
  let result = fn();
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    result = fn();
    ms = Math.min(ms, Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return { ms, result };
}

export interface DnsCompareResult {
  messages: number;
  oursDecodeMs: number;
  oursObjectsMs: number;
  dnsPacketMs: number;
  dnsPacketThrew: number;
  disagreements: number;
}

export function compareDns(msgs: Buffer[], runs: number): DnsCompareResult {
  const view = new DnsView();
  const decodeRun = best(runs, () => {
    const names = new NameTable();
    let n = 0;
    for (const m of msgs) if (decodeDns(m, 0, m.length, names, view)) n += view.qCount;
    return n;
  });
  const objectsRun = best(runs, () => {
    let n = 0;
    for (const m of msgs) n += parseDns(m, 0, m.length)?.questions.length ?? 0;
    return n;
  });
  let threw = 0;
  const packetRun = best(runs, () => {
    let n = 0;
    threw = 0;
    for (const m of msgs) {
      try {
        n += decode(m).questions?.length ?? 0;
      } catch {
        threw++;
      }
    }
    return n;
  });
  let disagreements = 0;
  for (const m of msgs) {
    const ours = parseDns(m, 0, m.length)?.questions.map((q) => `${q.name} ${dnsTypeName(q.type)}`).join(',') ?? '';
    let theirs = '';
    try {
      theirs = (decode(m).questions ?? []).map((q) => `${q.name} ${q.type}`).join(',');
    } catch { /* counted above */ }
    if (ours !== theirs) disagreements++;
  }
  return { messages: msgs.length, oursDecodeMs: decodeRun.ms, oursObjectsMs: objectsRun.ms, dnsPacketMs: packetRun.ms, dnsPacketThrew: threw, disagreements };
}

if (process.argv[1]?.endsWith('dnsCompare.ts')) {
  const file = process.argv[2];
  if (!file) throw new Error('usage: dnsCompare.ts FILE [RUNS]');
  const msgs = dnsMessages(file);
  const r = compareDns(msgs, Number(process.argv[3] ?? 3));
  const row = (name: string, ms: number): string =>
    `${name.padEnd(50)} ${ms.toFixed(0).padStart(6)} ms  ${((ms * 1e6) / r.messages).toFixed(0).padStart(5)} ns/message  ${(ms / r.oursDecodeMs).toFixed(1)}×`;
  console.log(`${r.messages} DNS messages from ${file} (best of ${process.argv[3] ?? 3})`);
  console.log(row('ours, decodeDns (the analyzer: ids, no objects)', r.oursDecodeMs));
  console.log(row('ours, parseDns (plain objects)', r.oursObjectsMs));
  console.log(row('dns-packet 5.6.1 decode (objects)', r.dnsPacketMs));
  console.log(`dns-packet threw on ${r.dnsPacketThrew} messages; the questions differ on ${r.disagreements}`);
  console.log(JSON.stringify(r));
}
