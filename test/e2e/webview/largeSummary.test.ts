// 100,000 flows: the table renders, scrolls to the end, sorts and filters, and the DOM holds
// a bounded number of rows; the graph stays bounded (the rest aggregated as "other").
import { after, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { sharedHarness, until, type Harness } from './webviewPage.js';

const N = 100_000;
const ALERTED = 73_456;

describe('flow summary webview with 100,000 flows', { timeout: 180_000 }, () => {
  const shared = sharedHarness();
  const harness = (t: TestContext): Promise<Harness | undefined> => shared.get(t);
  after(() => shared.close());

  test('virtualised table, keyboard to the end, sort, filter, bounded graph', async (t) => {
    const h = await harness(t);
    if (!h) return;
    const w = await h.open({ viewport: { width: 1400, height: 1000 } });
    // The summary is generated in the page (sending 100,000 flows through the test driver is
    // slow) and delivered with window.postMessage, as VS Code delivers the host's message.
    const t0 = Date.now();
    await w.page.evaluate(({ n, alerted }) => {
      let seed = 42; // mulberry32
      const rnd = (k: number): number => {
        seed = (seed + 0x6d2b79f5) >>> 0;
        let z = seed;
        z = Math.imul(z ^ (z >>> 15), z | 1);
        z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
        return (((z ^ (z >>> 14)) >>> 0) % k);
      };
      const start = Date.parse('2026-11-28T13:00:00Z');
      const iso = (ms: number): string => new Date(ms).toISOString().replace('Z', '000000Z');
      const flows = [];
      for (let i = 0; i < n; i++) {
        const pod = rnd(500);
        const external = rnd(3) === 0;
        const sip = external ? `203.0.${rnd(256)}.${rnd(256)}` : `10.96.${rnd(40)}.${rnd(200)}`;
        const first = rnd(600_000);
        const len = 1 + rnd(8);
        const bytes = Array.from({ length: len }, () => rnd(5000));
        const packets = bytes.map((b) => Math.ceil(b / 500));
        const bc = rnd(100_000);
        const bs = rnd(400_000);
        flows.push({
          protocol: i % 10 === 0 ? 'udp' : 'tcp',
          client: { ip: `10.244.${pod >> 8}.${pod & 255}`, port: 30000 + rnd(30000) },
          server: { ip: sip, port: [443, 80, 53, 8080, 5432][rnd(5)] },
          packets: { fromClient: 1 + rnd(1000), fromServer: rnd(1000) },
          bytes: { fromClient: bc, fromServer: bs },
          firstSeen: iso(start + first),
          lastSeen: iso(start + first + rnd(60_000)),
          clientBy: 'syn',
          activity: { firstBucket: Math.floor(first / 16_000), packets, bytes },
          ...(i % 7 === 0 ? { tlsSni: `svc${i}.example.test` } : {}),
          clientIdentity: { kind: 'pod', namespace: `ns${pod % 20}`, name: `app-${pod}`, workload: { kind: 'Deployment', name: `app${pod % 50}` }, label: `ns${pod % 20}/app-${pod} (Deployment app${pod % 50})` },
          serverIdentity: external ? { kind: 'external', label: 'external' } : { kind: 'service', namespace: 'shop', name: `svc-${sip}`, label: `svc shop/svc-${sip}` },
          ...(i === alerted ? { alerted: true } : {}),
        });
      }
      const summary = {
        schemaVersion: 1, comments: [], interfaces: [],
        totals: { packets: n * 10, bytes: n * 250_000, durationSeconds: 660, flows: n, protocols: {}, linkTypes: {}, unknownLinkTypes: {}, nonIp: {},
          undecodable: { packets: 0, reasons: {} }, ipFragments: { packets: 0, unattributed: 0 }, overflow: { maxFlows: 1_000_000, flowsRefused: 0, packets: 0, bytes: 0 }, hintsDropped: 0 },
        activity: { start: '2026-11-28T13:00:00.000000000Z', bucketSeconds: 16, buckets: 48 },
        flows,
      };
      window.postMessage({ type: 'summary', summary, file: '/captures/big.pcapng', wiresharkAvailable: true }, '*');
    }, { n: N, alerted: ALERTED });
    await until(w.page, 'table rows', () => document.querySelectorAll('.flow-table .rows .row:not([hidden])').length > 0, undefined, 60_000);
    t.diagnostic(`100,000 flows generated (in the page), delivered and shown in ${Date.now() - t0} ms`);
    t.diagnostic(`webview: ${(await w.page.evaluate(() => performance.getEntriesByType('measure').map((m) => `${m.name} ${m.duration.toFixed(0)} ms`))).join(', ')}`);
    assert.equal(await w.page.textContent('.toolbar .count'), '100,000 flows');
    const domRows = (): Promise<number> => w.page.evaluate(() => document.querySelectorAll('.flow-table .row').length);
    const firstRow = await w.page.evaluate(() => (document.querySelector('.flow-table .rows .row:not([hidden])') as HTMLElement).dataset.flow);
    assert.equal(firstRow, String(ALERTED), 'the alerted flow first');
    assert.ok((await domRows()) <= 80, `bounded DOM rows: ${await domRows()}`);
    await w.screenshot('large-100k-top');

    // Keyboard to the end.
    const k0 = Date.now();
    await w.page.focus('.flow-table .rows .row.selected');
    await w.page.keyboard.press('End');
    await until(w.page, 'last row focused', () => document.activeElement?.getAttribute('aria-rowindex') === '100001');
    t.diagnostic(`End key: ${Date.now() - k0} ms`);
    const scroll = await w.page.evaluate(() => {
      const v = document.querySelector('.flow-table .viewport') as HTMLElement;
      const r = (document.activeElement as HTMLElement).getBoundingClientRect();
      const vr = v.getBoundingClientRect();
      return { atEnd: v.scrollTop + v.clientHeight >= v.scrollHeight - 2, visible: r.top >= vr.top && r.bottom <= vr.bottom + 1 };
    });
    assert.ok(scroll.atEnd && scroll.visible, JSON.stringify(scroll));
    assert.ok((await domRows()) <= 80);
    await w.page.keyboard.press('PageUp');
    await w.page.keyboard.press('ArrowUp');
    // The focus is still on a row (a missing attribute must not read as row 0), a page and one more up.
    const after = await w.page.evaluate(() => document.activeElement?.getAttribute('aria-rowindex') ?? null);
    assert.match(after ?? '(no row focused)', /^\d+$/);
    assert.ok(Number(after) >= 2 && Number(after) <= 100_001 - 2, `PageUp then ArrowUp from the last row: row ${after}`);
    await w.screenshot('large-100k-end');

    // Scrolling the viewport (as a wheel would) re-fills the same rows.
    await w.page.evaluate(() => {
      const v = document.querySelector('.flow-table .viewport') as HTMLElement;
      v.scrollTop = v.scrollHeight / 2;
    });
    await until(w.page, 'middle rows', () =>
      Array.from(document.querySelectorAll('.flow-table .rows .row:not([hidden])')).some((r) => Number(r.getAttribute('aria-rowindex')) > 49_000 && Number(r.getAttribute('aria-rowindex')) < 51_000));
    assert.ok((await domRows()) <= 80);

    // Sort by client (text) and by bytes, filter by text: timed, and still bounded.
    for (const key of ['client', 'bytesIn']) {
      const s0 = Date.now();
      await w.page.click(`.flow-table .head button[data-key="${key}"]`);
      await until(w.page, `sorted by ${key}`, (k) => document.querySelector(`.flow-table .head .cell:has(button[data-key="${k}"])`)?.getAttribute('aria-sort') !== 'none', key);
      t.diagnostic(`sort by ${key}: ${Date.now() - s0} ms`);
    }
    const f0 = Date.now();
    await w.page.fill('.filter-text', 'svc7.example.test');
    await until(w.page, 'filtered', () => /^\d[\d,]* of 100,000 flows$/.test(document.querySelector('.toolbar .count')?.textContent ?? ''));
    t.diagnostic(`filter: ${Date.now() - f0} ms`);
    // The count can change a frame before the pooled rows are refilled: wait for the rows too.
    await until(w.page, 'filtered rows', () => {
      const c = Array.from(document.querySelectorAll('.flow-table .rows .row:not([hidden]) .c-names'));
      return c.length > 0 && c.every((x) => (x.textContent ?? '').includes('svc7'));
    });
    const names = await w.page.$$eval('.flow-table .rows .row:not([hidden]) .c-names', (c) => c.map((x) => x.textContent ?? ''));
    assert.ok(names.length > 0 && names.every((x) => x.includes('svc7')), names.join(','));
    assert.ok((await domRows()) <= 80);

    const g = await w.page.evaluate(() => ({
      circles: document.querySelectorAll('svg.graph .node circle').length,
      other: document.querySelectorAll('svg.graph .node.kind-other').length,
      labels: document.querySelectorAll('svg.graph .node-label').length,
      alerted: document.querySelectorAll('svg.graph path.edge.alerted').length,
      strips: document.querySelectorAll('svg.timeline .strip').length,
    }));
    assert.ok(g.circles <= 200 && g.circles >= 100, `graph nodes bounded: ${g.circles}`);
    assert.ok(g.labels <= 32, `labels for the 30 busiest nodes and the alerted ones only: ${g.labels}`);
    assert.equal(g.other, 1);
    assert.equal(g.alerted, 1);
    assert.equal(g.strips, 1 + 1 + 12);
    assert.deepEqual(await w.problems(), []);
    await w.screenshot('large-100k-filtered');
    await w.page.close();
  });
});
