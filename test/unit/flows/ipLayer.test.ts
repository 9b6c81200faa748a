import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze, cat, eth, ext6, frag6, ipv4, ipv6, tcp, udp, u16, ACK, SYN } from './packets.js';

test('IPv4 with options; header length below 5 words and truncated headers are undecodable', () => {
  const good = eth(0x0800, ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 17, ihl: 8, payload: udp(5, 6) }));
  const ihl3 = eth(0x0800, ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 17, ihl: 3, payload: udp(5, 6) }));
  const short = eth(0x0800, new Uint8Array([0x45, 0, 0, 40, 0, 0]));
  const totalTooSmall = eth(0x0800, ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 17, totalLength: 12, payload: udp(5, 6) }));
  const s = analyze([good, ihl3, short, totalTooSmall]);
  assert.equal(s.flows.length, 1);
  assert.deepEqual(s.flows[0].client, { ip: '10.0.0.1', port: 5 });
  assert.deepEqual(s.totals.undecodable, {
    packets: 3,
    reasons: { 'ipv4 header length 3 < 5': 1, 'truncated ipv4 header': 1, 'ipv4 total length 12 < header length 20': 1 },
  });
});

test('IPv4 total length 0 (TSO) uses what was captured; Ethernet padding is not payload', () => {
  const tso = eth(0x0800, ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 6, totalLength: 0, payload: tcp(1, 80, ACK, new Uint8Array(3000)) }));
  const padded = cat(eth(0x0800, ipv4({ src: '10.0.0.3', dst: '10.0.0.2', proto: 17, payload: udp(53, 53) })), new Uint8Array(18));
  const s = analyze([tso, padded]);
  assert.equal(s.flows.length, 2);
  assert.equal(s.totals.undecodable.packets, 0);
});

test('IPv6 extension headers (hop-by-hop, routing, destination options) before TCP', () => {
  const payload = cat(ext6(43), ext6(60, 1), ext6(6), tcp(40000, 443, SYN));
  const s = analyze([eth(0x86dd, ipv6('fe80::1', 'fe80::2', 0, payload))]);
  assert.equal(s.flows.length, 1);
  assert.equal(s.flows[0].protocol, 'tcp');
  assert.deepEqual(s.flows[0].server, { ip: 'fe80::2', port: 443 });
});

test('IPv6 jumbogram: payload length 0 and a jumbo option', () => {
  const body = tcp(1, 2, ACK, new Uint8Array(100));
  const hbh = [6, 0, 0xc2, 4, 0, 0, 0, 8 + body.length];
  const s = analyze([eth(0x86dd, ipv6('2001:db8::a', '2001:db8::b', 0, cat(hbh, body), 0))]);
  assert.equal(s.flows.length, 1);
  assert.equal(s.flows[0].protocol, 'tcp');
});

test('IPv6 text: zero runs compressed, IPv4-mapped as dotted quad', () => {
  const s = analyze([
    eth(0x86dd, ipv6('2001:db8:0:0:1:0:0:1', '::ffff:c000:201', 17, udp(1, 2))),
    eth(0x86dd, ipv6('::1', '1:0:0:2::', 17, udp(1, 2))),
  ]);
  assert.deepEqual(s.flows.map((f) => [f.client.ip, f.server.ip]), [['2001:db8::1:0:0:1', '::ffff:192.0.2.1'], ['::1', '1:0:0:2::']]);
});

test('IPv4 fragments: the datagram counts once, on the completing frame; the others are ipFragments', () => {
  const data = udp(7001, 7000, new Uint8Array(2000)); // 2008 bytes of datagram data
  const frag = (off: number, len: number, more: boolean): Uint8Array =>
    eth(0x0800, ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 17, id: 77, fragOffset: off, more, payload: data.subarray(off, off + len) }));
  // out of order: middle, first, last
  const s = analyze([frag(1000, 1000, true), frag(0, 1000, true), frag(2000, 8, false)]);
  assert.equal(s.flows.length, 1);
  const f = s.flows[0];
  assert.deepEqual(f.client, { ip: '10.0.0.1', port: 7001 });
  assert.deepEqual(f.packets, { fromClient: 1, fromServer: 0 });
  assert.deepEqual(f.bytes, { fromClient: 14 + 20 + 8, fromServer: 0 });
  assert.deepEqual(f.ipFragments?.packets, { fromClient: 2, fromServer: 0 });
  assert.deepEqual(s.totals.ipFragments, { packets: 3, unattributed: 0 });
});

test('a fragment whose first fragment never comes is counted as unattributed', () => {
  const s = analyze([eth(0x0800, ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 17, id: 9, fragOffset: 1480, payload: new Uint8Array(100) }))]);
  assert.equal(s.flows.length, 0);
  assert.deepEqual(s.totals.ipFragments, { packets: 1, unattributed: 1 });
});

