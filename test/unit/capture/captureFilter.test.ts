import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildFilters } from '../../../src/core/capture/captureFilter.js';
import { FilterInputError } from '../../../src/core/capture/flowContext.js';
import { checkCaptureFilter } from '../../../src/core/capture/filterCheck.js';
import { requireTool } from '../../support/prereq.js';

test('a full TCP flow: both addresses and both ports, either direction, in both filters', () => {
  const f = buildFilters({ protocol: 'tcp', client: { ip: '10.0.0.5', port: 43122 }, server: { ip: '203.0.113.9', port: 4444 } });
  assert.equal(f.scope, 'flow');
  assert.equal(f.bpf, '(tcp and host 10.0.0.5 and host 203.0.113.9 and port 43122 and port 4444)');
  assert.equal(f.display, 'ip.addr==10.0.0.5 && ip.addr==203.0.113.9 && tcp.port==43122 && tcp.port==4444');
  assert.equal(f.description, 'TCP 10.0.0.5:43122 ↔ 203.0.113.9:4444');
});

test('without ports the display filter names the protocol, as the capture filter does', () => {
  const f = buildFilters({ protocol: 'tcp', client: { ip: '192.0.2.1' }, server: { ip: '192.0.2.2' } });
  assert.equal(f.bpf, '(tcp and host 192.0.2.1 and host 192.0.2.2)');
  assert.equal(f.display, 'ip.addr==192.0.2.1 && ip.addr==192.0.2.2 && tcp');
  assert.equal(buildFilters({ protocol: 'icmpv6', server: { ip: '2001:db8::1' } }).display, 'ipv6.addr==2001:db8::1 && icmpv6');
  assert.equal(buildFilters({ server: { ip: '192.0.2.1', port: 80 } }).display, 'ip.addr==192.0.2.1', 'no protocol: no port either');
});

test('server only, peer only, and no context', () => {
  assert.equal(buildFilters({ protocol: 'udp', server: { ip: '2001:DB8:0:0::1', port: 53 } }).bpf, '(udp and host 2001:db8::1 and port 53)');
  assert.equal(buildFilters({ server: { ip: '192.0.2.1' } }).scope, 'peer');
  assert.equal(buildFilters({ protocol: 'tcp', client: { ip: '192.0.2.1', port: 0 }, server: { ip: '192.0.2.2', port: 0 } }).scope, 'peer');
  const pod = buildFilters({});
  assert.equal(pod.scope, 'pod');
  assert.equal(pod.bpf, '');
  assert.equal(buildFilters({ protocol: 'tcp', server: { ip: '::ffff:10.1.2.3', port: 80 } }).bpf, '(tcp and host 10.1.2.3 and port 80)');
  assert.match(buildFilters({ protocol: 'tcp', server: { ip: '10.1.2.3', port: 80 } }, { includeDns: true }).bpf, / or port 53$/);
});

const hostile: Array<[unknown, string]> = [
  ['1.2.3', 'libpcap would read a /24 network'],
  ['1.2.3.4 or 1=1', 'filter syntax'],
  ['1.2.3.4; rm -rf /', 'shell'],
  ['$(id)', 'shell'],
  ['fe80::1%eth0', 'zone id'],
  ['<script>', 'html'],
  ['010.1.1.1', 'octal-looking'],
  ['1.2.3.4\n', 'newline'],
  ['a'.repeat(10000), 'long'],
  [42, 'wrong type'],
  [null, 'null'],
];
for (const [ip, why] of hostile) {
  test(`refuses a hostile address (${why})`, () => {
    assert.throws(() => buildFilters({ protocol: 'tcp', server: { ip: ip as string, port: 80 } }), FilterInputError);
  });
}
test('refuses bad ports, protocols and mixed address families', () => {
  for (const port of [-1, 65536, 1.5, '80', Number.NaN]) {
    assert.throws(() => buildFilters({ protocol: 'tcp', server: { ip: '1.2.3.4', port: port as number } }), FilterInputError);
  }
  assert.throws(() => buildFilters({ protocol: 'tcp or 1' as 'tcp', server: { ip: '1.2.3.4', port: 1 } }), /not one of/);
  assert.throws(() => buildFilters({ protocol: 'tcp', client: { ip: '1.2.3.4', port: 1 }, server: { ip: '::1', port: 2 } }), /no packet carries both/);
});

test('every filter built compiles with the real libpcap (dumpcap -d)', async (t) => {
  if (!requireTool(t, 'dumpcap')) return;
  const cases = [
    buildFilters({ protocol: 'tcp', client: { ip: '10.0.0.5', port: 43122 }, server: { ip: '203.0.113.9', port: 4444 } }, { includeDns: true }),
    buildFilters({ protocol: 'udp', client: { ip: 'fe80::1', port: 5353 }, server: { ip: '2001:db8::53', port: 53 } }),
    buildFilters({ protocol: 'icmpv6', server: { ip: '2001:db8::1' } }),
    buildFilters({ protocol: 'icmp', client: { ip: '10.0.0.1' }, server: { ip: '10.0.0.2' } }),
    buildFilters({ protocol: 'sctp', server: { ip: '10.0.0.2', port: 2905 } }),
  ];
  for (const c of cases) {
    const r = await checkCaptureFilter(c.bpf);
    assert.ok(r.ok, `${c.bpf}: ${r.ok ? '' : r.reason}`);
  }
  const bad = await checkCaptureFilter('tcp and host');
  assert.equal(bad.ok, false);
  assert.match(bad.ok ? '' : bad.reason, /syntax error/);
  const impossible = await checkCaptureFilter('(tcp and ((src host 10.0.0.1 and dst host 2001:db8::1)))');
  assert.equal(impossible.ok, false, 'a filter that rejects every packet is refused');
});
