// `falcoshark analyze` as a user runs it: table, JSON, exit codes, one-line errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { FlowSummary } from '../../../src/shared/flowSummary.js';

function cli(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('analyze prints a readable table of flows', () => {
  const r = cli('analyze', 'test/fixtures/pcap/gen_lo.pcapng', '--top', '200');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /pcapng, 836 packets/);
  assert.match(r.stdout, /sni=api13\.example\.test/);
  assert.match(r.stdout, /http GET /);
  assert.match(r.stdout, /dns host0\.zone0\.example\.test/);
});

test('analyze --json prints the documented summary', () => {
  const r = cli('analyze', '--json', 'test/fixtures/pcap/gen_lo.pcap');
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout) as FlowSummary;
  assert.equal(s.format, 'pcap');
  assert.equal(s.totals.packets, 836);
  assert.equal(s.truncated, undefined);
  const f = s.flows.find((x) => x.tlsSni === 'api13.example.test');
  assert.ok(f);
  assert.equal(f.protocol, 'tcp');
  assert.equal(f.server.port, 8443);
  assert.match(f.firstSeen, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
  assert.ok(f.packets.fromClient > 0 && f.bytes.fromServer > 0);
  const icmp = s.flows.find((x) => x.protocol === 'icmp');
  assert.ok(icmp && icmp.client.port === undefined && icmp.server.port === undefined);
});

test('a truncated capture prints what was read, marks it, and exits 3', () => {
  const r = cli('analyze', '--json', 'test/fixtures/pcap/gen_lo_cut.pcap');
  assert.equal(r.code, 3);
  const s = JSON.parse(r.stdout) as FlowSummary;
  assert.equal(s.totals.packets, 317);
  assert.equal(s.truncated?.offset, 49915);
  assert.match(r.stderr, /cut short at byte 49915/);
});

test('a corrupt record length keeps the packets before it (exit 3)', () => {
  const r = cli('analyze', '--json', 'test/fixtures/pcap/gen_lo_badcaplen.pcap');
  assert.equal(r.code, 3);
  const s = JSON.parse(r.stdout) as FlowSummary;
  assert.equal(s.totals.packets, 9);
  assert.match(s.truncated?.reason ?? '', /2147483632/);
});

test('not a capture: exit 1 with one line naming the offset and what was expected', () => {
  const r = cli('analyze', 'README.md');
  assert.equal(r.code, 1);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.match(r.stderr, /magic number 0x[0-9a-f]{8} at offset 0; expected pcap/);
  const v = cli('analyze', 'test/fixtures/pcap/lp_pcapng-invalid-vers-1.pcapng');
  assert.equal(v.code, 1);
  assert.match(v.stderr, /unsupported pcapng version 0\.1/);
});

test('usage errors exit 2', () => {
  assert.equal(cli('analyze').code, 2);
  assert.equal(cli('analyze', '--bogus', 'x').code, 2);
  assert.equal(cli('nosuchcommand').code, 2);
  assert.equal(cli('analyze', '--help').code, 0);
});
