// Issue 14 on the real lab cluster: a 3-replica Deployment of our own (its own namespace, Pod
// Security baseline like the shop) captured whole with the CLI while one replica is deleted and
// replaced mid-capture. The merged pcapng has all four pods' interfaces, its packets are in time
// order, capinfos and tshark agree with the sidecar's per-pod numbers, and the summary names
// each pod. Then partial failure: a pod deleted just before its capture starts is reported with
// its reason while the other pods' packets are kept; and a workload whose namespace is Pod
// Security "restricted" (the lab's payments) fails as a whole, each pod with the refusal.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO, clusterSkipReason, useClusterLab, type ClusterLab } from '../support/clusterLab.js';
import { CLI } from '../support/realCluster.js';
import { planForWorkload } from '../../src/core/capture/capturePlan.js';
import { runWorkloadCapture } from '../../src/core/capture/workloadCapture.js';
import { startPodCapture } from '../../src/core/capture/podRunner.js';
import { workloadOfPod } from '../../src/core/k8s/workloadPods.js';
import { checkSidecar, type CaptureSidecar } from '../../src/core/capture/captureSidecar.js';
import type { AnnotatedSummary } from '../../src/shared/annotatedSummary.js';
import { displayFilterForFlow } from '../../src/core/wireshark/flowDisplayFilter.js';

const skip = clusterSkipReason(['tshark', 'capinfos']);
const NS = 'fs-workload-test';
const APP = 'wl-poller';

const MANIFEST = `apiVersion: v1
kind: Namespace
metadata:
  name: ${NS}
  labels: { pod-security.kubernetes.io/enforce: baseline, pod-security.kubernetes.io/enforce-version: latest }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: ${APP}, namespace: ${NS}, labels: { app: ${APP} } }
spec:
  replicas: 3
  selector: { matchLabels: { app: ${APP} } }
  template:
    metadata: { labels: { app: ${APP} } }
    spec:
      terminationGracePeriodSeconds: 2
      containers:
        - name: poller
          image: localhost/falcoshark/lab-demo:0.1.0
          imagePullPolicy: IfNotPresent
          args: ["frontend", "--listen", ":8080", "--upstream", "http://api.shop:8080/api/items", "--every", "1s"]
`;

function tshark(file: string, fields: string[]): string[][] {
  const out = execFileSync('tshark', ['-r', file, '-T', 'fields', '-E', 'separator=|', ...fields.flatMap((f) => ['-e', f])], { encoding: 'utf8', maxBuffer: 256 << 20 });
  return out.split('\n').filter(Boolean).map((l) => l.split('|'));
}

async function runningPods(lab: ClusterLab): Promise<string[]> {
  const r = await lab.kubectl(['-n', NS, 'get', 'pods', '-l', `app=${APP}`, '-o', 'jsonpath={range .items[*]}{.metadata.name} {.status.phase} {.metadata.deletionTimestamp}{"\\n"}{end}'], { role: 'admin' });
  return r.stdout.split('\n').map((l) => l.trim().split(' ')).filter((x) => x[1] === 'Running' && !x[2]).map((x) => x[0]);
}

