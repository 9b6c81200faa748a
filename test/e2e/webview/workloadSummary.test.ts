// A workload capture's summary in the webview (3 pods, one failed; test/fixtures/webview/
// workloadSummary.ts): the header lists the pods with their outcomes and the failed one's
// reason, the table has a "Captured on" column (only then), the filter box matches a pod, the
// detail and Copy flow name the pods, and Open in Wireshark still posts the flow's index (the
// host builds its display filter, see test/unit/extension/workloadHandOff.test.ts).
import { after, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { AnnotatedSummary } from '../../../src/shared/annotatedSummary.js';
import { sharedHarness, until, type Harness } from './webviewPage.js';
import { FAILED_REASON, WORKLOAD_PODS, workloadSummary } from '../../fixtures/webview/workloadSummary.js';

const FILE = '/home/dev/captures/20261128-134252-shop-web.pcapng';

describe('flow summary webview: a workload capture', { timeout: 120_000 }, () => {
  const shared = sharedHarness();
  const harness = (t: TestContext): Promise<Harness | undefined> => shared.get(t);
  after(() => shared.close());

  test('pods in the header, a Captured on column, the filter, the detail, Copy flow and Wireshark', async (t) => {
    const h = await harness(t);
    if (!h) return;
    const summary = workloadSummary();
    const alerted = summary.flows.findIndex((f) => f.alerted);
    assert.deepEqual(summary.flows[alerted].capturedOn, [WORKLOAD_PODS.api]);
    const w = await h.open();
    await w.send({ type: 'summary', summary, file: FILE, wiresharkAvailable: true });
    await until(w.page, 'rows', () => document.querySelectorAll('.flow-table .rows .row:not([hidden])').length > 0);
    // The header: one row per pod, the failed one with its reason.
    const pods = await w.page.$$eval('.alert-header .pods-table tbody tr', (rows) => rows.map((r) => ({ cls: r.className, cells: Array.from(r.children).map((c) => c.textContent ?? '') })));
    assert.deepEqual(pods.map((p) => p.cells[0]), [WORKLOAD_PODS.api, WORKLOAD_PODS.frontend, WORKLOAD_PODS.failed]);
    assert.deepEqual(pods.map((p) => p.cls), ['pod-ok', 'pod-warn', 'pod-fail']);
    assert.deepEqual(pods[2].cells, [WORKLOAD_PODS.failed, 'worker-2', 'failed', '0', FAILED_REASON]);
    assert.equal(await w.page.textContent('.alert-header details.pods summary'), 'Captured on 3 pods: 1 complete, 1 pod-ended, 1 failed');
    assert.equal(await w.page.isVisible('.alert-header .pods-table'), true, 'a few pods: the list is open');
    // The column: shown, wide enough to read, its cells the flows' pods.
    assert.equal(await w.page.isVisible('.flow-table .head button[data-key="capturedOn"]'), true);
    const col = await w.page.$$eval('.flow-table .rows .row:not([hidden])', (rows) => rows.map((r) => {
      const c = r.querySelector('.c-pods') as HTMLElement;
      return { flow: Number((r as HTMLElement).dataset.flow), text: c.textContent ?? '', width: c.getBoundingClientRect().width };
    }));
    for (const r of col) assert.equal(r.text, (summary.flows[r.flow].capturedOn ?? []).join(' · '), `flow ${r.flow}`);
    assert.ok(col.some((r) => r.text.includes(' · ')), 'a flow between two pods of the workload names both');
    assert.ok(col[0].width >= 150, `the column is laid out (${col[0].width}px)`);
    assert.equal(await w.page.getAttribute('.flow-table', 'aria-colcount'), '13');
    // The detail and Copy flow of the selected (alerted) flow.
    assert.match((await w.page.textContent('.detail')) ?? '', new RegExp(`captured on${WORKLOAD_PODS.api}`));
    await w.page.click('button.copy-flow');
    const copied = (await w.posted()).filter((m) => m.type === 'copyText').at(-1);
    assert.ok(copied?.type === 'copyText' && copied.text.includes(`captured on: ${WORKLOAD_PODS.api}`), JSON.stringify(copied));
    // The filter box matches a pod.
    const want = summary.flows.filter((f) => f.capturedOn?.includes(WORKLOAD_PODS.frontend)).length;
    await w.page.fill('.filter-text', 'abcde');
    await until(w.page, 'pod filter', (n) => document.querySelector('.toolbar .count')?.textContent === `${n} of 112 flows`, want);
    const shown = await w.page.$$eval('.flow-table .rows .row:not([hidden]) .c-pods', (cells) => cells.map((c) => c.textContent ?? ''));
    assert.ok(shown.length > 0 && shown.every((s) => s.includes(WORKLOAD_PODS.frontend)));
    // Open in Wireshark of a selected flow: the flow's index, as for any capture.
    await w.page.click('.flow-table .rows .row:not([hidden])');
    const picked = Number(await w.page.getAttribute('.flow-table .rows .row.selected', 'data-flow'));
    await w.page.click('button.open-wireshark');
    assert.deepEqual((await w.posted()).filter((m) => m.type === 'openInWireshark').at(-1), { type: 'openInWireshark', flowIndex: picked });
    await w.page.fill('.filter-text', '');
    await until(w.page, 'unfiltered', () => document.querySelector('.toolbar .count')?.textContent === '112 flows');
    assert.deepEqual(await w.problems(), []);
    await w.screenshot('workload-summary');
    await w.page.close();
  });

  test('a capture that is not a workload\'s has no pods and no Captured on column', async (t) => {
    const h = await harness(t);
    if (!h) return;
    const summary = JSON.parse(readFileSync('test/fixtures/webview/annotated-gen_lo.json', 'utf8')) as AnnotatedSummary;
    const w = await h.open();
    await w.send({ type: 'summary', summary, file: FILE, wiresharkAvailable: true });
    await until(w.page, 'rows', () => document.querySelectorAll('.flow-table .rows .row:not([hidden])').length > 0);
    assert.equal(await w.page.locator('.pods-table').count(), 0);
    assert.equal(await w.page.isVisible('.flow-table .head button[data-key="capturedOn"]'), false);
    assert.equal(await w.page.getAttribute('.flow-table', 'aria-colcount'), '12');
    assert.doesNotMatch((await w.page.textContent('.detail')) ?? '', /captured on/);
    await w.page.close();
  });
});
