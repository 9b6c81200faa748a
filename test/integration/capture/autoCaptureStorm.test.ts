// An alert storm through the real webhook receiver on loopback into the automatic-capture
// policy. The capture runner here writes a real capture file (bytes of a fixture) after a
// delay, so concurrency, de-duplication, the disk budget and the audit trail are all real.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BoundedQueue } from '../../../src/core/alerts/boundedQueue.js';
import { WebhookReceiver } from '../../../src/core/alerts/sources/webhookReceiver.js';
import type { SourceEvent } from '../../../src/core/alerts/sources/sourceEvents.js';
import { CaptureAutomation } from '../../../src/core/capture/captureAutomation.js';
import { listCaptures, sidecarOf, writeSidecar } from '../../../src/core/capture/captureSidecar.js';
import type { CaptureRecord } from '../../../src/core/capture/captureSession.js';
import { checkPolicy } from '../../../src/core/capture/capturePolicy.js';
import { falcoAlertJson } from '../../support/falcoAlerts.js';

const dir = mkdtempSync(join(tmpdir(), 'fs-storm-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const fixture = readFileSync('test/fixtures/pcap/gen_lo.pcapng'); // 148,724 bytes

test('an alert storm: concurrency, duplicates, disk budget and every skip recorded', async () => {
  const budget = 1_000_000;
  const audit = join(dir, 'audit.jsonl');
  let running = 0;
  let maxRunning = 0;
  const automation = new CaptureAutomation({
    policy: checkPolicy({ maxConcurrent: 3, dedupWindowSeconds: 300, perPod: { max: 5, windowSeconds: 600 }, diskBudgetBytes: budget }),
    outDir: dir,
    auditLog: audit,
    start: async (plan) => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await new Promise((r) => setTimeout(r, 30));
      const file = join(dir, `${plan.id}.pcapng`);
      const sidecar = join(dir, `${plan.id}.falcoshark.json`);
      writeFileSync(file, fixture);
      running--;
      const now = new Date().toISOString();
      const record: CaptureRecord = { id: plan.id, file, sidecar, outcome: 'complete', reason: 'test', packets: 836, alertedPackets: 0, bytes: fixture.length, startedAt: now, endedAt: now };
      await writeSidecar(sidecar, sidecarOf({ plan, record })); // "automatic" comes from the plan the automation hands over
      return record;
    },
  });
  const queue = new BoundedQueue<SourceEvent>(10_000);
  const rx = new WebhookReceiver({ port: 0 }, queue);
  const ac = new AbortController();
  const { url } = await rx.listen(ac.signal);
  const consumer = (async () => {
    for (;;) {
      const ev = await queue.take();
      if (!ev) break;
      if (ev.type === 'alert') await automation.handle(ev.alert);
    }
  })();

  // 3,000 alerts: 40 pods × 5 flows, each repeated 15 times, in bursts of 50 concurrent POSTs.
  const N = 3000;
  // Alerts of the last minute (older ones are stale for the policy and start nothing).
  const t0 = Date.now();
  const bodies = Array.from({ length: N }, (_, i) => falcoAlertJson({
    pod: `worker-${i % 40}`, serverPort: 4000 + (Math.floor(i / 40) % 5), time: new Date(t0 - (i % 60) * 1000).toISOString(),
  }));
  let accepted = 0;
  for (let i = 0; i < N; i += 50) {
    const res = await Promise.all(bodies.slice(i, i + 50).map((b) => fetch(url, { method: 'POST', body: b, headers: { 'content-type': 'application/json' } })));
    accepted += res.filter((r) => r.status === 202 || r.status === 200).length;
  }
  while (queue.size > 0) await new Promise((r) => setTimeout(r, 10));
  queue.close();
  await consumer;
  await automation.idle();
  ac.abort();

  const m = automation.metrics;
  assert.equal(accepted, N);
  assert.equal(m.alertsReceived, N);
  assert.ok(maxRunning <= 3, `at most 3 captures at once (saw ${maxRunning})`);
  assert.ok(m.capturesStarted > 0 && m.capturesStarted <= 200, `${m.capturesStarted} captures for 200 distinct (pod, flow) pairs`);
  const skipped = Object.values(m.skipped).reduce((a, b) => a + (b ?? 0), 0);
  assert.equal(m.capturesStarted + skipped, N, 'every alert either started a capture or was skipped');
  assert.ok((m.skipped.duplicate ?? 0) > 0 && (m.skipped.concurrency ?? 0) >= 0);
  assert.equal(m.skipped.stale, undefined, 'fresh alerts are not stale');
  const stored = await listCaptures(dir);
  const total = stored.reduce((n, c) => n + c.bytes, 0);
  assert.ok(total <= budget, `disk budget respected: ${total} ≤ ${budget}`);
  assert.ok(m.removedForBudget > 0, 'old automatic captures were removed');
  assert.ok(stored.length > 0 && stored.every((c) => c.sidecar?.automatic === true), 'the plans handed to start were marked automatic');
  const lines = readFileSync(audit, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { event: string; reason?: string });
  assert.equal(lines.filter((l) => l.event === 'auto-capture-skipped').length, skipped);
  assert.ok(lines.filter((l) => l.event === 'auto-capture-skipped').every((l) => typeof l.reason === 'string'));
  assert.equal(lines.filter((l) => l.event === 'auto-capture-started').length, m.capturesStarted);
  console.log(`storm: ${N} alerts, ${m.capturesStarted} captures, skipped ${JSON.stringify(m.skipped)}, max concurrent ${maxRunning}, removed ${m.removedForBudget}, stored ${total} bytes`);
});
