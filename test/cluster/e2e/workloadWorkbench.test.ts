// *Capture the Workload* in the real workbench against the lab (issue 14): the C2 alert's context
// menu offers it next to *Capture Traffic*; with the api Deployment at two replicas, it captures
// both pods into one pcapng (the plan asked in a quick pick, the progress notification, the result),
// the sidecar lists each pod with its outcome, and the summary webview says which pod each flow
// was captured on and lists the pods. Screenshots go to test-artifacts/e2e/. The replicas are put back.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO, clusterSkipReason, useClusterLab, type ClusterLab } from '../../support/clusterLab.js';
import { CHROMIUM, CODE_SERVER, Workbench, installCodeServer, packageVsix } from '../../e2e/workbench/workbench.js';
import { requirePath, requireSetup, requireTool } from '../../support/prereq.js';

const skip = clusterSkipReason(['tshark']);

describe('Capture the Workload in the workbench against the lab', { skip, timeout: 600_000 }, () => {
  const wb = new Workbench();
  let lab: ClusterLab | undefined;
  let replicas = '';

  before(async () => {
    lab = await useClusterLab();
    replicas = (await lab.kubectl(['get', 'deployment', 'api', '-n', 'shop', '-o', 'jsonpath={.spec.replicas}'], { role: 'admin' })).stdout.trim();
  });
  after(async () => {
    await wb.close();
    if (lab && replicas) {
      // Back to the lab's shape, and settled: the next test takes the newest alert's pod.
      await lab.kubectl(['scale', 'deployment', 'api', '-n', 'shop', `--replicas=${replicas}`], { role: 'admin' });
      await lab.kubectl(['rollout', 'status', 'deployment/api', '-n', 'shop', '--timeout=120s'], { role: 'admin', timeoutMs: 150_000 });
    }
  });

  it('captures every pod of the alerted pod\'s workload into one file and names the pod of each flow', async (t) => {
    if (!lab || !requirePath(t, CHROMIUM, 'Debian chromium (apt-get install chromium)') || !requireTool(t, 'rg')
      || !requireSetup(t, 'code-server 4.100.3', installCodeServer) || !requirePath(t, CODE_SERVER, 'code-server')
      || !requireSetup(t, 'packaging the extension', () => { packageVsix(); })) return;
    assert.equal((await lab.kubectl(['scale', 'deployment', 'api', '-n', 'shop', '--replicas=2'], { role: 'admin' })).code, 0);
    assert.equal((await lab.kubectl(['rollout', 'status', 'deployment/api', '-n', 'shop', '--timeout=120s'], { role: 'admin', timeoutMs: 150_000 })).code, 0);
    await wb.start({
      settings: {
        'falcoshark.context': lab.context(),
        'falcoshark.falco.sinceSeconds': 120,
        'falcoshark.capture.durationSeconds': 8,
        'falcoshark.capture.image': DEMO.captureImage,
        'falcoshark.recorder.enabled': false,
      },
      env: { KUBECONFIG: lab.kubeconfigPath },
    });
    const page = wb.page;
    await page.locator('.activitybar a.action-label[aria-label^="Falcoshark"]').click();
    const leaf = page.locator('.sidebar .monaco-list-row', { hasText: `${DEMO.c2Ip}:${DEMO.c2Port}` }).first();
    await leaf.waitFor({ timeout: 60_000 });
    // The alert's context menu: Capture Traffic, then Capture the Workload. New alerts redraw the
    // tree, and a click on a menu item that lands just after a redraw may do nothing (VS Code's
    // "Actual command not found", seen in the other workbench tests): open it again.
    const item = page.locator('.context-view.monaco-menu-container .action-item', { hasText: 'Capture the Workload' });
    const quick = page.locator('.quick-input-widget', { hasText: 'Capture every pod' });
    for (let attempt = 1; ; attempt++) {
      for (let i = 0; ; i++) {
        await leaf.click({ button: 'right' });
        if (await item.first().waitFor({ timeout: 5000 }).then(() => true, () => false)) break;
        await page.keyboard.press('Escape');
        assert.ok(i < 5, 'the alert\'s context menu did not open');
      }
      const menu = await page.locator('.context-view.monaco-menu-container').innerText();
      assert.ok(menu.indexOf('Capture Traffic') < menu.indexOf('Capture the Workload'), `next to Capture Traffic: ${menu}`);
      if (attempt === 1) await wb.screenshot('50-workload-menu');
      await item.first().click();
      if (await quick.waitFor({ timeout: 10_000 }).then(() => true, () => false)) break;
      if (attempt < 3) {
        console.log(`# click ${attempt} on Capture the Workload asked nothing: again`);
        // The menu may still be open (the click did not land): close it, or it takes the next right-click.
        await page.keyboard.press('Escape');
        continue;
      }
      await wb.screenshot('51-workload-no-quick-pick');
      assert.fail(`no "Capture every pod" question after ${attempt} clicks; notifications: ${(await page.locator('.notification-toast').allInnerTexts()).join(' | ')}\n`
        + `extension host log (end): ${wb.extHostLog().slice(-3000)}\nFalcoshark log (end): ${wb.falcosharkLog().slice(-2000)}`);
    }
    assert.match(await quick.innerText(), /shop: Deployment api \(every pod\)/);
    await page.keyboard.press('Enter');

    const done = page.locator('.notification-toast', { hasText: 'Captured' }).first();
    await done.waitFor({ timeout: 120_000 });
    const doneText = await done.innerText();
    assert.match(doneText, /2 of 2 pods captured/, doneText);
    const folder = join(wb.workspace, '.falcoshark', 'captures');
    const side = readdirSync(folder).filter((f) => f.endsWith('.falcoshark.json'));
    assert.equal(side.length, 1);
    const sidecar = JSON.parse(readFileSync(join(folder, side[0]), 'utf8')) as { plan: { target: { kind: string } }; pods?: { pod: string; outcome: string; packets: number }[] };
    assert.equal(sidecar.plan.target.kind, 'workload');
    assert.equal(sidecar.pods?.length, 2);
    for (const p of sidecar.pods!) assert.equal(p.outcome, 'complete', JSON.stringify(p));
    await done.locator('a.monaco-button', { hasText: 'Open Summary' }).click();
    const frame = await wb.findFrame('.row.alerted', 60_000);
    const body = await frame.locator('body').innerText();
    assert.match(body, /Captured on/i, 'the table says which pod each flow was captured on');
    for (const p of sidecar.pods!) assert.ok(body.includes(p.pod), `the summary names ${p.pod}`);
    await wb.screenshot('51-workload-summary');
  });
});
