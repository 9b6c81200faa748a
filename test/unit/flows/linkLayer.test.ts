import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze, cat, eth, ipv4, ipv6, tcp, udp, u16, ACK, SYN, tcp4 } from './packets.js';
import type { FlowSummary } from '../../../src/shared/flowSummary.js';

const v4udp = (): Uint8Array => ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 17, payload: udp(1111, 2222, new Uint8Array(4)) });
const v6tcp = (): Uint8Array => ipv6('2001:db8::1', '2001:db8::2', 6, tcp(3333, 443, SYN));

function one(s: FlowSummary): FlowSummary['flows'][number] {
  assert.equal(s.flows.length, 1, JSON.stringify(s.totals));
  return s.flows[0];
}

test('Ethernet with 802.1Q, 802.1ad+802.1Q (QinQ) and old 0x9100 tags', () => {
  for (const vlans of [[{ tpid: 0x8100, vid: 5 }], [{ tpid: 0x88a8, vid: 100 }, { tpid: 0x8100, vid: 5 }], [{ tpid: 0x9100, vid: 7 }, { tpid: 0x8100, vid: 8 }]]) {
    const f = one(analyze([eth(0x0800, v4udp(), vlans)]));
    assert.equal(f.protocol, 'udp');
    assert.deepEqual(f.client, { ip: '10.0.0.1', port: 1111 });
    assert.deepEqual(f.server, { ip: '10.0.0.2', port: 2222 });
  }
});

test('802.3 + LLC/SNAP carrying IPv4; plain LLC counted as non-IP', () => {
  const ip = v4udp();
  const snap = cat([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1], u16(8 + ip.length), [0xaa, 0xaa, 3, 0, 0, 0, 8, 0], ip);
  assert.equal(one(analyze([snap])).protocol, 'udp');
  const llc = cat([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1], u16(3 + 35), [0x42, 0x42, 3], new Uint8Array(35));
  const s = analyze([llc]);
  assert.equal(s.flows.length, 0);
  assert.deepEqual(s.totals.nonIp, { llc: 1 });
});

test('PPPoE session with IPv4 and IPv6 inside', () => {
  const pppoe = (proto: number, ip: Uint8Array): Uint8Array => eth(0x8864, cat([0x11, 0, 0, 1], u16(ip.length + 2), u16(proto), ip));
  const s = analyze([pppoe(0x0021, v4udp()), pppoe(0x0057, v6tcp())]);
  assert.deepEqual(s.flows.map((f) => f.protocol).sort(), ['tcp', 'udp']);
});

test('MPLS label stack then IPv4', () => {
  const s = analyze([eth(0x8847, cat([0, 0x10, 0x0, 64], [0, 0x20, 0x1, 64], v4udp()))]);
  assert.equal(one(s).protocol, 'udp');
});

test('Linux SLL (113) and SLL2 (276)', () => {
  const sll = cat(u16(0), u16(1), u16(6), [2, 0, 0, 0, 0, 1, 0, 0], u16(0x86dd), v6tcp());
  const sll2 = cat(u16(0x0800), u16(0), [0, 0, 0, 3], u16(1), [4, 6], [2, 0, 0, 0, 0, 1, 0, 0], v4udp());
  const s = analyze([{ data: sll, linkType: 113 }, { data: sll2, linkType: 276 }]);
  assert.deepEqual(s.flows.map((f) => `${f.protocol} ${f.client.ip}`).sort(), ['tcp 2001:db8::1', 'udp 10.0.0.1']);
  assert.deepEqual(s.totals.linkTypes, { '113': 1, '276': 1 });
});

