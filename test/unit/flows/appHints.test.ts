// TLS SNI and HTTP request hints, from real parses of the client's first bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { parseClientHello, lastSniText, SNIFF_DONE, SNIFF_NEED_MORE, SNIFF_NO_MATCH } from '../../../src/core/flows/tls.js';
import { parseHttpRequest } from '../../../src/core/flows/http.js';
import { analyzeFile } from '../../../src/core/flows/analyzeFile.js';
import type { PacketRecord } from '../../../src/core/pcap/types.js';
import { analyze, ascii, cat, clientHello, tcp4, u16, ACK, PSH, SYN } from './packets.js';

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'pcap');
const C = '10.1.1.1';
const S = '10.2.2.2';

/** A handshake, then the client's payload in the given pieces (sequence numbers follow). */
function session(pieces: Uint8Array[], port = 443): ReturnType<typeof analyze> {
  const frames = [tcp4(C, 50001, S, port, SYN, undefined, 999), tcp4(S, port, C, 50001, SYN | ACK, undefined, 5000)];
  let seq = 1000;
  for (const p of pieces) {
    frames.push(tcp4(C, 50001, S, port, PSH | ACK, p, seq));
    seq += p.length;
  }
  return analyze(frames);
}

test('SNI from a ClientHello in one segment (after a GREASE extension)', () => {
  assert.equal(session([clientHello('api.example.com')]).flows[0].tlsSni, 'api.example.com');
});

test('SNI from a ClientHello split across three segments, with a retransmission in between', () => {
  const h = clientHello('split.example.net', 1200);
  const a = h.subarray(0, 3);
  const b = h.subarray(3, 700);
  const c = h.subarray(700);
  const frames = [tcp4(C, 50001, S, 443, SYN, undefined, 999)];
  frames.push(tcp4(C, 50001, S, 443, PSH | ACK, a, 1000));
  frames.push(tcp4(C, 50001, S, 443, PSH | ACK, b, 1003));
  frames.push(tcp4(C, 50001, S, 443, PSH | ACK, b, 1003)); // retransmitted
  frames.push(tcp4(S, 443, C, 50001, ACK, undefined, 1));
  frames.push(tcp4(C, 50001, S, 443, PSH | ACK, c, 1003 + b.length));
  assert.equal(analyze(frames).flows[0].tlsSni, 'split.example.net');
});

test('a gap in the client stream gives up quietly', () => {
  const h = clientHello('gap.example');
  const frames = [tcp4(C, 50001, S, 443, SYN, undefined, 999), tcp4(C, 50001, S, 443, ACK, h.subarray(0, 20), 1000), tcp4(C, 50001, S, 443, ACK, h.subarray(40), 1040)];
  const s = analyze(frames);
  assert.equal(s.flows[0].tlsSni, undefined);
});

test('a hello spread over two TLS records is gathered', () => {
  const h = clientHello('records.example');
  const hs = h.subarray(5);
  const r1 = cat([0x16, 3, 1], u16(30), hs.subarray(0, 30));
  const r2 = cat([0x16, 3, 1], u16(hs.length - 30), hs.subarray(30));
  assert.equal(parseClientHello(cat(r1, r2), 0, r1.length + r2.length), SNIFF_DONE);
  assert.equal(lastSniText(), 'records.example');
  assert.equal(parseClientHello(r1, 0, r1.length), SNIFF_NEED_MORE);
});

test('garbage, truncation at every byte and hostile lengths never throw', () => {
  const h = clientHello('x.example');
  for (let n = 0; n < h.length; n++) {
    const r = parseClientHello(h, 0, n);
    assert.ok(r === SNIFF_NEED_MORE || r === SNIFF_DONE, `at ${n}: ${r}`);
  }
  let seed = 1;
  const rnd = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 16) & 255;
  for (let i = 0; i < 2000; i++) {
    const g = new Uint8Array(h);
    for (let j = 0; j < 4; j++) g[5 + (rnd() % (g.length - 5))] = rnd();
    parseClientHello(g, 0, g.length);
  }
  assert.equal(parseClientHello(ascii('SSH-2.0-OpenSSH'), 0, 15), SNIFF_NO_MATCH);
  assert.equal(session([new Uint8Array([0x16, 3, 1, 0xff, 0xff, 1, 0xff, 0xff, 0xff])]).flows[0].tlsSni, undefined);
});

test('SNI bytes are data: control characters are escaped, length bounded', () => {
  const s = session([clientHello('evil\x1b[31m.example')]);
  assert.equal(s.flows[0].tlsSni, 'evil\\027[31m.example');
  const long = session([clientHello('a'.repeat(1000))]);
  assert.equal(long.flows[0].tlsSni?.length, 255);
});

test('HTTP/1.x: method, path, version and Host (case-insensitive), split across segments', () => {
  const req = ascii('GET /index.html?q=1 HTTP/1.1\r\nUser-Agent: t\r\nhOsT:  www.example.org \r\nAccept: */*\r\n\r\n');
  const s = session([req.subarray(0, 2), req.subarray(2, 30), req.subarray(30)], 80);
  assert.deepEqual(s.flows[0].http, { method: 'GET', path: '/index.html?q=1', version: 'HTTP/1.1', host: 'www.example.org' });
});

