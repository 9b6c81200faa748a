// The alert → automatic capture wiring with a real AlertStore, a real CaptureAutomation and a
// `start` that writes a real capture (the capture session fed with fixture bytes): what the
// Captures view lists afterwards, what is logged, and how a settings change is applied.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlertStore } from '../../../src/core/alerts/alertStore.js';
import { parseAlert } from '../../../src/core/alerts/alertParser.js';
import type { FalcoAlert } from '../../../src/core/alerts/types.js';
import { runCaptureSession, type CaptureRecord, type CaptureSource } from '../../../src/core/capture/captureSession.js';
import type { CapturePlan } from '../../../src/core/capture/capturePlan.js';
import { AutoCaptureController, type AutoCaptureSetup } from '../../../src/extension/autoCaptureController.js';
import { readAutoCaptureConfig } from '../../../src/extension/autoCaptureSettings.js';
import { captureInfos } from '../../../src/extension/views/captureList.js';
import { falcoAlertJson, type AlertSpec } from '../../support/falcoAlerts.js';

const root = mkdtempSync(join(tmpdir(), 'fs-auto-'));
after(() => rmSync(root, { recursive: true, force: true }));
const fixture = readFileSync('test/fixtures/pcap/gen_lo.pcapng');

function alert(s: AlertSpec = {}): FalcoAlert {
  const r = parseAlert(falcoAlertJson(s));
  assert.ok(r.ok, r.ok ? '' : r.reason);
  return r.alert;
}

function fixtureSource(): CaptureSource {
  return {
    stream: (async function* () { yield fixture.subarray(0, 20_000); await new Promise((r) => setImmediate(r)); yield fixture.subarray(20_000); })(),
    stop() { /* the fixture ends by itself */ },
    done: Promise.resolve({ ok: true, detail: '' }),
  };
}

interface Harness {
  store: AlertStore;
  ctl: AutoCaptureController;
  logs: string[];
  started: Array<{ plan: CapturePlan; alert: FalcoAlert }>;
  finished: CaptureRecord[];
  dir: string;
  setup: (settings: Record<string, unknown>, trusted?: boolean) => void;
  gate?: Promise<void>;
}

/** The time of the test alerts (falcoAlertJson's default). */
const ALERT_TIME = Date.parse('2026-11-28T14:26:39.123Z');
let n = 0;
function harness(o: { gate?: Promise<void>; failStart?: boolean; now?: number } = {}): Harness {
  const dir = join(root, `c${n++}`);
  const store = new AlertStore();
  const h: Harness = {
    store, logs: [], started: [], finished: [], dir,
    ctl: undefined as unknown as AutoCaptureController,
    setup: (settings, trusted = true) => {
      const s: AutoCaptureSetup = { config: readAutoCaptureConfig((k) => settings[k]), outDir: dir, trusted,
        planSettings: { method: 'exec', tool: 'tshark', caps: { durationSeconds: 5 } } };
      h.ctl.configure(s);
    },
  };
  h.ctl = new AutoCaptureController(store, {
    log: (level, m) => h.logs.push(`${level}: ${m}`),
    start: async (plan, a) => {
      h.started.push({ plan, alert: a });
      if (o.failStart) throw new Error('no kubeconfig: $KUBECONFIG is unset');
      await o.gate;
      return runCaptureSession({ plan, outDir: dir, source: fixtureSource(), auditLog: join(dir, 'audit.jsonl'), alert: a });
    },
    onFinished: (rec) => h.finished.push(rec),
    onStartError: (m) => h.logs.push(`startError: ${m}`),
  }, () => o.now ?? ALERT_TIME + 1000);
  return h;
}

test('off by default: alerts start nothing', async () => {
  const h = harness();
  h.setup({});
  h.store.add(alert());
  await h.ctl.idle();
  assert.equal(h.started.length, 0);
  assert.equal(h.ctl.active, undefined);
  assert.deepEqual(await captureInfos(h.dir), []);
});

