import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { displayFilterForFlow } from '../../../src/core/wireshark/flowDisplayFilter.js';
import { findWireshark, usualPlaces } from '../../../src/core/wireshark/findWireshark.js';
import { wiresharkArgv } from '../../../src/core/wireshark/launchWireshark.js';
import { requireTool } from '../../support/prereq.js';

describe('display filter of a flow', () => {
  it('tcp/udp flows: both addresses and both ports', () => {
    assert.deepEqual(displayFilterForFlow({ protocol: 'tcp', client: { ip: '10.0.0.5', port: 43122 }, server: { ip: '203.0.113.9', port: 4444 } }),
      { ok: true, filter: 'ip.addr==10.0.0.5 && ip.addr==203.0.113.9 && tcp.port==43122 && tcp.port==4444' });
    assert.deepEqual(displayFilterForFlow({ protocol: 'udp', client: { ip: 'FD00::1', port: 5353 }, server: { ip: 'fd00:0::2', port: 53 } }),
      { ok: true, filter: 'ipv6.addr==fd00::1 && ipv6.addr==fd00::2 && udp.port==5353 && udp.port==53' });
  });

  it('port-less protocols: addresses (and icmp)', () => {
    assert.deepEqual(displayFilterForFlow({ protocol: 'icmp', client: { ip: '10.0.0.5' }, server: { ip: '10.0.0.6' } }),
      { ok: true, filter: 'ip.addr==10.0.0.5 && ip.addr==10.0.0.6 && icmp' });
    assert.deepEqual(displayFilterForFlow({ protocol: 'ip-47', client: { ip: '10.0.0.5' }, server: { ip: '10.0.0.6' } }),
      { ok: true, filter: 'ip.addr==10.0.0.5 && ip.addr==10.0.0.6' });
  });

  it('refuses values that are not addresses or ports (they come from packet bytes)', () => {
    for (const bad of [
      { protocol: 'tcp', client: { ip: '10.0.0.5 || 1==1' }, server: { ip: '10.0.0.6', port: 80 } },
      { protocol: 'tcp', client: { ip: '10.0.0.5', port: 70000 }, server: { ip: '10.0.0.6', port: 80 } },
      { protocol: 'tcp', client: { ip: '10.0.0.5', port: 1.5 }, server: { ip: '10.0.0.6', port: 80 } },
      { protocol: 'tcp', client: { ip: '10.0.0.5', port: 1 }, server: { ip: 'fd00::1', port: 80 } },
    ]) {
      const r = displayFilterForFlow(bad as Parameters<typeof displayFilterForFlow>[0]);
      assert.equal(r.ok, false, JSON.stringify(bad));
    }
  });

  it('tshark accepts the filter and it selects exactly the flow', (t) => {
    if (!requireTool(t, 'tshark')) return;
    const file = join(__dirname, '..', '..', 'fixtures', 'pcap', 'gen_lo.pcapng');
    const r = displayFilterForFlow({ protocol: 'tcp', client: { ip: '127.148.87.8', port: 42403 }, server: { ip: '127.0.0.1', port: 8443 } });
    assert.ok(r.ok);
    const out = execFileSync('tshark', ['-r', file, '-Y', r.filter], { encoding: 'utf8' }).trim().split('\n');
    assert.equal(out.length, 14);
    const icmp = displayFilterForFlow({ protocol: 'icmp', client: { ip: '127.0.0.1' }, server: { ip: '127.0.0.1' } });
    assert.ok(icmp.ok);
    assert.equal(spawnSync('tshark', ['-r', file, '-Y', icmp.filter], { stdio: 'ignore' }).status, 0);
  });
});

describe('finding Wireshark', () => {
  const exists = (set: string[]) => (p: string) => set.includes(p);

  it('the setting first; a wrong setting is reported, not silently replaced', () => {
    assert.deepEqual(findWireshark({ configured: '/opt/ws/wireshark', platform: 'linux', env: { PATH: '/usr/bin' }, isExecutable: exists(['/opt/ws/wireshark', '/usr/bin/wireshark']) }),
      { found: true, path: '/opt/ws/wireshark', from: 'setting' });
    const r = findWireshark({ configured: '/nope', platform: 'linux', env: { PATH: '/usr/bin' }, isExecutable: exists(['/usr/bin/wireshark']) });
    assert.equal(r.found, false);
    assert.match(r.found ? '' : r.reason, /falcoshark\.wiresharkPath/);
  });

  it('then PATH, then the usual place', () => {
    assert.deepEqual(findWireshark({ platform: 'linux', env: { PATH: '/a:/b' }, isExecutable: exists(['/b/wireshark']) }), { found: true, path: '/b/wireshark', from: 'PATH' });
    assert.deepEqual(findWireshark({ platform: 'darwin', env: { PATH: '/usr/bin', HOME: '/Users/me' }, isExecutable: exists(['/Applications/Wireshark.app/Contents/MacOS/Wireshark']) }),
      { found: true, path: '/Applications/Wireshark.app/Contents/MacOS/Wireshark', from: 'usual place' });
    assert.deepEqual(findWireshark({ platform: 'win32', env: { Path: 'C:\\Windows', ProgramFiles: 'C:\\Program Files' }, isExecutable: exists(['C:\\Program Files\\Wireshark\\Wireshark.exe']) }),
      { found: true, path: 'C:\\Program Files\\Wireshark\\Wireshark.exe', from: 'usual place' });
    assert.ok(usualPlaces('linux', {}).includes('/usr/bin/wireshark'));
  });

  it('not installed: says so and where it looked', () => {
    const r = findWireshark({ platform: 'linux', env: { PATH: '/a' }, isExecutable: () => false });
    assert.equal(r.found, false);
    if (!r.found) {
      assert.match(r.reason, /not installed/);
      assert.ok(r.looked.includes('/a/wireshark'));
    }
  });

  it('argv: -r FILE -Y FILTER, no shell, a leading dash is made a path', () => {
    assert.deepEqual(wiresharkArgv('/c/x.pcapng', 'tcp.port==1'), ['-r', '/c/x.pcapng', '-Y', 'tcp.port==1']);
    assert.deepEqual(wiresharkArgv('-x.pcapng', undefined), ['-r', './-x.pcapng']);
  });
});