test('HTTP without Host, not HTTP, HTTP/2 preface, a server speaking first', () => {
  assert.deepEqual(session([ascii('POST /x HTTP/1.0\r\n\r\n')], 80).flows[0].http, { method: 'POST', path: '/x', version: 'HTTP/1.0' });
  assert.equal(session([ascii('GETTING /x HTTP/1.1\r\n\r\n')], 80).flows[0].http, undefined);
  assert.equal(session([ascii('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n')], 80).flows[0].http, undefined);
  const serverFirst = analyze([tcp4(S, 25, C, 5000, PSH | ACK, ascii('220 mail ESMTP\r\n')), tcp4(C, 5000, S, 25, PSH | ACK, ascii('GET / HTTP/1.1\r\n\r\n'))]);
  assert.equal(serverFirst.flows[0].http, undefined);
});

test('parseHttpRequest needs more bytes until the head is complete', () => {
  const r = ascii('GET / HTTP/1.1\r\nHost: a\r\n\r\n');
  assert.equal(parseHttpRequest(r, 0, 3, false), SNIFF_NEED_MORE);
  assert.equal(parseHttpRequest(r, 0, 16, false), SNIFF_NEED_MORE);
  assert.equal(parseHttpRequest(r, 0, r.length, false), SNIFF_DONE);
});

test('fixtures: SNIs and Hosts are found in real browsing captures', async () => {
  const tls = await analyzeFile(join(FIXTURES, 'ppp_tls2.pcap'));
  const snis = tls.flows.filter((f) => f.tlsSni).length;
  assert.ok(snis >= 20, `${snis} SNIs`);
  const http = await analyzeFile(join(FIXTURES, 'ppp_4KHttpRequests.pcap'));
  const hosts = new Set(http.flows.map((f) => f.http?.host).filter(Boolean));
  assert.ok(hosts.size >= 10, `${hosts.size} hosts`);
  const partial = await analyzeFile(join(FIXTURES, 'ppp_PartialHttpRequest.pcap'));
  assert.equal(partial.totals.packets, 1);
});

// Distinct TLS SNIs, HTTP Hosts and DNS question names per capture, as tshark 4.0.17 finds
// them (tls.handshake.extensions_server_name in ClientHellos, http.host of requests,
// dns.qry.name). ppp_many-protocols has 43 Hosts for tshark: ours lack "[FF02::C]:1900"
// (SSDP: HTTP over UDP, which we do not parse) and "ping.chartbeat.net" (only in a later
// request of a keep-alive connection: we keep the first request of a flow).
const TSHARK_HINTS: [string, number, number, number][] = [
  ['ppp_tls2.pcap', 164, 0, 0],
  ['ppp_example.pcap', 2, 25, 62],
  ['ppp_many-protocols.pcap', 11, 41, 98],
  ['gen_lo.pcap', 14, 17, 44],
];

for (const [file, sni, host, dns] of TSHARK_HINTS) {
  test(`${file}: as many distinct SNIs / Hosts / DNS names as tshark finds`, async () => {
    const s = await analyzeFile(join(FIXTURES, file));
    const distinct = (xs: (string | undefined)[]): number => new Set(xs.filter((x) => x !== undefined)).size;
    assert.equal(distinct(s.flows.map((f) => f.tlsSni)), sni);
    assert.equal(distinct(s.flows.map((f) => f.http?.host)), host);
    assert.equal(distinct(s.flows.flatMap((f) => (f.dns ?? []).map((d) => d.name))), dns);
  });
}

test('unfinished hellos do not starve later flows: the oldest buffers are given up', async () => {
  const { FlowAnalyzer } = await import('../../../src/core/flows/flowAnalyzer.js');
  const { buildSummary } = await import('../../../src/core/flows/buildSummary.js');
  const { HintExtractor } = await import('../../../src/core/flows/hints.js');
  const a = new FlowAnalyzer();
  // a small budget: 4 buffers of 2 KiB
  (a as unknown as { hints: InstanceType<typeof HintExtractor> }).hints = new HintExtractor(a.table, {
    maxStreamBytes: 16384, maxBufferedBytes: 8192, maxHintChars: 1 << 20, maxDnsPerFlow: 16, maxAnswersPerName: 16, maxDnsMessagesPerFlow: 64,
  });
  const rec: PacketRecord = { buf: new Uint8Array(0), offset: 0, capLen: 0, origLen: 0, linkType: 1, tsSec: 1, tsNsec: 0, interfaceId: 0, sectionIndex: 0, index: 0, comments: [] };
  const send = (f: Uint8Array): void => {
    rec.buf = f;
    rec.capLen = rec.origLen = f.length;
    a.packet(rec);
  };
  const h = clientHello('late.example');
  for (let i = 0; i < 50; i++) send(tcp4(C, 20000 + i, S, 443, PSH | ACK, h.subarray(0, 10), 1)); // never completed
  send(tcp4(C, 40000, S, 443, PSH | ACK, h.subarray(0, 10), 1));
  send(tcp4(C, 40000, S, 443, PSH | ACK, h.subarray(10), 11));
  const s = buildSummary(a);
  assert.equal(s.flows.find((f) => f.client.port === 40000)?.tlsSni, 'late.example');
  assert.ok(s.totals.hintsDropped >= 46);
});
