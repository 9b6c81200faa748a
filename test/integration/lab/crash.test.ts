// Crash recovery: kill -9 a lab process; its namespaces and processes outlive it; the next
// lab of the same name removes all of that before starting; stopping leaves nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { listNetns, netnsPrefix, stateDir } from '../../../src/lab/netns.js';
import { labSkipReason, startTestLab, uniqueLabName } from '../../../src/lab/testLab.js';

const skip = labSkipReason();

/** Running (a zombie waiting for init to reap it counts as gone). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\S+ \(.*\) [ZX]/.test(stat);
  } catch { return false; }
}

test('after kill -9 of the lab, the next lab of the same name leaves nothing of the old one', { skip }, async () => {
  const name = uniqueLabName('c');
  const first = await startTestLab({ name, mode: 'child', trafficEveryMs: 5000, beaconEveryMs: 5000 });
  await first.waitForPod('shop', 'app=api');
  const oldNs = (await listNetns()).filter((n) => n.startsWith(netnsPrefix(name)));
  assert.ok(oldNs.length >= 7, oldNs.join());
  const oldPids = oldNs.flatMap((n) => execFileSync('ip', ['netns', 'pids', n], { encoding: 'utf8' }).split('\n').filter((l) => l).map(Number));
  assert.ok(oldPids.length >= 5, 'container processes run');
  assert.ok(first.pid !== undefined);
  process.kill(first.pid, 'SIGKILL');
  await new Promise((r) => setTimeout(r, 300));
  assert.ok(!alive(first.pid));
  assert.ok((await listNetns()).some((n) => oldNs.includes(n)), 'a crash leaves namespaces behind');
  const oldConfig = readFileSync(first.kubeconfigPath, 'utf8');

  const second = await startTestLab({ name, scenario: false });
  try {
    const now = await listNetns();
    for (const n of oldNs) if (n !== `${netnsPrefix(name)}node`) assert.ok(!now.includes(n), `old netns ${n} removed`);
    for (const p of oldPids) assert.ok(!alive(p), `old process ${p} killed`);
    assert.notEqual(readFileSync(second.kubeconfigPath, 'utf8'), oldConfig, 'a fresh CA/kubeconfig');
  } finally {
    await second.stop();
  }
  assert.deepEqual((await listNetns()).filter((n) => n.startsWith(netnsPrefix(name))), []);
  assert.ok(!existsSync(stateDir(name)), 'state dir removed');
  for (const n of oldNs) assert.ok(!existsSync(`/etc/netns/${n}`), `no /etc/netns/${n}`);
  const links = execFileSync('ip', ['-o', 'link'], { encoding: 'utf8' });
  assert.ok(!links.includes(netnsPrefix(name)), 'no host links of the lab');
});
