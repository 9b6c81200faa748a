// The webview's data side without a browser: sanitised views, sort/filter over index arrays,
// and the bounded graph (what is merged into "other" keeps its bytes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { AnnotatedSummary } from '../../../src/shared/annotatedSummary.js';
import { FlowModel, orderFlows, SORT_KEYS, type FilterState } from '../../../webview/flowModel.js';
import { buildGraph, OTHER } from '../../../webview/graphModel.js';
import { clip, formatBytes, formatDuration, parseIsoSeconds } from '../../../webview/format.js';
import { validState } from '../../../webview/messages.js';

const summary = JSON.parse(readFileSync('test/fixtures/webview/annotated-gen_lo.json', 'utf8')) as AnnotatedSummary;
const model = FlowModel.fromFlows(summary.flows, summary.activity.buckets);
const views = Array.from({ length: model.count }, (_, i) => model.view(i));
const noFilter: FilterState = { text: '', protocol: '', alertedOnly: false, alertedFirst: false, phase: 'all' };

test('every sort key orders all flows, both ways, stably', () => {
  for (const key of SORT_KEYS) {
    for (const descending of [false, true]) {
      const o = orderFlows(model, { key, descending }, noFilter);
      assert.equal(o.length, views.length, key);
      assert.equal(new Set(o).size, views.length, key);
    }
  }
  // Each key's order, checked against the flows' own values (ties: the summary's order).
  const value = (v: (typeof views)[number], key: (typeof SORT_KEYS)[number]): number | string => {
    switch (key) {
      case 'alerted': return v.alerted ? 1 : 0;
      case 'protocol': return v.protocol;
      case 'client': return `${v.client.label.toLowerCase()}\n${v.client.addr}`;
      case 'server': return `${v.server.label.toLowerCase()}\n${v.server.addr}`;
      case 'names': return v.names.length ? v.names.join(' ').toLowerCase() : '\uffff'; // flows without names last
      case 'capturedOn': return v.capturedOn.length ? v.capturedOn.join(' ').toLowerCase() : '\uffff';
      case 'packetsOut': return v.packetsOut;
      case 'packetsIn': return v.packetsIn;
      case 'bytesOut': return v.bytesOut;
      case 'bytesIn': return v.bytesIn;
      case 'bytes': return v.bytesOut + v.bytesIn;
      case 'duration': return Number.isFinite(v.duration) ? v.duration : -1;
      case 'firstSeen': return Number.isFinite(v.firstSeen) ? v.firstSeen : -1;
      case 'beforeAlert': return v.beforePackets;
      default: { const never: never = key; return never; }
    }
  };
  // Before the alert: this fixture's alert is before its capture (nothing to order; the order
  // of a recorded capture's flows is in test/unit/webview/alertTiming.test.ts). Captured on:
  // not a workload capture (see test/unit/webview/capturedOn.test.ts).
  for (const key of SORT_KEYS.filter((k) => k !== 'beforeAlert' && k !== 'capturedOn')) {
    for (const descending of [false, true]) {
      const o = orderFlows(model, { key, descending }, noFilter);
      const distinct = new Set(views.map((v) => value(v, key))).size;
      assert.ok(distinct > 1, `${key}: the fixture has more than one value to order`);
      for (let i = 1; i < o.length; i++) {
        const a = value(views[o[i - 1]], key), b = value(views[o[i]], key);
        const inOrder = descending ? a > b : a < b;
        assert.ok(inOrder || (a === b && o[i - 1] < o[i]), `${key} ${descending ? 'desc' : 'asc'} at ${i}: ${String(a)} then ${String(b)}`);
      }
    }
  }
});

test('alerted first pins the alerted flow whatever the sort; filters combine', () => {
  const alerted = summary.flows.findIndex((f) => f.alerted);
  for (const key of SORT_KEYS) assert.equal(orderFlows(model, { key, descending: false }, { ...noFilter, alertedFirst: true })[0], alerted, key);
  assert.deepEqual([...orderFlows(model, { key: 'bytes', descending: true }, { ...noFilter, alertedOnly: true })], [alerted]);
  const dns = orderFlows(model, { key: 'bytes', descending: true }, { ...noFilter, text: 'KUBE-DNS  udp' });
  assert.ok(dns.length > 10 && [...dns].every((i) => views[i].server.label === 'svc kube-system/kube-dns' && views[i].protocol === 'udp'));
  assert.equal(orderFlows(model, { key: 'bytes', descending: true }, { ...noFilter, protocol: 'icmpv6' }).length, 1);
});

test('odd flow records become safe views', () => {
  const odd = FlowModel.fromFlows([null, 'x', { client: { ip: '::1', port: 70000 }, server: { ip: 'fe80::1', port: 22 }, bytes: { fromClient: -1, fromServer: Number.NaN }, alerted: 1, activity: { firstBucket: -3, bytes: [1, 'x', 2] } }], 2);
  const v = Array.from({ length: odd.count }, (_, i) => odd.view(i));
  assert.equal(v.length, 3);
  assert.equal(v[0].client.addr, '?');
  assert.equal(v[2].client.addr, '::1');
  assert.equal(v[2].server.addr, '[fe80::1]:22');
  assert.equal(v[2].bytesOut + v[2].bytesIn, 0);
  assert.equal(v[2].alerted, false);
  assert.deepEqual(v[2].activity.bytes, [1, 0]);
  assert.equal(v[2].activity.firstBucket, 0);
});

test('the graph merges all but the busiest nodes into "other", keeping bytes and the alerted edge', () => {
  const full = buildGraph(model, 1000);
  const small = buildGraph(model, 5);
  assert.equal(small.nodes.length, 5);
  assert.equal(small.nodes.at(-1)?.id, OTHER);
  assert.equal(small.merged, full.nodes.length - 4);
  const sum = (g: typeof full): number => g.nodes.reduce((s, n) => s + n.bytes, 0);
  assert.equal(sum(small), sum(full));
  assert.equal(small.edges.filter((e) => e.alerted).length, 1);
  assert.ok(small.nodes.some((n) => n.id === 'ext:198.51.100.23' && n.alerted));
  assert.deepEqual(full.edges.find((e) => e.alerted)?.services, ['4444/tcp']);
});

test('the saved state is checked: the before/after filter too', () => {
  assert.equal(validState({ filter: { phase: 'before' } }).filter.phase, 'before');
  assert.equal(validState({ filter: { phase: 'during' } }).filter.phase, 'all');
  assert.equal(validState({ filter: { text: 'x' } }).filter.phase, 'all', 'a state saved before the toggle existed');
  assert.equal(validState(undefined).filter.phase, 'all');
});

test('format helpers', () => {
  assert.equal(clip('abcdef', 3), 'abc… (+3 chars)');
  assert.equal(clip('a😀b', 2), 'a… (+3 chars)', 'a surrogate pair is not cut in half');
  assert.equal(formatBytes(999), '999 B');
  assert.equal(formatBytes(1_500_000), '1.4 MiB', 'the one byte-size format (src/shared/byteSize.ts)');
  assert.equal(formatDuration(0.0042), '4.2 ms');
  assert.ok(Math.abs((parseIsoSeconds('2026-11-28T13:42:53.877858917Z') % 60) - 53.877858917) < 1e-6);
  assert.ok(Number.isNaN(parseIsoSeconds('javascript:x=3')));
  assert.ok(Number.isNaN(parseIsoSeconds(12)));
});
