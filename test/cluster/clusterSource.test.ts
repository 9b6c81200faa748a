// The cluster source against the real lab cluster: the falco DaemonSet pod's JSON alerts arrive
// as it logs them, typed (pod, network context); deleting the falco pod (the DaemonSet
// controller brings a new one) loses none and duplicates none. Ground truth: the pods' own logs
// read with kubectl. (Formerly test/integration/alerts/clusterSourceLab.test.ts on the imitation.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clusterSkipReason, useClusterLab } from '../support/clusterLab.js';
import { BoundedQueue } from '../../src/core/alerts/boundedQueue.js';
import type { SourceEvent } from '../../src/core/alerts/sources/sourceEvents.js';
import { ClusterAlertSource } from '../../src/core/alerts/sources/clusterSource.js';
import { parseAlert } from '../../src/core/alerts/alertParser.js';
import type { FalcoAlert } from '../../src/core/alerts/types.js';

const skip = clusterSkipReason();

async function until(pred: () => boolean, what: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('real cluster: falco pod alerts followed; a falco pod replaced by its DaemonSet loses none and duplicates none', { skip, timeout: 300_000 }, async () => {
  const lab = await useClusterLab();
  const falco = await lab.waitForPod('falco', 'app.kubernetes.io/name=falco');
  const firstName = falco.metadata?.name ?? '';
  const q = new BoundedQueue<SourceEvent>(10_000);
  const alerts: FalcoAlert[] = [];
  const statuses: string[] = [];
  let skipped = 0;
  const consumer = (async () => {
    for await (const e of q) {
      if (e.type === 'alert') alerts.push(e.alert);
      else if (e.type === 'status') statuses.push(e.message);
      else skipped++;
    }
  })();
  const ac = new AbortController();
  const src = new ClusterAlertSource({ kubeConfig: lab.kubeConfig('falcoshark'), initialSinceSeconds: 'all', backoff: { initialMs: 100, maxMs: 1000 } }, q);
  const run = src.run(ac.signal);
  try {
    await until(() => alerts.length >= 3, 'three alerts from the first Falco pod', 60_000);
    const a = alerts[0];
    assert.equal(a.rule, 'Outbound Connection to C2 Servers');
    assert.equal(a.namespace, 'shop');
    assert.match(a.pod ?? '', /^api-/);
    assert.equal(a.network?.server.ip, '203.0.113.66');
    assert.equal(a.network?.server.port, 4444);
    assert.match(a.container.id ?? '', /^[0-9a-f]{12}$/);
    assert.ok(skipped >= 10, `Falco's startup text counted as non-alert lines (${skipped})`);

    // Ground truth of the first pod, just before it is deleted.
    const before = await lab.kubectl(['logs', '-n', 'falco', firstName, '-c', 'falco']);
    assert.equal(before.code, 0, before.stderr);
    const del = await lab.kubectl(['delete', 'pod', '-n', 'falco', firstName], { role: 'admin' });
    assert.equal(del.code, 0, del.stderr);
    await until(() => src.followed.some((p) => p.startsWith('falco/') && p !== `falco/${firstName}`), 'the replacement Falco pod to be followed', 120_000);
    const secondName = (src.followed.find((p) => p !== `falco/${firstName}`) ?? '').split('/')[1];
    const countAtSwitch = alerts.length;
    await until(() => alerts.length >= countAtSwitch + 3, 'three alerts from the new Falco pod', 90_000);
    ac.abort();
    await run;
    const afterLog = await lab.kubectl(['logs', '-n', 'falco', secondName, '-c', 'falco']);
    assert.equal(afterLog.code, 0, afterLog.stderr);

    const truth = (text: string) => text.split('\n').flatMap((l) => { const r = parseAlert(l); return r.ok ? [r.alert.fingerprint] : []; });
    const expected = [...truth(before.stdout), ...truth(afterLog.stdout)];
    const got = alerts.map((x) => x.fingerprint);
    assert.equal(new Set(got).size, got.length, 'no alert delivered twice');
    const gotSet = new Set(got);
    const missing = expected.filter((f) => !gotSet.has(f));
    assert.deepEqual(missing, [], 'every alert the Falco pods logged was delivered');
    console.log(`CLUSTER ${JSON.stringify({ firstPod: firstName, secondPod: secondName, delivered: got.length, inLogs: expected.length, duplicatesDropped: src.stats.duplicatesDropped })}`);
  } finally {
    ac.abort();
    await run.catch(() => undefined);
    q.close();
    await consumer;
  }
});
