// Flows as columns (webview/flowColumns.ts): records round-trip exactly, the extension's
// worker sends columns whose records equal the whole-summary analysis, the host's summary of
// columns posts as a small JSON plus buffers, and malformed columns are refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AnnotatedSummary } from '../../../src/shared/annotatedSummary.js';
import { columnsOf, type FlowColumns } from '../../../webview/flowColumns.js';
import { isFlowColumns, recordAt } from '../../../webview/flowColumnsRead.js';
import { FlowModel } from '../../../webview/flowModel.js';
import { analyzeFile } from '../../../src/core/flows/analyzeFile.js';
import { annotateSummary } from '../../../src/core/annotate/annotateSummary.js';
import { analyzeInWorker } from '../../../src/extension/analysis.js';
import { summaryOfColumns } from '../../../src/extension/analysisSummary.js';

const ROOT = join(__dirname, '..', '..', '..');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'pcap');
const annotated = JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'webview', 'annotated-gen_lo.json'), 'utf8')) as AnnotatedSummary;

/** JSON.stringify as VS Code posts a webview message: typed arrays leave the text. */
function posted(v: unknown): { json: string; binaryBytes: number } {
  let binaryBytes = 0;
  const json = JSON.stringify(v, (_k, x: unknown) => {
    if (ArrayBuffer.isView(x)) {
      binaryBytes += x.byteLength;
      return { $$buffer: binaryBytes };
    }
    return x;
  });
  return { json, binaryBytes };
}

test('every record of an annotated summary comes back from its columns, key for key', () => {
  const c = columnsOf(annotated.flows, annotated.activity.buckets, true);
  assert.equal(c.count, annotated.flows.length);
  assert.ok(isFlowColumns(c));
  for (let i = 0; i < c.count; i++) assert.equal(JSON.stringify(recordAt(c, i)), JSON.stringify(annotated.flows[i]), `flow ${i}`);
});

test('records of every fixture capture (DNS, TLS, HTTP, IPv6, fragments, tunnels) come back from columns', async () => {
  for (const f of ['gen_lo.pcapng', 'ppp_tls2.pcap', 'ppp_many-protocols.pcap', 'ppp_ip-frag.pcap', 'ppp_example.pcap']) {
    const s = await analyzeFile(join(FIXTURES, f));
    const c = columnsOf(s.flows, s.activity.buckets, true);
    for (let i = 0; i < c.count; i++) assert.equal(JSON.stringify(recordAt(c, i)), JSON.stringify(s.flows[i]), `${f} flow ${i}`);
  }
});

test('the worker sends columns: the host\'s flows equal the whole analysis; its message is small JSON and buffers', async () => {
  const file = join(FIXTURES, 'gen_lo.pcapng');
  const r = await analyzeInWorker(join(ROOT, 'src', 'extension', 'analyzeWorker.ts'), file, { execArgv: ['--require', 'tsx/cjs'] });
  const whole = annotateSummary(await analyzeFile(file), undefined);
  assert.equal(r.summary.flows.length, whole.flows.length);
  for (let i = 0; i < whole.flows.length; i++) assert.deepEqual(r.summary.flows[i], whole.flows[i]);
  assert.deepEqual(r.summary.flows.find((f) => f.tlsSni === 'api13.example.test'), whole.flows.find((f) => f.tlsSni === 'api13.example.test'));
  assert.deepEqual({ ...r.summary, flows: [], columns: undefined }, { ...whole, flows: [], columns: undefined });
  const p = posted(r.summary);
  const back = JSON.parse(p.json) as { flows: unknown[]; columns: { count: number } };
  assert.deepEqual(back.flows, [], 'the flows view posts as an empty list');
  assert.equal(back.columns.count, whole.flows.length);
  assert.ok(p.binaryBytes > 0 && p.json.length < JSON.stringify(whole).length);
});

test('the host\'s flows view is read-only and bounded', () => {
  const c = columnsOf(annotated.flows, annotated.activity.buckets, true);
  const s = summaryOfColumns({ ...annotated, flows: [] }, c);
  assert.ok(Array.isArray(s.flows));
  assert.equal(s.flows[c.count], undefined);
  assert.equal(0 in s.flows, true);
  assert.equal(c.count in s.flows, false);
  assert.throws(() => { (s.flows as unknown[])[0] = null; });
  assert.equal(s.flows.filter((f) => f.alerted).length, annotated.flows.filter((f) => f.alerted).length);
});

