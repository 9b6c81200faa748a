// `falcoshark recorder --host-mode` on a plain Linux network namespace (two namespaces joined by a
// veth pair, real dumpcap), then `falcoshark recorder cut` on an alert: the capture holds the
// connection attempts from before the alert's time, through the alert-derived filter, as a
// normal falcoshark capture (sidecar method "recorder", the window in its plan). The recorder
// answers nothing without its token and refuses to start without one.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createNetnsPair, TCP_ECHO_SERVER, TRAFFIC_CLIENT, type NetnsPair } from '../../support/netns.js';
import { requireRoot, requireTool } from '../../support/prereq.js';

const ROOT = resolve(__dirname, '..', '..', '..');
const TOKEN = 'host-recorder-token-0123456789';
const out = mkdtempSync(join(tmpdir(), 'fs-hostrec-'));
let pair: NetnsPair | undefined;
let recorder: ChildProcess | undefined;
after(() => { recorder?.kill('SIGTERM'); pair?.cleanup(); rmSync(out, { recursive: true, force: true }); });

const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args],
  { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 });

test('a host-mode recorder in a network namespace, cut on an alert: the packets from before it, through its filter', { timeout: 180_000 }, async (t) => {
  if (!requireRoot(t) || !requireTool(t, 'dumpcap') || !requireTool(t, 'tcpdump') || !requireTool(t, 'tshark') || !requireTool(t, 'ip')) return;
  const noToken = cli(['recorder', '--host-mode', '--port', '0'], { FALCOSHARK_RECORDER_TOKEN: '' });
  assert.equal(noToken.status, 1);
  assert.match(noToken.stderr, /a token is required .*answers only authenticated requests/);

  pair = createNetnsPair('fsr');
  pair.node(pair.a, TCP_ECHO_SERVER, [pair.ipA, '4444', '5353']);
  await new Promise((r) => setTimeout(r, 300));
  recorder = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'recorder', '--host-mode', '--netns', pair.b, '--port', '0', '--window', '60', '--budget', '8Mi'],
    { cwd: ROOT, env: { ...process.env, FALCOSHARK_RECORDER_TOKEN: TOKEN }, stdio: ['ignore', 'pipe', 'pipe'] });
  let said = '';
  const url = await new Promise<string>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`the recorder did not start: ${said}`)), 30_000);
    const on = (b: Buffer): void => { said += b.toString(); const m = /cuts: POST (http:\S+\/)api\/v1\/cut/.exec(said); if (m) { clearTimeout(timer); res(m[1]); } };
    recorder!.stdout!.on('data', on);
    recorder!.stderr!.on('data', on);
  });
  assert.match(said, new RegExp(`recording every interface of network namespace ${pair.b}: the last 60 s, at most 8\\.0 MiB`));
  assert.equal((await fetch(`${url}metrics`)).status, 401);
  assert.equal((await fetch(`${url}api/v1/cut`, { method: 'POST', body: '{}' })).status, 401);
  await new Promise((r) => setTimeout(r, 1500)); // dumpcap is up
  pair.node(pair.b, TRAFFIC_CLIENT, [pair.ipA, '4444', '5353']);
  await new Promise((r) => setTimeout(r, 3000));

  // The alert: a connection from the namespace to the server at :4444, now.
  const alertTime = new Date();
  const alertFile = join(out, 'alert.json');
  writeFileSync(alertFile, JSON.stringify({ time: alertTime.toISOString(), rule: 'Outbound Connection to C2 Servers', priority: 'Warning', source: 'syscall',
    output: 'test', output_fields: { 'fd.name': `${pair.ipB}:40000->${pair.ipA}:4444`, 'fd.l4proto': 'tcp' } }));
  const r = cli(['recorder', 'cut', '--url', url, '--alert', alertFile, '--local', '--before', '3', '--after', '1', '--out', join(out, 'caps'), '--json'], { FALCOSHARK_RECORDER_TOKEN: TOKEN });
  t.diagnostic(r.stderr);
  assert.equal(r.status, 0, r.stderr);
  const file = r.stdout.split('\n')[0];
  const sidecar = JSON.parse(readFileSync(file.replace(/\.pcapng$/, '.falcoshark.json'), 'utf8')) as { plan: { method: string; target: { kind: string }; recorded: { from: string; to: string } }; record: { packets: number; outcome: string } };
  assert.equal(sidecar.plan.method, 'recorder');
  assert.equal(sidecar.plan.target.kind, 'local');
  assert.equal(sidecar.record.outcome, 'complete');
  const epoch = alertTime.getTime() / 1000;
  const fields = (filter: string): string[] => execFileSync('tshark', ['-r', file, '-Y', filter, '-T', 'fields', '-e', 'frame.time_epoch'], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  const syns = fields(`tcp.flags.syn==1 && tcp.flags.ack==0 && tcp.dstport==4444 && frame.time_epoch < ${epoch}`);
  assert.ok(syns.length >= 5, `connection attempts from before the alert: ${syns.length}`);
  assert.ok(Number(syns[0]) >= epoch - 3.01, 'nothing from before the window');
  assert.deepEqual(fields('udp.port==5353'), [], 'the filter (the server, plus DNS) left the other traffic out');
  assert.equal(fields('frame').length, sidecar.record.packets);
  // The summary splits the packets at the alert's time (what came before it, apart from after).
  const summary = JSON.parse(r.stdout.split('\n').slice(1).join('\n')) as { alertSplit?: { packetsBefore: number }; totals: { packets: number } };
  assert.equal(summary.alertSplit?.packetsBefore, fields(`frame.time_epoch < ${epoch}`).length, 'packets before the alert, as tshark counts them');
  assert.ok(summary.alertSplit!.packetsBefore < summary.totals.packets, 'and some after it');
  const m = await (await fetch(`${url}metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
  assert.match(m, /^falcoshark_recorder_cuts_total\{result="served"\} 1$/m);
  assert.match(m, /^falcoshark_recorder_held_bytes \d+$/m);
});
