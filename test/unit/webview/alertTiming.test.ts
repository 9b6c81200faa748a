// The webview's alert timing (webview/alertTiming.ts) and the flows against it (flowModel.ts):
// where the timeline puts the alert (a marker on the axis, or a note when a live capture began
// after it), the recorded window's captions, each flow's phase, the before/after filter and
// sort, from a real analysis of gen_lo.pcapng with a flight-recorder sidecar (alert in the
// middle) and from the live-capture webview fixture (alert 2 s before the first packet).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { analyzeFile } from '../../../src/core/flows/analyzeFile.js';
import { annotateSummary } from '../../../src/core/annotate/annotateSummary.js';
import type { AnnotatedSummary } from '../../../src/shared/annotatedSummary.js';
import { alertMarker, alertTimingOf, beforeAlertText, formatGap, recordedCaptions, splitShown } from '../../../webview/alertTiming.js';
import { columnsOf } from '../../../webview/flowColumns.js';
import { isFlowColumns, recordAt } from '../../../webview/flowColumnsRead.js';
import { FlowModel, orderFlows, type FilterState } from '../../../webview/flowModel.js';
import { GEN_LO, MID_ALERT, recordedSidecar } from '../flows/recordedCapture.js';

const HELD = '2026-11-28T13:42:20.000000000Z';
const all: FilterState = { text: '', protocol: '', alertedOnly: false, alertedFirst: false, phase: 'all' };

async function recorded(): Promise<AnnotatedSummary> {
  return annotateSummary(await analyzeFile(GEN_LO, { alertTime: MID_ALERT }), recordedSidecar(MID_ALERT, HELD));
}

function modelOf(s: AnnotatedSummary): FlowModel {
  const m = FlowModel.fromFlows(s.flows, s.activity.buckets);
  m.setAlert(alertTimingOf(s));
  return m;
}

test('a recorded capture: the alert on the axis, the window and what the recorder held said under it', async () => {
  const s = await recorded();
  const t = alertTimingOf(s);
  assert.equal(t.time, Date.parse(MID_ALERT) / 1000);
  assert.equal(t.exact, true);
  assert.deepEqual([t.packetsBefore, t.bytesBefore, t.packets], [442, 64013, 836]);
  assert.ok(splitShown(t));
  const start = Date.parse(s.activity.start) / 1000;
  const mark = alertMarker(t, start, start + s.activity.buckets * s.activity.bucketSeconds);
  assert.deepEqual(mark, {
    place: 'inside', time: t.time, label: 'alert 13:42:55.500', note: '',
    captions: [
      'recorded 60 s before → 30 s after the alert',
      'the recorder held packets only from 13:42:20.000 (36 s before the alert)',
    ],
  });
  // heldFrom no later than from: nothing to say about it.
  const full = alertTimingOf(annotateSummary(await analyzeFile(GEN_LO, { alertTime: MID_ALERT }), recordedSidecar(MID_ALERT, '2026-11-28T13:41:55.500000000Z')));
  assert.deepEqual(recordedCaptions(full), ['recorded 60 s before → 30 s after the alert']);
});

test('a live capture: the alert before the first packet is a note, the axis is not stretched, no split', () => {
  const live = JSON.parse(readFileSync('test/fixtures/webview/annotated-gen_lo.json', 'utf8')) as AnnotatedSummary;
  const t = alertTimingOf(live);
  assert.equal(t.exact, false, 'made without an alert time: no alertSplit');
  assert.equal(splitShown(t), false);
  const start = Date.parse(live.activity.start) / 1000;
  const m = alertMarker(t, start, start + live.activity.buckets * live.activity.bucketSeconds);
  assert.equal(m.place, 'before');
  assert.equal(m.note, 'alert 13:42:51.902, 2.0 s before the capture started');
  assert.deepEqual(m.captions, []);
  const model = modelOf(live);
  assert.ok(Array.from({ length: model.count }, (_, i) => model.phaseOf(i)).every((p) => p === 'after'));
  // The phase filter does nothing when the split is not shown.
  assert.equal(orderFlows(model, { key: 'bytes', descending: true }, { ...all, phase: 'before' }).length, model.count);
});