describe('workload capture in the lab', { skip }, () => {
  let lab: ClusterLab;
  const out = mkdtempSync(join(tmpdir(), 'fs-wlcap-'));
  before(async () => {
    lab = await useClusterLab();
    const apply = spawn('kubectl', ['--kubeconfig', lab.kubeconfigPath, '--context', lab.context('admin'), 'apply', '-f', '-'], { stdio: ['pipe', 'inherit', 'inherit'] });
    apply.stdin.end(MANIFEST);
    await new Promise((r) => apply.on('exit', r));
    const r = await lab.kubectl(['-n', NS, 'rollout', 'status', `deployment/${APP}`, '--timeout=180s'], { role: 'admin', timeoutMs: 200_000 });
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    await lab?.kubectl(['delete', 'namespace', NS, '--wait=false'], { role: 'admin' });
    rmSync(out, { recursive: true, force: true });
  });

  test('3 replicas, one deleted and replaced mid-capture: four interfaces, time order, file and sidecar agree, the summary names each pod', async () => {
    const before3 = await runningPods(lab);
    assert.equal(before3.length, 3, before3.join(' '));
    const env = { ...process.env, KUBECONFIG: lab.kubeconfigPath };
    const cli = spawn(process.execPath, [CLI, 'capture', '--selector', `app=${APP}`, '-n', NS, '--duration', '30', '--context', lab.context('falcoshark'),
      '--image', DEMO.captureImage, '--out', out], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    cli.stdout.on('data', (b: Buffer) => { stdout += b.toString(); });
    cli.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
    const exited = new Promise<number>((r) => cli.on('exit', (c) => r(c ?? 1)));
    // Wait until the three captures deliver packets, then delete one replica (its Deployment
    // replaces it). On a busy node a capture tool can take seconds to start after its exec.
    const victim = before3[1];
    const t0 = Date.now();
    while (before3.some((p) => !stderr.includes(`${p}: first packets`)) && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 200));
    assert.ok(before3.every((p) => stderr.includes(`${p}: first packets`)), `the three captures deliver packets within 60 s:\n${stderr}`);
    await new Promise((r) => setTimeout(r, 1000));
    const del = await lab.kubectl(['-n', NS, 'delete', 'pod', victim, '--wait=false'], { role: 'admin' });
    assert.equal(del.code, 0, del.stderr);
    const code = await exited;
    console.log(stderr.split('\n').filter((l) => !/packets, .* left$/.test(l)).join('\n'));
    assert.equal(code, 0, stderr);
    const file = stdout.split('\n')[0];
    const side: CaptureSidecar = checkSidecar(JSON.parse(readFileSync(file.replace(/\.pcapng$/, '.falcoshark.json'), 'utf8')));
    const pods = side.pods!;
    console.log(pods.map((p) => `${p.pod} ${p.joined} ${p.outcome} ${p.packets} pkts: ${p.reason}`).join('\n'));
    assert.equal(side.plan.target.kind, 'workload');
    assert.equal(pods.length, 4, 'the three and the replacement');
    const gone = pods.find((p) => p.pod === victim)!;
    assert.equal(gone.outcome, 'pod-ended');
    assert.match(gone.reason, /deleted/);
    const added = pods.filter((p) => p.joined === 'during');
    assert.equal(added.length, 1);
    assert.ok(!before3.includes(added[0].pod));
    for (const p of pods) {
      assert.ok(p.packets > 0, `${p.pod} has packets`);
      if (p.pod !== victim) assert.equal(p.outcome, 'complete', `${p.pod}: ${p.reason}`);
    }
    // The file: every pod's interface, packets in time order, counts as the sidecar says.
    const rows = tshark(file, ['frame.interface_name', 'frame.time_epoch']);
    const perIf = new Map<string, number>();
    for (const [name] of rows) perIf.set(name, (perIf.get(name) ?? 0) + 1);
    assert.deepEqual([...perIf.keys()].sort(), pods.map((p) => `${NS}/${p.pod}:any`).sort());
    for (const p of pods) assert.equal(perIf.get(`${NS}/${p.pod}:any`), p.packets, `${p.pod}: tshark and the sidecar agree`);
    assert.equal(rows.length, side.record.packets);
    const times = rows.map((r) => Number(r[1]));
    const back = times.filter((t, i) => i > 0 && t < times[i - 1]).length;
    assert.equal(back, 0, `${back} packets out of time order`);
    // The replica's packets stop when it goes, its replacement's start after it came.
    const last = (name: string): number => Math.max(...rows.filter((r) => r[0] === name).map((r) => Number(r[1])));
    const first = (name: string): number => Math.min(...rows.filter((r) => r[0] === name).map((r) => Number(r[1])));
    assert.ok(first(`${NS}/${added[0].pod}:any`) > first(`${NS}/${before3[0]}:any`));
    assert.ok(last(`${NS}/${victim}:any`) < last(`${NS}/${before3[0]}:any`));
    const cap = execFileSync('capinfos', [file], { encoding: 'utf8' });
    assert.match(cap, new RegExp(`Number of packets:\\s+${side.record.packets}\\b`));
    assert.match(cap, /Number of interfaces in file: 4/);
    assert.match(cap, /every pod of pods app=wl-poller in namespace fs-workload-test/);
    const v = execFileSync('tshark', ['-r', file, '-V', '-c', '1'], { encoding: 'utf8' });
    assert.match(v, new RegExp(`Interface name: ${NS}/[a-z0-9-]+:any`));
    // The summary: each flow says which pod it was captured on; every pod is named.
    const summary = JSON.parse(execFileSync(process.execPath, [CLI, 'analyze', file, '--json'], { encoding: 'utf8', maxBuffer: 256 << 20 })) as AnnotatedSummary;
    const named = new Set(summary.flows.flatMap((f) => f.capturedOn ?? []));
    assert.deepEqual([...named].sort(), pods.map((p) => `${NS}/${p.pod}`).sort());
    const idNames = new Set(summary.flows.flatMap((f) => [f.clientIdentity, f.serverIdentity]).filter((i) => i?.kind === 'pod' && i.namespace === NS).map((i) => i!.name));
    for (const p of pods) assert.ok(idNames.has(p.pod), `${p.pod} named as an endpoint (the replacement too: the snapshot was completed)`);
    assert.match(summary.context!.target, /every pod/);
    // The Wireshark hand-off: a flow's display filter selects its packets in the merged file,
    // and they carry the interface (pod) the summary says it was captured on.
    const flow = summary.flows.filter((f) => f.protocol === 'tcp' && f.capturedOn?.length === 1).sort((x, y) => (y.packets.fromClient + y.packets.fromServer) - (x.packets.fromClient + x.packets.fromServer))[0];
    assert.ok(flow, 'a TCP flow captured on one pod');
    const df = displayFilterForFlow(flow);
    assert.ok(df.ok);
    const sel = execFileSync('tshark', ['-r', file, '-Y', df.ok ? df.filter : '', '-T', 'fields', '-e', 'frame.interface_name'], { encoding: 'utf8' }).split('\n').filter(Boolean);
    assert.equal(sel.length, flow.packets.fromClient + flow.packets.fromServer);
    assert.deepEqual([...new Set(sel)], [`${flow.capturedOn![0]}:any`]);
    const table = execFileSync(process.execPath, [CLI, 'analyze', file], { encoding: 'utf8' });
    assert.match(table, /captured on/);
  });

  test('the workload of an alert whose pod is gone: its replacements\' workload, else a reason', async () => {
    // An alert about a pod that a rollout or a scale-down has removed (the pod name as the
    // ReplicaSet made it, with a hash no pod has now): "capture the workload" still means the
    // Deployment's pods now.
    const kc = lab.kubeConfig('falcoshark');
    assert.deepEqual(await workloadOfPod(kc, NS, `${APP}-5d8f7c9b4-gone0`), { namespace: NS, selector: '', owner: { kind: 'Deployment', name: APP } });
    const live = (await runningPods(lab))[0];
    assert.deepEqual(await workloadOfPod(kc, NS, live), { namespace: NS, selector: '', owner: { kind: 'Deployment', name: APP } });
    await assert.rejects(workloadOfPod(kc, NS, 'nothing-5d8f7c9b4-gone0'),
      /pod fs-workload-test\/nothing-5d8f7c9b4-gone0 no longer exists and no running pod of a workload named nothing replaced it/);
  });

  test('a pod deleted just before its capture starts is reported with its reason; the others\' packets are kept', async () => {
    const pods = await runningPods(lab);
    assert.equal(pods.length, 3);
    const kc = lab.kubeConfig('falcoshark');
    const plan = planForWorkload({ namespace: NS, selector: `app=${APP}` }, { image: DEMO.captureImage, caps: { durationSeconds: 8 } });
    const victim = pods[2];
    const rec = await runWorkloadCapture({
      plan, outDir: out, kubeConfig: kc,
      startSource: async (pod, podPlan) => {
        if (pod.pod === victim) {
          const d = await lab.kubectl(['-n', NS, 'delete', 'pod', victim, '--wait=true', '--timeout=60s'], { role: 'admin', timeoutMs: 70_000 });
          assert.equal(d.code, 0, d.stderr);
        }
        const s = await startPodCapture(kc, podPlan);
        return { source: s.source, container: s.container };
      },
    });
    console.log(rec.pods.map((p) => `${p.pod} ${p.joined} ${p.outcome} ${p.packets} pkts: ${p.reason}`).join('\n'));
    const v = rec.pods.find((p) => p.pod === victim)!;
    assert.equal(v.outcome, 'failed');
    assert.match(v.reason, /no longer exists/);
    const kept = rec.pods.filter((p) => p.pod !== victim && p.joined === 'start');
    assert.equal(kept.length, 2);
    for (const p of kept) { assert.equal(p.outcome, 'complete', p.reason); assert.ok(p.packets > 0); }
    assert.notEqual(rec.outcome, 'failed');
    assert.match(rec.reason, new RegExp(`1 failed \\(${victim}`));
    const names = new Set(tshark(rec.file, ['frame.interface_name']).map((r) => r[0]));
    for (const p of kept) assert.ok(names.has(`${NS}/${p.pod}:any`));
    assert.ok(!names.has(`${NS}/${victim}:any`));
  });

  test('Pod Security "restricted" refuses every capture container: the capture fails, each pod with the refusal', async () => {
    const kc = lab.kubeConfig('falcoshark');
    const plan = planForWorkload({ namespace: 'payments', selector: '', owner: { kind: 'Deployment', name: 'ledger' } }, { image: DEMO.captureImage, caps: { durationSeconds: 4 } });
    const rec = await runWorkloadCapture({ plan, outDir: out, kubeConfig: kc });
    console.log(rec.reason);
    assert.equal(rec.outcome, 'failed');
    assert.ok(rec.pods.length >= 1);
    for (const p of rec.pods) { assert.equal(p.outcome, 'failed'); assert.match(p.reason, /Pod Security refused/); }
    assert.match(rec.reason, /no pod could be captured/);
  });
});
