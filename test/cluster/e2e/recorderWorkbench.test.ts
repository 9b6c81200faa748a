// The flight recorder in the real workbench against the lab (issue 13): with the recorder
// installed as the README says, *Capture Traffic* on the C2 alert offers "From the recorder: 60 s
// before → 5 s after" first (the recorder is reached through the API server's pod proxy with the
// lab user's own kubeconfig, its token read from its Secret); picking it makes a capture holding the
// alerted connection from before the alert, listed with the others and opened in the summary.
// Screenshots go to test-artifacts/e2e/. The recorder is removed at the end.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO, clusterSkipReason, useClusterLab, type ClusterLab } from '../../support/clusterLab.js';
import { sharedCluster, type Cluster } from '../../support/realCluster.js';
import { adminEnv, requireServeImage, UndoList } from '../../support/serveInstall.js';
import { installRecorder, recorderInstalled } from '../../support/recorderInstall.js';
import { CHROMIUM, CODE_SERVER, Workbench, installCodeServer, packageVsix, sleep } from '../../e2e/workbench/workbench.js';
import { requirePath, requireSetup, requireTool } from '../../support/prereq.js';

const skip = clusterSkipReason(['tshark']);

describe('the flight recorder in the workbench against the lab', { skip, timeout: 600_000 }, () => {
  const wb = new Workbench();
  const undo = new UndoList();
  const dir = mkdtempSync(join(tmpdir(), 'fs-e2e-recorder-'));
  let lab: ClusterLab | undefined;
  let c: Cluster | undefined;

  before(async () => {
    lab = await useClusterLab();
    c = await sharedCluster();
  });
  after(async () => {
    await wb.close();
    await undo.runAll();
    rmSync(dir, { recursive: true, force: true });
  });

  it('offers "From the recorder" first on the C2 alert, and the capture holds the alerted connection from before the alert', async (t) => {
    if (!lab || !c || !requirePath(t, CHROMIUM, 'Debian chromium (apt-get install chromium)') || !requireTool(t, 'rg')
      || !requireSetup(t, 'code-server 4.100.3', installCodeServer) || !requirePath(t, CODE_SERVER, 'code-server')
      || !requireSetup(t, 'packaging the extension', () => { packageVsix(); })) return;
    await requireServeImage(c);
    assert.equal(await recorderInstalled(c), false, 'the recorder is not installed yet');
    await installRecorder(c, await adminEnv(c, dir), undo);
    await sleep(20_000); // it holds the api pod's beacons of the last 20 s
    await wb.start({
      settings: {
        'falcoshark.context': lab.context(),
        'falcoshark.falco.sinceSeconds': 30, // only alerts the recorder was already holding the pod for
        'falcoshark.capture.image': DEMO.captureImage,
        'falcoshark.recorder.beforeSeconds': 60,
        'falcoshark.recorder.afterSeconds': 5,
      },
      env: { KUBECONFIG: lab.kubeconfigPath },
    });
    const page = wb.page;
    await page.locator('.activitybar a.action-label[aria-label^="Falcoshark"]').click();
    const leaf = page.locator('.sidebar .monaco-list-row', { hasText: `${DEMO.c2Ip}:${DEMO.c2Port}` }).first();
    await leaf.waitFor({ timeout: 60_000 });
    // New alerts redraw the tree (a hovered row's inline action can go away under the pointer): hover and click again until it takes.
    for (let i = 0; ; i++) {
      await leaf.hover();
      const ok = await leaf.locator('a.action-label[aria-label^="Capture Traffic"]').click({ timeout: 5000 }).then(() => true, () => false);
      if (ok) break;
      assert.ok(i < 5, 'the Capture Traffic action of the C2 alert could not be clicked');
      t.diagnostic(`click ${i + 1} on Capture Traffic did not take (the tree was redrawn)`);
    }
    const quick = page.locator('.quick-input-widget');
    const first = quick.locator('.monaco-list-row').first();
    await first.waitFor({ timeout: 60_000 });
    await page.locator('.quick-input-widget', { hasText: 'From the recorder' }).waitFor({ timeout: 30_000 });
    assert.match(await first.innerText(), /From the recorder: 60 s before → 5 s after/, 'the recorder is offered first');
    assert.match(await quick.innerText(), /Live capture/);
    assert.match(await quick.innerText(), /falcoshark\/falcoshark-recorder-\w+ on node/);
    await wb.screenshot('40-recorder-offer');
    await page.keyboard.press('Enter');

    const done = page.locator('.notification-toast', { hasText: 'Captured' }).first();
    await done.waitFor({ timeout: 90_000 });
    const doneText = await done.innerText();
    assert.match(doneText, /of the alerted flow/, `the alerted connection is in it: ${doneText}`);
    assert.match(doneText, /the recorded window closed \(60 s before → 5 s after the alert\)/);
    const folder = join(wb.workspace, '.falcoshark', 'captures');
    const sidecars = readdirSync(folder).filter((f) => f.endsWith('.falcoshark.json'));
    assert.equal(sidecars.length, 1);
    const sidecar = JSON.parse(readFileSync(join(folder, sidecars[0]), 'utf8')) as { plan: { method: string; recorded?: { beforeSeconds: number; alertTime: string } };
      record: { firstPacket?: string; alertedPackets: number } };
    assert.equal(sidecar.plan.method, 'recorder');
    assert.equal(sidecar.plan.recorded?.beforeSeconds, 60);
    assert.ok(sidecar.record.firstPacket && sidecar.record.firstPacket < sidecar.plan.recorded!.alertTime, 'packets from before the alert');
    assert.ok(sidecar.record.alertedPackets >= 3);
    assert.match(wb.falcosharkLog(), /asking the recorder falcoshark\/falcoshark-recorder-\w+ on node \S+ for 60 s before → 5 s after the alert/);
    await done.locator('a.monaco-button', { hasText: 'Open Summary' }).click();
    const frame = await wb.findFrame('.row.alerted', 60_000);
    assert.match(await frame.locator('.row.alerted').first().innerText(), new RegExp(DEMO.c2Ip.replace(/\./g, '\\.')));
    await wb.screenshot('41-recorder-capture-summary');
  });
});
