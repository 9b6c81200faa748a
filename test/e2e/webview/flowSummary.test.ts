// The flow summary webview in real headless Chromium, with the annotated fixture of gen_lo
// (test/fixtures/webview/annotated-gen_lo.json): ready first, alert header, alerted flow
// highlighted and first, sort, filter, keyboard, Wireshark hand-off, saved state, the d3
// timeline and graph, and no CSP violation. Screenshots: test-artifacts/webview/.
import { after, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { AnnotatedSummary } from '../../../src/shared/annotatedSummary.js';
import { sharedHarness, until, type Harness, type WebviewPage } from './webviewPage.js';
import { FlowModel, orderFlows, SORT_KEYS, type SortKey } from '../../../webview/flowModel.js';

const summary = JSON.parse(readFileSync('test/fixtures/webview/annotated-gen_lo.json', 'utf8')) as AnnotatedSummary;
const ALERTED = summary.flows.findIndex((f) => f.alerted);
const FILE = '/home/dev/captures/20261128-134252-shop-api.pcapng';

async function rowsText(w: WebviewPage): Promise<{ flow: number; alerted: boolean; selected: boolean; cells: string[] }[]> {
  return w.page.$$eval('.flow-table .rows .row:not([hidden])', (rows) =>
    rows
      .map((r) => ({ top: r.getBoundingClientRect().top, r }))
      .sort((a, b) => a.top - b.top)
      .map(({ r }) => ({
        flow: Number((r as HTMLElement).dataset.flow),
        alerted: r.classList.contains('alerted'),
        selected: r.classList.contains('selected'),
        cells: Array.from(r.children).map((c) => c.textContent ?? ''),
      })),
  );
}

async function loaded(w: WebviewPage, s: AnnotatedSummary = summary, wiresharkAvailable = true): Promise<void> {
  await w.send({ type: 'summary', summary: s, file: FILE, wiresharkAvailable });
  await until(w.page, 'table rows', () => document.querySelectorAll('.flow-table .rows .row:not([hidden])').length > 0);
}

describe('flow summary webview', { timeout: 120_000 }, () => {
  const shared = sharedHarness();
  const harness = (t: TestContext): Promise<Harness | undefined> => shared.get(t);
  after(() => shared.close());

  test('says ready first, shows the alert, the alerted flow highlighted and first', async (t) => {
    const h = await harness(t);
    if (!h) return;
    assert.ok(ALERTED > 0, 'the fixture has an alerted flow that is not already first');
    const w = await h.open();
    await until(w.page, 'ready', () => (window as unknown as { __posted: unknown[] }).__posted.length > 0);
    assert.deepEqual((await w.posted())[0], { type: 'ready' });
    await loaded(w);
    const header = await w.page.textContent('.alert-header');
    assert.match(header ?? '', /Outbound Connection to C2 Servers/);
    assert.match(header ?? '', /Critical/);
    assert.match(header ?? '', /shop\/api-7d9c5b6f4-x2x8q/);
    assert.match(header ?? '', /worker-1/);
    assert.match(header ?? '', /ip\.addr==198\.51\.100\.23 && tcp\.port==4444/);
    assert.match(header ?? '', /cluster snapshot incomplete/);
    assert.equal(await w.page.getAttribute('.alert-header .priority', 'class'), 'priority sev-critical');
    const rows = await rowsText(w);
    assert.equal(rows[0].flow, ALERTED);
    assert.ok(rows[0].alerted && rows[0].selected, 'alerted row highlighted and selected');
    assert.equal(rows.filter((r) => r.alerted).length, 1);
    // Endpoints carry their identity labels.
    assert.match(rows[0].cells[2], /^pod\s*shop\/api-7d9c5b6f4-x2x8q\s*10\.244\.1\.12:34043 · Deployment api, svc shop\/api$/);
    assert.match(rows[0].cells[3], /ext\s*external\s*198\.51\.100\.23:4444/);
    const all = rows.map((r) => r.cells.join(' ')).join('\n');
    assert.match(all, /svc\s*svc shop\/payments\s*10\.96\.14\.7:8443/);
    assert.match(all, /TLS api\d+\.example\.test/);
    assert.match(all, /HTTP (GET|POST) svc\d+\.example\.test\/item\//);
    assert.equal(await w.page.textContent('.toolbar .count'), '112 flows');
    assert.deepEqual(await w.problems(), []);
    await w.screenshot('flow-summary-dark');
    // A narrow editor column: the charts stack and are redrawn to the new width.
    await w.page.setViewportSize({ width: 820, height: 1000 });
    await until(w.page, 'narrow redraw', () => Number(document.querySelector('svg.graph')?.getAttribute('width')) > 600);
    await w.screenshot('flow-summary-narrow');
    await w.page.close();
  });

  test('sorts by every column, both ways; filters by text, protocol and alerted only', async (t) => {
    const h = await harness(t);
    if (!h) return;
    const w = await h.open();
    await loaded(w);
    // Without "alerted first", bytes descending puts the biggest flow first (not the alerted one).
    await w.page.click('.alerted-first input');
    let rows = await rowsText(w);
    const biggest = summary.flows.map((f, i) => ({ i, b: f.bytes.fromClient + f.bytes.fromServer })).sort((a, b) => b.b - a.b || a.i - b.i);
    assert.deepEqual(rows.slice(0, 5).map((r) => r.flow), biggest.slice(0, 5).map((x) => x.i));
    const heads = await w.page.$$eval('.flow-table .head button.sort', (b) => b.map((x) => (x as HTMLElement).dataset.key ?? ''));
    assert.deepEqual([...heads].sort(), [...SORT_KEYS].sort(), 'a sort button per sort key');
    // Each visible row sits where the model's order for that key and direction puts it (the
    // model's orders are checked against the flows' values in flowModel.test.ts).
    const model = FlowModel.fromFlows(summary.flows, summary.activity.buckets);
    const noFilter = { text: '', protocol: '', alertedOnly: false, alertedFirst: false, phase: 'all' as const };
    const checkOrder = async (key: SortKey, dir: string | null): Promise<void> => {
      assert.ok(dir === 'ascending' || dir === 'descending', `${key}: aria-sort ${String(dir)}`);
      const order = orderFlows(model, { key, descending: dir === 'descending' }, noFilter);
      const shown = await w.page.$$eval('.flow-table .rows .row:not([hidden])', (rows) => rows.map((r) => [Number(r.getAttribute('aria-rowindex')) - 2, Number((r as HTMLElement).dataset.flow)]));
      assert.ok(shown.length >= 10, `${key}: rows shown`);
      for (const [pos, flow] of shown) assert.equal(flow, order[pos], `${key} ${dir}: row ${pos}`);
    };
    // The "Before alert" column is there only when the alert's time is inside the capture (this
    // fixture's alert came before it: a live capture), "Captured on" only for a workload capture
    // (workloadSummary.test.ts).
    const shownHeads = await w.page.$$eval('.flow-table .head button.sort', (b) => b.filter((x) => (x as HTMLElement).offsetParent !== null).map((x) => (x as HTMLElement).dataset.key ?? ''));
    assert.deepEqual(heads.filter((k) => !shownHeads.includes(k)), ['capturedOn', 'beforeAlert']);
    for (const key of shownHeads as SortKey[]) {
      const head = `.flow-table .head .cell:has(button[data-key="${key}"])`;
      await w.page.click(`.flow-table .head button[data-key="${key}"]`);
      const dir1 = await w.page.getAttribute(head, 'aria-sort');
      await checkOrder(key, dir1);
      await w.page.click(`.flow-table .head button[data-key="${key}"]`);
      const dir2 = await w.page.getAttribute(head, 'aria-sort');
      assert.notEqual(dir1, dir2, `${key} toggles direction`);
      await checkOrder(key, dir2);
    }
    // Packets → ascending: non-decreasing down the visible rows.
    await w.page.click('.flow-table .head button[data-key="packetsOut"]');
    if ((await w.page.getAttribute('.flow-table .head .cell:has(button[data-key="packetsOut"])', 'aria-sort')) !== 'ascending') {
      await w.page.click('.flow-table .head button[data-key="packetsOut"]');
    }
    rows = await rowsText(w);
    const pk = rows.map((r) => summary.flows[r.flow].packets.fromClient);
    assert.deepEqual(pk, [...pk].sort((a, b) => a - b));

    await w.page.fill('.filter-text', 'kube-dns');
    await until(w.page, 'filtered count', () => /of 112/.test(document.querySelector('.toolbar .count')?.textContent ?? ''));
    rows = await rowsText(w);
    const dnsFlows = summary.flows.filter((f) => f.serverIdentity?.label === 'svc kube-system/kube-dns').length;
    assert.equal(await w.page.textContent('.toolbar .count'), `${dnsFlows} of 112 flows`);
    assert.ok(rows.every((r) => /kube-dns/.test(r.cells[3])));
    await w.page.fill('.filter-text', 'api3.example.test');
    await until(w.page, 'SNI filter', () => document.querySelector('.toolbar .count')?.textContent === '1 of 112 flows');
    assert.match((await rowsText(w))[0].cells[4], /TLS api3\.example\.test/);
    await w.page.fill('.filter-text', 'svc2.example.test/item/2');
    await until(w.page, 'HTTP filter', () => document.querySelector('.toolbar .count')?.textContent === '1 of 112 flows');
    await w.page.fill('.filter-text', '');
    await w.page.selectOption('.filter-protocol', 'icmp');
    await until(w.page, 'protocol filter', () => document.querySelector('.toolbar .count')?.textContent === '1 of 112 flows');
    await w.page.selectOption('.filter-protocol', '');
    await w.page.click('.alerted-only input');
    await until(w.page, 'alerted only', () => document.querySelector('.toolbar .count')?.textContent === '1 of 112 flows');
    assert.equal((await rowsText(w))[0].flow, ALERTED);
    await w.page.click('.alerted-only input');
    await w.page.fill('.filter-text', 'no such thing anywhere');
    await until(w.page, 'empty', () => !(document.querySelector('.flow-table .empty') as HTMLElement).hidden);
    await w.screenshot('flow-summary-filtered-empty');
    // The state VS Code keeps holds sort and filter.
    const st = (await w.state()) as { sort: { key: string }; filter: { text: string; alertedFirst: boolean } };
    assert.equal(st.sort.key, 'packetsOut');
    assert.equal(st.filter.text, 'no such thing anywhere');
    assert.equal(st.filter.alertedFirst, false);
    assert.deepEqual(await w.problems(), []);
    await w.page.close();
  });

  test('keyboard moves the selection; Enter and the button post openInWireshark with the flow index', async (t) => {
    const h = await harness(t);
    if (!h) return;
    const w = await h.open();
    await loaded(w);
    await w.page.focus('.flow-table .rows .row.selected');
    await w.page.keyboard.press('Enter');
    await w.page.keyboard.press('ArrowDown');
    await w.page.keyboard.press('ArrowDown');
    const rows = await rowsText(w);
    const third = rows[2].flow;
    assert.ok(rows[2].selected);
    assert.equal(await w.page.evaluate(() => (document.activeElement as HTMLElement).dataset.flow), String(third));
    await w.page.keyboard.press('Enter');
    await w.page.keyboard.press('End');
    const last = await w.page.evaluate(() => Number((document.activeElement as HTMLElement).dataset.flow));
    assert.equal(await w.page.evaluate(() => (document.activeElement as HTMLElement).getAttribute('aria-rowindex')), '113');
    await w.page.keyboard.press('PageUp');
    await w.page.keyboard.press('Home');
    assert.equal(await w.page.evaluate(() => Number((document.activeElement as HTMLElement).dataset.flow)), ALERTED);
    await w.page.keyboard.press('End');
    await w.page.click('button.open-wireshark');
    const opens = (await w.posted()).filter((m) => m.type === 'openInWireshark');
    assert.deepEqual(opens, [
      { type: 'openInWireshark', flowIndex: ALERTED },
      { type: 'openInWireshark', flowIndex: third },
      { type: 'openInWireshark', flowIndex: last },
    ]);
    // Selection is shown in the detail pane and saved.
    assert.match((await w.page.textContent('.detail')) ?? '', /client/);
    assert.equal(((await w.state()) as { selected: number }).selected, last);
    await w.page.click('button.reveal-file');
    await w.page.click('button.copy-flow');
    const tail = (await w.posted()).slice(-2);
    assert.deepEqual(tail[0], { type: 'revealFile' });
    assert.equal(tail[1].type, 'copyText');
    await w.page.close();
  });

  test('without Wireshark the button is disabled with a tooltip and Enter posts nothing', async (t) => {
    const h = await harness(t);
    if (!h) return;
    const w = await h.open();
    await loaded(w, summary, false);
    assert.equal(await w.page.isDisabled('button.open-wireshark'), true);
    assert.match((await w.page.getAttribute('.button-wrap', 'title')) ?? '', /Wireshark was not found/);
    await w.page.focus('.flow-table .rows .row.selected');
    await w.page.keyboard.press('Enter');
    assert.deepEqual((await w.posted()).filter((m) => m.type === 'openInWireshark'), []);
    await w.page.close();
  });

  test('restores the state VS Code saved (sort, filter, selection)', async (t) => {
    const h = await harness(t);
    if (!h) return;
    const w = await h.open({ state: { sort: { key: 'server', descending: false }, filter: { text: 'fluent', protocol: 'udp', alertedOnly: false, alertedFirst: true }, selected: 3 } });
    await loaded(w);
    assert.equal(await w.page.inputValue('.filter-text'), 'fluent');
    assert.equal(await w.page.inputValue('.filter-protocol'), 'udp');
    assert.equal(await w.page.getAttribute('.flow-table .head .cell:has(button[data-key="server"])', 'aria-sort'), 'ascending');
    const rows = await rowsText(w);
    assert.ok(rows.length > 0 && rows.every((r) => /fluent-bit/.test(r.cells[3])));
    assert.ok(rows.some((r) => r.flow === 3 && r.selected));
    await w.page.close();
  });

  test('draws the timeline and the graph, with the alerted flow and edge marked', async (t) => {
    const h = await harness(t);
    if (!h) return;
    const w = await h.open();
    await loaded(w);
    await until(w.page, 'charts', () => document.querySelectorAll('svg.graph .node circle').length > 0);
    const c = await w.page.evaluate(() => ({
      strips: document.querySelectorAll('svg.timeline .strip').length,
      areas: document.querySelectorAll('svg.timeline path.strip-area').length,
      alertedStrip: document.querySelector('svg.timeline .strip.alerted .strip-label')?.textContent ?? '',
      ticks: document.querySelectorAll('svg.timeline .axis .tick').length,
      tick0: document.querySelector('svg.timeline .axis .tick text')?.textContent ?? '',
      alertNote: document.querySelector('svg.timeline .alert-note.outside')?.textContent ?? '',
      circles: document.querySelectorAll('svg.graph .node circle').length,
      edges: document.querySelectorAll('svg.graph path.edge').length,
      alertedEdges: document.querySelectorAll('svg.graph path.edge.alerted').length,
      alertedWidth: Number(document.querySelector('svg.graph path.edge.alerted')?.getAttribute('stroke-width')),
      // The edge to 203.0.113.9 carries more bytes than the alerted one (17.3 KB vs 10.7 KB).
      biggerWidth: Number(Array.from(document.querySelectorAll('svg.graph path.edge')).find((e) => /203\.0\.113\.9\n/.test(e.querySelector('title')?.textContent ?? ''))?.getAttribute('stroke-width')),
      alertedStroke: getComputedStyle(document.querySelector('svg.graph path.edge.alerted') as Element).stroke,
      otherStroke: getComputedStyle(document.querySelector('svg.graph path.edge:not(.alerted)') as Element).stroke,
      edgeLabel: document.querySelector('svg.graph .edge-label.alerted')?.textContent ?? '',
      nodeLabels: Array.from(document.querySelectorAll('svg.graph .node')).map((n) => n.getAttribute('aria-label') ?? ''),
      tabbable: Array.from(document.querySelectorAll('svg.graph .node')).filter((n) => n.getAttribute('tabindex') === '0').length,
      focusable: Array.from(document.querySelectorAll('svg.graph .node')).every((n) => n.getAttribute('tabindex') === '0' || n.getAttribute('tabindex') === '-1'),
    }));
    assert.equal(c.strips, 1 + 12, 'all traffic + the top 12 flows (the alerted one is among them)');
    assert.equal(c.areas, c.strips);
    assert.match(c.alertedStrip, /^⚑ /);
    assert.ok(c.ticks >= 2);
    assert.match(c.tick0, /^13:42:5\d(\.\d{3})?$/, 'real (UTC) time on the axis');
    // The fixture is a live capture begun after its alert: said under the axis (the recorded
    // case, with the marker on the strips, is in alertTimeline.test.ts).
    assert.equal(c.alertNote, 'alert 13:42:51.902, 2.0 s before the capture started');
    assert.ok(c.circles >= 8, `circles: ${c.circles}`);
    assert.ok(c.edges >= 7, `edges: ${c.edges}`);
    assert.equal(c.alertedEdges, 1);
    assert.ok(c.alertedWidth > c.biggerWidth, `the alerted edge is drawn thicker than a busier edge (${c.alertedWidth} > ${c.biggerWidth})`);
    assert.notEqual(c.alertedStroke, c.otherStroke);
    assert.match(c.edgeLabel, /alert 4444\/tcp/);
    assert.ok(c.focusable);
    assert.equal(c.tabbable, 1, 'one node in the Tab order (roving focus)');
    // Arrow keys move between nodes.
    await w.page.focus('svg.graph .node[tabindex="0"]');
    const firstNode = await w.page.evaluate(() => document.activeElement?.getAttribute('aria-label'));
    await w.page.keyboard.press('ArrowRight');
    const secondNode = await w.page.evaluate(() => document.activeElement?.getAttribute('aria-label'));
    assert.notEqual(firstNode, secondNode);
    assert.match(secondNode ?? '', / in \d+ flows/);
    assert.ok(c.nodeLabels.some((l) => /^pod shop\/api-7d9c5b6f4-x2x8q: .*part of the alerted flow/.test(l)), c.nodeLabels.join('\n'));
    assert.ok(c.nodeLabels.some((l) => /^external 198\.51\.100\.23/.test(l)));
    assert.ok(c.nodeLabels.some((l) => /^service svc kube-system\/kube-dns/.test(l)));
    // A graph node filters the table; a timeline strip selects its flow.
    await w.page.focus('svg.graph .node[aria-label^="service svc kube-system/kube-dns"]');
    await w.page.keyboard.press('Enter');
    await until(w.page, 'graph filter', () => (document.querySelector('.filter-text') as HTMLInputElement).value === 'svc kube-system/kube-dns');
    assert.ok((await rowsText(w)).every((r) => /kube-dns/.test(r.cells[3])));
    assert.equal(await w.page.getAttribute('svg.timeline .strip.selected', 'data-flow'), String(ALERTED), 'the selected flow is marked in the timeline');
    const strip = w.page.locator('svg.timeline .strip[data-flow]:not(.alerted)').first();
    const stripFlow = Number(await strip.getAttribute('data-flow'));
    await strip.click();
    const sel = (await rowsText(w)).find((r) => r.selected);
    assert.equal(sel?.flow, stripFlow, 'a strip selects its flow (the filter is cleared when it hides the flow)');
    assert.equal(await w.page.inputValue('.filter-text'), '');
    assert.equal(await w.page.getAttribute('svg.timeline .strip.selected', 'data-flow'), String(stripFlow));
    assert.deepEqual(await w.problems(), []);
    await w.page.close();
  });

  test('light theme through VS Code variables; a plain capture header without context', async (t) => {
    const h = await harness(t);
    if (!h) return;
    const light = {
      '--vscode-foreground': '#3b3b3b', '--vscode-editor-background': '#ffffff', '--vscode-sideBar-background': '#f8f8f8',
      '--vscode-panel-border': '#e5e5e5', '--vscode-descriptionForeground': '#717171', '--vscode-list-activeSelectionBackground': '#e4e6f1',
      '--vscode-list-activeSelectionForeground': '#000000', '--vscode-list-hoverBackground': '#f2f2f2', '--vscode-input-background': '#ffffff',
      '--vscode-input-border': '#cecece', '--vscode-charts-red': '#e51400', '--vscode-charts-blue': '#1a85ff', '--vscode-charts-orange': '#d18616',
      '--vscode-charts-green': '#388a34', '--vscode-charts-purple': '#652d90', '--vscode-charts-lines': 'rgba(59,59,59,0.5)', '--vscode-textCodeBlock-background': '#f2f2f2',
      '--vscode-input-foreground': '#3b3b3b', '--vscode-dropdown-background': '#ffffff', '--vscode-dropdown-foreground': '#3b3b3b', '--vscode-dropdown-border': '#cecece',
      '--vscode-button-secondaryBackground': '#e5e5e5', '--vscode-button-secondaryForeground': '#3b3b3b', '--vscode-button-secondaryHoverBackground': '#cccccc',
    };
    const w = await h.open({ themeVars: light });
    await loaded(w);
    await until(w.page, 'graph', () => document.querySelector('svg.graph path.edge.alerted') !== null);
    assert.equal(await w.page.evaluate(() => getComputedStyle(document.body).backgroundColor), 'rgb(255, 255, 255)');
    const red = await w.page.evaluate(() => getComputedStyle(document.querySelector('svg.graph path.edge.alerted') as Element).stroke);
    assert.equal(red, 'rgb(229, 20, 0)');
    await w.screenshot('flow-summary-light');
    await w.page.close();

    const plain = JSON.parse(readFileSync('test/fixtures/webview/annotated-gen_lo.json', 'utf8')) as AnnotatedSummary;
    delete plain.context;
    for (const f of plain.flows) {
      delete f.clientIdentity;
      delete f.serverIdentity;
      delete f.alerted;
    }
    const p = await h.open();
    await loaded(p, plain);
    const header = (await p.page.textContent('.alert-header')) ?? '';
    assert.match(header, /capture20261128-134252-shop-api\.pcapng/);
    assert.doesNotMatch(header, /Critical/);
    const rows = await rowsText(p);
    assert.equal(rows.filter((r) => r.alerted).length, 0);
    assert.match(rows[0].cells[2], /^10\.244\.1\.12:\d+$/, 'unannotated endpoints show their address only');
    await p.screenshot('capture-without-context');
    assert.deepEqual(await p.problems(), []);
    await p.page.close();
  });

  test('shows progress, then an error from the host; ignores messages of the wrong shape', async (t) => {
    const h = await harness(t);
    if (!h) return;
    const w = await h.open();
    await w.send({ type: 'progress', file: FILE, bytesRead: 5_000_000, totalBytes: 20_000_000 });
    await until(w.page, 'progress', () => !(document.querySelector('.progress') as HTMLElement).hidden);
    assert.match((await w.page.textContent('.progress')) ?? '', /4\.8 MiB of 19 MiB/);
    await w.page.evaluate(() => {
      window.postMessage({ type: 'summary', summary: 'nope' }, '*');
      window.postMessage({ type: 'bogus' }, '*');
      window.postMessage('summary', '*');
    });
    await w.send({ type: 'error', message: 'tshark: The file "x.pcapng" appears to have been cut short' });
    await until(w.page, 'error banner', () => !(document.querySelector('.banner') as HTMLElement).hidden);
    assert.match((await w.page.textContent('.banner')) ?? '', /cut short/);
    assert.equal(await w.page.isHidden('.progress'), true);
    assert.deepEqual(await w.problems(), []);
    await w.page.close();
  });
});
