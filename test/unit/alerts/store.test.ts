// AlertStore folding, bounds, queries and change events; BoundedQueue; LineSplitter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AlertStore, type StoreChange } from '../../../src/core/alerts/alertStore.js';
import { BoundedQueue } from '../../../src/core/alerts/boundedQueue.js';
import { LineSplitter } from '../../../src/core/alerts/lineSplitter.js';
import { parseAlert } from '../../../src/core/alerts/alertParser.js';
import type { FalcoAlert } from '../../../src/core/alerts/types.js';

function mk(o: { rule?: string; pod?: string; ns?: string; prio?: string; t?: string; cport?: number; cmd?: string }): FalcoAlert {
  const r = parseAlert(JSON.stringify({
    time: o.t ?? '2025-01-01T00:00:00Z', rule: o.rule ?? 'r', priority: o.prio ?? 'Notice', output: `out ${o.cmd ?? ''}`, source: 'syscall',
    output_fields: { 'k8s.ns.name': o.ns ?? 'ns', 'k8s.pod.name': o.pod ?? 'p', 'fd.cip': '10.0.0.1', 'fd.cport': o.cport ?? 1000, 'fd.sip': '10.0.0.2', 'fd.sport': 443, 'proc.cmdline': o.cmd ?? 'sh' },
  }));
  assert.ok(r.ok);
  return r.alert;
}

test('identical alerts fold into one entry with count and first/last seen', () => {
  const s = new AlertStore();
  const changes: StoreChange['type'][] = [];
  s.on('change', (c) => changes.push(c.type));
  s.add(mk({ t: '2025-01-01T00:00:05Z' }));
  s.add(mk({ t: '2025-01-01T00:00:01Z' }));
  const e = s.add(mk({ t: '2025-01-01T00:00:09Z' }));
  assert.equal(s.size, 1);
  assert.equal(e.count, 3);
  assert.equal(e.firstSeen, Date.parse('2025-01-01T00:00:01Z'));
  assert.equal(e.lastSeen, Date.parse('2025-01-01T00:00:09Z'));
  assert.deepEqual(changes, ['added', 'updated', 'updated']);
  s.add(mk({ cport: 1001 }));
  s.add(mk({ pod: 'q' }));
  s.add(mk({ rule: 'other' }));
  assert.equal(s.size, 4);
  assert.equal(s.total, 6);
});

test('bounded: the least recently seen entry is evicted, with an event', () => {
  const s = new AlertStore({ limit: 2 });
  const evicted: string[] = [];
  s.on('change', (c) => { if (c.type === 'evicted') evicted.push(c.entry.alert.pod ?? ''); });
  s.add(mk({ pod: 'a' }));
  s.add(mk({ pod: 'b' }));
  s.add(mk({ pod: 'a' })); // a is now the most recent
  s.add(mk({ pod: 'c' }));
  assert.deepEqual(evicted, ['b']);
  assert.deepEqual(s.query().map((e) => e.alert.pod), ['c', 'a']);
  assert.equal(s.evicted, 1);
});

test('queries by priority, rule, namespace, pod, time and text', () => {
  const s = new AlertStore();
  s.add(mk({ pod: 'a', prio: 'Critical', t: '2025-01-01T00:00:00Z', cmd: 'curl evil' }));
  s.add(mk({ pod: 'b', prio: 'Notice', ns: 'other', t: '2025-01-01T01:00:00Z' }));
  s.add(mk({ pod: 'c', prio: 'Warning', rule: 'X', t: '2025-01-01T02:00:00Z' }));
  const pods = (q: Parameters<AlertStore['query']>[0]) => s.query(q).map((e) => e.alert.pod);
  assert.deepEqual(pods({ minPriority: 'warning' }), ['c', 'a']);
  assert.deepEqual(pods({ rule: 'X' }), ['c']);
  assert.deepEqual(pods({ namespace: 'other' }), ['b']);
  assert.deepEqual(pods({ pod: 'a' }), ['a']);
  assert.deepEqual(pods({ since: Date.parse('2025-01-01T00:30:00Z'), until: Date.parse('2025-01-01T01:30:00Z') }), ['b']);
  assert.deepEqual(pods({ text: 'EVIL' }), ['a']);
  assert.deepEqual(pods({ limit: 1 }), ['c']);
});

test('BoundedQueue: offer refuses when full, push waits, close drains', async () => {
  const q = new BoundedQueue<number>(2);
  assert.ok(q.offer(1));
  assert.ok(q.offer(2));
  assert.ok(!q.offer(3));
  let pushed = false;
  const p = q.push(3).then((r) => { pushed = r; });
  await new Promise((r) => setImmediate(r));
  assert.equal(pushed, false);
  assert.equal(await q.take(), 1);
  await p;
  assert.equal(pushed, true);
  q.close();
  const rest: number[] = [];
  for await (const x of q) rest.push(x);
  assert.deepEqual(rest, [2, 3]);
  assert.equal(q.offer(4), false);
});

test('LineSplitter: any chunking, CRLF, over-long lines dropped and resumed', () => {
  const text = '{"a":1}\r\nline two\n\nlast';
  const whole = new LineSplitter(100).push(Buffer.from(text));
  for (let size = 1; size < text.length; size++) {
    const sp = new LineSplitter(100);
    const got: string[] = [];
    for (let i = 0; i < text.length; i += size) for (const l of sp.push(Buffer.from(text.slice(i, i + size)))) got.push(l.ok ? l.line.toString() : '!');
    const end = sp.end();
    if (end) got.push(end.ok ? end.line.toString() : '!');
    assert.deepEqual(got, ['{"a":1}', 'line two', '', 'last'], `chunk size ${size}`);
  }
  assert.equal(whole.length, 3);
  const sp = new LineSplitter(5);
  const r = sp.push(Buffer.from('0123456789\nok\n'));
  assert.deepEqual(r.map((l) => (l.ok ? l.line.toString() : `dropped ${l.bytes}`)), ['dropped 10', 'ok']);
});
