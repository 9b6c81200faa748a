// 600,000 flows sent as columns, as the extension host sends a large summary (flows: [] plus
// `columns` of typed arrays, webview/flowColumns.ts): the summary opens, the table scrolls to
// the end and back, sorts and filters with a bounded number of DOM rows, and the charts stay
// bounded. Times are reported as diagnostics, not asserted.
import { after, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { sharedHarness, until, type Harness } from './webviewPage.js';

const N = 600_000;
const ALERTED = 473_456;

describe('flow summary webview with 600,000 flows as columns', { timeout: 300_000 }, () => {
  const shared = sharedHarness();
  const harness = (t: TestContext): Promise<Harness | undefined> => shared.get(t);
  after(() => shared.close());

  test('opens, scrolls, sorts, filters; DOM and graph bounded', async (t) => {
    const h = await harness(t);
    if (!h) return;
    const w = await h.open({ viewport: { width: 1400, height: 1000 } });
    const t0 = Date.now();
    // Columns made in the page (sending them through the test driver is slow) and delivered with
    // window.postMessage, as VS Code delivers the host's message (typed arrays as such).
    await w.page.evaluate(({ n, alerted }) => {
      let seed = 7; // mulberry32
      const rnd = (k: number): number => {
        seed = (seed + 0x6d2b79f5) >>> 0;
        let z = seed;
        z = Math.imul(z ^ (z >>> 15), z | 1);
        z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
        return (((z ^ (z >>> 14)) >>> 0) % k);
      };
      const strings: string[] = [];
      const ids = new Map<string, number>();
      const sid = (s: string): number => {
        let i = ids.get(s);
        if (i === undefined) {
          i = strings.push(s) - 1;
          ids.set(s, i);
        }
        return i;
      };
      const identities: { kind: string; label: string; namespace: string; name: string }[] = [];
      const podId = (pod: number): number => pod; // identities 0..499: pods
      for (let p = 0; p < 500; p++) identities.push({ kind: 'pod', label: `ns${p % 20}/app-${p} (Deployment app${p % 50})`, namespace: `ns${p % 20}`, name: `app-${p}` });
      const external = identities.push({ kind: 'external', label: 'external', namespace: '', name: '' }) - 1;
      const svcIds = new Map<string, number>();
      const protocol = new Uint32Array(n);
      const ip = new Uint32Array(2 * n);
      const port = new Int32Array(2 * n);
      const identity = new Int32Array(2 * n);
      const packets = new Float64Array(2 * n);
      const bytes = new Float64Array(2 * n);
      const seen = new Float64Array(2 * n);
      const alertedCol = new Uint8Array(n);
      const actFirst = new Uint16Array(n);
      const actStart = new Uint32Array(n + 1);
      const nameStart = new Uint32Array(n + 1);
      const flagStart = new Uint32Array(n + 1);
      const actP: number[] = [];
      const actB: number[] = [];
      const names: number[] = [];
      const start = Date.parse('2026-11-28T13:00:00Z') / 1000;
      for (let i = 0; i < n; i++) {
        const pod = rnd(500);
        const udp = i % 2 === 0;
        const ext = rnd(3) === 0;
        const sip = ext ? `203.0.${rnd(256)}.${rnd(256)}` : `10.96.${rnd(40)}.${rnd(200)}`;
        protocol[i] = sid(udp ? 'udp' : 'tcp');
        ip[2 * i] = sid(`10.244.${pod >> 8}.${pod & 255}`);
        ip[2 * i + 1] = sid(sip);
        port[2 * i] = 30000 + rnd(30000);
        port[2 * i + 1] = udp ? 53 : [443, 80, 8080, 5432][rnd(4)];
        identity[2 * i] = podId(pod);
        let s = svcIds.get(sip);
        if (s === undefined && !ext) svcIds.set(sip, (s = identities.push({ kind: 'service', label: `svc shop/svc-${sip}`, namespace: 'shop', name: `svc-${sip}` }) - 1));
        identity[2 * i + 1] = ext ? external : (s as number);
        packets[2 * i] = 1 + rnd(20);
        packets[2 * i + 1] = rnd(20);
        bytes[2 * i] = rnd(10_000);
        bytes[2 * i + 1] = rnd(40_000);
        const first = rnd(600_000) / 1000;
        seen[2 * i] = start + first;
        seen[2 * i + 1] = start + first + rnd(5000) / 1000;
        alertedCol[i] = i === alerted ? 1 : 0;
        actFirst[i] = Math.floor(first / 16);
        actP.push(packets[2 * i] + packets[2 * i + 1]);
        actB.push(bytes[2 * i] + bytes[2 * i + 1]);
        actStart[i + 1] = actB.length;
        if (udp) names.push(sid(`DNS q${i % 5000}.tunnel.example`));
        else if (i % 7 === 1) names.push(sid(`TLS svc${i % 1000}.example.test`));
        nameStart[i + 1] = names.length;
        flagStart[i + 1] = 0;
      }
      const columns = {
        kind: 'falcoshark-flow-columns', count: n, strings, identities, protocol, ip, port, identity, packets, bytes, seen, alerted: alertedCol,
        actFirst, actStart, actPackets: Float64Array.from(actP), actBytes: Float64Array.from(actB), nameStart, names: Uint32Array.from(names),
        flagStart, flags: new Uint32Array(0),
      };
      const summary = {
        schemaVersion: 1, comments: [], interfaces: [],
        totals: { packets: n * 10, bytes: n * 25_000, durationSeconds: 605, flows: n, protocols: {}, linkTypes: {}, unknownLinkTypes: {}, nonIp: {},
          undecodable: { packets: 0, reasons: {} }, ipFragments: { packets: 0, unattributed: 0 }, overflow: { maxFlows: 1_000_000, flowsRefused: 0, packets: 0, bytes: 0 }, hintsDropped: 0 },
        activity: { start: '2026-11-28T13:00:00.000000000Z', bucketSeconds: 16, buckets: 48 },
        flows: [],
        columns,
      };
      window.postMessage({ type: 'summary', summary, file: '/captures/busy-node.pcapng', wiresharkAvailable: true }, '*');
    }, { n: N, alerted: ALERTED });
    await until(w.page, 'table rows', () => document.querySelectorAll('.flow-table .rows .row:not([hidden])').length > 0, undefined, 120_000);
    t.diagnostic(`600,000 flows as columns generated (in the page), delivered and shown in ${Date.now() - t0} ms`);
    t.diagnostic(`webview: ${(await w.page.evaluate(() => performance.getEntriesByType('measure').map((m) => `${m.name} ${m.duration.toFixed(0)} ms`))).join(', ')}`);
    assert.equal(await w.page.textContent('.toolbar .count'), '600,000 flows');
    assert.match((await w.page.textContent('.header-box')) ?? '', /600,000 flows/);
    const domRows = (): Promise<number> => w.page.evaluate(() => document.querySelectorAll('.flow-table .row').length);
    const firstRow = await w.page.evaluate(() => (document.querySelector('.flow-table .rows .row:not([hidden])') as HTMLElement).dataset.flow);
    assert.equal(firstRow, String(ALERTED), 'the alerted flow first');
    assert.ok((await domRows()) <= 80, `bounded DOM rows: ${await domRows()}`);

    const k0 = Date.now();
    await w.page.focus('.flow-table .rows .row.selected');
    await w.page.keyboard.press('End');
    await until(w.page, 'last row focused', () => document.activeElement?.getAttribute('aria-rowindex') === '600001', undefined, 30_000);
    t.diagnostic(`End key: ${Date.now() - k0} ms`);
    assert.ok((await domRows()) <= 80);
    await w.page.evaluate(() => {
      const v = document.querySelector('.flow-table .viewport') as HTMLElement;
      v.scrollTop = v.scrollHeight / 2;
    });
    await until(w.page, 'middle rows', () =>
      Array.from(document.querySelectorAll('.flow-table .rows .row:not([hidden])')).some((r) => Number(r.getAttribute('aria-rowindex')) > 299_000 && Number(r.getAttribute('aria-rowindex')) < 301_000));
    assert.ok((await domRows()) <= 80);

    for (const key of ['client', 'bytesIn']) {
      const s0 = Date.now();
      await w.page.click(`.flow-table .head button[data-key="${key}"]`);
      await until(w.page, `sorted by ${key}`, (k) => document.querySelector(`.flow-table .head .cell:has(button[data-key="${k}"])`)?.getAttribute('aria-sort') !== 'none', key, 30_000);
      t.diagnostic(`sort by ${key}: ${Date.now() - s0} ms`);
    }
    const f0 = Date.now();
    await w.page.fill('.filter-text', 'svc7.example.test');
    await until(w.page, 'filtered', () => /^\d[\d,]* of 600,000 flows$/.test(document.querySelector('.toolbar .count')?.textContent ?? ''), undefined, 30_000);
    t.diagnostic(`filter: ${Date.now() - f0} ms`);
    await until(w.page, 'filtered rows', () => {
      const c = Array.from(document.querySelectorAll('.flow-table .rows .row:not([hidden]) .c-names'));
      return c.length > 0 && c.every((x) => (x.textContent ?? '').includes('svc7'));
    });
    assert.ok((await domRows()) <= 80);
    const g = await w.page.evaluate(() => ({
      circles: document.querySelectorAll('svg.graph .node circle').length,
      alerted: document.querySelectorAll('svg.graph path.edge.alerted').length,
      strips: document.querySelectorAll('svg.timeline .strip').length,
    }));
    assert.ok(g.circles <= 200 && g.circles >= 100, `graph nodes bounded: ${g.circles}`);
    assert.equal(g.alerted, 1);
    assert.equal(g.strips, 1 + 1 + 12);
    const heap = await w.page.evaluate(() => (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? 0);
    t.diagnostic(`page JS heap: ${(heap / 1e6).toFixed(0)} MB`);
    assert.deepEqual(await w.problems(), []);
    await w.screenshot('many-600k-filtered');
    await w.page.close();
  });
});