test('a new alert starts a capture the Captures view lists as automatic; identical ones are folded and logged', async () => {
  const h = harness();
  h.setup({ 'autoCapture.enabled': true, 'autoCapture.dedupWindowSeconds': 60 });
  assert.match(h.logs.join('\n'), /info: automatic capture: on \(priority ≥ warning; ≤ 2 at once; ≤ 3 per pod in 600 s; same alert once in 60 s; disk budget 1024 MB\)/);
  h.store.add(alert());
  h.store.add(alert()); // the same fold, its count grew: decided again → duplicate
  await h.ctl.idle();
  assert.equal(h.started.length, 1);
  assert.equal(h.started[0].plan.target.kind === 'pod' && h.started[0].plan.target.pod, 'api-7d9c5b-x2k4q');
  assert.ok(h.started[0].plan.notes.includes('started automatically by the capture policy'));
  assert.equal(h.started[0].plan.automatic, true, 'known before the capture starts: the sidecar is written once, already marked');
  assert.equal(h.finished.length, 1);
  const list = await captureInfos(h.dir);
  assert.equal(list.length, 1);
  assert.equal(list[0].automatic, true, 'the sidecar carries "automatic": true');
  assert.equal(list[0].rule, 'Outbound Connection to C2 Servers');
  assert.equal(list[0].target, 'shop/api-7d9c5b-x2k4q');
  assert.equal(list[0].size, h.finished[0].bytes);
  const side = JSON.parse(readFileSync(h.finished[0].sidecar, 'utf8')) as { automatic: boolean; record: { packets: number } };
  assert.equal(side.automatic, true);
  assert.ok(side.record.packets > 0);
  const log = h.logs.join('\n');
  assert.match(log, /info: automatic capture \S+ started for "Outbound Connection to C2 Servers" on shop\/api-7d9c5b-x2k4q: /);
  assert.match(log, /info: automatic capture skipped for "Outbound Connection to C2 Servers" on shop\/api-7d9c5b-x2k4q: duplicate: the same alert started a capture 0 s ago \(window 60 s\)/);
  assert.match(log, /info: automatic capture \S+ (complete|cap-reached): .*packets.*→ .*\.pcapng/);
  const audit = readFileSync(join(h.dir, 'audit.jsonl'), 'utf8');
  assert.match(audit, /"event":"auto-capture-started"/);
  assert.match(audit, /"event":"auto-capture-skipped","reason":"duplicate"/);
  h.ctl.dispose();
});

test('the policy\'s filters and guards apply, each skip logged with its reason', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => { release = r; });
  const h = harness({ gate });
  h.setup({ 'autoCapture.enabled': true, 'autoCapture.maxConcurrent': 1, 'autoCapture.namespaces.exclude': ['kube-system'], 'autoCapture.minPriority': 'warning' });
  h.store.add(alert({ priority: 'Notice', serverPort: 1 }));
  h.store.add(alert({ namespace: 'kube-system', serverPort: 2 }));
  h.store.add(alert({ serverPort: 3 }));
  h.store.add(alert({ serverPort: 4, pod: 'other' })); // one already running: concurrency
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(h.started.length, 1);
  release();
  await h.ctl.idle();
  const skipped = h.logs.filter((l) => l.includes('skipped')).map((l) => /: (\S+): [^:]+$/.exec(l)?.[1] ?? l);
  // Each decision is logged once its audit line is written: alerts decided together may log in either order.
  assert.deepEqual([...skipped].sort(), ['concurrency', 'namespace', 'priority']);
  assert.equal(h.ctl.active?.metrics.capturesStarted, 1);
  assert.deepEqual(h.ctl.active?.metrics.skipped, { priority: 1, namespace: 1, concurrency: 1 });
  h.ctl.dispose();
});

