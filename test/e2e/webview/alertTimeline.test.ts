// The alert's time in the flow summary webview (issue 13), in real headless Chromium: a capture
// cut from a flight recorder around an alert (the real analysis of gen_lo.pcapng, split at an
// alert time in its middle, annotated with a synthetic sidecar whose plan has `recorded`) shows
// the alert as a marker on every timeline strip with what came before it shaded, the recorded
// window under the axis and in the header, a "Before alert" column with the flows begun before
// it marked, and a before / after / all toggle; a live capture (alert before its first packet)
// says so under the axis instead. Screenshots: test-artifacts/webview/alert-*.png.
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { AnnotatedSummary } from '../../../src/shared/annotatedSummary.js';
import { analyzeFile } from '../../../src/core/flows/analyzeFile.js';
import { annotateSummary } from '../../../src/core/annotate/annotateSummary.js';
import { GEN_LO, MID_ALERT, recordedSidecar } from '../../unit/flows/recordedCapture.js';
import { sharedHarness, until, type Harness, type WebviewPage } from './webviewPage.js';

const FILE = '/home/dev/captures/20261128-134255-rec.pcapng';
let summary: AnnotatedSummary;

async function loaded(w: WebviewPage, s: AnnotatedSummary): Promise<void> {
  await w.send({ type: 'summary', summary: s, file: FILE, wiresharkAvailable: true });
  await until(w.page, 'table rows', () => document.querySelectorAll('.flow-table .rows .row:not([hidden])').length > 0);
  await until(w.page, 'timeline', () => document.querySelectorAll('svg.timeline .strip').length > 0);
}

const count = (w: WebviewPage): Promise<string | null> => w.page.textContent('.toolbar .count');

