// What only a real cluster shows: a cluster snapshot used to read at most 5,000 pods and never
// follow `continue`, so in a bigger cluster the pods past the first page were "external". With
// 6,000 more pod objects on the real apiserver (namespace `a-bulk`, listed before `shop`; never
// scheduled: no scheduler has their name), the snapshot pages through all of them and still
// names the demo's pods.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CoreV1Api } from '@kubernetes/client-node';
import { takeClusterSnapshot } from '../../src/core/k8s/clusterSnapshot.js';
import { clusterSkipReason, useClusterLab } from '../support/clusterLab.js';

const skip = clusterSkipReason();
const NS = 'a-bulk';
const COUNT = 6000;

test(`the cluster snapshot pages through ${COUNT}+ pods of the real apiserver and names the pods past the first 5,000`, { skip, timeout: 900_000 }, async (t) => {
  const lab = await useClusterLab();
  const admin = lab.kubeConfig('admin').makeApiClient(CoreV1Api);
  await lab.kubectl(['delete', 'namespace', NS, '--ignore-not-found', '--wait=true', '--timeout=300s'], { role: 'admin', timeoutMs: 320_000 });
  await admin.createNamespace({ body: { metadata: { name: NS } } });
  t.after(async () => { await lab.kubectl(['delete', 'namespace', NS, '--wait=false'], { role: 'admin' }); });
  const t0 = Date.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < COUNT; i = next++) {
      await admin.createNamespacedPod({ namespace: NS, body: {
        metadata: { name: `filler-${String(i).padStart(5, '0')}`, labels: { app: 'filler' } },
        spec: { schedulerName: 'falcoshark-no-scheduler', containers: [{ name: 'c', image: 'localhost/falcoshark/lab-demo:0.1.0' }] },
      } });
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  t.diagnostic(`${COUNT} pod objects created in ${((Date.now() - t0) / 1000).toFixed(0)} s`);

  const all = await admin.listPodForAllNamespaces({ limit: 5000 });
  assert.ok(all.metadata?._continue, 'the first 5,000 are not all of them');
  const firstPage = new Set(all.items.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`));
  const api = (await admin.listNamespacedPod({ namespace: 'shop', labelSelector: 'app=api' })).items[0];
  assert.ok(api?.status?.podIP);
  assert.ok(!firstPage.has(`shop/${api.metadata?.name}`), 'the api pod is past the first 5,000 (the case that used to be "external")');

  const t1 = Date.now();
  const snap = await takeClusterSnapshot(lab.kubeConfig('falcoshark'));
  t.diagnostic(`snapshot of ${COUNT + 10}+ pods in ${((Date.now() - t1) / 1000).toFixed(1)} s`);
  assert.deepEqual(snap.gaps, []);
  const owner = snap.ips[api.status.podIP];
  assert.equal(owner?.kind, 'pod');
  assert.equal(owner?.kind === 'pod' ? `${owner.namespace}/${owner.name}` : '', `shop/${api.metadata?.name}`);
});
