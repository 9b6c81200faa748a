// falcoshark.autoCapture.* → capture policy: defaults, every setting mapped, bad values named,
// and package.json declaring exactly the settings that are read (with descriptions).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DEFAULT_POLICY } from '../../../src/core/capture/capturePolicy.js';
import { describePolicy, planSettingsOf, readAutoCaptureConfig } from '../../../src/extension/autoCaptureSettings.js';
import { readSettings } from '../../../src/extension/settings.js';

const getter = (o: Record<string, unknown>) => (k: string): unknown => o[k];

test('off unless enabled is exactly true', () => {
  assert.deepEqual(readAutoCaptureConfig(getter({})), { state: 'off' });
  assert.deepEqual(readAutoCaptureConfig(getter({ 'autoCapture.enabled': 'true' })), { state: 'off' });
  assert.deepEqual(readAutoCaptureConfig(getter({ 'autoCapture.enabled': false, 'autoCapture.maxConcurrent': 0 })), { state: 'off' });
});

test('enabled with nothing else set is the default policy', () => {
  const c = readAutoCaptureConfig(getter({ 'autoCapture.enabled': true }));
  assert.equal(c.state, 'on');
  assert.deepEqual(c.state === 'on' && c.policy, DEFAULT_POLICY);
});

test('every setting reaches the policy', () => {
  const c = readAutoCaptureConfig(getter({
    'autoCapture.enabled': true, 'autoCapture.minPriority': 'Critical', 'autoCapture.rules': ['Outbound Connection to C2 Servers', ' ', 'Outbound Connection to C2 Servers'],
    'autoCapture.tags': ['network'], 'autoCapture.namespaces.include': ['shop'], 'autoCapture.namespaces.exclude': ['kube-system'],
    'autoCapture.maxConcurrent': 4, 'autoCapture.perPodMax': 5, 'autoCapture.perPodWindowSeconds': 60, 'autoCapture.dedupWindowSeconds': 30,
    'autoCapture.diskBudgetMB': 10,
  }));
  assert.equal(c.state, 'on');
  if (c.state !== 'on') return;
  assert.deepEqual(c.policy, {
    minPriority: 'critical', rules: ['Outbound Connection to C2 Servers'], tags: ['network'], namespaces: { include: ['shop'], exclude: ['kube-system'] },
    requireNetworkContext: true, maxConcurrent: 4, perPod: { max: 5, windowSeconds: 60 }, dedupWindowSeconds: 30, diskBudgetBytes: 10 * 1024 * 1024,
    maxAlertAgeSeconds: 120,
  });
  assert.equal(describePolicy(c.policy), 'priority ≥ critical; rules "Outbound Connection to C2 Servers"; tags network; namespaces shop; not in kube-system; ≤ 4 at once; ≤ 5 per pod in 60 s; same alert once in 30 s; disk budget 10 MB');
});

test('empty lists mean "any", not "none"', () => {
  const c = readAutoCaptureConfig(getter({ 'autoCapture.enabled': true, 'autoCapture.rules': [], 'autoCapture.tags': [''], 'autoCapture.namespaces.include': [] }));
  assert.equal(c.state, 'on');
  if (c.state !== 'on') return;
  assert.equal(c.policy.rules, undefined);
  assert.equal(c.policy.tags, undefined);
  assert.equal(c.policy.namespaces, undefined);
});

test('a bad value turns automatic capture off and names its setting', () => {
  const bad = (o: Record<string, unknown>): string => {
    const c = readAutoCaptureConfig(getter({ 'autoCapture.enabled': true, ...o }));
    assert.equal(c.state, 'invalid', JSON.stringify(o));
    return c.state === 'invalid' ? `${c.setting} ${c.reason}` : '';
  };
  assert.equal(bad({ 'autoCapture.minPriority': 'loud' }), 'falcoshark.autoCapture.minPriority must be a Falco priority (debug, informational, notice, warning, error, critical, alert, emergency), not "loud"');
  assert.match(bad({ 'autoCapture.minPriority': 3 }), /^falcoshark\.autoCapture\.minPriority must be a Falco priority/);
  assert.equal(bad({ 'autoCapture.maxConcurrent': 0 }), 'falcoshark.autoCapture.maxConcurrent must be a whole number from 1 to 20, not 0');
  assert.match(bad({ 'autoCapture.perPodMax': 1.5 }), /^falcoshark\.autoCapture\.perPodMax /);
  assert.match(bad({ 'autoCapture.perPodWindowSeconds': -1 }), /^falcoshark\.autoCapture\.perPodWindowSeconds /);
  assert.match(bad({ 'autoCapture.dedupWindowSeconds': '60' }), /^falcoshark\.autoCapture\.dedupWindowSeconds /);
  assert.match(bad({ 'autoCapture.diskBudgetMB': 0 }), /^falcoshark\.autoCapture\.diskBudgetMB /);
  assert.match(bad({ 'autoCapture.rules': 'Outbound Connection to C2 Servers' }), /^falcoshark\.autoCapture\.rules must be a list of strings/);
  assert.match(bad({ 'autoCapture.namespaces.exclude': [1] }), /^falcoshark\.autoCapture\.namespaces\.exclude must be a list of strings/);
});

test('package.json declares the settings that are read, off by default, with the policy\'s defaults and a description', () => {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { contributes: { configuration: { properties: Record<string, { default?: unknown; description?: string; markdownDescription?: string }> }; commands: Array<{ command: string }> } };
  const props = pkg.contributes.configuration.properties;
  const keys = Object.keys(props).filter((k) => k.startsWith('falcoshark.autoCapture.')).sort();
  assert.deepEqual(keys, ['diskBudgetMB', 'dedupWindowSeconds', 'enabled', 'maxConcurrent', 'minPriority', 'namespaces.exclude', 'namespaces.include',
    'perPodMax', 'perPodWindowSeconds', 'rules', 'tags'].map((k) => `falcoshark.autoCapture.${k}`).sort());
  for (const k of [...keys, 'falcoshark.serve.url']) assert.ok(props[k].description || props[k].markdownDescription, `${k} has a description`);
  assert.equal(props['falcoshark.autoCapture.enabled'].default, false);
  const defaults = Object.fromEntries(keys.map((k) => [k.slice('falcoshark.'.length), props[k].default]));
  const c = readAutoCaptureConfig(getter({ ...defaults, 'autoCapture.enabled': true }));
  assert.deepEqual(c.state === 'on' && c.policy, DEFAULT_POLICY, 'the declared defaults are the policy defaults');
  for (const cmd of ['falcoshark.addServeSource', 'falcoshark.openRemoteCapture']) assert.ok(pkg.contributes.commands.some((x) => x.command === cmd), cmd);
});

test('automatic captures are planned with the manual captures\' settings', () => {
  const s = readSettings(getter({ 'capture.method': 'exec', 'capture.durationSeconds': 7, context: 'lab' }));
  const p = planSettingsOf(s);
  assert.equal(p.method, 'exec');
  assert.equal(p.caps?.durationSeconds, 7);
  assert.equal(p.context, 'lab');
  assert.deepEqual(p.maxCaps, s.capture.maxCaps);
});
