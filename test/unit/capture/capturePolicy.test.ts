import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CapturePolicy, checkPolicy, DEFAULT_POLICY, PolicyError } from '../../../src/core/capture/capturePolicy.js';
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

test('every field of a policy file is checked, the message naming it', () => {
  const refused = (p: unknown): string => {
    try { checkPolicy(p); } catch (e) { assert.ok(e instanceof PolicyError); return e.message; }
    return 'accepted';
  };
  // A rule name as a string used to match by substring; "false" as a string used to count as true.
  assert.equal(refused({ rules: 'Outbound' }), 'policy rules must be a list of rule names (["…", …]), not "Outbound"');
  assert.equal(refused({ requireNetworkContext: 'false' }), 'policy requireNetworkContext must be true or false, not "false"');
  assert.equal(refused({ tags: ['network', 7] }), 'policy tags must be a list of tags (["…", …]), not ["network",7]');
  assert.equal(refused({ namespaces: ['shop'] }), 'policy namespaces must be an object with include, exclude, not ["shop"]');
  assert.equal(refused({ namespaces: { exclude: ['kube-system', 'Shop Floor'] } }), 'policy namespaces.exclude has "Shop Floor", which is not a namespace name');
  assert.equal(refused({ namespaces: { inclde: ['shop'] } }), 'policy namespaces.inclde is not a policy field (namespaces has include, exclude)');
  assert.equal(refused({ perPod: { max: 3, window: 60 } }), 'policy perPod.window is not a policy field (perPod has max, windowSeconds)');
  assert.equal(refused({ perPod: { max: '3' } }), 'policy perPod.max must be a whole number ≥ 1, not "3"');
  assert.equal(refused({ diskBudgetBytes: 1.5 }), 'policy diskBudgetBytes must be a whole number ≥ 1, not 1.5');
  assert.equal(refused({ maxAlertAgeSeconds: -1 }), 'policy maxAlertAgeSeconds must be a whole number ≥ 1, not -1');
  assert.match(refused({ minPriority: 3 }), /^policy minPriority must be a Falco priority \(debug, .*emergency\), not 3$/);
  assert.match(refused({ minPrio: 'warning' }), /^policy minPrio is not a policy field \(the fields: minPriority, rules, /);
  assert.equal(refused([]), 'policy must be a JSON object, not []');
  assert.deepEqual(checkPolicy({ rules: ['A', 'A'], requireNetworkContext: false }).rules, ['A'], 'duplicates folded');
  assert.equal(checkPolicy({ requireNetworkContext: false }).requireNetworkContext, false);
});

test('the policy deploy/serve.yaml ships is a valid one', () => {
  const yaml = readFileSync('deploy/serve.yaml', 'utf8');
  const m = /policy\.json: \|\n((?: {4}.*\n)+)/.exec(yaml);
  assert.ok(m, 'the ConfigMap has a policy.json');
  const p = checkPolicy(JSON.parse(m[1]));
  assert.deepEqual(p.namespaces, { exclude: ['kube-system', 'falco', 'falcoshark'] });
  assert.equal(p.diskBudgetBytes, 4294967296);
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
