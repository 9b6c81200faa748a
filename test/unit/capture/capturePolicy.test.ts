import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CapturePolicy, checkPolicy, DEFAULT_POLICY } from '../../../src/core/capture/capturePolicy.js';
import { parseAlert } from '../../../src/core/alerts/alertParser.js';
import type { FalcoAlert } from '../../../src/core/alerts/types.js';
import { falcoAlertJson, type AlertSpec } from '../../support/falcoAlerts.js';

function alert(s: AlertSpec = {}): FalcoAlert {
  const r = parseAlert(falcoAlertJson(s));
  assert.ok(r.ok, r.ok ? '' : r.reason);
  return r.alert;
}

test('priority, rules, tags and namespaces select alerts', () => {
  const p = new CapturePolicy(checkPolicy({ minPriority: 'warning', namespaces: { exclude: ['kube-system'] }, rules: ['Outbound Connection to C2 Servers'] }));
  assert.equal(p.decide(alert({ priority: 'Notice' }), 0).action, 'skip');
  assert.deepEqual(p.decide(alert({ priority: 'Notice' }), 0), { action: 'skip', reason: 'priority', detail: 'priority notice is below warning' });
  assert.equal((p.decide(alert({ namespace: 'kube-system' }), 0) as { reason: string }).reason, 'namespace');
  assert.equal((p.decide(alert({ rule: 'Other' }), 0) as { reason: string }).reason, 'rule');
  assert.equal(p.decide(alert({ priority: 'Critical' }), 0).action, 'capture');
  const tags = new CapturePolicy(checkPolicy({ tags: ['mitre_exfiltration'] }));
  assert.equal((tags.decide(alert(), 0) as { reason: string }).reason, 'tag');
});

test('identical alerts fold within the dedup window', () => {
  const p = new CapturePolicy(checkPolicy({ dedupWindowSeconds: 60, maxConcurrent: 10 }));
  assert.equal(p.decide(alert(), 0).action, 'capture');
  assert.equal((p.decide(alert(), 59_000) as { reason: string }).reason, 'duplicate');
  assert.equal(p.decide(alert({ serverPort: 4445 }), 59_000).action, 'capture', 'another server port is another alert');
  assert.equal((p.decide(alert({ clientPort: 50123 }), 59_000) as { reason: string }).reason, 'duplicate', 'a beacon\'s new client port is the same alert');
  assert.equal(p.decide(alert(), 61_000).action, 'capture');
});

test('concurrency and per-pod rate guards', () => {
  const p = new CapturePolicy(checkPolicy({ maxConcurrent: 2, perPod: { max: 2, windowSeconds: 100 }, dedupWindowSeconds: 1 }));
  assert.equal(p.decide(alert({ serverPort: 1 }), 0).action, 'capture');
  assert.equal(p.decide(alert({ serverPort: 2 }), 0).action, 'capture');
  assert.equal((p.decide(alert({ serverPort: 3, pod: 'other' }), 0) as { reason: string }).reason, 'concurrency');
  p.finished();
  p.finished();
  assert.equal((p.decide(alert({ serverPort: 4 }), 1000) as { reason: string }).reason, 'pod-rate');
  assert.equal(p.decide(alert({ serverPort: 4 }), 101_000).action, 'capture', 'the window slides');
});

test('alerts without a pod or network context are skipped with the reason', () => {
  const p = new CapturePolicy(DEFAULT_POLICY);
  const noPod = alert();
  noPod.pod = null;
  assert.equal((p.decide(noPod, 0) as { reason: string }).reason, 'no-pod');
  const noNet = alert();
  noNet.network = null;
  assert.equal((p.decide(noNet, 0) as { reason: string }).reason, 'no-network-context');
});

test('bad policies are refused with the key', () => {
  assert.throws(() => checkPolicy({ maxConcurrent: 0 }), /maxConcurrent/);
  assert.throws(() => checkPolicy({ minPriority: 'loud' as 'warning' }), /minPriority/);
  assert.equal(checkPolicy({ minPriority: 'CRITICAL' as 'critical' }).minPriority, 'critical');
});

test('a new policy (settings changed) counts the captures still running under the old one', () => {
  const old = new CapturePolicy(checkPolicy({ maxConcurrent: 2, dedupWindowSeconds: 1, perPod: { max: 10, windowSeconds: 600 } }));
  assert.equal(old.decide(alert({ serverPort: 1 }), 0).action, 'capture');
  assert.equal(old.decide(alert({ serverPort: 2 }), 0).action, 'capture');
  const next = new CapturePolicy(checkPolicy({ maxConcurrent: 3, dedupWindowSeconds: 1, perPod: { max: 10, windowSeconds: 600 } }), old.state);
  assert.equal(next.runningCaptures, 2);
  assert.equal(next.decide(alert({ serverPort: 3 }), 5000).action, 'capture');
  assert.equal((next.decide(alert({ serverPort: 4 }), 5000) as { reason: string }).reason, 'concurrency');
  old.finished(); // a capture of the old policy ends: the shared count drops
  assert.equal(next.runningCaptures, 2);
  assert.equal(next.decide(alert({ serverPort: 4 }), 5000).action, 'capture');
});
