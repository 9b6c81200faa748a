// A workload capture's "captured on" in the webview's data side: the pods travel as a pool of
// string ids in the columns (absent when no flow has any), bounded and checked; the model
// views, filters and sorts them; the header's pod rows say how each pod's capture went (the
// detail pane and Copy flow: test/e2e/webview/workloadSummary.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AnnotatedSummary } from '../../../src/shared/annotatedSummary.js';
import { columnsOf, type FlowColumns } from '../../../webview/flowColumns.js';
import { isFlowColumns, recordAt } from '../../../webview/flowColumnsRead.js';
import { FlowModel, orderFlows, type FilterState } from '../../../webview/flowModel.js';
import { outcomeClass, podRows, podsCaption } from '../../../webview/podRows.js';
import { annotateSummary } from '../../../src/core/annotate/annotateSummary.js';
import type { CaptureSidecar } from '../../../src/core/capture/captureSidecar.js';
import { FAILED_REASON, WORKLOAD_PODS, workloadPods, workloadSummary } from '../../fixtures/webview/workloadSummary.js';

const ROOT = join(__dirname, '..', '..', '..');
const plain = JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'webview', 'annotated-gen_lo.json'), 'utf8')) as AnnotatedSummary;
const summary = workloadSummary();
const noFilter: FilterState = { text: '', protocol: '', alertedOnly: false, alertedFirst: false, phase: 'all' };

test('the synthetic workload summary: flows captured on one pod, on two, on none; the failed pod names none', () => {
  const on = summary.flows.map((f) => f.capturedOn ?? []);
  assert.ok(on.some((p) => p.length === 1) && on.some((p) => p.length === 2) && on.some((p) => p.length === 0));
  assert.ok(!on.flat().includes(WORKLOAD_PODS.failed));
  assert.deepEqual(summary.context?.pods?.map((p) => p.outcome), ['complete', 'pod-ended', 'failed']);
});

test('capturedOn round-trips through the columns, key for key; the pool is absent without it', () => {
  const c = columnsOf(summary.flows, summary.activity.buckets, true);
  assert.ok(isFlowColumns(c));
  assert.ok(c.podStart && c.pods && c.pods.length === summary.flows.reduce((n, f) => n + (f.capturedOn?.length ?? 0), 0));
  for (let i = 0; i < c.count; i++) assert.equal(JSON.stringify(recordAt(c, i)), JSON.stringify(summary.flows[i]), `flow ${i}`);
  // Pod names are interned: each distinct name is one string however many flows have it.
  assert.equal(c.strings.filter((s) => s === WORKLOAD_PODS.api).length, 1);
  const none = columnsOf(plain.flows, plain.activity.buckets, false);
  assert.equal(none.podStart, undefined);
  assert.equal(none.pods, undefined);
  assert.equal(new FlowModel(none).hasPods, false);
});

test('a flow\'s pods are bounded: strings only, no duplicates, at most 16, each cut', () => {
  const long = `ns/${'p'.repeat(10_000)}`;
  const many = Array.from({ length: 100 }, (_, i) => `ns/pod-${i}`);
  const flows = [
    { protocol: 'tcp', client: { ip: '10.0.0.1', port: 1 }, server: { ip: '10.0.0.2', port: 2 } },
    { protocol: 'tcp', client: { ip: '10.0.0.1', port: 3 }, server: { ip: '10.0.0.2', port: 4 }, capturedOn: [long, 7, null, 'ns/a', 'ns/a', ''] },
    { protocol: 'tcp', client: { ip: '10.0.0.1', port: 5 }, server: { ip: '10.0.0.2', port: 6 }, capturedOn: many },
    { protocol: 'tcp', client: { ip: '10.0.0.1', port: 7 }, server: { ip: '10.0.0.2', port: 8 }, capturedOn: 'ns/a' },
  ];
  const m = FlowModel.fromFlows(flows, 0);
  assert.ok(isFlowColumns(m.cols) && m.hasPods);
  assert.deepEqual(m.view(0).capturedOn, []);
  const [cut, a] = m.view(1).capturedOn;
  assert.ok(cut.length < 400 && cut.startsWith('ns/ppp'), String(cut.length));
  assert.equal(a, 'ns/a');
  assert.equal(m.view(1).capturedOn.length, 2);
  assert.deepEqual(m.view(2).capturedOn, many.slice(0, 16));
  assert.deepEqual(m.view(3).capturedOn, [], 'not a list: none');
});

