// Automatic capture and the in-cluster `falcoshark serve` as a source, in the real workbench
// against the lab: with falcoshark.autoCapture.enabled in the user settings, the lab's C2 alerts
// start a capture without any click, announced by a notification and listed in the Captures view
// with the "automatic" mark; and `falcoshark serve` deployed in the cluster as users install it
// (the README's serve-install lines, test/support/serveInstall.ts), reached through
// `kubectl port-forward svc/falcoshark-serve`, captures the C2 flow by itself (its webhook fed the
// lab's alert with the webhook token, as Falcosidekick would), is added as a source through the
// command (the port-forwarded API URL and the token from its Secret; a wrong token first), and
// its capture is listed under the server and opened (downloaded) into the summary; with the
// port-forward stopped the server is "unreachable". Everything installed is removed at the end
// (the last test checks it): the shared cluster is left as it was found.
// Screenshots go to test-artifacts/e2e/.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, rmSync, mkdtempSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO, clusterSkipReason, useClusterLab, type ClusterLab } from '../../support/clusterLab.js';
import { type Cluster, sharedCluster } from '../../support/realCluster.js';
import { type PortForward, SERVE_NS, UndoList, adminEnv, installServe, namespaceLabels, portForward, requireServeImage,
  restoreNamespaceLabels, serveInstalled, servePvName, serveTokens } from '../../support/serveInstall.js';
import { parseAlert } from '../../../src/core/alerts/alertParser.js';
const C2_IP = DEMO.c2Ip;
import { CHROMIUM, CODE_SERVER, Workbench, installCodeServer, packageVsix, sleep } from '../../e2e/workbench/workbench.js';
import { requirePath, requireSetup, requireTool } from '../../support/prereq.js';

const skip = clusterSkipReason(['tshark', 'dumpcap']);
const C2_RULE = 'Outbound Connection to C2 Servers';

