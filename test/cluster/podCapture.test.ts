// Contextual captures in the real lab cluster's pods (ephemeral container added through the
// apiserver, started by the kubelet from the capture image, exec over WebSocket proxied to the
// kubelet), from the lab's own Falco alert about the compromised pod's C2 connection; and the
// faults a user meets. (Formerly test/integration/capture/podCapture.test.ts on the API imitation.)
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO, clusterSkipReason, latestC2AlertLine, useClusterLab, type ClusterLab } from '../support/clusterLab.js';
import { parseAlert } from '../../src/core/alerts/alertParser.js';
import type { FalcoAlert } from '../../src/core/alerts/types.js';
import { planFromAlert, planForPod } from '../../src/core/capture/capturePlan.js';
import { runCapture } from '../../src/core/capture/runCapture.js';
import { analyzeFile } from '../../src/core/flows/analyzeFile.js';
import { annotateSummary } from '../../src/core/annotate/annotateSummary.js';
import { readSidecar } from '../../src/core/capture/captureSidecar.js';
import { startTcpProxy } from '../support/tcpProxy.js';
import { findPodFor } from '../../src/core/k8s/podTarget.js';

const skip = clusterSkipReason(['tshark', 'dumpcap']);
const image = DEMO.captureImage;

function tsharkRows(file: string, fields: string[], filter?: string): string[] {
  const out = execFileSync('tshark', ['-r', file, ...(filter ? ['-Y', filter] : []), '-T', 'fields', '-E', 'separator=,', ...fields.flatMap((f) => ['-e', f])], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.length > 0);
}