describe('the alert\'s time in the flow summary webview', { timeout: 120_000 }, () => {
  const shared = sharedHarness();
  const harness = (t: TestContext): Promise<Harness | undefined> => shared.get(t);
  before(async () => {
    summary = annotateSummary(await analyzeFile(GEN_LO, { alertTime: MID_ALERT }), recordedSidecar(MID_ALERT, '2026-11-28T13:42:20.000000000Z'));
  });
  after(() => shared.close());

  test('a recorded capture: the marker on every strip, the window, the before column and the toggle', async (t) => {
    const h = await harness(t);
    if (!h) return;
    const w = await h.open();
    await loaded(w, summary);
    const c = await w.page.evaluate(() => {
      const line = document.querySelector('svg.timeline .strip.total line.alert-line');
      const shade = document.querySelector('svg.timeline .strip.total rect.before-alert');
      const bg = document.querySelector('svg.timeline .strip.total rect.strip-bg');
      return {
        strips: document.querySelectorAll('svg.timeline .strip').length,
        lines: document.querySelectorAll('svg.timeline .strip line.alert-line').length,
        shades: document.querySelectorAll('svg.timeline .strip rect.before-alert').length,
        label: document.querySelector('svg.timeline .alert-label')?.textContent ?? '',
        notes: Array.from(document.querySelectorAll('svg.timeline .alert-note')).map((n) => n.textContent ?? ''),
        lineX: Number(line?.getAttribute('x1')),
        shadeEnd: Number(shade?.getAttribute('x')) + Number(shade?.getAttribute('width')),
        stripFrom: Number(bg?.getAttribute('x')),
        stripTo: Number(bg?.getAttribute('x')) + Number(bg?.getAttribute('width')),
        lineStroke: line ? getComputedStyle(line).stroke : '',
        totalTitle: document.querySelector('svg.timeline .strip.total > title')?.textContent ?? '',
        header: document.querySelector('.alert-header')?.textContent ?? '',
        toggle: !(document.querySelector('.phase-filter') as HTMLElement).hidden,
        beforeHead: (document.querySelector('.flow-table .head button[data-key="beforeAlert"]') as HTMLElement).offsetParent !== null,
      };
    });
    assert.ok(c.strips >= 10, `${c.strips} strips`);
    assert.equal(c.lines, c.strips, 'the marker crosses the all-traffic strip and each flow strip');
    assert.equal(c.shades, c.strips, 'what came before the alert is shaded on every strip');
    assert.equal(c.label, 'alert 13:42:55.500');
    assert.ok(c.lineX > c.stripFrom && c.lineX < c.stripTo && Math.abs(c.shadeEnd - c.lineX) < 0.01, JSON.stringify(c));
    // 13:42:55.5 is 1.62 s into a 32 × 0.25 s axis from 13:42:53.878: about a fifth of the way.
    const frac = (c.lineX - c.stripFrom) / (c.stripTo - c.stripFrom);
    assert.ok(Math.abs(frac - 1.622141083 / 8) < 0.01, `marker at ${frac}`);
    assert.equal(c.lineStroke, 'rgb(241, 76, 76)', 'the theme\'s red (--vscode-charts-red fallback)');
    assert.deepEqual(c.notes, [
      'recorded 60 s before → 30 s after the alert',
      'the recorder held packets only from 13:42:20.000 (36 s before the alert)',
    ]);
    assert.match(c.totalTitle, /442 packets \(63 KiB\) before the alert, 394 \(55 KiB\) after/);
    assert.match(c.header, /recorded 60 s before → 30 s after the alert/);
    assert.match(c.header, /alert split442 packets/);
    assert.ok(c.toggle && c.beforeHead, 'the toggle and the Before alert column are shown');

    // The alerted flow first, marked as begun before the alert, with its counts.
    const rows = await w.page.$$eval('.flow-table .rows .row:not([hidden])', (rs) => rs
      .sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top)
      .map((r) => ({ alerted: r.classList.contains('alerted'), began: r.classList.contains('began-before'), before: r.querySelector('.c-before')?.textContent ?? '', title: (r.querySelector('.c-before') as HTMLElement).title })));
    assert.deepEqual({ ...rows[0], title: undefined }, { alerted: true, began: true, before: 'before80 of 127', title: undefined });
    assert.match(rows[0].title, /^80 packets \(6\.6 KiB\) before the alert, 47 \(3\.8 KiB\) after; first packet 1\.6 s before the alert$/);
    assert.ok(rows.some((r) => !r.began && r.before === ''), 'flows begun after the alert have an empty cell');
    assert.ok(rows.some((r) => !r.alerted && r.began), 'other flows begun before the alert are marked');
    assert.match((await w.page.textContent('.detail')) ?? '', /before the alert80 of 127 packets \(6\.6 KiB of 10 KiB\); first packet 1\.6 s before the alert/);
    await w.screenshot('alert-recorded');

    // The toggle: before the alert (61 flows begun before it), after it (57 with packets at or after it), all.
    assert.equal(await count(w), '112 flows');
    await w.page.click('.phase-filter button[data-phase="before"]');
    await until(w.page, 'before filter', () => document.querySelector('.toolbar .count')?.textContent === '61 of 112 flows');
    assert.equal(await w.page.getAttribute('.phase-filter button[data-phase="before"]', 'aria-pressed'), 'true');
    assert.ok((await w.page.$$eval('.flow-table .rows .row:not([hidden])', (rs) => rs.every((r) => r.classList.contains('began-before')))));
    await w.screenshot('alert-before-only');
    await w.page.click('.phase-filter button[data-phase="after"]');
    await until(w.page, 'after filter', () => document.querySelector('.toolbar .count')?.textContent === '57 of 112 flows');
    assert.equal(((await w.state()) as { filter: { phase: string } }).filter.phase, 'after', 'kept in the saved state');
    // A strip of a flow the filter hides selects it and clears the filter.
    const hidden = summary.flows.findIndex((f) => f.beforeAlert?.packets === f.packets.fromClient + f.packets.fromServer && f.bytes.fromClient + f.bytes.fromServer > 3000);
    const strip = w.page.locator(`svg.timeline .strip[data-flow="${hidden}"]`);
    if (await strip.count()) {
      await strip.click();
      await until(w.page, 'filter cleared', () => document.querySelector('.toolbar .count')?.textContent === '112 flows');
      assert.equal(await w.page.getAttribute('.phase-filter button[data-phase="all"]', 'aria-pressed'), 'true');
    }
    // Sort by packets before the alert, most first (alerted first off).
    await w.page.click('.alerted-first input');
    await w.page.click('.phase-filter button[data-phase="all"]');
    await w.page.click('.flow-table .head button[data-key="beforeAlert"]');
    const first = await w.page.$$eval('.flow-table .rows .row:not([hidden])', (rs) => rs.sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top)[0].querySelector('.c-before')?.textContent);
    assert.equal(first, 'before100 of 200');
    assert.deepEqual(await w.problems(), []);
    await w.page.close();
  });

  test('light theme: the marker in the theme\'s red; a live capture says the alert came before it', async (t) => {
    const h = await harness(t);
    if (!h) return;
    const light = {
      '--vscode-foreground': '#3b3b3b', '--vscode-editor-background': '#ffffff', '--vscode-sideBar-background': '#f8f8f8', '--vscode-panel-border': '#e5e5e5',
      '--vscode-descriptionForeground': '#717171', '--vscode-list-activeSelectionBackground': '#e4e6f1', '--vscode-list-activeSelectionForeground': '#000000',
      '--vscode-list-hoverBackground': '#f2f2f2', '--vscode-input-background': '#ffffff', '--vscode-input-border': '#cecece', '--vscode-input-foreground': '#3b3b3b',
      '--vscode-charts-red': '#e51400', '--vscode-charts-blue': '#1a85ff', '--vscode-charts-orange': '#d18616', '--vscode-charts-green': '#388a34',
      '--vscode-charts-lines': 'rgba(59,59,59,0.5)', '--vscode-textCodeBlock-background': '#f2f2f2', '--vscode-dropdown-background': '#ffffff',
    };
    const w = await h.open({ themeVars: light });
    await loaded(w, summary);
    assert.equal(await w.page.evaluate(() => getComputedStyle(document.querySelector('svg.timeline line.alert-line') as Element).stroke), 'rgb(229, 20, 0)');
    await w.screenshot('alert-recorded-light');
    await w.page.close();

    const live = JSON.parse(readFileSync('test/fixtures/webview/annotated-gen_lo.json', 'utf8')) as AnnotatedSummary;
    const p = await h.open();
    await loaded(p, live);
    const c = await p.page.evaluate(() => ({
      lines: document.querySelectorAll('svg.timeline line.alert-line').length,
      label: document.querySelectorAll('svg.timeline .alert-label').length,
      note: document.querySelector('svg.timeline .alert-note.outside')?.textContent ?? '',
      tick0: document.querySelector('svg.timeline .axis .tick text')?.textContent ?? '',
      toggle: !(document.querySelector('.phase-filter') as HTMLElement).hidden,
      began: document.querySelectorAll('.flow-table .rows .row.began-before').length,
    }));
    assert.deepEqual({ ...c, tick0: undefined }, { lines: 0, label: 0, note: 'alert 13:42:51.902, 2.0 s before the capture started', tick0: undefined, toggle: false, began: 0 });
    assert.match(c.tick0, /^13:42:5[4-9]/, 'the axis still starts at the capture, not at the alert');
    await p.screenshot('alert-live-before-capture');
    assert.deepEqual(await p.problems(), []);
    await p.page.close();
  });
});
