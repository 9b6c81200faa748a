// What came before the alert apart from what came after (issue 13): given the alert's time, the
// analysis counts each flow's packets and bytes before it (`beforeAlert`) and the capture's
// frames before it (`alertSplit`). Checked against tshark on a real capture with the alert in
// its middle, against the flows' own times, through the JSON bytes writer, the two-thread
// analysis, the schema, and the extension's worker with a flight-recorder sidecar.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { analyzeFile, analyzeFileStreamed } from '../../../src/core/flows/analyzeFile.js';
import { ByteWriter } from '../../../src/core/flows/byteWriter.js';
import { parseIsoTime } from '../../../src/core/flows/format.js';
import type { ParallelOptions } from '../../../src/core/flows/parallelAnalyze.js';
import { alertTimeOf, annotateSummary } from '../../../src/core/annotate/annotateSummary.js';
import { analyzeInWorker } from '../../../src/extension/analysis.js';
import { sidecarPathFor } from '../../../src/core/capture/captureSidecar.js';
import type { FlowRecord } from '../../../src/shared/flowSummary.js';
import { testSidecar } from '../../support/sidecars.js';
import { requireTool } from '../../support/prereq.js';
import { GEN_LO, MID_ALERT, MID_ALERT_EPOCH, recordedSidecar } from './recordedCapture.js';

const ROOT = join(__dirname, '..', '..', '..');
const FILE = GEN_LO;
const ALERT = MID_ALERT;
const ALERT_EPOCH = MID_ALERT_EPOCH;

const total = (f: FlowRecord): number => f.packets.fromClient + f.packets.fromServer;
const key = (proto: string, a: string, b: string): string => `${proto} ${[a, b].sort().join(' ')}`;
const ep = (e: FlowRecord['client']): string => (e.ip.includes(':') ? `[${e.ip}]:${e.port}` : `${e.ip}:${e.port}`);

test('ISO times: Falco\'s form, offsets, up to 9 digits; anything else is not one', () => {
  assert.deepEqual(parseIsoTime('2026-11-28T13:42:55.500000000Z'), { sec: 1795873375, ns: 500000000 });
  assert.deepEqual(parseIsoTime('2026-11-28T14:42:55.5+01:00'), { sec: 1795873375, ns: 500000000 });
  assert.deepEqual(parseIsoTime('2026-11-28T13:42:55.1234567891Z'), { sec: 1795873375, ns: 123456789 }, 'digits past 9 cut');
  assert.deepEqual(parseIsoTime('2026-11-28T13:42:55Z'), { sec: 1795873375, ns: 0 });
  for (const bad of ['2026-02-30T00:00:00Z', '2026-11-28 13:42:55Z', '2026-11-28T13:42:55', 'yesterday', '2026-11-28T13:42:55Z<img>']) assert.equal(parseIsoTime(bad), undefined, bad);
});

