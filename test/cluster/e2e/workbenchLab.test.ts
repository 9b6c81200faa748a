// The whole loop in the real workbench against the lab (a Kubernetes API whose pods are network
// namespaces, with Falco pods logging real-format alerts): the Alerts view lists the lab's live
// alerts with their rules and pods; Capture traffic on the C2 alert shows the plan, captures
// with a progress notification, and the summary webview shows the alerted flow highlighted with
// endpoints named by the lab's pods. Screenshots go to test-artifacts/e2e/.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO, clusterSkipReason, useClusterLab, type ClusterLab } from '../../support/clusterLab.js';
const C2_IP = DEMO.c2Ip;
const C2_PORT = DEMO.c2Port;
import { CHROMIUM, CODE_SERVER, Workbench, installCodeServer, packageVsix } from '../../e2e/workbench/workbench.js';
import { requirePath, requireSetup, requireTool } from '../../support/prereq.js';

const skip = clusterSkipReason(['tshark']);

describe('falcoshark in the workbench against the lab', { skip, timeout: 600_000 }, () => {
  const wb = new Workbench();
  let lab: ClusterLab | undefined;

  after(async () => {
    await wb.close();
  });

  it('lists the lab\'s live alerts, captures on the C2 alert and shows the alerted flow with pod names', async (t) => {
    if (!requirePath(t, CHROMIUM, 'Debian chromium (apt-get install chromium)') || !requireTool(t, 'rg')
      || !requireSetup(t, 'code-server 4.100.3', installCodeServer) || !requirePath(t, CODE_SERVER, 'code-server')
      || !requireSetup(t, 'packaging the extension', () => { packageVsix(); })) return;
    lab = await useClusterLab();
    await wb.start({
      settings: {
        'falcoshark.context': lab.context(),
        'falcoshark.falco.sinceSeconds': 600,
        'falcoshark.capture.durationSeconds': 8,
        'falcoshark.capture.image': DEMO.captureImage,
        'falcoshark.askBeforeCapture': true,
      },
      env: { KUBECONFIG: lab.kubeconfigPath },
    });
    const page = wb.page;
    await page.locator('.activitybar a.action-label[aria-label^="Falcoshark"]').click();
    const c2 = page.locator('.sidebar .monaco-list-row', { hasText: 'Outbound Connection to C2 Servers' }).first();
    await c2.waitFor({ timeout: 60_000 });
    const leaf = page.locator('.sidebar .monaco-list-row', { hasText: `${C2_IP}:${C2_PORT}` }).first();
    await leaf.waitFor({ timeout: 30_000 });
    const rows = await page.locator('.sidebar .monaco-list-row').allInnerTexts();
    assert.ok(rows.some((r) => /^shop\/api-/m.test(r)), `the api pod is named in the tree: ${rows.join(' | ')}`);
    await wb.screenshot('10-lab-alerts');

    // Capture traffic (inline action) → the plan quick pick → Enter accepts it.
    await leaf.hover();
    await leaf.locator('a.action-label[aria-label^="Capture Traffic"]').click();
    const quick = page.locator('.quick-input-widget');
    await quick.locator('.monaco-list-row', { hasText: 'Capture' }).first().waitFor({ timeout: 30_000 });
    const planText = await quick.innerText();
    assert.match(planText, new RegExp(`${C2_IP.replace(/\./g, '\\.')}`), `the plan names the C2 address: ${planText}`);
    assert.match(planText, /shop\/api-/);
    await wb.screenshot('11-lab-capture-plan');
    await page.keyboard.press('Enter');

    // Progress notification while it runs; the status bar item too.
    await page.locator('.notifications-toasts', { hasText: 'Capturing' }).first().waitFor({ timeout: 30_000 });
    await page.locator('.statusbar-item', { hasText: 'capture running' }).first().waitFor({ timeout: 10_000 });
    const progress = page.locator('.notification-toast', { hasText: 's left' }).first();
    await progress.waitFor({ timeout: 30_000 });
    assert.match(await progress.innerText(), /\d+ packets, [\d.]+ (B|KiB|MiB), \d+ s left/);
    await wb.screenshot('12-lab-capturing');
    const done = page.locator('.notification-toast', { hasText: 'Captured' }).first();
    await done.waitFor({ timeout: 90_000 });
    const doneText = await done.innerText();
    assert.match(doneText, /of the alerted flow/, `packets of the alerted flow were captured: ${doneText}`);
    await done.locator('a.monaco-button', { hasText: 'Open Summary' }).click();

    const frame = await wb.findFrame('.row.alerted', 60_000);
    const alerted = await frame.locator('.row.alerted').first().innerText();
    assert.match(alerted, new RegExp(C2_IP.replace(/\./g, '\\.')));
    const body = await frame.locator('body').innerText();
    assert.match(body, /shop\/api-/, 'endpoints are named by the lab\'s pods');
    assert.ok(await frame.locator('svg').count() >= 2, 'the timeline and the graph are drawn');
    await wb.screenshot('13-lab-flow-summary');
  });

  it('explains "no Falco pods" when the selector matches none, with the next step', async (t) => {
    if (!lab) { t.skip('the lab did not start'); return; }
    const wb2 = new Workbench();
    try {
      await wb2.start({ settings: { 'falcoshark.context': lab.context(), 'falcoshark.falco.selector': 'app=not-falco' }, env: { KUBECONFIG: lab.kubeconfigPath } });
      await wb2.page.locator('.activitybar a.action-label[aria-label^="Falcoshark"]').click();
      const welcome = wb2.page.locator('.sidebar .welcome-view-content', { hasText: 'No Falco pods were found' });
      await welcome.waitFor({ timeout: 30_000 });
      assert.equal(await welcome.locator('a.monaco-button', { hasText: 'Set the Falco Selector' }).count(), 1);
      await wb2.screenshot('14-lab-welcome-no-falco-pods');
    } finally {
      await wb2.close();
    }
  });
});