describe('automatic capture and the in-cluster falcoshark serve in the workbench against the lab', { skip, timeout: 900_000 }, () => {
  const wb = new Workbench();
  let lab: ClusterLab | undefined;
  let cluster: Cluster | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'fs-e2e-serve-'));
  const undo = new UndoList();
  let forward: PortForward | undefined;
  let nsLabelsBefore = '';
  let ready = false;

  before(async () => {
    lab = await useClusterLab();
    cluster = await sharedCluster();
    nsLabelsBefore = await namespaceLabels(cluster);
  });
  after(async () => {
    try {
      await wb.close();
      await forward?.stop();
    } finally {
      // Even when a test failed: serve, its Secret, claim and PersistentVolume go (a failed step fails the suite).
      try { await undo.runAll(); } finally { rmSync(dir, { recursive: true, force: true }); }
    }
  });
  it('captures on the lab\'s C2 alert by itself and marks the capture automatic', async (t) => {
    if (!lab || !requirePath(t, CHROMIUM, 'Debian chromium (apt-get install chromium)') || !requireTool(t, 'rg')
      || !requireSetup(t, 'code-server 4.100.3', installCodeServer) || !requirePath(t, CODE_SERVER, 'code-server')
      || !requireSetup(t, 'packaging the extension', () => { packageVsix(); })) return;
    await wb.start({
      settings: {
        'falcoshark.context': lab.context(),
        'falcoshark.falco.sinceSeconds': 600,
        'falcoshark.capture.durationSeconds': 8,
        'falcoshark.capture.image': DEMO.captureImage,
        'falcoshark.autoCapture.enabled': true,
        'falcoshark.autoCapture.rules': [C2_RULE],
        'falcoshark.autoCapture.maxConcurrent': 1,
      },
      env: { KUBECONFIG: lab.kubeconfigPath },
    });
    ready = true;
    const page = wb.page;
    await page.locator('.activitybar a.action-label[aria-label^="Falcoshark"]').click();
    // No click on any alert: the capture starts, shows its progress, and is announced.
    await page.locator('.notification-toast', { hasText: 'Capturing automatically' }).first().waitFor({ timeout: 90_000 });
    await wb.screenshot('30-auto-capturing');
    const done = page.locator('.notification-toast', { hasText: 'Automatic capture on shop/' }).first();
    await done.waitFor({ timeout: 90_000 });
    const doneText = await done.innerText();
    assert.match(doneText, new RegExp(`"${C2_RULE}"`));
    assert.match(doneText, /of the alerted flow/, `packets of the alerted flow were captured: ${doneText}`);
    assert.equal(await done.locator('a.monaco-button', { hasText: 'Open Summary' }).count(), 1);
    const row = page.locator('.pane', { hasText: 'Captures' }).locator('.monaco-list-row', { hasText: 'automatic' }).first();
    await row.waitFor({ timeout: 30_000 });
    const rowText = await row.innerText();
    assert.match(rowText, new RegExp(C2_RULE));
    assert.match(rowText, /automatic · shop\/api-/);
    assert.equal(await row.locator('.codicon-zap').count(), 1, 'the automatic capture has its own icon');
    await wb.screenshot('31-auto-capture-listed');
    const folder = join(wb.workspace, '.falcoshark', 'captures');
    const sidecars = readdirSync(folder).filter((f) => f.endsWith('.falcoshark.json'));
    assert.ok(sidecars.length >= 1);
    assert.equal((JSON.parse(readFileSync(join(folder, sidecars[0]), 'utf8')) as { automatic?: boolean }).automatic, true);
    const log = wb.falcosharkLog();
    assert.match(log, /automatic capture: on \(priority ≥ warning; rules "Outbound Connection to C2 Servers"/);
    assert.match(log, /automatic capture \S+ started for "Outbound Connection to C2 Servers" on shop\/api-/);
    assert.match(readFileSync(join(folder, 'audit.jsonl'), 'utf8'), /"event":"auto-capture-started"/);
  });

  it('lists the in-cluster falcoshark serve\'s automatic capture once added as a source, and opens it', async (t) => {
    if (!lab || !cluster || !ready) { t.skip('the workbench did not start'); return; }
    const c = cluster;
    // serve installed as the README says, reached as a user reaches it: kubectl port-forward to its Service.
    await requireServeImage(c);
    assert.equal(await serveInstalled(c), false, 'serve is not installed in the shared cluster yet');
    undo.push('the namespace\'s labels', () => restoreNamespaceLabels(c, nsLabelsBefore));
    const install = await installServe(c, dir, await adminEnv(c, dir), undo);
    assert.equal(install.result.code, 0, `the README's serve-install lines: ${install.result.stdout}${install.result.stderr}`);
    assert.ok(install.result.stdout.includes('deployment "falcoshark-serve" successfully rolled out'), install.result.stdout);
    const tokens = await serveTokens(c);
    forward = await portForward(c, [2801, 2802]);
    const hookUrl = `http://127.0.0.1:${forward.local.get(2801)}/`;
    const apiUrl = `http://127.0.0.1:${forward.local.get(2802)}/`;
    const serveLog = async (): Promise<string> => (await c.kubectl(['logs', '-n', SERVE_NS, 'deployment/falcoshark-serve', '--tail=40'])).stdout;

    // Falcosidekick forwards Falco's JSON with a uuid and serve's webhook token: the same with the lab's Falco log.
    let body: string | undefined;
    for (let i = 0; i < 60 && !body; i++) {
      const r = await lab.kubectl(['logs', '-n', 'falco', '-l', 'app.kubernetes.io/name=falco', '-c', 'falco', '--tail=20']);
      const line = r.stdout.split('\n').reverse().find((l) => { const p = parseAlert(l); return p.ok && p.alert.rule === C2_RULE; });
      if (line) body = line.replace(/^\{/, `{"uuid":"${randomUUID()}",`);
      else await sleep(500);
    }
    assert.ok(body, 'a C2 alert in the lab\'s Falco log');
    const post = await fetch(hookUrl, { method: 'POST', body, headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.webhook}` } });
    assert.ok(post.status === 202 || post.status === 200, `webhook answered ${post.status}: ${await post.text()}`);
    // deploy/serve.yaml captures for 30 s.
    const t0 = Date.now();
    let id = '';
    while (!id && Date.now() - t0 < 150_000) {
      const list = await (await fetch(`${apiUrl}api/v1/captures`, { headers: { authorization: `Bearer ${tokens.api}` } })).json() as { items: Array<{ id: string; rule: string; outcome?: string }> };
      id = list.items.find((i) => i.rule === C2_RULE && i.outcome)?.id ?? '';
      if (!id) await sleep(1000);
    }
    assert.ok(id, `the in-cluster serve captured by itself (serve said: ${await serveLog()})`);
    t.diagnostic(`serve's capture ${id} finished ${Date.now() - t0} ms after the alert was posted`);

    const page = wb.page;
    const input = page.locator('.quick-input-widget input').first();
    const enterSource = async (url: string | undefined, token: string): Promise<void> => {
      await page.locator('.quick-input-widget', { hasText: 'Add a falcoshark serve source (1/2)' }).waitFor({ timeout: 10_000 });
      if (url !== undefined) await input.fill(url);
      await page.keyboard.press('Enter');
      await page.locator('.quick-input-widget', { hasText: 'Add a falcoshark serve source (2/2)' }).waitFor({ timeout: 10_000 });
      await input.fill(token);
      await page.keyboard.press('Enter');
    };
    // A wrong token first: the server's 401 is a message node under it, not a modal.
    await wb.runCommand('Add falcoshark serve Source');
    await enterSource(apiUrl, 'not-the-token-0123456789');
    const host = new URL(apiUrl).host;
    const captures = page.locator('.pane', { hasText: 'Captures' });
    await captures.locator('.monaco-list-row', { hasText: host }).first().waitFor({ timeout: 30_000 });
    const refused = captures.locator('.monaco-list-row', { hasText: 'the token was refused (401)' }).first();
    await refused.waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('.monaco-dialog-box').count(), 0, 'no modal dialog');
    await wb.screenshot('32-serve-source-refused');
    // Clicking the message asks again, with the server's URL already filled in.
    await refused.click();
    await page.locator('.quick-input-widget', { hasText: 'Add a falcoshark serve source (1/2)' }).waitFor({ timeout: 10_000 });
    assert.equal(await input.inputValue(), apiUrl);
    await enterSource(undefined, tokens.api);
    const remoteRow = captures.locator('.monaco-list-row', { has: page.locator('.codicon-cloud-download') }).first();
    await remoteRow.waitFor({ timeout: 30_000 });
    const remoteText = await remoteRow.innerText();
    assert.match(remoteText, new RegExp(C2_RULE));
    assert.match(remoteText, /automatic · shop\/api-/);
    await wb.screenshot('33-serve-source-listed');
    const settings = readFileSync(join(wb.userData, 'User', 'settings.json'), 'utf8');
    assert.ok(settings.includes(apiUrl), 'the URL is in the user settings');
    assert.ok(!settings.includes(tokens.api), 'the token is not in the settings');

    const local = join(wb.workspace, '.falcoshark', 'captures', 'remote', host.replace(':', '_'), `${id}.pcapng`);
    // The tree refreshes as captures land (a re-render can swallow a click): click until it downloads.
    for (let i = 0; i < 5 && !existsSync(local); i++) {
      await captures.locator('.monaco-list-row', { hasText: C2_RULE }).filter({ has: page.locator('.codicon-cloud-download') }).first().click().catch(() => undefined);
      const end = Date.now() + 6000;
      while (!existsSync(local) && Date.now() < end) await sleep(250);
      if (!existsSync(local)) t.diagnostic(`click ${i + 1} on the server's capture did not download it`);
    }
    assert.ok(existsSync(local), `downloaded into ${local}; log: ${wb.falcosharkLog().slice(-2000)}`);
    const frame = await wb.findFrame('.row.alerted', 60_000);
    assert.match(await frame.locator('.row.alerted').first().innerText(), new RegExp(C2_IP.replace(/\./g, '\\.')));
    await wb.screenshot('34-serve-capture-summary');

    // The server goes away (the port-forward to it ends): a message node under it after a refresh, not a modal.
    await forward.stop();
    await wb.runCommand('Refresh Captures');
    await captures.locator('.monaco-list-row', { hasText: 'unreachable' }).first().waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('.monaco-dialog-box').count(), 0, 'no modal dialog');
    await wb.screenshot('35-serve-source-unreachable');
  });

  it('removes the in-cluster serve it installed: the shared cluster is as it was', async (t) => {
    if (!cluster) { t.skip('no cluster'); return; }
    const c = cluster;
    await forward?.stop();
    await undo.runAll();
    assert.equal(await serveInstalled(c), false, 'serve\'s Deployment is gone');
    assert.equal((await c.kubectl(['get', 'secret', '-n', SERVE_NS, 'falcoshark-serve-tokens'])).code, 1, 'its Secret is gone');
    assert.equal((await c.kubectl(['get', 'pvc', '-n', SERVE_NS, 'falcoshark-captures'])).code, 1, 'its claim is gone');
    assert.equal((await c.kubectl(['get', 'pv', servePvName(c)])).code, 1, 'its PersistentVolume is gone');
    assert.deepEqual(JSON.parse((await namespaceLabels(c)) || '{}'), JSON.parse(nsLabelsBefore || '{}'), 'the namespace\'s labels are as they were');
  });
});
