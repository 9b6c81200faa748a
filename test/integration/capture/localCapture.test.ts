// Local captures in real network namespaces with real tools, through the whole session:
// filter, caps on our side, cancel, and the pcapng context tshark can read back.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNetnsPair, TCP_ECHO_SERVER, TRAFFIC_CLIENT, type NetnsPair } from '../../support/netns.js';
import { requireRoot, requireTool } from '../../support/prereq.js';
import { buildFilters } from '../../../src/core/capture/captureFilter.js';
import { resolveCaps, newCaptureId, type CapturePlan } from '../../../src/core/capture/capturePlan.js';
import { runCaptureSession } from '../../../src/core/capture/captureSession.js';
import { startLocalCapture } from '../../../src/core/capture/localRunner.js';

const out = mkdtempSync(join(tmpdir(), 'fs-cap-'));
let pair: NetnsPair | undefined;
after(() => { pair?.cleanup(); rmSync(out, { recursive: true, force: true }); });

function tshark(args: string[]): string {
  return execFileSync('tshark', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

async function setup(t: import('node:test').TestContext): Promise<NetnsPair | undefined> {
  if (!requireRoot(t) || !requireTool(t, 'tshark') || !requireTool(t, 'ip')) return undefined;
  if (!pair) {
    pair = createNetnsPair();
    pair.node(pair.a, TCP_ECHO_SERVER, [pair.ipA, '4444', '5353']);
    await new Promise((r) => setTimeout(r, 300));
    pair.node(pair.b, TRAFFIC_CLIENT, [pair.ipA, '4444', '5353']);
    await new Promise((r) => setTimeout(r, 300));
  }
  return pair;
}

function plan(p: NetnsPair, caps: Partial<CapturePlan['caps']>, tool: CapturePlan['tool'] = 'tshark'): CapturePlan {
  const filter = buildFilters({ protocol: 'tcp', server: { ip: p.ipA, port: 4444 } });
  return {
    id: newCaptureId(new Date(), 'local-test'), createdAt: new Date().toISOString(),
    target: { kind: 'local', netns: p.a, iface: 'any' }, method: 'local', tool,
    filter: { ...filter, origin: 'alert' }, flow: { protocol: 'tcp', server: { ip: p.ipA, port: 4444 } },
    caps: resolveCaps(caps), notes: [],
  };
}

test('a filtered local capture in a network namespace holds only the filtered flow', async (t) => {
  const p = await setup(t);
  if (!p) return;
  const pl = plan(p, { durationSeconds: 2 });
  const rec = await runCaptureSession({ plan: pl, outDir: out, auditLog: join(out, 'audit.jsonl'),
    source: startLocalCapture({ tool: pl.tool, iface: 'any', bpf: pl.filter.bpf, caps: pl.caps, netns: p.a }) });
  assert.equal(rec.outcome, 'cap-reached', rec.reason);
  assert.equal(rec.capReached, 'duration');
  assert.ok(rec.packets > 20, `captured ${rec.packets} packets`);
  const all = tshark(['-r', rec.file, '-T', 'fields', '-e', 'frame.number']).trim().split('\n').length;
  assert.equal(all, rec.packets);
  const other = tshark(['-r', rec.file, '-Y', 'not (tcp.port==4444)', '-T', 'fields', '-e', 'frame.number']).trim();
  assert.equal(other, '', 'nothing but the TCP flow to port 4444');
  // Every packet of the alerted flow carries the packet comment, and no other packet does.
  const commented = tshark(['-r', rec.file, '-Y', 'frame.comment contains "falcoshark"', '-T', 'fields', '-e', 'frame.number']).trim().split('\n').length;
  assert.equal(commented, rec.alertedPackets);
  assert.equal(rec.alertedPackets, rec.packets);
  const info = execFileSync('capinfos', [rec.file], { encoding: 'utf8' });
  assert.match(info, /falcoshark capture/);
  assert.match(info, /filter: \(tcp and host 10\.231\.0\.1 and port 4444\)/);
  const side = JSON.parse(readFileSync(rec.sidecar, 'utf8')) as { record: { outcome: string }; plan: { id: string } };
  assert.equal(side.plan.id, pl.id);
  const audit = readFileSync(join(out, 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { event: string; id: string });
  assert.deepEqual(audit.filter((a) => a.id === pl.id).map((a) => a.event), ['capture-start', 'capture-end']);
});

for (const tool of ['tshark', 'dumpcap'] as const) {
  test(`the packet cap is exact and enforced on our side (${tool})`, async (t) => {
    const p = await setup(t);
    if (!p) return;
    // The tool's own -c is set to the cap too; ours cuts exactly at it regardless.
    const pl = plan(p, { durationSeconds: 10, maxPackets: 7 }, tool);
    const rec = await runCaptureSession({ plan: pl, outDir: out,
      source: startLocalCapture({ tool, iface: 'any', bpf: pl.filter.bpf, caps: { ...pl.caps, maxPackets: 1000 }, netns: p.a }) });
    assert.equal(rec.packets, 7);
    assert.equal(rec.capReached, 'packets');
    assert.equal(tshark(['-r', rec.file, '-T', 'fields', '-e', 'frame.number']).trim().split('\n').length, 7);
  });
}

test('the byte cap ends the file at the cap, on a whole packet', async (t) => {
  const p = await setup(t);
  if (!p) return;
  const pl = plan(p, { durationSeconds: 10, maxBytes: 6000 });
  const rec = await runCaptureSession({ plan: pl, outDir: out,
    source: startLocalCapture({ tool: 'tshark', iface: 'any', bpf: pl.filter.bpf, caps: pl.caps, netns: p.a }) });
  assert.equal(rec.capReached, 'bytes');
  const size = statSync(rec.file).size;
  assert.ok(size <= 6000 && size > 4000, `file is ${size} bytes`);
  assert.equal(size, rec.bytes);
  tshark(['-r', rec.file]); // reads without error
});

test('cancel stops the tool and keeps a valid file', async (t) => {
  const p = await setup(t);
  if (!p) return;
  const pl = plan(p, { durationSeconds: 60 });
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 1000);
  const t0 = Date.now();
  const rec = await runCaptureSession({ plan: pl, outDir: out, signal: ac.signal,
    source: startLocalCapture({ tool: 'tshark', iface: 'any', bpf: pl.filter.bpf, caps: pl.caps, netns: p.a }) });
  assert.equal(rec.outcome, 'cancelled');
  assert.ok(Date.now() - t0 < 8000);
  tshark(['-r', rec.file]);
});

test('a namespace that does not exist gives a clear failure', async (t) => {
  if (!requireRoot(t) || !requireTool(t, 'tshark')) return;
  const p = { a: 'fst-does-not-exist', ipA: '10.231.0.1' } as NetnsPair;
  const pl = plan(p, { durationSeconds: 2 });
  const rec = await runCaptureSession({ plan: pl, outDir: out,
    source: startLocalCapture({ tool: 'tshark', iface: 'any', bpf: pl.filter.bpf, caps: pl.caps, netns: p.a }) });
  assert.equal(rec.outcome, 'failed');
  assert.match(rec.reason, /network namespace/i);
});
