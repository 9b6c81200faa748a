// `falcoshark serve` (run on the host) against the real lab cluster with exactly the roles of
// deploy/rbac.yaml (the lab's `serve` context is that ServiceAccount's token): the falco pod's
// alerts are POSTed to it as Falcosidekick's webhook output would, and it captures the C2 flow
// by itself; the capture is listed and downloadable through its API. (Formerly
// test/integration/serve/serveLab.test.ts on the imitation; serve deployed in the cluster with
// real Falcosidekick: serveDeploy.test.ts.)
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO, clusterSkipReason, useClusterLab, type ClusterLab } from '../support/clusterLab.js';
import { parseAlert } from '../../src/core/alerts/alertParser.js';

const skip = clusterSkipReason(['tshark', 'dumpcap']);
const TOKEN = 'serve-test-token-0123456789';

describe('falcoshark serve on the real cluster', { skip }, () => {
  let lab: ClusterLab;
  let serve: ChildProcess;
  let hookUrl = '';
  let apiUrl = '';
  const dir = mkdtempSync(join(tmpdir(), 'fs-serve-'));
  const logs: string[] = [];
  before(async () => {
    lab = await useClusterLab();
    writeFileSync(join(dir, 'policy.json'), JSON.stringify({ minPriority: 'warning', maxConcurrent: 2, dedupWindowSeconds: 60 }));
    serve = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--webhook-port', '0', '--port', '0',
      '--captures', join(dir, 'captures'), '--policy', join(dir, 'policy.json'), '--context', lab.context('serve'), '--duration', '8', '--image', DEMO.captureImage],
    { env: { ...process.env, KUBECONFIG: lab.kubeconfigPath, FALCOSHARK_API_TOKEN: TOKEN }, stdio: ['ignore', 'pipe', 'pipe'] });
    serve.stdout!.setEncoding('utf8');
    serve.stderr!.setEncoding('utf8');
    serve.stderr!.on('data', (d: string) => logs.push(d));
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`serve did not start: ${logs.join('')}`)), 30_000);
      serve.stdout!.on('data', (d: string) => {
        logs.push(d);
        const h = /alerts in: POST (\S+)/.exec(d);
        if (h) hookUrl = h[1];
        const a = /captures: (\S+)api\/v1\/captures/.exec(d);
        if (a) apiUrl = a[1];
        if (hookUrl && apiUrl) { clearTimeout(t); resolve(); }
      });
    });
  });
  after(async () => {
    serve?.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  test('the role grants what serve needs and nothing more', async () => {
    const can = async (...args: string[]): Promise<string> => (await lab.kubectl(['auth', 'can-i', ...args], { role: 'serve' })).stdout.trim();
    assert.equal(await can('list', 'pods', '-A'), 'yes');
    // (kubectl reads "pods/exec" as TYPE/NAME: subresources are asked with --subresource.)
    assert.equal(await can('create', 'pods', '--subresource=exec', '-n', 'shop'), 'yes');
    assert.equal(await can('get', 'pods', '--subresource=log', '-n', 'shop'), 'yes');
    assert.equal(await can('patch', 'pods', '--subresource=ephemeralcontainers', '-n', 'shop'), 'yes');
    assert.equal(await can('patch', 'pods', '--subresource=ephemeralcontainers', '-n', 'falco'), 'no', 'only where a Role grants it');
    assert.equal(await can('update', 'pods', '--subresource=ephemeralcontainers', '-n', 'shop'), 'no');
    assert.equal(await can('delete', 'pods', '-n', 'shop'), 'no');
    assert.equal(await can('get', 'pods', '-n', 'shop'), 'no');
    assert.equal(await can('list', 'replicasets', '-n', 'shop'), 'no');
    assert.equal(await can('get', 'secrets', '-n', 'shop'), 'no');
  });

  test('a Falcosidekick-shaped C2 alert starts a capture within seconds, listed and downloadable', async () => {
    // Falcosidekick forwards Falco's JSON with a uuid: do the same with the lab's Falco log.
    let body: string | undefined;
    for (let i = 0; i < 60 && !body; i++) {
      const r = await lab.kubectl(['logs', '-n', 'falco', '-l', 'app.kubernetes.io/name=falco', '-c', 'falco', '--tail=20']);
      const line = r.stdout.split('\n').reverse().find((l) => { const p = parseAlert(l); return p.ok && p.alert.rule === 'Outbound Connection to C2 Servers'; });
      if (line) body = line.replace(/^\{/, `{"uuid":"${randomUUID()}",`);
      else await new Promise((res) => setTimeout(res, 500));
    }
    assert.ok(body, 'a C2 alert in the lab\'s Falco log');
    const t0 = Date.now();
    const post = await fetch(hookUrl, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    assert.ok(post.status === 202 || post.status === 200, `webhook answered ${post.status}`);
    const auth = { headers: { authorization: `Bearer ${TOKEN}` } };
    let item: { id: string; outcome?: string; links: { pcapng: string } } | undefined;
    let startedAfter = 0;
    while (Date.now() - t0 < 40_000) {
      const list = await (await fetch(`${apiUrl}api/v1/captures`, auth)).json() as { items: Array<{ id: string; outcome?: string; links: { pcapng: string } }> };
      if (list.items.length && !startedAfter) startedAfter = Date.now() - t0;
      item = list.items[0];
      if (item?.outcome) break;
      await new Promise((res) => setTimeout(res, 250));
    }
    assert.ok(item?.outcome, `a finished capture is listed (serve said: ${logs.join('').slice(-2000)})`);
    assert.equal(item.outcome, 'cap-reached');
    console.log(`capture listed ${startedAfter} ms after the alert was posted; finished after ${Date.now() - t0} ms`);
    const pcap = Buffer.from(await (await fetch(`${apiUrl}${item.links.pcapng.slice(1)}`, auth)).arrayBuffer());
    const file = join(dir, 'downloaded.pcapng');
    writeFileSync(file, pcap);
    const rows = execFileSync('tshark', ['-r', file, '-Y', 'tcp.port==4444', '-T', 'fields', '-e', 'frame.number'], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
    assert.ok(rows.length > 0, 'the C2 flow is in the downloaded capture');
    const metrics = await (await fetch(`${apiUrl}metrics`)).text();
    assert.match(metrics, /falcoshark_captures_started_total 1/);
    assert.match(metrics, /falcoshark_alerts_received_total 1/);
  });
});