test('a settings change re-creates the policy; off, untrusted and invalid settings stop new captures', async () => {
  const h = harness();
  h.setup({ 'autoCapture.enabled': true, 'autoCapture.minPriority': 'critical' });
  const first = h.ctl.active;
  h.store.add(alert({ serverPort: 10 }));
  await h.ctl.idle();
  assert.equal(h.started.length, 0, 'warning is below critical');
  h.setup({ 'autoCapture.enabled': true, 'autoCapture.minPriority': 'warning' });
  assert.notEqual(h.ctl.active, first, 'a fresh automation');
  h.store.add(alert({ serverPort: 10 })); // the same fold again (count 2): decided under the new policy
  await h.ctl.idle();
  assert.equal(h.started.length, 1);
  h.setup({ 'autoCapture.enabled': true, 'autoCapture.maxConcurrent': 0 });
  const again = h.ctl.configure({ config: readAutoCaptureConfig((k) => ({ 'autoCapture.enabled': true, 'autoCapture.maxConcurrent': 0 } as Record<string, unknown>)[k]),
    outDir: h.dir, trusted: true, planSettings: { method: 'exec', tool: 'tshark', caps: { durationSeconds: 5 } } });
  assert.equal(again, false, 'the same settings again: nothing changed (no second warning)');
  h.store.add(alert({ serverPort: 11 }));
  h.setup({ 'autoCapture.enabled': true }, false);
  h.store.add(alert({ serverPort: 12 }));
  h.setup({ 'autoCapture.enabled': false });
  h.store.add(alert({ serverPort: 13 }));
  await h.ctl.idle();
  assert.equal(h.started.length, 1);
  const log = h.logs.join('\n');
  assert.match(log, /error: automatic capture: off, falcoshark\.autoCapture\.maxConcurrent must be a whole number from 1 to 20, not 0/);
  assert.match(log, /warn: automatic capture: off in an untrusted workspace/);
  assert.match(log, /info: automatic capture: off$/m);
  h.ctl.dispose();
});

test('a capture that cannot start is logged (and audited), and the slot is freed', async () => {
  const h = harness({ failStart: true });
  h.setup({ 'autoCapture.enabled': true, 'autoCapture.maxConcurrent': 1, 'autoCapture.dedupWindowSeconds': 1 });
  h.store.add(alert({ serverPort: 20 }));
  await h.ctl.idle();
  h.store.add(alert({ serverPort: 21 }));
  await h.ctl.idle();
  assert.equal(h.started.length, 2, 'the failed capture did not keep its concurrency slot');
  assert.match(h.logs.join('\n'), /error: automatic capture \S+ did not start: no kubeconfig: \$KUBECONFIG is unset/);
  assert.equal(h.logs.filter((l) => l === 'startError: no kubeconfig: $KUBECONFIG is unset').length, 2, 'the host is told each time (it decides what to show)');
  assert.match(readFileSync(join(h.dir, 'audit.jsonl'), 'utf8'), /"event":"auto-capture-failed"/);
  h.ctl.dispose();
});

test('after dispose the store is no longer followed', async () => {
  const h = harness();
  h.setup({ 'autoCapture.enabled': true });
  h.ctl.dispose();
  h.store.add(alert({ serverPort: 30 }));
  await h.ctl.idle();
  assert.equal(h.started.length, 0);
  assert.equal(h.store.listenerCount('change'), 0);
});

test('an alert older than two minutes when it arrives (history read at start) starts no capture', async () => {
  const h = harness({ now: ALERT_TIME + 121_000 });
  h.setup({ 'autoCapture.enabled': true });
  h.store.add(alert());
  h.store.add(alert({ serverPort: 40, time: '2026-11-28T14:28:00.000000000Z' })); // 39 s old: fresh
  await h.ctl.idle();
  assert.equal(h.started.length, 1);
  assert.equal(h.started[0].alert.network?.server.port, 40);
  assert.match(h.logs.join('\n'), /info: automatic capture skipped for "Outbound Connection to C2 Servers" on shop\/api-7d9c5b-x2k4q: stale: the alert is 121 s old \(only alerts of the last 120 s start a capture\)/);
  h.ctl.dispose();
});
