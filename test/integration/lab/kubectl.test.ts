// The lab driven by the real kubectl (v1.32): get -A -o wide, get -w, logs -f -l, exec exit
// codes, debug (ephemeral container), auth can-i per role.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { labSkipReason, startTestLab, type TestLab } from '../../../src/lab/testLab.js';
import type { RoleName } from '../../../src/lab/rbac.js';

const skip = labSkipReason(['kubectl']);

async function until(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
}

describe('lab with kubectl', { skip }, () => {
  let lab: TestLab;
  let apiPod = '';

  before(async () => {
    lab = await startTestLab({ beaconEveryMs: 1500 });
    const p = await lab.waitForPod('shop', 'app=api');
    apiPod = p.metadata.name;
    await lab.waitForPod('falco', 'app.kubernetes.io/name=falco');
  });
  after(async () => { await lab?.stop(); });

  test('kubectl get pods -A -o wide prints the server-side table with IPs and the node', async () => {
    const r = await lab.kubectl(['get', 'pods', '-A', '-o', 'wide']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.match(lines[0], /^NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES$/);
    const api = lines.find((l) => l.includes(apiPod));
    assert.match(api ?? '', new RegExp(`^shop\\s+${apiPod}\\s+1/1\\s+Running\\s+0\\s+\\S+\\s+10\\.244\\.0\\.\\d+\\s+${lab.name}-worker\\s`));
    assert.ok(lines.some((l) => /^falco\s+falco-\w+\s+1\/1\s+Running/.test(l)), r.stdout);
  });

  test('kubectl get pods -w sees a pod go and its replacement come', async () => {
    const w = lab.kubectlSpawn(['get', 'pods', '-n', 'shop', '-w']);
    let out = '';
    w.stdout?.on('data', (b: Buffer) => { out += b.toString(); });
    await until(() => out.includes(apiPod), 10_000);
    const db = (await lab.kubectl(['get', 'pods', '-n', 'shop', '-l', 'app=db', '-o', 'jsonpath={.items[0].metadata.name}'])).stdout;
    const del = await lab.kubectl(['delete', 'pod', '-n', 'shop', db, '--wait=false'], { role: 'admin' });
    assert.equal(del.code, 0, del.stderr);
    const replacement = new RegExp(`\\n(db-\\w+-(?!${db.split('-').pop() ?? ''})\\w+)\\s+1/1\\s+Running`);
    await until(() => out.includes('Terminating') && replacement.test(out), 15_000);
    w.kill();
    assert.match(out, new RegExp(`${db}\\s+1/1\\s+Terminating`));
    assert.match(out, replacement);
  });

  test('kubectl logs -f -l app.kubernetes.io/name=falco -c falco shows startup text and a real alert', async () => {
    const f = lab.kubectlSpawn(['logs', '-f', '-n', 'falco', '-l', 'app.kubernetes.io/name=falco', '-c', 'falco', '--tail=-1']);
    let out = '';
    f.stdout?.on('data', (b: Buffer) => { out += b.toString(); });
    await until(() => out.includes('"rule":"Outbound Connection to C2 Servers"'), 15_000);
    f.kill();
    assert.match(out, /^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}: Falco version: 0\.40\.0 \(x86_64\)$/m);
    const alert = JSON.parse(out.split('\n').find((l) => l.startsWith('{')) ?? '{}') as { output_fields: Record<string, string | number>; output: string };
    assert.equal(alert.output_fields['k8s.pod.name'], apiPod);
    assert.equal(alert.output_fields['k8s.ns.name'], 'shop');
    assert.equal(alert.output_fields['fd.sip'], '203.0.113.66');
    assert.ok(alert.output.includes(`connection=${String(alert.output_fields['fd.name'])}`));
  });

  test('kubectl exec propagates exit codes and output', async () => {
    const r = await lab.kubectl(['exec', '-n', 'shop', apiPod, '--', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    assert.equal(r.code, 3, r.stderr);
    assert.equal(r.stdout, 'out\n');
    assert.match(r.stderr, /err\n/);
    assert.match(r.stderr, /command terminated with exit code 3/);
    const ok = await lab.kubectl(['exec', '-n', 'shop', apiPod, '-c', 'api', '--', 'ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /10\.244\.0\.\d+\/24/);
    // Cluster DNS: the pod's resolv.conf points at kube-dns; service names resolve to ClusterIPs.
    const dns = await lab.kubectl(['exec', '-n', 'shop', apiPod, '--', 'sh', '-c', 'getent hosts db; curl -s -m 3 http://frontend.shop.svc.cluster.local:8080/']);
    assert.equal(dns.code, 0, dns.stderr);
    assert.match(dns.stdout, /^10\.96\.0\.22\s+db\.shop\.svc\.cluster\.local\n\{"from":"frontend"/);
  });

  test('kubectl debug adds an ephemeral container sharing the pod network (non-interactive and -it)', async () => {
    const r = await lab.kubectl(['debug', '-n', 'shop', apiPod, '--image=busybox', '--target=api', '--profile=general', '--', 'sh', '-c', 'ip -4 -o addr show dev eth0']);
    assert.equal(r.code, 0, r.stderr);
    const name = /Defaulting debug container name to (debugger-\w+)/.exec(r.stdout + r.stderr)?.[1] ?? '';
    assert.ok(name, `${r.stdout}${r.stderr}`);
    let state = '';
    for (let i = 0; i < 50 && !state.includes('terminated'); i++) {
      state = (await lab.kubectl(['get', 'pod', '-n', 'shop', apiPod, '-o', `jsonpath={.status.ephemeralContainerStatuses[?(@.name=="${name}")].state}`])).stdout;
      if (!state.includes('terminated')) await new Promise((res) => setTimeout(res, 200));
    }
    assert.match(state, /"exitCode":0/);
    const logs = await lab.kubectl(['logs', '-n', 'shop', apiPod, '-c', name]);
    assert.match(logs.stdout, /10\.244\.0\.\d+\/24/);
    const it = await lab.kubectl(['debug', '-it', '-n', 'shop', apiPod, '--image=busybox', '--target=api', '--profile=general', '--', 'sh', '-c', 'sleep 1; echo interactive-ok']);
    assert.equal(it.code, 0, it.stderr);
    assert.match(it.stdout, /interactive-ok/);
  });

  test('kubectl auth can-i answers per role', async () => {
    const ask = async (role: RoleName, args: string[]): Promise<string> => (await lab.kubectl(['auth', 'can-i', ...args], { role })).stdout.trim();
    const patchEph = ['patch', 'pods', '--subresource=ephemeralcontainers', '-n', 'shop'];
    const execPods = ['create', 'pods', '--subresource=exec', '-n', 'shop'];
    assert.equal(await ask('falcoshark', patchEph), 'yes');
    assert.equal(await ask('falcoshark', execPods), 'yes');
    assert.equal(await ask('falcoshark', ['delete', 'pods', '-n', 'shop']), 'no');
    assert.equal(await ask('readonly', patchEph), 'no');
    assert.equal(await ask('readonly', execPods), 'no');
    assert.equal(await ask('readonly', ['watch', 'pods', '-A']), 'yes');
    assert.equal(await ask('no-ephemeral', patchEph), 'no');
    assert.equal(await ask('no-ephemeral', execPods), 'yes');
    const denied = await lab.kubectl(['debug', '-n', 'shop', apiPod, '--image=busybox', '--', 'true'], { role: 'no-ephemeral' });
    assert.notEqual(denied.code, 0);
    assert.match(denied.stderr, new RegExp(`pods "${apiPod}" is forbidden: User "system:serviceaccount:lab:no-ephemeral" cannot patch resource "pods/ephemeralcontainers" in API group "" in the namespace "shop"`));
  });
});