test('malformed pod columns are refused', () => {
  const good = columnsOf(summary.flows, summary.activity.buckets, false);
  const bad: [string, (c: FlowColumns) => void][] = [
    ['a pod out of the string table', (c) => { (c.pods as Uint32Array)[0] = c.strings.length; }],
    ['starts without the pool', (c) => { c.pods = undefined; }],
    ['a pool without starts', (c) => { c.podStart = undefined; }],
    ['short starts', (c) => { c.podStart = (c.podStart as Uint32Array).subarray(1); }],
    ['starts past the pool', (c) => { (c.podStart as Uint32Array)[c.count] += 1; }],
    ['a plain array', (c) => { (c as unknown as Record<string, unknown>).pods = Array.from(c.pods as Uint32Array); }],
  ];
  for (const [what, spoil] of bad) {
    const c = { ...good, podStart: good.podStart?.slice(), pods: good.pods?.slice() };
    spoil(c);
    assert.equal(isFlowColumns(c), false, what);
  }
});

test('the model: views, the filter box matches a pod, sorting by pods puts flows without last', () => {
  const m = FlowModel.fromColumns(columnsOf(summary.flows, summary.activity.buckets, true))!;
  assert.ok(m.hasPods);
  const byFilter = orderFlows(m, { key: 'bytes', descending: true }, { ...noFilter, text: 'ABCDE' });
  const want = summary.flows.flatMap((f, i) => (f.capturedOn?.includes(WORKLOAD_PODS.frontend) ? [i] : []));
  assert.ok(want.length > 0);
  assert.deepEqual([...byFilter].sort((x, y) => x - y), want, 'the filter matches the pods (case-insensitive)');
  const both = orderFlows(m, { key: 'bytes', descending: true }, { ...noFilter, text: 'abcde x2x8q' });
  assert.ok([...both].every((i) => m.view(i).capturedOn.length === 2));
  const asc = orderFlows(m, { key: 'capturedOn', descending: false }, noFilter);
  const keys = [...asc].map((i) => (m.view(i).capturedOn.length ? m.view(i).capturedOn.join(' ').toLowerCase() : '\uffff'));
  for (let k = 1; k < keys.length; k++) assert.ok(keys[k - 1] <= keys[k], `${keys[k - 1]} then ${keys[k]}`);
  assert.equal(m.view(asc[asc.length - 1]).capturedOn.length, 0, 'flows captured on no pod last');
  assert.deepEqual((m.raw(want[0]) as { capturedOn?: string[] }).capturedOn, summary.flows[want[0]].capturedOn, 'the record (detail, Copy) has them');
});

test('the header\'s pods: from the annotator\'s context (workload captures only), sanitised, with outcome and reason', () => {
  const pods = workloadPods();
  const base = { plan: { id: 'x', target: { kind: 'workload', namespace: 'shop', selector: 'app=web' }, filter: { bpf: '' } }, pods };
  const ctx = annotateSummary({ ...plain, flows: [] }, base as unknown as CaptureSidecar).context!;
  assert.deepEqual(ctx.pods, summary.context!.pods);
  const podCtx = annotateSummary({ ...plain, flows: [] }, { ...base, plan: { ...base.plan, target: { kind: 'pod', namespace: 'shop', pod: 'a' } } } as unknown as CaptureSidecar).context!;
  assert.equal(podCtx.pods, undefined);
  const rows = podRows(ctx.pods)!;
  assert.equal(podsCaption(rows), '3 pods: 1 complete, 1 pod-ended, 1 failed');
  assert.deepEqual(rows.map((r) => outcomeClass(r.outcome)), ['ok', 'warn', 'fail']);
  assert.equal(rows[2].reason, FAILED_REASON);
  assert.equal(outcomeClass('skipped'), 'fail');
  assert.equal(podRows(undefined), undefined);
  assert.equal(podRows([]), undefined);
  assert.deepEqual(podRows([null, { pod: 5, outcome: ['x'], packets: -1, reason: 'r'.repeat(10_000) }]), [{ pod: '?', node: '', outcome: '?', reason: 'r'.repeat(4096), packets: 0 }]);
});
