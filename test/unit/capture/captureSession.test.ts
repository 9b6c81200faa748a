// The session against sources that misbehave: a connection dropped mid-record, garbage,
// a tool that fails. Real fixture bytes, no network needed.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { runCaptureSession, type CaptureSource } from '../../../src/core/capture/captureSession.js';
import { planForPod } from '../../../src/core/capture/capturePlan.js';
import { readCaptureFile } from '../../../src/core/pcap/readCaptureFile.js';
import { requireTool } from '../../support/prereq.js';

const out = mkdtempSync(join(tmpdir(), 'fs-sess-'));
after(() => rmSync(out, { recursive: true, force: true }));
const fixture = readFileSync('test/fixtures/pcap/gen_lo.pcapng');

function source(chunks: Uint8Array[], fail?: Error, toolOk = true): CaptureSource & { stopped: number } {
  const s = {
    stopped: 0,
    stream: (async function* () {
      for (const c of chunks) { yield c; await new Promise((r) => setImmediate(r)); }
      if (fail) throw fail;
    })(),
    stop() { s.stopped++; },
    done: Promise.resolve({ ok: toolOk, detail: toolOk ? '' : 'tcpdump: eth0: You don\'t have permission to capture on that device' }),
  };
  return s;
}

async function countPackets(file: string): Promise<number> {
  let n = 0;
  await readCaptureFile(file, { packet: () => { n++; } });
  return n;
}

test('a connection dropped in the middle of a packet keeps every whole packet, marked partial', async (t) => {
  const plan = planForPod({ namespace: 'shop', pod: 'api-7d9c' }, { method: 'exec' });
  const cut = fixture.subarray(0, 50_003); // mid-record
  const chunks = [cut.subarray(0, 17), cut.subarray(17, 30_000), cut.subarray(30_000)];
  const rec = await runCaptureSession({ plan, outDir: out, source: source(chunks, new Error('websocket closed: 1006')) });
  assert.equal(rec.outcome, 'partial');
  assert.match(rec.reason, /connection lost: websocket closed: 1006/);
  assert.ok(rec.packets > 250);
  assert.equal(await countPackets(rec.file), rec.packets, 'the file holds exactly the whole packets');
  assert.equal(statSync(rec.file).size, rec.bytes);
  const side = JSON.parse(readFileSync(rec.sidecar, 'utf8')) as { record: { outcome: string } };
  assert.equal(side.record.outcome, 'partial');
  if (requireTool(t, 'tshark')) execFileSync('tshark', ['-r', rec.file], { stdio: 'ignore' });
});

test('a stream that ends inside a record (tool killed) is partial, not corrupt', async () => {
  const plan = planForPod({ namespace: 'shop', pod: 'api-7d9c' }, { method: 'exec' });
  const rec = await runCaptureSession({ plan, outDir: out, source: source([fixture.subarray(0, 40_001)]) });
  assert.equal(rec.outcome, 'partial');
  assert.match(rec.reason, /ended inside a record/);
  assert.equal(await countPackets(rec.file), rec.packets);
});

test('garbage instead of a capture fails with the offset, and the tool is stopped', async () => {
  const plan = planForPod({ namespace: 'shop', pod: 'api-7d9c' }, { method: 'exec' });
  const src = source([Buffer.from('sh: tcpdump: not found\n')]);
  const rec = await runCaptureSession({ plan, outDir: out, source: src });
  assert.equal(rec.outcome, 'failed');
  assert.match(rec.reason, /not a valid capture at byte 0/);
  assert.ok(src.stopped > 0);
});

test('a tool that cannot open the interface says why', async () => {
  const plan = planForPod({ namespace: 'shop', pod: 'api-7d9c' }, { method: 'exec' });
  const rec = await runCaptureSession({ plan, outDir: out, source: source([], undefined, false) });
  assert.equal(rec.outcome, 'failed');
  assert.match(rec.reason, /permission to capture/);
});

test('a complete stream is complete and carries the plan in its section header', async () => {
  const plan = planForPod({ namespace: 'shop', pod: 'api-7d9c', container: 'api' }, { method: 'exec', caps: { maxPackets: 100_000 } });
  const rec = await runCaptureSession({ plan, outDir: out, source: source([fixture]) });
  assert.equal(rec.outcome, 'complete');
  assert.equal(rec.packets, 836);
  const comments: string[] = [];
  let ifname = '';
  await readCaptureFile(rec.file, { packet: () => {}, section: (s) => comments.push(...s.comments), interface: (i) => { ifname = i.name ?? ''; } });
  assert.match(comments.join('\n'), /target: pod shop\/api-7d9c container api/);
  assert.equal(ifname, 'shop/api-7d9c:lo');
});
