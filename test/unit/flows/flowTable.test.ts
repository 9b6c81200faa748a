import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze, eth, ipv4, tcp, tcp4, udp4, ACK, FIN, PSH, RST, SYN } from './packets.js';
import { FlowAnalyzer } from '../../../src/core/flows/flowAnalyzer.js';
import type { PacketRecord } from '../../../src/core/pcap/types.js';

const C = '10.0.0.1';
const S = '10.0.0.2';

test('TCP client = SYN sender, even when the first captured packet came from the server', () => {
  const s = analyze([
    tcp4(S, 80, C, 5555, ACK, new Uint8Array(10)), // stray server packet first
    tcp4(C, 5555, S, 80, SYN, undefined, 1),
  ]);
  assert.equal(s.flows.length, 1);
  assert.deepEqual(s.flows[0].client, { ip: C, port: 5555 });
  assert.equal(s.flows[0].clientBy, 'syn');
  assert.deepEqual(s.flows[0].packets, { fromClient: 1, fromServer: 1 });
  assert.deepEqual(s.flows[0].bytes.fromServer, s.flows[0].bytes.fromClient + 10);
  const t = analyze([tcp4(C, 5555, S, 80, SYN), tcp4(S, 80, C, 5555, SYN | ACK), tcp4(C, 5555, S, 80, ACK)]);
  assert.deepEqual(t.flows[0].client, { ip: C, port: 5555 });
  assert.equal(t.flows[0].clientBy, 'syn');
  assert.deepEqual(t.flows[0].packets, { fromClient: 2, fromServer: 1 });
  assert.deepEqual(t.flows[0].flags, ['SYN', 'SYN-ACK']);
});

test('a SYN-ACK seen first makes its receiver the client', () => {
  const s = analyze([tcp4(S, 443, C, 40000, SYN | ACK), tcp4(C, 40000, S, 443, ACK)]);
  assert.deepEqual(s.flows[0].client, { ip: C, port: 40000 });
  assert.deepEqual(s.flows[0].server, { ip: S, port: 443 });
  assert.equal(s.flows[0].clientBy, 'syn-ack');
  assert.deepEqual(s.flows[0].packets, { fromClient: 1, fromServer: 1 });
});

test('without SYN the first sender is the client; UDP likewise', () => {
  const s = analyze([udp4(S, 53, C, 3333), udp4(C, 3333, S, 53)]);
  assert.deepEqual(s.flows[0].client, { ip: S, port: 53 });
  assert.equal(s.flows[0].clientBy, 'first-packet');
});

test('bytes are original frame lengths, timestamps keep nanoseconds', () => {
  const s = analyze([
    { data: tcp4(C, 1, S, 2, SYN), origLen: 1514, tsSec: 1795873374, tsNsec: 226361022 },
    { data: tcp4(S, 2, C, 1, SYN | ACK), origLen: 60, tsSec: 1795873374, tsNsec: 226361999 },
  ]);
  const f = s.flows[0];
  assert.deepEqual(f.bytes, { fromClient: 1514, fromServer: 60 });
  assert.equal(f.firstSeen, '2026-11-28T13:42:54.226361022Z');
  assert.equal(f.lastSeen, '2026-11-28T13:42:54.226361999Z');
  assert.equal(s.totals.bytes, 1574);
  assert.equal(s.totals.durationSeconds, 0.000000977);
});

test('a reused 4-tuple: a new SYN with another sequence number starts a new flow (as a new tshark stream)', () => {
  const s = analyze([
    tcp4(C, 5000, S, 80, SYN, undefined, 100),
    tcp4(S, 80, C, 5000, SYN | ACK, undefined, 900),
    tcp4(C, 5000, S, 80, FIN | ACK, undefined, 101),
    tcp4(S, 80, C, 5000, FIN | ACK, undefined, 901),
    tcp4(C, 5000, S, 80, SYN, undefined, 100), // retransmitted SYN (same seq): same stream
    tcp4(C, 5000, S, 80, SYN, undefined, 777777), // new connection
    tcp4(S, 80, C, 5000, RST | ACK, undefined, 0),
  ]);
  assert.equal(s.flows.length, 2);
  assert.deepEqual(s.flows[0].packets, { fromClient: 3, fromServer: 2 });
  assert.deepEqual(s.flows[0].flags, ['SYN', 'SYN-ACK', 'FIN']);
  assert.deepEqual(s.flows[1].packets, { fromClient: 1, fromServer: 1 });
  assert.deepEqual(s.flows[1].flags, ['SYN', 'RST']);
});