describe('pod captures in the lab', { skip }, () => {
  let lab: ClusterLab;
  let alert: FalcoAlert;
  const out = mkdtempSync(join(tmpdir(), 'fs-podcap-'));
  before(async () => {
    lab = await useClusterLab();
    // Take a C2 alert from the falco pod's log, as a user would.
    const p = parseAlert(await latestC2AlertLine(lab));
    assert.ok(p.ok, 'the lab\'s falco pod logged a parseable C2 alert');
    alert = p.alert;
  });
  after(() => { rmSync(out, { recursive: true, force: true }); });

  test('the capture of a C2 alert holds that flow (and DNS), marks it, and names the pods', async () => {
    const kc = lab.kubeConfig('falcoshark');
    // Default plan: the server side of the alerted connection (the beacon repeats; its exact
    // client port will not be seen again). The exact 5-tuple is available on request.
    const srvPlan = planFromAlert(alert, { image, caps: { durationSeconds: 8 } });
    assert.equal(srvPlan.filter.scope, 'server');
    assert.equal(srvPlan.filter.bpf, `(tcp and host ${alert.network!.server.ip} and port ${alert.network!.server.port}) or port 53`);
    const exact = planFromAlert(alert, { image, caps: { durationSeconds: 8 }, exactFlow: true });
    assert.equal(exact.filter.scope, 'flow');
    // The same pod, unfiltered, at the same time: what the filter kept out.
    const whole = planForPod({ namespace: 'shop', pod: alert.pod! }, { image, caps: { durationSeconds: 8 }, filterOverride: '' });
    const [srv, all] = await Promise.all([
      runCapture({ plan: srvPlan, outDir: out, kubeConfig: kc, alert, auditLog: join(out, 'audit.jsonl') }),
      runCapture({ plan: whole, outDir: out, kubeConfig: kc }),
    ]);
    const byServer = srvPlan;
    for (const r of [all, srv]) assert.equal(r.outcome, 'cap-reached', `${r.id}: ${r.reason}`);
    // Only the C2 server or DNS in the server-side capture, and C2 traffic is there.
    const c2 = `${alert.network!.server.ip}`;
    const rows = tsharkRows(srv.file, ['ip.src', 'ip.dst', 'tcp.port', 'udp.port']);
    assert.ok(rows.length > 0);
    for (const r of rows) assert.ok(r.includes(c2) || /(^|,)53(,|$)/.test(r), `unexpected packet ${r}`);
    assert.ok(rows.some((r) => r.includes(c2)), 'C2 packets captured');
    assert.ok(srv.alertedPackets > 0);
    const sizeFiltered = statSync(srv.file).size;
    const sizeAll = statSync(all.file).size;
    assert.ok(sizeAll > sizeFiltered);
    console.log(`filter kept out ${(100 * (1 - sizeFiltered / sizeAll)).toFixed(1)}% of the pod's capture bytes (${sizeFiltered} of ${sizeAll} bytes kept)`);
    // The display filter selects the alerted flow; comments are visible to tshark -V.
    const shown = tsharkRows(srv.file, ['frame.number'], byServer.filter.display);
    assert.equal(shown.length, tsharkRows(srv.file, ['frame.number'], 'tcp').length);
    assert.match(execFileSync('tshark', ['-r', srv.file, '-V', '-Y', 'frame.comment'], { encoding: 'utf8' }), /falcoshark: alerted flow \(Outbound Connection to C2 Servers\)/);
    assert.match(execFileSync('capinfos', [srv.file], { encoding: 'utf8' }), /Falco alert: Outbound Connection to C2 Servers/);
    // The audit log has the start and the end, with target, context, filter, user and outcome.
    const audit = readFileSync(join(out, 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((e) => e.id === srv.id);
    assert.deepEqual(audit.map((e) => e.event), ['capture-start', 'capture-end']);
    assert.equal((audit[0].target as { context?: string }).context, lab.context('falcoshark'));
    assert.equal(audit[0].filter, srvPlan.filter.bpf);
    assert.equal(typeof audit[0].user, 'string');
    assert.equal(audit[1].outcome, 'cap-reached');
    // Annotations: the client is the api pod of Deployment api behind svc shop/api; the C2 is external.
    const s = annotateSummary(await analyzeFile(srv.file), await readSidecar(srv.file));
    // A beacon connection whose handshake is in the capture (the beacon repeats every 5 s): one
    // the capture joined mid-way names its first sender the client, which may be the C2 server.
    const f = s.flows.find((x) => x.alerted && x.clientBy === 'syn');
    assert.ok(f, `an alerted flow with its handshake: ${JSON.stringify(s.flows.filter((x) => x.alerted).map((x) => [x.client, x.server, x.clientBy]))}`);
    assert.equal(f.clientIdentity?.kind, 'pod');
    assert.equal(f.clientIdentity?.name, alert.pod);
    assert.deepEqual(f.clientIdentity?.workload, { kind: 'Deployment', name: 'api' });
    assert.ok(f.clientIdentity?.services?.includes('shop/api'));
    assert.equal(f.serverIdentity?.kind, 'external');
    const dns = s.flows.find((x) => x.dns?.some((d) => d.name === 'updates.cdn-telemetry.xyz'));
    assert.ok(dns, 'the suspicious lookup is in the capture');
    assert.equal(dns.serverIdentity?.kind, 'service');
  });

  test('exec method: the tool runs in the target container itself (the falco pod\'s image has tshark)', async () => {
    const falco = await lab.waitForPod('falco', 'app.kubernetes.io/name=falco');
    const plan = planForPod({ namespace: 'falco', pod: falco.metadata!.name!, container: 'falco' }, { method: 'exec', caps: { durationSeconds: 3 }, filterOverride: 'tcp' });
    assert.equal(plan.image, undefined);
    const rec = await runCapture({ plan, outDir: out, kubeConfig: lab.kubeConfig('falcoshark') });
    assert.equal(rec.outcome, 'cap-reached', rec.reason);
    assert.ok(rec.packets > 0, 'the node\'s traffic (hostNetwork pod) was captured');
    execFileSync('tshark', ['-r', rec.file], { stdio: 'ignore' });
  });

  test('exec method in a container without the tool says so and what would allow it', async () => {
    const plan = planFromAlert(alert, { method: 'exec', caps: { durationSeconds: 3 } });
    const rec = await runCapture({ plan, outDir: out, kubeConfig: lab.kubeConfig('falcoshark'), alert });
    assert.equal(rec.outcome, 'failed');
    assert.match(rec.reason, /tshark is not in the container api of shop\/api-\S+: use an image that has it .*or the ephemeral method/);
  });

  test('an alert without Kubernetes fields finds its pod from the container id or the pod IP', async () => {
    const kc = lab.kubeConfig('falcoshark');
    const byIp = await findPodFor(kc, { ips: [alert.network!.client.ip!] });
    assert.deepEqual(byIp, { namespace: 'shop', pod: alert.pod });
    const byId = await findPodFor(kc, { containerId: alert.container.id, node: alert.node });
    assert.equal(byId?.pod, alert.pod);
    assert.equal(await findPodFor(kc, { containerId: 'ffffffffffff', ips: ['192.0.2.1'] }), undefined);
  });

  test('cancel stops the capture tool in the pod (tcpdump has no duration of its own)', async () => {
    const plan = planForPod({ namespace: 'shop', pod: alert.pod! }, { image, caps: { durationSeconds: 120 }, filterOverride: 'tcp port 4444', tool: 'tcpdump' });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 4000);
    const t0 = Date.now();
    const rec = await runCapture({ plan, outDir: out, kubeConfig: lab.kubeConfig('falcoshark'), signal: ac.signal });
    assert.equal(rec.outcome, 'cancelled');
    assert.ok(Date.now() - t0 < 30_000);
    execFileSync('tshark', ['-r', rec.file], { stdio: 'ignore' });
    // Containers' processes are visible from the host (same kernel): the tool must be gone soon after the cancel.
    let left: string[] = [];
    for (let i = 0; i < 40; i++) {
      left = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' }).split('\n').filter((l) => /tcpdump -i any -U -n -w - -s \d+ -c \d+ tcp port 4444/.test(l));
      if (left.length === 0) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.deepEqual(left, [], 'no tcpdump left running in the pod');
  });

  test('without permission on ephemeral containers, the error names it', async () => {
    // (With exec rights a user may reuse a capture container already in the pod; an image no
    // holder of the pod runs makes falcoshark add one, which this user may not.)
    const plan = planFromAlert(alert, { image: 'localhost/falcoshark/lab-falco:0.1.0', caps: { durationSeconds: 2 } });
    await assert.rejects(runCapture({ plan, outDir: out, kubeConfig: lab.kubeConfig('no-ephemeral') }),
      /403: cannot patch pods\/ephemeralcontainers in namespace shop/);
  });

  test('a pod that is gone is named, with its replacements', async () => {
    const plan = planForPod({ namespace: 'shop', pod: 'api-5d8f7c9b4-gone1' }, { image, caps: { durationSeconds: 2 } });
    await assert.rejects(runCapture({ plan, outDir: out, kubeConfig: lab.kubeConfig('falcoshark') }),
      (e: Error) => /pod shop\/api-5d8f7c9b4-gone1 no longer exists; running pods of the same workload: shop\/api-/.test(e.message));
  });

  test('the byte cap ends the file at the cap', async () => {
    const plan = planForPod({ namespace: 'shop', pod: alert.pod! }, { image, caps: { durationSeconds: 10, maxBytes: 4000 }, filterOverride: '' });
    const rec = await runCapture({ plan, outDir: out, kubeConfig: lab.kubeConfig('falcoshark') });
    assert.equal(rec.capReached, 'bytes');
    assert.ok(statSync(rec.file).size <= 4000);
    execFileSync('tshark', ['-r', rec.file], { stdio: 'ignore' });
  });

  test('a connection dropped mid-capture leaves a valid partial file', async () => {
    const url = new URL(lab.server);
    const proxy = await startTcpProxy(url.hostname, Number(url.port));
    try {
      const kc = lab.kubeConfig('falcoshark');
      const cluster = kc.getCurrentCluster()!;
      kc.clusters = kc.clusters.map((c) => (c.name === cluster.name ? { ...c, server: `https://127.0.0.1:${proxy.port}` } : c));
      const plan = planForPod({ namespace: 'shop', pod: alert.pod! }, { image, caps: { durationSeconds: 20 }, filterOverride: '' });
      let dropped = false;
      const rec = await runCapture({ plan, outDir: out, kubeConfig: kc, onProgress: (p) => {
        if (!dropped && p.packets > 5) { dropped = true; proxy.dropAll(); }
      } });
      assert.ok(dropped);
      assert.equal(rec.outcome, 'partial', rec.reason);
      assert.match(rec.reason, /connection lost|connection closed/);
      assert.ok(rec.packets > 5);
      assert.equal(tsharkRows(rec.file, ['frame.number']).length, rec.packets);
    } finally {
      await proxy.close();
    }
  });
});
