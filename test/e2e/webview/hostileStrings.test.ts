// Alert- and packet-derived strings are attacker controlled: markup in them must show as text,
// never run, whether or not the page has a CSP (the webview's own code is tested, not only the
// policy). Odd values (missing fields, wrong types, huge strings and arrays) must not break it.
import { after, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { AnnotatedSummary } from '../../../src/shared/annotatedSummary.js';
import { sharedHarness, until, type Harness } from './webviewPage.js';

const IMG = '<img src=x onerror="window.__pwned=1">';
const SCRIPT = '</script><script>window.__pwned=2</script>';
const JS = 'javascript:window.__pwned=3';
const SVG = '<svg onload="window.__pwned=4"></svg>';
const EVIL = `${IMG} ${SCRIPT} ${JS} ${SVG}`;

function hostileSummary(): AnnotatedSummary {
  const s = JSON.parse(readFileSync('test/fixtures/webview/annotated-gen_lo.json', 'utf8')) as AnnotatedSummary;
  const ctx = s.context!;
  ctx.alert = { rule: `Rule ${IMG}`, priority: `Critical${SCRIPT}`, time: JS, output: `${EVIL} ${'A'.repeat(1_000_000)}`, node: SVG, namespace: IMG, pod: SCRIPT };
  ctx.target = EVIL;
  ctx.filter = JS;
  ctx.displayFilter = SCRIPT;
  ctx.outcome = IMG;
  ctx.reason = SVG;
  ctx.snapshotGaps = [EVIL, `${'gap '.repeat(50_000)}`];
  // A flight-recorder window and an alert split whose every string is hostile too.
  ctx.recorded = { recorder: EVIL, alertTime: IMG, beforeSeconds: 60, afterSeconds: 30, from: JS, to: SVG, heldFrom: SCRIPT };
  s.alertSplit = { time: SVG, packetsBefore: 1, bytesBefore: 1 };
  const alerted = s.flows.find((f) => f.alerted)!;
  alerted.tlsSni = IMG;
  alerted.http = { method: SCRIPT, path: `/${JS}`, version: 'HTTP/1.1', host: SVG };
  alerted.dns = [{ name: EVIL, type: 'A', rcode: IMG, answers: [{ name: JS, type: SCRIPT, value: IMG, ttl: 1 }] }];
  alerted.serverIdentity = { kind: 'external', label: `external ${IMG}` };
  alerted.clientIdentity = { kind: 'pod', namespace: IMG, name: SCRIPT, label: `${EVIL} ${'L'.repeat(100_000)}` };
  // A workload capture whose pod names (from the cluster) and reasons are hostile.
  const POD = `${IMG}/${SCRIPT}`;
  ctx.pods = [{ pod: POD, node: SVG, outcome: JS, reason: EVIL, packets: 1 }, { pod: `ns/${'P'.repeat(100_000)}`, outcome: 'failed', reason: `${'R'.repeat(100_000)}`, packets: 0 },
    ...Array.from({ length: 500 }, (_, i) => ({ pod: `ns/p${i}`, outcome: 'skipped', reason: IMG, packets: 0 }))];
  alerted.capturedOn = [POD, `ns/${'Q'.repeat(100_000)}`];
  s.flows[0].protocol = SCRIPT;
  s.flows[2].serverIdentity = { kind: 'service', namespace: JS, name: IMG, label: `svc ${JS}/${IMG}` };
  return s;
}

describe('hostile and odd strings in the flow summary webview', { timeout: 120_000 }, () => {
  const shared = sharedHarness();
  const harness = (t: TestContext): Promise<Harness | undefined> => shared.get(t);
  after(() => shared.close());

  for (const csp of [true, false]) {
    test(`markup in alert and packet strings is shown as text and never runs (${csp ? 'host CSP' : 'no CSP at all'})`, async (t) => {
      const h = await harness(t);
      if (!h) return;
      const w = await h.open({ csp });
      await w.send({ type: 'summary', summary: hostileSummary(), file: `/tmp/${IMG}${SCRIPT}.pcapng`, wiresharkAvailable: true });
      await until(w.page, 'rows', () => document.querySelectorAll('.flow-table .rows .row:not([hidden])').length > 0);
      // Let any injected handler have its chance (image error events, SVG load).
      await w.page.waitForTimeout(500);
      const r = await w.page.evaluate(() => ({
        pwned: (window as unknown as { __pwned?: unknown }).__pwned,
        injected: document.querySelectorAll('img, iframe, object, embed, a[href], [onerror], [onload], body svg svg').length,
        scripts: document.querySelectorAll('script').length,
        header: document.querySelector('.alert-header')?.textContent ?? '',
        outputLength: document.querySelector('.alert-header .output')?.textContent?.length ?? 0,
        rows: Array.from(document.querySelectorAll('.flow-table .rows .row.alerted')).map((x) => x.textContent ?? '').join('\n'),
        detail: document.querySelector('.detail')?.textContent ?? '',
        svgText: Array.from(document.querySelectorAll('svg text, svg title')).map((x) => x.textContent ?? '').join('\n'),
        longestCell: Math.max(...Array.from(document.querySelectorAll('.flow-table .cell')).map((c) => c.textContent?.length ?? 0)),
        ariaMax: Math.max(...Array.from(document.querySelectorAll('[aria-label]')).map((c) => c.getAttribute('aria-label')?.length ?? 0)),
      }));
      assert.equal(r.pwned, undefined, 'no injected script ran');
      assert.equal(r.injected, 0, 'no element was created from the strings');
      assert.equal(r.scripts, 2, 'only the stub and the bundle');
      for (const s of [`Rule ${IMG}`, `Critical${SCRIPT}`.slice(0, 24), SVG, JS]) assert.ok(r.header.includes(s), `header shows ${s} as text`);
      assert.equal(await w.page.textContent('.alert-header .time'), JS, 'a time that is not ISO 8601 is shown as it is, not read as some date');
      assert.ok(r.header.includes(`recorder${EVIL.slice(0, 100)}`), 'the recorder is shown as text');
      assert.equal(await w.page.locator('svg.timeline line.alert-line').count(), 0, 'no alert time, no marker');
      assert.ok(r.outputLength < 5000, `the 1 MB output is cut for display (${r.outputLength})`);
      assert.match(r.header, /\(\+\d+ chars\)/);
      assert.ok(r.rows.includes(IMG) && r.rows.includes(SVG.slice(0, 20)), r.rows.slice(0, 300));
      assert.ok(r.detail.includes(SCRIPT) && r.detail.includes(`/${JS}`), 'the detail pane shows HTTP and DNS text');
      assert.ok(r.detail.includes(`captured on${IMG}/${SCRIPT}`), 'the detail names the hostile pod as text');
      assert.ok(r.rows.includes(`${IMG}/${SCRIPT}`), 'the Captured on cell shows it as text');
      const pods = await w.page.$$eval('.pods-table tbody tr', (rows) => rows.map((x) => Array.from(x.children).map((c) => c.textContent ?? '')));
      assert.deepEqual(pods[0], [`${IMG}/${SCRIPT}`, SVG, `${JS.slice(0, 24)}… (+3 chars)`, '1', EVIL], 'the header\'s pod row holds the strings as text');
      assert.ok(pods.length <= 100 && Math.max(...pods.flat().map((x) => x.length)) < 600, 'pod rows are bounded and cut');
      assert.match(r.header, /… and 402 more pods/);
      assert.equal(await w.page.isVisible('.pods-table'), false, 'many pods: the list starts folded');
      assert.ok(r.svgText.includes(IMG), 'SVG labels and titles hold the text');
      assert.ok(r.longestCell < 600, `table cells are cut (${r.longestCell})`);
      assert.ok(r.ariaMax <= 410, `aria labels are cut (${r.ariaMax})`);
      assert.deepEqual(await w.problems(), []);
      if (csp) await w.screenshot('hostile-strings');
      await w.page.close();
    });
  }

  test('odd values (missing fields, wrong types, NaN, huge arrays) do not break the page', async (t) => {
    const h = await harness(t);
    if (!h) return;
    const w = await h.open();
    await w.page.evaluate(() => {
      const flows: unknown[] = [
        null, 7, 'flow', [], {},
        { protocol: 6, client: { ip: 3, port: -1 }, server: 'x', packets: { fromClient: '12', fromServer: NaN }, bytes: null, firstSeen: 'yesterday', activity: { firstBucket: 1e12, packets: 'x', bytes: new Array(1_000_000).fill(1) } },
        { protocol: 'tcp', client: { ip: '10.0.0.1', port: 1 }, server: { ip: '10.0.0.2', port: 2 }, packets: { fromClient: Infinity, fromServer: -5 }, bytes: { fromClient: 1, fromServer: 2 },
          firstSeen: '2026-11-28T13:00:00.5Z', lastSeen: '2026-11-28T13:00:00.25Z', alerted: 'yes', clientIdentity: { kind: 'alien', label: 42 }, serverIdentity: null, dns: [null, { name: 5 }], http: 'GET', flags: [1, 'SYN'] },
      ];
      window.postMessage({ type: 'summary', file: '', wiresharkAvailable: false, summary: { flows, context: { alert: { rule: null, output: 5 }, snapshotGaps: 'none' }, activity: { start: 'never', bucketSeconds: -1, buckets: 1e9 }, totals: 'lots' } }, '*');
    });
    await until(w.page, 'rows', () => document.querySelectorAll('.flow-table .rows .row:not([hidden])').length === 7);
    assert.match((await w.page.textContent('.toolbar .count')) ?? '', /^7 flows$/);
    assert.match((await w.page.textContent('.timeline-box')) ?? '', /No activity timeline/);
    assert.equal(await w.page.isVisible('.banner'), false);
    assert.deepEqual(await w.problems(), []);
    await w.screenshot('odd-values');
    await w.page.close();
  });
});
