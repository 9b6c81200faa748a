// Parser, normaliser and validators: shapes, priorities, time, network context, problems.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAlert, parseAlertDocument, scanJson } from '../../../src/core/alerts/alertParser.js';
import { parsePriority, atLeast } from '../../../src/core/alerts/priority.js';
import { splitFdName } from '../../../src/core/alerts/network.js';
import { checkIp, checkPort, checkDnsLabel, checkDnsSubdomain, checkContainerId } from '../../../src/core/alerts/validate.js';
import type { FalcoAlert } from '../../../src/core/alerts/types.js';

function alert(fields: Record<string, unknown>, top: Record<string, unknown> = {}): FalcoAlert {
  const r = parseAlert(JSON.stringify({ time: '2025-11-27T10:59:06.788999277Z', rule: 'r', priority: 'Notice', output: 'o', output_fields: fields, ...top }));
  assert.ok(r.ok, JSON.stringify(r));
  return r.alert;
}

test('priorities: case variants, Info/Informational, ordering', () => {
  for (const s of ['NOTICE', 'Notice', 'notice']) assert.equal(parsePriority(s), 'notice');
  assert.equal(parsePriority('Info'), 'informational');
  assert.equal(parsePriority('Informational'), 'informational');
  assert.equal(parsePriority('bogus'), null);
  assert.equal(parsePriority(3), null);
  assert.ok(atLeast('critical', 'warning'));
  assert.ok(!atLeast('notice', 'warning'));
  assert.ok(atLeast('emergency', 'emergency'));
});

test('fd.cip/fd.sip fields win; fd.name fills the gaps; IPv6 without brackets splits on the last colon', () => {
  const a = alert({ 'fd.cip': '10.0.0.1', 'fd.cport': 5555, 'fd.sip': '10.0.0.2', 'fd.sport': '443', 'fd.l4proto': 'TCP', 'fd.name': '1.1.1.1:1->2.2.2.2:2' });
  assert.deepEqual(a.network?.client, { ip: '10.0.0.1', port: 5555 });
  assert.deepEqual(a.network?.server, { ip: '10.0.0.2', port: 443 });
  assert.equal(a.network?.l4proto, 'tcp');
  assert.deepEqual(a.network?.origins, ['fd.cip/fd.sip']);
  const b = alert({ 'fd.name': '2001:DB8::1:40000->2001:db8:0:0:0:0:0:2:443', 'fd.l4proto': 'udp' });
  assert.deepEqual(b.network?.client, { ip: '2001:db8::1', port: 40000 });
  assert.deepEqual(b.network?.server, { ip: '2001:db8::2', port: 443 });
  assert.deepEqual(splitFdName('/var/run/docker.sock'), null);
  assert.deepEqual(splitFdName('ffff9e1->ffff9e2 /run/x.sock'), null);
});

test('fd.lip/fd.rip are local/remote; local is the client unless the event accepted the connection', () => {
  const out = alert({ 'fd.lip': '10.1.1.1', 'fd.lport': 40000, 'fd.rip': '10.2.2.2', 'fd.rport': 80, 'evt.type': 'connect' });
  assert.deepEqual(out.network?.client, { ip: '10.1.1.1', port: 40000 });
  assert.deepEqual(out.network?.server, { ip: '10.2.2.2', port: 80 });
  assert.deepEqual(out.network?.origins, ['fd.lip/fd.rip']);
  const inb = alert({ 'fd.lip': '10.1.1.1', 'fd.lport': 8080, 'fd.rip': '10.2.2.2', 'fd.rport': 51000, 'evt.type': 'accept4' });
  assert.deepEqual(inb.network?.server, { ip: '10.1.1.1', port: 8080 });
  assert.deepEqual(inb.network?.client, { ip: '10.2.2.2', port: 51000 });
});

test('unknown values (null, <NA>, "") are not problems; invalid values are problems and never typed', () => {
  const a = alert({ 'fd.l4proto': '<NA>', 'fd.lport': null, 'fd.cip': '', 'k8s.pod.name': '<NA>' });
  assert.equal(a.network, null);
  assert.deepEqual(a.problems, []);
  const b = alert({ 'fd.cip': '999.1.1.1', 'fd.sport': 70000, 'k8s.ns.name': 'Bad_NS', 'k8s.pod.name': 'x;rm -rf /', 'container.id': 'zzzz', 'fd.name': '1.2.3.4:80->evil:host:x' });
  assert.equal(b.namespace, null);
  assert.equal(b.pod, null);
  assert.equal(b.container.id, null);
  assert.equal(b.network, null);
  const fields = b.problems.map((p) => p.field).sort();
  assert.deepEqual(fields, ['container.id', 'fd.cip', 'fd.name', 'fd.sport', 'k8s.ns.name', 'k8s.pod.name']);
  for (const p of b.problems) assert.ok(p.reason.length > 0 && p.raw.length <= 80);
});

test('container id "host" is the host, not a problem', () => {
  const a = alert({ 'container.id': 'host', 'container.name': 'host' });
  assert.equal(a.container.host, true);
  assert.equal(a.container.id, null);
  assert.deepEqual(a.problems, []);
});

