// The automation as `falcoshark serve` runs it (no extension around it): a stale alert is the
// policy's decision, so serve skips and audits it too; an alert the policy selects but for which
// no plan can be made (a tool that does not exist) is an event, audited, and nothing starts.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaptureAutomation } from '../../../src/core/capture/captureAutomation.js';
import { checkPolicy } from '../../../src/core/capture/capturePolicy.js';
import { PlanError, type CaptureTool } from '../../../src/core/capture/capturePlan.js';
import type { SkipReason } from '../../../src/core/capture/capturePolicy.js';
import { parseAlert } from '../../../src/core/alerts/alertParser.js';
import type { FalcoAlert } from '../../../src/core/alerts/types.js';
import { problemCode } from '../../../src/core/util/problem.js';
import { falcoAlertJson, type AlertSpec } from '../../support/falcoAlerts.js';

const dir = mkdtempSync(join(tmpdir(), 'fs-automation-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const ALERT_TIME = Date.parse('2026-11-28T14:26:39.123Z');

function alert(s: AlertSpec = {}): FalcoAlert {
  const r = parseAlert(falcoAlertJson(s));
  assert.ok(r.ok);
  return r.alert;
}

function audit(file: string): Array<{ event: string; reason?: string; detail?: string }> {
  return readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { event: string; reason?: string; detail?: string });
}

test('a stale alert is skipped and audited by the policy itself (serve, extension alike)', async () => {
  const log = join(dir, 'stale.jsonl');
  const starts: string[] = [];
  const skips: Array<[SkipReason, string]> = [];
  const a = new CaptureAutomation({ policy: checkPolicy({}), outDir: dir, auditLog: log, now: () => ALERT_TIME + 121_000,
    start: async (plan) => { starts.push(plan.id); throw new Error('not in this test'); } });
  a.on('skipped', (reason, detail) => skips.push([reason, detail]));
  await a.handle(alert());
  await a.idle();
  assert.equal(starts.length, 0);
  assert.deepEqual(skips, [['stale', 'the alert is 121 s old (only alerts of the last 120 s start a capture)']]);
  assert.deepEqual(a.metrics.skipped, { stale: 1 });
  assert.deepEqual(audit(log).map((e) => [e.event, e.reason]), [['auto-capture-skipped', 'stale']]);
  // A policy may allow older alerts.
  const b = new CaptureAutomation({ policy: checkPolicy({ maxAlertAgeSeconds: 600 }), outDir: dir, now: () => ALERT_TIME + 121_000,
    start: async (plan) => { starts.push(plan.id); throw new Error('refused in this test'); } });
  await b.handle(alert());
  await b.idle();
  assert.equal(starts.length, 1);
});

test('no plan for a selected alert: a planFailed event with the PlanError, audited, and nothing starts', async () => {
  const log = join(dir, 'plan.jsonl');
  let started = 0;
  const failed: Error[] = [];
  const a = new CaptureAutomation({ policy: checkPolicy({}), outDir: dir, auditLog: log, now: () => ALERT_TIME,
    planSettings: { tool: 'foo' as CaptureTool }, start: async () => { started++; throw new Error('must not start'); } });
  a.on('planFailed', (e) => failed.push(e));
  await a.handle(alert());
  await a.idle();
  assert.equal(started, 0, 'no ephemeral container for a tool that does not exist');
  assert.equal(failed.length, 1);
  assert.ok(failed[0] instanceof PlanError);
  assert.equal(problemCode(failed[0]), 'plan');
  assert.match(failed[0].message, /capture tool must be tshark, tcpdump, dumpcap, not "foo"/);
  assert.equal(a.policy.runningCaptures, 0, 'the slot it reserved is free again');
  assert.deepEqual(audit(log).map((e) => [e.event, e.reason]), [['auto-capture-skipped', 'plan-error']]);
});

test('a capture that starts and then fails is a failed event (front-ends log it), audited', async () => {
  const log = join(dir, 'failed.jsonl');
  const failed: [string, string][] = [];
  const a = new CaptureAutomation({ policy: checkPolicy({}), outDir: dir, auditLog: log, now: () => ALERT_TIME,
    start: async () => { throw new Error('403: cannot patch pods/ephemeralcontainers in namespace shop'); } });
  a.on('failed', (p, e) => failed.push([p.id, e.message]));
  await a.handle(alert());
  await a.idle();
  assert.equal(failed.length, 1);
  assert.equal(failed[0][1], '403: cannot patch pods/ephemeralcontainers in namespace shop');
  assert.deepEqual(audit(log).map((e) => e.event), ['auto-capture-started', 'auto-capture-failed']);
  assert.equal(a.metrics.skipped['capture-error'], 1);
});
