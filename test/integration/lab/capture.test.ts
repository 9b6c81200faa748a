// tshark in an ephemeral container of a lab pod: the pcap streamed over attach holds that
// pod's real traffic (its HTTP from the frontend, its queries to db, its DNS lookup of the
// suspicious name and its connection to the fake C2 host).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Attach, CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { labSkipReason, startTestLab, type TestLab } from '../../../src/lab/testLab.js';

const skip = labSkipReason(['tshark']);

describe('capture in an ephemeral container', { skip }, () => {
  let lab: TestLab;
  const dir = mkdtempSync(join(tmpdir(), 'lab-capture-'));
  before(async () => { lab = await startTestLab({ beaconEveryMs: 1000, trafficEveryMs: 500 }); });
  after(async () => { await lab?.stop(); rmSync(dir, { recursive: true, force: true }); });

  test('tshark -w - over attach captures the pod\'s own traffic', async () => {
    const pod = await lab.waitForPod('shop', 'app=api');
    const podIp = String(pod.status?.podIP);
    const core = lab.kubeConfig().makeApiClient(CoreV1Api);
    await core.patchNamespacedPodEphemeralcontainers({ namespace: 'shop', name: pod.metadata.name, body: { spec: { ephemeralContainers: [{
      name: 'capture', image: 'nicolaka/netshoot', targetContainerName: 'api', stdin: false, tty: false,
      command: ['sh', '-c', 'sleep 2.5; exec tshark -Q -i eth0 -a duration:4 -F pcap -w -'],
      securityContext: { capabilities: { add: ['NET_RAW', 'NET_ADMIN'] } },
    }] } } }, setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch));
    for (let i = 0; i < 50; i++) {
      const p = await core.readNamespacedPod({ namespace: 'shop', name: pod.metadata.name });
      if (p.status?.ephemeralContainerStatuses?.find((s) => s.name === 'capture')?.state?.running) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const chunks: Buffer[] = [];
    const out = new Writable({ write(c: Buffer, _e, cb) { chunks.push(Buffer.from(c)); cb(); } });
    await new Promise<void>((resolve, reject) => {
      new Attach(lab.kubeConfig()).attach('shop', pod.metadata.name, 'capture', out, null, null, false)
        .then((ws) => ws.on('close', () => resolve()), reject);
    });
    const pcap = Buffer.concat(chunks);
    assert.ok(pcap.length > 24, `pcap of ${pcap.length} bytes`);
    assert.equal(pcap.readUInt32LE(0), 0xa1b2c3d4, 'pcap magic (binary-clean stream)');
    const file = join(dir, 'api.pcap');
    writeFileSync(file, pcap);
    const rows = execFileSync('tshark', ['-r', file, '-T', 'fields', '-E', 'separator=,', '-e', 'ip.src', '-e', 'ip.dst', '-e', 'tcp.dstport', '-e', 'dns.qry.name'], { encoding: 'utf8' })
      .trim().split('\n').filter((l) => l.startsWith('1') || l.startsWith('2'));
    assert.ok(rows.length > 5, rows.join('\n'));
    const own = new Set([podIp, '10.96.0.21']);
    for (const r of rows) {
      const [src, dst] = r.split(',');
      assert.ok(own.has(src) || own.has(dst), `packet not of the pod: ${r}`);
    }
    assert.ok(rows.some((r) => r.startsWith(`${podIp},203.0.113.66,4444`)), 'the C2 connection');
    assert.ok(rows.some((r) => r.startsWith(`${podIp},10.96.0.10,`) && r.endsWith('updates.cdn-telemetry.xyz')), 'the DNS lookup');
    assert.ok(rows.some((r) => r.startsWith(`${podIp},10.96.0.22,5432`)), 'queries to the db service');
    const st = (await core.readNamespacedPod({ namespace: 'shop', name: pod.metadata.name })).status?.ephemeralContainerStatuses?.find((s) => s.name === 'capture');
    assert.ok(st?.state?.terminated, 'terminated after -a duration:4');
  });
});
