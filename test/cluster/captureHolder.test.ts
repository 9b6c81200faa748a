// What only a real cluster shows: Kubernetes never removes an ephemeral container from a pod.
// 25 captures of one pod: without reuse that is 25 containers in its spec for the pod's whole
// life; falcoshark reuses a running holder, so the spec grows by one, every capture is whole,
// and a pod that already carries too many of ours gets a clear refusal.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CoreV1Api } from '@kubernetes/client-node';
import { planForPod } from '../../src/core/capture/capturePlan.js';
import { runCapture } from '../../src/core/capture/runCapture.js';
import { acquireCaptureHolder, ourHolders } from '../../src/core/k8s/captureHolder.js';
import { DEMO, clusterSkipReason, useClusterLab } from '../support/clusterLab.js';

const skip = clusterSkipReason(['tshark', 'dumpcap']);

test('25 captures of one pod: one capture container, reused; the 26th holder is refused with the reason', { skip, timeout: 600_000 }, async (t) => {
  const lab = await useClusterLab();
  const name = `holders-${Date.now().toString(36)}`;
  // A pod of its own (the demo's pods are shared with other tests), running the demo's db.
  const manifest = JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'shop', labels: { app: name } },
    spec: { containers: [{ name: 'db', image: 'localhost/falcoshark/lab-demo:0.1.0', imagePullPolicy: 'IfNotPresent', args: ['db', '--listen', ':5432'] }] } });
  const dir = mkdtempSync(join(tmpdir(), 'fs-holders-'));
  const apply = execFileSync('kubectl', ['--kubeconfig', lab.kubeconfigPath, '--context', lab.context('admin'), 'apply', '-f', '-'], { input: manifest, encoding: 'utf8' });
  assert.match(apply, /created|configured/);
  t.after(async () => {
    await lab.kubectl(['delete', 'pod', '-n', 'shop', name, '--wait=false'], { role: 'admin' });
    rmSync(dir, { recursive: true, force: true });
  });
  await lab.waitForPod('shop', `app=${name}`);
  const kc = lab.kubeConfig('falcoshark');
  const containers = new Set<string>();
  const t0 = Date.now();
  for (let i = 0; i < 25; i++) {
    const plan = planForPod({ namespace: 'shop', pod: name }, { image: DEMO.captureImage, caps: { durationSeconds: 1 }, filterOverride: 'tcp' });
    const stages: string[] = [];
    const rec = await runCapture({ plan, outDir: dir, kubeConfig: kc, onStage: (s) => stages.push(s) });
    assert.ok(['cap-reached', 'complete'].includes(rec.outcome), `capture ${i + 1}: ${rec.outcome} ${rec.reason}`);
    execFileSync('capinfos', [rec.file], { stdio: 'ignore' });
    const m = stages.map((s) => /container (falcoshark-[0-9a-f]{6})/.exec(s)?.[1]).find(Boolean);
    if (m) containers.add(m);
  }
  t.diagnostic(`25 captures in ${((Date.now() - t0) / 1000).toFixed(1)} s, capture containers used: ${[...containers].join(', ')}`);
  const pod = await kc.makeApiClient(CoreV1Api).readNamespacedPod({ namespace: 'shop', name });
  const holders = ourHolders(pod);
  assert.equal(holders.length, 1, `the pod's spec holds ${holders.length} falcoshark containers: ${holders.map((h) => h.name).join(', ')}`);
  assert.deepEqual([...containers], [holders[0].name]);

  // A capture that needs the holder for longer than it still runs adds one more; past the cap, a clear refusal.
  await assert.rejects(acquireCaptureHolder(kc, { namespace: 'shop', pod: name, image: DEMO.captureImage, needSeconds: 3600, maxHolders: 1 }),
    /pod shop\/holders-\S+ already carries 1 falcoshark capture containers and none of them still runs \(Kubernetes never removes ephemeral containers from a pod\)\. .*restart the pod/);
});