test('outside, nothing or nonsense: after the last packet, no alert, hostile fields', () => {
  const base = { totals: { packets: 2, bytes: 100, firstPacket: '2026-11-28T13:00:00.000000000Z', lastPacket: '2026-11-28T13:00:10.000000000Z' } };
  const late = alertTimingOf({ ...base, context: { alert: { time: '2026-11-28T13:05:10.000000000Z' } } });
  const t0 = Date.parse('2026-11-28T13:00:00Z') / 1000;
  assert.deepEqual({ ...alertMarker(late, t0, t0 + 16), time: 0 }, { place: 'after', time: 0, label: 'alert 13:05:10.000', note: 'alert 13:05:10.000, 5 min 0 s after the capture\'s last packet', captions: [] });
  assert.equal(alertMarker(alertTimingOf(base), t0, t0 + 16).place, 'none');
  const hostile = alertTimingOf({ ...base, alertSplit: { time: 'javascript:1', packetsBefore: -5 },
    context: { alert: { time: '<img src=x onerror=alert(1)>' }, recorded: { recorder: 'x'.repeat(5000), beforeSeconds: 'many', afterSeconds: -1, alertTime: 7 } } });
  assert.ok(Number.isNaN(hostile.time) && !hostile.exact && Number.isNaN(hostile.packetsBefore));
  assert.deepEqual(recordedCaptions(hostile), ['recorded 0 ms before → 0 ms after the alert']);
  assert.match(hostile.recorded?.recorder ?? '', /^x{200}… \(\+824 chars\)$/, 'the recorder name is clipped');
  assert.deepEqual(alertTimingOf(null).recorded, undefined);
  assert.deepEqual([formatGap(0.35), formatGap(-1.975), formatGap(12.4), formatGap(185)], ['350 ms', '2.0 s', '12 s', '3 min 5 s']);
});

test('each flow against the alert: phases, counts, the before/after filter and the sort', async () => {
  const s = await recorded();
  const m = modelOf(s);
  const phases = Array.from({ length: m.count }, (_, i) => m.phaseOf(i));
  const n = (p: string): number => phases.filter((x) => x === p).length;
  assert.deepEqual([n('before'), n('across'), n('after')], [55, 6, 51]);
  for (let i = 0; i < m.count; i++) {
    const f = s.flows[i];
    const v = m.view(i);
    assert.equal(v.beforePackets, f.beforeAlert?.packets ?? 0, `flow ${i}`);
    assert.equal(v.beforeBytes, f.beforeAlert?.bytes ?? 0, `flow ${i}`);
  }
  const c2 = m.view(s.flows.findIndex((f) => f.alerted));
  assert.equal(c2.phase, 'across');
  assert.equal(beforeAlertText(c2), '80 of 127 packets (6.6 KiB of 10 KiB); first packet 1.6 s before the alert');
  const order = (f: Partial<FilterState>, key: 'bytes' | 'beforeAlert' = 'bytes'): Uint32Array => orderFlows(m, { key, descending: true }, { ...all, ...f });
  assert.equal(order({ phase: 'before' }).length, 61, 'before: begun before the alert (55 all before + 6 across)');
  assert.equal(order({ phase: 'after' }).length, 57, 'after: with packets at or after it (6 across + 51)');
  assert.ok([...order({ phase: 'before' })].every((i) => phases[i] !== 'after'));
  const byBefore = order({}, 'beforeAlert');
  assert.equal(s.flows[byBefore[0]].beforeAlert?.packets, 100, 'most packets before the alert first');
  assert.equal(order({ alertedFirst: true }, 'beforeAlert')[0], s.flows.findIndex((f) => f.alerted));
  // A summary with the alert in its context but without the analysis's counts (an older host,
  // the CLI): the same phases from the flows' times; counts only where they follow from them.
  const noCounts = { ...s, alertSplit: undefined, flows: s.flows.map(({ beforeAlert, ...f }) => { void beforeAlert; return f; }) };
  const guess = modelOf(noCounts);
  assert.equal(guess.alert.exact, false);
  for (let i = 0; i < m.count; i++) {
    assert.equal(guess.phaseOf(i), phases[i], `flow ${i}`);
    const b = guess.view(i).beforePackets;
    assert.ok(phases[i] === 'across' ? Number.isNaN(b) : b === m.view(i).beforePackets, `flow ${i}`);
  }
  assert.match(beforeAlertText(guess.view(s.flows.findIndex((f) => f.alerted))), /^some \(the summary has no counts: it began before the alert and went on after it\); first packet 1\.6 s before/);
});

test('columns carry the counts (records come back key for key), only when there are some', async () => {
  const s = await recorded();
  const c = columnsOf(s.flows, s.activity.buckets, true);
  for (let i = 0; i < c.count; i++) assert.equal(JSON.stringify(recordAt(c, i)), JSON.stringify(s.flows[i]), `flow ${i}`);
  assert.ok(isFlowColumns(c));
  assert.equal(isFlowColumns({ ...c, before: c.before?.subarray(2) }), false, 'a short before column is refused');
  const plain = columnsOf((await analyzeFile(GEN_LO)).flows, s.activity.buckets, false);
  assert.equal(plain.before, undefined, 'a summary without counts costs no column');
  assert.ok(isFlowColumns(plain), 'columns without it (an older host) are fine');
});