test('bad TCP data offset and truncated TCP/UDP headers are undecodable, with reasons', () => {
  const doff2 = eth(0x0800, ipv4({ src: C, dst: S, proto: 6, payload: tcp(1, 2, ACK, undefined, 1, 2) }));
  const doffBig = eth(0x0800, ipv4({ src: C, dst: S, proto: 6, payload: tcp(1, 2, ACK, undefined, 1, 15).subarray(0, 20) }));
  const shortTcp = eth(0x0800, ipv4({ src: C, dst: S, proto: 6, payload: new Uint8Array(10) }));
  const shortUdp = eth(0x0800, ipv4({ src: C, dst: S, proto: 17, payload: new Uint8Array(4) }));
  const s = analyze([doff2, doffBig, shortTcp, shortUdp]);
  assert.equal(s.flows.length, 0);
  assert.deepEqual(s.totals.undecodable, {
    packets: 4,
    reasons: { 'tcp data offset 2 < 5': 1, 'tcp header longer than segment': 1, 'truncated tcp header': 1, 'truncated udp header': 1 },
  });
});

test('maxFlows bounds the table; the rest is counted as overflow', () => {
  const frames = [];
  for (let i = 0; i < 20; i++) frames.push(udp4(C, 1000 + i, S, 53));
  frames.push(udp4(S, 53, C, 1000)); // belongs to an existing flow
  const s = analyze(frames, { maxFlows: 8 });
  assert.equal(s.flows.length, 8);
  assert.deepEqual(s.totals.overflow, { maxFlows: 8, flowsRefused: 12, packets: 12, bytes: 12 * frames[0].length });
  assert.deepEqual(s.flows[0].packets, { fromClient: 1, fromServer: 1 });
});

test('the table grows and rehashes without losing flows (50,000 flows)', () => {
  const a = new FlowAnalyzer();
  const rec: PacketRecord = { buf: new Uint8Array(0), offset: 0, capLen: 0, origLen: 0, linkType: 1, tsSec: 1, tsNsec: 0, interfaceId: 0, sectionIndex: 0, index: 0, comments: [] };
  const send = (f: Uint8Array): void => {
    rec.buf = f;
    rec.capLen = rec.origLen = f.length;
    a.packet(rec);
  };
  for (let i = 0; i < 50000; i++) send(udp4(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, 1024 + (i % 7), S, 53));
  for (let i = 0; i < 50000; i += 1000) send(udp4(S, 53, `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, 1024 + (i % 7)));
  assert.equal(a.table.count, 50000);
  assert.equal(a.packets, 50050);
});

test('activity buckets: a shared timeline whose width doubles as the capture grows', () => {
  const frames = [];
  for (let i = 0; i <= 100; i++) frames.push({ data: tcp4(C, 9, S, 10, ACK | PSH), tsSec: 1000 + i, origLen: 100 });
  frames.push({ data: udp4(C, 1, S, 2), tsSec: 1100, origLen: 70 });
  const s = analyze(frames);
  assert.equal(s.activity.buckets, 32);
  assert.ok(s.activity.bucketSeconds * 32 > 100 && s.activity.bucketSeconds * 16 <= 100, String(s.activity.bucketSeconds));
  const [t, u] = s.flows;
  assert.equal(t.activity.packets.reduce((a, b) => a + b, 0), 101);
  assert.equal(t.activity.bytes.reduce((a, b) => a + b, 0), 10100);
  assert.ok(t.activity.firstBucket === 0 && t.activity.packets.length <= 32);
  assert.equal(u.activity.packets.length, 1);
  assert.equal(u.activity.firstBucket, Math.floor(100 / s.activity.bucketSeconds));
});

test('the activity timeline starts at the first packet; an earlier packet goes to bucket 0', () => {
  const s = analyze([
    { data: udp4(C, 1, S, 2), tsSec: 2000 },
    { data: udp4(C, 1, S, 2), tsSec: 1990 },
    { data: udp4(C, 1, S, 2), tsSec: 2010 },
  ]);
  assert.equal(s.activity.start, '1970-01-01T00:33:20.000000000Z');
  assert.equal(s.totals.firstPacket, '1970-01-01T00:33:10.000000000Z');
  assert.equal(s.flows[0].firstSeen, '1970-01-01T00:33:10.000000000Z');
  assert.equal(s.flows[0].activity.firstBucket, 0);
  assert.equal(s.flows[0].activity.packets[0], 2);
  assert.equal(s.flows[0].activity.packets.reduce((a, b) => a + b, 0), 3);
});