test('before the alert: each flow\'s packets and bytes, as tshark counts the frames before it', async (t) => {
  const s = await analyzeFile(FILE, { alertTime: ALERT });
  assert.deepEqual(s.alertSplit, { time: ALERT, packetsBefore: 442, bytesBefore: 64013 });
  // Both sides are there: flows all before, all after, and across the alert.
  const before = s.flows.filter((f) => f.beforeAlert && f.beforeAlert.packets === total(f));
  const across = s.flows.filter((f) => f.beforeAlert && f.beforeAlert.packets < total(f));
  const after = s.flows.filter((f) => !f.beforeAlert);
  assert.deepEqual([before.length, across.length, after.length], [55, 6, 51]);
  const t0 = Date.parse(ALERT) / 1000;
  for (const f of s.flows) {
    const first = Date.parse(f.firstSeen) / 1000;
    const last = Date.parse(f.lastSeen) / 1000;
    if (!f.beforeAlert) assert.ok(first >= t0, `${f.firstSeen}: none before, so it began at or after the alert`);
    else {
      assert.ok(first < t0 && f.beforeAlert.packets <= total(f) && f.beforeAlert.bytes <= f.bytes.fromClient + f.bytes.fromServer);
      assert.equal(f.beforeAlert.packets === total(f), last < t0, `${f.lastSeen}: all before iff it ended before`);
    }
  }
  // The alerted C2 flow of the webview fixture (port 34043 → 7000) is one that spans the alert.
  const c2 = s.flows.find((f) => f.client.port === 34043);
  assert.deepEqual(c2?.beforeAlert, { packets: 80, bytes: 6787 });
  assert.equal(c2 && total(c2), 127);

  if (!requireTool(t, 'tshark')) return;
  const frames = spawnSync('tshark', ['-r', FILE, '-Y', `frame.time_epoch < ${ALERT_EPOCH}`], { encoding: 'utf8' });
  assert.equal(frames.stdout.trim().split('\n').length, 442, 'tshark: 442 frames before the alert');
  // Per TCP/UDP conversation: tshark's frames and bytes before the alert (summed over frames;
  // ICMP errors quote a UDP header, which is not that flow's packet).
  const r = spawnSync('tshark', ['-r', FILE, '-Y', `(tcp || udp) && !icmp && !icmpv6 && frame.time_epoch < ${ALERT_EPOCH}`, '-T', 'fields', '-E', 'separator=\t',
    '-e', 'frame.len', '-e', 'ip.src', '-e', 'ip.dst', '-e', 'ipv6.src', '-e', 'ipv6.dst', '-e', 'tcp.srcport', '-e', 'tcp.dstport', '-e', 'udp.srcport', '-e', 'udp.dstport'],
  { encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, r.stderr);
  const theirs = new Map<string, { packets: number; bytes: number }>();
  for (const line of r.stdout.trim().split('\n')) {
    const [len, s4, d4, s6, d6, ts, td, us, ud] = line.split('\t');
    const tcp = ts !== '';
    const [src, dst] = s4 ? [s4, d4] : [`[${s6}]`, `[${d6}]`];
    const k = key(tcp ? 'tcp' : 'udp', `${src}:${tcp ? ts : us}`, `${dst}:${tcp ? td : ud}`);
    const v = theirs.get(k) ?? { packets: 0, bytes: 0 };
    v.packets++;
    v.bytes += Number(len);
    theirs.set(k, v);
  }
  const ours = new Map<string, { packets: number; bytes: number }>();
  for (const f of s.flows) {
    if ((f.protocol !== 'tcp' && f.protocol !== 'udp') || !f.beforeAlert) continue;
    const k = key(f.protocol, ep(f.client), ep(f.server));
    const v = ours.get(k) ?? { packets: 0, bytes: 0 };
    v.packets += f.beforeAlert.packets;
    v.bytes += f.beforeAlert.bytes;
    ours.set(k, v);
  }
  assert.ok(ours.size >= 50, `${ours.size} conversations before the alert`);
  assert.deepEqual(new Map([...ours].sort()), new Map([...theirs].sort()));
});

test('the same counts from the JSON bytes, from two threads, and valid against the schema', async () => {
  const whole = await analyzeFile(FILE, { alertTime: ALERT });
  const streamed = await analyzeFileStreamed(FILE, { alertTime: ALERT });
  const parts: Buffer[] = [];
  const w = new ByteWriter(5, (c) => parts.push(Buffer.from(c)));
  for (let f = 0; f < streamed.count; f++) {
    streamed.writeFlowOpen(f, w);
    w.ascii('}\n');
  }
  w.flush();
  assert.equal(Buffer.concat(parts).toString('utf8'), whole.flows.map((f) => `${JSON.stringify(f)}\n`).join(''));
  const worker: ParallelOptions = { workerScript: join(ROOT, 'src', 'extension', 'analyzeWorker.ts'), execArgv: ['--require', 'tsx/cjs'], minBytes: 0, minCpus: 1, chunkBytes: 4096 };
  for (const workerShare of [0, 128, 256]) {
    let fallback: string | undefined;
    const two = await analyzeFile(FILE, { alertTime: ALERT, parallel: { ...worker, workerShare, onFallback: (x) => { fallback = x; } } });
    assert.equal(fallback, undefined);
    assert.deepEqual(two, whole, `worker share ${workerShare}`);
  }
  const schema = JSON.parse(readFileSync(join(ROOT, 'docs', 'flow-summary.schema.json'), 'utf8')) as object;
  const validate = new Ajv2020({ strict: true, allErrors: true }).compile(schema);
  assert.ok(validate(JSON.parse(JSON.stringify(whole))), JSON.stringify(validate.errors?.slice(0, 5)));
  // Without an alert time: no split keys at all (the summary of before).
  const plain = await analyzeFile(FILE);
  assert.equal(plain.alertSplit, undefined);
  assert.ok(plain.flows.every((f) => f.beforeAlert === undefined));
  assert.deepEqual(plain.flows.map((f) => ({ ...f })), whole.flows.map(({ beforeAlert, ...f }) => { void beforeAlert; return f; }));
  await assert.rejects(analyzeFile(FILE, { alertTime: 'soon' }), RangeError);
});

test('the extension\'s worker splits at a recorded capture\'s alert time and says what was recorded', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fs-before-'));
  try {
    const file = join(dir, 'rec.pcapng');
    copyFileSync(FILE, file);
    const sidecar = recordedSidecar(ALERT, '2026-11-28T13:42:20.000000000Z');
    writeFileSync(sidecarPathFor(file), JSON.stringify(sidecar));
    assert.equal(alertTimeOf(sidecar), ALERT);
    const r = await analyzeInWorker(join(ROOT, 'src', 'extension', 'analyzeWorker.ts'), file, { execArgv: ['--require', 'tsx/cjs'] });
    assert.equal(r.sidecarProblem, undefined);
    const want = annotateSummary(await analyzeFile(file, { alertTime: ALERT }), sidecar);
    assert.deepEqual(r.summary.alertSplit, want.alertSplit);
    assert.deepEqual(r.summary.context?.recorded, { ...sidecar.plan.recorded });
    for (let i = 0; i < want.flows.length; i++) assert.deepEqual(r.summary.flows[i], want.flows[i], `flow ${i}`);
    assert.ok(want.flows.some((f) => f.alerted && f.beforeAlert), 'the alerted flow began before the alert');
    // A live capture's alert (no recorded window): the same split, at the alert's time.
    const live = testSidecar({ id: 'live', alert: { rule: 'r', priority: 'Notice' } });
    assert.equal(alertTimeOf(live), live.plan.alert?.time);
    assert.equal(alertTimeOf(undefined), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