test('malformed columns are refused (the webview then uses the flows list)', () => {
  const good = columnsOf(annotated.flows, annotated.activity.buckets, false);
  const bad: [string, (c: FlowColumns) => void][] = [
    ['an address out of the string table', (c) => { c.ip[3] = c.strings.length; }],
    ['an identity out of range', (c) => { c.identity[0] = c.identities.length; }],
    ['a wrong array type', (c) => { (c as unknown as Record<string, unknown>).bytes = Array.from(c.bytes); }],
    ['a short array', (c) => { c.packets = c.packets.subarray(1); }],
    ['a range going back', (c) => { c.nameStart[2] = c.nameStart[1] - 1; }],
    ['a non-string in the table', (c) => { (c.strings as unknown[])[0] = 7; }],
  ];
  for (const [what, spoil] of bad) {
    const c = columnsOf(annotated.flows, annotated.activity.buckets, false);
    spoil(c);
    assert.equal(isFlowColumns(c), false, what);
  }
  assert.ok(isFlowColumns(good));
  assert.equal(FlowModel.fromColumns({ ...good, kind: 'other' }), undefined);
});

test('malformed wire parts are refused: a flow\'s extra JSON across two chunks, short arrays', () => {
  const good = columnsOf(annotated.flows, annotated.activity.buckets, true);
  assert.ok(isFlowColumns(good));
  const withExtra = Array.from({ length: good.count }, (_, i) => i).filter((i) => (good.wire?.extraStart[i + 1] ?? 0) > (good.wire?.extraStart[i] ?? 0));
  assert.ok(withExtra.length > 0, 'the fixture has flows with DNS or SNI');
  const f = withExtra[0];
  const bad: [string, (c: FlowColumns) => void][] = [
    ['one flow\'s bytes split over two chunks', (c) => {
      const w = c.wire as NonNullable<FlowColumns['wire']>;
      const all = w.extra[0];
      const cut = w.extraStart[f] + 1;
      w.extra = [all.subarray(0, cut), all.subarray(cut)];
    }],
    ['bytes past the last chunk', (c) => { const w = c.wire as NonNullable<FlowColumns['wire']>; w.extra = [w.extra[0].subarray(0, w.extraStart[f])]; }],
    ['a short extraStart', (c) => { const w = c.wire as NonNullable<FlowColumns['wire']>; w.extraStart = w.extraStart.subarray(1); }],
    ['a chunk that is not bytes', (c) => { (c.wire as unknown as { extra: unknown[] }).extra = ['{}']; }],
    ['short times', (c) => { const w = c.wire as NonNullable<FlowColumns['wire']>; w.sec = w.sec.subarray(1); }],
    ['an odd time that is not text', (c) => { (c.wire as unknown as { oddTimes: unknown }).oddTimes = { 0: [1, 2] }; }],
  ];
  for (const [what, spoil] of bad) {
    const c = columnsOf(annotated.flows, annotated.activity.buckets, true);
    assert.equal(c.wire?.extra.length, 1, 'a small summary\'s extra JSON is one chunk');
    spoil(c);
    assert.equal(isFlowColumns(c), false, what);
  }
  // the same bytes cut between two flows are fine
  const c = columnsOf(annotated.flows, annotated.activity.buckets, true);
  const w = c.wire as NonNullable<FlowColumns['wire']>;
  const all = w.extra[0];
  const cut = w.extraStart[f + 1];
  w.extra = [all.subarray(0, cut), all.subarray(cut)];
  assert.ok(isFlowColumns(c));
  assert.deepEqual(recordAt(c, f), recordAt(good, f));
});

test('odd records become columns without throwing, with the webview\'s defaults', () => {
  const c = columnsOf([null, 'x', 42, { client: { ip: 7, port: -1 }, protocol: 'x'.repeat(100), activity: { bytes: 'no' }, dns: [{ name: 3 }] }], 8, true);
  const m = new FlowModel(c);
  assert.equal(m.view(0).client.addr, '?');
  assert.equal(m.view(3).protocol.length <= 40, true);
  assert.deepEqual(m.view(3).activity.bytes, []);
  assert.doesNotThrow(() => recordAt(c, 3));
});
