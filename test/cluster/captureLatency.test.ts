// Alert → first captured packet on the real cluster, with the breakdown (filter check, plan and
// pod lookup, ephemeral container patch → running, exec, first bytes from the tool, first
// packet), for a pod without a capture container yet and for one whose container is reused.
// A measurement printed as diagnostics (the README keeps the figures), not a timed assertion.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseAlert } from '../../src/core/alerts/alertParser.js';
import { planFromAlert } from '../../src/core/capture/capturePlan.js';
import { runCapture } from '../../src/core/capture/runCapture.js';
import { DEMO, clusterSkipReason, latestC2AlertLine, useClusterLab } from '../support/clusterLab.js';

const skip = clusterSkipReason(['tshark', 'dumpcap']);

test('alert → first captured packet: the breakdown, cold and with the capture container reused', { skip, timeout: 600_000 }, async (t) => {
  const lab = await useClusterLab();
  const dir = mkdtempSync(join(tmpdir(), 'fs-latency-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // A fresh api pod (no capture container yet): restart the Deployment and take its new pod's alert.
  await lab.kubectl(['rollout', 'restart', 'deployment/api', '-n', 'shop'], { role: 'admin' });
  await lab.kubectl(['rollout', 'status', 'deployment/api', '-n', 'shop', '--timeout=120s'], { role: 'admin', timeoutMs: 130_000 });
  const apiPod = (await lab.waitForPod('shop', 'app=api')).metadata?.name ?? '';
  const results: Record<string, Record<string, number>> = {};
  for (const run of ['cold (container added)', 'reused container']) {
    let line = '';
    for (let i = 0; i < 60 && !line.includes(apiPod); i++) {
      line = await latestC2AlertLine(lab);
      if (!line.includes(apiPod)) await new Promise((r) => setTimeout(r, 1000));
    }
    const parsed = parseAlert(line);
    assert.ok(parsed.ok && parsed.alert.pod === apiPod, `a C2 alert of ${apiPod}`);
    // "falcoshark has the alert" from here on; the filter is the whole pod so the first packet
    // does not wait for the next beacon (every 5 s).
    const t0 = performance.now();
    const marks: Record<string, number> = {};
    const mark = (k: string): void => { marks[k] ??= Math.round(performance.now() - t0); };
    const plan = planFromAlert(parsed.alert, { image: DEMO.captureImage, caps: { durationSeconds: 3 }, filterOverride: '' });
    mark('plan');
    const rec = await runCapture({ plan, outDir: dir, kubeConfig: lab.kubeConfig('falcoshark'), alert: parsed.alert,
      onStage: (s) => {
        if (s.startsWith('checking the capture filter')) mark('filter check started');
        else if (s.startsWith('reading the cluster')) mark('filter checked');
        else if (s.startsWith('starting capture container')) mark('pod looked up');
        else if (s.startsWith('capturing in')) mark('container running');
      },
      onProgress: (p) => { if (p.bytes > 0) mark('first bytes from the tool'); if (p.packets > 0) mark('first packet'); } });
    assert.ok(rec.packets > 0, `${run}: ${rec.outcome} ${rec.reason}`);
    results[run] = marks;
  }
  t.diagnostic(`ms from having the alert:\n${JSON.stringify(results, null, 2)}`);
});