test('time: nanoseconds kept, offsets applied, gRPC {seconds,nanos} read, bad time is a problem', () => {
  assert.equal(alert({}, { time: '2021-06-13T19:35:58.532086161+02:00' }).time, '2021-06-13T17:35:58.532086161Z');
  assert.equal(alert({}, { time: '2023-05-10T14:09:17.699479Z' }).timeNs, '1683727757699479000');
  const g = alert({}, { time: { seconds: '1637339716', nanos: 457772674 } });
  assert.equal(g.time, '2021-11-19T16:35:16.457772674Z');
  assert.equal(g.format, 'grpc');
  const r = parseAlert('{"rule":"r","priority":"Notice","output":"o","time":1637339716457772674}');
  assert.ok(r.ok);
  assert.equal(r.alert.time, null);
  assert.equal(r.alert.problems[0].field, 'time');
});

test('big integers in output_fields stay exact text; other numbers stay numbers', () => {
  const r = parseAlert('{"rule":"r","priority":"Debug","time":"2021-01-01T00:00:00Z","output_fields":{"evt.time":1627966939853197342,"n":-12345678901234567890,"f":1.5e300,"small":42,"s":"1234567890123456789"}}');
  assert.ok(r.ok);
  assert.equal(r.alert.outputFields['evt.time'], '1627966939853197342');
  assert.equal(r.alert.outputFields['n'], '-12345678901234567890');
  assert.equal(r.alert.outputFields['f'], 1.5e300);
  assert.equal(r.alert.outputFields['small'], 42);
  assert.equal(r.alert.outputFields['s'], '1234567890123456789');
  assert.equal(scanJson('{"a":"9007199254740993"}', 10).text, '{"a":"9007199254740993"}');
});

test('Falcosidekick payload (uuid) and Falcosidekick-UI shapes', () => {
  const s = alert({}, { uuid: '633414E2-24f2-412a-811f-c37131ff2c61', hostname: 'node-1', tags: ['a'], custom_key: { x: 1 } });
  assert.equal(s.format, 'falcosidekick');
  assert.equal(s.uuid, '633414e2-24f2-412a-811f-c37131ff2c61');
  assert.equal(s.node, 'node-1');
  assert.deepEqual({ ...s.extra }, { custom_key: { x: 1 } });
  const ui = parseAlert(JSON.stringify({ event: { time: '2023-05-10T14:09:17.699479Z', rule: 'r', priority: 'Warning', output: 'x', output_fields: {} }, outputs: ['WebUI'] }));
  assert.ok(ui.ok);
  assert.equal(ui.alert.format, 'falcosidekick-ui');
  const doc = parseAlertDocument(JSON.stringify({ results: [{ time: '2023-05-10T14:09:17Z', rule: 'a', priority: 'Notice', output: '1', output_fields: {} }, { time: '2023-05-10T14:09:18Z', rule: 'b', priority: 'Notice', output: '2', output_fields: {} }], statistics: { returned: 2, all: 2 } }));
  assert.equal(doc.mode, 'sidekick-ui-results');
  assert.deepEqual(doc.alerts.map((r) => r.ok && r.alert.rule), ['a', 'b']);
});

test('output_fields may come first, message is optional', () => {
  const r = parseAlert('{"output_fields":{"k8s.ns.name":"ns1"},"message":"m","rule":"r","priority":"Critical","time":"2025-01-01T00:00:00.1Z","output":"o"}');
  assert.ok(r.ok);
  assert.equal(r.alert.namespace, 'ns1');
  assert.equal(r.alert.message, 'm');
  assert.equal(r.alert.time, '2025-01-01T00:00:00.100000000Z');
});

test('non-alert lines are classified', () => {
  const kind = (s: string) => { const r = parseAlert(s); return r.ok ? 'ok' : r.kind; };
  assert.equal(kind(''), 'empty');
  assert.equal(kind('Thu Nov 27 10:59:00 2025: Falco version: 0.42.0 (x86_64)'), 'falco-log');
  assert.equal(kind('2025-11-27T10:59:00+0000: Loading rules from file /etc/falco/falco_rules.yaml'), 'falco-log');
  assert.equal(kind('10:59:06.789112043: Notice Packet socket was created in a container'), 'text-alert');
  assert.equal(kind('{"rule":"r","priority":"Notice","output_fields":{"fd.name":"1.2'), 'truncated-json');
  assert.equal(kind('{"rule": nope}'), 'invalid-json');
  assert.equal(kind('{"hello":"world"}'), 'not-an-alert');
  assert.equal(kind('{"rule":5,"priority":"Notice"}'), 'invalid-alert');
  assert.equal(kind('[1,2]'), 'not-json');
});

test('validators', () => {
  assert.deepEqual(checkIp('::FFFF:10.0.0.1'), { ok: true, value: '::ffff:a00:1' });
  assert.equal(checkIp('[::1]').ok, false);
  assert.equal(checkIp('fe80::1%eth0').ok, false);
  assert.equal(checkIp('010.0.0.1').ok, false);
  assert.equal(checkPort(-1).ok, false);
  assert.equal(checkPort(1.5).ok, false);
  assert.deepEqual(checkPort(0), { ok: true, value: 0 });
  assert.equal(checkDnsLabel('a'.repeat(64)).ok, false);
  assert.equal(checkDnsSubdomain('web-1.x').ok, true);
  assert.equal(checkDnsSubdomain('Web').ok, false);
  assert.equal(checkContainerId('a'.repeat(64)).ok, true);
  assert.equal(checkContainerId('A'.repeat(12)).ok, false);
});
