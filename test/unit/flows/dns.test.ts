import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { parseDns } from '../../../src/core/flows/dns.js';
import { analyzeFile } from '../../../src/core/flows/analyzeFile.js';
import { analyze, cat, dnsMessage, dnsName, ip4, ip6, tcp4, u16, udp4, ACK, PSH, SYN } from './packets.js';

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'pcap');

test('DNS query and response over UDP: question, rcode, A/AAAA/CNAME answers', () => {
  const q = dnsMessage({ questions: [['www.example.com', 1]] });
  // answers use a compression pointer to the question name (offset 12)
  const r = cat(
    dnsMessage({ response: true, questions: [['www.example.com', 1]] }).subarray(0, 12 + 17 + 4),
    [0xc0, 12, ...u16(5), 0, 1, 0, 0, 1, 44, ...u16(6), 3, 0x63, 0x64, 0x6e, 0xc0, 16], // CNAME cdn.example.com
    [0xc0, 12 + 17 + 4 + 12, ...u16(1), 0, 1, 0, 0, 0, 60, ...u16(4), ...ip4('93.184.216.34')],
    [0xc0, 12 + 17 + 4 + 12, ...u16(28), 0, 1, 0, 0, 0, 60, ...u16(16), ...ip6('2606:2800:220:1::1')],
  );
  r[7] = 3; // ancount
  const s = analyze([udp4('10.0.0.1', 40000, '10.0.0.53', 53, q), udp4('10.0.0.53', 53, '10.0.0.1', 40000, r)]);
  assert.deepEqual(s.flows[0].dns, [{
    name: 'www.example.com',
    type: 'A',
    rcode: 'NOERROR',
    answers: [
      { name: 'www.example.com', type: 'CNAME', value: 'cdn.example.com', ttl: 300 },
      { name: 'cdn.example.com', type: 'A', value: '93.184.216.34', ttl: 60 },
      { name: 'cdn.example.com', type: 'AAAA', value: '2606:2800:220:1::1', ttl: 60 },
    ],
  }]);
});

test('NXDOMAIN and non-printable label bytes are kept as data (escaped)', () => {
  const m = dnsMessage({ response: true, rcode: 3, questions: [['a.b', 28]] });
  m[12 + 1] = 0x07; // 'a' → BEL
  const s = analyze([udp4('10.0.0.53', 53, '10.0.0.1', 1234, m)]);
  assert.deepEqual(s.flows[0].dns, [{ name: '\\007.b', type: 'AAAA', rcode: 'NXDOMAIN', answers: [] }]);
});

test('compression pointer loops and forward pointers end without a name', () => {
  const self = cat(dnsMessage({ questions: [] }), [0xc0, 12, 0, 1, 0, 1]);
  self[5] = 1;
  assert.equal(parseDns(self, 0, self.length), undefined);
  const pair = cat(dnsMessage({ questions: [] }), [1, 0x61, 0xc0, 15, 0, 1, 0, 1, 0xc0, 12]);
  pair[5] = 1;
  assert.equal(parseDns(pair, 0, pair.length), undefined);
});

test('truncated messages and inflated counts do not throw', () => {
  const full = dnsMessage({ response: true, questions: [['example.org', 1]], answers: [['example.org', 1, ip4('192.0.2.1')]] });
  for (let n = 0; n <= full.length; n++) parseDns(full, 0, n);
  const inflated = dnsMessage({ questions: [['x.y', 1]] });
  inflated[4] = 0xff;
  inflated[6] = 0xff;
  assert.deepEqual(parseDns(inflated, 0, inflated.length)?.questions, [{ name: 'x.y', type: 1 }]);
});

test('td_dns-zlip-1.pcap (a real pointer loop) is analysed without hanging', async () => {
  const s = await analyzeFile(join(FIXTURES, 'td_dns-zlip-1.pcap'));
  assert.equal(s.totals.packets, 1);
  assert.equal(s.flows.length, 1);
});

test('DNS over TCP: length-prefixed messages, one split across two segments', () => {
  const q = dnsMessage({ id: 1, questions: [['tcp.example', 16]] });
  const r = dnsMessage({ id: 1, response: true, questions: [['tcp.example', 16]], answers: [['tcp.example', 16, [3, 0x61, 0x62, 0x63]]] });
  const qm = cat(u16(q.length), q);
  const rm = cat(u16(r.length), r);
  const C = '10.0.0.1';
  const S = '10.0.0.53';
  const s = analyze([
    tcp4(C, 50000, S, 53, SYN, undefined, 10),
    tcp4(S, 53, C, 50000, SYN | ACK, undefined, 500),
    tcp4(C, 50000, S, 53, PSH | ACK, qm, 11),
    tcp4(S, 53, C, 50000, PSH | ACK, rm.subarray(0, 7), 501),
    tcp4(S, 53, C, 50000, PSH | ACK, rm.subarray(0, 7), 501), // retransmission
    tcp4(S, 53, C, 50000, PSH | ACK, rm.subarray(7), 508),
  ]);
  assert.deepEqual(s.flows[0].dns, [{ name: 'tcp.example', type: 'TXT', rcode: 'NOERROR', answers: [{ name: 'tcp.example', type: 'TXT', ttl: 300 }] }]);
});

test('at most 16 names per flow; further ones count as dropped hints', () => {
  const frames = [];
  for (let i = 0; i < 20; i++) frames.push(udp4('10.0.0.1', 40000, '10.0.0.53', 53, dnsMessage({ questions: [[`n${i}.example`, 1]] })));
  const s = analyze(frames);
  assert.equal(s.flows[0].dns?.length, 16);
  assert.equal(s.totals.hintsDropped, 4);
});

test('the fixtures’ DNS names are found (UDP and TCP)', async () => {
  const udp = await analyzeFile(join(FIXTURES, 'td_dns_udp.pcap'));
  assert.ok(udp.flows.some((f) => f.dns && f.dns.length > 0), JSON.stringify(udp.flows));
  const tcp = await analyzeFile(join(FIXTURES, 'td_dns_tcp.pcap'));
  const names = tcp.flows.flatMap((f) => f.dns ?? []);
  assert.ok(names.length > 0);
  assert.ok(names.some((n) => n.rcode !== undefined));
  void dnsName;
});