test('raw IP link types 101, 12, 14, 228, 229 decide by the version nibble', () => {
  for (const lt of [101, 12, 14, 228, 229]) {
    const s = analyze([{ data: v4udp(), linkType: lt }, { data: v6tcp(), linkType: lt }]);
    assert.equal(s.flows.length, 2, `link type ${lt}`);
  }
  const bad = analyze([{ data: new Uint8Array([0x50, 0, 0, 0]), linkType: 101 }]);
  assert.deepEqual(bad.totals.undecodable, { packets: 1, reasons: { 'raw ip: version 5': 1 } });
});

test('BSD null (0) and loop (108): AF in either byte order, AF_INET6 as 24, 28 and 30', () => {
  const le = (af: number): number[] => [af, 0, 0, 0];
  const be = (af: number): number[] => [0, 0, 0, af];
  const frames = [
    { data: cat(le(2), v4udp()), linkType: 0 },
    { data: cat(be(2), v4udp()), linkType: 0 },
    { data: cat(le(24), v6tcp()), linkType: 0 },
    { data: cat(be(28), v6tcp()), linkType: 0 },
    { data: cat(le(30), v6tcp()), linkType: 0 },
    { data: cat(be(2), v4udp()), linkType: 108 },
    { data: cat(be(30), v6tcp()), linkType: 108 },
  ];
  const s = analyze(frames);
  assert.equal(s.totals.undecodable.packets, 0);
  assert.deepEqual(s.totals.nonIp, {});
  const udpFlow = s.flows.find((f) => f.protocol === 'udp');
  const tcpFlow = s.flows.find((f) => f.protocol === 'tcp');
  assert.equal(udpFlow?.packets.fromClient, 3);
  assert.equal(tcpFlow?.packets.fromClient, 4);
});

test('unknown link types are counted, not fatal; non-IP EtherTypes are counted by name', () => {
  const arp = eth(0x0806, new Uint8Array(28));
  const s = analyze([{ data: new Uint8Array(20), linkType: 231 }, { data: new Uint8Array(20), linkType: 231 }, arp, tcp4('1.1.1.1', 1, '2.2.2.2', 2, SYN | ACK)]);
  assert.deepEqual(s.totals.unknownLinkTypes, { '231': 2 });
  assert.deepEqual(s.totals.nonIp, { arp: 1 });
  assert.equal(s.totals.packets, 4);
  assert.equal(s.flows.length, 1);
});

test('truncated link headers are undecodable with a reason', () => {
  const s = analyze([
    new Uint8Array(10),
    { data: new Uint8Array(12), linkType: 276 },
    { data: new Uint8Array(10), linkType: 113 },
    eth(0x8100, new Uint8Array(2)),
  ]);
  assert.deepEqual(s.totals.undecodable.reasons, {
    'truncated ethernet header': 1,
    'truncated sll2 header': 1,
    'truncated sll header': 1,
    'truncated vlan tag': 1,
  });
});

test('802.11 data frame behind radiotap (127) with QoS, LLC/SNAP IPv4', () => {
  const radiotap = [0, 0, ...[8, 0], 0, 0, 0, 0];
  const hdr = [0x88, 0x01, 0, 0, ...new Array<number>(18).fill(1), 0, 0, 0, 0]; // QoS data, ToDS
  const frame = cat(radiotap, hdr, [0xaa, 0xaa, 3, 0, 0, 0, 8, 0], v4udp());
  assert.equal(one(analyze([{ data: frame, linkType: 127 }])).protocol, 'udp');
});

test('SLL and SLL2 with an in-band 802.1Q tag', () => {
  const tagged = cat(u16(5), u16(0x0800), v4udp());
  const sll = cat(u16(0), u16(1), u16(6), [2, 0, 0, 0, 0, 1, 0, 0], u16(0x8100), tagged);
  const sll2 = cat(u16(0x8100), u16(0), [0, 0, 0, 3], u16(1), [4, 6], [2, 0, 0, 0, 0, 1, 0, 0], tagged);
  const s = analyze([{ data: sll, linkType: 113 }, { data: sll2, linkType: 276 }]);
  assert.equal(one(s).packets.fromClient, 2);
});
