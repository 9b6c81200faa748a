// Plans from alerts, including hostile ones: the filter is either built from validated values
// or there is none (stated), and a bad pod name is a refusal, never an API call.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAlert } from '../../../src/core/alerts/alertParser.js';
import type { FalcoAlert } from '../../../src/core/alerts/types.js';
import { captureTargetOf, checkMethodAndTool, planFromAlert, planForPod, planLocal, PlanError, resolveCaps, HARD_MAX_CAPS, type CaptureTool } from '../../../src/core/capture/capturePlan.js';
import { falcoAlertJson } from '../../support/falcoAlerts.js';

function alertWith(fields: Record<string, unknown>): FalcoAlert {
  const base = JSON.parse(falcoAlertJson()) as { output_fields: Record<string, unknown> };
  base.output_fields = { ...base.output_fields, ...fields };
  const r = parseAlert(JSON.stringify(base));
  assert.ok(r.ok, r.ok ? '' : r.reason);
  return r.alert;
}

test('an outbound connection alert: the server side, plus DNS; the 5-tuple on request', () => {
  const a = alertWith({});
  const p = planFromAlert(a);
  assert.equal(p.filter.bpf, '(tcp and host 203.0.113.9 and port 4444) or port 53');
  assert.equal(p.filter.display, 'ip.addr==203.0.113.9 && tcp.port==4444');
  assert.deepEqual(p.target, { kind: 'pod', namespace: 'shop', pod: 'api-7d9c5b-x2k4q', container: 'api', node: 'node-1' });
  assert.deepEqual(captureTargetOf(a), { protocol: 'tcp', client: { ip: '10.244.1.17' }, server: { ip: '203.0.113.9', port: 4444 } });
  assert.equal(planFromAlert(a, { exactFlow: true }).filter.scope, 'flow');
  assert.equal(p.caps.durationSeconds, 30);
});

const hostile: Array<[string, Record<string, unknown>]> = [
  ['filter syntax in the server address', { 'fd.sip': '203.0.113.9 or 1=1', 'fd.name': null }],
  ['shell in the port', { 'fd.sport': '4444; rm -rf /' }],
  ['an IPv6 zone id', { 'fd.sip': 'fe80::1%eth0', 'fd.name': null }],
  ['a network prefix', { 'fd.sip': '203.0.113', 'fd.name': null }],
  ['HTML', { 'fd.sip': '<img src=x onerror=alert(1)>', 'fd.name': null }],
  ['a huge port', { 'fd.sport': 99999999 }],
];
for (const [what, fields] of hostile) {
  test(`hostile alert (${what}): no filter from the bad value`, () => {
    const p = planFromAlert(alertWith(fields));
    const bad = Object.values(fields).filter((v): v is string | number => typeof v === 'string' || typeof v === 'number').map(String);
    for (const b of bad) assert.ok(!p.filter.bpf.includes(b) || /^\d+$/.test(b) && Number(b) <= 65535, `${b} must not reach the filter: ${p.filter.bpf}`);
    // What is left is made of validated tokens only.
    assert.match(p.filter.bpf, /^(\((tcp|udp) and (host [0-9a-f.:]+( and )?)*(port \d+)?\)( or port 53)?|\(tcp and host [0-9.]+\)( or port 53)?|)$/);
  });
}

test('a hostile or missing pod name is refused before any API call', () => {
  const a = alertWith({ 'k8s.pod.name': '$(id)' });
  assert.equal(a.pod, null);
  assert.throws(() => planFromAlert(a), PlanError);
  assert.throws(() => planForPod({ namespace: 'shop', pod: '../../etc' }), /not a valid Kubernetes pod name/);
  assert.throws(() => planForPod({ namespace: 'Shop', pod: 'x' }), /namespace/);
});

test('caps: defaults, hard maximums, refusals', () => {
  const notes: string[] = [];
  const c = resolveCaps({ durationSeconds: 99_999, maxBytes: 10 }, undefined, notes);
  assert.equal(c.durationSeconds, HARD_MAX_CAPS.durationSeconds);
  assert.equal(c.maxBytes, 10);
  assert.match(notes[0], /lowered to the maximum/);
  assert.throws(() => resolveCaps({ durationSeconds: 0 }), /positive whole number/);
  assert.throws(() => resolveCaps({ maxPackets: 1.5 }), /positive whole number/);
  assert.equal(resolveCaps({}, { ...HARD_MAX_CAPS, durationSeconds: 10 }).durationSeconds, 10, 'a setting\'s maximum lowers the default');
});

test('the method and tool are checked when the plan is made, whatever cast let them through', () => {
  assert.throws(() => planForPod({ namespace: 'shop', pod: 'api' }, { tool: 'foo' as CaptureTool }), (e: unknown) => e instanceof PlanError && /capture tool must be tshark, tcpdump, dumpcap, not "foo"/.test(e.message));
  assert.throws(() => planForPod({ namespace: 'shop', pod: 'api' }, { method: 'local' }), /capture method must be ephemeral or exec, not "local"/);
  assert.throws(() => planLocal({ iface: 'any' }, { tool: 'nc' as CaptureTool }), PlanError);
  assert.deepEqual(checkMethodAndTool('pod', 'exec', 'dumpcap'), { method: 'exec', tool: 'dumpcap' });
  assert.equal(planLocal({ iface: 'any' }, { method: 'ephemeral' }).method, 'local', 'a local plan has no pod method');
});