test('IPv6 fragments: first fragment names the flow', () => {
  const data = udp(5353, 5353, new Uint8Array(1500));
  const f1 = eth(0x86dd, ipv6('2001:db8::1', '2001:db8::2', 44, cat(frag6(17, 0, true, 0xabc), data.subarray(0, 1000))));
  const f2 = eth(0x86dd, ipv6('2001:db8::1', '2001:db8::2', 44, cat(frag6(17, 1000, false, 0xabc), data.subarray(1000))));
  const s = analyze([f1, f2]);
  assert.equal(s.flows.length, 1);
  assert.deepEqual(s.flows[0].packets, { fromClient: 1, fromServer: 0 });
  assert.deepEqual(s.flows[0].ipFragments?.packets, { fromClient: 1, fromServer: 0 });
});

test('IP-in-IP (4, 41): an outer and an inner flow', () => {
  const inner4 = ipv4({ src: '192.168.0.1', dst: '192.168.0.2', proto: 6, payload: tcp(1234, 80, SYN) });
  const inner6 = ipv6('2001:db8::1', '2001:db8::2', 17, udp(1, 53));
  const s = analyze([
    eth(0x0800, ipv4({ src: '1.1.1.1', dst: '2.2.2.2', proto: 4, payload: inner4 })),
    eth(0x0800, ipv4({ src: '1.1.1.1', dst: '2.2.2.2', proto: 41, payload: inner6 })),
  ]);
  const names = s.flows.map((f) => `${f.protocol} ${f.client.ip}->${f.server.ip} depth ${f.tunnelDepth ?? 0}`).sort();
  assert.deepEqual(names, [
    'ip-4 1.1.1.1->2.2.2.2 depth 0',
    'ip-41 1.1.1.1->2.2.2.2 depth 0',
    'tcp 192.168.0.1->192.168.0.2 depth 1',
    'udp 2001:db8::1->2001:db8::2 depth 1',
  ]);
  assert.equal(s.totals.packets, 2);
  assert.equal(s.totals.protocols['tcp'].packets, 1);
});

test('GRE (with key, and PPTP enhanced GRE carrying PPP) and VXLAN give inner flows', () => {
  const inner = ipv4({ src: '172.16.0.1', dst: '172.16.0.2', proto: 17, payload: udp(1000, 2000) });
  const greKey = cat([0x20, 0], u16(0x0800), [0, 0, 0, 42], inner);
  const pptp = cat([0x30, 0x81], u16(0x880b), u16(inner.length + 2), u16(7), [0, 0, 0, 1], [0, 0, 0, 1], [0xff, 0x03, 0x00, 0x21], inner);
  const vx = udp(49152, 4789, cat([8, 0, 0, 0, 0, 0, 1, 0], eth(0x0800, inner)));
  const s = analyze([
    eth(0x0800, ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 47, payload: greKey })),
    eth(0x0800, ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 47, payload: pptp })),
    eth(0x0800, ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 17, payload: vx })),
  ]);
  const innerFlow = s.flows.find((f) => f.client.ip === '172.16.0.1');
  assert.ok(innerFlow);
  assert.equal(innerFlow.packets.fromClient, 3);
  assert.equal(innerFlow.tunnelDepth, 1);
  assert.ok(s.flows.some((f) => f.protocol === 'ip-47'));
  assert.ok(s.flows.some((f) => f.protocol === 'udp' && f.server.port === 4789));
  assert.equal(s.totals.undecodable.packets, 0);
});

test('tunnels nest at most 4 deep (a self-similar IP-in-IP bomb ends)', () => {
  let p: Uint8Array = udp(1, 2);
  p = ipv4({ src: '9.9.9.9', dst: '8.8.8.8', proto: 17, payload: p });
  for (let i = 0; i < 50; i++) p = ipv4({ src: '9.9.9.9', dst: '8.8.8.8', proto: 4, payload: p });
  const s = analyze([eth(0x0800, p)]);
  assert.ok(s.flows.length <= 5);
});

test('other IP protocols become port-less flows named ip-<n>; ICMP and ICMPv6 have no ports', () => {
  const s = analyze([
    eth(0x0800, ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 132, payload: new Uint8Array(12) })),
    eth(0x0800, ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 1, payload: new Uint8Array([8, 0, 0, 0, 0, 1, 0, 1]) })),
    eth(0x86dd, ipv6('fe80::1', 'ff02::1', 58, new Uint8Array([135, 0, 0, 0]))),
  ]);
  assert.deepEqual(s.flows.map((f) => [f.protocol, f.client.port, f.server.port]), [['ip-132', undefined, undefined], ['icmp', undefined, undefined], ['icmpv6', undefined, undefined]]);
  assert.ok(s.flows.every((f) => !('port' in f.client) && !('port' in f.server)));
});
