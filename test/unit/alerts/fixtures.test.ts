// Every Falco sample in test/fixtures/falco/ parses to its expected normalised result
// (golden JSON in test/fixtures/falco-expected/; regenerate with UPDATE_GOLDEN=1 and review the diff).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseAlertDocument, JSON_OUTPUT_HINT } from '../../../src/core/alerts/alertParser.js';
import type { ParseResult } from '../../../src/core/alerts/types.js';

const FIXTURES = join(__dirname, '../../fixtures/falco');
const EXPECTED = join(__dirname, '../../fixtures/falco-expected');

function summarise(file: string) {
  const doc = parseAlertDocument(readFileSync(join(FIXTURES, file), 'utf8'));
  const alerts = doc.alerts.flatMap((r, i) => (r.ok ? [{ index: i, alert: r.alert }] : []));
  const nonAlerts: Record<string, { count: number; first: { index: number; reason: string; hint?: string }[] }> = {};
  doc.alerts.forEach((r: ParseResult, i) => {
    if (r.ok) return;
    const e = (nonAlerts[r.kind] ??= { count: 0, first: [] });
    e.count++;
    if (e.first.length < 3) e.first.push(r.hint === undefined ? { index: i, reason: r.reason } : { index: i, reason: r.reason, hint: r.hint });
  });
  return JSON.parse(JSON.stringify({ file, mode: doc.mode, alerts, nonAlerts })) as unknown;
}

const files = readdirSync(FIXTURES).sort();

for (const file of files) {
  test(`fixture ${file}`, () => {
    const got = summarise(file);
    const goldenPath = join(EXPECTED, `${file}.expected.json`);
    if (process.env['UPDATE_GOLDEN'] === '1' || !existsSync(goldenPath)) {
      writeFileSync(goldenPath, JSON.stringify(got, null, 2) + '\n');
      if (process.env['UPDATE_GOLDEN'] !== '1') assert.fail(`golden ${goldenPath} was missing; written, review and commit it`);
    }
    assert.deepEqual(got, JSON.parse(readFileSync(goldenPath, 'utf8')));
  });
}

// Spot checks that state the point of each sample, independent of the golden files.
function doc(file: string) { return parseAlertDocument(readFileSync(join(FIXTURES, file), 'utf8')); }
function onlyAlert(file: string) {
  const d = doc(file);
  const ok = d.alerts.filter((r) => r.ok);
  assert.equal(ok.length, 1);
  const r = ok[0];
  assert.ok(r.ok);
  return r.alert;
}

test('text output gives the json_output hint for every alert line', () => {
  const d = doc('public-tutorial_text-output_reverse-shell-redirect-stdout.txt');
  const text = d.alerts.filter((r) => !r.ok && r.kind === 'text-alert');
  assert.equal(text.length, 3);
  for (const r of text) {
    assert.ok(!r.ok);
    assert.equal(r.hint, JSON_OUTPUT_HINT);
    assert.match(r.hint ?? '', /--set falco\.json_output=true/);
    assert.match(r.hint ?? '', /json_include_output_property/);
  }
  assert.equal(d.alerts.filter((r) => r.ok).length, 0);
});

test('the partial excerpt is recognised as truncated JSON, not as an alert', () => {
  const d = doc('falcosidekick-issue-1289_packet-socket_PARTIAL-EXCERPT.txt');
  assert.equal(d.alerts.filter((r) => r.ok).length, 0);
  const kinds = d.alerts.map((r) => (r.ok ? 'ok' : r.kind));
  assert.deepEqual(kinds.filter((k) => k === 'truncated-json').length, 2);
});

test('the line-wrapped gRPC-shaped sample is not JSON and yields no alert', () => {
  const d = doc('falco-website_blog-package-hunter_grpc-shaped-outbound-connection.txt');
  assert.equal(d.mode, 'lines');
  assert.equal(d.alerts.filter((r) => r.ok).length, 0);
});

test('evt.time is kept exactly as text; time comes from the time string with nanoseconds', () => {
  const a = onlyAlert('falco-issue-2127_write-below-root_pretty-printed_evt-time-precision-lost.json');
  assert.equal(a.time, '2022-07-12T12:33:48.105952346Z');
  assert.equal(a.timeNs, '1657629228105952346');
  assert.equal(a.outputFields['evt.time'], '1657629228105952300');
  assert.equal(a.priority, 'error');
  assert.equal(a.namespace, 'kube-falco');
  assert.equal(a.pod, 'falco-zjsqj');
  assert.equal(a.container.id, 'c0a8e388a8c2');
  assert.equal(a.network, null, 'fd.name holding a file path is not a network context');
});

test('fd.name gives the network context of a K8s API connection', () => {
  const d = doc('falco-website_blog-openfaas_shell-and-k8s-api-connection.jsonl');
  const r = d.alerts[1];
  assert.ok(r.ok);
  assert.deepEqual(r.alert.network?.client, { ip: '172.17.0.9', port: 43812 });
  assert.deepEqual(r.alert.network?.server, { ip: '10.96.0.1', port: 443 });
  assert.deepEqual(r.alert.network?.origins, ['fd.name']);
  assert.equal(r.alert.namespace, 'openfaas-fn');
  assert.equal(r.alert.container.image, 'devopps/falco-pod-delete:latest');
});

test('null and <NA> fields are unknown, not problems', () => {
  const a = onlyAlert('falco-website_blog-kubeless_terminal-shell-null-fields.jsonl');
  assert.equal(a.container.image, null);
  assert.equal(a.process.parent, null);
  assert.deepEqual(a.problems, []);
});

test('internal events are marked internal', () => {
  const m = onlyAlert('falco-website_docs-metrics_internal-metrics-snapshot.json');
  assert.equal(m.internal, true);
  assert.equal(m.source, 'internal');
  assert.equal(m.node, 'test');
  const d = onlyAlert('falcosidekick_alertmanager_test_syscall-event-drop.json');
  assert.equal(d.internal, true);
  assert.equal(d.priority, 'debug');
});

test('k8s_audit alerts take the namespace and pod from the audit target', () => {
  const d = doc('falco-website_blog-ovh-mks_k8saudit.jsonl');
  const last = d.alerts[3];
  assert.ok(last.ok);
  assert.equal(last.alert.source, 'k8s_audit');
  assert.equal(last.alert.namespace, 'hello-app');
  assert.equal(last.alert.pod, 'nginx-676b6c5bbc-4xc6t');
  assert.equal(last.alert.node, 'my-pool-1-node-921b61');
});
