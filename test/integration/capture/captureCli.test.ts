// `falcoshark capture --local --netns NS --alert FILE`: from a Falco alert about a real
// connection between two network namespaces to a pcapng holding exactly that flow, its
// context, and an annotated summary marking it.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNetnsPair, TCP_ECHO_SERVER, TRAFFIC_CLIENT, type NetnsPair } from '../../support/netns.js';
import { requireRoot, requireTool } from '../../support/prereq.js';
import type { AnnotatedSummary } from '../../../src/shared/annotatedSummary.js';

const dir = mkdtempSync(join(tmpdir(), 'fs-capcli-'));
let pair: NetnsPair | undefined;
after(() => { pair?.cleanup(); rmSync(dir, { recursive: true, force: true }); });

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args]);
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    c.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    c.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('capture from an alert keeps only the alerted flow and marks it', async (t) => {
  if (!requireRoot(t) || !requireTool(t, 'tshark')) return;
  pair = createNetnsPair();
  pair.node(pair.a, TCP_ECHO_SERVER, [pair.ipA, '4444', '5353']);
  await new Promise((r) => setTimeout(r, 300));
  pair.node(pair.b, TRAFFIC_CLIENT, [pair.ipA, '4444', '5353']);
  // A Falco 0.40 "Outbound Connection to C2 Servers"-shaped alert; the client port is not
  // known (many connections), so the plan filters on the server side.
  const alert = {
    hostname: 'node-1', output: `Outbound connection to C2 server (connection=${pair.ipB}:0->${pair.ipA}:4444 ...)`,
    output_fields: { 'fd.sip': pair.ipA, 'fd.sport': 4444, 'fd.cip': pair.ipB, 'fd.cport': 0,
      'fd.l4proto': 'tcp', 'fd.name': `${pair.ipB}:0->${pair.ipA}:4444`, 'k8s.ns.name': 'shop', 'k8s.pod.name': 'worker-1',
      'proc.cmdline': 'curl $(id) ; rm -rf / <script>', 'container.id': 'abcdef123456' },
    priority: 'Warning', rule: 'Outbound Connection to C2 Servers', source: 'syscall', tags: ['network'],
    time: '2026-11-28T14:26:39.123456789Z',
  };
  const alertFile = join(dir, 'alert.json');
  // evt.time is an integer above 2^53, as Falco writes it: put it in the JSON text as such.
  writeFileSync(alertFile, JSON.stringify(alert).replace('"output_fields":{', '"output_fields":{"evt.time":1764339999123456789,'));
  const r = await cli(['capture', '--local', '--netns', pair.a, '--alert', alertFile, '--duration', '2', '--out', dir, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const [file, json] = r.stdout.split('\n');
  const s = JSON.parse(json) as AnnotatedSummary;
  const tcp = s.flows.filter((f) => f.protocol === 'tcp');
  assert.ok(tcp.length >= 3, 'several connections to the server were captured');
  assert.ok(tcp.every((f) => f.alerted && f.server.port === 4444 && f.server.ip === pair!.ipA), JSON.stringify(tcp.map((f) => [f.client, f.server, f.alerted, f.clientBy])));
  assert.equal(s.flows.filter((f) => f.protocol === 'udp' && f.server.port === 5353).length, 0, 'the UDP traffic was kept out');
  assert.equal(s.context?.alert?.rule, 'Outbound Connection to C2 Servers');
  assert.equal(s.context?.displayFilter, `ip.addr==${pair.ipA} && tcp.port==4444`);
  // The display filter selects the flow in tshark, and the pcapng carries the alert.
  const sel = execFileSync('tshark', ['-r', file, '-Y', s.context!.displayFilter, '-T', 'fields', '-e', 'frame.number'], { encoding: 'utf8' });
  assert.equal(sel.trim().split('\n').length, s.totals.packets);
  const info = execFileSync('capinfos', [file], { encoding: 'utf8' });
  assert.match(info, /Falco alert: Outbound Connection to C2 Servers/);
  assert.match(info, /output: Outbound connection to C2 server/);
  const v = execFileSync('tshark', ['-r', file, '-V', '-c', '1'], { encoding: 'utf8' });
  assert.match(v, /falcoshark: alerted flow \(Outbound Connection to C2 Servers\)/);
});
